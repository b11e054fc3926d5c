"""Tokens and who they speak for.

A token is stored only as its SHA-256; the clear text is shown once, when it is created. A token
names a user; the user's memberships name the companies (and role in each) it may act in. Tokens
issued to an OAuth client (services/oauth.py) also expire, and act only in the client's company.
"""

from __future__ import annotations

import hashlib
import hmac
import secrets
from collections.abc import Iterable
from dataclasses import dataclass

from drawbridge.domain.errors import Conflict, Forbidden, Invalid, NotFound, Unauthorized
from drawbridge.domain.rules import (
    Role,
    Scope,
    check_can_read,
    check_can_write,
    check_is_admin,
    is_email_address,
)
from drawbridge.services import audit
from drawbridge.services.views import Actor, MemberView, Principal, TokenView, UserView
from drawbridge.store.models import ApiToken, Membership, User
from drawbridge.store.repositories import token_holder
from drawbridge.store.types import utcnow
from drawbridge.store.uow import UnitOfWork

ALL_SCOPES = (Scope.READ.value, Scope.WRITE.value)
MIN_TOKEN_LENGTH = 16
# The operator token can empty the database: long enough that it cannot be guessed.
MIN_OPERATOR_TOKEN_LENGTH = 24


class MembershipRequired(Forbidden):
    """A token was asked for a user who is not (yet) a member of the company, or in another role:
    granting or changing a membership must be asked for explicitly."""

    code = "membership_required"


@dataclass(frozen=True)
class IssuedToken:
    """A new token (shown once) and whom it speaks for."""

    token: str
    email: str
    name: str
    company_id: int
    company_name: str
    role: Role
    scopes: tuple[str, ...]
    user_created: bool
    membership_granted: bool  # a new membership, or a changed role
    token_id: int | None = None


def hash_token(token: str) -> str:
    return hashlib.sha256(token.encode()).hexdigest()


def authenticate(uow: UnitOfWork, token: str | None) -> Principal:
    if not token:
        raise Unauthorized("missing access token")
    with uow.read() as connection:
        rows = token_holder(connection, hash_token(token))
    if not rows:
        raise Unauthorized("the access token is invalid")
    first = rows[0]
    if first.expires_at is not None and first.expires_at <= utcnow():
        raise Unauthorized("the access token has expired", code="expired_token")
    memberships = {row.company_id: Role(row.role) for row in rows if row.company_id is not None}
    if first.oauth_client_id is not None:
        # A client's token acts only in the client's company, whatever else its user may do.
        memberships = {
            company_id: role
            for company_id, role in memberships.items()
            if company_id == first.client_company_id
        }
    return Principal(
        user_id=first.user_id,
        email=first.email,
        name=first.name,
        scopes=frozenset(first.scopes.split()),
        memberships=memberships,
        read_only_companies=frozenset(
            row.company_id for row in rows if row.company_id is not None and row.read_only
        ),
    )


# Who a token speaks for and what they can see, as it stands: (the token's hash, then for each
# company of its user the company, its ledger version, the role and whether read-only).
AnswerScope = tuple[str, tuple[tuple[int, int, str, bool], ...]]


def answer_scope(uow: UnitOfWork, token: str) -> AnswerScope | None:
    """Everything besides the request itself that a read answered to this token depends on,
    in one indexed query: None when the token is unknown or expired (the face answers that).

    Every answer is scoped to the companies the token's user belongs to, and every write to a
    company's records moves its ledger version (``store/ledger_versions.py``): two reads with
    the same request and the same scope get the same answer."""
    token_hash = hash_token(token)
    with uow.read() as connection:
        rows = token_holder(connection, token_hash)
    if not rows or (rows[0].expires_at is not None and rows[0].expires_at <= utcnow()):
        return None
    companies = sorted(
        (row.company_id, row.ledger_version, row.role, row.read_only)
        for row in rows
        if row.company_id is not None
    )
    return token_hash, tuple(companies)


def act_in(principal: Principal, company_id: int) -> Actor:
    """The principal acting in one company: 403 when it has no membership there."""
    role = principal.memberships.get(company_id)
    if role is None:
        raise Forbidden(f"no access to company {company_id}", field="company_id")
    scopes = principal.scopes
    if company_id in principal.read_only_companies:
        scopes = scopes - {Scope.WRITE.value}
    return Actor(
        user_id=principal.user_id,
        company_id=company_id,
        role=role,
        scopes=scopes,
        email=principal.email,
        name=principal.name,
    )


def act_as_member(uow: UnitOfWork, email: str, company_id: int | None = None) -> Actor:
    """A member of a company acting on the command line, named by email.

    Whoever can open the database file or reach the database server already holds every
    record, so the command line needs no token: it acts as the member it names, with the role
    that member has in the company (the same rules as on every face), reading and writing.
    ``company_id`` may be left out for a member of one company only.
    """
    with uow:
        user = uow.repo.user_by_email(email.strip())
        if user is None:
            raise NotFound(f"--as: no user with the email {email!r}", field="as")
        memberships = uow.repo.memberships_of(user.id)
        principal = Principal(
            user_id=user.id,
            email=user.email,
            name=user.name,
            scopes=frozenset({Scope.READ.value, Scope.WRITE.value}),
            memberships={company: Role(role) for company, role in memberships.items()},
        )
    if company_id is None:
        if len(memberships) != 1:
            companies = ", ".join(str(company) for company in sorted(memberships)) or "none"
            raise Invalid(
                f"--company: {user.email} belongs to companies {companies}: name one",
                field="company",
            )
        company_id = next(iter(memberships))
    return act_in(principal, company_id)


def only_company(principal: Principal) -> Actor:
    """For faces whose token implies the company (ACC, Intacct): the user's one company.

    A user in several companies acts in the lowest-numbered one.
    """
    if not principal.memberships:
        raise Forbidden("this user belongs to no company")
    return act_in(principal, min(principal.memberships))


def check_operator_token(token: str) -> None:
    """Refuse an operator token short enough to guess."""
    if len(token) < MIN_OPERATOR_TOKEN_LENGTH:
        raise Invalid(
            f"the operator token has {len(token)} characters; at least "
            f"{MIN_OPERATOR_TOKEN_LENGTH} are needed",
            field="operator_token",
        )


def operator_token_matches(given: str | None, expected: str | None) -> bool:
    if not (given and expected) or len(expected) < MIN_OPERATOR_TOKEN_LENGTH:
        return False
    return hmac.compare_digest(given, expected)


def parse_scopes(scopes: Iterable[str]) -> tuple[str, ...]:
    chosen = tuple(dict.fromkeys(scope.strip() for scope in scopes if scope.strip()))
    for scope in chosen:
        if scope not in ALL_SCOPES:
            raise Invalid(f"scopes: unknown scope {scope!r}", field="scopes")
    return chosen or ALL_SCOPES


def add_token(uow: UnitOfWork, user: User, token: str, scopes: Iterable[str]) -> ApiToken:
    """Store a token (inside the caller's transaction)."""
    if len(token) < MIN_TOKEN_LENGTH:
        raise Invalid(f"token: at least {MIN_TOKEN_LENGTH} characters", field="token")
    row = ApiToken(user_id=user.id, token_hash=hash_token(token), scopes=" ".join(scopes))
    uow.repo.add(row)
    return row


def ensure_user(uow: UnitOfWork, email: str, name: str = "") -> User:
    user = uow.repo.user_by_email(email)
    if user is None:
        user = User(email=email, name=name or email)
        uow.repo.add(user)
        uow.flush()
    return user


def ensure_membership(uow: UnitOfWork, user: User, company_id: int, role: Role) -> None:
    membership = uow.repo.membership(user.id, company_id)
    if membership is None:
        uow.repo.add(Membership(user_id=user.id, company_id=company_id, role=role.value))
    else:
        membership.role = role.value


def set_read_only(uow: UnitOfWork, user: User, company_id: int) -> None:
    """Make a member read-only in a company (inside the caller's transaction)."""
    uow.flush()
    membership = uow.repo.membership(user.id, company_id)
    assert membership is not None
    membership.read_only = True


def create_token(
    uow: UnitOfWork,
    *,
    email: str,
    company_id: int,
    role: Role | None = None,
    scopes: Iterable[str] = (),
    grant_membership: bool = False,
) -> IssuedToken:
    """A new token for a member of a company.

    A user who is not a member of the company (a new user included), or a ``role`` other than the
    member's, needs ``grant_membership``: a token never widens access silently. ``role`` defaults
    to the member's role, or ``standard`` for a new membership.
    """
    chosen = parse_scopes(scopes)
    if not is_email_address(email):
        raise Invalid(f"email: {email!r} is not an email address", field="email")
    with uow:
        company = uow.repo.company(company_id)
        if company is None:
            raise NotFound(f"no company {company_id}", field="company")
        user = uow.repo.user_by_email(email)
        membership = uow.repo.membership(user.id, company_id) if user else None
        current = Role(membership.role) if membership else None
        wanted = role or current or Role.STANDARD
        if wanted != current and not grant_membership:
            raise MembershipRequired(
                f"{email} is not a member of company {company_id} ({company.name})"
                if current is None
                else f"{email} is {current.value} in company {company_id} ({company.name}), "
                f"not {wanted.value}",
                field="email",
            )
        user_created = user is None
        user = ensure_user(uow, email)
        if wanted != current:
            ensure_membership(uow, user, company_id, wanted)
        token = f"db_{secrets.token_urlsafe(32)}"
        row = add_token(uow, user, token, chosen)
        uow.flush()
        # The operator's command line acts as no user; the token's hash stays out of the trail.
        audit.record(
            uow,
            None,
            "create",
            "api_token",
            row.id,
            None,
            {"user_id": user.id, "email": user.email, "role": wanted.value, "scopes": list(chosen)},
            company_id=company_id,
        )
        uow.commit()
        return IssuedToken(
            token=token,
            email=user.email,
            name=user.name,
            company_id=company_id,
            company_name=company.name,
            role=wanted,
            scopes=chosen,
            user_created=user_created,
            membership_granted=wanted != current,
        )


# -- the company's members and their tokens (admins) -----------------------------------------------


def list_members(uow: UnitOfWork, actor: Actor) -> list[MemberView]:
    check_can_read(actor.scopes)
    check_is_admin(actor.role, "list the company's users")
    with uow:
        return [_member_view(user, m.role) for m, user in uow.repo.members(actor.company_id)]


def get_member(uow: UnitOfWork, actor: Actor, user_id: int) -> MemberView:
    check_can_read(actor.scopes)
    check_is_admin(actor.role, "read the company's users")
    with uow:
        membership, user = _member(uow, actor, user_id)
        return _member_view(user, membership.role)


def add_member(
    uow: UnitOfWork, actor: Actor, *, email: str, name: str = "", role: Role = Role.STANDARD
) -> MemberView:
    """Make a user (new, or known by email) a member of the company."""
    check_can_write(actor.scopes)
    check_is_admin(actor.role, "add users to the company")
    if not is_email_address(email):
        raise Invalid(f"email: {email!r} is not an email address", field="email")
    with uow:
        user = uow.repo.user_by_email(email)
        if user is not None and uow.repo.membership(user.id, actor.company_id) is not None:
            raise Conflict(f"email: {email} is already a member", field="email")
        user = ensure_user(uow, email, name)
        ensure_membership(uow, user, actor.company_id, role)
        uow.flush()
        audit.record(
            uow, actor, "create", "membership", user.id, None, {"email": email, "role": role.value}
        )
        uow.commit()
        return _member_view(user, role.value)


def change_member(
    uow: UnitOfWork, actor: Actor, user_id: int, *, role: Role | None, name: str | None
) -> MemberView:
    """Change a member's role (the company keeps at least one admin) or name."""
    check_can_write(actor.scopes)
    check_is_admin(actor.role, "change the company's users")
    with uow:
        membership, user = _member(uow, actor, user_id)
        before = {"role": membership.role, "name": user.name}
        if role is not None and role.value != membership.role:
            if membership.role == Role.ADMIN.value:
                _check_other_admin(uow, actor, user_id)
            membership.role = role.value
        if name is not None:
            user.name = name
        uow.flush()
        after = {"role": membership.role, "name": user.name}
        audit.record(uow, actor, "update", "membership", user.id, before, after)
        uow.commit()
        return _member_view(user, membership.role)


def remove_member(uow: UnitOfWork, actor: Actor, user_id: int) -> None:
    """End a user's membership (the company keeps at least one admin)."""
    check_can_write(actor.scopes)
    check_is_admin(actor.role, "remove users from the company")
    with uow:
        membership, user = _member(uow, actor, user_id)
        if membership.role == Role.ADMIN.value:
            _check_other_admin(uow, actor, user_id)
        before = {"email": user.email, "role": membership.role}
        uow.repo.delete(membership)
        audit.record(uow, actor, "delete", "membership", user.id, before, None)
        uow.commit()


def list_tokens(uow: UnitOfWork, actor: Actor) -> list[TokenView]:
    """The tokens of the company's members (never their secrets)."""
    check_can_read(actor.scopes)
    check_is_admin(actor.role, "list the company's tokens")
    with uow:
        users = {user.id: user for _, user in uow.repo.members(actor.company_id)}
        return [_token_view(row, users[row.user_id]) for row in uow.repo.tokens_of(users)]


def issue_token(
    uow: UnitOfWork, actor: Actor, user_id: int, scopes: Iterable[str] = ()
) -> IssuedToken:
    """A new API token for a member; its secret is shown this once."""
    check_can_write(actor.scopes)
    check_is_admin(actor.role, "issue tokens")
    chosen = parse_scopes(scopes)
    with uow:
        membership, user = _member(uow, actor, user_id)
        company = uow.repo.company(actor.company_id)
        assert company is not None
        token = f"db_{secrets.token_urlsafe(32)}"
        row = add_token(uow, user, token, chosen)
        uow.flush()
        audit.record(
            uow,
            actor,
            "create",
            "api_token",
            row.id,
            None,
            {"user_id": user.id, "email": user.email, "scopes": list(chosen)},
        )
        uow.commit()
        return IssuedToken(
            token=token,
            email=user.email,
            name=user.name,
            company_id=company.id,
            company_name=company.name,
            role=Role(membership.role),
            scopes=chosen,
            user_created=False,
            membership_granted=False,
            token_id=row.id,
        )


def revoke_token(uow: UnitOfWork, actor: Actor, token_id: int) -> None:
    """Revoke a member's token (a token is its user's: it stops working in every company)."""
    check_can_write(actor.scopes)
    check_is_admin(actor.role, "revoke tokens")
    with uow:
        row = uow.repo.api_token(token_id)
        if row is None or uow.repo.membership(row.user_id, actor.company_id) is None:
            raise NotFound(f"no token {token_id} of this company's users", field="id")
        before = {"user_id": row.user_id, "scopes": row.scopes.split()}
        uow.repo.delete(row)
        audit.record(uow, actor, "delete", "api_token", token_id, before, None)
        uow.commit()


def _member(uow: UnitOfWork, actor: Actor, user_id: int) -> tuple[Membership, User]:
    membership = uow.repo.membership(user_id, actor.company_id)
    users = uow.repo.users([user_id])
    if membership is None or user_id not in users:
        raise NotFound(f"no user {user_id} in this company", field="id")
    return membership, users[user_id]


def _check_other_admin(uow: UnitOfWork, actor: Actor, user_id: int) -> None:
    admins = [
        user.id
        for membership, user in uow.repo.members(actor.company_id)
        if membership.role == Role.ADMIN.value and user.id != user_id
    ]
    if not admins:
        raise Conflict(
            "role: the company needs at least one admin; make another user admin first",
            field="role",
            code="last_admin",
        )


def _member_view(user: User, role: str) -> MemberView:
    return MemberView(user=UserView(id=user.id, email=user.email, name=user.name), role=Role(role))


def _token_view(row: ApiToken, user: User) -> TokenView:
    return TokenView(
        id=row.id,
        user=UserView(id=user.id, email=user.email, name=user.name),
        scopes=tuple(row.scopes.split()),
        created_at=row.created_at,
        expires_at=row.expires_at,
        oauth_client_id=row.oauth_client_id,
    )
