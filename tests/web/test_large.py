"""An application of 500 lines stays usable: the page renders every row with its inputs and the
totals, and a live recompute after one typed figure answers with the whole sheet."""

from __future__ import annotations

import time
from collections.abc import Iterator

import pytest
from fastapi.testclient import TestClient

from drawbridge.api.app import create_app
from drawbridge.bootstrap import Runtime
from drawbridge.services import pay_apps
from tests.support import admin_actor, load
from tests.web.helpers import sign_in

LINES = 500
PASSWORD = "five hundred lines"


@pytest.fixture
def big(runtime: Runtime) -> Iterator[tuple[TestClient, int]]:
    load(
        runtime,
        {
            "companies": [
                {
                    "id": 1,
                    "name": "Long Schedule Builders",
                    "users": [{"email": "pm@long.test", "role": "admin", "password": PASSWORD}],
                    "parties": [{"id": 1, "code": "SUB", "name": "Sub Co", "kind": "vendor"}],
                    "projects": [
                        {
                            "id": 1,
                            "code": "LONG",
                            "name": "Long schedule",
                            "contracts": [
                                {
                                    "id": 1,
                                    "kind": "commitment",
                                    "number": "SC-500",
                                    "title": "Five hundred lines",
                                    "party": "SUB",
                                    "retainage": {
                                        "method": "cumulative",
                                        "work_percent": "10",
                                        "materials_percent": "10",
                                    },
                                    "line_items": [
                                        {
                                            "id": number,
                                            "number": str(number),
                                            "description": f"Scope item {number}",
                                            "scheduled_value": "1000.00",
                                        }
                                        for number in range(1, LINES + 1)
                                    ],
                                    "pay_apps": [
                                        {
                                            "number": 1,
                                            "status": "draft",
                                            "start_date": "2025-08-01",
                                            "end_date": "2025-08-31",
                                        }
                                    ],
                                }
                            ],
                        }
                    ],
                }
            ]
        },
    )
    draft = pay_apps.find_pay_app(runtime.uow(), admin_actor(1), 1, 1)
    with TestClient(create_app(runtime)) as client:
        yield client, draft.id


def test_a_500_line_application_renders_and_recomputes(big: tuple[TestClient, int]) -> None:
    client, pay_app_id = big
    csrf = sign_in(client, ("pm@long.test", PASSWORD))
    started = time.monotonic()
    page = client.get(f"/app/pay-applications/{pay_app_id}")
    rendered = time.monotonic() - started
    assert page.status_code == 200
    assert page.text.count('name="e-') == LINES
    assert 'data-fig="t-g"' in page.text  # the totals row
    line_id = int(page.text.split('name="e-', 1)[1].split('"', 1)[0])
    started = time.monotonic()
    answer = client.post(
        f"/app/pay-applications/{pay_app_id}/preview",
        data={"csrf_token": csrf, f"e-{line_id}": "250.00"},
    )
    recomputed = time.monotonic() - started
    assert answer.status_code == 200
    figures = answer.json()
    assert figures["texts"]["s-3"] == "500,000.00"
    assert figures["texts"]["s-8"] == "225.00"
    assert len([key for key in figures["texts"] if key.startswith("g-")]) == LINES
    # Generous bounds for a shared test machine; typically well under a second each.
    assert rendered < 10
    assert recomputed < 10
