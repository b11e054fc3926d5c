"""The composition root: settings, engine, file store and unit-of-work factory for api, web, cli."""

from __future__ import annotations

import os
from dataclasses import dataclass
from pathlib import Path

from sqlalchemy import Engine
from sqlalchemy.exc import ArgumentError, DBAPIError, NoSuchModuleError

from drawbridge.store import migrate
from drawbridge.store.database import database_url, display_url, make_engine, sqlite_file
from drawbridge.store.files import FileStore
from drawbridge.store.uow import UnitOfWork

# The largest request body any face takes (attachments included), unless configured.
DEFAULT_MAX_BODY_BYTES = 25 * 1024 * 1024
# Memory each process may give to answers it can repeat (api/response_cache.py).
DEFAULT_RESPONSE_CACHE_BYTES = 32 * 1024 * 1024
# How many requests one server process computes at once (``serve --threads``, api/app.py). A
# request's work is Python holding the GIL but for short database calls, so more threads only
# take turns at it: with 16 requests in flight, 16 threads spent 1.8 times the CPU per request
# that 2 threads did (most likely the GIL handed over at every database call, and processor
# caches gone cold between turns) and answered 40 % fewer a second. Two rather than one, so
# that a request waiting on a lock or building a large export leaves the process another. The
# requests beyond them wait on the event loop, which costs nothing.
DEFAULT_REQUEST_THREADS = 2


@dataclass(frozen=True)
class Settings:
    database_url: str
    data_dir: Path
    operator_token: str | None
    # Every company's callers get the vendors' published request limits (api/ratelimit.py);
    # without it only companies whose fixture asks for them (``vendor_limits: true``) do.
    vendor_limits: bool = False
    max_body_bytes: int = DEFAULT_MAX_BODY_BYTES
    response_cache_bytes: int = DEFAULT_RESPONSE_CACHE_BYTES

    @classmethod
    def from_environment(
        cls,
        database: str | None = None,
        data_dir: str | Path | None = None,
        operator_token: str | None = None,
        vendor_limits: bool = False,
    ) -> Settings:
        return cls(
            database_url=database_url(database),
            data_dir=Path(data_dir or os.environ.get("DRAWBRIDGE_DATA_DIR") or "./data"),
            operator_token=operator_token or os.environ.get("DRAWBRIDGE_OPERATOR_TOKEN") or None,
            vendor_limits=vendor_limits,
            max_body_bytes=_byte_count("DRAWBRIDGE_MAX_BODY_BYTES", DEFAULT_MAX_BODY_BYTES),
            response_cache_bytes=_byte_count(
                "DRAWBRIDGE_RESPONSE_CACHE_BYTES", DEFAULT_RESPONSE_CACHE_BYTES, allow_zero=True
            ),
        )


def _byte_count(name: str, default: int, *, allow_zero: bool = False) -> int:
    text = os.environ.get(name, "").strip()
    if not text:
        return default
    least = 0 if allow_zero else 1
    if not (text.isascii() and text.isdigit() and int(text) >= least):
        kind = "a number of bytes" if allow_zero else "a positive number of bytes"
        raise ValueError(f"{name}: {kind}, not {text!r}")
    return int(text)


class Runtime:
    """Everything a face needs to reach the ledger: one per process."""

    def __init__(self, settings: Settings, engine: Engine | None = None) -> None:
        self.settings = settings
        self.engine = engine or make_engine(settings.database_url)
        self.files = FileStore(settings.data_dir)

    def uow(self, *, read_only: bool = False) -> UnitOfWork:
        return UnitOfWork(self.engine, self.files, read_only=read_only)

    @property
    def database_is_local_file(self) -> bool:
        """A SQLite file: a query waits on no network, only on the disk."""
        return self.engine.dialect.name == "sqlite"

    def migrate(self) -> None:
        migrate.upgrade(self.engine)

    def close(self) -> None:
        self.engine.dispose()


class DatabaseUnavailable(Exception):
    """The database cannot be used: a one-line message that says what to do."""


URL_HELP = "use sqlite:///path/to/file.db or postgresql://user@host:port/dbname"


def build(
    database: str | None = None,
    data_dir: str | Path | None = None,
    operator_token: str | None = None,
    *,
    run_migrations: bool = True,
    create: bool = True,
    vendor_limits: bool = False,
) -> Runtime:
    """The runtime on a reachable, migrated database.

    ``create=False`` (read-only commands) refuses a SQLite file that does not exist instead of
    creating an empty one. Every failure to reach the database is a :class:`DatabaseUnavailable`.
    """
    settings = Settings.from_environment(
        database, data_dir, operator_token, vendor_limits=vendor_limits
    )
    url = settings.database_url
    try:
        path = sqlite_file(url)
        if path is not None and not create and not path.is_file():
            raise DatabaseUnavailable(
                f"no database at {path}: load one first (drawbridge load FILE, or drawbridge "
                "serve --demo), or name another with --database or DRAWBRIDGE_DATABASE_URL"
            )
        if path is not None and not path.parent.is_dir():
            raise DatabaseUnavailable(f"cannot create {path}: the folder {path.parent} is missing")
        runtime = Runtime(settings)
    except (ArgumentError, NoSuchModuleError, ValueError) as error:
        raise DatabaseUnavailable(
            f"{display_url(url)!r} is not a database URL: {URL_HELP}"
        ) from error
    except ImportError as error:
        raise DatabaseUnavailable(
            f"{display_url(url)}: its driver {error.name} is not installed: {URL_HELP}"
        ) from error
    if run_migrations:
        try:
            runtime.migrate()
        except DBAPIError as error:
            runtime.close()
            reason = str(error.orig).strip().splitlines()[0] if error.orig else str(error)
            raise DatabaseUnavailable(
                f"cannot use the database {display_url(url)}: {reason} (is the server running, "
                "and the URL right?)"
            ) from error
    return runtime
