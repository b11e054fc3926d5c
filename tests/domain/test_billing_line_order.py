"""The engine's figures do not depend on the order of an application's lines, nor on whether the
previous application lists them in the same order (the engine pairs them by place when it can)."""

from __future__ import annotations

from decimal import Decimal

import pytest

from drawbridge.domain.billing import (
    ApplicationEntry,
    BillingTerms,
    LineEntry,
    LineFigures,
    LineKind,
    LineRef,
    ScheduledLine,
    compute_chain,
)
from drawbridge.domain.errors import Invalid

SCHEDULE = [
    ScheduledLine(LineRef(LineKind.SOV, 1), 100_000),
    ScheduledLine(LineRef(LineKind.SOV, 2), 250_000),
    ScheduledLine(LineRef(LineKind.CHANGE_ORDER, 7), 40_000, change_order_package_id=3),
]
TERMS = BillingTerms(work_percent=Decimal("10"), materials_percent=Decimal("5"))


def _entries(app: int) -> dict[LineRef, LineEntry]:
    return {
        line.ref: LineEntry(
            work_completed_this_period=line.scheduled_value // (4 + index) + app,
            materials_presently_stored=1_000 * index if app % 2 else None,
            work_retainage_released=0 if app < 3 else 100,
        )
        for index, line in enumerate(SCHEDULE)
    }


def test_reordered_lines_give_the_same_figures() -> None:
    in_order = [ApplicationEntry(lines=SCHEDULE, entries=_entries(app)) for app in range(1, 5)]
    shuffled = [
        ApplicationEntry(
            lines=SCHEDULE if app % 2 else list(reversed(SCHEDULE)), entries=_entries(app)
        )
        for app in range(1, 5)
    ]
    for ordered, moved in zip(
        compute_chain(TERMS, in_order), compute_chain(TERMS, shuffled), strict=True
    ):
        assert ordered.summary == moved.summary
        assert {line.ref: line for line in ordered.lines} == {
            line.ref: line for line in moved.lines
        }


def test_a_dropped_line_is_refused_in_either_order() -> None:
    first = ApplicationEntry(lines=SCHEDULE, entries=_entries(1))
    second = ApplicationEntry(lines=SCHEDULE[:2], entries={})
    with pytest.raises(Invalid, match="lines of the previous application are missing"):
        compute_chain(TERMS, [first, second])


def test_computed_line_figures_are_frozen_values() -> None:
    (figures,) = compute_chain(TERMS, [ApplicationEntry(lines=SCHEDULE, entries=_entries(1))])
    line = figures.lines[0]
    assert line == line._replace()
    assert hash(line) == hash(line._replace())
    with pytest.raises(AttributeError):
        line.scheduled_value = 1  # type: ignore[misc]
    assert line._asdict()["scheduled_value"] == 100_000
    assert line == LineFigures(*line)
