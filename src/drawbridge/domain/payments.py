"""Payment rules (docs/billing.md, "Payments").

- A payment names a submitted pay application (any status but ``draft``), or none: a payment on
  account of the contract.
- Over-payment: on a pay application, amount paid may not go beyond its current payment due
  (G702 line 8) less what is written off on it; on the contract as a whole, the sum of all its
  payments may not go beyond the latest submitted application's line 6 (line 4 less line 5) less
  everything written off. Both are checked for every payment, unless the contract allows
  over-payment (rules.money_rule_allows: the callers then skip these checks); when it does,
  amount unpaid goes negative and is shown.
- One check number pays a pay application once (the services look it up; the database holds it).

Pure functions over cents; the services gather the figures under the contract's lock.
"""

from __future__ import annotations

from dataclasses import dataclass

from drawbridge.domain.errors import Invalid
from drawbridge.domain.money import format_cents
from drawbridge.domain.rules import PayAppStatus


def check_payable(number: int, status: PayAppStatus, *, field: str) -> None:
    """Payments are recorded only against submitted pay applications."""
    if status is PayAppStatus.DRAFT:
        raise Invalid(
            f"{field}: pay application {number} is a draft; payments are recorded only against "
            "submitted pay applications",
            field=field,
            code="pay_app_draft",
        )


@dataclass(frozen=True, slots=True)
class PayAppDue:
    """What one pay application can still be paid: its line 8, paid and written off (cents)."""

    number: int
    current_payment_due: int  # line 8
    paid: int  # by every other payment on it
    written_off: int = 0


@dataclass(frozen=True, slots=True)
class ContractDue:
    """What a contract can still be paid as a whole (cents)."""

    number: str
    latest_submitted: int | None  # its number; None when nothing is submitted yet
    earned_less_retainage: int  # line 6 of that application (0 when none)
    paid: int  # by every other payment on the contract
    written_off: int = 0


def check_pay_app_overpayment(amount: int, due: PayAppDue) -> None:
    """Refuse a payment that would take the pay application's amount paid past its line 8
    (callers skip this where the contract allows over-payment)."""
    payable = due.current_payment_due - due.written_off
    if due.paid + amount <= payable:
        return
    written_off = f", written off {format_cents(due.written_off)}" if due.written_off else ""
    raise Invalid(
        f"amount: a payment of {format_cents(amount)} would over-pay pay application "
        f"{due.number}: its current payment due (line 8) is "
        f"{format_cents(due.current_payment_due)}{written_off}, already paid "
        f"{format_cents(due.paid)}, so at most {format_cents(max(payable - due.paid, 0))} "
        "may still be paid",
        field="amount",
        code="overpayment",
    )


def check_contract_overpayment(amount: int, due: ContractDue) -> None:
    """Refuse a payment that would take the contract's payments past its latest submitted
    application's line 6 (what has been earned less retainage; callers skip this where the
    contract allows over-payment)."""
    payable = due.earned_less_retainage - due.written_off
    if due.paid + amount <= payable:
        return
    if due.latest_submitted is None:
        earned = "no pay application of it has been submitted, so nothing is earned yet"
    else:
        earned = (
            f"its latest submitted pay application ({due.latest_submitted}) has earned "
            f"{format_cents(due.earned_less_retainage)} less retainage (line 4 less line 5)"
        )
    written_off = f", written off {format_cents(due.written_off)}" if due.written_off else ""
    raise Invalid(
        f"amount: a payment of {format_cents(amount)} would over-pay contract {due.number}: "
        f"{earned}{written_off}, already paid {format_cents(due.paid)}",
        field="amount",
        code="overpayment",
    )


def check_paid_still_due(due: PayAppDue) -> None:
    """After a pay application's figures change, what is paid on it must still be due on it
    (callers skip this where the contract allows over-payment). An application nothing is paid on
    is never over-paid: a negative line 8 is a correction, not a payment."""
    payable = due.current_payment_due - due.written_off
    if due.paid == 0 or due.paid <= payable:
        return
    raise Invalid(
        f"items: pay application {due.number} has {format_cents(due.paid)} paid on it; this "
        f"change would lower its current payment due (line 8) to "
        f"{format_cents(due.current_payment_due)} and over-pay it",
        field="items",
        code="overpayment",
    )
