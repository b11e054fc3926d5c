"""Figures other faces derive from the G702: payments applied, Intacct's owner-billing roll-up,
ACC's payment amounts, and the currency twins.

Pure functions over engine output (billing.Summary) and plain numbers; see docs/billing.md
sections "Payments", "Owner billing roll-up" and "ACC payment fields".
"""

from __future__ import annotations

from collections.abc import Collection, Iterable
from dataclasses import dataclass, fields
from decimal import Decimal

from drawbridge.domain.billing import LineFigures, Summary
from drawbridge.domain.money import HUNDRED, apply_rate, convert, round_half_up
from drawbridge.domain.rules import APPROVED_STATUSES, PayAppStatus


@dataclass(frozen=True, slots=True)
class PaymentPosition:
    amount_paid: int
    amount_unpaid: int  # negative when overpaid: shown, never hidden

    @property
    def paid_in_full(self) -> bool:
        return self.amount_unpaid <= 0


def payment_position(
    current_payment_due: int, payments: Iterable[int], written_off: int = 0
) -> PaymentPosition:
    paid = sum(payments)
    return PaymentPosition(amount_paid=paid, amount_unpaid=current_payment_due - paid - written_off)


def is_paid(status: PayAppStatus, position: PaymentPosition) -> bool:
    """ACC's ``paid``: approved (as noted or not) and payments cover the current payment due."""
    return status in APPROVED_STATUSES and position.amount_paid > 0 and position.paid_in_full


ACC_STATUS = {
    PayAppStatus.DRAFT: "draft",
    PayAppStatus.UNDER_REVIEW: "submitted",
    PayAppStatus.REVISE_AND_RESUBMIT: "revise",
    PayAppStatus.PENDING_OWNER_APPROVAL: "accepted",
    PayAppStatus.APPROVED_AS_NOTED: "approved",
    PayAppStatus.APPROVED: "approved",
}


def acc_status(status: PayAppStatus, position: PaymentPosition) -> str:
    return "paid" if is_paid(status, position) else ACC_STATUS[status]


def acc_status_filter(
    acc_statuses: Collection[str],
) -> tuple[frozenset[PayAppStatus], bool | None]:
    """What keeping only the applications whose ACC status (``acc_status``) is one of
    ``acc_statuses`` asks of their ledger status and payments: the ledger statuses kept and,
    for the approved ones (``APPROVED_STATUSES``), whether only those paid in full
    (``is_paid``: True), only those not (False) or all of them (None). An application is kept
    when its status is kept and, if approved, ``is_paid`` answers that flag (when not None)."""
    wanted = set(acc_statuses)
    kept = {status for status, name in ACC_STATUS.items() if name in wanted}
    paid = "paid" in wanted
    if paid:
        kept |= APPROVED_STATUSES
    if paid == ("approved" in wanted):
        return frozenset(kept), None
    return frozenset(kept), paid


@dataclass(frozen=True, slots=True)
class OwnerBilling:
    """Intacct ``project-contract`` ``summary`` and ``billing`` blocks (money in cents)."""

    original_price: int
    revision_price: int
    approved_change_price: int
    pending_change_price: int
    other_price: int
    forecast_price: int
    total_price: int
    billed_price: int
    total_retainage_held: int
    total_retainage_released: int
    retainage_balance: int
    total_billed_net_retainage: int
    percent_billed: Decimal
    percent_billed_net_retainage: Decimal
    balance_to_bill: int
    balance_to_bill_net_retainage: int
    total_payments_received: int
    last_application_number: int | None


def owner_billing(
    *,
    original_price: int,
    approved_change_price: int,
    pending_change_price: int,
    chain: Iterable[Summary],
    payments_received: int,
    revision_price: int = 0,
    other_price: int = 0,
    forecast_price: int = 0,
) -> OwnerBilling:
    """The roll-up for a prime contract from its SOV, change orders, applications and payments.

    Retainage ever released is the sum of every application's releases; retainage ever held is
    then the balance (line 5 of the latest application) plus what was released.
    """
    latest: Summary | None = None
    number = 0
    released = 0
    for number, summary in enumerate(chain, start=1):  # noqa: B007 - the last number is kept
        released += summary.retainage_released_this_period
        latest = summary
    billed = latest.total_completed_and_stored_to_date if latest else 0
    balance = latest.total_retainage if latest else 0
    total = original_price + revision_price + approved_change_price
    net = billed - balance
    return OwnerBilling(
        original_price=original_price,
        revision_price=revision_price,
        approved_change_price=approved_change_price,
        pending_change_price=pending_change_price,
        other_price=other_price,
        forecast_price=forecast_price,
        total_price=total,
        billed_price=billed,
        total_retainage_held=balance + released,
        total_retainage_released=released,
        retainage_balance=balance,
        total_billed_net_retainage=net,
        percent_billed=_percent(billed, total),
        percent_billed_net_retainage=_percent(net, total),
        balance_to_bill=total - billed,
        balance_to_bill_net_retainage=total - net,
        total_payments_received=payments_received,
        last_application_number=number if latest else None,
    )


def _percent(part: int, whole: int) -> Decimal:
    if whole == 0:
        return Decimal("0.00")
    return round_half_up(Decimal(part) * HUNDRED / Decimal(whole), 2)


@dataclass(frozen=True, slots=True)
class AccPaymentAmounts:
    """ACC payment money fields for application n, in one currency (cents)."""

    contract_amount: int
    approved_change_orders: int
    previous_approved_change_orders: int
    original_amount: int
    previous_amount: int
    amount: int
    materials_on_store: int
    previous_materials_on_store: int
    net_materials_on_store: int
    completed_work_retention: int
    materials_retention: int
    previous_retention: int
    net_retention: int
    advance_amount: int
    recoupment_amount: int
    net_amount: int

    def converted(self, rate: Decimal) -> AccPaymentAmounts:
        """Every field times ``rate``, rounded half-up per field."""
        return AccPaymentAmounts(
            **{item.name: convert(getattr(self, item.name), rate) for item in fields(self)}
        )


def billed_this_period(summary: Summary, previous: Summary | None) -> int:
    """What an application adds to line 4: work and stored materials claimed this period."""
    before = previous.total_completed_and_stored_to_date if previous else 0
    return summary.total_completed_and_stored_to_date - before


def stored_this_period(summary: Summary, previous: Summary | None) -> int:
    """Materials newly stored this period: what the application adds to line 4 beyond the work
    completed this period (the sum of each line's ``line_stored_this_period``)."""
    return billed_this_period(summary, previous) - summary.work_completed_this_period


def quantity_at_unit_price(amount_cents: int, unit_price: Decimal | None) -> Decimal:
    """The quantity an amount stands for at a line's scheduled unit price (4 places, half-up);
    0 for a line priced as a lump sum (no unit price)."""
    if not unit_price:
        return Decimal(0)
    return round_half_up(Decimal(amount_cents) / HUNDRED / unit_price, 4)


def gross_retention(summary: Summary) -> int:
    """Retainage at the rates in force on all work to date and all stored materials, before any
    release: the base of ACC's ``...GrossRetentionPercent`` fields."""
    work_to_date = (
        summary.work_completed_from_previous_application + summary.work_completed_this_period
    )
    return apply_rate(work_to_date, summary.work_percent) + apply_rate(
        summary.materials_presently_stored, summary.materials_percent
    )


def acc_payment_amounts(
    summary: Summary,
    previous: Summary | None,
    *,
    advance_amount: int = 0,
    recoupment_amount: int = 0,
) -> AccPaymentAmounts:
    previous_stored = previous.materials_presently_stored if previous else 0
    previous_retention = previous.total_retainage if previous else 0
    return AccPaymentAmounts(
        contract_amount=summary.original_contract_sum,
        approved_change_orders=(
            summary.positive_new_change_order_item_total
            + summary.negative_new_change_order_item_total
        ),
        previous_approved_change_orders=(
            summary.positive_previous_change_order_item_total
            + summary.negative_previous_change_order_item_total
        ),
        original_amount=summary.contract_sum_to_date,
        previous_amount=summary.work_completed_from_previous_application,
        amount=summary.work_completed_this_period,
        materials_on_store=summary.materials_presently_stored,
        previous_materials_on_store=previous_stored,
        net_materials_on_store=summary.materials_presently_stored - previous_stored,
        completed_work_retention=summary.completed_work_retainage_amount,
        materials_retention=summary.stored_materials_retainage_amount,
        previous_retention=previous_retention,
        net_retention=summary.total_retainage - previous_retention,
        advance_amount=advance_amount,
        recoupment_amount=recoupment_amount,
        net_amount=summary.current_payment_due + advance_amount - recoupment_amount,
    )


# -- one line's period figures ------------------------------------------------------------------
# ``previously_stored`` is F of the same line on the previous application (0 on the first). With
# D(n) = D(n-1) + E(n-1) + materials_moved (materials_moved is F(n-1) in move_to_previous mode,
# else 0), the line's G(n-1) and what it adds this period follow from the line alone.


def line_previous_total(figures: LineFigures, previously_stored: int) -> int:
    """G of the line on the previous application: D - materials moved into D + F(n-1)."""
    return (
        figures.work_completed_from_previous_application
        - figures.materials_moved
        + previously_stored
    )


def line_stored_this_period(figures: LineFigures, previously_stored: int) -> int:
    """Materials newly stored on the line this period: F(n) - F(n-1) + what moved into D."""
    return figures.materials_presently_stored - previously_stored + figures.materials_moved


def line_billed_this_period(figures: LineFigures, previously_stored: int) -> int:
    """G(n) - G(n-1): work this period plus materials newly stored (the line's gross claim)."""
    return figures.total_completed_and_stored_to_date - line_previous_total(
        figures, previously_stored
    )


def line_due_this_period(figures: LineFigures, previously_stored: int) -> int:
    """What the line adds to line 8: its gross claim less the growth of the retainage it holds.
    Summed over the lines this is line 6 - line 6 of the previous application."""
    retainage_growth = (
        figures.total_retainage_currently_retained
        - figures.total_retainage_from_previous_application
    )
    return line_billed_this_period(figures, previously_stored) - retainage_growth
