"""An edit computes the chain before it takes the write lock, and stores that computation only
if the company's ledger has not moved since: a write landing in between makes it compute again.

The concurrent write is made to land exactly between the edit's read and its write by running it
from inside the edit's computation step, on a unit of work of its own (its own connection and
transaction), as another request or worker would.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import pytest
from sqlalchemy import event

from drawbridge.bootstrap import Runtime
from drawbridge.domain.errors import Invalid
from drawbridge.services import chain, pay_apps
from drawbridge.services.pay_apps import CreatePayApp, LineInput, UpdatePayApp
from drawbridge.services.views import PayAppView
from drawbridge.store.database import READ_ONLY
from drawbridge.store.uow import UnitOfWork
from tests.services.helpers import CONTRACT, LINES, assert_no_drift, ids_named, ledger_document, sov
from tests.support import admin_actor, load

ADMIN = admin_actor()


def _chain_of(runtime: Runtime, apps: int) -> list[int]:
    load(runtime, ledger_document(allow_overbilling=True))
    return [
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
        for _ in range(apps)
    ]


def _bill_work(uow: UnitOfWork, pay_app_id: int, line_id: int, work: int) -> PayAppView:
    """An admin's edit of one SOV line's work this period."""
    return pay_apps.update_pay_app(
        uow,
        ADMIN,
        UpdatePayApp(
            pay_app_id=pay_app_id,
            lines=[LineInput(ref=sov(line_id), work_completed_this_period=work)],
        ),
    )


def _figures(runtime: Runtime, pay_app_id: int) -> tuple[int, int]:
    view = pay_apps.get_pay_app(runtime.uow(read_only=True), ADMIN, pay_app_id)
    return view.summary.total_completed_and_stored_to_date, view.summary.current_payment_due


def _computing_with(
    monkeypatch: pytest.MonkeyPatch, between: Callable[[int], None]
) -> list[chain.ComputedChain]:
    """Each computation of an edit, with ``between(attempt)`` run after it, before the write
    (the writes ``between`` makes compute as usual and are not counted)."""
    computed: list[chain.ComputedChain] = []
    compute = pay_apps._compute_update
    landing: list[bool] = []

    def compute_then_let_another_write_land(
        reader: UnitOfWork, actor: Any, command: UpdatePayApp
    ) -> chain.ComputedChain:
        result = compute(reader, actor, command)
        if landing:  # the other write's own computation
            return result
        computed.append(result)
        landing.append(True)
        try:
            between(len(computed))
        finally:
            landing.clear()
        return result

    monkeypatch.setattr(pay_apps, "_compute_update", compute_then_let_another_write_land)
    return computed


def test_a_write_between_the_read_and_the_write_makes_the_edit_compute_again(
    runtime: Runtime, monkeypatch: pytest.MonkeyPatch
) -> None:
    ids = _chain_of(runtime, 4)
    completed_before = _figures(runtime, ids[3])[0]

    def raise_application_3(attempt: int) -> None:
        if attempt == 1:  # another client bills more work on application 3, and commits
            _bill_work(runtime.uow(), ids[2], LINES[0], 50_000)

    computed = _computing_with(monkeypatch, raise_application_3)
    _bill_work(runtime.uow(), ids[0], LINES[1], 30_000)

    # The first computation read application 3 before its new work: storing it would have
    # undone that work in application 3's and 4's figures. The edit computed again instead.
    assert len(computed) == 2
    assert computed[1].version != computed[0].version
    assert computed[0].changes.summaries != computed[1].changes.summaries
    assert assert_no_drift(runtime, CONTRACT) == 4
    # Both changes are in application 4's work to date: +20,000 on app 1, +40,000 on app 3.
    assert _figures(runtime, ids[3])[0] == completed_before + 20_000 + 40_000


def test_a_ledger_that_keeps_moving_is_computed_under_the_lock(
    runtime: Runtime, monkeypatch: pytest.MonkeyPatch
) -> None:
    ids = _chain_of(runtime, 3)

    def another_write_each_time(attempt: int) -> None:
        _bill_work(runtime.uow(), ids[1], LINES[2], 10_000 + attempt)

    computed = _computing_with(monkeypatch, another_write_each_time)
    view = _bill_work(runtime.uow(), ids[0], LINES[0], 25_000)

    # Every attempt was overtaken; the last word is a computation under the write lock.
    assert len(computed) == chain.COMPUTE_ATTEMPTS
    assert view.summary.work_completed_this_period == 25_000 + 2 * 10_000
    assert assert_no_drift(runtime, CONTRACT) == 3


def test_the_computation_runs_outside_the_write_transaction(runtime: Runtime) -> None:
    ids = _chain_of(runtime, 5)
    transactions: list[bool] = []  # read-only, per transaction begun
    lines_read: dict[bool, set[int]] = {True: set(), False: set()}  # by read-only

    def begin(connection: Any) -> None:
        transactions.append(bool(connection.get_execution_options().get(READ_ONLY)))

    def statement(connection: Any, _cursor: Any, text: str, parameters: Any, *_: Any) -> None:
        if text.lstrip().startswith("SELECT pay_app_lines."):
            read_only = bool(connection.get_execution_options().get(READ_ONLY))
            lines_read[read_only] |= ids_named(text, parameters)

    event.listen(runtime.engine, "begin", begin)
    event.listen(runtime.engine, "before_cursor_execute", statement)
    try:
        _bill_work(runtime.uow(), ids[0], LINES[0], 20_000)
    finally:
        event.remove(runtime.engine, "begin", begin)
        event.remove(runtime.engine, "before_cursor_execute", statement)
    # One read-only transaction computes, then one write transaction stores.
    assert transactions == [True, False]
    # Every later application's lines are read by the computation; the write reads only the
    # edited application's (its inputs, its audit record and its answer).
    assert set(ids) <= lines_read[True]
    assert lines_read[False] & set(ids) == {ids[0]}
    assert assert_no_drift(runtime, CONTRACT) == 5


def test_an_edit_inside_an_open_transaction_computes_under_its_lock(
    runtime: Runtime, monkeypatch: pytest.MonkeyPatch
) -> None:
    ids = _chain_of(runtime, 3)
    computed = _computing_with(monkeypatch, lambda _attempt: None)
    uow = runtime.uow()
    with uow:
        # A snapshot would not see what the open transaction changed: no computation before.
        _bill_work(uow, ids[1], LINES[0], 15_000)
        _bill_work(uow, ids[0], LINES[0], 12_000)
        uow.commit()
    assert computed == []
    assert assert_no_drift(runtime, CONTRACT) == 3
    assert _figures(runtime, ids[2])[0] == 3 * 3 * 10_000 + 5_000 + 2_000


def test_a_refusal_found_by_the_computation_is_the_write_s_own(runtime: Runtime) -> None:
    ids = _chain_of(runtime, 2)
    before = _figures(runtime, ids[1])
    # A line the application does not have: the same answer as a write computing under its lock.
    with pytest.raises(Invalid, match="no sov line 999"):
        _bill_work(runtime.uow(), ids[0], 999, 1)
    assert _figures(runtime, ids[1]) == before
    assert assert_no_drift(runtime, CONTRACT) == 2
