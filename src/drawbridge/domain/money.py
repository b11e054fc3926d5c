"""Money and rates: the one place that rounds.

Money is an ``int`` of minor units (cents). Rates are ``Decimal`` percents (``Decimal("10")`` is
10 %). Every rate × amount goes through :func:`apply_rate`, which rounds half-up (away from zero
on .5) to the cent; nothing else in drawbridge rounds money. Python's ``round()`` is half-even and
is never used for money.
"""

from __future__ import annotations

import re
from collections.abc import Sequence
from decimal import ROUND_HALF_UP, Decimal, InvalidOperation
from functools import lru_cache

from drawbridge.domain.errors import Invalid

HUNDRED = Decimal(100)
CENT = Decimal("0.01")
# Inputs are bounded so every figure fits a 64-bit column with room for sums of many lines.
MAX_ABS_CENTS = 10**15
_MAX_ABS_AMOUNT = Decimal(MAX_ABS_CENTS) / HUNDRED
# A decimal as a client writes it: ASCII digits only. ``Decimal()`` alone would also take
# Arabic-Indic or full-width digits, ``1_000``, ``NaN`` and ``Infinity``.
_DECIMAL_TEXT = re.compile(r"[+-]?(?:[0-9]+(?:\.[0-9]*)?|\.[0-9]+)(?:[eE][+-]?[0-9]+)?", re.ASCII)


def round_half_up(value: Decimal, places: int = 0) -> Decimal:
    """Round half away from zero to ``places`` decimal places."""
    return value.quantize(Decimal(1).scaleb(-places), rounding=ROUND_HALF_UP)


def apply_rate(amount_cents: int, percent: Decimal) -> int:
    """``percent`` % of ``amount_cents``, rounded half-up to the cent."""
    numerator, denominator = _ratio(percent)
    return _divide_half_up(amount_cents * numerator, denominator * 100)


def convert(amount_cents: int, rate: Decimal) -> int:
    """An amount in one currency times an exchange rate, rounded half-up to the cent."""
    numerator, denominator = _ratio(rate)
    return _divide_half_up(amount_cents * numerator, denominator)


@lru_cache(maxsize=1024)
def _ratio(rate: Decimal) -> tuple[int, int]:
    return rate.as_integer_ratio()


def _divide_half_up(numerator: int, denominator: int) -> int:
    """Exact integer division rounded half away from zero (denominator > 0)."""
    quotient, remainder = divmod(abs(numerator), denominator)
    if 2 * remainder >= denominator:
        quotient += 1
    return quotient if numerator >= 0 else -quotient


def percent_of(part_cents: int, whole_cents: int, places: int = 2) -> Decimal:
    """``part`` as a percent of ``whole`` rounded half-up (0 when the whole is 0): display only."""
    if whole_cents == 0:
        return Decimal(0).quantize(Decimal(1).scaleb(-places))
    return round_half_up(Decimal(part_cents) * HUNDRED / Decimal(whole_cents), places)


def allocate(total_cents: int, weights: Sequence[int]) -> list[int]:
    """Split ``total_cents`` in proportion to ``weights``; the parts always sum to the total.

    Largest-remainder method: each part gets the floor of its exact share, and the cents left
    over go to the parts with the largest remainders (earlier parts first on ties).
    """
    if not weights:
        raise ValueError("allocate needs at least one weight")
    weight_sum = sum(weights)
    if weight_sum == 0:
        raise ValueError("allocate needs weights that do not sum to zero")
    sign = -1 if total_cents < 0 else 1
    magnitude = abs(total_cents)
    shares = [magnitude * w // weight_sum for w in weights]
    remainders = [magnitude * w % weight_sum for w in weights]
    left = magnitude - sum(shares)
    for index in sorted(range(len(weights)), key=lambda i: (-remainders[i], i))[:left]:
        shares[index] += 1
    return [sign * share for share in shares]


def decimal_from_input(value: object) -> Decimal | None:
    """An int, a Decimal or an ASCII decimal string as a finite Decimal; None for anything else
    (floats, booleans, other digits, ``NaN``)."""
    if isinstance(value, bool):
        return None
    if isinstance(value, int):
        return Decimal(value)
    if isinstance(value, Decimal):
        return value if value.is_finite() else None
    if isinstance(value, str) and _DECIMAL_TEXT.fullmatch(value.strip()):
        try:
            return Decimal(value.strip())
        except InvalidOperation:  # an exponent beyond what a Decimal can hold
            return None
    return None


def parse_amount(value: object, field: str) -> int:
    """A decimal string or number with at most 2 decimal places, as cents.

    Floats are refused: a float has already lost exactness before it reaches us.
    """
    number = decimal_from_input(value)
    if number is None:
        raise Invalid(f"{field}: not a decimal amount", field=field)
    # Range first, by exact comparison: arithmetic on a huge number ("1E+999999", or 30 digits
    # with 3 places) would overflow the decimal context and escape as a non-ledger error.
    if number.copy_abs() >= _MAX_ABS_AMOUNT:
        raise Invalid(f"{field}: amount out of range", field=field)
    exponent = number.as_tuple().exponent
    assert isinstance(exponent, int)
    if exponent < -2 and number != round_half_up(number, 2):
        raise Invalid(f"{field}: more than 2 decimal places", field=field)
    return int(number * HUNDRED)


def parse_percent(value: object, field: str) -> Decimal:
    """A percent between 0 and 100 as a decimal string or number (``"10"`` is 10 %)."""
    number = decimal_from_input(value)
    if number is None:
        raise Invalid(f"{field}: not a decimal percent", field=field)
    if number < 0 or number > HUNDRED:
        raise Invalid(f"{field}: must be between 0 and 100", field=field)
    exponent = number.as_tuple().exponent
    assert isinstance(exponent, int)
    if exponent < -4:
        raise Invalid(f"{field}: more than 4 decimal places", field=field)
    return canonical(number)


def canonical(number: Decimal) -> Decimal:
    """The plain shortest form of a decimal: ``10.00`` is ``10``, ``7.50`` is ``7.5``."""
    if number == 0:
        return Decimal(0)
    normalized = number.normalize()
    exponent = normalized.as_tuple().exponent
    assert isinstance(exponent, int)
    return normalized.quantize(Decimal(1)) if exponent > 0 else normalized


def format_cents(cents: int, places: int = 2) -> str:
    """Cents as a fixed-point decimal string (``"22500.00"``, or 4 places ``"22500.0000"``).
    Written from the integer for 2 places or more, where nothing rounds: a list page formats
    thousands of amounts, and this is several times cheaper than through a Decimal."""
    if places < 2:
        return str((Decimal(cents) / HUNDRED).quantize(Decimal(1).scaleb(-places)))
    units, hundredths = divmod(-cents if cents < 0 else cents, 100)
    zeros = "0" * (places - 2)
    return f"{'-' if cents < 0 else ''}{units}.{hundredths:02d}{zeros}"


def cents_to_decimal(cents: int) -> Decimal:
    return (Decimal(cents) / HUNDRED).quantize(CENT)
