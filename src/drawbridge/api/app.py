"""The app factory: one sub-application per face, each with its own routes, OpenAPI document and
error envelope, plus ``/healthz`` and a catch-all that turns anything unexpected into a logged,
well-formed 500.
"""

from __future__ import annotations

import gc
import os
from collections.abc import AsyncIterator, Callable
from contextlib import AbstractAsyncContextManager, asynccontextmanager

import anyio.to_thread
from fastapi import FastAPI, Request
from fastapi.responses import JSONResponse, RedirectResponse, Response
from starlette.exceptions import HTTPException as StarletteHTTPException
from starlette.types import ASGIApp, Receive, Scope, Send

from drawbridge.api.acc.app import create_acc_app
from drawbridge.api.acc.oauth import create_acc_oauth_app
from drawbridge.api.admin.routes import create_admin_app
from drawbridge.api.common import default_error_response, install_docs, log_unexpected
from drawbridge.api.guards import RequestGuard
from drawbridge.api.intacct.app import create_intacct_app
from drawbridge.api.native.app import create_native_app
from drawbridge.api.procore.app import create_procore_app
from drawbridge.api.procore.oauth import create_procore_oauth_app
from drawbridge.api.productive.app import create_productive_app
from drawbridge.api.ratelimit import PROCORE, PRODUCTIVE, VendorLimits
from drawbridge.api.response_cache import ResponseCache
from drawbridge.bootstrap import DEFAULT_REQUEST_THREADS, Runtime, build
from drawbridge.services import admin
from drawbridge.web.app import create_web_app

# The faces whose reads the response cache may answer (not the operator's, the token
# endpoints or the web pages).
CACHED_FACES = ("/rest", "/cost", "/ia/api/v1", "/api/v2", "/v1")

# Set by ``drawbridge serve --workers N`` for its worker processes.
WORKER_VENDOR_LIMITS_VARIABLE = "DRAWBRIDGE_WORKER_VENDOR_LIMITS"
WORKER_THREADS_VARIABLE = "DRAWBRIDGE_WORKER_THREADS"


def create_worker_app() -> FastAPI:
    """The application of one worker process of ``serve --workers N``: a runtime of its own on
    the database ``serve`` named and migrated (``DRAWBRIDGE_DATABASE_URL``). Workers share no
    memory: every request reads the companies' ledger versions from the database before any
    kept answer is used, so a write through one worker is seen by the next read through any
    other."""
    runtime = build(
        run_migrations=False,
        create=False,
        vendor_limits=os.environ.get(WORKER_VENDOR_LIMITS_VARIABLE) == "1",
    )
    threads = int(os.environ.get(WORKER_THREADS_VARIABLE) or DEFAULT_REQUEST_THREADS)
    return served(create_app(runtime, request_threads=threads))


def served(app: FastAPI) -> FastAPI:
    """``app`` as a server process runs it. Everything built up to now (modules, models,
    routes, schemas, the engine) lives as long as the process, so it is moved out of the
    garbage collector's sight (``gc.freeze``): a full collection during a request then scans
    what requests allocated, not the whole program's few hundred thousand objects, which took
    a tenth of a second or more per collection, a pause in whichever request met it."""
    gc.collect()
    gc.freeze()
    return app


def computing_at_most(
    threads: int,
) -> Callable[[FastAPI], AbstractAsyncContextManager[None]]:
    """The lifespan that lets the process compute at most ``threads`` requests at once: the
    event loop's thread pool, which runs every handler and dependency that is a plain function,
    gets that many tokens (anyio's default is 40)."""

    @asynccontextmanager
    async def lifespan(app: FastAPI) -> AsyncIterator[None]:
        anyio.to_thread.current_default_thread_limiter().total_tokens = threads
        yield

    return lifespan


def create_app(runtime: Runtime, *, request_threads: int = DEFAULT_REQUEST_THREADS) -> FastAPI:
    app = FastAPI(
        lifespan=computing_at_most(request_threads),
        title="drawbridge",
        description=(
            "Construction progress-billing and payments server. Each face has its own OpenAPI "
            "document: /rest/docs (Procore), /cost/docs (ACC Cost), /ia/api/v1/docs "
            "(Sage Intacct), /api/v2/docs (Productive), /_admin/docs (operator). The web pages are "
            "at /app."
        ),
        version="0.1.0",
        docs_url=None,
        redoc_url=None,
    )
    app.state.runtime = runtime
    # Vendors' request limits (off unless asked for): one set of counters per process.
    limits = app.state.vendor_limits = VendorLimits(runtime)
    install_docs(app, security_schemes={})

    @app.exception_handler(Exception)
    async def unexpected(request: Request, error: Exception) -> JSONResponse:
        log_unexpected(request, error)
        return JSONResponse(
            {"error": {"code": "internal_error", "message": "unexpected error"}}, status_code=500
        )

    @app.get("/healthz")
    def healthz() -> dict[str, str]:
        """Liveness and database reachability."""
        admin.check_database(runtime.engine)
        return {"status": "ok"}

    @app.get("/", include_in_schema=False)
    def home() -> RedirectResponse:
        return RedirectResponse("/docs")

    @app.get("/app", include_in_schema=False)
    def web_pages() -> RedirectResponse:
        """The web pages' address as people type it, without the trailing slash."""
        return RedirectResponse("/app/", status_code=307)

    # Each face is a sub-application with its own OpenAPI at <prefix>/openapi.json.
    face_apps = {
        "/_admin": create_admin_app(runtime),
        "/rest": create_procore_app(runtime),
        "/cost": create_acc_app(runtime),
        "/ia/api/v1": create_intacct_app(runtime),
        "/api/v2": create_productive_app(runtime),
        "/v1": create_native_app(runtime),
        # Token endpoints sit where each vendor's client looks for them, beside the API.
        "/oauth": create_procore_oauth_app(runtime),
        "/authentication": create_acc_oauth_app(runtime),
        # The web pages people use in a browser (signed in with a password, HTML errors).
        "/app": create_web_app(runtime),
    }
    # The API faces repeat an answer while nothing it was computed from has changed; the
    # vendors' request limits wrap the faces whose vendors publish them, cached answers counted.
    cache = app.state.response_cache = ResponseCache(runtime, runtime.settings.response_cache_bytes)
    faces: dict[str, ASGIApp] = {
        **face_apps,
        **{prefix: cache.wrap(face_apps[prefix]) for prefix in CACHED_FACES},
    }
    faces["/rest"] = limits.wrap(faces["/rest"], PROCORE)
    faces["/api/v2"] = limits.wrap(faces["/api/v2"], PRODUCTIVE)
    for prefix, face in faces.items():
        app.mount(prefix, face)
    app.state.faces = face_apps  # each face's own application, by prefix (tests walk them)
    # Every face registers its envelope and authentication with make_face; the guard answers
    # for it before its routes run (limits, hostile input, authentication before the body).
    app.add_middleware(
        RequestGuard,
        faces={prefix: face.state.guard for prefix, face in face_apps.items()},
        fallback=default_error_response,
        max_body_bytes=runtime.settings.max_body_bytes,
    )

    @app.exception_handler(StarletteHTTPException)
    async def unrouted(request: Request, error: StarletteHTTPException) -> Response:
        """A path under a face's prefix that its mount could not match (a mount's pattern stops
        at a newline) is still that face's request: let the face answer in its own envelope."""
        for prefix, face in faces.items():
            if error.status_code == 404 and request.url.path.startswith(prefix + "/"):
                return _Forward(face, prefix)
        return JSONResponse(
            {"error": {"code": "not_found", "message": error.detail}},
            status_code=error.status_code,
            headers=getattr(error, "headers", None),
        )

    return app


class _Forward(Response):
    """Hands the request, with the prefix taken off its path, to a face application."""

    def __init__(self, face: ASGIApp, prefix: str) -> None:
        super().__init__()
        self.face = face
        self.prefix = prefix

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        path = scope["path"][len(self.prefix) :]
        await self.face({**scope, "path": path, "root_path": self.prefix}, receive, send)
