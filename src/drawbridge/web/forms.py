"""Reading form fields into the services' inputs: every bad value is an error naming its field.

Amounts may be typed with thousands separators or a currency sign (``$1,250.00``); what is left
must be an exact decimal with at most two places (domain/money.py), never a float.
"""

from __future__ import annotations

from datetime import date
from decimal import Decimal

from starlette.datastructures import FormData, UploadFile

from drawbridge.domain.errors import Invalid
from drawbridge.domain.money import decimal_from_input, parse_amount


def text(form: FormData, name: str, *, required: bool = False, label: str | None = None) -> str:
    value = form.get(name)
    found = value.strip() if isinstance(value, str) else ""
    if required and not found:
        raise Invalid(f"{label or name}: required", field=name)
    return found


def optional_text(form: FormData, name: str) -> str | None:
    return text(form, name) or None


def amount(
    form: FormData, name: str, *, required: bool = False, label: str | None = None
) -> int | None:
    raw = text(form, name, required=required, label=label)
    if not raw:
        return None
    cleaned = raw.replace(",", "").replace("$", "").replace("€", "").replace(" ", "")
    try:
        return parse_amount(cleaned, label or name)
    except Invalid as error:
        raise Invalid(error.message, field=name) from None


def percent(form: FormData, name: str, *, label: str | None = None) -> Decimal | None:
    raw = text(form, name).removesuffix("%").strip()
    if not raw:
        return None
    number = decimal_from_input(raw)
    if number is None:
        raise Invalid(f"{label or name}: not a percent", field=name)
    return number


def day(
    form: FormData, name: str, *, required: bool = False, label: str | None = None
) -> date | None:
    raw = text(form, name, required=required, label=label)
    if not raw:
        return None
    try:
        return date.fromisoformat(raw)
    except ValueError:
        raise Invalid(f"{label or name}: not a date (YYYY-MM-DD)", field=name) from None


def upload(form: FormData, name: str) -> UploadFile:
    value = form.get(name)
    if not isinstance(value, UploadFile) or not value.filename:
        raise Invalid(f"{name}: choose a file to upload", field=name)
    return value
