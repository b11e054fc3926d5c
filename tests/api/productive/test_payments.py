"""Productive payments on the ledger: minor units and currency twins, create/update/delete through
the shared payment service (so Procore and ACC see the same record), errors in JSON:API form."""

from __future__ import annotations

from typing import Any

import pytest
from fastapi.testclient import TestClient

from drawbridge.bootstrap import Runtime
from tests.api.productive.conftest import (
    ADMIN,
    ADMIN_TOKEN,
    EUR_CONTRACT,
    MEDIA_TYPE,
    OTHER,
    OTHER_PAYMENT,
    PROJECT,
    PROJECT_UUID,
    READONLY,
    WRITE,
    headers,
    invoice_ids,
    payment_body,
)

PROCORE = {"Authorization": f"Bearer {ADMIN_TOKEN}", "Procore-Company-Id": "1"}


@pytest.fixture
def invoices(ledger: Runtime, client: TestClient) -> dict[str, int]:
    return invoice_ids(client)


def attributes(response: Any) -> dict[str, Any]:
    document: dict[str, Any] = response.json()
    return document["data"]["attributes"]  # type: ignore[no-any-return]


def test_show_a_euro_payment_with_its_base_currency_twin(
    client: TestClient, invoices: dict[str, int]
) -> None:
    response = client.get("/api/v2/payments/803", headers=ADMIN)
    assert response.status_code == 200, response.text
    assert response.headers["content-type"] == "application/vnd.api+json; charset=utf-8"
    data = response.json()["data"]
    assert (data["id"], data["type"]) == ("803", "payments")
    assert data["attributes"] | {"created_at": None} == {
        "paid_on": "2024-03-25",
        "written_off_on": None,
        "note": None,
        "external_id": "ERP-3",
        "currency": "EUR",
        "currency_default": "USD",
        "currency_normalized": "EUR",
        "amount": 12345,  # EUR 123.45
        "amount_default": 13425,  # 12345 × 1.0875 = 13425.1875 -> 13425
        "amount_normalized": 12345,
        "created_at": None,
    }
    assert data["relationships"] == {
        "organization": {"data": {"type": "organizations", "id": 1}},
        "invoice": {"data": {"type": "invoices", "id": str(invoices["FA-2024/02"])}},
    }


def test_an_invoice_is_a_pay_application_with_what_is_paid(
    client: TestClient, invoices: dict[str, int]
) -> None:
    second = attributes(client.get(f"/api/v2/invoices/{invoices['FA-2024/02']}", headers=ADMIN))
    # amount = line 8 = 19,111.11 EUR; paid 1,000.00 + 123.45 = 1,123.45
    assert {name: second[name] for name in second if name.startswith("amount")} == {
        "amount": 1911111,
        "amount_default": 2078333,  # 1911111 × 1.0875 = 2078333.2125
        "amount_normalized": 1911111,
        "amount_tax": 0,
        "amount_tax_default": 0,
        "amount_tax_normalized": 0,
        "amount_with_tax": 1911111,
        "amount_with_tax_default": 2078333,
        "amount_with_tax_normalized": 1911111,
        "amount_paid": 112345,
        "amount_paid_default": 122175,  # 112345 × 1.0875 = 122175.1875
        "amount_paid_normalized": 112345,
        "amount_written_off": 0,
        "amount_written_off_default": 0,
        "amount_written_off_normalized": 0,
        "amount_unpaid": 1798766,  # 1911111 - 112345
        "amount_unpaid_default": 1956158,  # 1798766 × 1.0875 = 1956158.025
        "amount_unpaid_normalized": 1798766,
    }
    assert (second["number"], second["invoiced_on"], second["pay_on"]) == (
        "FA-2024/02",
        "2024-02-29",
        "2024-03-10",
    )
    assert (second["exchange_rate"], second["currency"], second["currency_default"]) == (
        "1.0875",
        "EUR",
        "USD",
    )
    assert second["paid_on"] is None  # not paid in full
    first = attributes(client.get(f"/api/v2/invoices/{invoices['FA-2024/01']}", headers=ADMIN))
    assert (first["amount"], first["amount_paid"], first["amount_unpaid"]) == (900001, 900001, 0)
    assert first["paid_on"] == "2024-02-15"  # the payment that settled it


def test_create_on_an_invoice_appears_on_the_procore_face(
    client: TestClient, invoices: dict[str, int]
) -> None:
    body = payment_body(
        invoices["FA-2024/03"], amount=200, paid_on="2024-04-15", note="odd", external_id="X-1"
    )
    response = client.post("/api/v2/payments", headers=WRITE, json=body)
    assert response.status_code == 201, response.text
    created = response.json()
    payment_id = int(created["data"]["id"])
    assert response.headers["location"].endswith(f"/api/v2/payments/{payment_id}")
    assert created["data"]["attributes"]["amount"] == 200
    assert created["data"]["attributes"]["amount_default"] == 218  # 200 × 1.0875 = 217.5, half-up
    (invoice,) = [item for item in created["included"] if item["type"] == "invoices"]
    assert (invoice["attributes"]["amount_paid"], invoice["attributes"]["amount_unpaid"]) == (
        200,
        179800,  # line 8 1,800.00 less 2.00
    )

    procore = client.get(
        f"/rest/v1.0/contract_payments/{payment_id}",
        headers=PROCORE,
        params={"project_id": PROJECT, "contract_id": EUR_CONTRACT},
    )
    assert procore.status_code == 200, procore.text
    shown = procore.json()
    assert (shown["amount"], shown["date"], shown["requisition_id"]) == (
        "2.00",
        "2024-04-15",
        invoices["FA-2024/03"],
    )
    assert (shown["notes"], shown["origin_id"]) == ("odd", "X-1")


def test_create_takes_invoice_id_as_an_attribute(
    client: TestClient, invoices: dict[str, int]
) -> None:
    body = payment_body(invoices["FA-2024/03"], relationship=False, amount=1, paid_on="2024-04-01")
    response = client.post("/api/v2/payments", headers=WRITE, json=body)
    assert response.status_code == 201, response.text
    data = response.json()["data"]
    assert data["relationships"]["invoice"]["data"]["id"] == str(invoices["FA-2024/03"])
    # 1 × 1.0875 = 1.0875 -> 1
    assert (data["attributes"]["currency"], data["attributes"]["amount_default"]) == ("EUR", 1)


def _acc_status(client: TestClient, number: int) -> str:
    response = client.get(
        f"/cost/v1/containers/{PROJECT_UUID}/payments",
        headers={"Authorization": f"Bearer {ADMIN_TOKEN}"},
        params={"filter[number]": str(number)},
    )
    assert response.status_code == 200, response.text
    (payment,) = response.json()["results"]
    return str(payment["status"])


def test_a_payment_covering_line_8_makes_the_acc_payment_paid(
    client: TestClient, invoices: dict[str, int]
) -> None:
    assert _acc_status(client, 2) == "approved"  # 1,123.45 paid of 19,111.11
    rest = payment_body(invoices["FA-2024/02"], amount=1798766, paid_on="2024-04-20")
    created = client.post("/api/v2/payments", headers=WRITE, json=rest)
    assert created.status_code == 201, created.text
    assert _acc_status(client, 2) == "paid"
    invoice = attributes(client.get(f"/api/v2/invoices/{invoices['FA-2024/02']}", headers=ADMIN))
    assert (invoice["amount_unpaid"], invoice["paid_on"]) == (0, "2024-04-20")


def test_a_procore_payment_appears_here_and_deleting_here_removes_it_there(
    client: TestClient, invoices: dict[str, int]
) -> None:
    procore = client.post(
        "/rest/v1.0/contract_payments",
        headers=PROCORE,
        json={
            "project_id": PROJECT,
            "contract_id": EUR_CONTRACT,
            "contract_payment": {
                "requisition_id": invoices["FA-2024/03"],
                "amount": "10.00",
                "date": "2024-04-01",
            },
        },
    )
    assert procore.status_code == 201, procore.text
    payment_id = procore.json()["id"]
    here = attributes(client.get(f"/api/v2/payments/{payment_id}", headers=ADMIN))
    assert (here["amount"], here["amount_default"], here["paid_on"]) == (
        1000,
        1088,  # 1000 × 1.0875 = 1087.5, half-up
        "2024-04-01",
    )
    deleted = client.delete(f"/api/v2/payments/{payment_id}", headers=ADMIN)
    assert deleted.status_code == 204
    assert deleted.content == b""
    gone = client.get(
        f"/rest/v1.0/contract_payments/{payment_id}",
        headers=PROCORE,
        params={"project_id": PROJECT},
    )
    assert gone.status_code == 404
    assert client.get(f"/api/v2/payments/{payment_id}", headers=ADMIN).status_code == 404


def test_update_changes_the_amount_and_keeps_the_rest(client: TestClient, ledger: Runtime) -> None:
    body = {"data": {"type": "payments", "id": "802", "attributes": {"amount": 2000}}}
    response = client.patch("/api/v2/payments/802", headers=WRITE, json=body)
    assert response.status_code == 200, response.text
    changed = attributes(response)
    assert (changed["amount"], changed["amount_default"]) == (2000, 2175)  # 2000 × 1.0875
    assert (changed["paid_on"], changed["note"], changed["external_id"]) == (
        "2024-03-20",
        "part one",
        "ERP-2",
    )
    body = {"data": {"type": "payments", "attributes": {"written_off_on": "2024-05-01"}}}
    again = attributes(client.patch("/api/v2/payments/802", headers=WRITE, json=body))
    assert (again["amount"], again["written_off_on"]) == (2000, "2024-05-01")


def test_a_blank_amount_on_update_is_the_vendors_422_and_changes_nothing(
    client: TestClient, ledger: Runtime
) -> None:
    body = {"data": {"type": "payments", "attributes": {"amount": ""}}}
    response = client.patch("/api/v2/payments/802", headers=WRITE, json=body)
    assert response.status_code == 422
    assert response.headers["content-type"].startswith(MEDIA_TYPE)
    assert response.json() == {
        "errors": [
            {
                "status": "422",
                "code": "invalid_attribute",
                "title": "Invalid Attribute",
                "detail": "can't be blank",
                "source": {"pointer": "data/attributes/amount"},
            }
        ]
    }
    assert attributes(client.get("/api/v2/payments/802", headers=ADMIN))["amount"] == 100000


def _count(client: TestClient) -> int:
    response = client.get("/api/v2/payments", headers=ADMIN)
    return int(response.json()["meta"]["total_count"])


@pytest.mark.parametrize(
    ("attributes_sent", "pointer", "detail"),
    [
        ({"amount": 12.5}, "data/attributes/amount", "must be an integer"),
        ({"amount": "abc"}, "data/attributes/amount", "is not a number"),
        ({"amount": 0}, "data/attributes/amount", "must be greater than 0"),
        ({"amount": True}, "data/attributes/amount", "is not a number"),
        ({"amount": 10, "paid_on": "yesterday"}, "data/attributes/paid_on", "is not a date"),
        ({"amount": 10, "paid_on": None}, "data/attributes/paid_on", "can't be blank"),
        ({"amount": 10, "colour": "red"}, "data/attributes/colour", "is not a known attribute"),
        ({"amount": 10, "external_id": 7}, "data/attributes/external_id", "is invalid"),
        ({"amount": 10, "currency": "USD"}, "data/attributes/currency", "must be the invoice"),
    ],
)
def test_bad_attributes_are_422_naming_them_and_create_nothing(
    client: TestClient,
    invoices: dict[str, int],
    attributes_sent: dict[str, Any],
    pointer: str,
    detail: str,
) -> None:
    before = _count(client)
    body = payment_body(invoices["FA-2024/03"], **attributes_sent)
    response = client.post("/api/v2/payments", headers=WRITE, json=body)
    assert response.status_code == 422, response.text
    (error,) = response.json()["errors"]
    assert (error["status"], error["code"], error["source"]["pointer"]) == (
        "422",
        "invalid_attribute",
        pointer,
    )
    assert error["detail"].startswith(detail)
    assert _count(client) == before


def test_a_duplicate_external_id_is_409(client: TestClient, invoices: dict[str, int]) -> None:
    body = payment_body(invoices["FA-2024/03"], amount=10, external_id="ERP-1")
    response = client.post("/api/v2/payments", headers=WRITE, json=body)
    assert response.status_code == 409, response.text
    (error,) = response.json()["errors"]
    assert error["source"] == {"pointer": "data/attributes/external_id"}


@pytest.mark.parametrize(
    "content_type", [None, "application/json", "application/vnd.api+json; ext=bulk"]
)
def test_a_body_in_another_media_type_is_415(
    client: TestClient, invoices: dict[str, int], content_type: str | None
) -> None:
    sent = {**ADMIN, **({"Content-Type": content_type} if content_type else {})}
    body = payment_body(invoices["FA-2024/03"], amount=10)
    response = client.post("/api/v2/payments", headers=sent, json=body if content_type else None)
    assert response.status_code == 415, response.text
    assert response.json()["errors"][0]["title"] == "Unsupported Media Type"


def test_malformed_documents_are_400(client: TestClient, ledger: Runtime) -> None:
    for raw in (b"{", b"[]", b'{"data": 1}', b'{"data": {"attributes": 3}}'):
        response = client.post("/api/v2/payments", headers=WRITE, content=raw)
        assert response.status_code == 400, (raw, response.text)
    wrong_type = {"data": {"type": "invoices", "attributes": {"amount": 1}}}
    assert client.post("/api/v2/payments", headers=WRITE, json=wrong_type).status_code == 409


def test_credentials_and_tenancy(client: TestClient, invoices: dict[str, int]) -> None:
    missing = client.get("/api/v2/payments")
    assert missing.status_code == 401
    assert missing.json()["errors"][0]["title"] == "Unauthenticated"
    unknown = client.get("/api/v2/payments", headers=headers("no-such-token-000000"))
    assert unknown.status_code == 401
    no_org = client.get("/api/v2/payments", headers={"X-Auth-Token": ADMIN_TOKEN})
    assert no_org.status_code == 400
    assert "X-Organization-Id" in no_org.json()["errors"][0]["detail"]
    foreign = client.get("/api/v2/payments", headers=headers(organization=2))
    assert foreign.status_code == 403
    assert foreign.json()["errors"][0]["title"] == "Access Denied"
    # Another company's records are not found, in every verb.
    assert client.get(f"/api/v2/payments/{OTHER_PAYMENT}", headers=ADMIN).status_code == 404
    patch = {"data": {"type": "payments", "attributes": {"amount": 5}}}
    assert (
        client.patch(f"/api/v2/payments/{OTHER_PAYMENT}", headers=WRITE, json=patch).status_code
        == 404
    )
    assert client.delete(f"/api/v2/payments/{OTHER_PAYMENT}", headers=ADMIN).status_code == 404
    theirs = client.get("/api/v2/invoices", headers=OTHER).json()["data"][0]["id"]
    assert client.get(f"/api/v2/invoices/{theirs}", headers=ADMIN).status_code == 404
    before = _count(client)
    onto_theirs = client.post(
        "/api/v2/payments", headers=WRITE, json=payment_body(int(theirs), amount=5)
    )
    assert onto_theirs.status_code == 404
    assert onto_theirs.json()["errors"][0]["source"] == {"pointer": "data/relationships/invoice"}
    assert _count(client) == before
    # And the other company sees only its own payment.
    assert [
        item["id"] for item in client.get("/api/v2/payments", headers=OTHER).json()["data"]
    ] == [str(OTHER_PAYMENT)]


def test_a_read_only_token_may_not_write(client: TestClient, invoices: dict[str, int]) -> None:
    body = payment_body(invoices["FA-2024/03"], amount=10)
    response = client.post(
        "/api/v2/payments", headers={**READONLY, "Content-Type": MEDIA_TYPE}, json=body
    )
    assert response.status_code == 403, response.text
    assert client.delete("/api/v2/payments/801", headers=READONLY).status_code == 403
    assert client.get("/api/v2/payments/801", headers=READONLY).status_code == 200
