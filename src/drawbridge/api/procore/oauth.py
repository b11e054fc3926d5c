"""Procore's login host: ``GET /oauth/authorize``, ``POST /oauth/token`` and ``POST
/oauth/revoke`` (at the root).

``/oauth/token`` grants ``client_credentials``, ``authorization_code`` and ``refresh_token``
(parameters as a form or JSON; client credentials in the body or HTTP Basic; the reader is
``api/oauth_requests.py``). ``/oauth/authorize`` is the authorization-code grant's first step as
Procore serves it: ``response_type=code``, ``client_id``, ``redirect_uri`` (one the client
registered), optional ``state`` and PKCE ``code_challenge`` (``S256``). drawbridge has no login
page: whoever approves presents ``Authorization: Bearer`` with the operator token or a token of a
member of the client's company, and the code is sent to ``redirect_uri`` with a 302 (or, for
``urn:ietf:wg:oauth:2.0:oob``, answered as JSON). Errors are OAuth 2's ``{"error",
"error_description"}`` with RFC 6749's statuses: at the token endpoint 401 for a client that
fails to authenticate, 400 for everything else; at the authorization endpoint a request that
names an unknown client or an unregistered redirect URI is answered here (400), missing or bad
credentials 401, and every other refusal goes back to the redirect URI as ``error=...``.
``/oauth/revoke`` takes ``token`` (an access or refresh token) with the client's credentials and
revokes both tokens of the pair, and every token refreshed from them; it answers 200 with ``{}``
whether or not the token was known (RFC 7009 §2.2).
"""

from __future__ import annotations

import time
from typing import Annotated, Any
from urllib.parse import urlencode

from fastapi import APIRouter, FastAPI, Query, Request
from fastapi.responses import JSONResponse, RedirectResponse, Response
from starlette.datastructures import Headers

from drawbridge.api.common import bearer_token, make_face, runtime_of
from drawbridge.api.oauth_requests import (
    AUTHORIZATION_CODE,
    CLIENT_CREDENTIALS,
    REFRESH_TOKEN,
    TokenRequestError,
    issue,
    oauth_status,
    read_client_request,
    read_token_request,
    revoke,
)
from drawbridge.bootstrap import Runtime
from drawbridge.domain.errors import LedgerError, Unauthorized
from drawbridge.domain.rules import OUT_OF_BAND_REDIRECT
from drawbridge.services import auth, oauth
from drawbridge.services.views import Principal

router = APIRouter(tags=["OAuth"])
GRANTS = (CLIENT_CREDENTIALS, AUTHORIZATION_CODE, REFRESH_TOKEN)
AUTHORIZE_PARAMETERS = (
    "response_type",
    "client_id",
    "redirect_uri",
    "state",
    "scope",
    "code_challenge",
    "code_challenge_method",
)


@router.post(
    "/token",
    responses={400: {"description": "Malformed request"}, 401: {"description": "Bad credentials"}},
)
async def issue_token(request: Request) -> JSONResponse:
    """Issue an access token (client_credentials, authorization_code or refresh_token grant)."""
    token_request = await read_token_request(request)
    issued = issue(runtime_of(request), token_request, GRANTS)
    body: dict[str, Any] = {
        "access_token": issued.access_token,
        "token_type": issued.token_type,
        "expires_in": issued.expires_in,
        "refresh_token": issued.refresh_token,
        "created_at": int(time.time()),
    }
    return JSONResponse(body, headers={"Cache-Control": "no-store"})


@router.post(
    "/revoke",
    responses={400: {"description": "Malformed request"}, 401: {"description": "Bad credentials"}},
)
async def revoke_token(request: Request) -> JSONResponse:
    """Revoke an access or refresh token, and every other token of its grant."""
    revoke(runtime_of(request), await read_client_request(request))
    return JSONResponse({}, headers={"Cache-Control": "no-store"})


Text = Annotated[str | None, Query()]


@router.get(
    "/authorize",
    status_code=302,
    responses={
        200: {"description": "The code, for redirect_uri urn:ietf:wg:oauth:2.0:oob"},
        302: {"description": "To redirect_uri with code and state (or error and state)"},
        400: {"description": "Unknown client, unregistered redirect_uri or malformed request"},
        401: {"description": "No operator token or member's token approving the request"},
    },
)
def authorize(
    request: Request,
    response_type: Annotated[str | None, Query(description="code")] = None,
    client_id: Annotated[str | None, Query(description="The registered client's id")] = None,
    redirect_uri: Annotated[
        str | None, Query(description="One of the client's registered redirect URIs")
    ] = None,
    state: Annotated[str | None, Query(description="Returned unchanged with the code")] = None,
    code_challenge: Annotated[
        str | None, Query(description="PKCE: base64url(SHA-256(code_verifier)), unpadded")
    ] = None,
    code_challenge_method: Annotated[str | None, Query(description="PKCE: S256")] = None,
) -> Response:
    """Grant app authorization: issue an authorization code (10 minutes, single use)."""
    for name in AUTHORIZE_PARAMETERS:
        if len(request.query_params.getlist(name)) > 1:
            return _oauth_error(400, "invalid_request", f"{name}: sent more than once")
    if not client_id:
        return _oauth_error(400, "invalid_request", "client_id: required")
    if not redirect_uri:
        return _oauth_error(400, "invalid_request", "redirect_uri: required")
    runtime = runtime_of(request)
    approver = _approver(runtime, request)
    try:
        granted = oauth.authorize(
            runtime.uow(),
            client_id=client_id,
            redirect_uri=redirect_uri,
            approver=approver,
            response_type=response_type,
            code_challenge=code_challenge,
            code_challenge_method=code_challenge_method,
        )
    except oauth.AuthorizationRefused as refused:
        if refused.redirect_uri == OUT_OF_BAND_REDIRECT:
            return _oauth_error(400, refused.code, refused.message)
        answer = {"error": refused.code, "error_description": refused.message}
        return _redirect(refused.redirect_uri, answer, state)
    except LedgerError as error:
        # The client or its redirect URI is not trusted: say so here, never redirect.
        return _oauth_error(400, "invalid_request", error.message)
    if granted.redirect_uri == OUT_OF_BAND_REDIRECT:
        body = {"code": granted.code, "expires_in": granted.expires_in}
        if state is not None:
            body["state"] = state
        return JSONResponse(body, headers={"Cache-Control": "no-store"})
    return _redirect(granted.redirect_uri, {"code": granted.code}, state)


def _check_approver(runtime: Runtime, headers: Headers) -> None:
    _approver(runtime, headers)


def _approver(runtime: Runtime, request: Request | Headers) -> Principal | None:
    """Who approves: None for the operator token, else the member the bearer token names."""
    token = bearer_token(request)
    if token is None:
        raise Unauthorized(
            "approve with Authorization: Bearer <operator token or a member's API token>",
            code="login_required",
        )
    if auth.operator_token_matches(token, runtime.settings.operator_token):
        return None
    return auth.authenticate(runtime.uow(read_only=True), token)


def _redirect(uri: str, values: dict[str, str], state: str | None) -> RedirectResponse:
    if state is not None:
        values = {**values, "state": state}
    separator = "&" if "?" in uri else "?"
    return RedirectResponse(
        f"{uri}{separator}{urlencode(values)}",
        status_code=302,
        headers={"Cache-Control": "no-store"},
    )


def create_procore_oauth_app(runtime: Runtime) -> FastAPI:
    app = make_face(
        runtime,
        title="drawbridge: Procore OAuth",
        description=(
            "GET /oauth/authorize (authorization code, PKCE S256), POST /oauth/token: "
            "client credentials, authorization code and refresh token grants, and POST "
            "/oauth/revoke."
        ),
        error_response=error_response,
        # The approval needs credentials; the token endpoint is how a client gets them.
        authenticate=lambda headers: _check_approver(runtime, headers),
        open_paths=frozenset({"/token", "/revoke"}),
    )

    @app.exception_handler(TokenRequestError)
    async def bad_request(request: Request, error: TokenRequestError) -> JSONResponse:
        return _oauth_error(error.status, error.error, error.description)

    @app.exception_handler(LedgerError)
    async def refused(request: Request, error: LedgerError) -> JSONResponse:
        if isinstance(error, Unauthorized) and request.url.path.endswith("/authorize"):
            return _oauth_error(401, error.code, error.message)
        return _oauth_error(oauth_status(error), error.code, error.message)

    app.include_router(router)
    return app


def error_response(
    status: int, code: str, message: str, *, field: str | None = None
) -> JSONResponse:
    """The request guard's refusals in OAuth 2's error body."""
    return _oauth_error(status, code, message)


def _oauth_error(status: int, error: str, description: str) -> JSONResponse:
    headers = {"WWW-Authenticate": "Bearer"} if status == 401 else None
    return JSONResponse(
        {"error": error, "error_description": description},
        status_code=status,
        headers={**(headers or {}), "Cache-Control": "no-store"},
    )
