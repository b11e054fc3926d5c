"""Procore's authorization-code grant: GET /oauth/authorize, then POST /oauth/token with
grant_type=authorization_code, over the demo's client and its registered redirect URIs."""

from __future__ import annotations

import base64
import hashlib
from datetime import timedelta
from urllib.parse import parse_qs, urlsplit

import pytest
from fastapi.testclient import TestClient
from sqlalchemy import func, select, update

from drawbridge.bootstrap import Runtime
from drawbridge.services import oauth
from drawbridge.store.models import AuditEvent, OAuthAuthorizationCode
from drawbridge.store.types import utcnow
from tests.conftest import OPERATOR_TOKEN

CLIENT_ID = "demo-client-0001"
SECRET = "demo-client-secret-0001"
CALLBACK = "http://localhost:8765/callback"
OOB = "urn:ietf:wg:oauth:2.0:oob"
DANA = {"Authorization": "Bearer demo-admin-token-0001"}
OPERATOR = {"Authorization": f"Bearer {OPERATOR_TOKEN}"}
OUTSIDER = {"Authorization": "Bearer harbor-admin-token-0001"}  # company 2's admin


def _authorize(client: TestClient, headers: dict[str, str], **params: str) -> dict[str, str]:
    """Ask for a code; returns the query the redirect carries (code and state, or error)."""
    query = {"response_type": "code", "client_id": CLIENT_ID, "redirect_uri": CALLBACK, **params}
    response = client.get("/oauth/authorize", params=query, headers=headers, follow_redirects=False)
    assert response.status_code == 302, response.text
    location = urlsplit(response.headers["location"])
    assert f"{location.scheme}://{location.netloc}{location.path}" == CALLBACK
    return {key: values[0] for key, values in parse_qs(location.query).items()}


def _exchange(client: TestClient, code: str, **extra: str) -> tuple[int, dict[str, object]]:
    data = {
        "grant_type": "authorization_code",
        "client_id": CLIENT_ID,
        "client_secret": SECRET,
        "code": code,
        "redirect_uri": CALLBACK,
        **extra,
    }
    response = client.post("/oauth/token", data=data)
    return response.status_code, response.json()


def test_a_member_approves_and_the_code_buys_tokens_once(demo: Runtime, client: TestClient) -> None:
    answer = _authorize(client, DANA, state="xyz-42")
    assert answer["state"] == "xyz-42"
    status, tokens = _exchange(client, answer["code"])
    assert status == 200, tokens
    assert (tokens["token_type"], tokens["expires_in"]) == ("Bearer", 3600)
    assert isinstance(tokens["created_at"], int)
    me = client.get("/rest/v1.0/me", headers={"Authorization": f"Bearer {tokens['access_token']}"})
    assert me.json()["login"] == "dana.whitfield@granitepeak.test"
    # The refresh token it came with works like any other.
    refreshed = client.post(
        "/oauth/token",
        data={"grant_type": "refresh_token", "refresh_token": str(tokens["refresh_token"])},
    )
    assert refreshed.status_code == 200
    # A code is good once, and a second exchange means it leaked: RFC 6749 §4.1.2 has the
    # tokens issued for it revoked, those refreshed from them included.
    status, again = _exchange(client, answer["code"])
    assert (status, again["error"]) == (400, "invalid_grant")
    assert "revoked" in str(again["error_description"])
    for access_token in (tokens["access_token"], refreshed.json()["access_token"]):
        revoked = client.get("/rest/v1.0/me", headers={"Authorization": f"Bearer {access_token}"})
        assert revoked.status_code == 401
    refresh_again = client.post(
        "/oauth/token",
        data={"grant_type": "refresh_token", "refresh_token": refreshed.json()["refresh_token"]},
    )
    assert refresh_again.status_code == 400


def test_codes_are_stored_hashed_and_the_approval_is_audited(
    demo: Runtime, client: TestClient
) -> None:
    code = _authorize(client, OPERATOR)["code"]
    with demo.engine.connect() as connection:
        stored = connection.execute(select(OAuthAuthorizationCode.code_hash)).scalars().all()
        approvals = connection.scalar(
            select(func.count()).select_from(AuditEvent).where(AuditEvent.action == "authorize")
        )
    assert code not in stored
    assert hashlib.sha256(code.encode()).hexdigest() in stored
    assert approvals == 1


def test_pkce_s256_binds_the_code_to_its_verifier(demo: Runtime, client: TestClient) -> None:
    verifier = "v" * 20 + "-._~" + "0123456789abcdefghijklmn"
    challenge = base64.urlsafe_b64encode(hashlib.sha256(verifier.encode()).digest()).rstrip(b"=")
    params = {"code_challenge": challenge.decode(), "code_challenge_method": "S256"}
    code = _authorize(client, DANA, **params)["code"]
    status, body = _exchange(client, code)
    assert (status, body["error"]) == (400, "invalid_grant")  # the verifier is required
    status, body = _exchange(client, code, code_verifier="w" * 43)
    assert (status, body["error"]) == (400, "invalid_grant")
    status, body = _exchange(client, code, code_verifier=verifier)
    assert status == 200, body
    # A verifier for a code issued without a challenge is refused too (no downgrade).
    plain = _authorize(client, DANA)["code"]
    status, body = _exchange(client, plain, code_verifier=verifier)
    assert (status, body["error"]) == (400, "invalid_grant")


def test_plain_pkce_and_other_response_types_go_back_as_errors(
    demo: Runtime, client: TestClient
) -> None:
    plain = _authorize(
        client, DANA, code_challenge="a" * 43, code_challenge_method="plain", state="s"
    )
    assert (plain["error"], plain["state"]) == ("invalid_request", "s")
    token = _authorize(client, DANA, response_type="token")
    assert token["error"] == "unsupported_response_type"
    outsider = _authorize(client, OUTSIDER)
    assert outsider["error"] == "access_denied"


@pytest.mark.parametrize(
    ("params", "headers", "status", "error"),
    [
        ({"redirect_uri": "https://evil.example/cb"}, DANA, 400, "invalid_request"),
        ({"client_id": "no-such-client"}, DANA, 400, "invalid_request"),
        ({"client_id": ""}, DANA, 400, "invalid_request"),
        ({}, {}, 401, "login_required"),
        ({}, {"Authorization": "Bearer not-a-token-at-all"}, 401, "unauthorized"),
    ],
)
def test_untrusted_requests_are_answered_not_redirected(
    demo: Runtime,
    client: TestClient,
    params: dict[str, str],
    headers: dict[str, str],
    status: int,
    error: str,
) -> None:
    query = {"response_type": "code", "client_id": CLIENT_ID, "redirect_uri": CALLBACK, **params}
    response = client.get("/oauth/authorize", params=query, headers=headers, follow_redirects=False)
    assert response.status_code == status
    assert "location" not in response.headers
    assert response.json()["error"] == error


def test_a_repeated_parameter_is_refused(demo: Runtime, client: TestClient) -> None:
    response = client.get(
        f"/oauth/authorize?response_type=code&client_id={CLIENT_ID}"
        f"&redirect_uri={CALLBACK}&redirect_uri=https://evil.example/cb",
        headers=DANA,
        follow_redirects=False,
    )
    assert (response.status_code, response.json()["error"]) == (400, "invalid_request")


def test_out_of_band_clients_read_the_code_from_the_answer(
    demo: Runtime, client: TestClient
) -> None:
    response = client.get(
        "/oauth/authorize",
        params={"response_type": "code", "client_id": CLIENT_ID, "redirect_uri": OOB},
        headers=DANA,
    )
    assert response.status_code == 200
    assert response.json()["expires_in"] == 600
    status, body = _exchange(client, response.json()["code"], redirect_uri=OOB)
    assert status == 200, body


def test_the_code_is_bound_to_its_client_redirect_uri_and_lifetime(
    demo: Runtime, client: TestClient
) -> None:
    code = _authorize(client, DANA)["code"]
    status, body = _exchange(client, code, redirect_uri=OOB)
    assert (status, body["error"]) == (400, "invalid_grant")
    status, body = _exchange(client, code, client_secret="wrong-secret-000000")
    assert (status, body["error"]) == (401, "invalid_client")
    other = oauth.create_client(
        demo.uow(), company_id=1, email="dana.whitfield@granitepeak.test", redirect_uris=[CALLBACK]
    )
    status, body = _exchange(
        client, code, client_id=other.client_id, client_secret=other.client_secret
    )
    assert (status, body["error"]) == (400, "invalid_grant")
    late = _authorize(client, DANA)["code"]
    with demo.engine.begin() as connection:
        connection.execute(
            update(OAuthAuthorizationCode).values(expires_at=utcnow() - timedelta(seconds=1))
        )
    status, body = _exchange(client, late)
    assert (status, body["error"]) == (400, "invalid_grant")


def test_the_client_may_authenticate_with_http_basic(demo: Runtime, client: TestClient) -> None:
    code = _authorize(client, DANA)["code"]
    basic = base64.b64encode(f"{CLIENT_ID}:{SECRET}".encode()).decode()
    response = client.post(
        "/oauth/token",
        data={"grant_type": "authorization_code", "code": code, "redirect_uri": CALLBACK},
        headers={"Authorization": f"Basic {basic}"},
    )
    assert response.status_code == 200, response.json()


@pytest.mark.parametrize(
    ("data", "field"),
    [
        (
            {"grant_type": "authorization_code", "client_id": CLIENT_ID, "client_secret": SECRET},
            "code",
        ),
        (
            {
                "grant_type": "authorization_code",
                "client_id": CLIENT_ID,
                "client_secret": SECRET,
                "code": "x",
            },
            "redirect_uri",
        ),
    ],
)
def test_a_token_request_missing_a_parameter_names_it(
    demo: Runtime, client: TestClient, data: dict[str, str], field: str
) -> None:
    response = client.post("/oauth/token", data=data)
    assert response.status_code == 400
    assert response.json() == {
        "error": "invalid_request",
        "error_description": f"{field}: required",
    }


def test_redirect_uris_are_checked_when_a_client_is_registered(demo: Runtime) -> None:
    from drawbridge.domain.errors import Invalid

    for bad in ("http://example.com/cb", "https://example.com/cb#frag", "ftp://x/y", "/relative"):
        with pytest.raises(Invalid) as refused:
            oauth.create_client(
                demo.uow(),
                company_id=1,
                email="dana.whitfield@granitepeak.test",
                redirect_uris=[bad],
            )
        assert refused.value.field == "redirect_uris[0]"


def test_a_fixture_s_redirect_uri_is_checked_where_it_is_written() -> None:
    from drawbridge.cli import demo_fixture_text
    from drawbridge.fixtures.schema import FixtureError, load_fixture_text, parse_fixture

    text = demo_fixture_text().replace(CALLBACK, "http://example.com/cb", 1)
    with pytest.raises(FixtureError) as refused:
        parse_fixture(load_fixture_text(text))
    assert refused.value.field == "companies[0].oauth_clients[0].redirect_uris[0]"
    assert "http:// only to localhost" in str(refused.value)
