"""Contracts (prime or commitment) with their billing terms, their schedule of values and their
change orders."""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

from fastapi import APIRouter, Response

from drawbridge.api.listing import FilterField
from drawbridge.api.native import mapping
from drawbridge.api.native.deps import (
    Caller,
    Context,
    IdempotencyKey,
    IfMatch,
    check_if_match,
    created,
    read,
)
from drawbridge.api.native.errors import PROBLEM_RESPONSES
from drawbridge.api.native.lists import PAGED, list_parameters, respond_list
from drawbridge.api.native.record_routes import (
    RecordRoutes,
    Summaries,
    Write,
    add_record_routes,
    owner_id,
)
from drawbridge.api.native.responses import (
    ChangeOrderOut,
    ContractOut,
    Page,
    SovLineOut,
    ok,
)
from drawbridge.api.native.schemas import (
    ChangeOrderCreate,
    ChangeOrderItemInput,
    ChangeOrderUpdate,
    ContractCreate,
    ContractUpdate,
    SovLineCreate,
    SovLineUpdate,
)
from drawbridge.api.validation import Id
from drawbridge.domain.errors import Invalid, NotFound
from drawbridge.services import change_orders, contracts, discovery, parties, projects, sov
from drawbridge.services.change_orders import ItemInput, PackageChanges
from drawbridge.services.contracts import ContractChanges
from drawbridge.services.idempotency import UnitOfWork
from drawbridge.services.sov import LineChanges
from drawbridge.services.views import ChangeOrderPackageView, ContractView, SovLineView

router = APIRouter(responses=PROBLEM_RESPONSES)

CONTRACT_FILTERS = {
    "project_id": FilterField("integer"),
    "party_id": FilterField("integer"),
    "kind": FilterField("text"),
    "number": FilterField("text"),
    "title": FilterField("text"),
    "status": FilterField("text"),
}
CONTRACT_SORTS = ("id", "number", "title", "project_id", "created_at")
LINE_FILTERS = {
    "number": FilterField("text"),
    "description": FilterField("text"),
    "cost_code": FilterField("text"),
    "scheduled_value": FilterField("integer"),
}
LINE_SORTS = ("id", "position", "number", "scheduled_value")
CHANGE_ORDER_FILTERS = {
    "status": FilterField("text"),
    "number": FilterField("text"),
    "approved_date": FilterField("date"),
}
CHANGE_ORDER_SORTS = ("id", "number", "status", "approved_date")
CHANGE_ORDER_VALUES = ("number", "title", "status", "approved_date")


# -- contracts ------------------------------------------------------------------------------------


def _contract_row(view: ContractView) -> dict[str, object]:
    return {
        "id": view.id,
        "project_id": view.project_id,
        "party_id": view.party.id,
        "kind": view.kind,
        "number": view.number,
        "title": view.title,
        "status": view.status,
        "created_at": view.created_at.date(),
    }


def _contract_values(ctx: Caller, body: ContractCreate | ContractUpdate) -> dict[str, Any]:
    """The body as the contract use cases take it: the project and parties by their codes."""
    given = body.model_dump(exclude_unset=True)
    values: dict[str, Any] = {
        name: value
        for name, value in given.items()
        if name not in ("kind", "project_id", "party_id", "architect_id")
    }
    if "retainage_steps" in given and given["retainage_steps"] is not None:
        values["retainage_steps"] = [dict(step) for step in given["retainage_steps"]]
    reader = ctx.reader
    if given.get("project_id") is not None:
        values["project"] = projects.get_project(reader(), ctx.actor, given["project_id"]).code
    if given.get("party_id") is not None:
        values["party"] = _party_code(ctx, given["party_id"], "party_id")
    if "architect_id" in given:
        architect = given["architect_id"]
        values["architect"] = (
            None if architect is None else _party_code(ctx, architect, "architect_id")
        )
    return values


def _party_code(ctx: Caller, party_id: int, field: str) -> str:
    try:
        return parties.get_party(ctx.reader(), ctx.actor, party_id).code
    except NotFound:
        raise Invalid(f"{field}: no party {party_id}", field=field) from None


def _create_contract(ctx: Caller, _: int | None, body: ContractCreate) -> Write[ContractView]:
    changes = ContractChanges(values=_contract_values(ctx, body))

    def create(uow: UnitOfWork) -> ContractView:
        contract_id = contracts.create_contract(uow, ctx.actor, changes, kind=body.kind)
        return contracts.get_contract(uow, ctx.actor, contract_id)

    return create


def _update_contract(
    ctx: Caller, contract_id: int, current: ContractView, body: ContractUpdate
) -> ContractView:
    changes = ContractChanges(values=_contract_values(ctx, body))
    contracts.update_contract(ctx.uow(), ctx.actor, contract_id, changes, kind=current.kind)
    return contracts.get_contract(ctx.reader(), ctx.actor, contract_id)


add_record_routes(
    router,
    RecordRoutes(
        tag="contracts",
        singular="contract",
        plural="contracts",
        segment="contracts",
        out=ContractOut,
        create_body=ContractCreate,
        update_body=ContractUpdate,
        summaries=Summaries(
            list="The company's contracts, prime and commitments",
            create="Create a contract",
            get="One contract",
            update="Change a contract (its billing terms only before its first pay application)",
            delete="Delete a contract that has no pay applications or payments",
        ),
        filters=CONTRACT_FILTERS,
        sorts=CONTRACT_SORTS,
        row=_contract_row,
        to_json=mapping.contract,
        list_all=lambda ctx, _: contracts.list_contracts(ctx.reader(), ctx.actor),
        get=lambda ctx, contract_id: contracts.get_contract(ctx.reader(), ctx.actor, contract_id),
        create=_create_contract,
        update=_update_contract,
        delete=lambda ctx, contract_id, current: contracts.delete_contract(
            ctx.uow(), ctx.actor, contract_id, kind=current.kind
        ),
    ),
)


# -- SOV lines ------------------------------------------------------------------------------------


def _line_row(view: SovLineView) -> dict[str, object]:
    return {
        "id": view.id,
        "position": view.position,
        "number": view.number,
        "description": view.description,
        "cost_code": view.cost_code,
        "scheduled_value": view.scheduled_value,
    }


@router.get(
    "/contracts/{contract_id}/sov-lines",
    responses=ok(Page[SovLineOut]),
    tags=["schedule of values"],
    summary="A contract's schedule of values, in order",
    description=list_parameters(LINE_FILTERS, LINE_SORTS)
    + " Money filters are in cents (filter[scheduled_value][gt]=100000).",
    dependencies=PAGED,
)
def list_lines(contract_id: Id, ctx: Context) -> Response:
    found = discovery.contract_lines(ctx.reader(), ctx.actor, contract_id)

    def to_json(view: SovLineView) -> dict[str, Any]:
        return mapping.sov_line(view, contract_id)

    return respond_list(
        ctx.request,
        sorted(found.lines, key=lambda line: line.position),
        _line_row,
        LINE_FILTERS,
        LINE_SORTS,
        to_json,
    )


def _line_changes(body: SovLineCreate | SovLineUpdate) -> LineChanges:
    given = body.model_dump(exclude_unset=True)
    return LineChanges(
        values={
            name: given[name] for name in ("number", "description", "cost_code") if name in given
        },
        scheduled_value=given.get("scheduled_value"),
    )


@router.post(
    "/contracts/{contract_id}/sov-lines",
    responses=ok(SovLineOut, 201),
    tags=["schedule of values"],
    status_code=201,
    summary="Add a line (until the contract's first pay application)",
)
def create_line(
    contract_id: Id, body: SovLineCreate, ctx: Context, key: IdempotencyKey = None
) -> Response:
    changes = _line_changes(body)

    def create(uow: UnitOfWork) -> tuple[int, SovLineView]:
        line_id = sov.create_line(uow, ctx.actor, contract_id, changes)
        return sov.get_line(uow, ctx.actor, line_id)

    def respond(found: tuple[int, SovLineView]) -> dict[str, Any]:
        return mapping.sov_line(found[1], found[0])

    hashed = {"contract_id": contract_id, **body.model_dump(mode="json", exclude_unset=True)}
    return created(ctx, key, "sov-lines", hashed, create, respond)


def _line_json(ctx: Caller, line_id: int) -> dict[str, Any]:
    contract_id, view = sov.get_line(ctx.reader(), ctx.actor, line_id)
    return mapping.sov_line(view, contract_id)


@router.get(
    "/sov-lines/{line_id}",
    responses=ok(SovLineOut),
    tags=["schedule of values"],
    summary="One SOV line",
)
def get_line(line_id: Id, ctx: Context) -> Response:
    return read(_line_json(ctx, line_id), ctx.request)


@router.patch(
    "/sov-lines/{line_id}",
    responses=ok(SovLineOut),
    tags=["schedule of values"],
    summary="Change a line; its scheduled value only until the first pay application "
    "(SOV_LOCKED after)",
)
def update_line(
    line_id: Id, body: SovLineUpdate, ctx: Context, if_match: IfMatch = None
) -> Response:
    check_if_match(if_match, _line_json(ctx, line_id))
    sov.update_line(ctx.uow(), ctx.actor, line_id, _line_changes(body))
    return read(_line_json(ctx, line_id), ctx.request)


@router.delete(
    "/sov-lines/{line_id}",
    tags=["schedule of values"],
    status_code=204,
    summary="Delete a line (until the first pay application)",
)
def delete_line(line_id: Id, ctx: Context, if_match: IfMatch = None) -> Response:
    check_if_match(if_match, _line_json(ctx, line_id))
    sov.delete_line(ctx.uow(), ctx.actor, line_id)
    return Response(status_code=204)


# -- change orders --------------------------------------------------------------------------------


def _change_order_row(view: ChangeOrderPackageView) -> dict[str, object]:
    return {
        "id": view.id,
        "number": view.number,
        "status": view.status,
        "approved_date": view.approved_date,
    }


def _items(items: list[ChangeOrderItemInput] | None) -> list[ItemInput] | None:
    if items is None:
        return None
    return [
        ItemInput(
            description=item.description,
            amount=item.amount,
            cost_code=item.cost_code,
            sov_line_id=item.sov_line_id,
        )
        for item in items
    ]


def _package_values(body: ChangeOrderCreate | ChangeOrderUpdate) -> dict[str, Any]:
    given = body.model_dump(exclude_unset=True)
    return {name: given[name] for name in CHANGE_ORDER_VALUES if name in given}


def _list_change_orders(ctx: Caller, contract_id: int | None) -> Sequence[ChangeOrderPackageView]:
    _, packages = discovery.change_order_packages(ctx.reader(), ctx.actor, owner_id(contract_id))
    return packages


def _create_change_order(
    ctx: Caller, contract_id: int | None, body: ChangeOrderCreate
) -> Write[ChangeOrderPackageView]:
    changes = PackageChanges(values=_package_values(body), items=_items(body.items))

    def create(uow: UnitOfWork) -> ChangeOrderPackageView:
        package_id = change_orders.create_package(uow, ctx.actor, owner_id(contract_id), changes)
        return change_orders.get_package(uow, ctx.actor, package_id)

    return create


def _update_change_order(
    ctx: Caller, package_id: int, _: ChangeOrderPackageView, body: ChangeOrderUpdate
) -> ChangeOrderPackageView:
    items = _items(body.items) if "items" in body.model_fields_set else None
    changes = PackageChanges(values=_package_values(body), items=items)
    change_orders.update_package(ctx.uow(), ctx.actor, package_id, changes)
    return change_orders.get_package(ctx.reader(), ctx.actor, package_id)


add_record_routes(
    router,
    RecordRoutes(
        tag="change orders",
        singular="change_order",
        plural="change_orders",
        segment="change-orders",
        owner="/contracts/{contract_id}",
        out=ChangeOrderOut,
        create_body=ChangeOrderCreate,
        update_body=ChangeOrderUpdate,
        summaries=Summaries(
            list="A contract's change orders with their items",
            create="Create a change order (draft unless a status is given)",
            get="One change order",
            update="Change a change order, or move it: "
            "draft -> pending -> approved / rejected / void",
            delete="Delete a change order not yet billed",
        ),
        filters=CHANGE_ORDER_FILTERS,
        sorts=CHANGE_ORDER_SORTS,
        row=_change_order_row,
        to_json=mapping.change_order,
        list_all=_list_change_orders,
        get=lambda ctx, package_id: change_orders.get_package(ctx.reader(), ctx.actor, package_id),
        create=_create_change_order,
        update=_update_change_order,
        delete=lambda ctx, package_id, _: change_orders.delete_package(
            ctx.uow(), ctx.actor, package_id
        ),
    ),
)
