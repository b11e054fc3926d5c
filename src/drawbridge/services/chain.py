"""Keeps a contract's stored figures equal to what the billing engine computes from the inputs.

Every write to a pay application calls :func:`recompute` inside its transaction, from the first
application it touched: that application and every later one are recomputed by the engine and the
derived columns rewritten. Earlier applications are read back from their stored figures to resume
the chain. An edit may compute the same changes before its transaction, on a read-only snapshot
(:func:`computed_write`), and store them if nothing moved in between. A pay application whose
ACC ``integrationState`` is ``locked`` may not change: if a recompute would change any of its
figures, the whole write is refused.
"""

from __future__ import annotations

from collections.abc import Callable, Collection, Iterable, Mapping, Sequence
from dataclasses import dataclass, fields, replace
from decimal import Decimal
from operator import attrgetter, itemgetter
from typing import Any, NamedTuple, TypeVar

from sqlalchemy import Row

from drawbridge.domain import billing
from drawbridge.domain.billing import (
    ApplicationEntry,
    ApplicationFigures,
    BillingTerms,
    ChainStart,
    LineEntry,
    LineFigures,
    LineKind,
    LineRef,
    RetainageMethod,
    RetainageStep,
    ScheduledLine,
    StoredFigures,
    StoredMaterialsMode,
    Summary,
)
from drawbridge.domain.errors import Conflict, LedgerError
from drawbridge.domain.rules import money_rule_allows
from drawbridge.store.models import (
    ChangeOrderItem,
    ChangeOrderPackage,
    Company,
    Contract,
    PayApp,
    PayAppLine,
    PayAppPackage,
    SovLine,
)
from drawbridge.store.uow import UnitOfWork

LOCKED = "locked"


def _column_map(names: Iterable[str], row_type: type[Any]) -> dict[str, str]:
    """Field of an engine record -> the column that stores it (``x`` or ``x_cents``)."""
    mapping = {}
    for name in names:
        if hasattr(row_type, f"{name}_cents"):
            mapping[name] = f"{name}_cents"
        elif hasattr(row_type, name):
            mapping[name] = name
    return mapping


LINE_COLUMNS = _column_map(LineFigures._fields, PayAppLine)
SUMMARY_COLUMNS = _column_map((item.name for item in fields(Summary)), PayApp)
_SUMMARY_STORED = tuple(SUMMARY_COLUMNS.values())
_summary_values = attrgetter(*SUMMARY_COLUMNS)
_stored_summary = attrgetter(*_SUMMARY_STORED)
# Every field of Summary is stored, so its stored columns build one positionally.
assert list(SUMMARY_COLUMNS) == [item.name for item in fields(Summary)]


def billing_terms(contract: Contract, company: Company) -> BillingTerms:
    return BillingTerms(
        retainage_method=RetainageMethod(contract.retainage_method),
        work_percent=contract.work_retainage_percent,
        materials_percent=contract.materials_retainage_percent,
        steps=tuple(
            RetainageStep(
                at_percent_complete=Decimal(step["at_percent_complete"]),
                work_percent=Decimal(step["work_percent"]),
                materials_percent=Decimal(step["materials_percent"]),
            )
            for step in contract.retainage_steps
        ),
        stored_materials=StoredMaterialsMode(contract.stored_materials),
        allow_overbilling=money_rule_allows(
            company_prevents=company.prevent_overbilling,
            contract_allows=contract.allow_overbilling,
        ),
    )


# A stored line: an ORM row when it will be written, a plain row when only read (a Row, or a
# named tuple of every column in the table's order: Repository.line_values).
StoredLine = PayAppLine | Row[Any]


def line_ref(row: StoredLine) -> LineRef:
    return source_ref(row.sov_line_id, row.change_order_item_id)


# Where each stored figure sits in a plain row of the whole pay_app_lines table.
_LINE_POSITIONS = tuple(
    (name, list(PayAppLine.__table__.c.keys()).index(column))
    for name, column in LINE_COLUMNS.items()
)


# A stored line's figures, and a computed line's (a LineFigures is a tuple: its figures are what
# follows its ref and package), as tuples in the same order: comparing them tells whether a
# line changed without building a LineFigures for every stored line.
_stored_figures = itemgetter(*(position for _name, position in _LINE_POSITIONS))
_computed_figures = itemgetter(slice(2, None))
# The stored figure columns, in LineFigures' field order after the ref and package.
FIGURE_COLUMNS = tuple(LINE_COLUMNS.values())


# Every field of LineFigures after the line's ref and package is a stored column, in order: a
# line's figures are built positionally from a tuple, without a dict per line.
assert tuple(LINE_COLUMNS) == LineFigures._fields[2:]
_held_figures = attrgetter(*LINE_COLUMNS.values())


def line_figures(row: StoredLine, package_id: int | None) -> LineFigures:
    # A plain row of every column (Repository.line_values, a written line) is indexed by
    # position, far cheaper than by attribute.
    values = _stored_figures(row) if isinstance(row, Row | tuple) else _held_figures(row)
    return LineFigures(line_ref(row), package_id, *values)


def summary_figures(row: PayApp | Row[Any]) -> Summary:
    """An application's stored summary (an ORM object or a plain row of its columns): the
    stored columns are in the order of Summary's fields."""
    return Summary(*_stored_summary(row))


def application_figures(
    pay_app: PayApp, rows: Sequence[StoredLine], package_of_item: dict[int, int]
) -> ApplicationFigures:
    lines = tuple(
        line_figures(row, package_of_item.get(row.change_order_item_id or 0)) for row in rows
    )
    return ApplicationFigures(number=pay_app.number, lines=lines, summary=summary_figures(pay_app))


# A line's inputs as stored, in LineEntry's field order.
ENTRY_COLUMNS = (
    "work_completed_this_period_input_cents",
    "materials_presently_stored_input_cents",
    "work_retainage_percent_input",
    "materials_retainage_percent_input",
    "work_retainage_released_input_cents",
    "materials_retainage_released_input_cents",
)
assert tuple(item.name for item in fields(LineEntry)) == tuple(
    column.removesuffix("_cents").removesuffix("_input") for column in ENTRY_COLUMNS
)


# A new line's inputs (its column values, not yet written) in LineEntry's field order.
_new_entry = itemgetter(*ENTRY_COLUMNS)


# What a recompute reads of each stored line (``Repository.line_columns``), as one plain tuple
# in this order: its id, what it bills, its inputs (LineEntry's order) and its stored figures
# (LineFigures' order after the ref and package). Nothing else of the line is read.
CHAIN_LINE_COLUMNS = (
    "id",
    "sov_line_id",
    "change_order_item_id",
    *ENTRY_COLUMNS,
    *LINE_COLUMNS.values(),
)
_ID, _ITEM = 0, 2
_SOURCE = slice(1, 3)
_INPUTS = slice(3, 3 + len(ENTRY_COLUMNS))
# Where a line's own retainage percents sit among its inputs (``line[_INPUTS]``).
_WORK_PERCENT, _MATERIALS_PERCENT = (
    ENTRY_COLUMNS.index("work_retainage_percent_input"),
    ENTRY_COLUMNS.index("materials_retainage_percent_input"),
)
_FIGURES = slice(3 + len(ENTRY_COLUMNS), None)

# A chain line: a tuple of CHAIN_LINE_COLUMNS.
ChainLine = tuple[Any, ...]


def entry_of(values: Sequence[Any]) -> LineEntry:
    """A line's entry from its inputs in LineEntry's field order (``line[_INPUTS]``)."""
    return LineEntry(*values)


def stored_figures(ref: LineRef, package_id: int | None, values: Sequence[Any]) -> LineFigures:
    """A line's figures from its stored figure columns (``FIGURE_COLUMNS``'s values, in order)."""
    return billing.new_line_figures(ref, package_id, *values)


def source_ref(sov_line_id: int | None, change_order_item_id: int | None) -> LineRef:
    """What a stored line bills, by its two source columns (exactly one is set)."""
    if sov_line_id is not None:
        return LineRef(LineKind.SOV, sov_line_id)
    assert change_order_item_id is not None
    return LineRef(LineKind.CHANGE_ORDER, change_order_item_id)


def chain_figures(line: ChainLine, package_id: int | None) -> LineFigures:
    """A chain line's stored figures."""
    return stored_figures(source_ref(*line[_SOURCE]), package_id, line[_FIGURES])


# Applications whose lines are read and computed at a time: 2, then twice as many each time up
# to this. A recompute that settles early reads only the first few; one that runs to the end
# still reads in a handful of queries.
MAX_BATCH = 32


@dataclass(frozen=True)
class ChainChanges:
    """What a recompute changes: lines whose figures change (id, every figure column) and the
    summary of each application whose summary changes, by its id."""

    lines: list[tuple[int, dict[str, Any]]]
    summaries: dict[int, Summary]


@dataclass(frozen=True)
class ComputedChain:
    """A recompute done before its write, from what the ledger held at company version
    ``version``: it holds only while that is still the version when the write stores it."""

    version: int
    changes: ChainChanges


class StaleComputation(Exception):
    """The company's ledger moved between a computation's read and its write."""


Computed = TypeVar("Computed")
Result = TypeVar("Result")

# How many times a write computes before its write lock before it computes under the lock.
COMPUTE_ATTEMPTS = 3


def computed_write(
    uow: UnitOfWork,
    compute: Callable[[UnitOfWork], Computed],
    write: Callable[[Computed | None], Result],
) -> Result:
    """Run a write whose heavy computation is done first, in a read-only transaction.

    ``compute`` reads what the write needs on a read-only unit of work (on SQLite a snapshot
    that takes no write lock) and computes; ``write`` opens the write transaction and, given
    that result, stores it after checking that the company's ledger version is still the one
    the computation read, raising :class:`StaleComputation` when it moved. Then everything is
    computed again, up to ``COMPUTE_ATTEMPTS`` times; after that, or when ``compute`` refuses
    the request (the write reports the refusal, after the checks that come before it), or when
    the caller already holds a transaction (which a snapshot would not see), ``write`` is given
    None and computes under its lock as it always could.
    """
    if not uow.in_transaction:
        for _attempt in range(COMPUTE_ATTEMPTS):
            try:
                computed = compute(uow.reader())
            except LedgerError:
                break
            try:
                return write(computed)
            except StaleComputation:
                continue
    return write(None)


# What a recompute reads of each of the contract's applications (as plain rows,
# ``Repository.pay_app_columns_of_contract``): which it is, whether an integration locked it,
# what it wrote off (the payments' check) and its stored summary.
CHAIN_APP_COLUMNS = ("id", "number", "integration_state", "written_off_cents", *_SUMMARY_STORED)

# An application as a recompute reads it: an ORM row, or a plain row of CHAIN_APP_COLUMNS.
ChainApp = PayApp | Row[Any]


def chain_apps(uow: UnitOfWork, contract: Contract) -> list[Row[Any]]:
    """The contract's applications in number order, as a recompute reads them."""
    return uow.repo.pay_app_columns_of_contract(contract.company_id, contract.id, CHAIN_APP_COLUMNS)


def recompute(
    uow: UnitOfWork,
    contract: Contract,
    from_number: int = 1,
    *,
    inputs_changed_through: int | None = None,
    permit_overbilling: bool = False,
    pay_apps: Sequence[ChainApp] | None = None,
    computed: ComputedChain | None = None,
) -> ChainChanges:
    """Recompute and store the figures of ``contract``'s applications from ``from_number`` on.

    ``computed``: the same recompute done before this transaction (:func:`computed_write`);
    it is stored as it is if the company's ledger version has not moved since, and
    :class:`StaleComputation` is raised if it has. Otherwise see :func:`chain_changes`.
    ``pay_apps``: the contract's applications in order, when the caller has just read them in
    this transaction (ORM rows or plain rows of ``CHAIN_APP_COLUMNS``). Answers what it
    changed: an application the session does not hold is not refreshed, and its new summary
    is only in the answer.
    """
    repo = uow.repo
    uow.flush()
    if pay_apps is None:
        pay_apps = chain_apps(uow, contract)
    if not pay_apps:
        return ChainChanges(lines=[], summaries={})
    if computed is not None:
        if repo.ledger_version(contract.company_id) != computed.version:
            raise StaleComputation
        changes = computed.changes
    else:
        changes = chain_changes(
            uow,
            contract,
            pay_apps,
            from_number,
            inputs_changed_through=inputs_changed_through,
            permit_overbilling=permit_overbilling,
            locked_ids={app.id for app in pay_apps if app.integration_state == LOCKED},
        )
    # The applications whose summary changed, and the lines whose figures changed, are written
    # in one statement each (the applications the session holds take the values as stored).
    repo.store_pay_app_values(
        [
            (app.id, dict(zip(_SUMMARY_STORED, _summary_values(summary), strict=True)))
            for app in pay_apps
            if (summary := changes.summaries.get(app.id)) is not None
        ]
    )
    repo.store_line_values(changes.lines)
    uow.flush()
    return changes


def chain_changes(
    uow: UnitOfWork,
    contract: Contract,
    pay_apps: Sequence[ChainApp],
    from_number: int = 1,
    *,
    inputs_changed_through: int | None = None,
    permit_overbilling: bool = False,
    locked_ids: Collection[int] = (),
    entered: Mapping[int, LineEntry] | None = None,
) -> ChainChanges:
    """What recomputing ``contract``'s applications (``pay_apps``, in order) from
    ``from_number`` on changes in their stored figures; reads, writes nothing.

    ``inputs_changed_through``: the caller changed the inputs of no application numbered after
    it. Later applications are then recomputed only until one comes out exactly as stored, with
    the same retainage step reached: every application after it would too, since an application
    depends only on its own inputs, the previous application's figures and the step reached,
    and the stored figures were a fresh computation's before this write. Without it, every
    application from ``from_number`` on is recomputed.

    ``permit_overbilling`` computes past the over-billing rule, for a preview that shows which
    lines would go beyond their value (it is never committed). ``locked_ids``: applications an
    integration locked, whose figures may not change (the write is refused). ``entered``: inputs
    of lines (by id) that this write enters and has not stored yet, in place of the stored ones.
    """
    repo = uow.repo
    changes = ChainChanges(lines=[], summaries={})
    first = max(from_number, 1)
    # Plain rows of what the engine takes and names a line by: a big contract's schedule is
    # read, never changed, here.
    sov_lines = repo.sov_line_columns_of(contract.company_id, [contract.id], SCHEDULE_COLUMNS)
    sov = {line.id: line for line in sov_lines[contract.id]}
    items = {item.id: item for item in repo.package_items(contract.id)}
    package_of_item = {item.id: item.package_id for item in items.values()}
    labels = _item_labels(items.values(), repo.packages(contract.id))
    company = repo.company(contract.company_id)
    assert company is not None
    terms = billing_terms(contract, company)
    if permit_overbilling:
        terms = replace(terms, allow_overbilling=True)
    # As stored before this write: each application's summary, and the step reached after it.
    stored_summaries = {app.number: summary_figures(app) for app in pay_apps}
    stored_steps: dict[int, RetainageStep | None] = {}
    reached: RetainageStep | None = None
    for app in pay_apps:
        reached = stored_steps[app.number] = billing.step_reached(
            terms, [stored_summaries[app.number]], reached
        )

    earlier = [stored_summaries[app.number] for app in pay_apps if app.number < first]
    start: ChainStart | None = None
    if first > 1:
        previous = next(app for app in pay_apps if app.number == first - 1)
        previous_lines = repo.line_columns(contract.company_id, [previous.id], CHAIN_LINE_COLUMNS)
        start_lines = tuple(
            chain_figures(line, package_of_item.get(line[_ITEM] or 0))
            for line in previous_lines[previous.id]
        )
        start = ChainStart(
            previous=ApplicationFigures(
                number=previous.number, lines=start_lines, summary=summary_figures(previous)
            ),
            earlier_summaries=earlier,
            previous_stored=start_lines,
        )
    step = billing.step_reached(terms, earlier)
    to_compute = [app for app in pay_apps if app.number >= first]
    # The stored figures are a fresh computation of the stored inputs with these terms (every
    # write that changes an input, a line or a term recomputes and stores them). An edit of one
    # application's inputs changes none of that for the later ones: the engine is given their
    # stored figures and takes every line it can prove unchanged as it is (StoredFigures).
    # Other writes (a package added or removed) compute every line.
    knows_stored = inputs_changed_through is not None and not permit_overbilling
    # Each line's place in the schedule is the same on every application: built once.
    schedule: dict[tuple[int | None, int | None], ScheduledLine] = {}
    made: dict[tuple[Any, ...], LineEntry] = {}
    offset, size = 0, 2
    while offset < len(to_compute):
        batch = to_compute[offset : offset + size]
        offset, size = offset + size, min(size * 2, MAX_BATCH)
        line_rows = repo.line_columns(
            contract.company_id, (app.id for app in batch), CHAIN_LINE_COLUMNS
        )
        entries = [
            _entry(
                line_rows[app.id],
                schedule,
                sov,
                items,
                labels,
                entered or {},
                made,
                stored_summaries[app.number] if knows_stored else None,
                same_inputs=(
                    inputs_changed_through is not None and app.number > inputs_changed_through
                ),
            )
            for app in batch
        ]
        results = billing.compute_chain(terms, entries, start)
        for app, entry, figures in zip(batch, entries, results, strict=True):
            changed = _changes_of(
                app,
                line_rows[app.id],
                figures,
                changes,
                locked=app.id in locked_ids,
                stored=entry.stored.lines if entry.stored is not None else None,
            )
            step = billing.step_reached(terms, [figures.summary], step)
            settled = (
                not changed
                and inputs_changed_through is not None
                and app.number > inputs_changed_through
                and step == stored_steps[app.number]
            )
            if settled:
                return changes
            earlier.append(figures.summary)
        last = entries[-1].stored
        start = ChainStart(
            previous=results[-1],
            earlier_summaries=list(earlier),
            previous_stored=last.lines if last is not None else None,
        )
    return changes


@dataclass(frozen=True)
class ContractParts:
    """What a new application is built from, read once by the write that creates it: the
    contract's company, SOV lines (plain rows), change-order packages and items, and the
    packages billed so far, each with the number of the application that billed it."""

    company: Company
    sov: Sequence[Row[Any]]
    items: Sequence[ChangeOrderItem]
    packages: Sequence[ChangeOrderPackage]
    billed_by_number: Sequence[tuple[int, PayAppPackage]]

    @property
    def billed(self) -> list[PayAppPackage]:
        return [billed for _number, billed in self.billed_by_number]


def contract_parts(uow: UnitOfWork, contract: Contract) -> ContractParts:
    repo = uow.repo
    # Read with the contract (Repository.contract_with_header): no query.
    company = repo.company(contract.company_id)
    assert company is not None
    packages = repo.packages(contract.id)
    # Items and billed packages belong to packages: a contract with none has neither to read.
    return ContractParts(
        company=company,
        # The SOV lines' columns a new application computes with and shows, nothing else (their
        # JSON details are not decoded).
        sov=repo.sov_schedule(contract.id),
        items=repo.package_items(contract.id) if packages else (),
        packages=packages,
        billed_by_number=repo.billed_packages(contract.id) if packages else (),
    )


@dataclass(frozen=True)
class NewApplication:
    """What :func:`compute_new` read to compute a new application, for its answer to reuse."""

    sov: Sequence[Row[Any]]  # the contract's SOV lines, plain rows
    previous: PayApp | None  # the application before it
    # The previous application's materials presently stored (F), by the SOV line or item each
    # line bills: what a new line's view shows as stored before.
    previously_stored: dict[tuple[int | None, int | None], int]
    lines: Sequence[LineFigures]  # the new application's lines as computed, in their order


# What a create reads of the previous application's lines, as plain tuples in this order: what
# each bills, then its stored figures (FIGURE_COLUMNS), nothing else.
_PREVIOUS_LINE_COLUMNS = ("sov_line_id", "change_order_item_id", *FIGURE_COLUMNS)
_PREVIOUS_STORED = 2 + FIGURE_COLUMNS.index("materials_presently_stored_cents")


def _previous_figures(
    previous: PayApp, lines: Sequence[tuple[Any, ...]], package_of_item: dict[int, int]
) -> ApplicationFigures:
    """The previous application's figures from its lines' ``_PREVIOUS_LINE_COLUMNS``."""
    return ApplicationFigures(
        number=previous.number,
        lines=tuple(
            stored_figures(
                source_ref(line[0], line[1]), package_of_item.get(line[1] or 0), line[2:]
            )
            for line in lines
        ),
        summary=summary_figures(previous),
    )


def compute_new(
    uow: UnitOfWork,
    contract: Contract,
    pay_app: PayApp,
    lines: Sequence[dict[str, Any]],
    parts: ContractParts,
    previous: PayApp | None,
) -> NewApplication:
    """Compute a contract's next application before its lines are written.

    ``lines`` are the new lines as column values (inputs entered); each gets its figures, and
    ``pay_app`` its summary, exactly as :func:`recompute` from its number would set them: the
    new application is the last of its chain, so it is computed from the previous one's stored
    figures and nothing after it changes. The lines are then written once, with their figures.
    ``previous``: the application before it, as the create read it (None for the first).
    """
    repo = uow.repo
    sov = {line.id: line for line in parts.sov}
    items = {item.id: item for item in parts.items}
    package_of_item = {item.id: item.package_id for item in items.values()}
    labels = _item_labels(items.values(), parts.packages)
    terms = billing_terms(contract, parts.company)
    start: ChainStart | None = None
    previous_lines: Sequence[tuple[Any, ...]] = ()
    if previous is not None:
        assert previous.number == pay_app.number - 1
        previous_lines = repo.lines_of_pay_app(
            contract.company_id, previous.id, _PREVIOUS_LINE_COLUMNS
        )
        # The earlier summaries tell which retainage step is reached; without steps there is
        # none to reach, and the previous application is all the new one depends on. With
        # steps, they are read as plain rows: a long chain loads no object per application.
        earlier: Sequence[ChainApp] = (
            [app for app in chain_apps(uow, contract) if app.number < pay_app.number]
            if terms.steps
            else [previous]
        )
        start = ChainStart(
            previous=_previous_figures(previous, previous_lines, package_of_item),
            earlier_summaries=[summary_figures(app) for app in earlier],
        )
    scheduled_lines = []
    entries = {}
    for values in lines:
        scheduled = _scheduled(
            _Source(values["sov_line_id"], values["change_order_item_id"]), sov, items, labels
        )
        scheduled_lines.append(scheduled)
        entries[scheduled.ref] = LineEntry(*_new_entry(values))
    entry = ApplicationEntry(lines=scheduled_lines, entries=entries)
    (figures,) = billing.compute_chain(terms, [entry], start)
    for values, line in zip(lines, figures.lines, strict=True):
        values.update(zip(FIGURE_COLUMNS, _computed_figures(line), strict=True))
    for name, column in SUMMARY_COLUMNS.items():
        setattr(pay_app, column, getattr(figures.summary, name))
    return NewApplication(
        sov=parts.sov,
        previous=previous,
        previously_stored={(line[0], line[1]): line[_PREVIOUS_STORED] for line in previous_lines},
        lines=figures.lines,
    )


class _Source(NamedTuple):
    """What a new line bills, named as a stored line names it (a tuple: its fields are read at
    C speed, where a property per field of the line's values cost a call each)."""

    sov_line_id: int | None
    change_order_item_id: int | None


# What the engine takes of an SOV line (its scheduled value) and how an error names it.
SCHEDULE_COLUMNS = ("id", "number", "description", "scheduled_value_cents")


def _sov_label(line: SovLine | Row[Any]) -> str:
    """How the engine names an SOV line in an error: ``3 (Raceways and boxes)``."""
    return f"{line.number} ({line.description})"


def _item_labels(
    items: Iterable[ChangeOrderItem], packages: Iterable[ChangeOrderPackage]
) -> dict[int, str]:
    """How the engine names each change-order item in an error, by its id:
    ``CO-001 (Anchor bolts)``."""
    package_numbers = {package.id: package.number for package in packages}
    return {item.id: f"{package_numbers[item.package_id]} ({item.description})" for item in items}


def _entry(
    lines: Sequence[ChainLine],
    schedule: dict[tuple[int | None, int | None], ScheduledLine],
    sov: dict[int, Row[Any]],
    items: dict[int, ChangeOrderItem],
    labels: dict[int, str],
    entered: Mapping[int, LineEntry],
    made: dict[tuple[Any, ...], LineEntry],
    stored: Summary | None = None,
    *,
    same_inputs: bool = False,
) -> ApplicationEntry:
    """An application's entry for the engine from its stored lines. ``made``: the entries
    built so far, by their inputs: a LineEntry is a frozen value, so lines whose inputs are the
    same (a line not billed this period is all zeros and None) share one, built once per
    recompute instead of once a line; only lines without a retainage percent of their own,
    whose inputs are all integers or None. ``stored``: the application's stored summary, to
    give the engine its stored figures with the contract rates they were computed with
    (``same_inputs``: whether its inputs are the ones they were computed from)."""
    scheduled_lines = []
    entries = {}
    stored_lines = []
    for line in lines:
        source = line[_SOURCE]
        scheduled = schedule.get(source)
        if scheduled is None:
            scheduled = schedule[source] = _scheduled(_Source(*source), sov, items, labels)
        scheduled_lines.append(scheduled)
        if stored is not None:
            # The same ref object as the schedule's: the engine's comparisons find it at once.
            stored_lines.append(
                stored_figures(scheduled.ref, scheduled.change_order_package_id, line[_FIGURES])
            )
        entry = entered.get(line[_ID]) if entered else None
        if entry is None:
            inputs = line[_INPUTS]
            if inputs[_WORK_PERCENT] is None and inputs[_MATERIALS_PERCENT] is None:
                entry = made.get(inputs)
                if entry is None:
                    entry = made[inputs] = entry_of(inputs)
            else:
                # Not shared: a key would take 10 and 10.0 for one, equal decimals that are
                # stored and shown as given.
                entry = entry_of(inputs)
        entries[scheduled.ref] = entry
    return ApplicationEntry(
        lines=scheduled_lines,
        entries=entries,
        stored=(
            None
            if stored is None
            else StoredFigures(
                lines=tuple(stored_lines),
                work_percent=stored.work_percent,
                materials_percent=stored.materials_percent,
                same_inputs=same_inputs,
            )
        ),
    )


def _scheduled(
    row: StoredLine | _Source,
    sov: dict[int, Row[Any]],
    items: dict[int, ChangeOrderItem],
    item_labels: dict[int, str],
) -> ScheduledLine:
    if row.sov_line_id is not None:
        line = sov[row.sov_line_id]
        ref = LineRef(LineKind.SOV, row.sov_line_id)
        return ScheduledLine(ref, line.scheduled_value_cents, label=_sov_label(line))
    assert row.change_order_item_id is not None
    item = items[row.change_order_item_id]
    ref = LineRef(LineKind.CHANGE_ORDER, item.id)
    return ScheduledLine(ref, item.amount_cents, item.package_id, item_labels[item.id])


def _changes_of(
    app: ChainApp,
    rows: Sequence[ChainLine],
    figures: ApplicationFigures,
    changes: ChainChanges,
    *,
    locked: bool,
    stored: Sequence[LineFigures] | None = None,
) -> bool:
    """Add the application's lines whose figures changed, and its summary if it changed, to
    ``changes``. Whether anything changed; a locked application may not change. ``stored``:
    the stored figures given to the engine, which answers a line it did not recompute with
    that very object."""
    changed = False
    kept = stored if stored is not None else (None,) * len(rows)
    for row, line, stored_line in zip(rows, figures.lines, kept, strict=True):
        if line is stored_line:
            continue
        # The engine answers the lines in the order given, so ``line`` bills ``row``'s source.
        computed = _computed_figures(line)
        if row[_FIGURES] != computed:
            changes.lines.append((row[_ID], dict(zip(FIGURE_COLUMNS, computed, strict=True))))
            changed = True
    if any(
        getattr(app, column) != getattr(figures.summary, name)
        for name, column in SUMMARY_COLUMNS.items()
    ):
        changes.summaries[app.id] = figures.summary
        changed = True
    if locked and changed:
        raise Conflict(
            f"pay application {app.number} is locked by an integration (integrationState "
            "'locked'): its figures may not change until it is unlocked",
            code="locked",
        )
    return changed
