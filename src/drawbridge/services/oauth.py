"""OAuth clients: the client-credentials and refresh-token grants, for any face.

A registered client has a public ``client_id`` and a secret; it acts as one user of one company.
Only SHA-256 hashes of secrets and tokens are stored (each is long and random, so a fast hash is
enough, as for API tokens). A grant issues an access token, an ordinary API token row that
expires after :data:`ACCESS_TOKEN_LIFETIME` and acts only in the client's company, so
``auth.authenticate`` accepts it on every face, and a refresh token that lasts longer. Refreshing
consumes the refresh token and issues a new pair (rotation): a refresh token works once.
Faces render the result in their vendor's shape (Intacct ``/oauth2/token``, and later Procore
``/oauth/token`` and ACC ``/authentication/v2/token``).
"""

from __future__ import annotations

import hmac
import secrets
from collections.abc import Iterable
from dataclasses import dataclass
from datetime import datetime, timedelta

from drawbridge.domain.errors import Invalid, NotFound, Unauthorized
from drawbridge.services import audit, auth
from drawbridge.store.models import ApiToken, OAuthClient, OAuthRefreshToken, User
from drawbridge.store.types import utcnow
from drawbridge.store.uow import UnitOfWork

ACCESS_TOKEN_LIFETIME = timedelta(hours=1)
REFRESH_TOKEN_LIFETIME = timedelta(days=30)
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


@dataclass(frozen=True)
class IssuedTokens:
    access_token: str
    refresh_token: str
    expires_in: int  # seconds
    token_type: str = "Bearer"


def create_client(
    uow: UnitOfWork, *, company_id: int, email: str, name: str | None = None
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
            uow, company_id, user, client_id=client_id, secret=secret, name=name or client_id
        )
        uow.flush()
        # The operator's command line acts as no user.
        audit.record(
            uow, None, "create", "oauth_client", row.id, None, _snapshot(row), company_id=company_id
        )
        uow.commit()
        return ClientCredentials(client_id, secret, row.name, company_id, user.email)


def add_client(
    uow: UnitOfWork,
    company_id: int,
    user: User,
    *,
    client_id: str,
    secret: str,
    name: str,
    scopes: Iterable[str] = auth.ALL_SCOPES,
) -> OAuthClient:
    """Store a client (inside the caller's transaction); the caller checks the membership."""
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
    return row


def client_credentials_grant(uow: UnitOfWork, client_id: str, client_secret: str) -> IssuedTokens:
    """Tokens for a client that proves its secret; anything else is Unauthorized."""
    with uow:
        client = uow.repo.oauth_client(client_id)
        if client is None or not hmac.compare_digest(
            client.secret_hash, auth.hash_token(client_secret)
        ):
            raise Unauthorized("invalid client_id or client_secret", code="invalid_client")
        issued = _issue(uow, client, client.scopes)
        uow.commit()
        return issued


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
        issued = _issue(uow, client, stored.scopes)
        uow.commit()
        return issued


def _issue(uow: UnitOfWork, client: OAuthClient, scopes: str) -> IssuedTokens:
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
        )
    )
    uow.repo.add(
        OAuthRefreshToken(
            oauth_client_id=client.id,
            token_hash=auth.hash_token(refresh),
            scopes=scopes,
            created_at=now,
            expires_at=now + REFRESH_TOKEN_LIFETIME,
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
