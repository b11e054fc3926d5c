"""Crash safety: a real server killed with SIGKILL mid-load loses no acknowledged write.

``drawbridge serve --demo`` runs as a subprocess on a temporary SQLite file (and on the
PostgreSQL test database when one is configured). Concurrent writers create requisitions and
record payments over HTTP for a couple of seconds; the server is then killed with SIGKILL
while they write, and started again on the same database. Every write it acknowledged (2xx)
must be there, pay-application numbers must run 1..n on every contract, and every stored
application must satisfy the identities of docs/billing.md:
line 3 = Σ C, line 5 = Σ I, line 9 = Σ H + Σ I, and Σ line 8 over a contract's applications
= line 6 of its latest.
"""

from __future__ import annotations

import os
import signal
import socket
import subprocess
import sys
import threading
import time
import uuid
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import httpx
import pytest
from sqlalchemy import create_engine, text

from drawbridge.bootstrap import Runtime

HEADERS = {"Authorization": "Bearer demo-admin-token-0001", "Procore-Company-Id": "1"}
PROJECT, COMMITMENT = 789, 701973
LOAD_SECONDS = 2.0
MAX_LOAD_SECONDS = 15.0
STARTUP_SECONDS = 60.0
POSTGRES_URL = os.environ.get("DRAWBRIDGE_TEST_DATABASE_URL")


def _free_port() -> int:
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as probe:
        probe.bind(("127.0.0.1", 0))
        return int(probe.getsockname()[1])


class Server:
    """``drawbridge serve`` in a subprocess on 127.0.0.1, its output in a log file."""

    def __init__(self, database_url: str, work: Path) -> None:
        self.database_url = database_url
        self.work = work
        self.process: subprocess.Popen[bytes] | None = None
        self.port = 0

    @property
    def base(self) -> str:
        return f"http://127.0.0.1:{self.port}"

    def start(self) -> None:
        self.port = _free_port()
        command = Path(sys.executable).parent / "drawbridge"
        log = (self.work / f"server-{self.port}.log").open("wb")
        self.process = subprocess.Popen(
            [str(command), "serve", "--demo", "--host", "127.0.0.1", "--port", str(self.port)],
            env={
                **os.environ,
                "DRAWBRIDGE_DATABASE_URL": self.database_url,
                "DRAWBRIDGE_DATA_DIR": str(self.work / "files"),
            },
            stdout=log,
            stderr=subprocess.STDOUT,
        )
        log.close()
        # Generous: on a busy machine, imports, migrations and the demo load take a while.
        deadline = time.monotonic() + STARTUP_SECONDS
        while time.monotonic() < deadline:
            assert self.process.poll() is None, self._log()
            try:
                if httpx.get(f"{self.base}/healthz", timeout=1).status_code == 200:
                    return
            except httpx.TransportError:
                pass
            time.sleep(0.1)
        self.kill()
        raise AssertionError(f"the server did not start:\n{self._log()}")

    def kill(self) -> None:
        """SIGKILL: no shutdown, no flush; what the database committed is all there is."""
        if self.process is not None and self.process.poll() is None:
            self.process.send_signal(signal.SIGKILL)
            self.process.wait(timeout=10)

    def _log(self) -> str:
        return "\n".join(
            path.read_text(errors="replace")[-3000:] for path in self.work.glob("server-*.log")
        )


class Writers:
    """Threads that write until the server stops answering, keeping what it acknowledged."""

    def __init__(self, server: Server) -> None:
        self.server = server
        self.acknowledged: list[tuple[str, str]] = []  # (kind, origin_id)
        self.refused: list[str] = []  # what a 4xx or 5xx said, for the failure message
        self.stop = threading.Event()
        self._lock = threading.Lock()

    def kinds_acknowledged(self) -> int:
        with self._lock:
            return len({kind for kind, _ in self.acknowledged})

    def requisitions(self) -> None:
        self._write("requisition", "/rest/v1.1/requisitions", self._requisition)

    def payments(self) -> None:
        self._write("payment", "/rest/v1.0/contract_payments", self._payment)

    @staticmethod
    def _requisition(origin_id: str) -> dict[str, Any]:
        return {
            "project_id": PROJECT,
            "commitment_id": COMMITMENT,
            "requisition": {
                "origin_id": origin_id,
                "items": [{"line_item_id": 2012, "work_completed_this_period": "1.00"}],
            },
        }

    @staticmethod
    def _payment(origin_id: str) -> dict[str, Any]:
        return {
            "project_id": PROJECT,
            "contract_id": COMMITMENT,
            "contract_payment": {"amount": "1.00", "date": "2025-08-10", "origin_id": origin_id},
        }

    def _write(self, kind: str, path: str, body: Any) -> None:
        with httpx.Client(base_url=self.server.base, headers=HEADERS, timeout=10) as client:
            while not self.stop.is_set():
                origin_id = f"crash-{kind}-{uuid.uuid4().hex}"
                try:
                    response = client.post(path, json=body(origin_id))
                except httpx.TransportError:
                    return  # the server is gone: whatever was in flight is unacknowledged
                with self._lock:
                    if response.is_success:
                        self.acknowledged.append((kind, origin_id))
                    else:
                        self.refused.append(f"{response.status_code} {response.text[:200]}")


def _check_ledger(database_url: str, acknowledged: list[tuple[str, str]]) -> None:
    engine = create_engine(database_url)
    try:
        with engine.connect() as connection:
            stored = {
                ("requisition", row[0])
                for row in connection.execute(text("SELECT origin_id FROM pay_apps"))
            } | {
                ("payment", row[0])
                for row in connection.execute(text("SELECT origin_id FROM payments"))
            }
            missing = [write for write in acknowledged if write not in stored]
            assert not missing, f"acknowledged but lost: {missing[:5]}"
            numbers: dict[int, list[int]] = {}
            for contract_id, number in connection.execute(
                text("SELECT contract_id, number FROM pay_apps ORDER BY contract_id, number")
            ):
                numbers.setdefault(contract_id, []).append(number)
            for contract_id, found in numbers.items():
                assert found == list(range(1, len(found) + 1)), (contract_id, found)
            lines = {
                pay_app_id: (scheduled, balance, retained)
                for pay_app_id, scheduled, balance, retained in connection.execute(
                    text(
                        "SELECT pay_app_id, sum(scheduled_value_cents),"
                        " sum(balance_to_finish_cents), sum(work_retainage_currently_retained_cents"
                        " + materials_retainage_currently_retained_cents)"
                        " FROM pay_app_lines GROUP BY pay_app_id"
                    )
                )
            }
            due_by_contract: dict[int, int] = {}
            latest_line_6: dict[int, tuple[int, int]] = {}
            for row in connection.execute(
                text(
                    "SELECT id, contract_id, number, contract_sum_to_date_cents,"
                    " total_retainage_cents, total_earned_less_retainage_cents,"
                    " current_payment_due_cents, balance_to_finish_including_retainage_cents"
                    " FROM pay_apps"
                )
            ):
                pay_app_id, contract_id, number, line_3, line_5, line_6, line_8, line_9 = row
                sum_c, sum_h, sum_i = (int(value) for value in lines[pay_app_id])
                assert line_3 == sum_c, (pay_app_id, "line 3 = Σ C")
                assert line_5 == sum_i, (pay_app_id, "line 5 = Σ I")
                assert line_9 == sum_h + sum_i, (pay_app_id, "line 9 = Σ H + Σ I")
                due_by_contract[contract_id] = due_by_contract.get(contract_id, 0) + line_8
                if number > latest_line_6.get(contract_id, (0, 0))[0]:
                    latest_line_6[contract_id] = (number, line_6)
            for contract_id, (_, line_6) in latest_line_6.items():
                assert due_by_contract[contract_id] == line_6, (contract_id, "Σ line 8 = line 6")
    finally:
        engine.dispose()


def _databases() -> list[Any]:
    return [
        "sqlite",
        pytest.param(
            "postgresql",
            marks=pytest.mark.skipif(not POSTGRES_URL, reason="DRAWBRIDGE_TEST_DATABASE_URL unset"),
        ),
    ]


@pytest.fixture
def crash_database(request: pytest.FixtureRequest, tmp_path: Path) -> Iterator[str]:
    if request.param == "sqlite":
        yield f"sqlite:///{tmp_path / 'crash.db'}"
    else:  # the suite's PostgreSQL database, emptied again by the runtime fixture afterwards
        runtime: Runtime = request.getfixturevalue("runtime")
        yield runtime.settings.database_url


@pytest.mark.slow
@pytest.mark.parametrize("crash_database", _databases(), indirect=True)
def test_a_server_killed_mid_load_keeps_every_acknowledged_write(
    crash_database: str, tmp_path: Path
) -> None:
    server = Server(crash_database, tmp_path)
    server.start()
    writers = Writers(server)
    threads = [
        threading.Thread(target=writers.requisitions),
        threading.Thread(target=writers.requisitions),
        threading.Thread(target=writers.payments),
        threading.Thread(target=writers.payments),
    ]
    try:
        for thread in threads:
            thread.start()
        # A couple of seconds of load, longer on a busy machine until both kinds have landed.
        started = time.monotonic()
        while time.monotonic() - started < MAX_LOAD_SECONDS and (
            time.monotonic() - started < LOAD_SECONDS or writers.kinds_acknowledged() < 2
        ):
            time.sleep(0.05)
        server.kill()  # while the writers are still writing
    finally:
        writers.stop.set()
        for thread in threads:
            thread.join(timeout=15)
        server.kill()
    kinds = {kind for kind, _ in writers.acknowledged}
    assert kinds == {"requisition", "payment"}, (writers.acknowledged, writers.refused[:3])
    assert not [status for status in writers.refused if status.startswith("5")], writers.refused
    server.start()  # recovery on the same database
    try:
        listed = httpx.get(
            f"{server.base}/rest/v1.1/requisitions",
            params={"project_id": PROJECT, "filters[commitment_id]": COMMITMENT},
            headers=HEADERS,
            timeout=10,
        )
        assert listed.status_code == 200
    finally:
        server.kill()
    _check_ledger(crash_database, writers.acknowledged)
