"""OAuth grants: the tokens one authorization issued, so they can be revoked together

Revision ID: 0013
Revises: 0012
Create Date: 2026-11-30 06:00:00

Every access and refresh token an OAuth grant issues carries the grant's id, and a refresh keeps
it, so revoking one token (``/oauth/revoke``, ``/authentication/v2/revoke``) revokes the whole
line of tokens it belongs to. An authorization code is kept, marked used with the grant it
started, until it expires: a second exchange of it revokes that grant's tokens (RFC 6749
§4.1.2). Tokens issued before this revision have no grant and are revoked one by one.
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

import drawbridge.store.types

revision = "0013"
down_revision = "0012"
branch_labels = None
depends_on = None

GRANT_TABLES = ("api_tokens", "oauth_refresh_tokens", "oauth_authorization_codes")


def upgrade() -> None:
    for table in GRANT_TABLES:
        with op.batch_alter_table(table, schema=None) as batch_op:
            batch_op.add_column(sa.Column("oauth_grant", sa.String(length=32), nullable=True))
            batch_op.create_index(batch_op.f(f"ix_{table}_oauth_grant"), ["oauth_grant"])
    with op.batch_alter_table("oauth_authorization_codes", schema=None) as batch_op:
        batch_op.add_column(
            sa.Column("used_at", drawbridge.store.types.UTCDateTime(), nullable=True)
        )


def downgrade() -> None:
    with op.batch_alter_table("oauth_authorization_codes", schema=None) as batch_op:
        batch_op.drop_column("used_at")
    for table in reversed(GRANT_TABLES):
        with op.batch_alter_table(table, schema=None) as batch_op:
            batch_op.drop_index(batch_op.f(f"ix_{table}_oauth_grant"))
            batch_op.drop_column("oauth_grant")
