"""Requisitions (subcontractor invoices): Procore's names for the ledger's pay applications."""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Path, Query, Request, Response
from fastapi.responses import JSONResponse

from drawbridge.api.procore import mapping, paging
from drawbridge.api.procore.deps import Context, ProcoreContext
from drawbridge.api.procore.errors import BadRequest
from drawbridge.api.procore.schemas import (
    ERRORS,
    MAX_ID,
    V2_ERRORS,
    PaymentDetailsIn,
    PaymentDetailsOut,
    RequisitionCreate,
    RequisitionItemOut,
    RequisitionOut,
    RequisitionUpdate,
)
from drawbridge.domain.errors import Forbidden
from drawbridge.services import lookups, pay_apps
from drawbridge.services.pay_apps import UpdatePayApp

router = APIRouter(tags=["Requisitions (Subcontractor Invoices)"])

RequisitionId = Annotated[int, Path(ge=1, le=MAX_ID, description="Requisition ID")]
ProjectId = Annotated[int, Query(ge=1, le=MAX_ID, description="Unique identifier for the project.")]
ViewQuery = Annotated[
    str | None,
    Query(description="default | extended | items | action_policy", max_length=32),
]


def _options(ctx: ProcoreContext, view_mode: str, *, v1_0: bool = False) -> mapping.RenderOptions:
    return mapping.RenderOptions(view=view_mode, actor=ctx.actor, file_url=ctx.file_url, v1_0=v1_0)


@router.get(
    "/v1.1/requisitions",
    response_model=list[RequisitionOut],
    response_model_exclude_unset=True,
    responses=ERRORS,
)
@router.get(
    "/v1.0/requisitions",
    response_model=list[RequisitionOut],
    response_model_exclude_unset=True,
    responses=ERRORS,
    operation_id="list_requisitions_v1_0",
)
def list_requisitions(
    request: Request,
    ctx: Context,
    project_id: ProjectId,
    page: paging.Page = 1,
    per_page: paging.PerPage = 100,
    view: ViewQuery = None,
    filter_ids: Annotated[list[str] | None, Query(alias="filters[id][]")] = None,
    filter_id: Annotated[str | None, Query(alias="filters[id]")] = None,
    filter_commitment_id: Annotated[str | None, Query(alias="filters[commitment_id]")] = None,
    filter_period_id: Annotated[str | None, Query(alias="filters[period_id]")] = None,
    filter_status: Annotated[str | None, Query(alias="filters[status]")] = None,
    filter_created_at: Annotated[
        str | None, Query(alias="filters[created_at]", description="START...END (date or ISO)")
    ] = None,
    filter_updated_at: Annotated[
        str | None, Query(alias="filters[updated_at]", description="START...END (date or ISO)")
    ] = None,
    filter_origin_id: Annotated[str | None, Query(alias="filters[origin_id]")] = None,
    filter_is_last: Annotated[str | None, Query(alias="filters[is_last]")] = None,
) -> Response:
    """Return a list of Requisitions (Subcontractor Invoices) on a specified project."""
    # The filters are read from the raw query (repeated keys, unknown names); the parameters
    # above only document them.
    view_mode = mapping.parse_view(view)
    where = mapping.to_pay_app_filter(project_id, request.query_params.multi_items())
    lookups.project_by_id(ctx.runtime.uow(read_only=True), ctx.actor, project_id)
    found = pay_apps.list_pay_apps(
        ctx.runtime.uow(read_only=True),
        ctx.actor,
        where,
        offset=(page - 1) * per_page,
        limit=per_page,
        with_lines=mapping.needs_lines(view_mode),
    )
    options = _options(ctx, view_mode, v1_0=_is_v1_0(request))
    body = [mapping.requisition(view_, options) for view_ in found.items]
    return JSONResponse(body, headers=paging.page_headers(request, page, per_page, found.total))


def _is_v1_0(request: Request) -> bool:
    return "/v1.0/" in request.url.path


def _create(ctx: ProcoreContext, body: RequisitionCreate, view: str | None) -> JSONResponse:
    view_mode = mapping.parse_view(view)
    command = mapping.to_create_pay_app(body.project_id, body.commitment_id, body.requisition)
    created = pay_apps.create_pay_app(ctx.runtime.uow(), ctx.actor, command)
    return JSONResponse(mapping.requisition(created, _options(ctx, view_mode)), status_code=201)


@router.post("/v1.1/requisitions", status_code=201, response_model=RequisitionOut, responses=ERRORS)
def create_requisition(
    ctx: Context,
    body: RequisitionCreate,
    view: ViewQuery = None,
    invite_id: Annotated[int | None, Query(ge=1, le=MAX_ID)] = None,
) -> JSONResponse:
    """Create a new Requisition (Subcontractor Invoice) for the specified Commitment."""
    del invite_id  # accepted for compatibility: the ledger has no invites
    return _create(ctx, body, view)


@router.post("/v1.0/requisitions", status_code=201, response_model=RequisitionOut, responses=ERRORS)
def create_requisition_v1_0(
    ctx: Context,
    body: RequisitionCreate,
    view: ViewQuery = None,
    invite_id: Annotated[int | None, Query(ge=1, le=MAX_ID)] = None,
) -> JSONResponse:
    """Create a new Requisition (Subcontractor Invoice): the v1.0 twin of the v1.1 endpoint."""
    del invite_id
    return _create(ctx, body, view)


@router.get(
    "/v1.1/requisitions/{id}",
    response_model=RequisitionOut,
    response_model_exclude_unset=True,
    responses=ERRORS,
)
@router.get(
    "/v1.0/requisitions/{id}",
    response_model=RequisitionOut,
    response_model_exclude_unset=True,
    responses=ERRORS,
    operation_id="show_requisition_v1_0",
)
def show_requisition(
    request: Request, ctx: Context, id: RequisitionId, project_id: ProjectId, view: ViewQuery = None
) -> JSONResponse:
    """Return a Requisition (Subcontractor Invoice) on a specified Project."""
    view_mode = mapping.parse_view(view)
    found = pay_apps.get_pay_app(
        ctx.runtime.uow(read_only=True),
        ctx.actor,
        id,
        project_id=project_id,
        contract_kind=mapping.COMMITMENT,
        with_lines=mapping.needs_lines(view_mode),
    )
    options = _options(ctx, view_mode, v1_0=_is_v1_0(request))
    return JSONResponse(mapping.requisition(found, options))


@router.patch("/v1.1/requisitions/{id}", response_model=RequisitionOut, responses=ERRORS)
@router.patch(
    "/v1.0/requisitions/{id}",
    response_model=RequisitionOut,
    responses=ERRORS,
    operation_id="update_requisition_v1_0",
)
def update_requisition(
    ctx: Context, id: RequisitionId, body: RequisitionUpdate, view: ViewQuery = None
) -> JSONResponse:
    """Update a Requisition (Subcontractor Invoice); standard users only the latest draft or
    revise_and_resubmit one, admins any."""
    view_mode = mapping.parse_view(view)
    # A read first: items may be named by their own ids, and custom fields merge into the
    # stored ones. The write below is the one transaction.
    current = pay_apps.get_pay_app(
        ctx.runtime.uow(read_only=True),
        ctx.actor,
        id,
        project_id=body.project_id,
        contract_kind=mapping.COMMITMENT,
    )
    if body.commitment_id is not None and body.commitment_id != current.contract.id:
        raise BadRequest("commitment_id", "the requisition is not on this commitment")
    command = mapping.to_update_pay_app(id, body.project_id, body.requisition, current)
    updated = pay_apps.update_pay_app(ctx.runtime.uow(), ctx.actor, command)
    return JSONResponse(mapping.requisition(updated, _options(ctx, view_mode)))


@router.delete(
    "/v1.1/requisitions/{id}",
    status_code=200,
    response_class=Response,
    responses={200: {"description": "Deleted"}, **ERRORS},
)
@router.delete(
    "/v1.0/requisitions/{id}",
    status_code=200,
    response_class=Response,
    responses={200: {"description": "Deleted"}, **ERRORS},
    operation_id="delete_requisition_v1_0",
)
def delete_requisition(ctx: Context, id: RequisitionId, project_id: ProjectId) -> Response:
    """Delete a Requisition: only the latest on its contract, not yet approved, with no payments."""
    pay_apps.delete_pay_app(
        ctx.runtime.uow(), ctx.actor, id, project_id, contract_kind=mapping.COMMITMENT
    )
    return Response(status_code=200)


@router.get(
    "/v1.0/requisitions/{requisition_id}/detail",
    response_model=list[RequisitionItemOut],
    responses=ERRORS,
)
def requisition_detail(
    ctx: Context, requisition_id: RequisitionId, project_id: ProjectId
) -> JSONResponse:
    """Return the Requisition (Subcontractor Invoice) detail: its G703 lines."""
    found = pay_apps.get_pay_app(
        ctx.runtime.uow(read_only=True),
        ctx.actor,
        requisition_id,
        project_id=project_id,
        contract_kind=mapping.COMMITMENT,
    )
    currency = mapping.requisition_currency(found)
    return JSONResponse([mapping.requisition_item(line, currency) for line in found.g703_lines])


PackageQuery = Annotated[int, Query(ge=1, le=MAX_ID, description="Change Order Package ID")]
CommitmentQuery = Annotated[int, Query(ge=1, le=MAX_ID, description="Commitment ID")]


@router.post(
    "/v1.0/requisitions/{requisition_id}/add_change_order_package",
    status_code=201,
    response_model=list[RequisitionItemOut],
    responses=ERRORS,
)
def add_change_order_package(
    ctx: Context,
    requisition_id: RequisitionId,
    commitment_id: CommitmentQuery,
    project_id: ProjectId,
    change_order_package_id: PackageQuery,
) -> JSONResponse:
    """Add an approved Change Order Package: its change-order items join the requisition."""
    updated, _package = pay_apps.add_change_order_package(
        ctx.runtime.uow(),
        ctx.actor,
        requisition_id,
        change_order_package_id,
        commitment_id,
        project_id=project_id,
        contract_kind=mapping.COMMITMENT,
    )
    return JSONResponse(mapping.package_items(updated, change_order_package_id), status_code=201)


@router.delete(
    "/v1.0/requisitions/{requisition_id}/remove_change_order_package",
    status_code=200,
    response_class=Response,
    responses={200: {"description": "Removed"}, **ERRORS},
)
def remove_change_order_package(
    ctx: Context,
    requisition_id: RequisitionId,
    commitment_id: CommitmentQuery,
    project_id: ProjectId,
    change_order_package_id: PackageQuery,
) -> Response:
    """Remove a Change Order Package from the requisition it was added on (nothing billed on it)."""
    pay_apps.remove_change_order_package(
        ctx.runtime.uow(),
        ctx.actor,
        requisition_id,
        change_order_package_id,
        commitment_id,
        project_id=project_id,
        contract_kind=mapping.COMMITMENT,
    )
    return Response(status_code=200)


# v2 names ids as strings; they are still integer ids (anything else is 400 in the v2 envelope).
V2PathId = Annotated[str, Path(pattern=r"^[0-9]{1,19}$")]


def _path_id(name: str, text: str) -> int:
    if not (text.isascii() and text.isdigit() and len(text) <= 19) or not 1 <= int(text) <= MAX_ID:
        raise BadRequest(name, "must be a positive integer id")
    return int(text)


@router.patch(
    "/v2.0/companies/{company_id}/projects/{project_id}/requisitions/{id}/payment_details",
    response_model=PaymentDetailsOut,
    responses=V2_ERRORS,
)
def update_payment_details(
    ctx: Context,
    company_id: V2PathId,
    project_id: V2PathId,
    id: V2PathId,
    body: PaymentDetailsIn,
) -> JSONResponse:
    """Update the payment due date of a Requisition (Subcontractor Invoice)."""
    if _path_id("company_id", company_id) != ctx.actor.company_id:
        raise Forbidden(
            "company_id: does not match the Procore-Company-Id header", field="company_id"
        )
    updated = pay_apps.update_pay_app(
        ctx.runtime.uow(),
        ctx.actor,
        UpdatePayApp(
            pay_app_id=_path_id("id", id),
            project_id=_path_id("project_id", project_id),
            contract_kind=mapping.COMMITMENT,
            header={"due_date": body.due_date} if "due_date" in body.model_fields_set else {},
        ),
    )
    return JSONResponse({"data": {"due_date": mapping.day(updated.due_date)}})
