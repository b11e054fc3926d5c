"""The composition root: settings, engine, file store and unit-of-work factory for api, web, cli."""

from __future__ import annotations

import os
from dataclasses import dataclass
from pathlib import Path

from sqlalchemy import Engine

from drawbridge.store import migrate
from drawbridge.store.database import database_url, make_engine
from drawbridge.store.files import FileStore
from drawbridge.store.uow import UnitOfWork

# The largest request body any face takes (attachments included), unless configured.
DEFAULT_MAX_BODY_BYTES = 25 * 1024 * 1024


@dataclass(frozen=True)
class Settings:
    database_url: str
    data_dir: Path
    operator_token: str | None
    max_body_bytes: int = DEFAULT_MAX_BODY_BYTES

    @classmethod
    def from_environment(
        cls,
        database: str | None = None,
        data_dir: str | Path | None = None,
        operator_token: str | None = None,
    ) -> Settings:
        return cls(
            database_url=database_url(database),
            data_dir=Path(data_dir or os.environ.get("DRAWBRIDGE_DATA_DIR") or "./data"),
            operator_token=operator_token or os.environ.get("DRAWBRIDGE_OPERATOR_TOKEN") or None,
            max_body_bytes=_positive_int("DRAWBRIDGE_MAX_BODY_BYTES", DEFAULT_MAX_BODY_BYTES),
        )


def _positive_int(name: str, default: int) -> int:
    text = os.environ.get(name, "").strip()
    if not text:
        return default
    if not (text.isascii() and text.isdigit() and int(text) > 0):
        raise ValueError(f"{name}: a positive number of bytes, not {text!r}")
    return int(text)


class Runtime:
    """Everything a face needs to reach the ledger: one per process."""

    def __init__(self, settings: Settings, engine: Engine | None = None) -> None:
        self.settings = settings
        self.engine = engine or make_engine(settings.database_url)
        self.files = FileStore(settings.data_dir)

    def uow(self, *, read_only: bool = False) -> UnitOfWork:
        return UnitOfWork(self.engine, self.files, read_only=read_only)

    def migrate(self) -> None:
        migrate.upgrade(self.engine)

    def close(self) -> None:
        self.engine.dispose()


def build(
    database: str | None = None,
    data_dir: str | Path | None = None,
    operator_token: str | None = None,
    *,
    run_migrations: bool = True,
) -> Runtime:
    runtime = Runtime(Settings.from_environment(database, data_dir, operator_token))
    if run_migrations:
        runtime.migrate()
    return runtime
