"""money rules: company over-billing and over-payment defaults, contract overrides, payment dates

Revision ID: 0002
Revises: 0001
Create Date: 2026-11-29 16:10:00.000000

- ``companies.prevent_overbilling`` (default false) and ``companies.prevent_overpayment``
  (default true): the company-wide rules.
- ``contracts.allow_overbilling`` becomes nullable (null follows the company) and
  ``contracts.allow_overpayment`` is added (null: follow the company).
- ``payments.date`` is never null: a payment recorded without one takes the day it was recorded,
  so existing rows are backfilled from ``created_at`` before the column becomes NOT NULL.
- One check number pays a pay application once: unique ``(pay_app_id, check_number)``.
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0002"
down_revision = "0001"
branch_labels = None
depends_on = None


def upgrade() -> None:
    with op.batch_alter_table("companies", schema=None) as batch_op:
        batch_op.add_column(
            sa.Column(
                "prevent_overbilling", sa.Boolean(), server_default=sa.false(), nullable=False
            )
        )
        batch_op.add_column(
            sa.Column("prevent_overpayment", sa.Boolean(), server_default=sa.true(), nullable=False)
        )

    with op.batch_alter_table("contracts", schema=None) as batch_op:
        batch_op.alter_column("allow_overbilling", existing_type=sa.Boolean(), nullable=True)
        batch_op.add_column(sa.Column("allow_overpayment", sa.Boolean(), nullable=True))

    # The day a dateless payment was recorded: its creation time, read as a UTC date.
    recorded_on = (
        "date(created_at)" if op.get_bind().dialect.name == "sqlite" else "created_at::date"
    )
    op.execute(f"UPDATE payments SET date = {recorded_on} WHERE date IS NULL")
    with op.batch_alter_table("payments", schema=None) as batch_op:
        batch_op.alter_column("date", existing_type=sa.Date(), nullable=False)
        batch_op.create_unique_constraint(
            batch_op.f("uq_payments_pay_app_id_check_number"), ["pay_app_id", "check_number"]
        )


def downgrade() -> None:
    with op.batch_alter_table("payments", schema=None) as batch_op:
        batch_op.drop_constraint(batch_op.f("uq_payments_pay_app_id_check_number"), type_="unique")
        batch_op.alter_column("date", existing_type=sa.Date(), nullable=True)

    # Null meant "follow the company", whose default allowed over-billing.
    op.execute("UPDATE contracts SET allow_overbilling = true WHERE allow_overbilling IS NULL")
    with op.batch_alter_table("contracts", schema=None) as batch_op:
        batch_op.drop_column("allow_overpayment")
        batch_op.alter_column("allow_overbilling", existing_type=sa.Boolean(), nullable=False)

    with op.batch_alter_table("companies", schema=None) as batch_op:
        batch_op.drop_column("prevent_overpayment")
        batch_op.drop_column("prevent_overbilling")
