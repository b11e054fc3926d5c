"""Token revocation (RFC 7009) on Procore's POST /oauth/revoke and Autodesk's POST
/authentication/v2/revoke: a client gives up a token, and every token of that grant stops
working, over the demo's registered client."""

from __future__ import annotations

import base64

from fastapi.testclient import TestClient
from sqlalchemy import func, select

from drawbridge.bootstrap import Runtime
from drawbridge.store.models import ApiToken, AuditEvent, OAuthRefreshToken

CLIENT = {"client_id": "demo-client-0001", "client_secret": "demo-client-secret-0001"}
BASIC = {
    "Authorization": "Basic "
    + base64.b64encode(b"demo-client-0001:demo-client-secret-0001").decode()
}
ME = "/rest/v1.0/me"


def _pair(client: TestClient) -> dict[str, str]:
    issued = client.post("/oauth/token", data={"grant_type": "client_credentials", **CLIENT})
    assert issued.status_code == 200, issued.text
    body = issued.json()
    return {"access": body["access_token"], "refresh": body["refresh_token"]}


def _refresh(client: TestClient, refresh_token: str) -> int:
    data = {"grant_type": "refresh_token", "refresh_token": refresh_token}
    return client.post("/oauth/token", data=data).status_code


def _works(client: TestClient, access_token: str) -> bool:
    status = client.get(ME, headers={"Authorization": f"Bearer {access_token}"}).status_code
    assert status in (200, 401)
    return status == 200


def test_procore_revoking_the_access_token_ends_its_refresh_token_too(
    demo: Runtime, client: TestClient
) -> None:
    pair, other = _pair(client), _pair(client)
    answer = client.post("/oauth/revoke", data={"token": pair["access"], **CLIENT})
    assert (answer.status_code, answer.json()) == (200, {})
    assert answer.headers["cache-control"] == "no-store"
    assert not _works(client, pair["access"])
    assert _refresh(client, pair["refresh"]) == 400
    # Another grant of the same client is untouched.
    assert _works(client, other["access"])
    assert _refresh(client, other["refresh"]) == 200


def test_revoking_a_refresh_token_ends_every_token_refreshed_from_its_grant(
    demo: Runtime, client: TestClient
) -> None:
    first = _pair(client)
    refreshed = client.post(
        "/oauth/token", data={"grant_type": "refresh_token", "refresh_token": first["refresh"]}
    ).json()
    # The first access token still lives (refresh rotates the refresh token only); revoking the
    # newest refresh token ends the whole line, the first access token included.
    assert _works(client, first["access"])
    answer = client.post(
        "/authentication/v2/revoke",
        data={"token": refreshed["refresh_token"], "token_type_hint": "refresh_token"},
        headers=BASIC,
    )
    assert (answer.status_code, answer.content) == (200, b"")
    assert not _works(client, first["access"])
    assert not _works(client, refreshed["access_token"])
    assert _refresh(client, refreshed["refresh_token"]) == 400
    with demo.engine.connect() as connection:
        events = connection.execute(
            select(AuditEvent.after).where(AuditEvent.action == "revoke_token")
        ).all()
    assert [event.after["tokens"] for event in events] == [3]  # two access tokens, one refresh


def test_an_unknown_or_used_token_is_answered_the_same_and_changes_nothing(
    demo: Runtime, client: TestClient
) -> None:
    pair = _pair(client)
    with demo.engine.connect() as connection:
        before = [
            connection.scalar(select(func.count()).select_from(model))
            for model in (ApiToken, OAuthRefreshToken)
        ]
    for token in ("not-a-token", "demo-admin-token-0001"):  # unknown; a member's own API token
        answer = client.post("/oauth/revoke", data={"token": token, **CLIENT})
        assert (answer.status_code, answer.json()) == (200, {})
    with demo.engine.connect() as connection:
        after = [
            connection.scalar(select(func.count()).select_from(model))
            for model in (ApiToken, OAuthRefreshToken)
        ]
    assert after == before
    assert _works(client, pair["access"])
    assert _works(client, "demo-admin-token-0001")


def test_revocation_needs_the_client_s_credentials_and_the_token(
    demo: Runtime, client: TestClient
) -> None:
    pair = _pair(client)
    wrong = client.post(
        "/oauth/revoke",
        data={"token": pair["access"], "client_id": CLIENT["client_id"], "client_secret": "no"},
    )
    assert (wrong.status_code, wrong.json()["error"]) == (401, "invalid_client")
    anonymous = client.post("/oauth/revoke", data={"token": pair["access"]})
    assert (anonymous.status_code, anonymous.json()["error"]) == (400, "invalid_request")
    assert "client_id" in anonymous.json()["error_description"]
    missing = client.post("/oauth/revoke", data=CLIENT)
    assert (missing.status_code, missing.json()["error_description"]) == (
        400,
        "token: required",
    )
    # Autodesk documents token_type_hint as required, access_token or refresh_token.
    no_hint = client.post(
        "/authentication/v2/revoke", data={"token": pair["access"]}, headers=BASIC
    )
    assert (no_hint.status_code, no_hint.json()["errorCode"]) == (400, "invalid_request")
    odd_hint = client.post(
        "/authentication/v2/revoke",
        data={"token": pair["access"], "token_type_hint": "id_token"},
        headers=BASIC,
    )
    assert (odd_hint.status_code, odd_hint.json()["errorCode"]) == (400, "unsupported_token_type")
    assert _works(client, pair["access"])  # none of the refusals revoked anything
