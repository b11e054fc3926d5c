"""Contracts (prime or commitment) with their billing terms, their schedule of values and their
change orders."""

from __future__ import annotations

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


@router.get(
    "/contracts",
    responses=ok(Page[ContractOut]),
    tags=["contracts"],
    summary="The company's contracts, prime and commitments",
    description=list_parameters(CONTRACT_FILTERS, CONTRACT_SORTS),
    dependencies=PAGED,
)
def list_contracts(ctx: Context) -> Response:
    items = contracts.list_contracts(ctx.reader(), ctx.actor)
    return respond_list(
        ctx.request, items, _contract_row, CONTRACT_FILTERS, CONTRACT_SORTS, mapping.contract
    )


@router.post(
    "/contracts",
    responses=ok(ContractOut, 201),
    tags=["contracts"],
    status_code=201,
    summary="Create a contract",
)
def create_contract(body: ContractCreate, ctx: Context, key: IdempotencyKey = None) -> Response:
    values = _contract_values(ctx, body)
    changes = ContractChanges(values=values)

    def create(uow: UnitOfWork) -> ContractView:
        contract_id = contracts.create_contract(uow, ctx.actor, changes, kind=body.kind)
        return contracts.get_contract(uow, ctx.actor, contract_id)

    return created(
        ctx,
        key,
        "contracts",
        body.model_dump(mode="json", exclude_unset=True),
        create,
        mapping.contract,
    )


@router.get(
    "/contracts/{contract_id}",
    responses=ok(ContractOut),
    tags=["contracts"],
    summary="One contract",
)
def get_contract(contract_id: Id, ctx: Context) -> Response:
    view = contracts.get_contract(ctx.reader(), ctx.actor, contract_id)
    return read(mapping.contract(view), ctx.request)


@router.patch(
    "/contracts/{contract_id}",
    responses=ok(ContractOut),
    tags=["contracts"],
    summary="Change a contract (its billing terms only before its first pay application)",
)
def update_contract(
    contract_id: Id, body: ContractUpdate, ctx: Context, if_match: IfMatch = None
) -> Response:
    current = contracts.get_contract(ctx.reader(), ctx.actor, contract_id)
    check_if_match(if_match, mapping.contract(current))
    changes = ContractChanges(values=_contract_values(ctx, body))
    contracts.update_contract(ctx.uow(), ctx.actor, contract_id, changes, kind=current.kind)
    view = contracts.get_contract(ctx.reader(), ctx.actor, contract_id)
    return read(mapping.contract(view), ctx.request)


@router.delete(
    "/contracts/{contract_id}",
    tags=["contracts"],
    status_code=204,
    summary="Delete a contract that has no pay applications or payments",
)
def delete_contract(contract_id: Id, ctx: Context, if_match: IfMatch = None) -> Response:
    current = contracts.get_contract(ctx.reader(), ctx.actor, contract_id)
    check_if_match(if_match, mapping.contract(current))
    contracts.delete_contract(ctx.uow(), ctx.actor, contract_id, kind=current.kind)
    return Response(status_code=204)


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


@router.get(
    "/contracts/{contract_id}/change-orders",
    responses=ok(Page[ChangeOrderOut]),
    tags=["change orders"],
    summary="A contract's change orders with their items",
    description=list_parameters(CHANGE_ORDER_FILTERS, CHANGE_ORDER_SORTS),
    dependencies=PAGED,
)
def list_change_orders(contract_id: Id, ctx: Context) -> Response:
    _, packages = discovery.change_order_packages(ctx.reader(), ctx.actor, contract_id)
    return respond_list(
        ctx.request,
        packages,
        _change_order_row,
        CHANGE_ORDER_FILTERS,
        CHANGE_ORDER_SORTS,
        mapping.change_order,
    )


@router.post(
    "/contracts/{contract_id}/change-orders",
    responses=ok(ChangeOrderOut, 201),
    tags=["change orders"],
    status_code=201,
    summary="Create a change order (draft unless a status is given)",
)
def create_change_order(
    contract_id: Id, body: ChangeOrderCreate, ctx: Context, key: IdempotencyKey = None
) -> Response:
    given = body.model_dump(exclude_unset=True)
    values: dict[str, Any] = {name: given[name] for name in CHANGE_ORDER_VALUES if name in given}
    changes = PackageChanges(values=values, items=_items(body.items))

    def create(uow: UnitOfWork) -> ChangeOrderPackageView:
        package_id = change_orders.create_package(uow, ctx.actor, contract_id, changes)
        return change_orders.get_package(uow, ctx.actor, package_id)

    hashed = {"contract_id": contract_id, **body.model_dump(mode="json", exclude_unset=True)}
    return created(ctx, key, "change-orders", hashed, create, mapping.change_order)


def _change_order_json(ctx: Caller, package_id: int) -> dict[str, Any]:
    return mapping.change_order(change_orders.get_package(ctx.reader(), ctx.actor, package_id))


@router.get(
    "/change-orders/{change_order_id}",
    responses=ok(ChangeOrderOut),
    tags=["change orders"],
    summary="One change order",
)
def get_change_order(change_order_id: Id, ctx: Context) -> Response:
    return read(_change_order_json(ctx, change_order_id), ctx.request)


@router.patch(
    "/change-orders/{change_order_id}",
    responses=ok(ChangeOrderOut),
    tags=["change orders"],
    summary="Change a change order, or move it: draft -> pending -> approved / rejected / void",
)
def update_change_order(
    change_order_id: Id, body: ChangeOrderUpdate, ctx: Context, if_match: IfMatch = None
) -> Response:
    check_if_match(if_match, _change_order_json(ctx, change_order_id))
    given = body.model_dump(exclude_unset=True)
    values: dict[str, Any] = {name: given[name] for name in CHANGE_ORDER_VALUES if name in given}
    changes = PackageChanges(values=values, items=_items(body.items) if "items" in given else None)
    change_orders.update_package(ctx.uow(), ctx.actor, change_order_id, changes)
    return read(_change_order_json(ctx, change_order_id), ctx.request)


@router.delete(
    "/change-orders/{change_order_id}",
    tags=["change orders"],
    status_code=204,
    summary="Delete a change order not yet billed",
)
def delete_change_order(change_order_id: Id, ctx: Context, if_match: IfMatch = None) -> Response:
    check_if_match(if_match, _change_order_json(ctx, change_order_id))
    change_orders.delete_package(ctx.uow(), ctx.actor, change_order_id)
    return Response(status_code=204)
