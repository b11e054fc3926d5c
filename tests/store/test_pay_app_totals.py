"""The running totals of each contract's pay applications (``contract_pay_app_totals``: count,
amounts due, written off, advances and recoupments, kept by triggers on ``pay_apps``) equal a
fresh count and sum of the applications after any mix of
writes: through the services, and straight in SQL as a bulk load or a cascade would write.
(Every chain test's ``assert_no_drift`` checks them after service edits, too.)"""

from __future__ import annotations

import random
from typing import Any

from sqlalchemy import Connection, text

from drawbridge.bootstrap import Runtime
from drawbridge.cli import demo_fixture_text
from drawbridge.services import fixtures, pay_apps
from tests.support import admin_actor

SUMMED = (
    "current_payment_due_cents",
    "written_off_cents",
    "advance_amount_cents",
    "recoupment_amount_cents",
)
RECOMPUTE = f"""
SELECT company_id, contract_id, count(*), {", ".join(f"sum({name})" for name in SUMMED)}
FROM pay_apps GROUP BY company_id, contract_id
"""
KEPT = f"""
SELECT company_id, contract_id, pay_app_count, {", ".join(SUMMED)}
FROM contract_pay_app_totals
WHERE pay_app_count <> 0 OR {" OR ".join(f"{name} <> 0" for name in SUMMED)}
"""


def totals(connection: Connection, query: str) -> set[tuple[int, ...]]:
    return {tuple(int(value) for value in row) for row in connection.execute(text(query))}


def assert_kept_equals_recompute(runtime: Runtime) -> None:
    with runtime.engine.connect() as connection:
        recomputed = totals(connection, RECOMPUTE)
        assert recomputed
        assert totals(connection, KEPT) == recomputed


def test_kept_totals_follow_the_fixture_and_a_delete(demo: Runtime) -> None:
    assert_kept_equals_recompute(demo)  # the fixture's applications, created by the services
    actor = admin_actor()
    deleted = 0
    for view in pay_apps.list_pay_apps(
        demo.uow(read_only=True), actor, pay_apps.PayAppFilter()
    ).items:
        try:
            pay_apps.delete_pay_app(demo.uow(), actor, view.id, None)
        except Exception:  # not the latest, locked or paid: refused, nothing changed
            continue
        deleted += 1
        assert_kept_equals_recompute(demo)
    assert deleted > 0, "the demo has a deletable application"


def test_a_reset_load_starts_the_totals_over(demo: Runtime) -> None:
    """Emptying the ledger deletes applications after or before their totals, whichever order
    the tables come in: nothing of the old ledger is left in them."""
    with demo.engine.begin() as connection:
        connection.execute(text("UPDATE pay_apps SET written_off_cents = 7"))
    fixtures.load_fixture_text(demo.uow(), demo_fixture_text(), reset=True)
    assert_kept_equals_recompute(demo)
    with demo.engine.connect() as connection:
        assert (
            connection.scalar(
                text("SELECT count(*) FROM contract_pay_app_totals WHERE pay_app_count < 0")
            )
            == 0
        )


def test_an_update_that_keeps_the_amounts_leaves_the_totals(demo: Runtime) -> None:
    """The triggers do not even run: a contract whose totals row is gone gets none back (a
    trigger that ran would write the row again, taking the application out and back in)."""
    with demo.engine.begin() as connection:
        contract_id = connection.scalar(text("SELECT min(contract_id) FROM pay_apps"))
        connection.execute(
            text("DELETE FROM contract_pay_app_totals WHERE contract_id = :id"),
            {"id": contract_id},
        )
        before = totals(connection, KEPT)
        connection.execute(
            text(
                "UPDATE pay_apps SET current_payment_due_cents = current_payment_due_cents,"
                " written_off_cents = written_off_cents, note = 'unchanged amounts'"
            )
        )
        assert totals(connection, KEPT) == before
        assert not connection.scalar(
            text("SELECT count(*) FROM contract_pay_app_totals WHERE contract_id = :id"),
            {"id": contract_id},
        )


def test_kept_totals_follow_random_sql_writes(demo: Runtime) -> None:
    """Inserts, updates of every watched column and deletes, in random order, some as
    statements of many rows at once."""
    chance = random.Random(20261130)
    with demo.engine.begin() as connection:
        contracts = [row_id for (row_id,) in connection.execute(text("SELECT id FROM contracts"))]
        next_id = int(connection.scalar(text("SELECT max(id) FROM pay_apps"))) + 1
        next_number = 1000
        for step in range(60):
            ids = [row_id for (row_id,) in connection.execute(text("SELECT id FROM pay_apps"))]
            chosen = chance.sample(ids, min(len(ids), chance.randint(1, 3)))
            action = chance.choice(
                ["copy", "due", "written_off", "advance", "recoupment", "contract", "delete"]
            )
            for pay_app_id in chosen:
                parameters: dict[str, Any] = {"id": pay_app_id}
                if action == "copy":
                    columns = list(
                        connection.execute(text("SELECT * FROM pay_apps LIMIT 0")).keys()
                    )
                    copied = ", ".join(
                        {
                            "id": ":new_id",
                            "number": ":number",
                            "uuid": ":uuid",
                            "origin_id": "NULL",
                        }.get(name, name)
                        for name in columns
                    )
                    connection.execute(
                        text(
                            f"INSERT INTO pay_apps ({', '.join(columns)})"
                            f" SELECT {copied} FROM pay_apps WHERE id = :id"
                        ),
                        {
                            **parameters,
                            "new_id": next_id,
                            "number": next_number,
                            "uuid": f"00000000-0000-4000-9000-{next_id:012d}",
                        },
                    )
                    next_id += 1
                    next_number += 1
                elif action == "due":
                    connection.execute(
                        text(
                            "UPDATE pay_apps SET current_payment_due_cents = :cents WHERE id = :id"
                        ),
                        {**parameters, "cents": chance.randint(-(10**6), 10**9)},
                    )
                elif action == "written_off":
                    connection.execute(
                        text("UPDATE pay_apps SET written_off_cents = :cents WHERE id = :id"),
                        {**parameters, "cents": chance.randint(0, 10**6)},
                    )
                elif action in ("advance", "recoupment"):
                    connection.execute(
                        text(f"UPDATE pay_apps SET {action}_amount_cents = :cents WHERE id = :id"),
                        {**parameters, "cents": chance.randint(0, 10**7)},
                    )
                elif action == "contract":
                    connection.execute(
                        text(
                            "UPDATE pay_apps SET contract_id = :contract, number = :number"
                            " WHERE id = :id AND company_id ="
                            " (SELECT company_id FROM contracts WHERE id = :contract)"
                        ),
                        {**parameters, "contract": chance.choice(contracts), "number": next_number},
                    )
                    next_number += 1
                else:
                    connection.execute(
                        text(
                            "DELETE FROM attachments WHERE pay_app_id = :id OR payment_id IN"
                            " (SELECT id FROM payments WHERE pay_app_id = :id)"
                        ),
                        parameters,
                    )
                    connection.execute(
                        text("DELETE FROM payments WHERE pay_app_id = :id"), parameters
                    )
                    connection.execute(text("DELETE FROM pay_apps WHERE id = :id"), parameters)
            if step % 10 == 9:
                connection.execute(
                    text(
                        "UPDATE pay_apps SET written_off_cents = written_off_cents + 1,"
                        " advance_amount_cents = advance_amount_cents + 2,"
                        " recoupment_amount_cents = recoupment_amount_cents + 1"
                        " WHERE id % 2 = 0"
                    )
                )
    assert_kept_equals_recompute(demo)
