"""The query service: operators, filter expressions, ordering, paging and dotted fields."""

from __future__ import annotations

from typing import Any

import pytest
from fastapi.testclient import TestClient

from drawbridge.bootstrap import Runtime
from tests.api.intacct.conftest import CONTRACTS, QUERY, auth, error_of
from tests.api.intacct.ledger import ADMIN, OTHER, document
from tests.support import load

CONTRACT = "construction/project-contract"
LINE = "construction/project-contract-line"


@pytest.fixture
def ledger(runtime: Runtime, client: TestClient) -> TestClient:
    """PC-001 (from the ledger document) and five more contracts, PC-101 to PC-105, dated
    2024-01-01 to 2024-01-05; PC-103 and PC-105 inactive, PC-104 titled in lower case."""
    load(runtime, document())
    for day in range(1, 6):
        body = {
            "id": f"PC-10{day}",
            "name": "warehouse fit-out" if day == 4 else f"Warehouse {day}",
            "project": {"id": "P-1"},
            "customer": {"id": "OWNER"},
            "contractDate": f"2024-01-0{day}",
            "status": "inactive" if day in (3, 5) else "active",
        }
        answer = client.post(CONTRACTS, headers=auth(ADMIN), json=body)
        assert answer.status_code == 201, answer.json()
    return client


def query(client: TestClient, body: dict[str, Any], token: str = ADMIN) -> Any:
    return client.post(QUERY, headers=auth(token), json=body)


def ids(client: TestClient, **body: Any) -> list[str]:
    response = query(client, {"object": CONTRACT, "fields": ["id"], **body})
    assert response.status_code == 200, response.json()
    return [record["id"] for record in response.json()["ia::result"]]


@pytest.mark.parametrize(
    ("condition", "expected"),
    [
        ({"$eq": {"id": "PC-102"}}, ["PC-102"]),
        ({"$ne": {"status": "active"}}, ["PC-103", "PC-105"]),
        ({"$lt": {"contractDate": "2024-01-02"}}, ["PC-001", "PC-101"]),
        ({"$lte": {"contractDate": "2024-01-02"}}, ["PC-001", "PC-101", "PC-102"]),
        ({"$gt": {"contractDate": "2024-01-04"}}, ["PC-105"]),
        ({"$gte": {"contractDate": "2024-01-04"}}, ["PC-104", "PC-105"]),
        ({"$in": {"id": ["PC-101", "PC-105", "NOPE"]}}, ["PC-101", "PC-105"]),
        ({"$notIn": {"id": ["PC-101", "PC-102", "PC-103"]}}, ["PC-001", "PC-104", "PC-105"]),
        ({"$between": {"contractDate": ["2024-01-02", "2024-01-03"]}}, ["PC-102", "PC-103"]),
        (
            {"$notBetween": {"contractDate": ["2024-01-02", "2024-01-04"]}},
            ["PC-001", "PC-101", "PC-105"],
        ),
        ({"$contains": {"name": "house 2"}}, ["PC-102"]),
        ({"$notContains": {"name": "Warehouse"}}, ["PC-001", "PC-104"]),
        ({"$startsWith": {"name": "Owner"}}, ["PC-001"]),
        ({"$notStartsWith": {"id": "PC-1"}}, ["PC-001"]),
        ({"$endsWith": {"id": "05"}}, ["PC-105"]),
        ({"$notEndsWith": {"id": "1"}}, ["PC-102", "PC-103", "PC-104", "PC-105"]),
        ({"$eq": {"summary.totalPrice": "105000"}}, ["PC-001"]),  # 100,000 + CO-1 5,000
        ({"$gt": {"summary.totalPrice": "0"}}, ["PC-001"]),
        (
            {"$eq": {"project.id": "P-1"}},
            ["PC-001", "PC-101", "PC-102", "PC-103", "PC-104", "PC-105"],
        ),
    ],
)
def test_each_operator(ledger: TestClient, condition: dict[str, Any], expected: list[str]) -> None:
    assert ids(ledger, filters=[condition], orderBy=[{"id": "asc"}]) == expected


def test_comparison_is_case_sensitive_unless_the_query_says_not(ledger: TestClient) -> None:
    condition = [{"$startsWith": {"name": "warehouse"}}]
    assert ids(ledger, filters=condition) == ["PC-104"]
    insensitive = {"caseSensitiveComparison": False}
    assert ids(
        ledger, filters=condition, filterParameters=insensitive, orderBy=[{"id": "asc"}]
    ) == ["PC-101", "PC-102", "PC-103", "PC-104", "PC-105"]


def test_a_filter_expression_with_parentheses(ledger: TestClient) -> None:
    filters = [
        {"$eq": {"status": "inactive"}},  # 1: PC-103, PC-105
        {"$gte": {"contractDate": "2024-01-05"}},  # 2: PC-105
        {"$eq": {"id": "PC-001"}},  # 3: PC-001
    ]
    order = [{"id": "asc"}]
    assert ids(ledger, filters=filters, filterExpression="(1 and 2) or 3", orderBy=order) == [
        "PC-001",
        "PC-105",
    ]
    assert ids(ledger, filters=filters, filterExpression="1 and (2 or 3)", orderBy=order) == [
        "PC-105"
    ]
    assert ids(ledger, filters=filters, filterExpression="or", orderBy=order) == [
        "PC-001",
        "PC-103",
        "PC-105",
    ]
    assert ids(ledger, filters=filters[:1], filterExpression=None, orderBy=order) == [
        "PC-103",
        "PC-105",
    ]


def test_order_by_two_fields(ledger: TestClient) -> None:
    # Status descending (inactive before active), then id descending within each.
    order = [{"status": "desc"}, {"id": "desc"}]
    assert ids(ledger, orderBy=order) == [
        "PC-105",
        "PC-103",
        "PC-104",
        "PC-102",
        "PC-101",
        "PC-001",
    ]


def test_paging_across_a_boundary(ledger: TestClient) -> None:
    body = {"object": CONTRACT, "fields": ["id"], "orderBy": [{"id": "asc"}], "size": 4}
    first = query(ledger, body).json()
    assert [r["id"] for r in first["ia::result"]] == ["PC-001", "PC-101", "PC-102", "PC-103"]
    assert first["ia::meta"] == {
        "totalCount": 6,
        "start": 1,
        "pageSize": 4,
        "next": 5,
        "previous": None,
    }
    second = query(ledger, body | {"start": 5}).json()
    assert [r["id"] for r in second["ia::result"]] == ["PC-104", "PC-105"]
    assert second["ia::meta"] == {
        "totalCount": 6,
        "start": 5,
        "pageSize": 4,
        "next": None,
        "previous": 1,
    }


def test_dotted_fields_come_back_nested(ledger: TestClient) -> None:
    response = query(
        ledger,
        {
            "object": CONTRACT,
            "fields": ["id", "project.id", "customer.name", "summary.totalPrice"],
            "filters": [{"$eq": {"id": "PC-001"}}],
        },
    )
    assert response.json()["ia::result"] == [
        {
            "id": "PC-001",
            "project": {"id": "P-1"},
            "customer": {"name": "Owner LLC"},
            "summary": {"totalPrice": "105000.00"},  # 100,000 + CO-1 5,000
        }
    ]


def test_every_object_is_queryable(ledger: TestClient) -> None:
    lines = query(ledger, {"object": LINE, "fields": ["id", "name", "summary.originalPrice"]})
    assert lines.json()["ia::result"] == [
        {"id": "1", "name": "Sitework", "summary": {"originalPrice": "40000.00"}},
        {"id": "2", "name": "Building", "summary": {"originalPrice": "60000.00"}},
    ]
    orders = query(
        ledger,
        {
            "object": "construction/project-change-order",
            "fields": ["id", "changeRequestStatus", "totalPrice"],
            "filters": [{"$eq": {"state": "posted"}}],
        },
    )
    assert orders.json()["ia::result"] == [
        {"id": "CO-1", "changeRequestStatus": "approved", "totalPrice": "5000.00"},
        {"id": "CO-2", "changeRequestStatus": "pending", "totalPrice": "2000.00"},
    ]
    types = query(ledger, {"object": "construction/project-contract-type", "fields": ["id"]})
    assert types.json()["ia::result"] == [{"id": "COM"}]


def test_another_company_sees_none_of_these_records(ledger: TestClient) -> None:
    others = query(ledger, {"object": CONTRACT, "fields": ["id"]}, token=OTHER).json()
    assert others["ia::result"] == [{"id": "H-PC-1"}]
    lines = query(ledger, {"object": LINE, "fields": ["id"]}, token=OTHER).json()
    assert lines["ia::meta"]["totalCount"] == 1


@pytest.mark.parametrize(
    ("body", "target"),
    [
        ({"object": "construction/nothing"}, "object"),
        ({"object": CONTRACT, "fields": ["id", "summary.nope"]}, "fields[1]"),
        ({"object": CONTRACT, "filters": [{"$like": {"id": "PC"}}]}, "filters[0]"),
        ({"object": CONTRACT, "filters": [{"$eq": {"colour": "red"}}]}, "filters[0]"),
        ({"object": CONTRACT, "filters": [{"$gt": {"contractDate": "soon"}}]}, "filters[0]"),
        (
            {"object": CONTRACT, "filters": [{"$between": {"contractDate": ["2024-01-01"]}}]},
            "filters[0]",
        ),
        (
            {"object": CONTRACT, "filters": [{"$eq": {"id": "x"}}], "filterExpression": "1 and 2"},
            "filterExpression",
        ),
        (
            {"object": CONTRACT, "filters": [{"$eq": {"id": "x"}}], "filterExpression": "(1"},
            "filterExpression",
        ),
        ({"object": CONTRACT, "orderBy": [{"nope": "asc"}]}, "orderBy"),
        ({"object": CONTRACT, "size": 4001}, "size"),
        ({"object": CONTRACT, "start": 0}, "start"),
    ],
)
def test_an_unknown_object_field_or_operator_is_an_error_naming_it(
    ledger: TestClient, body: dict[str, Any], target: str
) -> None:
    response = query(ledger, body)
    assert response.status_code == 400
    error = error_of(response)
    assert error["details"][0]["target"] == target, error
