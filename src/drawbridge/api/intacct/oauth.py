"""``POST /oauth2/token``: Intacct's token endpoint over drawbridge's OAuth clients.

``grant_type=client_credentials`` with ``client_id``, ``client_secret`` and optionally
``username`` (``user@company`` or ``user@company|entity``), or ``grant_type=refresh_token`` with
``refresh_token`` (and optionally ``client_id``), as a form or as JSON. The access token works on
every face until it expires; the refresh token is used up when it is used.
"""

from __future__ import annotations

import json
from collections.abc import Mapping
from typing import Any

from fastapi import APIRouter, Request

from drawbridge.api.common import runtime_of
from drawbridge.api.intacct.errors import BadRequest
from drawbridge.api.intacct.schemas import ERROR_RESPONSES, TokenOut
from drawbridge.services import oauth

router = APIRouter(responses=ERROR_RESPONSES)

FORM = "application/x-www-form-urlencoded"
_PARAMETERS = {
    "type": "object",
    "properties": {
        "grant_type": {"type": "string", "enum": ["client_credentials", "refresh_token"]},
        "client_id": {"type": "string"},
        "client_secret": {"type": "string"},
        "username": {"type": "string", "description": "user@company or user@company|entity"},
        "refresh_token": {"type": "string"},
    },
    "required": ["grant_type"],
}
BODY = {
    "requestBody": {
        "required": True,
        "content": {FORM: {"schema": _PARAMETERS}, "application/json": {"schema": _PARAMETERS}},
    }
}


async def _parameters(request: Request) -> Mapping[str, Any]:
    content_type = request.headers.get("content-type", "").split(";")[0].strip().lower()
    if not content_type and not await request.body():
        return {}  # nothing sent: each required parameter is reported missing
    if content_type == "application/json":
        try:
            given = json.loads(await request.body() or b"null")
        except (ValueError, UnicodeDecodeError):
            raise BadRequest("the body is not valid JSON") from None
        if not isinstance(given, dict):
            raise BadRequest("the body must be a JSON object")
        return given
    if content_type in (FORM, "multipart/form-data"):
        form = await request.form()
        return {key: value for key, value in form.items() if isinstance(value, str)}
    raise BadRequest(f"send the parameters as {FORM} or application/json", "Content-Type")


def _text(parameters: Mapping[str, Any], name: str) -> str:
    value = parameters.get(name)
    if not isinstance(value, str) or not value:
        raise BadRequest(f"{name}: required", name)
    return value


@router.post("/oauth2/token", response_model=TokenOut, openapi_extra=BODY)
async def issue_token(request: Request) -> TokenOut:
    """Issue an access token (client credentials or refresh token grant)."""
    parameters = await _parameters(request)
    grant = _text(parameters, "grant_type")
    runtime = runtime_of(request)
    if grant == "client_credentials":
        username = parameters.get("username")
        if username is not None and (not isinstance(username, str) or "@" not in username):
            raise BadRequest("username: user@company or user@company|entity", "username")
        issued = oauth.client_credentials_grant(
            runtime.uow(), _text(parameters, "client_id"), _text(parameters, "client_secret")
        )
    elif grant == "refresh_token":
        client_id = parameters.get("client_id")
        issued = oauth.refresh_token_grant(
            runtime.uow(),
            _text(parameters, "refresh_token"),
            client_id if isinstance(client_id, str) and client_id else None,
        )
    else:
        raise BadRequest("grant_type: must be client_credentials or refresh_token", "grant_type")
    return TokenOut(
        access_token=issued.access_token,
        expires_in=issued.expires_in,
        refresh_token=issued.refresh_token,
    )
