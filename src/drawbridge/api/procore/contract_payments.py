"""Contract payments: money paid against a commitment, optionally against one requisition.

Create takes JSON or multipart/form-data (``contract_payment[amount]`` style fields plus
``attachments[]`` files); both are validated by the same model.
"""

from __future__ import annotations

import json
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from typing import Annotated, Any, BinaryIO

from fastapi import APIRouter, Path, Query, Request, Response
from fastapi.exceptions import RequestValidationError
from fastapi.responses import JSONResponse
from pydantic import ValidationError
from starlette.datastructures import FormData, UploadFile

from drawbridge.api.procore import mapping, paging
from drawbridge.api.procore.deps import Context
from drawbridge.api.procore.errors import BadRequest
from drawbridge.api.procore.schemas import (
    ERRORS,
    MAX_ID,
    ContractPaymentCreate,
    ContractPaymentIn,
    ContractPaymentOut,
    ContractPaymentUpdate,
)
from drawbridge.services import payments
from drawbridge.services.payments import PaymentFilter, RecordPayment

router = APIRouter(tags=["Contract Payments"])

PaymentId = Annotated[int, Path(ge=1, le=MAX_ID, description="Contract Payment ID")]
ProjectId = Annotated[int, Query(ge=1, le=MAX_ID, description="Unique identifier for the project.")]
ContractId = Annotated[int | None, Query(ge=1, le=MAX_ID, description="Contract ID")]

_FORM_FIELDS = {
    f"contract_payment[{name}]": name
    for name in ContractPaymentIn.model_fields
    if name != "prostore_file_ids"
}
_FILE_IDS = ("contract_payment[prostore_file_ids][]", "contract_payment[prostore_file_ids]")
_CREATE_SCHEMA = ContractPaymentCreate.model_json_schema(
    ref_template="#/components/schemas/{model}"
)
_CREATE_SCHEMA.pop("$defs", None)
_MULTIPART_SCHEMA: dict[str, Any] = {
    "type": "object",
    "required": ["project_id", "contract_id"],
    "properties": {
        "project_id": {"type": "integer", "minimum": 1},
        "contract_id": {"type": "integer", "minimum": 1},
        **{field: {"type": "string"} for field in _FORM_FIELDS},
        _FILE_IDS[0]: {"type": "array", "items": {"type": "integer", "minimum": 1}},
        "attachments[]": {"type": "array", "items": {"type": "string", "format": "binary"}},
    },
}


Files = list[tuple[str, str, BinaryIO]]


@asynccontextmanager
async def _read_create(request: Request) -> AsyncIterator[tuple[dict[str, Any], Files]]:
    """The request as the JSON document it stands for, and the files sent with it (spooled to
    temporary files by the parser, open until the payment is recorded)."""
    content_type = request.headers.get("content-type", "application/json")
    if not content_type.startswith("multipart/form-data"):
        try:
            parsed = json.loads(await request.body() or b"{}")
        except (ValueError, RecursionError):
            raise BadRequest("body", "not valid JSON") from None
        if not isinstance(parsed, dict):
            raise BadRequest("body", "a JSON object is expected")
        yield parsed, []
        return
    try:
        form = await request.form()
    except Exception:  # the multipart parser raises several kinds on broken input
        raise BadRequest("body", "not a valid multipart/form-data body") from None
    try:
        yield _form_document(form)
    finally:
        await form.close()  # the spooled files of the form


def _form_document(form: FormData) -> tuple[dict[str, Any], Files]:
    document: dict[str, Any] = {"contract_payment": {}}
    files: Files = []
    for key, value in form.multi_items():
        if isinstance(value, UploadFile):
            if key in ("attachments[]", "attachments"):
                files.append((value.filename or "attachment", value.content_type or "", value.file))
            continue
        if key in ("project_id", "contract_id"):
            document[key] = value
        elif key in _FORM_FIELDS:
            document["contract_payment"][_FORM_FIELDS[key]] = value
        elif key in _FILE_IDS:
            document["contract_payment"].setdefault("prostore_file_ids", []).append(value)
    return document, files


@router.post(
    "/v1.0/contract_payments",
    status_code=201,
    response_model=ContractPaymentOut,
    responses=ERRORS,
    openapi_extra={
        "requestBody": {
            "required": True,
            "content": {
                "application/json": {"schema": _CREATE_SCHEMA},
                "multipart/form-data": {"schema": _MULTIPART_SCHEMA},
            },
        }
    },
)
async def create_contract_payment(request: Request, ctx: Context) -> JSONResponse:
    """Create a new Contract Payment (JSON, or multipart/form-data with attachments[] files)."""
    async with _read_create(request) as (document, files):
        for key in ("project_id", "contract_id"):  # also accepted as query parameters
            if key not in document and key in request.query_params:
                document[key] = request.query_params[key]
        try:
            body = ContractPaymentCreate.model_validate(document)
        except ValidationError as error:
            raise RequestValidationError(error.errors()) from None
        created = payments.record_payment(
            ctx.runtime.uow(),
            ctx.actor,
            RecordPayment(
                contract_id=body.contract_id,
                project_id=body.project_id,
                contract_kind=mapping.COMMITMENT,
                values=mapping.to_payment_values(body.contract_payment),
                attachment_ids=tuple(body.contract_payment.prostore_file_ids or ()),
                files=files,
            ),
        )
    return JSONResponse(mapping.contract_payment(created, ctx.file_url), status_code=201)


@router.get("/v1.0/contract_payments", response_model=list[ContractPaymentOut], responses=ERRORS)
def list_contract_payments(
    request: Request,
    ctx: Context,
    project_id: ProjectId,
    contract_id: ContractId = None,
    page: paging.Page = 1,
    per_page: paging.PerPage = 100,
) -> JSONResponse:
    """Return the Contract Payments of a project, optionally of one contract."""
    found = payments.list_payments(
        ctx.runtime.uow(read_only=True),
        ctx.actor,
        PaymentFilter(
            project_id=project_id, contract_id=contract_id, contract_kind=mapping.COMMITMENT
        ),
        offset=(page - 1) * per_page,
        limit=per_page,
    )
    body = [mapping.contract_payment(view, ctx.file_url) for view in found.items]
    return JSONResponse(body, headers=paging.page_headers(request, page, per_page, found.total))


@router.get("/v1.0/contract_payments/{id}", response_model=ContractPaymentOut, responses=ERRORS)
def show_contract_payment(
    ctx: Context, id: PaymentId, project_id: ProjectId, contract_id: ContractId = None
) -> JSONResponse:
    """Return a Contract Payment."""
    found = payments.get_payment(
        ctx.runtime.uow(read_only=True),
        ctx.actor,
        id,
        contract_id=contract_id,
        project_id=project_id,
        contract_kind=mapping.COMMITMENT,
    )
    return JSONResponse(mapping.contract_payment(found, ctx.file_url))


@router.patch("/v1.0/contract_payments/{id}", response_model=ContractPaymentOut, responses=ERRORS)
def update_contract_payment(
    ctx: Context, id: PaymentId, body: ContractPaymentUpdate
) -> JSONResponse:
    """Update a Contract Payment."""
    updated = payments.update_payment(
        ctx.runtime.uow(),
        ctx.actor,
        id,
        mapping.to_payment_values(body.contract_payment),
        contract_id=body.contract_id,
        project_id=body.project_id,
        contract_kind=mapping.COMMITMENT,
        attachment_ids=tuple(body.contract_payment.prostore_file_ids or ()),
    )
    return JSONResponse(mapping.contract_payment(updated, ctx.file_url))


@router.delete(
    "/v1.0/contract_payments/{id}",
    status_code=200,
    response_class=Response,
    responses={200: {"description": "Deleted"}, **ERRORS},
)
def delete_contract_payment(
    ctx: Context, id: PaymentId, project_id: ProjectId, contract_id: ContractId = None
) -> Response:
    """Delete a Contract Payment."""
    payments.delete_payment(
        ctx.runtime.uow(),
        ctx.actor,
        id,
        contract_id=contract_id,
        project_id=project_id,
        contract_kind=mapping.COMMITMENT,
    )
    return Response(status_code=200)
