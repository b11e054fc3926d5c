"""pay_app_payment_totals: each contract's payments against pay applications, counted and summed
per exchange rate, kept by triggers on payments

Revision ID: 0011
Revises: 0010
Create Date: 2026-11-29 22:45:00

A list of a company's payments shows their count and sum over the whole company; summing a
million payments on every request reads them all. These running totals are kept by the database
itself, on every insert, update and delete of a payment (also a cascade, a bulk COPY or a
fixture load), so no writer can forget them, and read in a few rows a contract. The totals of
the existing payments are computed once here.

Payments also get indexes on (company_id, date) and (company_id, amount_cents): the Productive
list sorts a company's payments by either and reads one page.
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

from drawbridge.store.types import DecimalText

revision = "0011"
down_revision = "0010"
branch_labels = None
depends_on = None

BigId = sa.BigInteger().with_variant(sa.Integer(), "sqlite")
TABLE = "pay_app_payment_totals"
# A company's payments sorted by date or by amount read their page from these.
SORT_INDEXES = (
    ("ix_payments_company_id_date", ["company_id", "date"]),
    ("ix_payments_company_id_amount_cents", ["company_id", "amount_cents"]),
)
WATCHED = "pay_app_id, amount_cents, exchange_rate, contract_id, company_id"

# Adds one payment (NEW or OLD, the sign +1 or -1) to its contract's row at its rate.
_ADD = """
INSERT INTO pay_app_payment_totals
    (company_id, contract_id, exchange_rate, payment_count, amount_cents)
SELECT {row}.company_id, {row}.contract_id, {row}.exchange_rate, {sign}1, {sign}{row}.amount_cents
WHERE {row}.pay_app_id IS NOT NULL
ON CONFLICT (contract_id, exchange_rate) DO UPDATE SET
    payment_count = pay_app_payment_totals.payment_count + excluded.payment_count,
    amount_cents = pay_app_payment_totals.amount_cents + excluded.amount_cents;
"""
ADD_NEW = _ADD.format(row="NEW", sign="+")
REMOVE_OLD = _ADD.format(row="OLD", sign="-")

POSTGRES_FUNCTION = f"""
CREATE FUNCTION pay_app_payment_totals_follow() RETURNS trigger AS $$
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
POSTGRES_TRIGGER = f"""
CREATE TRIGGER pay_app_payment_totals_follow
AFTER INSERT OR DELETE OR UPDATE OF {WATCHED} ON payments
FOR EACH ROW EXECUTE FUNCTION pay_app_payment_totals_follow()
"""
SQLITE_TRIGGERS = (
    f"CREATE TRIGGER pay_app_payment_totals_insert AFTER INSERT ON payments BEGIN {ADD_NEW} END",
    f"CREATE TRIGGER pay_app_payment_totals_delete AFTER DELETE ON payments BEGIN {REMOVE_OLD} END",
    f"CREATE TRIGGER pay_app_payment_totals_update AFTER UPDATE OF {WATCHED} ON payments"
    f" BEGIN {REMOVE_OLD} {ADD_NEW} END",
)
BACKFILL = """
INSERT INTO pay_app_payment_totals
    (company_id, contract_id, exchange_rate, payment_count, amount_cents)
SELECT company_id, contract_id, exchange_rate, count(*), sum(amount_cents)
FROM payments WHERE pay_app_id IS NOT NULL
GROUP BY company_id, contract_id, exchange_rate
"""


def upgrade() -> None:
    op.create_table(
        TABLE,
        sa.Column("company_id", BigId, nullable=False),
        sa.Column("contract_id", BigId, nullable=False),
        sa.Column("exchange_rate", DecimalText(length=40), nullable=False),
        sa.Column("payment_count", sa.BigInteger(), nullable=False),
        sa.Column("amount_cents", sa.BigInteger(), nullable=False),
        sa.ForeignKeyConstraint(["company_id"], ["companies.id"], ondelete="CASCADE"),
        sa.ForeignKeyConstraint(["contract_id"], ["contracts.id"], ondelete="CASCADE"),
        sa.PrimaryKeyConstraint("contract_id", "exchange_rate"),
    )
    op.create_index(
        op.f("ix_pay_app_payment_totals_company_id"), TABLE, ["company_id"], unique=False
    )
    op.execute(BACKFILL)
    for name, columns in SORT_INDEXES:
        op.create_index(name, "payments", columns, unique=False)
    if op.get_bind().dialect.name == "postgresql":
        op.execute(POSTGRES_FUNCTION)
        op.execute(POSTGRES_TRIGGER)
    else:
        for trigger in SQLITE_TRIGGERS:
            op.execute(trigger)


def downgrade() -> None:
    if op.get_bind().dialect.name == "postgresql":
        op.execute("DROP TRIGGER pay_app_payment_totals_follow ON payments")
        op.execute("DROP FUNCTION pay_app_payment_totals_follow()")
    else:
        for name in ("insert", "delete", "update"):
            op.execute(f"DROP TRIGGER pay_app_payment_totals_{name}")
    for name, _columns in reversed(SORT_INDEXES):
        op.drop_index(name, table_name="payments")
    op.drop_index(op.f("ix_pay_app_payment_totals_company_id"), table_name=TABLE)
    op.drop_table(TABLE)
