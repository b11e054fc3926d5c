"""Intacct's core services: the query service over every object of this face, and the model
service that describes each object's fields."""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from typing import Annotated, Any

from fastapi import APIRouter, Query

from drawbridge.api import query
from drawbridge.api.intacct import mapping, schemas
from drawbridge.api.intacct.deps import Caller, IntacctCaller
from drawbridge.services import change_orders, contracts, directory

router = APIRouter(prefix="/services/core", responses=schemas.ERROR_RESPONSES)

DEFAULT_FIELDS = ("key", "id", "href")


def _records(caller: IntacctCaller, object_name: str) -> list[dict[str, Any]]:
    """Every object of one kind in the caller's company, rendered as a client reads it."""
    uow = caller.runtime.uow(read_only=True)
    if object_name == mapping.CONTRACT_TYPE:
        entries = directory.list_entries(uow, caller.actor, "contract_type")
        return [mapping.to_contract_type(entry) for entry in entries]
    views = contracts.prime_contracts(uow, caller.actor)
    if object_name == mapping.CONTRACT:
        return [mapping.to_project_contract(view) for view in views]
    if object_name == mapping.LINE:
        return [mapping.to_contract_line(line, view) for view in views for line in view.lines]
    by_id = {view.contract.id: view for view in views}
    packages = change_orders.prime_packages(caller.runtime.uow(read_only=True), caller.actor)
    return [
        mapping.to_change_order(package, trail, by_id[package.contract_id])
        for package, trail in packages
    ]


def _object_name(name: str, target: str) -> str:
    cleaned = name.strip().removeprefix("objects/")
    if cleaned not in mapping.OBJECTS:
        known = ", ".join(mapping.OBJECTS)
        raise query.QueryError(target, f"unknown object {name!r} (known: {known})")
    return cleaned


def _conditions(filters: list[dict[str, dict[str, Any]]]) -> list[query.Condition]:
    conditions = []
    for index, given in enumerate(filters):
        target = f"filters[{index}]"
        if len(given) != 1:
            raise query.QueryError(target, 'a filter is one operator: {"$eq": {field: value}}')
        operator, operands = next(iter(given.items()))
        if len(operands) != 1:
            raise query.QueryError(target, f"{operator} takes one field and its value")
        field, value = next(iter(operands.items()))
        conditions.append(query.Condition(field, operator, value, target))
    return conditions


def _order(order_by: Sequence[Mapping[str, str]]) -> list[tuple[str, bool]]:
    order = []
    for index, given in enumerate(order_by):
        if len(given) != 1:
            raise query.QueryError(f"orderBy[{index}]", 'one field per entry: {"id": "asc"}')
        field, direction = next(iter(given.items()))
        order.append((field, direction == "desc"))
    return order


@router.post("/query", response_model=schemas.QueryResult)
def run_query(body: schemas.QueryIn, caller: Caller) -> dict[str, Any]:
    """Find objects that meet criteria and return just the fields asked for, a page at a time."""
    object_name = _object_name(body.object, "object")
    catalog = mapping.catalog(object_name)
    fields = list(body.fields or DEFAULT_FIELDS)
    for index, field in enumerate(fields):
        catalog.type_of(field, f"fields[{index}]")
    parameters = body.filterParameters or schemas.FilterParameters()
    mapping.parse_date(parameters.asOfDate, "filterParameters.asOfDate")
    request = query.Query(
        conditions=_conditions(body.filters or []),
        expression=body.filterExpression,
        order_by=_order(body.orderBy or []),
        start=body.start,
        size=body.size,
        case_sensitive=parameters.caseSensitiveComparison,
    )
    records = [query.flatten(record) for record in _records(caller, object_name)]
    page = query.run(catalog, records, request)
    return {
        "ia::result": [query.nest(record, fields) for record in page.records],
        "ia::meta": {
            "totalCount": page.total,
            "start": page.start,
            "pageSize": page.size,
            "next": page.next,
            "previous": page.previous,
        },
    }


@router.get("/model", response_model=schemas.ModelResult)
def describe_object(
    caller: Caller,
    name: Annotated[
        str, Query(description="The object, e.g. construction/project-contract.", max_length=200)
    ],
) -> dict[str, Any]:
    """Describe an object: its fields, their types and which are read-only."""
    object_name = _object_name(name, "name")
    fields = mapping.describe(mapping.OBJECTS[object_name])
    return {
        "ia::result": {
            "name": object_name,
            "idField": "id",
            "httpMethods": "GET,POST,PATCH,DELETE",
            "fields": fields,
        },
        "ia::meta": {"totalCount": 1, "totalSuccess": 1, "totalError": 0},
    }
