"""ACC Cost payments (pay applications) and payment items: parse, call the shared use case,
render. A containerId is a project UUID, a payment id a pay application UUID.
"""

from __future__ import annotations

import dataclasses
import json
from collections.abc import Sequence
from decimal import Decimal
from typing import Annotated, Any
from uuid import UUID

from fastapi import APIRouter, Depends, Header, Path, Query, Request
from fastapi.exceptions import RequestValidationError
from fastapi.responses import JSONResponse
from pydantic import ValidationError

from drawbridge.api.acc import mapping, schemas
from drawbridge.api.acc.deps import AccCaller, Caller
from drawbridge.api.acc.errors import BadInput
from drawbridge.domain.rules import check_can_write
from drawbridge.services import discovery, lookups, pay_app_pages, pay_apps, payments
from drawbridge.services.pay_apps import PayAppFilter, UpdatePayApp
from drawbridge.services.payments import PaymentFilter
from drawbridge.services.views import PayAppView, PaymentView, ProjectView

router = APIRouter(responses=schemas.ERROR_RESPONSES)

DEFAULT_LIMIT = 100
MAX_LIMIT = 200
MAX_OFFSET = 2**31 - 1  # beyond any real list; keeps OFFSET within every database's integer

ContainerId = Annotated[
    UUID, Path(alias="containerId", description="the project's UUID (ACC cost container)")
]
PaymentId = Annotated[UUID, Path(alias="id", description="the pay application's UUID")]
# The filters each list accepts; any other filter[...] is a 400 naming it.
PAYMENT_FILTERS = frozenset(
    {
        "filter[associationType]",
        "filter[associationId]",
        "filter[id]",
        "filter[number]",
        "filter[status]",
        "filter[lastModifiedSince]",
        "filter[externalSystem]",
        "filter[externalId]",
        "filter[budgetPaymentId]",
    }
)
ITEM_FILTERS = frozenset({"filter[paymentId]", "filter[associationId]", "filter[associationType]"})
Region = Annotated[
    str | None,
    Header(description="ACC routes by region; drawbridge has one region and ignores it"),
]
Include = Annotated[
    str | None,
    Query(
        description="comma-separated: paymentReferences, attributes, summaryCalculatedFields, "
        "complianceExpiration"
    ),
]
Offset = Annotated[int, Query(ge=0, le=MAX_OFFSET)]
Limit = Annotated[int, Query(ge=1, le=MAX_LIMIT)]


@router.get(
    "/v1/containers/{containerId}/payments/{id}",
    response_model=schemas.Payment,
    response_model_exclude_unset=True,
)
def get_payment(
    caller: Caller,
    container_id: ContainerId,
    payment_id: PaymentId,
    include: Include = None,
    region: Region = None,
) -> JSONResponse:
    """Retrieves a payment (pay application) in the given project."""
    includes = mapping.parse_includes(include)
    project = _project(caller, container_id)
    view = pay_apps.get_pay_app_by_uuid(
        caller.runtime.uow(read_only=True), caller.actor, str(payment_id), project_id=project.id
    )
    return JSONResponse(_render(caller, project, [view], includes)[0])


@router.get(
    "/v1/containers/{containerId}/payments",
    response_model=schemas.PaymentPage,
    response_model_exclude_unset=True,
)
def list_payments(
    request: Request,
    caller: Caller,
    container_id: ContainerId,
    association_type: Annotated[
        str | None, Query(alias="filter[associationType]", description="Contract, MainContract")
    ] = None,
    association_id: Annotated[
        str | None, Query(alias="filter[associationId]", description="contract UUIDs, commas")
    ] = None,
    ids: Annotated[str | None, Query(alias="filter[id]", description="payment UUIDs")] = None,
    numbers: Annotated[str | None, Query(alias="filter[number]")] = None,
    statuses: Annotated[
        str | None,
        Query(
            alias="filter[status]",
            description="draft, pendingInput, submitted (or inReview), revise, accepted, "
            "approved, paid (commas or repeated)",
        ),
    ] = None,
    last_modified_since: Annotated[
        str | None, Query(alias="filter[lastModifiedSince]", description="ISO 8601")
    ] = None,
    external_system: Annotated[str | None, Query(alias="filter[externalSystem]")] = None,
    external_id: Annotated[str | None, Query(alias="filter[externalId]")] = None,
    budget_payment_id: Annotated[
        str | None,
        Query(alias="filter[budgetPaymentId]", description="budget payment UUIDs (none match)"),
    ] = None,
    sort: Annotated[
        str | None, Query(description="'field' or 'field desc', comma-separated")
    ] = None,
    include: Include = None,
    offset: Offset = 0,
    limit: Limit = DEFAULT_LIMIT,
    region: Region = None,
) -> JSONResponse:
    """Lists the payments (pay applications) of a project, filtered, sorted and paged."""
    # Filters are read from the raw query: a generated client repeats a key for each value of a
    # list, and an unknown filter is refused. The parameters above document them.
    given = mapping.filters_of(request.query_params.multi_items(), PAYMENT_FILTERS)
    association_type = given.get("filter[associationType]")
    association_id = given.get("filter[associationId]")
    ids = given.get("filter[id]")
    numbers = given.get("filter[number]")
    statuses = given.get("filter[status]")
    last_modified_since = given.get("filter[lastModifiedSince]")
    external_system = given.get("filter[externalSystem]")
    external_id = given.get("filter[externalId]")
    includes = mapping.parse_includes(include)
    order_by = mapping.parse_sort(sort)
    acc_statuses = mapping.parse_statuses(statuses)
    contract_kind = mapping.parse_association_type(association_type)
    updated_from = mapping.parse_since(last_modified_since)
    mapping.parse_uuids(ids, "filter[id]")
    try:
        wanted = (
            None
            if association_id is None
            else mapping.parse_uuids(association_id, "filter[associationId]")
        )
        where = PayAppFilter(
            uuids=mapping.comma_list(ids, "filter[id]") or None,
            numbers=mapping.parse_numbers(numbers),
            statuses=mapping.canonical_statuses(acc_statuses) if acc_statuses else None,
            external_system=mapping.check_text(external_system, "filter[externalSystem]"),
            external_id=mapping.check_text(external_id, "filter[externalId]"),
            contract_kind=contract_kind,
            updated_from=updated_from,
        )
        if "filter[budgetPaymentId]" in given:
            # No cost payment of the ledger is linked to a budget payment (budgetPaymentId is
            # null).
            mapping.parse_uuids(given["filter[budgetPaymentId]"], "filter[budgetPaymentId]")
            where = dataclasses.replace(where, ids=[])
    except BadInput:
        _project(caller, container_id)  # an unknown project is reported before its filters
        raise
    # "approved" and "paid" share ledger statuses and differ by payments received, which the
    # database does not hold as a column: when only one is asked for, the service has the
    # database decide each application's ACC status with the page.
    derived = acc_statuses is not None and len({"approved", "paid"} & set(acc_statuses)) == 1
    # The project, the page, its lines' digests and the prime contracts: one read transaction.
    page = pay_app_pages.project_page(
        caller.runtime.uow(read_only=True),
        caller.actor,
        str(container_id),
        where,
        contract_uuids=wanted,
        acc_statuses=acc_statuses if derived else None,
        order_by=order_by,
        offset=offset,
        limit=limit,
    )
    references = _references(caller, page.project, page.items, includes)
    results = [
        mapping.to_payment(
            view,
            mapping.chain_facts(view),
            page.digests[view.id],
            main_contract_id=mapping.main_contract_uuid(view, page.prime_contract_uuids),
            includes=includes,
            references=references.get(view.id, ()),
        )
        for view in page.items
    ]
    return JSONResponse(
        {
            "pagination": _pagination(request, offset, limit, page.total).model_dump(by_alias=True),
            "results": results,
        }
    )


async def payment_update_body(request: Request) -> schemas.PaymentUpdate:
    """The PATCH body, read with exact decimals: a JSON number never passes through a float."""
    raw = await request.body()
    try:
        data = json.loads(raw or b"{}", parse_float=Decimal, parse_constant=_no_constant)
    except (ValueError, RecursionError) as error:
        raise BadInput("body: not valid JSON", "body") from error
    if not isinstance(data, dict):
        raise BadInput("body: a JSON object is required", "body")
    try:
        return schemas.PaymentUpdate.model_validate(data)
    except ValidationError as error:
        problems = [{**problem, "loc": ("body", *problem["loc"])} for problem in error.errors()]
        raise RequestValidationError(problems) from error


@router.patch(
    "/v1/containers/{containerId}/payments/{id}",
    response_model=schemas.Payment,
    response_model_exclude_unset=True,
    openapi_extra={
        "requestBody": {
            "required": True,
            "content": {
                "application/json": {
                    "schema": schemas.PaymentUpdate.model_json_schema(by_alias=True)
                }
            },
        }
    },
)
def update_payment(
    caller: Caller,
    container_id: ContainerId,
    payment_id: PaymentId,
    body: Annotated[schemas.PaymentUpdate, Depends(payment_update_body)],
    region: Region = None,
) -> JSONResponse:
    """Updates a payment's name, description, note, exchange rate, paid date, aggregation and
    integration fields. While integrationState is 'locked', only integrationState may change."""
    check_can_write(caller.actor.scopes)
    header = mapping.to_header(body)
    project = _project(caller, container_id)
    pay_app_id = lookups.pay_app_id_by_uuid(
        caller.runtime.uow(read_only=True), caller.actor, str(payment_id), project.id
    )
    if header:
        view = pay_apps.update_pay_app(
            caller.runtime.uow(),
            caller.actor,
            UpdatePayApp(pay_app_id=pay_app_id, project_id=project.id, header=header),
        )
    else:  # nothing to change: answer with the payment as it is
        view = pay_apps.get_pay_app(caller.runtime.uow(read_only=True), caller.actor, pay_app_id)
    return JSONResponse(_render(caller, project, [view], frozenset())[0])


@router.get(
    "/v1/containers/{containerId}/payment-items",
    response_model=schemas.PaymentItemPage,
)
def list_payment_items(
    request: Request,
    caller: Caller,
    container_id: ContainerId,
    payment_ids: Annotated[
        str | None,
        Query(alias="filter[paymentId]", description="payment UUIDs (commas or repeated)"),
    ] = None,
    association_ids: Annotated[
        str | None,
        Query(alias="filter[associationId]", description="contract UUIDs (commas or repeated)"),
    ] = None,
    association_types: Annotated[
        str | None,
        Query(alias="filter[associationType]", description="SOV, SCO, MaterialsOnSite"),
    ] = None,
    sort: Annotated[
        str | None, Query(description="'field' or 'field desc', comma-separated")
    ] = None,
    offset: Offset = 0,
    limit: Limit = DEFAULT_LIMIT,
    region: Region = None,
) -> JSONResponse:
    """Lists the items (SOV, change-order and materials-on-site lines) of payments."""
    given = mapping.filters_of(request.query_params.multi_items(), ITEM_FILTERS)
    wanted = mapping.parse_uuids(given.get("filter[paymentId]"), "filter[paymentId]")
    contracts_wanted = mapping.parse_uuids(
        given.get("filter[associationId]"), "filter[associationId]"
    )
    types = mapping.parse_item_types(given.get("filter[associationType]"))
    order = mapping.parse_item_sort(sort)
    if not wanted and not contracts_wanted:
        raise BadInput(
            "filter[paymentId]: give payment ids (filter[paymentId]) or contract ids "
            "(filter[associationId])",
            "filter[paymentId]",
        )
    project = _project(caller, container_id)
    contract_ids = None
    if contracts_wanted:
        contracts = lookups.contracts_of_project(
            caller.runtime.uow(read_only=True), caller.actor, project.id
        )
        contract_ids = [c.id for c in contracts if c.uuid in set(contracts_wanted)]
    page = pay_apps.list_pay_apps(
        caller.runtime.uow(read_only=True),
        caller.actor,
        PayAppFilter(project_id=project.id, uuids=wanted or None, contract_ids=contract_ids),
        order_by=(("contract_id", False), ("number", False)),
        with_lines=True,
    )
    items = [
        item
        for view in page.items
        for item in mapping.to_payment_items(view)
        if types is None or item["associationType"] in types
    ]
    items = mapping.sort_items(items, order)
    pagination = _pagination(request, offset, limit, len(items))
    return JSONResponse(
        {
            "pagination": pagination.model_dump(by_alias=True),
            "results": items[offset : offset + limit],
        }
    )


@router.get("/v1/containers/{containerId}/contracts")
def list_contracts(
    request: Request,
    caller: Caller,
    container_id: ContainerId,
    offset: Offset = 0,
    limit: Limit = DEFAULT_LIMIT,
    region: Region = None,
) -> JSONResponse:
    """Lists the contracts (commitments) of a project, each with its schedule of values."""
    given = mapping.filters_of(request.query_params.multi_items(), frozenset({"filter[id]"}))
    wanted = set(mapping.parse_uuids(given.get("filter[id]"), "filter[id]"))
    project = _project(caller, container_id)
    sheets = discovery.contract_sheets(caller.runtime.uow(read_only=True), caller.actor, project.id)
    primes = [sheet.contract.uuid for sheet in sheets if sheet.contract.kind == "prime"]
    rows = [
        mapping.to_contract(sheet, caller.actor.company_id, primes[0] if primes else None)
        for sheet in sheets
        if sheet.contract.kind == "commitment" and (not wanted or sheet.contract.uuid in wanted)
    ]
    pagination = _pagination(request, offset, limit, len(rows))
    return JSONResponse(
        {
            "pagination": pagination.model_dump(by_alias=True),
            "results": rows[offset : offset + limit],
        }
    )


# -- helpers ---------------------------------------------------------------------------------


def _project(caller: AccCaller, container_id: UUID) -> ProjectView:
    return lookups.project_by_uuid(
        caller.runtime.uow(read_only=True), caller.actor, str(container_id)
    )


def _render(
    caller: AccCaller,
    project: ProjectView,
    views: Sequence[PayAppView],
    includes: frozenset[str],
) -> list[dict[str, Any]]:
    """ACC payments for views of one project as JSON objects (``schemas.Payment``, which the
    routes' ``response_model`` documents), with what they need from the rest of the ledger
    (its prime contracts' UUIDs, their lines' digests)."""
    if not views:
        return []
    prime_uuids = pay_app_pages.prime_contract_uuids(
        caller.runtime.uow(read_only=True), caller.actor, project.id
    )
    digests = pay_app_pages.line_digests(
        caller.runtime.uow(read_only=True), caller.actor, [view.id for view in views]
    )
    references = _references(caller, project, views, includes)
    return [
        mapping.to_payment(
            view,
            mapping.chain_facts(view),
            digests[view.id],
            main_contract_id=mapping.main_contract_uuid(view, prime_uuids),
            includes=includes,
            references=references.get(view.id, ()),
        )
        for view in views
    ]


def _references(
    caller: AccCaller,
    project: ProjectView,
    views: Sequence[PayAppView],
    includes: frozenset[str],
) -> dict[int, list[PaymentView]]:
    """The payments recorded against each of the views, when ``include=paymentReferences``."""
    if "paymentReferences" not in includes or not views:
        return {}
    recorded = payments.list_payments(
        caller.runtime.uow(read_only=True),
        caller.actor,
        PaymentFilter(project_id=project.id, pay_app_ids=[view.id for view in views]),
    ).items
    return dict(mapping.group_by_pay_app(recorded))


def _pagination(request: Request, offset: int, limit: int, total: int) -> schemas.Pagination:
    following = offset + limit
    next_url = (
        str(request.url.include_query_params(offset=following, limit=limit))
        if following < total
        else None
    )
    return schemas.Pagination(limit=limit, offset=offset, total_results=total, next_url=next_url)


def _no_constant(name: str) -> object:
    raise ValueError(f"{name} is not a JSON number")
