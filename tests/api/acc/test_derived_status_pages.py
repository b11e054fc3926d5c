"""``filter[status]=paid`` (or ``approved``) decides on each application's status and the sum of
its payments, read by the database without rendering: every page, in every sort, holds what
filtering the fully rendered list by the status it shows gives."""

from __future__ import annotations

from typing import Any

import pytest
from fastapi.testclient import TestClient

from drawbridge.bootstrap import Runtime

DEMO_CONTAINER = "6f1c3b7e-1c1e-4a57-9a0b-1f2e3d4c5b6a"
HEADERS = {"Authorization": "Bearer demo-admin-token-0001"}


def listed(client: TestClient, query: str) -> dict[str, Any]:
    response = client.get(f"/cost/v1/containers/{DEMO_CONTAINER}/payments{query}", headers=HEADERS)
    assert response.status_code == 200, response.text
    body: dict[str, Any] = response.json()
    return body


@pytest.mark.parametrize("status", ["paid", "approved"])
@pytest.mark.parametrize("sort", ["", "&sort=number desc", "&sort=updatedAt desc,number"])
def test_each_page_of_a_derived_status_is_the_rendered_list_filtered(
    demo: Runtime, client: TestClient, status: str, sort: str
) -> None:
    everything = listed(client, f"?limit=200{sort}")["results"]
    expected = [payment for payment in everything if payment["status"] == status]
    assert expected, "the demo has payments of this status"
    size = 2
    pages: list[dict[str, Any]] = []
    for offset in range(0, len(expected) + size, size):
        page = listed(client, f"?filter[status]={status}&limit={size}&offset={offset}{sort}")
        assert page["pagination"]["totalResults"] == len(expected)
        pages += page["results"]
    assert pages == expected
