"""The schema: migrations up, equal to the models (like ``alembic check``), down, up again.

Down and up run on a fresh database of their own (a SQLite file; on PostgreSQL a throwaway
database on the test server), never on the session's migrated test database.
"""

from __future__ import annotations

import uuid
from collections.abc import Iterator
from datetime import UTC, datetime, timedelta, timezone
from decimal import Decimal
from pathlib import Path

import pytest
from sqlalchemy import Engine, create_engine, inspect, select, text
from sqlalchemy.engine import make_url
from sqlalchemy.exc import SQLAlchemyError

from drawbridge.bootstrap import Runtime, build
from drawbridge.cli import demo_fixture_text
from drawbridge.services import fixtures
from drawbridge.store import migrate
from drawbridge.store.database import make_engine
from drawbridge.store.models import Base, Company, Contract, SovLine
from tests.conftest import POSTGRES_URL
from tests.services.helpers import COMPANY, CONTRACT, LINES, ledger_document
from tests.support import load

LEDGER_TABLES = {table.name for table in Base.metadata.sorted_tables}


def tables(engine: Engine) -> set[str]:
    return set(inspect(engine).get_table_names()) - {"alembic_version"}


def up_check_down_up(engine: Engine) -> None:
    migrate.upgrade(engine)
    assert tables(engine) == LEDGER_TABLES
    assert migrate.pending_differences(engine) == []

    migrate.downgrade(engine)
    assert tables(engine) == set()

    migrate.upgrade(engine)
    assert tables(engine) == LEDGER_TABLES
    assert migrate.pending_differences(engine) == []


def test_sqlite_migrations_up_check_down_up(tmp_path: Path) -> None:
    engine = make_engine(f"sqlite:///{tmp_path / 'migrations.db'}")
    try:
        up_check_down_up(engine)
    finally:
        engine.dispose()


@pytest.fixture
def fresh_postgres() -> Iterator[Engine]:
    assert POSTGRES_URL
    url = make_url(POSTGRES_URL)
    name = f"drawbridge_migrations_{uuid.uuid4().hex[:12]}"
    admin = create_engine(url, isolation_level="AUTOCOMMIT")
    try:
        with admin.connect() as connection:
            connection.execute(text(f'CREATE DATABASE "{name}"'))
    except SQLAlchemyError as error:  # no CREATEDB right: nothing to test on
        admin.dispose()
        pytest.skip(f"cannot create a database: {error}")
    engine = make_engine(url.set(database=name).render_as_string(hide_password=False))
    try:
        yield engine
    finally:
        engine.dispose()
        with admin.connect() as connection:
            connection.execute(text(f'DROP DATABASE IF EXISTS "{name}"'))
        admin.dispose()


@pytest.mark.postgres
def test_postgres_migrations_up_check_down_up(fresh_postgres: Engine) -> None:
    up_check_down_up(fresh_postgres)


def test_the_test_database_matches_the_models(runtime: Runtime) -> None:
    assert migrate.pending_differences(runtime.engine) == []
    assert tables(runtime.engine) == LEDGER_TABLES


def test_decimal_text_keeps_17_digits_exactly(runtime: Runtime) -> None:
    load(runtime, ledger_document())
    exact = Decimal("123456789012345.67")
    tiny = Decimal("0.00000000000000001")
    with runtime.uow() as uow:
        line = uow.session.get(SovLine, LINES[0])
        contract = uow.session.get(Contract, CONTRACT)
        assert line is not None
        assert contract is not None
        line.quantity = exact
        line.unit_price = -exact
        contract.exchange_rate = tiny
        uow.commit()

    with runtime.uow(read_only=True) as uow:
        line = uow.session.get(SovLine, LINES[0])
        contract = uow.session.get(Contract, CONTRACT)
        assert line is not None
        assert contract is not None
        assert (line.quantity, line.unit_price, contract.exchange_rate) == (exact, -exact, tiny)
        assert isinstance(line.quantity, Decimal)
        assert str(line.quantity) == "123456789012345.67"
        assert line.quantity * 100 == Decimal("12345678901234567")


def test_utc_datetime_comes_back_aware_and_in_utc(runtime: Runtime) -> None:
    load(runtime, ledger_document())
    berlin = timezone(timedelta(hours=2))
    moment = datetime(2024, 3, 31, 1, 30, 15, 123456, tzinfo=berlin)
    with runtime.uow() as uow:
        company = uow.session.get(Company, COMPANY)
        assert company is not None
        company.created_at = moment
        uow.commit()

    with runtime.uow(read_only=True) as uow:
        stored = uow.session.scalar(select(Company.created_at).where(Company.id == COMPANY))
        everything = uow.session.scalars(select(Company.created_at)).all()
    assert stored == moment
    assert stored is not None
    assert stored.tzinfo is UTC
    assert stored.hour == 23
    assert stored.day == 30
    assert all(value.tzinfo is UTC for value in everything)

    with runtime.uow() as uow:
        company = uow.session.get(Company, COMPANY)
        assert company is not None
        company.created_at = datetime(2024, 1, 1)  # naive: refused, never guessed
        with pytest.raises(SQLAlchemyError, match="aware"):
            uow.flush()


def upgrade_0002_keeps_data(engine: Engine) -> None:
    """Rows written under 0001 come through 0002: a payment stored without a date takes the UTC
    day it was recorded, a contract keeps its over-billing setting, companies get the defaults
    (over-billing allowed, over-payment prevented)."""
    migrate.upgrade(engine, "0001")
    rows = [
        "INSERT INTO companies (id, name, base_currency, created_at) "
        "VALUES (1, 'Acme', 'USD', '2025-01-01 00:00:00')",
        "INSERT INTO parties (id, company_id, uuid, code, name, kind) "
        "VALUES (1, 1, 'p-1', 'V', 'Vendor', 'vendor')",
        "INSERT INTO projects (id, company_id, uuid, code, name, created_at) "
        "VALUES (1, 1, 'pr-1', 'P', 'Project', '2025-01-01 00:00:00')",
        "INSERT INTO contracts (id, company_id, project_id, uuid, kind, number, title, party_id,"
        " status, currency, exchange_rate, retainage_method, work_retainage_percent,"
        " materials_retainage_percent, retainage_steps, stored_materials, allow_overbilling,"
        " details, created_at, updated_at) VALUES (1, 1, 1, 'c-1', 'commitment', 'SC-1', 'T', 1,"
        " 'approved', 'USD', '1', 'cumulative', '10', '10', '[]', 'manual', false, '{}',"
        " '2025-01-01 00:00:00', '2025-01-01 00:00:00')",
        # Recorded late on 2025-03-04 UTC, with no date; and one dated.
        "INSERT INTO payments (id, company_id, project_id, contract_id, uuid, amount_cents, date,"
        " currency, exchange_rate, created_at, updated_at) VALUES (1, 1, 1, 1, 'pay-1', 100,"
        " NULL, 'USD', '1', '2025-03-04 23:59:59', '2025-03-04 23:59:59')",
        "INSERT INTO payments (id, company_id, project_id, contract_id, uuid, amount_cents, date,"
        " currency, exchange_rate, created_at, updated_at) VALUES (2, 1, 1, 1, 'pay-2', 100,"
        " '2024-12-31', 'USD', '1', '2025-03-04 10:00:00', '2025-03-04 10:00:00')",
    ]
    with engine.begin() as connection:
        for statement in rows:
            connection.execute(text(statement))
    migrate.upgrade(engine)
    with engine.connect() as connection:
        dates = connection.execute(text("SELECT id, date FROM payments ORDER BY id")).all()
        company = connection.execute(
            text("SELECT prevent_overbilling, prevent_overpayment FROM companies")
        ).one()
        contract = connection.execute(
            text("SELECT allow_overbilling, allow_overpayment FROM contracts")
        ).one()
    assert [(row[0], str(row[1])) for row in dates] == [(1, "2025-03-04"), (2, "2024-12-31")]
    assert tuple(company) == (False, True)
    assert tuple(contract) == (False, None)
    assert migrate.pending_differences(engine) == []
    migrate.downgrade(engine, "0001")  # and back: the columns go, the data stays
    with engine.connect() as connection:
        assert connection.execute(text("SELECT count(*) FROM payments")).scalar() == 2


def test_sqlite_0002_backfills_payment_dates(tmp_path: Path) -> None:
    engine = make_engine(f"sqlite:///{tmp_path / 'backfill.db'}")
    try:
        upgrade_0002_keeps_data(engine)
    finally:
        engine.dispose()


@pytest.mark.postgres
def test_postgres_0002_backfills_payment_dates(fresh_postgres: Engine) -> None:
    upgrade_0002_keeps_data(fresh_postgres)


def _kept_and_summed(engine: Engine) -> tuple[set[tuple[int, ...]], set[tuple[int, ...]]]:
    sums = ("advance_amount_cents", "recoupment_amount_cents", "current_payment_due_cents")
    with engine.connect() as connection:
        kept = connection.execute(
            text(
                f"SELECT contract_id, pay_app_count, {', '.join(sums)} FROM contract_pay_app_totals"
            )
        )
        summed = connection.execute(
            text(
                "SELECT contract_id, count(*), "
                + ", ".join(f"sum({name})" for name in sums)
                + " FROM pay_apps GROUP BY contract_id"
            )
        )
        return {tuple(map(int, row)) for row in kept}, {tuple(map(int, row)) for row in summed}


def upgrade_0015_sums_the_advances(engine: Engine, database_url: str, data_dir: Path) -> None:
    """The demo's applications, given advances and recoupments, taken down to 0014 (whose
    triggers keep no such sums) and changed there, then up again: 0015 sums what they hold,
    and its triggers keep the sums from then on."""
    runtime = build(database_url, data_dir=data_dir)
    try:
        fixtures.load_fixture_text(runtime.uow(), demo_fixture_text(), reset=True)
    finally:
        runtime.close()
    migrate.downgrade(engine, "0014")
    with engine.begin() as connection:
        connection.execute(
            text(
                "UPDATE pay_apps SET advance_amount_cents = 3 * id, recoupment_amount_cents = id,"
                " current_payment_due_cents = current_payment_due_cents + 1"
            )
        )
    migrate.upgrade(engine)
    kept, summed = _kept_and_summed(engine)
    assert any(row[2] for row in summed), "the demo has applications"
    assert kept == summed
    with engine.begin() as connection:
        connection.execute(text("UPDATE pay_apps SET advance_amount_cents = 7 WHERE id % 2 = 0"))
    kept, summed = _kept_and_summed(engine)
    assert kept == summed
    assert migrate.pending_differences(engine) == []


def test_sqlite_0015_sums_the_existing_advances(tmp_path: Path) -> None:
    url = f"sqlite:///{tmp_path / 'advances.db'}"
    engine = make_engine(url)
    try:
        upgrade_0015_sums_the_advances(engine, url, tmp_path)
    finally:
        engine.dispose()


@pytest.mark.postgres
def test_postgres_0015_sums_the_existing_advances(fresh_postgres: Engine, tmp_path: Path) -> None:
    url = fresh_postgres.url.render_as_string(hide_password=False)
    upgrade_0015_sums_the_advances(fresh_postgres, url, tmp_path)
