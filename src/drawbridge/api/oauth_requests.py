"""The token request every face's token endpoint reads, and the grant it asks for.

One reader for Procore's ``/oauth/token``, Autodesk's ``/authentication/v2/token`` and Intacct's
``/oauth2/token``, and for the revocation endpoints (Procore's ``/oauth/revoke``, Autodesk's
``/authentication/v2/revoke``, RFC 7009): the parameters come as a form
(``application/x-www-form-urlencoded`` or ``multipart/form-data``) or a JSON object; the client
authenticates with HTTP Basic (``client_id:client_secret``, RFC 6749 §2.3.1) or with
``client_id`` and ``client_secret`` in the body, never both; at a token endpoint ``grant_type``
picks the grant among those the face offers. Each face keeps
only its vendor's paths and envelopes: a refusal here is a :class:`TokenRequestError` naming
OAuth's ``error`` code and the field at fault, and :func:`oauth_status` gives RFC 6749 §5.2's
status for a refusal of the ledger.
"""

from __future__ import annotations

import base64
import binascii
import json
from collections.abc import Collection, Mapping
from dataclasses import dataclass
from urllib.parse import unquote

from fastapi import Request

from drawbridge.bootstrap import Runtime
from drawbridge.domain.errors import LedgerError
from drawbridge.services import oauth
from drawbridge.services.oauth import IssuedTokens

FORM = "application/x-www-form-urlencoded"
CLIENT_CREDENTIALS = "client_credentials"
AUTHORIZATION_CODE = "authorization_code"
REFRESH_TOKEN = "refresh_token"


class TokenRequestError(Exception):
    """A malformed token request: ``error`` is OAuth's code (``invalid_request``,
    ``unsupported_grant_type``...), ``field`` the parameter at fault."""

    def __init__(self, status: int, error: str, description: str, field: str | None = None) -> None:
        super().__init__(description)
        self.status, self.error, self.description, self.field = status, error, description, field


@dataclass(frozen=True)
class TokenRequest:
    grant_type: str
    client_id: str | None
    client_secret: str | None
    parameters: Mapping[str, str]

    def required(self, name: str) -> str:
        value = self.parameters.get(name, "")
        if not value:
            raise TokenRequestError(400, "invalid_request", f"{name}: required", name)
        return value

    def client(self) -> tuple[str, str]:
        if not self.client_id:
            raise TokenRequestError(400, "invalid_request", "client_id: required", "client_id")
        if not self.client_secret:
            raise TokenRequestError(
                400, "invalid_request", "client_secret: required", "client_secret"
            )
        return self.client_id, self.client_secret


async def read_token_request(request: Request) -> TokenRequest:
    """The parameters and client credentials of a token request (nothing is checked against the
    ledger yet); a malformed request is a TokenRequestError naming the field."""
    token_request = await read_client_request(request)
    if not token_request.grant_type:
        raise TokenRequestError(400, "invalid_request", "grant_type: required", "grant_type")
    return token_request


async def read_client_request(request: Request) -> TokenRequest:
    """What :func:`read_token_request` reads, without requiring a grant: a revocation request
    is a client's credentials and the ``token`` it gives up."""
    parameters = await _parameters(request)
    for name, value in parameters.items():
        if "\x00" in value:
            raise TokenRequestError(400, "invalid_request", f"{name}: contains NUL", name)
    basic = _basic(request)
    if basic is not None and parameters.get("client_secret"):
        raise TokenRequestError(
            400,
            "invalid_request",
            "send the client's credentials once: HTTP Basic or client_secret, not both",
            "client_secret",
        )
    client_id, client_secret = basic or (
        parameters.get("client_id") or None,
        parameters.get("client_secret") or None,
    )
    if basic is not None and parameters.get("client_id", client_id) != client_id:
        raise TokenRequestError(
            400, "invalid_request", "client_id differs from the Basic credentials", "client_id"
        )
    return TokenRequest(parameters.get("grant_type", ""), client_id, client_secret, parameters)


def issue(runtime: Runtime, token_request: TokenRequest, grants: Collection[str]) -> IssuedTokens:
    """Run the grant the request asks for, if the face offers it."""
    grant = token_request.grant_type
    uow = runtime.uow()
    if grant not in grants:
        raise TokenRequestError(
            400,
            "unsupported_grant_type",
            f"grant_type: one of {', '.join(grants)}",
            "grant_type",
        )
    if grant == CLIENT_CREDENTIALS:
        return oauth.client_credentials_grant(uow, *token_request.client())
    if grant == AUTHORIZATION_CODE:
        client_id, client_secret = token_request.client()
        return oauth.authorization_code_grant(
            uow,
            client_id=client_id,
            client_secret=client_secret,
            code=token_request.required("code"),
            redirect_uri=token_request.required("redirect_uri"),
            code_verifier=token_request.parameters.get("code_verifier") or None,
        )
    return oauth.refresh_token_grant(
        uow, token_request.required("refresh_token"), token_request.client_id
    )


def revoke(runtime: Runtime, client_request: TokenRequest) -> None:
    """RFC 7009 §2.1: revoke the ``token`` the authenticated client names (its grant's every
    token). ``token_type_hint`` may be sent; both kinds are searched whatever it says (§2.1)."""
    client_id, client_secret = client_request.client()
    oauth.revoke(
        runtime.uow(),
        client_id=client_id,
        client_secret=client_secret,
        token=client_request.required("token"),
    )


def oauth_status(error: LedgerError) -> int:
    """RFC 6749 §5.2: 401 when the client failed to authenticate, 400 for everything else."""
    return 401 if error.code == "invalid_client" else 400


async def _parameters(request: Request) -> dict[str, str]:
    content_type = request.headers.get("content-type", "").split(";")[0].strip().lower()
    body = await request.body()
    if not body and content_type not in ("multipart/form-data",):
        return {}  # nothing sent: each required parameter is reported missing
    if content_type == "application/json":
        try:
            given = json.loads(body)
        except (ValueError, UnicodeDecodeError):
            raise TokenRequestError(400, "invalid_request", "the body is not JSON") from None
        if not isinstance(given, dict):
            raise TokenRequestError(400, "invalid_request", "the body is not a JSON object")
        return {key: value for key, value in given.items() if isinstance(value, str)}
    if content_type in (FORM, "multipart/form-data"):
        form = await request.form()
        return {key: value for key, value in form.items() if isinstance(value, str)}
    raise TokenRequestError(
        400,
        "invalid_request",
        f"send the parameters as {FORM} or application/json",
        "Content-Type",
    )


def _basic(request: Request) -> tuple[str, str] | None:
    scheme, _, encoded = request.headers.get("authorization", "").partition(" ")
    if scheme.lower() != "basic":
        return None
    try:
        decoded = base64.b64decode(encoded.strip(), validate=True).decode()
    except (binascii.Error, UnicodeDecodeError):
        raise TokenRequestError(
            400, "invalid_request", "malformed Basic credentials", "Authorization"
        ) from None
    client_id, separator, secret = decoded.partition(":")
    if not separator or not client_id or not secret:
        raise TokenRequestError(
            400, "invalid_request", "malformed Basic credentials", "Authorization"
        )
    # RFC 6749 §2.3.1: both halves are form-urlencoded before they are joined.
    return unquote(client_id.replace("+", " ")), unquote(secret.replace("+", " "))
