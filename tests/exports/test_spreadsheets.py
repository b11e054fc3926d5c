"""XLSX and CSV exports, read back with a spreadsheet library: the engine's figures, and formulas
whose stored values are what the formulas compute."""

from __future__ import annotations

import csv
import dataclasses
import re
from decimal import ROUND_HALF_UP, Decimal
from io import BytesIO, StringIO
from typing import Any

import pytest
from openpyxl import load_workbook
from openpyxl.worksheet.worksheet import Worksheet

from drawbridge.bootstrap import Runtime
from drawbridge.exports import spreadsheets
from drawbridge.services import documents, pay_apps
from tests.exports.ledger import COMPANY, CONTRACT, LINE_COUNT, sixty_line_document
from tests.support import admin_actor, load

ACTOR = admin_actor(COMPANY)


@pytest.fixture
def ledger(runtime: Runtime) -> Runtime:
    load(runtime, sixty_line_document())
    return runtime


def cents(value: object) -> int:
    assert isinstance(value, int | float), value
    return int((Decimal(repr(value)) * 100).to_integral_value())


def test_the_history_workbook_shows_the_engines_figures(ledger: Runtime) -> None:
    history = documents.contract_history(ledger.uow(read_only=True), ACTOR, CONTRACT)
    assert [document.number for document in history.applications] == [1, 2, 3]
    data = spreadsheets.history_xlsx(history)
    values = load_workbook(BytesIO(data), data_only=True)
    formulas = load_workbook(BytesIO(data))
    assert values.sheetnames == ["Summary", "Application 1", "Application 2", "Application 3"]

    # The summary: one row per application, lines 1 to 9 as the engine computed them.
    summary = values["Summary"]
    header = [cell.value for cell in summary[4]]
    assert header[:5] == ["Application no.", "Application date", "Period to", "Status", "Line 1"]
    for index, document in enumerate(history.applications):
        row = [cell.value for cell in summary[6 + index]]
        assert row[0] == document.number
        assert row[3] == document.pay_app.status.value
        figures = [cents(value) for value in row[4:15]]
        assert figures == [amount for _, _, amount in document.g702_lines()]
        assert cents(row[15]) == document.pay_app.payments.amount_paid
        # Summary cells are formulas pointing at the application's own sheet.
        assert str(formulas["Summary"].cell(6 + index, 5).value).startswith(
            f"='Application {document.number}'!C"
        )
    total_due = sum(document.summary.current_payment_due for document in history.applications)
    assert cents(summary.cell(6 + len(history.applications) + 1, 14).value) == total_due
    # Σ line 8 over the applications is line 6 of the last one.
    assert total_due == history.applications[-1].summary.total_earned_less_retainage

    # Each application sheet: every G703 row, the totals and the G702 lines.
    for document in history.applications:
        sheet = values[f"Application {document.number}"]
        rows = list(sheet.iter_rows(values_only=True))
        assert rows[0][:3] == ("Item", "Description of work", "Scheduled value")
        for position, row in enumerate(document.rows, start=1):
            cells = rows[position]
            assert cells[0] == row.item
            assert cells[1] == row.description
            assert [cents(cells[i]) for i in (2, 3, 4, 5, 6, 8, 9)] == [
                row.scheduled_value,
                row.from_previous_application,
                row.this_period,
                row.materials_presently_stored,
                row.completed_and_stored_to_date,
                row.balance_to_finish,
                row.retainage,
            ]
            assert Decimal(repr(cells[7])) == row.percent_complete
        totals = rows[len(document.rows) + 2]
        assert totals[1] == "Totals"
        assert cents(totals[2]) == document.summary.contract_sum_to_date
        assert cents(totals[6]) == document.summary.total_completed_and_stored_to_date
        assert cents(totals[9]) == document.summary.total_retainage
        g702 = {
            str(cells[0]): cents(cells[2])
            for cells in rows[len(document.rows) + 4 :]
            if cells[0] is not None and isinstance(cells[2], int | float)
        }
        assert g702 == {line: amount for line, _, amount in document.g702_lines()}
    assert len(history.applications[-1].rows) == LINE_COUNT + 2

    # Every formula's stored value is what the formula computes from the cells it names.
    checked = 0
    for name in values.sheetnames:
        for row in formulas[name].iter_rows():
            for cell in row:
                if isinstance(cell.value, str) and cell.value.startswith("="):
                    stored = values[name][cell.coordinate].value
                    computed = evaluate(cell.value, values, values[name])
                    assert Decimal(repr(stored)) == computed, (name, cell.coordinate, cell.value)
                    checked += 1
    assert checked > 3 * (LINE_COUNT * 3)


def evaluate(formula: str, book: Any, sheet: Worksheet) -> Decimal:
    """The few formulas the exports write: SUM of a range, + and - of cells, a rounded ratio,
    and a cell of another sheet."""

    def value(reference: str, where: Worksheet = sheet) -> Decimal:
        raw = where[reference].value
        return Decimal(repr(raw)) if raw is not None else Decimal(0)

    body = formula[1:]
    if match := re.fullmatch(r"SUM\(([A-Z]+)(\d+):([A-Z]+)(\d+)\)", body):
        column, first, _, last = match.groups()
        return sum(
            (value(f"{column}{row}") for row in range(int(first), int(last) + 1)), Decimal(0)
        )
    if match := re.fullmatch(r"IF\(([A-Z]+\d+)=0,0,ROUND\(([A-Z]+\d+)/\1\*100,2\)\)", body):
        whole, part = value(match.group(1)), value(match.group(2))
        if whole == 0:
            return Decimal(0)
        return (part / whole * 100).quantize(Decimal("0.01"), rounding=ROUND_HALF_UP)
    if match := re.fullmatch(r"'([^']+)'!([A-Z]+\d+)", body):
        return value(match.group(2), book[match.group(1)])
    if body == "0":
        return Decimal(0)
    terms = re.findall(r"([+-]?)([A-Z]+\d+)", body)
    assert "".join(sign + ref for sign, ref in terms) == body, formula
    return sum(((-value(ref) if sign == "-" else value(ref)) for sign, ref in terms), Decimal(0))


def test_the_g703_csv_has_every_row_as_plain_decimals(ledger: Runtime) -> None:
    view = pay_apps.find_pay_app(ledger.uow(read_only=True), ACTOR, CONTRACT, 3)
    document = documents.pay_app_document(ledger.uow(read_only=True), ACTOR, view.id)
    rows = list(csv.DictReader(StringIO(spreadsheets.pay_app_csv(document))))
    assert len(rows) == len(document.rows)
    for row, expected in zip(rows, document.rows, strict=True):
        assert row["Item"] == expected.item
        assert row["Description of work"] == expected.description
        assert Decimal(row["Scheduled value"]) * 100 == expected.scheduled_value
        assert Decimal(row["Retainage"]) * 100 == expected.retainage
    assert sum(Decimal(row["Total completed and stored to date"]) for row in rows) * 100 == (
        document.summary.total_completed_and_stored_to_date
    )


def test_the_pay_app_workbook_reads_back_as_its_rows(ledger: Runtime) -> None:
    view = pay_apps.find_pay_app(ledger.uow(read_only=True), ACTOR, CONTRACT, 2)
    document = documents.pay_app_document(ledger.uow(read_only=True), ACTOR, view.id)
    sheet = spreadsheets.read_table(spreadsheets.pay_app_xlsx(document), "g703.xlsx")
    assert sheet.headers[0] == "Item"
    assert [row.values["Item"] for row in sheet.rows] == [row.item for row in document.rows]
    assert sheet.rows[0].number == 2
    assert sheet.rows[0].values["Work completed this period"] == (
        Decimal(document.rows[0].this_period) / 100
    )


def test_the_sov_exports_read_back_the_same(ledger: Runtime) -> None:
    sov = documents.contract_sov(ledger.uow(read_only=True), ACTOR, CONTRACT)
    assert len(sov.lines) == LINE_COUNT
    for data, name in (
        (spreadsheets.sov_xlsx(sov), "sov.xlsx"),
        (spreadsheets.sov_csv(sov).encode(), "sov.csv"),
    ):
        sheet = spreadsheets.read_table(data, name)
        assert [str(row.values["Number"]) for row in sheet.rows] == [
            line.number for line in sov.lines
        ]
        assert [int(Decimal(str(row.values["Scheduled value"])) * 100) for row in sheet.rows] == [
            line.scheduled_value for line in sov.lines
        ]
    book = load_workbook(BytesIO(spreadsheets.sov_xlsx(sov)), data_only=True)
    total = book.worksheets[0].cell(LINE_COUNT + 3, 4).value
    assert cents(total) == sov.total


def test_text_a_spreadsheet_would_run_as_a_formula_stays_text(ledger: Runtime) -> None:
    sov = documents.contract_sov(ledger.uow(read_only=True), ACTOR, CONTRACT)
    hostile = '=HYPERLINK("http://example.invalid","click")'
    first = dataclasses.replace(sov.lines[0], description=hostile, cost_code="@SUM(1)")
    sov = dataclasses.replace(sov, lines=(first, *sov.lines[1:]))

    text = spreadsheets.sov_csv(sov)
    row = next(csv.reader(StringIO(text.splitlines()[1])))
    assert row[1] == "'" + hostile
    assert row[2] == "'@SUM(1)"
    read = spreadsheets.read_table(text.encode(), "sov.csv").rows[0].values
    assert (read["Description"], read["Cost code"]) == (hostile, "@SUM(1)")

    sheet = load_workbook(BytesIO(spreadsheets.sov_xlsx(sov))).worksheets[0]
    assert sheet.cell(2, 2).value == hostile
    assert sheet.cell(2, 2).data_type == "s"  # a string cell, not a formula
