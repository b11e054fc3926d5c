"""ACC's error envelope, for every failure of this face.

ACC answers ``{"status", "code", "title", "detail", "errors": [{"code", "title", "detail",
"field"}]}``. Ledger errors map by kind (NotFound 404, Forbidden 403, Conflict 409, Invalid 422,
Unauthorized 401); a request that does not parse (bad query value, bad JSON body) is a 400.
"""

from __future__ import annotations

from typing import Any

from fastapi import FastAPI, Request
from fastapi.exceptions import RequestValidationError
from fastapi.responses import JSONResponse
from starlette.exceptions import HTTPException as StarletteHTTPException

from drawbridge.api.common import log_unexpected
from drawbridge.domain.errors import (
    Conflict,
    Forbidden,
    Invalid,
    LedgerError,
    NotFound,
    Unauthorized,
)

# (HTTP status, ACC code, title) per kind of ledger error.
LEDGER_STATUS: tuple[tuple[type[LedgerError], int, str, str], ...] = (
    (Unauthorized, 401, "UNAUTHORIZED", "Unauthorized"),
    (Forbidden, 403, "FORBIDDEN", "Forbidden"),
    (NotFound, 404, "NOT_FOUND", "Not Found"),
    (Conflict, 409, "CONFLICT", "Conflict"),
    (Invalid, 422, "UNPROCESSABLE_ENTITY", "Unprocessable Entity"),
)
HTTP_CODES = {
    400: ("BAD_INPUT", "Bad Request"),
    401: ("UNAUTHORIZED", "Unauthorized"),
    403: ("FORBIDDEN", "Forbidden"),
    404: ("NOT_FOUND", "Not Found"),
    405: ("METHOD_NOT_ALLOWED", "Method Not Allowed"),
    409: ("CONFLICT", "Conflict"),
    413: ("PAYLOAD_TOO_LARGE", "Payload Too Large"),
    422: ("UNPROCESSABLE_ENTITY", "Unprocessable Entity"),
    500: ("INTERNAL_SERVER_ERROR", "Internal Server Error"),
}


class BadInput(Exception):
    """A request value this face cannot parse (ACC answers 400, not 422)."""

    def __init__(self, detail: str, field: str | None = None) -> None:
        super().__init__(detail)
        self.detail = detail
        self.field = field


def envelope(
    status: int, code: str, title: str, detail: str, items: list[dict[str, Any]] | None = None
) -> JSONResponse:
    body = {
        "status": status,
        "code": code,
        "title": title,
        "detail": detail,
        "errors": items
        if items is not None
        else [{"code": code, "title": title, "detail": detail, "field": None}],
    }
    headers = {"WWW-Authenticate": "Bearer"} if status == 401 else None
    return JSONResponse(body, status_code=status, headers=headers)


def error_response(
    status: int, code: str, message: str, *, field: str | None = None
) -> JSONResponse:
    """One error in ACC's envelope: the status names the top-level code and title, ``code``
    the error item's."""
    top_code, title = HTTP_CODES.get(status, ("ERROR", "Error"))
    item = {"code": code or top_code, "title": title, "detail": message, "field": field}
    return envelope(status, top_code, title, message, [item])


def install_error_handlers(app: FastAPI) -> None:
    @app.exception_handler(LedgerError)
    async def ledger_error(request: Request, error: LedgerError) -> JSONResponse:
        status, code, title = 400, "BAD_INPUT", "Bad Request"
        for kind, kind_status, kind_code, kind_title in LEDGER_STATUS:
            if isinstance(error, kind):
                status, code, title = kind_status, kind_code, kind_title
                break
        # One case for every code: the ledger's reason in ACC's SCREAMING_SNAKE_CASE.
        item = {
            "code": error.code.upper(),
            "title": title,
            "detail": error.message,
            "field": error.field,
        }
        return envelope(status, code, title, error.message, [item])

    @app.exception_handler(BadInput)
    async def bad_input(request: Request, error: BadInput) -> JSONResponse:
        return error_response(400, "BAD_INPUT", error.detail, field=error.field)

    @app.exception_handler(RequestValidationError)
    async def invalid_request(request: Request, error: RequestValidationError) -> JSONResponse:
        items = [_validation_item(problem) for problem in error.errors()]
        detail = "; ".join(f"{item['field']}: {item['detail']}" for item in items)
        return envelope(400, "BAD_INPUT", "Bad Request", detail or "invalid request", items)

    @app.exception_handler(StarletteHTTPException)
    async def http_error(request: Request, error: StarletteHTTPException) -> JSONResponse:
        return error_response(error.status_code, "", str(error.detail))

    @app.exception_handler(Exception)
    async def unexpected(request: Request, error: Exception) -> JSONResponse:
        log_unexpected(request, error)
        return error_response(500, "INTERNAL_SERVER_ERROR", "unexpected error")


def _validation_item(problem: Any) -> dict[str, Any]:
    # The location's first part is where (query, path, body, header); the rest names the field.
    location = [str(part) for part in problem.get("loc", ())]
    field = ".".join(location[1:]) or (location[0] if location else None)
    return {
        "code": "BAD_INPUT",
        "title": "Bad Request",
        "detail": problem.get("msg"),
        "field": field,
    }
