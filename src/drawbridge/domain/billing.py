"""The billing engine: AIA G703 lines and the G702 summary for a chain of pay applications.

One pure function, :func:`compute_chain`, takes a contract's billing terms and the *inputs* of
every pay application in order, and derives every figure of docs/billing.md. Nothing is carried
between calls: application n is always recomputed from application n-1, so an edit to an early
application flows into every later one.

Per line (C scheduled value, D previous work, E this period, F stored, G = D + E + F, H = C - G):
- manual stored materials: D(n) = D(n-1) + E(n-1); F is the balance still stored, carried forward
  when the application does not mention the line.
- move_to_previous: D(n) = D(n-1) + E(n-1) + F(n-1); F is only what was newly stored; the
  materials retainage held at n-1 moves into the work bucket with the materials.
- cumulative retainage: work held = rate × (D + E) - explicit work releases to date.
- incremental retainage: work held = previous held + rate × E - explicit release this period.
- materials retainage (both): rate × F - explicit materials release this period.
Every rate × amount is rounded half-up per line and per bucket (money.apply_rate); every total
is a sum of rounded line values.
"""

from __future__ import annotations

from collections.abc import Collection, Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from decimal import Decimal
from enum import StrEnum
from typing import Any, NamedTuple

from drawbridge.domain.errors import Invalid
from drawbridge.domain.money import HUNDRED, apply_rate, format_cents, percent_of


class RetainageMethod(StrEnum):
    CUMULATIVE = "cumulative"
    INCREMENTAL = "incremental"


class StoredMaterialsMode(StrEnum):
    MANUAL = "manual"
    MOVE_TO_PREVIOUS = "move_to_previous"


class LineKind(StrEnum):
    SOV = "sov"
    CHANGE_ORDER = "change_order"


@dataclass(frozen=True, slots=True)
class RetainageStep:
    """From the application after the first one that reaches ``at_percent_complete``."""

    at_percent_complete: Decimal
    work_percent: Decimal
    materials_percent: Decimal


@dataclass(frozen=True, slots=True)
class BillingTerms:
    retainage_method: RetainageMethod = RetainageMethod.CUMULATIVE
    work_percent: Decimal = Decimal(0)
    materials_percent: Decimal = Decimal(0)
    steps: tuple[RetainageStep, ...] = ()
    stored_materials: StoredMaterialsMode = StoredMaterialsMode.MANUAL
    allow_overbilling: bool = True


@dataclass(frozen=True, slots=True, order=True)
class LineRef:
    """Names a billable line: an SOV line or a change-order item, by its id."""

    kind: LineKind
    id: int

    def __hash__(self) -> int:
        # Equal refs have equal ids. The generated hash built a tuple and hashed the kind
        # through Enum's Python-level __hash__; refs key every line's entry, on every
        # application a recompute builds.
        return hash(self.id)

    def __str__(self) -> str:
        return f"{self.kind.value}:{self.id}"


@dataclass(frozen=True, slots=True)
class ScheduledLine:
    ref: LineRef
    scheduled_value: int
    change_order_package_id: int | None = None
    label: str = ""  # how errors name the line to people (its number and description)


@dataclass(frozen=True, slots=True)
class LineEntry:
    """What a pay application says about one line. ``None`` means "not said": carry forward."""

    work_completed_this_period: int = 0
    materials_presently_stored: int | None = None
    work_retainage_percent: Decimal | None = None
    materials_retainage_percent: Decimal | None = None
    work_retainage_released: int = 0
    materials_retainage_released: int = 0


@dataclass(frozen=True, slots=True)
class StoredFigures:
    """An application's figures as this engine last computed them, given by a caller that
    knows the application has the same lines (in the same order), the same entries and the
    same billing terms as then: a stored chain was always a fresh computation of its inputs.

    A line's figures depend only on the billing terms, its scheduled line, its entry, its
    previous figures and the contract rates in force. So when its previous figures are equal
    to the ones the previous application stored (value for value), its scheduled value and
    package are the same, and the contract rates in force are ``work_percent`` and
    ``materials_percent`` (the summary's, as stored), recomputing it gives exactly
    ``lines[i]``: the engine takes it as it is. Any other line is computed."""

    lines: Sequence[LineFigures]  # in the order of the application's lines
    work_percent: Decimal
    materials_percent: Decimal
    # False when the application's own inputs changed since: its lines are then all computed,
    # and the stored ones only tell what the next application was computed from.
    same_inputs: bool = True


@dataclass(frozen=True, slots=True)
class ApplicationEntry:
    """The inputs of one pay application: the lines on it and what it says about them."""

    lines: Sequence[ScheduledLine]
    entries: Mapping[LineRef, LineEntry] = field(default_factory=dict)
    # What this application's figures were when last computed, if its inputs have not changed
    # since (see StoredFigures): lines whose figures cannot have changed are not recomputed.
    stored: StoredFigures | None = None


class LineFigures(NamedTuple):
    """One G703 row, with Procore's retainage breakdown.

    A named tuple: the engine makes one for every line of every application, and a tuple is
    built, compared and sliced at C speed where a frozen dataclass sets each field by a call.
    """

    ref: LineRef
    change_order_package_id: int | None
    scheduled_value: int  # C
    work_completed_from_previous_application: int  # D
    work_completed_this_period: int  # E
    materials_presently_stored: int  # F
    total_completed_and_stored_to_date: int  # G
    balance_to_finish: int  # H
    work_retainage_percent: Decimal
    materials_retainage_percent: Decimal
    work_retainage_from_previous_application: int
    work_retainage_retained_this_period: int
    work_retainage_released_this_period: int
    work_retainage_currently_retained: int
    materials_retainage_from_previous_application: int
    materials_retainage_retained_this_period: int
    materials_retainage_released_this_period: int
    materials_retainage_currently_retained: int
    materials_moved: int
    materials_retainage_retained_moved: int
    # carried state, not shown: explicit work releases up to and including this application
    work_retainage_released_to_date: int
    work_percent_override: Decimal | None
    materials_percent_override: Decimal | None

    @property
    def percent_complete(self) -> Decimal:
        return percent_of(self.total_completed_and_stored_to_date, self.scheduled_value)

    @property
    def total_retainage_from_previous_application(self) -> int:
        return (
            self.work_retainage_from_previous_application
            + self.materials_retainage_from_previous_application
        )

    @property
    def total_retainage_currently_retained(self) -> int:  # I
        return self.work_retainage_currently_retained + self.materials_retainage_currently_retained

    @property
    def is_change_order(self) -> bool:
        return self.ref.kind is LineKind.CHANGE_ORDER


@dataclass(frozen=True, slots=True)
class Summary:
    """The G702 summary of one application (Procore field names), plus the sums behind it."""

    original_contract_sum: int  # 1
    net_change_by_change_orders: int  # 2
    contract_sum_to_date: int  # 3
    total_completed_and_stored_to_date: int  # 4
    completed_work_retainage_amount: int  # 5a
    stored_materials_retainage_amount: int  # 5b
    total_retainage: int  # 5
    total_earned_less_retainage: int  # 6
    less_previous_certificates_for_payment: int  # 7
    current_payment_due: int  # 8
    balance_to_finish_including_retainage: int  # 9
    percent_complete: Decimal
    completed_work_retainage_percent: Decimal
    stored_materials_retainage_percent: Decimal
    positive_previous_change_order_item_total: int
    negative_previous_change_order_item_total: int
    positive_new_change_order_item_total: int
    negative_new_change_order_item_total: int
    work_completed_from_previous_application: int  # Σ D
    work_completed_this_period: int  # Σ E
    materials_presently_stored: int  # Σ F
    balance_to_finish: int  # Σ H
    retainage_retained_this_period: int
    retainage_released_this_period: int
    materials_moved: int
    work_percent: Decimal  # contract rates in force on this application (steps applied)
    materials_percent: Decimal


@dataclass(frozen=True, slots=True)
class ApplicationFigures:
    number: int
    lines: tuple[LineFigures, ...]
    summary: Summary

    def line(self, ref: LineRef) -> LineFigures:
        for figures in self.lines:
            if figures.ref == ref:
                return figures
        raise KeyError(ref)


_LINE_FIELD_COUNT = len(LineFigures._fields)
_new_tuple = tuple.__new__


def new_line_figures(*values: Any) -> LineFigures:
    """A LineFigures from every field's value in field order (for the engine, and for readers
    of many stored lines)."""
    if len(values) != _LINE_FIELD_COUNT:
        raise TypeError(f"a LineFigures has {_LINE_FIELD_COUNT} fields, not {len(values)}")
    return _new_tuple(LineFigures, values)


@dataclass(frozen=True, slots=True)
class ChainStart:
    """Resume a chain after application ``previous`` (figures as computed before)."""

    previous: ApplicationFigures
    earlier_summaries: Sequence[Summary]  # every application up to and including ``previous``
    # ``previous``'s lines as stored (in its lines' order), when known: the next application's
    # stored figures (ApplicationEntry.stored) are compared with them.
    previous_stored: Sequence[LineFigures] | None = None


def compute_chain(
    terms: BillingTerms,
    applications: Sequence[ApplicationEntry],
    start: ChainStart | None = None,
) -> list[ApplicationFigures]:
    """Derive every figure of every application of one contract, in order.

    With ``start``, ``applications`` are the ones after ``start.previous``; the result is the
    same as recomputing the whole chain, since application n depends only on n-1 and on which
    retainage steps earlier applications reached.

    Raises :class:`Invalid` (naming the application and line) for a release larger than what is
    held or of the wrong sign, for over-billing where the contract forbids it, and for an
    application that drops a line the previous one had.
    """
    results: list[ApplicationFigures] = []
    previous: ApplicationFigures | None = None
    previous_stored: Sequence[LineFigures] | None = None
    step_reached: RetainageStep | None = None
    first_number = 1
    if start is not None:
        previous = start.previous
        previous_stored = start.previous_stored
        first_number = start.previous.number + 1
        for summary in start.earlier_summaries:
            step_reached = _latest_step_reached(terms, summary, step_reached)
    for number, application in enumerate(applications, start=first_number):
        work_rate, materials_rate = _contract_rates(terms, step_reached)
        figures = _compute_application(
            terms, number, application, previous, work_rate, materials_rate, previous_stored
        )
        results.append(figures)
        step_reached = _latest_step_reached(terms, figures.summary, step_reached)
        previous = figures
        previous_stored = application.stored.lines if application.stored is not None else None
    return results


def step_reached(
    terms: BillingTerms, summaries: Iterable[Summary], reached: RetainageStep | None = None
) -> RetainageStep | None:
    """The retainage step reached once these applications (in order) are billed: with the
    previous application's figures, all that the next application depends on."""
    for summary in summaries:
        reached = _latest_step_reached(terms, summary, reached)
    return reached


def _contract_rates(terms: BillingTerms, step: RetainageStep | None) -> tuple[Decimal, Decimal]:
    if step is None:
        return terms.work_percent, terms.materials_percent
    return step.work_percent, step.materials_percent


def _latest_step_reached(
    terms: BillingTerms, summary: Summary, reached: RetainageStep | None
) -> RetainageStep | None:
    """Steps only ever advance: once an application reaches a threshold, it stays reached."""
    if summary.contract_sum_to_date <= 0:
        return reached
    completed = Decimal(summary.total_completed_and_stored_to_date) * HUNDRED
    for step in terms.steps:
        if completed >= step.at_percent_complete * summary.contract_sum_to_date and (
            reached is None or step.at_percent_complete > reached.at_percent_complete
        ):
            reached = step
    return reached


def _compute_application(
    terms: BillingTerms,
    number: int,
    application: ApplicationEntry,
    previous: ApplicationFigures | None,
    work_rate: Decimal,
    materials_rate: Decimal,
    previous_stored: Sequence[LineFigures] | None,
) -> ApplicationFigures:
    refs_here = {line.ref for line in application.lines}
    previous_lines: Sequence[LineFigures | None]
    aligned = False
    if previous is None:
        previous_lines = [None] * len(application.lines)
        previous_refs: Collection[LineRef] = ()
    elif len(refs_here) == len(application.lines) and [line.ref for line in previous.lines] == [
        line.ref for line in application.lines
    ]:
        # The usual case, the same distinct lines in the same order as the previous application:
        # each line's previous figures are at its own place, and none was dropped.
        previous_lines, previous_refs = previous.lines, refs_here
        aligned = True
    else:
        by_ref = {line.ref: line for line in previous.lines}
        dropped = [ref for ref in by_ref if ref not in refs_here]
        if dropped:
            raise Invalid(
                f"application {number}: lines of the previous application are missing: "
                + ", ".join(str(ref) for ref in sorted(dropped)),
                field="items",
            )
        previous_lines = [by_ref.get(line.ref) for line in application.lines]
        previous_refs = by_ref
    unknown = [ref for ref in application.entries if ref not in refs_here]
    if unknown:
        raise Invalid(
            f"application {number}: no such line on this application: "
            + ", ".join(str(ref) for ref in sorted(unknown)),
            field="items",
        )
    # Constant for the whole application: looked up once, not once a line.
    moving = terms.stored_materials is StoredMaterialsMode.MOVE_TO_PREVIOUS
    cumulative = terms.retainage_method is RetainageMethod.CUMULATIVE
    allow_overbilling = terms.allow_overbilling
    empty = LineEntry()
    entries = application.entries
    stored = application.stored
    # Stored figures are taken only where they line up with this application's lines and the
    # previous application's stored ones, and were computed with the contract rates in force.
    kept_lines: Sequence[LineFigures] = ()
    stored_before_lines: Sequence[LineFigures] = ()
    if (
        stored is not None
        and stored.same_inputs
        and aligned
        and previous_stored is not None
        and len(stored.lines) == len(application.lines)
        and len(previous_stored) == len(application.lines)
        and stored.work_percent == work_rate
        and stored.materials_percent == materials_rate
    ):
        kept_lines, stored_before_lines = stored.lines, previous_stored
    reusable = bool(kept_lines)
    lines: list[LineFigures] = []
    for index, (scheduled, before) in enumerate(
        zip(application.lines, previous_lines, strict=True)
    ):
        if reusable:
            kept = kept_lines[index]
            stored_before = stored_before_lines[index]
            if (
                (before is stored_before or _same_figures(before, stored_before))
                and (kept.ref is scheduled.ref or kept.ref == scheduled.ref)
                and kept.scheduled_value == scheduled.scheduled_value
                and kept.change_order_package_id == scheduled.change_order_package_id
            ):
                if not allow_overbilling:
                    _check_overbilling(number, scheduled, kept.total_completed_and_stored_to_date)
                lines.append(kept)
                continue
        lines.append(
            _compute_line(
                number,
                scheduled,
                entries.get(scheduled.ref, empty),
                before,
                work_rate,
                materials_rate,
                moving,
                cumulative,
                allow_overbilling,
            )
        )
    figures = tuple(lines)
    summary = _summarize(figures, previous, previous_refs, work_rate, materials_rate)
    return ApplicationFigures(number=number, lines=figures, summary=summary)


def _same_figures(line: LineFigures | None, stored: LineFigures) -> bool:
    """Whether a line's figures are the stored ones, value for value, with each retainage
    percent it carries written alike: ``10`` and ``10.0`` are equal, but a line carries its
    percent on as it was entered."""
    return (
        line == stored
        and line is not None
        and str(line.work_percent_override) == str(stored.work_percent_override)
        and str(line.materials_percent_override) == str(stored.materials_percent_override)
    )


def _check_overbilling(number: int, scheduled: ScheduledLine, completed: int) -> None:
    if _overbilled(completed, scheduled.scheduled_value):
        raise Invalid(
            f"{_where(number, scheduled)}: total completed and stored to date "
            f"{format_cents(completed)} would go beyond the scheduled value "
            f"{format_cents(scheduled.scheduled_value)}, and "
            "over-billing is not allowed on this contract",
            field="work_completed_this_period",
            code="overbilling",
        )


def _compute_line(
    number: int,
    scheduled: ScheduledLine,
    entry: LineEntry,
    before: LineFigures | None,
    contract_work_rate: Decimal,
    contract_materials_rate: Decimal,
    moving: bool,
    cumulative: bool,
    allow_overbilling: bool,
) -> LineFigures:
    if before is None:
        previous_work = previous_stored = held_work_before = held_materials_before = 0
        released_to_date_before = 0
        work_override = materials_override = None
    else:
        previous_work = (
            before.work_completed_from_previous_application + before.work_completed_this_period
        )
        previous_stored = before.materials_presently_stored
        held_work_before = before.work_retainage_currently_retained
        held_materials_before = before.materials_retainage_currently_retained
        released_to_date_before = before.work_retainage_released_to_date
        work_override = before.work_percent_override
        materials_override = before.materials_percent_override

    if entry.work_retainage_percent is not None:
        work_override = entry.work_retainage_percent
    if entry.materials_retainage_percent is not None:
        materials_override = entry.materials_retainage_percent
    work_rate = contract_work_rate if work_override is None else work_override
    materials_rate = contract_materials_rate if materials_override is None else materials_override

    if moving:
        materials_moved = previous_stored
        materials_retainage_moved = held_materials_before
        work_from_previous = previous_work + previous_stored
        stored = entry.materials_presently_stored or 0
        work_retainage_from_previous = held_work_before + held_materials_before
        materials_retainage_from_previous = 0
    else:
        materials_moved = materials_retainage_moved = 0
        work_from_previous = previous_work
        stored = (
            previous_stored
            if entry.materials_presently_stored is None
            else entry.materials_presently_stored
        )
        work_retainage_from_previous = held_work_before
        materials_retainage_from_previous = held_materials_before

    this_period = entry.work_completed_this_period
    completed = work_from_previous + this_period + stored
    if not allow_overbilling:
        _check_overbilling(number, scheduled, completed)

    # Work retainage.
    work_release = entry.work_retainage_released
    if cumulative:
        priced_to_date = apply_rate(work_from_previous + this_period, work_rate)
        priced_before = apply_rate(work_from_previous, work_rate)
        _check_release(
            work_release,
            priced_to_date - released_to_date_before,
            number,
            scheduled,
            "work_completed_retainage_released_this_period",
        )
        retained = priced_to_date - priced_before
        released = work_release
        repricing = priced_before - released_to_date_before - work_retainage_from_previous
        if repricing < 0:
            released -= repricing
        else:
            retained += repricing
    else:
        retained = apply_rate(this_period, work_rate)
        _check_release(
            work_release,
            work_retainage_from_previous + retained,
            number,
            scheduled,
            "work_completed_retainage_released_this_period",
        )
        released = work_release
    work_held = work_retainage_from_previous + retained - released

    # Materials retainage: a balance on what is stored now.
    materials_priced = apply_rate(stored, materials_rate)
    materials_release = entry.materials_retainage_released
    if materials_release:
        _check_release(
            materials_release,
            materials_priced,
            number,
            scheduled,
            "materials_stored_retainage_released_this_period",
        )
    materials_held = materials_priced - materials_release

    # Every field, in LineFigures' order.
    return _new_tuple(
        LineFigures,
        (
            scheduled.ref,  # ref
            scheduled.change_order_package_id,  # change_order_package_id
            scheduled.scheduled_value,  # scheduled_value
            work_from_previous,  # work_completed_from_previous_application
            this_period,  # work_completed_this_period
            stored,  # materials_presently_stored
            completed,  # total_completed_and_stored_to_date
            scheduled.scheduled_value - completed,  # balance_to_finish
            work_rate,  # work_retainage_percent
            materials_rate,  # materials_retainage_percent
            work_retainage_from_previous,  # work_retainage_from_previous_application
            retained,  # work_retainage_retained_this_period
            released,  # work_retainage_released_this_period
            work_held,  # work_retainage_currently_retained
            materials_retainage_from_previous,  # materials_retainage_from_previous_application
            # materials_retainage_retained_this_period
            (materials_held - materials_retainage_from_previous + materials_release),
            materials_release,  # materials_retainage_released_this_period
            materials_held,  # materials_retainage_currently_retained
            materials_moved,  # materials_moved
            materials_retainage_moved,  # materials_retainage_retained_moved
            released_to_date_before + work_release,  # work_retainage_released_to_date
            work_override,  # work_percent_override
            materials_override,  # materials_percent_override
        ),
    )


def is_overbilled(line: LineFigures) -> bool:
    """Whether a line's total completed and stored to date goes beyond its scheduled value."""
    return _overbilled(line.total_completed_and_stored_to_date, line.scheduled_value)


def work_for_percent_complete(
    scheduled_value: int, percent: Decimal, *, previous_work: int, stored: int
) -> int:
    """The work this period (E) that brings a line to ``percent`` complete: G = C × percent
    (rounded half-up to the cent), less what was completed before (D) and what is stored (F)."""
    return apply_rate(scheduled_value, percent) - previous_work - stored


def _overbilled(completed: int, scheduled_value: int) -> bool:
    """G beyond C: above it for an addition, below it (more negative) for a deduct line."""
    return completed > scheduled_value if scheduled_value >= 0 else completed < scheduled_value


def _where(number: int, scheduled: ScheduledLine) -> str:
    """How an error names a line: built only for an error, since every line of every
    application would otherwise pay for the text."""
    return f"application {number}, line {scheduled.label or scheduled.ref}"


def _check_release(
    release: int, held: int, number: int, scheduled: ScheduledLine, field_name: str
) -> None:
    """A release has the sign of what is held and may not exceed it in size."""
    if release == 0:
        return
    if held == 0 or (release > 0) != (held > 0) or abs(release) > abs(held):
        what = f"{_where(number, scheduled)}: {field_name}"
        raise Invalid(
            f"{what} {format_cents(release)} is larger than, or of another sign than, the "
            f"retainage held ({format_cents(held)})",
            field=what.rsplit(": ", 1)[-1],
        )


# Where _summarize finds each summed figure in the columns of an application's lines.
_FIELD = {name: index for index, name in enumerate(LineFigures._fields)}
_SCHEDULED = _FIELD["scheduled_value"]
_SUMMED = tuple(
    _FIELD[name]
    for name in (
        "total_completed_and_stored_to_date",
        "work_retainage_currently_retained",
        "materials_retainage_currently_retained",
        "work_completed_from_previous_application",
        "work_completed_this_period",
        "materials_presently_stored",
        "balance_to_finish",
        "work_retainage_retained_this_period",
        "materials_retainage_retained_this_period",
        "work_retainage_released_this_period",
        "materials_retainage_released_this_period",
        "materials_moved",
    )
)


def _summarize(
    lines: tuple[LineFigures, ...],
    previous: ApplicationFigures | None,
    previous_refs: Collection[LineRef],
    work_rate: Decimal,
    materials_rate: Decimal,
) -> Summary:
    positive_previous = negative_previous = positive_new = negative_new = 0
    change_orders = 0
    for line in [line for line in lines if line.ref.kind is LineKind.CHANGE_ORDER]:
        change_orders += line.scheduled_value
        is_new = line.ref not in previous_refs
        if line.scheduled_value >= 0:
            if is_new:
                positive_new += line.scheduled_value
            else:
                positive_previous += line.scheduled_value
        elif is_new:
            negative_new += line.scheduled_value
        else:
            negative_previous += line.scheduled_value
    # Every other figure is a sum of one column of the lines (tuples): summed a column at a
    # time, without a Python step per line and figure.
    columns = list(zip(*lines, strict=True)) if lines else [()] * len(LineFigures._fields)
    original = sum(columns[_SCHEDULED]) - change_orders
    (
        completed,
        work_held,
        materials_held,
        from_previous,
        this_period,
        stored,
        to_finish,
        work_retained_now,
        materials_retained_now,
        work_released_now,
        materials_released_now,
        moved,
    ) = (sum(columns[index]) for index in _SUMMED)
    retained_now = work_retained_now + materials_retained_now
    released_now = work_released_now + materials_released_now
    contract_sum = original + change_orders
    total_retainage = work_held + materials_held
    earned_less_retainage = completed - total_retainage
    previous_certificates = previous.summary.total_earned_less_retainage if previous else 0
    return Summary(
        original_contract_sum=original,
        net_change_by_change_orders=change_orders,
        contract_sum_to_date=contract_sum,
        total_completed_and_stored_to_date=completed,
        completed_work_retainage_amount=work_held,
        stored_materials_retainage_amount=materials_held,
        total_retainage=total_retainage,
        total_earned_less_retainage=earned_less_retainage,
        less_previous_certificates_for_payment=previous_certificates,
        current_payment_due=earned_less_retainage - previous_certificates,
        balance_to_finish_including_retainage=contract_sum - earned_less_retainage,
        percent_complete=percent_of(completed, contract_sum),
        completed_work_retainage_percent=percent_of(work_held, from_previous + this_period),
        stored_materials_retainage_percent=percent_of(materials_held, stored),
        positive_previous_change_order_item_total=positive_previous,
        negative_previous_change_order_item_total=negative_previous,
        positive_new_change_order_item_total=positive_new,
        negative_new_change_order_item_total=negative_new,
        work_completed_from_previous_application=from_previous,
        work_completed_this_period=this_period,
        materials_presently_stored=stored,
        balance_to_finish=to_finish,
        retainage_retained_this_period=retained_now,
        retainage_released_this_period=released_now,
        materials_moved=moved,
        work_percent=work_rate,
        materials_percent=materials_rate,
    )
