"""The web face at ``/app``: server-rendered pages over the same services as every API face.

Pages read without JavaScript; one small script (static/live.js) posts a draft's figures as they
are typed and shows what the billing engine makes of them (no arithmetic in the browser). Errors
answer as HTML pages, never JSON; a form that a service refuses is shown again with the message
naming the field. Who may do what is asked of the services (``pay_apps.actions_for``), not
restated here.
"""

from __future__ import annotations

from importlib import resources
from typing import Any

from fastapi import FastAPI, Request
from fastapi.exceptions import RequestValidationError
from fastapi.responses import HTMLResponse, RedirectResponse, Response
from fastapi.templating import Jinja2Templates
from starlette.exceptions import HTTPException as StarletteHTTPException

from drawbridge.api.guards import FaceGuard
from drawbridge.bootstrap import Runtime
from drawbridge.domain.errors import Invalid, LedgerError, NotFound, Unauthorized
from drawbridge.web import format as fmt
from drawbridge.web import session
from drawbridge.web.errors import http_status
from drawbridge.web.routes import install_routes

STATIC_FILES = {"app.css": "text/css", "live.js": "text/javascript"}


def create_web_app(runtime: Runtime) -> FastAPI:
    face = FastAPI(title="drawbridge web", docs_url=None, redoc_url=None, openapi_url=None)
    face.state.runtime = runtime
    templates = Jinja2Templates(
        directory=str(resources.files("drawbridge.web").joinpath("templates"))
    )
    env = templates.env
    env.filters.update(
        money=fmt.money,
        amount_input=fmt.amount_input,
        percent=fmt.percent,
        day=fmt.day,
        status_label=fmt.status_label,
    )
    face.state.templates = templates

    def error_page(
        status: int, code: str, message: str, *, field: str | None = None
    ) -> HTMLResponse:
        """The request guard's refusals, and every error no form answers, as a page."""
        return templates.TemplateResponse(
            _blank_request(face),
            "error.html",
            {"status": status, "code": code, "message": message, "field": field, "base": "/app"},
            status_code=status,
        )

    face.state.guard = FaceGuard(
        error_response=error_page,
        authenticate=session.authenticate_headers(runtime),
        # The sign-in form has no session yet: it carries its own CSRF check.
        open_paths=frozenset({"/sign-in"}),
    )

    @face.exception_handler(LedgerError)
    async def ledger_error(request: Request, error: LedgerError) -> Response:
        if isinstance(error, Unauthorized) and request.method in ("GET", "HEAD"):
            target = request.url.path
            return RedirectResponse(f"{_base(request)}/sign-in?next={target}", status_code=303)
        return render_error(request, error)

    @face.exception_handler(StarletteHTTPException)
    async def http_error(request: Request, error: StarletteHTTPException) -> Response:
        return render_error(
            request, NotFound("no such page") if error.status_code == 404 else Invalid(error.detail)
        )

    @face.exception_handler(RequestValidationError)
    async def bad_request(request: Request, error: RequestValidationError) -> Response:
        first = error.errors()[0] if error.errors() else {}
        where = ".".join(str(part) for part in first.get("loc", ())[1:]) or "request"
        return render_error(request, Invalid(f"{where}: {first.get('msg', 'not valid')}"))

    def render_error(request: Request, error: LedgerError) -> Response:
        status = http_status(error)
        return templates.TemplateResponse(
            request,
            "error.html",
            {
                "status": status,
                "code": error.code,
                "message": error.message,
                "field": error.field,
                "base": _base(request),
            },
            status_code=status,
        )

    @face.get("/static/{name}", include_in_schema=False)
    def static(name: str) -> Response:
        media_type = STATIC_FILES.get(name)
        if media_type is None:
            raise NotFound(f"no file {name}")
        data = resources.files("drawbridge.web").joinpath("static", name).read_bytes()
        return Response(data, media_type=media_type, headers={"Cache-Control": "max-age=300"})

    install_routes(face, templates)
    return face


def _base(request: Request) -> str:
    return str(request.scope.get("root_path", "")).rstrip("/")


def _blank_request(face: FastAPI) -> Request:
    """A request for rendering a page outside a route (the guard answers before any route)."""
    scope: dict[str, Any] = {
        "type": "http",
        "method": "GET",
        "path": "/",
        "root_path": "/app",
        "headers": [],
        "query_string": b"",
        "app": face,
    }
    return Request(scope)
