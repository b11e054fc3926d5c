"""Payments, ACC status, Intacct owner billing and ACC payment amounts (docs/billing.md
"Payments", "Pay application statuses", "Owner billing roll-up", "ACC payment fields").

Expected figures are computed by hand in the comments.
"""

from __future__ import annotations

import itertools
from dataclasses import fields
from decimal import Decimal

import pytest

from drawbridge.domain.billing import (
    ApplicationEntry,
    ApplicationFigures,
    BillingTerms,
    LineEntry,
    LineKind,
    LineRef,
    ScheduledLine,
    StoredMaterialsMode,
    compute_chain,
)
from drawbridge.domain.rollups import (
    ACC_STATUS,
    AccPaymentAmounts,
    acc_payment_amounts,
    acc_status,
    acc_status_filter,
    billed_this_period,
    gross_retention,
    is_paid,
    owner_billing,
    payment_position,
    quantity_at_unit_price,
)
from drawbridge.domain.rules import APPROVED_STATUSES, PayAppStatus


def usd(text: str) -> int:
    cents = Decimal(text.replace(",", "")) * 100
    assert cents == cents.to_integral_value()
    return int(cents)


# --- payment_position ------------------------------------------------------------------------


def test_payments_reduce_what_is_owed() -> None:
    # due 7,200; paid 5,000 + 2,200 = 7,200 -> unpaid 0.
    position = payment_position(usd("7,200"), [usd("5,000"), usd("2,200")])
    assert (position.amount_paid, position.amount_unpaid) == (usd("7,200"), 0)
    assert position.paid_in_full


def test_partial_payment_leaves_the_rest_unpaid() -> None:
    position = payment_position(usd("7,200"), [usd("5,000")])
    assert (position.amount_paid, position.amount_unpaid) == (usd("5,000"), usd("2,200"))
    assert not position.paid_in_full


def test_overpayment_shows_as_a_negative_unpaid_amount() -> None:
    # 7,200 - (5,000 + 3,000) = -800: shown, never hidden or clamped.
    position = payment_position(usd("7,200"), [usd("5,000"), usd("3,000")])
    assert (position.amount_paid, position.amount_unpaid) == (usd("8,000"), usd("-800"))
    assert position.paid_in_full


def test_written_off_amount_reduces_what_is_unpaid() -> None:
    # 7,200 - 7,000 paid - 150 written off = 50.
    position = payment_position(usd("7,200"), [usd("7,000")], written_off=usd("150"))
    assert (position.amount_paid, position.amount_unpaid) == (usd("7,000"), usd("50"))


def test_no_payments() -> None:
    position = payment_position(usd("7,200"), [])
    assert (position.amount_paid, position.amount_unpaid) == (0, usd("7,200"))
    assert not position.paid_in_full


# --- ACC status ------------------------------------------------------------------------------

# docs/billing.md: canonical status -> ACC status.
ACC_TABLE = [
    (PayAppStatus.DRAFT, "draft"),
    (PayAppStatus.UNDER_REVIEW, "submitted"),
    (PayAppStatus.REVISE_AND_RESUBMIT, "revise"),
    (PayAppStatus.PENDING_OWNER_APPROVAL, "accepted"),
    (PayAppStatus.APPROVED_AS_NOTED, "approved"),
    (PayAppStatus.APPROVED, "approved"),
]
DUE = usd("7,200")


@pytest.mark.parametrize(("status", "expected"), ACC_TABLE)
@pytest.mark.parametrize("payments", [[], [usd("1,000")]], ids=["unpaid", "partly-paid"])
def test_acc_status_mapping(status: PayAppStatus, expected: str, payments: list[int]) -> None:
    assert acc_status(status, payment_position(DUE, payments)) == expected


def test_acc_status_table_covers_every_status() -> None:
    assert {status for status, _ in ACC_TABLE} == set(PayAppStatus)


@pytest.mark.parametrize("status", [PayAppStatus.APPROVED, PayAppStatus.APPROVED_AS_NOTED])
@pytest.mark.parametrize("payments", [[usd("7,200")], [usd("7,000"), usd("200")], [usd("8,000")]])
def test_acc_status_is_paid_when_approved_and_payments_cover_the_payment_due(
    status: PayAppStatus, payments: list[int]
) -> None:
    assert acc_status(status, payment_position(DUE, payments)) == "paid"


@pytest.mark.parametrize(
    ("status", "expected"),
    [
        row
        for row in ACC_TABLE
        if row[0] not in {PayAppStatus.APPROVED, PayAppStatus.APPROVED_AS_NOTED}
    ],
)
def test_acc_status_is_not_paid_before_approval_even_when_covered(
    status: PayAppStatus, expected: str
) -> None:
    assert acc_status(status, payment_position(DUE, [DUE])) == expected


def test_acc_status_stays_approved_one_cent_short() -> None:
    assert acc_status(PayAppStatus.APPROVED, payment_position(DUE, [DUE - 1])) == "approved"


# --- A small prime contract, computed by hand ----------------------------------------------------
# SOV A C 20,000; SOV B C 10,000 (line 1 = 30,000). CO item 900 +3,000 approved and on
# application 2; another package of 2,000 is pending (not on any application).
# 10 % work / 10 % materials, cumulative.
#
# manual mode
# app 1: A E 8,000 -> held 800. B E 2,000 -> 200, F 1,000 -> materials 100.
#        line 4 = 11,000; 5a 1,000; 5b 100; 5 = 1,100; 6 = 9,900; 7 0; 8 = 9,900;
#        9 = 30,000 - 9,900 = 20,100. retained 1,100, released 0.
# app 2: A E 4,000, release 200: G 12,000; held = 10 % x 12,000 - 200 = 1,000
#          (retained 1,200 - 800 = 400, released 200).
#        B installs the 1,000 stored and does 500 more: E 1,500, F 0: G 3,500; work held 350
#          (retained 350 - 200 = 150); materials 100 -> 0 (retained -100).
#        CO E 1,500 -> 150.
#        line 3 = 33,000; 4 = 12,000 + 3,500 + 1,500 = 17,000; 5a = 1,000 + 350 + 150 = 1,500;
#        5b = 0; 5 = 1,500; 6 = 15,500; 7 = 9,900; 8 = 5,600; 9 = 33,000 - 15,500 = 17,500.
#        retained = 400 + 150 + 150 - 100 = 600; released 200 (600 - 200 = 1,500 - 1,100).
#        sum D = 8,000 + 2,000 + 0 = 10,000; sum E = 4,000 + 1,500 + 1,500 = 7,000; sum F 0.
# app 3: nothing billed; the change order is now "previous".
#
# move_to_previous mode: app 2 B bills only its new 500 (the stored 1,000 moves into D):
#        B D = 2,000 + 1,000 = 3,000, E 500, G 3,500; work from previous 200 + 100 = 300;
#        held 10 % x 3,500 = 350. Lines 4-9 as in manual; sum D = 8,000 + 3,000 = 11,000;
#        sum E = 4,000 + 500 + 1,500 = 6,000.

SOV_A = LineRef(LineKind.SOV, 1)
SOV_B = LineRef(LineKind.SOV, 2)
CO = LineRef(LineKind.CHANGE_ORDER, 900)
SOV = (ScheduledLine(SOV_A, usd("20,000")), ScheduledLine(SOV_B, usd("10,000")))
WITH_CO = (*SOV, ScheduledLine(CO, usd("3,000"), change_order_package_id=90))


def prime_chain(mode: StoredMaterialsMode = StoredMaterialsMode.MANUAL) -> list[ApplicationFigures]:
    terms = BillingTerms(
        work_percent=Decimal(10), materials_percent=Decimal(10), stored_materials=mode
    )
    manual = mode is StoredMaterialsMode.MANUAL
    b_second = (
        LineEntry(work_completed_this_period=usd("1,500"), materials_presently_stored=0)
        if manual
        else LineEntry(work_completed_this_period=usd("500"))
    )
    return compute_chain(
        terms,
        [
            ApplicationEntry(
                SOV,
                {
                    SOV_A: LineEntry(work_completed_this_period=usd("8,000")),
                    SOV_B: LineEntry(
                        work_completed_this_period=usd("2,000"),
                        materials_presently_stored=usd("1,000"),
                    ),
                },
            ),
            ApplicationEntry(
                WITH_CO,
                {
                    SOV_A: LineEntry(
                        work_completed_this_period=usd("4,000"),
                        work_retainage_released=usd("200"),
                    ),
                    SOV_B: b_second,
                    CO: LineEntry(work_completed_this_period=usd("1,500")),
                },
            ),
            ApplicationEntry(WITH_CO),
        ],
    )


def test_the_hand_computed_chain() -> None:
    first, second, third = (a.summary for a in prime_chain())
    assert (first.total_retainage, first.current_payment_due) == (usd("1,100"), usd("9,900"))
    assert (second.contract_sum_to_date, second.total_completed_and_stored_to_date) == (
        usd("33,000"),
        usd("17,000"),
    )
    assert (second.total_retainage, second.total_earned_less_retainage) == (
        usd("1,500"),
        usd("15,500"),
    )
    assert (second.current_payment_due, second.balance_to_finish_including_retainage) == (
        usd("5,600"),
        usd("17,500"),
    )
    assert (second.retainage_retained_this_period, second.retainage_released_this_period) == (
        usd("600"),
        usd("200"),
    )
    assert third.current_payment_due == 0


# --- Owner billing (Intacct) ---------------------------------------------------------------------


def test_owner_billing_roll_up() -> None:
    # totalPrice = 30,000 + 0 revision + 3,000 approved = 33,000; billed = line 4 = 17,000;
    # released ever = 0 + 200 + 0 = 200; balance = line 5 = 1,500; held ever = 1,700
    #   (= retained 1,100 + 600); net = 17,000 - 1,500 = 15,500 (= line 6);
    # percentBilled = 17,000 / 33,000 = 51.515 -> 51.52; net = 15,500 / 33,000 = 46.97;
    # balanceToBill = 33,000 - 17,000 = 16,000; net = 33,000 - 15,500 = 17,500 (= line 9).
    chain = [a.summary for a in prime_chain()]
    billing = owner_billing(
        original_price=usd("30,000"),
        approved_change_price=usd("3,000"),
        pending_change_price=usd("2,000"),
        chain=chain,
        payments_received=usd("9,900"),
    )
    assert billing.original_price == usd("30,000")
    assert (billing.revision_price, billing.other_price, billing.forecast_price) == (0, 0, 0)
    assert billing.approved_change_price == usd("3,000")
    assert billing.pending_change_price == usd("2,000")
    assert billing.total_price == usd("33,000")
    assert billing.billed_price == usd("17,000")
    assert billing.total_retainage_held == usd("1,700")
    assert billing.total_retainage_released == usd("200")
    assert billing.retainage_balance == usd("1,500") == chain[-1].total_retainage
    assert billing.total_billed_net_retainage == usd("15,500")
    assert billing.total_billed_net_retainage == chain[-1].total_earned_less_retainage
    assert billing.percent_billed == Decimal("51.52")
    assert billing.percent_billed_net_retainage == Decimal("46.97")
    assert billing.balance_to_bill == usd("16,000")
    assert billing.balance_to_bill_net_retainage == usd("17,500")
    assert billing.balance_to_bill_net_retainage == chain[-1].balance_to_finish_including_retainage
    assert billing.total_payments_received == usd("9,900")
    assert billing.last_application_number == 3


def test_owner_billing_counts_recorded_revisions_in_the_total_price() -> None:
    # 30,000 + 1,000 revision + 3,000 approved = 34,000; pending and other do not count.
    billing = owner_billing(
        original_price=usd("30,000"),
        approved_change_price=usd("3,000"),
        pending_change_price=usd("2,000"),
        revision_price=usd("1,000"),
        other_price=usd("500"),
        forecast_price=usd("36,000"),
        chain=[a.summary for a in prime_chain()],
        payments_received=0,
    )
    assert billing.total_price == usd("34,000")
    assert billing.balance_to_bill == usd("17,000")  # 34,000 - 17,000
    assert (billing.other_price, billing.forecast_price) == (usd("500"), usd("36,000"))


def test_owner_billing_without_applications() -> None:
    billing = owner_billing(
        original_price=usd("30,000"),
        approved_change_price=0,
        pending_change_price=0,
        chain=[],
        payments_received=0,
    )
    assert billing.billed_price == billing.retainage_balance == 0
    assert billing.total_retainage_held == billing.total_retainage_released == 0
    assert billing.balance_to_bill == billing.balance_to_bill_net_retainage == usd("30,000")
    assert billing.percent_billed == Decimal("0.00")
    assert billing.last_application_number is None


def test_owner_billing_percent_is_zero_for_a_zero_price() -> None:
    billing = owner_billing(
        original_price=0, approved_change_price=0, pending_change_price=0, chain=[],
        payments_received=0,
    )  # fmt: skip
    assert billing.percent_billed == billing.percent_billed_net_retainage == Decimal("0.00")


# --- ACC payment amounts ------------------------------------------------------------------------


def test_acc_payment_amounts_for_the_first_application() -> None:
    # previous is nothing: previousRetention 0, previousMaterialsOnStore 0.
    # netRetention = 1,000 + 100 - 0 = 1,100; netAmount = line 8 9,900 + 0 - 0.
    first = prime_chain()[0].summary
    acc = acc_payment_amounts(first, None)
    assert acc == AccPaymentAmounts(
        contract_amount=usd("30,000"),
        approved_change_orders=0,
        previous_approved_change_orders=0,
        original_amount=usd("30,000"),
        previous_amount=0,
        amount=usd("10,000"),
        materials_on_store=usd("1,000"),
        previous_materials_on_store=0,
        net_materials_on_store=usd("1,000"),
        completed_work_retention=usd("1,000"),
        materials_retention=usd("100"),
        previous_retention=0,
        net_retention=usd("1,100"),
        advance_amount=0,
        recoupment_amount=0,
        net_amount=usd("9,900"),
    )


def test_acc_payment_amounts_with_advance_and_recoupment() -> None:
    # app 2 (manual): previousRetention = line 5 of app 1 = 1,100; netRetention = 1,500 + 0 -
    # 1,100 = 400; netMaterialsOnStore = 0 - 1,000 = -1,000;
    # netAmount = line 8 5,600 + advance 500 - recoupment 300 = 5,800.
    # manual identity: line 8 = amount 7,000 + net materials -1,000 - net retention 400 = 5,600.
    chain = prime_chain()
    acc = acc_payment_amounts(
        chain[1].summary,
        chain[0].summary,
        advance_amount=usd("500"),
        recoupment_amount=usd("300"),
    )
    assert acc == AccPaymentAmounts(
        contract_amount=usd("30,000"),
        approved_change_orders=usd("3,000"),
        previous_approved_change_orders=0,
        original_amount=usd("33,000"),
        previous_amount=usd("10,000"),
        amount=usd("7,000"),
        materials_on_store=0,
        previous_materials_on_store=usd("1,000"),
        net_materials_on_store=usd("-1,000"),
        completed_work_retention=usd("1,500"),
        materials_retention=0,
        previous_retention=usd("1,100"),
        net_retention=usd("400"),
        advance_amount=usd("500"),
        recoupment_amount=usd("300"),
        net_amount=usd("5,800"),
    )
    assert chain[1].summary.current_payment_due == (
        acc.amount + acc.net_materials_on_store - acc.net_retention
    )


def test_acc_change_orders_become_previous_on_the_next_application() -> None:
    chain = prime_chain()
    acc = acc_payment_amounts(chain[2].summary, chain[1].summary)
    assert (acc.approved_change_orders, acc.previous_approved_change_orders) == (0, usd("3,000"))
    assert acc.previous_retention == usd("1,500")
    assert acc.net_retention == 0
    assert acc.net_amount == 0


def test_acc_line_8_includes_materials_moved_into_previous_work() -> None:
    # move_to_previous: amount = 6,000, net materials = -1,000, net retention 400, moved 1,000:
    # line 8 = 6,000 - 1,000 + 1,000 - 400 = 5,600 (the manual formula alone would give 4,600).
    chain = prime_chain(StoredMaterialsMode.MOVE_TO_PREVIOUS)
    acc = acc_payment_amounts(chain[1].summary, chain[0].summary)
    assert (acc.previous_amount, acc.amount) == (usd("11,000"), usd("6,000"))
    assert acc.net_materials_on_store == usd("-1,000")
    assert acc.net_retention == usd("400")
    assert acc.net_amount == usd("5,600") == chain[1].summary.current_payment_due
    assert chain[1].summary.materials_moved == usd("1,000")


def test_converted_rounds_half_up_per_field() -> None:
    # rate 0.5: odd cents land on .5 and round away from zero (half-even would differ on
    # 1 -> 0, 5 -> 2, 9 -> 4, -5 -> -2).
    names = [f.name for f in fields(AccPaymentAmounts)]
    values = [1, 3, 5, 7, 9, -1, -5, -9, 0, 2, 4, 10, 11, 13, 100_001, -100_001]
    expected = [1, 2, 3, 4, 5, -1, -3, -5, 0, 1, 2, 5, 6, 7, 50_001, -50_001]
    amounts = AccPaymentAmounts(**dict(zip(names, values, strict=True)))
    converted = amounts.converted(Decimal("0.5"))
    assert [getattr(converted, name) for name in names] == expected


def test_converted_with_a_real_exchange_rate() -> None:
    # 5,600.00 x 1.0825 = 6,062.00; 1,234.56 x 1.0825 = 1,336.4112 -> 1,336.41;
    # 0.02 x 1.25 = 0.025 -> 0.03.
    acc = acc_payment_amounts(prime_chain()[1].summary, prime_chain()[0].summary)
    converted = acc.converted(Decimal("1.0825"))
    assert converted.net_amount == usd("6,062.00")
    assert converted.original_amount == usd("35,722.50")  # 33,000 x 1.0825
    sample = AccPaymentAmounts(**{f.name: usd("1,234.56") for f in fields(AccPaymentAmounts)})
    assert sample.converted(Decimal("1.0825")).amount == usd("1,336.41")
    tiny = AccPaymentAmounts(**{f.name: 2 for f in fields(AccPaymentAmounts)})
    assert tiny.converted(Decimal("1.25")).net_retention == 3


def test_gross_retention_is_retainage_before_releases_at_the_rates_in_force() -> None:
    # 10 % of work to date (D 3,000.00 + E 1,005.05 = 4,005.05 -> 400.505 -> 400.51 half-up)
    # plus 5 % of stored materials (F 333.33 -> 16.6665 -> 16.67): 417.18, whatever was released.
    summary = compute_chain(
        BillingTerms(work_percent=Decimal(10), materials_percent=Decimal(5)),
        [
            ApplicationEntry(
                [ScheduledLine(LineRef(LineKind.SOV, 1), 1_000_000)],
                {LineRef(LineKind.SOV, 1): LineEntry(work_completed_this_period=300_000)},
            ),
            ApplicationEntry(
                [ScheduledLine(LineRef(LineKind.SOV, 1), 1_000_000)],
                {
                    LineRef(LineKind.SOV, 1): LineEntry(
                        work_completed_this_period=100_505,
                        materials_presently_stored=33_333,
                        work_retainage_released=10_000,
                    )
                },
            ),
        ],
    )[-1].summary
    assert gross_retention(summary) == 41_718
    assert summary.total_retainage == 41_718 - 10_000


def test_billed_this_period_is_what_an_application_adds_to_line_4() -> None:
    # app 1: E 1,000.00 + F 500.00 = 1,500.00. App 2 installs the 500.00 stored (F 500 -> 0) and
    # does 200.00 of new work, so E = 700.00: line 4 = D 1,000 + E 700 + F 0 = 1,700.00. Only the
    # 200.00 is newly billed; the installed material was billed when it was stored.
    line = ScheduledLine(LineRef(LineKind.SOV, 1), 1_000_000)
    chain = compute_chain(
        BillingTerms(),
        [
            ApplicationEntry(
                [line],
                {
                    line.ref: LineEntry(
                        work_completed_this_period=100_000, materials_presently_stored=50_000
                    )
                },
            ),
            ApplicationEntry(
                [line],
                {
                    line.ref: LineEntry(
                        work_completed_this_period=70_000, materials_presently_stored=0
                    )
                },
            ),
        ],
    )
    assert billed_this_period(chain[0].summary, None) == 150_000
    assert billed_this_period(chain[1].summary, chain[0].summary) == 20_000


@pytest.mark.parametrize(
    ("cents", "unit_price", "quantity"),
    [
        (125_000, Decimal("12.50"), Decimal("100.0000")),
        (100, Decimal("3"), Decimal("0.3333")),  # 1.00 / 3 = 0.33333...
        (200, Decimal("3"), Decimal("0.6667")),  # 0.66666... half-up
        (50_000, None, Decimal(0)),  # a lump-sum line has no quantity
    ],
)
def test_quantity_at_unit_price(cents: int, unit_price: Decimal | None, quantity: Decimal) -> None:
    assert quantity_at_unit_price(cents, unit_price) == quantity


ACC_NAMES = sorted(set(ACC_STATUS.values()) | {"paid", "pendingInput", "inReview"})
POSITIONS = [payment_position(DUE, payments) for payments in ([], [DUE - 1], [DUE], [DUE + 1])]


@pytest.mark.parametrize(
    "wanted",
    [set(chosen) for size in (1, 2, 3) for chosen in itertools.combinations(ACC_NAMES, size)],
)
def test_acc_status_filter_keeps_what_acc_status_names(wanted: set[str]) -> None:
    """The ledger statuses and the paid-in-full flag keep exactly the applications whose ACC
    status is wanted, whatever their status and payments."""
    kept, paid_in_full = acc_status_filter(wanted)
    for status in PayAppStatus:
        for position in POSITIONS:
            by_filter = status in kept and (
                status not in APPROVED_STATUSES
                or paid_in_full is None
                or is_paid(status, position) == paid_in_full
            )
            assert by_filter == (acc_status(status, position) in wanted), (status, position)
