"""Autodesk's token endpoint, ``POST /authentication/v2/token`` (client credentials).

The client authenticates with HTTP Basic (``client_id:client_secret``, as Autodesk documents)
or with ``client_id`` and ``client_secret`` form fields; ``grant_type`` is
``client_credentials`` or ``refresh_token``; ``scope`` is accepted (the client's registered
scopes apply). Errors use Autodesk's authentication error body: ``{"developerMessage",
"errorCode", "more info"}`` (with OAuth 2's ``error`` too).
"""

from __future__ import annotations

import base64
import binascii

from fastapi import APIRouter, FastAPI, Request
from fastapi.responses import JSONResponse

from drawbridge.api.common import make_face, runtime_of
from drawbridge.bootstrap import Runtime
from drawbridge.domain.errors import LedgerError
from drawbridge.services import oauth

router = APIRouter(tags=["Authentication"])


class TokenRequestError(Exception):
    def __init__(self, status: int, code: str, message: str) -> None:
        super().__init__(message)
        self.status, self.code, self.message = status, code, message


def _basic(request: Request) -> tuple[str, str] | None:
    scheme, _, encoded = request.headers.get("authorization", "").partition(" ")
    if scheme.lower() != "basic":
        return None
    try:
        client_id, separator, secret = (
            base64.b64decode(encoded, validate=True).decode().partition(":")
        )
    except (binascii.Error, UnicodeDecodeError):
        raise TokenRequestError(400, "invalid_request", "malformed Basic credentials") from None
    if not separator:
        raise TokenRequestError(400, "invalid_request", "malformed Basic credentials")
    return client_id, secret


@router.post(
    "/v2/token",
    responses={400: {"description": "Malformed request"}, 401: {"description": "Bad credentials"}},
)
async def issue_token(request: Request) -> JSONResponse:
    """Issue a two-legged access token (client_credentials or refresh_token grant)."""
    form = {k: v for k, v in (await request.form()).items() if isinstance(v, str)}
    grant = form.get("grant_type", "")
    credentials = _basic(request) or (form.get("client_id", ""), form.get("client_secret", ""))
    uow = runtime_of(request).uow()
    if grant == "client_credentials":
        if not all(credentials):
            raise TokenRequestError(400, "invalid_request", "client credentials are required")
        issued = oauth.client_credentials_grant(uow, *credentials)
    elif grant == "refresh_token":
        if not form.get("refresh_token"):
            raise TokenRequestError(400, "invalid_request", "refresh_token is required")
        issued = oauth.refresh_token_grant(uow, form["refresh_token"], credentials[0] or None)
    else:
        raise TokenRequestError(
            400, "unsupported_grant_type", "grant_type is client_credentials or refresh_token"
        )
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


def create_acc_oauth_app(runtime: Runtime) -> FastAPI:
    app = make_face(
        runtime,
        title="drawbridge: Autodesk Authentication",
        description="POST /authentication/v2/token: client credentials and refresh token grants.",
        error_response=error_response,
    )

    @app.exception_handler(TokenRequestError)
    async def bad_request(request: Request, error: TokenRequestError) -> JSONResponse:
        return _error(error.status, error.code, error.message)

    @app.exception_handler(LedgerError)
    async def refused(request: Request, error: LedgerError) -> JSONResponse:
        return _error(401, error.code, error.message)

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
