"""Requisitions are subcontractor invoices and contract payments are paid to subcontractors: the
owner-side (prime) contract's pay applications and payments are the same ledger, but no endpoint
of this face reaches them (the ACC face shows them as MainContract payments)."""

from __future__ import annotations

from typing import Any

import pytest
from fastapi.testclient import TestClient

from drawbridge.bootstrap import Runtime
from drawbridge.services.payments import PaymentFilter
from tests.support import load

TOKEN = "prime-admin-token-0001"
HEADERS = {"Authorization": f"Bearer {TOKEN}", "Procore-Company-Id": "1"}
PROJECT, PRIME, PACKAGE, PAYMENT = 10, 20, 30, 40


def document() -> dict[str, Any]:
    return {
        "companies": [
            {
                "id": 1,
                "name": "Acme",
                "users": [{"email": "pm@acme.test", "role": "admin", "tokens": [TOKEN]}],
                "parties": [{"code": "OWN", "name": "Owner", "kind": "customer"}],
                "projects": [
                    {
                        "id": PROJECT,
                        "code": "P",
                        "name": "Tower",
                        "contracts": [
                            {
                                "id": PRIME,
                                "kind": "prime",
                                "number": "PC-1",
                                "title": "Tower",
                                "party": "OWN",
                                "line_items": [
                                    {"id": 1, "description": "Shell", "scheduled_value": "1000.00"}
                                ],
                                "change_order_packages": [
                                    {
                                        "id": PACKAGE,
                                        "number": "CO-1",
                                        "title": "Extra",
                                        "status": "approved",
                                        "approved_date": "2030-01-01",
                                        "items": [
                                            {"id": 2, "description": "Extra", "amount": "10.00"}
                                        ],
                                    }
                                ],
                                "pay_apps": [
                                    {
                                        "number": 1,
                                        "billing_date": "2024-01-31",
                                        "status": "under_review",  # submitted: it can be paid
                                        "lines": [
                                            {
                                                "line_item": 1,
                                                "work_completed_this_period": "100.00",
                                            }
                                        ],
                                    }
                                ],
                                "payments": [
                                    {
                                        "id": PAYMENT,
                                        "pay_app": 1,
                                        "amount": "90.00",
                                        "date": "2024-02-10",
                                    }
                                ],
                            }
                        ],
                    }
                ],
            }
        ]
    }


@pytest.fixture
def prime_pay_app_id(client: TestClient, runtime: Runtime) -> int:
    load(runtime, document())
    with runtime.uow() as uow:
        (pay_app,) = uow.repo.pay_apps_of_contract(PRIME)
        return pay_app.id


def test_the_list_leaves_prime_pay_apps_out(client: TestClient, prime_pay_app_id: int) -> None:
    response = client.get(
        "/rest/v1.1/requisitions", params={"project_id": PROJECT}, headers=HEADERS
    )
    assert response.status_code == 200
    assert response.json() == []
    assert response.headers["Total"] == "0"


@pytest.mark.parametrize(
    ("method", "path", "params", "body"),
    [
        ("GET", "/rest/v1.1/requisitions/{id}", {"project_id": PROJECT}, None),
        ("GET", "/rest/v1.0/requisitions/{id}/detail", {"project_id": PROJECT}, None),
        ("PATCH", "/rest/v1.1/requisitions/{id}", {}, {"project_id": PROJECT, "requisition": {}}),
        ("DELETE", "/rest/v1.1/requisitions/{id}", {"project_id": PROJECT}, None),
        (
            "POST",
            "/rest/v1.0/requisitions/{id}/add_change_order_package",
            {"project_id": PROJECT, "commitment_id": PRIME, "change_order_package_id": PACKAGE},
            None,
        ),
    ],
)
def test_no_requisition_endpoint_reaches_a_prime_pay_app(
    client: TestClient,
    runtime: Runtime,
    prime_pay_app_id: int,
    method: str,
    path: str,
    params: dict[str, Any],
    body: dict[str, Any] | None,
) -> None:
    response = client.request(
        method, path.format(id=prime_pay_app_id), params=params, json=body, headers=HEADERS
    )
    assert response.status_code == 404, response.text
    assert "errors" in response.json()
    with runtime.uow() as uow:  # and nothing changed
        (pay_app,) = uow.repo.pay_apps_of_contract(PRIME)
        assert uow.repo.pay_app_packages(PRIME) == []
        assert pay_app.work_completed_this_period_cents == 10000


def test_a_requisition_cannot_be_created_on_a_prime_contract(
    client: TestClient, runtime: Runtime, prime_pay_app_id: int
) -> None:
    body = {"project_id": PROJECT, "commitment_id": PRIME, "requisition": {}}
    response = client.post("/rest/v1.1/requisitions", json=body, headers=HEADERS)
    assert response.status_code == 404, response.text
    with runtime.uow() as uow:
        assert len(uow.repo.pay_apps_of_contract(PRIME)) == 1


def test_contract_payments_of_a_prime_contract_are_not_reached(
    client: TestClient, runtime: Runtime, prime_pay_app_id: int
) -> None:
    listed = client.get(
        "/rest/v1.0/contract_payments", params={"project_id": PROJECT}, headers=HEADERS
    )
    assert listed.status_code == 200
    assert listed.json() == []
    path = f"/rest/v1.0/contract_payments/{PAYMENT}"
    assert client.get(path, params={"project_id": PROJECT}, headers=HEADERS).status_code == 404
    assert client.delete(path, params={"project_id": PROJECT}, headers=HEADERS).status_code == 404
    body = {
        "project_id": PROJECT,
        "contract_id": PRIME,
        "contract_payment": {"amount": "10.00", "requisition_id": prime_pay_app_id},
    }
    assert (
        client.post("/rest/v1.0/contract_payments", json=body, headers=HEADERS).status_code == 404
    )
    with runtime.uow() as uow:
        _, total = uow.repo.payments(1, PaymentFilter())
        assert total == 1  # the prime contract's payment is still the only one
