"""Procore's token endpoint, ``POST /oauth/token`` (at the root, like Procore's login host).

Grants: ``client_credentials`` (a client registered by fixture or ``drawbridge client create``)
and ``refresh_token``. The body is a form or JSON. Errors are OAuth 2's ``{"error",
"error_description"}``: 400 for a malformed request or unknown grant, 401 for bad client
credentials or an unusable refresh token.
"""

from __future__ import annotations

import json
import time
from typing import Any

from fastapi import APIRouter, FastAPI, Request
from fastapi.responses import JSONResponse

from drawbridge.api.common import make_face, runtime_of
from drawbridge.bootstrap import Runtime
from drawbridge.domain.errors import LedgerError
from drawbridge.services import oauth

router = APIRouter(tags=["OAuth"])
GRANTS = ("client_credentials", "refresh_token")


class TokenRequestError(Exception):
    def __init__(self, status: int, error: str, description: str) -> None:
        super().__init__(description)
        self.status, self.error, self.description = status, error, description


async def _token_request(request: Request) -> dict[str, str]:
    if request.headers.get("content-type", "").startswith("application/json"):
        try:
            parsed = json.loads(await request.body() or b"{}")
        except ValueError:
            raise TokenRequestError(400, "invalid_request", "the body is not JSON") from None
        if not isinstance(parsed, dict):
            raise TokenRequestError(400, "invalid_request", "the body is not a JSON object")
        return {k: v for k, v in parsed.items() if isinstance(v, str)}
    form = await request.form()
    return {k: v for k, v in form.items() if isinstance(v, str)}


def _required(values: dict[str, str], name: str) -> str:
    value = values.get(name, "")
    if not value or "\x00" in value:
        raise TokenRequestError(400, "invalid_request", f"{name} is required")
    return value


@router.post(
    "/token",
    responses={400: {"description": "Malformed request"}, 401: {"description": "Bad credentials"}},
)
async def issue_token(request: Request) -> JSONResponse:
    """Issue an access token (client_credentials or refresh_token grant)."""
    values = await _token_request(request)
    grant = _required(values, "grant_type")
    uow = runtime_of(request).uow()
    if grant == "client_credentials":
        issued = oauth.client_credentials_grant(
            uow, _required(values, "client_id"), _required(values, "client_secret")
        )
    elif grant == "refresh_token":
        issued = oauth.refresh_token_grant(
            uow, _required(values, "refresh_token"), values.get("client_id") or None
        )
    else:
        raise TokenRequestError(
            400, "unsupported_grant_type", f"grant_type is one of {', '.join(GRANTS)}"
        )
    body: dict[str, Any] = {
        "access_token": issued.access_token,
        "token_type": issued.token_type,
        "expires_in": issued.expires_in,
        "refresh_token": issued.refresh_token,
        "created_at": int(time.time()),
    }
    return JSONResponse(body, headers={"Cache-Control": "no-store"})


def create_procore_oauth_app(runtime: Runtime) -> FastAPI:
    app = make_face(
        runtime,
        title="drawbridge: Procore OAuth",
        description="POST /oauth/token: client credentials and refresh token grants.",
        error_response=error_response,
    )

    @app.exception_handler(TokenRequestError)
    async def bad_request(request: Request, error: TokenRequestError) -> JSONResponse:
        return _oauth_error(error.status, error.error, error.description)

    @app.exception_handler(LedgerError)
    async def refused(request: Request, error: LedgerError) -> JSONResponse:
        return _oauth_error(401, error.code, error.message)

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
        {"error": error, "error_description": description}, status_code=status, headers=headers
    )
