"""Operator use cases: health, reset, fixture loading."""

from __future__ import annotations

from typing import Any

from sqlalchemy import Engine, text

from drawbridge.store.uow import UnitOfWork


def check_database(engine: Engine) -> None:
    with engine.connect() as connection:
        connection.execute(text("SELECT 1"))


def reset(engine: Engine) -> None:
    """Empty every table in one transaction."""
    from drawbridge.store.repositories import empty_all_tables

    with engine.begin() as connection:
        empty_all_tables(connection)


def load_fixture_text(
    uow: UnitOfWork, engine: Engine, text_: str, *, reset: bool
) -> dict[str, Any]:
    from drawbridge.services.fixtures import load_fixture_text as load

    return load(uow, text_, reset=reset)
