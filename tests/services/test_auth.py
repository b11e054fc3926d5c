"""Tokens: created, authenticated, scoped to their companies, stored only as hashes."""

from __future__ import annotations

import pytest
from sqlalchemy import select

from drawbridge.bootstrap import Runtime
from drawbridge.domain.errors import Forbidden, Invalid, NotFound, Unauthorized
from drawbridge.domain.rules import Role, Scope
from drawbridge.services import auth
from drawbridge.store.models import ApiToken
from tests.services.helpers import COMPANY, OTHER_COMPANY, ledger_document
from tests.support import load


@pytest.fixture
def ledger(runtime: Runtime) -> Runtime:
    load(runtime, ledger_document())
    return runtime


def test_a_created_token_authenticates_as_its_user(ledger: Runtime) -> None:
    token = auth.create_token(
        ledger.uow(),
        email="new@acme.test",
        company_id=COMPANY,
        role=Role.STANDARD,
        grant_membership=True,
    ).token

    principal = auth.authenticate(ledger.uow(), token)
    assert principal.email == "new@acme.test"
    assert principal.memberships == {COMPANY: Role.STANDARD}
    assert principal.scopes == {Scope.READ.value, Scope.WRITE.value}
    actor = auth.act_in(principal, COMPANY)
    assert (actor.company_id, actor.role, actor.user_id) == (
        COMPANY,
        Role.STANDARD,
        principal.user_id,
    )
    assert auth.only_company(principal).company_id == COMPANY


def test_scopes_and_roles_are_kept(ledger: Runtime) -> None:
    token = auth.create_token(
        ledger.uow(),
        email="reader@acme.test",
        company_id=COMPANY,
        role=Role.ADMIN,
        scopes=[Scope.READ.value],
        grant_membership=True,
    ).token
    principal = auth.authenticate(ledger.uow(), token)
    assert principal.scopes == {Scope.READ.value}
    assert principal.memberships == {COMPANY: Role.ADMIN}
    with pytest.raises(Invalid):
        auth.create_token(
            ledger.uow(), email="x@acme.test", company_id=COMPANY, role=Role.ADMIN, scopes=["root"]
        )
    with pytest.raises(NotFound):
        auth.create_token(ledger.uow(), email="x@acme.test", company_id=999, role=Role.ADMIN)


def test_fixture_tokens_authenticate(ledger: Runtime) -> None:
    principal = auth.authenticate(ledger.uow(), "acme-admin-token-0001")
    assert principal.email == "pm@acme.test"
    assert principal.memberships == {COMPANY: Role.ADMIN}


@pytest.mark.parametrize("token", [None, "", "db_not-a-token", "acme-admin-token-0002"])
def test_an_unknown_or_missing_token_is_unauthorized(ledger: Runtime, token: str | None) -> None:
    with pytest.raises(Unauthorized):
        auth.authenticate(ledger.uow(), token)


def test_acting_in_a_foreign_company_is_forbidden(ledger: Runtime) -> None:
    principal = auth.authenticate(ledger.uow(), "acme-admin-token-0001")
    with pytest.raises(Forbidden):
        auth.act_in(principal, OTHER_COMPANY)
    with pytest.raises(Forbidden):
        auth.act_in(principal, 999)

    # A second membership opens the second company, with its own role.
    auth.create_token(
        ledger.uow(),
        email="pm@acme.test",
        company_id=OTHER_COMPANY,
        role=Role.STANDARD,
        grant_membership=True,
    )
    principal = auth.authenticate(ledger.uow(), "acme-admin-token-0001")
    assert auth.act_in(principal, OTHER_COMPANY).role is Role.STANDARD
    assert auth.act_in(principal, COMPANY).role is Role.ADMIN


def test_tokens_are_stored_only_as_hashes(ledger: Runtime) -> None:
    token = auth.create_token(
        ledger.uow(),
        email="new@acme.test",
        company_id=COMPANY,
        role=Role.ADMIN,
        grant_membership=True,
    ).token
    clear = [token, "acme-admin-token-0001", "harbor-admin-token-0001"]

    with ledger.engine.connect() as connection:
        rows = [
            tuple(str(v) for v in row) for row in connection.execute(select(ApiToken.__table__))
        ]
    stored = " ".join(" ".join(row) for row in rows)
    assert len(rows) == 4
    for value in clear:
        assert value not in stored
        assert auth.hash_token(value) in stored


def test_creating_a_token_is_audited_without_its_secret(runtime: Runtime) -> None:
    load(runtime, ledger_document())
    token = auth.create_token(
        runtime.uow(),
        email="new@acme.test",
        company_id=COMPANY,
        role=Role.STANDARD,
        grant_membership=True,
    ).token
    with runtime.uow() as uow:
        event = uow.repo.audit_events(COMPANY, "api_token")[-1]
        action, after = event.action, event.after
    assert action == "create"
    assert after is not None
    assert after["email"] == "new@acme.test"
    assert after["scopes"] == ["data:read", "data:write"]
    assert token not in str(after)
    assert auth.hash_token(token) not in str(after)


def test_a_token_never_grants_a_membership_unless_asked(ledger: Runtime) -> None:
    # pm@acme.test is an admin of COMPANY only; a token for OTHER_COMPANY needs the grant.
    with pytest.raises(auth.MembershipRequired, match="not a member of company"):
        auth.create_token(ledger.uow(), email="pm@acme.test", company_id=OTHER_COMPANY)
    with pytest.raises(auth.MembershipRequired, match="not a member of company"):
        auth.create_token(ledger.uow(), email="brand-new@acme.test", company_id=COMPANY)
    # Nor changes a member's role.
    with pytest.raises(auth.MembershipRequired, match="is admin in company"):
        auth.create_token(
            ledger.uow(), email="pm@acme.test", company_id=COMPANY, role=Role.STANDARD
        )
    principal = auth.authenticate(ledger.uow(), "acme-admin-token-0001")
    assert principal.memberships == {COMPANY: Role.ADMIN}
    with ledger.uow() as uow:
        assert uow.repo.user_by_email("brand-new@acme.test") is None

    # A member's token keeps the member's role and grants nothing.
    issued = auth.create_token(ledger.uow(), email="pm@acme.test", company_id=COMPANY)
    assert (issued.role, issued.membership_granted, issued.user_created) == (
        Role.ADMIN,
        False,
        False,
    )
    assert auth.authenticate(ledger.uow(), issued.token).memberships == {COMPANY: Role.ADMIN}


@pytest.mark.parametrize("email", ["notanemail", "two words@acme.test", "@acme.test", ""])
def test_a_token_needs_an_email_address(ledger: Runtime, email: str) -> None:
    with pytest.raises(Invalid, match="not an email address"):
        auth.create_token(ledger.uow(), email=email, company_id=COMPANY, grant_membership=True)


@pytest.mark.parametrize(
    ("given", "expected", "matches"),
    [
        ("a", "a", False),  # too short to be an operator token, even when it matches
        ("x" * 24, "x" * 24, True),
        ("x" * 24, "y" * 24, False),
        (None, "x" * 24, False),
    ],
)
def test_operator_tokens_are_long(given: str | None, expected: str, matches: bool) -> None:
    assert auth.operator_token_matches(given, expected) is matches
    if len(expected) < auth.MIN_OPERATOR_TOKEN_LENGTH:
        with pytest.raises(Invalid, match="at least 24"):
            auth.check_operator_token(expected)
