"""``POST /oauth2/token``: Intacct's token endpoint over drawbridge's OAuth clients.

``grant_type=client_credentials`` with ``client_id``, ``client_secret`` and optionally
``username`` (``user@company`` or ``user@company|entity``), or ``grant_type=refresh_token`` with
``refresh_token`` (and optionally ``client_id``), as a form or as JSON (read by the shared
``api/oauth_requests.py``; the client may also authenticate with HTTP Basic). The access token
works on every face until it expires; the refresh token is used up when it is used.
"""

from __future__ import annotations

from fastapi import APIRouter, Request

from drawbridge.api.common import runtime_of
from drawbridge.api.intacct.errors import BadRequest
from drawbridge.api.intacct.schemas import ERROR_RESPONSES, TokenOut
from drawbridge.api.oauth_requests import (
    CLIENT_CREDENTIALS,
    FORM,
    REFRESH_TOKEN,
    TokenRequestError,
    issue,
    read_token_request,
)

router = APIRouter(responses=ERROR_RESPONSES)
GRANTS = (CLIENT_CREDENTIALS, REFRESH_TOKEN)
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


@router.post("/oauth2/token", response_model=TokenOut, openapi_extra=BODY)
async def issue_token(request: Request) -> TokenOut:
    """Issue an access token (client credentials or refresh token grant)."""
    try:
        token_request = await read_token_request(request)
        username = token_request.parameters.get("username", "@")
        if token_request.grant_type == CLIENT_CREDENTIALS and "@" not in username:
            raise BadRequest("username: user@company or user@company|entity", "username")
        issued = issue(runtime_of(request), token_request, GRANTS)
    except TokenRequestError as error:
        raise BadRequest(error.description, error.field) from None
    return TokenOut(
        access_token=issued.access_token,
        expires_in=issued.expires_in,
        refresh_token=issued.refresh_token,
    )
