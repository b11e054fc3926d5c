"""A small two-company ledger for the Intacct face tests.

Company 1: project P-1 with prime contract PC-001 (owner OWNER, architect ARCH, cumulative
retainage 10 %): line 31 "Sitework" 40,000.00 and line 32 "Building" 60,000.00; change order
CO-1 approved 2024-02-10 (+5,000.00, item 41) and CO-2 pending (+2,000.00, item 42); billing
periods January to March 2024; no pay applications yet. Company 2: a prime contract of its own.
"""

from __future__ import annotations

from typing import Any

COMPANY = 1
OTHER_COMPANY = 2
PROJECT_UUID = "7a7b8c9d-0000-4000-8000-000000000001"
PRIME_UUID = "d0000000-0000-4000-8000-000000000001"
PRIME = 20
OTHER_PRIME = 60
SITEWORK, BUILDING = 31, 32
CO_APPROVED_ITEM = 41
PERIODS = (101, 102, 103)
ADMIN = "ia-admin-token-0001"
READONLY = "ia-readonly-token-0001"
OTHER = "ia-other-company-token-0001"
CLIENT_ID = "ia-test-client"
CLIENT_SECRET = "ia-test-client-secret-0001"


def document() -> dict[str, Any]:
    return {
        "companies": [
            {
                "id": COMPANY,
                "name": "Acme Builders",
                "users": [
                    {"email": "pm@acme.test", "role": "admin", "tokens": [ADMIN]},
                    {
                        "email": "viewer@acme.test",
                        "role": "standard",
                        "scopes": ["data:read"],
                        "tokens": [READONLY],
                    },
                ],
                "oauth_clients": [
                    {
                        "client_id": CLIENT_ID,
                        "client_secret": CLIENT_SECRET,
                        "user": "pm@acme.test",
                        "name": "ERP",
                    }
                ],
                "employees": [{"code": "E1", "name": "Erin"}],
                "contacts": [{"code": "C1", "name": "Cole"}],
                "locations": [{"code": "HQ", "name": "Head office"}],
                "contract_types": [{"code": "COM", "name": "Commercial"}],
                "parties": [
                    {"code": "OWNER", "name": "Owner LLC", "kind": "customer"},
                    {"code": "ARCH", "name": "Arch Studio", "kind": "architect"},
                ],
                "projects": [
                    {
                        "id": 10,
                        "uuid": PROJECT_UUID,
                        "code": "P-1",
                        "name": "Tenant improvement",
                        "billing_periods": [
                            {"id": 101, "start_date": "2024-01-01", "end_date": "2024-01-31"},
                            {"id": 102, "start_date": "2024-02-01", "end_date": "2024-02-29"},
                            {"id": 103, "start_date": "2024-03-01", "end_date": "2024-03-31"},
                        ],
                        "contracts": [
                            {
                                "id": PRIME,
                                "uuid": PRIME_UUID,
                                "kind": "prime",
                                "number": "PC-001",
                                "title": "Owner contract",
                                "party": "OWNER",
                                "architect": "ARCH",
                                "contract_date": "2023-12-15",
                                "contract_type": "COM",
                                "retainage": {"method": "cumulative", "work_percent": "10"},
                                "line_items": [
                                    {
                                        "id": SITEWORK,
                                        "number": "1",
                                        "description": "Sitework",
                                        "scheduled_value": "40000.00",
                                    },
                                    {
                                        "id": BUILDING,
                                        "number": "2",
                                        "description": "Building",
                                        "scheduled_value": "60000.00",
                                    },
                                ],
                                "change_order_packages": [
                                    {
                                        "id": 51,
                                        "number": "CO-1",
                                        "title": "Canopy",
                                        "status": "approved",
                                        "approved_date": "2024-02-10",
                                        "items": [
                                            {
                                                "id": CO_APPROVED_ITEM,
                                                "description": "Canopy",
                                                "amount": "5000.00",
                                            }
                                        ],
                                    },
                                    {
                                        "id": 52,
                                        "number": "CO-2",
                                        "title": "Signage",
                                        "status": "pending",
                                        "items": [
                                            {
                                                "id": 42,
                                                "description": "Signage",
                                                "amount": "2000.00",
                                            }
                                        ],
                                    },
                                ],
                            }
                        ],
                    }
                ],
            },
            {
                "id": OTHER_COMPANY,
                "name": "Harbor Line Electric",
                "users": [{"email": "boss@harbor.test", "role": "admin", "tokens": [OTHER]}],
                "parties": [{"code": "HOWNER", "name": "Harbor owner", "kind": "customer"}],
                "projects": [
                    {
                        "id": 30,
                        "code": "H-1",
                        "name": "Harbor job",
                        "contracts": [
                            {
                                "id": OTHER_PRIME,
                                "kind": "prime",
                                "number": "H-PC-1",
                                "title": "Harbor owner contract",
                                "party": "HOWNER",
                                "line_items": [
                                    {"id": 61, "description": "Work", "scheduled_value": "900.00"}
                                ],
                            }
                        ],
                    }
                ],
            },
        ]
    }
