"""The store's last line: no row is written with a value no answer could carry.

Every face refuses such values at its boundary (``api.guards``, ``api.validation``); this check
runs at each flush, for every face, the fixture loader and the command line alike, so a value
that slipped past a face (text that is not valid Unicode or holds NUL, a non-finite number in a
JSON column) fails the write as ``Invalid`` and nothing is committed, instead of being stored
and breaking every later read of the record.
"""

from __future__ import annotations

import json
import math
from collections.abc import Iterable
from datetime import date
from decimal import Decimal
from typing import Any

from sqlalchemy import event, inspect
from sqlalchemy.orm import Mapper, Session, sessionmaker

from drawbridge.domain.errors import Invalid
from drawbridge.domain.text import text_problem


def install(sessions: sessionmaker[Session]) -> None:
    event.listen(sessions, "before_flush", _refuse_unstorable)


def _refuse_unstorable(session: Session, _context: object, _instances: object) -> None:
    # Only the values this flush writes are looked at: every column of a new row, the changed
    # columns of a changed one (those whose value before the change the session remembers).
    for row in session.new:
        state = inspect(row)
        _check(state.dict, _column_keys(state.mapper), state.dict.keys())
    for row in session.dirty:
        state = inspect(row)
        _check(state.dict, _column_keys(state.mapper), state.committed_state.keys())


def refuse_unstorable_row(row: Any) -> None:
    """Check a new row written outside the session's flush as the flush checks it."""
    state = inspect(row)
    _check(state.dict, _column_keys(state.mapper), state.dict.keys())


_COLUMN_KEYS: dict[Mapper[Any], frozenset[str]] = {}


def _column_keys(mapper: Mapper[Any]) -> frozenset[str]:
    keys = _COLUMN_KEYS.get(mapper)
    if keys is None:
        keys = _COLUMN_KEYS[mapper] = frozenset(column.key for column in mapper.column_attrs)
    return keys


def _check(values: dict[str, Any], columns: frozenset[str], keys: Iterable[str]) -> None:
    for key in keys:
        if key not in columns or key not in values:
            continue
        value = values[key]
        if value is None or isinstance(value, (int, Decimal, date)):
            continue  # what most columns hold, and always storable
        problem = value_problem(value)
        if problem is not None:
            raise Invalid(f"{key}: {problem}", field=key)


def value_problem(value: Any) -> str | None:
    """Why ``value`` (a column value, JSON included) cannot be stored; None when it can."""
    if isinstance(value, str):
        return text_problem(value)
    if isinstance(value, (dict, list)) and _plainly_storable(value):
        return None
    return _walk(value)


def _plainly_storable(value: dict[Any, Any] | list[Any]) -> bool:
    """Whether a JSON value certainly holds nothing unstorable, checked in one pass: written
    out once as JSON (refusing non-finite numbers), with no NUL, whose escape JSON writes as
    ``\\u0000``, and encodable as UTF-8, which a lone surrogate is not. A large payload (an
    application's audit record of a thousand lines) costs one serialization instead of a
    Python step per value. False when in doubt (a value JSON cannot write, text that merely
    looks like the escape): the value is then walked, which names the problem."""
    try:
        text = json.dumps(value, ensure_ascii=False, allow_nan=False, check_circular=False)
    except (TypeError, ValueError, RecursionError):
        return False
    if "\\u0000" in text:
        return False
    try:
        text.encode("utf-8")
    except UnicodeEncodeError:
        return False
    return True


def _walk(value: Any) -> str | None:
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
