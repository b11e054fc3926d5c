"""A four-period subcontract run through the Procore face only, checked against hand arithmetic.

Contract SC-001: line 1 Rough-in C = 100,000.00, line 2 Fixtures C = 50,000.00 (line 3 = 150,000).
Retainage 10 % on work and materials, stepping to 5 % from the application after the first one
that reaches 50 % complete. Change-order package CO-001 (+20,000.00 card readers, -5,000.00 conduit
credit) is added to requisition 2. 10,000.00 of fixtures are stored in period 2 and installed in
period 3. Requisition 4 is final and releases all retainage except line 2's.

  req 1 (P1): L1 E 20,000
  req 2 (P2): L1 E 30,000; L2 F 10,000 (stored); CO-001 added; CO add E 5,000
  req 3 (P3): L1 E 30,000; L2 installs the stored 10,000 and does 15,000 more:
                manual: E 25,000, F 0          move_to_previous: the 10,000 moves into D, E 15,000
              CO add E 15,000 (complete); CO deduct E -5,000 (complete)
  req 4 (P4): L1 E 20,000; L2 E 25,000 (both complete); final; releases on L1, CO add, CO deduct

Percent complete (line 4 / line 3): req 1 20,000/150,000 = 13.33; req 2 65,000/165,000 = 39.39;
req 3 120,000/165,000 = 72.73 (crosses 50 %, still retained at 10 %); req 4 at 5 %: 100.00.
"""

from __future__ import annotations

from typing import Any

import pytest
from fastapi.testclient import TestClient

from drawbridge.bootstrap import Runtime
from tests.api.procore.conftest import (
    ADMIN,
    CO_ADD,
    CO_DEDUCT,
    CONTRACT,
    LINE_1,
    LINE_2,
    P1,
    P2,
    P3,
    P4,
    PACKAGE,
    PROJECT,
    document,
    item,
    requisition_body,
)
from tests.support import load

CO = "change_order_item"

# G702 per requisition, identical in every variant up to requisition 3:
#   line 6 = line 4 - line 5, line 8 = line 6 - line 7, line 9 = line 3 - line 6.
SUMMARY_1 = {
    "original_contract_sum": "150000.00",
    "net_change_by_change_orders": "0.00",
    "contract_sum_to_date": "150000.00",
    "total_completed_and_stored_to_date": "20000.00",
    "completed_work_retainage_amount": "2000.00",  # 10 % x 20,000
    "stored_materials_retainage_amount": "0.00",
    "total_retainage": "2000.00",
    "total_earned_less_retainage": "18000.00",  # 20,000 - 2,000
    "less_previous_certificates_for_payment": "0.00",
    "current_payment_due": "18000.00",
    "balance_to_finish_including_retainage": "132000.00",  # 150,000 - 18,000
    "percent_complete": "13.33",
    "completed_work_retainage_percent": "10.0",  # 2,000 / 20,000
}
SUMMARY_2 = {
    "original_contract_sum": "150000.00",
    "net_change_by_change_orders": "15000.00",  # +20,000 - 5,000
    "contract_sum_to_date": "165000.00",
    "total_completed_and_stored_to_date": "65000.00",  # L1 50,000 + L2 F 10,000 + CO 5,000
    "completed_work_retainage_amount": "5500.00",  # L1 5,000 + CO 500
    "stored_materials_retainage_amount": "1000.00",  # 10 % x 10,000 stored
    "total_retainage": "6500.00",
    "total_earned_less_retainage": "58500.00",  # 65,000 - 6,500
    "less_previous_certificates_for_payment": "18000.00",
    "current_payment_due": "40500.00",  # 58,500 - 18,000
    "balance_to_finish_including_retainage": "106500.00",  # 165,000 - 58,500
    "percent_complete": "39.39",
    "completed_work_retainage_percent": "10.0",  # 5,500 / (D 0 + E 55,000)
    "stored_materials_retainage_percent": "10.0",  # 1,000 / 10,000
    "positive_new_change_order_item_total": "20000.00",
    "negative_new_change_order_item_total": "-5000.00",
    "positive_previous_change_order_item_total": "0.00",
    "negative_previous_change_order_item_total": "0.00",
}
SUMMARY_3 = {
    "contract_sum_to_date": "165000.00",
    # L1 80,000 + L2 25,000 + CO add 20,000 + CO deduct -5,000
    "total_completed_and_stored_to_date": "120000.00",
    # 10 %: L1 8,000 + L2 2,500 + CO add 2,000 + CO deduct -500 (the stored 1,000 moved to work)
    "completed_work_retainage_amount": "12000.00",
    "stored_materials_retainage_amount": "0.00",
    "stored_materials_retainage_percent": "0.0",  # nothing stored: 0 when sum F = 0
    "total_retainage": "12000.00",
    "total_earned_less_retainage": "108000.00",  # 120,000 - 12,000
    "less_previous_certificates_for_payment": "58500.00",
    "current_payment_due": "49500.00",  # 108,000 - 58,500
    "balance_to_finish_including_retainage": "57000.00",  # 165,000 - 108,000
    "percent_complete": "72.73",
    "positive_new_change_order_item_total": "0.00",
    "negative_new_change_order_item_total": "0.00",
    "positive_previous_change_order_item_total": "20000.00",
    "negative_previous_change_order_item_total": "-5000.00",
}
# Requisition 4 at 5 %; every line complete (line 4 = 165,000); only line 2 keeps retainage.
#   cumulative: L2 held = 5 % x 50,000 = 2,500 (the rate drop re-prices earlier work)
#   incremental: L2 held = 2,500 (req 3) + 5 % x 25,000 = 3,750 (earlier work keeps 10 %)
SUMMARY_4 = {
    "cumulative": {
        "total_completed_and_stored_to_date": "165000.00",
        "completed_work_retainage_amount": "2500.00",
        "total_retainage": "2500.00",
        "total_earned_less_retainage": "162500.00",  # 165,000 - 2,500
        "less_previous_certificates_for_payment": "108000.00",
        "current_payment_due": "54500.00",  # 162,500 - 108,000
        "balance_to_finish_including_retainage": "2500.00",  # = sum H (0) + sum I (2,500)
        "percent_complete": "100.0",
        "completed_work_retainage_percent": "1.52",  # 2,500 / 165,000
    },
    "incremental": {
        "total_completed_and_stored_to_date": "165000.00",
        "completed_work_retainage_amount": "3750.00",
        "total_retainage": "3750.00",
        "total_earned_less_retainage": "161250.00",  # 165,000 - 3,750
        "less_previous_certificates_for_payment": "108000.00",
        "current_payment_due": "53250.00",  # 161,250 - 108,000
        "balance_to_finish_including_retainage": "3750.00",
        "percent_complete": "100.0",
        "completed_work_retainage_percent": "2.27",  # 3,750 / 165,000
    },
}
# Explicit final releases on requisition 4 (all that is held on the line once req 4 is priced):
#   cumulative: L1 5 % x 100,000 = 5,000; CO add 5 % x 20,000 = 1,000; CO deduct 5 % x -5,000 = -250
#   incremental: L1 8,000 + 5 % x 20,000 = 9,000; CO add 2,000 + 0 = 2,000; CO deduct -500
RELEASES = {
    "cumulative": {LINE_1: "5000.00", CO_ADD: "1000.00", CO_DEDUCT: "-250.00"},
    "incremental": {LINE_1: "9000.00", CO_ADD: "2000.00", CO_DEDUCT: "-500.00"},
}

LINE_FIELDS = (
    "work_completed_from_previous_application",  # D
    "work_completed_this_period",  # E
    "materials_presently_stored",  # F
    "total_completed_and_stored_to_date",  # G
    "balance_to_finish",  # H
    "work_completed_retainage_from_previous_application",
    "work_completed_retainage_retained_this_period",
    "work_completed_retainage_released_this_period",
    "work_completed_retainage_currently_retained",
    "materials_stored_retainage_from_previous_application",
    "materials_stored_retainage_retained_this_period",
    "materials_stored_retainage_released_this_period",
    "materials_stored_retainage_currently_retained",
    "materials_moved",
    "materials_retainage_retained_moved",
)


def row(*amounts: int) -> tuple[str, ...]:
    return tuple(f"{amount}.00" for amount in amounts)


# Requisition 3 G703 (the same in both retainage methods: no step yet, no release):
# columns: D, E, F, G, H, work retainage (previous, retained, released, current),
# materials retainage (previous, retained, released, current), materials moved, retainage moved.
LINES_3 = {
    "manual": {
        # L1: cumulative 10 % x 80,000 - 10 % x 50,000 = 3,000 = incremental 10 % x 30,000
        LINE_1: row(50000, 30000, 0, 80000, 20000, 5000, 3000, 0, 8000, 0, 0, 0, 0, 0, 0),
        # L2: the client bills the installed 10,000 in E and lowers F to 0; its 1,000 materials
        # retainage leaves the materials bucket (retained -1,000) and 10 % x 25,000 joins work.
        LINE_2: row(0, 25000, 0, 25000, 25000, 0, 2500, 0, 2500, 1000, -1000, 0, 0, 0, 0),
        CO_ADD: row(5000, 15000, 0, 20000, 0, 500, 1500, 0, 2000, 0, 0, 0, 0, 0, 0),
        CO_DEDUCT: row(0, -5000, 0, -5000, 0, 0, -500, 0, -500, 0, 0, 0, 0, 0, 0),
    },
    "move_to_previous": {
        LINE_1: row(50000, 30000, 0, 80000, 20000, 5000, 3000, 0, 8000, 0, 0, 0, 0, 0, 0),
        # L2: F(2) 10,000 moves into D with its 1,000 retainage (work from previous 0 + 1,000);
        # E 15,000 retains 1,500 (cumulative: 10 % x 25,000 - 10 % x 10,000 = 1,500).
        LINE_2: row(10000, 15000, 0, 25000, 25000, 1000, 1500, 0, 2500, 0, 0, 0, 0, 10000, 1000),
        CO_ADD: row(5000, 15000, 0, 20000, 0, 500, 1500, 0, 2000, 0, 0, 0, 0, 0, 0),
        CO_DEDUCT: row(0, -5000, 0, -5000, 0, 0, -500, 0, -500, 0, 0, 0, 0, 0, 0),
    },
}
# Requisition 4 G703 (the same in both stored-materials modes: nothing stored any more).
LINES_4 = {
    "cumulative": {
        # L1: retained 5 % x 100,000 - 5 % x 80,000 = 1,000; released = explicit 5,000 + the
        # rate drop's re-pricing (5 % x 80,000 - 8,000 held = -4,000) = 9,000; held 0.
        LINE_1: row(80000, 20000, 0, 100000, 0, 8000, 1000, 9000, 0, 0, 0, 0, 0, 0, 0),
        # L2: retained 2,500 - 1,250 = 1,250; re-pricing 1,250 - 2,500 = -1,250 released; 2,500.
        LINE_2: row(25000, 25000, 0, 50000, 0, 2500, 1250, 1250, 2500, 0, 0, 0, 0, 0, 0),
        # CO add: retained 0; released 1,000 explicit + (1,000 - 2,000) re-pricing = 2,000.
        CO_ADD: row(20000, 0, 0, 20000, 0, 2000, 0, 2000, 0, 0, 0, 0, 0, 0, 0),
        # CO deduct: re-pricing -250 - (-500) = +250 is retained; explicit release -250.
        CO_DEDUCT: row(-5000, 0, 0, -5000, 0, -500, 250, -250, 0, 0, 0, 0, 0, 0, 0),
    },
    "incremental": {
        LINE_1: row(80000, 20000, 0, 100000, 0, 8000, 1000, 9000, 0, 0, 0, 0, 0, 0, 0),
        # L2: 2,500 + 5 % x 25,000 = 3,750, nothing released.
        LINE_2: row(25000, 25000, 0, 50000, 0, 2500, 1250, 0, 3750, 0, 0, 0, 0, 0, 0),
        CO_ADD: row(20000, 0, 0, 20000, 0, 2000, 0, 2000, 0, 0, 0, 0, 0, 0, 0),
        CO_DEDUCT: row(-5000, 0, 0, -5000, 0, -500, 0, -500, 0, 0, 0, 0, 0, 0, 0),
    },
}


def _create(client: TestClient, **requisition: Any) -> dict[str, Any]:
    response = client.post(
        "/rest/v1.1/requisitions", json=requisition_body(**requisition), headers=ADMIN
    )
    assert response.status_code == 201, response.text
    return dict(response.json())


def _patch(client: TestClient, requisition_id: int, **requisition: Any) -> dict[str, Any]:
    response = client.patch(
        f"/rest/v1.1/requisitions/{requisition_id}",
        json=requisition_body(**requisition),
        headers=ADMIN,
    )
    assert response.status_code == 200, response.text
    return dict(response.json())


def _detail(client: TestClient, requisition_id: int) -> dict[int, tuple[str, ...]]:
    response = client.get(
        f"/rest/v1.0/requisitions/{requisition_id}/detail",
        params={"project_id": PROJECT},
        headers=ADMIN,
    )
    assert response.status_code == 200, response.text
    return {line["line_item_id"]: tuple(line[f] for f in LINE_FIELDS) for line in response.json()}


def _summary(client: TestClient, requisition_id: int) -> dict[str, Any]:
    response = client.get(
        f"/rest/v1.1/requisitions/{requisition_id}",
        params={"project_id": PROJECT, "view": "extended"},
        headers=ADMIN,
    )
    assert response.status_code == 200, response.text
    return dict(response.json()["summary"])


def _check(summary: dict[str, Any], expected: dict[str, str]) -> None:
    assert {key: summary[key] for key in expected} == expected


@pytest.mark.parametrize("stored_materials", ["manual", "move_to_previous"])
@pytest.mark.parametrize("method", ["cumulative", "incremental"])
def test_four_periods(
    runtime: Runtime, client: TestClient, method: str, stored_materials: str
) -> None:
    load(runtime, document(method=method, stored_materials=stored_materials))

    first = _create(
        client,
        period_id=P1,
        status="approved",
        items=[item(LINE_1, work_completed_this_period="20000.00")],
    )
    assert first["number"] == 1
    assert first["previous_requisition_id"] is None
    _check(_summary(client, first["id"]), SUMMARY_1)

    second = _create(
        client,
        period_id=P2,
        items=[
            item(LINE_1, work_completed_this_period=30000),  # a JSON number works too
            item(LINE_2, materials_presently_stored="10000.00"),
        ],
    )
    added = client.post(
        f"/rest/v1.0/requisitions/{second['id']}/add_change_order_package",
        params={
            "project_id": PROJECT,
            "commitment_id": CONTRACT,
            "change_order_package_id": PACKAGE,
        },
        headers=ADMIN,
    )
    assert added.status_code == 201, added.text
    assert [line["line_item_id"] for line in added.json()] == [CO_ADD, CO_DEDUCT]
    _patch(
        client,
        second["id"],
        status="approved",
        items=[item(CO_ADD, CO, work_completed_this_period="5000.00")],
    )
    _check(_summary(client, second["id"]), SUMMARY_2)
    assert _detail(client, second["id"])[LINE_2][2:4] == ("10000.00", "10000.00")  # F and G

    line_2 = (
        {"work_completed_this_period": "25000.00", "materials_presently_stored": "0.00"}
        if stored_materials == "manual"
        else {"work_completed_this_period": "15000.00"}
    )
    third = _create(
        client,
        period_id=P3,
        status="approved",
        items=[
            item(LINE_1, work_completed_this_period="30000.00"),
            item(LINE_2, **line_2),
            item(CO_ADD, CO, work_completed_this_period="15000.00"),
            item(CO_DEDUCT, CO, work_completed_this_period="-5000.00"),
        ],
    )
    summary_3 = _summary(client, third["id"])
    _check(summary_3, {**SUMMARY_2, **SUMMARY_3})
    moved = "10000.00" if stored_materials == "move_to_previous" else "0.00"
    assert summary_3["materials_moved"] == moved
    assert _detail(client, third["id"]) == LINES_3[stored_materials]

    releases = RELEASES[method]
    fourth = _create(
        client,
        period_id=P4,
        final=True,
        status="approved",
        items=[
            item(
                LINE_1,
                work_completed_this_period="20000.00",
                work_completed_retainage_released_this_period=releases[LINE_1],
            ),
            item(LINE_2, work_completed_this_period="25000.00"),
            item(CO_ADD, CO, work_completed_retainage_released_this_period=releases[CO_ADD]),
            item(CO_DEDUCT, CO, work_completed_retainage_released_this_period=releases[CO_DEDUCT]),
        ],
    )
    assert fourth["final"] is True
    assert fourth["invoice_type"] == "progress_and_retainage_release"
    summary_4 = _summary(client, fourth["id"])
    _check(summary_4, SUMMARY_4[method])
    detail_4 = _detail(client, fourth["id"])
    assert detail_4 == LINES_4[method]

    # docs/billing.md's identities on the wire: line 9 = sum H + sum I; sum of line 8 = line 6.
    listed = client.get(
        "/rest/v1.1/requisitions", params={"project_id": PROJECT}, headers=ADMIN
    ).json()
    assert sum(int(r["summary"]["current_payment_due"].replace(".", "")) for r in listed) == int(
        summary_4["total_earned_less_retainage"].replace(".", "")
    )
    items = client.get(
        f"/rest/v1.1/requisitions/{fourth['id']}",
        params={"project_id": PROJECT, "view": "items"},
        headers=ADMIN,
    ).json()["items"]
    assert all(line["work_completed_retainage_percent_this_period"] == "5.0" for line in items)
    held = sum(int(line["total_retainage_currently_retained"].replace(".", "")) for line in items)
    to_finish = sum(int(line["balance_to_finish"].replace(".", "")) for line in items)
    assert held + to_finish == int(
        summary_4["balance_to_finish_including_retainage"].replace(".", "")
    )

    # The final payment pays requisition 4 in full.
    paid = client.post(
        "/rest/v1.0/contract_payments",
        json={
            "project_id": PROJECT,
            "contract_id": CONTRACT,
            "contract_payment": {
                "amount": summary_4["current_payment_due"],
                "requisition_id": fourth["id"],
                "date": "2024-05-10",
                "payment_method": "check",
            },
        },
        headers=ADMIN,
    )
    assert paid.status_code == 201, paid.text
    after = _summary(client, fourth["id"])
    assert after["amount_paid"] == summary_4["current_payment_due"]
    assert after["amount_unpaid"] == "0.00"
