"""an index on a company's pay applications with their amounts due

Revision ID: 0012
Revises: 0011
Create Date: 2026-11-30 05:45:00

The Productive invoices list counts and sums every pay application of a company (current
payment due, written off) and may sort them by amount. An index on ``(company_id,
current_payment_due_cents, written_off_cents)`` answers the sums from the index alone instead
of reading the whole table, and the sort by amount in its order.
"""

from __future__ import annotations

from alembic import op

revision = "0012"
down_revision = "0011"
branch_labels = None
depends_on = None

NAME = "ix_pay_apps_company_id_due"
COLUMNS = ["company_id", "current_payment_due_cents", "written_off_cents"]


def upgrade() -> None:
    op.create_index(NAME, "pay_apps", COLUMNS, unique=False)


def downgrade() -> None:
    op.drop_index(NAME, table_name="pay_apps")
