"""schemathesis over every mounted face's OpenAPI, with hostile text in every generated string.

schemathesis generates each operation's requests from its face's document; before a request
is sent, its string values (body and query) are, by hypothesis' choice, swapped for text that
real clients seldom send: lone surrogates, NUL, other scripts' digits, impossible dates. No
answer may be a 5xx. The faces are found by walking the mounted sub-applications, so a face
mounted later is fuzzed the same way.
"""

from __future__ import annotations

import json
from typing import Any
from urllib.parse import urlencode

import pytest
from fastapi import FastAPI
from fastapi.testclient import TestClient
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from drawbridge.api.app import create_app
from drawbridge.bootstrap import Runtime
from drawbridge.cli import demo_fixture_text
from drawbridge.services import fixtures
from tests.schemathesis_support import (
    failures_of,
    for_httpx,
    openapi_schema,
    require_compatible_hypothesis,
)

CREDENTIALS = {"Authorization": "Bearer demo-admin-token-0001", "Procore-Company-Id": "1"}
DEMO_PATH_VALUES = {
    "containerId": "6f1c3b7e-1c1e-4a57-9a0b-1f2e3d4c5b6a",
    "project_id": "789",
    "company_id": "1",
    "requisition_id": "11",
}
HOSTILE_TEXT = st.one_of(
    st.sampled_from(
        [
            "\ud800",
            "a\udfffb",
            "\x00",
            "a\x00",
            "\u0661\u0662",
            "\uff11\uff12",
            "1_000",
            "2025-02-30",
        ]
    ),
    # Any code point at all, surrogates and controls included.
    st.text(st.characters(min_codepoint=0, max_codepoint=0x10FFFF, categories=None), max_size=12),
)


def _hostile(value: Any, data: st.DataObject) -> Any:
    """``value`` with some of its strings replaced by hostile text (hypothesis chooses which)."""
    if isinstance(value, str):
        return data.draw(HOSTILE_TEXT) if data.draw(st.booleans()) else value
    if isinstance(value, dict):
        return {key: _hostile(item, data) for key, item in value.items()}
    if isinstance(value, list):
        return [_hostile(item, data) for item in value]
    return value


def _faces(app: FastAPI) -> list[str]:
    """The faces that publish an OpenAPI document to draw requests from (the web pages have
    none: tests/web sends their forms hostile values)."""
    faces: dict[str, FastAPI] = app.state.faces
    return [prefix for prefix, face in faces.items() if face.openapi_url]


def _fuzz(client: TestClient, prefix: str, operation: Any) -> None:
    @settings(
        max_examples=12,
        deadline=None,
        suppress_health_check=list(HealthCheck),
        database=None,
    )
    @given(case=operation.as_strategy(), data=st.data())
    def check(case: Any, data: st.DataObject) -> None:
        for name in case.path_parameters or {}:
            if name in DEMO_PATH_VALUES and data.draw(st.booleans()):
                case.path_parameters[name] = DEMO_PATH_VALUES[name]
        kwargs = case.as_transport_kwargs(
            base_url=f"http://testserver{prefix}", headers=CREDENTIALS
        )
        # The HTTP client sends only ASCII header values.
        kwargs["headers"] = {
            key: value for key, value in kwargs["headers"].items() if str(value).isascii()
        }
        if kwargs.get("params"):
            # Percent-encoded by hand: a lone surrogate goes out as the bytes a broken client's
            # encoder would write (the server decodes them as invalid UTF-8).
            query = urlencode(
                _hostile(kwargs.pop("params"), data), doseq=True, errors="surrogatepass"
            )
            kwargs["url"] = f"{kwargs['url']}?{query}"
        if isinstance(kwargs.get("json"), (dict, list)):
            body = json.dumps(_hostile(kwargs.pop("json"), data))  # lone surrogates as escapes
            kwargs["content"] = body.encode()
            kwargs["headers"]["Content-Type"] = "application/json"
        response = client.request(**for_httpx(kwargs))
        assert response.status_code < 500, (
            f"{kwargs['method']} {kwargs['url']}: {response.text[:300]}"
        )

    check()


@pytest.mark.slow
@pytest.mark.filterwarnings("ignore::DeprecationWarning")  # schemathesis 3 on jsonschema 4.18+
def test_no_face_answers_5xx_to_hostile_text(runtime: Runtime) -> None:
    require_compatible_hypothesis()
    fixtures.load_fixture_text(runtime.uow(), demo_fixture_text())
    app = create_app(runtime)
    failures: list[str] = []
    with TestClient(app) as client:
        for prefix in _faces(app):
            document = client.get(f"{prefix}/openapi.json").json()

            def check_operation(operation: Any, prefix: str = prefix) -> None:
                if operation.method.upper() == "POST" and operation.path == "/reset":
                    return  # emptying the ledger would leave nothing to reach
                _fuzz(client, prefix, operation)

            schema = openapi_schema(document, app)
            failures += failures_of(schema, check_operation, label=f"{prefix} ")
    assert not failures, "\n\n".join(failures)
