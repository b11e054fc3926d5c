"""Money: half-up rounding, allocation, parsing and formatting (docs/billing.md "Rounding")."""

from __future__ import annotations

from decimal import ROUND_HALF_UP, Decimal, localcontext

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from drawbridge.domain.errors import Invalid
from drawbridge.domain.money import (
    allocate,
    apply_rate,
    canonical,
    cents_to_decimal,
    convert,
    format_cents,
    parse_amount,
    parse_percent,
    percent_of,
    round_half_up,
)

PROPERTY_SETTINGS = settings(max_examples=200, deadline=None)


# --- half-up, pinned where it differs from Python's half-even round() -----------------------


def test_ten_percent_of_25_cents_rounds_half_up_where_round_would_round_to_even() -> None:
    # 10 % of 25 cents = 2.5 cents: half-up gives 3, round() (half-even) gives 2.
    assert round(Decimal("2.5")) == 2
    assert round(2.5) == 2
    assert apply_rate(25, Decimal("10")) == 3


def test_half_rounds_away_from_zero_for_negative_amounts() -> None:
    # -2.5 cents -> -3 (away from zero); round() would give -2.
    assert round(Decimal("-2.5")) == -2
    assert apply_rate(-25, Decimal("10")) == -3


@pytest.mark.parametrize(
    ("amount", "percent", "expected"),
    [
        (45, "10", 5),  # 4.5 -> 5 (half-even: 4)
        (24, "10", 2),  # 2.4 -> 2
        (26, "10", 3),  # 2.6 -> 3
        (-24, "10", -2),
        (-26, "10", -3),
        (123_450, "5", 6_173),  # 5 % of 1,234.50 = 61.725 -> 61.73
        (276_550, "5", 13_828),  # 5 % of 2,765.50 = 138.275 -> 138.28
        (1, "50", 1),  # 0.5 -> 1
        (3, "12.5", 0),  # 0.375 -> 0
        (1_000_000, "0", 0),
        (1_000_000, "100", 1_000_000),
        (0, "10", 0),
    ],
)
def test_apply_rate_examples(amount: int, percent: str, expected: int) -> None:
    assert apply_rate(amount, Decimal(percent)) == expected


def _reference_rate(amount: int, percent: Decimal) -> int:
    with localcontext() as context:
        context.prec = 100
        exact = Decimal(amount) * percent / Decimal(100)
        return int(exact.quantize(Decimal(1), rounding=ROUND_HALF_UP))


percents = st.decimals(min_value=0, max_value=100, places=4, allow_nan=False)


@PROPERTY_SETTINGS
@given(amount=st.integers(min_value=-(10**15), max_value=10**15), percent=percents)
def test_apply_rate_is_exact_half_up_and_symmetric(amount: int, percent: Decimal) -> None:
    assert apply_rate(amount, percent) == _reference_rate(amount, percent)
    assert apply_rate(-amount, percent) == -apply_rate(amount, percent)


def test_apply_rate_does_not_depend_on_how_the_percent_is_written() -> None:
    assert apply_rate(25, Decimal("10.00")) == apply_rate(25, Decimal("10")) == 3
    assert apply_rate(25, Decimal("1E+1")) == 3


@pytest.mark.parametrize(
    ("amount", "rate", "expected"),
    [
        (5, "0.5", 3),  # 2.5 -> 3
        (-5, "0.5", -3),
        (10_000, "1.0825", 10_825),
        (99, "1.0825", 107),  # 107.1675 -> 107
        (2, "1.25", 3),  # 2.5 -> 3
        (1_000, "1", 1_000),
    ],
)
def test_convert_rounds_half_up(amount: int, rate: str, expected: int) -> None:
    assert convert(amount, Decimal(rate)) == expected


@pytest.mark.parametrize(
    ("value", "places", "expected"),
    [
        ("2.5", 0, "3"),
        ("-2.5", 0, "-3"),
        ("0.125", 2, "0.13"),
        ("-0.125", 2, "-0.13"),
        ("0.124", 2, "0.12"),
    ],
)
def test_round_half_up(value: str, places: int, expected: str) -> None:
    result = round_half_up(Decimal(value), places)
    assert result == Decimal(expected)
    assert str(result) == expected


@pytest.mark.parametrize(
    ("part", "whole", "expected"),
    [
        (1, 3, "33.33"),
        (2, 3, "66.67"),
        (1, 800, "0.13"),  # 0.125 -> 0.13 (half-even: 0.12)
        (-1, 800, "-0.13"),
        (2_300_000, 4_500_000, "51.11"),
        (4_500_000, 4_500_000, "100.00"),
        (0, 0, "0.00"),  # 0 when the whole is 0
        (500, 0, "0.00"),
    ],
)
def test_percent_of(part: int, whole: int, expected: str) -> None:
    result = percent_of(part, whole)
    assert result == Decimal(expected)
    assert str(result) == expected


# --- allocate -------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("total", "weights", "expected"),
    [
        (100, [1, 1, 1], [34, 33, 33]),
        (-100, [1, 1, 1], [-34, -33, -33]),
        (101, [1, 1, 1], [34, 34, 33]),
        (0, [5, 7], [0, 0]),
        (1_000, [0, 1], [0, 1_000]),
        (10, [3, 3, 4], [3, 3, 4]),
        (7, [1, 2], [2, 5]),  # 2.33 / 4.67: the larger remainder (.67) takes the spare cent
    ],
)
def test_allocate_examples(total: int, weights: list[int], expected: list[int]) -> None:
    assert allocate(total, weights) == expected


@pytest.mark.parametrize("weights", [[], [0, 0]])
def test_allocate_refuses_no_weights(weights: list[int]) -> None:
    with pytest.raises(ValueError, match="allocate needs"):
        allocate(100, weights)


@PROPERTY_SETTINGS
@given(
    total=st.integers(min_value=-(10**15), max_value=10**15),
    weights=st.lists(st.integers(min_value=0, max_value=10**9), min_size=1, max_size=12).filter(
        lambda ws: sum(ws) > 0
    ),
)
def test_allocate_parts_sum_to_total_and_stay_within_a_cent_of_the_share(
    total: int, weights: list[int]
) -> None:
    parts = allocate(total, weights)
    assert len(parts) == len(weights)
    assert sum(parts) == total
    weight_sum = sum(weights)
    for part, weight in zip(parts, weights, strict=True):
        # |part - total * weight / weight_sum| < 1, in exact integers
        assert abs(part * weight_sum - total * weight) < weight_sum
        if weight == 0:
            assert part == 0


# --- parse_amount ---------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("value", "expected"),
    [
        ("22500.00", 2_250_000),
        ("22500", 2_250_000),
        (22500, 2_250_000),
        ("0.07", 7),
        ("-5.5", -550),
        (" 12.50 ", 1_250),
        (Decimal("0.1"), 10),
        ("9999999999999.99", 999_999_999_999_999),
        ("-9999999999999.99", -999_999_999_999_999),
    ],
)
def test_parse_amount_accepts_decimal_strings_and_numbers(value: object, expected: int) -> None:
    assert parse_amount(value, "amount") == expected


@pytest.mark.parametrize("value", [1.5, 1.0, 0.1, float("nan")])
def test_parse_amount_refuses_floats(value: float) -> None:
    with pytest.raises(Invalid, match="amount: not a decimal amount") as caught:
        parse_amount(value, "amount")
    assert caught.value.field == "amount"


@pytest.mark.parametrize("value", ["1.234", "0.001", "-0.005", Decimal("1.005"), "22500.001"])
def test_parse_amount_refuses_more_than_two_places(value: object) -> None:
    with pytest.raises(Invalid, match="more than 2 decimal places"):
        parse_amount(value, "amount")


@pytest.mark.parametrize(
    "value",
    [True, False, "abc", "", "  ", "NaN", "Infinity", "-Infinity", "1,000.00", "$5", None, [], {}],
)
def test_parse_amount_refuses_garbage(value: object) -> None:
    with pytest.raises(Invalid, match=r"line_items\[2\]\.scheduled_value: not a decimal amount"):
        parse_amount(value, "line_items[2].scheduled_value")


@pytest.mark.parametrize(
    "value",
    [
        "10000000000000",
        "-10000000000000",
        10**13,
        "1E+13",
        # would overflow the decimal context if multiplied before the range check
        "1E+999999",
        "1E+9999999",
        "123456789012345678901234567890.001",
    ],
)
def test_parse_amount_refuses_out_of_range(value: object) -> None:
    with pytest.raises(Invalid, match="amount: amount out of range"):
        parse_amount(value, "amount")


@PROPERTY_SETTINGS
@given(st.integers(min_value=-(10**15) + 1, max_value=10**15 - 1))
def test_parse_amount_round_trips_format_cents(cents: int) -> None:
    assert parse_amount(format_cents(cents), "amount") == cents


@PROPERTY_SETTINGS
@given(
    st.one_of(st.integers(min_value=-(10**18), max_value=10**18), st.integers(-1000, 1000)),
    st.integers(min_value=0, max_value=6),
)
def test_format_cents_is_the_decimal_quantized_text(cents: int, places: int) -> None:
    # Written from the integer, the text is the one the exact decimal quantized gives.
    expected = str((Decimal(cents) / 100).quantize(Decimal(1).scaleb(-places)))
    assert format_cents(cents, places) == expected


@pytest.mark.parametrize(
    ("cents", "places", "text"),
    [(0, 4, "0.0000"), (-5, 2, "-0.05"), (-100, 4, "-1.0000"), (6994000, 4, "69940.0000")],
)
def test_format_cents_examples(cents: int, places: int, text: str) -> None:
    assert format_cents(cents, places) == text


# --- parse_percent --------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("value", "expected"),
    [("10", "10"), ("7.5", "7.5"), ("0", "0"), ("100", "100"), (5, "5"), ("12.3456", "12.3456")],
)
def test_parse_percent_accepts(value: object, expected: str) -> None:
    assert parse_percent(value, "percent") == Decimal(expected)


@pytest.mark.parametrize(
    ("value", "message"),
    [
        ("-1", "between 0 and 100"),
        ("100.01", "between 0 and 100"),
        ("12.34567", "more than 4 decimal places"),
        (10.0, "not a decimal percent"),
        (True, "not a decimal percent"),
        ("ten", "not a decimal percent"),
        ("NaN", "not a decimal percent"),
    ],
)
def test_parse_percent_refuses(value: object, message: str) -> None:
    with pytest.raises(Invalid, match=message):
        parse_percent(value, "percent")


@pytest.mark.parametrize(
    ("value", "expected"),
    [
        ("10.00", "10"),
        ("7.50", "7.5"),
        ("1E+1", "10"),
        ("100", "100"),
        ("0.000", "0"),
        ("0.0125", "0.0125"),
    ],
)
def test_percents_keep_a_plain_form(value: str, expected: str) -> None:
    assert str(canonical(Decimal(value))) == expected
    assert str(parse_percent(value, "percent")) == expected


# --- formatting -----------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("cents", "places", "expected"),
    [
        (2_250_000, 2, "22500.00"),
        (2_250_000, 4, "22500.0000"),
        (0, 2, "0.00"),
        (7, 2, "0.07"),
        (-5, 2, "-0.05"),
        (-123_456, 2, "-1234.56"),
        (999_999_999_999_999, 2, "9999999999999.99"),
    ],
)
def test_format_cents(cents: int, places: int, expected: str) -> None:
    assert format_cents(cents, places) == expected


def test_cents_to_decimal() -> None:
    assert cents_to_decimal(-123) == Decimal("-1.23")
    assert str(cents_to_decimal(100)) == "1.00"
