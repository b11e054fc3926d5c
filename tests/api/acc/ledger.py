"""A small two-company ledger for the ACC face tests, and request helpers."""

from __future__ import annotations

from typing import Any

PROJECT_UUID = "6a7b8c9d-0000-4000-8000-000000000001"
OTHER_PROJECT_UUID = "6a7b8c9d-0000-4000-8000-000000000002"
COMMITMENT_UUID = "c0000000-0000-4000-8000-000000000001"
PRIME_UUID = "c0000000-0000-4000-8000-000000000002"
ADMIN_TOKEN = "acc-admin-token-0001"
STANDARD_TOKEN = "acc-standard-token-0001"
READONLY_TOKEN = "acc-readonly-token-0001"
OTHER_TOKEN = "acc-other-company-token-0001"
BASE = f"/cost/v1/containers/{PROJECT_UUID}"


def auth(token: str = ADMIN_TOKEN) -> dict[str, str]:
    return {"Authorization": f"Bearer {token}"}


def document(*, with_history: bool = True) -> dict[str, Any]:
    """Company 1 (USD): a commitment with two applications (1 approved and paid in full, 2 in
    draft) and a prime contract with one approved application. Company 2: its own project."""
    commitment: dict[str, Any] = {
        "id": 10,
        "uuid": COMMITMENT_UUID,
        "kind": "commitment",
        "number": "SC-001",
        "title": "Electrical",
        "party": "VOLT",
        "architect": "ARCH",
        "retainage": {"method": "cumulative", "work_percent": "10"},
        "line_items": [
            {"id": 1, "number": "1", "description": "Rough-in", "scheduled_value": "10000.00"},
            {"id": 2, "number": "2", "description": "Fixtures", "scheduled_value": "5000.00"},
        ],
    }
    prime: dict[str, Any] = {
        "id": 20,
        "uuid": PRIME_UUID,
        "kind": "prime",
        "number": "PC-001",
        "title": "Owner contract",
        "party": "OWNER",
        "retainage": {"method": "cumulative", "work_percent": "5"},
        "line_items": [
            {"id": 3, "number": "1", "description": "Fit-out", "scheduled_value": "50000.00"},
        ],
    }
    if with_history:
        commitment["pay_apps"] = [
            {
                "number": 1,
                "period_id": 1,
                "status": "approved",
                "lines": [
                    {"line_item": 1, "work_completed_this_period": "2000.00"},
                    {"line_item": 2, "materials_presently_stored": "1000.00"},
                ],
            },
            {
                "number": 2,
                "period_id": 2,
                "status": "draft",
                "lines": [
                    {"line_item": 1, "work_completed_this_period": "3000.00"},
                    {
                        "line_item": 2,
                        "work_completed_this_period": "1000.00",
                        "materials_presently_stored": "0.00",
                    },
                ],
            },
        ]
        commitment["payments"] = [
            {
                "pay_app": 1,
                "amount": "2700.00",
                "date": "2024-02-20",
                "payment_method": "check",
                "check_number": "1001",
            },
        ]
        prime["pay_apps"] = [
            {
                "number": 1,
                "period_id": 1,
                "status": "approved",
                "lines": [{"line_item": 3, "work_completed_this_period": "10000.00"}],
            }
        ]
    return {
        "companies": [
            {
                "id": 1,
                "name": "Acme Builders",
                "base_currency": "USD",
                "users": [
                    {"email": "admin@acme.test", "role": "admin", "tokens": [ADMIN_TOKEN]},
                    {"email": "std@acme.test", "role": "standard", "tokens": [STANDARD_TOKEN]},
                    {
                        "email": "ro@acme.test",
                        "role": "admin",
                        "scopes": ["data:read"],
                        "tokens": [READONLY_TOKEN],
                    },
                ],
                "parties": [
                    {"code": "VOLT", "name": "Volt Electric", "kind": "vendor"},
                    {"code": "OWNER", "name": "Owner Inc", "kind": "customer"},
                    {"code": "ARCH", "name": "Eberhardt Architects", "kind": "architect"},
                ],
                "projects": [
                    {
                        "id": 100,
                        "uuid": PROJECT_UUID,
                        "code": "P-1",
                        "name": "Project one",
                        "billing_periods": [
                            {
                                "id": 1,
                                "start_date": "2024-01-01",
                                "end_date": "2024-01-31",
                                "due_date": "2024-02-10",
                            },
                            {
                                "id": 2,
                                "start_date": "2024-02-01",
                                "end_date": "2024-02-29",
                                "due_date": "2024-03-10",
                            },
                        ],
                        "contracts": [commitment, prime],
                    }
                ],
            },
            {
                "id": 2,
                "name": "Other Co",
                "users": [{"email": "x@other.test", "role": "admin", "tokens": [OTHER_TOKEN]}],
                "parties": [{"code": "V2", "name": "Vendor two", "kind": "vendor"}],
                "projects": [
                    {
                        "id": 200,
                        "uuid": OTHER_PROJECT_UUID,
                        "code": "P-2",
                        "name": "Project two",
                        "contracts": [
                            {
                                "id": 30,
                                "kind": "commitment",
                                "number": "SC-9",
                                "title": "Other",
                                "party": "V2",
                                "line_items": [
                                    {
                                        "id": 9,
                                        "number": "1",
                                        "description": "Work",
                                        "scheduled_value": "100.00",
                                    }
                                ],
                                "pay_apps": [{"number": 1, "status": "draft"}],
                            }
                        ],
                    }
                ],
            },
        ]
    }
