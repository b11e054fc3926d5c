"""Productive face: payments and invoices in JSON:API, mounted at ``/api/v2``, so a Productive
client changes only its base URL (``https://api.productive.io/api/v2`` becomes this server's)."""

from __future__ import annotations

from fastapi import FastAPI

from drawbridge.api.common import make_face
from drawbridge.api.productive import invoices, payments
from drawbridge.api.productive.deps import caller_token, token_authentication
from drawbridge.api.productive.errors import error_response, install_error_handlers
from drawbridge.bootstrap import Runtime


def create_productive_app(runtime: Runtime) -> FastAPI:
    app = make_face(
        runtime,
        title="drawbridge: Productive API",
        description=(
            "Productive's payments and invoices (JSON:API) on the drawbridge ledger: an invoice "
            "is a pay application, a payment a payment against it. Every call needs "
            "X-Auth-Token and X-Organization-Id; bodies are application/vnd.api+json."
        ),
        security_schemes={
            "authToken": {
                "type": "apiKey",
                "in": "header",
                "name": "X-Auth-Token",
                "description": "An API token: from a fixture's `tokens:` or `drawbridge token "
                "create`.",
            },
            "organizationId": {
                "type": "apiKey",
                "in": "header",
                "name": "X-Organization-Id",
                "description": "The company the call acts in (the demo's is 1).",
            },
        },
        error_response=error_response,
        authenticate=token_authentication(runtime),
        token_of=caller_token,
    )
    install_error_handlers(app)
    app.include_router(payments.router)
    app.include_router(invoices.router)
    return app
