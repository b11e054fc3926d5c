"""Every response of the ACC Cost face, checked against Autodesk's published schemas.

Autodesk's OpenAPI models (tests/contract/README.md) type each response; every response must
validate, and every field they document must be present. Payment items are also checked
against the longer field list of Autodesk's reference page for GET payment-items
(aps.autodesk.com, "cost-payment-items-GET"), which documents fields the OpenAPI model does not.
"""

from __future__ import annotations

import base64
from typing import Any

from fastapi.testclient import TestClient

from drawbridge.bootstrap import Runtime
from tests.contract.vendor import VENDORS

TOKEN = {"Authorization": "Bearer demo-admin-token-0001"}
CONTAINER = "6f1c3b7e-1c1e-4a57-9a0b-1f2e3d4c5b6a"
BASE = f"/cost/v1/containers/{CONTAINER}"
# The field names of a payment item on Autodesk's reference page for GET payment-items.
REFERENCE_PAGE_ITEM_FIELDS = [
    "id",
    "paymentId",
    "parentId",
    "budgetId",
    "budgetCode",
    "budgetFormattedCode",
    "associationType",
    "associationId",
    "name",
    "description",
    "position",
    "exchangeRate",
    "originalExchangeRate",
    "previousExchangeRate",
    "originalQuantity",
    "originalUnitPrice",
    "originalAmount",
    "budgetTransfersQuantity",
    "budgetTransfersUnitPrice",
    "budgetTransfers",
    "previousQuantity",
    "previousUnitPrice",
    "previousAmount",
    "previousAmountForeignCurrency",
    "previousMaterialsOnStore",
    "previousMaterialsBilledQuantity",
    "previousMaterialsBilledUnitPrice",
    "previousMaterialsBilledUnit",
    "previousMaterialsBilled",
    "previousMaterialsBilledForeignCurrency",
    "previousMaterials",
    "quantity",
    "unitPrice",
    "unit",
    "amount",
    "materialsBilledQuantity",
    "materialsBilledUnitPrice",
    "materialsBilledUnit",
    "materialsBilled",
    "materialsOnStoreQuantity",
    "materialsOnStoreUnitPrice",
    "materialsOnStoreUnit",
    "materialsOnStore",
    "materials",
    "currentCompletedWorkRetentionPercent",
    "currentCompletedWorkRetention",
    "currentCompletedWorkRetentionForeignCurrency",
    "previousCompletedWorkRetained",
    "previousCompletedWorkRetainedForeignCurrency",
    "completedWorkRetainedPercent",
    "completedWorkRetained",
    "completedWorkReleased",
    "completedWorkRetentionPercent",
    "completedWorkRetention",
    "currentMaterialsRetentionPercent",
    "currentMaterialsRetention",
    "currentMaterialsRetentionForeignCurrency",
    "previousMaterialsRetained",
    "previousMaterialsRetainedForeignCurrency",
    "materialsRetainedPercent",
    "materialsRetained",
    "materialsReleased",
    "materialsOnStoreReleased",
    "materialsOnStoreRetentionPercent",
    "materialsRetentionPercent",
    "materialsRetention",
    "previousRetained",
    "totalRetainedPercent",
    "totalRetained",
    "currentRetention",
    "currentReleased",
    "totalRetentionPercent",
    "retainage",
    "previousNetAmount",
    "netAmount",
    "netAmountForeignCurrency",
    "realizedGainOrLoss",
    "previousClaimedQuantity",
    "previousClaimedUnitPrice",
    "previousClaimedAmount",
    "previousClaimedAmountForeignCurrency",
    "claimedQuantity",
    "claimedUnitPrice",
    "claimedAmount",
    "previousAdvanceAmount",
    "previousAdvanceAmountForeignCurrency",
    "advancePercent",
    "advanceAmount",
    "previousRecoupmentAmount",
    "previousRecoupmentAmountForeignCurrency",
    "recoupmentAmount",
    "recoupmentPercentOfCompletedWork",
    "creatorId",
    "changedBy",
    "status",
    "lastReviewedBy",
    "hasComment",
    "canDelete",
    "isPrivate",
    "aggregateBy",
    "createdAt",
    "updatedAt",
    "externalId",
    "externalSystem",
    "externalMessage",
    "lastSyncTime",
    "integrationState",
    "integrationStateChangedAt",
    "integrationStateChangedBy",
]


class Walk:
    def __init__(self, client: TestClient) -> None:
        self.client = client
        self.invalid: list[str] = []
        self.omitted: list[str] = []

    def call(self, method: str, url: str, model: str, **kwargs: Any) -> Any:
        kwargs.setdefault("headers", TOKEN)
        response = self.client.request(method, url, **kwargs)
        assert response.status_code == 200, f"{method} {url}: {response.text}"
        body = response.json()
        schema = VENDORS.acc.component(model)
        self.invalid += [f"{method} {url}: {e}" for e in VENDORS.acc.validate(schema, body)]
        self.omitted += [f"{model}: {f}" for f in VENDORS.acc.omitted(schema, body)]
        return body


def test_every_acc_response_fits_autodesks_schema(demo: Runtime, client: TestClient) -> None:
    walk = Walk(client)
    basic = base64.b64encode(b"demo-client-0001:demo-client-secret-0001").decode()
    token = walk.call(
        "POST",
        "/authentication/v2/token",
        "Authtoken",
        headers={"Authorization": f"Basic {basic}"},
        data={"grant_type": "client_credentials", "scope": "data:read data:write"},
    )
    assert token["expires_in"] > 0
    include = "paymentReferences,attributes,summaryCalculatedFields,complianceExpiration"
    payments = walk.call("GET", f"{BASE}/payments?include={include}", "PaymentListResponse")
    assert payments["results"], "the demo has payments"
    for payment in payments["results"]:
        walk.call("GET", f"{BASE}/payments/{payment['id']}?include={include}", "Payment")
    ids = [payment["id"] for payment in payments["results"]]
    items = walk.call(
        "GET",
        f"{BASE}/payment-items?limit=200&filter[paymentId]={','.join(ids)}",
        "PaymentItemListResponse",
    )
    kinds = {item["associationType"] for item in items["results"]}
    assert kinds == {"SOV", "SCO", "MaterialsOnSite"}  # the demo bills every kind
    missing = sorted(
        {
            name
            for item in items["results"]
            for name in REFERENCE_PAGE_ITEM_FIELDS
            if name not in item
        }
    )
    assert missing == []
    walk.call(
        "PATCH",
        f"{BASE}/payments/{ids[-1]}",
        "Payment",
        json={"integrationState": "integrated", "externalId": "10010-99-AB"},
    )
    contracts = walk.call("GET", f"{BASE}/contracts", "ContractListResponse")
    assert contracts["results"][0]["scheduleOfValues"]

    assert walk.invalid == [], "\n".join(walk.invalid[:40])
    assert walk.omitted == [], "\n".join(sorted(set(walk.omitted)))
