"""Rows a create writes through the driver (a pay application, every audit event) are the rows the
session's flush writes, checked as the flush checks them."""

from __future__ import annotations

from typing import Any

import pytest
from sqlalchemy import inspect, text

from drawbridge.bootstrap import Runtime
from drawbridge.domain.errors import Invalid
from drawbridge.services import audit
from drawbridge.store.models import AuditEvent, PayApp
from drawbridge.store.types import utcnow
from tests.services.helpers import COMPANY, CONTRACT, PROJECT, ledger_document
from tests.support import admin_actor, load

# Text JSON escapes (non-ASCII, a character outside the BMP written as a surrogate pair, a
# backslash before "u0000"), None and nested values.
_AFTER = {
    "name": "Ærø — 東京 😀",
    "path": "C:\\u0000\\udc00",
    "none": None,
    "lines": [{"work": 1, "percent": "10.0"}],
}


def _stored_json(runtime: Runtime, event_id: int) -> tuple[Any, ...]:
    with runtime.uow() as uow:
        row = uow.session.execute(
            text('SELECT "before", "after" FROM audit_events WHERE id = :id'), {"id": event_id}
        ).one()
        return tuple(value if isinstance(value, str) else repr(value) for value in row)


def _last_event_id(runtime: Runtime) -> int:
    with runtime.uow() as uow:
        return int(uow.session.execute(text("SELECT max(id) FROM audit_events")).scalar_one())


def test_an_audit_event_is_stored_as_the_flush_stores_it(runtime: Runtime) -> None:
    load(runtime, ledger_document())
    actor = admin_actor()
    with runtime.uow() as uow:
        uow.repo.add(
            AuditEvent(
                company_id=COMPANY,
                user_id=None,
                occurred_at=utcnow(),
                action="update",
                entity_type="pay_app",
                entity_id=1,
                before=None,
                after=_AFTER,
            )
        )
        uow.commit()
    by_flush = _last_event_id(runtime)
    with runtime.uow() as uow:
        audit.record(uow, actor, "update", "pay_app", 1, None, _AFTER)
        uow.commit()
    by_driver = _last_event_id(runtime)
    assert by_driver == by_flush + 1
    assert _stored_json(runtime, by_driver) == _stored_json(runtime, by_flush)
    history = audit.history(runtime.uow(read_only=True), actor, "pay_app", 1)
    assert [event.after for event in history][-2:] == [_AFTER, _AFTER]


@pytest.mark.parametrize(
    ("value", "problem"),
    [
        ({"note": "a\x00b"}, "NUL"),
        ({"note": "lone \udc00 surrogate"}, "surrogate"),
        ({"figures": [float("nan")]}, "finite"),
    ],
)
def test_an_audit_event_the_flush_would_refuse_is_refused_naming_its_field(
    runtime: Runtime, value: dict[str, Any], problem: str
) -> None:
    load(runtime, ledger_document())
    before = _last_event_id(runtime)
    with runtime.uow() as uow, pytest.raises(Invalid, match=f"after: .*{problem}") as refused:
        audit.record(uow, admin_actor(), "update", "pay_app", 1, None, value)
    assert refused.value.field == "after"
    assert _last_event_id(runtime) == before


def test_a_pay_application_written_at_once_is_held_as_a_flushed_row(runtime: Runtime) -> None:
    load(runtime, ledger_document())
    now = utcnow()
    with runtime.uow() as uow:
        pay_app = PayApp(
            company_id=COMPANY,
            project_id=PROJECT,
            contract_id=CONTRACT,
            number=1,
            created_at=now,
            updated_at=now,
            invoice_number="INV-1",
        )
        uow.insert_pay_app(pay_app)
        state = inspect(pay_app)
        # Persistent, every column loaded (nothing read again), nothing pending.
        assert state.persistent
        assert not state.expired_attributes
        assert not state.unloaded
        assert not uow.session.dirty
        assert not uow.session.new
        pay_app_id = pay_app.id
        held = {column.key: getattr(pay_app, column.key) for column in PayApp.__table__.c}
        uow.commit()
    with runtime.uow() as uow:
        stored = uow.session.get(PayApp, pay_app_id)
        assert stored is not None
        assert {column.key: getattr(stored, column.key) for column in PayApp.__table__.c} == held
        # The columns' defaults, as the flush would have set them.
        assert (stored.status, stored.erp_status, stored.final, stored.custom_fields) == (
            "draft",
            "not_ready",
            False,
            {},
        )
        assert len(stored.uuid) == 36


def test_a_pay_application_with_text_the_flush_would_refuse_is_not_written(
    runtime: Runtime,
) -> None:
    load(runtime, ledger_document())
    with runtime.uow() as uow:
        pay_app = PayApp(company_id=COMPANY, project_id=PROJECT, contract_id=CONTRACT, number=1)
        pay_app.invoice_number = "INV\x00"
        with pytest.raises(Invalid, match="invoice_number"):
            uow.insert_pay_app(pay_app)
    with runtime.uow() as uow:
        assert uow.session.execute(text("SELECT count(*) FROM pay_apps")).scalar_one() == 0
