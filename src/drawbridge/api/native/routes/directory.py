"""The company, its parties, projects and billing periods."""

from __future__ import annotations

from collections.abc import Sequence

from fastapi import APIRouter, Response

from drawbridge.api.listing import FilterField
from drawbridge.api.native import mapping
from drawbridge.api.native.deps import Caller, Context, IfMatch, check_if_match, read
from drawbridge.api.native.errors import PROBLEM_RESPONSES
from drawbridge.api.native.record_routes import (
    RecordRoutes,
    Summaries,
    Write,
    add_record_routes,
    owner_id,
)
from drawbridge.api.native.responses import (
    CompanyOut,
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
from drawbridge.services import companies, parties, projects
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


def _create_party(ctx: Caller, _: int | None, body: PartyCreate) -> Write[PartyView]:
    values = body.model_dump(exclude_unset=True)
    return lambda uow: parties.create_party(uow, ctx.actor, values)


add_record_routes(
    router,
    RecordRoutes(
        tag="parties",
        singular="party",
        plural="parties",
        segment="parties",
        out=PartyOut,
        create_body=PartyCreate,
        update_body=PartyUpdate,
        summaries=Summaries(
            list="Vendors, customers and architects",
            create="Add a party",
            get="One party",
            update="Change a party's name or address",
            delete="Delete an unused party",
        ),
        filters=PARTY_FILTERS,
        sorts=PARTY_SORTS,
        row=_party_row,
        to_json=mapping.party,
        list_all=lambda ctx, _: parties.list_parties(ctx.reader(), ctx.actor),
        get=lambda ctx, party_id: parties.get_party(ctx.reader(), ctx.actor, party_id),
        create=_create_party,
        update=lambda ctx, party_id, _, body: parties.update_party(
            ctx.uow(), ctx.actor, party_id, body.model_dump(exclude_unset=True)
        ),
        delete=lambda ctx, party_id, _: parties.delete_party(ctx.uow(), ctx.actor, party_id),
    ),
)


# -- projects -------------------------------------------------------------------------------------


def _project_row(view: ProjectView) -> dict[str, object]:
    return {
        "id": view.id,
        "code": view.code,
        "name": view.name,
        "created_at": view.created_at.date(),
    }


def _create_project(ctx: Caller, _: int | None, body: ProjectCreate) -> Write[ProjectView]:
    values = body.model_dump(exclude_unset=True)
    return lambda uow: projects.create_project(uow, ctx.actor, values)


add_record_routes(
    router,
    RecordRoutes(
        tag="projects",
        singular="project",
        plural="projects",
        segment="projects",
        out=ProjectOut,
        create_body=ProjectCreate,
        update_body=ProjectUpdate,
        summaries=Summaries(
            list="The company's projects",
            create="Create a project",
            get="One project",
            update="Rename a project",
            delete="Delete a project without contracts",
        ),
        filters=PROJECT_FILTERS,
        sorts=PROJECT_SORTS,
        row=_project_row,
        to_json=mapping.project,
        list_all=lambda ctx, _: projects.list_projects(ctx.reader(), ctx.actor),
        get=lambda ctx, project_id: projects.get_project(ctx.reader(), ctx.actor, project_id),
        create=_create_project,
        update=lambda ctx, project_id, _, body: projects.update_project(
            ctx.uow(), ctx.actor, project_id, body.model_dump(exclude_unset=True)
        ),
        delete=lambda ctx, project_id, _: projects.delete_project(ctx.uow(), ctx.actor, project_id),
    ),
)


# -- billing periods ------------------------------------------------------------------------------


def _period_row(view: PeriodView) -> dict[str, object]:
    return {"id": view.id, "start_date": view.start_date, "end_date": view.end_date}


def _list_periods(ctx: Caller, project_id: int | None) -> Sequence[PeriodView]:
    return projects.list_periods(ctx.reader(), ctx.actor, owner_id(project_id))


def _create_period(ctx: Caller, project_id: int | None, body: PeriodCreate) -> Write[PeriodView]:
    values = body.model_dump(exclude_unset=True)
    return lambda uow: projects.create_period(uow, ctx.actor, owner_id(project_id), values)


add_record_routes(
    router,
    RecordRoutes(
        tag="billing periods",
        singular="period",
        plural="periods",
        segment="billing-periods",
        owner="/projects/{project_id}",
        out=PeriodOut,
        create_body=PeriodCreate,
        update_body=PeriodUpdate,
        summaries=Summaries(
            list="A project's billing periods",
            create="Add a billing period (periods of a project never overlap)",
            get="One period",
            update="Change dates",
            delete="Delete a period no pay application uses",
        ),
        filters=PERIOD_FILTERS,
        sorts=PERIOD_SORTS,
        row=_period_row,
        to_json=mapping.period,
        to_json_under=mapping.period,
        list_all=_list_periods,
        get=lambda ctx, period_id: projects.get_period(ctx.reader(), ctx.actor, period_id),
        create=_create_period,
        update=lambda ctx, period_id, _, body: projects.update_period(
            ctx.uow(), ctx.actor, period_id, body.model_dump(exclude_unset=True)
        ),
        delete=lambda ctx, period_id, _: projects.delete_period(ctx.uow(), ctx.actor, period_id),
    ),
)
