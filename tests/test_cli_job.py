"""A contractor's whole job on the command line, run as a person would: each step is a separate
`drawbridge` process on one SQLite database. Parties, a project, a contract whose SOV comes from
an XLSX file, three monthly pay applications with their work from spreadsheets, a change order,
payments, and the documents exported at the end, checked against the engine's figures."""

from __future__ import annotations

import os
import subprocess
import sys
from io import BytesIO
from pathlib import Path

import pytest
import yaml
from openpyxl import Workbook, load_workbook

from drawbridge.bootstrap import build
from drawbridge.exports.formats import money
from drawbridge.services import auth, contracts, pay_apps
from drawbridge.services.documents import document_of
from drawbridge.services.views import PayAppView
from tests.exports.tools import pdf_text

DRAWBRIDGE = str(Path(sys.executable).parent / "drawbridge")
EMAIL = "pm@acme.test"
LINES = 30


def scheduled(index: int) -> str:
    return f"{10_000 + index * 1_250}.00"


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
    job.run("load", "company.yaml")
    return job


def test_a_contractors_job_from_the_command_line(job: Job) -> None:
    job.run(
        "party",
        "add",
        "--kind",
        "customer",
        "--code",
        "OWNER",
        "--name",
        "Harbor Point Holdings",
        "--city",
        "Oakland",
        "--state",
        "CA",
    )
    job.run(
        "party", "add", "--kind", "architect", "--code", "ARCH", "--name", "Lindqvist Architects"
    )
    out = job.run(
        "project", "create", "--code", "HP-1", "--name", "Harbor Point offices", "--number", "2041"
    )
    assert "created project HP-1" in out
    assert "Harbor Point offices" in job.run("project", "list")
    job.run(
        "contract",
        "create",
        "--project",
        "HP-1",
        "--number",
        "HP-PRIME",
        "--title",
        "Core and shell",
        "--party",
        "OWNER",
        "--architect",
        "ARCH",
        "--date",
        "2025-01-02",
        "--retainage",
        "10",
        "--materials-retainage",
        "5",
    )
    assert "10 % cumulative" in job.run("contract", "list")

    # The SOV from a spreadsheet: a dry run first, which changes nothing.
    sov = workbook(
        job.dir / "sov.xlsx",
        [["Item No.", "Description of work", "Cost code", "Scheduled value"]]
        + [
            [str(i), f"Scope {i:02d}", f"{i:02d}-000", float(scheduled(i))]
            for i in range(1, LINES + 1)
        ],
    )
    out = job.run("sov", "import", str(sov), "--contract", "HP-PRIME", "--dry-run")
    assert "30 to create" in out
    assert "dry run: nothing was changed" in out
    assert "Scope 01" not in job.run("contract", "show", "HP-PRIME")
    out = job.run("sov", "import", str(sov), "--contract", "HP-PRIME")
    assert "30 created" in out
    assert "contract sum of the SOV: 881,250.00" in out

    # A bad work file changes nothing and names the row and column.
    bad = workbook(job.dir / "bad.xlsx", [["Item", "This period"], ["1", 100], ["77", 5]])
    err = job.run("payapp", "new", "--contract", "HP-PRIME", "--work", str(bad), fails=True)
    assert "row 3, column 'Item': no line 77 on pay application 1" in err
    assert "No." in job.run("payapp", "list", "--contract", "HP-PRIME")

    # Month 1: a quarter of every line.
    month1 = workbook(
        job.dir / "month1.xlsx",
        [["Item", "Work completed this period"]]
        + [[str(i), float(scheduled(i)) / 4] for i in range(1, LINES + 1)],
    )
    out = job.run(
        "payapp",
        "new",
        "--contract",
        "HP-PRIME",
        "--work",
        str(month1),
        "--date",
        "2025-01-31",
        "--from",
        "2025-01-01",
        "--to",
        "2025-01-31",
    )
    assert "created pay application 1" in out
    job.run("payapp", "submit", "--contract", "HP-PRIME")
    job.run("payapp", "approve", "--contract", "HP-PRIME")
    first = read(job, 1)
    out = job.run(
        "payment",
        "record",
        "--contract",
        "HP-PRIME",
        "--amount",
        money(first.summary.current_payment_due),
        "--date",
        "2025-02-20",
        "--method",
        "check",
        "--check-number",
        "1001",
    )
    assert "0.00 still unpaid" in out

    # Month 2: a change order approved in February, billed with more work.
    out = job.run(
        "co",
        "create",
        "--contract",
        "HP-PRIME",
        "--number",
        "CO-001",
        "--title",
        "Lobby",
        "--item",
        "Added canopy=42500",
        "--item",
        "Deleted planters=-7250",
    )
    assert "draft" in out
    job.run("co", "approve", "CO-001", "--contract", "HP-PRIME", "--date", "2025-02-10")
    assert "CO-001.2" in job.run("co", "list", "--contract", "HP-PRIME")
    month2 = workbook(
        job.dir / "month2.xlsx",
        [["Line", "This period", "Stored materials"]]
        + [[str(i), float(scheduled(i)) / 5, None] for i in range(1, LINES + 1)]
        + [["CO-001.1", 10000, 2500]],
    )
    job.run(
        "payapp",
        "new",
        "--contract",
        "HP-PRIME",
        "--work",
        str(month2),
        "--date",
        "2025-02-28",
        "--to",
        "2025-02-28",
    )
    job.run("payapp", "submit", "--contract", "HP-PRIME", "--number", "2")
    second = read(job, 2)
    assert second.summary.net_change_by_change_orders == 3_525_000
    assert second.summary.materials_presently_stored == 250_000
    job.run("payment", "record", "--contract", "HP-PRIME", "--number", "2", "--amount", "50000")

    # Month 3, and the SOV can no longer change its amounts.
    job.run(
        "payapp",
        "new",
        "--contract",
        "HP-PRIME",
        "--work",
        str(month1),
        "--date",
        "2025-03-31",
        "--to",
        "2025-03-31",
    )
    third = read(job, 3)
    err = job.run(
        "sov",
        "import",
        str(
            workbook(
                job.dir / "more.xlsx",
                [["Number", "Description", "Scheduled value"], ["31", "Late scope", 10]],
            )
        ),
        "--contract",
        "HP-PRIME",
        fails=True,
    )
    assert "row 2, column 'Number': new line 31" in err

    # payapp show: the G702 heading, the G703 rows with whole descriptions, lines 1 to 9.
    shown = job.run("payapp", "show", "--contract", "HP-PRIME")
    for expected in (
        "Harbor Point Holdings (Oakland, CA)",
        "Lindqvist Architects",
        "3 (draft)",
        "Current payment due (6 - 7)",
        money(third.summary.current_payment_due),
        "Added canopy",
        "CO-001.1",
    ):
        assert expected in shown, expected
    listed = job.run("payapp", "list", "--contract", "HP-PRIME")
    assert money(second.summary.current_payment_due) in listed
    assert "50,000.00" in listed

    # The documents.
    job.run("payapp", "export", "--contract", "HP-PRIME", "--format", "pdf", "--output", "g702.pdf")
    text = pdf_text((job.dir / "g702.pdf").read_bytes(), job.dir)
    for _, _, cents in document_of(third).g702_lines():
        assert money(cents) in text
    job.run("payapp", "export", "--contract", "HP-PRIME", "--number", "2", "--format", "csv")
    assert (job.dir / "HP-PRIME-2.csv").read_text().startswith("Item,Description of work,")
    job.run("payapp", "export", "--contract", "HP-PRIME", "--format", "xlsx")
    assert (job.dir / "HP-PRIME-3.xlsx").stat().st_size > 0
    job.run("payapp", "export", "--contract", "HP-PRIME", "--history", "--format", "xlsx")
    book = load_workbook(BytesIO((job.dir / "HP-PRIME-history.xlsx").read_bytes()), data_only=True)
    assert book.sheetnames == ["Summary", "Application 1", "Application 2", "Application 3"]
    job.run("sov", "export", "--contract", "HP-PRIME", "--format", "csv")
    assert "Scope 30" in (job.dir / "HP-PRIME-sov.csv").read_text()


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
