"""Property-based API testing: schemathesis drives every Intacct operation from
/ia/api/v1/openapi.json and checks that nothing answers 5xx and every answer matches the
documented schema."""

from __future__ import annotations

from typing import Any

import pytest
from fastapi.testclient import TestClient
from hypothesis import HealthCheck, assume, given, settings
from schemathesis.specs.openapi.checks import ignored_auth

from drawbridge.api.app import create_app
from drawbridge.bootstrap import Runtime
from tests.api.intacct.conftest import BASE, auth
from tests.api.intacct.ledger import ADMIN, BUILDING, PRIME, document
from tests.schemathesis_support import (
    failures_of,
    for_schemathesis,
    openapi_schema,
    require_compatible_hypothesis,
)
from tests.support import load

# Real keys of the ledger, so that many generated calls reach a record.
REAL_KEYS = [str(PRIME), str(BUILDING), "51", "1"]


@pytest.mark.slow
@pytest.mark.filterwarnings("ignore:jsonschema.RefResolver is deprecated:DeprecationWarning")
def test_no_operation_fails_or_breaks_its_schema(runtime: Runtime) -> None:
    require_compatible_hypothesis()
    load(runtime, document())
    app = create_app(runtime)
    with TestClient(app) as client:
        document_text = client.get(f"{BASE}/openapi.json").json()

        def check_operation(operation: Any) -> None:
            @settings(
                max_examples=15,
                deadline=None,
                suppress_health_check=list(HealthCheck),
                database=None,
            )
            @given(case=operation.as_strategy())
            def check(case: Any) -> None:
                assume(all(str(value).isascii() for value in (case.headers or {}).values()))
                parameters = case.path_parameters or {}
                if "key" in parameters and len(str(parameters["key"])) % 3:
                    parameters["key"] = REAL_KEYS[len(str(parameters["key"])) % len(REAL_KEYS)]
                headers = auth(ADMIN) | {
                    name: value
                    for name, value in (case.headers or {}).items()
                    if name.lower() != "authorization"
                }
                kwargs = case.as_transport_kwargs(base_url=f"http://testserver{BASE}")
                kwargs["headers"] = {**kwargs.get("headers", {}), **headers}
                response = client.request(**kwargs)
                assert response.status_code < 500, response.text
                # The document declares bearer auth; ignored_auth would replay each call without
                # it through schemathesis' own transport, which these calls do not use. The
                # 401s are asserted by the face's own tests.
                case.validate_response(for_schemathesis(response), excluded_checks=(ignored_auth,))

            check()

        failures = failures_of(openapi_schema(document_text, app), check_operation)
    assert not failures, "\n\n".join(failures)
