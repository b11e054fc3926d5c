"""web sign-in: users.password_hash, memberships.read_only and the web_sessions table

Revision ID: 0009
Revises: 0007
Create Date: 2026-11-29 19:10:00.000000
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

from drawbridge.store.types import UTCDateTime

revision = "0009"
down_revision = "0007"
branch_labels = None
depends_on = None

BigId = sa.BigInteger().with_variant(sa.Integer(), "sqlite")


def upgrade() -> None:
    with op.batch_alter_table("users", schema=None) as batch_op:
        batch_op.add_column(sa.Column("password_hash", sa.String(length=255), nullable=True))
    with op.batch_alter_table("memberships", schema=None) as batch_op:
        batch_op.add_column(
            sa.Column("read_only", sa.Boolean(), server_default=sa.false(), nullable=False)
        )
    op.create_table(
        "web_sessions",
        sa.Column("id", BigId, nullable=False),
        sa.Column("token_hash", sa.String(length=64), nullable=False),
        sa.Column("user_id", BigId, nullable=False),
        sa.Column("company_id", BigId, nullable=False),
        sa.Column("created_at", UTCDateTime(), nullable=False),
        sa.Column("expires_at", UTCDateTime(), nullable=False),
        sa.Column("csrf_secret", sa.String(length=64), nullable=False),
        sa.ForeignKeyConstraint(
            ["company_id"],
            ["companies.id"],
            name=op.f("fk_web_sessions_company_id_companies"),
            ondelete="CASCADE",
        ),
        sa.ForeignKeyConstraint(
            ["user_id"],
            ["users.id"],
            name=op.f("fk_web_sessions_user_id_users"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_web_sessions")),
        sa.UniqueConstraint("token_hash", name=op.f("uq_web_sessions_token_hash")),
    )
    with op.batch_alter_table("web_sessions", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_web_sessions_user_id"), ["user_id"], unique=False)
        batch_op.create_index(
            batch_op.f("ix_web_sessions_company_id"), ["company_id"], unique=False
        )


def downgrade() -> None:
    op.drop_table("web_sessions")
    with op.batch_alter_table("memberships", schema=None) as batch_op:
        batch_op.drop_column("read_only")
    with op.batch_alter_table("users", schema=None) as batch_op:
        batch_op.drop_column("password_hash")
