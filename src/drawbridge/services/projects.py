"""Projects and their billing periods.

A project's ``code`` is the name other faces and fixtures refer to it by (Intacct's project id,
e.g. ``DIM - BTI``): unique in the company and fixed once set. A billing period is a span of
dates in one project (start <= end, optional due date); the periods of a project never overlap,
so a date falls in at most one of them.

Each use case is one unit of work, scoped by the actor's company and audited.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from datetime import date
from typing import Any

from drawbridge.domain.errors import Conflict, Invalid, NotFound
from drawbridge.domain.rules import check_can_read, check_can_write
from drawbridge.domain.text import optional_text, required_text
from drawbridge.services import audit, render
from drawbridge.services.views import Actor, PeriodView, ProjectView
from drawbridge.store.models import BillingPeriod, Project
from drawbridge.store.uow import UnitOfWork

MAX_CODE_LENGTH = 64
MAX_NAME_LENGTH = 255
MAX_NUMBER_LENGTH = 64


def list_projects(uow: UnitOfWork, actor: Actor) -> Sequence[ProjectView]:
    check_can_read(actor.scopes)
    with uow:
        return [render.project_view(row) for row in uow.repo.projects(actor.company_id)]


def find_project(uow: UnitOfWork, actor: Actor, reference: str) -> ProjectView:
    """A project of the company named by its code, or by its id."""
    check_can_read(actor.scopes)
    with uow:
        row = uow.repo.project_by_code(actor.company_id, reference)
        if row is None and reference.isdigit():
            row = uow.repo.project(actor.company_id, int(reference))
        if row is None:
            raise NotFound(f"project: no project with code or id {reference!r}", field="project")
        return render.project_view(row)


def get_project(uow: UnitOfWork, actor: Actor, project_id: int) -> ProjectView:
    check_can_read(actor.scopes)
    with uow:
        return render.project_view(_project(uow, actor, project_id))


def create_project(uow: UnitOfWork, actor: Actor, values: Mapping[str, Any]) -> ProjectView:
    """A new project: ``code`` (unique in the company), ``name``, optional ``number``."""
    check_can_write(actor.scopes)
    with uow:
        code = required_text(values.get("code"), "code", MAX_CODE_LENGTH, count_stripped=True)
        if uow.repo.project_by_code(actor.company_id, code) is not None:
            raise Conflict(f"code: a project {code!r} already exists", field="code")
        row = Project(
            company_id=actor.company_id,
            code=code,
            name=required_text(values.get("name"), "name", MAX_NAME_LENGTH, count_stripped=True),
            number=_number(values.get("number")),
        )
        uow.repo.add(row)
        uow.flush()
        audit.record(uow, actor, "create", "project", row.id, None, audit.snapshot(row))
        uow.commit()
        return render.project_view(row)


def update_project(
    uow: UnitOfWork, actor: Actor, project_id: int, values: Mapping[str, Any]
) -> ProjectView:
    """Change the name or number; the code stays (contracts and faces refer to it)."""
    check_can_write(actor.scopes)
    with uow:
        row = _project(uow, actor, project_id)
        before = audit.snapshot(row)
        if "code" in values and values["code"] != row.code:
            raise Invalid("code: the code of a project cannot change", field="code")
        if "name" in values:
            row.name = required_text(values["name"], "name", MAX_NAME_LENGTH, count_stripped=True)
        if "number" in values:
            row.number = _number(values["number"])
        uow.flush()
        audit.record(uow, actor, "update", "project", row.id, before, audit.snapshot(row))
        uow.commit()
        return render.project_view(row)


def delete_project(uow: UnitOfWork, actor: Actor, project_id: int) -> None:
    """Delete a project that has no contracts (its billing periods go with it)."""
    check_can_write(actor.scopes)
    with uow:
        row = _project(uow, actor, project_id)
        contracts = uow.repo.contracts(actor.company_id, row.id)
        if contracts:
            raise Conflict(
                f"project {row.code!r} has contract {contracts[0].number}; delete its contracts"
                " first",
                field="id",
                code="in_use",
            )
        before = audit.snapshot(row)
        for period in uow.repo.periods(actor.company_id, row.id):
            uow.repo.delete(period)
        uow.repo.delete(row)
        audit.record(uow, actor, "delete", "project", project_id, before, None)
        uow.commit()


# -- billing periods -------------------------------------------------------------------------------


def list_periods(uow: UnitOfWork, actor: Actor, project_id: int) -> Sequence[PeriodView]:
    """A project's billing periods in date order."""
    check_can_read(actor.scopes)
    with uow:
        project = _project(uow, actor, project_id)
        return [render.period_view(row) for row in uow.repo.periods(actor.company_id, project.id)]


def get_period(uow: UnitOfWork, actor: Actor, period_id: int) -> PeriodView:
    check_can_read(actor.scopes)
    with uow:
        return render.period_view(_period(uow, actor, period_id))


def create_period(
    uow: UnitOfWork, actor: Actor, project_id: int, values: Mapping[str, Any]
) -> PeriodView:
    """A new period of the project: ``start_date``, ``end_date``, optional ``due_date``."""
    check_can_write(actor.scopes)
    with uow:
        project = _project(uow, actor, project_id)
        row = BillingPeriod(company_id=actor.company_id, project_id=project.id)
        _set_dates(row, values, required=True)
        _check_no_overlap(uow, actor, row)
        uow.repo.add(row)
        uow.flush()
        audit.record(uow, actor, "create", "billing_period", row.id, None, audit.snapshot(row))
        uow.commit()
        return render.period_view(row)


def update_period(
    uow: UnitOfWork, actor: Actor, period_id: int, values: Mapping[str, Any]
) -> PeriodView:
    """Change a period's dates; it still may not overlap another period of its project."""
    check_can_write(actor.scopes)
    with uow:
        row = _period(uow, actor, period_id)
        before = audit.snapshot(row)
        _set_dates(row, values, required=False)
        _check_no_overlap(uow, actor, row)
        uow.flush()
        audit.record(uow, actor, "update", "billing_period", row.id, before, audit.snapshot(row))
        uow.commit()
        return render.period_view(row)


def delete_period(uow: UnitOfWork, actor: Actor, period_id: int) -> None:
    """Delete a period no pay application falls in."""
    check_can_write(actor.scopes)
    with uow:
        row = _period(uow, actor, period_id)
        if uow.repo.pay_apps_in_period(actor.company_id, row.id):
            raise Conflict(
                "billing period: a pay application falls in it", field="id", code="in_use"
            )
        before = audit.snapshot(row)
        uow.repo.delete(row)
        audit.record(uow, actor, "delete", "billing_period", period_id, before, None)
        uow.commit()


def _project(uow: UnitOfWork, actor: Actor, project_id: int) -> Project:
    row = uow.repo.project(actor.company_id, project_id)
    if row is None:
        raise NotFound(f"no project with id {project_id}", field="id")
    return row


def _period(uow: UnitOfWork, actor: Actor, period_id: int) -> BillingPeriod:
    row = uow.repo.period(actor.company_id, period_id)
    if row is None:
        raise NotFound(f"no billing period with id {period_id}", field="id")
    return row


def _set_dates(row: BillingPeriod, values: Mapping[str, Any], *, required: bool) -> None:
    for name in ("start_date", "end_date"):
        if name in values or required:
            setattr(row, name, _date(values.get(name), name))
    if "due_date" in values:
        due = values["due_date"]
        row.due_date = None if due is None else _date(due, "due_date")
    if row.start_date > row.end_date:
        raise Invalid("end_date: must not be before start_date", field="end_date")


def _check_no_overlap(uow: UnitOfWork, actor: Actor, row: BillingPeriod) -> None:
    for other in uow.repo.periods(actor.company_id, row.project_id):
        if (
            other.id != row.id
            and other.start_date <= row.end_date
            and row.start_date <= other.end_date
        ):
            raise Conflict(
                f"start_date: the period overlaps {other.start_date}..{other.end_date}",
                field="start_date",
                code="overlap",
            )


def _date(value: object, name: str) -> date:
    if not isinstance(value, date):
        raise Invalid(f"{name}: required, a date (YYYY-MM-DD)", field=name)
    return value


def _number(value: object) -> str | None:
    return optional_text(value, "number", MAX_NUMBER_LENGTH)
