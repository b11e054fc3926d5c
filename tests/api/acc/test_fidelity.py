"""Regressions of what a client generated from Autodesk's description rejected or misread (one
test per defect), on the demo ledger: project 6f1c3b7e-... and its commitment SC-001."""

from __future__ import annotations

import json
from uuid import UUID

from fastapi.testclient import TestClient

from drawbridge.bootstrap import Runtime

T = {"Authorization": "Bearer demo-admin-token-0001"}
PROCORE = {**T, "Procore-Company-Id": "1"}
BASE = "/cost/v1/containers/6f1c3b7e-1c1e-4a57-9a0b-1f2e3d4c5b6a"
SC_001 = "0b1d5e2a-7c3f-4e8a-9d61-2f4a6b8c0e13"


def _payments(client: TestClient, query: str = "") -> list[dict[str, object]]:
    response = client.get(f"{BASE}/payments{query}", headers=T)
    assert response.status_code == 200, response.text
    return list(response.json()["results"])


def _sc001(client: TestClient) -> list[dict[str, object]]:
    return _payments(client, f"?filter[associationId]={SC_001}&sort=number")


def test_12_unknown_filters_and_malformed_ids_are_400(demo: Runtime, client: TestClient) -> None:
    unknown = client.get(f"{BASE}/payments?filter[foo]=1", headers=T)
    assert unknown.status_code == 400
    assert unknown.json()["errors"][0]["field"] == "filter[foo]"
    items = client.get(f"{BASE}/payment-items?filter[foo]=1", headers=T)
    assert items.status_code == 400
    assert client.get(f"{BASE}/payments/not-a-uuid", headers=T).status_code == 400
    locked = _sc001(client)[-1]["id"]
    client.patch(f"{BASE}/payments/{locked}", json={"integrationState": "locked"}, headers=T)
    refused = client.patch(f"{BASE}/payments/{locked}", json={"name": "x"}, headers=T).json()
    codes = [refused["code"], *(item["code"] for item in refused["errors"])]
    assert all(code == code.upper() for code in codes), codes


def test_13_payment_items_are_in_accs_shape(demo: Runtime, client: TestClient) -> None:
    payments = _sc001(client)
    query = f"?filter[paymentId]={payments[-1]['id']}"
    items = client.get(f"{BASE}/payment-items{query}", headers=T).json()["results"]
    for item in items:
        UUID(str(item["id"]))  # every id is a UUID
    assert {item["associationType"] for item in items} <= {"SOV", "SCO", "MaterialsOnSite"}
    assert "SCO" in {item["associationType"] for item in items}
    sco = client.get(f"{BASE}/payment-items{query}&filter[associationType]=SCO", headers=T).json()[
        "results"
    ]
    assert sco
    assert {item["associationType"] for item in sco} == {"SCO"}
    by_contract = client.get(
        f"{BASE}/payment-items?filter[associationId]={SC_001}&limit=200", headers=T
    ).json()
    assert by_contract["pagination"]["totalResults"] > len(items)
    by_name = client.get(f"{BASE}/payment-items{query}&sort=name desc", headers=T).json()["results"]
    names = [item["name"] for item in by_name]
    assert names == sorted(names, reverse=True)


def test_14_repeated_keys_statuses_and_budget_payment_filter(
    demo: Runtime, client: TestClient
) -> None:
    first, second = _sc001(client)[:2]
    repeated = _payments(client, f"?filter[id]={first['id']}&filter[id]={second['id']}")
    assert {p["id"] for p in repeated} == {first["id"], second["id"]}
    comma = _payments(client, f"?filter[id]={first['id']},{second['id']}")
    assert {p["id"] for p in comma} == {first["id"], second["id"]}
    assert _payments(client, "?filter[status]=pendingInput") == []
    in_review = _payments(client, "?filter[status]=inReview")
    assert in_review
    assert {p["status"] for p in in_review} == {"submitted"}
    budget = "?filter[budgetPaymentId]=18d97ae0-9484-11e8-a7ec-7ddae203e404"
    assert _payments(client, budget) == []  # no ledger payment has a budget payment


def test_15_percents_are_numbers_and_integrated_is_accepted(
    demo: Runtime, client: TestClient
) -> None:
    payment = _sc001(client)[0]
    for name in (
        "advancePercent",
        "completedWorkRetainedPercent",
        "totalRetainedPercent",
        "completedWorkGrossRetentionPercent",
        "materialsGrossRetentionPercent",
    ):
        assert isinstance(payment[name], float), name
    assert payment["completedWorkGrossRetentionPercent"] == 0.1  # SC-001 holds 10 %
    assert payment["materialsRetained"] == payment["materialsRetention"]
    assert str(payment["netAmount"]).count(".") == 1  # money stays a 4-place string
    assert len(str(payment["netAmount"]).split(".")[1]) == 4
    url = f"{BASE}/payments/{payment['id']}"
    integrated = client.patch(url, json={"integrationState": "integrated"}, headers=T)
    assert integrated.json()["integrationState"] == "integrated"
    assert client.patch(url, json={"integrationState": "unlocked"}, headers=T).status_code == 400


def test_17_no_negative_zero_anywhere(demo: Runtime, client: TestClient) -> None:
    ids = ",".join(str(p["id"]) for p in _payments(client))
    text = client.get(f"{BASE}/payments", headers=T).text
    text += client.get(f"{BASE}/payment-items?limit=200&filter[paymentId]={ids}", headers=T).text
    assert "-0.0000" not in text
    assert "-0.0," not in text
    assert "-0.0}" not in text


def test_17_paid_at_follows_the_payments(demo: Runtime, client: TestClient) -> None:
    first = _sc001(client)[0]
    assert first["status"] == "paid"
    assert first["paidAt"] is not None
    # The demo pays requisition 1 of SC-001 with its first payment: its date is paidAt's day.
    payments = client.get(
        "/rest/v1.0/contract_payments?project_id=789&contract_id=701973", headers=PROCORE
    ).json()
    covering = next(p for p in payments if p["payment_number"] == 1)
    assert str(first["paidAt"]).startswith(str(covering["date"]))
    client.delete(f"/rest/v1.0/contract_payments/{covering['id']}?project_id=789", headers=PROCORE)
    after = client.get(f"{BASE}/payments/{first['id']}", headers=T).json()
    assert after["paidAt"] is None
    assert after["status"] == "approved"


def test_17_approved_at_is_the_applications_billing_date(demo: Runtime, client: TestClient) -> None:
    first = _sc001(client)[0]
    # Requisition 1 of SC-001 was billed on 2025-02-28 (demo fixture), not at load time.
    assert first["approvedAt"] == "2025-02-28T00:00:00.000Z"


def test_17_payment_item_ids_are_stable(demo: Runtime, client: TestClient) -> None:
    payment = _sc001(client)[0]
    url = f"{BASE}/payment-items?filter[paymentId]={payment['id']}"
    once = [item["id"] for item in client.get(url, headers=T).json()["results"]]
    twice = [item["id"] for item in client.get(url, headers=T).json()["results"]]
    assert once == twice
    assert len(set(once)) == len(once)
    assert json.dumps(once).count("-materials") == 0
