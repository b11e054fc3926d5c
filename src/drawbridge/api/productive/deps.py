"""Who is calling: ``X-Auth-Token`` and ``X-Organization-Id`` on every call, and the media type
of request bodies.

A missing or unknown token is 401 "Unauthenticated"; an organization (company) the token's user
is not a member of is 403; a missing or malformed organization header is 400 naming it. A request
with a body must say ``Content-Type: application/vnd.api+json`` (415 otherwise).
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Annotated

from fastapi import Depends, Header, Request
from starlette.datastructures import Headers

from drawbridge.api.common import runtime_of
from drawbridge.api.guards import Authenticate
from drawbridge.api.productive.errors import MEDIA_TYPE, ProductiveError, error_object
from drawbridge.bootstrap import Runtime
from drawbridge.domain.errors import Unauthorized
from drawbridge.services import auth
from drawbridge.services.views import Actor

TOKEN_HEADER = "X-Auth-Token"
ORGANIZATION_HEADER = "X-Organization-Id"
MAX_ID = 2**63 - 1


@dataclass(frozen=True)
class ProductiveContext:
    """The runtime (one unit of work per service call) and the actor in the organization."""

    runtime: Runtime
    actor: Actor
    request: Request

    @property
    def organization_id(self) -> int:
        return self.actor.company_id


def caller_token(headers: Headers) -> str | None:
    return (headers.get(TOKEN_HEADER) or "").strip() or None


def token_authentication(runtime: Runtime) -> Authenticate:
    """The request guard's check, from the headers alone: the ``X-Auth-Token`` must be known."""

    def authenticate(headers: Headers) -> None:
        token = caller_token(headers)
        if not token:
            raise Unauthorized("You are not authenticated")
        auth.authenticate(runtime.uow(read_only=True), token)

    return authenticate


def productive_context(
    request: Request,
    x_auth_token: Annotated[
        str | None, Header(alias=TOKEN_HEADER, description="Your API token.")
    ] = None,
    x_organization_id: Annotated[
        str | None,
        Header(alias=ORGANIZATION_HEADER, description="The organization (company) id."),
    ] = None,
) -> ProductiveContext:
    runtime = runtime_of(request)
    if not x_auth_token or not x_auth_token.strip():
        raise Unauthorized("You are not authenticated")
    principal = auth.authenticate(runtime.uow(read_only=True), x_auth_token.strip())
    text = (x_organization_id or "").strip()
    if not (text.isascii() and text.isdigit() and len(text) <= 19) or not 1 <= int(text) <= MAX_ID:
        detail = (
            "header is required"
            if x_organization_id is None
            else "must be an organization id (a positive integer)"
        )
        raise ProductiveError(
            400,
            [error_object(400, f"{ORGANIZATION_HEADER}: {detail}", parameter=ORGANIZATION_HEADER)],
        )
    return ProductiveContext(
        runtime=runtime, actor=auth.act_in(principal, int(text)), request=request
    )


def require_json_api(request: Request) -> None:
    """A body must be sent as ``application/vnd.api+json`` (with no media type parameters other
    than a charset)."""
    media_type, _, parameters = request.headers.get("content-type", "").partition(";")
    extra = [part for part in parameters.split(";") if part.strip()]
    plain = all(part.strip().lower().startswith("charset=") for part in extra)
    if media_type.strip().lower() != MEDIA_TYPE or not plain:
        raise ProductiveError(
            415,
            [error_object(415, f"Unsupported content type: send Content-Type: {MEDIA_TYPE}")],
        )


Context = Annotated[ProductiveContext, Depends(productive_context)]
JsonApiBody = Depends(require_json_api)
