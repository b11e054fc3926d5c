"""The HTTP shell: health, operator endpoints, the catch-all 500 and each face's OpenAPI."""

from __future__ import annotations

import logging
import threading
import time
from concurrent.futures import ThreadPoolExecutor

import pytest
from fastapi.testclient import TestClient

from drawbridge.api.app import create_app
from drawbridge.bootstrap import DEFAULT_REQUEST_THREADS, Runtime
from drawbridge.cli import demo_fixture_text
from drawbridge.services import admin
from tests.conftest import OPERATOR_TOKEN
from tests.support import request_threads

OPERATOR = {"Authorization": f"Bearer {OPERATOR_TOKEN}"}


def test_healthz_reports_ok(client: TestClient) -> None:
    response = client.get("/healthz")
    assert response.status_code == 200
    assert response.json() == {"status": "ok"}


@pytest.mark.parametrize("path", ["/openapi.json", "/rest/openapi.json", "/cost/openapi.json"])
def test_every_face_publishes_its_openapi(client: TestClient, path: str) -> None:
    response = client.get(path)
    assert response.status_code == 200
    assert response.json()["openapi"].startswith("3.")


def test_operator_endpoints_need_the_operator_token(client: TestClient) -> None:
    assert client.post("/_admin/reset").status_code == 401
    wrong = {"Authorization": "Bearer demo-admin-token-0001"}
    response = client.post("/_admin/fixtures", content="companies: []", headers=wrong)
    assert response.status_code == 401
    assert response.json()["error"]["code"] == "unauthorized"


def test_load_fixture_over_http_then_reset(client: TestClient, runtime: Runtime) -> None:
    response = client.post("/_admin/fixtures", content=demo_fixture_text(), headers=OPERATOR)
    assert response.status_code == 201, response.text
    assert response.json()["loaded"] == {
        "companies": 2,
        "projects": 2,
        "contracts": 5,
        "pay_apps": 22,
        "payments": 17,
    }
    # Loading the same ids again is refused and changes nothing.
    again = client.post("/_admin/fixtures", content=demo_fixture_text(), headers=OPERATOR)
    assert again.status_code == 422
    assert "companies[0].id" in again.json()["error"]["message"]
    # With reset the database is emptied first, in the same transaction.
    reloaded = client.post(
        "/_admin/fixtures", params={"reset": "true"}, content=demo_fixture_text(), headers=OPERATOR
    )
    assert reloaded.status_code == 201
    assert client.post("/_admin/reset", headers=OPERATOR).json() == {"status": "reset"}
    with runtime.uow() as uow:
        assert uow.repo.companies() == []


def test_a_bad_fixture_over_http_names_the_path_and_loads_nothing(
    client: TestClient, runtime: Runtime
) -> None:
    text = demo_fixture_text().replace('scheduled_value: "18500.00"', 'scheduled_value: "18.5.0"')
    assert text != demo_fixture_text()
    response = client.post("/_admin/fixtures", content=text, headers=OPERATOR)
    assert response.status_code == 422
    assert (
        ".line_items[0].scheduled_value: not a decimal amount"
        in (response.json()["error"]["message"])
    )
    with runtime.uow() as uow:
        assert uow.repo.companies() == []


def test_an_impossible_date_over_http_is_a_path_named_422(
    client: TestClient, runtime: Runtime
) -> None:
    text = demo_fixture_text().replace("billing_date: 2025-04-30", "billing_date: 2025-04-31", 1)
    response = client.post("/_admin/fixtures", content=text, headers=OPERATOR)
    assert response.status_code == 422
    assert response.json()["error"] == {
        "code": "invalid_fixture",
        "message": "companies[0].projects[0].contracts[0].pay_apps[3].billing_date: "
        "not a date (YYYY-MM-DD)",
        "field": "companies[0].projects[0].contracts[0].pay_apps[3].billing_date",
    }
    with runtime.uow() as uow:
        assert uow.repo.companies() == []


def test_an_unexpected_error_becomes_a_logged_well_formed_500(
    runtime: Runtime, caplog: pytest.LogCaptureFixture
) -> None:
    app = create_app(runtime)

    @app.get("/boom")
    def boom() -> None:
        raise RuntimeError("kaboom")

    with caplog.at_level(logging.ERROR, logger="drawbridge.api"):
        response = TestClient(app, raise_server_exceptions=False).get("/boom")
    assert response.status_code == 500
    assert response.json() == {"error": {"code": "internal_error", "message": "unexpected error"}}
    assert "kaboom" not in response.text  # nothing internal leaks to the client
    assert any("unexpected error on GET /boom" in r.getMessage() for r in caplog.records)


@pytest.mark.parametrize(
    ("path", "envelope_key"),
    [
        ("/cost/v1/containers/6f1c3b7e-1c1e-4a57-9a0b-1f2e3d4c5b6a/pay%0Aments", "status"),
        ("/_admin/no%0Asuch", "error"),
        ("/no-such-face", "error"),
    ],
)
def test_an_unroutable_path_is_answered_in_its_faces_envelope(
    client: TestClient, path: str, envelope_key: str
) -> None:
    # A newline in the path defeats a mount's pattern; the face still answers, in its own shape.
    response = client.get(path, headers={"Authorization": "Bearer demo-admin-token-0001"})
    assert response.status_code == 404
    assert envelope_key in response.json()


@pytest.mark.parametrize("threads", [1, 2, 3])
def test_a_server_process_computes_at_most_its_threads_requests_at_once(
    runtime: Runtime, monkeypatch: pytest.MonkeyPatch, threads: int
) -> None:
    # /healthz is a plain function, run on the thread pool like every handler that reads the
    # ledger; each call here takes a while, so eight at once overlap as far as they may.
    running = most = 0
    counting = threading.Lock()

    def slow_check(engine: object) -> None:
        nonlocal running, most
        with counting:
            running += 1
            most = max(most, running)
        time.sleep(0.05)
        with counting:
            running -= 1

    monkeypatch.setattr(admin, "check_database", slow_check)
    with (
        TestClient(create_app(runtime, request_threads=threads)) as client,
        ThreadPoolExecutor(8) as callers,
    ):
        statuses = list(callers.map(lambda _: client.get("/healthz").status_code, range(8)))
    assert statuses == [200] * 8
    assert most == threads


def test_a_server_process_computes_two_requests_at_once_unless_told(runtime: Runtime) -> None:
    with TestClient(create_app(runtime)) as client:
        assert request_threads(client) == DEFAULT_REQUEST_THREADS == 2
