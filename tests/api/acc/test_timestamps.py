"""ACC's timestamps: UTC with milliseconds cut (not rounded) and a Z, whatever the zone of the
stored value, four-digit years as written, earlier years as strftime writes them."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta, timezone

import pytest

from drawbridge.api.acc.mapping import _timestamp


@pytest.mark.parametrize(
    ("value", "text"),
    [
        (datetime(2026, 11, 30, 2, 47, 51, 176999), "2026-11-30T02:47:51.176Z"),
        (datetime(2026, 11, 30, 2, 47, 51), "2026-11-30T02:47:51.000Z"),
        (datetime(2026, 11, 30, 2, 47, 51, 999, tzinfo=UTC), "2026-11-30T02:47:51.000Z"),
        (
            datetime(2026, 1, 1, 1, 0, 0, 500000, tzinfo=timezone(timedelta(hours=2))),
            "2025-12-31T23:00:00.500Z",
        ),
        (datetime(999, 1, 2, 3, 4, 5, 6000), "999-01-02T03:04:05.006Z"),
        (None, None),
    ],
)
def test_timestamp_text(value: datetime | None, text: str | None) -> None:
    assert _timestamp(value) == text
