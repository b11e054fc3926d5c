"""Autodesk's token endpoint, ``POST /authentication/v2/token`` (client credentials), and its
revocation endpoint, ``POST /authentication/v2/revoke``.

The client authenticates with HTTP Basic (``client_id:client_secret``, as Autodesk documents)
or with ``client_id`` and ``client_secret`` form fields (the shared reader,
``api/oauth_requests.py``, also takes a JSON body); ``grant_type`` is
``client_credentials`` or ``refresh_token``; ``scope`` is accepted (the client's registered
scopes apply). Errors use Autodesk's authentication error body: ``{"developerMessage",
"errorCode", "more info"}`` (with OAuth 2's ``error`` too), 401 for a client that fails to
authenticate and 400 for anything else (RFC 6749 §5.2). ``/v2/revoke`` takes ``token`` and
``token_type_hint`` (``access_token`` or ``refresh_token``, both required as Autodesk documents)
with the client's credentials, revokes every token of that token's grant, and answers 200 with
no body, whether or not the token was known (RFC 7009 §2.2).
"""

from __future__ import annotations

from fastapi import APIRouter, FastAPI, Request
from fastapi.responses import JSONResponse, Response

from drawbridge.api.common import make_face, runtime_of
from drawbridge.api.oauth_requests import (
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
from drawbridge.domain.errors import LedgerError

router = APIRouter(tags=["Authentication"])
GRANTS = (CLIENT_CREDENTIALS, REFRESH_TOKEN)
TOKEN_TYPE_HINTS = ("access_token", "refresh_token")


@router.post(
    "/v2/token",
    responses={400: {"description": "Malformed request"}, 401: {"description": "Bad credentials"}},
)
async def issue_token(request: Request) -> JSONResponse:
    """Issue a two-legged access token (client_credentials or refresh_token grant)."""
    issued = issue(runtime_of(request), await read_token_request(request), GRANTS)
    return JSONResponse(
        {
            "access_token": issued.access_token,
            "token_type": issued.token_type,
            "expires_in": issued.expires_in,
            "refresh_token": issued.refresh_token,
            "id_token": None,  # no OpenID Connect: nothing identifies a person here
        },
        headers={"Cache-Control": "no-store"},
    )


@router.post(
    "/v2/revoke",
    responses={400: {"description": "Malformed request"}, 401: {"description": "Bad credentials"}},
)
async def revoke_token(request: Request) -> Response:
    """Revoke an access or refresh token, and every other token of its grant."""
    client_request = await read_client_request(request)
    if client_request.required("token_type_hint") not in TOKEN_TYPE_HINTS:
        raise TokenRequestError(
            400,
            "unsupported_token_type",
            f"token_type_hint: one of {', '.join(TOKEN_TYPE_HINTS)}",
            "token_type_hint",
        )
    revoke(runtime_of(request), client_request)
    return Response(status_code=200, headers={"Cache-Control": "no-store"})


def create_acc_oauth_app(runtime: Runtime) -> FastAPI:
    app = make_face(
        runtime,
        title="drawbridge: Autodesk Authentication",
        description=(
            "POST /authentication/v2/token: client credentials and refresh token grants; "
            "POST /authentication/v2/revoke."
        ),
        error_response=error_response,
    )

    @app.exception_handler(TokenRequestError)
    async def bad_request(request: Request, error: TokenRequestError) -> JSONResponse:
        return _error(error.status, error.error, error.description)

    @app.exception_handler(LedgerError)
    async def refused(request: Request, error: LedgerError) -> JSONResponse:
        return _error(oauth_status(error), error.code, error.message)

    app.include_router(router)
    return app


def error_response(
    status: int, code: str, message: str, *, field: str | None = None
) -> JSONResponse:
    """The request guard's refusals in Autodesk's authentication error body."""
    return _error(status, code, message)


def _error(status: int, code: str, message: str) -> JSONResponse:
    body = {"developerMessage": message, "errorCode": code, "more info": None, "error": code}
    return JSONResponse(body, status_code=status)
