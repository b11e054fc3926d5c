"""Pay applications, schedules of values and billing histories as XLSX and CSV, and XLSX or CSV
files read back into rows for the imports.

XLSX (XlsxWriter): money is written as numbers with a 2-place format, so a spreadsheet can add
them up. Totals and the G702 lines that follow from others are formulas (``=SUM(C2:C61)``,
``=C68+C69``) stored with their values as the engine computed them, so a reader that does not
calculate (a script, a preview) shows the engine's figures and a spreadsheet that recalculates
shows the same numbers. CSV has the rows only, amounts as plain decimals (``-1234.50``).

The table of an application or an SOV starts on row 1 with its headers, and ends at the first
empty row, so an exported file reads back as an import.
"""

from __future__ import annotations

import csv
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from decimal import Decimal
from io import BytesIO, StringIO
from pathlib import PurePath
from typing import Any

import xlsxwriter
from openpyxl import load_workbook

from drawbridge.domain.errors import Invalid
from drawbridge.exports.formats import day, plain_money
from drawbridge.services.documents import (
    G703Row,
    HistoryDocument,
    PayAppDocument,
    SovDocument,
)
from drawbridge.services.imports import Sheet, SheetRow

G703_HEADERS = (
    "Item",
    "Description of work",
    "Scheduled value",
    "Work completed from previous applications",
    "Work completed this period",
    "Materials presently stored",
    "Total completed and stored to date",
    "% complete",
    "Balance to finish",
    "Retainage",
    "Cost code",
)
SOV_HEADERS = ("Number", "Description", "Cost code", "Scheduled value", "Unit price", "Quantity")
MONEY_FORMAT = "#,##0.00;-#,##0.00"
PERCENT_FORMAT = "0.00"
MAX_CELL_BYTES = 10 * 1024 * 1024  # a file to import larger than this is refused


def pay_app_xlsx(document: PayAppDocument) -> bytes:
    """One sheet: the G703 table, then the G702 lines 1 to 9."""
    buffer = BytesIO()
    with _Workbook(buffer) as book:
        book.application_sheet(f"Application {document.number}", document)
    return buffer.getvalue()


def pay_app_csv(document: PayAppDocument) -> str:
    """The G703 rows, one per line of the application (no totals row: they are sums)."""
    out = StringIO()
    writer = csv.writer(out, lineterminator="\n")
    writer.writerow(G703_HEADERS)
    for row in document.rows:
        writer.writerow(_g703_values(row))
    return out.getvalue()


def sov_xlsx(sov: SovDocument) -> bytes:
    buffer = BytesIO()
    with _Workbook(buffer) as book:
        book.sov_sheet(sov)
    return buffer.getvalue()


def sov_csv(sov: SovDocument) -> str:
    out = StringIO()
    writer = csv.writer(out, lineterminator="\n")
    writer.writerow(SOV_HEADERS)
    for line in sov.lines:
        writer.writerow(
            [
                _csv_text(line.number),
                _csv_text(line.description),
                _csv_text(line.cost_code or ""),
                plain_money(line.scheduled_value),
                "" if line.unit_price is None else str(line.unit_price),
                "" if line.quantity is None else str(line.quantity),
            ]
        )
    return out.getvalue()


def history_xlsx(
    history: HistoryDocument, *, progress: Callable[[int], None] | None = None
) -> bytes:
    """A summary sheet (one row per application) and one sheet per application; ``progress``
    is told how many application sheets are written."""
    buffer = BytesIO()
    with _Workbook(buffer) as book:
        summary = book.add_sheet("Summary")
        places = []
        for done, document in enumerate(history.applications, start=1):
            places.append(book.application_sheet(f"Application {document.number}", document))
            if progress is not None:
                progress(done)
        book.summary_sheet(summary, history, places)
    return buffer.getvalue()


# -- reading -------------------------------------------------------------------------------------


def read_table(data: bytes, filename_or_format: str) -> Sheet:
    """The first sheet of an XLSX file, or a CSV file, as rows under the headers of row 1.

    Reading stops at the first empty row (an exported file's totals come after one). A
    spreadsheet number becomes the shortest decimal that gives it back (what the cell shows);
    a formula cell is read as the value last calculated for it.
    """
    kind = _format(filename_or_format)
    if len(data) > MAX_CELL_BYTES:
        raise Invalid("file: larger than 10 MB", field="file")
    rows = _xlsx_rows(data) if kind == "xlsx" else _csv_rows(data)
    if not rows or not any(cell is not None for cell in rows[0]):
        raise Invalid("file: no header row (row 1 must name the columns)", field="file")
    headers = tuple("" if cell is None else str(cell).strip() for cell in rows[0])
    found: list[SheetRow] = []
    for number, cells in enumerate(rows[1:], start=2):
        if all(cell is None or (isinstance(cell, str) and not cell.strip()) for cell in cells):
            break
        values = {
            header: cells[index] if index < len(cells) else None
            for index, header in enumerate(headers)
            if header
        }
        found.append(SheetRow(number=number, values=values))
    return Sheet(headers=headers, rows=tuple(found))


Cell = str | int | Decimal | None


def _format(filename_or_format: str) -> str:
    name = filename_or_format.lower()
    suffix = PurePath(name).suffix.lstrip(".") or name
    if suffix in ("xlsx", "xlsm"):
        return "xlsx"
    if suffix in ("csv", "txt"):
        return "csv"
    raise Invalid(
        f"file: {filename_or_format!r} is neither .xlsx nor .csv", field="file", code="format"
    )


def _xlsx_rows(data: bytes) -> list[list[Cell]]:
    try:
        book = load_workbook(BytesIO(data), read_only=True, data_only=True)
    except Exception as error:  # openpyxl raises many kinds for a file that is not XLSX
        raise Invalid("file: not a readable .xlsx workbook", field="file") from error
    try:
        sheet = book.worksheets[0]
        return [[_cell(value) for value in row] for row in sheet.iter_rows(values_only=True)]
    finally:
        book.close()


def _cell(value: object) -> Cell:
    if value is None or isinstance(value, str | Decimal):
        return value
    if isinstance(value, bool):
        return str(value).upper()
    if isinstance(value, int):
        return value
    if isinstance(value, float):
        # repr is the shortest text that reads back as the same float: what the cell shows.
        number = Decimal(repr(value))
        return int(number) if number == number.to_integral_value() else number
    return str(value)  # dates and times: as text


def _csv_rows(data: bytes) -> list[list[Cell]]:
    try:
        text = data.decode("utf-8-sig")
    except UnicodeDecodeError as error:
        raise Invalid("file: a CSV file must be UTF-8 text", field="file") from error
    # The header row tells the separator: whichever of comma, semicolon or tab it uses most.
    header = text.split("\n", 1)[0]
    delimiter = max((",", ";", "\t"), key=header.count)
    return [
        [_csv_cell(cell) for cell in row] for row in csv.reader(StringIO(text), delimiter=delimiter)
    ]


# -- writing -------------------------------------------------------------------------------------


@dataclass(frozen=True)
class _Place:
    """Where an application sheet keeps its G702 lines, for the summary's formulas."""

    sheet: str
    line_cells: dict[str, str]  # G702 line -> cell (e.g. "C68")


class _Workbook:
    def __init__(self, buffer: BytesIO) -> None:
        self.book = xlsxwriter.Workbook(buffer, {"in_memory": True})
        self.bold = self.book.add_format({"bold": True})
        self.header = self.book.add_format(
            {"bold": True, "text_wrap": True, "valign": "top", "bg_color": "#E8EDF2", "border": 1}
        )
        self.money = self.book.add_format({"num_format": MONEY_FORMAT})
        self.money_bold = self.book.add_format({"num_format": MONEY_FORMAT, "bold": True})
        self.percent = self.book.add_format({"num_format": PERCENT_FORMAT})
        self.percent_bold = self.book.add_format({"num_format": PERCENT_FORMAT, "bold": True})
        self.wrap = self.book.add_format({"text_wrap": True, "valign": "top"})

    def __enter__(self) -> _Workbook:
        return self

    def __exit__(self, *_: object) -> None:
        self.book.close()

    def add_sheet(self, name: str) -> Any:
        return self.book.add_worksheet(name)

    def application_sheet(self, name: str, document: PayAppDocument) -> _Place:
        sheet = self.book.add_worksheet(name)
        sheet.set_column(0, 0, 10)
        sheet.set_column(1, 1, 44)
        sheet.set_column(2, 9, 16)
        sheet.set_column(10, 10, 12)
        sheet.freeze_panes(1, 2)
        sheet.write_row(0, 0, G703_HEADERS, self.header)
        first = 2  # spreadsheet row numbers (1-based) of the data rows
        for index, row in enumerate(document.rows):
            self._g703_row(sheet, index + 1, first + index, row)
        last = first + len(document.rows) - 1
        totals_row = last + 2  # after one empty row, so the table reads back on its own
        self._g703_totals(sheet, totals_row, first, last, document.totals)

        top = totals_row + 2  # the G702 block, spreadsheet row number of its first line
        sheet.write(top - 1, 0, "G702", self.bold)
        info = [
            ("Contract", f"{document.contract.number} {document.contract.title}"),
            ("Project", f"{document.project.name} ({document.project.code})"),
            ("Owner", document.owner.name),
            ("Contractor", document.contractor.name),
            ("Application no.", str(document.number)),
            ("Application date", day(document.application_date)),
            ("Period", f"{day(document.period_from)} to {day(document.period_to)}"),
            ("Status", document.pay_app.status.value),
        ]
        for offset, (label, value) in enumerate(info):
            sheet.write(top + offset, 1, label, self.bold)
            sheet.write_string(top + offset, 2, value)
        start = top + len(info) + 1
        cells: dict[str, str] = {}
        rows = {line: start + offset for offset, (line, _, _) in enumerate(document.g702_lines())}
        # Lines that follow from others are formulas; the rest are the engine's figures.
        formulas = {
            "3": f"=C{rows['1'] + 1}+C{rows['2'] + 1}",
            "4": f"=G{totals_row}",
            "5": f"=C{rows['5a'] + 1}+C{rows['5b'] + 1}",
            "6": f"=C{rows['4'] + 1}-C{rows['5'] + 1}",
            "8": f"=C{rows['6'] + 1}-C{rows['7'] + 1}",
            "9": f"=C{rows['3'] + 1}-C{rows['6'] + 1}",
        }
        for line, label, cents in document.g702_lines():
            at = rows[line]
            sheet.write(at, 0, line)
            sheet.write(at, 1, label)
            if line in formulas:
                sheet.write_formula(at, 2, formulas[line], self.money_bold, _number(cents))
            else:
                sheet.write_number(at, 2, _number(cents), self.money)
            cells[line] = f"C{at + 1}"
        return _Place(sheet=name, line_cells=cells)

    def _g703_row(self, sheet: Any, at: int, excel_row: int, row: G703Row) -> None:
        r = excel_row
        sheet.write_string(at, 0, row.item)
        sheet.write_string(at, 1, row.description, self.wrap)
        sheet.write_number(at, 2, _number(row.scheduled_value), self.money)
        sheet.write_number(at, 3, _number(row.from_previous_application), self.money)
        sheet.write_number(at, 4, _number(row.this_period), self.money)
        sheet.write_number(at, 5, _number(row.materials_presently_stored), self.money)
        sheet.write_formula(
            at, 6, f"=D{r}+E{r}+F{r}", self.money, _number(row.completed_and_stored_to_date)
        )
        sheet.write_formula(
            at,
            7,
            f"=IF(C{r}=0,0,ROUND(G{r}/C{r}*100,2))",
            self.percent,
            float(row.percent_complete),
        )
        sheet.write_formula(at, 8, f"=C{r}-G{r}", self.money, _number(row.balance_to_finish))
        sheet.write_number(at, 9, _number(row.retainage), self.money)
        sheet.write_string(at, 10, row.cost_code or "")

    def _g703_totals(
        self, sheet: Any, excel_row: int, first: int, last: int, totals: G703Row
    ) -> None:
        at, r = excel_row - 1, excel_row
        sheet.write(at, 1, "Totals", self.bold)
        figures = {
            "C": totals.scheduled_value,
            "D": totals.from_previous_application,
            "E": totals.this_period,
            "F": totals.materials_presently_stored,
            "G": totals.completed_and_stored_to_date,
            "I": totals.balance_to_finish,
            "J": totals.retainage,
        }
        for letter, cents in figures.items():
            column = ord(letter) - ord("A")
            formula = f"=SUM({letter}{first}:{letter}{last})" if last >= first else "=0"
            sheet.write_formula(at, column, formula, self.money_bold, _number(cents))
        sheet.write_formula(
            at,
            7,
            f"=IF(C{r}=0,0,ROUND(G{r}/C{r}*100,2))",
            self.percent_bold,
            float(totals.percent_complete),
        )

    def summary_sheet(self, sheet: Any, history: HistoryDocument, places: Sequence[_Place]) -> None:
        contract = history.contract
        sheet.write_string(0, 0, f"{contract.number} {contract.title}", self.bold)
        sheet.write_string(1, 0, f"{history.project.name} ({history.project.code})")
        headers = [
            "Application no.",
            "Application date",
            "Period to",
            "Status",
            *(f"Line {line}" for line, _ in _LINE_LABELS),
            "Amount paid",
        ]
        labels = ["", "", "", "", *(label for _, label in _LINE_LABELS), ""]
        sheet.write_row(3, 0, headers, self.header)
        sheet.write_row(4, 0, labels, self.header)
        sheet.set_row(4, 45)
        sheet.set_column(0, 3, 14)
        sheet.set_column(4, 4 + len(_LINE_LABELS), 16)
        top = 5
        for index, (document, place) in enumerate(zip(history.applications, places, strict=True)):
            at = top + index
            sheet.write_number(at, 0, document.number)
            sheet.write_string(at, 1, day(document.application_date))
            sheet.write_string(at, 2, day(document.period_to))
            sheet.write_string(at, 3, document.pay_app.status.value)
            figures = {line: cents for line, _, cents in document.g702_lines()}
            for offset, (line, _) in enumerate(_LINE_LABELS):
                reference = f"='{place.sheet}'!{place.line_cells[line]}"
                sheet.write_formula(at, 4 + offset, reference, self.money, _number(figures[line]))
            paid = document.pay_app.payments.amount_paid
            sheet.write_number(at, 4 + len(_LINE_LABELS), _number(paid), self.money)
        if history.applications:
            first, last = top + 1, top + len(history.applications)
            totals = top + len(history.applications) + 1
            sheet.write(totals, 3, "Totals", self.bold)
            due_column = 4 + [line for line, _ in _LINE_LABELS].index("8")
            paid_column = 4 + len(_LINE_LABELS)
            for column, cents in (
                (due_column, sum(d.summary.current_payment_due for d in history.applications)),
                (paid_column, sum(d.pay_app.payments.amount_paid for d in history.applications)),
            ):
                letter = _letter(column)
                sheet.write_formula(
                    totals,
                    column,
                    f"=SUM({letter}{first}:{letter}{last})",
                    self.money_bold,
                    _number(cents),
                )

    def sov_sheet(self, sov: SovDocument) -> None:
        sheet = self.book.add_worksheet("Schedule of values")
        sheet.set_column(0, 0, 10)
        sheet.set_column(1, 1, 48)
        sheet.set_column(2, 5, 16)
        sheet.freeze_panes(1, 0)
        sheet.write_row(0, 0, SOV_HEADERS, self.header)
        for index, line in enumerate(sov.lines, start=1):
            sheet.write_string(index, 0, line.number)
            sheet.write_string(index, 1, line.description, self.wrap)
            sheet.write_string(index, 2, line.cost_code or "")
            sheet.write_number(index, 3, _number(line.scheduled_value), self.money)
            if line.unit_price is not None:
                sheet.write_number(index, 4, float(line.unit_price))
            if line.quantity is not None:
                sheet.write_number(index, 5, float(line.quantity))
        first, last = 2, len(sov.lines) + 1
        totals = last + 1  # 0-based index of the row after one empty row
        sheet.write(totals, 1, "Total", self.bold)
        formula = f"=SUM(D{first}:D{last})" if sov.lines else "=0"
        sheet.write_formula(totals, 3, formula, self.money_bold, _number(sov.total))


_LINE_LABELS = (
    ("1", "Original contract sum"),
    ("2", "Net change by change orders"),
    ("3", "Contract sum to date"),
    ("4", "Total completed and stored to date"),
    ("5a", "Retainage on completed work"),
    ("5b", "Retainage on stored materials"),
    ("5", "Total retainage"),
    ("6", "Total earned less retainage"),
    ("7", "Less previous certificates for payment"),
    ("8", "Current payment due"),
    ("9", "Balance to finish, including retainage"),
)


def _g703_values(row: G703Row) -> list[str]:
    return [
        _csv_text(row.item),
        _csv_text(row.description),
        plain_money(row.scheduled_value),
        plain_money(row.from_previous_application),
        plain_money(row.this_period),
        plain_money(row.materials_presently_stored),
        plain_money(row.completed_and_stored_to_date),
        f"{row.percent_complete + 0:.2f}",
        plain_money(row.balance_to_finish),
        plain_money(row.retainage),
        _csv_text(row.cost_code or ""),
    ]


# A text cell a spreadsheet would run as a formula when the CSV is opened ("=HYPERLINK(...)" in a
# description) is written with a leading apostrophe, which spreadsheets show as text; reading a
# CSV back takes that apostrophe off again.
_FORMULA_STARTS = ("=", "+", "-", "@", "\t", "\r")


def _csv_text(value: str) -> str:
    return "'" + value if value.startswith(_FORMULA_STARTS) else value


def _csv_cell(value: str) -> str | None:
    if not value.strip():
        return None
    if value.startswith("'") and value[1:].startswith(_FORMULA_STARTS):
        return value[1:]
    return value


def _number(cents: int) -> float:
    """Cents as the number a spreadsheet stores (a binary double, as every XLSX number is).
    Below 2**53 cents the double's shortest text is exactly the amount, so it reads back exact."""
    return float(Decimal(cents).scaleb(-2))


def _letter(column: int) -> str:
    letters = ""
    column += 1
    while column:
        column, remainder = divmod(column - 1, 26)
        letters = chr(ord("A") + remainder) + letters
    return letters
