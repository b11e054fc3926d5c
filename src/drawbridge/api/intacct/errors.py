"""Sage Intacct's error envelope, for every failure of this face.

Intacct answers ``{"ia::result": {"ia::error": {code, message, errorId, additionalInfo:
{messageId, placeholders, propertySet}, supportId, details: [...]}}, "ia::meta": {totalCount: 1,
totalSuccess: 0, totalError: 1}}``; each entry of ``details`` names one bad field in ``target``.
Ledger errors map by kind: Invalid 400 (Intacct reports validation failures as Bad Request),
Unauthorized 401, Forbidden 403, NotFound 404, Conflict 409.
"""

from __future__ import annotations

import secrets
from collections.abc import Sequence
from typing import Any

from fastapi import FastAPI, Request
from fastapi.exceptions import RequestValidationError
from fastapi.responses import JSONResponse
from starlette.exceptions import HTTPException as StarletteHTTPException

from drawbridge.api.common import log_unexpected
from drawbridge.api.query import QueryError
from drawbridge.domain.errors import (
    Conflict,
    Forbidden,
    Invalid,
    LedgerError,
    NotFound,
    Unauthorized,
)

LEDGER_STATUS: tuple[tuple[type[LedgerError], int, str], ...] = (
    (Unauthorized, 401, "unauthorized"),
    (Forbidden, 403, "forbidden"),
    (NotFound, 404, "notFound"),
    (Conflict, 409, "conflict"),
    (Invalid, 400, "invalidRequest"),
)
HTTP_CODES = {
    400: "invalidRequest",
    401: "unauthorized",
    403: "forbidden",
    404: "notFound",
    405: "methodNotAllowed",
    409: "conflict",
    415: "unsupportedMediaType",
    422: "invalidRequest",
}


class BadRequest(Exception):
    """A request this face cannot read (a header or parameter it needs, a body it cannot parse)."""

    def __init__(self, message: str, target: str | None = None) -> None:
        super().__init__(message)
        self.message = message
        self.target = target


def error_response(
    status: int, code: str, message: str, *, field: str | None = None
) -> JSONResponse:
    """One error in Intacct's envelope."""
    return _envelope(status, code, message, [(field, message)] if field else [], code.upper())


def _envelope(
    status: int,
    code: str,
    message: str,
    details: Sequence[tuple[str | None, str]],
    error_id: str,
    operation: str | None = None,
) -> JSONResponse:
    placeholders = {"OPERATION": operation} if operation else {}
    if details and details[0][0]:
        placeholders["FIELD"] = details[0][0]
    error: dict[str, Any] = {
        "code": code,
        "message": message,
        "errorId": error_id,
        "additionalInfo": {
            "messageId": f"IA.{error_id}",
            "placeholders": placeholders,
            "propertySet": {},
        },
        "supportId": secrets.token_urlsafe(18),
    }
    if details:
        error["details"] = [
            {"code": code, "message": text, "errorId": error_id, "target": target}
            for target, text in details
        ]
    body = {
        "ia::result": {"ia::error": error},
        "ia::meta": {"totalCount": 1, "totalSuccess": 0, "totalError": 1},
    }
    headers = {"WWW-Authenticate": "Bearer"} if status == 401 else None
    return JSONResponse(body, status_code=status, headers=headers)


def ledger_error_response(error: LedgerError, operation: str | None = None) -> JSONResponse:
    status, code = 400, "invalidRequest"
    for kind, kind_status, kind_code in LEDGER_STATUS:
        if isinstance(error, kind):
            status, code = kind_status, kind_code
            break
    details = [(error.field, error.message)] if error.field else []
    return _envelope(status, code, error.message, details, error.code.upper(), operation)


def install_error_handlers(app: FastAPI) -> None:
    @app.exception_handler(LedgerError)
    async def ledger_error(request: Request, error: LedgerError) -> JSONResponse:
        return ledger_error_response(error, request.method)

    @app.exception_handler(QueryError)
    async def query_error(request: Request, error: QueryError) -> JSONResponse:
        return _envelope(
            400,
            "invalidRequest",
            error.message,
            [(error.target, error.message)],
            "INVALID_QUERY",
            request.method,
        )

    @app.exception_handler(BadRequest)
    async def bad_request(request: Request, error: BadRequest) -> JSONResponse:
        details = [(error.target, error.message)] if error.target else []
        return _envelope(
            400, "invalidRequest", error.message, details, "INVALID_REQUEST", request.method
        )

    @app.exception_handler(RequestValidationError)
    async def invalid_request(request: Request, error: RequestValidationError) -> JSONResponse:
        # One entry per field (a value that fits no member of a union fails once per member).
        details = list(dict.fromkeys(_validation_detail(problem) for problem in error.errors()))
        message = "; ".join(f"{target}: {text}" for target, text in details) or "invalid request"
        return _envelope(400, "invalidRequest", message, details, "INVALID_REQUEST", request.method)

    @app.exception_handler(StarletteHTTPException)
    async def http_error(request: Request, error: StarletteHTTPException) -> JSONResponse:
        code = HTTP_CODES.get(error.status_code, "error")
        response = _envelope(
            error.status_code, code, str(error.detail), [], code.upper(), request.method
        )
        if error.headers:
            response.headers.update(error.headers)
        return response

    @app.exception_handler(Exception)
    async def unexpected(request: Request, error: Exception) -> JSONResponse:
        log_unexpected(request, error)
        return _envelope(
            500, "internalError", "unexpected error", [], "INTERNAL_ERROR", request.method
        )


# Location parts that name a member of a union type, not a field.
_TYPE_TAGS = frozenset({"str", "int", "float", "bool", "dict", "list", "none"})


def _validation_detail(problem: Any) -> tuple[str | None, str]:
    """The field a validation problem is about, as a client writes it (``lines[0].price``).

    The location's first part is where (query, path, body, header); the rest names the field.
    """
    location = list(problem.get("loc", ()))
    target = ""
    for part in location[1:]:
        if isinstance(part, int):
            target += f"[{part}]"
        elif part in _TYPE_TAGS or "[" in str(part):
            break
        else:
            target += f".{part}" if target else str(part)
    if not target and location:
        target = str(location[0])
    return target or None, str(problem.get("msg"))
