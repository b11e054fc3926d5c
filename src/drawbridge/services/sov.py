"""Changing a contract's schedule of values: SOV lines and their amount entries.

Rules:
- Until a contract's first pay application, lines may be added, edited and deleted freely.
- From the first pay application on, the contract sum changes only through change orders: a new
  line, a deleted line or a change to a line's original or revision amounts is refused
  (``Invalid``, code ``sov_locked``). Descriptive fields (number, description, cost code,
  details) and forecast/other entries, which no billed figure depends on, may still change.
- A line that a change-order item names is not deleted.

Amounts: a line's entries are ``original``, ``revision``, ``forecast`` or ``other``
(:class:`~drawbridge.store.models.SovLineEntry`). The scheduled value the billing engine reads
(column C, and G702 line 1 summed over lines) is kept equal to original + revisions on every
write here; forecast and other amounts are reported, never billed.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass, field
from datetime import date
from decimal import Decimal
from typing import Any

from drawbridge.domain.errors import Conflict, Invalid, NotFound
from drawbridge.domain.money import decimal_from_input
from drawbridge.domain.rules import check_can_write
from drawbridge.services import audit, imports
from drawbridge.services.contracts import contract_in_scope
from drawbridge.services.views import Actor
from drawbridge.store.models import Contract, SovLine, SovLineEntry
from drawbridge.store.types import utcnow
from drawbridge.store.uow import UnitOfWork

WORKFLOW_TYPES = ("original", "revision", "forecast", "other")
PRICED = frozenset({"original", "revision"})  # the entries that make up the scheduled value
SOV_LOCKED = (
    "the schedule of values is fixed from the contract's first pay application on: "
    "the contract sum changes only through change orders"
)


@dataclass(frozen=True)
class EntryInput:
    """An amount to add to a line (``entry_id`` None) or to change on it."""

    workflow_type: str = "original"
    amount: int = 0
    effective_date: date | None = None
    memo: str | None = None
    entry_id: int | None = None


@dataclass(frozen=True)
class LineChanges:
    """What a create or update sets; a field not in ``values`` stays as it is.

    ``values`` keys: ``number``, ``description``, ``cost_code``, ``unit_price`` and ``quantity``
    (Decimal or None: descriptive, the scheduled value is still the sum of the priced entries);
    ``details`` (merged into the line's descriptive details).
    """

    values: Mapping[str, Any] = field(default_factory=dict)
    details: Mapping[str, Any] = field(default_factory=dict)
    entries: Sequence[EntryInput] = ()
    removed_entry_ids: Sequence[int] = ()


def create_line(uow: UnitOfWork, actor: Actor, contract_id: int, changes: LineChanges) -> int:
    """Add a line to a contract that has no pay application yet; returns its id."""
    check_can_write(actor.scopes)
    with uow:
        contract = _contract(uow, actor, contract_id)
        if _billing_started(uow, contract):
            raise Invalid(SOV_LOCKED, field="projectContract", code="sov_locked")
        lines = uow.repo.sov_lines(contract.id)
        number = _number(changes.values.get("number"))
        _check_unique_number(lines, number, None)
        description = _text(changes.values.get("description"), "description")
        line = SovLine(
            company_id=actor.company_id,
            contract_id=contract.id,
            position=max((row.position for row in lines), default=0) + 1,
            number=number,
            description=description,
            cost_code=_optional_text(changes.values.get("cost_code"), "cost_code"),
            unit_price=_optional_decimal(changes.values.get("unit_price"), "unit_price"),
            quantity=_optional_decimal(changes.values.get("quantity"), "quantity"),
            scheduled_value_cents=0,
            details=dict(changes.details),
        )
        uow.repo.add(line)
        uow.flush()
        _apply_entries(uow, line, changes)
        audit.record(uow, actor, "create", "sov_line", line.id, None, _snapshot(uow, line))
        uow.commit()
        return line.id


def update_line(uow: UnitOfWork, actor: Actor, line_id: int, changes: LineChanges) -> int:
    """Change a line; its amounts only while the contract has no pay application."""
    check_can_write(actor.scopes)
    with uow:
        line, contract = _line(uow, actor, line_id)
        before = _snapshot(uow, line)
        if _touches_price(uow, line, changes) and _billing_started(uow, contract):
            raise Invalid(SOV_LOCKED, field="projectContractLineEntries", code="sov_locked")
        values = changes.values
        if "number" in values:
            number = _number(values["number"])
            _check_unique_number(uow.repo.sov_lines(contract.id), number, line.id)
            line.number = number
        if "description" in values:
            line.description = _text(values["description"], "description")
        if "cost_code" in values:
            line.cost_code = _optional_text(values["cost_code"], "cost_code")
        if "unit_price" in values:
            line.unit_price = _optional_decimal(values["unit_price"], "unit_price")
        if "quantity" in values:
            line.quantity = _optional_decimal(values["quantity"], "quantity")
        if changes.details:
            line.details = {**line.details, **changes.details}
        _apply_entries(uow, line, changes)
        audit.record(uow, actor, "update", "sov_line", line.id, before, _snapshot(uow, line))
        uow.commit()
        return line.id


def delete_line(uow: UnitOfWork, actor: Actor, line_id: int) -> None:
    """Delete a line of a contract that has no pay application (a billed line is never
    deleted) and that no change-order item names."""
    check_can_write(actor.scopes)
    with uow:
        line, contract = _line(uow, actor, line_id)
        if _billing_started(uow, contract):
            raise Invalid(SOV_LOCKED, field="key", code="sov_locked")
        if uow.repo.items_on_sov_line(line.id):
            raise Conflict(
                f"line {line.number} is named by a change order; delete that change first",
                field="key",
                code="in_use",
            )
        before = _snapshot(uow, line)
        uow.repo.delete(line)
        audit.record(uow, actor, "delete", "sov_line", line_id, before, None)
        uow.commit()


def add_original_entry(uow: UnitOfWork, line: SovLine) -> None:
    """Record a line's whole scheduled value as its original amount (a line created with a
    scheduled value rather than entries, as a fixture does)."""
    uow.repo.add(
        SovLineEntry(
            company_id=line.company_id,
            sov_line_id=line.id,
            workflow_type="original",
            amount_cents=line.scheduled_value_cents,
        )
    )


def _contract(uow: UnitOfWork, actor: Actor, contract_id: int) -> Contract:
    contract = contract_in_scope(uow, actor, contract_id, lock=True)
    if contract is None:
        raise NotFound(f"no contract {contract_id}", field="projectContract")
    return contract


def _line(uow: UnitOfWork, actor: Actor, line_id: int) -> tuple[SovLine, Contract]:
    line = uow.repo.sov_line(actor.company_id, line_id)
    if line is None:
        raise NotFound(f"no contract line with key {line_id}", field="key")
    contract = _contract(uow, actor, line.contract_id)
    uow.session.refresh(line)  # read again under the contract lock
    return line, contract


def _billing_started(uow: UnitOfWork, contract: Contract) -> bool:
    return bool(uow.repo.latest_numbers([contract.id]))


def _touches_price(uow: UnitOfWork, line: SovLine, changes: LineChanges) -> bool:
    entries = {row.id: row for row in uow.repo.sov_line_entries_of([line.id])[line.id]}
    for given in changes.entries:
        existing = entries.get(given.entry_id or 0)
        kinds = {given.workflow_type} | ({existing.workflow_type} if existing else set())
        if kinds & PRICED and (
            existing is None
            or existing.amount_cents != given.amount
            or existing.workflow_type != given.workflow_type
        ):
            return True
    return any(
        entries[entry_id].workflow_type in PRICED
        for entry_id in changes.removed_entry_ids
        if entry_id in entries
    )


def _apply_entries(uow: UnitOfWork, line: SovLine, changes: LineChanges) -> None:
    """Add, change and remove entries, then set the scheduled value to original + revisions."""
    repo = uow.repo
    entries = {row.id: row for row in repo.sov_line_entries_of([line.id])[line.id]}
    now = utcnow()
    for index, given in enumerate(changes.entries):
        where = f"projectContractLineEntries[{index}]"
        if given.workflow_type not in WORKFLOW_TYPES:
            raise Invalid(
                f"{where}.workflowType: must be one of {', '.join(WORKFLOW_TYPES)}",
                field=f"{where}.workflowType",
            )
        if given.entry_id is None:
            row = SovLineEntry(
                company_id=line.company_id, sov_line_id=line.id, created_at=now, updated_at=now
            )
            repo.add(row)
        else:
            found = entries.get(given.entry_id)
            if found is None:
                raise NotFound(
                    f"{where}.key: no entry {given.entry_id} on this line", field=f"{where}.key"
                )
            row = found
            row.updated_at = now
        row.workflow_type = given.workflow_type
        row.amount_cents = given.amount
        row.effective_date = given.effective_date
        row.memo = given.memo
    for entry_id in changes.removed_entry_ids:
        if entry_id in entries:
            repo.delete(entries[entry_id])
    uow.flush()
    kept = repo.sov_line_entries_of([line.id])[line.id]
    line.scheduled_value_cents = sum(
        row.amount_cents for row in kept if row.workflow_type in PRICED
    )
    uow.flush()


def _check_unique_number(lines: Sequence[SovLine], number: str, line_id: int | None) -> None:
    if any(row.number == number and row.id != line_id for row in lines):
        raise Conflict(f"id: the contract already has a line {number!r}", field="number")


def _number(value: object) -> str:
    text = _text(value, "number")
    if len(text) > 32:
        raise Invalid("number: at most 32 characters", field="number")
    return text.strip()


def _text(value: object, name: str) -> str:
    if not isinstance(value, str) or not value.strip():
        raise Invalid(f"{name}: required, a non-empty string", field=name)
    return value


def _optional_text(value: object, name: str) -> str | None:
    if value is None:
        return None
    if not isinstance(value, str):
        raise Invalid(f"{name}: must be a string", field=name)
    return value or None


def _optional_decimal(value: object, name: str) -> Decimal | None:
    if value is None:
        return None
    number = decimal_from_input(value)
    if number is None:
        raise Invalid(f"{name}: not a decimal number", field=name)
    return number


def _snapshot(uow: UnitOfWork, line: SovLine) -> dict[str, Any]:
    uow.flush()
    values = audit.snapshot(line)
    values["entries"] = [
        audit.snapshot(entry) for entry in uow.repo.sov_line_entries_of([line.id])[line.id]
    ]
    return values


# -- importing a schedule of values from a spreadsheet -------------------------------------------

SOV_COLUMNS = (
    imports.Column(
        "number",
        ("number", "item", "item no", "item number", "line", "line no", "line number", "no", "A"),
    ),
    imports.Column(
        "description",
        ("description", "description of work", "item description", "scope", "name", "B"),
        required=True,
    ),
    imports.Column("cost_code", ("cost code", "cost_code", "costcode", "code")),
    imports.Column(
        "scheduled_value",
        (
            "scheduled value",
            "scheduled_value",
            "value",
            "amount",
            "original amount",
            "contract amount",
            "budget",
            "C",
        ),
        required=True,
    ),
    imports.Column("unit_price", ("unit price", "unit_price", "rate", "price")),
    imports.Column("quantity", ("quantity", "qty")),
)


@dataclass(frozen=True)
class _SovRow:
    row: int
    number: str
    values: dict[str, Any]
    amount: int


def import_sov(
    uow: UnitOfWork,
    actor: Actor,
    contract_id: int,
    table: imports.Sheet,
    *,
    dry_run: bool,
    progress: Callable[[int], None] | None = None,
) -> imports.ImportReport:
    """Create or update a contract's SOV lines from a spreadsheet, matched by line number.

    A line whose number is not on the contract is created; one that is, is updated where the
    file differs; lines of the contract missing from the file are left as they are. From the
    first pay application on, new lines and new amounts are refused (the contract sum changes
    only by change orders); descriptions and cost codes may still change. All or nothing: any
    problem changes nothing, and a dry run changes nothing either, reporting what it would do.
    """
    check_can_write(actor.scopes)
    parsed, headers = _read_sov(table)
    with uow:
        contract = _contract(uow, actor, contract_id)
        existing = {line.number: line for line in uow.repo.sov_lines(contract.id)}
        started = _billing_started(uow, contract)
        entries = uow.repo.sov_line_entries_of([line.id for line in existing.values()])
        problems: list[imports.RowProblem] = []
        plan: list[tuple[_SovRow, SovLine | None, dict[str, tuple[str, str]]]] = []
        for given in parsed:
            line = existing.get(given.number)
            if line is None:
                if started:
                    problems.append(
                        imports.RowProblem(
                            given.row,
                            headers.get("number"),
                            f"new line {given.number}: " + SOV_LOCKED,
                        )
                    )
                plan.append((given, None, {}))
                continue
            differences = _differences(line, given)
            if "scheduled_value" in differences and started:
                problems.append(
                    imports.RowProblem(given.row, headers["scheduled_value"], SOV_LOCKED)
                )
            plan.append((given, line, differences))
        if problems:
            raise imports.ImportRejected(problems)
        report: list[imports.ImportChange] = []
        for done, (given, line, differences) in enumerate(plan, start=1):
            try:
                if line is None:
                    create_line(
                        uow,
                        actor,
                        contract.id,
                        LineChanges(
                            values={"number": given.number, **given.values},
                            entries=[EntryInput("original", given.amount)],
                        ),
                    )
                    action = "create"
                elif differences:
                    priced = [e for e in entries.get(line.id, []) if e.workflow_type in PRICED]
                    repriced = "scheduled_value" in differences
                    update_line(
                        uow,
                        actor,
                        line.id,
                        LineChanges(
                            values=given.values,
                            entries=[EntryInput("original", given.amount)] if repriced else (),
                            removed_entry_ids=[e.id for e in priced] if repriced else (),
                        ),
                    )
                    action = "update"
                else:
                    action = "unchanged"
            except Invalid as error:
                raise imports.ImportRejected(
                    [imports.RowProblem(given.row, None, error.message)]
                ) from error
            report.append(
                imports.ImportChange(
                    row=given.row,
                    action=action,
                    key=given.number,
                    description=str(given.values["description"]),
                    changes=differences,
                )
            )
            if progress is not None:
                progress(done)
        uow.flush()
        lines = uow.repo.sov_lines(contract.id)
        kept = len({line.number for line in lines} - {given.number for given in parsed})
        summary = {
            "lines": str(len(lines)),
            "not in the file (kept)": str(kept),
            "contract sum of the SOV": imports.money_text(
                sum(line.scheduled_value_cents for line in lines)
            ),
        }
        if not dry_run:
            uow.commit()
        return imports.ImportReport(dry_run=dry_run, changes=tuple(report), summary=summary)


def _read_sov(table: imports.Sheet) -> tuple[list[_SovRow], dict[str, str]]:
    """The rows, and the headers the file names the columns by."""
    reader = imports.Reader(table, SOV_COLUMNS)
    parsed: list[_SovRow] = []
    first_row: dict[str, int] = {}
    for position, row in enumerate(table.rows, start=1):
        if reader.has("number"):
            number = reader.text(row, "number", required=True) or ""
            if len(number) > 32:
                reader.problem(row, "number", "at most 32 characters")
        else:
            number = str(position)
        if number and number in first_row:
            reader.problem(row, "number", f"line {number} is also on row {first_row[number]}")
        first_row.setdefault(number, row.number)
        description = reader.text(row, "description", required=True)
        amount = reader.amount(row, "scheduled_value", required=True)
        values: dict[str, Any] = {"description": description}
        for name in ("cost_code",):
            if reader.has(name):
                values[name] = reader.text(row, name)
        for name in ("unit_price", "quantity"):
            if reader.has(name):
                values[name] = reader.decimal(row, name)
        if description is not None and amount is not None:
            parsed.append(_SovRow(row=row.number, number=number, values=values, amount=amount))
    reader.check()
    return parsed, reader.headers


def _differences(line: SovLine, given: _SovRow) -> dict[str, tuple[str, str]]:
    current: dict[str, object] = {
        "description": line.description,
        "cost_code": line.cost_code,
        "unit_price": line.unit_price,
        "quantity": line.quantity,
    }
    found: dict[str, tuple[str, str]] = {}
    for name, value in given.values.items():
        before = current[name]
        same = (
            before == value
            if not isinstance(value, Decimal) or before is None
            else Decimal(str(before)) == value
        )
        if not same:
            found[name] = (
                "" if before is None else str(before),
                "" if value is None else str(value),
            )
    if line.scheduled_value_cents != given.amount:
        found["scheduled_value"] = (
            imports.money_text(line.scheduled_value_cents),
            imports.money_text(given.amount),
        )
    return found
