"""Engine setup: SQLite pragmas and transaction modes, PostgreSQL pool.

On SQLite every write transaction starts with ``BEGIN IMMEDIATE``: it takes the write lock at the
start, so two writers serialize instead of both reading the same "next pay-app number". Read-only
units of work start a plain deferred ``BEGIN``. On PostgreSQL writers lock the contract row
(``SELECT ... FOR UPDATE``) in the repository instead.
"""

from __future__ import annotations

import os
from pathlib import Path
from typing import Any

from sqlalchemy import Engine, create_engine, event
from sqlalchemy.engine import Connection, make_url
from sqlalchemy.exc import ArgumentError
from sqlalchemy.pool import ConnectionPoolEntry

DEFAULT_DATABASE_URL = "sqlite:///./drawbridge.db"
READ_ONLY = "drawbridge_read_only"


# The usual spellings of a PostgreSQL URL, all served by psycopg 3 (the driver drawbridge ships).
_POSTGRES_SCHEMES = ("postgresql://", "postgres://", "postgresql+psycopg2://")


def database_url(explicit: str | None = None) -> str:
    url = explicit or os.environ.get("DRAWBRIDGE_DATABASE_URL") or DEFAULT_DATABASE_URL
    for scheme in _POSTGRES_SCHEMES:
        if url.startswith(scheme):
            return "postgresql+psycopg://" + url[len(scheme) :]
    return url


def sqlite_file(url: str) -> Path | None:
    """The file a SQLite URL names (None for another database or an in-memory one)."""
    parsed = make_url(url)
    if parsed.get_backend_name() != "sqlite" or parsed.database in (None, "", ":memory:"):
        return None
    return Path(parsed.database)


def display_url(url: str) -> str:
    """The URL with its password masked, for messages."""
    try:
        return make_url(url).render_as_string(hide_password=True)
    except ArgumentError:  # not a URL at all: show it as given
        return url


def make_engine(url: str) -> Engine:
    if url.startswith("sqlite"):
        engine = create_engine(url, connect_args={"timeout": 30, "check_same_thread": False})
        _configure_sqlite(engine)
        return engine
    return create_engine(url, pool_size=10, max_overflow=20, pool_pre_ping=True)


def _configure_sqlite(engine: Engine) -> None:
    @event.listens_for(engine, "connect")
    def _on_connect(dbapi_connection: Any, _record: ConnectionPoolEntry) -> None:
        # Let SQLAlchemy's "begin" event below issue BEGIN, not the driver.
        dbapi_connection.isolation_level = None
        cursor = dbapi_connection.cursor()
        cursor.execute("PRAGMA foreign_keys=ON")
        cursor.execute("PRAGMA busy_timeout=30000")
        if engine.url.database not in (None, "", ":memory:"):
            cursor.execute("PRAGMA journal_mode=WAL")
            cursor.execute("PRAGMA synchronous=NORMAL")
        cursor.close()

    @event.listens_for(engine, "begin")
    def _on_begin(connection: Connection) -> None:
        read_only = connection.get_execution_options().get(READ_ONLY, False)
        connection.exec_driver_sql("BEGIN" if read_only else "BEGIN IMMEDIATE")


def is_postgres(engine: Engine) -> bool:
    return engine.dialect.name == "postgresql"
