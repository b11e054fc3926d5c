"""Bearer token and Procore-Company-Id on every call: 401, 403, 400 and 404 in Procore's shape."""

from __future__ import annotations

import pytest
from fastapi.testclient import TestClient

from tests.api.procore.conftest import (
    ADMIN,
    OTHER_COMPANY,
    PROJECT,
    READONLY,
    headers,
    requisition_body,
)

pytestmark = pytest.mark.usefixtures("ledger")
LIST = "/rest/v1.1/requisitions"


def test_missing_token_is_401(client: TestClient) -> None:
    response = client.get(LIST, params={"project_id": PROJECT}, headers={"Procore-Company-Id": "1"})
    assert response.status_code == 401
    assert isinstance(response.json()["errors"], str)


def test_unknown_token_is_401(client: TestClient) -> None:
    response = client.get(
        LIST, params={"project_id": PROJECT}, headers=headers("no-such-token-000")
    )
    assert response.status_code == 401


def test_missing_or_malformed_company_header_is_400(client: TestClient) -> None:
    no_header = {"Authorization": ADMIN["Authorization"]}
    assert client.get(LIST, params={"project_id": PROJECT}, headers=no_header).status_code == 400
    bad = {**ADMIN, "Procore-Company-Id": "one"}
    response = client.get(LIST, params={"project_id": PROJECT}, headers=bad)
    assert response.status_code == 400
    assert "Procore-Company-Id" in response.json()["errors"]


def test_foreign_company_is_403(client: TestClient) -> None:
    response = client.get(
        LIST,
        params={"project_id": PROJECT},
        headers={**ADMIN, "Procore-Company-Id": str(OTHER_COMPANY)},
    )
    assert response.status_code == 403


def test_write_without_data_write_is_403(client: TestClient) -> None:
    response = client.post(LIST, json=requisition_body(), headers=READONLY)
    assert response.status_code == 403
    assert client.get(LIST, params={"project_id": PROJECT}, headers=READONLY).status_code == 200
