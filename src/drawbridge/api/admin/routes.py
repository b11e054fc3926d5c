"""Operator endpoints: load a fixture, reset the database, health.

Authenticated by the operator token (``DRAWBRIDGE_OPERATOR_TOKEN``, or the one ``serve --demo``
prints), sent as ``Authorization: Bearer <token>``.
"""

from __future__ import annotations

from typing import Annotated, Any

from fastapi import Depends, FastAPI, Query, Request
from fastapi.responses import JSONResponse
from starlette.datastructures import Headers
from starlette.exceptions import HTTPException as StarletteHTTPException

from drawbridge.api.common import bearer_token, log_unexpected, make_face, runtime_of
from drawbridge.api.validation import TextBoolean
from drawbridge.bootstrap import Runtime
from drawbridge.domain.errors import (
    Conflict,
    Forbidden,
    Invalid,
    LedgerError,
    NotFound,
    Unauthorized,
)
from drawbridge.services import admin, auth, fixtures

STATUS = {Unauthorized: 401, Forbidden: 403, NotFound: 404, Conflict: 409, Invalid: 422}


def _check_operator(runtime: Runtime, headers: Request | Headers) -> None:
    if not auth.operator_token_matches(bearer_token(headers), runtime.settings.operator_token):
        raise Unauthorized("operator token required (Authorization: Bearer <operator token>)")


def operator(request: Request) -> Runtime:
    runtime = runtime_of(request)
    _check_operator(runtime, request)
    return runtime


Operator = Annotated[Runtime, Depends(operator)]

_EXAMPLE_FIXTURE = """\
companies:
  - id: 8001
    name: Acme Builders
    users:
      - {email: pm@acme.test, role: admin, tokens: [acme-admin-token-0001]}
"""
# The body is read as text (YAML, of which JSON is a subset), so it is described here.
FIXTURE_BODY = {
    "required": True,
    "description": "A fixture document (docs/fixtures.md), as YAML or JSON text.",
    "content": {
        "application/yaml": {"schema": {"type": "string"}, "example": _EXAMPLE_FIXTURE},
        "application/json": {
            "schema": {"type": "object", "required": ["companies"]},
            "example": {"companies": [{"id": 8001, "name": "Acme Builders"}]},
        },
    },
}


def create_admin_app(runtime: Runtime) -> FastAPI:
    app = make_face(
        runtime,
        title="drawbridge operator API",
        description="Load fixtures and reset the ledger. Operator token required.",
        security_schemes={
            "operatorToken": {
                "type": "http",
                "scheme": "bearer",
                "description": "The operator token: DRAWBRIDGE_OPERATOR_TOKEN, or the one "
                "`drawbridge serve --demo` prints.",
            }
        },
        authenticate=lambda headers: _check_operator(runtime, headers),
    )

    @app.exception_handler(LedgerError)
    async def ledger_error(request: Request, error: LedgerError) -> JSONResponse:
        status = next((code for kind, code in STATUS.items() if isinstance(error, kind)), 400)
        return JSONResponse(
            {"error": {"code": error.code, "message": error.message, "field": error.field}},
            status_code=status,
        )

    @app.exception_handler(StarletteHTTPException)
    async def http_error(request: Request, error: StarletteHTTPException) -> JSONResponse:
        code = "not_found" if error.status_code == 404 else "http_error"
        return JSONResponse(
            {"error": {"code": code, "message": error.detail, "field": None}},
            status_code=error.status_code,
        )

    @app.exception_handler(Exception)
    async def unexpected(request: Request, error: Exception) -> JSONResponse:
        log_unexpected(request, error)
        return JSONResponse(
            {"error": {"code": "internal_error", "message": "unexpected error"}}, status_code=500
        )

    @app.post("/fixtures", status_code=201, openapi_extra={"requestBody": FIXTURE_BODY})
    async def load_fixture(
        request: Request,
        runtime: Operator,
        reset: Annotated[TextBoolean, Query(description="empty the database first")] = False,
    ) -> dict[str, Any]:
        """Load a fixture (JSON or YAML body) in one transaction; nothing is loaded on error."""
        text = (await request.body()).decode("utf-8", errors="replace")
        summary = fixtures.load_fixture_text(runtime.uow(), text, reset=reset)
        return {"loaded": summary}

    @app.post("/reset")
    def reset(runtime: Operator) -> dict[str, str]:
        """Empty every table of the ledger (the schema stays)."""
        admin.reset(runtime.engine)
        return {"status": "reset"}

    return app
