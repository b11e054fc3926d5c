"""Productive's error documents (JSON:API ``errors``), for every failure of this face.

``{"errors": [{"status", "code", "title", "detail", "source": {"pointer" | "parameter"}}]}``.
A 422 carries its status as a string and ``code: "invalid_attribute"`` with a pointer such as
``data/attributes/amount``, as Productive's validation errors do; the other statuses are numbers
with Productive's titles ("Unauthenticated", "Access Denied", "Record Not Found",
"Unsupported Filter", ...). Ledger errors map by kind (Unauthorized 401, Forbidden 403,
NotFound 404, Conflict 409, Invalid 422); anything unexpected is logged and answered 500.
"""

from __future__ import annotations

from typing import Any

from fastapi import FastAPI, Request
from fastapi.exceptions import RequestValidationError
from fastapi.responses import JSONResponse
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

MEDIA_TYPE = "application/vnd.api+json"
RESPONSE_MEDIA_TYPE = f"{MEDIA_TYPE}; charset=utf-8"

LEDGER_STATUS: tuple[tuple[type[LedgerError], int], ...] = (
    (Unauthorized, 401),
    (Forbidden, 403),
    (NotFound, 404),
    (Conflict, 409),
    (Invalid, 422),
)
TITLES = {
    400: "Bad Request",
    401: "Unauthenticated",
    403: "Access Denied",
    404: "Record Not Found",
    405: "Method Not Allowed",
    406: "Not Acceptable",
    409: "Conflict",
    415: "Unsupported Media Type",
    422: "Invalid Attribute",
    429: "Too many requests",
    500: "Server Error",
}
# The ledger's field names, as the attribute a Productive client sent.
ATTRIBUTE_OF_FIELD = {
    "amount": "amount",
    "amount_cents": "amount",
    "payment_date": "paid_on",
    "write_off_date": "written_off_on",
    "notes": "note",
    "origin_id": "external_id",
    "pay_app_id": "invoice",
    "requisition_id": "invoice",
    "currency": "currency",
}
# Ledger fields a Productive client sends as a header.
HEADER_OF_FIELD = {"company_id": "X-Organization-Id"}


class JsonApiResponse(JSONResponse):
    """A JSON:API document, ``Content-Type: application/vnd.api+json; charset=utf-8``."""

    media_type = MEDIA_TYPE

    def __init__(self, content: Any, status_code: int = 200, **kwargs: Any) -> None:
        super().__init__(content, status_code, **kwargs)
        self.headers["content-type"] = RESPONSE_MEDIA_TYPE


class ProductiveError(Exception):
    """A failure this face detects itself, as one or more JSON:API error objects."""

    def __init__(self, status: int, errors: list[dict[str, Any]]) -> None:
        super().__init__(errors[0].get("detail", ""))
        self.status = status
        self.errors = errors


def error_object(
    status: int,
    detail: str,
    *,
    title: str | None = None,
    code: str | None = None,
    pointer: str | None = None,
    parameter: str | None = None,
) -> dict[str, Any]:
    error: dict[str, Any] = {
        "status": str(status) if status == 422 else status,
        **({"code": code} if code else {}),
        "title": title or TITLES.get(status, "Error"),
        "detail": detail,
    }
    if pointer is not None:
        error["source"] = {"pointer": pointer}
    elif parameter is not None:
        error["source"] = {"parameter": parameter}
    return error


def invalid_attribute(attribute: str, detail: str, *, relationship: bool = False) -> dict[str, Any]:
    """One 422 error object: ``detail`` is Productive's short phrase ("can't be blank")."""
    part = "relationships" if relationship else "attributes"
    return error_object(422, detail, code="invalid_attribute", pointer=f"data/{part}/{attribute}")


def error_response(
    status: int, code: str, message: str, *, field: str | None = None
) -> JSONResponse:
    """One error in Productive's envelope; ``field`` becomes the source it points at."""
    pointer = parameter = None
    if field is not None:
        attribute = ATTRIBUTE_OF_FIELD.get(field)
        if attribute is not None:
            pointer = f"data/attributes/{attribute}"
        else:
            parameter = HEADER_OF_FIELD.get(field, field)
    error = error_object(
        status,
        message,
        code="invalid_attribute" if status == 422 else code,
        pointer=pointer,
        parameter=parameter,
    )
    return JsonApiResponse({"errors": [error]}, status_code=status)


def install_error_handlers(app: FastAPI) -> None:
    @app.exception_handler(ProductiveError)
    async def productive_error(request: Request, error: ProductiveError) -> JSONResponse:
        return JsonApiResponse({"errors": error.errors}, status_code=error.status)

    @app.exception_handler(ListingError)
    async def listing_error(request: Request, error: ListingError) -> JSONResponse:
        body = error_object(400, error.detail, title=error.title, parameter=error.parameter)
        return JsonApiResponse({"errors": [body]}, status_code=400)

    @app.exception_handler(LedgerError)
    async def ledger_error(request: Request, error: LedgerError) -> JSONResponse:
        status = next((code for kind, code in LEDGER_STATUS if isinstance(error, kind)), 400)
        return error_response(status, error.code, _without_field(error), field=error.field)

    @app.exception_handler(RequestValidationError)
    async def invalid_request(request: Request, error: RequestValidationError) -> JSONResponse:
        first = error.errors()[0] if error.errors() else {"loc": (), "msg": "malformed request"}
        location = [str(part) for part in first.get("loc", ())]
        name = location[-1] if location else "request"
        message = str(first.get("msg", "malformed request")).removeprefix("Value error, ")
        body = error_object(400, f"{name}: {message}", parameter=name)
        return JsonApiResponse({"errors": [body]}, status_code=400)

    @app.exception_handler(StarletteHTTPException)
    async def http_error(request: Request, error: StarletteHTTPException) -> JSONResponse:
        detail = str(error.detail)
        if error.status_code == 404:
            detail = "The requested record was not found"
        return JsonApiResponse(
            {"errors": [error_object(error.status_code, detail)]},
            status_code=error.status_code,
            headers=getattr(error, "headers", None),
        )

    @app.exception_handler(Exception)
    async def unexpected(request: Request, error: Exception) -> JSONResponse:
        log_unexpected(request, error)
        body = error_object(500, "An error occurred on the server")
        return JsonApiResponse({"errors": [body]}, status_code=500)


def _without_field(error: LedgerError) -> str:
    """The ledger's message without its ``field: `` prefix (the source names the field)."""
    if error.field and error.message.startswith(f"{error.field}: "):
        return error.message[len(error.field) + 2 :]
    return error.message
