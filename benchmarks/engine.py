"""How fast the ledger core is on a big contract: prints figures, asserts nothing.

    .venv/bin/python benchmarks/engine.py [--lines 1000] [--apps 36]
    DRAWBRIDGE_BENCH_DATABASE_URL=$(bash scripts/postgres.sh) .venv/bin/python benchmarks/engine.py

(a) the billing engine alone: ``compute_chain`` over a contract of LINES SOV lines through APPS
    applications (best of 3);
(b) the stored path: the same contract built through the services (``create_pay_app``, one
    transaction per application, exactly as a client's requests would) into a fresh database,
    then ``get_pay_app`` of the last application, loaded and rendered with every line (best of 5).
    On SQLite (a temporary file) and, when DRAWBRIDGE_BENCH_DATABASE_URL is set, on PostgreSQL.
    That database is EMPTIED first (every ledger table), so point it at a scratch database.

(c) writes, on each database: ``create_pay_app`` of the next application of a contract of
    ``--write-lines`` (1,000) lines, every line billed (median of the 10 creates of applications
    3 to 12, each with a previous application to compute from), and an admin's edit to
    application 1 of a chain of ``--chain-apps`` (100) applications of a ``--chain-lines`` (50)
    line contract, once changing one line's work (every later application's figures follow) and
    once changing only its note (no figure changes), each median of 3. Every edit recomputes the
    chain exactly as a request would (computed first in a read-only transaction, then stored in
    the write transaction). Next to each figure ("whole": from the call to its answer): how long
    its write transaction stayed open ("held"; on SQLite, how long it held the write lock).
    Then ``get_pay_app`` of the last created application, loaded and rendered with its
    ``--write-lines`` lines (median of 9, after one untimed read): the show of (b) on the same
    contract the creates built, so that ``--writes-only`` gives both.

``--profile`` prints a cProfile of one ``create_pay_app`` (the last one) for each database.
"""

from __future__ import annotations

import argparse
import cProfile
import gc
import io
import os
import pstats
import sys
import tempfile
import time
from collections.abc import Callable
from pathlib import Path
from typing import Any

import yaml
from sqlalchemy import event

from drawbridge.bootstrap import Runtime, Settings
from drawbridge.domain.billing import (
    ApplicationEntry,
    BillingTerms,
    LineEntry,
    LineKind,
    LineRef,
    ScheduledLine,
    compute_chain,
)
from drawbridge.domain.rules import Role, Scope
from drawbridge.services import fixtures, pay_apps
from drawbridge.services.views import Actor
from drawbridge.store import migrate
from drawbridge.store.database import READ_ONLY, make_engine
from drawbridge.store.repositories import empty_all_tables

CHAIN_TARGET_S = 0.5
READ_TARGET_S = 0.050
READ_TARGET_MS = 50
CREATE_TARGET_MS = 100
# Creates timed for the create figure, from application 3 on.
CREATES_TIMED = 10
# Shows of the last created application timed for the write figures' read (median).
READS_TIMED = 9
EDIT_TARGET_MS = 200
ACTOR = Actor(
    user_id=None,
    company_id=1,
    role=Role.ADMIN,
    scopes=frozenset({Scope.READ.value, Scope.WRITE.value}),
)


def best_of(times: int, run: Callable[[], Any]) -> float:
    best = float("inf")
    for _ in range(times):
        # Collect first so a run is not charged for the garbage of the work before it (the
        # 36 creates leave plenty); like timeit, which goes further and turns collection off.
        gc.collect()
        started = time.perf_counter()
        run()
        best = min(best, time.perf_counter() - started)
    return best


def scheduled_value(index: int) -> int:
    return 100_000 + (index * 7_919) % 900_000  # 1,000.00 .. 10,000.00, varied


def work(index: int, app: int, apps: int) -> int:
    """What line ``index`` bills on application ``app``: its value spread over the apps."""
    return scheduled_value(index) // apps + (1 if app == 1 else 0)


def stored(index: int, app: int) -> int | None:
    """Every 10th line has stored materials that come and go."""
    return (index % 3) * 1_000 if index % 10 == 0 and app % 4 else None


def engine_entries(lines: int, apps: int) -> list[ApplicationEntry]:
    schedule = [
        ScheduledLine(LineRef(LineKind.SOV, index + 1), scheduled_value(index))
        for index in range(lines)
    ]
    return [
        ApplicationEntry(
            lines=schedule,
            entries={
                line.ref: LineEntry(
                    work_completed_this_period=work(index, app, apps),
                    materials_presently_stored=stored(index, app),
                )
                for index, line in enumerate(schedule)
            },
        )
        for app in range(1, apps + 1)
    ]


def bench_chain(lines: int, apps: int) -> float:
    terms = BillingTerms(work_percent=pct("10"), materials_percent=pct("10"))
    entries = engine_entries(lines, apps)
    results = compute_chain(terms, entries)
    assert len(results) == apps
    return best_of(3, lambda: compute_chain(terms, entries))


def pct(text: str) -> Any:
    from decimal import Decimal

    return Decimal(text)


def document(lines: int) -> str:
    return contracts_document({1: lines})


def contracts_document(lines_by_contract: dict[int, int]) -> str:
    """One company, one project, a commitment of the given number of lines per contract id;
    SOV line ids are ``contract_id * 100_000 + n``."""
    contracts = [
        {
            "id": contract_id,
            "kind": "commitment",
            "number": f"SC-{contract_id}",
            "title": "Big contract",
            "party": "V",
            "retainage": {"work_percent": "10"},
            "line_items": [
                {
                    "id": contract_id * 100_000 + index + 1,
                    "number": str(index + 1),
                    "description": f"Line {index + 1}",
                    "scheduled_value": f"{scheduled_value(index) / 100:.2f}",
                }
                for index in range(lines)
            ],
        }
        for contract_id, lines in lines_by_contract.items()
    ]
    return yaml.safe_dump(
        {
            "companies": [
                {
                    "id": 1,
                    "name": "Bench Builders",
                    "parties": [{"code": "V", "name": "Vendor", "kind": "vendor"}],
                    "projects": [
                        {"id": 1, "code": "BENCH", "name": "Benchmark job", "contracts": contracts}
                    ],
                }
            ]
        },
        sort_keys=False,
    )


def create_command(lines: int, app: int, apps: int, contract_id: int = 1) -> pay_apps.CreatePayApp:
    return pay_apps.CreatePayApp(
        contract_id=contract_id,
        lines=[
            pay_apps.LineInput(
                ref=LineRef(LineKind.SOV, contract_id * 100_000 + index + 1),
                work_completed_this_period=work(index, app, apps),
                materials_presently_stored=stored(index, app),
            )
            for index in range(lines)
        ],
    )


def bench_database(label: str, url: str, lines: int, apps: int, profile: bool) -> dict[str, Any]:
    engine = make_engine(url)
    migrate.upgrade(engine)
    with engine.begin() as connection:
        empty_all_tables(connection)
    with tempfile.TemporaryDirectory() as files:
        runtime = Runtime(
            Settings(database_url=url, data_dir=Path(files), operator_token=None), engine=engine
        )
        fixtures.load_fixture_text(runtime.uow(), document(lines))
        creates: list[float] = []
        last_id = 0
        for app in range(1, apps + 1):
            command = create_command(lines, app, apps)
            started = time.perf_counter()
            if profile and app == apps:
                profiler = cProfile.Profile()
                view = profiler.runcall(pay_apps.create_pay_app, runtime.uow(), ACTOR, command)
                out = io.StringIO()
                pstats.Stats(profiler, stream=out).sort_stats("cumulative").print_stats(25)
                print(f"\n--- cProfile of create_pay_app #{app} ({label}) ---\n{out.getvalue()}")
            else:
                view = pay_apps.create_pay_app(runtime.uow(), ACTOR, command)
            creates.append(time.perf_counter() - started)
            assert view.number == app
            last_id = view.id
            print(f"  {label}: created app {app}/{apps} in {creates[-1]:.2f}s", file=sys.stderr)

        def read() -> None:
            view = pay_apps.get_pay_app(runtime.uow(read_only=True), ACTOR, last_id)
            assert view.lines is not None
            assert len(view.lines) == lines

        read()  # warm: the first read pays for the ORM's statement compilation
        best_read = best_of(5, read)
        runtime.close()
    return {
        "label": label,
        "build_total": sum(creates),
        "create_mean": sum(creates) / len(creates),
        "create_max": max(creates),
        "read": best_read,
    }


def median_ms(timings: list[float]) -> float:
    return sorted(timings)[len(timings) // 2] * 1000


class TransactionClock:
    """How long each write transaction stays open, from its BEGIN to its COMMIT or ROLLBACK:
    on SQLite, where a write transaction begins with ``BEGIN IMMEDIATE``, how long it holds the
    database's write lock. Read-only transactions (an edit's computation before its write) are
    not counted: they take no lock."""

    def __init__(self, engine: Any) -> None:
        self.started: float | None = None
        self.held: list[float] = []
        event.listen(engine, "begin", self._begin)
        event.listen(engine, "commit", self._end)
        event.listen(engine, "rollback", self._end)

    def _begin(self, connection: Any) -> None:
        if not connection.get_execution_options().get(READ_ONLY, False):
            self.started = time.perf_counter()

    def _end(self, _connection: Any) -> None:
        if self.started is not None:
            self.held.append(time.perf_counter() - self.started)
            self.started = None

    def last(self) -> float:
        """The longest transaction since the last call (a write is one, its reads none)."""
        longest = max(self.held, default=0.0)
        self.held.clear()
        return longest


def bench_writes(
    label: str, url: str, write_lines: int, chain_lines: int, chain_apps: int
) -> dict[str, Any]:
    """(c): the write paths on their own contracts (2 and 3) of a fresh database."""
    engine = make_engine(url)
    migrate.upgrade(engine)
    with engine.begin() as connection:
        empty_all_tables(connection)
    with tempfile.TemporaryDirectory() as files:
        runtime = Runtime(
            Settings(database_url=url, data_dir=Path(files), operator_token=None), engine=engine
        )
        fixtures.load_fixture_text(
            runtime.uow(), contracts_document({2: write_lines, 3: chain_lines})
        )
        clock = TransactionClock(engine)
        creates, create_locks, create_cpu = [], [], []
        last_id = 0
        # Applications 1 and 2 are not timed: a create is measured with a previous application
        # to read and compute from, as almost every create has (median of applications 3..12).
        for app in range(1, 3 + CREATES_TIMED):
            command = create_command(write_lines, app, 2 + CREATES_TIMED, contract_id=2)
            gc.collect()
            clock.last()
            started, started_cpu = time.perf_counter(), time.thread_time()
            last_id = pay_apps.create_pay_app(runtime.uow(), ACTOR, command).id
            if app >= 3:
                creates.append(time.perf_counter() - started)
                # The CPU time of this thread alone: what the create costs whatever else runs.
                create_cpu.append(time.thread_time() - started_cpu)
                create_locks.append(clock.last())

        def read() -> float:
            gc.collect()
            started = time.perf_counter()
            view = pay_apps.get_pay_app(runtime.uow(read_only=True), ACTOR, last_id)
            assert view.lines is not None
            assert len(view.lines) == write_lines
            return time.perf_counter() - started

        read()  # warm: the first read pays for the statements' compilation
        reads = [read() for _ in range(READS_TIMED)]
        first_id = 0
        for app in range(1, chain_apps + 1):
            command = create_command(chain_lines, app, chain_apps, contract_id=3)
            view = pay_apps.create_pay_app(runtime.uow(), ACTOR, command)
            first_id = first_id or view.id
            if app % 20 == 0:
                print(f"  {label}: chain at app {app}/{chain_apps}", file=sys.stderr)

        def edit(**changes: Any) -> tuple[float, float]:
            gc.collect()
            clock.last()
            started = time.perf_counter()
            pay_apps.update_pay_app(
                runtime.uow(), ACTOR, pay_apps.UpdatePayApp(pay_app_id=first_id, **changes)
            )
            return time.perf_counter() - started, clock.last()

        line_1 = LineRef(LineKind.SOV, 3 * 100_000 + 1)
        line_edits = [
            edit(lines=[pay_apps.LineInput(ref=line_1, work_completed_this_period=1_000 + step)])
            for step in range(3)
        ]
        note_edits = [edit(header={"note": f"edited {step}"}) for step in range(3)]
        runtime.close()
    return {
        "label": label,
        "create": (median_ms(creates), median_ms(create_locks)),
        "create_cpu": median_ms(create_cpu),
        "read": median_ms(reads),
        "line_edit": (
            median_ms([total for total, _ in line_edits]),
            median_ms([held for _, held in line_edits]),
        ),
        "note_edit": (
            median_ms([total for total, _ in note_edits]),
            median_ms([held for _, held in note_edits]),
        ),
    }


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--lines", type=int, default=1000)
    parser.add_argument("--apps", type=int, default=36)
    parser.add_argument("--profile", action="store_true", help="cProfile one create_pay_app")
    parser.add_argument("--write-lines", type=int, default=1000)
    parser.add_argument("--chain-lines", type=int, default=50)
    parser.add_argument("--chain-apps", type=int, default=100)
    parser.add_argument("--writes-only", action="store_true", help="only the write figures (c)")
    args = parser.parse_args()
    lines, apps = args.lines, args.apps
    write_args = (args.write_lines, args.chain_lines, args.chain_apps)
    if args.writes_only:
        print_writes(write_args)
        return

    chain_s = bench_chain(lines, apps)
    results = []
    with tempfile.TemporaryDirectory() as folder:
        sqlite_url = f"sqlite:///{Path(folder) / 'bench.db'}"
        results.append(bench_database("SQLite", sqlite_url, lines, apps, args.profile))
    postgres_url = os.environ.get("DRAWBRIDGE_BENCH_DATABASE_URL")
    if postgres_url:
        results.append(bench_database("PostgreSQL", postgres_url, lines, apps, args.profile))

    print(f"\ndrawbridge ledger benchmark: {lines} SOV lines x {apps} applications")
    print(f"{'measure':<58} {'figure':>10} {'target':>10}")
    print(f"{'compute_chain, whole contract (best of 3)':<58} {chain_s:>9.3f}s {'< 0.5s':>10}")
    for result in results:
        name = result["label"]
        print(
            f"{name + ': get_pay_app #' + str(apps) + ' read+render (best of 5)':<58}"
            f" {result['read'] * 1000:>8.1f}ms {'< 50ms':>10}"
        )
        print(
            f"{name + ': build via create_pay_app, total':<58}"
            f" {result['build_total']:>9.1f}s {'-':>10}"
        )
        print(
            f"{name + ': one create_pay_app, mean / max':<58}"
            f" {result['create_mean']:>5.2f}/{result['create_max']:.2f}s {'-':>10}"
        )
    if not postgres_url:
        print("(PostgreSQL skipped: set DRAWBRIDGE_BENCH_DATABASE_URL to a scratch database)")
    print_writes(write_args)


def print_writes(write_args: tuple[int, int, int]) -> None:
    write_lines, chain_lines, chain_apps = write_args
    results = []
    with tempfile.TemporaryDirectory() as folder:
        sqlite_url = f"sqlite:///{Path(folder) / 'writes.db'}"
        results.append(bench_writes("SQLite", sqlite_url, *write_args))
    postgres_url = os.environ.get("DRAWBRIDGE_BENCH_DATABASE_URL")
    if postgres_url:
        results.append(bench_writes("PostgreSQL", postgres_url, *write_args))
    print("\nwrites (create: median of 10, edits: median of 3; 'whole': from the call to its")
    print("answer; 'held': how long its write transaction, and on SQLite the write lock, stays")
    print("open, from BEGIN to COMMIT)")
    print(f"{'measure':<58} {'whole':>10} {'held':>10} {'target':>10}")
    for result in results:
        name = result["label"]
        rows = (
            (f"create_pay_app, {write_lines} lines", result["create"], CREATE_TARGET_MS),
            (
                f"edit app 1 of {chain_apps} x {chain_lines} lines: a line's work",
                result["line_edit"],
                EDIT_TARGET_MS,
            ),
            (
                f"edit app 1 of {chain_apps} x {chain_lines} lines: its note",
                result["note_edit"],
                EDIT_TARGET_MS,
            ),
        )
        for measure, (figure, held), target in rows:
            print(
                f"{name + ': ' + measure:<58} {figure:>8.1f}ms {held:>8.1f}ms"
                f" {'< ' + str(target) + 'ms':>10}"
            )
        print(
            f"{name + f': create_pay_app, {write_lines} lines, CPU time of its thread':<58}"
            f" {result['create_cpu']:>8.1f}ms {'-':>10}"
        )
        print(
            f"{name + f': get_pay_app of that {write_lines}-line application':<58}"
            f" {result['read']:>8.1f}ms {'-':>10} {'< ' + str(READ_TARGET_MS) + 'ms':>10}"
        )


if __name__ == "__main__":
    main()
