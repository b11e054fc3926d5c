"""A write recomputes only what it changes, and the stored figures still equal a fresh
``compute_chain`` over every stored input after any sequence of edits.

An edit to one application stops recomputing at the first later application that comes out as
stored (with the same retainage step reached); these random edits, on contracts with retainage
steps, releases and stored materials, check that stopping there never leaves a figure behind.
"""

from __future__ import annotations

import contextlib
import copy
import random
from decimal import Decimal
from typing import Any

import pytest

from drawbridge.bootstrap import Runtime
from drawbridge.domain.errors import Invalid
from drawbridge.services import pay_apps
from drawbridge.services.pay_apps import CreatePayApp, LineInput, UpdatePayApp
from tests.services.helpers import (
    COMPANY,
    CONTRACT,
    LINES,
    assert_no_drift,
    executed_statements,
    ids_named,
    ledger_document,
    sov,
)
from tests.support import admin_actor, load

ADMIN = admin_actor(COMPANY)
SCHEDULED = {LINES[0]: 1_000_000, LINES[1]: 2_000_000, LINES[2]: 3_000_000}


def _document(method: str) -> dict[str, Any]:
    document = copy.deepcopy(ledger_document(allow_overbilling=True))
    contract = document["companies"][0]["projects"][0]["contracts"][0]
    assert contract["id"] == CONTRACT
    contract["retainage"] = {
        "method": method,
        "work_percent": "10",
        "materials_percent": "10",
        "steps": [{"at_percent_complete": "40", "work_percent": "5", "materials_percent": "5"}],
    }
    return document


def _random_line(rng: random.Random, line_id: int) -> LineInput:
    # Percentages given on the line make it independent of the contract's rate, and stored
    # materials move the percent complete without billing work: edits that move the step
    # reached while a later application's figures stay as they were.
    return LineInput(
        ref=sov(line_id),
        work_completed_this_period=rng.choice([0, rng.randrange(0, SCHEDULED[line_id] // 6)]),
        materials_presently_stored=rng.choice([None, 0, rng.randrange(0, SCHEDULED[line_id] // 2)]),
        work_retainage_percent=rng.choice([None, None, Decimal("7.5"), Decimal("0")]),
        materials_retainage_percent=rng.choice([None, Decimal("0")]),
    )


def _random_edit(rng: random.Random, number_of_apps: int) -> tuple[int, UpdatePayApp | None]:
    """(index of the application, what to change); None: a change of its note only."""
    index = rng.randrange(number_of_apps)
    if rng.random() < 0.3:
        return index, None
    lines = [_random_line(rng, line_id) for line_id in rng.sample(LINES, rng.randint(1, 3))]
    return index, UpdatePayApp(pay_app_id=0, lines=lines)


@pytest.mark.parametrize("method", ["cumulative", "incremental"])
@pytest.mark.parametrize("seed", range(8))
def test_stored_figures_equal_a_fresh_compute_after_random_edits(
    runtime: Runtime, method: str, seed: int
) -> None:
    load(runtime, _document(method))
    rng = random.Random(seed)
    ids = []
    for _ in range(7):
        lines = [_random_line(rng, line_id) for line_id in LINES]
        command = CreatePayApp(contract_id=CONTRACT, lines=lines)
        ids.append(pay_apps.create_pay_app(runtime.uow(), ADMIN, command).id)
    assert assert_no_drift(runtime, CONTRACT) == 7

    for step in range(12):
        index, edit = _random_edit(rng, len(ids))
        command = (
            UpdatePayApp(pay_app_id=ids[index], header={"note": f"edit {step}"})
            if edit is None
            else UpdatePayApp(pay_app_id=ids[index], lines=edit.lines)
        )
        # A release larger than what is held, say, is refused and changes nothing.
        with contextlib.suppress(Invalid):
            pay_apps.update_pay_app(runtime.uow(), ADMIN, command)
        assert assert_no_drift(runtime, CONTRACT) == 7


def test_an_edit_that_changes_no_figure_stops_at_the_next_application(runtime: Runtime) -> None:
    load(runtime, _document("cumulative"))
    rng = random.Random(7)
    ids = [
        pay_apps.create_pay_app(
            runtime.uow(),
            ADMIN,
            CreatePayApp(
                contract_id=CONTRACT, lines=[_random_line(rng, line_id) for line_id in LINES]
            ),
        ).id
        for _ in range(12)
    ]
    with executed_statements(runtime) as statements:
        pay_apps.update_pay_app(
            runtime.uow(), ADMIN, UpdatePayApp(pay_app_id=ids[0], header={"note": "checked"})
        )
    lines_read = {
        pay_app_id
        for statement, parameters in statements
        if statement.startswith("SELECT pay_app_lines.")
        for pay_app_id in ids_named(statement, parameters)
    }
    line_writes = [s for s, _ in statements if s.startswith("UPDATE pay_app_lines")]
    # Applications 1 and 2 come out as stored: the other ten are neither read nor written.
    assert lines_read == {ids[0], ids[1]}
    assert line_writes == []
    assert assert_no_drift(runtime, CONTRACT) == 12


def test_an_edit_that_moves_the_retainage_step_reaches_the_later_applications(
    runtime: Runtime,
) -> None:
    """An edit of application 1 that moves the retainage step (40 % complete, reached through
    stored materials) changes nothing billed on application 2, yet application 3 bills at the
    contract's rate, which the step changes: the recompute goes on to it."""
    load(runtime, _document("cumulative"))

    def line(line_id: int, **values: Any) -> LineInput:
        return LineInput(ref=sov(line_id), **values)

    no_rate = {"work_retainage_percent": Decimal("7.5"), "materials_retainage_percent": Decimal(0)}
    first = pay_apps.create_pay_app(
        runtime.uow(),
        ADMIN,
        CreatePayApp(
            contract_id=CONTRACT,
            lines=[
                line(LINES[0], work_completed_this_period=100_000, **no_rate),
                line(LINES[2], **no_rate),
            ],
        ),
    )
    pay_apps.create_pay_app(
        runtime.uow(),
        ADMIN,
        CreatePayApp(contract_id=CONTRACT, lines=[line(LINES[2], materials_presently_stored=0)]),
    )
    third = pay_apps.create_pay_app(
        runtime.uow(),
        ADMIN,
        CreatePayApp(
            contract_id=CONTRACT,
            lines=[
                line(LINES[1], work_completed_this_period=50_000),
                line(LINES[2], materials_presently_stored=0),
            ],
        ),
    )
    # 7.5 % of 100,000 on line 1, the contract's 10 % of 50,000 on line 2: no step reached yet.
    assert third.summary.total_retainage == 12_500

    pay_apps.update_pay_app(
        runtime.uow(),
        ADMIN,
        UpdatePayApp(
            pay_app_id=first.id, lines=[line(LINES[2], materials_presently_stored=2_500_000)]
        ),
    )
    assert assert_no_drift(runtime, CONTRACT) == 3
    after = pay_apps.get_pay_app(runtime.uow(), ADMIN, third.id)
    assert after.summary.total_retainage == 10_000  # line 2 at 5 %: the step application 1 reached
