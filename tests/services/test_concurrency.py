"""Many writers on one contract at once: gapless numbers, unique origin_ids, clean conflicts,
and payments that cannot together over-pay.

Each thread has its own unit of work (its own connection and transaction). PostgreSQL serializes
the writers of a contract with ``SELECT ... FOR UPDATE`` on the contract row, SQLite with
``BEGIN IMMEDIATE``. Every call must end in success or a clean ``Conflict``: anything else, or a
thread still running at the deadline (a deadlock), fails the test.
"""

from __future__ import annotations

import threading
from collections import Counter
from dataclasses import dataclass, field

import pytest
from sqlalchemy import select

from drawbridge.bootstrap import Runtime
from drawbridge.domain.errors import Conflict, Invalid
from drawbridge.domain.rules import PayAppStatus
from drawbridge.services import pay_apps, payments
from drawbridge.services.pay_apps import CreatePayApp, LineInput
from drawbridge.services.payments import RecordPayment
from drawbridge.store.models import PayApp, Payment
from tests.services.helpers import COMPANY, CONTRACT, LINES, assert_no_drift, ledger_document, sov
from tests.support import admin_actor, load

ACTOR = admin_actor(COMPANY)
DEADLINE_SECONDS = 120


@dataclass
class Outcomes:
    lock: threading.Lock = field(default_factory=threading.Lock)
    created: list[int] = field(default_factory=list)  # pay app numbers
    paid: list[int] = field(default_factory=list)  # payment amounts that succeeded
    conflicts: Counter[str] = field(default_factory=Counter)
    errors: list[BaseException] = field(default_factory=list)


def worker(runtime: Runtime, index: int, start: threading.Barrier, out: Outcomes) -> None:
    """Create a pay app; some threads pay it; a few race for one duplicate origin_id."""
    try:
        start.wait()
        duplicate = index % 5 == 0
        origin = "APP-DUP" if duplicate else f"APP-{index}"
        # Submitted, so it can be paid; 1,000.00 + index cents of work, 10 % retained, so the
        # payment below (10.00 + index cents) always fits its line 8.
        command = CreatePayApp(
            contract_id=CONTRACT,
            status=PayAppStatus.UNDER_REVIEW,
            header={"origin_id": origin},
            lines=[LineInput(ref=sov(LINES[2]), work_completed_this_period=100_000 + index)],
        )
        try:
            view = pay_apps.create_pay_app(runtime.uow(), ACTOR, command)
        except Conflict:
            with out.lock:
                out.conflicts["pay_app"] += 1
            pay_app_id = None
        else:
            pay_app_id = view.id
            with out.lock:
                out.created.append(view.number)
        if index % 2 == 0 or duplicate:
            amount = 1_000 + index
            values = {
                "amount_cents": amount,
                "pay_app_id": pay_app_id,
                "origin_id": "PAY-DUP" if duplicate else f"PAY-{index}",
            }
            try:
                payments.record_payment(
                    runtime.uow(), ACTOR, RecordPayment(contract_id=CONTRACT, values=values)
                )
            except Conflict:
                with out.lock:
                    out.conflicts["payment"] += 1
            else:
                with out.lock:
                    out.paid.append(amount)
    except BaseException as error:  # anything but success or Conflict fails the test
        with out.lock:
            out.errors.append(error)


def hammer(runtime: Runtime, threads: int) -> Outcomes:
    load(runtime, ledger_document())
    out = Outcomes()
    start = threading.Barrier(threads)
    pool = [
        threading.Thread(target=worker, args=(runtime, i, start, out), daemon=True)
        for i in range(threads)
    ]
    for thread in pool:
        thread.start()
    for thread in pool:
        thread.join(timeout=DEADLINE_SECONDS)
    stuck = [thread.name for thread in pool if thread.is_alive()]
    assert not stuck, f"threads still running after {DEADLINE_SECONDS}s (deadlock?): {stuck}"
    assert not out.errors, out.errors

    duplicates = len([i for i in range(threads) if i % 5 == 0])
    assert out.conflicts["pay_app"] == duplicates - 1
    assert out.conflicts["payment"] == duplicates - 1
    assert len(out.created) == threads - (duplicates - 1)

    with runtime.uow(read_only=True) as uow:
        numbers = uow.session.scalars(
            select(PayApp.number).where(PayApp.contract_id == CONTRACT).order_by(PayApp.number)
        ).all()
        app_origins = uow.session.scalars(select(PayApp.origin_id)).all()
        stored = uow.session.execute(select(Payment.origin_id, Payment.amount_cents)).all()
    assert list(numbers) == list(range(1, len(out.created) + 1))
    assert sorted(out.created) == list(numbers)
    assert len(set(app_origins)) == len(app_origins)
    assert app_origins.count("APP-DUP") == 1
    origins = [origin for origin, _ in stored]
    assert len(set(origins)) == len(origins)
    assert origins.count("PAY-DUP") == 1
    assert sum(amount for _, amount in stored) == sum(out.paid)
    assert len(stored) == len(out.paid)
    assert_no_drift(runtime, CONTRACT)
    return out


@pytest.mark.postgres
@pytest.mark.slow
def test_twenty_writers_on_one_contract_postgres(runtime: Runtime) -> None:
    out = hammer(runtime, 20)
    assert len(out.created) == 20 - 3


def test_eight_writers_on_one_contract(runtime: Runtime) -> None:
    out = hammer(runtime, 8)
    assert len(out.created) == 8 - 1


def test_concurrent_payments_cannot_together_over_pay(runtime: Runtime) -> None:
    """Eight payments of 3,000.00 race for a pay application with 9,000.00 due: the contract
    lock makes each see the ones before it, so exactly three fit and the rest are refused."""
    load(runtime, ledger_document())
    # 10,000.00 of work on line 1, 10 % retained: line 8 = 9,000.00.
    app = pay_apps.create_pay_app(
        runtime.uow(),
        ACTOR,
        CreatePayApp(
            contract_id=CONTRACT,
            status=PayAppStatus.APPROVED,
            lines=[LineInput(ref=sov(LINES[0]), work_completed_this_period=1_000_000)],
        ),
    )
    assert app.summary.current_payment_due == 900_000
    threads = 8
    start = threading.Barrier(threads)
    out = Outcomes()

    def pay() -> None:
        try:
            start.wait()
            values = {"amount_cents": 300_000, "pay_app_id": app.id}
            payments.record_payment(
                runtime.uow(), ACTOR, RecordPayment(contract_id=CONTRACT, values=values)
            )
        except Invalid as refused:
            with out.lock:
                out.conflicts[refused.code] += 1
        except BaseException as error:  # anything but success or the over-payment refusal
            with out.lock:
                out.errors.append(error)
        else:
            with out.lock:
                out.paid.append(300_000)

    pool = [threading.Thread(target=pay, daemon=True) for _ in range(threads)]
    for thread in pool:
        thread.start()
    for thread in pool:
        thread.join(timeout=DEADLINE_SECONDS)
    assert not [thread for thread in pool if thread.is_alive()], "deadlock?"
    assert not out.errors, out.errors
    assert out.paid == [300_000] * 3
    assert out.conflicts == Counter({"overpayment": threads - 3})
    with runtime.uow(read_only=True) as uow:
        stored = uow.session.scalars(select(Payment.amount_cents)).all()
    assert sorted(stored) == [300_000] * 3  # 9,000.00 paid: exactly line 8, never more
