"""How fast drawbridge answers over HTTP, next to the fastest any app on the same stack could.

    .venv/bin/python benchmarks/http.py [--duration 10] [--connections 16] [--smoke]
                                        [--database URL] [--only TEXT] [--workers N]
                                        [--threads N]

For every endpoint in ENDPOINTS below, against a fresh database holding the bundled demo and the
benchmark's own company (benchmarks/http_fixture.yaml, where all the writes go):

1. drawbridge (``drawbridge serve``, a subprocess on a free 127.0.0.1 port) answers the request
   once; its status, content type and body are kept;
2. wrk drives drawbridge for DURATION seconds at CONNECTIONS connections (writes also at one);
3. drawbridge is stopped and the *floor* is started: a bare FastAPI app on the same server stack
   (uvicorn, the same options ``serve`` uses) that answers each path with the bytes drawbridge
   answered, doing nothing else. wrk drives it the same way.

It prints one Markdown table: requests per second, p50, p95 and p99 latency for both, the answers
with a status of 400 or more ("non-2xx", wrk's "Non-2xx or 3xx responses": a benchmark of errors
is meaningless, so any makes the script exit 1) and drawbridge's share of the floor's rate.
Endpoints marked optional belong to faces that may not be mounted yet: when drawbridge answers
them 404 they are listed as skipped. wrk (Debian package ``wrk``) is installed with apt-get
when missing and the script runs as root. Every process it started is stopped when it ends, on
error and on Ctrl-C.

``--workers N`` serves drawbridge with N processes (``serve --workers``); the floor keeps one,
so compare drawbridge's req/s between runs with 1 and with N workers. ``--threads N`` passes
``serve --threads`` (how many requests each process computes at once; serve's default, 2, when
not given).

``--database`` points drawbridge at another database (e.g. PostgreSQL); that database is
EMPTIED first (``drawbridge load --reset``), so name a scratch one. By default it is a SQLite
file in a temporary folder.

To measure another endpoint, add a line to ENDPOINTS: its path may name the values
:func:`discover` finds (``{acc_payment_id}``, ``{bench_pay_app_id}``, ...); a write's body may
use ``{seq}`` for a value no other request repeats.
"""

from __future__ import annotations

import sys
from pathlib import Path

# Run as a script, this file's folder comes first on sys.path, and this file, named http.py,
# would shadow the standard library's ``http`` package that urllib and uvicorn import.
if sys.path and Path(sys.path[0]).resolve() == Path(__file__).resolve().parent:
    sys.path.pop(0)

import argparse
import json
import os
import secrets
import shutil
import signal
import socket
import subprocess
import tempfile
import time
import urllib.error
import urllib.request
from collections.abc import Iterator, Sequence
from contextlib import contextmanager
from dataclasses import dataclass
from datetime import UTC, datetime
from importlib import resources
from typing import Any

import uvicorn
from fastapi import FastAPI, Request, Response

from drawbridge.bootstrap import DEFAULT_REQUEST_THREADS

HERE = Path(__file__).resolve().parent
FIXTURE = HERE / "http_fixture.yaml"
LUA = HERE / "wrk_request.lua"
START_TIMEOUT_S = 60.0

DEMO_CONTAINER = "6f1c3b7e-1c1e-4a57-9a0b-1f2e3d4c5b6a"  # project 789's uuid in the demo
DEMO_SC001_UUID = "0b1d5e2a-7c3f-4e8a-9d61-2f4a6b8c0e13"  # commitment SC-001 (id 701973)
DEMO_TOKEN = "demo-admin-token-0001"
BENCH_TOKEN = "bench-admin-token-750000"  # benchmarks/http_fixture.yaml: company 750000
BENCH_PROJECT = 750000
BENCH_PAY_CONTRACT = 750300
# The contract each requisition-create run bills, by its number of connections (one contract per
# run, so every run starts from a contract with no pay application); other counts share 750200.
BENCH_REQUISITION_CONTRACTS = {1: 750100}
BENCH_REQUISITION_CONTRACT = 750200
BENCH_SOV_LINES = {750100: range(750101, 750121), 750200: range(750201, 750221)}

PROCORE_DEMO = {"Authorization": f"Bearer {DEMO_TOKEN}", "Procore-Company-Id": "1"}
PROCORE_BENCH = {"Authorization": f"Bearer {BENCH_TOKEN}", "Procore-Company-Id": "750000"}
ACC_DEMO = {"Authorization": f"Bearer {DEMO_TOKEN}"}
INTACCT_DEMO = {"Authorization": f"Bearer {DEMO_TOKEN}"}
PRODUCTIVE_DEMO = {"X-Auth-Token": DEMO_TOKEN, "X-Organization-Id": "1"}
JSON_BODY = {"Content-Type": "application/json"}
NO_CACHE = {"Cache-Control": "no-cache"}
ACC_INCLUDE = "paymentReferences,attributes,summaryCalculatedFields,complianceExpiration"


@dataclass(frozen=True)
class Endpoint:
    """One request to measure. ``body`` is JSON text; a write runs at one connection too."""

    name: str
    method: str
    path: str
    headers: dict[str, str]
    body: str | None = None
    optional: bool = False  # its face may not be mounted yet: a 404 skips it

    @property
    def writes(self) -> bool:
        return self.method != "GET"


def requisition_body(contract_id: int) -> str:
    """A requisition billing 1.00 on each of the contract's 20 lines."""
    items = [
        {"item_type": "contract_item", "line_item_id": line, "work_completed_this_period": "1.00"}
        for line in BENCH_SOV_LINES[contract_id]
    ]
    return json.dumps(
        {
            "project_id": BENCH_PROJECT,
            "commitment_id": contract_id,
            "requisition": {"invoice_number": "BENCH-{seq}", "items": items},
        }
    )


PAYMENT_BODY = json.dumps(
    {
        "project_id": BENCH_PROJECT,
        "contract_id": BENCH_PAY_CONTRACT,
        "contract_payment": {
            "requisition_id": "{bench_pay_app_id}",
            "amount": "1.00",
            "date": "2025-08-10",
            "payment_method": "check",
            "check_number": "{seq}",
        },
    }
).replace('"{bench_pay_app_id}"', "{bench_pay_app_id}")

ENDPOINTS: tuple[Endpoint, ...] = (
    Endpoint(
        "Procore requisition show",
        "GET",
        "/rest/v1.1/requisitions/11?project_id=789",
        PROCORE_DEMO,
    ),
    Endpoint(
        "Procore requisition list (per_page 25)",
        "GET",
        "/rest/v1.1/requisitions?project_id=789&per_page=25",
        PROCORE_DEMO,
    ),
    # The same two reads computed afresh: a request with Cache-Control: no-cache is never
    # answered from the response cache, so these rows show what a read costs after a write.
    Endpoint(
        "Procore requisition show, no-cache",
        "GET",
        "/rest/v1.1/requisitions/11?project_id=789",
        PROCORE_DEMO | NO_CACHE,
    ),
    Endpoint(
        "Procore requisition list (per_page 25), no-cache",
        "GET",
        "/rest/v1.1/requisitions?project_id=789&per_page=25",
        PROCORE_DEMO | NO_CACHE,
    ),
    Endpoint(
        "ACC payments list (limit 100)",
        "GET",
        f"/cost/v1/containers/{DEMO_CONTAINER}/payments?limit=100",
        ACC_DEMO,
    ),
    Endpoint(
        "ACC payment get (include)",
        "GET",
        f"/cost/v1/containers/{DEMO_CONTAINER}/payments/{{acc_payment_id}}?include={ACC_INCLUDE}",
        ACC_DEMO,
    ),
    Endpoint(
        "Procore requisition create (20 lines)",
        "POST",
        "/rest/v1.1/requisitions?project_id=750000",
        PROCORE_BENCH | JSON_BODY,
        body="{requisition_body}",
    ),
    Endpoint(
        "Procore contract payment create",
        "POST",
        "/rest/v1.0/contract_payments",
        PROCORE_BENCH | JSON_BODY,
        body=PAYMENT_BODY,
    ),
    Endpoint(
        "Intacct project-contract list",
        "GET",
        "/ia/api/v1/objects/construction/project-contract",
        INTACCT_DEMO,
        optional=True,
    ),
    Endpoint(
        "Productive payments list",
        "GET",
        "/api/v2/payments",
        PRODUCTIVE_DEMO,
        optional=True,
    ),
)


# -- results -------------------------------------------------------------------------------------
@dataclass(frozen=True)
class WrkResult:
    requests: int
    duration_us: int
    status_errors: int
    socket_errors: int
    p50_us: int
    p95_us: int
    p99_us: int

    @property
    def rate(self) -> float:
        return self.requests / (self.duration_us / 1_000_000) if self.duration_us else 0.0


@dataclass
class Row:
    """One line of the table: an endpoint at one number of connections."""

    endpoint: Endpoint
    connections: int
    skipped: str | None = None
    server: WrkResult | None = None
    floor: WrkResult | None = None


@dataclass(frozen=True)
class Capture:
    """What drawbridge answered once: the floor answers these bytes."""

    method: str
    path: str  # without the query
    status: int
    content_type: str
    body: bytes


@dataclass
class Run:
    """A prepared request: the endpoint with its placeholders filled."""

    endpoint: Endpoint
    url_path: str
    body: str
    capture: Capture | None = None  # drawbridge's answer, which the floor repeats


# -- processes -----------------------------------------------------------------------------------
class Processes:
    """Every process the benchmark starts; :meth:`stop_all` ends each one it still runs."""

    def __init__(self) -> None:
        self.running: list[subprocess.Popen[bytes]] = []

    def start(
        self, command: Sequence[str], log: Path, env: dict[str, str]
    ) -> subprocess.Popen[bytes]:
        with log.open("ab") as out:
            process = subprocess.Popen(command, stdout=out, stderr=subprocess.STDOUT, env=env)
        self.running.append(process)
        return process

    def stop(self, process: subprocess.Popen[bytes]) -> None:
        if process.poll() is None:
            process.terminate()
            try:
                process.wait(timeout=10)
            except subprocess.TimeoutExpired:
                process.kill()
                process.wait()
        if process in self.running:
            self.running.remove(process)

    def stop_all(self) -> None:
        for process in list(self.running):
            self.stop(process)


def free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        port: int = probe.getsockname()[1]
        return port


def wait_until_up(process: subprocess.Popen[bytes], base: str, path: str, log: Path) -> None:
    deadline = time.monotonic() + START_TIMEOUT_S
    while time.monotonic() < deadline:
        if process.poll() is not None:
            raise SystemExit(f"the server exited ({process.returncode}):\n{tail(log)}")
        try:
            with urllib.request.urlopen(base + path, timeout=2):
                return
        except urllib.error.HTTPError:
            return  # it answers: up
        except OSError:
            time.sleep(0.2)
    raise SystemExit(f"the server did not answer within {START_TIMEOUT_S:.0f}s:\n{tail(log)}")


def tail(log: Path, lines: int = 30) -> str:
    return "\n".join(log.read_text("utf-8", "replace").splitlines()[-lines:])


def drawbridge_command() -> list[str]:
    script = Path(sys.executable).with_name("drawbridge")
    if script.exists():
        return [str(script)]
    return [sys.executable, "-c", "from drawbridge.cli import main; main()"]


def server_env(data_dir: Path) -> dict[str, str]:
    env = dict(os.environ)
    env["DRAWBRIDGE_DATA_DIR"] = str(data_dir)
    env.pop("DRAWBRIDGE_DATABASE_URL", None)  # --database names it
    return env


# -- wrk -----------------------------------------------------------------------------------------
def ensure_wrk() -> str:
    """The path of wrk, installed from Debian's package when missing and we may."""
    found = shutil.which("wrk")
    if found:
        return found
    if os.geteuid() != 0 or not shutil.which("apt-get"):
        raise SystemExit("wrk is not installed: install it (Debian/Ubuntu: apt-get install wrk)")
    print("installing wrk with apt-get", file=sys.stderr)
    env = dict(os.environ, DEBIAN_FRONTEND="noninteractive")
    install = ["apt-get", "install", "-y", "-q", "wrk"]
    if subprocess.run(install, env=env, capture_output=True).returncode != 0:
        subprocess.run(["apt-get", "update", "-q"], env=env, capture_output=True, check=True)
        subprocess.run(install, env=env, capture_output=True, check=True)
    found = shutil.which("wrk")
    if not found:
        raise SystemExit("apt-get installed wrk, but it is not on PATH")
    return found


def spec_file(folder: Path, run: Run, index: int) -> Path:
    """The request as wrk_request.lua reads it: method, headers, empty line, body."""
    headers = "".join(f"{name}: {value}\n" for name, value in run.endpoint.headers.items())
    path = folder / f"request-{index}.txt"
    path.write_text(f"{run.endpoint.method}\n{headers}\n{run.body}", "utf-8")
    return path


def drive(
    wrk: str, base: str, run: Run, spec: Path, connections: int, duration: int, tag: str
) -> WrkResult:
    threads = min(connections, os.cpu_count() or 1)
    command = [
        wrk,
        f"-t{threads}",
        f"-c{connections}",
        f"-d{duration}s",
        "--timeout",
        "30s",
        "-s",
        str(LUA),
        base + run.url_path,
        "--",
        str(spec),
        tag,
    ]
    done = subprocess.run(command, capture_output=True, text=True, check=False)
    for line in done.stdout.splitlines():
        if line.startswith("WRK_RESULT "):
            figures = json.loads(line.removeprefix("WRK_RESULT "))
            return WrkResult(
                requests=figures["requests"],
                duration_us=figures["duration_us"],
                status_errors=figures["status_errors"],
                socket_errors=sum(
                    figures[name]
                    for name in ("connect_errors", "read_errors", "write_errors", "timeouts")
                ),
                p50_us=figures["p50_us"],
                p95_us=figures["p95_us"],
                p99_us=figures["p99_us"],
            )
    raise SystemExit(f"wrk printed no result ({done.returncode}):\n{done.stdout}\n{done.stderr}")


# -- drawbridge ----------------------------------------------------------------------------------
def load_databases(database: str, folder: Path, env: dict[str, str]) -> None:
    demo = folder / "demo.yaml"
    demo.write_text(
        resources.files("drawbridge.fixtures").joinpath("demo.yaml").read_text("utf-8"), "utf-8"
    )
    for fixture, extra in ((demo, ["--reset"]), (FIXTURE, [])):
        command = [*drawbridge_command(), "load", str(fixture), "--database", database, *extra]
        done = subprocess.run(command, env=env, capture_output=True, text=True, check=False)
        if done.returncode != 0:
            raise SystemExit(f"loading {fixture.name} failed:\n{done.stdout}{done.stderr}")


def call(base: str, method: str, path: str, headers: dict[str, str], body: str | None) -> Capture:
    request = urllib.request.Request(
        base + path,
        method=method,
        headers=headers,
        data=body.encode("utf-8") if body is not None else None,
    )
    try:
        with urllib.request.urlopen(request, timeout=30) as answer:
            status, content_type, data = (
                answer.status,
                answer.headers.get("content-type", ""),
                answer.read(),
            )
    except urllib.error.HTTPError as error:
        status, content_type, data = error.code, error.headers.get("content-type", ""), error.read()
    return Capture(method, path.split("?")[0], status, content_type, data)


def discover(base: str) -> dict[str, str]:
    """Ids the endpoint paths and bodies name that the fixtures do not fix."""
    acc = call(
        base,
        "GET",
        f"/cost/v1/containers/{DEMO_CONTAINER}/payments"
        f"?filter%5BassociationId%5D={DEMO_SC001_UUID}&filter%5Bnumber%5D=5",
        ACC_DEMO,
        None,
    )
    bench = call(
        base,
        "GET",
        f"/rest/v1.1/requisitions?project_id={BENCH_PROJECT}"
        f"&filters%5Bcommitment_id%5D={BENCH_PAY_CONTRACT}",
        PROCORE_BENCH,
        None,
    )
    for answer in (acc, bench):
        if answer.status != 200:
            raise SystemExit(f"{answer.path} answered {answer.status}: {answer.body[:500]!r}")
    return {
        "acc_payment_id": json.loads(acc.body)["results"][0]["id"],
        "bench_pay_app_id": str(json.loads(bench.body)[0]["id"]),
    }


def prepare(endpoint: Endpoint, values: dict[str, str], connections: int) -> Run:
    contract = BENCH_REQUISITION_CONTRACTS.get(connections, BENCH_REQUISITION_CONTRACT)
    body = endpoint.body or ""
    body = body.replace("{requisition_body}", requisition_body(contract))
    path = endpoint.path
    for name, value in values.items():
        path = path.replace("{" + name + "}", value)
        body = body.replace("{" + name + "}", value)
    return Run(endpoint=endpoint, url_path=path, body=body)


# -- the floor -----------------------------------------------------------------------------------
def serve_floor(captures_file: Path, port: int) -> None:
    """The floor: answers each captured path with drawbridge's bytes, on the same stack."""
    app = FastAPI()
    for item in json.loads(captures_file.read_text("utf-8")):
        capture = Capture(
            item["method"],
            item["path"],
            item["status"],
            item["content_type"],
            bytes.fromhex(item["body"]),
        )

        def answer(capture: Capture = capture) -> Any:
            async def endpoint(request: Request) -> Response:
                await request.body()  # a real endpoint reads what it was sent
                return Response(capture.body, capture.status, media_type=capture.content_type)

            return endpoint

        app.add_api_route(capture.path, answer(), methods=[capture.method])
    # The options ``drawbridge serve`` passes to uvicorn.
    uvicorn.run(app, host="127.0.0.1", port=port, log_level="info")


def write_captures(path: Path, captures: Sequence[Capture]) -> None:
    unique = {(capture.method, capture.path): capture for capture in captures}
    path.write_text(
        json.dumps(
            [
                {
                    "method": capture.method,
                    "path": capture.path,
                    "status": capture.status,
                    "content_type": capture.content_type,
                    "body": capture.body.hex(),
                }
                for capture in unique.values()
            ]
        ),
        "utf-8",
    )


# -- the run -------------------------------------------------------------------------------------
@contextmanager
def stopped_on_signals(processes: Processes) -> Iterator[None]:
    """SIGTERM ends the run like Ctrl-C does: through ``finally``, stopping every process."""

    def terminate(signum: int, frame: object) -> None:
        raise KeyboardInterrupt

    previous = signal.signal(signal.SIGTERM, terminate)
    try:
        yield
    finally:
        processes.stop_all()
        signal.signal(signal.SIGTERM, previous)


def plan(endpoints: Sequence[Endpoint], connections: int) -> list[Row]:
    rows = []
    for endpoint in endpoints:
        if endpoint.writes and connections != 1:
            rows.append(Row(endpoint, 1))
        rows.append(Row(endpoint, connections))
    return rows


def benchmark(args: argparse.Namespace) -> list[Row]:
    wrk = ensure_wrk()
    endpoints = [e for e in ENDPOINTS if not args.only or args.only.lower() in e.name.lower()]
    rows = plan(endpoints, args.connections)
    tag = secrets.token_hex(4)  # keeps this run's check numbers apart from any earlier run's
    processes = Processes()
    with (
        tempfile.TemporaryDirectory(prefix="drawbridge-bench-") as temp,
        stopped_on_signals(processes),
    ):
        folder = Path(temp)
        env = server_env(folder / "data")
        database = args.database or f"sqlite:///{folder / 'bench.db'}"
        print(f"loading the demo and {FIXTURE.name} into {database}", file=sys.stderr)
        load_databases(database, folder, env)
        serve_options = ["--workers", str(args.workers), "--threads", str(args.threads)]
        runs = measure_drawbridge(
            wrk, rows, processes, database, folder, env, args.duration, tag, serve_options
        )
        measure_floor(wrk, rows, runs, processes, folder, env, args.duration, tag)
    return rows


def measure_drawbridge(
    wrk: str,
    rows: Sequence[Row],
    processes: Processes,
    database: str,
    folder: Path,
    env: dict[str, str],
    duration: int,
    tag: str,
    serve_options: Sequence[str] = (),
) -> dict[int, Run]:
    """Each row against ``drawbridge serve`` (given ``serve_options``); returns the runs
    measured, by row."""
    port, log = free_port(), folder / "server.log"
    base = f"http://127.0.0.1:{port}"
    command = [*drawbridge_command(), "serve", "--port", str(port), "--database", database]
    command += serve_options
    server = processes.start(command, log, env)
    wait_until_up(server, base, "/healthz", log)
    values = discover(base)
    runs: dict[int, Run] = {}
    for index, row in enumerate(rows):
        run = prepare(row.endpoint, values, row.connections)
        body = run.body.replace("{seq}", f"{tag}-capture-{index}") if row.endpoint.writes else None
        capture = call(base, row.endpoint.method, run.url_path, row.endpoint.headers, body)
        if capture.status == 404 and row.endpoint.optional:
            row.skipped = "skipped: drawbridge answers 404 (the face is not mounted yet)"
            continue
        if not 200 <= capture.status < 300:
            raise SystemExit(
                f"{row.endpoint.name}: drawbridge answered {capture.status}, so there is"
                f" nothing to measure: {capture.body[:1000]!r}"
            )
        run.capture = capture
        runs[index] = run
        spec = spec_file(folder, run, index)
        # Each row its own check numbers: one check pays a pay application once.
        row.server = drive(wrk, base, run, spec, row.connections, duration, f"{tag}-{index}")
        progress("drawbridge", row, row.server)
    processes.stop(server)
    return runs


def measure_floor(
    wrk: str,
    rows: Sequence[Row],
    runs: dict[int, Run],
    processes: Processes,
    folder: Path,
    env: dict[str, str],
    duration: int,
    tag: str,
) -> None:
    """The same runs against the floor, answering what drawbridge answered."""
    captures = folder / "captures.json"
    write_captures(captures, [run.capture for run in runs.values() if run.capture])
    port, log = free_port(), folder / "floor.log"
    base = f"http://127.0.0.1:{port}"
    command = [sys.executable, __file__, "--serve-floor", str(captures), "--port", str(port)]
    floor = processes.start(command, log, env)
    wait_until_up(floor, base, "/__absent__", log)
    for index, run in runs.items():
        row = rows[index]
        spec = folder / f"request-{index}.txt"
        row.floor = drive(wrk, base, run, spec, row.connections, duration, tag)
        progress("floor", row, row.floor)
    processes.stop(floor)


def progress(label: str, row: Row, result: WrkResult) -> None:
    print(
        f"{label}: {row.endpoint.name} at {row.connections}: {result.rate:,.0f} req/s,"
        f" p50 {milliseconds(result.p50_us)} ms, p95 {milliseconds(result.p95_us)} ms,"
        f" {result.status_errors} non-2xx",
        file=sys.stderr,
    )


# -- the table -----------------------------------------------------------------------------------
def milliseconds(microseconds: int) -> str:
    return f"{microseconds / 1000:.1f}"


def figures(result: WrkResult) -> str:
    """req/s, p50, p95 and p99; a run in which no request finished has none."""
    if not result.requests:
        return f"none finished in {result.duration_us / 1e6:.0f}s | - | - | -"
    latencies = (result.p50_us, result.p95_us, result.p99_us)
    return f"{result.rate:,.0f} | " + " | ".join(map(milliseconds, latencies))


def table(rows: Sequence[Row]) -> str:
    lines = [
        "| endpoint | clients | req/s | p50 ms | p95 ms | p99 ms | non-2xx | floor req/s"
        " | floor p50 ms | floor p95 ms | floor p99 ms | of floor |",
        "|---|--:|--:|--:|--:|--:|--:|--:|--:|--:|--:|--:|",
    ]
    for row in rows:
        name = row.endpoint.name
        if row.skipped or row.server is None or row.floor is None:
            note = row.skipped or "not measured"
            lines.append(f"| {name} | {row.connections} | {note} | | | | | | | | | |")
            continue
        server, floor = row.server, row.floor
        errors = server.status_errors + server.socket_errors
        share = f"{server.rate / floor.rate:.2f}" if server.requests and floor.requests else "-"
        lines.append(
            f"| {name} | {row.connections} | {figures(server)} | {errors} | {figures(floor)}"
            f" | {share} |"
        )
    lines.append("")
    for endpoint in {row.endpoint.name: row.endpoint for row in rows}.values():
        lines.append(f"- {endpoint.name}: `{endpoint.method} {endpoint.path}`")
    return "\n".join(lines)


def failures(rows: Sequence[Row]) -> list[str]:
    """Rows whose figures measured errors rather than work. A run in which no request finished
    (every one took longer than the run: a busy machine, a short --duration) is not one: the
    request answered 2xx before the run, and the table says that nothing finished."""
    found = []
    for row in rows:
        for label, result in (("drawbridge", row.server), ("floor", row.floor)):
            if result is None:
                continue
            if result.status_errors or result.socket_errors:
                found.append(
                    f"{row.endpoint.name} at {row.connections} ({label}): {result.requests}"
                    f" requests, {result.status_errors} non-2xx, {result.socket_errors}"
                    " socket errors or timeouts"
                )
    return found


def main() -> None:
    parser = argparse.ArgumentParser(description=(__doc__ or "").splitlines()[0])
    parser.add_argument("--duration", type=int, default=10, help="seconds per run (default 10)")
    parser.add_argument("--connections", type=int, default=16, help="wrk connections (16)")
    parser.add_argument("--smoke", action="store_true", help="one second per run: does it work")
    parser.add_argument("--database", help="SQLAlchemy URL of a SCRATCH database (emptied)")
    parser.add_argument("--only", help="only the endpoints whose name contains this text")
    parser.add_argument(
        "--workers", type=int, default=1, help="drawbridge serve --workers (the floor runs one)"
    )
    parser.add_argument(
        "--threads",
        type=int,
        default=DEFAULT_REQUEST_THREADS,
        help=f"drawbridge serve --threads ({DEFAULT_REQUEST_THREADS}, serve's default)",
    )
    parser.add_argument("--serve-floor", type=Path, help=argparse.SUPPRESS)
    parser.add_argument("--port", type=int, help=argparse.SUPPRESS)
    args = parser.parse_args()
    if args.serve_floor:
        serve_floor(args.serve_floor, args.port)
        return
    if args.smoke:
        args.duration = 1
    if args.duration < 1 or args.connections < 1:
        parser.error("--duration and --connections must be at least 1")

    started = datetime.now(UTC)
    try:
        rows = benchmark(args)
    except KeyboardInterrupt:
        print("interrupted: every process the benchmark started is stopped", file=sys.stderr)
        raise SystemExit(130) from None
    print(
        f"drawbridge HTTP benchmark, {started:%Y-%m-%d %H:%M} UTC: wrk, {args.duration}s a run,"
        f" {args.connections} connections (writes also at 1), {os.cpu_count()} CPUs,"
        f" {'PostgreSQL' if (args.database or '').startswith('postgresql') else 'SQLite'},"
        f" drawbridge serve --workers {args.workers}"
        f" --threads {args.threads}\n"
    )
    print(table(rows))
    print(
        "\nreq/s: requests answered per second; p50/p95/p99: latency percentiles; non-2xx: answers"
        " with a status of 400 or more, socket errors and timeouts; floor: a bare FastAPI app"
        " answering drawbridge's bytes on the same uvicorn; of floor: req/s / floor req/s."
    )
    bad = failures(rows)
    if bad:
        print("\nERRORS (these figures measure failures, not work):", *bad, sep="\n  ")
        raise SystemExit(1)


if __name__ == "__main__":
    main()
