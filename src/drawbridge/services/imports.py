"""Reading rows of a spreadsheet (XLSX or CSV) into the ledger: shared by the SOV import
(services/sov.py) and the import of a period's work (services/pay_apps.py).

Columns are found by their header names, compared without case, spaces or punctuation, each
with a few synonyms people use (``COLUMNS`` in each importer). Every problem names the row, as
numbered in the spreadsheet, and the column, by its header in the file; an import with any
problem changes nothing and reports all of them at once (up to ``MAX_PROBLEMS``).
"""

from __future__ import annotations

import re
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from decimal import Decimal

from drawbridge.domain.errors import Invalid
from drawbridge.domain.money import parse_amount, parse_percent

MAX_PROBLEMS = 20
_THOUSANDS = re.compile(r"-?\d{1,3}(,\d{3})+(\.\d*)?")


@dataclass(frozen=True)
class SheetRow:
    """One data row: its number in the spreadsheet (the header is row 1) and its cells by header.

    Cells hold text, an int or a Decimal (never a float: a spreadsheet's number is read as the
    shortest decimal that gives it back), or None when empty.
    """

    number: int
    values: Mapping[str, str | int | Decimal | None]


@dataclass(frozen=True)
class Sheet:
    headers: tuple[str, ...]
    rows: tuple[SheetRow, ...]


@dataclass(frozen=True)
class RowProblem:
    row: int | None  # None: the file as a whole (a missing column)
    column: str | None
    message: str

    def __str__(self) -> str:
        where = []
        if self.row is not None:
            where.append(f"row {self.row}")
        if self.column is not None:
            where.append(f"column {self.column!r}")
        return f"{', '.join(where)}: {self.message}" if where else self.message


class ImportRejected(Invalid):
    """The import had problems; nothing was changed. ``problems`` lists them all."""

    code = "import_rejected"

    def __init__(self, problems: Sequence[RowProblem]) -> None:
        shown = [str(problem) for problem in problems[:MAX_PROBLEMS]]
        if len(problems) > MAX_PROBLEMS:
            shown.append(f"... and {len(problems) - MAX_PROBLEMS} more")
        first = problems[0]
        super().__init__(
            "the import changed nothing: " + "; ".join(shown),
            field=f"row {first.row}" if first.row is not None else first.column,
        )
        self.problems = tuple(problems)


@dataclass(frozen=True)
class ImportChange:
    """What an import does (or, in a dry run, would do) to one record."""

    row: int
    action: str  # create | update | unchanged
    key: str  # the line's number or item
    description: str
    changes: Mapping[str, tuple[str, str]] = field(default_factory=dict)  # field: (before, after)


@dataclass(frozen=True)
class ImportReport:
    dry_run: bool
    changes: tuple[ImportChange, ...]
    summary: Mapping[str, str] = field(default_factory=dict)  # totals after the import

    def count(self, action: str) -> int:
        return sum(1 for change in self.changes if change.action == action)


def normalize(header: str) -> str:
    """How headers are compared: lower case, letters and digits only."""
    return re.sub(r"[^a-z0-9]", "", header.lower())


@dataclass(frozen=True)
class Column:
    name: str  # the name the report and the docs use
    synonyms: tuple[str, ...]
    required: bool = False


class Reader:
    """Finds a sheet's columns and reads typed values, collecting problems rather than stopping."""

    def __init__(self, sheet: Sheet, columns: Iterable[Column]) -> None:
        self.sheet = sheet
        self.problems: list[RowProblem] = []
        self.headers: dict[str, str] = {}  # column name -> the header as written in the file
        by_key = {normalize(header): header for header in sheet.headers if header}
        for column in columns:
            found = next(
                (by_key[normalize(name)] for name in column.synonyms if normalize(name) in by_key),
                None,
            )
            if found is not None:
                self.headers[column.name] = found
            elif column.required:
                self.problems.append(
                    RowProblem(
                        None,
                        column.name,
                        "missing column (headers accepted: "
                        + ", ".join(repr(name) for name in column.synonyms)
                        + ")",
                    )
                )
        if not sheet.rows and not self.problems:
            self.problems.append(RowProblem(None, None, "the file has no data rows"))

    def has(self, name: str) -> bool:
        return name in self.headers

    def raw(self, row: SheetRow, name: str) -> str | int | Decimal | None:
        header = self.headers.get(name)
        if header is None:
            return None
        value = row.values.get(header)
        if isinstance(value, str):
            value = value.strip()
            return value or None
        return value

    def text(self, row: SheetRow, name: str, *, required: bool = False) -> str | None:
        value = self.raw(row, name)
        if value is None:
            if required:
                self.problem(row, name, "required, empty here")
            return None
        if isinstance(value, Decimal):
            value = _plain(value)
        return str(value)

    def amount(self, row: SheetRow, name: str, *, required: bool = False) -> int | None:
        value = self.raw(row, name)
        if value is None:
            if required:
                self.problem(row, name, "required, empty here")
            return None
        if isinstance(value, str):
            # As people type money: "$1,234.50", "(250.00)" for a negative amount. A comma is
            # read only as a thousands separator in its place ("2500,00" is refused, never
            # read as 250000).
            text = value.replace("$", "").replace(" ", "")
            if text.startswith("(") and text.endswith(")"):
                text = "-" + text[1:-1]
            value = without_thousands(text)
        try:
            return parse_amount(value, self.headers[name])
        except Invalid:
            self.problem(row, name, f"{value!s} is not an amount with at most 2 decimal places")
            return None

    def decimal(self, row: SheetRow, name: str) -> Decimal | None:
        value = self.raw(row, name)
        if value is None:
            return None
        if isinstance(value, int):
            return Decimal(value)
        if isinstance(value, Decimal):
            return value
        try:
            return Decimal(without_thousands(value))
        except ArithmeticError:
            self.problem(row, name, f"{value} is not a number")
            return None

    def percent(self, row: SheetRow, name: str) -> Decimal | None:
        value = self.raw(row, name)
        if value is None:
            return None
        if isinstance(value, str):
            value = value.replace("%", "").strip()
        try:
            return parse_percent(value, self.headers[name])
        except Invalid as error:
            self.problem(row, name, error.message.split(": ", 1)[-1])
            return None

    def problem(self, row: SheetRow | None, name: str | None, message: str) -> None:
        column = self.headers.get(name, name) if name is not None else None
        self.problems.append(RowProblem(row.number if row else None, column, message))

    def check(self) -> None:
        if self.problems:
            raise ImportRejected(self.problems)


def without_thousands(text: str) -> str:
    """``12,500.00`` as ``12500.00``; text with commas anywhere else is left as it is."""
    return text.replace(",", "") if _THOUSANDS.fullmatch(text.strip()) else text


def _plain(value: Decimal) -> str:
    """A number typed into a text column (a line number 10 read as 10): without a trailing .0."""
    return str(value.quantize(Decimal(1))) if value == value.to_integral_value() else str(value)


def money_text(cents: int) -> str:
    return f"{Decimal(cents).scaleb(-2):,.2f}"
