"""The audit trail: every write records who did what, when, with the values before and after."""

from __future__ import annotations

from datetime import date, datetime
from decimal import Decimal
from typing import Any

from sqlalchemy import inspect

from drawbridge.domain.rules import check_can_read
from drawbridge.services import chain
from drawbridge.services.views import Actor, AuditEventView
from drawbridge.store.models import AuditEvent, Base, PayApp, Payment
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
    uow.repo.add(
        AuditEvent(
            company_id=company,
            user_id=actor.user_id if actor else None,
            occurred_at=utcnow(),
            action=action,
            entity_type=entity_type,
            entity_id=entity_id,
            before=before,
            after=after,
        )
    )


def snapshot(row: Base, skip: set[str] = frozenset()) -> dict[str, Any]:  # type: ignore[assignment]
    """A row's columns as JSON-ready values."""
    values: dict[str, Any] = {}
    for attribute in inspect(row).mapper.column_attrs:
        if attribute.key not in skip:
            values[attribute.key] = _json(getattr(row, attribute.key))
    return values


def pay_app(uow: UnitOfWork, row: PayApp) -> dict[str, Any]:
    """A pay application's header and every line's inputs."""
    uow.flush()
    values = snapshot(row, _DERIVED)
    values["lines"] = [
        {
            "line": str(chain.line_ref(line)),
            "work_completed_this_period": line.work_completed_this_period_input_cents,
            "materials_presently_stored": line.materials_presently_stored_input_cents,
            "work_retainage_percent": _json(line.work_retainage_percent_input),
            "materials_retainage_percent": _json(line.materials_retainage_percent_input),
            "work_retainage_released": line.work_retainage_released_input_cents,
            "materials_retainage_released": line.materials_retainage_released_input_cents,
        }
        for line in uow.repo.pay_app_lines([row.id])[row.id]
    ]
    return values


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
