"""Two companies for the ``/v1`` tests: the contractor's (an admin, a standard user, a read-only
token, and a user who also belongs to the other company) and another company whose records the
first must never see. Everything else each test creates through ``/v1`` itself."""

from __future__ import annotations

from typing import Any

import pytest

from drawbridge.bootstrap import Runtime
from tests.support import load

ADMIN_TOKEN = "v1-admin-token-00000001"
STANDARD_TOKEN = "v1-standard-token-00001"
READONLY_TOKEN = "v1-readonly-token-00001"
BOTH_TOKEN = "v1-both-companies-token1"
OTHER_TOKEN = "v1-other-admin-token-01"
COMPANY, OTHER_COMPANY = 1, 2


def headers(token: str = ADMIN_TOKEN, company: int | None = None) -> dict[str, str]:
    sent = {"Authorization": f"Bearer {token}"}
    if company is not None:
        sent["Drawbridge-Company-Id"] = str(company)
    return sent


ADMIN, STANDARD, READONLY, OTHER = (
    headers(),
    headers(STANDARD_TOKEN),
    headers(READONLY_TOKEN),
    headers(OTHER_TOKEN),
)


def document(*, with_job: bool = False) -> dict[str, Any]:
    """The two companies; ``with_job`` adds a project with a billed subcontract, ids 1 to 3,
    the small ids generated requests name most often."""
    job = {
        "parties": [{"id": 1, "code": "SUB", "name": "Sub", "kind": "vendor"}],
        "projects": [
            {
                "id": 1,
                "code": "JOB",
                "name": "Job",
                "billing_periods": [
                    {"id": 1, "start_date": "2025-01-01", "end_date": "2025-01-31"}
                ],
                "contracts": [
                    {
                        "id": 1,
                        "kind": "commitment",
                        "number": "SC-1",
                        "title": "Steel",
                        "party": "SUB",
                        "retainage": {"work_percent": "10", "materials_percent": "10"},
                        "line_items": [
                            {"id": 1, "description": "Frame", "scheduled_value": "1000.00"},
                            {"id": 2, "description": "Deck", "scheduled_value": "500.00"},
                        ],
                        "pay_apps": [
                            {
                                "number": 1,
                                "period_id": 1,
                                "status": "under_review",
                                "lines": [{"line_item": 1, "work_completed_this_period": "100.00"}],
                            }
                        ],
                    }
                ],
            }
        ],
    }
    return {
        "companies": [
            {
                "id": COMPANY,
                "name": "Granite Peak Builders",
                "users": [
                    {
                        "email": "ada@gp.test",
                        "name": "Ada Admin",
                        "role": "admin",
                        "tokens": [ADMIN_TOKEN],
                    },
                    {
                        "email": "sam@gp.test",
                        "name": "Sam Standard",
                        "role": "standard",
                        "tokens": [STANDARD_TOKEN],
                    },
                    {
                        "email": "rae@gp.test",
                        "name": "Rae Reader",
                        "role": "standard",
                        "scopes": ["data:read"],
                        "tokens": [READONLY_TOKEN],
                    },
                    {
                        "email": "both@gp.test",
                        "name": "Bo Both",
                        "role": "admin",
                        "tokens": [BOTH_TOKEN],
                    },
                ],
                **(job if with_job else {}),
            },
            {
                "id": OTHER_COMPANY,
                "name": "Harbor Line",
                "users": [
                    {"email": "boss@harbor.test", "role": "admin", "tokens": [OTHER_TOKEN]},
                    {"email": "both@gp.test", "role": "standard"},
                ],
                "parties": [{"id": 901, "code": "HV", "name": "Harbor Vendor", "kind": "vendor"}],
            },
        ]
    }


@pytest.fixture
def ledger(runtime: Runtime) -> Runtime:
    load(runtime, document())
    return runtime
