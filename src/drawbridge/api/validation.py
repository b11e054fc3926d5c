"""Strict input types every face's request schemas are built from.

A value is taken only in the form a client would write it on purpose: dates as ``YYYY-MM-DD``
(not a Unix timestamp, not ``2025-02-30``), booleans as JSON ``true``/``false`` (``"true"`` and
``"false"`` only where input is text: forms and queries), decimals in ASCII digits (not
Arabic-Indic or full-width digits, not ``1_000``), finite numbers, text that is valid Unicode
without NUL and of bounded length, and a bounded number of custom fields. Anything else is a
400 naming the field, before any service runs.
"""

from __future__ import annotations

import datetime as dt
import math
import re
from decimal import Decimal
from typing import Annotated

from pydantic import AfterValidator, BeforeValidator, Field, Strict, WithJsonSchema

from drawbridge.domain.errors import Invalid
from drawbridge.domain.money import decimal_from_input, parse_amount, parse_percent
from drawbridge.domain.text import text_problem

# Custom fields: how many one record may hold, and how long a text value may be.
MAX_CUSTOM_FIELDS = 100
MAX_CUSTOM_VALUE = 4000
# The largest integer a custom field (or any id) may hold: it fits a signed 64-bit column.
MAX_INTEGER = 2**63 - 1

_ISO_DATE = re.compile(r"[0-9]{4}-[0-9]{2}-[0-9]{2}", re.ASCII)
_ISO_DATETIME = re.compile(
    r"[0-9]{4}-[0-9]{2}-[0-9]{2}(?:[Tt ][0-9]{2}:[0-9]{2}(?::[0-9]{2}(?:\.[0-9]{1,9})?)?"
    r"(?:[Zz]|[+-][0-9]{2}:?[0-9]{2})?)?",
    re.ASCII,
)


def clean_text(value: str) -> str:
    """``value`` when it can be stored and shown; a ValueError naming why otherwise."""
    problem = text_problem(value)
    if problem is not None:
        raise ValueError(problem)
    return value


def _iso_date(value: object) -> object:
    if isinstance(value, dt.date) and not isinstance(value, dt.datetime):
        return value
    if not isinstance(value, str) or not _ISO_DATE.fullmatch(value):
        raise ValueError("a date is written YYYY-MM-DD")
    try:
        return dt.date.fromisoformat(value)
    except ValueError:
        raise ValueError(f"{value} is not a calendar date") from None


def _iso_datetime(value: object) -> object:
    if isinstance(value, dt.datetime):
        return value
    if not isinstance(value, str) or not _ISO_DATETIME.fullmatch(value):
        raise ValueError("an ISO 8601 date-time is expected (2025-07-31T12:00:00Z)")
    try:
        return dt.datetime.fromisoformat(value.replace("Z", "+00:00").replace("z", "+00:00"))
    except ValueError:
        raise ValueError(f"{value} is not a calendar date-time") from None


def _whole_number(value: object) -> object:
    """A JSON integer, or its text in ASCII digits (``"789"``; not ``"7_89"`` or ``"٧٨٩"``)."""
    if isinstance(value, bool):
        raise ValueError("must be an integer")
    if isinstance(value, str):
        if not re.fullmatch(r"-?[0-9]{1,19}", value, re.ASCII):
            raise ValueError("must be an integer in ASCII digits")
        return int(value)
    return value


def _text_boolean(value: object) -> object:
    """Form and query values are text: only ``true`` and ``false`` mean a boolean."""
    if isinstance(value, bool):
        return value
    if value in ("true", "false"):
        return value == "true"
    raise ValueError("must be true or false")


def _decimal(value: object) -> Decimal:
    if isinstance(value, float):
        value = _float_text(value)
    number = decimal_from_input(value)
    if number is None:
        raise ValueError("not a decimal number (ASCII digits, e.g. 1250.00)")
    return number


def _float_text(value: float) -> str:
    """A JSON number that arrived as a float, as its shortest text (the text the client wrote
    for every value of at most 15 significant digits); a non-finite one is no number."""
    if not math.isfinite(value):
        raise ValueError("must be a finite number")
    return repr(value)


def _amount(value: object) -> int:
    try:
        return parse_amount(_float_text(value) if isinstance(value, float) else value, "amount")
    except Invalid as error:
        raise ValueError(error.message.removeprefix("amount: ")) from None


def _percent(value: object) -> Decimal:
    try:
        return parse_percent(_float_text(value) if isinstance(value, float) else value, "percent")
    except Invalid as error:
        raise ValueError(error.message.removeprefix("percent: ")) from None


_DECIMAL_SCHEMA = {"anyOf": [{"type": "string"}, {"type": "number"}]}

# Text: valid Unicode without NUL; a schema adds its own bound with Field(max_length=...) or
# takes one of the common sizes.
CleanText = Annotated[str, Strict(), AfterValidator(clean_text)]
ShortText = Annotated[CleanText, Field(max_length=64)]
Text = Annotated[CleanText, Field(max_length=255)]
LongText = Annotated[CleanText, Field(max_length=65535)]

Id = Annotated[
    int,
    BeforeValidator(_whole_number),
    Field(ge=1, le=MAX_INTEGER),
    WithJsonSchema({"type": "integer", "minimum": 1, "maximum": MAX_INTEGER}, mode="validation"),
]

IsoDate = Annotated[
    dt.date,
    BeforeValidator(_iso_date),
    WithJsonSchema({"type": "string", "format": "date"}, mode="validation"),
]
IsoDateTime = Annotated[
    dt.datetime,
    BeforeValidator(_iso_datetime),
    WithJsonSchema({"type": "string", "format": "date-time"}, mode="validation"),
]
JsonBoolean = Annotated[bool, Strict()]
TextBoolean = Annotated[
    bool, BeforeValidator(_text_boolean), WithJsonSchema({"type": "boolean"}, mode="validation")
]
DecimalNumber = Annotated[
    Decimal, BeforeValidator(_decimal), WithJsonSchema(_DECIMAL_SCHEMA, mode="validation")
]
Amount = Annotated[
    int, BeforeValidator(_amount), WithJsonSchema(_DECIMAL_SCHEMA, mode="validation")
]
Percent = Annotated[
    Decimal, BeforeValidator(_percent), WithJsonSchema(_DECIMAL_SCHEMA, mode="validation")
]


def custom_value(value: object) -> str | int | bool | None:
    """A custom field value as it is stored: text, an integer, a boolean or null; a ValueError
    naming why not otherwise.

    A fractional or exponent number is kept as its decimal text (never a float), and must be
    finite and written in ASCII digits.
    """
    if value is None or isinstance(value, bool):
        return value
    if isinstance(value, int):
        if abs(value) > MAX_INTEGER:
            raise ValueError("number out of range")
        return value
    if isinstance(value, (float, Decimal)):
        text = repr(value) if isinstance(value, float) else str(value)
        number = decimal_from_input(text)
        if number is None or number.copy_abs() > MAX_INTEGER:
            raise ValueError("must be a finite number in range")
        return text
    if isinstance(value, str):
        clean_text(value)
        if len(value) > MAX_CUSTOM_VALUE:
            raise ValueError(f"a text of at most {MAX_CUSTOM_VALUE} characters")
        return value
    raise ValueError("a custom field value is a string, number, boolean or null")


def check_custom_field_count(count: int) -> None:
    """A ValueError when one record would hold more custom fields than allowed."""
    if count > MAX_CUSTOM_FIELDS:
        raise ValueError(f"at most {MAX_CUSTOM_FIELDS} custom fields")
