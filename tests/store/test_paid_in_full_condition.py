"""The paid-in-full condition the database evaluates (``paid_in_full_condition``, which pages
ACC's approved and paid applications in SQL) answers what ``rollups.is_paid`` answers, on every
status and every position of payments against what is due."""

from __future__ import annotations

import itertools

from sqlalchemy import BigInteger, String, literal, select

from drawbridge.bootstrap import Runtime
from drawbridge.domain.rollups import is_paid, payment_position
from drawbridge.domain.rules import PayAppStatus
from drawbridge.store.repositories import paid_in_full_condition

DUES = (0, 1000, -200)
PAID = (0, 1, 999, 1000, 1001, -5)
WRITTEN_OFF = (0, 1, 300)


def test_the_condition_is_the_rule(runtime: Runtime) -> None:
    cases = list(itertools.product(PayAppStatus, DUES, PAID, WRITTEN_OFF))
    with runtime.engine.connect() as connection:
        for status, due, paid, written_off in cases:
            answer = connection.scalar(
                select(
                    paid_in_full_condition(
                        literal(status.value, String),
                        literal(due, BigInteger),
                        literal(written_off, BigInteger),
                        literal(paid, BigInteger),
                    )
                )
            )
            rule = is_paid(status, payment_position(due, [paid], written_off))
            assert bool(answer) == rule, (status, due, paid, written_off)
    assert any(is_paid(s, payment_position(d, [p], w)) for s, d, p, w in cases)
