"""Alembic environment: runs on the connection drawbridge hands it (see store/migrate.py)."""

from __future__ import annotations

from alembic import context
from sqlalchemy import Connection

from drawbridge.store.models import Base

connection = context.config.attributes.get("connection")
if not isinstance(connection, Connection):
    raise RuntimeError("run migrations through drawbridge.store.migrate, which passes a connection")

context.configure(
    connection=connection,
    target_metadata=Base.metadata,
    render_as_batch=connection.dialect.name == "sqlite",  # SQLite cannot ALTER most things
    compare_type=True,
)
with context.begin_transaction():
    context.run_migrations()
