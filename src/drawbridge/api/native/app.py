"""drawbridge's own API, mounted at ``/v1``: the whole ledger (parties, projects, billing
periods, contracts, schedules of values, change orders, pay applications, payments, attachments,
history, and the company's members and tokens) in drawbridge's own terms, with its own OpenAPI
document at ``/v1/openapi.json`` and docs at ``/v1/docs``.

Every record is the one the Procore, ACC, Intacct and Productive faces show: one ledger.
"""

from __future__ import annotations

from typing import Any

from fastapi import FastAPI

from drawbridge.api.common import BEARER_SCHEME, bearer_authentication, make_face
from drawbridge.api.native.errors import Problem, error_response, install_error_handlers
from drawbridge.api.native.routes import (
    billing,
    contracts,
    directory,
    documents,
    members,
    records,
)
from drawbridge.bootstrap import Runtime

DESCRIPTION = """\
The contractor's ledger: create projects and contracts, keep the schedule of values, record
change orders, bill each month's work with pay applications (G702/G703), and record payments.

- Authentication: `Authorization: Bearer <token>` (an API token or an OAuth access token).
- Company: `Drawbridge-Company-Id: <id>`, required when the token's user belongs to several
  companies.
- Money: decimal strings with two places (`"1250.00"`); numbers or numeric strings on input.
- Lists: `filter[name]=value` (operators `filter[name][gt]=...`), `sort=-name`, `limit` and the
  `next` link's `cursor`.
- `Idempotency-Key` on any POST; `ETag` on every read and `If-Match` on PATCH and DELETE.
- Errors: `application/problem+json` (RFC 9457), each bad field named in `errors`.
"""


def create_native_app(runtime: Runtime) -> FastAPI:
    app = make_face(
        runtime,
        title="drawbridge API",
        description=DESCRIPTION,
        version="1.0",
        security_schemes=BEARER_SCHEME,
        error_response=error_response,
        authenticate=bearer_authentication(runtime),
    )
    install_error_handlers(app)
    # Documents first: /pay-applications/7.pdf is a document, not pay application "7.pdf".
    for module in (documents, directory, contracts, billing, records, members):
        app.include_router(module.router)
    _declare_problem(app)
    return app


def _declare_problem(app: FastAPI) -> None:
    """Add the problem document's schema, which every route's error responses refer to."""
    build = app.openapi

    def openapi() -> dict[str, Any]:
        schema = build()
        schemas = schema.setdefault("components", {}).setdefault("schemas", {})
        if "Problem" not in schemas:
            problem = Problem.model_json_schema(ref_template="#/components/schemas/{model}")
            schemas.update(problem.pop("$defs", {}))
            schemas["Problem"] = problem
        return schema

    app.openapi = openapi  # type: ignore[method-assign]
