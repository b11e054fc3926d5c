"""Properties of docs/billing.md over generated contracts and pay-application histories.

The generator covers both retainage methods, both stored-materials modes, retainage steps,
per-line overrides, change orders in both directions (some added on later applications), negative
corrections, lines the client does not mention, and releases: each release is a fraction of what
the engine holds on that line just before it, so every generated history is valid. Over-billing is
allowed while generating; one property then forbids it and checks the engine refuses exactly the
histories that over-bill.
"""

from __future__ import annotations

import itertools
from dataclasses import dataclass, replace
from decimal import Decimal

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from drawbridge.domain.billing import (
    ApplicationEntry,
    ApplicationFigures,
    BillingTerms,
    ChainStart,
    LineEntry,
    LineFigures,
    LineKind,
    LineRef,
    RetainageMethod,
    RetainageStep,
    ScheduledLine,
    StoredMaterialsMode,
    compute_chain,
)
from drawbridge.domain.errors import Invalid
from drawbridge.domain.money import apply_rate, percent_of
from drawbridge.domain.rollups import acc_payment_amounts, owner_billing

PROPERTIES = settings(max_examples=150, deadline=None)

RATES = st.one_of(
    st.sampled_from([Decimal(0), Decimal(5), Decimal(10)]),
    st.decimals(min_value=0, max_value=100, places=2, allow_nan=False, allow_infinity=False),
)


@dataclass(frozen=True)
class History:
    terms: BillingTerms
    applications: list[ApplicationEntry]
    original_price: int  # sum of the SOV lines
    change_order_price: int  # sum of every change-order item (all on the latest application)

    @property
    def manual(self) -> bool:
        return self.terms.stored_materials is StoredMaterialsMode.MANUAL


def _fraction_of(held: int, percent: int) -> int:
    """``percent`` % of ``held``, toward zero: never larger than what is held, same sign."""
    sign = -1 if held < 0 else 1
    return sign * (abs(held) * percent // 100)


@st.composite
def histories(draw: st.DrawFn) -> History:
    method = draw(st.sampled_from(list(RetainageMethod)))
    mode = draw(st.sampled_from(list(StoredMaterialsMode)))
    thresholds = sorted(draw(st.lists(st.integers(1, 100), max_size=2, unique=True)))
    steps = tuple(RetainageStep(Decimal(t), draw(RATES), draw(RATES)) for t in thresholds)
    terms = BillingTerms(
        retainage_method=method,
        work_percent=draw(RATES),
        materials_percent=draw(RATES),
        steps=steps,
        stored_materials=mode,
        allow_overbilling=True,
    )
    count = draw(st.integers(1, 5))
    sov = [
        ScheduledLine(LineRef(LineKind.SOV, number), draw(st.integers(0, 5_000_000)))
        for number in range(1, draw(st.integers(1, 4)) + 1)
    ]
    change_orders = [
        (
            draw(st.integers(0, count - 1)),  # the application that adds it
            ScheduledLine(
                LineRef(LineKind.CHANGE_ORDER, 100 + number),
                draw(st.integers(-1_000_000, 1_000_000)),
                change_order_package_id=draw(st.integers(1, 2)),
            ),
        )
        for number in range(draw(st.integers(0, 3)))
    ]

    applications: list[ApplicationEntry] = []
    for index in range(count):
        lines = tuple(sov + [line for added, line in change_orders if added <= index])
        entries: dict[LineRef, LineEntry] = {}
        for line in lines:
            if not draw(st.booleans()):
                continue  # not mentioned on this application
            sign = -1 if line.scheduled_value < 0 else 1
            stored = draw(st.none() | st.integers(0, 1_000_000))
            entries[line.ref] = LineEntry(
                work_completed_this_period=sign * draw(st.integers(-200_000, 2_000_000)),
                materials_presently_stored=None if stored is None else sign * stored,
                work_retainage_percent=draw(st.none() | st.none() | RATES),
                materials_retainage_percent=draw(st.none() | st.none() | RATES),
            )
        # Learn what each line holds before any release on this application, then release a
        # fraction of it (often none).
        before = compute_chain(terms, [*applications, ApplicationEntry(lines, entries)])[-1]
        release = st.sampled_from([0, 0, 0, 100]) | st.integers(0, 100)
        for figures in before.lines:
            work = _fraction_of(figures.work_retainage_currently_retained, draw(release))
            materials = _fraction_of(figures.materials_retainage_currently_retained, draw(release))
            if work or materials:
                entries[figures.ref] = replace(
                    entries.get(figures.ref, LineEntry()),
                    work_retainage_released=work,
                    materials_retainage_released=materials,
                )
        applications.append(ApplicationEntry(lines, entries))
    return History(
        terms=terms,
        applications=applications,
        original_price=sum(line.scheduled_value for line in sov),
        change_order_price=sum(line.scheduled_value for _, line in change_orders),
    )


def _entry(application: ApplicationEntry, ref: LineRef) -> LineEntry:
    return application.entries.get(ref, LineEntry())


# --- G702 -------------------------------------------------------------------------------------


@PROPERTIES
@given(histories())
def test_g702_identities(history: History) -> None:
    chain = compute_chain(history.terms, history.applications)
    assert [application.number for application in chain] == list(
        range(1, len(history.applications) + 1)
    )
    for application in chain:
        s = application.summary
        lines = application.lines
        sov = [line for line in lines if line.ref.kind is LineKind.SOV]
        cos = [line for line in lines if line.ref.kind is LineKind.CHANGE_ORDER]
        sum_d = sum(line.work_completed_from_previous_application for line in lines)
        sum_e = sum(line.work_completed_this_period for line in lines)
        sum_f = sum(line.materials_presently_stored for line in lines)
        sum_h = sum(line.balance_to_finish for line in lines)
        sum_i = sum(line.total_retainage_currently_retained for line in lines)

        assert s.original_contract_sum == sum(line.scheduled_value for line in sov)
        assert s.net_change_by_change_orders == sum(line.scheduled_value for line in cos)
        assert s.net_change_by_change_orders == (
            s.positive_previous_change_order_item_total
            + s.negative_previous_change_order_item_total
            + s.positive_new_change_order_item_total
            + s.negative_new_change_order_item_total
        )
        # line 3 = sum C
        assert s.contract_sum_to_date == sum(line.scheduled_value for line in lines)
        assert s.contract_sum_to_date == s.original_contract_sum + s.net_change_by_change_orders
        assert s.total_completed_and_stored_to_date == sum(
            line.total_completed_and_stored_to_date for line in lines
        )
        # 5a = sum of work held, 5b = sum of materials held, line 5 = sum I
        assert s.completed_work_retainage_amount == sum(
            line.work_retainage_currently_retained for line in lines
        )
        assert s.stored_materials_retainage_amount == sum(
            line.materials_retainage_currently_retained for line in lines
        )
        assert s.total_retainage == sum_i
        assert s.total_retainage == (
            s.completed_work_retainage_amount + s.stored_materials_retainage_amount
        )
        assert s.total_earned_less_retainage == (
            s.total_completed_and_stored_to_date - s.total_retainage
        )
        assert s.current_payment_due == (
            s.total_earned_less_retainage - s.less_previous_certificates_for_payment
        )
        # line 9 = line 3 - line 6 = sum H + sum I
        assert s.balance_to_finish_including_retainage == (
            s.contract_sum_to_date - s.total_earned_less_retainage
        )
        assert s.balance_to_finish_including_retainage == sum_h + sum_i
        assert (s.work_completed_from_previous_application, s.work_completed_this_period) == (
            sum_d,
            sum_e,
        )
        assert (s.materials_presently_stored, s.balance_to_finish) == (sum_f, sum_h)
        assert s.materials_moved == sum(line.materials_moved for line in lines)
        assert s.percent_complete == percent_of(
            s.total_completed_and_stored_to_date, s.contract_sum_to_date
        )
        assert s.completed_work_retainage_percent == percent_of(
            s.completed_work_retainage_amount, sum_d + sum_e
        )
        assert s.stored_materials_retainage_percent == percent_of(
            s.stored_materials_retainage_amount, sum_f
        )


@PROPERTIES
@given(histories())
def test_g702_chaining(history: History) -> None:
    chain = compute_chain(history.terms, history.applications)
    # line 7(1) = 0, line 7(n) = line 6(n-1)
    assert chain[0].summary.less_previous_certificates_for_payment == 0
    for previous, current in itertools.pairwise(chain):
        assert (
            current.summary.less_previous_certificates_for_payment
            == previous.summary.total_earned_less_retainage
        )
    # The sum of line 8 over all applications (so far) = line 6 of the latest.
    for n in range(1, len(chain) + 1):
        assert sum(a.summary.current_payment_due for a in chain[:n]) == (
            chain[n - 1].summary.total_earned_less_retainage
        )
    # Everything retained minus everything released, over the chain, is what is held now.
    assert sum(a.summary.retainage_retained_this_period for a in chain) - sum(
        a.summary.retainage_released_this_period for a in chain
    ) == (chain[-1].summary.total_retainage)


@PROPERTIES
@given(histories())
def test_change_orders_are_new_once_then_previous(history: History) -> None:
    chain = compute_chain(history.terms, history.applications)
    seen: set[LineRef] = set()
    for application in chain:
        s = application.summary
        new = [line for line in application.lines if line.is_change_order and line.ref not in seen]
        old = [line for line in application.lines if line.is_change_order and line.ref in seen]
        assert s.positive_new_change_order_item_total == sum(
            line.scheduled_value for line in new if line.scheduled_value >= 0
        )
        assert s.negative_new_change_order_item_total == sum(
            line.scheduled_value for line in new if line.scheduled_value < 0
        )
        assert s.positive_previous_change_order_item_total == sum(
            line.scheduled_value for line in old if line.scheduled_value >= 0
        )
        assert s.negative_previous_change_order_item_total == sum(
            line.scheduled_value for line in old if line.scheduled_value < 0
        )
        seen.update(line.ref for line in application.lines)


@PROPERTIES
@given(histories())
def test_earlier_applications_do_not_depend_on_later_ones(history: History) -> None:
    chain = compute_chain(history.terms, history.applications)
    for n in range(1, len(chain)):
        assert compute_chain(history.terms, history.applications[:n]) == chain[:n]


@PROPERTIES
@given(histories())
def test_resuming_a_chain_gives_the_same_figures_as_recomputing_it(history: History) -> None:
    chain = compute_chain(history.terms, history.applications)
    for k in range(1, len(chain)):
        start = ChainStart(previous=chain[k - 1], earlier_summaries=[a.summary for a in chain[:k]])
        assert compute_chain(history.terms, history.applications[k:], start) == chain[k:]


# --- G703 -------------------------------------------------------------------------------------


def _check_line_arithmetic(line: LineFigures) -> None:
    d = line.work_completed_from_previous_application
    e = line.work_completed_this_period
    f = line.materials_presently_stored
    g = line.total_completed_and_stored_to_date
    # G = D + E + F; H = C - G
    assert g == d + e + f
    assert line.balance_to_finish == line.scheduled_value - g
    assert line.percent_complete == percent_of(g, line.scheduled_value)
    # per line: currently = from previous + retained - released, for work and for materials
    assert line.work_retainage_currently_retained == (
        line.work_retainage_from_previous_application
        + line.work_retainage_retained_this_period
        - line.work_retainage_released_this_period
    )
    assert line.materials_retainage_currently_retained == (
        line.materials_retainage_from_previous_application
        + line.materials_retainage_retained_this_period
        - line.materials_retainage_released_this_period
    )
    assert line.total_retainage_currently_retained == (
        line.work_retainage_currently_retained + line.materials_retainage_currently_retained
    )
    assert line.total_retainage_from_previous_application == (
        line.work_retainage_from_previous_application
        + line.materials_retainage_from_previous_application
    )


@PROPERTIES
@given(histories())
def test_g703_line_arithmetic_and_chaining(history: History) -> None:
    chain = compute_chain(history.terms, history.applications)
    previous: dict[LineRef, LineFigures] = {}
    for application, inputs in zip(chain, history.applications, strict=True):
        assert [line.ref for line in application.lines] == [line.ref for line in inputs.lines]
        for line, scheduled in zip(application.lines, inputs.lines, strict=True):
            _check_line_arithmetic(line)
            entry = _entry(inputs, line.ref)
            assert line.scheduled_value == scheduled.scheduled_value
            assert line.change_order_package_id == scheduled.change_order_package_id
            assert line.work_completed_this_period == entry.work_completed_this_period
            assert line.materials_retainage_released_this_period == (
                entry.materials_retainage_released
            )
            before = previous.get(line.ref)
            if before is None:
                # A line new on this application starts from nothing.
                assert line.work_completed_from_previous_application == 0
                assert line.total_retainage_from_previous_application == 0
                assert line.materials_moved == line.materials_retainage_retained_moved == 0
                assert line.materials_presently_stored == (entry.materials_presently_stored or 0)
                continue
            d_before = before.work_completed_from_previous_application
            e_before = before.work_completed_this_period
            f_before = before.materials_presently_stored
            work_held_before = before.work_retainage_currently_retained
            materials_held_before = before.materials_retainage_currently_retained
            if history.manual:
                # D(n) = D(n-1) + E(n-1); an unmentioned F is kept.
                assert line.work_completed_from_previous_application == d_before + e_before
                expected_f = entry.materials_presently_stored
                assert line.materials_presently_stored == (
                    f_before if expected_f is None else expected_f
                )
                assert line.materials_moved == line.materials_retainage_retained_moved == 0
                assert line.work_retainage_from_previous_application == work_held_before
                assert line.materials_retainage_from_previous_application == (materials_held_before)
            else:
                # D(n) = D(n-1) + E(n-1) + F(n-1); F is only what is newly stored.
                assert line.work_completed_from_previous_application == (
                    d_before + e_before + f_before
                )
                assert line.materials_presently_stored == (entry.materials_presently_stored or 0)
                assert line.materials_moved == f_before
                assert line.materials_retainage_retained_moved == materials_held_before
                assert line.work_retainage_from_previous_application == (
                    work_held_before + materials_held_before
                )
                assert line.materials_retainage_from_previous_application == 0
        previous = {line.ref: line for line in application.lines}


def _contract_rates(
    terms: BillingTerms, chain: list[ApplicationFigures]
) -> list[tuple[Decimal, Decimal]]:
    """The rates in force on each application: a step applies from the application after the
    first one whose line 4 / line 3 reached it."""
    rates = []
    reached: RetainageStep | None = None
    for application in chain:
        rates.append(
            (terms.work_percent, terms.materials_percent)
            if reached is None
            else (reached.work_percent, reached.materials_percent)
        )
        s = application.summary
        if s.contract_sum_to_date > 0:
            for step in terms.steps:
                done = Decimal(s.total_completed_and_stored_to_date) * 100
                if done >= step.at_percent_complete * s.contract_sum_to_date and (
                    reached is None or step.at_percent_complete > reached.at_percent_complete
                ):
                    reached = step
    return rates


@PROPERTIES
@given(histories())
def test_retainage_follows_the_formulas(history: History) -> None:
    terms = history.terms
    chain = compute_chain(terms, history.applications)
    contract_rates = _contract_rates(terms, chain)
    overrides: dict[LineRef, tuple[Decimal | None, Decimal | None]] = {}
    released_to_date: dict[LineRef, int] = {}
    for application, inputs, (work_rate, materials_rate) in zip(
        chain, history.applications, contract_rates, strict=True
    ):
        assert (application.summary.work_percent, application.summary.materials_percent) == (
            work_rate,
            materials_rate,
        )
        for line in application.lines:
            entry = _entry(inputs, line.ref)
            work_override, materials_override = overrides.get(line.ref, (None, None))
            if entry.work_retainage_percent is not None:
                work_override = entry.work_retainage_percent
            if entry.materials_retainage_percent is not None:
                materials_override = entry.materials_retainage_percent
            overrides[line.ref] = (work_override, materials_override)
            rate_w = work_rate if work_override is None else work_override
            rate_m = materials_rate if materials_override is None else materials_override
            assert line.work_retainage_percent == rate_w
            assert line.materials_retainage_percent == rate_m

            d = line.work_completed_from_previous_application
            e = line.work_completed_this_period
            release = entry.work_retainage_released
            released_before = released_to_date.get(line.ref, 0)
            released_to_date[line.ref] = released_before + release
            if terms.retainage_method is RetainageMethod.CUMULATIVE:
                # held = round(r x (D + E)) - all explicit work releases so far
                assert line.work_retainage_currently_retained == (
                    apply_rate(d + e, rate_w) - released_to_date[line.ref]
                )
                # Procore's split: this period's work, plus the re-pricing of earlier work
                # (retained when positive, released when negative), plus the explicit release.
                repricing = (
                    apply_rate(d, rate_w)
                    - released_before
                    - line.work_retainage_from_previous_application
                )
                assert line.work_retainage_retained_this_period == (
                    apply_rate(d + e, rate_w) - apply_rate(d, rate_w) + max(repricing, 0)
                )
                assert line.work_retainage_released_this_period == release - min(repricing, 0)
            else:
                assert line.work_retainage_retained_this_period == apply_rate(e, rate_w)
                assert line.work_retainage_released_this_period == release
            # materials: a balance on F, less this application's release
            assert line.materials_retainage_currently_retained == (
                apply_rate(line.materials_presently_stored, rate_m)
                - entry.materials_retainage_released
            )


# --- Over-billing -------------------------------------------------------------------------------


def _beyond(line: LineFigures) -> bool:
    g, c = line.total_completed_and_stored_to_date, line.scheduled_value
    return g > c if c >= 0 else g < c


@PROPERTIES
@given(histories())
def test_forbidding_overbilling_refuses_exactly_the_overbilled_histories(
    history: History,
) -> None:
    allowed = compute_chain(history.terms, history.applications)
    first = next(((a.number, line.ref) for a in allowed for line in a.lines if _beyond(line)), None)
    forbidding = replace(history.terms, allow_overbilling=False)
    if first is None:
        assert compute_chain(forbidding, history.applications) == allowed
    else:
        number, ref = first
        with pytest.raises(Invalid, match=f"^application {number}, line {ref}: "):
            compute_chain(forbidding, history.applications)


# --- Roll-ups over generated histories -----------------------------------------------------------


@PROPERTIES
@given(history=histories(), payments=st.integers(0, 10_000_000), pending=st.integers(0, 10**6))
def test_owner_billing_identities(history: History, payments: int, pending: int) -> None:
    chain = compute_chain(history.terms, history.applications)
    latest = chain[-1].summary
    billing = owner_billing(
        original_price=history.original_price,
        approved_change_price=history.change_order_price,
        pending_change_price=pending,
        chain=[a.summary for a in chain],
        payments_received=payments,
    )
    # Every approved change order is on the latest application, so the prices agree with G702.
    assert billing.total_price == latest.contract_sum_to_date
    assert billing.billed_price == latest.total_completed_and_stored_to_date
    assert billing.retainage_balance == latest.total_retainage
    assert billing.total_billed_net_retainage == latest.total_earned_less_retainage
    assert billing.balance_to_bill_net_retainage == latest.balance_to_finish_including_retainage
    assert billing.balance_to_bill == latest.contract_sum_to_date - (
        latest.total_completed_and_stored_to_date
    )
    assert billing.total_retainage_held - billing.total_retainage_released == (
        billing.retainage_balance
    )
    assert billing.total_retainage_held == sum(
        a.summary.retainage_retained_this_period for a in chain
    )
    assert billing.total_retainage_released == sum(
        a.summary.retainage_released_this_period for a in chain
    )
    assert billing.percent_billed == percent_of(billing.billed_price, billing.total_price)
    assert billing.percent_billed_net_retainage == percent_of(
        billing.total_billed_net_retainage, billing.total_price
    )
    assert billing.total_payments_received == payments
    assert billing.pending_change_price == pending
    assert billing.last_application_number == len(chain)


@PROPERTIES
@given(
    history=histories(),
    advance=st.integers(0, 1_000_000),
    recoupment=st.integers(0, 1_000_000),
)
def test_acc_payment_amounts_identities(history: History, advance: int, recoupment: int) -> None:
    chain = compute_chain(history.terms, history.applications)
    previous = None
    for application in chain:
        s = application.summary
        acc = acc_payment_amounts(s, previous, advance_amount=advance, recoupment_amount=recoupment)
        assert acc.contract_amount == s.original_contract_sum
        assert acc.original_amount == s.contract_sum_to_date
        assert acc.approved_change_orders + acc.previous_approved_change_orders == (
            s.net_change_by_change_orders
        )
        assert acc.previous_amount == s.work_completed_from_previous_application
        assert acc.amount == s.work_completed_this_period
        assert acc.materials_on_store == s.materials_presently_stored
        assert acc.previous_materials_on_store == (
            previous.materials_presently_stored if previous else 0
        )
        assert acc.net_materials_on_store == (
            acc.materials_on_store - acc.previous_materials_on_store
        )
        assert acc.previous_retention == (previous.total_retainage if previous else 0)
        assert acc.net_retention == (
            acc.completed_work_retention + acc.materials_retention - acc.previous_retention
        )
        assert acc.net_amount == s.current_payment_due + advance - recoupment
        # docs/billing.md: in manual mode line 8 = amount + netMaterialsOnStore - netRetention; in
        # move_to_previous mode the materials moved into previous work are part of it too.
        moved = 0 if history.manual else acc.previous_materials_on_store
        assert s.current_payment_due == (
            acc.amount + acc.net_materials_on_store + moved - acc.net_retention
        )
        previous = s
