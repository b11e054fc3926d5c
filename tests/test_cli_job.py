"""A contractor's whole job on the command line, run as a person would: each step is a separate
`drawbridge` process on one SQLite database. Parties, a project, a contract whose SOV comes from
an XLSX file, three monthly pay applications with their work from spreadsheets, a change order,
payments, and the documents exported at the end, checked against the engine's figures."""

from __future__ import annotations

import os
import shlex
import subprocess
import sys
from io import BytesIO
from pathlib import Path

import pytest
import yaml
from openpyxl import Workbook, load_workbook
from typer.testing import CliRunner

from drawbridge.bootstrap import Runtime, build
from drawbridge.cli import app
from drawbridge.exports.formats import money
from drawbridge.services import auth, contracts, pay_apps
from drawbridge.services.documents import document_of
from drawbridge.services.views import PayAppView
from tests.exports.ledger import COMPANY, sixty_line_document
from tests.exports.tools import pdf_text
from tests.support import admin_actor, load

DRAWBRIDGE = str(Path(sys.executable).parent / "drawbridge")
EMAIL = "pm@acme.test"
LINES = 30
LEDGER_ACTOR = admin_actor(COMPANY)
runner = CliRunner()


def scheduled(index: int) -> float:
    return 10_000.0 + index * 1_250  # whole dollars: a quarter, a fifth... stay in cents


def workbook(path: Path, rows: list[list[object]]) -> Path:
    book = Workbook()
    sheet = book.active
    assert sheet is not None
    for row in rows:
        sheet.append(row)
    book.save(path)
    return path


class Job:
    def __init__(self, tmp_path: Path) -> None:
        self.dir = tmp_path
        self.url = f"sqlite:///{tmp_path / 'job.db'}"
        self.env = {
            **os.environ,
            "DRAWBRIDGE_DATABASE_URL": self.url,
            "DRAWBRIDGE_DATA_DIR": str(tmp_path / "files"),
            "DRAWBRIDGE_AS": EMAIL,
            "COLUMNS": "200",
        }

    def sh(self, command: str, *, fails: bool = False) -> str:
        """One command line, as typed after ``drawbridge``."""
        return self.run(*shlex.split(command), fails=fails)

    def run(self, *args: str, fails: bool = False) -> str:
        done = subprocess.run(
            [DRAWBRIDGE, *args],
            cwd=self.dir,
            env=self.env,
            capture_output=True,
            text=True,
            timeout=120,
            check=False,
        )
        if fails:
            assert done.returncode == 1, done.stdout + done.stderr
            return done.stderr
        assert done.returncode == 0, f"{args}: {done.stdout}{done.stderr}"
        return done.stdout


@pytest.fixture
def job(tmp_path: Path) -> Job:
    job = Job(tmp_path)
    company = {
        "companies": [
            {
                "id": 1,
                "name": "Acme Builders",
                "users": [{"email": EMAIL, "name": "Pat Manager", "role": "admin"}],
            }
        ]
    }
    (tmp_path / "company.yaml").write_text(yaml.safe_dump(company))
    job.sh("load company.yaml")
    return job


def test_a_contractors_job_from_the_command_line(job: Job) -> None:
    job.sh(
        "party add --kind customer --code OWNER --name 'Harbor Point Holdings'"
        " --city Oakland --state CA"
    )
    job.sh("party add --kind architect --code ARCH --name 'Lindqvist Architects'")
    assert "created project HP-1" in job.sh(
        "project create --code HP-1 --name 'Harbor Point offices' --number 2041"
    )
    assert "Harbor Point offices" in job.sh("project list")
    # 10 % retainage (5 % on stored materials), 5 % from the application after 50 % complete.
    job.sh(
        "contract create --project HP-1 --number HP-PRIME --title 'Core and shell' --party OWNER"
        " --architect ARCH --date 2025-01-02 --retainage 10 --materials-retainage 5"
        " --retainage-step 50:5"
    )
    assert "10 % cumulative" in job.sh("contract list")

    # The SOV from a spreadsheet: a dry run first, which changes nothing.
    sov = workbook(
        job.dir / "sov.xlsx",
        [["Item No.", "Description of work", "Cost code", "Scheduled value"]]
        + [[str(i), f"Scope {i:02d}", f"{i:02d}-000", scheduled(i)] for i in range(1, LINES + 1)],
    )
    out = job.sh(f"sov import {sov} --contract HP-PRIME --dry-run")
    assert "30 to create" in out
    assert "dry run: nothing was changed" in out
    assert "Scope 01" not in job.sh("contract show HP-PRIME")
    out = job.sh(f"sov import {sov} --contract HP-PRIME")
    assert "30 created" in out
    assert "contract sum of the SOV: 881,250.00" in out

    # A bad work file creates no pay application and names the row and column.
    bad = workbook(job.dir / "bad.xlsx", [["Item", "This period"], ["1", 100], ["77", 5]])
    err = job.sh(f"payapp new --contract HP-PRIME --work {bad}", fails=True)
    assert "row 3, column 'Item': no line 77 on pay application 1" in err
    assert "Application" not in job.sh("contract show HP-PRIME").split("Pay applications")[1]

    # Month 1: a quarter of every line; approved and paid in full.
    month(job, 1, [[str(i), scheduled(i) / 4, None] for i in range(1, LINES + 1)])
    job.sh("payapp approve --contract HP-PRIME")
    first = read(job, 1)
    out = job.sh(
        f"payment record --contract HP-PRIME --amount {money(first.summary.current_payment_due)}"
        " --date 2025-02-20 --method check --check-number 1001"
    )
    assert "0.00 still unpaid" in out

    # Month 2: a change order approved in February joins the application; a part payment.
    assert "draft" in job.sh(
        "co create --contract HP-PRIME --number CO-001 --title Lobby"
        " --item 'Added canopy=42500' --item 'Deleted planters=-7250'"
    )
    job.sh("co approve CO-001 --contract HP-PRIME --date 2025-02-10")
    assert "CO-001.2" in job.sh("co list --contract HP-PRIME")
    month(
        job,
        2,
        [[str(i), scheduled(i) / 5, None] for i in range(1, LINES + 1)]
        + [["CO-001.1", 10000, None]],
    )
    second = read(job, 2)
    assert second.summary.net_change_by_change_orders == 3_525_000
    job.sh("payment record --contract HP-PRIME --number 2 --amount 50000")

    # Month 3: materials stored on the canopy.
    month(
        job,
        3,
        [[str(i), scheduled(i) / 5, None] for i in range(1, LINES + 1)] + [["CO-001.1", 0, 2500]],
    )
    job.sh("payapp approve --contract HP-PRIME")
    third = read(job, 3)
    assert third.summary.materials_presently_stored == 250_000
    assert third.summary.stored_materials_retainage_amount == 12_500  # 5 % of 2,500.00
    assert third.summary.percent_complete > 50
    more = workbook(
        job.dir / "more.xlsx", [["Number", "Description", "Scheduled value"], ["31", "Late", 10]]
    )
    err = job.sh(f"sov import {more} --contract HP-PRIME", fails=True)
    assert "row 2, column 'Number': new line 31" in err

    # Month 4: past 50 % complete, the step lowers retainage on work to 5 %.
    month(job, 4, [[str(i), scheduled(i) * 15 / 100, None] for i in range(1, LINES + 1)])
    fourth = read(job, 4)
    assert fourth.summary.work_percent == 5
    assert (
        fourth.summary.completed_work_retainage_amount
        < third.summary.completed_work_retainage_amount
    )

    # Month 5: the rest of the work, the canopy installed from stored materials.
    month(
        job,
        5,
        [[str(i), scheduled(i) * 20 / 100, None] for i in range(1, LINES + 1)]
        + [["CO-001.1", 32500, 0]],
    )
    fifth = read(job, 5)
    assert fifth.summary.balance_to_finish == -725_000  # the deduction is never billed

    # Month 6, final: every line's retainage released, and paid.
    release = [
        [
            line.sov_line.number if line.sov_line else "CO-001.1",
            line.figures.work_retainage_currently_retained / 100,
        ]
        for line in fifth.g703_lines
        if line.figures.work_retainage_currently_retained
    ]
    final = workbook(job.dir / "month6.xlsx", [["Item", "Retainage released"], *release])
    job.sh(
        f"payapp new --contract HP-PRIME --work {final} --date 2025-06-30 --to 2025-06-30 --final"
    )
    job.sh("payapp submit --contract HP-PRIME")
    job.sh("payapp approve --contract HP-PRIME")
    sixth = read(job, 6)
    assert sixth.final
    assert sixth.summary.total_retainage == 0
    assert sixth.summary.current_payment_due == fifth.summary.total_retainage
    out = job.sh(
        f"payment record --contract HP-PRIME --amount {money(sixth.summary.current_payment_due)}"
    )
    assert "0.00 still unpaid" in out

    # payapp show: the G702 heading, the G703 rows with whole descriptions, lines 1 to 9.
    shown = job.sh("payapp show --contract HP-PRIME --number 3")
    for expected in (
        "Harbor Point Holdings (Oakland, CA)",
        "Lindqvist Architects",
        "3 (approved)",
        "Current payment due (6 - 7)",
        money(third.summary.current_payment_due),
        "Added canopy",
        "CO-001.1",
    ):
        assert expected in shown, expected
    listed = job.sh("payapp list --contract HP-PRIME")
    for view in (first, second, third, fourth, fifth, sixth):
        assert money(view.summary.current_payment_due) in listed

    # The documents, with the engine's figures.
    job.sh("payapp export --contract HP-PRIME --number 3 --format pdf --output g702.pdf")
    text = pdf_text((job.dir / "g702.pdf").read_bytes(), job.dir)
    for _, _, cents in document_of(third).g702_lines():
        assert money(cents) in text
    job.sh("payapp export --contract HP-PRIME --number 2 --format csv")
    assert (job.dir / "HP-PRIME-2.csv").read_text().startswith("Item,Description of work,")
    job.sh("payapp export --contract HP-PRIME --format xlsx")
    assert (job.dir / "HP-PRIME-6.xlsx").stat().st_size > 0
    job.sh("payapp export --contract HP-PRIME --history --format xlsx")
    book = load_workbook(BytesIO((job.dir / "HP-PRIME-history.xlsx").read_bytes()), data_only=True)
    assert book.sheetnames == ["Summary", *(f"Application {n}" for n in range(1, 7))]
    job.sh("sov export --contract HP-PRIME --format csv")
    assert "Scope 30" in (job.dir / "HP-PRIME-sov.csv").read_text()


def month(job: Job, number: int, rows: list[list[object]]) -> None:
    """A month's pay application with its work from a spreadsheet, submitted."""
    end = f"2025-{number:02d}-28"
    work = workbook(
        job.dir / f"month{number}.xlsx",
        [["Item", "Work completed this period", "Materials presently stored"], *rows],
    )
    out = job.sh(f"payapp new --contract HP-PRIME --work {work} --date {end} --to {end}")
    assert f"created pay application {number}" in out
    job.sh(f"payapp submit --contract HP-PRIME --number {number}")


def test_who_acts_must_be_a_member(job: Job) -> None:
    job.env.pop("DRAWBRIDGE_AS")
    err = job.run("project", "list", fails=True)
    assert "--as EMAIL" in err
    err = job.run("project", "list", "--as", "nobody@acme.test", fails=True)
    assert "no user with the email 'nobody@acme.test'" in err
    err = job.run("project", "list", "--as", EMAIL, "--company", "2", fails=True)
    assert "no access to company 2" in err


def read(job: Job, number: int) -> PayAppView:
    runtime = build(job.url, create=False)
    try:
        actor = auth.act_as_member(runtime.uow(read_only=True), EMAIL)
        _, contract_id = contracts.resolve_contract(runtime.uow(), "HP-PRIME", actor.company_id)
        return pay_apps.find_pay_app(runtime.uow(read_only=True), actor, contract_id, number)
    finally:
        runtime.close()


def test_work_on_an_existing_application_with_a_dry_run(runtime: Runtime, tmp_path: Path) -> None:
    """In process, on the 60-line ledger: `payapp work --dry-run` reports and changes nothing."""
    load(runtime, sixty_line_document())
    url = runtime.settings.database_url
    work = tmp_path / "work.csv"
    work.write_text("Item;This period\n1;1000\nCO-001.1;2500,00\n")  # a semicolon-separated file
    common = ["--contract", "HP-PRIME", "--as", "pm@acme.test", "--database", url]
    before = pay_apps.find_pay_app(runtime.uow(read_only=True), LEDGER_ACTOR, 8300, 3)

    result = runner.invoke(app, ["payapp", "work", str(work), *common, "--dry-run"])
    assert result.exit_code == 1  # "2500,00" is not an amount: nothing is entered
    assert "row 3, column 'This period'" in result.output

    work.write_text("Item;This period\n1;1000\nCO-001.1;2500\n")
    result = runner.invoke(app, ["payapp", "work", str(work), *common, "--dry-run"])
    assert result.exit_code == 0, result.output
    assert "2 to update" in result.output
    assert "dry run: nothing was changed" in result.output
    after = pay_apps.find_pay_app(runtime.uow(read_only=True), LEDGER_ACTOR, 8300, 3)
    assert after.summary == before.summary

    result = runner.invoke(app, ["payapp", "work", str(work), *common])
    assert result.exit_code == 0, result.output
    after = pay_apps.find_pay_app(runtime.uow(read_only=True), LEDGER_ACTOR, 8300, 3)
    assert after.g703_lines[0].figures.work_completed_this_period == 100_000
    assert f"line 8, current payment due: {money(after.summary.current_payment_due)}" in (
        result.output
    )
