"""contract_pay_app_totals: each contract's pay applications counted, with their current
payments due and written-off amounts summed, kept by triggers on pay_apps

Revision ID: 0014
Revises: 0013
Create Date: 2026-11-30 09:30:00

The Productive invoices list, unfiltered, shows how many pay applications the company has and
what they add up to. Summing them on every request reads every application of the company
(100,000 rows in a big ledger, and PostgreSQL rightly reads the whole table for that). These
running totals are kept by the database itself on every insert, delete and change of a pay
application's contract, amount due or write-off (also a cascade, a bulk COPY or a fixture
load), so no writer can forget them, and a company's totals are a read of one row a contract.
An update that leaves those columns as they were does not touch the totals: an edit of a chain
stores the summaries of every later application, most of which keep their amounts. The totals
of the existing applications are computed once here.
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0014"
down_revision = "0013"
branch_labels = None
depends_on = None

BigId = sa.BigInteger().with_variant(sa.Integer(), "sqlite")
TABLE = "contract_pay_app_totals"
WATCHED = ("company_id", "contract_id", "current_payment_due_cents", "written_off_cents")

# Adds one pay application (NEW or OLD, the sign + or -) to its contract's row.
_ADD = """
INSERT INTO contract_pay_app_totals
    (contract_id, company_id, pay_app_count, current_payment_due_cents, written_off_cents)
VALUES ({row}.contract_id, {row}.company_id, {sign}1,
        {sign}{row}.current_payment_due_cents, {sign}{row}.written_off_cents)
ON CONFLICT (contract_id) DO UPDATE SET
    pay_app_count = contract_pay_app_totals.pay_app_count + excluded.pay_app_count,
    current_payment_due_cents =
        contract_pay_app_totals.current_payment_due_cents + excluded.current_payment_due_cents,
    written_off_cents = contract_pay_app_totals.written_off_cents + excluded.written_off_cents;
"""
ADD_NEW = _ADD.format(row="NEW", sign="+")
REMOVE_OLD = _ADD.format(row="OLD", sign="-")
# An update moves the totals only when one of the watched columns changed.
CHANGED = " OR ".join(f"OLD.{column} IS DISTINCT FROM NEW.{column}" for column in WATCHED)
SQLITE_CHANGED = " OR ".join(f"OLD.{column} IS NOT NEW.{column}" for column in WATCHED)
COLUMN_LIST = ", ".join(WATCHED)

POSTGRES_FUNCTION = f"""
CREATE FUNCTION contract_pay_app_totals_follow() RETURNS trigger AS $$
BEGIN
    IF TG_OP IN ('UPDATE', 'DELETE') THEN
        {REMOVE_OLD}
    END IF;
    IF TG_OP IN ('INSERT', 'UPDATE') THEN
        {ADD_NEW}
    END IF;
    RETURN NULL;
END
$$ LANGUAGE plpgsql
"""
POSTGRES_TRIGGERS = (
    "CREATE TRIGGER contract_pay_app_totals_follow AFTER INSERT OR DELETE ON pay_apps"
    " FOR EACH ROW EXECUTE FUNCTION contract_pay_app_totals_follow()",
    f"CREATE TRIGGER contract_pay_app_totals_change AFTER UPDATE OF {COLUMN_LIST} ON pay_apps"
    f" FOR EACH ROW WHEN ({CHANGED}) EXECUTE FUNCTION contract_pay_app_totals_follow()",
)
SQLITE_TRIGGERS = (
    f"CREATE TRIGGER contract_pay_app_totals_insert AFTER INSERT ON pay_apps BEGIN {ADD_NEW} END",
    f"CREATE TRIGGER contract_pay_app_totals_delete AFTER DELETE ON pay_apps"
    f" BEGIN {REMOVE_OLD} END",
    f"CREATE TRIGGER contract_pay_app_totals_update AFTER UPDATE OF {COLUMN_LIST} ON pay_apps"
    f" WHEN {SQLITE_CHANGED} BEGIN {REMOVE_OLD} {ADD_NEW} END",
)
BACKFILL = """
INSERT INTO contract_pay_app_totals
    (contract_id, company_id, pay_app_count, current_payment_due_cents, written_off_cents)
SELECT contract_id, company_id, count(*), sum(current_payment_due_cents), sum(written_off_cents)
FROM pay_apps
GROUP BY contract_id, company_id
"""


def upgrade() -> None:
    op.create_table(
        TABLE,
        sa.Column("contract_id", BigId, nullable=False),
        sa.Column("company_id", BigId, nullable=False),
        sa.Column("pay_app_count", sa.BigInteger(), nullable=False),
        sa.Column("current_payment_due_cents", sa.BigInteger(), nullable=False),
        sa.Column("written_off_cents", sa.BigInteger(), nullable=False),
        sa.ForeignKeyConstraint(["company_id"], ["companies.id"], ondelete="CASCADE"),
        sa.ForeignKeyConstraint(["contract_id"], ["contracts.id"], ondelete="CASCADE"),
        sa.PrimaryKeyConstraint("contract_id"),
    )
    op.create_index(
        op.f("ix_contract_pay_app_totals_company_id"), TABLE, ["company_id"], unique=False
    )
    op.execute(BACKFILL)
    if op.get_bind().dialect.name == "postgresql":
        op.execute(POSTGRES_FUNCTION)
        for trigger in POSTGRES_TRIGGERS:
            op.execute(trigger)
    else:
        for trigger in SQLITE_TRIGGERS:
            op.execute(trigger)


def downgrade() -> None:
    if op.get_bind().dialect.name == "postgresql":
        op.execute("DROP TRIGGER contract_pay_app_totals_change ON pay_apps")
        op.execute("DROP TRIGGER contract_pay_app_totals_follow ON pay_apps")
        op.execute("DROP FUNCTION contract_pay_app_totals_follow()")
    else:
        for name in ("insert", "delete", "update"):
            op.execute(f"DROP TRIGGER contract_pay_app_totals_{name}")
    op.drop_index(op.f("ix_contract_pay_app_totals_company_id"), table_name=TABLE)
    op.drop_table(TABLE)
