"""Property-based run of the Productive face's OpenAPI: no 5xx, no response off its schema."""

from __future__ import annotations

import warnings
from typing import Any

import pytest
import schemathesis
from fastapi.testclient import TestClient
from hypothesis import HealthCheck, settings
from schemathesis.checks import not_a_server_error, response_schema_conformance

from drawbridge.bootstrap import Runtime
from tests.api.productive.conftest import ADMIN, document
from tests.support import load


@pytest.fixture
def productive_schema(runtime: Runtime, client: TestClient) -> Any:
    load(runtime, document())
    spec = client.get("/api/v2/openapi.json").json()
    # FastAPI writes OpenAPI 3.1; schemathesis 3 reads it as 3.0, which covers what we use.
    return schemathesis.from_dict(spec, base_url="/api/v2", force_schema_version="30")


with warnings.catch_warnings():
    # schemathesis 3.x warns about its own default filtration arguments here.
    warnings.simplefilter("ignore", DeprecationWarning)
    schema = schemathesis.from_pytest_fixture("productive_schema")


def _send(client: TestClient, case: Any) -> Any:
    """The case through the app's own (httpx) test client, closed with the test."""
    kwargs = case.as_transport_kwargs(base_url="http://testserver/api/v2")
    raw = kwargs.pop("data", None)
    if isinstance(raw, (bytes, str)):
        kwargs["content"] = raw
    elif raw is not None:
        kwargs["data"] = raw
    kwargs.pop("allow_redirects", None)
    return client.request(**kwargs)


@pytest.mark.slow
@pytest.mark.filterwarnings("ignore::DeprecationWarning")  # schemathesis 3 on jsonschema 4.18+
@schema.parametrize()
@settings(max_examples=25, deadline=None, suppress_health_check=list(HealthCheck))
def test_no_server_errors_and_documented_responses(case: Any, client: TestClient) -> None:
    # Valid credentials on every call, so the generated data reaches the endpoints.
    case.headers = {**(case.headers or {}), **ADMIN}
    response = _send(client, case)
    case.validate_response(response, checks=(not_a_server_error, response_schema_conformance))
