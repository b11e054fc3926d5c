"""Procore face: requisitions (subcontractor invoices), contract payments and uploads.

Mounted at ``/rest``; routes carry Procore's versioned paths (``/v1.0``, ``/v1.1``, ``/v2.0``), so
a Procore client changes only its base URL.
"""

from __future__ import annotations

from fastapi import FastAPI

from drawbridge.api.common import BEARER_SCHEME, bearer_authentication, make_face
from drawbridge.api.procore import contract_payments, discovery, requisitions, uploads
from drawbridge.api.procore.deps import COMPANY_HEADER
from drawbridge.api.procore.errors import (
    error_response,
    install_error_handlers,
    v2_error_response,
)
from drawbridge.bootstrap import Runtime


def create_procore_app(runtime: Runtime) -> FastAPI:
    app = make_face(
        runtime,
        title="drawbridge: Procore API",
        description=(
            "Procore's requisitions (subcontractor invoices), contract payments, and the "
            "companies, projects, commitments, line items and change order packages a client "
            "discovers them by, on the drawbridge ledger. Every call needs Authorization: "
            "Bearer <token>; all but /me, /companies and /projects also Procore-Company-Id."
        ),
        security_schemes={
            **BEARER_SCHEME,
            "procoreCompanyId": {
                "type": "apiKey",
                "in": "header",
                "name": COMPANY_HEADER,
                "description": "The company the call acts in (the demo's is 1).",
            },
        },
        error_response=error_response,
        error_responses_under={"/v2.0": v2_error_response},
        authenticate=bearer_authentication(runtime),
    )
    install_error_handlers(app)
    app.include_router(discovery.router)
    app.include_router(requisitions.router)
    app.include_router(contract_payments.router)
    app.include_router(uploads.router)
    return app
