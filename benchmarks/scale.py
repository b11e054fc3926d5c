"""How the list endpoints hold up on a big ledger in PostgreSQL: prints figures, asserts nothing.

    DRAWBRIDGE_BENCH_DATABASE_URL=postgresql+psycopg://.../scratch \\
        .venv/bin/python benchmarks/scale.py [--payments 1000000] [--requests 50] [--smoke]
        [--no-fill] [--only "ACC payments"]

1. Fills the database (created when missing, and EMPTIED first: name a scratch one) with one
   company, 200 projects, 2,000 contracts (the first of each project a prime contract, the others
   commitments) of 5 SOV lines each, 100,000 pay applications (50 a contract, all approved) and
   1,000,000 payments (10 a pay application, together exactly its current payment due).
2. Starts ``drawbridge serve`` on it and times every face's list endpoints with their filters and
   sorts: the p50 of REQUESTS sequential requests each, on one kept-alive connection.
3. Runs each list once more in this process with SQLAlchemy's statement events on: the time
   in the database driver against the whole request tells queries from rendering apart, and
   PostgreSQL ``EXPLAIN``s every SELECT it issued: a sequential scan of a big table (pay_apps,
   pay_app_lines, payments) is a query that grows with the whole ledger.
4. Reads the server's resident memory (RSS, and its peak) from /proc: ``serve`` is one worker.

It prints each figure next to its target (p50 < 50 ms, no sequential scan of a big table,
RSS < 200 MB) and whether it passes. ``--smoke`` uses tiny counts and a few requests.

The shortcut that makes the fill take minutes, not hours: the structure (company, token,
parties, projects, contracts, SOV lines) is loaded as an ordinary fixture, but the pay
applications and payments are not created one request at a time. For each contract its whole
chain is computed in memory by the one billing engine (``domain.billing.compute_chain``, the
function every write calls), and the engine's figures are written with PostgreSQL's COPY into
the columns the services would write them to (``services.chain``'s column maps). The stored
figures are therefore exactly what a recompute would produce; only the per-request overhead,
the audit trail and the per-write locking are skipped. Payments are split from each pay
application's line 8 with ``domain.money.allocate``, so none over-pays.
"""

from __future__ import annotations

import sys
from pathlib import Path

# Run as a script, this folder comes first on sys.path, and its http.py would shadow the standard
# library's ``http`` package.
if sys.path and Path(sys.path[0]).resolve() == Path(__file__).resolve().parent:
    sys.path.pop(0)

import argparse
import http.client
import json
import os
import socket
import statistics
import subprocess
import tempfile
import time
import uuid
from collections.abc import Callable, Iterable, Iterator, Sequence
from contextlib import contextmanager
from dataclasses import dataclass, field
from datetime import UTC, date, datetime, timedelta
from decimal import Decimal
from typing import Any
from urllib.parse import quote

from rich.console import Console
from rich.progress import Progress
from sqlalchemy import Column, Connection, Engine, Table, create_engine, event, text
from sqlalchemy.engine import make_url

from drawbridge.domain.billing import (
    ApplicationEntry,
    BillingTerms,
    LineEntry,
    LineKind,
    LineRef,
    ScheduledLine,
    compute_chain,
)
from drawbridge.domain.money import allocate
from drawbridge.services import fixtures
from drawbridge.services.chain import LINE_COLUMNS, SUMMARY_COLUMNS
from drawbridge.store import migrate
from drawbridge.store.database import make_engine
from drawbridge.store.files import FileStore
from drawbridge.store.models import PayApp, PayAppLine, Payment
from drawbridge.store.repositories import empty_all_tables, sync_id_sequences
from drawbridge.store.uow import UnitOfWork

P50_TARGET_MS = 50.0
RSS_TARGET_MB = 200.0
BIG_TABLES = frozenset({"pay_apps", "pay_app_lines", "payments"})
COMPANY_ID = 1
TOKEN = "scale-admin-token-0001"
LINES_PER_CONTRACT = 5
NAMESPACE = uuid.UUID("6c1d0a5e-9a43-4d36-8a1f-5ca1e0000000")
FIRST_PERIOD = date(2020, 1, 1)
CONTRACTS_PER_COPY = 100  # contracts whose rows are computed and copied together
console = Console(stderr=True)


@dataclass(frozen=True)
class Shape:
    """How big the ledger is; each level is spread evenly over the one above it."""

    projects: int
    contracts: int
    pay_apps: int
    payments: int

    @property
    def contracts_per_project(self) -> int:
        return self.contracts // self.projects

    @property
    def pay_apps_per_contract(self) -> int:
        return self.pay_apps // self.contracts

    @property
    def payments_per_pay_app(self) -> int:
        return self.payments // self.pay_apps

    def check(self) -> None:
        if not 0 < self.projects <= self.contracts <= self.pay_apps <= self.payments:
            raise SystemExit("need 0 < projects <= contracts <= pay applications <= payments")


FULL = Shape(projects=200, contracts=2_000, pay_apps=100_000, payments=1_000_000)
SMOKE = Shape(projects=2, contracts=4, pay_apps=12, payments=36)


def stable_uuid(kind: str, number: int) -> str:
    return str(uuid.uuid5(NAMESPACE, f"{kind}-{number}"))


def project_of(contract_id: int, shape: Shape) -> int:
    return (contract_id - 1) // shape.contracts_per_project + 1


def is_prime(contract_id: int, shape: Shape) -> bool:
    return (contract_id - 1) % shape.contracts_per_project == 0


def sov_line_id(contract_id: int, position: int) -> int:
    return (contract_id - 1) * LINES_PER_CONTRACT + position


def scheduled_value(contract_id: int, position: int) -> int:
    """100,000.00 .. 999,999.00, varied by contract and line (cents)."""
    return (100_000 + (contract_id * 7_919 + position * 104_729) % 900_000) * 100


# -- 1. the structure, as a fixture ---------------------------------------------------------------
def structure_fixture(shape: Shape) -> dict[str, Any]:
    """Company, token, parties, projects, contracts and SOV lines (no history)."""
    contracts_of: dict[int, list[dict[str, Any]]] = {p: [] for p in range(1, shape.projects + 1)}
    for contract_id in range(1, shape.projects * shape.contracts_per_project + 1):
        prime = is_prime(contract_id, shape)
        contracts_of[project_of(contract_id, shape)].append(
            {
                "id": contract_id,
                "uuid": stable_uuid("contract", contract_id),
                "kind": "prime" if prime else "commitment",
                "number": f"C-{contract_id:05d}",
                "title": f"{'Owner contract' if prime else 'Subcontract'} {contract_id}",
                "party": "OWNER" if prime else f"SUB-{contract_id % 50:02d}",
                "retainage": {"work_percent": "10"},
                "line_items": [
                    {
                        "id": sov_line_id(contract_id, position),
                        "number": str(position),
                        "description": f"Scope {position}",
                        "scheduled_value": f"{scheduled_value(contract_id, position) / 100:.2f}",
                    }
                    for position in range(1, LINES_PER_CONTRACT + 1)
                ],
            }
        )
    parties = [{"code": "OWNER", "name": "Scale Owner LLC", "kind": "customer"}] + [
        {"code": f"SUB-{n:02d}", "name": f"Subcontractor {n}", "kind": "vendor"} for n in range(50)
    ]
    return {
        "companies": [
            {
                "id": COMPANY_ID,
                "name": "Scale Builders",
                "users": [{"email": "scale@scale.test", "role": "admin", "tokens": [TOKEN]}],
                "parties": parties,
                "projects": [
                    {
                        "id": project_id,
                        "uuid": stable_uuid("project", project_id),
                        "code": f"P{project_id:04d}",
                        "name": f"Project {project_id}",
                        "contracts": contracts,
                    }
                    for project_id, contracts in contracts_of.items()
                ],
            }
        ]
    }


# -- 2. the history, computed by the engine and copied -------------------------------------------
class CopyRows:
    """Rows of one table for COPY: the values given, every other column as the ORM fills it."""

    def __init__(self, table: Table, connection: Connection) -> None:
        self.table = table
        self.names = [column.name for column in table.columns]
        dialect = connection.dialect
        self.process = [column.type.bind_processor(dialect) for column in table.columns]
        self.defaults = [_default_of(column) for column in table.columns]

    def row(self, values: dict[str, Any]) -> tuple[Any, ...]:
        out = []
        for name, process, default in zip(self.names, self.process, self.defaults, strict=True):
            value = values[name] if name in values else default()
            out.append(process(value) if process is not None and value is not None else value)
        return tuple(out)

    def copy(self, connection: Connection, rows: Iterable[dict[str, Any]]) -> None:
        columns = ", ".join(f'"{name}"' for name in self.names)
        driver = connection.connection.driver_connection  # psycopg's, inside our transaction
        with (
            driver.cursor() as cursor,  # type: ignore[union-attr]
            cursor.copy(f"COPY {self.table.name} ({columns}) FROM STDIN") as copy,
        ):
            for values in rows:
                copy.write_row(self.row(values))


def _default_of(column: Column[Any]) -> Callable[[], Any]:
    """What the ORM would store in ``column`` when a row names no value for it."""
    default: Any = column.default
    if default is None:
        return lambda: None
    if default.is_callable:
        return lambda: default.arg(None)  # SQLAlchemy's wrapper of the model's callable
    return lambda: default.arg


@dataclass
class Batch:
    pay_apps: list[dict[str, Any]] = field(default_factory=list)
    lines: list[dict[str, Any]] = field(default_factory=list)
    payments: list[dict[str, Any]] = field(default_factory=list)


def month(number: int) -> tuple[date, date]:
    """The first and last day of the ``number``-th month from FIRST_PERIOD (1-based)."""
    index = FIRST_PERIOD.month - 1 + number - 1
    start = date(FIRST_PERIOD.year + index // 12, index % 12 + 1, 1)
    following = date(start.year + start.month // 12, start.month % 12 + 1, 1)
    return start, following - timedelta(days=1)


def contract_history(contract_id: int, shape: Shape, ids: dict[str, int], batch: Batch) -> None:
    """One contract's pay applications, their lines and payments, as the engine figures them."""
    apps = shape.pay_apps_per_contract
    schedule = [
        ScheduledLine(
            LineRef(LineKind.SOV, sov_line_id(contract_id, position)),
            scheduled_value(contract_id, position),
        )
        for position in range(1, LINES_PER_CONTRACT + 1)
    ]
    # Each application bills an even share of every line: the lines finish with the last one.
    entries = [
        ApplicationEntry(
            lines=schedule,
            entries={
                line.ref: LineEntry(work_completed_this_period=line.scheduled_value // apps)
                for line in schedule
            },
        )
        for _ in range(apps)
    ]
    terms = BillingTerms(work_percent=Decimal(10), materials_percent=Decimal(10))
    now = datetime.now(UTC)
    project_id = project_of(contract_id, shape)
    for number, figures in enumerate(compute_chain(terms, entries), start=1):
        ids["pay_app"] += 1
        pay_app_id = ids["pay_app"]
        start, end = month(number)
        invoice = f"INV-{contract_id}-{number}"
        pay_app = {
            "id": pay_app_id,
            "company_id": COMPANY_ID,
            "project_id": project_id,
            "contract_id": contract_id,
            "uuid": stable_uuid("pay_app", pay_app_id),
            "number": number,
            "status": "approved",
            "start_date": start,
            "end_date": end,
            "billing_date": end,
            "submitted_at": end,
            "invoice_number": invoice,
            "approved_at": now,
            "created_at": now,
            "updated_at": now,
        }
        pay_app |= {
            column: getattr(figures.summary, name) for name, column in SUMMARY_COLUMNS.items()
        }
        batch.pay_apps.append(pay_app)
        inputs = entries[number - 1].entries
        for position, line in enumerate(figures.lines, start=1):
            ids["line"] += 1
            row = {
                "id": ids["line"],
                "company_id": COMPANY_ID,
                "pay_app_id": pay_app_id,
                "sov_line_id": line.ref.id,
                "position": position,
                "work_completed_this_period_input_cents": inputs[
                    line.ref
                ].work_completed_this_period,
            }
            row |= {column: getattr(line, name) for name, column in LINE_COLUMNS.items()}
            batch.lines.append(row)
        due = figures.summary.current_payment_due
        parts = allocate(due, [1] * shape.payments_per_pay_app)
        for index, amount in enumerate(parts, start=1):
            if amount <= 0:
                continue
            ids["payment"] += 1
            batch.payments.append(
                {
                    "id": ids["payment"],
                    "company_id": COMPANY_ID,
                    "project_id": project_id,
                    "contract_id": contract_id,
                    "pay_app_id": pay_app_id,
                    "uuid": stable_uuid("payment", ids["payment"]),
                    "amount_cents": amount,
                    "date": end + timedelta(days=20 + index),
                    "payment_method": "check",
                    "check_number": f"{pay_app_id}-{index}",
                    "invoice_number": invoice,
                    "currency": "USD",
                    "created_at": now,
                    "updated_at": now,
                }
            )


def ensure_database(url: str) -> None:
    """Create the scratch database on its server when it does not exist yet."""
    target = make_url(url)
    server = create_engine(target.set(database="postgres"), isolation_level="AUTOCOMMIT")
    try:
        with server.connect() as connection:
            exists = connection.scalar(
                text("SELECT 1 FROM pg_database WHERE datname = :name"),
                {"name": target.database},
            )
            if not exists:
                console.print(f"creating the database {target.database}")
                name = connection.dialect.identifier_preparer.quote(target.database or "")
                connection.exec_driver_sql(f"CREATE DATABASE {name}")
    finally:
        server.dispose()


def fill(engine: Engine, shape: Shape) -> None:
    migrate.upgrade(engine)
    with engine.begin() as connection:
        empty_all_tables(connection)
    started = time.perf_counter()
    with tempfile.TemporaryDirectory() as files:
        uow = UnitOfWork(engine, FileStore(Path(files)))
        console.print(
            f"loading the structure: {shape.projects} projects, {shape.contracts} contracts"
        )
        fixtures.load_fixture_text(uow, json.dumps(structure_fixture(shape)))
    console.print(f"  done in {time.perf_counter() - started:.1f}s")
    contracts = shape.projects * shape.contracts_per_project
    ids = {"pay_app": 0, "line": 0, "payment": 0}
    with engine.begin() as connection, Progress(console=console) as progress:
        task = progress.add_task("pay applications and payments", total=contracts)
        tables = {
            "pay_apps": CopyRows(PayApp.__table__, connection),  # type: ignore[arg-type]
            "lines": CopyRows(PayAppLine.__table__, connection),  # type: ignore[arg-type]
            "payments": CopyRows(Payment.__table__, connection),  # type: ignore[arg-type]
        }
        for first in range(1, contracts + 1, CONTRACTS_PER_COPY):
            batch = Batch()
            chunk = range(first, min(first + CONTRACTS_PER_COPY, contracts + 1))
            for contract_id in chunk:
                contract_history(contract_id, shape, ids, batch)
            tables["pay_apps"].copy(connection, batch.pay_apps)
            tables["lines"].copy(connection, batch.lines)
            tables["payments"].copy(connection, batch.payments)
            progress.advance(task, len(chunk))
        sync_id_sequences(connection)
    console.print(
        f"  {ids['pay_app']:,} pay applications, {ids['line']:,} lines, {ids['payment']:,}"
        f" payments; {time.perf_counter() - started:.0f}s in all; VACUUM ANALYZE"
    )
    with engine.connect().execution_options(isolation_level="AUTOCOMMIT") as connection:
        connection.exec_driver_sql("VACUUM ANALYZE")


# -- 3. the lists, timed over HTTP and explained ---------------------------------------------------
PROCORE = {"Authorization": f"Bearer {TOKEN}", "Procore-Company-Id": str(COMPANY_ID)}
BEARER = {"Authorization": f"Bearer {TOKEN}"}
PRODUCTIVE = {"X-Auth-Token": TOKEN, "X-Organization-Id": str(COMPANY_ID)}


@dataclass(frozen=True)
class ListEndpoint:
    """A list to time. The path may name {project}, {container} (its uuid), {commitment},
    {commitment_uuid} and {prime}: a project in the middle of the ledger and two of its contracts;
    {invoice}, the commitment's first pay application, {invoices_of_commitment} its others (commas);
    {month_start} and {month_end}, a month of
    payments in the middle of the ledger's history.
    """

    name: str
    path: str
    headers: dict[str, str]
    optional: bool = False  # its face may not be mounted yet: a 404 skips it


LISTS: tuple[ListEndpoint, ...] = (
    ListEndpoint(
        "Procore requisitions of a project (per_page 25)",
        "/rest/v1.1/requisitions?project_id={project}&per_page=25",
        PROCORE,
    ),
    ListEndpoint(
        "Procore requisitions of a commitment, latest only",
        "/rest/v1.1/requisitions?project_id={project}&filters[commitment_id]={commitment}"
        "&filters[is_last]=true",
        PROCORE,
    ),
    ListEndpoint(
        "Procore contract payments of a commitment (per_page 100)",
        "/rest/v1.0/contract_payments?project_id={project}&contract_id={commitment}&per_page=100",
        PROCORE,
    ),
    ListEndpoint(
        "Procore contract payments of a project (per_page 100)",
        "/rest/v1.0/contract_payments?project_id={project}&per_page=100",
        PROCORE,
    ),
    ListEndpoint(
        "ACC payments of a contract, newest first (limit 100)",
        "/cost/v1/containers/{container}/payments?filter[associationId]={commitment_uuid}"
        "&sort=number desc&limit=100",
        BEARER,
    ),
    ListEndpoint(
        "ACC payments of a project (limit 100)",
        "/cost/v1/containers/{container}/payments?limit=100",
        BEARER,
    ),
    ListEndpoint(
        "ACC payments of a project, status paid (limit 100)",
        "/cost/v1/containers/{container}/payments?filter[status]=paid&limit=100",
        BEARER,
    ),
    ListEndpoint(
        "Intacct project contracts",
        "/ia/api/v1/objects/construction/project-contract",
        BEARER,
        optional=True,
    ),
    ListEndpoint(
        "Intacct project contract lines",
        "/ia/api/v1/objects/construction/project-contract-line",
        BEARER,
        optional=True,
    ),
    ListEndpoint("Productive payments", "/api/v2/payments", PRODUCTIVE, optional=True),
    ListEndpoint(
        "Productive payments, newest first",
        "/api/v2/payments?sort=-date",
        PRODUCTIVE,
        optional=True,
    ),
    ListEndpoint(
        "Productive payments, largest first",
        "/api/v2/payments?sort=-amount",
        PRODUCTIVE,
        optional=True,
    ),
    ListEndpoint(
        "Productive payments of a project, newest first",
        "/api/v2/payments?filter[project_id]={project}&sort=-paid_on",
        PRODUCTIVE,
        optional=True,
    ),
    ListEndpoint(
        "Productive payments of an invoice",
        "/api/v2/payments?filter[invoice_id]={invoice}",
        PRODUCTIVE,
        optional=True,
    ),
    ListEndpoint(
        "Productive payments paid in a month",
        "/api/v2/payments?filter[paid_after]={month_start}&filter[paid_before]={month_end}",
        PRODUCTIVE,
        optional=True,
    ),
    ListEndpoint("Productive invoices", "/api/v2/invoices", PRODUCTIVE, optional=True),
    ListEndpoint(
        "Productive invoices of a project, newest first",
        "/api/v2/invoices?filter[project_id]={project}&sort=-date",
        PRODUCTIVE,
        optional=True,
    ),
    ListEndpoint(
        "Productive invoices of a project, largest first",
        "/api/v2/invoices?filter[project_id]={project}&sort=-amount",
        PRODUCTIVE,
        optional=True,
    ),
    ListEndpoint(
        "Productive invoices by id",
        "/api/v2/invoices?filter[id]={invoice},{invoices_of_commitment}",
        PRODUCTIVE,
        optional=True,
    ),
)


def url_path(endpoint: ListEndpoint, shape: Shape) -> str:
    project = shape.projects // 2 + 1
    prime = (project - 1) * shape.contracts_per_project + 1
    commitment = prime + 1 if shape.contracts_per_project > 1 else prime
    start, end = month(max(1, shape.pay_apps_per_contract // 2))
    first_invoice = (commitment - 1) * shape.pay_apps_per_contract + 1
    path = endpoint.path.format(
        invoice=first_invoice,
        invoices_of_commitment=",".join(
            str(first_invoice + n) for n in range(1, shape.pay_apps_per_contract)
        ),
        month_start=start.isoformat(),
        month_end=end.isoformat(),
        project=project,
        container=stable_uuid("project", project),
        commitment=commitment,
        commitment_uuid=stable_uuid("contract", commitment),
        prime=prime,
    )
    return quote(path, safe="/?&=,:-")


@dataclass
class Measured:
    endpoint: ListEndpoint
    path: str
    status: int = 0
    timings_ms: list[float] = field(default_factory=list)  # computed afresh
    cached_timings_ms: list[float] = field(default_factory=list)  # from the response cache
    statements: int = 0
    seq_scans: list[str] = field(default_factory=list)
    in_process_ms: float = 0.0  # one request run in this process
    sql_ms: float = 0.0  # of which in the database driver

    @property
    def skipped(self) -> bool:
        return self.endpoint.optional and self.status == 404

    @property
    def p50_ms(self) -> float:
        return statistics.median(self.timings_ms) if self.timings_ms else float("nan")

    @property
    def cached_p50_ms(self) -> float:
        timings = self.cached_timings_ms
        return statistics.median(timings) if timings else float("nan")


def free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        port: int = probe.getsockname()[1]
        return port


@contextmanager
def server(url: str, data_dir: Path, log: Path) -> Iterator[tuple[subprocess.Popen[bytes], int]]:
    """``drawbridge serve`` on a free port; stopped on the way out, whatever happens."""
    port = free_port()
    script = Path(sys.executable).with_name("drawbridge")
    command = [str(script)] if script.exists() else [sys.executable, "-m", "drawbridge.cli"]
    env = dict(os.environ, DRAWBRIDGE_DATA_DIR=str(data_dir))
    with log.open("ab") as out:
        process = subprocess.Popen(
            [*command, "serve", "--port", str(port), "--database", url],
            stdout=out,
            stderr=subprocess.STDOUT,
            env=env,
        )
    try:
        deadline = time.monotonic() + 60
        while True:
            if process.poll() is not None or time.monotonic() > deadline:
                raise SystemExit(f"the server did not start:\n{log.read_text()[-3000:]}")
            try:
                connection = http.client.HTTPConnection("127.0.0.1", port, timeout=5)
                connection.request("GET", "/healthz")
                if connection.getresponse().status == 200:
                    break
            except OSError:
                time.sleep(0.2)
        yield process, port
    finally:
        if process.poll() is None:
            process.terminate()
            try:
                process.wait(timeout=10)
            except subprocess.TimeoutExpired:
                process.kill()
                process.wait()


def time_lists(port: int, measured: Sequence[Measured], requests: int) -> None:
    """Each list computed afresh (``Cache-Control: no-cache``: what a read costs after a write,
    the figure the target is for), then answered from the response cache."""
    connection = http.client.HTTPConnection("127.0.0.1", port, timeout=120)
    for item in measured:
        for headers, timings in (
            (computed(item.endpoint.headers), item.timings_ms),
            (item.endpoint.headers, item.cached_timings_ms),
        ):
            for attempt in range(requests + 1):  # the first one warms up and is not counted
                started = time.perf_counter()
                connection.request("GET", item.path, headers=headers)
                answer = connection.getresponse()
                answer.read()
                elapsed = (time.perf_counter() - started) * 1000
                item.status = answer.status
                if answer.status != 200:
                    break
                if attempt:
                    timings.append(elapsed)
        console.print(
            f"  {item.endpoint.name}: {item.status}, p50 {item.p50_ms:.1f} ms,"
            f" from the cache {item.cached_p50_ms:.1f} ms"
        )
    connection.close()


def computed(headers: dict[str, str]) -> dict[str, str]:
    """The request, asking for an answer computed now rather than one the server kept."""
    return {**headers, "Cache-Control": "no-cache"}


def memory_mb(pid: int) -> tuple[float, float]:
    """The process's resident memory now and at its peak (VmRSS, VmHWM), in MB."""
    values = {}
    for line in Path(f"/proc/{pid}/status").read_text().splitlines():
        name, _, rest = line.partition(":")
        if name in ("VmRSS", "VmHWM"):
            values[name] = int(rest.split()[0]) / 1024
    return values["VmRSS"], values["VmHWM"]


def explain_lists(engine: Engine, url: str, measured: Sequence[Measured], data_dir: Path) -> None:
    """Each list in-process with every statement timed (a warm-up request first); every SELECT
    the measured request issued is EXPLAINed and big-table sequential scans noted."""
    from fastapi.testclient import TestClient

    from drawbridge.api.app import create_app
    from drawbridge.bootstrap import build

    runtime = build(url, data_dir=data_dir, run_migrations=False)
    issued: list[tuple[str, Any]] = []
    in_sql = [0.0]  # seconds spent in the driver's execute, this request

    def started(conn: Any, cursor: Any, statement: str, *args: Any) -> None:
        conn.info["benchmark_started"] = time.perf_counter()

    def finished(
        conn: Any, cursor: Any, statement: str, parameters: Any, context: Any, many: bool
    ) -> None:
        in_sql[0] += time.perf_counter() - conn.info.pop("benchmark_started")
        if not many and statement.lstrip().upper().startswith("SELECT"):
            issued.append((statement, parameters))

    event.listen(runtime.engine, "before_cursor_execute", started)
    event.listen(runtime.engine, "after_cursor_execute", finished)
    try:
        with TestClient(create_app(runtime)) as client, engine.connect() as connection:
            for item in measured:
                if item.status != 200:
                    continue
                client.get(item.path, headers=computed(item.endpoint.headers))
                issued.clear()
                in_sql[0] = 0.0
                began = time.perf_counter()
                client.get(item.path, headers=computed(item.endpoint.headers))
                item.in_process_ms = (time.perf_counter() - began) * 1000
                item.sql_ms = in_sql[0] * 1000
                item.statements = len(issued)
                for statement, parameters in issued:
                    plan = connection.exec_driver_sql(
                        "EXPLAIN (FORMAT JSON) " + statement, parameters
                    ).scalar_one()
                    plan = json.loads(plan) if isinstance(plan, str) else plan
                    item.seq_scans.extend(seq_scans(plan[0]["Plan"]))
    finally:
        event.remove(runtime.engine, "before_cursor_execute", started)
        event.remove(runtime.engine, "after_cursor_execute", finished)
        runtime.close()


def seq_scans(node: dict[str, Any]) -> Iterator[str]:
    if node.get("Node Type") == "Seq Scan" and node.get("Relation Name") in BIG_TABLES:
        yield str(node["Relation Name"])
    for child in node.get("Plans", ()):
        yield from seq_scans(child)


# -- the report ------------------------------------------------------------------------------------
def verdict(passed: bool) -> str:
    return "pass" if passed else "FAIL"


def report(
    shape: Shape, measured: Sequence[Measured], rss: tuple[float, float], requests: int
) -> str:
    lines = [
        f"drawbridge at scale, {datetime.now(UTC):%Y-%m-%d %H:%M} UTC, PostgreSQL, {os.cpu_count()}"
        f" CPUs: {shape.projects:,} projects, {shape.contracts:,} contracts,"
        f" {shape.pay_apps:,} pay applications, {shape.payments:,} payments;"
        f" p50 of {requests} requests each",
        "",
        "| list | p50 ms (< 50) | in-process ms | of it SQL ms | SELECTs"
        " | seq scans of big tables (none) | result | p50 ms from the cache |",
        "|---|--:|--:|--:|--:|---|---|--:|",
    ]
    for item in measured:
        if item.skipped:
            lines.append(f"| {item.endpoint.name} | skipped: the face answers 404 | | | | | | |")
            continue
        if item.status != 200:
            lines.append(f"| {item.endpoint.name} | answered {item.status} | | | | | FAIL | |")
            continue
        scans = ", ".join(sorted(set(item.seq_scans))) or "none"
        passed = item.p50_ms < P50_TARGET_MS and not item.seq_scans
        lines.append(
            f"| {item.endpoint.name} | {item.p50_ms:.1f} | {item.in_process_ms:.0f}"
            f" | {item.sql_ms:.0f} | {item.statements} | {scans} | {verdict(passed)}"
            f" | {item.cached_p50_ms:.1f} |"
        )
    now, peak = rss
    lines += [
        "",
        f"server memory (one worker): RSS {now:.0f} MB, peak {peak:.0f} MB (< {RSS_TARGET_MB:.0f}):"
        f" {verdict(peak < RSS_TARGET_MB)}",
        "",
    ]
    lines += [f"- {item.endpoint.name}: `GET {item.path}`" for item in measured]
    if shape == SMOKE:
        lines.append(
            "\n(--smoke: on tables this small PostgreSQL rightly prefers sequential scans and"
            " timings are noise; these verdicts mean nothing)"
        )
    return "\n".join(lines)


def main() -> None:
    parser = argparse.ArgumentParser(description=(__doc__ or "").splitlines()[0])
    parser.add_argument("--payments", type=int, default=FULL.payments)
    parser.add_argument("--pay-apps", type=int, default=FULL.pay_apps)
    parser.add_argument("--contracts", type=int, default=FULL.contracts)
    parser.add_argument("--projects", type=int, default=FULL.projects)
    parser.add_argument("--requests", type=int, default=50, help="timed requests per list")
    parser.add_argument("--smoke", action="store_true", help="tiny counts, 3 requests a list")
    parser.add_argument("--no-fill", action="store_true", help="measure the database as it is")
    parser.add_argument(
        "--only",
        action="append",
        default=[],
        metavar="TEXT",
        help="measure only the lists whose name contains TEXT (repeatable)",
    )
    args = parser.parse_args()
    url = os.environ.get("DRAWBRIDGE_BENCH_DATABASE_URL", "")
    if not url.startswith("postgresql"):
        raise SystemExit(
            "set DRAWBRIDGE_BENCH_DATABASE_URL to a SCRATCH PostgreSQL database"
            " (postgresql+psycopg://...; created when missing): it is emptied first"
        )
    shape = (
        SMOKE if args.smoke else Shape(args.projects, args.contracts, args.pay_apps, args.payments)
    )
    requests = 3 if args.smoke else args.requests
    shape.check()
    ensure_database(url)
    engine = make_engine(url)
    try:
        if not args.no_fill:
            fill(engine, shape)
        chosen = [
            endpoint
            for endpoint in LISTS
            if not args.only or any(text in endpoint.name for text in args.only)
        ]
        measured = [Measured(endpoint, url_path(endpoint, shape)) for endpoint in chosen]
        with tempfile.TemporaryDirectory() as folder:
            data_dir, log = Path(folder) / "data", Path(folder) / "server.log"
            console.print(f"timing each list: {requests} requests")
            with server(url, data_dir, log) as (process, port):
                time_lists(port, measured, requests)
                rss = memory_mb(process.pid)
            console.print("explaining every SELECT of each list")
            explain_lists(engine, url, measured, data_dir)
    finally:
        engine.dispose()
    print(report(shape, measured, rss, requests))


if __name__ == "__main__":
    main()
