"""The G702/G703 PDF, read back with a PDF text extractor: every G702 line figure and every
G703 row of a 60-line application is on it, across pages, with page totals that add up to the
grand totals (the engine's G702 sums)."""

from __future__ import annotations

import re
from pathlib import Path

import pytest

from drawbridge.bootstrap import Runtime
from drawbridge.exports.formats import money, percent
from drawbridge.exports.pdf import pay_app_pdf
from drawbridge.services import documents, pay_apps
from drawbridge.services.documents import PayAppDocument
from tests.exports.ledger import COMPANY, CONTRACT, LINE_COUNT, sixty_line_document
from tests.exports.tools import pdf_text, render_first_page
from tests.support import admin_actor, load

ACTOR = admin_actor(COMPANY)
AMOUNT = r"-?[\d,]+\.\d\d"


@pytest.fixture
def ledger(runtime: Runtime) -> Runtime:
    load(runtime, sixty_line_document())
    return runtime


def document_of(runtime: Runtime, number: int) -> PayAppDocument:
    view = pay_apps.find_pay_app(runtime.uow(read_only=True), ACTOR, CONTRACT, number)
    return documents.pay_app_document(runtime.uow(read_only=True), ACTOR, view.id)


def figures_of(row: documents.G703Row) -> list[str]:
    return [
        money(row.scheduled_value),
        money(row.from_previous_application),
        money(row.this_period),
        money(row.materials_presently_stored),
        money(row.completed_and_stored_to_date),
        percent(row.percent_complete),
        money(row.balance_to_finish),
        money(row.retainage),
    ]


def row_pattern(row: documents.G703Row) -> re.Pattern[str]:
    """A text line that starts with the item and holds C to I, in order, after the description."""
    figures = r"\s+".join(re.escape(text) for text in figures_of(row))
    return re.compile(rf"^\s*{re.escape(row.item)}\s+.*?\s{figures}\s*$", re.MULTILINE)


def test_every_g702_figure_and_g703_row_is_in_the_pdf(ledger: Runtime, tmp_path: Path) -> None:
    document = document_of(ledger, 3)
    assert len(document.rows) == LINE_COUNT + 2  # 60 SOV lines and the change order's 2 items
    text = pdf_text(pay_app_pdf(document), tmp_path)
    pages = text.split("\f")
    g702, continuation = pages[0], "\f".join(pages[1:])

    # Page 1: the parties, the application, and lines 1 to 9 with the engine's figures.
    for expected in (
        "Harbor Point Holdings",
        "Acme Builders",
        "Lindqvist Architects",
        "Harbor Point offices",
        "HP-PRIME Core and shell",
        "2025-03-31",
        "2025-03-01 to 2025-03-31",
        "Notary",
        "Contractor's statement",
    ):
        assert expected in g702, expected
    summary = document.summary
    for line, label, cents in document.g702_lines():
        assert re.search(rf"^{re.escape(line)}\s+.*\s{re.escape(money(cents))}\s*$", g702, re.M), (
            line,
            label,
        )
    assert money(summary.current_payment_due) == "592,572.58"
    # The change-order block: 42,500.00 added and 7,250.00 deducted on application 2.
    assert re.search(r"Approved on previous applications\s+42,500\.00\s+-7,250\.00", g702)
    assert re.search(r"Net change by change orders \(line 2\)\s+35,250\.00", g702)

    # The continuation sheet runs over several landscape pages, each with its header rows.
    sheet_pages = [page for page in pages[1:] if page.strip()]
    assert len(sheet_pages) >= 2
    for page in sheet_pages:
        assert "Description of work" in page
        assert "Scheduled value" in page
        assert "Page total" in page
    assert len(pages) - 1 == len(sheet_pages) + 1  # pdftotext ends the text with a form feed
    total_pages = len(sheet_pages) + 1
    for number in range(1, total_pages + 1):
        assert f"Page {number} of {total_pages}" in text

    # Every row, whole, on exactly one page.
    for row in document.rows:
        found = [page for page in sheet_pages if row_pattern(row).search(page)]
        assert len(found) == 1, row.item
    assert "Structural steel framing, decking and miscellaneous" in continuation
    assert "lintels for levels 1 through 4" in continuation  # long descriptions wrap, not cut

    # Each page's totals add up (C to I), and the pages add up to the grand totals.
    columns = [0, 1, 2, 3, 4, 6, 7]  # the money columns among the eight figures
    page_sums = []
    for page in sheet_pages:
        match = re.search(rf"Page total\s+((?:{AMOUNT}%?\s+){{7}}{AMOUNT})", page)
        assert match is not None
        figures = match.group(1).split()
        page_sums.append([cents_of(figures[index]) for index in columns])
        rows_here = [row for row in document.rows if row_pattern(row).search(page)]
        expected = documents.page_totals(rows_here, "Page total")
        assert figures == figures_of(expected)
    grand = re.search(rf"Grand total\s+((?:{AMOUNT}%?\s+){{7}}{AMOUNT})", sheet_pages[-1])
    assert grand is not None
    assert grand.group(1).split() == figures_of(document.totals)
    grand_cents = [cents_of(grand.group(1).split()[index]) for index in columns]
    assert [sum(column) for column in zip(*page_sums, strict=True)] == grand_cents
    assert grand_cents[0] == summary.contract_sum_to_date
    assert grand_cents[4] == summary.total_completed_and_stored_to_date
    assert grand_cents[6] == summary.total_retainage


def test_page_one_renders_to_png(ledger: Runtime, tmp_path: Path) -> None:
    document = document_of(ledger, 3)
    png = render_first_page(pay_app_pdf(document), tmp_path, "g702-page-1")
    data = png.read_bytes()
    assert data.startswith(b"\x89PNG\r\n\x1a\n")
    assert len(data) > 10_000


def test_a_first_application_without_architect_or_change_orders(
    runtime: Runtime, tmp_path: Path
) -> None:
    document = sixty_line_document()
    contract = document["companies"][0]["projects"][0]["contracts"][0]
    del contract["architect"]
    contract["pay_apps"] = contract["pay_apps"][:1]
    contract["payments"] = []
    contract["change_order_packages"] = []
    load(runtime, document)
    first = document_of(runtime, 1)
    text = pdf_text(pay_app_pdf(first), tmp_path)
    assert re.search(r"Via \(architect\)\s+-", text)
    assert re.search(r"Net change by change orders \(line 2\)\s+0\.00", text)
    assert money(first.summary.current_payment_due) in text


def test_text_that_looks_like_markup_is_printed_as_written(
    runtime: Runtime, tmp_path: Path
) -> None:
    document = sixty_line_document()
    contract = document["companies"][0]["projects"][0]["contracts"][0]
    contract["line_items"][0]["description"] = "Doors <b>& frames</b> <br/>"
    load(runtime, document)
    text = pdf_text(pay_app_pdf(document_of(runtime, 3)), tmp_path)
    assert "Doors <b>& frames</b> <br/>" in text


def cents_of(text: str) -> int:
    return int(text.replace(",", "").replace(".", ""))
