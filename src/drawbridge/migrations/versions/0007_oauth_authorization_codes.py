"""OAuth clients' redirect URIs and authorization codes

Revision ID: 0007
Revises: 0006
Create Date: 2026-11-29 19:15:00

The authorization-code grant sends a code only to a redirect URI registered for the client, and
stores the code's SHA-256 (never the code) until it is exchanged or expires.
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

import drawbridge.store.types

revision = "0007"
down_revision = "0006"
branch_labels = None
depends_on = None

ID = sa.BigInteger().with_variant(sa.Integer(), "sqlite")


def upgrade() -> None:
    op.create_table(
        "oauth_redirect_uris",
        sa.Column("id", ID, nullable=False),
        sa.Column("oauth_client_id", ID, nullable=False),
        sa.Column("uri", sa.String(length=2000), nullable=False),
        sa.ForeignKeyConstraint(
            ["oauth_client_id"],
            ["oauth_clients.id"],
            name=op.f("fk_oauth_redirect_uris_oauth_client_id_oauth_clients"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_oauth_redirect_uris")),
        sa.UniqueConstraint(
            "oauth_client_id", "uri", name=op.f("uq_oauth_redirect_uris_oauth_client_id_uri")
        ),
    )
    with op.batch_alter_table("oauth_redirect_uris", schema=None) as batch_op:
        batch_op.create_index(
            batch_op.f("ix_oauth_redirect_uris_oauth_client_id"), ["oauth_client_id"], unique=False
        )

    op.create_table(
        "oauth_authorization_codes",
        sa.Column("id", ID, nullable=False),
        sa.Column("oauth_client_id", ID, nullable=False),
        sa.Column("code_hash", sa.String(length=64), nullable=False),
        sa.Column("redirect_uri", sa.String(length=2000), nullable=False),
        sa.Column("scopes", sa.String(length=255), nullable=False),
        sa.Column("code_challenge", sa.String(length=128), nullable=True),
        sa.Column("expires_at", drawbridge.store.types.UTCDateTime(), nullable=False),
        sa.Column("created_at", drawbridge.store.types.UTCDateTime(), nullable=False),
        sa.ForeignKeyConstraint(
            ["oauth_client_id"],
            ["oauth_clients.id"],
            name=op.f("fk_oauth_authorization_codes_oauth_client_id_oauth_clients"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_oauth_authorization_codes")),
        sa.UniqueConstraint("code_hash", name=op.f("uq_oauth_authorization_codes_code_hash")),
    )
    with op.batch_alter_table("oauth_authorization_codes", schema=None) as batch_op:
        batch_op.create_index(
            batch_op.f("ix_oauth_authorization_codes_oauth_client_id"),
            ["oauth_client_id"],
            unique=False,
        )


def downgrade() -> None:
    with op.batch_alter_table("oauth_authorization_codes", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_oauth_authorization_codes_oauth_client_id"))
    op.drop_table("oauth_authorization_codes")
    with op.batch_alter_table("oauth_redirect_uris", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_oauth_redirect_uris_oauth_client_id"))
    op.drop_table("oauth_redirect_uris")
