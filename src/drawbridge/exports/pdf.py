"""A pay application as a PDF in the G702/G703 format, drawn with ReportLab (pure Python).

Page 1 (portrait) is the application and certificate for payment: the parties, the application
number, date and period, G702 lines 1 to 9, the change-order summary, and signature, notary and
certificate blocks left blank to be filled in by hand. The pages after it (landscape) are the
continuation sheet, columns A to I. Each continuation page is its own table: the header rows are
printed again on every page, and every page ends with the totals of its own rows; the last page
also carries the grand totals, which are the engine's G702 sums (so the page totals add up to
them). Every page is numbered "page n of N".

The layout and wording are drawbridge's own; only the arrangement of the figures follows the
industry's G702/G703 convention.
"""

from __future__ import annotations

from io import BytesIO
from typing import Any
from xml.sax.saxutils import escape

from reportlab.lib import colors
from reportlab.lib.enums import TA_RIGHT
from reportlab.lib.pagesizes import landscape, letter
from reportlab.lib.styles import ParagraphStyle, getSampleStyleSheet
from reportlab.lib.units import inch
from reportlab.pdfgen.canvas import Canvas
from reportlab.platypus import (
    BaseDocTemplate,
    Flowable,
    Frame,
    KeepTogether,
    NextPageTemplate,
    PageBreak,
    PageTemplate,
    Paragraph,
    Spacer,
    Table,
    TableStyle,
)

from drawbridge.exports.formats import day, money, percent
from drawbridge.services.documents import G703Row, PayAppDocument, page_totals

MARGIN = 0.5 * inch
PORTRAIT = letter
LANDSCAPE = landscape(letter)
GRID = colors.HexColor("#9aa5b1")
SHADE = colors.HexColor("#e8edf2")
INK = colors.HexColor("#1f2933")

_styles = getSampleStyleSheet()
TITLE = ParagraphStyle("title", parent=_styles["Title"], fontSize=15, leading=18, spaceAfter=2)
HEADING = ParagraphStyle(
    "heading", parent=_styles["Heading4"], fontSize=9, leading=11, spaceBefore=6, spaceAfter=3
)
BODY = ParagraphStyle("body", parent=_styles["BodyText"], fontSize=8, leading=10)
SMALL = ParagraphStyle("small", parent=BODY, fontSize=7, leading=8.5)
CELL = ParagraphStyle("cell", parent=BODY, fontSize=7, leading=8.5)
CELL_RIGHT = ParagraphStyle("cell_right", parent=CELL, alignment=TA_RIGHT)
HEAD_CELL = ParagraphStyle("head_cell", parent=CELL, fontName="Helvetica-Bold")
HEAD_CELL_RIGHT = ParagraphStyle("head_cell_right", parent=HEAD_CELL, alignment=TA_RIGHT)

# Continuation sheet columns: letter, heading, width in points (landscape letter: 720 usable).
G703_COLUMNS = (
    ("A", "Item", 42),
    ("B", "Description of work", 172),
    ("C", "Scheduled value", 64),
    ("D", "Work completed: previous applications", 64),
    ("E", "Work completed: this period", 60),
    ("F", "Materials presently stored (not in D or E)", 64),
    ("G", "Completed and stored to date (D+E+F)", 66),
    ("", "% (G / C)", 40),
    ("H", "Balance to finish (C - G)", 64),
    ("I", "Retainage", 60),
)
G703_WIDTHS = [width for _, _, width in G703_COLUMNS]


def pay_app_pdf(document: PayAppDocument) -> bytes:
    """The G702 page and the G703 continuation pages of one pay application."""
    sheets = _paginate(document, _sheet_height(document))
    # Every footer says "page n of N": N is the G702 page and the continuation pages, drawn
    # again with the count the first drawing found should page 1 ever run onto a second page.
    expected = 1 + len(sheets)
    pdf, counted = _render(document, sheets, total_pages=expected)
    if counted != expected:
        pdf, _ = _render(document, sheets, total_pages=counted)
    return pdf


def _render(
    document: PayAppDocument, sheets: list[list[G703Row]], *, total_pages: int
) -> tuple[bytes, int]:
    buffer = BytesIO()
    title = (
        f"Pay application {document.number}: {document.contract.number} {document.contract.title}"
    )
    doc = BaseDocTemplate(
        buffer,
        pagesize=PORTRAIT,
        leftMargin=MARGIN,
        rightMargin=MARGIN,
        topMargin=MARGIN,
        bottomMargin=MARGIN,
        title=title,
        author=document.contractor.name,
        subject="Application and certificate for payment (G702/G703 format)",
        creator="drawbridge",
    )
    portrait_frame = Frame(
        MARGIN, MARGIN, PORTRAIT[0] - 2 * MARGIN, PORTRAIT[1] - 2 * MARGIN, id="portrait"
    )
    landscape_frame = Frame(
        MARGIN, MARGIN, LANDSCAPE[0] - 2 * MARGIN, LANDSCAPE[1] - 2 * MARGIN, id="landscape"
    )
    counted: list[int] = []
    doc.addPageTemplates(
        [
            PageTemplate(
                id="g702",
                frames=[portrait_frame],
                pagesize=PORTRAIT,
                onPage=_footer(document, PORTRAIT, total_pages, counted),
            ),
            PageTemplate(
                id="g703",
                frames=[landscape_frame],
                pagesize=LANDSCAPE,
                onPage=_footer(document, LANDSCAPE, total_pages, counted),
            ),
        ]
    )
    story: list[Flowable] = [*_g702(document), NextPageTemplate("g703"), PageBreak()]
    story.extend(_g703(document, sheets))
    doc.build(story)
    return buffer.getvalue(), len(counted)


def _footer(
    document: PayAppDocument,
    pagesize: tuple[float, float],
    total_pages: int,
    counted: list[int],
) -> Any:
    label = (
        f"{document.contract.number} {document.contract.title} - application {document.number}"
        f" - period to {day(document.period_to) or '-'}"
    )

    def draw(canvas: Canvas, _doc: BaseDocTemplate) -> None:
        number = canvas.getPageNumber()
        counted.append(number)
        canvas.saveState()
        canvas.setFont("Helvetica", 7)
        canvas.setFillColor(INK)
        canvas.drawString(MARGIN, MARGIN / 2, label)
        canvas.drawRightString(pagesize[0] - MARGIN, MARGIN / 2, f"Page {number} of {total_pages}")
        canvas.restoreState()

    return draw


# -- page 1: the application and certificate for payment -----------------------------------------


def _g702(document: PayAppDocument) -> list[Flowable]:
    view = document.pay_app
    width = PORTRAIT[0] - 2 * MARGIN
    flow: list[Flowable] = [
        Paragraph("Application and Certificate for Payment", TITLE),
        Paragraph(
            "In the G702 format, with the continuation sheet (G703 format) on the pages that "
            "follow. Prepared with drawbridge.",
            SMALL,
        ),
        Spacer(1, 8),
        _parties(document, width),
        Spacer(1, 8),
    ]
    application = Table(
        [
            [
                _cell("Line", HEAD_CELL),
                _cell("Contractor's application for payment", HEAD_CELL),
                _cell("Amount", HEAD_CELL_RIGHT),
            ],
            *[
                [_cell(line), _cell(label), _cell(money(cents), CELL_RIGHT)]
                for line, label, cents in document.g702_lines()
            ],
            [
                "",
                _cell("Percent complete (line 4 / line 3)"),
                _cell(percent(document.summary.percent_complete), CELL_RIGHT),
            ],
        ],
        colWidths=[0.45 * inch, width - 0.45 * inch - 1.5 * inch, 1.5 * inch],
    )
    application.setStyle(_grid_style(header_rows=1, bold_rows=(10,)))  # line 8, payment due
    flow += [application, Spacer(1, 8)]
    flow.append(KeepTogether([Paragraph("Change-order summary", HEADING), _changes(document)]))
    flow += [Spacer(1, 6), _signatures(document, width)]
    if view.invoice_number:
        flow.append(Paragraph(f"Invoice number: {escape(view.invoice_number)}", SMALL))
    return flow


def _parties(document: PayAppDocument, width: float) -> Table:
    contract = document.contract
    project = document.project

    def party(block: Any) -> Paragraph:
        if block is None:
            return _cell("-")
        lines = "<br/>".join(escape(part) for part in (block.name, *block.address))
        return _cell(lines)

    period = f"{day(document.period_from) or '-'} to {day(document.period_to) or '-'}"
    number = project.number or "-"
    left = [
        ("To (owner)", party(document.owner)),
        ("From (contractor)", party(document.contractor)),
        ("Via (architect)", party(document.architect)),
    ]
    right = [
        ("Project", _cell(f"{escape(project.name)}<br/>{escape(project.code)}, no. {number}")),
        ("Contract for", _cell(escape(f"{contract.number} {contract.title}"))),
        ("Contract date", _cell(day(contract.contract_date) or "-")),
        ("Application no.", _cell(str(document.number))),
        ("Application date", _cell(day(document.application_date) or "-")),
        ("Period", _cell(period)),
    ]
    rows: list[list[Any]] = []
    for index in range(max(len(left), len(right))):
        label_left, value_left = left[index] if index < len(left) else ("", _cell(""))
        label_right, value_right = right[index] if index < len(right) else ("", _cell(""))
        rows.append(
            [_cell(label_left, HEAD_CELL), value_left, _cell(label_right, HEAD_CELL), value_right]
        )
    quarter = width / 4
    table = Table(
        rows, colWidths=[0.95 * inch, 2 * quarter - 0.95 * inch, 1.0 * inch, 2 * quarter - inch]
    )
    table.setStyle(
        TableStyle(
            [
                ("VALIGN", (0, 0), (-1, -1), "TOP"),
                ("BOX", (0, 0), (-1, -1), 0.6, GRID),
                ("LINEAFTER", (1, 0), (1, -1), 0.6, GRID),
                ("TOPPADDING", (0, 0), (-1, -1), 2),
                ("BOTTOMPADDING", (0, 0), (-1, -1), 2),
            ]
        )
    )
    return table


def _changes(document: PayAppDocument) -> Table:
    changes = document.change_orders
    rows: list[list[Any]] = [
        [
            _cell("Change orders", HEAD_CELL),
            _cell("Additions", HEAD_CELL_RIGHT),
            _cell("Deductions", HEAD_CELL_RIGHT),
        ],
        [
            _cell("Approved on previous applications"),
            _cell(money(changes.previous_additions), CELL_RIGHT),
            _cell(money(changes.previous_deductions), CELL_RIGHT),
        ],
        [
            _cell("Approved on this application"),
            _cell(money(changes.this_period_additions), CELL_RIGHT),
            _cell(money(changes.this_period_deductions), CELL_RIGHT),
        ],
        [
            _cell("Totals"),
            _cell(money(changes.total_additions), CELL_RIGHT),
            _cell(money(changes.total_deductions), CELL_RIGHT),
        ],
        [
            _cell("Net change by change orders (line 2)"),
            _cell(money(changes.net_change), CELL_RIGHT),
            "",
        ],
    ]
    table = Table(rows, colWidths=[3.4 * inch, 1.5 * inch, 1.5 * inch], hAlign="LEFT")
    table.setStyle(_grid_style(header_rows=1, bold_rows=(4,)))
    return table


def _signatures(document: PayAppDocument, width: float) -> Table:
    """The blocks signed by hand: the contractor's statement, a notary, the architect."""
    blank = "_" * 30
    contractor = [
        Paragraph("Contractor's statement", HEADING),
        Paragraph(
            "The contractor states that the work and stored materials billed above were "
            "performed or delivered under this contract through the end of the period, that "
            "earlier payments received have been applied to the work they paid for, and that "
            "the current payment due shown on line 8 is now owed.",
            SMALL,
        ),
        Spacer(1, 6),
        Paragraph(f"Contractor: {escape(document.contractor.name)}", SMALL),
        Spacer(1, 8),
        Paragraph(f"Signed: {blank}  Date: {'_' * 14}", SMALL),
        Spacer(1, 8),
        Paragraph("Notary", HEADING),
        Paragraph(f"State of: {'_' * 18}  County of: {'_' * 18}", SMALL),
        Spacer(1, 6),
        Paragraph(f"Signed and sworn before me on: {'_' * 22}", SMALL),
        Spacer(1, 6),
        Paragraph(f"Notary public: {blank}", SMALL),
        Spacer(1, 6),
        Paragraph(f"Commission expires: {'_' * 22}", SMALL),
    ]
    architect = [
        Paragraph("Certificate for payment", HEADING),
        Paragraph(
            "Having reviewed this application and observed the work, the architect certifies "
            "the amount below as payable to the contractor. If it differs from line 8, the "
            "reason is attached.",
            SMALL,
        ),
        Spacer(1, 6),
        Paragraph(f"Amount certified: {'_' * 24}", SMALL),
        Spacer(1, 8),
        Paragraph(
            "Architect: " + (escape(document.architect.name) if document.architect else "_" * 26),
            SMALL,
        ),
        Spacer(1, 8),
        Paragraph(f"Signed: {blank}  Date: {'_' * 14}", SMALL),
    ]
    table = Table([[contractor, architect]], colWidths=[width / 2, width / 2])
    table.setStyle(
        TableStyle(
            [
                ("VALIGN", (0, 0), (-1, -1), "TOP"),
                ("BOX", (0, 0), (-1, -1), 0.6, GRID),
                ("LINEAFTER", (0, 0), (0, -1), 0.6, GRID),
            ]
        )
    )
    return table


# -- the continuation sheet -----------------------------------------------------------------------


def _g703_heading(document: PayAppDocument) -> Paragraph:
    return Paragraph(
        escape(
            f"Continuation sheet - {document.contract.number} {document.contract.title} - "
            f"application {document.number}, dated {day(document.application_date) or '-'}, "
            f"period to {day(document.period_to) or '-'}"
        ),
        HEADING,
    )


def _sheet_height(document: PayAppDocument) -> float:
    """The height a continuation page's table may take: the frame's (less its padding of 6
    points top and bottom), less the page's heading and the space after it."""
    frame = LANDSCAPE[1] - 2 * MARGIN - 12
    heading = _g703_heading(document).wrap(LANDSCAPE[0] - 2 * MARGIN, frame)[1]
    return frame - heading - HEADING.spaceBefore - HEADING.spaceAfter - 2


def _g703(document: PayAppDocument, sheets: list[list[G703Row]]) -> list[Flowable]:
    flow: list[Flowable] = []
    for index, rows in enumerate(sheets):
        last = index == len(sheets) - 1
        flow += [_g703_heading(document), _g703_table(rows, document.totals if last else None)]
        if not last:
            flow.append(PageBreak())
    return flow


def _paginate(document: PayAppDocument, available: float) -> list[list[G703Row]]:
    """Split the rows into pages that fit. Each row is measured once, in a table of its own
    (a description wraps onto more lines), so a long application pages in linear time."""
    width = LANDSCAPE[0] - 2 * MARGIN

    def height(rows: list[G703Row], grand_total: G703Row | None) -> float:
        return float(_g703_table(rows, grand_total).wrap(width, available)[1])

    frame = height([], None)  # the header rows and the page-total row
    grand = height([], document.totals) - frame
    pages: list[list[G703Row]] = []
    current: list[G703Row] = []
    used = frame
    for row in document.rows:
        needed = _row_height(row)
        if current and used + needed > available:
            pages.append(current)
            current, used = [], frame
        current.append(row)
        used += needed
    pages.append(current)
    # The last page also holds the grand total row: when it does not fit, its last row moves on.
    if used + grand > available and len(current) > 1:
        pages.append([current.pop()])
    return pages


def _g703_table(rows: list[G703Row], grand_total: G703Row | None) -> Table:
    letters = [_cell(letter, HEAD_CELL) for letter, _, _ in G703_COLUMNS]
    headings = [
        _cell(name, HEAD_CELL if position < 2 else HEAD_CELL_RIGHT)
        for position, (_, name, _) in enumerate(G703_COLUMNS)
    ]
    body = [_g703_row(row) for row in rows]
    totals = [_g703_row(page_totals(rows, "Page total"), bold=True)]
    if grand_total is not None:
        totals.append(_g703_row(grand_total, bold=True))
    table = Table([letters, headings, *body, *totals], colWidths=G703_WIDTHS, repeatRows=2)
    style = _g703_style(header_rows=2)
    first_total = 2 + len(body)
    style.add("BACKGROUND", (0, first_total), (-1, -1), SHADE)
    style.add("LINEABOVE", (0, first_total), (-1, first_total), 1, INK)
    style.add("FONTNAME", (0, first_total), (-1, -1), "Helvetica-Bold")
    table.setStyle(style)
    return table


def _row_height(row: G703Row) -> float:
    """The height the row takes in a continuation table (its description may wrap)."""
    table = Table([_g703_row(row)], colWidths=G703_WIDTHS)
    table.setStyle(_g703_style(header_rows=0))
    return float(table.wrap(sum(G703_WIDTHS), LANDSCAPE[1])[1])


def _g703_style(*, header_rows: int) -> TableStyle:
    # Figures are plain strings styled here, not paragraphs: a long sheet draws many of them.
    style = _grid_style(header_rows=header_rows)
    style.add("FONTNAME", (0, header_rows), (-1, -1), "Helvetica")
    style.add("FONTSIZE", (0, header_rows), (-1, -1), CELL.fontSize)
    style.add("LEADING", (0, header_rows), (-1, -1), CELL.leading)
    style.add("ALIGN", (2, header_rows), (-1, -1), "RIGHT")
    return style


def _g703_row(row: G703Row, *, bold: bool = False) -> list[Paragraph | str]:
    left = HEAD_CELL if bold else CELL
    return [
        _cell(escape(row.item), left),
        _cell(escape(row.description), left),
        money(row.scheduled_value),
        money(row.from_previous_application),
        money(row.this_period),
        money(row.materials_presently_stored),
        money(row.completed_and_stored_to_date),
        percent(row.percent_complete),
        money(row.balance_to_finish),
        money(row.retainage),
    ]


def _cell(text: str, style: ParagraphStyle = CELL) -> Paragraph:
    """A table cell; ``text`` is ReportLab markup (escape user text before)."""
    return Paragraph(text, style)


def _grid_style(*, header_rows: int, bold_rows: tuple[int, ...] = ()) -> TableStyle:
    style = TableStyle(
        [
            ("GRID", (0, 0), (-1, -1), 0.4, GRID),
            ("VALIGN", (0, 0), (-1, -1), "TOP"),
            ("TOPPADDING", (0, 0), (-1, -1), 1.5),
            ("BOTTOMPADDING", (0, 0), (-1, -1), 1.5),
            ("LEFTPADDING", (0, 0), (-1, -1), 3),
            ("RIGHTPADDING", (0, 0), (-1, -1), 3),
        ]
    )
    if header_rows:
        style.add("BACKGROUND", (0, 0), (-1, header_rows - 1), SHADE)
    for row in bold_rows:
        style.add("BACKGROUND", (0, row), (-1, row), SHADE)
    return style
