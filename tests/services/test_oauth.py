"""OAuth clients: registration, client-credentials and refresh grants, expiry, secrets hashed."""

from __future__ import annotations

from typing import Any

import pytest
from sqlalchemy import select, update
from typer.testing import CliRunner

from drawbridge.bootstrap import Runtime
from drawbridge.cli import app
from drawbridge.domain.errors import NotFound, Unauthorized
from drawbridge.domain.rules import Role
from drawbridge.fixtures.schema import FixtureError
from drawbridge.services import auth, oauth
from drawbridge.store.models import ApiToken, AuditEvent, OAuthClient, OAuthRefreshToken
from drawbridge.store.types import utcnow
from tests.services.helpers import COMPANY, OTHER_COMPANY, ledger_document
from tests.support import load

CLIENT_ID = "acme-erp"
SECRET = "acme-erp-secret-0001"


def document_with_client(**client: Any) -> dict[str, Any]:
    document = ledger_document()
    document["companies"][0]["oauth_clients"] = [
        {"client_id": CLIENT_ID, "client_secret": SECRET, "user": "pm@acme.test", "name": "ERP"}
        | client
    ]
    return document


@pytest.fixture
def ledger(runtime: Runtime) -> Runtime:
    load(runtime, document_with_client())
    return runtime


def test_client_credentials_issue_a_token_that_authenticates_in_the_client_company(
    ledger: Runtime,
) -> None:
    # The client's user also belongs to company 2; the client's token acts only in company 1.
    auth.create_token(ledger.uow(), email="pm@acme.test", company_id=OTHER_COMPANY, role=Role.ADMIN)

    issued = oauth.client_credentials_grant(ledger.uow(), CLIENT_ID, SECRET)

    assert issued.token_type == "Bearer"
    assert issued.expires_in == 3600
    principal = auth.authenticate(ledger.uow(), issued.access_token)
    assert principal.email == "pm@acme.test"
    assert principal.memberships == {COMPANY: Role.ADMIN}
    assert auth.only_company(principal).company_id == COMPANY
    # The refresh token is no access token.
    with pytest.raises(Unauthorized):
        auth.authenticate(ledger.uow(), issued.refresh_token)


@pytest.mark.parametrize(
    ("client_id", "secret"),
    [(CLIENT_ID, "wrong-secret-00000000"), ("no-such-client", SECRET), (CLIENT_ID, "")],
)
def test_bad_client_credentials_are_unauthorized(
    ledger: Runtime, client_id: str, secret: str
) -> None:
    with pytest.raises(Unauthorized) as caught:
        oauth.client_credentials_grant(ledger.uow(), client_id, secret)
    assert caught.value.code == "invalid_client"


def test_an_expired_access_token_is_unauthorized(ledger: Runtime) -> None:
    issued = oauth.client_credentials_grant(ledger.uow(), CLIENT_ID, SECRET)
    with ledger.engine.begin() as connection:
        connection.execute(
            update(ApiToken)
            .where(ApiToken.token_hash == auth.hash_token(issued.access_token))
            .values(expires_at=utcnow())
        )
    with pytest.raises(Unauthorized) as caught:
        auth.authenticate(ledger.uow(), issued.access_token)
    assert caught.value.code == "expired_token"


def test_a_refresh_token_works_once_and_issues_a_new_pair(ledger: Runtime) -> None:
    first = oauth.client_credentials_grant(ledger.uow(), CLIENT_ID, SECRET)

    second = oauth.refresh_token_grant(ledger.uow(), first.refresh_token, CLIENT_ID)

    assert second.access_token != first.access_token
    assert auth.authenticate(ledger.uow(), second.access_token).email == "pm@acme.test"
    with pytest.raises(Unauthorized):
        oauth.refresh_token_grant(ledger.uow(), first.refresh_token)
    with pytest.raises(Unauthorized):
        oauth.refresh_token_grant(ledger.uow(), second.refresh_token, "another-client")
    # The refused attempts changed nothing: the second refresh token still works.
    assert oauth.refresh_token_grant(ledger.uow(), second.refresh_token).expires_in == 3600


def test_an_expired_refresh_token_is_refused(ledger: Runtime) -> None:
    issued = oauth.client_credentials_grant(ledger.uow(), CLIENT_ID, SECRET)
    with ledger.engine.begin() as connection:
        connection.execute(update(OAuthRefreshToken).values(expires_at=utcnow()))
    with pytest.raises(Unauthorized):
        oauth.refresh_token_grant(ledger.uow(), issued.refresh_token)


def test_secrets_and_tokens_are_stored_only_as_hashes(ledger: Runtime) -> None:
    issued = oauth.client_credentials_grant(ledger.uow(), CLIENT_ID, SECRET)
    with ledger.engine.connect() as connection:
        stored = " ".join(
            str(value)
            for table in (OAuthClient, OAuthRefreshToken, ApiToken, AuditEvent)
            for row in connection.execute(select(table.__table__))
            for value in row
        )
    for clear in (SECRET, issued.access_token, issued.refresh_token):
        assert clear not in stored
    assert auth.hash_token(SECRET) in stored


def test_create_client_acts_as_a_member_and_its_secret_works(ledger: Runtime) -> None:
    created = oauth.create_client(
        ledger.uow(), company_id=COMPANY, email="sam@acme.test", name="Reporting"
    )
    issued = oauth.client_credentials_grant(ledger.uow(), created.client_id, created.client_secret)
    principal = auth.authenticate(ledger.uow(), issued.access_token)
    assert (principal.email, principal.memberships) == ("sam@acme.test", {COMPANY: Role.STANDARD})

    with pytest.raises(NotFound):  # a user of another company
        oauth.create_client(ledger.uow(), company_id=COMPANY, email="boss@harbor.test")
    with pytest.raises(NotFound):
        oauth.create_client(ledger.uow(), company_id=999, email="pm@acme.test")


@pytest.mark.parametrize(
    ("client", "path"),
    [
        ({"user": "nobody@acme.test"}, "companies[0].oauth_clients[0].user"),
        ({"client_secret": "short"}, "companies[0].oauth_clients[0].client_secret"),
        ({"colour": "blue"}, "companies[0].oauth_clients[0].colour"),
        ({"scopes": ["root"]}, "companies[0].oauth_clients[0].scopes[0]"),
    ],
)
def test_a_bad_fixture_client_names_its_path_and_loads_nothing(
    runtime: Runtime, client: dict[str, Any], path: str
) -> None:
    with pytest.raises(FixtureError) as caught:
        load(runtime, document_with_client(**client))
    assert caught.value.message.startswith(path + ":")
    with runtime.engine.connect() as connection:
        assert connection.execute(select(OAuthClient.__table__)).first() is None


def test_the_cli_prints_a_client_id_and_secret_that_work(ledger: Runtime) -> None:
    result = CliRunner().invoke(
        app,
        [
            "client",
            "create",
            "--company",
            str(COMPANY),
            "--email",
            "pm@acme.test",
            "--name",
            "Nightly sync",
            "--database",
            ledger.settings.database_url,
        ],
    )
    assert result.exit_code == 0, result.output
    lines = dict(line.split(": ", 1) for line in result.output.strip().splitlines())
    issued = oauth.client_credentials_grant(
        ledger.uow(), lines["client_id"], lines["client_secret"]
    )
    assert auth.authenticate(ledger.uow(), issued.access_token).email == "pm@acme.test"
