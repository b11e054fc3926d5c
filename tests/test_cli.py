"""The command line, run as a person would: load, token create, payapp show, serve's start-up."""

from __future__ import annotations

import gc
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
import uvicorn
import yaml
from fastapi.testclient import TestClient
from typer.testing import CliRunner

from drawbridge.api.app import (
    WORKER_THREADS_VARIABLE,
    WORKER_VENDOR_LIMITS_VARIABLE,
    create_worker_app,
)
from drawbridge.bootstrap import DEFAULT_REQUEST_THREADS, Runtime
from drawbridge.cli import DEMO_OPERATOR_TOKEN, app, demo_fixture_text
from drawbridge.domain.errors import Unauthorized
from drawbridge.domain.rules import Role
from drawbridge.services import auth, web_sessions
from tests.support import request_threads

runner = CliRunner()


@pytest.fixture
def demo_file(tmp_path: Path) -> Path:
    path = tmp_path / "demo.yaml"
    path.write_text(demo_fixture_text())
    return path


@pytest.fixture
def demo(runtime: Runtime, demo_file: Path) -> str:
    """The demo loaded through the command line; returns the database URL."""
    url = runtime.settings.database_url
    loaded = runner.invoke(app, ["load", str(demo_file), "--database", url])
    assert loaded.exit_code == 0, loaded.output
    return url


def test_load_prints_a_readable_summary(runtime: Runtime, demo_file: Path) -> None:
    url = runtime.settings.database_url
    loaded = runner.invoke(app, ["load", str(demo_file), "--database", url])
    assert loaded.exit_code == 0, loaded.output
    assert "2 companies, 2 projects, 5 contracts, 22 pay applications, 17 payments" in (
        loaded.stdout
    )
    assert "{" not in loaded.stdout


def test_payapp_show_prints_the_g702_header_lines_and_summary(demo: str) -> None:
    shown = runner.invoke(
        app, ["payapp", "show", "--contract", "SC-001", "--number", "5", "--database", demo]
    )
    assert shown.exit_code == 0, shown.output
    out = shown.stdout
    # The G702 heading: owner (us, for a subcontract), contractor, project, dates, invoice.
    for expected in (
        "Granite Peak Builders",
        "Ernie's Electrical (Emeryville, CA)",
        "Dimensions - Berkeley Technology Inc (DIM - BTI, no. 100)",
        "Application date │ 2025-06-30",
        "Invoice number   │ EE-25-115",
        "5 (under_review)",
    ):
        assert expected in out, expected
    # Thousands separators; totals from the demo's application 5 (see docs/procore.md).
    assert "412,100.00" in out  # line 3
    assert "28,303.00" in out  # line 5
    assert "58,473.00" in out  # line 8
    assert "Current payment due (6 - 7)" in out
    # Long descriptions wrap instead of being cut.
    assert "…" not in out
    assert "Communications horizontal cabling" in out
    assert "rough-in" in out


def test_the_owner_side_header_names_the_customer_and_architect(demo: str) -> None:
    shown = runner.invoke(app, ["payapp", "show", "--contract", "BTI-01", "--database", demo])
    assert shown.exit_code == 0, shown.output
    assert "Berkeley Technology Inc (Berkeley, CA)" in shown.stdout
    assert "Eberhardt Design Partners (Oakland, CA)" in shown.stdout
    assert "GPB-100-06" in shown.stdout


def test_a_bad_fixture_exits_non_zero_names_the_path_and_loads_nothing(
    runtime: Runtime, tmp_path: Path
) -> None:
    bad = tmp_path / "bad.yaml"
    bad.write_text(demo_fixture_text().replace("payment_method: check", "payment_method: cash", 1))
    result = runner.invoke(app, ["load", str(bad), "--database", runtime.settings.database_url])
    assert result.exit_code == 1
    assert ".payments[0].payment_method" in result.stderr
    with runtime.uow() as uow:
        assert uow.repo.companies() == []
    good = tmp_path / "good.yaml"
    good.write_text(demo_fixture_text())
    fixed = runner.invoke(app, ["load", str(good), "--database", runtime.settings.database_url])
    assert fixed.exit_code == 0, fixed.output


def test_an_impossible_date_is_a_path_named_error_not_a_traceback(
    runtime: Runtime, tmp_path: Path
) -> None:
    bad = tmp_path / "bad.yaml"
    bad.write_text(
        demo_fixture_text().replace("billing_date: 2025-04-30", "billing_date: 2025-04-31", 1)
    )
    result = runner.invoke(app, ["load", str(bad), "--database", runtime.settings.database_url])
    assert result.exit_code == 1
    assert "Traceback" not in result.output
    assert result.exception is None or isinstance(result.exception, SystemExit)
    said = " ".join(result.output.split())  # the console may wrap long lines
    assert "companies[0].projects[0].contracts[0].pay_apps[3].billing_date: not a date" in said
    with runtime.uow() as uow:
        assert uow.repo.companies() == []


def _token(url: str, *args: str) -> Any:
    return runner.invoke(app, ["token", "create", *args, "--database", url])


def test_token_create_prints_the_token_alone_and_says_whom_it_is_for(
    runtime: Runtime, demo: str
) -> None:
    result = _token(demo, "--email", "marco.ruiz@granitepeak.test", "--company", "1")
    assert result.exit_code == 0, result.output
    token = result.stdout.strip()
    assert "\n" not in token
    assert "marco.ruiz@granitepeak.test (Marco Ruiz), standard in company 1" in result.stderr
    assert "Granite Peak Builders" in result.stderr
    assert "granted" not in result.stderr
    principal = auth.authenticate(runtime.uow(), token)
    assert principal.memberships == {1: Role.STANDARD}


def test_token_create_never_grants_a_membership_silently(runtime: Runtime, demo: str) -> None:
    # Dana is an admin of company 1 only: a token for company 2 would open it to her.
    refused = _token(demo, "--email", "dana.whitfield@granitepeak.test", "--company", "2")
    assert refused.exit_code == 1
    assert "not a member of company 2 (Harbor Line Electric)" in refused.stderr
    assert "--grant-membership" in refused.stderr
    assert refused.stdout == ""
    dana = auth.authenticate(runtime.uow(), "demo-admin-token-0001")
    assert dana.memberships == {1: Role.ADMIN}

    # Nor a new user, nor a changed role.
    assert _token(demo, "--email", "new@granite.test", "--company", "1").exit_code == 1
    changed = _token(
        demo, "--email", "dana.whitfield@granitepeak.test", "--company", "1", "--role", "standard"
    )
    assert changed.exit_code == 1
    assert "is admin in company 1" in changed.stderr

    granted = _token(
        demo,
        "--email",
        "new@granite.test",
        "--company",
        "1",
        "--role",
        "admin",
        "--scopes",
        "data:read",
        "--grant-membership",
    )
    assert granted.exit_code == 0, granted.output
    assert "created the user new@granite.test" in granted.stderr
    assert "granted new@granite.test the admin role in company 1" in granted.stderr
    principal = auth.authenticate(runtime.uow(), granted.stdout.strip())
    assert principal.email == "new@granite.test"
    assert principal.scopes == frozenset({"data:read"})
    assert principal.memberships == {1: Role.ADMIN}


@pytest.mark.parametrize("email", ["notanemail", "two words@granite.test"])
def test_token_create_refuses_a_non_email(demo: str, email: str) -> None:
    result = _token(demo, "--email", email, "--company", "1", "--grant-membership")
    assert result.exit_code == 1
    assert "is not an email address" in result.stderr


def test_token_create_for_an_unknown_company_fails(demo: str) -> None:
    result = _token(demo, "--email", "x@y.test", "--company", "999", "--grant-membership")
    assert result.exit_code == 1
    assert "no company 999" in result.stderr


def _one_line_error(result: Any) -> str:
    assert result.exit_code == 1, result.output
    assert result.stdout == ""
    lines = result.stderr.strip().splitlines()
    assert len(lines) == 1, result.stderr
    assert "Traceback" not in result.stderr
    line: str = lines[0]
    assert line.startswith("error: ")
    return line


def test_read_only_commands_never_create_a_database(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.chdir(tmp_path)
    monkeypatch.delenv("DRAWBRIDGE_DATABASE_URL", raising=False)
    for args in (
        ["payapp", "show", "--contract", "SC-001"],
        ["token", "create", "--email", "a@b.test", "--company", "1", "--grant-membership"],
    ):
        line = _one_line_error(runner.invoke(app, args))
        assert "no database at drawbridge.db" in line
        assert "drawbridge load" in line
    assert list(tmp_path.iterdir()) == []


@pytest.mark.parametrize(
    ("url", "says"),
    [
        ("nonsense", "is not a database URL"),
        ("mysql://user@127.0.0.1:1/x", "driver"),
        # Port 1 refuses connections: the usual spellings all reach psycopg 3 and fail in one line.
        ("postgresql://user@127.0.0.1:1/x", "cannot use the database"),
        ("postgres://user@127.0.0.1:1/x", "cannot use the database"),
        ("postgresql+psycopg://user:secret@127.0.0.1:1/x", "cannot use the database"),
    ],
)
def test_a_database_that_cannot_be_used_is_one_line(url: str, says: str) -> None:
    line = _one_line_error(
        runner.invoke(app, ["payapp", "show", "--contract", "SC-001", "--database", url])
    )
    assert says in line
    assert "secret" not in line
    assert "psycopg2" not in line


def test_version_and_help() -> None:
    version = runner.invoke(app, ["--version"])
    assert version.exit_code == 0
    assert version.stdout.startswith("drawbridge ")
    for command in (["serve"], ["load"], ["token", "create"], ["payapp", "show"]):
        shown = runner.invoke(app, [*command, "--help"])
        assert shown.exit_code == 0, shown.output
        assert "<bool>" not in shown.stdout
        assert "--no-" not in shown.stdout


@pytest.fixture
def served(monkeypatch: pytest.MonkeyPatch) -> Iterator[list[Any]]:
    """``serve`` runs up to the point of listening; the application it would serve is kept.
    The objects a server process freezes out of the garbage collector's sight are given back
    to it afterwards, as the test process goes on."""
    apps: list[Any] = []
    monkeypatch.setattr(uvicorn, "run", lambda application, **_: apps.append(application))
    monkeypatch.delenv("DRAWBRIDGE_OPERATOR_TOKEN", raising=False)
    yield apps
    gc.unfreeze()


def test_serve_demo_loads_once_offers_reset_and_keeps_its_operator_token(
    runtime: Runtime, served: list[Any]
) -> None:
    url = runtime.settings.database_url
    first = runner.invoke(app, ["serve", "--demo", "--database", url])
    assert first.exit_code == 0, first.output
    assert "loaded the demo data: 2 companies" in first.stdout
    assert f"operator token (/_admin): {DEMO_OPERATOR_TOKEN}" in first.stdout

    again = runner.invoke(app, ["serve", "--demo", "--database", url])
    assert again.exit_code == 0, again.output
    assert "already holds data" in again.stdout
    assert "drawbridge serve --demo --reset" in again.stdout
    assert f"operator token (/_admin): {DEMO_OPERATOR_TOKEN}" in again.stdout

    reset = runner.invoke(app, ["serve", "--demo", "--reset", "--database", url])
    assert reset.exit_code == 0, reset.output
    assert "loaded the demo data" in reset.stdout
    with runtime.uow() as uow:
        assert len(uow.repo.companies()) == 2  # emptied first, so loaded once
    assert len(served) == 3


def test_serve_masks_an_operator_token_from_the_environment(
    runtime: Runtime, served: list[Any], monkeypatch: pytest.MonkeyPatch
) -> None:
    secret = "op-" + "s3cret" * 5
    monkeypatch.setenv("DRAWBRIDGE_OPERATOR_TOKEN", secret)
    result = runner.invoke(app, ["serve", "--demo", "--database", runtime.settings.database_url])
    assert result.exit_code == 0, result.output
    assert secret not in result.output
    assert "op-s… (from DRAWBRIDGE_OPERATOR_TOKEN)" in result.stdout


def test_serve_refuses_a_short_operator_token(
    runtime: Runtime, served: list[Any], monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("DRAWBRIDGE_OPERATOR_TOKEN", "a")
    line = _one_line_error(
        runner.invoke(app, ["serve", "--database", runtime.settings.database_url])
    )
    assert "at least 24" in line
    assert served == []


def test_serve_says_when_admin_is_disabled(runtime: Runtime, served: list[Any]) -> None:
    result = runner.invoke(app, ["serve", "--database", runtime.settings.database_url])
    assert result.exit_code == 0, result.output
    assert "/_admin is disabled: set DRAWBRIDGE_OPERATOR_TOKEN" in result.stdout
    assert len(served) == 1
    # The process is about to serve: what it built is out of the full collections' way.
    assert gc.get_freeze_count() > 10_000


def test_serve_reset_needs_demo(runtime: Runtime, served: list[Any]) -> None:
    line = _one_line_error(
        runner.invoke(app, ["serve", "--reset", "--database", runtime.settings.database_url])
    )
    assert "--demo" in line
    assert served == []


def test_a_long_load_shows_progress_and_a_summary(runtime: Runtime, tmp_path: Path) -> None:
    # 100 applications of 10.00 each on one 5,000.00 line: enough history for a progress bar.
    months = 100
    document = {
        "companies": [
            {
                "name": "Long Job Builders",
                "parties": [{"code": "V", "name": "Vendor", "kind": "vendor"}],
                "projects": [
                    {
                        "code": "LONG",
                        "name": "Long job",
                        "contracts": [
                            {
                                "kind": "commitment",
                                "number": "SC-1",
                                "title": "Work",
                                "party": "V",
                                "line_items": [
                                    {"id": 1, "description": "All", "scheduled_value": "5000.00"}
                                ],
                                "pay_apps": [
                                    {
                                        "number": n,
                                        "status": "approved",
                                        "lines": [
                                            {"line_item": 1, "work_completed_this_period": "10.00"}
                                        ],
                                    }
                                    for n in range(1, months + 1)
                                ],
                            }
                        ],
                    }
                ],
            }
        ]
    }
    path = tmp_path / "long.yaml"
    path.write_text(yaml.safe_dump(document))
    result = runner.invoke(app, ["load", str(path), "--database", runtime.settings.database_url])
    assert result.exit_code == 0, result.output
    assert "1 company, 1 project, 1 contract, 100 pay applications, 0 payments" in result.stdout
    assert "replaying 100 pay applications and payments" in result.stderr
    shown = runner.invoke(
        app, ["payapp", "show", "--contract", "SC-1", "--database", runtime.settings.database_url]
    )
    # 100 × 10.00 = 1,000.00 completed to date: 20.00 % of 5,000.00.
    assert "1,000.00" in shown.stdout
    assert "20.00 %" in shown.stdout


def test_user_set_password_reads_it_from_standard_input(demo: str, runtime: Runtime) -> None:
    email = "marco.ruiz@granitepeak.test"
    result = runner.invoke(
        app,
        ["user", "set-password", "--email", email, "--database", demo],
        input="a brand new passphrase\n",
    )
    assert result.exit_code == 0, result.output
    assert "password set for marco.ruiz@granitepeak.test (Marco Ruiz)" in result.stderr
    web_sessions.sign_in(runtime.uow(), email, "a brand new passphrase")
    with pytest.raises(Unauthorized):
        web_sessions.sign_in(runtime.uow(), email, "demo-standard-password")


def test_user_set_password_refuses_a_short_password_or_an_unknown_user(demo: str) -> None:
    short = runner.invoke(
        app,
        ["user", "set-password", "--email", "marco.ruiz@granitepeak.test", "--database", demo],
        input="short\n",
    )
    assert short.exit_code == 1
    assert "password: at least 10 characters" in short.stderr
    unknown = runner.invoke(
        app,
        ["user", "set-password", "--email", "ghost@granitepeak.test", "--database", demo],
        input="long enough passphrase\n",
    )
    assert unknown.exit_code == 1
    assert "no user ghost@granitepeak.test" in unknown.stderr


def test_client_create_registers_redirect_uris(demo: str) -> None:
    created = runner.invoke(
        app,
        [
            "client", "create", "--company", "1", "--email", "dana.whitfield@granitepeak.test",
            "--redirect-uri", "https://app.example/callback",
            "--redirect-uri", "urn:ietf:wg:oauth:2.0:oob",
            "--database", demo,
        ],
    )  # fmt: skip
    assert created.exit_code == 0, created.output
    assert "redirect_uri: https://app.example/callback" in created.stdout
    assert "redirect_uri: urn:ietf:wg:oauth:2.0:oob" in created.stdout
    refused = runner.invoke(
        app,
        [
            "client", "create", "--company", "1", "--email", "dana.whitfield@granitepeak.test",
            "--redirect-uri", "http://example.com/cb", "--database", demo,
        ],
    )  # fmt: skip
    assert refused.exit_code != 0
    assert "redirect_uris[0]: http:// only to localhost" in refused.output


UvicornRuns = list[tuple[Any, dict[str, Any]]]


@pytest.fixture
def uvicorn_runs(monkeypatch: pytest.MonkeyPatch) -> UvicornRuns:
    """What ``serve`` asks uvicorn to run (the application and the options), instead of
    serving it."""
    calls: UvicornRuns = []
    monkeypatch.setattr(
        uvicorn, "run", lambda application, **options: calls.append((application, options))
    )
    return calls


def test_serve_with_workers_hands_each_worker_process_the_database_it_migrated(
    runtime: Runtime, monkeypatch: pytest.MonkeyPatch, uvicorn_runs: UvicornRuns
) -> None:
    # serve sets these for its workers; monkeypatch puts them back afterwards.
    for name in (
        "DRAWBRIDGE_DATABASE_URL",
        "DRAWBRIDGE_DATA_DIR",
        WORKER_VENDOR_LIMITS_VARIABLE,
        WORKER_THREADS_VARIABLE,
    ):
        monkeypatch.setenv(name, "")
    monkeypatch.setenv("DRAWBRIDGE_OPERATOR_TOKEN", "op-token-for-the-workers-0001")
    url = runtime.settings.database_url
    result = runner.invoke(app, ["serve", "--database", url, "--workers", "2", "--threads", "3"])
    assert result.exit_code == 0, result.output
    [(application, options)] = uvicorn_runs
    assert application == "drawbridge.api.app:create_worker_app"
    assert options["factory"] is True
    assert options["workers"] == 2

    # What one worker process builds from that environment: an app on the same database,
    # computing three requests at once, with what it built frozen out of the garbage
    # collector's full collections.
    gc.unfreeze()
    worker = create_worker_app()
    try:
        assert gc.get_freeze_count() > 10_000
        assert worker.state.runtime.settings.database_url == url
        assert worker.state.runtime.settings.operator_token == "op-token-for-the-workers-0001"
        with TestClient(worker) as client:
            assert client.get("/healthz").json() == {"status": "ok"}
            assert request_threads(client) == 3
    finally:
        worker.state.runtime.close()


def test_serve_computes_as_many_requests_at_once_as_threads_says(
    runtime: Runtime, uvicorn_runs: UvicornRuns
) -> None:
    url = runtime.settings.database_url
    for given, expected in (([], DEFAULT_REQUEST_THREADS), (["--threads", "5"], 5)):
        uvicorn_runs.clear()
        result = runner.invoke(app, ["serve", "--database", url, *given])
        assert result.exit_code == 0, result.output
        [(application, _)] = uvicorn_runs
        try:
            with TestClient(application) as client:
                assert request_threads(client) == expected
        finally:
            application.state.runtime.close()
    refused = runner.invoke(app, ["serve", "--database", url, "--threads", "0"])
    assert refused.exit_code != 0
    assert "--threads" in refused.output


def test_serve_refuses_zero_workers(runtime: Runtime, served: list[Any]) -> None:
    result = runner.invoke(
        app, ["serve", "--database", runtime.settings.database_url, "--workers", "0"]
    )
    assert result.exit_code != 0
    assert served == []
