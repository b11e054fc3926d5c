"""The benchmark scripts keep working: short runs that must finish cleanly and print every row.

These check that the scripts ran, not how fast anything was. ``benchmarks/http.py --smoke`` runs
on its own SQLite file, or, in the PostgreSQL pass, on a scratch database next to the test
database; ``benchmarks/scale.py --smoke`` needs PostgreSQL and always gets a scratch database of
its own (``drawbridge_bench``, created and dropped here), never the test database's tables.
"""

from __future__ import annotations

import importlib.util
import os
import shutil
import subprocess
import sys
from collections.abc import Iterator
from pathlib import Path
from types import ModuleType

import pytest
from sqlalchemy import create_engine, func, select
from sqlalchemy.engine import make_url

from drawbridge.services import chain
from drawbridge.store.database import make_engine
from drawbridge.store.files import FileStore
from drawbridge.store.models import Contract, PayApp, Payment
from drawbridge.store.uow import UnitOfWork
from tests.conftest import POSTGRES_URL

BENCHMARKS = Path(__file__).resolve().parents[1] / "benchmarks"
SCRATCH_DATABASE = "drawbridge_bench"
RUN_TIMEOUT_S = 600

pytestmark = pytest.mark.slow


def load_script(name: str) -> ModuleType:
    """A benchmark script as a module (under another name: ``http`` is the standard library's)."""
    spec = importlib.util.spec_from_file_location(f"benchmark_{name}", BENCHMARKS / f"{name}.py")
    assert spec is not None
    assert spec.loader is not None
    module = importlib.util.module_from_spec(spec)
    sys.modules[spec.name] = module  # dataclasses look their module up there
    spec.loader.exec_module(module)
    return module


def run_script(name: str, *args: str, env: dict[str, str]) -> str:
    done = subprocess.run(
        [sys.executable, str(BENCHMARKS / f"{name}.py"), *args],
        env=env,
        capture_output=True,
        text=True,
        timeout=RUN_TIMEOUT_S,
        check=False,
    )
    assert done.returncode == 0, f"stdout:\n{done.stdout}\nstderr:\n{done.stderr[-5000:]}"
    return done.stdout


def table_rows(output: str, name: str) -> list[str]:
    return [line for line in output.splitlines() if line.startswith(f"| {name} |")]


@pytest.fixture
def scratch_postgres_url() -> Iterator[str]:
    """A fresh database on the test server, dropped afterwards (with anything still using it)."""
    assert POSTGRES_URL
    admin = create_engine(POSTGRES_URL, isolation_level="AUTOCOMMIT")
    drop = f"DROP DATABASE IF EXISTS {SCRATCH_DATABASE} WITH (FORCE)"
    try:
        with admin.connect() as connection:
            connection.exec_driver_sql(drop)
            connection.exec_driver_sql(f"CREATE DATABASE {SCRATCH_DATABASE}")
        yield (
            make_url(POSTGRES_URL)
            .set(database=SCRATCH_DATABASE)
            .render_as_string(hide_password=False)
        )
    finally:
        with admin.connect() as connection:
            connection.exec_driver_sql(drop)
        admin.dispose()


def script_env() -> dict[str, str]:
    env = dict(os.environ)
    for name in ("DRAWBRIDGE_DATABASE_URL", "DRAWBRIDGE_BENCH_DATABASE_URL"):
        env.pop(name, None)
    return env


def wrk_missing_reason() -> str | None:
    if shutil.which("wrk") or (os.geteuid() == 0 and shutil.which("apt-get")):
        return None
    return "wrk is not installed and cannot be installed here (not root): apt-get install wrk"


@pytest.fixture
def http_database(request: pytest.FixtureRequest) -> str | None:
    """In the PostgreSQL pass, a scratch PostgreSQL database; else None (the script's SQLite)."""
    if not POSTGRES_URL:
        return None
    url: str = request.getfixturevalue("scratch_postgres_url")
    return url


def test_http_benchmark_smoke_run_prints_every_endpoint(http_database: str | None) -> None:
    reason = wrk_missing_reason()
    if reason:
        pytest.skip(reason)
    args = ["--smoke", *(["--database", http_database] if http_database else [])]

    output = run_script("http", *args, env=script_env())

    assert "| endpoint | clients | req/s | p50 ms | p95 ms | p99 ms | non-2xx |" in output
    for endpoint in load_script("http").ENDPOINTS:
        rows = table_rows(output, endpoint.name)
        # A write is measured at one client and at 16; a read at 16.
        assert [row.split(" | ")[1] for row in rows] == (["1", "16"] if endpoint.writes else ["16"])
        for row in rows:
            cells = [cell.strip() for cell in row.strip("|").split("|")]
            if cells[2].startswith("skipped"):
                assert endpoint.optional, row  # only a face not mounted yet may be skipped
            else:
                assert cells[6] == "0", row  # non-2xx: a benchmark of errors measures nothing


@pytest.mark.postgres
def test_scale_benchmark_smoke_run_prints_every_list_and_stores_engine_figures(
    scratch_postgres_url: str, tmp_path: Path
) -> None:
    env = script_env() | {"DRAWBRIDGE_BENCH_DATABASE_URL": scratch_postgres_url}

    output = run_script("scale", "--smoke", env=env)

    for endpoint in load_script("scale").LISTS:
        assert len(table_rows(output, endpoint.name)) == 1, endpoint.name
    assert "server memory (one worker): RSS" in output
    # SMOKE: 2 projects, 4 contracts, 12 pay applications (3 a contract), 36 payments (3 each).
    engine = make_engine(scratch_postgres_url)
    try:
        with engine.connect() as connection:
            counted = [
                connection.scalar(select(func.count()).select_from(model))
                for model in (Contract, PayApp, Payment)
            ]
            assert counted == [4, 12, 36]
            # The payments of each pay application add up to its current payment due, exactly.
            unpaid = connection.execute(
                select(PayApp.id)
                .join(Payment, Payment.pay_app_id == PayApp.id)
                .group_by(PayApp.id, PayApp.current_payment_due_cents)
                .having(func.sum(Payment.amount_cents) != PayApp.current_payment_due_cents)
            ).all()
            assert unpaid == []
        # The stored figures are the engine's: recomputing every chain changes nothing.
        uow = UnitOfWork(engine, FileStore(tmp_path))
        with uow:
            for contract in uow.repo.contracts(1):
                chain.recompute(uow, contract)
                changed = [row for row in uow.session.dirty if uow.session.is_modified(row)]
                assert changed == [], contract.number
    finally:
        engine.dispose()
