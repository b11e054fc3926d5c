"""The app factory: one sub-application per face, each with its own routes, OpenAPI document and
error envelope, plus ``/healthz`` and a catch-all that turns anything unexpected into a logged,
well-formed 500.
"""

from __future__ import annotations

from fastapi import FastAPI, Request
from fastapi.responses import JSONResponse, RedirectResponse

from drawbridge.api.acc.app import create_acc_app
from drawbridge.api.admin.routes import create_admin_app
from drawbridge.api.common import log_unexpected
from drawbridge.api.procore.app import create_procore_app
from drawbridge.bootstrap import Runtime
from drawbridge.services import admin



def create_app(runtime: Runtime) -> FastAPI:
    app = FastAPI(
        title="drawbridge",
        description=(
            "Construction progress-billing and payments server. Each face has its own OpenAPI "
            "document: /rest/docs (Procore), /cost/docs (ACC Cost), /_admin/docs (operator)."
        ),
        version="0.1.0",
    )
    app.state.runtime = runtime

    @app.exception_handler(Exception)
    async def unexpected(request: Request, error: Exception) -> JSONResponse:
        log_unexpected(request, error)
        return JSONResponse(
            {"error": {"code": "internal_error", "message": "unexpected error"}}, status_code=500
        )

    @app.get("/healthz")
    def healthz() -> dict[str, str]:
        """Liveness and database reachability."""
        admin.check_database(runtime.engine)
        return {"status": "ok"}

    @app.get("/", include_in_schema=False)
    def home() -> RedirectResponse:
        return RedirectResponse("/docs")

    # Each face is a sub-application with its own OpenAPI at <prefix>/openapi.json.
    app.mount("/_admin", create_admin_app(runtime))
    app.mount("/rest", create_procore_app(runtime))
    app.mount("/cost", create_acc_app(runtime))
    return app
