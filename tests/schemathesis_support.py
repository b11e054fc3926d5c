"""What every property-based run of a face's OpenAPI document does the same way: load the
document the face publishes, send each generated case through the app's own test client (one
client for every call: schemathesis' own ASGI calls open a client each and leave streams
unclosed, which warnings-as-errors turns into failures), and report every operation's failure
at once."""

from __future__ import annotations

import warnings
from collections.abc import Callable
from datetime import timedelta
from typing import Any

import httpx
import requests
import schemathesis
from fastapi import FastAPI
from fastapi.testclient import TestClient
from hypothesis.internal.conjecture import utils as conjecture_utils


def require_compatible_hypothesis() -> None:
    """hypothesis-jsonschema (under schemathesis 3.x) calls many.more(), which newer hypothesis
    releases removed; pyproject.toml pins hypothesis below them, and this says so if it slips."""
    assert hasattr(conjecture_utils.many, "more"), "hypothesis too new for hypothesis-jsonschema"


def face_schema(client: TestClient, prefix: str) -> Any:
    """The face's document as schemathesis reads it for ``schema.parametrize()``."""
    spec = client.get(f"{prefix}/openapi.json").json()
    # FastAPI writes OpenAPI 3.1; schemathesis 3 reads it as 3.0, which covers what we use.
    return schemathesis.from_dict(spec, base_url=prefix, force_schema_version="30")


def schema_of_fixture(fixture: str) -> Any:
    """A schema read from ``fixture`` (which returns face_schema) when each test runs."""
    with warnings.catch_warnings():
        # schemathesis 3.x warns about its own default filtration arguments here.
        warnings.simplefilter("ignore", DeprecationWarning)
        return schemathesis.from_pytest_fixture(fixture)


def openapi_schema(document: dict[str, Any], app: FastAPI) -> Any:
    """A document as FastAPI writes it (OpenAPI 3.1, which schemathesis 3.x reads behind a
    flag), for walking its operations one by one."""
    schemathesis.experimental.OPEN_API_3_1.enable()
    try:
        return schemathesis.from_dict(document, app=app)
    finally:
        schemathesis.experimental.OPEN_API_3_1.disable()


def failures_of(schema: Any, check: Callable[[Any], None], label: str = "") -> list[str]:
    """Run ``check`` on every operation of ``schema``; each one's failure, named."""
    failures = []
    for result in schema.get_all_operations():
        operation = result.ok()
        try:
            check(operation)
        except Exception as error:  # report every operation's failure at once
            failures.append(f"{label}{operation.verbose_name}: {error}")
    return failures


def for_httpx(kwargs: dict[str, Any]) -> dict[str, Any]:
    """schemathesis' transport arguments (requests' names) as the httpx test client takes
    them: a raw body is ``content``, a form ``data``, and redirects are the client's affair."""
    raw = kwargs.pop("data", None)
    if isinstance(raw, (bytes, str)):
        kwargs["content"] = raw
    elif raw is not None:
        kwargs["data"] = raw
    kwargs.pop("allow_redirects", None)
    return kwargs


def send(client: TestClient, case: Any, base_url: str) -> httpx.Response:
    """The case through the app's own (httpx) test client, closed with the test."""
    return client.request(**for_httpx(case.as_transport_kwargs(base_url=base_url)))


def for_schemathesis(response: httpx.Response) -> requests.Response:
    """The test client's answer in the shape schemathesis 3.x validates (requests')."""
    converted = requests.Response()
    converted.status_code = response.status_code
    converted._content = response.content
    converted.headers = requests.structures.CaseInsensitiveDict(response.headers)
    converted.url = str(response.url)
    converted.encoding = "utf-8"
    converted.elapsed = timedelta(0)
    converted.request = requests.Request(
        method=response.request.method, url=str(response.request.url)
    ).prepare()
    return converted
