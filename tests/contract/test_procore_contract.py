"""Every response of the Procore face, checked against Procore's published schemas.

The schemas are Procore's own (tests/contract/README.md): each response must validate against
its operation's schema, and every field the schema documents must be present (null where the
ledger has no such thing). The walk below calls every operation the face serves, on the demo
ledger, and collects the problems of all of them; the lists must end empty.
"""

from __future__ import annotations

from typing import Any

from fastapi.testclient import TestClient

from drawbridge.bootstrap import Runtime
from tests.contract.vendor import VENDORS

TOKEN = {"Authorization": "Bearer demo-admin-token-0001"}
HEADERS = {**TOKEN, "Procore-Company-Id": "1"}
PROJECT, COMMITMENT, OPEN_PACKAGE = 789, 701973, 740001
# Procore's schema: "Requisition items. Included only when the views query param includes
# 'extended' or 'items'" (item_packages likewise): left out of the other views by design.
VIEW_DEPENDENT = ("items", "item_packages")


class Walk:
    """Calls operations, validating each response against the operation's schema."""

    def __init__(self, client: TestClient) -> None:
        self.client = client
        self.invalid: list[str] = []
        self.omitted: list[str] = []
        self.called: set[tuple[str, str]] = set()

    def call(self, method: str, template: str, url: str, status: int, **kwargs: Any) -> Any:
        kwargs.setdefault("headers", HEADERS)
        response = self.client.request(method, url, **kwargs)
        assert response.status_code == status, f"{method} {url}: {response.text}"
        self.called.add((method, template))
        schema = VENDORS.procore.document["paths"][template][method.lower()]["responses"]
        documented = schema.get(str(status), {}).get("schema")
        if documented is None:
            return None
        body = response.json()
        where = f"{method} {template}"
        self.invalid += [f"{where}: {e}" for e in VENDORS.procore.validate(documented, body)]
        extended = "view=extended" in url or "view=items" in url
        self.omitted += [
            f"{where}: {field}"
            for field in VENDORS.procore.omitted(documented, body)
            if extended or field.rsplit(".", 1)[-1] not in VIEW_DEPENDENT
        ]
        return body


def test_every_procore_response_fits_procores_schema(demo: Runtime, client: TestClient) -> None:
    walk = Walk(client)
    token = walk.call(
        "POST",
        "/oauth/token",
        "/oauth/token",
        200,
        headers={},
        data={
            "grant_type": "client_credentials",
            "client_id": "demo-client-0001",
            "client_secret": "demo-client-secret-0001",
        },
    )
    assert token["token_type"] == "Bearer"
    walk.call(
        "GET",
        "/oauth/authorize",
        "/oauth/authorize?response_type=code&client_id=demo-client-0001"
        "&redirect_uri=http://localhost:8765/callback",
        302,
        headers=TOKEN,
        follow_redirects=False,
    )
    me = walk.call("GET", "/rest/v1.0/me", "/rest/v1.0/me", 200, headers=TOKEN)
    assert me["login"] == "dana.whitfield@granitepeak.test"
    companies = walk.call("GET", "/rest/v1.0/companies", "/rest/v1.0/companies", 200, headers=TOKEN)
    assert [c["id"] for c in companies] == [1]
    projects = walk.call(
        "GET", "/rest/v1.0/projects", "/rest/v1.0/projects?company_id=1", 200, headers=TOKEN
    )
    assert PROJECT in [p["id"] for p in projects]
    commitments = walk.call(
        "GET", "/rest/v1.0/commitments", f"/rest/v1.0/commitments?project_id={PROJECT}", 200
    )
    assert COMMITMENT in [c["id"] for c in commitments]
    shown = walk.call(
        "GET",
        "/rest/v1.0/commitments/{id}",
        f"/rest/v1.0/commitments/{COMMITMENT}?project_id={PROJECT}",
        200,
    )
    assert [line["id"] for line in shown["line_items"]][:2] == [2001, 2002]
    for kind in ("work_order_contracts", "purchase_order_contracts"):
        contract = walk.call(
            "GET",
            f"/rest/v1.0/{kind}/{{id}}",
            f"/rest/v1.0/{kind}/{COMMITMENT}?project_id={PROJECT}",
            200,
        )
        assert contract["revised_contract"] == shown["revised_contract"]
    walk.call(
        "GET",
        "/rest/v1.0/work_order_contracts/{work_order_contract_id}/line_items",
        f"/rest/v1.0/work_order_contracts/{COMMITMENT}/line_items?project_id={PROJECT}",
        200,
    )
    walk.call(
        "GET",
        "/rest/v1.0/purchase_order_contracts/{purchase_order_contract_id}/line_items",
        f"/rest/v1.0/purchase_order_contracts/{COMMITMENT}/line_items?project_id={PROJECT}",
        200,
    )
    packages = walk.call(
        "GET",
        "/rest/v1.0/change_order_packages",
        f"/rest/v1.0/change_order_packages?project_id={PROJECT}&contract_id={COMMITMENT}",
        200,
    )
    assert OPEN_PACKAGE in [p["id"] for p in packages]

    listing = f"?project_id={PROJECT}&filters[commitment_id]={COMMITMENT}"
    for version in ("v1.0", "v1.1"):
        for view in ("default", "extended", "action_policy"):
            walk.call(
                "GET",
                f"/rest/{version}/requisitions",
                f"/rest/{version}/requisitions{listing}&view={view}",
                200,
            )
    created = walk.call(
        "POST",
        "/rest/v1.1/requisitions",
        "/rest/v1.1/requisitions",
        201,
        json={
            "project_id": PROJECT,
            "commitment_id": COMMITMENT,
            "requisition": {
                "requisition_start": "2025-07-01",
                "requisition_end": "2025-07-31",
                "status": "under_review",  # submitted: only a submitted one can be paid
                # The demo's line 12 has room left (the company prevents over-billing).
                "items": [{"line_item_id": 2012, "work_completed_this_period": "100.00"}],
            },
        },
    )
    req = created["id"]
    for version in ("v1.0", "v1.1"):
        walk.call(
            "GET",
            f"/rest/{version}/requisitions/{{id}}",
            f"/rest/{version}/requisitions/{req}?project_id={PROJECT}&view=extended",
            200,
        )
    walk.call(
        "GET",
        "/rest/v1.0/requisitions/{requisition_id}/detail",
        f"/rest/v1.0/requisitions/{req}/detail?project_id={PROJECT}",
        200,
    )
    package_query = (
        f"?project_id={PROJECT}&commitment_id={COMMITMENT}&change_order_package_id={OPEN_PACKAGE}"
    )
    # A new requisition bills every approved package; take the new one off and add it back.
    walk.call(
        "DELETE",
        "/rest/v1.0/requisitions/{requisition_id}/remove_change_order_package",
        f"/rest/v1.0/requisitions/{req}/remove_change_order_package{package_query}",
        200,
    )
    walk.call(
        "POST",
        "/rest/v1.0/requisitions/{requisition_id}/add_change_order_package",
        f"/rest/v1.0/requisitions/{req}/add_change_order_package{package_query}",
        201,
    )
    for version in ("v1.0", "v1.1"):
        walk.call(
            "PATCH",
            f"/rest/{version}/requisitions/{{id}}",
            f"/rest/{version}/requisitions/{req}?view=extended",
            200,
            json={"project_id": PROJECT, "requisition": {"invoice_number": f"INV-{version}"}},
        )
    walk.call(
        "PATCH",
        "/rest/v2.0/companies/{company_id}/projects/{project_id}/requisitions/{id}/payment_details",
        f"/rest/v2.0/companies/1/projects/{PROJECT}/requisitions/{req}/payment_details",
        200,
        json={"due_date": "2025-08-30"},
    )
    paid = walk.call(
        "POST",
        "/rest/v1.0/contract_payments",
        "/rest/v1.0/contract_payments",
        201,
        data={
            "project_id": str(PROJECT),
            "contract_id": str(COMMITMENT),
            "contract_payment[requisition_id]": str(req),
            "contract_payment[amount]": "90.00",
            "contract_payment[payment_number]": "6",
        },
        files={"attachments[]": ("check.pdf", b"%PDF-1.4 check", "application/pdf")},
    )
    payment_query = f"?project_id={PROJECT}&contract_id={COMMITMENT}"
    shown = walk.call(
        "GET",
        "/rest/v1.0/commitments/{id}",
        f"/rest/v1.0/commitments/{COMMITMENT}?project_id={PROJECT}",
        200,
    )
    issued = {payment["id"]: payment for payment in shown["payments_issued"]}
    assert issued[paid["id"]]["attachments"][0]["filename"] == "check.pdf"
    walk.call(
        "GET",
        "/rest/v1.0/work_order_contracts/{id}",
        f"/rest/v1.0/work_order_contracts/{COMMITMENT}?project_id={PROJECT}",
        200,
    )
    walk.call(
        "GET", "/rest/v1.0/contract_payments", f"/rest/v1.0/contract_payments{payment_query}", 200
    )
    walk.call(
        "GET",
        "/rest/v1.0/contract_payments/{id}",
        f"/rest/v1.0/contract_payments/{paid['id']}{payment_query}",
        200,
    )
    walk.call(
        "PATCH",
        "/rest/v1.0/contract_payments/{id}",
        f"/rest/v1.0/contract_payments/{paid['id']}",
        200,
        json={"project_id": PROJECT, "contract_payment": {"notes": "cleared"}},
    )
    walk.call(
        "DELETE",
        "/rest/v1.0/contract_payments/{id}",
        f"/rest/v1.0/contract_payments/{paid['id']}{payment_query}",
        200,
    )
    walk.call(
        "DELETE",
        "/rest/v1.1/requisitions/{id}",
        f"/rest/v1.1/requisitions/{req}?project_id={PROJECT}",
        200,
    )
    again = walk.call(
        "POST",
        "/rest/v1.0/requisitions",
        "/rest/v1.0/requisitions",
        201,
        json={"project_id": PROJECT, "commitment_id": COMMITMENT, "requisition": {}},
    )
    walk.call(
        "DELETE",
        "/rest/v1.0/requisitions/{id}",
        f"/rest/v1.0/requisitions/{again['id']}?project_id={PROJECT}",
        200,
    )

    assert walk.invalid == [], "\n".join(walk.invalid)
    assert walk.omitted == [], "\n".join(walk.omitted)  # documented fields left out: none
    documented = {
        (method.upper(), path)
        for path, operations in VENDORS.procore.document["paths"].items()
        for method in operations
    }
    assert documented - walk.called == set()
