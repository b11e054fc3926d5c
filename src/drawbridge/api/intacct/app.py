"""Sage Intacct face: construction project contracts, their lines, change orders and contract
types, the query and model services, and the OAuth token endpoint, mounted at ``/ia/api/v1``.

A client of Intacct's REST API changes only its base URL.
"""

from __future__ import annotations

from fastapi import FastAPI

from drawbridge.api.common import bearer_authentication, make_face
from drawbridge.api.intacct import core, oauth, routes
from drawbridge.api.intacct.errors import error_response, install_error_handlers
from drawbridge.bootstrap import Runtime


def create_intacct_app(runtime: Runtime) -> FastAPI:
    app = make_face(
        runtime,
        title="drawbridge: Sage Intacct API",
        description=(
            "Sage Intacct construction project contracts over the drawbridge ledger: every "
            "summary and billing figure is rolled up from the same schedule of values, change "
            "orders, pay applications and payments the other faces show. Authorization: Bearer "
            "<token> (an API token or one from /oauth2/token); reads need data:read, writes "
            "data:write."
        ),
        error_response=error_response,
        authenticate=bearer_authentication(runtime),
        open_paths=frozenset({"/oauth2/token"}),
    )
    install_error_handlers(app)
    app.include_router(routes.router)
    app.include_router(core.router)
    app.include_router(oauth.router)
    return app
