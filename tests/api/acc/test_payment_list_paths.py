"""The payments list is read in one transaction from plain rows (``pay_app_pages.project_page``);
the get of a payment renders its full view. Every payment a list page answers, in every filter,
sort, include and page, is byte for byte what its get answers with the same include, and pages
of 3 add up to the whole list."""

from __future__ import annotations

import json
from typing import Any

import pytest
from fastapi.testclient import TestClient

from drawbridge.bootstrap import Runtime

DEMO_CONTAINER = "6f1c3b7e-1c1e-4a57-9a0b-1f2e3d4c5b6a"
PAYMENTS = f"/cost/v1/containers/{DEMO_CONTAINER}/payments"
HEADERS = {"Authorization": "Bearer demo-admin-token-0001"}
EVERY_INCLUDE = "paymentReferences,attributes,summaryCalculatedFields,complianceExpiration"


def listed(client: TestClient, params: dict[str, str]) -> dict[str, Any]:
    response = client.get(PAYMENTS, headers=HEADERS, params=params)
    assert response.status_code == 200, response.text
    body: dict[str, Any] = response.json()
    return body


def queries(client: TestClient) -> list[dict[str, str]]:
    every = listed(client, {"limit": "200"})["results"]
    commitment = next(p["associationId"] for p in every if p["associationType"] == "Contract")
    return [
        {},
        {"sort": "number desc"},
        {"sort": "updatedAt desc,number"},
        {"filter[associationId]": commitment, "sort": "number desc"},
        {"filter[associationType]": "MainContract"},
        {"filter[status]": "paid"},
        {"filter[status]": "approved"},
        {"filter[status]": "approved,paid"},
        {"filter[number]": "1,2"},
        {"filter[id]": ",".join(p["id"] for p in every[::3])},
        {"filter[lastModifiedSince]": "2000-01-01T00:00:00Z"},
        {"filter[budgetPaymentId]": every[0]["id"]},
    ]


@pytest.mark.parametrize("include", [None, EVERY_INCLUDE])
def test_each_listed_payment_is_its_get(
    demo: Runtime, client: TestClient, include: str | None
) -> None:
    extra = {"include": include} if include else {}
    gets: dict[str, bytes] = {}
    for query in queries(client):
        whole = listed(client, {**query, **extra, "limit": "200"})
        assert whole["pagination"]["totalResults"] == len(whole["results"])
        paged: list[Any] = []
        for offset in range(0, len(whole["results"]) + 3, 3):  # and one past the last
            page = listed(client, {**query, **extra, "limit": "3", "offset": str(offset)})
            assert page["pagination"]["totalResults"] == len(whole["results"])
            paged += page["results"]
        assert paged == whole["results"]
        for payment in whole["results"]:
            if payment["id"] not in gets:
                got = client.get(f"{PAYMENTS}/{payment['id']}", headers=HEADERS, params=extra)
                assert got.status_code == 200, got.text
                gets[payment["id"]] = got.content
            assert (
                json.dumps(payment).encode() == json.dumps(json.loads(gets[payment["id"]])).encode()
            )
    assert len(gets) > 10


def test_an_unknown_project_is_reported_before_a_bad_filter(
    demo: Runtime, client: TestClient
) -> None:
    unknown = "/cost/v1/containers/00000000-0000-4000-8000-000000000000/payments"
    for params in (
        {"filter[associationId]": "not-a-uuid"},
        {"filter[budgetPaymentId]": "not-a-uuid"},
    ):
        response = client.get(unknown, headers=HEADERS, params=params)
        assert response.status_code == 404, response.text
        known = client.get(PAYMENTS, headers=HEADERS, params=params)
        assert known.status_code == 400, known.text
