"""OAuth clients: the client-credentials, authorization-code and refresh-token grants, for any
face.

A registered client has a public ``client_id`` and a secret; it acts as one user of one company.
Only SHA-256 hashes of secrets and tokens are stored (each is long and random, so a fast hash is
enough, as for API tokens). A grant issues an access token, an ordinary API token row that
expires after :data:`ACCESS_TOKEN_LIFETIME` and acts only in the client's company, so
``auth.authenticate`` accepts it on every face, and a refresh token that lasts longer. Refreshing
consumes the refresh token and issues a new pair (rotation): a refresh token works once.
Faces render the result in their vendor's shape (Intacct ``/oauth2/token``, Procore
``/oauth/token`` and ACC ``/authentication/v2/token``).

The authorization-code grant (RFC 6749 §4.1, with PKCE, RFC 7636, S256 only): a client registers
redirect URIs; :func:`authorize` checks that the request names one of them exactly, that whoever
approves may act for the client (the operator, or a member of the client's company), and issues a
code that lives :data:`AUTHORIZATION_CODE_LIFETIME`, stored as its hash with the redirect URI and
the PKCE challenge. :func:`authorization_code_grant` exchanges it once, for the client that proves
its secret and names the same redirect URI (and, when a challenge was sent, the verifier). The
tokens act as the client's user, like every other grant.

Each grant has an id that its access and refresh tokens carry, and a refresh passes it on, so the
tokens of one authorization form one line. :func:`revoke` (RFC 7009) ends a line: the client
names any of its tokens and every token of that grant stops working. A used authorization code is
kept until it expires, marked with the grant it started; exchanging it again revokes that grant
(RFC 6749 §4.1.2: a replayed code means it leaked).
"""

from __future__ import annotations

import base64
import hashlib
import hmac
import re
import secrets
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from datetime import datetime, timedelta

from drawbridge.domain.errors import Invalid, NotFound, Unauthorized
from drawbridge.domain.rules import redirect_uri_problem
from drawbridge.services import audit, auth
from drawbridge.services.views import Principal
from drawbridge.store.models import (
    ApiToken,
    OAuthAuthorizationCode,
    OAuthClient,
    OAuthRedirectUri,
    OAuthRefreshToken,
    User,
)
from drawbridge.store.types import utcnow
from drawbridge.store.uow import UnitOfWork

ACCESS_TOKEN_LIFETIME = timedelta(hours=1)
REFRESH_TOKEN_LIFETIME = timedelta(days=30)
AUTHORIZATION_CODE_LIFETIME = timedelta(minutes=10)
# RFC 7636 §4.1-4.2: a verifier is 43-128 unreserved characters; an S256 challenge is 43.
PKCE_VERIFIER = re.compile(r"[A-Za-z0-9\-._~]{43,128}")
PKCE_CHALLENGE = re.compile(r"[A-Za-z0-9\-_]{43}")
MIN_SECRET_LENGTH = 16
MAX_CLIENT_ID_LENGTH = 128


@dataclass(frozen=True)
class ClientCredentials:
    """A newly registered client: the secret is shown this once and never stored."""

    client_id: str
    client_secret: str
    name: str
    company_id: int
    email: str
    redirect_uris: tuple[str, ...] = ()


@dataclass(frozen=True)
class AuthorizationCode:
    """A code issued to a client, to be delivered at ``redirect_uri`` (shown this once)."""

    code: str
    redirect_uri: str
    expires_in: int  # seconds


class AuthorizationRefused(Invalid):
    """The authorization request names a known client and one of its redirect URIs, but is
    refused: the client is told at that URI (RFC 6749 §4.1.2.1), with ``code`` as ``error``."""

    def __init__(self, message: str, *, code: str, redirect_uri: str) -> None:
        super().__init__(message, code=code)
        self.redirect_uri = redirect_uri


@dataclass(frozen=True)
class IssuedTokens:
    access_token: str
    refresh_token: str
    expires_in: int  # seconds
    token_type: str = "Bearer"


def create_client(
    uow: UnitOfWork,
    *,
    company_id: int,
    email: str,
    name: str | None = None,
    redirect_uris: Sequence[str] = (),
) -> ClientCredentials:
    """Register a client acting as a member of the company; returns its id and secret."""
    with uow:
        if uow.repo.company(company_id) is None:
            raise NotFound(f"no company {company_id}", field="company")
        user = uow.repo.user_by_email(email)
        if user is None or uow.repo.membership(user.id, company_id) is None:
            raise NotFound(f"no user {email} in company {company_id}", field="email")
        client_id = f"dbc_{secrets.token_urlsafe(18)}"
        secret = f"dbs_{secrets.token_urlsafe(32)}"
        row = add_client(
            uow,
            company_id,
            user,
            client_id=client_id,
            secret=secret,
            name=name or client_id,
            redirect_uris=redirect_uris,
        )
        uow.flush()
        # The operator's command line acts as no user.
        after = {**_snapshot(row), "redirect_uris": list(redirect_uris)}
        audit.record(
            uow, None, "create", "oauth_client", row.id, None, after, company_id=company_id
        )
        uow.commit()
        return ClientCredentials(
            client_id, secret, row.name, company_id, user.email, tuple(redirect_uris)
        )


def add_client(
    uow: UnitOfWork,
    company_id: int,
    user: User,
    *,
    client_id: str,
    secret: str,
    name: str,
    scopes: Iterable[str] = auth.ALL_SCOPES,
    redirect_uris: Sequence[str] = (),
) -> OAuthClient:
    """Store a client and its redirect URIs (inside the caller's transaction); the caller checks
    the membership."""
    if not client_id.strip() or len(client_id) > MAX_CLIENT_ID_LENGTH:
        raise Invalid(f"client_id: 1 to {MAX_CLIENT_ID_LENGTH} characters", field="client_id")
    if len(secret) < MIN_SECRET_LENGTH:
        raise Invalid(
            f"client_secret: at least {MIN_SECRET_LENGTH} characters", field="client_secret"
        )
    if uow.repo.oauth_client(client_id) is not None:
        raise Invalid(f"client_id: {client_id!r} is already registered", field="client_id")
    row = OAuthClient(
        company_id=company_id,
        user_id=user.id,
        client_id=client_id,
        secret_hash=auth.hash_token(secret),
        name=name,
        scopes=" ".join(scopes),
    )
    uow.repo.add(row)
    if redirect_uris:
        uow.flush()  # the redirect URIs need the client's id
    for index, uri in enumerate(dict.fromkeys(redirect_uris)):
        check_redirect_uri(uri, field=f"redirect_uris[{index}]")
        uow.repo.add(OAuthRedirectUri(oauth_client_id=row.id, uri=uri))
    return row


def check_redirect_uri(uri: str, *, field: str = "redirect_uri") -> str:
    problem = redirect_uri_problem(uri)
    if problem is not None:
        raise Invalid(f"{field}: {problem}", field=field)
    return uri


def client_credentials_grant(uow: UnitOfWork, client_id: str, client_secret: str) -> IssuedTokens:
    """Tokens for a client that proves its secret; anything else is Unauthorized."""
    with uow:
        client = _authenticated_client(uow, client_id, client_secret)
        issued = _issue(uow, client, client.scopes, _new_grant())
        uow.commit()
        return issued


def authorize(
    uow: UnitOfWork,
    *,
    client_id: str,
    redirect_uri: str,
    approver: Principal | None,
    response_type: str | None = "code",
    code_challenge: str | None = None,
    code_challenge_method: str | None = None,
) -> AuthorizationCode:
    """Issue an authorization code for a registered client, approved by ``approver`` (a member of
    the client's company) or, when ``approver`` is None, by the operator.

    An unknown client or a redirect URI the client has not registered is NotFound / Invalid (the
    caller must not redirect there); every other refusal is :class:`AuthorizationRefused`.
    """
    with uow:
        client = uow.repo.oauth_client(client_id)
        if client is None:
            raise NotFound(f"client_id: no client {client_id!r}", field="client_id")
        if redirect_uri not in uow.repo.redirect_uris(client.id):
            raise Invalid(
                "redirect_uri: not one of the client's registered redirect URIs",
                field="redirect_uri",
                code="invalid_request",
            )
        if response_type != "code":
            raise AuthorizationRefused(
                "response_type: only code is offered (the authorization-code grant)",
                code="unsupported_response_type" if response_type else "invalid_request",
                redirect_uri=redirect_uri,
            )
        actor = None
        if approver is not None:
            if client.company_id not in approver.memberships:
                raise AuthorizationRefused(
                    "the approving user is not a member of the client's company",
                    code="access_denied",
                    redirect_uri=redirect_uri,
                )
            actor = auth.act_in(approver, client.company_id)
        challenge = _pkce_challenge(code_challenge, code_challenge_method, redirect_uri)
        now = utcnow()
        code = f"dbg_{secrets.token_urlsafe(32)}"
        uow.repo.delete_expired_codes(client.id, now)
        uow.repo.add(
            OAuthAuthorizationCode(
                oauth_client_id=client.id,
                code_hash=auth.hash_token(code),
                redirect_uri=redirect_uri,
                scopes=client.scopes,
                code_challenge=challenge,
                expires_at=now + AUTHORIZATION_CODE_LIFETIME,
                created_at=now,
            )
        )
        audit.record(
            uow,
            actor,
            "authorize",
            "oauth_client",
            client.id,
            None,
            {"client_id": client.client_id, "redirect_uri": redirect_uri, "pkce": bool(challenge)},
            company_id=client.company_id,
        )
        uow.commit()
        return AuthorizationCode(
            code, redirect_uri, int(AUTHORIZATION_CODE_LIFETIME.total_seconds())
        )


def _pkce_challenge(challenge: str | None, method: str | None, redirect_uri: str) -> str | None:
    if not challenge:
        if method:
            raise AuthorizationRefused(
                "code_challenge_method without code_challenge",
                code="invalid_request",
                redirect_uri=redirect_uri,
            )
        return None
    if (method or "plain") != "S256":
        # "plain" sends the secret itself through the browser: only S256 is offered.
        raise AuthorizationRefused(
            "code_challenge_method: only S256 is supported",
            code="invalid_request",
            redirect_uri=redirect_uri,
        )
    if not PKCE_CHALLENGE.fullmatch(challenge):
        raise AuthorizationRefused(
            "code_challenge: the unpadded base64url SHA-256 of the code verifier (43 characters)",
            code="invalid_request",
            redirect_uri=redirect_uri,
        )
    return challenge


def authorization_code_grant(
    uow: UnitOfWork,
    *,
    client_id: str,
    client_secret: str,
    code: str,
    redirect_uri: str,
    code_verifier: str | None = None,
) -> IssuedTokens:
    """Tokens for an authorization code: issued to this client (which proves its secret), for
    this redirect URI, unexpired and unused, and (with PKCE) matching the verifier. The code is
    used up. A bad client is ``invalid_client``; anything wrong with the code ``invalid_grant``."""
    with uow:
        client = _authenticated_client(uow, client_id, client_secret)
        found = uow.repo.authorization_code_by_hash(auth.hash_token(code), lock=True)
        if found is None:
            raise Unauthorized(
                "the authorization code is invalid or already used", code="invalid_grant"
            )
        stored, owner = found
        if owner.id != client.id:
            raise Unauthorized(
                "the authorization code was issued to another client", code="invalid_grant"
            )
        if stored.used_at is not None:
            if stored.oauth_grant is not None:
                _revoke_grant(uow, client, stored.oauth_grant, "authorization code replayed")
                uow.commit()
            raise Unauthorized(
                "the authorization code was already used; the tokens issued for it are revoked",
                code="invalid_grant",
            )
        if stored.expires_at <= utcnow():
            raise Unauthorized("the authorization code has expired", code="invalid_grant")
        if not hmac.compare_digest(stored.redirect_uri.encode(), redirect_uri.encode()):
            raise Unauthorized(
                "redirect_uri differs from the one the code was issued for", code="invalid_grant"
            )
        _check_verifier(stored.code_challenge, code_verifier)
        grant = _new_grant()
        stored.used_at, stored.oauth_grant = utcnow(), grant
        issued = _issue(uow, client, stored.scopes, grant)
        uow.commit()
        return issued


def _check_verifier(challenge: str | None, verifier: str | None) -> None:
    if challenge is None:
        if verifier:
            # A verifier for a code issued without a challenge: a downgrade, not a bonus.
            raise Unauthorized(
                "code_verifier sent for a code issued without code_challenge",
                code="invalid_grant",
            )
        return
    if not verifier or not PKCE_VERIFIER.fullmatch(verifier):
        raise Unauthorized(
            "code_verifier: required, 43 to 128 characters [A-Za-z0-9-._~]", code="invalid_grant"
        )
    digest = hashlib.sha256(verifier.encode("ascii")).digest()
    expected = base64.urlsafe_b64encode(digest).decode().rstrip("=")
    if not hmac.compare_digest(expected, challenge):
        raise Unauthorized("code_verifier does not match code_challenge", code="invalid_grant")


def refresh_token_grant(
    uow: UnitOfWork, refresh_token: str, client_id: str | None = None
) -> IssuedTokens:
    """A new token pair for a refresh token that is known, unexpired and (when ``client_id`` is
    given) the client's own; the refresh token is used up."""
    with uow:
        found = uow.repo.refresh_token_by_hash(auth.hash_token(refresh_token), lock=True)
        if found is None:
            raise Unauthorized("the refresh token is invalid", code="invalid_grant")
        stored, client = found
        if client_id is not None and client_id != client.client_id:
            raise Unauthorized("the refresh token belongs to another client", code="invalid_grant")
        if stored.expires_at <= utcnow():
            raise Unauthorized("the refresh token has expired", code="invalid_grant")
        uow.repo.delete(stored)
        issued = _issue(uow, client, stored.scopes, stored.oauth_grant or _new_grant())
        uow.commit()
        return issued


def revoke(uow: UnitOfWork, *, client_id: str, client_secret: str, token: str) -> None:
    """RFC 7009: the client (which proves its secret) gives up one of its access or refresh
    tokens, and with it every token of the same grant. A token that is unknown, expired or
    another client's is not an error (§2.2): the answer is the same, so it reveals nothing."""
    with uow:
        client = _authenticated_client(uow, client_id, client_secret)
        found = uow.repo.oauth_token_grant(client.id, auth.hash_token(token))
        if found is None:
            return
        row, grant = found
        if grant is None:
            uow.repo.delete(row)  # issued before grants were recorded: only this token
            _audit_revoked(uow, client, 1, "revoked by the client")
        else:
            _revoke_grant(uow, client, grant, "revoked by the client")
        uow.commit()


def _revoke_grant(uow: UnitOfWork, client: OAuthClient, grant: str, reason: str) -> None:
    _audit_revoked(uow, client, uow.repo.delete_grant_tokens(client.id, grant), reason)


def _audit_revoked(uow: UnitOfWork, client: OAuthClient, tokens: int, reason: str) -> None:
    audit.record(
        uow,
        None,
        "revoke_token",
        "oauth_client",
        client.id,
        None,
        {"client_id": client.client_id, "tokens": tokens, "reason": reason},
        company_id=client.company_id,
    )


def _new_grant() -> str:
    return secrets.token_hex(16)


def _authenticated_client(uow: UnitOfWork, client_id: str, client_secret: str) -> OAuthClient:
    client = uow.repo.oauth_client(client_id)
    if client is None or not hmac.compare_digest(
        client.secret_hash, auth.hash_token(client_secret)
    ):
        raise Unauthorized("invalid client_id or client_secret", code="invalid_client")
    return client


def _issue(uow: UnitOfWork, client: OAuthClient, scopes: str, grant: str) -> IssuedTokens:
    now = utcnow()
    access = f"dba_{secrets.token_urlsafe(32)}"
    refresh = f"dbr_{secrets.token_urlsafe(32)}"
    uow.repo.add(
        ApiToken(
            user_id=client.user_id,
            token_hash=auth.hash_token(access),
            scopes=scopes,
            created_at=now,
            expires_at=now + ACCESS_TOKEN_LIFETIME,
            oauth_client_id=client.id,
            oauth_grant=grant,
        )
    )
    uow.repo.add(
        OAuthRefreshToken(
            oauth_client_id=client.id,
            token_hash=auth.hash_token(refresh),
            scopes=scopes,
            created_at=now,
            expires_at=now + REFRESH_TOKEN_LIFETIME,
            oauth_grant=grant,
        )
    )
    uow.repo.delete_expired_tokens(client.id, now)
    audit.record(
        uow,
        None,
        "issue_token",
        "oauth_client",
        client.id,
        None,
        {"client_id": client.client_id, "expires_at": _iso(now + ACCESS_TOKEN_LIFETIME)},
        company_id=client.company_id,
    )
    return IssuedTokens(
        access_token=access,
        refresh_token=refresh,
        expires_in=int(ACCESS_TOKEN_LIFETIME.total_seconds()),
    )


def _snapshot(row: OAuthClient) -> dict[str, object]:
    return audit.snapshot(row, skip={"secret_hash"})


def _iso(moment: datetime) -> str:
    return moment.isoformat()
