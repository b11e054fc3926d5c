"""What the service tests share: a small ledger document, row counts and the no-drift check.

The document: company 1 (Acme) with one project and one commitment of three SOV lines
(10,000 + 20,000 + 30,000), retainage 10 % cumulative, over-billing forbidden; change-order
package CO-001 (approved 2024-02-15, +5,000, inside period 2), CO-002 (pending, +1,000) and CO-003
(approved 2024-06-01, -2,000: after every period, so only an explicit add bills it). Acme keeps
the company defaults (over-billing allowed unless the contract forbids it, over-payment
prevented). Company 2 (Harbor) is another tenant with a contract of its own, which allows
over-payment (its company turns the prevention off), so payments on account need no history.
"""

from __future__ import annotations

import re
from collections.abc import Iterator, Sequence
from contextlib import contextmanager
from typing import Any

from sqlalchemy import event, func, select

from drawbridge.bootstrap import Runtime
from drawbridge.domain.billing import (
    ApplicationEntry,
    LineEntry,
    LineKind,
    LineRef,
    ScheduledLine,
    compute_chain,
)
from drawbridge.services import chain
from drawbridge.store.models import Base, Contract, ContractPayAppTotal

COMPANY = 1
OTHER_COMPANY = 2
# The pay-application columns each contract's kept totals sum (contract_pay_app_totals).
KEPT_PAY_APP_SUMS = (
    "current_payment_due_cents",
    "written_off_cents",
    "advance_amount_cents",
    "recoupment_amount_cents",
)
PROJECT = 10
CONTRACT = 100
OTHER_CONTRACT = 200
PERIODS = (101, 102, 103)
LINES = (11, 12, 13)
CO_APPROVED = 201  # approved 2024-02-15, item 2011 (+5,000)
CO_PENDING = 202  # pending, item 2021
CO_LATE = 203  # approved 2024-06-01, item 2031 (-2,000)
CO_APPROVED_ITEM = 2011
CO_LATE_ITEM = 2031


def sov(line_id: int) -> LineRef:
    return LineRef(LineKind.SOV, line_id)


def co(item_id: int) -> LineRef:
    return LineRef(LineKind.CHANGE_ORDER, item_id)


def ledger_document(*, allow_overbilling: bool = False) -> dict[str, Any]:
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
                    },
                    {
                        "email": "sam@acme.test",
                        "role": "standard",
                        "tokens": ["acme-standard-token-0001"],
                    },
                ],
                "parties": [{"code": "ERNIE", "name": "Ernie's Electrical", "kind": "vendor"}],
                "projects": [
                    {
                        "id": PROJECT,
                        "code": "P-1",
                        "name": "Tenant improvement",
                        "billing_periods": [
                            {
                                "id": PERIODS[0],
                                "start_date": "2024-01-01",
                                "end_date": "2024-01-31",
                            },
                            {
                                "id": PERIODS[1],
                                "start_date": "2024-02-01",
                                "end_date": "2024-02-29",
                            },
                            {
                                "id": PERIODS[2],
                                "start_date": "2024-03-01",
                                "end_date": "2024-03-31",
                            },
                        ],
                        "contracts": [
                            {
                                "id": CONTRACT,
                                "kind": "commitment",
                                "number": "SC-001",
                                "title": "Electrical",
                                "party": "ERNIE",
                                "retainage": {"method": "cumulative", "work_percent": "10"},
                                "allow_overbilling": allow_overbilling,
                                "line_items": [
                                    {
                                        "id": LINES[0],
                                        "number": "1",
                                        "description": "General conditions",
                                        "scheduled_value": "10000.00",
                                    },
                                    {
                                        "id": LINES[1],
                                        "number": "2",
                                        "description": "Rough-in",
                                        "scheduled_value": "20000.00",
                                    },
                                    {
                                        "id": LINES[2],
                                        "number": "3",
                                        "description": "Fixtures",
                                        "scheduled_value": "30000.00",
                                    },
                                ],
                                "change_order_packages": [
                                    {
                                        "id": CO_APPROVED,
                                        "number": "CO-001",
                                        "title": "Extra circuits",
                                        "status": "approved",
                                        "approved_date": "2024-02-15",
                                        "items": [
                                            {
                                                "id": CO_APPROVED_ITEM,
                                                "description": "Extra circuits",
                                                "amount": "5000.00",
                                            }
                                        ],
                                    },
                                    {
                                        "id": CO_PENDING,
                                        "number": "CO-002",
                                        "title": "Maybe",
                                        "status": "pending",
                                        "items": [
                                            {
                                                "id": 2021,
                                                "description": "Maybe",
                                                "amount": "1000.00",
                                            }
                                        ],
                                    },
                                    {
                                        "id": CO_LATE,
                                        "number": "CO-003",
                                        "title": "Deduct fixtures",
                                        "status": "approved",
                                        "approved_date": "2024-06-01",
                                        "items": [
                                            {
                                                "id": CO_LATE_ITEM,
                                                "description": "Owner-supplied fixtures",
                                                "amount": "-2000.00",
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
                "prevent_overpayment": False,
                "users": [
                    {
                        "email": "boss@harbor.test",
                        "role": "admin",
                        "tokens": ["harbor-admin-token-0001"],
                    }
                ],
                "parties": [{"code": "OWNER", "name": "Owner", "kind": "customer"}],
                "projects": [
                    {
                        "id": 20,
                        "code": "H-1",
                        "name": "Harbor job",
                        "contracts": [
                            {
                                "id": OTHER_CONTRACT,
                                "kind": "prime",
                                "number": "H-01",
                                "title": "Harbor prime",
                                "party": "OWNER",
                                "line_items": [
                                    {
                                        "id": 21,
                                        "description": "All work",
                                        "scheduled_value": "500.00",
                                    }
                                ],
                            }
                        ],
                    }
                ],
            },
        ]
    }


def count(runtime: Runtime, table: str) -> int:
    model = Base.metadata.tables[table]
    with runtime.engine.connect() as connection:
        return int(connection.scalar(select(func.count()).select_from(model)) or 0)


def counts(runtime: Runtime, tables: Sequence[str] | None = None) -> dict[str, int]:
    names = tables or [table.name for table in Base.metadata.sorted_tables]
    return {name: count(runtime, name) for name in names}


def assert_no_drift(runtime: Runtime, contract_id: int) -> int:
    """Stored derived figures equal a fresh ``compute_chain`` over the stored inputs.

    Returns how many applications were checked.
    """
    with runtime.uow(read_only=True) as uow:
        repo = uow.repo
        contract = repo.session.get(Contract, contract_id)
        assert contract is not None
        apps = list(repo.pay_apps_of_contract(contract_id))
        rows = repo.pay_app_lines(app.id for app in apps)
        scheduled = {line.id: line.scheduled_value_cents for line in repo.sov_lines(contract_id)}
        items = {item.id: item for item in repo.package_items(contract_id)}
        entries = []
        for app in apps:
            lines, inputs = [], {}
            for row in rows[app.id]:
                if row.sov_line_id is not None:
                    ref = sov(row.sov_line_id)
                    lines.append(ScheduledLine(ref, scheduled[row.sov_line_id]))
                else:
                    assert row.change_order_item_id is not None
                    item = items[row.change_order_item_id]
                    ref = co(item.id)
                    lines.append(ScheduledLine(ref, item.amount_cents, item.package_id))
                inputs[ref] = LineEntry(
                    work_completed_this_period=row.work_completed_this_period_input_cents,
                    materials_presently_stored=row.materials_presently_stored_input_cents,
                    work_retainage_percent=row.work_retainage_percent_input,
                    materials_retainage_percent=row.materials_retainage_percent_input,
                    work_retainage_released=row.work_retainage_released_input_cents,
                    materials_retainage_released=row.materials_retainage_released_input_cents,
                )
            entries.append(ApplicationEntry(lines=lines, entries=inputs))
        company = repo.company(contract.company_id)
        assert company is not None
        expected = compute_chain(chain.billing_terms(contract, company), entries)
        package_of_item = {item.id: item.package_id for item in items.values()}
        for app, figures in zip(apps, expected, strict=True):
            stored = chain.application_figures(app, rows[app.id], package_of_item)
            assert stored.summary == figures.summary, f"pay app {app.number}: summary drifted"
            assert stored.lines == figures.lines, f"pay app {app.number}: lines drifted"
        kept = repo.session.get(ContractPayAppTotal, contract_id)
        summed = KEPT_PAY_APP_SUMS
        kept_figures = (
            (0,) * (1 + len(summed))
            if kept is None
            else (kept.pay_app_count, *(getattr(kept, name) for name in summed))
        )
        assert kept_figures == (
            len(apps),
            *(sum(getattr(app, name) for app in apps) for name in summed),
        ), "the contract's kept pay-application totals drifted"
        return len(apps)


@contextmanager
def executed_statements(runtime: Runtime) -> Iterator[list[tuple[str, Any]]]:
    """Every statement sent to the database inside the block, as (SQL, parameters)."""
    statements: list[tuple[str, Any]] = []

    def record(*args: Any) -> None:
        statements.append((str(args[2]).lstrip(), args[3]))

    event.listen(runtime.engine, "before_cursor_execute", record)
    try:
        yield statements
    finally:
        event.remove(runtime.engine, "before_cursor_execute", record)


def ids_named(statement: str, parameters: Any) -> set[int]:
    """The ids a statement names: bound (positional on SQLite, named on PostgreSQL) or, for an
    id list, written into its ``IN (...)``."""
    bound = parameters.values() if isinstance(parameters, dict) else parameters
    written = [
        int(text)
        for listed in re.findall(r"IN \(([0-9, ]+)\)", statement)
        for text in listed.split(",")
    ]
    return {*bound, *written}
