"""Passwords and web sessions: who may set a password, signing in, expiry, sign-out, and a
read-only member's sessions and tokens."""

from __future__ import annotations

from datetime import timedelta

import pytest
from sqlalchemy import select

from drawbridge.bootstrap import Runtime
from drawbridge.domain.errors import Forbidden, Invalid, NotFound, Unauthorized
from drawbridge.domain.rules import Role, Scope
from drawbridge.services import auth, web_sessions
from drawbridge.services.views import Actor
from drawbridge.store.models import User, WebSession
from tests.services.helpers import COMPANY, OTHER_COMPANY, ledger_document
from tests.support import load

PASSWORD = "correct horse battery"


@pytest.fixture
def ledger(runtime: Runtime) -> Runtime:
    document = ledger_document()
    users = document["companies"][0]["users"]
    users[0]["password"] = PASSWORD  # pm@acme.test, admin
    users.append(
        {"email": "viewer@acme.test", "read_only": True, "password": PASSWORD, "tokens": []}
    )
    load(runtime, document)
    return runtime


def _user_id(runtime: Runtime, email: str) -> int:
    with runtime.uow() as uow:
        user = uow.repo.user_by_email(email)
        assert user is not None
        return user.id


def _actor(runtime: Runtime, email: str, role: Role, company: int = COMPANY) -> Actor:
    return Actor(
        user_id=_user_id(runtime, email),
        company_id=company,
        role=role,
        scopes=frozenset({Scope.READ.value, Scope.WRITE.value}),
    )


def test_a_password_is_stored_as_a_salted_hash() -> None:
    first, second = web_sessions.hash_password(PASSWORD), web_sessions.hash_password(PASSWORD)
    assert first != second  # a fresh salt each time
    assert PASSWORD not in first
    assert web_sessions.password_matches(first, PASSWORD)
    assert not web_sessions.password_matches(first, PASSWORD + "!")
    assert not web_sessions.password_matches(None, PASSWORD)
    assert not web_sessions.password_matches("md5$garbage", PASSWORD)


def test_sign_in_then_the_session_acts_as_the_member(ledger: Runtime) -> None:
    issued = web_sessions.sign_in(ledger.uow(), "PM@acme.test", PASSWORD)
    signed = web_sessions.signed_in(ledger.uow(), issued.token)
    assert signed.actor.email == "pm@acme.test"
    assert signed.actor.company_id == COMPANY
    assert signed.actor.role is Role.ADMIN
    assert signed.actor.scopes == {Scope.READ.value, Scope.WRITE.value}
    assert not signed.read_only
    with ledger.uow() as uow:
        stored = uow.session.scalars(select(WebSession)).one()
        assert stored.token_hash == auth.hash_token(issued.token)
        assert issued.token not in (stored.token_hash, stored.csrf_secret)


@pytest.mark.parametrize(
    ("email", "password"),
    [("pm@acme.test", "wrong password"), ("nobody@acme.test", PASSWORD), ("", PASSWORD)],
)
def test_a_wrong_email_or_password_is_one_refusal(
    ledger: Runtime, email: str, password: str
) -> None:
    with pytest.raises(Unauthorized, match="the email or password is not right"):
        web_sessions.sign_in(ledger.uow(), email, password)


def test_a_user_without_a_password_cannot_sign_in(ledger: Runtime) -> None:
    with pytest.raises(Unauthorized):
        web_sessions.sign_in(ledger.uow(), "sam@acme.test", "")


def test_a_session_expires_and_sign_out_ends_it(ledger: Runtime) -> None:
    expired = web_sessions.sign_in(
        ledger.uow(), "pm@acme.test", PASSWORD, lifetime=timedelta(seconds=-1)
    )
    with pytest.raises(Unauthorized) as refused:
        web_sessions.signed_in(ledger.uow(), expired.token)
    assert refused.value.code == "expired"
    live = web_sessions.sign_in(ledger.uow(), "pm@acme.test", PASSWORD)
    web_sessions.sign_out(ledger.uow(), live.token)
    with pytest.raises(Unauthorized):
        web_sessions.signed_in(ledger.uow(), live.token)
    with ledger.uow() as uow:  # signing in again swept the expired one away
        assert uow.session.scalars(select(WebSession)).all() == []


def test_a_read_only_members_session_and_tokens_only_read(ledger: Runtime) -> None:
    issued = web_sessions.sign_in(ledger.uow(), "viewer@acme.test", PASSWORD)
    signed = web_sessions.signed_in(ledger.uow(), issued.token)
    assert signed.read_only
    assert signed.actor.scopes == {Scope.READ.value}
    token = auth.create_token(ledger.uow(), email="viewer@acme.test", company_id=COMPANY).token
    principal = auth.authenticate(ledger.uow(), token)
    assert principal.scopes == {Scope.READ.value, Scope.WRITE.value}  # as issued
    assert auth.act_in(principal, COMPANY).scopes == {Scope.READ.value}  # as a read-only member


def test_members_set_their_own_password_and_admins_set_their_members(ledger: Runtime) -> None:
    sam = _user_id(ledger, "sam@acme.test")
    web_sessions.set_password(
        ledger.uow(), _actor(ledger, "sam@acme.test", Role.STANDARD), sam, "sams own passphrase"
    )
    web_sessions.sign_in(ledger.uow(), "sam@acme.test", "sams own passphrase")
    web_sessions.set_password(
        ledger.uow(), _actor(ledger, "pm@acme.test", Role.ADMIN), sam, "reset by the admin"
    )
    web_sessions.sign_in(ledger.uow(), "sam@acme.test", "reset by the admin")
    pm = _user_id(ledger, "pm@acme.test")
    with ledger.uow() as uow:
        events = [
            event
            for event in uow.repo.audit_events(COMPANY, "user", sam)
            if event.action == "set_password"
        ]
        assert [event.user_id for event in events] == [sam, pm]
        assert all("hash" not in str(event.after) for event in events)


def test_a_new_password_ends_the_old_sessions(ledger: Runtime) -> None:
    issued = web_sessions.sign_in(ledger.uow(), "pm@acme.test", PASSWORD)
    pm = _user_id(ledger, "pm@acme.test")
    web_sessions.set_password(
        ledger.uow(), _actor(ledger, "pm@acme.test", Role.ADMIN), pm, "another passphrase"
    )
    with pytest.raises(Unauthorized):
        web_sessions.signed_in(ledger.uow(), issued.token)


def test_who_may_not_set_a_password(ledger: Runtime) -> None:
    pm = _user_id(ledger, "pm@acme.test")
    with pytest.raises(Forbidden):
        web_sessions.set_password(
            ledger.uow(), _actor(ledger, "sam@acme.test", Role.STANDARD), pm, "taking over now"
        )
    # An admin of another company does not reach this one's members.
    other_admin = Actor(
        user_id=None,
        company_id=OTHER_COMPANY,
        role=Role.ADMIN,
        scopes=frozenset({Scope.READ.value, Scope.WRITE.value}),
    )
    with pytest.raises(NotFound):
        web_sessions.set_password(ledger.uow(), other_admin, pm, "taking over now")
    read_only_admin = Actor(
        user_id=None, company_id=COMPANY, role=Role.ADMIN, scopes=frozenset({Scope.READ.value})
    )
    with pytest.raises(Forbidden):
        web_sessions.set_password(ledger.uow(), read_only_admin, pm, "taking over now")
    web_sessions.sign_in(ledger.uow(), "pm@acme.test", PASSWORD)  # unchanged


@pytest.mark.parametrize(
    ("password", "message"),
    [("short", "at least 10 characters"), ("x" * 1025, "at most 1024"), ("nul\x00inside!", "NUL")],
)
def test_a_weak_or_untypeable_password_is_refused(
    ledger: Runtime, password: str, message: str
) -> None:
    with pytest.raises(Invalid, match=message):
        web_sessions.set_password_by_email(ledger.uow(), "sam@acme.test", password)
    with ledger.uow() as uow:
        sam = uow.session.scalars(select(User).where(User.email == "sam@acme.test")).one()
        assert sam.password_hash is None
        changed = [e for e in uow.repo.audit_events(COMPANY, "user") if e.action == "set_password"]
        assert changed == []


def test_the_operator_sets_any_password_by_email(ledger: Runtime) -> None:
    assert web_sessions.set_password_by_email(ledger.uow(), "sam@acme.test", "set by the operator")
    web_sessions.sign_in(ledger.uow(), "sam@acme.test", "set by the operator")
    with pytest.raises(NotFound):
        web_sessions.set_password_by_email(ledger.uow(), "ghost@acme.test", "set by the operator")


def test_a_fixture_password_must_be_long_enough(runtime: Runtime) -> None:
    document = ledger_document()
    document["companies"][0]["users"][0]["password"] = "short"
    with pytest.raises(Invalid, match="password: a password must be at least 10 characters"):
        load(runtime, document)
