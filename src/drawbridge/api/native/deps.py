"""Who is calling and in which company, and the request headers every route of ``/v1`` reads.

- ``Authorization: Bearer <token>``: an API token or an OAuth access token, the same ones every
  face takes.
- ``Drawbridge-Company-Id``: the company the call acts in. Optional for a user who belongs to one
  company; required (400 naming the header) for a user of several, so a call never lands in a
  company the caller did not mean. A company the user is not a member of is 403.
- ``Idempotency-Key`` (POST): the same key with the same body answers the first answer again and
  creates nothing; with another body it is 422.
- ``If-Match`` (PATCH, DELETE): optional; when sent it must match the record's current ``ETag``
  (412 otherwise), so a client that read a record changes only what it read.
"""

from __future__ import annotations

import hashlib
import json
from collections.abc import Callable
from dataclasses import dataclass
from typing import Annotated, Any

from fastapi import Depends, Header, Request
from fastapi.responses import JSONResponse, Response

from drawbridge.api.common import bearer_principal, runtime_of
from drawbridge.api.native.errors import NativeProblem
from drawbridge.bootstrap import Runtime
from drawbridge.domain.errors import Forbidden
from drawbridge.services import auth, idempotency
from drawbridge.services.idempotency import UnitOfWork
from drawbridge.services.views import Actor, Principal

COMPANY_HEADER = "Drawbridge-Company-Id"
MAX_ID = 2**63 - 1


@dataclass(frozen=True)
class Caller:
    """The runtime (one unit of work per service call) and the actor in its company."""

    runtime: Runtime
    principal: Principal
    actor: Actor
    request: Request

    def uow(self) -> UnitOfWork:
        return self.runtime.uow()

    def reader(self) -> UnitOfWork:
        return self.runtime.uow(read_only=True)


def caller(
    request: Request,
    company: Annotated[
        str | None,
        Header(
            alias=COMPANY_HEADER,
            description="The company the call acts in; required when the user belongs to more "
            "than one.",
        ),
    ] = None,
) -> Caller:
    runtime = runtime_of(request)
    principal = bearer_principal(request, runtime)
    if company is None:
        if len(principal.memberships) > 1:
            raise NativeProblem(
                400,
                "company_required",
                f"{COMPANY_HEADER}: required, this user belongs to several companies "
                f"({', '.join(str(c) for c in sorted(principal.memberships))})",
                [{"header": COMPANY_HEADER, "detail": "required for a user of several companies"}],
            )
        if not principal.memberships:
            raise Forbidden("this user belongs to no company")
        actor = auth.only_company(principal)
    else:
        text = company.strip()
        if not (text.isascii() and text.isdigit() and 1 <= len(text) <= 19) or not (
            1 <= int(text) <= MAX_ID
        ):
            raise NativeProblem(
                400,
                "invalid_header",
                f"{COMPANY_HEADER}: a company id (a positive integer)",
                [{"header": COMPANY_HEADER, "detail": "a company id (a positive integer)"}],
            )
        actor = auth.act_in(principal, int(text))
    return Caller(runtime=runtime, principal=principal, actor=actor, request=request)


Context = Annotated[Caller, Depends(caller)]
IdempotencyKey = Annotated[
    str | None,
    Header(
        alias="Idempotency-Key",
        description="Send the same key again with the same body to get the first answer again, "
        "with nothing created twice.",
    ),
]
IfMatch = Annotated[
    str | None,
    Header(
        alias="If-Match",
        description="The ETag of the record as last read; the change is refused (412) when the "
        "record has changed since.",
    ),
]


def etag_of(body: Any) -> str:
    """A strong validator: a hash of the representation (key order does not matter)."""
    text = json.dumps(body, sort_keys=True, separators=(",", ":"), default=str)
    return '"' + hashlib.sha256(text.encode()).hexdigest()[:32] + '"'


def etag_bytes(data: bytes) -> str:
    """The validator of a document's bytes."""
    return '"' + hashlib.sha256(data).hexdigest()[:32] + '"'


def read(body: Any, request: Request) -> Response:
    """A representation with its ETag; ``If-None-Match`` naming it answers 304, without a body."""
    tag = etag_of(body)
    wanted = request.headers.get("if-none-match")
    if wanted is not None and tag in [part.strip() for part in wanted.split(",")]:
        return Response(status_code=304, headers={"ETag": tag})
    return JSONResponse(body, headers={"ETag": tag})


def check_if_match(if_match: str | None, current: Any) -> None:
    """Refuse a change to a record that changed since the caller read it."""
    if if_match is None:
        return
    tags = [part.strip() for part in if_match.split(",")]
    if "*" in tags or etag_of(current) in tags:
        return
    raise NativeProblem(
        412,
        "stale",
        "If-Match: the record has changed since it was read; read it again (its ETag is new) "
        "and retry",
        [{"header": "If-Match", "detail": "does not match the current ETag"}],
    )


def created(
    ctx: Caller,
    key: str | None,
    scope: str,
    body: Any,
    create: Callable[[UnitOfWork], Any],
    respond: Callable[[Any], Any],
    status: int = 201,
) -> JSONResponse:
    """Run a create once per ``Idempotency-Key`` (same key, same body: the same answer)."""

    def answer(result: Any) -> tuple[int, Any]:
        return status, respond(result)

    if key is None:
        code, payload = answer(create(ctx.uow()))
        return JSONResponse(payload, status_code=code, headers={"ETag": etag_of(payload)})
    stored = idempotency.run_once(
        ctx.uow(),
        company_id=ctx.actor.company_id,
        scope=f"v1:{scope}",
        key=key,
        request=idempotency.request_hash(body),
        create=create,
        respond=answer,
    )
    headers = {"ETag": etag_of(stored.body)}
    if stored.replayed:
        headers["Idempotent-Replayed"] = "true"
    return JSONResponse(stored.body, status_code=stored.status, headers=headers)
