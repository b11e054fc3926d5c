"""List queries on the Productive face: every filter the vendor lists, each operator, logical
groups, each sort in both directions (ties by id), pages with exact links and meta, includes
and the aggregate. Payments and amounts are those of conftest's table."""

from __future__ import annotations

from typing import Any

import pytest
from fastapi.testclient import TestClient

from drawbridge.bootstrap import Runtime
from tests.api.productive.conftest import ADMIN, VENDOR, WRITE, ids, invoice_ids, payment_body

BASE = "http://testserver/api/v2/payments"


@pytest.fixture
def invoices(ledger: Runtime, client: TestClient) -> dict[str, int]:
    return invoice_ids(client)


def payments(client: TestClient, **params: str) -> Any:
    return client.get("/api/v2/payments", headers=ADMIN, params=params)


def test_the_whole_list_with_its_meta_and_aggregate(client: TestClient, ledger: Runtime) -> None:
    response = payments(client)
    assert ids(response) == [801, 802, 803, 804]
    document = response.json()
    assert document["meta"] == {
        "current_page": 1,
        "total_pages": 1,
        "total_count": 4,
        "page_size": 30,
        "max_page_size": 200,
        "total_amount": 1512346,  # 900001 + 100000 + 12345 + 500000
        "total_amount_default": 1600926,  # 978751 + 108750 + 13425 + 500000
    }
    assert document["links"] == {
        "first": f"{BASE}?page%5Bnumber%5D=1&page%5Bsize%5D=30",
        "last": f"{BASE}?page%5Bnumber%5D=1&page%5Bsize%5D=30",
    }


def test_every_listed_filter(client: TestClient, invoices: dict[str, int]) -> None:
    first, second = invoices["FA-2024/01"], invoices["FA-2024/02"]
    usd = invoices["EE-01"]
    expected: list[tuple[dict[str, str], list[int]]] = [
        ({"filter[invoice_id]": f"{first},{usd}"}, [801, 804]),
        ({"filter[company_id]": str(VENDOR)}, [801, 802, 803]),
        ({"filter[project_id]": "55"}, [801, 802, 803, 804]),
        ({"filter[project_id]": "77"}, []),  # another company's project
        ({"filter[subsidiary_id]": "1"}, [801, 802, 803, 804]),
        ({"filter[subsidiary_id]": "2"}, []),
        ({"filter[paid_after]": "2024-03-20"}, [802, 803]),  # on or after
        ({"filter[paid_before]": "2024-02-15"}, [801, 804]),  # on or before
        ({"filter[paid_on]": "2024-02-15"}, [801, 804]),
        ({"filter[external_id]": "ERP-3"}, [803]),
        ({"filter[amount]": "12345"}, [803]),
        ({"filter[invoice_id]": str(second), "filter[amount][gt]": "20000"}, [802]),
    ]
    for params, wanted in expected:
        assert ids(payments(client, **params)) == wanted, params


def test_a_repeated_array_filter_matches_any_of_its_values(
    client: TestClient, invoices: dict[str, int]
) -> None:
    query = [("filter[invoice_id]", str(invoices["FA-2024/01"])), ("filter[invoice_id]", "999")]
    query.append(("filter[invoice_id][]", str(invoices["EE-01"])))
    assert ids(client.get("/api/v2/payments", headers=ADMIN, params=query)) == [801, 804]


@pytest.mark.parametrize(
    ("operator", "value", "wanted"),
    [
        # amounts: 801 900001, 802 100000, 803 12345, 804 500000
        ("eq", "100000", [802]),
        ("not_eq", "100000", [801, 803, 804]),
        ("gt", "100000", [801, 804]),
        ("gt_eq", "100000", [801, 802, 804]),
        ("lt", "100000", [803]),
        ("lt_eq", "100000", [802, 803]),
        ("contains", "0001", [801]),
        ("not_contain", "000", [803]),
    ],
)
def test_each_operator(
    client: TestClient, ledger: Runtime, operator: str, value: str, wanted: list[int]
) -> None:
    assert ids(payments(client, **{f"filter[amount][{operator}]": value})) == wanted


def test_text_and_date_operators(client: TestClient, ledger: Runtime) -> None:
    assert ids(payments(client, **{"filter[external_id][contains]": "erp-"})) == [
        801,
        802,
        803,
        804,
    ]
    assert ids(payments(client, **{"filter[external_id][not_eq]": "ERP-2"})) == [801, 803, 804]
    assert ids(payments(client, **{"filter[paid_on][gt]": "2024-03-20"})) == [803]
    assert ids(payments(client, **{"filter[paid_on][lt_eq]": "2024-03-20T23:00:00+02:00"})) == [
        801,
        802,
        804,
    ]


def test_logical_groups(client: TestClient, ledger: Runtime) -> None:
    either = {
        "filter[$op]": "or",
        "filter[0][amount][eq]": "12345",
        "filter[1][external_id]": "ERP-1",
    }
    assert ids(payments(client, **either)) == [801, 803]
    nested = {
        "filter[$op]": "or",
        "filter[0][amount][lt]": "20000",
        "filter[1][$op]": "and",
        "filter[1][0][paid_on]": "2024-02-15",
        "filter[1][1][amount][gt]": "600000",
    }
    assert ids(payments(client, **nested)) == [801, 803]  # 803 < 20000; 801 on 02-15 and > 600000
    both = {"filter[0][paid_on]": "2024-02-15", "filter[1][amount][lt]": "600000"}  # and
    assert ids(payments(client, **both)) == [804]


@pytest.mark.parametrize(
    ("sort", "wanted"),
    [
        ("amount", [803, 802, 804, 801]),
        ("-amount", [801, 804, 802, 803]),
        ("paid_on", [801, 804, 802, 803]),  # 801 and 804 share 2024-02-15: by id
        ("-paid_on", [803, 802, 801, 804]),
        ("date", [801, 804, 802, 803]),
        ("-date", [803, 802, 801, 804]),
        ("note", [804, 802, 801, 803]),  # Check, part one, Wire one, then no note
        ("-note", [803, 801, 802, 804]),
        ("written_off_on", [801, 802, 803, 804]),  # none written off: by id
        ("-written_off_on", [801, 802, 803, 804]),
        ("invoice.number", [804, 801, 802, 803]),  # EE-01, FA-2024/01, FA-2024/02 (by id)
        ("-invoice.number", [802, 803, 801, 804]),
        ("-invoice.number,amount", [803, 802, 801, 804]),
    ],
)
def test_each_sort(client: TestClient, ledger: Runtime, sort: str, wanted: list[int]) -> None:
    assert ids(payments(client, sort=sort)) == wanted


def test_pages_across_a_boundary(client: TestClient, ledger: Runtime) -> None:
    first = payments(client, sort="amount", **{"page[size]": "3"})
    assert ids(first) == [803, 802, 804]
    query = "sort=amount&page%5Bnumber%5D={}&page%5Bsize%5D=3"
    assert first.json()["links"] == {
        "first": f"{BASE}?{query.format(1)}",
        "next": f"{BASE}?{query.format(2)}",
        "last": f"{BASE}?{query.format(2)}",
    }
    assert first.json()["meta"]["total_pages"] == 2
    second = payments(client, sort="amount", **{"page[size]": "3", "page[number]": "2"})
    assert ids(second) == [801]
    assert second.json()["links"] == {
        "first": f"{BASE}?{query.format(1)}",
        "prev": f"{BASE}?{query.format(1)}",
        "last": f"{BASE}?{query.format(2)}",
    }
    meta = second.json()["meta"]
    assert (meta["current_page"], meta["total_count"], meta["page_size"]) == (2, 4, 3)
    assert meta["total_amount"] == 1512346  # over the filtered set, not the page
    beyond = payments(client, **{"page[size]": "3", "page[number]": "9"})
    assert ids(beyond) == []
    assert "next" not in beyond.json()["links"]
    capped = payments(client, **{"page[size]": "500"})
    assert capped.json()["meta"]["page_size"] == 200


def test_the_aggregate_covers_the_filtered_set(
    client: TestClient, invoices: dict[str, int]
) -> None:
    response = payments(
        client, aggregates="total_amount", **{"filter[invoice_id]": str(invoices["FA-2024/02"])}
    )
    assert response.json()["meta"]["total_amount"] == 112345  # 100000 + 12345
    assert response.json()["meta"]["total_amount_default"] == 122175  # 108750 + 13425


def test_includes(client: TestClient, invoices: dict[str, int]) -> None:
    def kinds(response: Any) -> list[tuple[str, str]]:
        assert response.status_code == 200, response.text
        return [(item["type"], item["id"]) for item in response.json()["included"]]

    first, second = str(invoices["FA-2024/01"]), str(invoices["FA-2024/02"])
    only = {"filter[invoice_id]": f"{first},{second}"}
    assert kinds(payments(client, **only)) == [
        ("invoices", first),
        ("companies", str(VENDOR)),
        ("people", kinds_of_creator(client, first)),
        ("invoices", second),
    ]
    assert kinds(payments(client, include="invoice", **only)) == [
        ("invoices", first),
        ("invoices", second),
    ]
    assert kinds(payments(client, include="invoice.project", **only)) == [
        ("invoices", first),
        ("projects", "55"),
        ("invoices", second),
    ]
    assert kinds(payments(client, include="", **only)) == []


def kinds_of_creator(client: TestClient, invoice_id: str) -> str:
    response = client.get(f"/api/v2/invoices/{invoice_id}", headers=ADMIN)
    return str(response.json()["data"]["relationships"]["creator"]["data"]["id"])


@pytest.mark.parametrize(
    ("params", "title", "named"),
    [
        ({"filter[colour]": "red"}, "Unsupported Filter", "colour"),
        ({"filter[amount][like]": "1"}, "Unsupported Filter", "like"),
        ({"filter[amount]": "abc"}, "Unsupported Filter Value", "amount"),
        ({"filter[amount]": "--5"}, "Unsupported Filter Value", "amount"),
        ({"filter[amount]": "1" * 40}, "Unsupported Filter Value", "amount"),
        ({"filter[paid_on]": "someday"}, "Unsupported Filter Value", "paid_on"),
        ({"filter[paid_after][gt]": "2024-01-01"}, "Unsupported Filter", "paid_after"),
        ({"filter[$op]": "xor"}, "Unsupported Filter Value", "$op"),
        ({"filter[0]": "1"}, "Unsupported Filter", "filter[0]"),
        ({"filter[amount": "1"}, "Unsupported Filter", "filter[amount"),
        ({"sort": "colour"}, "Unsupported Sort", "colour"),
        ({"include": "invoice.colour"}, "Unsupported Include", "invoice.colour"),
        ({"aggregates": "total_colour"}, "Unsupported Aggregate", "total_colour"),
        ({"page[number]": "0"}, "Invalid Page Parameter", "page[number]"),
        ({"page[size]": "ten"}, "Invalid Page Parameter", "page[size]"),
        ({"page[number]": "1" + "0" * 30}, "Invalid Page Parameter", "page[number]"),
        ({"page[after]": ""}, "Unsupported Page Parameter", "page[after]"),
    ],
)
def test_unsupported_queries_are_400_naming_them(
    client: TestClient, ledger: Runtime, params: dict[str, str], title: str, named: str
) -> None:
    response = payments(client, **params)
    assert response.status_code == 400, response.text
    (error,) = response.json()["errors"]
    assert (error["status"], error["title"]) == (400, title)
    assert named in error["detail"]


def test_invoice_lists_filter_sort_and_total(client: TestClient, invoices: dict[str, int]) -> None:
    response = client.get("/api/v2/invoices", headers=ADMIN, params={"sort": "-amount"})
    numbers = [item["attributes"]["number"] for item in response.json()["data"]]
    # line 8: FA/02 1911111, FA/01 900001, EE-01 500000, FA/03 180000
    assert numbers == ["FA-2024/02", "FA-2024/01", "EE-01", "FA-2024/03"]
    meta = response.json()["meta"]
    assert meta["total_amount"] == 3491112  # 1911111 + 900001 + 500000 + 180000
    assert meta["total_amount_paid"] == 1512346
    assert meta["total_amount_unpaid"] == 1978766  # 3491112 - 1512346
    unpaid = client.get(
        "/api/v2/invoices",
        headers=ADMIN,
        params={"filter[amount_unpaid][gt]": "0", "sort": "number"},
    )
    assert [item["attributes"]["number"] for item in unpaid.json()["data"]] == [
        "FA-2024/02",
        "FA-2024/03",
    ]
    paid = client.get(
        "/api/v2/invoices", headers=ADMIN, params={"filter[paid_after]": "2024-01-01"}
    )
    assert [item["attributes"]["number"] for item in paid.json()["data"]] == [
        "FA-2024/01",
        "EE-01",
    ]
    included = client.get(
        "/api/v2/invoices", headers=ADMIN, params={"include": "project", "page[size]": "1"}
    ).json()
    assert [item["type"] for item in included["included"]] == ["projects"]


@pytest.mark.parametrize("include", [None, "", "invoice.project"])
def test_the_unfiltered_list_answers_as_the_filtered_one(
    client: TestClient, ledger: Runtime, include: str | None
) -> None:
    """Without a filter or sort the list is paged and summed by the database; with one, in
    memory. A filter every payment passes (amounts are positive) must give the same pages."""
    extra = {} if include is None else {"include": include}
    for size in range(1, 6):
        for number in range(1, 7):
            page = {"page[size]": str(size), "page[number]": str(number), **extra}
            fast = payments(client, **page)
            full = payments(client, **{"filter[amount][gt]": "0", **page})
            assert fast.status_code == full.status_code == 200
            fast_document, full_document = fast.json(), full.json()
            assert fast_document["data"] == full_document["data"]
            assert fast_document["included"] == full_document["included"]
            assert fast_document["meta"] == full_document["meta"]
            assert fast_document["links"].keys() == full_document["links"].keys()


@pytest.mark.parametrize(
    "narrowing",
    [
        {"filter[id]": "802"},
        {"filter[project_id]": "55", "filter[id]": "802,804"},
        {"filter[invoice_id]": "{invoice}", "filter[id]": "802"},
    ],
)
def test_a_narrowed_read_still_shows_each_invoice_with_all_its_payments(
    client: TestClient, ledger: Runtime, narrowing: dict[str, str]
) -> None:
    """A filter naming ids, invoices or a project is narrowed in the database first; an
    invoice on the page must still show what all its payments make it, as in the whole list:
    once paid off by a later payment, EUR #2's paid_on is that payment's date, not 802's."""
    invoice = int(
        client.get("/api/v2/payments/802", headers=ADMIN).json()["data"]["relationships"][
            "invoice"
        ]["data"]["id"]
    )
    shown = client.get(f"/api/v2/invoices/{invoice}", headers=ADMIN).json()["data"]
    unpaid = shown["attributes"]["amount_unpaid"]
    assert unpaid > 0
    paid_off = client.post(
        "/api/v2/payments",
        headers=WRITE,
        json=payment_body(invoice, amount=str(unpaid), paid_on="2024-04-30", currency="EUR"),
    )
    assert paid_off.status_code == 201, paid_off.text
    params = {key: value.format(invoice=invoice) for key, value in narrowing.items()}
    narrowed = payments(client, include="invoice", **params).json()["included"]
    [paid] = [
        item for item in narrowed if item["type"] == "invoices" and item["id"] == str(invoice)
    ]
    assert paid["attributes"]["paid_on"] == "2024-04-30"
    assert paid in payments(client, include="invoice").json()["included"]
