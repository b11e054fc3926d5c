"""The company, its parties, projects and billing periods."""

from __future__ import annotations

from typing import Any

from fastapi import APIRouter, Response

from drawbridge.api.listing import FilterField
from drawbridge.api.native import mapping
from drawbridge.api.native.deps import (
    Context,
    IdempotencyKey,
    IfMatch,
    check_if_match,
    created,
    read,
)
from drawbridge.api.native.errors import PROBLEM_RESPONSES
from drawbridge.api.native.lists import PAGED, list_parameters, respond_list
from drawbridge.api.native.responses import (
    CompanyOut,
    Page,
    PartyOut,
    PeriodOut,
    ProjectOut,
    ok,
)
from drawbridge.api.native.schemas import (
    CompanySettings,
    PartyCreate,
    PartyUpdate,
    PeriodCreate,
    PeriodUpdate,
    ProjectCreate,
    ProjectUpdate,
)
from drawbridge.api.validation import Id
from drawbridge.services import companies, parties, projects
from drawbridge.services.idempotency import UnitOfWork
from drawbridge.services.views import PartyView, PeriodView, ProjectView

router = APIRouter(responses=PROBLEM_RESPONSES)

PARTY_FILTERS = {
    "kind": FilterField("text"),
    "code": FilterField("text"),
    "name": FilterField("text"),
}
PARTY_SORTS = ("id", "code", "name", "kind")
PROJECT_FILTERS = {"code": FilterField("text"), "name": FilterField("text")}
PROJECT_SORTS = ("id", "code", "name", "created_at")
PERIOD_FILTERS = {"start_date": FilterField("date"), "end_date": FilterField("date")}
PERIOD_SORTS = ("id", "start_date", "end_date")


# -- the company ----------------------------------------------------------------------------------


@router.get(
    "/company", responses=ok(CompanyOut), tags=["company"], summary="The company the call acts in"
)
def get_company(ctx: Context) -> Response:
    return read(mapping.company(companies.get_company(ctx.reader(), ctx.actor)), ctx.request)


@router.patch(
    "/company",
    responses=ok(CompanyOut),
    tags=["company"],
    summary="Change the company's money rules (admins)",
)
def update_company(body: CompanySettings, ctx: Context, if_match: IfMatch = None) -> Response:
    current = mapping.company(companies.get_company(ctx.reader(), ctx.actor))
    check_if_match(if_match, current)
    view = companies.update_settings(ctx.uow(), ctx.actor, body.model_dump(exclude_unset=True))
    return read(mapping.company(view), ctx.request)


# -- parties --------------------------------------------------------------------------------------


def _party_row(view: PartyView) -> dict[str, object]:
    return {"id": view.id, "code": view.code, "name": view.name, "kind": view.kind}


@router.get(
    "/parties",
    responses=ok(Page[PartyOut]),
    tags=["parties"],
    summary="Vendors, customers and architects",
    description=list_parameters(PARTY_FILTERS, PARTY_SORTS),
    dependencies=PAGED,
)
def list_parties(ctx: Context) -> Response:
    items = parties.list_parties(ctx.reader(), ctx.actor)
    return respond_list(ctx.request, items, _party_row, PARTY_FILTERS, PARTY_SORTS, mapping.party)


@router.post(
    "/parties",
    responses=ok(PartyOut, 201),
    tags=["parties"],
    status_code=201,
    summary="Add a party",
)
def create_party(body: PartyCreate, ctx: Context, key: IdempotencyKey = None) -> Response:
    values = body.model_dump(exclude_unset=True)

    def create(uow: UnitOfWork) -> PartyView:
        return parties.create_party(uow, ctx.actor, values)

    return created(ctx, key, "parties", values, create, mapping.party)


@router.get("/parties/{party_id}", responses=ok(PartyOut), tags=["parties"], summary="One party")
def get_party(party_id: Id, ctx: Context) -> Response:
    return read(mapping.party(parties.get_party(ctx.reader(), ctx.actor, party_id)), ctx.request)


@router.patch(
    "/parties/{party_id}",
    responses=ok(PartyOut),
    tags=["parties"],
    summary="Change a party's name or address",
)
def update_party(
    party_id: Id, body: PartyUpdate, ctx: Context, if_match: IfMatch = None
) -> Response:
    check_if_match(if_match, mapping.party(parties.get_party(ctx.reader(), ctx.actor, party_id)))
    view = parties.update_party(ctx.uow(), ctx.actor, party_id, body.model_dump(exclude_unset=True))
    return read(mapping.party(view), ctx.request)


@router.delete(
    "/parties/{party_id}", tags=["parties"], status_code=204, summary="Delete an unused party"
)
def delete_party(party_id: Id, ctx: Context, if_match: IfMatch = None) -> Response:
    check_if_match(if_match, mapping.party(parties.get_party(ctx.reader(), ctx.actor, party_id)))
    parties.delete_party(ctx.uow(), ctx.actor, party_id)
    return Response(status_code=204)


# -- projects -------------------------------------------------------------------------------------


def _project_row(view: ProjectView) -> dict[str, object]:
    return {
        "id": view.id,
        "code": view.code,
        "name": view.name,
        "created_at": view.created_at.date(),
    }


@router.get(
    "/projects",
    responses=ok(Page[ProjectOut]),
    tags=["projects"],
    summary="The company's projects",
    description=list_parameters(PROJECT_FILTERS, PROJECT_SORTS),
    dependencies=PAGED,
)
def list_projects(ctx: Context) -> Response:
    items = projects.list_projects(ctx.reader(), ctx.actor)
    return respond_list(
        ctx.request, items, _project_row, PROJECT_FILTERS, PROJECT_SORTS, mapping.project
    )


@router.post(
    "/projects",
    responses=ok(ProjectOut, 201),
    tags=["projects"],
    status_code=201,
    summary="Create a project",
)
def create_project(body: ProjectCreate, ctx: Context, key: IdempotencyKey = None) -> Response:
    values = body.model_dump(exclude_unset=True)

    def create(uow: UnitOfWork) -> ProjectView:
        return projects.create_project(uow, ctx.actor, values)

    return created(ctx, key, "projects", values, create, mapping.project)


@router.get(
    "/projects/{project_id}", responses=ok(ProjectOut), tags=["projects"], summary="One project"
)
def get_project(project_id: Id, ctx: Context) -> Response:
    view = projects.get_project(ctx.reader(), ctx.actor, project_id)
    return read(mapping.project(view), ctx.request)


@router.patch(
    "/projects/{project_id}",
    responses=ok(ProjectOut),
    tags=["projects"],
    summary="Rename a project",
)
def update_project(
    project_id: Id, body: ProjectUpdate, ctx: Context, if_match: IfMatch = None
) -> Response:
    current = projects.get_project(ctx.reader(), ctx.actor, project_id)
    check_if_match(if_match, mapping.project(current))
    values = body.model_dump(exclude_unset=True)
    return read(
        mapping.project(projects.update_project(ctx.uow(), ctx.actor, project_id, values)),
        ctx.request,
    )


@router.delete(
    "/projects/{project_id}",
    tags=["projects"],
    status_code=204,
    summary="Delete a project without contracts",
)
def delete_project(project_id: Id, ctx: Context, if_match: IfMatch = None) -> Response:
    current = projects.get_project(ctx.reader(), ctx.actor, project_id)
    check_if_match(if_match, mapping.project(current))
    projects.delete_project(ctx.uow(), ctx.actor, project_id)
    return Response(status_code=204)


# -- billing periods ------------------------------------------------------------------------------


def _period_row(view: PeriodView) -> dict[str, object]:
    return {"id": view.id, "start_date": view.start_date, "end_date": view.end_date}


@router.get(
    "/projects/{project_id}/billing-periods",
    responses=ok(Page[PeriodOut]),
    tags=["billing periods"],
    summary="A project's billing periods",
    description=list_parameters(PERIOD_FILTERS, PERIOD_SORTS),
    dependencies=PAGED,
)
def list_periods(project_id: Id, ctx: Context) -> Response:
    items = projects.list_periods(ctx.reader(), ctx.actor, project_id)

    def to_json(view: PeriodView) -> dict[str, Any]:
        return mapping.period(view, project_id)

    return respond_list(ctx.request, items, _period_row, PERIOD_FILTERS, PERIOD_SORTS, to_json)


@router.post(
    "/projects/{project_id}/billing-periods",
    responses=ok(PeriodOut, 201),
    tags=["billing periods"],
    status_code=201,
    summary="Add a billing period (periods of a project never overlap)",
)
def create_period(
    project_id: Id, body: PeriodCreate, ctx: Context, key: IdempotencyKey = None
) -> Response:
    values = body.model_dump(exclude_unset=True)

    def create(uow: UnitOfWork) -> PeriodView:
        return projects.create_period(uow, ctx.actor, project_id, values)

    def respond(view: PeriodView) -> dict[str, Any]:
        return mapping.period(view, project_id)

    return created(
        ctx, key, "billing-periods", {"project_id": project_id, **values}, create, respond
    )


@router.get(
    "/billing-periods/{period_id}",
    responses=ok(PeriodOut),
    tags=["billing periods"],
    summary="One period",
)
def get_period(period_id: Id, ctx: Context) -> Response:
    view = projects.get_period(ctx.reader(), ctx.actor, period_id)
    return read(mapping.period(view), ctx.request)


@router.patch(
    "/billing-periods/{period_id}",
    responses=ok(PeriodOut),
    tags=["billing periods"],
    summary="Change dates",
)
def update_period(
    period_id: Id, body: PeriodUpdate, ctx: Context, if_match: IfMatch = None
) -> Response:
    check_if_match(
        if_match, mapping.period(projects.get_period(ctx.reader(), ctx.actor, period_id))
    )
    values = body.model_dump(exclude_unset=True)
    view = projects.update_period(ctx.uow(), ctx.actor, period_id, values)
    return read(mapping.period(view), ctx.request)


@router.delete(
    "/billing-periods/{period_id}",
    tags=["billing periods"],
    status_code=204,
    summary="Delete a period no pay application uses",
)
def delete_period(period_id: Id, ctx: Context, if_match: IfMatch = None) -> Response:
    check_if_match(
        if_match, mapping.period(projects.get_period(ctx.reader(), ctx.actor, period_id))
    )
    projects.delete_period(ctx.uow(), ctx.actor, period_id)
    return Response(status_code=204)
