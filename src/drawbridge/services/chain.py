"""Keeps a contract's stored figures equal to what the billing engine computes from the inputs.

Every write to a pay application calls :func:`recompute` inside its transaction, from the first
application it touched: that application and every later one are recomputed by the engine and the
derived columns rewritten. Earlier applications are read back from their stored figures to resume
the chain. A pay application whose ACC ``integrationState`` is ``locked`` may not change: if a
recompute would change any of its figures, the whole write is refused.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from dataclasses import fields, replace
from decimal import Decimal
from typing import Any

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
    StoredMaterialsMode,
    Summary,
)
from drawbridge.domain.errors import Conflict
from drawbridge.domain.rules import money_rule_allows
from drawbridge.store.models import (
    ChangeOrderItem,
    ChangeOrderPackage,
    Company,
    Contract,
    PayApp,
    PayAppLine,
    SovLine,
)
from drawbridge.store.uow import UnitOfWork

LOCKED = "locked"


def _column_map(figures_type: type[Any], row_type: type[Any]) -> dict[str, str]:
    """Field of an engine dataclass -> the column that stores it (``x`` or ``x_cents``)."""
    mapping = {}
    for item in fields(figures_type):
        if hasattr(row_type, f"{item.name}_cents"):
            mapping[item.name] = f"{item.name}_cents"
        elif hasattr(row_type, item.name):
            mapping[item.name] = item.name
    return mapping


LINE_COLUMNS = _column_map(LineFigures, PayAppLine)
SUMMARY_COLUMNS = _column_map(Summary, PayApp)


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


# A stored line: an ORM row when it will be written, a plain row when only read.
StoredLine = PayAppLine | Row[Any]


def line_ref(row: StoredLine) -> LineRef:
    if row.sov_line_id is not None:
        return LineRef(LineKind.SOV, row.sov_line_id)
    assert row.change_order_item_id is not None
    return LineRef(LineKind.CHANGE_ORDER, row.change_order_item_id)


# Where each stored figure sits in a plain row of the whole pay_app_lines table.
_LINE_POSITIONS = tuple(
    (name, list(PayAppLine.__table__.c.keys()).index(column))
    for name, column in LINE_COLUMNS.items()
)


def line_figures(row: StoredLine, package_id: int | None) -> LineFigures:
    if isinstance(row, Row):  # the read path: index the tuple, far cheaper than attributes
        values = {name: row[position] for name, position in _LINE_POSITIONS}
    else:
        values = {name: getattr(row, column) for name, column in LINE_COLUMNS.items()}
    return LineFigures(ref=line_ref(row), change_order_package_id=package_id, **values)


def summary_figures(row: PayApp) -> Summary:
    return Summary(**{name: getattr(row, column) for name, column in SUMMARY_COLUMNS.items()})


def application_figures(
    pay_app: PayApp, rows: Sequence[PayAppLine], package_of_item: dict[int, int]
) -> ApplicationFigures:
    lines = tuple(
        line_figures(row, package_of_item.get(row.change_order_item_id or 0)) for row in rows
    )
    return ApplicationFigures(number=pay_app.number, lines=lines, summary=summary_figures(pay_app))


def entry_of(row: PayAppLine) -> LineEntry:
    return LineEntry(
        work_completed_this_period=row.work_completed_this_period_input_cents,
        materials_presently_stored=row.materials_presently_stored_input_cents,
        work_retainage_percent=row.work_retainage_percent_input,
        materials_retainage_percent=row.materials_retainage_percent_input,
        work_retainage_released=row.work_retainage_released_input_cents,
        materials_retainage_released=row.materials_retainage_released_input_cents,
    )


def recompute(
    uow: UnitOfWork, contract: Contract, from_number: int = 1, *, permit_overbilling: bool = False
) -> None:
    """Recompute and store the figures of ``contract``'s applications from ``from_number`` on.

    ``permit_overbilling`` computes past the over-billing rule, for a preview that shows which
    lines would go beyond their value (it is never committed).
    """
    repo = uow.repo
    uow.flush()
    pay_apps = list(repo.pay_apps_of_contract(contract.id))
    if not pay_apps:
        return
    first = max(from_number, 1)
    resume_from = [app for app in pay_apps if app.number >= first - 1]
    line_rows = repo.pay_app_lines(app.id for app in resume_from)
    sov = {line.id: line for line in repo.sov_lines(contract.id)}
    items = {item.id: item for item in repo.package_items(contract.id)}
    package_of_item = {item.id: item.package_id for item in items.values()}
    labels = _line_labels(sov.values(), items.values(), repo.packages(contract.id))

    start: ChainStart | None = None
    if first > 1:
        previous = next(app for app in pay_apps if app.number == first - 1)
        start = ChainStart(
            previous=application_figures(previous, line_rows[previous.id], package_of_item),
            earlier_summaries=[summary_figures(app) for app in pay_apps if app.number < first],
        )
    to_compute = [app for app in pay_apps if app.number >= first]
    entries = [
        ApplicationEntry(
            lines=[_scheduled(row, sov, items, labels) for row in line_rows[app.id]],
            entries={line_ref(row): entry_of(row) for row in line_rows[app.id]},
        )
        for app in to_compute
    ]
    company = repo.company(contract.company_id)
    assert company is not None
    terms = billing_terms(contract, company)
    if permit_overbilling:
        terms = replace(terms, allow_overbilling=True)
    results = billing.compute_chain(terms, entries, start)
    for app, figures in zip(to_compute, results, strict=True):
        _store(app, line_rows[app.id], figures)
    uow.flush()


def _line_labels(
    sov: Iterable[SovLine],
    items: Iterable[ChangeOrderItem],
    packages: Iterable[ChangeOrderPackage],
) -> dict[LineRef, str]:
    """How the engine names each line in an error: ``3 (Raceways and boxes)`` for an SOV line,
    ``CO-001 (Anchor bolts)`` for a change-order item."""
    package_numbers = {package.id: package.number for package in packages}
    labels = {LineRef(LineKind.SOV, line.id): f"{line.number} ({line.description})" for line in sov}
    labels.update(
        {
            LineRef(LineKind.CHANGE_ORDER, item.id): (
                f"{package_numbers[item.package_id]} ({item.description})"
            )
            for item in items
        }
    )
    return labels


def _scheduled(
    row: PayAppLine,
    sov: dict[int, SovLine],
    items: dict[int, ChangeOrderItem],
    labels: dict[LineRef, str],
) -> ScheduledLine:
    if row.sov_line_id is not None:
        ref = LineRef(LineKind.SOV, row.sov_line_id)
        return ScheduledLine(ref, sov[row.sov_line_id].scheduled_value_cents, label=labels[ref])
    assert row.change_order_item_id is not None
    item = items[row.change_order_item_id]
    ref = LineRef(LineKind.CHANGE_ORDER, item.id)
    return ScheduledLine(ref, item.amount_cents, item.package_id, labels[ref])


def _store(app: PayApp, rows: Sequence[PayAppLine], figures: ApplicationFigures) -> None:
    locked = app.integration_state == LOCKED
    changed = False
    for row, line in zip(rows, figures.lines, strict=True):
        for name, column in LINE_COLUMNS.items():
            value = getattr(line, name)
            if getattr(row, column) != value:
                setattr(row, column, value)
                changed = True
    for name, column in SUMMARY_COLUMNS.items():
        value = getattr(figures.summary, name)
        if getattr(app, column) != value:
            setattr(app, column, value)
            changed = True
    if locked and changed:
        raise Conflict(
            f"pay application {app.number} is locked by an integration (integrationState "
            "'locked'): its figures may not change until it is unlocked",
            code="locked",
        )
