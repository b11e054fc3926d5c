"""Property-based run of the Productive face's OpenAPI: no 5xx, no response off its schema."""

from __future__ import annotations

from typing import Any

import pytest
from fastapi.testclient import TestClient
from hypothesis import HealthCheck, settings
from schemathesis.checks import not_a_server_error, response_schema_conformance

from drawbridge.bootstrap import Runtime
from tests.api.productive.conftest import ADMIN, document
from tests.schemathesis_support import face_schema, schema_of_fixture, send
from tests.support import load


@pytest.fixture
def productive_schema(runtime: Runtime, client: TestClient) -> Any:
    load(runtime, document())
    return face_schema(client, "/api/v2")


schema = schema_of_fixture("productive_schema")


@pytest.mark.slow
@pytest.mark.filterwarnings("ignore::DeprecationWarning")  # schemathesis 3 on jsonschema 4.18+
@schema.parametrize()
@settings(max_examples=25, deadline=None, suppress_health_check=list(HealthCheck))
def test_no_server_errors_and_documented_responses(case: Any, client: TestClient) -> None:
    # Valid credentials on every call, so the generated data reaches the endpoints.
    case.headers = {**(case.headers or {}), **ADMIN}
    response = send(client, case, "http://testserver/api/v2")
    case.validate_response(response, checks=(not_a_server_error, response_schema_conformance))
