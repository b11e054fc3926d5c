"""Who is calling: ``Authorization: Bearer <token>`` and ``Procore-Company-Id`` on every call.

A missing or unknown token is 401; a company the user is not a member of is 403; a missing or
malformed company header is 400 naming it.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Annotated

from fastapi import Depends, Header, Request

from drawbridge.api.common import bearer_principal, runtime_of
from drawbridge.api.procore.errors import BadRequest
from drawbridge.api.procore.schemas import MAX_ID
from drawbridge.bootstrap import Runtime
from drawbridge.services import auth
from drawbridge.services.views import Actor, Principal

COMPANY_HEADER = "Procore-Company-Id"


@dataclass(frozen=True)
class ProcoreContext:
    """The runtime (one unit of work per service call) and the actor in the named company."""

    runtime: Runtime
    actor: Actor
    request: Request

    def file_url(self, attachment_id: int) -> str:
        return str(self.request.url_for("download_prostore_file", file_id=attachment_id))


def procore_context(
    request: Request,
    procore_company_id: Annotated[
        str | None,
        Header(
            alias=COMPANY_HEADER,
            description="Unique company identifier associated with the Procore User Account.",
        ),
    ] = None,
) -> ProcoreContext:
    runtime = runtime_of(request)
    principal = bearer_principal(request, runtime)
    if procore_company_id is None:
        raise BadRequest(COMPANY_HEADER, "header is required")
    text = procore_company_id.strip()
    if not (text.isascii() and text.isdigit() and len(text) <= 19) or not 1 <= int(text) <= MAX_ID:
        raise BadRequest(COMPANY_HEADER, "must be a company id (a positive integer)")
    return ProcoreContext(runtime=runtime, actor=auth.act_in(principal, int(text)), request=request)


Context = Annotated[ProcoreContext, Depends(procore_context)]


@dataclass(frozen=True)
class ProcoreCaller:
    """A token's user before any company is chosen (``/me``, ``/companies``)."""

    runtime: Runtime
    principal: Principal

    def act_in(self, company_id: int) -> Actor:
        return auth.act_in(self.principal, company_id)


def procore_caller(request: Request) -> ProcoreCaller:
    runtime = runtime_of(request)
    principal = bearer_principal(request, runtime)
    return ProcoreCaller(runtime=runtime, principal=principal)


Caller = Annotated[ProcoreCaller, Depends(procore_caller)]
