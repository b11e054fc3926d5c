"""The running totals of payments against pay applications (``pay_app_payment_totals``, kept by
triggers on ``payments``) equal a fresh count and sum of the payments after any mix of writes:
through the services, and straight in SQL as a bulk load or a cascade would write."""

from __future__ import annotations

import random
from decimal import Decimal
from typing import Any

from sqlalchemy import Connection, text

from drawbridge.bootstrap import Runtime
from drawbridge.services import payments
from drawbridge.services.payments import PaymentFilter
from tests.support import admin_actor

RECOMPUTE = """
SELECT company_id, contract_id, exchange_rate, count(*), sum(amount_cents)
FROM payments WHERE pay_app_id IS NOT NULL
GROUP BY company_id, contract_id, exchange_rate
"""
KEPT = """
SELECT company_id, contract_id, exchange_rate, payment_count, amount_cents
FROM pay_app_payment_totals WHERE payment_count <> 0 OR amount_cents <> 0
"""


def totals(connection: Connection, query: str) -> set[tuple[Any, ...]]:
    return {
        (company, contract, Decimal(rate), int(count), int(amount))
        for company, contract, rate, count, amount in connection.execute(text(query))
    }


def assert_kept_equals_recompute(runtime: Runtime) -> None:
    with runtime.engine.connect() as connection:
        recomputed = totals(connection, RECOMPUTE)
        assert recomputed
        assert totals(connection, KEPT) == recomputed


def unconverted_sum(runtime: Runtime, company_id: int) -> tuple[int, int]:
    listed = payments.list_payments(
        runtime.uow(read_only=True), admin_actor(company_id), PaymentFilter(on_pay_app=True)
    ).items
    return len(listed), sum(payment.amount for payment in listed)


def test_kept_totals_follow_service_writes(demo: Runtime) -> None:
    assert_kept_equals_recompute(demo)  # the fixture's payments, recorded by the services
    actor = admin_actor()
    recorded = payments.list_payments(
        demo.uow(read_only=True), actor, PaymentFilter(on_pay_app=True)
    ).items
    first, second = recorded[0], recorded[1]
    payments.update_payment(demo.uow(), actor, first.id, {"amount_cents": first.amount - 1})
    assert_kept_equals_recompute(demo)
    payments.update_payment(demo.uow(), actor, second.id, {"pay_app_id": None})
    assert_kept_equals_recompute(demo)
    payments.delete_payment(demo.uow(), actor, recorded[2].id)
    assert_kept_equals_recompute(demo)

    figures = payments.payment_totals(
        demo.uow(read_only=True), actor, PaymentFilter(on_pay_app=True)
    )
    assert (figures.count, figures.amount) == unconverted_sum(demo, actor.company_id)


def test_kept_totals_follow_random_sql_writes(demo: Runtime) -> None:
    """Inserts, updates of every watched column and deletes, in random order, as statements of
    many rows at once."""
    chance = random.Random(20261129)
    with demo.engine.begin() as connection:
        rows = connection.execute(
            text("SELECT id, pay_app_id FROM payments WHERE pay_app_id IS NOT NULL ORDER BY id")
        ).all()
        pay_app_ids = sorted({pay_app_id for _, pay_app_id in rows})
        next_id = connection.scalar(text("SELECT max(id) FROM payments")) + 1
        for step in range(60):
            ids = [row_id for (row_id,) in connection.execute(text("SELECT id FROM payments"))]
            chosen = chance.sample(ids, min(len(ids), chance.randint(1, 3)))
            action = chance.choice(["copy", "amount", "rate", "detach", "attach", "delete"])
            for payment_id in chosen:
                if action == "copy":
                    connection.execute(
                        text(
                            "INSERT INTO payments (id, company_id, project_id, contract_id,"
                            " pay_app_id, uuid, amount_cents, date, currency, exchange_rate,"
                            " check_number, created_at, updated_at)"
                            " SELECT :new_id, company_id, project_id, contract_id, pay_app_id,"
                            " :uuid, amount_cents + :extra, date, currency, exchange_rate,"
                            " :check, created_at, updated_at FROM payments WHERE id = :id"
                        ),
                        {
                            "new_id": next_id,
                            "uuid": f"00000000-0000-4000-8000-{next_id:012d}",
                            "extra": chance.randint(0, 500),
                            "check": f"copy-{next_id}",
                            "id": payment_id,
                        },
                    )
                    next_id += 1
                elif action == "amount":
                    connection.execute(
                        text("UPDATE payments SET amount_cents = :cents WHERE id = :id"),
                        {"cents": chance.randint(1, 10**9), "id": payment_id},
                    )
                elif action == "rate":
                    rate = chance.choice(["1", "1.25", "0.8"])
                    connection.execute(
                        text("UPDATE payments SET exchange_rate = :rate WHERE id = :id"),
                        {"rate": rate, "id": payment_id},
                    )
                elif action == "detach":
                    connection.execute(
                        text("UPDATE payments SET pay_app_id = NULL WHERE id = :id"),
                        {"id": payment_id},
                    )
                elif action == "attach":
                    connection.execute(
                        text(
                            "UPDATE payments SET pay_app_id = :pay_app, check_number = NULL"
                            " WHERE id = :id"
                        ),
                        {"pay_app": chance.choice(pay_app_ids), "id": payment_id},
                    )
                else:
                    connection.execute(
                        text("DELETE FROM attachments WHERE payment_id = :id"), {"id": payment_id}
                    )
                    connection.execute(
                        text("DELETE FROM payments WHERE id = :id"), {"id": payment_id}
                    )
            # Several rows in one statement, too.
            if step % 10 == 9:
                connection.execute(
                    text("UPDATE payments SET amount_cents = amount_cents + 1 WHERE id % 2 = 0")
                )
    assert_kept_equals_recompute(demo)
