"""What every face shares: the runtime, the caller's credentials read from the request, how a
face is made and registered with the request guard (its error envelope and its authentication),
and the browsable API docs.

Faces build their own auth dependencies from these, and their own error envelopes. Every face's
``/docs`` page loads Swagger UI from the installed ``swagger-ui-bundle`` package, never from a CDN,
so the docs work offline.
"""

from __future__ import annotations

import logging
from collections.abc import Callable, Mapping
from functools import cache
from importlib import resources
from importlib.resources.abc import Traversable
from typing import Any, cast

from fastapi import FastAPI, HTTPException, Request
from fastapi.openapi.docs import get_swagger_ui_html
from fastapi.openapi.utils import get_openapi
from fastapi.responses import HTMLResponse, JSONResponse, Response
from starlette.datastructures import Headers
from starlette.routing import BaseRoute
from starlette.types import ASGIApp

from drawbridge.api.guards import ADMITTED_CALLER, Authenticate, ErrorResponse, FaceGuard
from drawbridge.bootstrap import Runtime
from drawbridge.domain.errors import Unauthorized
from drawbridge.services import auth
from drawbridge.services.views import Principal

log = logging.getLogger("drawbridge.api")


def runtime_of(request: Request) -> Runtime:
    return cast(Runtime, request.app.state.runtime)


class FaceWrapper:
    """ASGI middleware in front of one mounted face. It shows the face's routes, so that the
    mount still finds them by name (``request.url_for``)."""

    def __init__(self, face: ASGIApp) -> None:
        self.face = face

    @property
    def routes(self) -> list[BaseRoute]:
        return list(getattr(self.face, "routes", []))


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


BEARER_SCHEME: Mapping[str, dict[str, Any]] = {
    "bearer": {
        "type": "http",
        "scheme": "bearer",
        "description": "An API token: from a fixture's `tokens:` or `drawbridge token create`.",
    }
}

# The Swagger UI files a docs page needs, served from the installed package at <face>/docs/<name>.
SWAGGER_ASSETS = {
    "swagger-ui-bundle.js": "text/javascript",
    "swagger-ui.css": "text/css",
    "favicon-32x32.png": "image/png",
}


def default_error_response(
    status: int, code: str, message: str, *, field: str | None = None
) -> JSONResponse:
    """drawbridge's own envelope, for a face that registers none (and the operator face)."""
    return JSONResponse(
        {"error": {"code": code, "message": message, "field": field}}, status_code=status
    )


def bearer_authentication(runtime: Runtime) -> Authenticate:
    """A face whose callers send ``Authorization: Bearer <API token>``: the token must be known."""

    def authenticate(headers: Headers) -> Principal:
        token = bearer_token(headers)
        if token is None:
            raise Unauthorized("missing or malformed Authorization: Bearer header")
        return auth.authenticate(runtime.uow(read_only=True), token)

    return authenticate


def bearer_principal(request: Request, runtime: Runtime) -> Principal:
    """Who a request's bearer token speaks for: as the guard found before reading the body of
    this very request (a write), else read now."""
    admitted = request.scope.get("state", {}).get(ADMITTED_CALLER)
    if isinstance(admitted, Principal):
        return admitted
    return auth.authenticate(runtime.uow(read_only=True), require_bearer(request))


def make_face(
    runtime: Runtime,
    *,
    title: str,
    description: str,
    version: str = "1.0",
    security_schemes: Mapping[str, dict[str, Any]] = BEARER_SCHEME,
    error_response: ErrorResponse = default_error_response,
    authenticate: Authenticate | None = None,
    error_responses_under: Mapping[str, ErrorResponse] | None = None,
    open_paths: frozenset[str] = frozenset(),
    token_of: Callable[[Headers], str | None] | None = None,
) -> FastAPI:
    """A sub-application for one face, with its own OpenAPI document at ``openapi.json`` declaring
    how callers authenticate (every scheme required on every route), and Swagger UI at ``docs``.

    ``error_response`` renders the request guard's refusals (oversized or malformed bodies,
    hostile text) in the face's envelope, and ``error_responses_under`` for paths under a
    sub-prefix with another envelope (``{"/v2.0": ...}``); ``authenticate`` checks a caller's
    credentials from the headers alone, so a request that carries a body is refused before
    its body is read (except on ``open_paths``, such as a token endpoint). ``token_of`` reads
    the caller's token from the headers, for a face whose callers do not send it as
    ``Authorization: Bearer``.
    """
    face = FastAPI(
        title=title, description=description, version=version, docs_url=None, redoc_url=None
    )
    face.state.runtime = runtime
    face.state.guard = FaceGuard(
        error_response=error_response,
        authenticate=authenticate,
        error_responses_under=dict(error_responses_under or {}),
        open_paths=open_paths,
        token_of=token_of,
    )
    install_docs(face, security_schemes)
    return face


def install_docs(app: FastAPI, security_schemes: Mapping[str, dict[str, Any]]) -> None:
    """Serve ``/docs`` (Swagger UI from local assets) and an OpenAPI document that declares the
    security schemes, so "Try it out" sends the caller's credentials."""

    def openapi() -> dict[str, Any]:
        if app.openapi_schema is None:
            schema = get_openapi(
                title=app.title,
                version=app.version,
                description=app.description,
                routes=app.routes,
            )
            if security_schemes:
                components = schema.setdefault("components", {})
                components["securitySchemes"] = dict(security_schemes)
                schema["security"] = [{name: [] for name in security_schemes}]
            app.openapi_schema = schema
        return app.openapi_schema

    app.openapi = openapi  # type: ignore[method-assign]

    @app.get("/docs", include_in_schema=False)
    def docs(request: Request) -> HTMLResponse:
        root = request.scope.get("root_path", "").rstrip("/")
        return get_swagger_ui_html(
            openapi_url=f"{root}{app.openapi_url}",
            title=f"{app.title}: docs",
            swagger_js_url=f"{root}/docs/swagger-ui-bundle.js",
            swagger_css_url=f"{root}/docs/swagger-ui.css",
            swagger_favicon_url=f"{root}/docs/favicon-32x32.png",
            swagger_ui_parameters={"persistAuthorization": True},
        )

    @app.get("/docs/{name}", include_in_schema=False)
    def docs_asset(name: str) -> Response:
        media_type = SWAGGER_ASSETS.get(name)
        if media_type is None:
            raise HTTPException(status_code=404, detail=f"no docs asset {name!r}")
        return Response(
            _swagger_dist().joinpath(name).read_bytes(),
            media_type=media_type,
            headers={"Cache-Control": "public, max-age=86400"},
        )


@cache
def _swagger_dist() -> Traversable:
    """The swagger-ui dist folder inside the ``swagger_ui_bundle`` package (its one vendor dir)."""
    vendor = resources.files("swagger_ui_bundle").joinpath("vendor")
    return next(entry for entry in vendor.iterdir() if entry.name.startswith("swagger-ui"))


def log_unexpected(request: Request, error: Exception) -> None:
    log.error("unexpected error on %s %s", request.method, request.url.path, exc_info=error)
