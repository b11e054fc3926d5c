"""indexes for every list and filter path

Revision ID: 0006
Revises: 0005
Create Date: 2026-11-29 19:20:00

The lists of a project's pay applications and payments read their page from an index on
``(project_id, id)`` instead of scanning the company's rows; a contract's payments likewise from
``(contract_id, id)``, which replaces the index on ``contract_id`` alone. Change-order items are
read by contract, billing periods by project and pay applications by period on every render or
filter, so those columns get an index too.
"""

from __future__ import annotations

from alembic import op

revision = "0006"
down_revision = "0005"
branch_labels = None
depends_on = None

# (index, table, columns)
INDEXES = (
    ("ix_pay_apps_project_id_id", "pay_apps", ["project_id", "id"]),
    ("ix_pay_apps_period_id", "pay_apps", ["period_id"]),
    ("ix_payments_project_id_id", "payments", ["project_id", "id"]),
    ("ix_payments_contract_id_id", "payments", ["contract_id", "id"]),
    ("ix_change_order_items_contract_id", "change_order_items", ["contract_id"]),
    ("ix_billing_periods_project_id", "billing_periods", ["project_id"]),
)


def upgrade() -> None:
    for name, table, columns in INDEXES:
        op.create_index(name, table, columns, unique=False)
    op.drop_index("ix_payments_contract_id", table_name="payments")


def downgrade() -> None:
    op.create_index("ix_payments_contract_id", "payments", ["contract_id"], unique=False)
    for name, table, _columns in reversed(INDEXES):
        op.drop_index(name, table_name=table)
