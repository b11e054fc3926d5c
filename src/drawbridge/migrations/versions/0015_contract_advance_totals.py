"""contract_pay_app_totals: the advances and recoupments of each contract's pay applications
summed too, kept by the same triggers on pay_apps

Revision ID: 0015
Revises: 0014
Create Date: 2026-11-30 16:00:00

A new pay application is computed from the contract's latest one and from what the advances and
recoupments of all its applications add up to (BILLING.md's advance recoupment). Summing them on
every create reads every application of the contract, so a create cost more the longer its
chain (a contract billed a thousand times read a thousand rows to add one). The triggers of
0014 now keep those two sums beside the count, due and write-off, on every insert, delete and
change of a watched column, and a create reads one row. The sums of the existing applications
are computed once here.
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0015"
down_revision = "0014"
branch_labels = None
depends_on = None

TABLE = "contract_pay_app_totals"
# The summed columns of pay_apps, each kept in the column of the same name: before this revision
# and after it.
SUMMED_BEFORE = ("current_payment_due_cents", "written_off_cents")
ADDED = ("advance_amount_cents", "recoupment_amount_cents")
SUMMED = (*SUMMED_BEFORE, *ADDED)


def _statements(summed: tuple[str, ...], dialect: str) -> tuple[list[str], list[str]]:
    """The triggers that keep the count and the ``summed`` columns of every contract (the
    statements that create them and those that drop them), as 0014 wrote them for its columns."""
    watched = ("company_id", "contract_id", *summed)
    columns = ", ".join(("contract_id", "company_id", "pay_app_count", *summed))
    sets = ",\n    ".join(
        f"{name} = {TABLE}.{name} + excluded.{name}" for name in ("pay_app_count", *summed)
    )

    def add(row: str, sign: str) -> str:
        values = ", ".join(
            [f"{row}.contract_id", f"{row}.company_id", f"{sign}1"]
            + [f"{sign}{row}.{name}" for name in summed]
        )
        return (
            f"INSERT INTO {TABLE} ({columns}) VALUES ({values})\n"
            f"ON CONFLICT (contract_id) DO UPDATE SET\n    {sets};"
        )

    add_new, remove_old = add("NEW", "+"), add("OLD", "-")
    column_list = ", ".join(watched)
    if dialect == "postgresql":
        changed = " OR ".join(f"OLD.{name} IS DISTINCT FROM NEW.{name}" for name in watched)
        create = [
            "CREATE FUNCTION contract_pay_app_totals_follow() RETURNS trigger AS $$\n"
            "BEGIN\n"
            f"    IF TG_OP IN ('UPDATE', 'DELETE') THEN\n        {remove_old}\n    END IF;\n"
            f"    IF TG_OP IN ('INSERT', 'UPDATE') THEN\n        {add_new}\n    END IF;\n"
            "    RETURN NULL;\n"
            "END\n"
            "$$ LANGUAGE plpgsql",
            "CREATE TRIGGER contract_pay_app_totals_follow AFTER INSERT OR DELETE ON pay_apps"
            " FOR EACH ROW EXECUTE FUNCTION contract_pay_app_totals_follow()",
            f"CREATE TRIGGER contract_pay_app_totals_change AFTER UPDATE OF {column_list}"
            f" ON pay_apps FOR EACH ROW WHEN ({changed})"
            " EXECUTE FUNCTION contract_pay_app_totals_follow()",
        ]
        drop = [
            "DROP TRIGGER contract_pay_app_totals_change ON pay_apps",
            "DROP TRIGGER contract_pay_app_totals_follow ON pay_apps",
            "DROP FUNCTION contract_pay_app_totals_follow()",
        ]
        return create, drop
    changed = " OR ".join(f"OLD.{name} IS NOT NEW.{name}" for name in watched)
    create = [
        f"CREATE TRIGGER contract_pay_app_totals_insert AFTER INSERT ON pay_apps"
        f" BEGIN {add_new} END",
        f"CREATE TRIGGER contract_pay_app_totals_delete AFTER DELETE ON pay_apps"
        f" BEGIN {remove_old} END",
        f"CREATE TRIGGER contract_pay_app_totals_update AFTER UPDATE OF {column_list}"
        f" ON pay_apps WHEN {changed} BEGIN {remove_old} {add_new} END",
    ]
    drop = [
        f"DROP TRIGGER contract_pay_app_totals_{name}" for name in ("insert", "delete", "update")
    ]
    return create, drop


def _run(statements: list[str]) -> None:
    for statement in statements:
        op.execute(statement)


def upgrade() -> None:
    dialect = op.get_bind().dialect.name
    _run(_statements(SUMMED_BEFORE, dialect)[1])
    for name in ADDED:
        op.add_column(TABLE, sa.Column(name, sa.BigInteger(), nullable=False, server_default="0"))
    # The applications written so far, summed once (every contract with one has its row).
    for name in ADDED:
        op.execute(
            f"UPDATE {TABLE} SET {name} = (SELECT coalesce(sum(pay_apps.{name}), 0)"
            f" FROM pay_apps WHERE pay_apps.contract_id = {TABLE}.contract_id)"
        )
    _run(_statements(SUMMED, dialect)[0])


def downgrade() -> None:
    dialect = op.get_bind().dialect.name
    _run(_statements(SUMMED, dialect)[1])
    with op.batch_alter_table(TABLE) as batch:
        for name in ADDED:
            batch.drop_column(name)
    _run(_statements(SUMMED_BEFORE, dialect)[0])
