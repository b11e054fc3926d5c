"""Sessions written as an integrator would write them against a client generated from each
vendor's description: every response is deserialized with models built from the vendor's
schemas (strict types, as the generated SDKs declare them), and the session reads only ids it
discovered, starting from the token.
"""

from __future__ import annotations

from decimal import Decimal
from typing import Any
from urllib.parse import parse_qs, urlsplit

from fastapi.testclient import TestClient

from drawbridge.bootstrap import Runtime
from tests.contract.vendor import VENDORS


class ProcoreClient:
    """A thin stand-in for the generated Procore SDK: one call, one typed result."""

    def __init__(self, client: TestClient) -> None:
        self.client = client
        self.company_id: int | None = None
        self.token: dict[str, str] = {}

    def call(self, method: str, template: str, path: str, status: int = 200, **kwargs: Any) -> Any:
        headers = dict(self.token)
        if self.company_id is not None:
            headers["Procore-Company-Id"] = str(self.company_id)
        response = self.client.request(method, path, headers=headers, **kwargs)
        assert response.status_code == status, response.text
        responses = VENDORS.procore.document["paths"][template][method.lower()]["responses"]
        schema = responses[str(status)].get("schema")
        return None if schema is None else VENDORS.procore.parse(schema, response.json())


def test_a_procore_app_signs_in_with_the_authorization_code_grant(
    demo: Runtime, client: TestClient
) -> None:
    """A server app's first call: send the user to /oauth/authorize (approved here with the demo
    admin's token, drawbridge having no login page), read the code at the redirect URI, trade it
    (with its PKCE verifier) at /oauth/token, then call the API with the token."""
    verifier = "a-long-random-code-verifier-of-an-integration-0123456789"
    challenge = "ncocqBATJBQl69w8_AIWccBzIfdnD-z64as-K5iXWNw"  # base64url(SHA-256(verifier))
    sdk = ProcoreClient(client)
    sdk.token = {"Authorization": "Bearer demo-admin-token-0001"}
    redirect = "http://localhost:8765/callback"
    # The user's browser follows this; the app reads the redirect it ends with.
    location = client.get(
        f"/oauth/authorize?response_type=code&client_id=demo-client-0001&redirect_uri={redirect}"
        f"&state=st-2&code_challenge={challenge}&code_challenge_method=S256",
        headers=sdk.token,
        follow_redirects=False,
    ).headers["location"]
    answer = parse_qs(urlsplit(location).query)
    assert answer["state"] == ["st-2"]
    sdk.token = {}
    issued = sdk.call(
        "POST",
        "/oauth/token",
        "/oauth/token",
        data={
            "grant_type": "authorization_code",
            "client_id": "demo-client-0001",
            "client_secret": "demo-client-secret-0001",
            "code": answer["code"][0],
            "redirect_uri": redirect,
            "code_verifier": verifier,
        },
    )
    sdk.token = {"Authorization": f"Bearer {issued.access_token}"}
    assert sdk.call("GET", "/rest/v1.0/me", "/rest/v1.0/me").name == "Dana Whitfield"


def test_a_procore_integration_session(demo: Runtime, client: TestClient) -> None:
    sdk = ProcoreClient(client)
    issued = sdk.call(
        "POST",
        "/oauth/token",
        "/oauth/token",
        data={
            "grant_type": "client_credentials",
            "client_id": "demo-client-0001",
            "client_secret": "demo-client-secret-0001",
        },
    )
    sdk.token = {"Authorization": f"Bearer {issued.access_token}"}
    me = sdk.call("GET", "/rest/v1.0/me", "/rest/v1.0/me")
    assert me.name == "Dana Whitfield"  # the demo client acts as Dana
    company = sdk.call("GET", "/rest/v1.0/companies", "/rest/v1.0/companies")[0]
    sdk.company_id = company.id
    projects = sdk.call(
        "GET", "/rest/v1.0/projects", f"/rest/v1.0/projects?company_id={company.id}"
    )
    project = next(p for p in projects if p.project_number == "100")
    commitments = sdk.call(
        "GET", "/rest/v1.0/commitments", f"/rest/v1.0/commitments?project_id={project.id}"
    )
    commitment = next(c for c in commitments if c.number == "SC-001")
    shown = sdk.call(
        "GET",
        "/rest/v1.0/commitments/{id}",
        f"/rest/v1.0/commitments/{int(commitment.id)}?project_id={project.id}",
    )
    assert shown.vendor.name == "Ernie's Electrical"
    assert shown.type == "WorkOrderContract"
    paid_before = Decimal(shown.total_payments)
    subcontract = sdk.call(
        "GET",
        "/rest/v1.0/work_order_contracts/{id}",
        f"/rest/v1.0/work_order_contracts/{int(commitment.id)}?project_id={project.id}",
    )
    assert subcontract.revised_contract == shown.revised_contract
    line_items = sdk.call(
        "GET",
        "/rest/v1.0/work_order_contracts/{work_order_contract_id}/line_items",
        f"/rest/v1.0/work_order_contracts/{int(commitment.id)}/line_items?project_id={project.id}",
    )
    # A schedule-of-values line with room left (the demo's line 12, 4,500.00 of 7,500.00 billed:
    # the company prevents over-billing), the line_item_id of items.
    line_id = next(item.id for item in line_items if int(item.id) == 2012)

    # Bill July: 1,500.00 on that line; 10 % retainage leaves 1,350.00 due.
    created = sdk.call(
        "POST",
        "/rest/v1.1/requisitions",
        "/rest/v1.1/requisitions",
        201,
        json={
            "project_id": project.id,
            "commitment_id": int(commitment.id),
            "requisition": {
                "requisition_start": "2025-07-01",
                "requisition_end": "2025-07-31",
                "items": [{"line_item_id": line_id, "work_completed_this_period": "1500.00"}],
            },
        },
    )
    assert created.status == "draft"
    approved = sdk.call(
        "PATCH",
        "/rest/v1.1/requisitions/{id}",
        f"/rest/v1.1/requisitions/{created.id}",
        json={"project_id": project.id, "requisition": {"status": "approved"}},
    )
    assert approved.status == "approved"
    due = approved.summary.current_payment_due
    paid = sdk.call(
        "POST",
        "/rest/v1.0/contract_payments",
        "/rest/v1.0/contract_payments",
        201,
        data={
            "project_id": str(project.id),
            "contract_id": str(int(commitment.id)),
            "contract_payment[requisition_id]": str(created.id),
            "contract_payment[amount]": due,
            "contract_payment[date]": "2025-08-10",
            "contract_payment[payment_method]": "check",
            "contract_payment[check_number]": "10452",
            "contract_payment[payment_number]": "6",
        },
        files={"attachments[]": ("check-10452.pdf", b"%PDF-1.4 check", "application/pdf")},
    )
    assert paid.payment_number == 6
    assert paid.attachments[0].filename == "check-10452.pdf"
    again = sdk.call(
        "GET",
        "/rest/v1.0/contract_payments/{id}",
        f"/rest/v1.0/contract_payments/{paid.id}?project_id={project.id}",
    )
    assert again.amount == due
    assert again.requisition_id == created.id
    listed = sdk.call(
        "GET",
        "/rest/v1.0/contract_payments",
        f"/rest/v1.0/contract_payments?project_id={project.id}&contract_id={int(commitment.id)}",
    )
    assert paid.id in [payment.id for payment in listed]
    shown = sdk.call(
        "GET",
        "/rest/v1.0/commitments/{id}",
        f"/rest/v1.0/commitments/{int(commitment.id)}?project_id={project.id}",
    )
    assert Decimal(shown.total_payments) == paid_before + Decimal(due)
    assert paid.id in [payment.id for payment in shown.payments_issued]
    # Delete what is deletable: the payment, and then a draft requisition.
    sdk.call(
        "DELETE",
        "/rest/v1.0/contract_payments/{id}",
        f"/rest/v1.0/contract_payments/{paid.id}?project_id={project.id}",
    )
    draft = sdk.call(
        "POST",
        "/rest/v1.0/requisitions",
        "/rest/v1.0/requisitions",
        201,
        json={"project_id": project.id, "commitment_id": int(commitment.id), "requisition": {}},
    )
    sdk.call(
        "DELETE",
        "/rest/v1.0/requisitions/{id}",
        f"/rest/v1.0/requisitions/{draft.id}?project_id={project.id}",
    )
    after = sdk.call(
        "GET",
        "/rest/v1.0/requisitions",
        f"/rest/v1.0/requisitions?project_id={project.id}&filters[commitment_id]={int(commitment.id)}",
    )
    assert draft.id not in [requisition.id for requisition in after]


def test_an_acc_integration_session(demo: Runtime, client: TestClient) -> None:
    acc = VENDORS.acc
    granted = client.post(
        "/authentication/v2/token",
        data={
            "grant_type": "client_credentials",
            "client_id": "demo-client-0001",
            "client_secret": "demo-client-secret-0001",
            "scope": "data:read data:write",
        },
    )
    issued = acc.parse(acc.component("Authtoken"), granted.json())
    token = {"Authorization": f"Bearer {issued.access_token}"}

    def get(path: str, model: str, **kwargs: Any) -> Any:
        response = client.request(kwargs.pop("method", "GET"), path, headers=token, **kwargs)
        assert response.status_code == 200, response.text
        return acc.parse(acc.component(model), response.json())

    container = "6f1c3b7e-1c1e-4a57-9a0b-1f2e3d4c5b6a"
    base = f"/cost/v1/containers/{container}"
    contracts = get(f"{base}/contracts", "ContractListResponse")
    contract = next(c for c in contracts.results if c.code == "SC-001")
    payments = get(
        f"{base}/payments?filter[associationId]={contract.id}&sort=number desc",
        "PaymentListResponse",
    )
    latest = payments.results[0]
    items = get(f"{base}/payment-items?filter[paymentId]={latest.id}", "PaymentItemListResponse")
    assert {item.paymentId for item in items.results} == {latest.id}
    assert all(item.associationType in ("SOV", "SCO", "MaterialsOnSite") for item in items.results)
    patched = get(
        f"{base}/payments/{latest.id}",
        "Payment",
        method="PATCH",
        json={"integrationState": "integrated", "externalSystem": "Sage300"},
    )
    assert patched.integrationState == "integrated"
