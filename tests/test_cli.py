"""The command line, run as a person would: load, token create, payapp show."""

from __future__ import annotations

from pathlib import Path

import pytest
from typer.testing import CliRunner

from drawbridge.bootstrap import Runtime
from drawbridge.cli import app, demo_fixture_text
from drawbridge.services import auth

runner = CliRunner()


@pytest.fixture
def demo_file(tmp_path: Path) -> Path:
    path = tmp_path / "demo.yaml"
    path.write_text(demo_fixture_text())
    return path


def test_load_then_show_a_pay_app(runtime: Runtime, demo_file: Path) -> None:
    url = runtime.settings.database_url
    loaded = runner.invoke(app, ["load", str(demo_file), "--database", url])
    assert loaded.exit_code == 0, loaded.output
    assert "'pay_apps': 22" in loaded.output
    shown = runner.invoke(
        app, ["payapp", "show", "--contract", "SC-001", "--number", "2", "--database", url]
    )
    assert shown.exit_code == 0, shown.output
    assert "application 2" in shown.output
    assert "Current payment due (6 - 7)" in shown.output
    assert "Original contract sum" in shown.output


def test_a_bad_fixture_exits_non_zero_names_the_path_and_loads_nothing(
    runtime: Runtime, tmp_path: Path
) -> None:
    bad = tmp_path / "bad.yaml"
    bad.write_text(demo_fixture_text().replace("payment_method: check", "payment_method: cash", 1))
    result = runner.invoke(app, ["load", str(bad), "--database", runtime.settings.database_url])
    assert result.exit_code == 1
    assert ".payments[0].payment_method" in result.output
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


def test_token_create_prints_a_token_that_authenticates(runtime: Runtime, demo_file: Path) -> None:
    url = runtime.settings.database_url
    runner.invoke(app, ["load", str(demo_file), "--database", url])
    result = runner.invoke(
        app,
        [
            "token",
            "create",
            "--email",
            "new@granite.test",
            "--company",
            "1",
            "--role",
            "admin",
            "--scopes",
            "data:read",
            "--database",
            url,
        ],
    )
    assert result.exit_code == 0, result.output
    principal = auth.authenticate(runtime.uow(), result.output.strip())
    assert principal.email == "new@granite.test"
    assert principal.scopes == frozenset({"data:read"})
    assert principal.memberships == {1: auth.Role.ADMIN}


def test_token_create_for_an_unknown_company_fails(runtime: Runtime) -> None:
    result = runner.invoke(
        app,
        [
            "token",
            "create",
            "--email",
            "x@y.test",
            "--company",
            "999",
            "--database",
            runtime.settings.database_url,
        ],
    )
    assert result.exit_code == 1
    assert "no company 999" in result.output
