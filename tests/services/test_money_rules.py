"""The money rules on a real database: over-billing and over-payment (company default, contract
override), payments only on submitted applications, one check per application, payment dates,
and who may set integration fields.

The ledger (tests/services/helpers.py): contract SC-001, lines 1/2/3 of 10,000 / 20,000 /
30,000, 10 % cumulative retainage. Acme prevents over-payment (the company default) and allows
over-billing (the company default) unless a test changes it.
"""

from __future__ import annotations

from datetime import UTC, date, datetime
from typing import Any

import pytest
import yaml

from drawbridge.bootstrap import Runtime
from drawbridge.domain.errors import Conflict, Forbidden, Invalid
from drawbridge.domain.rules import PayAppStatus
from drawbridge.fixtures.schema import FixtureError
from drawbridge.services import fixtures, pay_apps, payments
from drawbridge.services.pay_apps import CreatePayApp, LineInput, UpdatePayApp
from drawbridge.services.payments import RecordPayment
from drawbridge.services.views import Actor, PayAppView, PaymentView
from tests.services.helpers import (
    CO_LATE,
    CO_LATE_ITEM,
    COMPANY,
    CONTRACT,
    LINES,
    PERIODS,
    assert_no_drift,
    co,
    counts,
    ledger_document,
    sov,
)
from tests.support import admin_actor, standard_actor

ADMIN = admin_actor(COMPANY)
STANDARD = standard_actor(COMPANY)
CONTRACT_PATH = "companies[0].projects[0].contracts[0]"


def document(**settings: Any) -> dict[str, Any]:
    """The ledger with company keys (prevent_*) and contract keys (allow_*) set as given."""
    doc = ledger_document()
    company = doc["companies"][0]
    contract = company["projects"][0]["contracts"][0]
    contract.pop("allow_overbilling")
    for key, value in settings.items():
        (company if key.startswith("prevent_") else contract)[key] = value
    return doc


def load(runtime: Runtime, doc: dict[str, Any]) -> None:
    fixtures.load_fixture_text(runtime.uow(), yaml.safe_dump(doc, sort_keys=False))


@pytest.fixture
def ledger(runtime: Runtime) -> Runtime:
    load(runtime, document())
    return runtime


def create(
    runtime: Runtime,
    *lines: LineInput,
    status: PayAppStatus = PayAppStatus.UNDER_REVIEW,
    period: int | None = None,
    actor: Actor = ADMIN,
) -> PayAppView:
    header = {"period_id": period} if period else {}
    command = CreatePayApp(contract_id=CONTRACT, status=status, header=header, lines=lines)
    return pay_apps.create_pay_app(runtime.uow(), actor, command)


def update(
    runtime: Runtime,
    pay_app_id: int,
    actor: Actor = ADMIN,
    *,
    lines: tuple[LineInput, ...] = (),
    status: PayAppStatus | None = None,
    header: dict[str, Any] | None = None,
) -> PayAppView:
    command = UpdatePayApp(pay_app_id=pay_app_id, status=status, header=header or {}, lines=lines)
    return pay_apps.update_pay_app(runtime.uow(), actor, command)


def work(line_id: int, cents: int) -> LineInput:
    return LineInput(ref=sov(line_id), work_completed_this_period=cents)


def pay(runtime: Runtime, **values: Any) -> PaymentView:
    command = RecordPayment(contract_id=CONTRACT, values=values)
    return payments.record_payment(runtime.uow(), ADMIN, command)


def view(runtime: Runtime, pay_app_id: int) -> PayAppView:
    return pay_apps.get_pay_app(runtime.uow(), ADMIN, pay_app_id)


# -- over-payment ------------------------------------------------------------------------------


def test_a_payment_beyond_line_8_is_refused_stating_the_figures_and_changes_nothing(
    ledger: Runtime,
) -> None:
    # Line 1: 10,000.00 of work, 10 % retained -> line 8 = 9,000.00.
    app = create(ledger, work(LINES[0], 1_000_000))
    assert app.summary.current_payment_due == 900_000
    before = counts(ledger)

    # Ten times what is due: a decimal point in the wrong place.
    with pytest.raises(Invalid) as raised:
        pay(ledger, pay_app_id=app.id, amount_cents=9_000_000)
    message = raised.value.message
    assert raised.value.field == "amount"
    assert raised.value.code == "overpayment"
    assert "a payment of 90000.00 would over-pay pay application 1" in message
    assert "current payment due (line 8) is 9000.00" in message
    assert "already paid 0.00" in message
    assert counts(ledger) == before

    # 8,999.99 then 0.01 pays it exactly; one more cent is refused: 9,000.00 already paid.
    pay(ledger, pay_app_id=app.id, amount_cents=899_999)
    pay(ledger, pay_app_id=app.id, amount_cents=1)
    with pytest.raises(Invalid, match=r"already paid 9000\.00, so at most 0\.00"):
        pay(ledger, pay_app_id=app.id, amount_cents=1)
    shown = view(ledger, app.id)
    assert (shown.payments.amount_paid, shown.payments.amount_unpaid) == (900_000, 0)


def test_an_update_that_raises_a_payment_past_line_8_is_refused(ledger: Runtime) -> None:
    app = create(ledger, work(LINES[0], 1_000_000))  # 9,000.00 due
    first = pay(ledger, pay_app_id=app.id, amount_cents=500_000)
    pay(ledger, pay_app_id=app.id, amount_cents=300_000)

    # 5,000 -> 6,000 would make 6,000 + 3,000 = 9,000: fits; 6,000.01 does not.
    assert payments.update_payment(ledger.uow(), ADMIN, first.id, {"amount_cents": 600_000})
    with pytest.raises(Invalid, match=r"already paid 3000\.00"):
        payments.update_payment(ledger.uow(), ADMIN, first.id, {"amount_cents": 600_001})
    assert payments.get_payment(ledger.uow(), ADMIN, first.id).amount == 600_000
    # Changing only its notes never re-judges the amount.
    noted = payments.update_payment(ledger.uow(), ADMIN, first.id, {"notes": "ok"})
    assert (noted.notes, noted.amount) == ("ok", 600_000)


def test_a_contract_that_allows_over_payment_shows_a_negative_unpaid_amount(
    runtime: Runtime,
) -> None:
    load(runtime, document(prevent_overpayment=False, allow_overpayment=True))
    app = create(runtime, work(LINES[0], 1_000_000))  # 9,000.00 due
    pay(runtime, pay_app_id=app.id, amount_cents=1_000_000)
    shown = view(runtime, app.id)
    # 9,000.00 - 10,000.00 = -1,000.00 unpaid: shown, never hidden.
    assert (shown.payments.amount_paid, shown.payments.amount_unpaid) == (1_000_000, -100_000)
    assert shown.payments.paid_in_full


def test_a_contract_may_forbid_over_payment_where_the_company_allows_it(
    runtime: Runtime,
) -> None:
    load(runtime, document(prevent_overpayment=False, allow_overpayment=False))
    app = create(runtime, work(LINES[0], 1_000_000))
    with pytest.raises(Invalid, match="over-pay pay application 1"):
        pay(runtime, pay_app_id=app.id, amount_cents=900_001)


def test_no_contract_may_allow_what_its_company_prevents(runtime: Runtime) -> None:
    for key, prevent in (
        ("allow_overpayment", "prevent_overpayment"),
        ("allow_overbilling", "prevent_overbilling"),
    ):
        with pytest.raises(FixtureError) as raised:
            load(runtime, document(**{prevent: True, key: True}))
        assert raised.value.message == (
            f"{CONTRACT_PATH}.{key}: the company prevents this on all contracts, so a contract "
            "may not allow it"
        )
        assert counts(runtime)["companies"] == 0


def test_payments_on_account_may_not_exceed_what_the_contract_has_earned(
    ledger: Runtime,
) -> None:
    with pytest.raises(Invalid, match="no pay application of it has been submitted"):
        pay(ledger, amount_cents=1)

    # App 1: 10,000.00 of work less 10 % = line 6 of 9,000.00; app 2 is a draft, not counted.
    create(ledger, work(LINES[0], 1_000_000))
    create(ledger, work(LINES[1], 1_000_000), status=PayAppStatus.DRAFT)
    pay(ledger, amount_cents=800_000)
    with pytest.raises(Invalid) as raised:
        pay(ledger, amount_cents=100_001)  # 8,000.00 + 1,000.01 > 9,000.00
    assert raised.value.message == (
        "amount: a payment of 1000.01 would over-pay contract SC-001: its latest submitted pay "
        "application (1) has earned 9000.00 less retainage (line 4 less line 5), already paid "
        "8000.00"
    )
    pay(ledger, amount_cents=100_000)


def test_an_edit_that_lowers_a_paid_applications_line_8_below_its_payments_is_refused(
    ledger: Runtime,
) -> None:
    app = create(ledger, work(LINES[0], 1_000_000))  # 9,000.00 due
    pay(ledger, pay_app_id=app.id, amount_cents=900_000)
    before = view(ledger, app.id)

    # 9,999.99 of work: line 8 = 9,999.99 - 1,000.00 retained = 8,999.99 < 9,000.00 paid.
    with pytest.raises(Invalid, match=r"has 9000\.00 paid on it") as raised:
        update(ledger, app.id, lines=(work(LINES[0], 999_999),))
    assert raised.value.code == "overpayment"
    assert view(ledger, app.id) == before
    assert_no_drift(ledger, CONTRACT)
    # Raising it is fine: more is due, nothing is over-paid.
    assert update(ledger, app.id, lines=(work(LINES[0], 1_000_001),)).number == 1


# -- payments: submitted only, one check per application, dates ---------------------------------


def test_a_draft_cannot_be_paid_nor_can_a_payment_be_moved_onto_one(ledger: Runtime) -> None:
    submitted = create(ledger, work(LINES[0], 1_000_000))
    draft = create(ledger, work(LINES[1], 1_000_000), status=PayAppStatus.DRAFT)
    before = counts(ledger)

    with pytest.raises(Invalid) as raised:
        pay(ledger, pay_app_id=draft.id, amount_cents=100)
    assert raised.value.message == (
        "requisition_id: pay application 2 is a draft; payments are recorded only against "
        "submitted pay applications"
    )
    assert counts(ledger) == before

    paid = pay(ledger, pay_app_id=submitted.id, amount_cents=100)
    with pytest.raises(Invalid, match="is a draft"):
        payments.update_payment(ledger.uow(), ADMIN, paid.id, {"pay_app_id": draft.id})
    assert payments.get_payment(ledger.uow(), ADMIN, paid.id).pay_app_id == submitted.id

    # Once submitted, it can be paid.
    update(ledger, draft.id, status=PayAppStatus.UNDER_REVIEW)
    assert pay(ledger, pay_app_id=draft.id, amount_cents=100).pay_app_id == draft.id


def test_a_paid_application_may_not_go_back_to_draft(ledger: Runtime) -> None:
    app = create(ledger, work(LINES[0], 1_000_000), status=PayAppStatus.REVISE_AND_RESUBMIT)
    payment = pay(ledger, pay_app_id=app.id, amount_cents=100)

    for actor in (ADMIN, STANDARD):
        with pytest.raises(Invalid) as raised:
            update(ledger, app.id, actor, status=PayAppStatus.DRAFT)
        assert raised.value.code == "has_payments"
    assert view(ledger, app.id).status is PayAppStatus.REVISE_AND_RESUBMIT

    payments.delete_payment(ledger.uow(), ADMIN, payment.id)
    assert update(ledger, app.id, status=PayAppStatus.DRAFT).status is PayAppStatus.DRAFT


def test_one_check_pays_a_pay_application_once_and_may_pay_several(ledger: Runtime) -> None:
    first = create(ledger, work(LINES[0], 1_000_000))
    second = create(ledger, work(LINES[1], 1_000_000))
    pay(ledger, pay_app_id=first.id, amount_cents=100_000, check_number="10452")
    before = counts(ledger)

    with pytest.raises(Conflict) as raised:
        pay(ledger, pay_app_id=first.id, amount_cents=100_000, check_number="10452")
    assert raised.value.field == "check_number"
    assert "check 10452 already pays pay application 1" in raised.value.message
    assert counts(ledger) == before

    # The same check may pay the contract's other application, and a payment on account.
    other = pay(ledger, pay_app_id=second.id, amount_cents=100_000, check_number="10452")
    pay(ledger, amount_cents=100, check_number="10452")
    # Moving that payment onto the first application would pay it twice with one check.
    with pytest.raises(Conflict):
        payments.update_payment(ledger.uow(), ADMIN, other.id, {"pay_app_id": first.id})


def test_a_payment_without_a_date_is_dated_the_day_it_is_recorded(ledger: Runtime) -> None:
    app = create(ledger, work(LINES[0], 1_000_000))
    before = datetime.now(UTC).date()
    undated = pay(ledger, pay_app_id=app.id, amount_cents=100)
    nulled = pay(ledger, pay_app_id=app.id, amount_cents=100, payment_date=None)
    after = datetime.now(UTC).date()
    for payment in (undated, nulled):
        assert payment.payment_date is not None
        assert before <= payment.payment_date <= after

    dated = pay(ledger, pay_app_id=app.id, amount_cents=100, payment_date=date(2024, 2, 20))
    assert dated.payment_date == date(2024, 2, 20)
    with pytest.raises(Invalid, match="date: a payment's date may be changed, not removed"):
        payments.update_payment(ledger.uow(), ADMIN, dated.id, {"payment_date": None})
    with pytest.raises(Invalid, match=r"date: not a date \(YYYY-MM-DD\)"):
        pay(ledger, amount_cents=100, payment_date="2025-04-31")
    assert payments.get_payment(ledger.uow(), ADMIN, dated.id).payment_date == date(2024, 2, 20)


# -- over-billing --------------------------------------------------------------------------------


def test_company_prevention_refuses_over_billing_naming_the_line(runtime: Runtime) -> None:
    load(runtime, document(prevent_overbilling=True))
    first = create(runtime, work(LINES[0], 600_000), period=PERIODS[0])
    before = counts(runtime)

    # 6,000 + 4,000.01 = 10,000.01 > C 10,000 on line 1.
    with pytest.raises(Invalid) as raised:
        create(runtime, work(LINES[0], 400_001), period=PERIODS[1])
    assert raised.value.message == (
        "application 2, line 1 (General conditions): total completed and stored to date "
        "10000.01 would go beyond the scheduled value 10000.00, and over-billing is not allowed "
        "on this contract"
    )
    assert raised.value.code == "overbilling"
    assert counts(runtime) == before
    assert view(runtime, first.id) == first


def test_a_contract_may_forbid_over_billing_where_the_company_allows_it(
    runtime: Runtime,
) -> None:
    load(runtime, document(allow_overbilling=False))
    with pytest.raises(Invalid, match=r"line 2 \(Rough-in\)"):
        create(runtime, work(LINES[1], 2_000_001))


def test_allowed_over_billing_shows_in_the_figures(ledger: Runtime) -> None:
    # Period 1 (no change order yet). Line 1: C 10,000, G 11,000 -> H -1,000 and 110 %;
    # line 5 = 1,100; line 6 = 9,900; line 9 = 60,000 - 9,900 = 50,100.
    app = create(ledger, work(LINES[0], 1_100_000), period=PERIODS[0])
    assert app.lines is not None
    (figures,) = [line.figures for line in app.lines if line.figures.ref == sov(LINES[0])]
    assert figures.balance_to_finish == -100_000
    assert str(figures.percent_complete) == "110.00"
    assert app.summary.balance_to_finish_including_retainage == 5_010_000


def test_an_admin_edit_that_over_bills_a_later_application_is_refused(runtime: Runtime) -> None:
    load(runtime, document(prevent_overbilling=True))
    first = create(runtime, work(LINES[0], 500_000), period=PERIODS[0])
    second = create(runtime, work(LINES[0], 500_000), period=PERIODS[1])  # line 1 at C exactly
    before = [view(runtime, first.id), view(runtime, second.id)]

    # +1 cent on app 1: app 1 is within C (5,000.01), app 2 reaches 10,000.01.
    with pytest.raises(Invalid, match=r"^application 2, line 1 \(General conditions\)"):
        update(runtime, first.id, lines=(work(LINES[0], 500_001),))
    assert [view(runtime, first.id), view(runtime, second.id)] == before
    assert_no_drift(runtime, CONTRACT)


def test_a_deduct_change_order_billed_past_its_value_is_over_billing(runtime: Runtime) -> None:
    load(runtime, document(prevent_overbilling=True))
    app = create(runtime)  # no period end: every approved package joins, CO-003 too
    assert CO_LATE in {package.id for package in app.packages}

    def deduct(cents: int) -> LineInput:
        return LineInput(ref=co(CO_LATE_ITEM), work_completed_this_period=cents)

    # C -2,000: billing -2,000.00 is within it, -2,000.01 goes past it in size.
    assert update(runtime, app.id, lines=(deduct(-200_000),)).number == 1
    with pytest.raises(Invalid, match=r"line CO-003 \(Owner-supplied fixtures\)"):
        update(runtime, app.id, lines=(deduct(-200_001),))


def test_removing_a_change_order_cannot_leave_a_line_over_billed(runtime: Runtime) -> None:
    """A package comes off only while nothing is billed on its items, so its lines leave with G
    = 0 and every other line keeps its C: the recompute after removal finds nothing over C."""
    load(runtime, document(prevent_overbilling=True))
    app = create(runtime, work(LINES[0], 1_000_000))  # line 1 billed to C exactly
    assert CO_LATE in {package.id for package in app.packages}
    removed = pay_apps.remove_change_order_package(runtime.uow(), ADMIN, app.id, CO_LATE)
    assert CO_LATE not in {package.id for package in removed.packages}
    # 60,000 + 5,000 (CO-001) = 65,000 once the -2,000 deduct is off.
    assert removed.summary.contract_sum_to_date == 6_500_000
    assert_no_drift(runtime, CONTRACT)


def test_fixture_history_that_over_bills_is_refused_by_path(runtime: Runtime) -> None:
    doc = document(prevent_overbilling=True)
    contract = doc["companies"][0]["projects"][0]["contracts"][0]
    contract["pay_apps"] = [
        {"number": 1, "lines": [{"line_item": 1, "work_completed_this_period": "10000.01"}]}
    ]
    with pytest.raises(FixtureError) as raised:
        load(runtime, doc)
    assert raised.value.message.startswith(
        f"{CONTRACT_PATH}.pay_apps[0]: application 1, line 1 (General conditions): "
    )
    assert counts(runtime)["companies"] == 0


def test_fixture_history_that_over_pays_is_refused_by_path(runtime: Runtime) -> None:
    doc = document()
    contract = doc["companies"][0]["projects"][0]["contracts"][0]
    contract["pay_apps"] = [
        {
            "number": 1,
            "status": "approved",
            "lines": [{"line_item": 1, "work_completed_this_period": "1000.00"}],
        }
    ]
    contract["payments"] = [{"pay_app": 1, "amount": "900.01", "date": "2024-02-01"}]
    with pytest.raises(FixtureError, match=r"payments\[0\]: amount: a payment of 900\.01"):
        load(runtime, doc)
    assert counts(runtime)["companies"] == 0


# -- integration fields ------------------------------------------------------------------------


def test_only_an_admin_locks_or_unlocks(ledger: Runtime) -> None:
    app = create(ledger, work(LINES[0], 100_000), status=PayAppStatus.DRAFT, actor=STANDARD)

    with pytest.raises(Forbidden) as raised:
        update(ledger, app.id, STANDARD, header={"integration_state": "locked"})
    assert raised.value.field == "integration_state"
    assert view(ledger, app.id).integration_state is None

    update(ledger, app.id, header={"integration_state": "locked"})
    with pytest.raises(Forbidden):  # a standard member may not lift an admin's lock
        update(ledger, app.id, STANDARD, header={"integration_state": None})
    assert view(ledger, app.id).integration_state == "locked"
    assert update(ledger, app.id, header={"integration_state": None}).integration_state is None


def test_integration_fields_on_an_approved_or_paid_application_are_for_admins(
    ledger: Runtime,
) -> None:
    approved = create(ledger, work(LINES[0], 100_000), status=PayAppStatus.APPROVED)
    paid = create(ledger, work(LINES[1], 100_000))  # under review, then paid
    pay(ledger, pay_app_id=paid.id, amount_cents=9_000)
    sync = {"external_id": "10010-99-AB", "external_system": "Sage300"}

    for target in (approved, paid):
        with pytest.raises(Forbidden) as raised:
            update(ledger, target.id, STANDARD, header=sync)
        assert raised.value.code == "integration_admin_only"
        assert view(ledger, target.id).external_id is None
        assert update(ledger, target.id, header=sync).external_id == "10010-99-AB"


def test_a_standard_member_sets_sync_fields_on_an_open_application(ledger: Runtime) -> None:
    earlier = create(ledger, work(LINES[0], 100_000))  # under review, unpaid, not the latest
    create(ledger, status=PayAppStatus.DRAFT)
    synced = update(
        ledger, earlier.id, STANDARD, header={"external_id": "X-1", "external_message": "ok"}
    )
    assert (synced.external_id, synced.external_message) == ("X-1", "ok")
