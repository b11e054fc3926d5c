"""A small ledger for the Procore face tests, and the headers each kind of caller sends."""

from __future__ import annotations

from typing import Any

import pytest

from drawbridge.bootstrap import Runtime
from tests.support import load

ADMIN_TOKEN = "pc-admin-token-000001"
STANDARD_TOKEN = "pc-standard-token-0001"
READONLY_TOKEN = "pc-readonly-token-0001"
OTHER_TOKEN = "pc-other-admin-token-01"
COMPANY, OTHER_COMPANY = 1, 2
PROJECT, OTHER_PROJECT = 55, 77
CONTRACT, STRICT_CONTRACT, OTHER_CONTRACT = 66, 67, 88
LINE_1, LINE_2, STRICT_LINE = 101, 102, 201
PACKAGE, PENDING_PACKAGE = 12001, 12002
CO_ADD, CO_DEDUCT = 5001, 5002
P1, P2, P3, P4 = 4293, 4294, 4295, 4296


def headers(token: str = ADMIN_TOKEN, company: int = COMPANY) -> dict[str, str]:
    return {"Authorization": f"Bearer {token}", "Procore-Company-Id": str(company)}


ADMIN, STANDARD, READONLY = headers(), headers(STANDARD_TOKEN), headers(READONLY_TOKEN)


def document(
    *, method: str = "cumulative", stored_materials: str = "manual", steps: bool = True
) -> dict[str, Any]:
    retainage: dict[str, Any] = {"method": method, "work_percent": "10", "materials_percent": "10"}
    if steps:
        retainage["steps"] = [
            {"at_percent_complete": "50", "work_percent": "5", "materials_percent": "5"}
        ]
    return {
        "companies": [
            {
                "id": COMPANY,
                "name": "Granite Peak Builders",
                "users": [
                    {
                        "email": "admin@gp.test",
                        "name": "Ada Admin",
                        "role": "admin",
                        "tokens": [ADMIN_TOKEN],
                    },
                    {
                        "email": "std@gp.test",
                        "name": "Sam Standard",
                        "role": "standard",
                        "tokens": [STANDARD_TOKEN],
                    },
                    {
                        "email": "ro@gp.test",
                        "name": "Rae Reader",
                        "role": "standard",
                        "scopes": ["data:read"],
                        "tokens": [READONLY_TOKEN],
                    },
                ],
                "parties": [
                    {
                        "id": 301,
                        "code": "ERNIE",
                        "name": "Ernie's Electrical",
                        "kind": "vendor",
                        "street": "101 XYZ Avenue",
                        "city": "New York",
                        "state_code": "NY",
                        "zip": "10101",
                        "country_code": "US",
                    },
                ],
                "projects": [
                    {
                        "id": PROJECT,
                        "code": "P55",
                        "name": "Tower",
                        "number": "100",
                        "billing_periods": [
                            {
                                "id": P1,
                                "start_date": "2024-01-01",
                                "end_date": "2024-01-31",
                                "due_date": "2024-02-10",
                            },
                            {"id": P2, "start_date": "2024-02-01", "end_date": "2024-02-29"},
                            {"id": P3, "start_date": "2024-03-01", "end_date": "2024-03-31"},
                            {"id": P4, "start_date": "2024-04-01", "end_date": "2024-04-30"},
                        ],
                        "contracts": [
                            {
                                "id": CONTRACT,
                                "kind": "commitment",
                                "number": "SC-001",
                                "title": "Electrical",
                                "party": "ERNIE",
                                "contract_date": "2024-01-01",
                                "retainage": retainage,
                                "stored_materials": stored_materials,
                                "line_items": [
                                    {
                                        "id": LINE_1,
                                        "number": "1",
                                        "description": "Rough-in",
                                        "scheduled_value": "100000.00",
                                        "cost_code": "26-100",
                                    },
                                    {
                                        "id": LINE_2,
                                        "number": "2",
                                        "description": "Fixtures",
                                        "scheduled_value": "50000.00",
                                        "unit_price": "100.00",
                                        "quantity": "500",
                                    },
                                ],
                                "change_order_packages": [
                                    {
                                        "id": PACKAGE,
                                        "number": "CO-001",
                                        "title": "Lobby",
                                        "status": "approved",
                                        "approved_date": "2024-03-05",
                                        "items": [
                                            {
                                                "id": CO_ADD,
                                                "description": "Card readers",
                                                "amount": "20000.00",
                                            },
                                            {
                                                "id": CO_DEDUCT,
                                                "description": "Credit: conduit",
                                                "amount": "-5000.00",
                                            },
                                        ],
                                    },
                                    {
                                        "id": PENDING_PACKAGE,
                                        "number": "CO-002",
                                        "title": "Pending",
                                        "status": "pending",
                                        "items": [
                                            {
                                                "id": 5003,
                                                "description": "Extra",
                                                "amount": "1000.00",
                                            }
                                        ],
                                    },
                                ],
                            },
                            {
                                "id": STRICT_CONTRACT,
                                "kind": "commitment",
                                "number": "SC-002",
                                "title": "Strict",
                                "party": "ERNIE",
                                "allow_overbilling": False,
                                "retainage": {"work_percent": "10"},
                                "line_items": [
                                    {
                                        "id": STRICT_LINE,
                                        "description": "Panels",
                                        "scheduled_value": "10000.00",
                                    },
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
                "parties": [{"code": "V", "name": "Vendor", "kind": "vendor"}],
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


def item(line_item_id: int, item_type: str = "contract_item", **values: Any) -> dict[str, Any]:
    return {"item_type": item_type, "line_item_id": line_item_id, **values}


def requisition_body(
    *, commitment_id: int = CONTRACT, project_id: int = PROJECT, **requisition: Any
) -> dict[str, Any]:
    return {"project_id": project_id, "commitment_id": commitment_id, "requisition": requisition}
