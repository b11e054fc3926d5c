"""The engine takes a line's stored figures as they are only when recomputing it would give
exactly them: after any edit of one application's inputs, resuming the chain with every later
application's stored figures gives the same figures, value for value and percent for percent
as written, as a fresh ``compute_chain`` of the edited inputs, and refuses what it refuses."""

from __future__ import annotations

from dataclasses import replace
from decimal import Decimal

import pytest
from hypothesis import given
from hypothesis import strategies as st

from drawbridge.domain.billing import (
    ApplicationEntry,
    ApplicationFigures,
    BillingTerms,
    ChainStart,
    LineEntry,
    LineKind,
    LineRef,
    RetainageStep,
    ScheduledLine,
    StoredFigures,
    compute_chain,
)
from drawbridge.domain.errors import Invalid
from tests.domain.test_billing_properties import PROPERTIES, RATES, History, histories


def _stored(figures: ApplicationFigures, *, same_inputs: bool) -> StoredFigures:
    return StoredFigures(
        lines=figures.lines,
        work_percent=figures.summary.work_percent,
        materials_percent=figures.summary.materials_percent,
        same_inputs=same_inputs,
    )


def _resume(
    history: History, stored: list[ApplicationFigures], edited: list[ApplicationEntry], k: int
) -> list[ApplicationFigures]:
    """Recompute from application k (index) on, as a write does: from the stored figures of
    the application before it, giving the engine every application's stored figures."""
    start = None
    if k > 0:
        start = ChainStart(
            previous=stored[k - 1],
            earlier_summaries=[figures.summary for figures in stored[:k]],
            previous_stored=stored[k - 1].lines,
        )
    given_stored = [
        replace(application, stored=_stored(figures, same_inputs=index > k))
        for index, (application, figures) in enumerate(
            zip(edited[k:], stored[k:], strict=True), start=k
        )
    ]
    return compute_chain(history.terms, given_stored, start)


def _as_written(chain: list[ApplicationFigures]) -> list[list[tuple[str, ...]]]:
    """Every figure as text: equal decimals written differently (10 and 10.0) differ."""
    return [[tuple(map(str, line)) for line in figures.lines] for figures in chain]


@st.composite
def _edit(draw: st.DrawFn, history: History) -> tuple[int, list[ApplicationEntry]]:
    k = draw(st.integers(0, len(history.applications) - 1))
    application = history.applications[k]
    line = draw(st.sampled_from(list(application.lines)))
    sign = -1 if line.scheduled_value < 0 else 1
    was = application.entries.get(line.ref, LineEntry())
    percent = draw(st.none() | RATES | st.just(Decimal("10.0")) | st.just(Decimal("10")))
    entry = replace(
        was,
        work_completed_this_period=sign * draw(st.integers(-200_000, 2_000_000)),
        materials_presently_stored=draw(st.none() | st.integers(0, 1_000_000).map(sign.__mul__)),
        work_retainage_percent=percent,
        materials_retainage_percent=draw(st.none() | RATES),
    )
    edited = list(history.applications)
    edited[k] = replace(application, entries={**application.entries, line.ref: entry})
    return k, edited


@PROPERTIES
@given(st.data())
def test_resuming_with_stored_figures_equals_a_fresh_compute(data: st.DataObject) -> None:
    history = data.draw(histories())
    stored = compute_chain(history.terms, history.applications)
    k, edited = data.draw(_edit(history))
    refusal: tuple[str, str | None] | None = None
    try:
        fresh = compute_chain(history.terms, edited)
    except Invalid as refused:
        refusal = (refused.message, refused.field)
    if refusal is not None:
        with pytest.raises(Invalid) as also:
            _resume(history, stored, edited, k)
        assert (also.value.message, also.value.field) == refusal
        return
    resumed = _resume(history, stored, edited, k)
    assert resumed == fresh[k:]
    assert _as_written(resumed) == _as_written(fresh[k:])


@PROPERTIES
@given(histories())
def test_unchanged_inputs_reuse_every_later_line(history: History) -> None:
    """With no input changed, every line after the first recomputed application is the stored
    one itself: the shortcut is taken, and the answer is still the fresh one."""
    stored = compute_chain(history.terms, history.applications)
    resumed = _resume(history, stored, list(history.applications), 0)
    assert resumed == stored
    for later, figures in zip(resumed[1:], stored[1:], strict=True):
        same_lines = [
            ours is theirs
            for ours, theirs, before in zip(
                later.lines, figures.lines, stored[figures.number - 2].lines, strict=False
            )
            if before.ref == theirs.ref
        ]
        if len(later.lines) == len(stored[figures.number - 2].lines):
            assert all(same_lines)


def test_a_line_after_an_edit_is_recomputed_and_the_others_kept() -> None:
    terms = BillingTerms(work_percent=Decimal(10), materials_percent=Decimal(5))
    schedule = [
        ScheduledLine(LineRef(LineKind.SOV, 1), 1_000_000),
        ScheduledLine(LineRef(LineKind.SOV, 2), 2_000_000),
        ScheduledLine(LineRef(LineKind.CHANGE_ORDER, 9), -300_000, change_order_package_id=4),
    ]
    work = {schedule[0].ref: 100_000, schedule[1].ref: 50_000, schedule[2].ref: -10_000}
    applications = [
        ApplicationEntry(
            lines=schedule,
            entries={ref: LineEntry(work_completed_this_period=e) for ref, e in work.items()},
        )
        for _ in range(4)
    ]
    stored = compute_chain(terms, applications)
    edited = list(applications)
    edited[0] = ApplicationEntry(
        lines=schedule,
        entries={
            **applications[0].entries,
            schedule[0].ref: LineEntry(work_completed_this_period=123_456),
        },
    )
    resumed = _resume(History(terms, applications, 0, 0), stored, edited, 0)
    assert resumed == compute_chain(terms, edited)
    for figures, before in zip(resumed[2:], stored[2:], strict=True):
        assert figures.lines[0] is not before.lines[0]  # its work to date moved
        assert figures.lines[1] is before.lines[1]
        assert figures.lines[2] is before.lines[2]


def _two_lines() -> list[ScheduledLine]:
    return [
        ScheduledLine(LineRef(LineKind.SOV, 1), 1_000_000),
        ScheduledLine(LineRef(LineKind.SOV, 2), 1_000_000),
    ]


def test_a_retainage_step_reached_by_an_edit_reprices_the_lines_it_did_not_touch() -> None:
    """Line 2's previous figures do not change, but the contract rate in force on the later
    applications does: its stored figures are not taken."""
    terms = BillingTerms(
        work_percent=Decimal(10),
        materials_percent=Decimal(10),
        steps=(RetainageStep(Decimal(40), Decimal(5), Decimal(10)),),
    )
    schedule = _two_lines()
    small = {line.ref: LineEntry(work_completed_this_period=100_000) for line in schedule}
    applications = [ApplicationEntry(lines=schedule, entries=small) for _ in range(3)]
    stored = compute_chain(terms, applications)
    edited = list(applications)
    edited[0] = ApplicationEntry(
        lines=schedule,
        entries={**small, schedule[0].ref: LineEntry(work_completed_this_period=1_000_000)},
    )
    fresh = compute_chain(terms, edited)
    assert fresh[1].summary.work_percent == Decimal(5) != stored[1].summary.work_percent
    resumed = _resume(History(terms, applications, 0, 0), stored, edited, 0)
    assert resumed == fresh
    assert resumed[2].lines[1] is not stored[2].lines[1]


def test_a_percent_entered_anew_as_written_reaches_the_later_applications() -> None:
    """10 and 10.0 are equal, but the later applications carry the percent as now written."""
    terms = BillingTerms(work_percent=Decimal(5), materials_percent=Decimal(5))
    schedule = _two_lines()

    def entries(percent: str) -> dict[LineRef, LineEntry]:
        return {
            schedule[0].ref: LineEntry(100_000, work_retainage_percent=Decimal(percent)),
            schedule[1].ref: LineEntry(100_000),
        }

    applications = [ApplicationEntry(lines=schedule, entries=entries("10"))] + [
        ApplicationEntry(lines=schedule, entries={}) for _ in range(2)
    ]
    stored = compute_chain(terms, applications)
    edited = [ApplicationEntry(lines=schedule, entries=entries("10.0")), *applications[1:]]
    fresh = compute_chain(terms, edited)
    resumed = _resume(History(terms, applications, 0, 0), stored, edited, 0)
    assert _as_written(resumed) == _as_written(fresh)
    assert str(resumed[2].lines[0].work_percent_override) == "10.0"
    assert resumed[2].lines[1] is stored[2].lines[1]
