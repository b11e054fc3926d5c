"""The unit of work: constraint violations become ledger errors, blocks nest, rollback is total."""

from __future__ import annotations

from datetime import date

import pytest
from sqlalchemy import text

from drawbridge.bootstrap import Runtime
from drawbridge.domain.errors import Conflict, Invalid
from drawbridge.domain.rules import PayAppStatus
from drawbridge.services import pay_apps
from drawbridge.store.models import Company, Party, Payment
from tests.services.helpers import COMPANY, CONTRACT, PROJECT, ledger_document
from tests.support import admin_actor, load


def _company(runtime: Runtime) -> None:
    with runtime.uow() as uow:
        uow.repo.add(Company(id=1, name="Acme", base_currency="USD"))
        uow.commit()


def test_a_unique_violation_is_a_conflict(runtime: Runtime) -> None:
    _company(runtime)
    with runtime.uow() as uow:
        uow.repo.add(Party(company_id=1, code="ERNIE", name="Ernie", kind="vendor"))
        uow.repo.add(Party(company_id=1, code="ERNIE", name="Ernie again", kind="vendor"))
        with pytest.raises(Conflict):
            uow.commit()


def test_a_broken_check_constraint_is_invalid_not_a_conflict(runtime: Runtime) -> None:
    _company(runtime)
    with runtime.uow() as uow:
        uow.repo.add(Party(company_id=1, code="X", name="X", kind="landlord"))
        with pytest.raises(Invalid, match="breaks a ledger rule"):
            uow.flush()


def _outer_use_case_that_fails_after_an_inner_commit(runtime: Runtime) -> None:
    uow = runtime.uow()
    with uow:
        uow.repo.add(Company(id=1, name="Acme", base_currency="USD"))
        with uow:
            uow.repo.add(Company(id=2, name="Beta", base_currency="USD"))
            uow.commit()  # joins the outer transaction: nothing is committed yet
        raise RuntimeError("the outer use case fails after the inner one 'committed'")


def test_nested_blocks_commit_once_and_roll_back_together(runtime: Runtime) -> None:
    with pytest.raises(RuntimeError):
        _outer_use_case_that_fails_after_an_inner_commit(runtime)
    with runtime.uow() as check:
        assert check.repo.companies() == []


def test_the_database_holds_one_check_per_pay_application(runtime: Runtime) -> None:
    """Even a write that skips the service's look-up cannot pay a pay application twice with one
    check: the unique (pay_app_id, check_number) answers 409 naming the field."""
    load(runtime, ledger_document())
    app = pay_apps.create_pay_app(
        runtime.uow(),
        admin_actor(COMPANY),
        pay_apps.CreatePayApp(contract_id=CONTRACT, status=PayAppStatus.UNDER_REVIEW),
    )

    def payment(check: str | None) -> Payment:
        return Payment(
            company_id=COMPANY,
            project_id=PROJECT,
            contract_id=CONTRACT,
            pay_app_id=app.id,
            amount_cents=1,
            payment_date=date(2024, 1, 1),
            check_number=check,
            currency="USD",
        )

    with runtime.uow() as uow:  # no check number twice is fine: NULLs never collide
        uow.repo.add(payment(None))
        uow.repo.add(payment(None))
        uow.repo.add(payment("1001"))
        uow.commit()
    with runtime.uow() as uow:
        uow.repo.add(payment("1001"))
        with pytest.raises(Conflict) as raised:
            uow.commit()
    assert raised.value.field == "check_number"


def test_a_single_read_on_postgresql_holds_no_transaction_open(runtime: Runtime) -> None:
    # uow.read() answers who a token speaks for on every request: on PostgreSQL each of its
    # statements is a transaction of its own (autocommit), so no BEGIN or ROLLBACK goes to the
    # server; on SQLite it reads in one transaction as before.
    engine = runtime.engine
    engine.dispose()  # the pool then holds one connection, which everything below reuses
    with runtime.uow().read() as connection:
        if engine.dialect.name == "postgresql":
            first = connection.scalar(text("SELECT pg_current_xact_id()::text"))
            second = connection.scalar(text("SELECT pg_current_xact_id()::text"))
            assert first != second
        else:
            assert connection.in_transaction() is False
            assert connection.scalar(text("SELECT 1")) == 1
            assert connection.in_transaction() is True
    # The connection it used goes back to the pool for ordinary transactions: a unit of work's
    # rollback still undoes what it wrote.
    _company(runtime)
    with runtime.uow() as uow:
        uow.repo.add(Party(company_id=1, code="GONE", name="Rolled back", kind="vendor"))
        uow.flush()
    with runtime.uow() as uow:
        assert uow.session.scalar(text("SELECT count(*) FROM parties")) == 0
