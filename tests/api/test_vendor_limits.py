"""Vendors' request limits: off by default; on for every company with ``serve --vendor-limits``
(Settings.vendor_limits) or for one company with its fixture setting. The clock is injected, so
no test waits for a window to pass."""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import replace
from typing import Any

import pytest
from fastapi.testclient import TestClient

from drawbridge.api.app import create_app
from drawbridge.api.ratelimit import PROCORE, PRODUCTIVE, VendorLimits
from drawbridge.bootstrap import Runtime
from tests.support import load

TOKEN, SECOND_TOKEN, LIMITED_TOKEN = (
    "rl-token-0000000001",
    "rl-token-0000000002",
    "rl-token-limited01",
)
PRODUCTIVE_HEADERS = {"X-Auth-Token": TOKEN, "X-Organization-Id": "1"}
PROCORE_HEADERS = {"Authorization": f"Bearer {TOKEN}", "Procore-Company-Id": "1"}
START = 1_800_000_000.0  # a multiple of 10 s, 30 min and 1 h: every window starts here


class Clock:
    def __init__(self) -> None:
        self.now = START

    def __call__(self) -> float:
        return self.now


def document(*, limited_company: bool = False) -> dict[str, Any]:
    def company(company_id: int, tokens: list[str], **more: Any) -> dict[str, Any]:
        return {
            "id": company_id,
            "name": f"Company {company_id}",
            "users": [{"email": f"u{company_id}@rl.test", "role": "admin", "tokens": tokens}],
            **more,
        }

    return {
        "companies": [
            company(1, [TOKEN, SECOND_TOKEN]),
            company(2, [LIMITED_TOKEN], vendor_limits=limited_company),
        ]
    }


@pytest.fixture
def clock() -> Clock:
    return Clock()


def client_for(runtime: Runtime, clock: Clock, *, vendor_limits: bool) -> TestClient:
    limited = Runtime(replace(runtime.settings, vendor_limits=vendor_limits), engine=runtime.engine)
    app = create_app(limited)
    limits: VendorLimits = app.state.vendor_limits
    limits.clock = clock
    return TestClient(app)


@pytest.fixture
def limited(runtime: Runtime, clock: Clock) -> Iterator[TestClient]:
    load(runtime, document())
    with client_for(runtime, clock, vendor_limits=True) as test_client:
        yield test_client


def test_the_101st_productive_request_in_10_seconds_is_429_until_the_window_resets(
    limited: TestClient, clock: Clock
) -> None:
    for _ in range(100):
        assert limited.get("/api/v2/payments", headers=PRODUCTIVE_HEADERS).status_code == 200
    clock.now = START + 6.5
    refused = limited.get("/api/v2/payments", headers=PRODUCTIVE_HEADERS)
    assert refused.status_code == 429
    assert refused.headers["x-ratelimit-reset"] == "4"  # 10 - 6.5, rounded up
    assert refused.headers["content-type"] == "application/vnd.api+json; charset=utf-8"
    (error,) = refused.json()["errors"]
    assert (error["status"], error["title"], error["limit"], error["period"]) == (
        429,
        "Too many requests",
        100,
        10,
    )
    # Another token of the same organization has its own 100.
    other = {**PRODUCTIVE_HEADERS, "X-Auth-Token": SECOND_TOKEN}
    assert limited.get("/api/v2/payments", headers=other).status_code == 200
    clock.now = START + 10
    assert limited.get("/api/v2/payments", headers=PRODUCTIVE_HEADERS).status_code == 200


def test_the_organization_limit_spans_its_tokens(limited: TestClient, clock: Clock) -> None:
    limits: VendorLimits = limited.app.state.vendor_limits  # type: ignore[attr-defined]
    # 4,000 requests of the organization's tokens in this 30-minute window, counted directly.
    for second in range(40):
        clock.now = START + second * 10
        for _ in range(100):
            limits.count(PRODUCTIVE, f"token-{second}", 1)
    clock.now = START + 1000
    refused = limited.get("/api/v2/payments", headers=PRODUCTIVE_HEADERS)
    assert refused.status_code == 429
    error = refused.json()["errors"][0]
    assert (error["limit"], error["period"]) == (4000, 1800)
    assert refused.headers["x-ratelimit-reset"] == "800"  # the window ends at 1800 s
    clock.now = START + 1800
    assert limited.get("/api/v2/payments", headers=PRODUCTIVE_HEADERS).status_code == 200


def test_procore_limit_headers_on_every_response_and_429_past_3600(
    limited: TestClient, clock: Clock
) -> None:
    path = "/rest/v1.0/contract_payments?project_id=1"
    first = limited.get(path, headers=PROCORE_HEADERS)
    assert (first.status_code, first.json()) == (200, [])  # nothing paid yet
    assert first.headers["x-rate-limit-limit"] == "3600"
    assert first.headers["x-rate-limit-remaining"] == "3599"
    assert first.headers["x-rate-limit-reset"] == str(int(START) + 3600)
    limits: VendorLimits = limited.app.state.vendor_limits  # type: ignore[attr-defined]
    for _ in range(3598):
        limits.count(PROCORE, TOKEN, 1)
    last = limited.get(path, headers=PROCORE_HEADERS)
    assert (last.status_code, last.headers["x-rate-limit-remaining"]) == (200, "0")
    clock.now = START + 3599
    refused = limited.get(path, headers=PROCORE_HEADERS)
    assert refused.status_code == 429
    assert refused.headers["x-rate-limit-remaining"] == "0"
    assert "3600 requests per hour" in refused.json()["errors"]
    clock.now = START + 3600
    again = limited.get(path, headers=PROCORE_HEADERS)
    assert (again.status_code, again.headers["x-rate-limit-remaining"]) == (200, "3599")


def test_off_by_default(runtime: Runtime, clock: Clock) -> None:
    load(runtime, document())
    with client_for(runtime, clock, vendor_limits=False) as client:
        for _ in range(105):
            response = client.get("/api/v2/payments", headers=PRODUCTIVE_HEADERS)
            assert response.status_code == 200
        assert "x-ratelimit-reset" not in response.headers
        procore = client.get("/rest/v1.0/contract_payments?project_id=1", headers=PROCORE_HEADERS)
        assert "x-rate-limit-limit" not in procore.headers


def test_a_companys_fixture_setting_limits_only_its_callers(runtime: Runtime, clock: Clock) -> None:
    load(runtime, document(limited_company=True))
    with client_for(runtime, clock, vendor_limits=False) as client:
        theirs = {"X-Auth-Token": LIMITED_TOKEN, "X-Organization-Id": "2"}
        statuses = [client.get("/api/v2/payments", headers=theirs).status_code for _ in range(101)]
        assert statuses == [200] * 100 + [429]
        for _ in range(101):
            assert client.get("/api/v2/payments", headers=PRODUCTIVE_HEADERS).status_code == 200
        procore = client.get(
            "/rest/v1.0/contract_payments?project_id=1",
            headers={"Authorization": f"Bearer {LIMITED_TOKEN}", "Procore-Company-Id": "2"},
        )
        assert procore.headers["x-rate-limit-limit"] == "3600"
