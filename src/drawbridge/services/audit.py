"""The audit trail: every write records who did what, when, with the values before and after."""

from __future__ import annotations

from collections.abc import Sequence
from datetime import date, datetime
from decimal import Decimal
from typing import Any

from sqlalchemy import Row, inspect

from drawbridge.domain.billing import LineKind
from drawbridge.domain.errors import NotFound
from drawbridge.domain.money import format_cents
from drawbridge.domain.rules import check_can_read
from drawbridge.services import chain, render
from drawbridge.services.views import Actor, AuditEntryView, AuditEventView
from drawbridge.store.models import Base, PayApp, Payment
from drawbridge.store.types import utcnow
from drawbridge.store.uow import UnitOfWork

# Columns the engine derives; the audit keeps inputs, from which these always follow.
_DERIVED = set(chain.SUMMARY_COLUMNS.values())


def record(
    uow: UnitOfWork,
    actor: Actor | None,
    action: str,
    entity_type: str,
    entity_id: int,
    before: dict[str, Any] | None,
    after: dict[str, Any] | None,
    *,
    company_id: int | None = None,
) -> None:
    company = company_id if company_id is not None else actor.company_id if actor else None
    assert company is not None
    # The rows the event speaks of are written first, as the session's flush would order them.
    uow.flush()
    uow.repo.insert_audit_event(
        {
            "company_id": company,
            "user_id": actor.user_id if actor else None,
            "occurred_at": utcnow(),
            "action": action,
            "entity_type": entity_type,
            "entity_id": entity_id,
            "before": before,
            "after": after,
        }
    )


def snapshot(row: Base, skip: set[str] = frozenset()) -> dict[str, Any]:  # type: ignore[assignment]
    """A row's columns as JSON-ready values."""
    values: dict[str, Any] = {}
    for attribute in inspect(row).mapper.column_attrs:
        if attribute.key not in skip:
            values[attribute.key] = _json(getattr(row, attribute.key))
    return values


def pay_app(
    uow: UnitOfWork, row: PayApp, lines: Sequence[Row[Any]] | None = None
) -> dict[str, Any]:
    """A pay application's header and every line's inputs (``lines``: its lines as the write
    just stored them, when it holds them; else they are read, as plain rows)."""
    uow.flush()
    if lines is None:
        lines = uow.repo.line_values([row.id])[row.id]
    values = snapshot(row, _DERIVED)
    values["lines"] = [_line_inputs(line) for line in lines]
    return values


# How a line is named in the record: str(LineRef), written out here without building one.
_SOV_PREFIX = f"{LineKind.SOV.value}:"
_ITEM_PREFIX = f"{LineKind.CHANGE_ORDER.value}:"


def _line_inputs(line: Row[Any]) -> dict[str, Any]:
    work_percent = line.work_retainage_percent_input
    materials_percent = line.materials_retainage_percent_input
    return {
        "line": (
            f"{_SOV_PREFIX}{line.sov_line_id}"
            if line.sov_line_id is not None
            else f"{_ITEM_PREFIX}{line.change_order_item_id}"
        ),
        "work_completed_this_period": line.work_completed_this_period_input_cents,
        "materials_presently_stored": line.materials_presently_stored_input_cents,
        "work_retainage_percent": None if work_percent is None else str(work_percent),
        "materials_retainage_percent": None
        if materials_percent is None
        else str(materials_percent),
        "work_retainage_released": line.work_retainage_released_input_cents,
        "materials_retainage_released": line.materials_retainage_released_input_cents,
    }


def payment(row: Payment) -> dict[str, Any]:
    return snapshot(row)


def _json(value: object) -> Any:
    if isinstance(value, (Decimal, date, datetime)):
        return str(value) if isinstance(value, Decimal) else value.isoformat()
    return value


def history(
    uow: UnitOfWork, actor: Actor, entity_type: str | None = None, entity_id: int | None = None
) -> list[AuditEventView]:
    """The company's audit events, oldest first (of one kind of record, or one record)."""
    check_can_read(actor.scopes)
    with uow:
        return [
            AuditEventView(
                id=row.id,
                occurred_at=row.occurred_at,
                user_id=row.user_id,
                action=row.action,
                entity_type=row.entity_type,
                entity_id=row.entity_id,
                before=row.before,
                after=row.after,
            )
            for row in uow.repo.audit_events(actor.company_id, entity_type, entity_id)
        ]


# Money inside a pay application's recorded lines (cents), shown as amounts in a history.
_LINE_MONEY = frozenset(
    {
        "work_completed_this_period",
        "materials_presently_stored",
        "work_retainage_released",
        "materials_retainage_released",
    }
)
# Bookkeeping that changes on every write and says nothing to a reader.
_NOT_SHOWN = frozenset({"updated_at", "lines"})


def pay_app_history(uow: UnitOfWork, actor: Actor, pay_app_id: int) -> tuple[AuditEntryView, ...]:
    """Who changed a pay application, when, and each value before and after, oldest first."""
    check_can_read(actor.scopes)
    with uow:
        if uow.repo.pay_app(actor.company_id, pay_app_id) is None:
            raise NotFound(f"no pay application {pay_app_id}", field="id")
        events = uow.repo.audit_events(actor.company_id, "pay_app", pay_app_id)
        users = uow.repo.users(event.user_id for event in events if event.user_id is not None)
        return tuple(
            AuditEntryView(
                id=event.id,
                occurred_at=event.occurred_at,
                action=event.action,
                user=render.user_view(users.get(event.user_id) if event.user_id else None),
                changes=_changes(event.before or {}, event.after or {}),
            )
            for event in events
        )


def _changes(before: dict[str, Any], after: dict[str, Any]) -> tuple[tuple[str, Any, Any], ...]:
    changes: list[tuple[str, Any, Any]] = []
    for name in sorted(set(before) | set(after)):
        if name in _NOT_SHOWN or before.get(name) == after.get(name):
            continue
        old, new = before.get(name), after.get(name)
        if name.endswith("_cents"):
            name = name.removesuffix("_cents")
            old, new = _amount(old), _amount(new)
        changes.append((name, old, new))
    old_lines = {line["line"]: line for line in before.get("lines") or []}
    new_lines = {line["line"]: line for line in after.get("lines") or []}
    for ref in sorted(set(old_lines) | set(new_lines)):
        old_line, new_line = old_lines.get(ref, {}), new_lines.get(ref, {})
        for name in sorted(set(old_line) | set(new_line) - {"line"}):
            if name == "line" or old_line.get(name) == new_line.get(name):
                continue
            old, new = old_line.get(name), new_line.get(name)
            if name in _LINE_MONEY:
                old, new = _amount(old), _amount(new)
            changes.append((f"line {ref}: {name}", old, new))
    return tuple(changes)


def _amount(cents: object) -> object:
    return format_cents(cents) if isinstance(cents, int) else cents
