"""The plain reads of stored lines (``Repository.line_columns``, ``line_values``,
``sov_line_columns_of``) and what is built from them: a recompute's inputs and stored figures,
and a show's line views.

Each is checked against the ORM's read of the same rows, on lines that hold every kind of value:
NULL optional columns, stored materials, a change-order line, retainage percents given per line
(which the engine keeps as overrides), a quantity, a claim and a review."""

from __future__ import annotations

from decimal import Decimal
from typing import Any

import pytest

from drawbridge.bootstrap import Runtime
from drawbridge.services import chain, pay_apps, render
from drawbridge.services.pay_apps import CreatePayApp, LineInput, UpdatePayApp
from drawbridge.services.views import PayAppView
from drawbridge.store.models import PayAppLine
from tests.services.helpers import (
    CO_APPROVED_ITEM,
    COMPANY,
    CONTRACT,
    LINES,
    OTHER_COMPANY,
    PERIODS,
    assert_no_drift,
    co,
    ledger_document,
    sov,
)
from tests.support import admin_actor, load

ADMIN = admin_actor()


def _create(runtime: Runtime, period: int, lines: list[LineInput]) -> PayAppView:
    return pay_apps.create_pay_app(
        runtime.uow(),
        ADMIN,
        CreatePayApp(contract_id=CONTRACT, header={"period_id": period}, lines=lines),
    )


@pytest.fixture
def ledger(runtime: Runtime) -> list[int]:
    """Three applications of the helpers' contract; the change-order item joins on the second."""
    load(runtime, ledger_document())
    first = _create(
        runtime,
        PERIODS[0],
        [
            LineInput(
                ref=sov(LINES[0]),
                work_completed_this_period=100_000,
                materials_presently_stored=25_000,
                # Given as written: "7.50" and "12.0" are kept as they are, not as 7.5 and 12.
                work_retainage_percent=Decimal("7.50"),
                materials_retainage_percent=Decimal("12.0"),
                work_completed_this_period_quantity=Decimal("3.250"),
                subcontractor_claimed_amount=99_000,
                review_status="reviewed",
                review_comment="Checked on site",
            ),
            LineInput(ref=sov(LINES[1])),  # nothing billed: every optional column NULL
            LineInput(ref=sov(LINES[2]), work_completed_this_period=50_000),
        ],
    )
    second = _create(
        runtime,
        PERIODS[1],
        [
            LineInput(ref=sov(LINES[1]), work_completed_this_period=200_000),
            LineInput(ref=co(CO_APPROVED_ITEM), work_completed_this_period=40_000),
        ],
    )
    third = _create(
        runtime,
        PERIODS[2],
        [LineInput(ref=sov(LINES[0]), materials_presently_stored=0, work_retainage_released=500)],
    )
    return [first.id, second.id, third.id]


def _orm_lines(runtime: Runtime, pay_app_ids: list[int]) -> dict[int, list[PayAppLine]]:
    with runtime.uow(read_only=True) as uow:
        rows = uow.repo.pay_app_lines(pay_app_ids)
        uow.session.expunge_all()
        return rows


def test_line_columns_read_what_the_orm_reads(runtime: Runtime, ledger: list[int]) -> None:
    columns = [column.key for column in PayAppLine.__table__.c]
    orm = _orm_lines(runtime, ledger)
    with runtime.uow(read_only=True) as uow:
        plain = uow.repo.line_columns(COMPANY, ledger, columns)
    assert [len(plain[pay_app_id]) for pay_app_id in ledger] == [3, 4, 4]
    for pay_app_id in ledger:
        for line, row in zip(plain[pay_app_id], orm[pay_app_id], strict=True):
            expected = tuple(getattr(row, column) for column in columns)
            assert line == expected
            # Decimals exactly as stored, representation included; NULL stays None.
            assert [str(value) for value in line] == [str(value) for value in expected]
            assert [type(value) for value in line] == [type(value) for value in expected]
    # line_values: every column, by name and by position, as the ORM reads them.
    with runtime.uow(read_only=True) as uow:
        every = uow.repo.line_values(ledger)
    for pay_app_id in ledger:
        assert [tuple(line) for line in every[pay_app_id]] == plain[pay_app_id]
        for line, row in zip(every[pay_app_id], orm[pay_app_id], strict=True):
            assert [str(getattr(line, column)) for column in columns] == [
                str(getattr(row, column)) for column in columns
            ]
    first = dict(zip(columns, plain[ledger[0]][0], strict=True))
    assert str(first["work_retainage_percent_input"]) == "7.50"
    assert str(first["work_completed_this_period_quantity"]) == "3.250"
    assert first["work_percent_override"] == Decimal("7.50")
    nothing = dict(zip(columns, plain[ledger[0]][1], strict=True))
    assert nothing["materials_presently_stored_input_cents"] is None
    assert nothing["work_retainage_percent_input"] is None
    assert nothing["review_status"] is None


def test_line_columns_are_scoped_by_company(runtime: Runtime, ledger: list[int]) -> None:
    with runtime.uow(read_only=True) as uow:
        assert uow.repo.line_columns(OTHER_COMPANY, ledger, ["id"]) == {i: [] for i in ledger}
        assert uow.repo.line_columns(COMPANY, [], ["id"]) == {}
        assert uow.repo.sov_line_columns_of(OTHER_COMPANY, [CONTRACT], ["id"]) == {CONTRACT: []}


def test_sov_line_columns_read_what_the_full_read_reads(
    runtime: Runtime, ledger: list[int]
) -> None:
    with runtime.uow(read_only=True) as uow:
        full = uow.repo.sov_line_values_of([CONTRACT])[CONTRACT]
        narrow = uow.repo.sov_line_columns_of(COMPANY, [CONTRACT], render.SHOWN_SOV_COLUMNS)
    assert [line.id for line in narrow[CONTRACT]] == list(LINES)
    assert [render.sov_line_view(line) for line in narrow[CONTRACT]] == [
        render.sov_line_view(line) for line in full
    ]


def test_a_show_builds_its_lines_as_the_orm_rows_say(runtime: Runtime, ledger: list[int]) -> None:
    orm = _orm_lines(runtime, ledger)
    with runtime.uow(read_only=True) as uow:
        items = {item.id: item.package_id for item in uow.repo.package_items(CONTRACT)}
    for pay_app_id in ledger:
        view = pay_apps.get_pay_app(runtime.uow(read_only=True), ADMIN, pay_app_id)
        assert view.lines is not None
        rows = orm[pay_app_id]
        assert [line.id for line in view.lines] == [row.id for row in rows]
        for line, row in zip(view.lines, rows, strict=True):
            package = items.get(row.change_order_item_id or 0)
            assert line.figures == chain.line_figures(row, package)
            assert _shown(line) == (
                row.uuid,
                row.position,
                row.work_completed_this_period_quantity,
                row.subcontractor_claimed_amount_cents,
                row.review_status,
                row.review_comment,
            )
            assert (line.sov_line is None) == (row.sov_line_id is None)
            assert (line.change_order_item is None) == (row.change_order_item_id is None)
    first = pay_apps.get_pay_app(runtime.uow(read_only=True), ADMIN, ledger[0])
    assert first.lines is not None
    assert str(first.lines[0].work_completed_this_period_quantity) == "3.250"
    assert str(first.lines[0].figures.work_percent_override) == "7.50"
    second = pay_apps.get_pay_app(runtime.uow(read_only=True), ADMIN, ledger[1])
    assert second.lines is not None
    assert second.lines[-1].ref == co(CO_APPROVED_ITEM)
    assert second.lines[-1].figures.change_order_package_id is not None
    # F of the previous application, by the line it bills.
    assert second.lines[0].materials_previously_stored == 25_000


def _shown(line: Any) -> tuple[Any, ...]:
    return (
        line.uuid,
        line.position,
        line.work_completed_this_period_quantity,
        line.subcontractor_claimed_amount,
        line.review_status,
        line.review_comment,
    )


def test_an_edit_through_the_narrow_read_leaves_no_drift(
    runtime: Runtime, ledger: list[int]
) -> None:
    """Application 1's edit moves every later one, change-order line and per-line retainage
    included; a line given 10 and one given 10.0 keep their own percents."""
    pay_apps.update_pay_app(
        runtime.uow(),
        ADMIN,
        UpdatePayApp(
            pay_app_id=ledger[0],
            lines=[
                LineInput(ref=sov(LINES[0]), work_completed_this_period=150_000),
                LineInput(ref=sov(LINES[1]), work_retainage_percent=Decimal("10.0")),
                LineInput(ref=sov(LINES[2]), work_retainage_percent=Decimal("10")),
            ],
        ),
    )
    assert assert_no_drift(runtime, CONTRACT) == 3
    orm = _orm_lines(runtime, ledger)
    first = {row.sov_line_id: row for row in orm[ledger[0]]}
    assert str(first[LINES[1]].work_retainage_percent_input) == "10.0"
    assert str(first[LINES[2]].work_retainage_percent_input) == "10"
    third = pay_apps.get_pay_app(runtime.uow(read_only=True), ADMIN, ledger[2])
    assert third.lines is not None
    assert third.lines[0].figures.work_completed_from_previous_application == 150_000
