"""Who is calling: ``Authorization: Bearer <token>`` (an API token or an OAuth access token),
whose user's company is the one acted in; ``X-IA-API-Param-Entity`` may name one of the company's
entities (locations), and is otherwise the top level.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Annotated

from fastapi import Depends, Header, Request

from drawbridge.api.common import bearer_principal, runtime_of
from drawbridge.api.intacct.errors import BadRequest
from drawbridge.bootstrap import Runtime
from drawbridge.services import auth, directory
from drawbridge.services.views import Actor

ENTITY_HEADER = "X-IA-API-Param-Entity"


@dataclass(frozen=True)
class IntacctCaller:
    runtime: Runtime  # each service call takes a fresh unit of work from it
    actor: Actor
    entity: str | None


def intacct_caller(
    request: Request,
    entity: Annotated[
        str | None,
        Header(
            alias=ENTITY_HEADER,
            description="The entity (location id) to act in; the top level when absent.",
            max_length=64,
            pattern=r"^[ -~]*$",  # ASCII, as an HTTP header carries it
        ),
    ] = None,
) -> IntacctCaller:
    runtime = runtime_of(request)
    principal = bearer_principal(request, runtime)
    actor = auth.only_company(principal)
    chosen = entity.strip() if entity else None
    if chosen and chosen not in directory.entities(runtime.uow(read_only=True), actor):
        raise BadRequest(f"{ENTITY_HEADER}: no entity {chosen!r} in this company", ENTITY_HEADER)
    return IntacctCaller(runtime=runtime, actor=actor, entity=chosen or None)


Caller = Annotated[IntacctCaller, Depends(intacct_caller)]
