"""The store's last line: no row is written with a value no answer could carry.

Every face refuses such values at its boundary (``api.guards``, ``api.validation``); this check
runs at each flush, for every face, the fixture loader and the command line alike, so a value
that slipped past a face (text that is not valid Unicode or holds NUL, a non-finite number in a
JSON column) fails the write as ``Invalid`` and nothing is committed, instead of being stored
and breaking every later read of the record.
"""

from __future__ import annotations

import math
from typing import Any

from sqlalchemy import event, inspect
from sqlalchemy.orm import Session, sessionmaker

from drawbridge.domain.errors import Invalid
from drawbridge.domain.text import text_problem


def install(sessions: sessionmaker[Session]) -> None:
    event.listen(sessions, "before_flush", _refuse_unstorable)


def _refuse_unstorable(session: Session, _context: object, _instances: object) -> None:
    for row, only_changed in [
        *((row, False) for row in session.new),
        *((row, True) for row in session.dirty),
    ]:
        state = inspect(row)
        for column in state.mapper.column_attrs:
            if column.key not in state.dict:
                continue
            if only_changed and not state.attrs[column.key].history.added:
                continue
            problem = value_problem(state.dict[column.key])
            if problem is not None:
                raise Invalid(f"{column.key}: {problem}", field=column.key)


def value_problem(value: Any) -> str | None:
    """Why ``value`` (a column value, JSON included) cannot be stored; None when it can."""
    pending = [value]
    while pending:
        item = pending.pop()
        if isinstance(item, str):
            problem = text_problem(item)
            if problem is not None:
                return problem
        elif isinstance(item, float) and not math.isfinite(item):
            return "must be a finite number"
        elif isinstance(item, dict):
            pending.extend(item.keys())
            pending.extend(item.values())
        elif isinstance(item, (list, tuple)):
            pending.extend(item)
    return None
