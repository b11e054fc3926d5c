"""What a Procore client reads first: who it is (``/me``), its companies, their projects, the
commitments of a project with their schedule-of-values lines, and change-order packages."""

from __future__ import annotations

from typing import Annotated, Any

from fastapi import APIRouter, Path, Query, Request
from fastapi.responses import JSONResponse

from drawbridge.api.procore import mapping, paging
from drawbridge.api.procore.deps import Caller, Context
from drawbridge.api.procore.errors import BadRequest
from drawbridge.api.procore.schemas import ERRORS, MAX_ID
from drawbridge.services import discovery

router = APIRouter(tags=["Directory: companies, projects, commitments"])

ProjectId = Annotated[int, Query(ge=1, le=MAX_ID, description="Unique identifier for the project.")]
CompanyId = Annotated[int, Query(ge=1, le=MAX_ID, description="Unique identifier for the company.")]
ContractPath = Annotated[int, Path(ge=1, le=MAX_ID, description="Commitment ID")]
COMMITMENT = mapping.COMMITMENT


def _page(request: Request, rows: list[dict[str, Any]], page: int, per_page: int) -> JSONResponse:
    start = paging.offset_of(page, per_page)
    headers = paging.page_headers(request, page, per_page, len(rows))
    return JSONResponse(rows[start : start + per_page], headers=headers)


@router.get("/v1.0/me", responses=ERRORS)
def show_me(caller: Caller) -> JSONResponse:
    """Return the user the token belongs to."""
    return JSONResponse(mapping.me(caller.principal))


@router.get("/v1.0/companies", responses=ERRORS)
def list_companies(
    request: Request, caller: Caller, page: paging.Page = 1, per_page: paging.PerPage = 100
) -> JSONResponse:
    """Return the companies the user belongs to (their ids go in Procore-Company-Id)."""
    found = discovery.companies_of(caller.runtime.uow(read_only=True), caller.principal)
    return _page(request, [mapping.company(view) for view in found], page, per_page)


@router.get("/v1.0/projects", responses=ERRORS)
@router.get("/v1.1/projects", responses=ERRORS, operation_id="list_projects_v1_1")
def list_projects(
    request: Request,
    caller: Caller,
    company_id: CompanyId,
    page: paging.Page = 1,
    per_page: paging.PerPage = 100,
) -> JSONResponse:
    """Return the projects of a company the user belongs to."""
    header = request.headers.get("procore-company-id")
    if header is not None and header.strip() != str(company_id):
        raise BadRequest("company_id", "does not match the Procore-Company-Id header")
    owner, projects = discovery.projects_of(
        caller.runtime.uow(read_only=True), caller.act_in(company_id)
    )
    return _page(request, [mapping.project(view, owner) for view in projects], page, per_page)


@router.get("/v1.0/commitments", responses=ERRORS)
def list_commitments(
    request: Request,
    ctx: Context,
    project_id: ProjectId,
    page: paging.Page = 1,
    per_page: paging.PerPage = 100,
) -> JSONResponse:
    """Return the commitments (subcontracts and purchase orders) of a project."""
    found = discovery.contracts_of(
        ctx.runtime.uow(read_only=True), ctx.actor, project_id, kind=COMMITMENT
    )
    return _page(request, [mapping.commitment(view) for view in found], page, per_page)


@router.get("/v1.0/commitments/{id}", responses=ERRORS)
def show_commitment(
    ctx: Context,
    id: Annotated[int, Path(ge=1, le=MAX_ID, description="ID")],
    project_id: ProjectId,
) -> JSONResponse:
    """Return a commitment with its line items, change order packages and payments issued."""
    return JSONResponse(mapping.commitment_detail(_detail(ctx, id, project_id), ctx.file_url))


@router.get("/v1.0/work_order_contracts/{id}", responses=ERRORS)
def show_work_order_contract(
    ctx: Context,
    id: Annotated[int, Path(ge=1, le=MAX_ID, description="ID")],
    project_id: ProjectId,
) -> JSONResponse:
    """Return a subcontract (work order contract) with its lines, packages and payments."""
    return JSONResponse(mapping.work_order_contract(_detail(ctx, id, project_id), ctx.file_url))


@router.get("/v1.0/purchase_order_contracts/{id}", responses=ERRORS)
def show_purchase_order_contract(
    ctx: Context,
    id: Annotated[int, Path(ge=1, le=MAX_ID, description="ID")],
    project_id: ProjectId,
) -> JSONResponse:
    """Return a purchase order contract with its lines, packages and payments."""
    found = _detail(ctx, id, project_id)
    return JSONResponse(mapping.purchase_order_contract(found, ctx.file_url))


def _detail(ctx: Context, contract_id: int, project_id: int) -> discovery.ContractDetail:
    return discovery.contract_detail(
        ctx.runtime.uow(read_only=True),
        ctx.actor,
        contract_id,
        project_id=project_id,
        kind=COMMITMENT,
    )


def _line_items(
    request: Request, ctx: Context, contract_id: int, project_id: int, page: int, per_page: int
) -> JSONResponse:
    found = discovery.contract_lines(
        ctx.runtime.uow(read_only=True),
        ctx.actor,
        contract_id,
        project_id=project_id,
        kind=COMMITMENT,
    )
    rows = [
        mapping.line_item(line, found.contract, found.company, found.project.name)
        for line in found.lines
    ]
    return _page(request, rows, page, per_page)


@router.get("/v1.0/work_order_contracts/{work_order_contract_id}/line_items", responses=ERRORS)
def list_work_order_line_items(
    request: Request,
    ctx: Context,
    work_order_contract_id: ContractPath,
    project_id: ProjectId,
    page: paging.Page = 1,
    per_page: paging.PerPage = 100,
) -> JSONResponse:
    """Return the schedule-of-values line items of a subcontract (work order contract)."""
    return _line_items(request, ctx, work_order_contract_id, project_id, page, per_page)


@router.get(
    "/v1.0/purchase_order_contracts/{purchase_order_contract_id}/line_items", responses=ERRORS
)
def list_purchase_order_line_items(
    request: Request,
    ctx: Context,
    purchase_order_contract_id: ContractPath,
    project_id: ProjectId,
    page: paging.Page = 1,
    per_page: paging.PerPage = 100,
) -> JSONResponse:
    """Return the schedule-of-values line items of a purchase order contract."""
    return _line_items(request, ctx, purchase_order_contract_id, project_id, page, per_page)


@router.get("/v1.0/change_order_packages", responses=ERRORS)
def list_change_order_packages(
    request: Request,
    ctx: Context,
    project_id: ProjectId,
    contract_id: Annotated[int, Query(ge=1, le=MAX_ID, description="Commitment ID")],
    page: paging.Page = 1,
    per_page: paging.PerPage = 100,
) -> JSONResponse:
    """Return the change order packages of a commitment (approved ones can be billed)."""
    contract, packages = discovery.change_order_packages(
        ctx.runtime.uow(read_only=True),
        ctx.actor,
        contract_id,
        project_id=project_id,
        kind=COMMITMENT,
    )
    rows = [mapping.change_order_package(package, contract) for package in packages]
    return _page(request, rows, page, per_page)
