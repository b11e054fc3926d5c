"""Hostile input on every write of every mounted face, discovered from each face's OpenAPI.

For each write operation (POST, PUT, PATCH) of every face mounted by ``create_app`` (a face
mounted later is covered without a change here), and each field of its JSON request body, a
table of hostile values is sent over the demo ledger. Each answer must be a 4xx that stored
nothing (the row counts of every ledger table, the audit trail included, are unchanged), or a
2xx whose record reads back as sent; never a 5xx. Every read of every face is then still
answered without a 5xx (a record that could not be rendered would fail them).
"""

from __future__ import annotations

import copy
import json
import tempfile
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from fastapi import FastAPI
from fastapi.testclient import TestClient
from sqlalchemy import text

from drawbridge.api.app import create_app
from drawbridge.api.common import default_error_response
from drawbridge.bootstrap import Runtime, Settings
from drawbridge.cli import demo_fixture_text
from drawbridge.services import fixtures

TOKEN = "demo-admin-token-0001"
# Every face gets the credentials of the demo admin; a face with other headers adds its own.
CREDENTIALS = {"Authorization": f"Bearer {TOKEN}", "Procore-Company-Id": "1"}
CONTAINER = "6f1c3b7e-1c1e-4a57-9a0b-1f2e3d4c5b6a"
# Path and query values naming demo records, by parameter name.
DEMO_VALUES = {
    "project_id": "789",
    "company_id": "1",
    "commitment_id": "701973",
    "contract_id": "701973",
    "requisition_id": "11",
    "containerId": CONTAINER,
}
# Requests that pass validation on the demo ledger, so a hostile value in one field is the only
# thing wrong with them. An operation not listed gets a body built from its schema.
VALID_BODIES: dict[tuple[str, str], dict[str, Any]] = {
    ("post", "/rest/v1.1/requisitions"): {
        "project_id": 789,
        "commitment_id": 701973,
        "requisition": {
            "requisition_start": "2025-07-01",
            "requisition_end": "2025-07-31",
            "items": [{"line_item_id": 2012, "work_completed_this_period": "100.00"}],
        },
    },
    ("patch", "/rest/v1.1/requisitions/{id}"): {
        "project_id": 789,
        "requisition": {"invoice_number": "EE-0005"},
    },
    (
        "patch",
        "/rest/v2.0/companies/{company_id}/projects/{project_id}/requisitions/{id}/payment_details",
    ): {"due_date": "2025-08-01"},
    ("post", "/rest/v1.0/contract_payments"): {
        "project_id": 789,
        "contract_id": 701973,
        "contract_payment": {"amount": "1.00", "date": "2025-08-10"},
    },
    ("patch", "/rest/v1.0/contract_payments/{id}"): {
        "project_id": 789,
        "contract_payment": {"notes": "checked"},
    },
    ("patch", "/cost/v1/containers/{containerId}/payments/{id}"): {"note": "checked"},
}
VALID_BODIES[("post", "/rest/v1.0/requisitions")] = VALID_BODIES[
    ("post", "/rest/v1.1/requisitions")
]

# Raw JSON text, so values no JSON encoder writes (NaN, 1e400, lone surrogates) can be sent.
EVERY_FIELD = {
    "lone surrogate": '"a\\ud800b"',
    "NUL": '"a\\u0000b"',
    "NaN": "NaN",
    "1e400": "1e400",
    "wrong type (object)": '{"a": 1}',
}
BY_KIND = {
    "text": {
        "1 MB string": json.dumps("x" * 1_000_000),
        "Arabic-Indic digits": '"\u0661\u0662\u0663"',
    },
    "number": {
        "Arabic-Indic digits": '"\u0661\u0662\u0663"',
        "full-width digits": '"\uff11\uff12\uff13"',
        "underscore digits": '"1_000"',
        "boolean": "true",
        "30 digits": "1" + "0" * 30,
    },
    "date": {"impossible date": '"2025-02-30"', "integer": "0", "epoch text": '"1735689600"'},
    "boolean": {"yes": '"yes"', "one": "1", "true as text": '"true"'},
    "array": {"1e400 item": "[1e400]", "surrogate item": '["\\udfff"]'},
}
DEEP = "[" * 10_000 + "]" * 10_000


def _faces(app: FastAPI) -> list[tuple[str, FastAPI]]:
    faces: dict[str, FastAPI] = app.state.faces
    return list(faces.items())


def _discover() -> list[tuple[str, str, str, dict[str, Any]]]:
    """(prefix, method, path, operation) of every write with a JSON body, on every face."""
    with tempfile.TemporaryDirectory() as scratch:
        settings = Settings(database_url="sqlite://", data_dir=Path(scratch), operator_token=None)
        runtime = Runtime(settings)
        try:
            app = create_app(runtime)
            found = []
            for prefix, face in _faces(app):
                spec = face.openapi()
                for path, operations in spec["paths"].items():
                    for method, operation in operations.items():
                        content = operation.get("requestBody", {}).get("content", {})
                        if method in ("post", "put", "patch") and "application/json" in content:
                            found.append((prefix, method, path, {"spec": spec, **operation}))
            return found
        finally:
            runtime.close()


OPERATIONS = _discover()


def _resolve(spec: dict[str, Any], schema: dict[str, Any]) -> dict[str, Any]:
    while "$ref" in schema:
        name = schema["$ref"].rsplit("/", 1)[-1]
        schema = spec["components"]["schemas"][name]
    branches = [b for b in schema.get("anyOf", []) if b.get("type") != "null"]
    if len(branches) == 1:
        return _resolve(spec, branches[0])
    return schema


def _kind(schema: dict[str, Any]) -> str:
    types = {b.get("type") for b in schema.get("anyOf", [])} - {"null"} or {schema.get("type")}
    if types & {"integer", "number"}:
        return "number"
    if "boolean" in types:
        return "boolean"
    if "array" in types:
        return "array"
    if "object" in types or "properties" in schema:
        return "object"
    if schema.get("format") in ("date", "date-time"):
        return "date"
    return "text"


def _fields(
    spec: dict[str, Any], schema: dict[str, Any], path: tuple[str | int, ...] = ()
) -> Iterator[tuple[tuple[str | int, ...], str]]:
    """(path, kind) of every leaf field of a request body, arrays entered at their first item."""
    schema = _resolve(spec, schema)
    kind = _kind(schema)
    if kind == "object" and len(path) < 4:
        for name, property_schema in schema.get("properties", {}).items():
            yield from _fields(spec, property_schema, (*path, name))
        if schema.get("additionalProperties") is True:
            yield (*path, "custom_field_5"), "text"
    elif kind == "array" and len(path) < 4:
        items = _resolve(spec, schema.get("items", {}))
        if _kind(items) == "object":
            yield from _fields(spec, items, (*path, 0))
        else:
            yield path, "array"
    elif path:
        yield path, kind


def _example(spec: dict[str, Any], schema: dict[str, Any]) -> Any:
    """A minimal body for an operation without a listed valid one: its required fields."""
    schema = _resolve(spec, schema)
    kind = _kind(schema)
    if kind == "object":
        required = schema.get("required", [])
        properties = schema.get("properties", {})
        return {name: _example(spec, properties[name]) for name in required if name in properties}
    if "enum" in schema:
        return schema["enum"][0]
    return {"number": 1, "boolean": True, "array": [], "date": "2025-07-01"}.get(kind, "text")


PLACEHOLDER = "__HOSTILE_VALUE__"


def _with_value(body: Any, path: tuple[str | int, ...], raw: str) -> str:
    document = copy.deepcopy(body) if isinstance(body, dict) else {}
    target: Any = document
    for step, following in zip(path, (*path[1:], None), strict=True):
        if following is None:
            break
        if isinstance(step, int):
            while len(target) <= step:
                target.append({})
            target = target[step]
        else:
            default: Any = [] if isinstance(following, int) else {}
            if not isinstance(target.get(step), type(default)):
                target[step] = default
            target = target[step]
    last = path[-1]
    if isinstance(last, int):
        while len(target) <= last:
            target.append({})
    target[last] = PLACEHOLDER
    return json.dumps(document).replace(f'"{PLACEHOLDER}"', raw)


def _field_name(path: tuple[str | int, ...]) -> str:
    return "".join(f"[{part}]" if isinstance(part, int) else f".{part}" for part in path)[1:]


TABLES = (
    "pay_apps",
    "pay_app_lines",
    "payments",
    "attachments",
    "audit_events",
    "contracts",
    "sov_lines",
)


def _counts(runtime: Runtime) -> dict[str, int]:
    with runtime.engine.connect() as connection:
        return {
            table: connection.execute(text(f"SELECT count(*) FROM {table}")).scalar_one()
            for table in TABLES
        }


def _path_values(client: TestClient, prefix: str, path: str) -> dict[str, str]:
    values = dict(DEMO_VALUES)
    if "/cost/" in f"{prefix}/" and "/payments/{id}" in path:
        listed = client.get(f"/cost/v1/containers/{CONTAINER}/payments", headers=CREDENTIALS)
        values["id"] = listed.json()["results"][0]["id"]
    elif "contract_payments" in path:
        values["id"] = "9011"
    elif "requisitions" in path:
        values["id"] = "11"
    return values


def _url(prefix: str, path: str, values: dict[str, str]) -> str:
    filled = path
    for name, value in values.items():
        filled = filled.replace("{" + name + "}", value)
    return prefix + filled.replace("{", "").replace("}", "")


def _query(operation: dict[str, Any]) -> dict[str, str]:
    return {
        parameter["name"]: DEMO_VALUES.get(parameter["name"], "1")
        for parameter in operation.get("parameters", [])
        if parameter["in"] == "query" and parameter.get("required")
    }


def _reads_answer(client: TestClient, app: FastAPI) -> None:
    """Every read of every face whose parameters name demo records answers without a 5xx."""
    for prefix, face in _faces(app):
        spec = face.openapi()
        for path, operations in spec["paths"].items():
            operation = operations.get("get")
            if operation is None or "{" in path.replace("{containerId}", ""):
                continue
            params = _query(operation)
            for include in ("", "attributes,paymentReferences,summaryCalculatedFields"):
                query = {**params, "view": "extended"} if "requisitions" in path else dict(params)
                if include and "/payments" in path:
                    query["include"] = include
                response = client.get(
                    _url(prefix, path, DEMO_VALUES), params=query, headers=CREDENTIALS
                )
                assert response.status_code < 500, (path, response.text)


def _found(document: Any, key: str) -> list[Any]:
    """Every value held under ``key`` anywhere in a JSON document."""
    found, pending = [], [document]
    while pending:
        item = pending.pop()
        if isinstance(item, dict):
            found.extend(value for name, value in item.items() if name == key)
            pending.extend(item.values())
        elif isinstance(item, list):
            pending.extend(item)
    return found


@pytest.fixture
def demo_client(runtime: Runtime) -> Iterator[tuple[TestClient, FastAPI]]:
    fixtures.load_fixture_text(runtime.uow(), demo_fixture_text())
    app = create_app(runtime)
    with TestClient(app) as client:
        yield client, app


@pytest.mark.parametrize(
    ("prefix", "method", "path", "operation"),
    OPERATIONS,
    ids=[f"{method.upper()} {prefix}{path}" for prefix, method, path, _ in OPERATIONS],
)
def test_hostile_values_in_every_field_are_refused_or_read_back(
    demo_client: tuple[TestClient, FastAPI],
    runtime: Runtime,
    prefix: str,
    method: str,
    path: str,
    operation: dict[str, Any],
) -> None:
    client, app = demo_client
    spec = operation["spec"]
    schema = operation["requestBody"]["content"]["application/json"]["schema"]
    body = VALID_BODIES.get((method, prefix + path)) or _example(spec, schema)
    url = _url(prefix, path, _path_values(client, prefix, path))
    headers = {**CREDENTIALS, "Content-Type": "application/json"}
    if (method, prefix + path) in VALID_BODIES:  # the base request itself is taken
        accepted = client.request(
            method, url, params=_query(operation), json=body, headers=CREDENTIALS
        )
        assert accepted.status_code < 300, accepted.text
    cases = [("body", "deep JSON", json.dumps(body).replace("{", '{"deep": ' + DEEP + ",", 1))]
    for field_path, kind in _fields(spec, schema):
        for label, raw in {**EVERY_FIELD, **BY_KIND.get(kind, {})}.items():
            cases.append((_field_name(field_path), label, _with_value(body, field_path, raw)))
    if _resolve(spec, schema).get("properties"):  # a free-form document names no fields
        assert len(cases) > 5, "the operation's body schema names no fields"
    outcomes: dict[int, int] = {}
    for field, label, content in cases:
        before = _counts(runtime)
        response = client.request(
            method,
            url,
            params=_query(operation),
            content=content.encode("utf-8", "surrogatepass"),
            headers=headers,
        )
        where = f"{method.upper()} {url} {field} = {label}"
        assert response.status_code < 500, f"{where}: {response.text[:300]}"
        outcomes[response.status_code] = outcomes.get(response.status_code, 0) + 1
        if response.status_code >= 400:
            assert _counts(runtime) == before, f"{where}: answered {response.status_code}"
            continue
        # Accepted: the value must read back exactly as it was sent wherever it is shown.
        sent = json.loads(content.encode("utf-8", "surrogatepass"))
        leaf = field.rsplit(".", 1)[-1]
        value: Any = sent
        for step in field.replace("]", "").replace("[", ".").split("."):
            value = value[int(step)] if step.isdigit() else value[step]
        shown = [v for v in _found(response.json(), leaf) if isinstance(v, str)]
        if isinstance(value, str) and shown:
            assert value in shown, f"{where}: stored {shown[:1]!r}"
    # A record that could not be shown would fail its reads from now on: one pass finds it.
    _reads_answer(client, app)
    assert any(400 <= status < 500 for status in outcomes), outcomes


def test_every_mounted_face_registers_its_envelope_and_its_authentication() -> None:
    """A face mounted later is guarded only once it says how it answers errors and who may
    call it (``make_face(..., error_response=..., authenticate=...)``)."""
    with tempfile.TemporaryDirectory() as scratch:
        settings = Settings(database_url="sqlite://", data_dir=Path(scratch), operator_token=None)
        runtime = Runtime(settings)
        try:
            faces = _faces(create_app(runtime))
        finally:
            runtime.close()
    assert {prefix for prefix, _ in faces} >= {"/rest", "/cost", "/_admin"}
    for prefix, face in faces:
        guard = face.state.guard
        # A token endpoint is how a caller gets credentials: it cannot ask for them first. It
        # and the revocation endpoint authenticate the OAuth client by the request's own
        # client_id and client_secret instead.
        issues_tokens = all(
            path.endswith(("/token", "/revoke")) for path in face.openapi()["paths"]
        )
        assert guard.authenticate is not None or issues_tokens, prefix
        if prefix != "/_admin":  # the operator face speaks drawbridge's own envelope
            assert guard.error_response is not default_error_response, prefix


@pytest.mark.parametrize("prefix", ["/rest", "/cost", "/_admin"])
def test_unauthenticated_and_oversized_bodies_on_every_face(
    demo_client: tuple[TestClient, FastAPI], prefix: str
) -> None:
    """Whatever the path under a face (routed or not), the guard answers in that face's shape."""
    client, _ = demo_client
    anywhere = f"{prefix}/any/write"
    unauthenticated = client.post(
        anywhere, content=b"{}", headers={"Content-Type": "application/json"}
    )
    assert unauthenticated.status_code == 401
    too_big = client.post(
        anywhere,
        content=b"{}",
        headers={**CREDENTIALS, "Content-Length": str(10**12), "Content-Type": "application/json"},
    )
    # The admin face takes only the operator token, so it refuses the API token first.
    assert too_big.status_code == (401 if prefix == "/_admin" else 413)
    shapes = {"/rest": "errors", "/cost": "detail", "/_admin": "error"}
    assert shapes[prefix] in unauthenticated.json()
