"""Engine setup: SQLite pragmas and transaction modes, PostgreSQL pool.

On SQLite every write transaction starts with ``BEGIN IMMEDIATE``: it takes the write lock at the
start, so two writers serialize instead of both reading the same "next pay-app number". Read-only
units of work start a plain deferred ``BEGIN``. On PostgreSQL writers lock the contract row
(``SELECT ... FOR UPDATE``) in the repository instead.

The writers of one process on a SQLite file also queue on a Python lock, held from their
``BEGIN IMMEDIATE`` to their ``COMMIT`` or ``ROLLBACK``. SQLite's busy handler makes a waiting
writer sleep and retry with a growing backoff (up to 100 ms a try), so under many concurrent
writers one waits long after the lock is free and they pile up; on the Python lock the next
writer starts the moment the previous one ends. Only writers of other processes (another worker,
the command line) still meet the busy handler.
"""

from __future__ import annotations

import os
import sqlite3
import threading
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


# How long a writer waits for the others, on the Python lock as in SQLite's busy handler.
BUSY_TIMEOUT_SECONDS = 30


class _QueuedWriterConnection(sqlite3.Connection):
    """A SQLite connection whose write transaction holds its engine's writer lock until it
    ends (``writer_lock`` is set on connect for a file database; None leaves it unqueued)."""

    writer_lock: threading.Lock | None = None
    _holds_writer_lock = False

    def queue_writer(self) -> None:
        """Wait for this process's other writers to finish (before ``BEGIN IMMEDIATE``)."""
        lock = self.writer_lock
        if lock is not None and not self._holds_writer_lock:
            if not lock.acquire(timeout=BUSY_TIMEOUT_SECONDS):
                raise sqlite3.OperationalError("database is locked")
            self._holds_writer_lock = True

    def commit(self) -> None:
        try:
            super().commit()
        finally:
            # A failed COMMIT leaves the transaction open: the lock goes with its rollback.
            if not self.in_transaction:
                self.release_writer_lock()

    def rollback(self) -> None:
        try:
            super().rollback()
        finally:
            self.release_writer_lock()

    def close(self) -> None:
        try:
            super().close()
        finally:
            self.release_writer_lock()

    def release_writer_lock(self) -> None:
        if self._holds_writer_lock:
            self._holds_writer_lock = False
            assert self.writer_lock is not None
            self.writer_lock.release()


def make_engine(url: str) -> Engine:
    if url.startswith("sqlite"):
        engine = create_engine(
            url,
            connect_args={
                "timeout": BUSY_TIMEOUT_SECONDS,
                "check_same_thread": False,
                "factory": _QueuedWriterConnection,
            },
        )
        _configure_sqlite(engine)
        return engine
    return create_engine(url, pool_size=10, max_overflow=20, pool_pre_ping=True)


def _configure_sqlite(engine: Engine) -> None:
    # One queue per engine, for a file only: in-memory databases are each their own database,
    # and their writers never wait for one another.
    writer_lock = None if sqlite_file(str(engine.url)) is None else threading.Lock()

    @event.listens_for(engine, "connect")
    def _on_connect(dbapi_connection: Any, _record: ConnectionPoolEntry) -> None:
        # Let SQLAlchemy's "begin" event below issue BEGIN, not the driver.
        dbapi_connection.isolation_level = None
        if isinstance(dbapi_connection, _QueuedWriterConnection):
            dbapi_connection.writer_lock = writer_lock
        cursor = dbapi_connection.cursor()
        cursor.execute("PRAGMA foreign_keys=ON")
        cursor.execute("PRAGMA busy_timeout=30000")
        if engine.url.database not in (None, "", ":memory:"):
            cursor.execute("PRAGMA journal_mode=WAL")
            cursor.execute("PRAGMA synchronous=NORMAL")
        cursor.close()

    @event.listens_for(engine, "begin")
    def _on_begin(connection: Connection) -> None:
        if connection.get_execution_options().get(READ_ONLY, False):
            connection.exec_driver_sql("BEGIN")
            return
        dbapi_connection = connection.connection.dbapi_connection
        if not isinstance(dbapi_connection, _QueuedWriterConnection):
            connection.exec_driver_sql("BEGIN IMMEDIATE")
            return
        dbapi_connection.queue_writer()
        try:
            connection.exec_driver_sql("BEGIN IMMEDIATE")
        except BaseException:
            dbapi_connection.release_writer_lock()
            raise


def is_postgres(engine: Engine) -> bool:
    return engine.dialect.name == "postgresql"
