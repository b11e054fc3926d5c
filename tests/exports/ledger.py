"""A prime contract of 60 SOV lines billed over three months, for the document tests.

Application 2 adds an approved change order with an addition and a deduction; application 3
stores materials on some lines and is still under review. Line 7's description is long enough
to wrap on the continuation sheet.
"""

from __future__ import annotations

from typing import Any

COMPANY = 8001
PROJECT = 8100
CONTRACT = 8300
LINE_COUNT = 60
FIRST_LINE = 8401
LONG_DESCRIPTION = (
    "Structural steel framing, decking and miscellaneous metals including stair stringers, "
    "handrails, embeds and lintels for levels 1 through 4"
)


def scheduled_cents(index: int) -> int:
    return 1_000_000 + index * 123_457  # 10,000.00 plus an uneven step, all different


def description(index: int) -> str:
    return LONG_DESCRIPTION if index == 7 else f"Work package {index:02d}"


def sixty_line_document() -> dict[str, Any]:
    lines = [
        {
            "id": FIRST_LINE + index - 1,
            "number": str(index),
            "description": description(index),
            "scheduled_value": f"{scheduled_cents(index) / 100:.2f}",
            "cost_code": f"{index:02d}-100",
        }
        for index in range(1, LINE_COUNT + 1)
    ]

    def work(month: int) -> list[dict[str, Any]]:
        # Month m bills 20 % + m % of each line; every fourth line stores materials in month 3.
        billed = []
        for index in range(1, LINE_COUNT + 1):
            amount = scheduled_cents(index) * (20 + month) // 100
            entry: dict[str, Any] = {
                "line_item": FIRST_LINE + index - 1,
                "work_completed_this_period": f"{amount / 100:.2f}",
            }
            if month == 3 and index % 4 == 0:
                entry["materials_presently_stored"] = f"{scheduled_cents(index) // 1000 / 100:.2f}"
            billed.append(entry)
        return billed

    return {
        "companies": [
            {
                "id": COMPANY,
                "name": "Acme Builders",
                "users": [
                    {
                        "email": "pm@acme.test",
                        "name": "Pat Manager",
                        "role": "admin",
                        "tokens": ["acme-admin-token-0001"],
                    }
                ],
                "parties": [
                    {
                        "code": "OWNER",
                        "name": "Harbor Point Holdings",
                        "kind": "customer",
                        "street": "1 Harbor Way",
                        "city": "Oakland",
                        "state_code": "CA",
                        "zip": "94607",
                    },
                    {
                        "code": "ARCH",
                        "name": "Lindqvist Architects",
                        "kind": "architect",
                        "city": "Berkeley",
                        "state_code": "CA",
                    },
                ],
                "projects": [
                    {
                        "id": PROJECT,
                        "code": "HP-1",
                        "name": "Harbor Point offices",
                        "number": "2041",
                        "billing_periods": [
                            {"id": 8201, "start_date": "2025-01-01", "end_date": "2025-01-31"},
                            {"id": 8202, "start_date": "2025-02-01", "end_date": "2025-02-28"},
                            {"id": 8203, "start_date": "2025-03-01", "end_date": "2025-03-31"},
                        ],
                        "contracts": [
                            {
                                "id": CONTRACT,
                                "kind": "prime",
                                "number": "HP-PRIME",
                                "title": "Core and shell",
                                "party": "OWNER",
                                "architect": "ARCH",
                                "contract_date": "2024-12-15",
                                "retainage": {
                                    "method": "cumulative",
                                    "work_percent": "10",
                                    "materials_percent": "5",
                                },
                                "line_items": lines,
                                "change_order_packages": [
                                    {
                                        "id": 8501,
                                        "number": "CO-001",
                                        "title": "Lobby changes",
                                        "status": "approved",
                                        "approved_date": "2025-02-10",
                                        "items": [
                                            {
                                                "id": 8601,
                                                "description": "Added lobby canopy",
                                                "amount": "42500.00",
                                            },
                                            {
                                                "id": 8602,
                                                "description": "Deleted planter walls",
                                                "amount": "-7250.00",
                                            },
                                        ],
                                    }
                                ],
                                "pay_apps": [
                                    {
                                        "number": 1,
                                        "period_id": 8201,
                                        "billing_date": "2025-01-31",
                                        "status": "approved",
                                        "lines": work(1),
                                    },
                                    {
                                        "number": 2,
                                        "period_id": 8202,
                                        "billing_date": "2025-02-28",
                                        "status": "approved",
                                        "lines": [
                                            *work(2),
                                            {
                                                "change_order_item": 8601,
                                                "work_completed_this_period": "10000.00",
                                            },
                                        ],
                                    },
                                    {
                                        "number": 3,
                                        "period_id": 8203,
                                        "billing_date": "2025-03-31",
                                        "status": "under_review",
                                        "invoice_number": "HP-0003",
                                        "lines": work(3),
                                    },
                                ],
                                "payments": [
                                    {
                                        "pay_app": 1,
                                        "amount": "100000.00",
                                        "date": "2025-02-20",
                                        "payment_method": "check",
                                        "check_number": "7001",
                                    }
                                ],
                            }
                        ],
                    }
                ],
            }
        ]
    }
