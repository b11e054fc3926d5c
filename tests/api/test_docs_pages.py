"""Every face's /docs works offline: Swagger UI comes from the installed package, not a CDN, and
the OpenAPI documents declare how to authenticate, so "Try it out" sends the caller's token."""

from __future__ import annotations

import re

import pytest
from fastapi.testclient import TestClient

FACES = ["/rest", "/cost", "/_admin", ""]


@pytest.mark.parametrize("prefix", FACES)
def test_docs_load_their_assets_from_this_server(client: TestClient, prefix: str) -> None:
    page = client.get(f"{prefix}/docs")
    assert page.status_code == 200
    html = page.text
    assert "SwaggerUIBundle" in html
    # Nothing is fetched from another host: every src/href/url is a path on this server.
    assert not re.search(r"(src|href|url)\s*[=:]\s*['\"]?(https?:)?//", html), html
    assets = re.findall(r"(?:src|href)=\"([^\"]+)\"", html)
    assert f"{prefix}/docs/swagger-ui-bundle.js" in assets
    assert f"{prefix}/docs/swagger-ui.css" in assets
    for asset in assets:
        answer = client.get(asset)
        assert answer.status_code == 200, asset
        assert len(answer.content) > 0
    assert f"'{prefix}/openapi.json'" in html or f'"{prefix}/openapi.json"' in html
    assert client.get(f"{prefix}/openapi.json").status_code == 200


def test_an_unknown_docs_asset_is_the_faces_404(client: TestClient) -> None:
    answer = client.get("/rest/docs/secrets.txt")
    assert answer.status_code == 404
    assert "errors" in answer.json()  # Procore's envelope


def test_each_face_declares_its_security_schemes(client: TestClient) -> None:
    procore = client.get("/rest/openapi.json").json()
    schemes = procore["components"]["securitySchemes"]
    assert schemes["bearer"] == {
        "type": "http",
        "scheme": "bearer",
        "description": schemes["bearer"]["description"],
    }
    assert schemes["procoreCompanyId"]["type"] == "apiKey"
    assert schemes["procoreCompanyId"]["in"] == "header"
    assert schemes["procoreCompanyId"]["name"] == "Procore-Company-Id"
    assert procore["security"] == [{"bearer": [], "procoreCompanyId": []}]

    acc = client.get("/cost/openapi.json").json()
    assert acc["security"] == [{"bearer": []}]
    assert acc["components"]["securitySchemes"]["bearer"]["scheme"] == "bearer"

    admin = client.get("/_admin/openapi.json").json()
    assert admin["security"] == [{"operatorToken": []}]


def test_the_fixture_upload_documents_its_body(client: TestClient) -> None:
    admin = client.get("/_admin/openapi.json").json()
    body = admin["paths"]["/fixtures"]["post"]["requestBody"]
    assert set(body["content"]) == {"application/yaml", "application/json"}
    assert "companies:" in body["content"]["application/yaml"]["example"]
