"""The unit of work: constraint violations become ledger errors, blocks nest, rollback is total."""

from __future__ import annotations

import pytest

from drawbridge.bootstrap import Runtime
from drawbridge.domain.errors import Conflict, Invalid
from drawbridge.store.models import Company, Party


def _company(runtime: Runtime) -> None:
    with runtime.uow() as uow:
        uow.repo.add(Company(id=1, name="Acme", base_currency="USD"))
        uow.commit()


def test_a_unique_violation_is_a_conflict(runtime: Runtime) -> None:
    _company(runtime)
    with runtime.uow() as uow:
        uow.repo.add(Party(company_id=1, code="ERNIE", name="Ernie", kind="vendor"))
        uow.repo.add(Party(company_id=1, code="ERNIE", name="Ernie again", kind="vendor"))
        with pytest.raises(Conflict):
            uow.commit()


def test_a_broken_check_constraint_is_invalid_not_a_conflict(runtime: Runtime) -> None:
    _company(runtime)
    with runtime.uow() as uow:
        uow.repo.add(Party(company_id=1, code="X", name="X", kind="landlord"))
        with pytest.raises(Invalid, match="breaks a ledger rule"):
            uow.flush()


def _outer_use_case_that_fails_after_an_inner_commit(runtime: Runtime) -> None:
    uow = runtime.uow()
    with uow:
        uow.repo.add(Company(id=1, name="Acme", base_currency="USD"))
        with uow:
            uow.repo.add(Company(id=2, name="Beta", base_currency="USD"))
            uow.commit()  # joins the outer transaction: nothing is committed yet
        raise RuntimeError("the outer use case fails after the inner one 'committed'")


def test_nested_blocks_commit_once_and_roll_back_together(runtime: Runtime) -> None:
    with pytest.raises(RuntimeError):
        _outer_use_case_that_fails_after_an_inner_commit(runtime)
    with runtime.uow() as check:
        assert check.repo.companies() == []
