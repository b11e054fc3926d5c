"""The payments list answers filters and sorts on a payment's own columns (id, invoice, project,
paid date, amount) from the database; each page it gives is the page the in-memory path gives
for the same query. The in-memory path is reached with a filter that every payment passes but
that reads a value that is not a payment column (``external_id`` not equal to an id no payment
has), so both answer the same question."""

from __future__ import annotations

from typing import Any

import pytest
from fastapi.testclient import TestClient

from drawbridge.bootstrap import Runtime
from tests.api.productive.conftest import ADMIN
from tests.api.productive.paths import page_without

EVERYONE = ("filter[external_id][not_eq]", "no-payment-has-this-id")
DEMO = {"X-Auth-Token": "demo-admin-token-0001", "X-Organization-Id": "1"}

QUERIES: list[list[tuple[str, str]]] = [
    [],
    [("sort", "-date")],
    [("sort", "paid_on")],
    [("sort", "-amount")],
    [("sort", "amount,-paid_on")],
    [("filter[project_id]", "789"), ("sort", "-paid_on")],
    [("filter[paid_after]", "2025-04-01")],
    [("filter[paid_before]", "2025-05-31"), ("sort", "-amount")],
    [("filter[amount][gt]", "10000000"), ("filter[amount][lt_eq]", "40000000")],
    [("filter[amount][not_eq]", "6294600"), ("filter[amount][not_eq]", "26526600")],
    [("filter[id]", "9001,9003,9012,9021,9101,730202"), ("sort", "-date")],
    [("filter[invoice_id]", "1,8,17"), ("filter[amount][gt_eq]", "1")],
]


def both(client: TestClient, query: list[tuple[str, str]], headers: dict[str, str]) -> Any:
    answers = []
    for params in (query, [*query, EVERYONE]):
        response = client.get("/api/v2/payments", headers=headers, params=params)
        assert response.status_code == 200, response.text
        answers.append(page_without(response.json(), EVERYONE))
    return answers


@pytest.mark.parametrize("query", QUERIES, ids=lambda query: "&".join("=".join(p) for p in query))
def test_every_page_from_the_database_is_the_in_memory_page(
    demo: Runtime, client: TestClient, query: list[tuple[str, str]]
) -> None:
    first, _ = both(client, [*query, ("page[size]", "4")], DEMO)
    pages = first["meta"]["total_pages"]
    assert first["meta"]["total_count"] > 0, "the query matches some of the demo's payments"
    for number in range(1, pages + 2):  # and one past the last
        from_database, in_memory = both(
            client, [*query, ("page[size]", "4"), ("page[number]", str(number))], DEMO
        )
        assert from_database == in_memory


def test_amounts_at_other_exchange_rates_are_converted_alike(
    ledger: Runtime, client: TestClient
) -> None:
    for query in ([], [("sort", "-amount")], [("filter[amount][gt]", "20000")]):
        from_database, in_memory = both(client, [*query, ("page[size]", "1")], ADMIN)
        assert from_database == in_memory
        assert (
            from_database["meta"]["total_amount_default"] != from_database["meta"]["total_amount"]
        )
