"""drawbridge's own errors: ``application/problem+json`` (RFC 9457) for every failure of ``/v1``.

``{"type", "title", "status", "detail", "instance", "code", "errors": [{"detail", "pointer" |
"parameter" | "header"}]}``: ``type`` is ``urn:drawbridge:problem:<code>``, ``instance`` the
request's path, and each entry of ``errors`` names one bad value by its JSON pointer into the body
(``/lines/3/work_completed_this_period``), or the query parameter or header that carried it, or
the row and column of an imported spreadsheet.

Ledger errors map once, by kind: Unauthorized 401, Forbidden 403, NotFound 404, Conflict 409,
Invalid 422. A body that does not match its schema is 422 with one entry per bad value; a body
that is not JSON at all is 400 (the request guard). Anything unexpected is logged and 500.
"""

from __future__ import annotations

from typing import Any

from fastapi import FastAPI, Request
from fastapi.exceptions import RequestValidationError
from fastapi.responses import JSONResponse
from pydantic import BaseModel, Field
from starlette.exceptions import HTTPException as StarletteHTTPException

from drawbridge.api.common import log_unexpected
from drawbridge.api.listing import ListingError
from drawbridge.domain.errors import (
    Conflict,
    Forbidden,
    Invalid,
    LedgerError,
    NotFound,
    Unauthorized,
)
from drawbridge.services.imports import ImportRejected, RowProblem

MEDIA_TYPE = "application/problem+json"

LEDGER_STATUS: tuple[tuple[type[LedgerError], int], ...] = (
    (Unauthorized, 401),
    (Forbidden, 403),
    (NotFound, 404),
    (Conflict, 409),
    (Invalid, 422),
)
# A key sent again with another body is a bad request of the client's, not a clash of records.
UNPROCESSABLE_CODES = frozenset({"idempotency_key_reused"})
TITLES = {
    400: "Bad Request",
    401: "Unauthorized",
    403: "Forbidden",
    404: "Not Found",
    405: "Method Not Allowed",
    406: "Not Acceptable",
    409: "Conflict",
    412: "Precondition Failed",
    413: "Content Too Large",
    415: "Unsupported Media Type",
    422: "Unprocessable Content",
    428: "Precondition Required",
    429: "Too Many Requests",
    500: "Internal Server Error",
}
# The ledger's names for fields, as this API's JSON names them.
FIELD_NAMES = {
    "amount_cents": "amount",
    "pay_app_id": "pay_application_id",
    "project": "project_id",
    "party": "party_id",
    "architect": "architect_id",
    "projectContract": "contract_id",
    "projectContractLine": "sov_line_id",
    "projectContractLineEntries": "scheduled_value",
    "advance_amount_cents": "advance_amount",
    "commitment_id": "contract_id",
    "line_item_id": "lines",
    "change_order_item_id": "lines",
    "items": "lines",
    "prostore_file_ids": "attachment_ids",
    "requisition_start": "start_date",
    "requisition_end": "end_date",
    "date": "payment_date",
    "recoupment_amount_cents": "recoupment_amount",
}
# Fields the caller sends as a header rather than in the body.
HEADER_FIELDS = {
    "Idempotency-Key": "Idempotency-Key",
    "company_id": "Drawbridge-Company-Id",
    "If-Match": "If-Match",
}
# Fields that name the record in the path: the problem's ``instance`` already says which.
PATH_FIELDS = frozenset({"id", "key"})


class FieldError(BaseModel):
    detail: str
    pointer: str | None = Field(None, description="JSON pointer into the request body")
    parameter: str | None = Field(None, description="the query parameter")
    header: str | None = Field(None, description="the request header")
    row: int | None = Field(None, description="the row of an imported spreadsheet")
    column: str | None = Field(None, description="the column of an imported spreadsheet")


class Problem(BaseModel):
    """An RFC 9457 problem detail."""

    type: str = Field(description="urn:drawbridge:problem:<code>")
    title: str
    status: int
    detail: str
    instance: str | None = None
    code: str = Field(description="a stable machine-readable code")
    errors: list[FieldError] = Field(default_factory=list)


class NativeProblem(Exception):
    """A failure this face detects itself (a stale ``If-Match``, a missing header)."""

    def __init__(
        self, status: int, code: str, detail: str, errors: list[dict[str, str]] | None = None
    ) -> None:
        super().__init__(detail)
        self.status = status
        self.code = code
        self.detail = detail
        self.errors = errors or []


def field_error(field: str | None, detail: str) -> list[dict[str, str]]:
    """The ``errors`` entry naming a ledger field where the caller sent it."""
    if field is None or field in PATH_FIELDS:
        return []
    if field in HEADER_FIELDS:
        return [{"header": HEADER_FIELDS[field], "detail": detail}]
    parts = field.split("/")
    parts[0] = FIELD_NAMES.get(parts[0], parts[0])
    return [{"pointer": "/" + "/".join(_escape(part) for part in parts), "detail": detail}]


def problem_response(
    status: int,
    code: str,
    detail: str,
    *,
    errors: list[dict[str, str]] | None = None,
    instance: str | None = None,
    headers: dict[str, str] | None = None,
) -> JSONResponse:
    body: dict[str, Any] = {
        "type": f"urn:drawbridge:problem:{code}",
        "title": TITLES.get(status, "Error"),
        "status": status,
        "detail": detail,
        "instance": instance,
        "code": code,
        "errors": errors or [],
    }
    return JSONResponse(body, status_code=status, media_type=MEDIA_TYPE, headers=headers)


def error_response(
    status: int, code: str, message: str, *, field: str | None = None
) -> JSONResponse:
    """The request guard's refusals (oversized or malformed bodies, missing credentials)."""
    return problem_response(status, code, message, errors=field_error(field, message))


def install_error_handlers(app: FastAPI) -> None:
    @app.exception_handler(NativeProblem)
    async def native_problem(request: Request, error: NativeProblem) -> JSONResponse:
        return problem_response(
            error.status, error.code, error.detail, errors=error.errors, instance=_path(request)
        )

    @app.exception_handler(ListingError)
    async def listing_error(request: Request, error: ListingError) -> JSONResponse:
        return problem_response(
            400,
            error.title.lower().replace(" ", "_"),
            error.detail,
            errors=[{"parameter": error.parameter, "detail": error.detail}],
            instance=_path(request),
        )

    @app.exception_handler(LedgerError)
    async def ledger_error(request: Request, error: LedgerError) -> JSONResponse:
        status = next((code for kind, code in LEDGER_STATUS if isinstance(error, kind)), 400)
        if error.code in UNPROCESSABLE_CODES:
            status = 422
        headers = {"WWW-Authenticate": "Bearer"} if status == 401 else None
        # A record not found is usually the one the path names: the instance says which.
        errors = [] if status == 404 else field_error(error.field, error.message)
        if isinstance(error, ImportRejected):
            errors = [_row_error(problem) for problem in error.problems]
        return problem_response(
            status,
            error.code,
            error.message,
            errors=errors,
            instance=_path(request),
            headers=headers,
        )

    @app.exception_handler(RequestValidationError)
    async def invalid_request(request: Request, error: RequestValidationError) -> JSONResponse:
        errors = [_validation_entry(item) for item in error.errors()]
        first = errors[0] if errors else {"detail": "malformed request"}
        where = first.get("pointer") or first.get("parameter") or first.get("header") or ""
        detail = f"{where}: {first['detail']}" if where else f"body: {first['detail']}"
        return problem_response(
            422, "invalid_request", detail, errors=errors, instance=_path(request)
        )

    @app.exception_handler(StarletteHTTPException)
    async def http_error(request: Request, error: StarletteHTTPException) -> JSONResponse:
        code = {404: "not_found", 405: "method_not_allowed"}.get(error.status_code, "http_error")
        return problem_response(
            error.status_code,
            code,
            str(error.detail),
            instance=_path(request),
            headers=getattr(error, "headers", None),
        )

    @app.exception_handler(Exception)
    async def unexpected(request: Request, error: Exception) -> JSONResponse:
        log_unexpected(request, error)
        return problem_response(500, "internal_error", "unexpected error", instance=_path(request))


def _row_error(problem: RowProblem) -> dict[str, Any]:
    """One problem of an imported spreadsheet, by its row and column."""
    entry: dict[str, Any] = {"detail": problem.message}
    if problem.row is not None:
        entry["row"] = problem.row
    if problem.column is not None:
        entry["column"] = problem.column
    return entry


def _validation_entry(item: Any) -> dict[str, str]:
    location = [str(part) for part in item.get("loc", ())]
    message = str(item.get("msg", "invalid value")).removeprefix("Value error, ")
    if not location:
        return {"detail": message}
    where, rest = location[0], location[1:]
    if where == "body":
        # RFC 6901: "" is the whole document, "/lines/0/amount" a value inside it.
        return {"pointer": "".join("/" + _escape(part) for part in rest), "detail": message}
    if where == "header":
        return {"header": rest[0] if rest else "", "detail": message}
    name = rest[0] if rest else where
    return {"parameter": name, "detail": message}


def _escape(part: str) -> str:
    return part.replace("~", "~0").replace("/", "~1")


def _path(request: Request) -> str:
    return str(request.url.path)


def _problem_content(description: str) -> dict[str, Any]:
    return {
        "description": description,
        "content": {MEDIA_TYPE: {"schema": {"$ref": "#/components/schemas/Problem"}}},
    }


# Every route may answer these; each route's own OpenAPI entry lists them.
PROBLEM_RESPONSES: dict[int | str, dict[str, Any]] = {
    400: _problem_content("Malformed request: a body that is not JSON, a bad query parameter"),
    401: _problem_content("Missing, unknown or expired bearer token"),
    403: _problem_content("The token's user may not do this (role, scope, company)"),
    404: _problem_content("No such record in the company"),
    409: _problem_content("The request clashes with the ledger's state (a duplicate number)"),
    412: _problem_content("If-Match does not match the record's current ETag"),
    413: _problem_content("The body is too large"),
    422: _problem_content("A value breaks a rule; each bad field is named in errors"),
    500: _problem_content("Unexpected server error"),
}
