"""How figures read on a page: amounts with thousands separators, percents, dates, statuses.

Only presentation: every figure arrives computed (and rounded) by the services.
"""

from __future__ import annotations

from datetime import date, datetime
from decimal import Decimal

from drawbridge.domain.money import cents_to_decimal, format_cents

STATUS_LABELS = {
    "draft": "Draft",
    "under_review": "Under review",
    "revise_and_resubmit": "Revise and resubmit",
    "pending_owner_approval": "Pending owner approval",
    "approved_as_noted": "Approved as noted",
    "approved": "Approved",
    "pending": "Pending",
    "rejected": "Rejected",
    "void": "Void",
}


def money(cents: int | None) -> str:
    """``1234567`` -> ``12,345.67``; a negative amount keeps its minus sign."""
    if cents is None:
        return ""
    return f"{cents_to_decimal(cents):,}"


def amount_input(cents: int | None) -> str:
    """An amount as an input shows it: no separators, so it reads back unchanged."""
    return "" if cents is None else format_cents(cents)


def percent(value: Decimal | None) -> str:
    if value is None:
        return ""
    return f"{value:.2f} %"


def day(value: date | datetime | None) -> str:
    if value is None:
        return ""
    if isinstance(value, datetime):
        return value.strftime("%Y-%m-%d %H:%M UTC")
    return value.isoformat()


def status_label(status: object) -> str:
    text = str(getattr(status, "value", status))
    return STATUS_LABELS.get(text, text.replace("_", " ").capitalize())
