"""SQLite writers queue on the engine's writer queue, never on SQLite's busy handler: those of
one process on a thread lock, those of several processes on the database's ``-writers`` flock.

Every connection here gets ``busy_timeout=0``: a writer that met another's write lock in SQLite
would fail at once with "database is locked". With the queue, none does, and every increment of
a shared counter (read, then written, in one transaction) counts exactly once.
"""

from __future__ import annotations

import fcntl
import os
import subprocess
import sys
import threading
import time
from pathlib import Path
from typing import Any

import pytest
from sqlalchemy import Engine, event, text

from drawbridge.store.database import (
    READ_ONLY,
    WriterQueue,
    make_engine,
    sqlite_file,
    writer_lock_path,
)

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


# Writers in other processes: each runs this program, whose connections also never wait in
# SQLite's busy handler; they queue on the file's flock instead.
_PROCESS_WRITER = """
import sys, threading
from sqlalchemy import event, text
from drawbridge.store.database import make_engine
engine = make_engine(sys.argv[1])
event.listen(engine, "connect", lambda c, _r: c.execute("PRAGMA busy_timeout=0"))
errors = []
def write():
    try:
        for _ in range(int(sys.argv[3])):
            with engine.begin() as connection:
                value = connection.execute(text("SELECT value FROM counter")).scalar_one()
                connection.execute(text("UPDATE counter SET value = :v"), {"v": value + 1})
    except BaseException as error:
        errors.append(error)
pool = [threading.Thread(target=write) for _ in range(int(sys.argv[2]))]
for thread in pool: thread.start()
for thread in pool: thread.join()
sys.exit(repr(errors[0]) if errors else 0)
"""


def test_writers_of_several_processes_take_turns(engine: Engine) -> None:
    processes, threads, writes = 3, 4, 10
    writers = [
        subprocess.Popen(
            [sys.executable, "-c", _PROCESS_WRITER, str(engine.url), str(threads), str(writes)],
            stderr=subprocess.PIPE,
            text=True,
        )
        for _ in range(processes)
    ]
    failures = []
    for writer in writers:
        _, stderr = writer.communicate(timeout=DEADLINE_SECONDS)
        if writer.returncode != 0:
            failures.append(stderr)
    assert not failures, failures  # "database is locked" had a writer met another's lock
    assert _value(engine) == processes * threads * writes


def _lock_path(engine: Engine) -> Path:
    database = sqlite_file(str(engine.url))
    assert database is not None
    return writer_lock_path(database)


def test_a_writer_gives_up_at_its_deadline_and_the_queue_goes_on(engine: Engine) -> None:
    queue = WriterQueue(_lock_path(engine))
    # Another process's writer holds the turn (a flock on another open file, as its would be).
    holder = os.open(_lock_path(engine), os.O_RDWR)
    try:
        fcntl.flock(holder, fcntl.LOCK_EX)
        started = time.monotonic()
        assert not queue.acquire(timeout=0.3)
        assert time.monotonic() - started >= 0.3
        fcntl.flock(holder, fcntl.LOCK_UN)
        assert queue.acquire(timeout=5)  # the wait given up let the turn go
        with pytest.raises(BlockingIOError):  # and this one holds it now
            fcntl.flock(holder, fcntl.LOCK_EX | fcntl.LOCK_NB)
        queue.release()
        fcntl.flock(holder, fcntl.LOCK_EX | fcntl.LOCK_NB)
        fcntl.flock(holder, fcntl.LOCK_UN)
    finally:
        os.close(holder)


def test_a_process_that_dies_holding_the_turn_frees_it(engine: Engine) -> None:
    hold_forever = (
        "import fcntl, os, sys, time\n"
        "descriptor = os.open(sys.argv[1], os.O_RDWR | os.O_CREAT)\n"
        "fcntl.flock(descriptor, fcntl.LOCK_EX)\n"
        "print('held', flush=True)\n"
        "time.sleep(600)\n"
    )
    with subprocess.Popen(
        [sys.executable, "-c", hold_forever, str(_lock_path(engine))],
        stdout=subprocess.PIPE,
        text=True,
    ) as holder:
        try:
            assert holder.stdout is not None
            assert holder.stdout.readline().strip() == "held"
            queue = WriterQueue(_lock_path(engine))
            assert not queue.acquire(timeout=0.2)
            holder.kill()
            holder.wait(timeout=10)
            assert queue.acquire(timeout=10)
            queue.release()
        finally:
            holder.kill()
    with engine.begin() as connection:  # the engine's own queue goes on too
        connection.execute(text("UPDATE counter SET value = value + 1"))
    assert _value(engine) == 1
