"""Passwords and signed-in browsers (the web pages at ``/app``).

A password is stored as a salted scrypt hash (stdlib ``hashlib.scrypt``, a fresh random salt per
password); nothing else about it is kept. Signing in creates a session that acts in one company:
the browser holds a random token in an HttpOnly cookie and the database only its SHA-256, as for
API tokens. Each session also has a CSRF secret that every form posts back. A session ends when
it expires or its user signs out. A user who belongs to several companies moves their session
from one to another (:func:`switch_company`); it then acts with their role in that company.

Who may set a password: the user themself, or an admin of a company the user belongs to (an
operator at the command line acts as nobody and may set anyone's). A read-only member's session
carries only ``data:read``, so every write refuses it in the services, wherever it comes from.
"""

from __future__ import annotations

import hashlib
import hmac
import secrets
from dataclasses import dataclass
from datetime import datetime, timedelta

from drawbridge.domain.errors import Forbidden, Invalid, NotFound, Unauthorized
from drawbridge.domain.rules import Role, Scope, check_can_write, password_problem
from drawbridge.services import audit
from drawbridge.services.auth import hash_token
from drawbridge.services.views import Actor
from drawbridge.store.models import User, WebSession
from drawbridge.store.types import utcnow
from drawbridge.store.uow import UnitOfWork

SESSION_LIFETIME = timedelta(hours=12)
# scrypt's cost: 2**14 × 8 × 128 bytes = 16 MiB of memory per check, tens of milliseconds.
_SCRYPT_N, _SCRYPT_R, _SCRYPT_P = 2**14, 8, 1
# Checked against when the email is unknown, so a wrong email costs as long as a wrong password.
_DUMMY_HASH = "scrypt$16384$8$1$00000000000000000000000000000000$" + "0" * 64


@dataclass(frozen=True)
class IssuedSession:
    """A new session: the cookie value (shown once) and when it stops working."""

    token: str
    expires_at: datetime


@dataclass(frozen=True)
class CompanyChoice:
    """A company the signed-in user belongs to, for the company switcher."""

    id: int
    name: str


@dataclass(frozen=True)
class SignedIn:
    """A live session: who acts, in which company, and the secret its forms must carry;
    ``companies`` are every company the user belongs to, by id."""

    actor: Actor
    company_name: str
    csrf_secret: str
    expires_at: datetime
    companies: tuple[CompanyChoice, ...] = ()

    @property
    def read_only(self) -> bool:
        return Scope.WRITE.value not in self.actor.scopes


def hash_password(password: str) -> str:
    salt = secrets.token_bytes(16)
    digest = _scrypt(password, salt, _SCRYPT_N, _SCRYPT_R, _SCRYPT_P)
    return f"scrypt${_SCRYPT_N}${_SCRYPT_R}${_SCRYPT_P}${salt.hex()}${digest.hex()}"


def password_matches(stored: str | None, password: str) -> bool:
    try:
        scheme, n, r, p, salt, digest = (stored or _DUMMY_HASH).split("$")
        if scheme != "scrypt":
            return False
        computed = _scrypt(password, bytes.fromhex(salt), int(n), int(r), int(p))
    except ValueError:
        return False
    return stored is not None and hmac.compare_digest(computed.hex(), digest)


def _scrypt(password: str, salt: bytes, n: int, r: int, p: int) -> bytes:
    return hashlib.scrypt(
        password.encode(), salt=salt, n=n, r=r, p=p, maxmem=64 * 1024 * 1024, dklen=32
    )


def check_password(password: str) -> None:
    problem = password_problem(password)
    if problem is not None:
        raise Invalid(f"password: {problem}", field="password")


def set_password(uow: UnitOfWork, actor: Actor, user_id: int, password: str) -> None:
    """Set a user's password: the user themself, or an admin of a company the user is in."""
    check_password(password)
    with uow:
        user = uow.repo.user(user_id)
        membership = uow.repo.membership(user_id, actor.company_id) if user else None
        if user is None or (membership is None and actor.user_id != user_id):
            raise NotFound(f"no user {user_id} in this company", field="user_id")
        if actor.user_id != user_id:
            check_can_write(actor.scopes)
            if actor.role is not Role.ADMIN:
                raise Forbidden("only an admin may set another member's password", field="user_id")
        _store_password(uow, actor, user, password, actor.company_id)
        uow.commit()


def set_password_by_email(uow: UnitOfWork, email: str, password: str) -> str:
    """The operator's way (``drawbridge user set-password``): any user, by email. Returns the
    user's name."""
    check_password(password)
    with uow:
        user = uow.repo.user_by_email(email)
        if user is None:
            raise NotFound(f"email: no user {email}", field="email")
        companies = sorted(uow.repo.memberships_of(user.id))
        _store_password(uow, None, user, password, companies[0] if companies else None)
        uow.commit()
        return user.name


def _store_password(
    uow: UnitOfWork, actor: Actor | None, user: User, password: str, company_id: int | None
) -> None:
    user.password_hash = hash_password(password)
    # Sessions signed in with the old password end with it.
    for session in uow.repo.web_sessions_of(user.id):
        uow.repo.delete(session)
    if company_id is not None:  # the trail records that it changed, never the hash
        audit.record(
            uow,
            actor,
            "set_password",
            "user",
            user.id,
            None,
            {"user_id": user.id, "email": user.email},
            company_id=company_id,
        )


def sign_in(
    uow: UnitOfWork,
    email: str,
    password: str,
    *,
    company_id: int | None = None,
    lifetime: timedelta = SESSION_LIFETIME,
) -> IssuedSession:
    """A new session for the user with this email and password, acting in ``company_id`` (by
    default the lowest-numbered company the user belongs to)."""
    refused = Unauthorized("the email or password is not right", code="sign_in_failed")
    with uow:
        user = uow.repo.user_by_email(email.strip()) if email.strip() else None
        if not password_matches(user.password_hash if user else None, password) or user is None:
            raise refused
        memberships = uow.repo.memberships_of(user.id)
        if not memberships:
            raise Forbidden("this user belongs to no company")
        chosen = company_id if company_id is not None else min(memberships)
        if chosen not in memberships:
            raise Forbidden(f"no access to company {chosen}", field="company_id")
        now = utcnow()
        uow.repo.delete_expired_web_sessions(now)
        token = secrets.token_urlsafe(32)
        expires_at = now + lifetime
        uow.repo.add(
            WebSession(
                token_hash=hash_token(token),
                user_id=user.id,
                company_id=chosen,
                created_at=now,
                expires_at=expires_at,
                csrf_secret=secrets.token_urlsafe(32),
            )
        )
        uow.commit()
        return IssuedSession(token=token, expires_at=expires_at)


def signed_in(uow: UnitOfWork, token: str | None) -> SignedIn:
    """The session a browser's cookie names: 401 when there is none or it has expired."""
    if not token:
        raise Unauthorized("please sign in", code="signed_out")
    with uow:
        found = uow.repo.web_session_by_hash(hash_token(token))
        if found is None:
            raise Unauthorized("please sign in", code="signed_out")
        session, user = found
        if session.expires_at <= utcnow():
            raise Unauthorized("your session has expired: please sign in again", code="expired")
        membership = uow.repo.membership(user.id, session.company_id)
        companies = uow.repo.companies_of_user(user.id)
        company = next((c for c in companies if c.id == session.company_id), None)
        if membership is None or company is None:
            raise Unauthorized("please sign in", code="signed_out")
        scopes = {Scope.READ.value} if membership.read_only else {s.value for s in Scope}
        return SignedIn(
            actor=Actor(
                user_id=user.id,
                company_id=session.company_id,
                role=Role(membership.role),
                scopes=frozenset(scopes),
                email=user.email,
                name=user.name,
            ),
            company_name=company.name,
            csrf_secret=session.csrf_secret,
            expires_at=session.expires_at,
            companies=tuple(CompanyChoice(id=c.id, name=c.name) for c in companies),
        )


def switch_company(uow: UnitOfWork, token: str | None, company_id: int) -> None:
    """Move the cookie's live session to another company its user belongs to."""
    with uow:
        found = uow.repo.web_session_by_hash(hash_token(token)) if token else None
        if found is None or found[0].expires_at <= utcnow():
            raise Unauthorized("please sign in", code="signed_out")
        session, user = found
        if uow.repo.membership(user.id, company_id) is None:
            raise Forbidden(
                f"company_id: you are not a member of company {company_id}", field="company_id"
            )
        session.company_id = company_id
        uow.commit()


def sign_out(uow: UnitOfWork, token: str | None) -> None:
    if not token:
        return
    with uow:
        found = uow.repo.web_session_by_hash(hash_token(token))
        if found is not None:
            uow.repo.delete(found[0])
        uow.commit()


def csrf_matches(expected: str, given: str | None) -> bool:
    return bool(given) and hmac.compare_digest(expected, given or "")
