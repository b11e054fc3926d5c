"""Procore's error envelopes.

v1 routes answer Procore's documented error object ``{"code", "message", "error", "reason",
"fields"}`` (``code`` the HTTP status) together with the ``errors`` member Procore's Rails
endpoints send: ``{"errors": "message"}``, or ``{"errors": {"field": ["message"]}}`` for 400, 409
and 422 about one field. v2 routes answer ``{"error": {"code", "message", "details":
[{"reason_code", "message", "source"}]}}``. Ledger errors map by kind (Invalid 422, NotFound 404,
Forbidden 403, Conflict 409, Unauthorized 401); malformed input is 400 naming the field; anything
unexpected is logged and answered 500 in the same shape.
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

STATUS: dict[type[LedgerError], int] = {
    Unauthorized: 401,
    Forbidden: 403,
    NotFound: 404,
    Conflict: 409,
    Invalid: 422,
}
V2_CODES = {
    400: "BAD_REQUEST",
    401: "UNAUTHORIZED",
    403: "FORBIDDEN",
    404: "NOT_FOUND",
    405: "METHOD_NOT_ALLOWED",
    409: "CONFLICT",
    413: "PAYLOAD_TOO_LARGE",
    422: "UNPROCESSABLE_ENTITY",
    500: "INTERNAL_SERVER_ERROR",
}


class BadRequest(Exception):
    """Malformed input the face itself detects (a query parameter, a form field): 400."""

    def __init__(self, field: str, message: str) -> None:
        super().__init__(f"{field}: {message}")
        self.field = field
        self.message = message


def field_path(location: tuple[int | str, ...]) -> str:
    """``("body", "requisition", "items", 0, "status")`` -> ``requisition.items[0].status``."""
    parts = [part for part in location if part not in ("body", "query", "path", "header")]
    text = ""
    for part in parts:
        if isinstance(part, int):
            text += f"[{part}]"
        else:
            text += f".{part}" if text else str(part)
    return text or "body"


def _is_v2(request: Request) -> bool:
    return "/v2.0/" in request.url.path


def error_response(
    status: int, code: str, message: str, *, field: str | None = None, v2: bool = False
) -> JSONResponse:
    """One error in the Procore envelope of the route's version. ``code`` is the machine-readable
    reason (``not_found``, ``locked``, ``bad_request``...)."""
    if v2:
        body: dict[str, Any] = {
            "error": {
                "code": V2_CODES.get(status, "ERROR"),
                "message": message,
                "details": [{"reason_code": code, "message": message, "source": field}],
            }
        }
    else:
        body = {
            "errors": {field: [message]} if field and status in (400, 409, 413, 422) else message,
            "code": status,
            "message": message,
            "error": message,
            "reason": code,
            "fields": field,
        }
    return JSONResponse(body, status_code=status)


def v2_error_response(
    status: int, code: str, message: str, *, field: str | None = None
) -> JSONResponse:
    """One error in the v2 envelope (for the request guard's refusals on /v2.0 routes)."""
    return error_response(status, code, message, field=field, v2=True)


def _respond(
    request: Request, status: int, code: str, message: str, field: str | None = None
) -> JSONResponse:
    return error_response(status, code, message, field=field, v2=_is_v2(request))


def install_error_handlers(app: FastAPI) -> None:
    @app.exception_handler(LedgerError)
    async def ledger_error(request: Request, error: LedgerError) -> JSONResponse:
        status = next((code for kind, code in STATUS.items() if isinstance(error, kind)), 400)
        return _respond(request, status, error.code, error.message, error.field)

    @app.exception_handler(BadRequest)
    async def bad_request(request: Request, error: BadRequest) -> JSONResponse:
        return _respond(request, 400, "bad_request", f"{error.field}: {error.message}", error.field)

    @app.exception_handler(RequestValidationError)
    async def invalid_request(request: Request, error: RequestValidationError) -> JSONResponse:
        first = error.errors()[0] if error.errors() else {"loc": (), "msg": "malformed request"}
        field = field_path(tuple(first.get("loc", ())))
        message = str(first.get("msg", "malformed request")).removeprefix("Value error, ")
        return _respond(request, 400, "bad_request", f"{field}: {message}", field)

    @app.exception_handler(StarletteHTTPException)
    async def http_error(request: Request, error: StarletteHTTPException) -> JSONResponse:
        code = V2_CODES.get(error.status_code, "error").lower()
        return _respond(request, error.status_code, code, str(error.detail))

    @app.exception_handler(Exception)
    async def unexpected(request: Request, error: Exception) -> JSONResponse:
        log_unexpected(request, error)
        return _respond(request, 500, "internal_server_error", "internal server error")
