"""Engine setup: SQLite pragmas and transaction modes, PostgreSQL pool.

On SQLite every write transaction starts with ``BEGIN IMMEDIATE``: it takes the write lock at the
start, so two writers serialize instead of both reading the same "next pay-app number". Read-only
units of work start a plain deferred ``BEGIN``. On PostgreSQL writers lock the contract row
(``SELECT ... FOR UPDATE``) in the repository instead.

The writers of a SQLite file also queue before SQLite sees them, from their ``BEGIN IMMEDIATE``
to their ``COMMIT`` or ``ROLLBACK`` (``WriterQueue``): within a process on a Python lock, and
across processes (the workers of ``serve --workers N``, the command line) on an exclusive
``flock`` of the file ``<database>-writers`` beside it. SQLite's busy handler makes a waiting
writer sleep and retry with a growing backoff (up to 100 ms a try), so under many concurrent
writers one waits long after the lock is free, and a process whose next writer is already
waiting takes the lock again before another process's sleeper wakes: its p99 ran to seconds.
A queued writer starts the moment the previous one ends, and the kernel drops the ``flock`` of
a process that dies. Writers that do not queue (another program on the same file) still meet
the busy handler.
"""

from __future__ import annotations

import fcntl
import os
import sqlite3
import threading
import time
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


def writer_lock_path(database_file: Path) -> Path:
    """The file whose ``flock`` queues the writers of a SQLite database, beside it."""
    return database_file.with_name(database_file.name + "-writers")


# How long a writer waits for the others, on the Python lock as in SQLite's busy handler.
BUSY_TIMEOUT_SECONDS = 30


class WriterQueue:
    """The writers of one SQLite file, one at a time: this process's on a thread lock, then all
    processes' on an exclusive ``flock`` of ``lock_path`` (one open file per process)."""

    def __init__(self, lock_path: Path) -> None:
        self.lock_path = lock_path
        self._threads = threading.Lock()
        self._descriptor = -1
        self._descriptor_pid = 0
        # The flock is waited for in the kernel, which wakes the waiter the moment it is free; a
        # thread of its own does the waiting so that the writer can give up at its deadline. At
        # most one such wait is under way per process (only the thread-lock holder waits):
        # ``_pending`` is set when it succeeds, and ``_wanted`` says whether anyone still waits
        # for it (a wait given up lets the flock go as soon as it gets it).
        self._state = threading.Lock()
        self._pending: threading.Event | None = None
        self._wanted = False

    def acquire(self, timeout: float) -> bool:
        """Wait up to ``timeout`` seconds for the turn; False when it did not come."""
        deadline = time.monotonic() + timeout
        if not self._threads.acquire(timeout=timeout):
            return False
        try:
            if self._lock_file(deadline):
                return True
        except BaseException:
            self._threads.release()
            raise
        self._threads.release()
        return False

    def release(self) -> None:
        try:
            fcntl.flock(self._descriptor, fcntl.LOCK_UN)
        finally:
            self._threads.release()

    def _lock_file(self, deadline: float) -> bool:
        with self._state:
            granted = self._pending
            if granted is None:
                descriptor = self._open()
                try:
                    fcntl.flock(descriptor, fcntl.LOCK_EX | fcntl.LOCK_NB)
                    return True
                except BlockingIOError:
                    pass
                granted = self._pending = threading.Event()
                threading.Thread(
                    target=self._wait_for_file, args=(descriptor, granted), daemon=True
                ).start()
            self._wanted = True
        granted.wait(max(0.0, deadline - time.monotonic()))
        with self._state:
            if granted.is_set():
                self._pending = None
                return True
            self._wanted = False
            return False

    def _wait_for_file(self, descriptor: int, granted: threading.Event) -> None:
        fcntl.flock(descriptor, fcntl.LOCK_EX)
        with self._state:
            if self._wanted:
                granted.set()
            else:  # given up while waiting: the next writer of this process starts afresh
                self._pending = None
                fcntl.flock(descriptor, fcntl.LOCK_UN)

    def _open(self) -> int:
        # A process forked from another gets its own open file: a flock belongs to the open
        # file, which a fork would otherwise share with the parent.
        if self._descriptor_pid != os.getpid():
            self._descriptor = os.open(self.lock_path, os.O_RDWR | os.O_CREAT | os.O_CLOEXEC, 0o644)
            self._descriptor_pid = os.getpid()
        return self._descriptor


class _QueuedWriterConnection(sqlite3.Connection):
    """A SQLite connection whose write transaction holds its engine's writer queue until it
    ends (``writer_queue`` is set on connect for a file database; None leaves it unqueued)."""

    writer_queue: WriterQueue | None = None
    _holds_writer_lock = False

    def queue_writer(self) -> None:
        """Wait for the other writers of the file to finish (before ``BEGIN IMMEDIATE``)."""
        queue = self.writer_queue
        if queue is not None and not self._holds_writer_lock:
            if not queue.acquire(timeout=BUSY_TIMEOUT_SECONDS):
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
            assert self.writer_queue is not None
            self.writer_queue.release()


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
    database_file = sqlite_file(str(engine.url))
    writer_queue = None if database_file is None else WriterQueue(writer_lock_path(database_file))

    @event.listens_for(engine, "connect")
    def _on_connect(dbapi_connection: Any, _record: ConnectionPoolEntry) -> None:
        # Let SQLAlchemy's "begin" event below issue BEGIN, not the driver.
        dbapi_connection.isolation_level = None
        if isinstance(dbapi_connection, _QueuedWriterConnection):
            dbapi_connection.writer_queue = writer_queue
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
