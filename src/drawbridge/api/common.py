"""What every face shares: the runtime and the caller's credentials, read from the request.

Faces build their own auth dependencies from these, and their own error envelopes.
"""

from __future__ import annotations

import logging
from typing import cast

from fastapi import FastAPI, Request

from drawbridge.bootstrap import Runtime
from drawbridge.domain.errors import Unauthorized

log = logging.getLogger("drawbridge.api")


def runtime_of(request: Request) -> Runtime:
    return cast(Runtime, request.app.state.runtime)


def bearer_token(request: Request) -> str | None:
    header = request.headers.get("authorization", "")
    scheme, _, token = header.partition(" ")
    if scheme.lower() != "bearer" or not token.strip():
        return None
    return token.strip()


def require_bearer(request: Request) -> str:
    token = bearer_token(request)
    if token is None:
        raise Unauthorized("missing or malformed Authorization: Bearer header")
    return token


def make_face(runtime: Runtime, *, title: str, description: str, version: str = "1.0") -> FastAPI:
    """A sub-application for one face, with its own OpenAPI document at ``openapi.json``."""
    face = FastAPI(title=title, description=description, version=version)
    face.state.runtime = runtime
    return face


def log_unexpected(request: Request, error: Exception) -> None:
    log.error("unexpected error on %s %s", request.method, request.url.path, exc_info=error)
