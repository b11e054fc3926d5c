"""The shell sessions in the README and docs/*.md run as written, and print what they say.

A fenced ``sh`` block right after ``<!-- session: demo -->`` is a session. Every marked block of a
document runs, in order, in one bash process against a freshly started demo server (a real
``drawbridge serve --demo`` on a free 127.0.0.1 port, on the test database); the port is the only
thing changed. A command followed by ``# =>`` lines states what it prints:

- ``# => text 58,473.00``: the output contains the text;
- ``# => header Total: 5``: the output has that header line (``curl -i``);
- ``# => id = 19, summary.current_payment_due = 1350.00``: the JSON body has those values (a path
  is dotted keys and list indexes; a value is compared as the text the JSON holds).

Consecutive ``# =>`` lines are one expectation. A session that fails, or prints something else,
fails the test, which names the document, the expectation and the output.
"""

from __future__ import annotations

import json
import os
import re
import shlex
import socket
import subprocess
import sys
import time
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

import httpx
import pytest

from drawbridge.bootstrap import Runtime

ROOT = Path(__file__).resolve().parent.parent
DOCUMENTS = [ROOT / "README.md", *sorted((ROOT / "docs").glob("*.md"))]
SESSION = re.compile(r"<!-- session: demo -->\s*\n```sh\n(.*?)```", re.DOTALL)
EXPECT = "# =>"
MARK = "@@expect {}@@"
PRINT_MARK = "printf '\\n%s\\n' '"


@dataclass(frozen=True)
class Expectation:
    line: int  # in the document's sessions, for messages
    checks: tuple[str, ...]  # one per `# =>` line; a line ending in "," goes on in the next


def sessions(document: Path) -> list[str]:
    return SESSION.findall(document.read_text("utf-8"))


def instrument(script: str) -> tuple[str, list[Expectation]]:
    """The script with each run of ``# =>`` lines replaced by a marker printed on stdout."""
    lines: list[str] = []
    expectations: list[Expectation] = []
    for number, line in enumerate(script.splitlines(), 1):
        stripped = line.strip()
        if stripped.startswith(EXPECT):
            text = stripped[len(EXPECT) :].strip()
            if lines and lines[-1].startswith(PRINT_MARK):
                *done, last = expectations[-1].checks
                checks = (*done, f"{last} {text}") if last.endswith(",") else (*done, last, text)
                expectations[-1] = Expectation(expectations[-1].line, checks)
                continue
            lines.append(f"{PRINT_MARK}{MARK.format(len(expectations))}'")
            expectations.append(Expectation(number, (text,)))
        else:
            lines.append(line)
    return "\n".join(lines) + "\n", expectations


def outputs(stdout: str, count: int) -> list[str]:
    """What was printed before each marker (since the previous one)."""
    found: list[str] = []
    rest = stdout
    for index in range(count):
        marker = MARK.format(index)
        before, sep, rest = rest.partition(marker)
        assert sep, f"the session stopped before expectation {index}:\n{stdout}"
        found.append(before)
    return found


def check(expectation: Expectation, output: str) -> None:
    for text in expectation.checks:
        check_one(text, output)


def check_one(text: str, output: str) -> None:
    kind, _, rest = text.partition(" ")
    if kind == "text":
        assert rest in output, f"{text!r} not in:\n{output}"
        return
    if kind == "header":
        headers = [line.strip() for line in output.splitlines()]
        assert any(line.lower() == rest.lower() for line in headers), (
            f"no header {rest!r} in:\n{output}"
        )
        return
    body = json.loads(output[output.index(next(c for c in output if c in "[{")) :])
    for pair in text.rstrip(",").split(","):
        path, _, wanted = (part.strip() for part in pair.partition("="))
        value = body
        for key in path.split("."):
            value = value[int(key)] if isinstance(value, list) else value[key]
        shown = value if isinstance(value, str) else json.dumps(value)
        assert shown == wanted, f"{path}: {shown!r}, the docs say {wanted!r}:\n{output}"


def free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        port: int = probe.getsockname()[1]
        return port


@pytest.fixture
def demo_server(runtime: Runtime, tmp_path: Path) -> Iterator[tuple[int, dict[str, str]]]:
    """A real demo server on the test database; yields its port and the session environment."""
    port = free_port()
    environment = {
        **os.environ,
        "DRAWBRIDGE_DATABASE_URL": runtime.settings.database_url,
        "DRAWBRIDGE_DATA_DIR": str(tmp_path / "files"),
        "TMPDIR": str(tmp_path),
        "PATH": f"{Path(sys.executable).parent}{os.pathsep}{os.environ.get('PATH', '')}",
    }
    environment.pop("DRAWBRIDGE_OPERATOR_TOKEN", None)
    command = [str(Path(sys.executable).parent / "drawbridge"), "serve", "--demo"]
    log = (tmp_path / "server.log").open("w")
    server = subprocess.Popen(
        [*command, "--port", str(port)], env=environment, stdout=log, stderr=log, cwd=tmp_path
    )
    try:
        deadline = time.monotonic() + 60
        while True:
            assert server.poll() is None, (tmp_path / "server.log").read_text()
            try:
                if httpx.get(f"http://127.0.0.1:{port}/healthz", timeout=1).status_code == 200:
                    break
            except httpx.TransportError:
                pass
            assert time.monotonic() < deadline, (tmp_path / "server.log").read_text()
            time.sleep(0.2)
        yield port, environment
    finally:
        server.terminate()
        server.wait(timeout=30)
        log.close()


@pytest.mark.parametrize(
    "document",
    [d for d in DOCUMENTS if sessions(d)],
    ids=lambda d: str(d.relative_to(ROOT)),
)
def test_the_documented_sessions_run_and_print_what_they_say(
    document: Path, demo_server: tuple[int, dict[str, str]]
) -> None:
    port, environment = demo_server
    script, expectations = instrument("\n".join(sessions(document)))
    script = re.sub(r"(127\.0\.0\.1|localhost):8000", f"127.0.0.1:{port}", script)
    ran = subprocess.run(
        ["bash", "-euo", "pipefail", "-c", script],
        cwd=ROOT,
        env=environment,
        capture_output=True,
        text=True,
        timeout=300,
    )
    assert ran.returncode == 0, (
        f"{document.name}: exit {ran.returncode}\n{ran.stdout}\n{ran.stderr}\n"
        f"script:\n{shlex.quote(script)}"
    )
    assert expectations, f"{document.name}: a session without expectations checks nothing"
    for expectation, output in zip(
        expectations, outputs(ran.stdout, len(expectations)), strict=True
    ):
        check(expectation, output)


def test_the_instrumentation_checks_what_it_should() -> None:
    script, expectations = instrument(
        'echo \'{"a": {"b": [1, "x"]}}\'\n# => a.b.0 = 1,\n# => a.b.1 = x\n'
    )
    assert [e.checks for e in expectations] == [("a.b.0 = 1, a.b.1 = x",)]
    ran = subprocess.run(["bash", "-c", script], capture_output=True, text=True, check=True)
    (output,) = outputs(ran.stdout, 1)
    check(expectations[0], output)
    with pytest.raises(AssertionError, match="the docs say '2'"):
        check(Expectation(1, ("a.b.0 = 2",)), output)
    with pytest.raises(AssertionError):
        check(Expectation(1, ("text nowhere",)), output)
    with pytest.raises(AssertionError):
        check(Expectation(1, ("header Total: 5",)), "Total: 4\n")
