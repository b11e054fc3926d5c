"""How figures read on paper and on screen: the same in the PDF, the CSV and the command line."""

from __future__ import annotations

from datetime import date
from decimal import Decimal


def money(cents: int) -> str:
    """Cents for people: thousands separated, 2 places, a minus sign when negative."""
    return f"{Decimal(cents).scaleb(-2):,.2f}"


def plain_money(cents: int) -> str:
    """Cents as a decimal a spreadsheet or script reads back exactly: ``-1234.50``."""
    return f"{Decimal(cents).scaleb(-2):.2f}"


def percent(value: Decimal) -> str:
    return f"{value + 0:.2f}%"  # + 0 turns a negative zero (0 of a deduction) into 0.00


def day(value: date | None) -> str:
    return value.isoformat() if value else ""
