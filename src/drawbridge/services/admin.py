"""Operator use cases: health and reset (fixture loading is services/fixtures.py)."""

from __future__ import annotations

from sqlalchemy import Engine, text

from drawbridge.store.repositories import empty_all_tables


def check_database(engine: Engine) -> None:
    with engine.connect() as connection:
        connection.execute(text("SELECT 1"))


def reset(engine: Engine) -> None:
    """Empty every table in one transaction."""
    with engine.begin() as connection:
        empty_all_tables(connection)
