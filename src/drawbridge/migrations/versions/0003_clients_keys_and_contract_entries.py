"""OAuth clients and expiring tokens, idempotency keys, SOV line entries, directory entries

Revision ID: 0003
Revises: 0002
Create Date: 2026-11-29 15:55:12.938214
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

import drawbridge.store.types

revision = "0003"
down_revision = "0002"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "directory_entries",
        sa.Column("id", sa.BigInteger().with_variant(sa.Integer(), "sqlite"), nullable=False),
        sa.Column(
            "company_id", sa.BigInteger().with_variant(sa.Integer(), "sqlite"), nullable=False
        ),
        sa.Column("kind", sa.String(length=32), nullable=False),
        sa.Column("code", sa.String(length=64), nullable=False),
        sa.Column("name", sa.String(length=255), nullable=False),
        sa.Column("is_active", sa.Boolean(), nullable=False),
        sa.Column(
            "created_by_id", sa.BigInteger().with_variant(sa.Integer(), "sqlite"), nullable=True
        ),
        sa.Column("created_at", drawbridge.store.types.UTCDateTime(), nullable=False),
        sa.Column("updated_at", drawbridge.store.types.UTCDateTime(), nullable=False),
        sa.CheckConstraint(
            "kind IN ('employee', 'contact', 'location', 'supporting_document', 'contract_type')",
            name=op.f("ck_directory_entries_kind"),
        ),
        sa.ForeignKeyConstraint(
            ["company_id"],
            ["companies.id"],
            name=op.f("fk_directory_entries_company_id_companies"),
            ondelete="CASCADE",
        ),
        sa.ForeignKeyConstraint(
            ["created_by_id"], ["users.id"], name=op.f("fk_directory_entries_created_by_id_users")
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_directory_entries")),
        sa.UniqueConstraint(
            "company_id", "kind", "code", name=op.f("uq_directory_entries_company_id_kind_code")
        ),
    )
    with op.batch_alter_table("directory_entries", schema=None) as batch_op:
        batch_op.create_index(
            batch_op.f("ix_directory_entries_company_id"), ["company_id"], unique=False
        )

    op.create_table(
        "idempotency_keys",
        sa.Column("id", sa.BigInteger().with_variant(sa.Integer(), "sqlite"), nullable=False),
        sa.Column(
            "company_id", sa.BigInteger().with_variant(sa.Integer(), "sqlite"), nullable=False
        ),
        sa.Column("scope", sa.String(length=128), nullable=False),
        sa.Column("key", sa.String(length=255), nullable=False),
        sa.Column("request_hash", sa.String(length=64), nullable=False),
        sa.Column("response_status", sa.Integer(), nullable=False),
        sa.Column("response_body", sa.JSON(), nullable=False),
        sa.Column("created_at", drawbridge.store.types.UTCDateTime(), nullable=False),
        sa.ForeignKeyConstraint(
            ["company_id"],
            ["companies.id"],
            name=op.f("fk_idempotency_keys_company_id_companies"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_idempotency_keys")),
        sa.UniqueConstraint(
            "company_id", "scope", "key", name=op.f("uq_idempotency_keys_company_id_scope_key")
        ),
    )
    with op.batch_alter_table("idempotency_keys", schema=None) as batch_op:
        batch_op.create_index(
            batch_op.f("ix_idempotency_keys_company_id"), ["company_id"], unique=False
        )

    op.create_table(
        "oauth_clients",
        sa.Column("id", sa.BigInteger().with_variant(sa.Integer(), "sqlite"), nullable=False),
        sa.Column(
            "company_id", sa.BigInteger().with_variant(sa.Integer(), "sqlite"), nullable=False
        ),
        sa.Column("user_id", sa.BigInteger().with_variant(sa.Integer(), "sqlite"), nullable=False),
        sa.Column("client_id", sa.String(length=128), nullable=False),
        sa.Column("secret_hash", sa.String(length=64), nullable=False),
        sa.Column("name", sa.String(length=255), nullable=False),
        sa.Column("scopes", sa.String(length=255), nullable=False),
        sa.Column("created_at", drawbridge.store.types.UTCDateTime(), nullable=False),
        sa.ForeignKeyConstraint(
            ["company_id"],
            ["companies.id"],
            name=op.f("fk_oauth_clients_company_id_companies"),
            ondelete="CASCADE",
        ),
        sa.ForeignKeyConstraint(
            ["user_id"],
            ["users.id"],
            name=op.f("fk_oauth_clients_user_id_users"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_oauth_clients")),
        sa.UniqueConstraint("client_id", name=op.f("uq_oauth_clients_client_id")),
    )
    with op.batch_alter_table("oauth_clients", schema=None) as batch_op:
        batch_op.create_index(
            batch_op.f("ix_oauth_clients_company_id"), ["company_id"], unique=False
        )

    op.create_table(
        "oauth_refresh_tokens",
        sa.Column("id", sa.BigInteger().with_variant(sa.Integer(), "sqlite"), nullable=False),
        sa.Column(
            "oauth_client_id", sa.BigInteger().with_variant(sa.Integer(), "sqlite"), nullable=False
        ),
        sa.Column("token_hash", sa.String(length=64), nullable=False),
        sa.Column("scopes", sa.String(length=255), nullable=False),
        sa.Column("expires_at", drawbridge.store.types.UTCDateTime(), nullable=False),
        sa.Column("created_at", drawbridge.store.types.UTCDateTime(), nullable=False),
        sa.ForeignKeyConstraint(
            ["oauth_client_id"],
            ["oauth_clients.id"],
            name=op.f("fk_oauth_refresh_tokens_oauth_client_id_oauth_clients"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_oauth_refresh_tokens")),
        sa.UniqueConstraint("token_hash", name=op.f("uq_oauth_refresh_tokens_token_hash")),
    )
    with op.batch_alter_table("oauth_refresh_tokens", schema=None) as batch_op:
        batch_op.create_index(
            batch_op.f("ix_oauth_refresh_tokens_oauth_client_id"), ["oauth_client_id"], unique=False
        )

    op.create_table(
        "sov_line_entries",
        sa.Column("id", sa.BigInteger().with_variant(sa.Integer(), "sqlite"), nullable=False),
        sa.Column(
            "company_id", sa.BigInteger().with_variant(sa.Integer(), "sqlite"), nullable=False
        ),
        sa.Column(
            "sov_line_id", sa.BigInteger().with_variant(sa.Integer(), "sqlite"), nullable=False
        ),
        sa.Column("workflow_type", sa.String(length=16), nullable=False),
        sa.Column("amount_cents", sa.BigInteger(), nullable=False),
        sa.Column("effective_date", sa.Date(), nullable=True),
        sa.Column("memo", sa.Text(), nullable=True),
        sa.Column("created_at", drawbridge.store.types.UTCDateTime(), nullable=False),
        sa.Column("updated_at", drawbridge.store.types.UTCDateTime(), nullable=False),
        sa.CheckConstraint(
            "workflow_type IN ('original', 'revision', 'forecast', 'other')",
            name=op.f("ck_sov_line_entries_workflow_type"),
        ),
        sa.ForeignKeyConstraint(
            ["company_id"],
            ["companies.id"],
            name=op.f("fk_sov_line_entries_company_id_companies"),
            ondelete="CASCADE",
        ),
        sa.ForeignKeyConstraint(
            ["sov_line_id"],
            ["sov_lines.id"],
            name=op.f("fk_sov_line_entries_sov_line_id_sov_lines"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_sov_line_entries")),
    )
    with op.batch_alter_table("sov_line_entries", schema=None) as batch_op:
        batch_op.create_index(
            batch_op.f("ix_sov_line_entries_company_id"), ["company_id"], unique=False
        )
        batch_op.create_index(
            batch_op.f("ix_sov_line_entries_sov_line_id"), ["sov_line_id"], unique=False
        )

    with op.batch_alter_table("api_tokens", schema=None) as batch_op:
        batch_op.add_column(
            sa.Column("expires_at", drawbridge.store.types.UTCDateTime(), nullable=True)
        )
        batch_op.add_column(
            sa.Column(
                "oauth_client_id",
                sa.BigInteger().with_variant(sa.Integer(), "sqlite"),
                nullable=True,
            )
        )
        batch_op.create_index(
            batch_op.f("ix_api_tokens_oauth_client_id"), ["oauth_client_id"], unique=False
        )
        batch_op.create_foreign_key(
            batch_op.f("fk_api_tokens_oauth_client_id_oauth_clients"),
            "oauth_clients",
            ["oauth_client_id"],
            ["id"],
            ondelete="CASCADE",
        )

    with op.batch_alter_table("change_order_items", schema=None) as batch_op:
        batch_op.add_column(
            sa.Column(
                "sov_line_id", sa.BigInteger().with_variant(sa.Integer(), "sqlite"), nullable=True
            )
        )
        batch_op.create_foreign_key(
            batch_op.f("fk_change_order_items_sov_line_id_sov_lines"),
            "sov_lines",
            ["sov_line_id"],
            ["id"],
        )

    with op.batch_alter_table("contracts", schema=None) as batch_op:
        batch_op.add_column(
            sa.Column("is_active", sa.Boolean(), server_default=sa.true(), nullable=False)
        )

    with op.batch_alter_table("sov_lines", schema=None) as batch_op:
        batch_op.add_column(
            sa.Column("details", sa.JSON(), server_default=sa.text("'{}'"), nullable=False)
        )


def downgrade() -> None:
    with op.batch_alter_table("sov_lines", schema=None) as batch_op:
        batch_op.drop_column("details")

    with op.batch_alter_table("contracts", schema=None) as batch_op:
        batch_op.drop_column("is_active")

    with op.batch_alter_table("change_order_items", schema=None) as batch_op:
        batch_op.drop_constraint(
            batch_op.f("fk_change_order_items_sov_line_id_sov_lines"), type_="foreignkey"
        )
        batch_op.drop_column("sov_line_id")

    with op.batch_alter_table("api_tokens", schema=None) as batch_op:
        batch_op.drop_constraint(
            batch_op.f("fk_api_tokens_oauth_client_id_oauth_clients"), type_="foreignkey"
        )
        batch_op.drop_index(batch_op.f("ix_api_tokens_oauth_client_id"))
        batch_op.drop_column("oauth_client_id")
        batch_op.drop_column("expires_at")

    with op.batch_alter_table("sov_line_entries", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_sov_line_entries_sov_line_id"))
        batch_op.drop_index(batch_op.f("ix_sov_line_entries_company_id"))

    op.drop_table("sov_line_entries")
    with op.batch_alter_table("oauth_refresh_tokens", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_oauth_refresh_tokens_oauth_client_id"))

    op.drop_table("oauth_refresh_tokens")
    with op.batch_alter_table("oauth_clients", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_oauth_clients_company_id"))

    op.drop_table("oauth_clients")
    with op.batch_alter_table("idempotency_keys", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_idempotency_keys_company_id"))

    op.drop_table("idempotency_keys")
    with op.batch_alter_table("directory_entries", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_directory_entries_company_id"))

    op.drop_table("directory_entries")
