"""Property-based run of ``/v1/openapi.json``: whatever schemathesis sends, no 5xx, every answer
as the document describes it, and every error a problem document."""

from __future__ import annotations

from typing import Any

import pytest
from fastapi.testclient import TestClient
from hypothesis import HealthCheck, settings
from schemathesis.checks import not_a_server_error, response_schema_conformance

from drawbridge.bootstrap import Runtime
from tests.api.native.conftest import ADMIN, document
from tests.schemathesis_support import face_schema, schema_of_fixture, send
from tests.support import load


@pytest.fixture
def native_schema(runtime: Runtime, client: TestClient) -> Any:
    load(runtime, document(with_job=True))
    return face_schema(client, "/v1")


schema = schema_of_fixture("native_schema")


@pytest.mark.slow
@pytest.mark.filterwarnings("ignore::DeprecationWarning")  # schemathesis 3 on jsonschema 4.18+
@schema.parametrize()
@settings(max_examples=10, deadline=None, suppress_health_check=list(HealthCheck))
def test_no_server_errors_and_documented_answers(case: Any, client: TestClient) -> None:
    # Header values an HTTP client can send at all (visible ASCII), and valid credentials, so
    # the generated data reaches the endpoints.
    sendable = {
        name: value
        for name, value in (case.headers or {}).items()
        if value.isascii() and value.isprintable()
    }
    sendable.pop("Drawbridge-Company-Id", None)
    case.headers = {**sendable, **ADMIN}
    response = send(client, case, "http://testserver/v1")
    case.validate_response(response, checks=(not_a_server_error, response_schema_conformance))
    if response.status_code >= 400:
        assert response.headers["content-type"].startswith("application/problem+json")
