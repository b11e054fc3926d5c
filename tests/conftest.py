"""Shared test setup: a real database, its schema built by running the migrations.

SQLite by default (a file in a temporary folder); PostgreSQL when DRAWBRIDGE_TEST_DATABASE_URL
names one (``make test`` runs the suite on both). Each test starts from empty tables.

With DRAWBRIDGE_TEST_WORKERS=N (``make test`` sets 2 for the PostgreSQL run) the ``client``
fixture stands for ``drawbridge serve --workers N``: N applications, each with a connection pool
and a response cache of its own on the one database, taking requests in turn. A read that
follows a write is then answered by another worker than the write.
"""

from __future__ import annotations

import itertools
import os
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from fastapi import FastAPI
from fastapi.testclient import TestClient
from starlette.types import Receive, Scope, Send

from drawbridge.api.app import create_app
from drawbridge.bootstrap import Runtime, Settings
from drawbridge.store import migrate
from drawbridge.store.database import make_engine
from drawbridge.store.repositories import empty_all_tables

OPERATOR_TOKEN = "test-operator-token-0001"
POSTGRES_URL = os.environ.get("DRAWBRIDGE_TEST_DATABASE_URL")
TEST_WORKERS = int(os.environ.get("DRAWBRIDGE_TEST_WORKERS") or "1")


def pytest_configure(config: pytest.Config) -> None:
    config.addinivalue_line("markers", "postgres: runs only on PostgreSQL")


def pytest_collection_modifyitems(config: pytest.Config, items: list[pytest.Item]) -> None:
    if POSTGRES_URL:
        return
    skip = pytest.mark.skip(reason="needs PostgreSQL (set DRAWBRIDGE_TEST_DATABASE_URL)")
    for item in items:
        if "postgres" in item.keywords:
            item.add_marker(skip)


@pytest.fixture(scope="session")
def database_url(tmp_path_factory: pytest.TempPathFactory) -> str:
    if POSTGRES_URL:
        return POSTGRES_URL
    return f"sqlite:///{tmp_path_factory.mktemp('db') / 'drawbridge.db'}"


@pytest.fixture(scope="session")
def migrated_engine(database_url: str) -> Iterator[Any]:
    engine = make_engine(database_url)
    migrate.downgrade(engine)  # a database left by an earlier run starts from nothing
    migrate.upgrade(engine)
    yield engine
    engine.dispose()


@pytest.fixture
def runtime(migrated_engine: Any, tmp_path: Path) -> Iterator[Runtime]:
    settings = Settings(
        database_url=migrated_engine.url.render_as_string(hide_password=False),
        data_dir=tmp_path / "files",
        operator_token=OPERATOR_TOKEN,
    )
    yield Runtime(settings, engine=migrated_engine)
    with migrated_engine.begin() as connection:
        empty_all_tables(connection)


@pytest.fixture
def client(runtime: Runtime) -> Iterator[TestClient]:
    if TEST_WORKERS == 1:
        with TestClient(create_app(runtime)) as test_client:
            yield test_client
        return
    engines = [make_engine(runtime.settings.database_url) for _ in range(TEST_WORKERS)]
    try:
        workers = Workers([create_app(Runtime(runtime.settings, engine=e)) for e in engines])
        with TestClient(workers) as test_client:
            yield test_client
    finally:
        for engine in engines:
            engine.dispose()


class Workers:
    """Applications that take requests in turn, as the worker processes of ``serve --workers``
    take connections."""

    def __init__(self, apps: list[FastAPI]) -> None:
        self.apps = apps
        self._turns = itertools.cycle(apps)
        self.state = apps[0].state

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] == "lifespan":
            # The application has no start-up or shut-down work of its own.
            while (await receive())["type"] != "lifespan.shutdown":
                await send({"type": "lifespan.startup.complete"})
            await send({"type": "lifespan.shutdown.complete"})
            return
        await next(self._turns)(scope, receive, send)


@pytest.fixture
def demo(runtime: Runtime) -> Runtime:
    """The bundled demo ledger, loaded as `drawbridge serve --demo` loads it."""
    from drawbridge.cli import demo_fixture_text
    from drawbridge.services import fixtures

    fixtures.load_fixture_text(runtime.uow(), demo_fixture_text())
    return runtime
