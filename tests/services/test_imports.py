"""Importing an SOV and a period's work from XLSX or CSV: columns by header name, errors naming
row and column, all or nothing, dry runs that change nothing."""

from __future__ import annotations

from decimal import Decimal
from typing import Any

import pytest

from drawbridge.bootstrap import Runtime
from drawbridge.domain.errors import Forbidden
from drawbridge.domain.rules import Role, Scope
from drawbridge.exports import spreadsheets
from drawbridge.services import documents, pay_apps, sov
from drawbridge.services.imports import ImportRejected
from drawbridge.services.pay_apps import CreatePayApp
from drawbridge.services.views import Actor
from tests.exports.ledger import COMPANY, CONTRACT, LINE_COUNT, sixty_line_document
from tests.support import admin_actor, load

ACTOR = admin_actor(COMPANY)
EMPTY = 8310  # a contract of the same project with no lines yet


@pytest.fixture
def ledger(runtime: Runtime) -> Runtime:
    document = sixty_line_document()
    contracts = document["companies"][0]["projects"][0]["contracts"]
    contracts.append(
        {"id": EMPTY, "kind": "prime", "number": "HP-FITOUT", "title": "Fit-out", "party": "OWNER"}
    )
    load(runtime, document)
    return runtime


def lines_of(runtime: Runtime, contract_id: int) -> list[tuple[Any, ...]]:
    found = documents.contract_sov(runtime.uow(read_only=True), ACTOR, contract_id)
    return [
        (line.number, line.description, line.cost_code, line.scheduled_value)
        for line in found.lines
    ]


def csv_sheet(text: str) -> Any:
    return spreadsheets.read_table(text.encode(), "file.csv")


@pytest.mark.parametrize("kind", ["xlsx", "csv"])
def test_an_exported_sov_imports_as_the_same_lines(ledger: Runtime, kind: str) -> None:
    source = documents.contract_sov(ledger.uow(read_only=True), ACTOR, CONTRACT)
    data = (
        spreadsheets.sov_xlsx(source) if kind == "xlsx" else spreadsheets.sov_csv(source).encode()
    )
    table = spreadsheets.read_table(data, f"sov.{kind}")

    preview = sov.import_sov(ledger.uow(), ACTOR, EMPTY, table, dry_run=True)
    assert preview.dry_run
    assert preview.count("create") == LINE_COUNT
    assert preview.summary["contract sum of the SOV"] == "2,859,263.10"
    assert lines_of(ledger, EMPTY) == []  # the dry run changed nothing

    done = sov.import_sov(ledger.uow(), ACTOR, EMPTY, table, dry_run=False)
    assert done.count("create") == LINE_COUNT
    assert lines_of(ledger, EMPTY) == lines_of(ledger, CONTRACT)

    again = sov.import_sov(ledger.uow(), ACTOR, EMPTY, table, dry_run=False)
    assert again.count("unchanged") == LINE_COUNT


def test_headers_match_without_case_spaces_or_punctuation_and_by_synonym(
    ledger: Runtime,
) -> None:
    table = csv_sheet(
        " ITEM NO. ;Description of Work;Cost-Code;Amount\n"
        '10;Site work;31-000;"$12,500.00"\n'
        "20;Concrete;;(250.00)\n"
    )
    sov.import_sov(ledger.uow(), ACTOR, EMPTY, table, dry_run=False)
    assert lines_of(ledger, EMPTY) == [
        ("10", "Site work", "31-000", 1_250_000),
        ("20", "Concrete", None, -25_000),
    ]


def test_every_problem_names_its_row_and_column_and_nothing_is_imported(
    ledger: Runtime,
) -> None:
    table = csv_sheet(
        "Number,Description,Scheduled value\n"
        "1,Mobilization,1000.00\n"
        "2,Demolition,12.345\n"
        "3,,500\n"
        "1,Again,10\n"
    )
    with pytest.raises(ImportRejected) as rejected:
        sov.import_sov(ledger.uow(), ACTOR, EMPTY, table, dry_run=False)
    problems = [str(problem) for problem in rejected.value.problems]
    assert problems == [
        "row 3, column 'Scheduled value': 12.345 is not an amount with at most 2 decimal places",
        "row 4, column 'Description': required, empty here",
        "row 5, column 'Number': line 1 is also on row 2",
    ]
    assert "row 3" in rejected.value.message
    assert lines_of(ledger, EMPTY) == []  # row 2 was fine, and was not imported either


def test_a_missing_required_column_is_named(ledger: Runtime) -> None:
    with pytest.raises(ImportRejected) as rejected:
        sov.import_sov(
            ledger.uow(), ACTOR, EMPTY, csv_sheet("Number,Title\n1,Site\n"), dry_run=False
        )
    message = rejected.value.message
    assert "column 'description': missing column" in message
    assert "column 'scheduled_value': missing column" in message


def test_after_the_first_pay_application_only_descriptions_change(ledger: Runtime) -> None:
    source = documents.contract_sov(ledger.uow(read_only=True), ACTOR, CONTRACT)
    text = spreadsheets.sov_csv(source)
    rows = text.splitlines()
    header, first, *rest = rows
    number, _description, *others = first.split(",")
    renamed = ",".join([number, "Mobilization and bonds", *others])
    sov.import_sov(
        ledger.uow(),
        ACTOR,
        CONTRACT,
        csv_sheet("\n".join([header, renamed, *rest])),
        dry_run=False,
    )
    assert lines_of(ledger, CONTRACT)[0][1] == "Mobilization and bonds"

    repriced = first.replace("11234.57", "11300.00")
    added = "61,Extra work,,100.00,,"
    with pytest.raises(ImportRejected) as rejected:
        sov.import_sov(
            ledger.uow(),
            ACTOR,
            CONTRACT,
            csv_sheet("\n".join([header, repriced, added])),
            dry_run=False,
        )
    problems = [str(problem) for problem in rejected.value.problems]
    assert problems[0].startswith(
        "row 2, column 'Scheduled value': the schedule of values is fixed"
    )
    assert problems[1].startswith("row 3, column 'Number': new line 61: the schedule of values")
    assert len(lines_of(ledger, CONTRACT)) == LINE_COUNT


def test_a_read_only_token_imports_nothing(ledger: Runtime) -> None:
    reader = Actor(
        user_id=None, company_id=COMPANY, role=Role.ADMIN, scopes=frozenset({Scope.READ.value})
    )
    with pytest.raises(Forbidden):
        sov.import_sov(
            ledger.uow(), reader, EMPTY, csv_sheet("Description,Value\nA,1\n"), dry_run=False
        )


def new_application(runtime: Runtime) -> int:
    view = pay_apps.create_pay_app(runtime.uow(), ACTOR, CreatePayApp(contract_id=CONTRACT))
    return view.id


def test_a_periods_work_imports_through_the_pay_application_rules(ledger: Runtime) -> None:
    pay_app_id = new_application(ledger)
    table = csv_sheet(
        "Item,Description of work,Work completed this period,Materials presently stored\n"
        "1,Work package 01,1000.00,\n"
        "CO-001.1,Added lobby canopy,2500.00,400.00\n"
        "2,Work package 02,,\n"
    )
    preview = pay_apps.import_work(ledger.uow(), ACTOR, pay_app_id, table, dry_run=True)
    untouched = pay_apps.get_pay_app(ledger.uow(read_only=True), ACTOR, pay_app_id)
    assert untouched.summary.work_completed_this_period == 0

    done = pay_apps.import_work(ledger.uow(), ACTOR, pay_app_id, table, dry_run=False)
    view = pay_apps.get_pay_app(ledger.uow(read_only=True), ACTOR, pay_app_id)
    assert view.summary.work_completed_this_period == 350_000
    assert done.summary == preview.summary  # the dry run said what the import then did
    assert done.summary["line 8, current payment due"] == (
        f"{Decimal(view.summary.current_payment_due).scaleb(-2):,.2f}"
    )
    assert [change.action for change in done.changes] == ["update", "update", "unchanged"]
    assert done.changes[1].changes["materials_presently_stored"] == ("0.00", "400.00")


def test_an_exported_g703_imports_back_unchanged(ledger: Runtime) -> None:
    view = pay_apps.find_pay_app(ledger.uow(read_only=True), ACTOR, CONTRACT, 3)
    document = documents.pay_app_document(ledger.uow(read_only=True), ACTOR, view.id)
    table = spreadsheets.read_table(spreadsheets.pay_app_xlsx(document), "g703.xlsx")
    report = pay_apps.import_work(ledger.uow(), ACTOR, view.id, table, dry_run=False)
    assert report.count("unchanged") == LINE_COUNT + 2


def test_work_for_unknown_lines_changes_nothing(ledger: Runtime) -> None:
    pay_app_id = new_application(ledger)
    table = csv_sheet("Line,This period\n1,100.00\n99,5.00\nCO-009.1,abc\n")
    with pytest.raises(ImportRejected) as rejected:
        pay_apps.import_work(ledger.uow(), ACTOR, pay_app_id, table, dry_run=False)
    assert [str(problem) for problem in rejected.value.problems] == [
        "row 3, column 'Line': no line 99 on pay application 4",
        "row 4, column 'This period': abc is not an amount with at most 2 decimal places",
        "row 4, column 'Line': no line CO-009.1 on pay application 4",
    ]
    view = pay_apps.get_pay_app(ledger.uow(read_only=True), ACTOR, pay_app_id)
    assert view.summary.work_completed_this_period == 0


def test_a_billing_rule_refusing_a_line_names_the_row_that_asked(ledger: Runtime) -> None:
    view = pay_apps.find_pay_app(ledger.uow(read_only=True), ACTOR, CONTRACT, 3)
    held = view.g703_lines[1].figures.work_retainage_currently_retained
    table = csv_sheet(
        "Item,Retainage released\n"
        f"1,{Decimal(held).scaleb(-2)}\n"  # line 1 holds less than line 2: too much for it
        f"2,{Decimal(held).scaleb(-2)}\n"
    )
    with pytest.raises(ImportRejected) as rejected:
        pay_apps.import_work(ledger.uow(), ACTOR, view.id, table, dry_run=False)
    (problem,) = rejected.value.problems
    assert problem.row == 2
    assert "line 1 (Work package 01)" in problem.message
    assert "retainage held" in problem.message
    after = pay_apps.get_pay_app(ledger.uow(read_only=True), ACTOR, view.id)
    assert after.summary == view.summary


def test_releasing_retainage_from_a_file(ledger: Runtime) -> None:
    view = pay_apps.find_pay_app(ledger.uow(read_only=True), ACTOR, CONTRACT, 3)
    held = view.g703_lines[0].figures.work_retainage_currently_retained
    table = csv_sheet(f"Item,Retainage released\n1,{Decimal(held).scaleb(-2)}\n")
    pay_apps.import_work(ledger.uow(), ACTOR, view.id, table, dry_run=False)
    after = pay_apps.get_pay_app(ledger.uow(read_only=True), ACTOR, view.id)
    assert after.g703_lines[0].figures.work_retainage_currently_retained == 0
    assert after.summary.total_retainage == view.summary.total_retainage - held
