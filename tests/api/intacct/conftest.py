"""Intacct face tests: the demo data (for Intacct's published examples) and request helpers."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import pytest
from fastapi.testclient import TestClient

from drawbridge.bootstrap import Runtime
from drawbridge.cli import demo_fixture_text
from drawbridge.services import fixtures

BASE = "/ia/api/v1"
CONTRACTS = f"{BASE}/objects/construction/project-contract"
LINES = f"{BASE}/objects/construction/project-contract-line"
CHANGE_ORDERS = f"{BASE}/objects/construction/project-change-order"
CONTRACT_TYPES = f"{BASE}/objects/construction/project-contract-type"
QUERY = f"{BASE}/services/core/query"
EXAMPLES = Path(__file__).parent / "examples"
DEMO_ADMIN = "demo-admin-token-0001"
DEMO_READONLY = "demo-readonly-token-0001"
HARBOR_ADMIN = "harbor-admin-token-0001"
BTI_01 = 701970  # the demo's prime contract


def auth(token: str = DEMO_ADMIN) -> dict[str, str]:
    return {"Authorization": f"Bearer {token}"}


def example(name: str) -> Any:
    return json.loads((EXAMPLES / name).read_text())


def error_of(response: Any) -> dict[str, Any]:
    """The ia::error of an error answer, after checking the envelope around it."""
    body = response.json()
    assert body["ia::meta"] == {"totalCount": 1, "totalSuccess": 0, "totalError": 1}
    error: dict[str, Any] = body["ia::result"]["ia::error"]
    assert {"code", "message", "errorId", "additionalInfo", "supportId"} <= set(error)
    return error


@pytest.fixture
def demo(runtime: Runtime, client: TestClient) -> TestClient:
    fixtures.load_fixture_text(runtime.uow(), demo_fixture_text())
    return client
