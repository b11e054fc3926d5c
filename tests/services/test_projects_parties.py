"""Projects, billing periods and parties as use cases on a real database: created, read, changed
and deleted within the company; codes unique and fixed; periods never overlap; nothing in use is
deleted; other companies see nothing."""

from __future__ import annotations

from datetime import date

import pytest

from drawbridge.bootstrap import Runtime
from drawbridge.domain.errors import Conflict, Forbidden, Invalid, NotFound
from drawbridge.services import parties, projects
from drawbridge.services.views import Actor
from drawbridge.store.models import AuditEvent
from tests.services.helpers import (
    COMPANY,
    CONTRACT,
    OTHER_COMPANY,
    PERIODS,
    PROJECT,
    ledger_document,
)
from tests.support import admin_actor, load

ADMIN = admin_actor(COMPANY)
OTHER = admin_actor(OTHER_COMPANY)
READER = Actor(user_id=None, company_id=COMPANY, role=ADMIN.role, scopes=frozenset({"data:read"}))


@pytest.fixture
def ledger(runtime: Runtime) -> Runtime:
    load(runtime, ledger_document())
    return runtime


def test_a_project_is_created_read_changed_and_deleted(ledger: Runtime) -> None:
    created = projects.create_project(
        ledger.uow(), ADMIN, {"code": " HQ-2 ", "name": "Second HQ", "number": "P-2"}
    )
    assert (created.code, created.name, created.number) == ("HQ-2", "Second HQ", "P-2")
    assert projects.get_project(ledger.uow(), ADMIN, created.id) == created
    assert created.id in [p.id for p in projects.list_projects(ledger.uow(), ADMIN)]
    assert created.id not in [p.id for p in projects.list_projects(ledger.uow(), OTHER)]

    renamed = projects.update_project(ledger.uow(), ADMIN, created.id, {"name": "HQ two"})
    assert renamed.name == "HQ two"
    with pytest.raises(Invalid, match="code"):
        projects.update_project(ledger.uow(), ADMIN, created.id, {"code": "OTHER"})

    projects.delete_project(ledger.uow(), ADMIN, created.id)
    with pytest.raises(NotFound):
        projects.get_project(ledger.uow(), ADMIN, created.id)
    with ledger.uow() as uow:
        actions = [
            e.action
            for e in uow.session.query(AuditEvent).filter_by(
                entity_type="project", entity_id=created.id
            )
        ]
    assert actions == ["create", "update", "delete"]


def test_project_codes_are_unique_and_input_is_checked(ledger: Runtime) -> None:
    with ledger.uow() as uow:
        existing = uow.repo.project(COMPANY, PROJECT)
        assert existing is not None
        code = existing.code
    with pytest.raises(Conflict, match="code"):
        projects.create_project(ledger.uow(), ADMIN, {"code": code, "name": "Again"})
    with pytest.raises(Invalid, match="name"):
        projects.create_project(ledger.uow(), ADMIN, {"code": "NEW", "name": " "})
    with pytest.raises(Invalid, match="number"):
        projects.create_project(ledger.uow(), ADMIN, {"code": "NEW", "name": "N", "number": 7})
    with pytest.raises(Forbidden):
        projects.create_project(ledger.uow(), READER, {"code": "NEW", "name": "N"})
    assert "NEW" not in [p.code for p in projects.list_projects(ledger.uow(), ADMIN)]


def test_a_project_with_contracts_or_another_companys_is_not_deleted(ledger: Runtime) -> None:
    with pytest.raises(Conflict, match="contract"):
        projects.delete_project(ledger.uow(), ADMIN, PROJECT)
    with pytest.raises(NotFound):
        projects.delete_project(ledger.uow(), OTHER, PROJECT)
    assert projects.get_project(ledger.uow(), ADMIN, PROJECT).id == PROJECT


def test_billing_periods_never_overlap(ledger: Runtime) -> None:
    existing = projects.list_periods(ledger.uow(), ADMIN, PROJECT)
    assert [p.id for p in existing] == list(PERIODS)
    last = existing[-1]
    with pytest.raises(Conflict, match="overlaps"):
        projects.create_period(
            ledger.uow(),
            ADMIN,
            PROJECT,
            {"start_date": last.end_date, "end_date": date(2030, 1, 1)},
        )
    with pytest.raises(Invalid, match="end_date"):
        projects.create_period(
            ledger.uow(),
            ADMIN,
            PROJECT,
            {"start_date": date(2031, 2, 1), "end_date": date(2031, 1, 1)},
        )
    with pytest.raises(Invalid, match="start_date"):
        projects.create_period(ledger.uow(), ADMIN, PROJECT, {"start_date": "2031-01-01"})

    created = projects.create_period(
        ledger.uow(),
        ADMIN,
        PROJECT,
        {"start_date": date(2031, 1, 1), "end_date": date(2031, 1, 31), "due_date": None},
    )
    moved = projects.update_period(ledger.uow(), ADMIN, created.id, {"due_date": date(2031, 2, 10)})
    assert (moved.start_date, moved.end_date, moved.due_date) == (
        date(2031, 1, 1),
        date(2031, 1, 31),
        date(2031, 2, 10),
    )
    with pytest.raises(Conflict, match="overlaps"):
        projects.update_period(ledger.uow(), ADMIN, created.id, {"start_date": last.start_date})
    projects.delete_period(ledger.uow(), ADMIN, created.id)
    assert [p.id for p in projects.list_periods(ledger.uow(), ADMIN, PROJECT)] == list(PERIODS)


def test_a_period_a_pay_application_falls_in_is_kept(ledger: Runtime) -> None:
    from drawbridge.services import pay_apps
    from drawbridge.services.pay_apps import CreatePayApp

    pay_apps.create_pay_app(
        ledger.uow(), ADMIN, CreatePayApp(contract_id=CONTRACT, header={"period_id": PERIODS[0]})
    )
    with pytest.raises(Conflict, match="pay application"):
        projects.delete_period(ledger.uow(), ADMIN, PERIODS[0])


def test_a_party_is_created_changed_and_deleted_when_unused(ledger: Runtime) -> None:
    created = parties.create_party(
        ledger.uow(),
        ADMIN,
        {"kind": "architect", "code": "ARC", "name": "Lines & Co", "city": "Austin"},
    )
    assert (created.kind, created.code, created.city, created.street) == (
        "architect",
        "ARC",
        "Austin",
        None,
    )
    assert created in parties.list_parties(ledger.uow(), ADMIN, "architect")
    assert created not in parties.list_parties(ledger.uow(), ADMIN, "vendor")
    assert created not in parties.list_parties(ledger.uow(), OTHER)
    with pytest.raises(Conflict, match="code"):
        parties.create_party(ledger.uow(), ADMIN, {"kind": "vendor", "code": "ARC", "name": "X"})
    with pytest.raises(Invalid, match="kind"):
        parties.create_party(ledger.uow(), ADMIN, {"kind": "owner", "code": "O", "name": "X"})
    with pytest.raises(Invalid, match="country_code"):
        parties.update_party(ledger.uow(), ADMIN, created.id, {"country_code": "USA"})
    with pytest.raises(Invalid, match="kind"):
        parties.update_party(ledger.uow(), ADMIN, created.id, {"kind": "vendor"})
    changed = parties.update_party(ledger.uow(), ADMIN, created.id, {"country_code": "US"})
    assert changed.country_code == "US"
    with pytest.raises(NotFound):
        parties.delete_party(ledger.uow(), OTHER, created.id)
    parties.delete_party(ledger.uow(), ADMIN, created.id)
    assert created.id not in [p.id for p in parties.list_parties(ledger.uow(), ADMIN)]


def test_a_party_a_contract_names_is_not_deleted(ledger: Runtime) -> None:
    with ledger.uow() as uow:
        contract = uow.repo.contract(COMPANY, CONTRACT)
        assert contract is not None
        party_id = contract.party_id
    with pytest.raises(Conflict, match="contract"):
        parties.delete_party(ledger.uow(), ADMIN, party_id)
    assert parties.get_party(ledger.uow(), ADMIN, party_id).id == party_id
