"""An edit of one application recomputes only the later lines that can change, taking the
others as stored (the engine's StoredFigures): after random edits on contracts with stored
materials (kept or moved to previous), change-order lines that add and deduct, per-line
retainage percents, releases and percent-complete entries, every stored figure still equals a
fresh ``compute_chain`` over every stored input, and only lines whose figures change are
written."""

from __future__ import annotations

import contextlib
import copy
import random
from decimal import Decimal
from typing import Any

import pytest

from drawbridge.bootstrap import Runtime
from drawbridge.domain.billing import LineRef
from drawbridge.domain.errors import LedgerError
from drawbridge.services import pay_apps
from drawbridge.services.pay_apps import CreatePayApp, LineInput, UpdatePayApp
from tests.services.helpers import (
    CO_APPROVED,
    CO_APPROVED_ITEM,
    CO_LATE,
    CO_LATE_ITEM,
    COMPANY,
    CONTRACT,
    LINES,
    assert_no_drift,
    co,
    executed_statements,
    ledger_document,
    sov,
)
from tests.support import admin_actor, load

ADMIN = admin_actor(COMPANY)
SCHEDULED = {
    sov(LINES[0]): 1_000_000,
    sov(LINES[1]): 2_000_000,
    sov(LINES[2]): 3_000_000,
    co(CO_APPROVED_ITEM): 500_000,
    co(CO_LATE_ITEM): -200_000,
}
APPS = 6


def _document(mode: str, method: str) -> dict[str, Any]:
    document = copy.deepcopy(ledger_document(allow_overbilling=True))
    contract = document["companies"][0]["projects"][0]["contracts"][0]
    assert contract["id"] == CONTRACT
    contract["stored_materials"] = mode
    contract["retainage"] = {
        "method": method,
        "work_percent": "10",
        "materials_percent": "5",
        "steps": [{"at_percent_complete": "50", "work_percent": "5", "materials_percent": "5"}],
    }
    return document


def _random_line(rng: random.Random, ref: LineRef, *, release: bool = True) -> LineInput:
    value = SCHEDULED[ref]
    sign = -1 if value < 0 else 1
    if rng.random() < 0.15:
        return LineInput(ref=ref, percent_complete=Decimal(rng.choice([10, 35, 60])))
    return LineInput(
        ref=ref,
        work_completed_this_period=rng.choice([0, sign * rng.randrange(0, abs(value) // 8)]),
        materials_presently_stored=rng.choice([None, 0, sign * rng.randrange(0, abs(value) // 10)]),
        work_retainage_percent=rng.choice([None, None, Decimal("7.5"), Decimal("10.0")]),
        materials_retainage_percent=rng.choice([None, None, Decimal("0")]),
        work_retainage_released=rng.choice([None, None, None, sign * 100]) if release else None,
    )


@pytest.mark.parametrize("mode", ["manual", "move_to_previous"])
@pytest.mark.parametrize("method", ["cumulative", "incremental"])
@pytest.mark.parametrize("seed", range(3))
def test_edits_with_change_orders_keep_the_stored_figures_exact(
    runtime: Runtime, mode: str, method: str, seed: int
) -> None:
    load(runtime, _document(mode, method))
    rng = random.Random(seed)
    ids = []
    for number in range(1, APPS + 1):
        refs = [sov(line) for line in LINES]
        command = CreatePayApp(
            contract_id=CONTRACT, lines=[_random_line(rng, ref, release=False) for ref in refs]
        )
        ids.append(pay_apps.create_pay_app(runtime.uow(), ADMIN, command).id)
        if number == 2:
            # Both packages billed from application 2 on: a line that adds, one that deducts.
            for package in (CO_APPROVED, CO_LATE):
                with contextlib.suppress(LedgerError):  # already billed by the create
                    pay_apps.add_change_order_package(runtime.uow(), ADMIN, ids[-1], package)
    assert assert_no_drift(runtime, CONTRACT) == APPS
    lines_of = {
        pay_app_id: [
            line.figures.ref
            for line in pay_apps.get_pay_app(runtime.uow(), ADMIN, pay_app_id).g703_lines
        ]
        for pay_app_id in ids
    }
    assert co(CO_LATE_ITEM) in lines_of[ids[-1]]
    assert co(CO_APPROVED_ITEM) in lines_of[ids[-1]]

    for step in range(10):
        index = rng.randrange(APPS)
        refs = lines_of[ids[index]]
        edit = [_random_line(rng, ref) for ref in rng.sample(refs, rng.randint(1, 2))]
        command = UpdatePayApp(pay_app_id=ids[index], lines=edit, header={"note": str(step)})
        # A release larger than what is held, say, is refused and changes nothing.
        with contextlib.suppress(LedgerError):
            pay_apps.update_pay_app(runtime.uow(), ADMIN, command)
        assert assert_no_drift(runtime, CONTRACT) == APPS


def test_an_edit_of_one_line_writes_that_line_on_the_later_applications_only(
    runtime: Runtime,
) -> None:
    load(runtime, _document("manual", "cumulative"))
    ids = [
        pay_apps.create_pay_app(
            runtime.uow(),
            ADMIN,
            CreatePayApp(
                contract_id=CONTRACT,
                lines=[
                    LineInput(ref=sov(line), work_completed_this_period=10_000) for line in LINES
                ],
            ),
        ).id
        for _ in range(5)
    ]
    with executed_statements(runtime) as statements:
        pay_apps.update_pay_app(
            runtime.uow(),
            ADMIN,
            UpdatePayApp(
                pay_app_id=ids[0],
                lines=[LineInput(ref=sov(LINES[0]), work_completed_this_period=20_000)],
            ),
        )
    written = [
        parameters
        for statement, parameters in statements
        if statement.startswith("UPDATE pay_app_lines SET work_completed_this_period_cents")
    ]
    # Line 1's work to date moves on every application; the other lines' figures do not.
    assert len(written) == 1
    assert len(written[0]) == 5
    assert assert_no_drift(runtime, CONTRACT) == 5
