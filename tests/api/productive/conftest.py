"""A small ledger for the Productive face tests, and the headers each kind of caller sends.

Company 1 (USD) has a contract in EUR at 1.0875 USD per EUR with three applications and a USD
contract with one; company 2 has one contract of its own, for the tenancy probes. Every payment
of company 1, in minor units of its contract's currency, and its base-currency twin by hand
(half-up to the cent):

| payment | invoice (pay app) | amount | paid_on | amount_default |
|---|---|---|---|---|
| 801 | EUR #1 | 900001 | 2024-02-15 | 900001 × 1.0875 = 978751.0875 -> 978751 |
| 802 | EUR #2 | 100000 | 2024-03-20 | 100000 × 1.0875 = 108750 |
| 803 | EUR #2 | 12345 | 2024-03-25 | 12345 × 1.0875 = 13425.1875 -> 13425 |
| 804 | USD #1 | 500000 | 2024-02-15 | 500000 × 1 = 500000 |
"""

from __future__ import annotations

from typing import Any

import pytest
from fastapi.testclient import TestClient
from httpx import Response

from drawbridge.bootstrap import Runtime
from tests.support import load

ADMIN_TOKEN = "pv-admin-token-000001"
READONLY_TOKEN = "pv-readonly-token-0001"
OTHER_TOKEN = "pv-other-admin-token-01"
COMPANY, OTHER_COMPANY = 1, 2
PROJECT, OTHER_PROJECT = 55, 77
EUR_CONTRACT, USD_CONTRACT, OTHER_CONTRACT = 66, 67, 88
VENDOR, OTHER_VENDOR = 301, 302
P1, P2, P3 = 4293, 4294, 4295
PAYMENT_IDS = (801, 802, 803, 804)
OTHER_PAYMENT = 901
MEDIA_TYPE = "application/vnd.api+json"
PROJECT_UUID = "6f1c3b7e-1c1e-4a57-9a0b-1f2e3d4c5b55"


def headers(token: str = ADMIN_TOKEN, organization: int = COMPANY) -> dict[str, str]:
    return {"X-Auth-Token": token, "X-Organization-Id": str(organization)}


ADMIN, READONLY, OTHER = headers(), headers(READONLY_TOKEN), headers(OTHER_TOKEN, OTHER_COMPANY)
WRITE = {**ADMIN, "Content-Type": MEDIA_TYPE}


def _payment(payment_id: int, pay_app: int, amount: str, date: str, **more: Any) -> dict[str, Any]:
    return {"id": payment_id, "pay_app": pay_app, "amount": amount, "date": date, **more}


def document() -> dict[str, Any]:
    periods = [
        {"id": P1, "start_date": "2024-01-01", "end_date": "2024-01-31", "due_date": "2024-02-10"},
        {"id": P2, "start_date": "2024-02-01", "end_date": "2024-02-29", "due_date": "2024-03-10"},
        {"id": P3, "start_date": "2024-03-01", "end_date": "2024-03-31", "due_date": "2024-04-10"},
    ]
    return {
        "companies": [
            {
                "id": COMPANY,
                "name": "Granite Peak Builders",
                "base_currency": "USD",
                "users": [
                    {
                        "email": "ada@gp.test",
                        "name": "Ada Lovelace",
                        "role": "admin",
                        "tokens": [ADMIN_TOKEN],
                    },
                    {
                        "email": "rae@gp.test",
                        "name": "Rae Reader",
                        "role": "standard",
                        "scopes": ["data:read"],
                        "tokens": [READONLY_TOKEN],
                    },
                ],
                "parties": [
                    {
                        "id": VENDOR,
                        "code": "FACADE",
                        "name": "Fachadas Lda",
                        "kind": "vendor",
                        "city": "Porto",
                        "country_code": "PT",
                    },
                    {"id": 303, "code": "ELEC", "name": "Ernie's Electrical", "kind": "vendor"},
                ],
                "projects": [
                    {
                        "id": PROJECT,
                        "uuid": PROJECT_UUID,
                        "code": "P55",
                        "name": "Tower",
                        "number": "100",
                        "billing_periods": periods,
                        "contracts": [
                            {
                                "id": EUR_CONTRACT,
                                "kind": "commitment",
                                "number": "SC-EUR",
                                "title": "Curtain wall",
                                "party": "FACADE",
                                "currency": "EUR",
                                "exchange_rate": "1.0875",
                                "retainage": {"method": "cumulative", "work_percent": "10"},
                                "line_items": [
                                    {
                                        "id": 101,
                                        "description": "Frames",
                                        "scheduled_value": "100000.00",
                                    },
                                    {
                                        "id": 102,
                                        "description": "Glass",
                                        "scheduled_value": "50000.00",
                                    },
                                ],
                                # Line 8, by hand (10 % retainage, half-up per line):
                                # #1: 10,000.01 - 1,000.00 (1,000.001) = 9,000.01
                                # #2: to date 30,000.01 + 1,234.57 = 31,234.58, retainage
                                #     3,000.00 + 123.46 (123.457) = 3,123.46; line 6 28,111.12;
                                #     less 9,000.01 = 19,111.11
                                # #3: 2,000.00 - 200.00 = 1,800.00
                                "pay_apps": [
                                    {
                                        "number": 1,
                                        "period_id": P1,
                                        "billing_date": "2024-01-31",
                                        "status": "approved",
                                        "invoice_number": "FA-2024/01",
                                        "lines": [
                                            {
                                                "line_item": 101,
                                                "work_completed_this_period": "10000.01",
                                            }
                                        ],
                                    },
                                    {
                                        "number": 2,
                                        "period_id": P2,
                                        "billing_date": "2024-02-29",
                                        "status": "approved",
                                        "invoice_number": "FA-2024/02",
                                        "lines": [
                                            {
                                                "line_item": 101,
                                                "work_completed_this_period": "20000.00",
                                            },
                                            {
                                                "line_item": 102,
                                                "work_completed_this_period": "1234.57",
                                            },
                                        ],
                                    },
                                    {
                                        "number": 3,
                                        "period_id": P3,
                                        "billing_date": "2024-03-31",
                                        "status": "under_review",
                                        "invoice_number": "FA-2024/03",
                                        "lines": [
                                            {
                                                "line_item": 102,
                                                "work_completed_this_period": "2000.00",
                                            }
                                        ],
                                    },
                                ],
                                "payments": [
                                    _payment(
                                        801,
                                        1,
                                        "9000.01",
                                        "2024-02-15",
                                        origin_id="ERP-1",
                                        notes="Wire one",
                                    ),
                                    _payment(
                                        802,
                                        2,
                                        "1000.00",
                                        "2024-03-20",
                                        origin_id="ERP-2",
                                        notes="part one",
                                    ),
                                    _payment(803, 2, "123.45", "2024-03-25", origin_id="ERP-3"),
                                ],
                            },
                            {
                                "id": USD_CONTRACT,
                                "kind": "commitment",
                                "number": "SC-USD",
                                "title": "Electrical",
                                "party": "ELEC",
                                "line_items": [
                                    {
                                        "id": 103,
                                        "description": "Rough-in",
                                        "scheduled_value": "20000.00",
                                    }
                                ],
                                "pay_apps": [
                                    {
                                        "number": 1,
                                        "period_id": P1,
                                        "billing_date": "2024-01-31",
                                        "status": "approved",
                                        "invoice_number": "EE-01",
                                        "lines": [
                                            {
                                                "line_item": 103,
                                                "work_completed_this_period": "5000.00",
                                            }
                                        ],
                                    }
                                ],
                                "payments": [
                                    _payment(
                                        804,
                                        1,
                                        "5000.00",
                                        "2024-02-15",
                                        origin_id="ERP-4",
                                        notes="Check",
                                    ),
                                ],
                            },
                        ],
                    }
                ],
            },
            {
                "id": OTHER_COMPANY,
                "name": "Harbor Line",
                "users": [{"email": "boss@harbor.test", "role": "admin", "tokens": [OTHER_TOKEN]}],
                "parties": [{"id": OTHER_VENDOR, "code": "V", "name": "Vendor", "kind": "vendor"}],
                "projects": [
                    {
                        "id": OTHER_PROJECT,
                        "code": "H1",
                        "name": "Pier",
                        "contracts": [
                            {
                                "id": OTHER_CONTRACT,
                                "kind": "commitment",
                                "number": "H-1",
                                "title": "Pier work",
                                "party": "V",
                                "line_items": [
                                    {
                                        "id": 801,
                                        "description": "Piles",
                                        "scheduled_value": "1000.00",
                                    }
                                ],
                                "pay_apps": [
                                    {
                                        "number": 1,
                                        "billing_date": "2024-01-31",
                                        "status": "approved",
                                        "lines": [
                                            {
                                                "line_item": 801,
                                                "work_completed_this_period": "100.00",
                                            }
                                        ],
                                    }
                                ],
                                "payments": [_payment(OTHER_PAYMENT, 1, "100.00", "2024-02-01")],
                            },
                        ],
                    },
                ],
            },
        ]
    }


@pytest.fixture
def ledger(runtime: Runtime) -> Runtime:
    load(runtime, document())
    return runtime


def invoice_ids(client: TestClient) -> dict[str, int]:
    """Pay application ids by invoice number (ids are assigned when the ledger loads)."""
    response = client.get("/api/v2/invoices", headers=ADMIN, params={"page[size]": "200"})
    assert response.status_code == 200, response.text
    return {item["attributes"]["number"]: int(item["id"]) for item in response.json()["data"]}


def payment_body(
    invoice_id: int | None = None, relationship: bool = True, **attributes: Any
) -> dict[str, Any]:
    data: dict[str, Any] = {"type": "payments", "attributes": attributes}
    if invoice_id is not None:
        if relationship:
            data["relationships"] = {
                "invoice": {"data": {"type": "invoices", "id": str(invoice_id)}}
            }
        else:
            data["attributes"]["invoice_id"] = invoice_id
    return {"data": data}


def ids(response: Response) -> list[int]:
    assert response.status_code == 200, response.text
    return [int(item["id"]) for item in response.json()["data"]]
