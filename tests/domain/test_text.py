"""The text fields every use case checks: required text and optional text, each bad value an
Invalid naming the field."""

from __future__ import annotations

import pytest

from drawbridge.domain.errors import Invalid
from drawbridge.domain.text import optional_text, required_text


def test_required_text_is_stripped_and_bounded() -> None:
    assert required_text("  Steel  ", "title", 10) == "Steel"
    assert required_text("  Steel  ", "title", 10, strip=False) == "  Steel  "
    with pytest.raises(Invalid) as missing:
        required_text("   ", "title", 10)
    assert (missing.value.message, missing.value.field) == (
        "title: required, a non-empty string",
        "title",
    )
    with pytest.raises(Invalid) as not_text:
        required_text(7, "title", 10)
    assert not_text.value.field == "title"


def test_required_text_counts_with_or_without_surrounding_space() -> None:
    assert required_text(" abc ", "code", 3, count_stripped=True) == "abc"
    with pytest.raises(Invalid) as long:
        required_text(" abc ", "code", 3)
    assert long.value.message == "code: at most 3 characters"


def test_required_text_names_the_field_as_the_face_calls_it() -> None:
    with pytest.raises(Invalid) as missing:
        required_text("", "code", 5, label="id")
    assert (missing.value.message, missing.value.field) == (
        "id: required, a non-empty string",
        "code",
    )
    with pytest.raises(Invalid) as bare:
        required_text(None, "name", 5, missing="a non-empty string")
    assert bare.value.message == "name: a non-empty string"


def test_optional_text() -> None:
    assert optional_text(None, "city", 5) is None
    assert optional_text("", "city", 5) is None
    assert optional_text("Paris", "city", 5) == "Paris"
    with pytest.raises(Invalid) as long:
        optional_text("Lisbon", "city", 5)
    assert (long.value.message, long.value.field) == ("city: at most 5 characters", "city")
    with pytest.raises(Invalid) as not_text:
        optional_text(3, "city", 5)
    assert not_text.value.message == "city: a string or null"
