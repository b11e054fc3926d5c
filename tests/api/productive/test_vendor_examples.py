"""Productive's published examples for /api/v2/payments, replayed against the demo data.

vendor_examples.json holds them as published (see its ``_source``). The demo's curtain-wall
subcontract SC-003 is priced in EUR at 1.25 USD per EUR, and payment 730202 on its first
application is EUR 100.00, so the vendor's ``amount 10000`` / ``amount_default 12500`` comes
back from the ledger: 10000 × 1.25 = 12500.
"""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import pytest
from fastapi.testclient import TestClient

from drawbridge.bootstrap import Runtime
from drawbridge.cli import demo_fixture_text
from drawbridge.services import fixtures

EXAMPLES: dict[str, Any] = json.loads((Path(__file__).parent / "vendor_examples.json").read_text())
DEMO = {"X-Auth-Token": "demo-admin-token-0001", "X-Organization-Id": "1"}
WRITE = {**DEMO, "Content-Type": "application/vnd.api+json"}
EUR_PAYMENT = 730202


@pytest.fixture
def demo(runtime: Runtime) -> Runtime:
    fixtures.load_fixture_text(runtime.uow(), demo_fixture_text())
    return runtime


def invoice_id(client: TestClient, number: str) -> str:
    response = client.get("/api/v2/invoices", headers=DEMO, params={"filter[number]": number})
    (invoice,) = response.json()["data"]
    return str(invoice["id"])


def assert_payment_shape(ours: dict[str, Any], theirs: dict[str, Any]) -> None:
    """Same keys as the vendor's (plus ``created_at``), same kinds of value, same linkage."""
    assert ours.keys() == theirs.keys()
    assert ours["type"] == theirs["type"] == "payments"
    assert isinstance(ours["id"], str)
    assert ours["attributes"].keys() == theirs["attributes"].keys() | {"created_at"}
    for name, value in theirs["attributes"].items():
        if value is not None:
            assert type(ours["attributes"][name]) is type(value), name
    assert ours["relationships"].keys() == theirs["relationships"].keys()
    organization = ours["relationships"]["organization"]["data"]
    assert organization["type"] == "organizations"
    assert isinstance(organization["id"], int)  # a number, as the vendor sends it
    invoice = ours["relationships"]["invoice"]["data"]
    assert invoice["type"] == "invoices"
    assert isinstance(invoice["id"], str)


def assert_included_shape(ours: list[dict[str, Any]], theirs: list[dict[str, Any]]) -> None:
    """Every kind of resource the vendor includes, with at least every key it shows."""
    by_type = {item["type"]: item for item in ours}
    for item in theirs:
        if item["type"] == "companies" and item["attributes"]["default_currency"] == "USD":
            continue  # the organization's own company, reached through people.company
        mine = by_type[item["type"]]
        assert mine.keys() == item.keys(), item["type"]
        assert item["attributes"].keys() <= mine["attributes"].keys(), item["type"]
        assert item["relationships"].keys() <= mine["relationships"].keys(), item["type"]
        for name, value in item["attributes"].items():
            if value is not None and mine["attributes"][name] is not None:
                assert type(mine["attributes"][name]) is type(value), (item["type"], name)


def test_list_example(client: TestClient, demo: Runtime) -> None:
    theirs = EXAMPLES["list_response"]
    response = client.get(
        "/api/v2/payments", headers=DEMO, params={"filter[external_id]": "ERP-PAY-2025-232"}
    )
    assert response.status_code == 200, response.text
    assert response.headers["content-type"] == "application/vnd.api+json; charset=utf-8"
    ours = response.json()
    assert ours.keys() == theirs.keys()
    (payment,) = ours["data"]
    assert_payment_shape(payment, theirs["data"][0])
    amounts = {key: value for key, value in payment["attributes"].items() if "currency" in key}
    amounts |= {key: value for key, value in payment["attributes"].items() if "amount" in key}
    assert amounts == {
        "currency": "EUR",
        "currency_default": "USD",
        "currency_normalized": "EUR",
        "amount": 10000,
        "amount_default": 12500,
        "amount_normalized": 10000,
    }
    assert_included_shape(ours["included"], theirs["included"])
    (invoice,) = [item for item in ours["included"] if item["type"] == "invoices"]
    assert invoice["attributes"]["exchange_rate"] == "1.25"
    assert invoice["attributes"]["number"] == "AF-2025/01"
    # The vendor shows a page of one: first and last, no next.
    assert ours["links"].keys() == theirs["links"].keys()
    pagination = {"current_page", "total_pages", "total_count", "page_size", "max_page_size"}
    assert {key: ours["meta"][key] for key in pagination} == {
        key: theirs["meta"][key] for key in pagination
    }


def test_show_example(client: TestClient, demo: Runtime) -> None:
    theirs = EXAMPLES["show_response"]
    response = client.get(f"/api/v2/payments/{EUR_PAYMENT}", headers=DEMO)
    assert response.status_code == 200, response.text
    ours = response.json()
    assert ours.keys() >= {"data", "included"}
    assert_payment_shape(ours["data"], theirs["data"])
    assert_included_shape(ours["included"], theirs["included"])
    assert ours["data"]["attributes"]["amount_default"] == 12500


def test_create_update_delete_examples(client: TestClient, demo: Runtime) -> None:
    request = json.loads(json.dumps(EXAMPLES["create_request"]))
    latest = invoice_id(client, "AF-2025/04")  # submitted, EUR at 1.25
    request["data"]["relationships"]["invoice"]["data"]["id"] = latest
    created = client.post("/api/v2/payments", headers=WRITE, json=request)
    assert created.status_code == 201, created.text
    theirs = EXAMPLES["create_response"]
    assert_payment_shape(created.json()["data"], theirs["data"])
    assert_included_shape(created.json()["included"], theirs["included"])
    attributes = created.json()["data"]["attributes"]
    assert (attributes["amount"], attributes["amount_default"], attributes["paid_on"]) == (
        10000,
        12500,
        "2021-01-24",
    )
    payment_id = created.json()["data"]["id"]

    updated = client.patch(
        f"/api/v2/payments/{payment_id}", headers=WRITE, json=EXAMPLES["update_request"]
    )
    assert updated.status_code == 200, updated.text
    assert_payment_shape(updated.json()["data"], EXAMPLES["update_response"]["data"])
    vendor = EXAMPLES["update_response"]["data"]["attributes"]
    assert {
        name: updated.json()["data"]["attributes"][name] for name in vendor if "amount" in name
    } == {
        name: value for name, value in vendor.items() if "amount" in name
    }  # 2000 -> 2500 at 1.25, as the vendor shows

    invalid = client.patch(
        f"/api/v2/payments/{payment_id}",
        headers=WRITE,
        json=EXAMPLES["update_invalid_request"],
    )
    assert invalid.status_code == 422
    assert invalid.json() == EXAMPLES["update_invalid_response"]

    assert client.delete(f"/api/v2/payments/{payment_id}", headers=DEMO).status_code == 204
    assert client.get(f"/api/v2/payments/{payment_id}", headers=DEMO).status_code == 404


def test_invalid_create_example(client: TestClient, demo: Runtime) -> None:
    response = client.post(
        "/api/v2/payments", headers=WRITE, json=EXAMPLES["create_invalid_request"]
    )
    assert response.status_code == 422
    # The ledger dates a payment sent without paid_on the day it is recorded, so only the
    # vendor's invoice and amount errors apply; those come back exactly as published.
    theirs = [
        error
        for error in EXAMPLES["create_invalid_response"]["errors"]
        if not error["source"]["pointer"].endswith("paid_on")
    ]
    assert response.json() == {"errors": theirs}
