"""Idempotency keys: a repeated create returns the first answer and creates nothing new."""

from __future__ import annotations

import threading
from datetime import timedelta
from typing import Any

import pytest
from sqlalchemy import func, select, update

from drawbridge.bootstrap import Runtime
from drawbridge.domain.errors import Conflict, Invalid
from drawbridge.services import idempotency
from drawbridge.store.models import DirectoryEntry, IdempotencyKey
from drawbridge.store.types import utcnow
from drawbridge.store.uow import UnitOfWork
from tests.services.helpers import COMPANY, OTHER_COMPANY, ledger_document
from tests.support import load

SCOPE = "test:directory-entry"


@pytest.fixture
def ledger(runtime: Runtime) -> Runtime:
    load(runtime, ledger_document())
    return runtime


def create_entry(code: str, company_id: int = COMPANY) -> Any:
    """A stand-in create use case: adds a row inside the caller's transaction."""

    def create(uow: UnitOfWork) -> int:
        with uow:
            row = DirectoryEntry(company_id=company_id, kind="contact", code=code, name=code)
            uow.repo.add(row)
            uow.flush()
            uow.commit()
            return row.id

    return create


def respond(entry_id: int) -> tuple[int, Any]:
    return 201, {"key": str(entry_id)}


def run(runtime: Runtime, key: str, payload: dict[str, Any], company_id: int = COMPANY) -> Any:
    return idempotency.run_once(
        runtime.uow(),
        company_id=company_id,
        scope=SCOPE,
        key=key,
        request=idempotency.request_hash(payload),
        create=create_entry(payload["code"], company_id),
        respond=respond,
    )


def entries(runtime: Runtime) -> int:
    with runtime.engine.connect() as connection:
        return int(connection.scalar(select(func.count()).select_from(DirectoryEntry)) or 0)


def test_the_same_key_and_body_returns_the_first_answer_and_creates_nothing(
    ledger: Runtime,
) -> None:
    first = run(ledger, "key-1", {"code": "A"})
    again = run(ledger, "key-1", {"code": "A"})

    assert (first.status, first.replayed) == (201, False)
    assert (again.status, again.body, again.replayed) == (201, first.body, True)
    assert entries(ledger) == 1


def test_the_same_key_with_another_body_is_a_conflict_and_creates_nothing(
    ledger: Runtime,
) -> None:
    run(ledger, "key-1", {"code": "A"})
    with pytest.raises(Conflict) as caught:
        run(ledger, "key-1", {"code": "B"})
    assert caught.value.code == "idempotency_key_reused"
    assert entries(ledger) == 1


def test_keys_are_per_company_and_expire_after_a_day(ledger: Runtime) -> None:
    run(ledger, "key-1", {"code": "A"})
    run(ledger, "key-1", {"code": "A"}, company_id=OTHER_COMPANY)  # another company's key
    assert entries(ledger) == 2

    with ledger.engine.begin() as connection:
        connection.execute(
            update(IdempotencyKey).values(created_at=utcnow() - timedelta(hours=24, seconds=1))
        )
    fresh = run(ledger, "key-1", {"code": "C"})  # expired: the key is free again
    assert fresh.replayed is False
    assert entries(ledger) == 3


@pytest.mark.parametrize("key", ["", "   ", "k" * 256])
def test_a_bad_key_is_invalid(ledger: Runtime, key: str) -> None:
    with pytest.raises(Invalid):
        run(ledger, key, {"code": "A"})
    assert entries(ledger) == 0


def test_a_failing_create_stores_no_key(ledger: Runtime) -> None:
    def failing(uow: UnitOfWork) -> int:
        raise Invalid("name: required", field="name")

    with pytest.raises(Invalid):
        idempotency.run_once(
            ledger.uow(),
            company_id=COMPANY,
            scope=SCOPE,
            key="key-1",
            request="x",
            create=failing,
            respond=respond,
        )
    assert run(ledger, "key-1", {"code": "A"}).replayed is False


@pytest.mark.slow
def test_simultaneous_requests_with_one_key_create_once(ledger: Runtime) -> None:
    threads = 6
    start = threading.Barrier(threads)
    outcomes: list[str] = []
    lock = threading.Lock()

    def worker() -> None:
        start.wait()
        try:
            result = run(ledger, "race", {"code": "R"})
            outcome = "replayed" if result.replayed else "created"
        except Conflict:
            outcome = "conflict"
        except Exception as error:  # anything else fails the test
            outcome = f"error: {error!r}"
        with lock:
            outcomes.append(outcome)

    workers = [threading.Thread(target=worker) for _ in range(threads)]
    for thread in workers:
        thread.start()
    for thread in workers:
        thread.join(timeout=60)

    assert len(outcomes) == threads
    assert outcomes.count("created") == 1, outcomes
    assert set(outcomes) <= {"created", "replayed", "conflict"}, outcomes
    assert entries(ledger) == 1
