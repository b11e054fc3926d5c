"""Across faces over HTTP: requisitions created and approved, and a payment recorded, through
the Procore face, then read through the ACC face. Both faces show one ledger's figures.

Hand computation (commitment SC-001: 10 % cumulative retainage on work and materials; lines
1 = 10,000.00 and 2 = 5,000.00):
- requisition 1: line 1 E 2,500.00; line 2 stores F 800.00. Line 4 = 3,300.00; work retainage
  250.00, materials 80.00, line 5 = 330.00; line 6 = 2,970.00 = line 8.
- requisition 2: line 1 E 1,000.00; line 2 installs 500.00 (E 500.00, F 800.00 -> 300.00).
  D = 2,500.00; E = 1,500.00; line 4 = 4,300.00; work retainage 10 % x 3,500 + 10 % x 500 =
  400.00, materials 30.00, line 5 = 430.00; line 6 = 3,870.00; line 7 = 2,970.00; line 8 = 900.00.
  ACC: netMaterialsOnStore = 300 - 800 = -500.00; netRetention = 430 - 330 = 100.00;
  netAmount = amount + netMaterialsOnStore - netRetention = 1,500 - 500 - 100 = 900.00 = line 8.
"""

from __future__ import annotations

from typing import Any

from fastapi.testclient import TestClient

from drawbridge.bootstrap import Runtime
from tests.api.acc.ledger import ADMIN_TOKEN, BASE, COMMITMENT_UUID, auth, document
from tests.support import load

PROCORE = {"Authorization": f"Bearer {ADMIN_TOKEN}", "Procore-Company-Id": "1"}
PROJECT, COMMITMENT = 100, 10


def requisition(client: TestClient, period_id: int, items: list[dict[str, Any]]) -> dict[str, Any]:
    body = {
        "project_id": PROJECT,
        "commitment_id": COMMITMENT,
        "requisition": {"period_id": period_id, "status": "under_review", "items": items},
    }
    created = client.post("/rest/v1.1/requisitions", json=body, headers=PROCORE)
    assert created.status_code == 201, created.text
    approved = client.patch(
        f"/rest/v1.1/requisitions/{created.json()['id']}",
        json={"project_id": PROJECT, "requisition": {"status": "approved"}},
        headers=PROCORE,
    )
    assert approved.status_code == 200, approved.text
    result: dict[str, Any] = approved.json()
    return result


def acc_payment(client: TestClient, number: int) -> dict[str, Any]:
    listed = client.get(
        f"{BASE}/payments",
        params={"filter[associationId]": COMMITMENT_UUID, "filter[number]": str(number)},
        headers=auth(),
    )
    assert listed.status_code == 200, listed.text
    (found,) = listed.json()["results"]
    shown = client.get(f"{BASE}/payments/{found['id']}", headers=auth())
    assert shown.status_code == 200, shown.text
    result: dict[str, Any] = shown.json()
    return result


def item(line: int, **values: str) -> dict[str, Any]:
    return {"item_type": "contract_item", "line_item_id": line, **values}


def test_requisitions_and_a_payment_from_procore_read_the_same_through_acc(
    runtime: Runtime, client: TestClient
) -> None:
    load(runtime, document(with_history=False))
    first = requisition(
        client,
        1,
        [
            item(1, work_completed_this_period="2500.00"),
            item(2, materials_presently_stored="800.00"),
        ],
    )
    assert first["summary"]["current_payment_due"] == "2970.00"
    assert acc_payment(client, 1)["status"] == "approved"

    paid = client.post(
        "/rest/v1.0/contract_payments",
        json={
            "project_id": PROJECT,
            "contract_id": COMMITMENT,
            "contract_payment": {
                "amount": "2970.00",
                "date": "2024-02-20",
                "payment_method": "check",
                "check_number": "1001",
                "requisition_id": first["id"],
                "origin_id": "ERP-PAY-1",
            },
        },
        headers=PROCORE,
    )
    assert paid.status_code == 201, paid.text
    acc_first = acc_payment(client, 1)
    assert acc_first["status"] == "paid"  # approved, and payments cover line 8

    second = requisition(
        client,
        2,
        [
            item(1, work_completed_this_period="1000.00"),
            item(2, work_completed_this_period="500.00", materials_presently_stored="300.00"),
        ],
    )
    summary = second["summary"]
    acc = acc_payment(client, 2)
    assert acc["status"] == "approved"  # not paid yet
    assert acc["previousPaymentId"] == acc_first["id"]
    assert acc["associationType"] == "Contract"
    # Every figure as hand-computed above, and equal to the Procore face's G702.
    expected = {
        "contractAmount": ("15000.0000", summary["original_contract_sum"]),
        "originalAmount": ("15000.0000", summary["contract_sum_to_date"]),
        "previousAmount": ("2500.0000", None),
        "amount": ("1500.0000", None),
        "materialsOnStore": ("300.0000", None),
        "previousMaterialsOnStore": ("800.0000", None),
        "netMaterialsOnStore": ("-500.0000", None),
        "completedWorkRetention": ("400.0000", summary["completed_work_retainage_amount"]),
        "materialsRetention": ("30.0000", summary["stored_materials_retainage_amount"]),
        "previousRetention": ("330.0000", first["summary"]["total_retainage"]),
        "netRetention": ("100.0000", None),
        "netAmount": ("900.0000", summary["current_payment_due"]),
    }
    for field, (acc_value, procore_value) in expected.items():
        assert acc[field] == acc_value, field
        if procore_value is not None:
            assert f"{procore_value}00" == acc_value, field  # 2 places there, 4 here
    assert summary["less_previous_certificates_for_payment"] == "2970.00"
    assert summary["total_earned_less_retainage"] == "3870.00"
