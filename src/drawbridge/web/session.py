"""Who the browser is: the session cookie, and the CSRF token every form carries.

The session cookie is HttpOnly (scripts cannot read it), SameSite=Lax (other sites' forms do not
send it) and Secure when the page is served over https. Every POST also carries the session's
CSRF secret in a hidden ``csrf_token`` field, compared in constant time; the sign-in form, which
has no session yet, uses a double-submit cookie instead.
"""

from __future__ import annotations

import secrets
from datetime import datetime
from typing import cast

from fastapi import Request, Response
from starlette.datastructures import FormData, Headers
from starlette.requests import HTTPConnection

from drawbridge.api.guards import Authenticate
from drawbridge.bootstrap import Runtime
from drawbridge.domain.errors import Forbidden, Unauthorized
from drawbridge.services import web_sessions
from drawbridge.services.web_sessions import SignedIn

SESSION_COOKIE = "drawbridge_session"
SIGN_IN_CSRF_COOKIE = "drawbridge_sign_in"
CSRF_FIELD = "csrf_token"


def runtime_of(request: HTTPConnection) -> Runtime:
    return cast(Runtime, request.app.state.runtime)


def session_token(headers: Headers) -> str | None:
    """The session cookie's value, read from the raw headers (the request guard has no Request)."""
    for part in headers.get("cookie", "").split(";"):
        name, _, value = part.strip().partition("=")
        if name == SESSION_COOKIE and value:
            return value
    return None


def current(request: Request) -> SignedIn:
    """The signed-in session of this request (401 when there is none or it has expired)."""
    cached = getattr(request.state, "signed_in", None)
    if cached is not None:
        return cast(SignedIn, cached)
    found = web_sessions.signed_in(
        runtime_of(request).uow(read_only=True), request.cookies.get(SESSION_COOKIE)
    )
    request.state.signed_in = found
    return found


def check_csrf(session: SignedIn, form: FormData) -> None:
    if not web_sessions.csrf_matches(session.csrf_secret, _field(form)):
        raise Forbidden(
            "the form was out of date or did not come from this site: reload the page and try "
            "again",
            field=CSRF_FIELD,
            code="csrf",
        )


def check_sign_in_csrf(request: Request, form: FormData) -> None:
    expected = request.cookies.get(SIGN_IN_CSRF_COOKIE) or ""
    if not (expected and web_sessions.csrf_matches(expected, _field(form))):
        raise Forbidden(
            "the sign-in form was out of date: reload the page and try again",
            field=CSRF_FIELD,
            code="csrf",
        )


def sign_in_csrf(request: Request) -> str:
    """The double-submit token of the sign-in form (reused while its cookie lasts)."""
    return request.cookies.get(SIGN_IN_CSRF_COOKIE) or secrets.token_urlsafe(32)


def remember_sign_in_csrf(request: Request, response: Response, token: str) -> None:
    response.set_cookie(
        SIGN_IN_CSRF_COOKIE,
        token,
        httponly=True,
        samesite="lax",
        secure=_secure(request),
        path=_path(request),
    )


def set_session_cookie(
    request: Request, response: Response, token: str, expires_at: datetime
) -> None:
    response.set_cookie(
        SESSION_COOKIE,
        token,
        expires=expires_at,
        httponly=True,
        samesite="lax",
        secure=_secure(request),
        path=_path(request),
    )
    response.delete_cookie(SIGN_IN_CSRF_COOKIE, path=_path(request))


def clear_session_cookie(request: Request, response: Response) -> None:
    response.delete_cookie(
        SESSION_COOKIE, path=_path(request), httponly=True, samesite="lax", secure=_secure(request)
    )


def authenticate_headers(runtime: Runtime) -> Authenticate:
    """For the request guard: a body is read only from a signed-in browser."""

    def authenticate(headers: Headers) -> None:
        token = session_token(headers)
        if token is None:
            raise Unauthorized("please sign in", code="signed_out")
        web_sessions.signed_in(runtime.uow(read_only=True), token)

    return authenticate


def _field(form: FormData) -> str | None:
    given = form.get(CSRF_FIELD)
    return given if isinstance(given, str) else None


def _secure(request: Request) -> bool:
    return request.url.scheme == "https"


def _path(request: Request) -> str:
    return request.scope.get("root_path", "").rstrip("/") or "/"
