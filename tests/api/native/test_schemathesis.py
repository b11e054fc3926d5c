"""Property-based run of ``/v1/openapi.json``: whatever schemathesis sends, no 5xx, every answer
as the document describes it, and every error a problem document."""

from __future__ import annotations

import warnings
from typing import Any

import pytest
import schemathesis
from fastapi.testclient import TestClient
from hypothesis import HealthCheck, settings
from schemathesis.checks import not_a_server_error, response_schema_conformance

from drawbridge.bootstrap import Runtime
from tests.api.native.conftest import ADMIN, document
from tests.support import load


@pytest.fixture
def native_schema(runtime: Runtime, client: TestClient) -> Any:
    load(runtime, document(with_job=True))
    spec = client.get("/v1/openapi.json").json()
    # FastAPI writes OpenAPI 3.1; schemathesis 3 reads it as 3.0, which covers what we use.
    return schemathesis.from_dict(spec, base_url="/v1", force_schema_version="30")


with warnings.catch_warnings():
    warnings.simplefilter("ignore", DeprecationWarning)
    schema = schemathesis.from_pytest_fixture("native_schema")


def _send(client: TestClient, case: Any) -> Any:
    kwargs = case.as_transport_kwargs(base_url="http://testserver/v1")
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
    response = _send(client, case)
    case.validate_response(response, checks=(not_a_server_error, response_schema_conformance))
    if response.status_code >= 400:
        assert response.headers["content-type"].startswith("application/problem+json")
