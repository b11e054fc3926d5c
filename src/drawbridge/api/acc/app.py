"""Autodesk Construction Cloud Cost face: payments (pay applications), mounted at /cost."""

from __future__ import annotations

from fastapi import FastAPI

from drawbridge.api.acc import payments
from drawbridge.api.acc.errors import error_response, install_error_handlers
from drawbridge.api.common import bearer_authentication, make_face
from drawbridge.bootstrap import Runtime


def create_acc_app(runtime: Runtime) -> FastAPI:
    app = make_face(
        runtime,
        title="drawbridge: ACC Cost API",
        description=(
            "Autodesk Construction Cloud Cost payments over the drawbridge ledger. "
            "Authorization: Bearer <token>; reads need data:read, writes data:write."
        ),
        error_response=error_response,
        authenticate=bearer_authentication(runtime),
    )
    install_error_handlers(app)
    app.include_router(payments.router)
    return app
