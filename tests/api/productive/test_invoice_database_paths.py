"""The invoices list answers filters on invoice ids and one project, and sorts on an invoice's
own columns (amount, date, pay date), from the database; each page it gives is the page the
in-memory path gives for the same query on the same ledger. The in-memory path is reached with
a filter that every invoice passes but that reads a value the database path does not answer
(``external_id`` not equal to an id no invoice has), so both answer the same question."""

from __future__ import annotations

from typing import Any

import pytest
from fastapi.testclient import TestClient
from sqlalchemy import text

from drawbridge.api import listing
from drawbridge.api.productive import invoices, mapping
from drawbridge.bootstrap import Runtime
from tests.api.productive.paths import page_without

EVERYONE = ("filter[external_id][not_eq]", "no-invoice-has-this-id")
DEMO = {"X-Auth-Token": "demo-admin-token-0001", "X-Organization-Id": "1"}

QUERIES: list[list[tuple[str, str]]] = [
    [],
    [("sort", "-date")],
    [("sort", "invoiced_on")],
    [("sort", "pay_on")],
    [("sort", "-pay_on")],
    [("sort", "-amount")],
    [("sort", "amount,-invoiced_on")],
    [("sort", "-pay_on,amount")],
    [("filter[project_id]", "789")],
    [("filter[project_id]", "789"), ("sort", "-date")],
    [("filter[id]", "1,3,5,8,13,17,21,999999"), ("sort", "-amount")],
    [("filter[invoice_id]", "1,2,3,4,5,6,7,8,9"), ("filter[id]", "2,4,6,8,10")],
    [("filter[project_id]", "789"), ("filter[invoice_id]", "1,2,3,4,5,6,7"), ("sort", "pay_on")],
    [("include", "project")],
    [("include", "company,creator,project"), ("sort", "-invoiced_on")],
]


def both(client: TestClient, query: list[tuple[str, str]]) -> list[Any]:
    answers = []
    for params in (query, [*query, EVERYONE]):
        response = client.get("/api/v2/invoices", headers=DEMO, params=params)
        assert response.status_code == 200, response.text
        answers.append(page_without(response.json(), EVERYONE))
    return answers


def takes_the_database_path(query: list[tuple[str, str]]) -> bool:
    where = listing.parse_filter(query, mapping.INVOICE_FILTERS)
    order = listing.parse_sort(dict(query).get("sort"), mapping.INVOICE_SORTS)
    return invoices._in_database(where, order) is not None


@pytest.mark.parametrize("query", QUERIES, ids=lambda query: "&".join("=".join(p) for p in query))
def test_every_page_from_the_database_is_the_in_memory_page(
    demo: Runtime, client: TestClient, query: list[tuple[str, str]]
) -> None:
    assert takes_the_database_path(query)
    assert not takes_the_database_path([*query, EVERYONE])
    first, _ = both(client, [*query, ("page[size]", "3")])
    pages = first["meta"]["total_pages"]
    assert first["meta"]["total_count"] > 0, "the query matches some of the demo's invoices"
    for number in range(1, pages + 2):  # and one past the last
        from_database, in_memory = both(
            client, [*query, ("page[size]", "3"), ("page[number]", str(number))]
        )
        assert from_database == in_memory


def test_the_totals_cover_every_invoice_the_list_chose(demo: Runtime, client: TestClient) -> None:
    """The totals of the unfiltered list (the company's payments read from the kept totals) and
    of a filtered one (summed from the payments) are those of the invoices on every page."""
    for query in ([], [("filter[project_id]", "789")], [("filter[id]", "1,2,3,8,9")]):
        response = client.get(
            "/api/v2/invoices", headers=DEMO, params=[*query, ("page[size]", "200")]
        )
        assert response.status_code == 200, response.text
        document = response.json()
        shown = [item["attributes"] for item in document["data"]]
        meta = document["meta"]
        assert meta["total_count"] == len(shown) > 0
        assert meta["total_amount"] == sum(invoice["amount"] for invoice in shown)
        assert meta["total_amount_paid"] == sum(invoice["amount_paid"] for invoice in shown)
        assert meta["total_amount_unpaid"] == sum(invoice["amount_unpaid"] for invoice in shown)
        assert meta["total_amount_paid"] > 0


def test_filters_and_sorts_the_database_does_not_answer_stay_in_memory() -> None:
    for query in (
        [("filter[amount_paid][gt]", "1")],
        [("filter[paid_after]", "2025-01-01")],
        [("filter[number][contains]", "0")],
        [("filter[project_id]", "789,790")],
        [("filter[$op]", "or"), ("filter[0][id]", "1"), ("filter[1][id]", "2")],
        [("sort", "number")],
        [("sort", "-amount_unpaid")],
    ):
        assert not takes_the_database_path(query)


def test_invoices_without_a_pay_date_sort_as_in_memory(demo: Runtime, client: TestClient) -> None:
    """Nulls come after every date, so first when the sort is descending, on either database."""
    with demo.engine.begin() as connection:
        connection.execute(
            text("UPDATE pay_apps SET due_date = NULL, billing_date = NULL WHERE id IN (2, 7, 15)")
        )
    for sort in ("pay_on", "-pay_on", "-pay_on,-amount", "invoiced_on,pay_on"):
        query = [("sort", sort)]
        assert takes_the_database_path(query)
        for number in range(1, 9):
            params = [*query, ("page[size]", "3"), ("page[number]", str(number))]
            from_database, in_memory = both(client, params)
            assert from_database == in_memory
    everything = client.get(
        "/api/v2/invoices", headers=DEMO, params={"sort": "-pay_on", "page[size]": "200"}
    ).json()["data"]
    assert [item["id"] for item in everything[:3]] == ["2", "7", "15"]
