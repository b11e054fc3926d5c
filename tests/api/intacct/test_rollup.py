"""The roll-up: a prime contract priced with a revision, billed through three pay applications
with retainage and a change order, and paid twice. Every summary and billing figure equals hand
arithmetic, and the same ledger answers through the ACC face's MainContract view."""

from __future__ import annotations

from datetime import date
from decimal import Decimal
from typing import Any

import pytest
from fastapi.testclient import TestClient

from drawbridge.bootstrap import Runtime
from drawbridge.domain.billing import LineKind, LineRef
from drawbridge.domain.errors import Invalid
from drawbridge.domain.rules import PayAppStatus
from drawbridge.services import pay_apps, payments
from drawbridge.services.pay_apps import CreatePayApp, LineInput
from drawbridge.services.payments import RecordPayment
from tests.api.intacct.conftest import CONTRACTS, LINES, auth, error_of
from tests.api.intacct.ledger import (
    ADMIN,
    BUILDING,
    CO_APPROVED_ITEM,
    PERIODS,
    PRIME,
    PRIME_UUID,
    PROJECT_UUID,
    SITEWORK,
    document,
)
from tests.support import admin_actor, load

ACTOR = admin_actor()


def sov(line_id: int) -> LineRef:
    return LineRef(LineKind.SOV, line_id)


def bill(runtime: Runtime, period: int, lines: list[LineInput]) -> int:
    command = CreatePayApp(
        contract_id=PRIME,
        status=PayAppStatus.APPROVED,
        header={"period_id": period},
        lines=lines,
    )
    return pay_apps.create_pay_app(runtime.uow(), ACTOR, command).id


def pay(runtime: Runtime, pay_app_id: int, cents: int, day: str) -> None:
    values = {
        "pay_app_id": pay_app_id,
        "amount_cents": cents,
        "payment_date": date.fromisoformat(day),
    }
    payments.record_payment(runtime.uow(), ACTOR, RecordPayment(contract_id=PRIME, values=values))


@pytest.fixture
def billed(runtime: Runtime, client: TestClient) -> TestClient:
    load(runtime, document())
    # Before any pay application the schedule of values may change: a revision of +1,000.00 on
    # the Building line (C = 60,000 + 1,000 = 61,000) and a forecast of 750.00 on Sitework
    # (reported, never billed).
    for line, entry in ((BUILDING, ("revision", "1000.00")), (SITEWORK, ("forecast", "750.00"))):
        answer = client.patch(
            f"{LINES}/{line}",
            headers=auth(ADMIN),
            json={"projectContractLineEntries": [{"workflowType": entry[0], "price": entry[1]}]},
        )
        assert answer.status_code == 200, answer.json()
    # Application 1 (January): E 10,000 + 5,000; retainage 10 % -> 1,000 + 500.
    first = bill(
        runtime,
        PERIODS[0],
        [
            LineInput(ref=sov(SITEWORK), work_completed_this_period=1_000_000),
            LineInput(ref=sov(BUILDING), work_completed_this_period=500_000),
        ],
    )
    # Application 2 (February, CO-1 approved 2024-02-10 joins): E 10,000 + 15,000 + 2,000.
    second = bill(
        runtime,
        PERIODS[1],
        [
            LineInput(ref=sov(SITEWORK), work_completed_this_period=1_000_000),
            LineInput(ref=sov(BUILDING), work_completed_this_period=1_500_000),
            LineInput(
                ref=LineRef(LineKind.CHANGE_ORDER, CO_APPROVED_ITEM),
                work_completed_this_period=200_000,
            ),
        ],
    )
    # Application 3 (March): E 5,000 + 10,000 + 3,000, and 500.00 of Sitework retainage released.
    bill(
        runtime,
        PERIODS[2],
        [
            LineInput(
                ref=sov(SITEWORK),
                work_completed_this_period=500_000,
                work_retainage_released=50_000,
            ),
            LineInput(ref=sov(BUILDING), work_completed_this_period=1_000_000),
            LineInput(
                ref=LineRef(LineKind.CHANGE_ORDER, CO_APPROVED_ITEM),
                work_completed_this_period=300_000,
            ),
        ],
    )
    # Applications 1 and 2 paid in full: 13,500.00 and 24,300.00.
    pay(runtime, first, 1_350_000, "2024-02-20")
    pay(runtime, second, 2_430_000, "2024-03-20")
    return client


def contract(client: TestClient) -> dict[str, Any]:
    response = client.get(f"{CONTRACTS}/{PRIME}", headers=auth(ADMIN))
    assert response.status_code == 200, response.json()
    result: dict[str, Any] = response.json()["ia::result"]
    return result


def test_summary_is_original_plus_revisions_plus_approved_changes(billed: TestClient) -> None:
    assert contract(billed)["summary"] == {
        "originalPrice": "100000.00",  # 40,000 + 60,000
        "revisionPrice": "1000.00",  # the Building revision
        "approvedChangePrice": "5000.00",  # CO-1
        "pendingChangePrice": "2000.00",  # CO-2
        "otherPrice": "0.00",
        "forecastPrice": "750.00",  # the Sitework forecast
        "totalPrice": "106000.00",  # 100,000 + 1,000 + 5,000
    }


def test_billing_rolls_up_the_three_applications_and_two_payments(billed: TestClient) -> None:
    # Application 3: G = 25,000 + 30,000 + 5,000 = 60,000.
    # Retainage held now (cumulative 10 %): Sitework 2,500 - 500 released = 2,000; Building
    # 3,000; CO-1 500: line 5 = 5,500. Ever released: 500; ever held: 5,500 + 500 = 6,000.
    assert contract(billed)["billing"] == {
        "billedPrice": "60000.00",
        "totalBilledNetRetainage": "54500.00",  # 60,000 - 5,500 (line 6)
        "percentBilled": "56.60",  # 60,000 / 106,000 = 56.603...
        "percentBilledNetRetainage": "51.42",  # 54,500 / 106,000 = 51.4150... half-up
        "totalRetainageHeld": "6000.00",
        "totalRetainageReleased": "500.00",
        "retainageBalance": "5500.00",
        "balanceToBill": "46000.00",  # 106,000 - 60,000
        "balanceToBillNetRetainage": "51500.00",  # 106,000 - 54,500 (line 9)
        "totalPaymentsReceived": "37800.00",  # 13,500 + 24,300
        "netTotalBilled": "60000.00",
        "netTotalPaymentsReceived": "37800.00",
        "subtotalBilledAsTax": "0.00",
        "subtotalBilledAsDiscount": "0.00",
        "subtotalBilledAsCharge": "0.00",
        "lastApplicationNumber": "3",
    }


def test_each_line_is_priced_and_billed(billed: TestClient) -> None:
    sitework = billed.get(f"{LINES}/{SITEWORK}", headers=auth(ADMIN)).json()["ia::result"]
    building = billed.get(f"{LINES}/{BUILDING}", headers=auth(ADMIN)).json()["ia::result"]

    assert sitework["summary"] == {
        "originalPrice": "40000.00",
        "revisionPrice": "0.00",
        "forecastPrice": "750.00",
        "approvedChangePrice": "0.00",
        "pendingChangePrice": "0.00",
        "otherPrice": "0.00",
        "totalPrice": "40000.00",
    }
    # Payments (37,800) are spread by net billed: Sitework 23,000 and Building 27,000 of 50,000.
    assert sitework["billing"] == {
        "billedPrice": "25000.00",  # 10,000 + 10,000 + 5,000
        "previouslyAppliedPrice": "20000.00",  # D on application 3
        "billedNetRetainage": "23000.00",  # 25,000 - 2,000
        "percentBilled": "62.50",  # 25,000 / 40,000
        "percentBilledNetRetainage": "57.50",  # 23,000 / 40,000
        "retainageHeld": "2500.00",  # 2,000 still held + 500 released
        "retainageReleased": "500.00",
        "retainageBalance": "2000.00",
        "paymentsReceived": "17388.00",  # 37,800 x 23,000 / 50,000
    }
    assert building["summary"]["revisionPrice"] == "1000.00"
    assert building["summary"]["totalPrice"] == "61000.00"  # 60,000 + 1,000
    assert building["billing"]["billedPrice"] == "30000.00"  # 5,000 + 15,000 + 10,000
    assert building["billing"]["percentBilled"] == "49.18"  # 30,000 / 61,000 = 49.180...
    assert building["billing"]["percentBilledNetRetainage"] == "44.26"  # 27,000 / 61,000
    assert building["billing"]["paymentsReceived"] == "20412.00"  # 37,800 x 27,000 / 50,000
    entries = {e["workflowType"]: e["price"] for e in building["projectContractLineEntries"]}
    assert entries == {"original": "60000.00", "revision": "1000.00"}


def test_the_acc_face_shows_the_same_figures_for_the_main_contract(billed: TestClient) -> None:
    intacct = contract(billed)
    listed = billed.get(
        f"/cost/v1/containers/{PROJECT_UUID}/payments",
        params={"filter[associationId]": PRIME_UUID, "filter[number]": "3"},
        headers=auth(ADMIN),
    )
    assert listed.status_code == 200, listed.json()
    (latest,) = listed.json()["results"]
    assert latest["associationType"] == "MainContract"
    # G702 line 1 is original + revisions; line 3 adds the approved change order.
    assert Decimal(latest["contractAmount"]) == Decimal("101000")  # 100,000 + 1,000
    assert Decimal(latest["originalAmount"]) == Decimal(intacct["summary"]["totalPrice"])
    # Line 4 (previous work + this period + stored) is Intacct's billedPrice: 42,000 + 18,000.
    line_4 = sum(Decimal(latest[name]) for name in ("previousAmount", "amount", "materialsOnStore"))
    assert line_4 == Decimal(intacct["billing"]["billedPrice"]) == Decimal("60000")
    # Line 5 is the retainage balance: 5,500.
    line_5 = Decimal(latest["completedWorkRetention"]) + Decimal(latest["materialsRetention"])
    assert line_5 == Decimal(intacct["billing"]["retainageBalance"]) == Decimal("5500")
    # Line 8: 54,500 - 37,800 certified before = 16,700.
    assert Decimal(latest["netAmount"]) == Decimal("16700")


def test_the_sum_is_fixed_once_billed(billed: TestClient) -> None:
    revised = billed.patch(
        f"{LINES}/{BUILDING}",
        headers=auth(ADMIN),
        json={"projectContractLineEntries": [{"workflowType": "revision", "price": "5.00"}]},
    )
    assert revised.status_code == 400
    assert error_of(revised)["errorId"] == "SOV_LOCKED"
    assert "only through change orders" in error_of(revised)["message"]

    added = billed.post(
        LINES,
        headers=auth(ADMIN),
        json={"projectContract": {"key": str(PRIME)}, "id": "3", "name": "Extra"},
    )
    assert added.status_code == 400
    assert error_of(added)["errorId"] == "SOV_LOCKED"
    assert billed.delete(f"{LINES}/{SITEWORK}", headers=auth(ADMIN)).status_code == 400

    # Descriptive fields still change; the figures do not.
    renamed = billed.patch(
        f"{LINES}/{SITEWORK}", headers=auth(ADMIN), json={"description": "Grading and paving"}
    )
    assert renamed.status_code == 200
    assert contract(billed)["summary"]["totalPrice"] == "106000.00"

    deleted = billed.delete(f"{CONTRACTS}/{PRIME}", headers=auth(ADMIN))
    assert deleted.status_code == 400
    assert error_of(deleted)["errorId"] == "HAS_BILLING"
    assert billed.get(f"{CONTRACTS}/{PRIME}", headers=auth(ADMIN)).status_code == 200


def test_an_inactive_contract_keeps_its_history_and_takes_no_new_billing(
    billed: TestClient, runtime: Runtime
) -> None:
    answer = billed.patch(f"{CONTRACTS}/{PRIME}", headers=auth(ADMIN), json={"status": "inactive"})
    assert answer.status_code == 200

    read = contract(billed)
    assert read["status"] == "inactive"
    assert read["billing"]["billedPrice"] == "60000.00"
    with pytest.raises(Invalid) as refused:
        bill(runtime, PERIODS[2], [])
    assert refused.value.code == "contract_inactive"
