"""What every face shares: the runtime, the caller's credentials read from the request, and how a
face is made and registered with the request guard (its error envelope and its authentication).

Faces build their own auth dependencies from these, and their own error envelopes.
"""

from __future__ import annotations

import logging
from collections.abc import Mapping
from typing import cast

from fastapi import FastAPI, Request
from fastapi.responses import JSONResponse
from starlette.datastructures import Headers

from drawbridge.api.guards import Authenticate, ErrorResponse, FaceGuard
from drawbridge.bootstrap import Runtime
from drawbridge.domain.errors import Unauthorized
from drawbridge.services import auth

log = logging.getLogger("drawbridge.api")


def runtime_of(request: Request) -> Runtime:
    return cast(Runtime, request.app.state.runtime)


def bearer_token(request: Request | Headers) -> str | None:
    headers = request.headers if isinstance(request, Request) else request
    header = headers.get("authorization", "")
    scheme, _, token = header.partition(" ")
    if scheme.lower() != "bearer" or not token.strip():
        return None
    return token.strip()


def require_bearer(request: Request) -> str:
    token = bearer_token(request)
    if token is None:
        raise Unauthorized("missing or malformed Authorization: Bearer header")
    return token


def default_error_response(
    status: int, code: str, message: str, *, field: str | None = None
) -> JSONResponse:
    """drawbridge's own envelope, for a face that registers none (and the operator face)."""
    return JSONResponse(
        {"error": {"code": code, "message": message, "field": field}}, status_code=status
    )


def bearer_authentication(runtime: Runtime) -> Authenticate:
    """A face whose callers send ``Authorization: Bearer <API token>``: the token must be known."""

    def authenticate(headers: Headers) -> None:
        token = bearer_token(headers)
        if token is None:
            raise Unauthorized("missing or malformed Authorization: Bearer header")
        auth.authenticate(runtime.uow(read_only=True), token)

    return authenticate


def make_face(
    runtime: Runtime,
    *,
    title: str,
    description: str,
    version: str = "1.0",
    error_response: ErrorResponse = default_error_response,
    authenticate: Authenticate | None = None,
    error_responses_under: Mapping[str, ErrorResponse] | None = None,
) -> FastAPI:
    """A sub-application for one face, with its own OpenAPI document at ``openapi.json``.

    ``error_response`` renders the request guard's refusals (oversized or malformed bodies,
    hostile text) in the face's envelope, and ``error_responses_under`` for paths under a
    sub-prefix with another envelope (``{"/v2.0": ...}``); ``authenticate`` checks a caller's
    credentials from the headers alone, so a request that carries a body is refused before
    its body is read.
    """
    face = FastAPI(title=title, description=description, version=version)
    face.state.runtime = runtime
    face.state.guard = FaceGuard(
        error_response=error_response,
        authenticate=authenticate,
        error_responses_under=dict(error_responses_under or {}),
    )
    return face


def log_unexpected(request: Request, error: Exception) -> None:
    log.error("unexpected error on %s %s", request.method, request.url.path, exc_info=error)
