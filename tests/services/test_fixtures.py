"""Loading fixtures: the demo obeys docs/billing.md; a bad document loads nothing, names why."""

from __future__ import annotations

import copy
from collections import defaultdict
from collections.abc import Callable
from pathlib import Path
from typing import Any

import pytest
import yaml

import drawbridge.fixtures
from drawbridge.bootstrap import Runtime
from drawbridge.cli import demo_fixture_text
from drawbridge.domain.billing import LineKind
from drawbridge.fixtures.schema import FixtureError
from drawbridge.services import fixtures, pay_apps, payments
from drawbridge.services.views import PayAppView
from drawbridge.store.repositories import PayAppFilter
from tests.services.helpers import (
    COMPANY,
    CONTRACT,
    LINES,
    PERIODS,
    assert_no_drift,
    count,
    counts,
    ledger_document,
    sov,
)
from tests.support import admin_actor, load

DEMO = Path(drawbridge.fixtures.__file__).parent / "demo.yaml"
CONTRACT_PATH = "companies[0].projects[0].contracts[0]"


def load_text(runtime: Runtime, document: dict[str, Any], *, reset: bool = False) -> None:
    text = yaml.safe_dump(document, sort_keys=False)
    fixtures.load_fixture_text(runtime.uow(), text, reset=reset)


def contract_of(document: dict[str, Any], company: int = 0) -> dict[str, Any]:
    contract: dict[str, Any] = document["companies"][company]["projects"][0]["contracts"][0]
    return contract


def with_history(document: dict[str, Any]) -> dict[str, Any]:
    """Two submitted applications and a payment on the commitment (over-billing forbidden, 10 %):
    app 1 earns 5,400.00 (6,000 less 10 %), paid in full; app 2 brings line 6 to 9,900.00."""
    contract = contract_of(document)
    contract["pay_apps"] = [
        {
            "number": 1,
            "period_id": PERIODS[0],
            "status": "approved",
            "lines": [{"line_item": 1, "work_completed_this_period": "6000.00"}],
        },
        {
            "number": 2,
            "period_id": PERIODS[1],
            "status": "under_review",
            "lines": [
                {"line_item": 1, "work_completed_this_period": "4000.00"},
                {"line_item": 2, "work_completed_this_period": "1000.00"},
            ],
        },
    ]
    contract["payments"] = [
        {"id": 1, "pay_app": 1, "amount": "5400.00", "date": "2024-02-20", "origin_id": "PAY-1"}
    ]
    return document


def views_by_contract(runtime: Runtime) -> dict[int, list[PayAppView]]:
    with runtime.uow(read_only=True) as uow:
        company_ids = [company.id for company in uow.repo.companies()]
    chains: dict[int, list[PayAppView]] = defaultdict(list)
    for company_id in company_ids:
        page = pay_apps.list_pay_apps(
            runtime.uow(), admin_actor(company_id), PayAppFilter(), with_lines=True
        )
        for view in page.items:
            chains[view.contract.id].append(view)
    return {cid: sorted(views, key=lambda v: v.number) for cid, views in chains.items()}


def assert_billing_identities(chain: list[PayAppView]) -> None:
    """docs/billing.md: line 3 = ΣC; line 5 = ΣI; line 9 = ΣH + ΣI; Σ line 8 = latest line 6."""
    for view in chain:
        assert view.lines is not None
        figures = [line.figures for line in view.lines]
        summary = view.summary
        sum_c = sum(f.scheduled_value for f in figures)
        sum_i = sum(
            f.work_retainage_currently_retained + f.materials_retainage_currently_retained
            for f in figures
        )
        sum_h = sum(f.balance_to_finish for f in figures)
        assert summary.contract_sum_to_date == sum_c
        assert summary.original_contract_sum == sum(
            f.scheduled_value for f in figures if f.ref.kind is LineKind.SOV
        )
        assert summary.total_completed_and_stored_to_date == sum(
            f.total_completed_and_stored_to_date for f in figures
        )
        assert summary.total_retainage == sum_i
        assert summary.balance_to_finish_including_retainage == sum_h + sum_i
        assert summary.total_earned_less_retainage == (
            summary.total_completed_and_stored_to_date - summary.total_retainage
        )
    assert [view.number for view in chain] == list(range(1, len(chain) + 1))
    assert sum(view.summary.current_payment_due for view in chain) == (
        chain[-1].summary.total_earned_less_retainage
    )


def test_the_demo_fixture_loads_and_obeys_the_billing_identities(runtime: Runtime) -> None:
    loaded = fixtures.load_fixture_text(runtime.uow(), DEMO.read_text())

    assert loaded["pay_apps"] > 0
    assert loaded["payments"] > 0
    chains = views_by_contract(runtime)
    assert sum(len(chain) for chain in chains.values()) == loaded["pay_apps"]
    for contract_id, chain in chains.items():
        assert_billing_identities(chain)
        assert assert_no_drift(runtime, contract_id) == len(chain)
    # The demo is a realistic job: a prime contract and 2+ commitments of 10+ lines,
    # change orders both ways, retainage, stored materials and payments.
    latest = [chain[-1] for chain in chains.values()]
    kinds = [view.contract.kind for view in latest]
    assert "prime" in kinds
    assert kinds.count("commitment") >= 2
    assert sum(1 for view in latest if len(view.g703_lines) >= 10) >= 3
    items = [item.amount for view in latest for package in view.packages for item in package.items]
    assert any(amount > 0 for amount in items)
    assert any(amount < 0 for amount in items)
    assert any(view.summary.total_retainage > 0 for view in latest)
    every = [view for chain in chains.values() for view in chain]
    assert any(view.summary.materials_presently_stored > 0 for view in every)
    assert any(view.payments.amount_paid > 0 for view in every)


def _bad_money(document: dict[str, Any]) -> str:
    contract_of(document)["line_items"][2]["scheduled_value"] = "12.345"
    return f"{CONTRACT_PATH}.line_items[2].scheduled_value"


def _over_billing_history(document: dict[str, Any]) -> str:
    # Line 1 is 10,000: 6,000 + 4,000.01 over-bills it on application 2.
    contract_of(document)["pay_apps"][1]["lines"][0]["work_completed_this_period"] = "4000.01"
    return f"{CONTRACT_PATH}.pay_apps[1]"


def _release_larger_than_held(document: dict[str, Any]) -> str:
    # Line 1 holds 10 % of 10,000 = 1,000.00 on app 2, which releases 1,000.01.
    line = contract_of(document)["pay_apps"][1]["lines"][0]
    line["work_completed_retainage_released_this_period"] = "1000.01"
    return f"{CONTRACT_PATH}.pay_apps[1]"


def _bad_in_the_second_company(document: dict[str, Any]) -> str:
    # The first company is written whole before this fails: it must be rolled back too.
    contract_of(document, 1)["pay_apps"] = [
        {
            "number": 1,
            "lines": [{"line_item": 1, "work_completed_retainage_released_this_period": "1.00"}],
        }
    ]
    return "companies[1].projects[0].contracts[0].pay_apps[0]"


def _bad_payment(document: dict[str, Any]) -> str:
    contract_of(document)["payments"][0]["amount"] = "-5.00"
    return f"{CONTRACT_PATH}.payments[0].amount"


@pytest.mark.parametrize(
    "spoil",
    [
        _bad_money,
        _over_billing_history,
        _release_larger_than_held,
        _bad_in_the_second_company,
        _bad_payment,
    ],
)
def test_one_bad_value_loads_nothing_and_names_its_path(
    runtime: Runtime, spoil: Callable[[dict[str, Any]], str]
) -> None:
    good = with_history(ledger_document())
    bad = copy.deepcopy(good)
    path = spoil(bad)

    with pytest.raises(FixtureError) as raised:
        load_text(runtime, bad)

    assert str(raised.value).startswith(path), str(raised.value)
    assert all(value == 0 for value in counts(runtime).values()), counts(runtime)
    load_text(runtime, good)
    assert count(runtime, "companies") == 2
    assert count(runtime, "pay_apps") == 2
    assert_no_drift(runtime, CONTRACT)


def test_reset_empties_the_database_first(runtime: Runtime) -> None:
    document = with_history(ledger_document())
    load_text(runtime, document)
    payments.record_payment(
        runtime.uow(),
        admin_actor(COMPANY),
        payments.RecordPayment(contract_id=CONTRACT, values={"amount_cents": 1}),
    )

    with pytest.raises(FixtureError) as raised:
        load_text(runtime, document)
    assert str(raised.value).startswith("companies[0].id")

    load_text(runtime, document, reset=True)
    assert count(runtime, "companies") == 2
    assert count(runtime, "payments") == 1
    assert count(runtime, "pay_apps") == 2


def test_explicit_ids_are_kept_and_later_rows_get_fresh_ones(runtime: Runtime) -> None:
    load_text(runtime, with_history(ledger_document()))
    actor = admin_actor(COMPANY)

    with runtime.uow(read_only=True) as uow:
        assert uow.repo.company(COMPANY) is not None
        assert uow.repo.contract(COMPANY, CONTRACT) is not None
        assert [line.id for line in uow.repo.sov_lines(CONTRACT)] == list(LINES)
        assert uow.repo.payment(COMPANY, 1) is not None

    # New rows, in tables that hold explicit ids, must not collide with them (on PostgreSQL
    # this needs the id sequences moved past the explicit ids: sync_id_sequences).
    paid = payments.record_payment(
        runtime.uow(),
        actor,
        payments.RecordPayment(contract_id=CONTRACT, values={"amount_cents": 1}),
    )
    assert paid.id > 1
    view = pay_apps.create_pay_app(
        runtime.uow(),
        actor,
        pay_apps.CreatePayApp(
            contract_id=CONTRACT,
            lines=[pay_apps.LineInput(ref=sov(LINES[2]), work_completed_this_period=100)],
        ),
    )
    assert view.number == 3
    second = {
        "companies": [
            {
                "name": "Newco",
                "parties": [{"code": "V", "name": "Vendor", "kind": "vendor"}],
                "projects": [
                    {
                        "code": "N-1",
                        "name": "New job",
                        "billing_periods": [{"start_date": "2024-01-01", "end_date": "2024-01-31"}],
                        "contracts": [
                            {
                                "kind": "commitment",
                                "number": "N-SC",
                                "title": "New",
                                "party": "V",
                                "line_items": [{"description": "x", "scheduled_value": "1.00"}],
                            }
                        ],
                    }
                ],
            }
        ]
    }
    load(runtime, second)
    with runtime.uow(read_only=True) as uow:
        newco = [c for c in uow.repo.companies() if c.name == "Newco"]
        assert len(newco) == 1
        assert newco[0].id > 2
        (project,) = uow.repo.projects(newco[0].id)
        assert project.id > 20
        (contract,) = uow.repo.contracts(newco[0].id)
        assert contract.id > 200
        assert uow.repo.sov_lines(contract.id)[0].id > 21
        assert uow.repo.periods(newco[0].id, project.id)[0].id > PERIODS[-1]


def test_a_loaded_fixture_leaves_an_audit_trail_of_every_record(runtime: Runtime) -> None:
    fixtures.load_fixture_text(runtime.uow(), demo_fixture_text())
    with runtime.uow() as uow:
        events = uow.repo.audit_events(COMPANY)
        contract_ids = [contract.id for contract in uow.repo.contracts(COMPANY)]
        created = {(e.entity_type, e.entity_id) for e in events if e.action == "create"}
        kinds = {event.entity_type for event in events}
        afters = [event.after or {} for event in events]
    assert ("company", COMPANY) in created
    assert all(("contract", contract_id) in created for contract_id in contract_ids)
    assert {"user", "membership", "api_token", "party", "project", "sov_line"} <= kinds
    assert {"change_order_package", "change_order_item", "pay_app", "payment"} <= kinds
    assert all("token_hash" not in after for after in afters)  # no secret, not even its hash
