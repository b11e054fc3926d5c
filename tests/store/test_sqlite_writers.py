"""SQLite writers of one process queue on the engine's lock, never on SQLite's busy handler.

Every connection here gets ``busy_timeout=0``: a writer that met another's write lock in SQLite
would fail at once with "database is locked". With the queue, none does, and every increment of
a shared counter (read, then written, in one transaction) counts exactly once.
"""

from __future__ import annotations

import threading
from pathlib import Path
from typing import Any

import pytest
from sqlalchemy import Engine, event, text

from drawbridge.store.database import READ_ONLY, make_engine

THREADS = 16
WRITES_EACH = 15
DEADLINE_SECONDS = 120


@pytest.fixture
def engine(tmp_path: Path) -> Engine:
    made = make_engine(f"sqlite:///{tmp_path / 'writers.db'}")

    @event.listens_for(made, "connect")
    def _no_busy_wait(dbapi_connection: Any, _record: object) -> None:
        dbapi_connection.execute("PRAGMA busy_timeout=0")

    with made.begin() as connection:
        connection.execute(text("CREATE TABLE counter (id INTEGER PRIMARY KEY, value INTEGER)"))
        connection.execute(text("INSERT INTO counter VALUES (1, 0)"))
    return made


def _value(engine: Engine) -> int:
    with engine.connect() as connection:
        return int(connection.execute(text("SELECT value FROM counter")).scalar_one())


def test_concurrent_writers_queue_instead_of_meeting_the_busy_handler(engine: Engine) -> None:
    errors: list[BaseException] = []
    start = threading.Barrier(THREADS)

    def write() -> None:
        try:
            start.wait()
            for _ in range(WRITES_EACH):
                with engine.begin() as connection:
                    value = connection.execute(text("SELECT value FROM counter")).scalar_one()
                    connection.execute(text("UPDATE counter SET value = :v"), {"v": value + 1})
        except BaseException as error:  # "database is locked" would land here
            errors.append(error)

    pool = [threading.Thread(target=write, daemon=True) for _ in range(THREADS)]
    for thread in pool:
        thread.start()
    for thread in pool:
        thread.join(timeout=DEADLINE_SECONDS)
    assert not [thread for thread in pool if thread.is_alive()], "deadlock?"
    assert not errors, errors
    assert _value(engine) == THREADS * WRITES_EACH


def _failing_write(engine: Engine) -> None:
    with engine.begin() as connection:
        connection.execute(text("UPDATE counter SET value = 41"))
        raise RuntimeError("the use case fails")


def test_a_failed_write_frees_the_queue(engine: Engine) -> None:
    with pytest.raises(RuntimeError):
        _failing_write(engine)
    with engine.begin() as connection:  # would wait forever if the failed writer kept the lock
        connection.execute(text("UPDATE counter SET value = value + 1"))
    assert _value(engine) == 1


def test_readers_do_not_queue_behind_a_writer(engine: Engine) -> None:
    read_only = engine.execution_options(**{READ_ONLY: True})
    with engine.begin() as writer:
        writer.execute(text("UPDATE counter SET value = 7"))
        seen: list[int] = []

        def read() -> None:
            with read_only.connect() as connection:
                seen.append(connection.execute(text("SELECT value FROM counter")).scalar_one())

        reader = threading.Thread(target=read, daemon=True)
        reader.start()
        reader.join(timeout=10)
        assert seen == [0]  # read while the write was open: it saw the value before it
    assert _value(engine) == 7
