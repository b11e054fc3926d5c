"""Documents through ``/v1``: a pay application's PDF, XLSX and CSV (by extension and by
Accept), a contract's SOV exported and read back, and its billing-history workbook."""

from __future__ import annotations

import subprocess
from decimal import Decimal
from io import BytesIO
from typing import Any

from fastapi.testclient import TestClient
from openpyxl import load_workbook

from drawbridge.bootstrap import Runtime
from drawbridge.exports.spreadsheets import read_table
from tests.api.native.conftest import ADMIN, OTHER
from tests.api.native.test_conventions import make_contract, ok, problem
from tests.exports.tools import require

XLSX = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"


def billed(client: TestClient) -> tuple[dict[str, Any], dict[str, Any]]:
    contract = make_contract(client, lines=3)
    lines = ok(client.get(f"/v1/contracts/{contract['id']}/sov-lines", headers=ADMIN))["data"]
    created = ok(
        client.post(
            f"/v1/contracts/{contract['id']}/pay-applications",
            headers=ADMIN,
            json={
                "billing_date": "2025-03-31",
                "lines": [
                    {"sov_line_id": lines[0]["id"], "work_completed_this_period": "400.00"},
                    {"sov_line_id": lines[2]["id"], "materials_presently_stored": 250},
                ],
            },
        ),
        201,
    )
    return contract, created


def test_a_pay_application_downloads_as_pdf_xlsx_and_csv(
    ledger: Runtime, client: TestClient
) -> None:
    _, created = billed(client)
    url = f"/v1/pay-applications/{created['id']}"
    by_path = client.get(f"{url}.pdf", headers=ADMIN)
    assert by_path.status_code == 200
    assert by_path.headers["content-type"] == "application/pdf"
    assert by_path.content.startswith(b"%PDF")
    assert 'filename="SC-1-application-1.pdf"' in by_path.headers["content-disposition"]
    by_accept = client.get(url, headers={**ADMIN, "Accept": "application/pdf"})
    assert by_accept.headers["content-type"] == "application/pdf"
    # JSON stays the answer when a client prefers it.
    json_first = client.get(
        url, headers={**ADMIN, "Accept": "application/json, application/pdf;q=0.5"}
    )
    assert json_first.json()["id"] == created["id"]

    pdftotext = require("pdftotext")
    text = subprocess.run(
        [pdftotext, "-layout", "-", "-"], input=by_path.content, capture_output=True, check=True
    ).stdout.decode()
    g702 = created["g702"]
    for name in (
        "original_contract_sum",
        "total_completed_and_stored_to_date",
        "current_payment_due",
    ):
        amount = Decimal(g702[name])
        assert f"{amount:,.2f}" in text, name

    sheet = client.get(f"{url}.xlsx", headers=ADMIN)
    assert sheet.headers["content-type"] == XLSX
    book = load_workbook(BytesIO(sheet.content), data_only=True)
    assert book.worksheets[0].max_row > 3
    csv = client.get(url, headers={**ADMIN, "Accept": "text/csv"})
    assert csv.headers["content-type"].startswith("text/csv")
    rows = read_table(csv.content, "csv").rows
    assert len(rows) == 3
    problem(client.get(f"{url}.pdf", headers=OTHER), 404)
    problem(client.get(f"{url}.doc", headers=ADMIN), 422)


def test_the_sov_exports_and_reads_back_and_the_history_workbook(
    ledger: Runtime, client: TestClient
) -> None:
    contract, created = billed(client)
    for kind in ("xlsx", "csv"):
        exported = client.get(f"/v1/contracts/{contract['id']}/sov.{kind}", headers=ADMIN)
        assert exported.status_code == 200, exported.text
        rows = read_table(exported.content, kind).rows
        assert [row.number for row in rows] == [2, 3, 4]
        values = [str(value) for row in rows for value in row.values.values()]
        assert "1002.00" in values or "1002" in values
    history = client.get(f"/v1/contracts/{contract['id']}/history.xlsx", headers=ADMIN)
    assert history.status_code == 200
    book = load_workbook(BytesIO(history.content), data_only=True)
    assert book.sheetnames[:2] == ["Summary", "Application 1"]
    cells = [cell for row in book["Summary"].iter_rows(values_only=True) for cell in row]
    due = Decimal(created["g702"]["current_payment_due"])
    assert any(isinstance(cell, (int, float)) and Decimal(str(cell)) == due for cell in cells)


def test_a_rejected_import_names_rows_and_columns_and_changes_nothing(
    ledger: Runtime, client: TestClient
) -> None:
    contract = make_contract(client, lines=0)
    url = f"/v1/contracts/{contract['id']}/sov/import"
    sheet = b"Item,Description,Scheduled value\n1,Footings,1200.00\n2,,abc\n3,Walls,12.345\n"
    body = problem(
        client.post(url, headers=ADMIN, files={"file": ("sov.csv", sheet, "text/csv")}),
        422,
        "import_rejected",
    )
    assert {(entry.get("row"), entry.get("column")) for entry in body["errors"]} >= {
        (3, "Scheduled value"),
        (4, "Scheduled value"),
    }
    assert ok(client.get(f"/v1/contracts/{contract['id']}/sov-lines", headers=ADMIN))["data"] == []
    good = b"Item,Description,Scheduled value\n1,Footings,1200.00\n2,Walls,800\n"
    sent = {**ADMIN, "Idempotency-Key": "sov-once"}
    first = ok(client.post(url, headers=sent, files={"file": ("sov.csv", good, "text/csv")}))
    again = client.post(url, headers=sent, files={"file": ("sov.csv", good, "text/csv")})
    assert again.json() == first
    assert again.headers["Idempotent-Replayed"] == "true"
    assert first["summary"]
    lines = ok(client.get(f"/v1/contracts/{contract['id']}/sov-lines", headers=ADMIN))["data"]
    assert [line["scheduled_value"] for line in lines] == ["1200.00", "800.00"]
