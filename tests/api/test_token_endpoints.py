"""The token endpoints each vendor's client calls first: Procore's POST /oauth/token and
Autodesk's POST /authentication/v2/token, over the demo's registered client."""

from __future__ import annotations

import base64

from fastapi.testclient import TestClient

from drawbridge.bootstrap import Runtime

CLIENT = {"client_id": "demo-client-0001", "client_secret": "demo-client-secret-0001"}


def test_procore_client_credentials_then_refresh(demo: Runtime, client: TestClient) -> None:
    issued = client.post("/oauth/token", data={"grant_type": "client_credentials", **CLIENT})
    assert issued.status_code == 200
    body = issued.json()
    assert (body["token_type"], body["expires_in"]) == ("Bearer", 3600)
    me = client.get("/rest/v1.0/me", headers={"Authorization": f"Bearer {body['access_token']}"})
    assert me.json()["login"] == "dana.whitfield@granitepeak.test"
    refreshed = client.post(
        "/oauth/token", json={"grant_type": "refresh_token", "refresh_token": body["refresh_token"]}
    )
    assert refreshed.status_code == 200
    assert refreshed.json()["access_token"] != body["access_token"]
    used_up = client.post(
        "/oauth/token", data={"grant_type": "refresh_token", "refresh_token": body["refresh_token"]}
    )
    # RFC 6749 §5.2: a grant that cannot be used is 400 invalid_grant (401 is for the client).
    assert used_up.status_code == 400
    assert used_up.json()["error"] == "invalid_grant"


def test_procore_token_errors(demo: Runtime, client: TestClient) -> None:
    wrong = client.post(
        "/oauth/token",
        data={
            "grant_type": "client_credentials",
            "client_id": "demo-client-0001",
            "client_secret": "no",
        },
    )
    assert wrong.status_code == 401
    assert wrong.json()["error"] == "invalid_client"
    unknown = client.post("/oauth/token", data={"grant_type": "password", **CLIENT})
    assert unknown.status_code == 400
    assert unknown.json()["error"] == "unsupported_grant_type"
    missing = client.post("/oauth/token", data={"grant_type": "client_credentials"})
    assert missing.status_code == 400


def test_autodesk_client_credentials_with_basic_auth(demo: Runtime, client: TestClient) -> None:
    basic = base64.b64encode(b"demo-client-0001:demo-client-secret-0001").decode()
    issued = client.post(
        "/authentication/v2/token",
        data={"grant_type": "client_credentials", "scope": "data:read"},
        headers={"Authorization": f"Basic {basic}"},
    )
    assert issued.status_code == 200
    token = issued.json()["access_token"]
    payments = client.get(
        "/cost/v1/containers/6f1c3b7e-1c1e-4a57-9a0b-1f2e3d4c5b6a/payments",
        headers={"Authorization": f"Bearer {token}"},
    )
    assert payments.status_code == 200
    wrong = base64.b64encode(b"demo-client-0001:wrong").decode()
    refused = client.post(
        "/authentication/v2/token",
        data={"grant_type": "client_credentials"},
        headers={"Authorization": f"Basic {wrong}"},
    )
    assert refused.status_code == 401
    assert refused.json()["errorCode"] == "invalid_client"


def test_one_reader_serves_every_token_endpoint(demo: Runtime, client: TestClient) -> None:
    """Form or JSON, Basic or body credentials (never both), on each vendor's token endpoint."""
    basic = {
        "Authorization": "Basic "
        + base64.b64encode(b"demo-client-0001:demo-client-secret-0001").decode()
    }
    grant = {"grant_type": "client_credentials"}
    for path in ("/oauth/token", "/authentication/v2/token", "/ia/api/v1/oauth2/token"):
        assert client.post(path, data=grant, headers=basic).status_code == 200, path
        assert client.post(path, json={**grant, **CLIENT}).status_code == 200, path
        both = client.post(path, data={**grant, **CLIENT}, headers=basic)
        assert both.status_code == 400, path
        assert "not both" in both.text, path
        wrong_type = client.post(
            path, content=b"grant_type=x", headers={"Content-Type": "text/plain"}
        )
        assert wrong_type.status_code == 400, path
    # An unusable refresh token is RFC 6749's 400 invalid_grant on Autodesk's endpoint too.
    used = client.post(
        "/authentication/v2/token", data={"grant_type": "refresh_token", "refresh_token": "nope"}
    )
    assert (used.status_code, used.json()["errorCode"]) == (400, "invalid_grant")
    # Only Procore's endpoint offers the authorization-code grant.
    refused = client.post(
        "/authentication/v2/token",
        data={"grant_type": "authorization_code", "code": "x", "redirect_uri": "y"},
        headers=basic,
    )
    assert (refused.status_code, refused.json()["errorCode"]) == (400, "unsupported_grant_type")
