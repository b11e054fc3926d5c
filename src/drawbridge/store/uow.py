"""The unit of work: one database transaction, its repositories and the file store.

Services open one per use case (``with uow:``), call ``uow.commit()`` once at the end, and anything
that leaves the block without a commit is rolled back. Blocks nest: a use case called inside
another's block (the fixture loader replaying history) joins the outer transaction, and only the
outermost commit commits. A unique-constraint violation at commit
becomes a ``Conflict`` so that a race the services could not see still answers 409, never 500;
any other broken constraint becomes ``Invalid``. The commit also moves the version of each
company the transaction changed (``store/ledger_versions.py``).
"""

from __future__ import annotations

import weakref
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from types import TracebackType

from sqlalchemy import Connection, Engine
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session, sessionmaker

from drawbridge.domain.errors import Conflict, Invalid, LedgerError
from drawbridge.store import ledger_versions, text_guard
from drawbridge.store.database import READ_ONLY
from drawbridge.store.files import FileStore
from drawbridge.store.models import PayApp
from drawbridge.store.repositories import Repository


@dataclass(frozen=True)
class _Factory:
    bind: Engine  # the engine, with the read-only option for a read-only unit of work
    sessions: sessionmaker[Session]


# One session factory per engine and mode, made once: a factory with its flush guard costs more
# to build than most requests spend in the database.
_FACTORIES: weakref.WeakKeyDictionary[Engine, dict[bool, _Factory]] = weakref.WeakKeyDictionary()


def _factory(engine: Engine, read_only: bool) -> _Factory:
    factories = _FACTORIES.setdefault(engine, {})
    found = factories.get(read_only)
    if found is None:
        bind = engine.execution_options(**{READ_ONLY: True}) if read_only else engine
        sessions = sessionmaker(bind=bind, expire_on_commit=False, autoflush=True)
        text_guard.install(sessions)
        ledger_versions.install(sessions)
        found = factories[read_only] = _Factory(bind, sessions)
    return found


class UnitOfWork:
    def __init__(self, engine: Engine, files: FileStore, *, read_only: bool = False) -> None:
        factory = _factory(engine, read_only)
        self._engine = engine
        self._bind = factory.bind
        self._sessions = factory.sessions
        self.files = files
        self.dialect = engine.dialect.name
        self._session: Session | None = None
        self._depth = 0

    @property
    def session(self) -> Session:
        if self._session is None:
            raise RuntimeError("use the unit of work inside a 'with' block")
        return self._session

    @property
    def repo(self) -> Repository:
        return self._repo

    @property
    def in_transaction(self) -> bool:
        """Inside a ``with`` block: a use case called now joins the open transaction."""
        return self._depth > 0

    def reader(self) -> UnitOfWork:
        """A read-only unit of work on the same database: a write may read and compute there
        before it takes the write lock."""
        return UnitOfWork(self._engine, self.files, read_only=True)

    def __enter__(self) -> UnitOfWork:
        self._depth += 1
        if self._depth == 1:
            self._session = self._sessions()
            self._repo = Repository(self._session)
        return self

    def __exit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        traceback: TracebackType | None,
    ) -> None:
        self._depth -= 1
        if self._depth > 0:
            return
        session = self.session
        try:
            session.rollback()
        finally:
            session.close()
            self._session = None

    @contextmanager
    def read(self) -> Iterator[Connection]:
        """A connection for one read-only query outside any session, for what every request
        asks first (who a token speaks for): a session costs more than such a query.

        On PostgreSQL the query runs in autocommit, a transaction of its own: one round trip
        to the server instead of three (``BEGIN``, the query, the ``ROLLBACK`` that returns the
        connection to the pool), and a single statement sees one snapshot either way. SQLite's
        transactions cost no round trip and keep their usual ``BEGIN``."""
        with self._bind.connect() as connection:
            if self.dialect == "postgresql":
                connection.execution_options(isolation_level="AUTOCOMMIT")
            yield connection

    def flush(self) -> None:
        try:
            self.session.flush()
        except IntegrityError as error:
            raise _conflict(error) from error

    def insert_pay_app(self, pay_app: PayApp) -> None:
        """Write a new pay application at once (``Repository.insert_pay_app``), what the
        session holds flushed first; a broken constraint is reported as a flush reports it."""
        try:
            self.session.flush()
            self.repo.insert_pay_app(pay_app)
        except IntegrityError as error:
            raise _conflict(error) from error

    def commit(self) -> None:
        if self._depth > 1:
            self.flush()
            return
        try:
            # The companies this transaction changed get a new version in the same commit.
            self.session.flush()
            ledger_versions.record(self.session)
            self.session.commit()
        except IntegrityError as error:
            self.session.rollback()
            raise _conflict(error) from error


# SQLSTATE of a unique violation on PostgreSQL; SQLite says so in its message.
_UNIQUE_VIOLATION = "23505"


def _conflict(error: IntegrityError) -> LedgerError:
    """A unique violation is a conflict with an existing record (409); any other broken
    constraint (NOT NULL, CHECK, foreign key) means the request was invalid (422)."""
    original = error.orig
    text = str(original).lower()
    unique = getattr(original, "sqlstate", None) == _UNIQUE_VIOLATION or "unique constraint" in text
    if not unique:
        return Invalid(f"the change breaks a ledger rule: {_first_line(text)}")
    if "origin_id" in text:
        return Conflict("origin_id: a record with this origin_id already exists", field="origin_id")
    if "check_number" in text:
        return Conflict(
            "check_number: this check already pays this pay application", field="check_number"
        )
    return Conflict("the change conflicts with an existing record")


def _first_line(text: str) -> str:
    return text.strip().splitlines()[0] if text.strip() else "constraint violated"
