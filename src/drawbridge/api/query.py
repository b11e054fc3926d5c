"""A query engine over rendered records, for any face that offers filters, ordering and paging.

Records are flat mappings from dotted field paths (``project.id``, ``summary.totalPrice``) to
plain values (strings, booleans, integers, None). A :class:`Catalog` names the fields a record has
and the type of each (``string``, ``decimal``, ``integer``, ``date``, ``boolean``), so values are
compared by what they mean: decimal strings as numbers, dates as dates.

A query is a list of :class:`Condition` (field, operator, operand), an optional boolean
expression over their 1-based positions (``"(1 and 2) or 3"``; absent means all of them), an
ordering (field, descending) and a page (1-based ``start``, ``size``). Anything unknown (field,
operator, expression token) raises :class:`QueryError` naming where it is, which each face
renders in its own error envelope.

Operators: ``$eq $ne $lt $lte $gt $gte $in $notIn $between $notBetween $contains
$notContains $startsWith $notStartsWith $endsWith $notEndsWith``. String comparisons are case
sensitive unless the query says otherwise.
"""

from __future__ import annotations

import re
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass
from datetime import date
from decimal import Decimal, InvalidOperation
from typing import Any

Record = Mapping[str, Any]
FIELD_TYPES = ("string", "decimal", "integer", "date", "boolean")


class QueryError(Exception):
    """A query names something that does not exist or gives a value that does not fit."""

    def __init__(self, target: str, message: str) -> None:
        super().__init__(f"{target}: {message}")
        self.target = target
        self.message = f"{target}: {message}"


@dataclass(frozen=True)
class Catalog:
    """The fields of one kind of record: dotted path -> type."""

    fields: Mapping[str, str]

    def type_of(self, path: str, target: str) -> str:
        kind = self.fields.get(path)
        if kind is None:
            raise QueryError(target, f"unknown field {path!r}")
        return kind


@dataclass(frozen=True)
class Condition:
    field: str
    operator: str
    operand: Any
    target: str  # where the condition was given, for errors: "filters[0]"


@dataclass(frozen=True)
class Query:
    conditions: Sequence[Condition] = ()
    expression: str | None = None
    order_by: Sequence[tuple[str, bool]] = ()  # (field, descending)
    start: int = 1
    size: int = 100
    case_sensitive: bool = True


@dataclass(frozen=True)
class Page:
    records: list[Record]
    total: int
    start: int
    size: int

    @property
    def next(self) -> int | None:
        return self.start + self.size if self.start - 1 + self.size < self.total else None

    @property
    def previous(self) -> int | None:
        return max(1, self.start - self.size) if self.start > 1 else None


def run(catalog: Catalog, records: Sequence[Record], query: Query) -> Page:
    """Filter, order and page ``records``."""
    tests = [_compile(catalog, condition, query.case_sensitive) for condition in query.conditions]
    matches = _expression(query.expression, len(tests))
    kept = [record for record in records if matches([test(record) for test in tests])]
    # Stable sorts, last key first (a reversed sort keeps equal records in order too).
    for field, descending in reversed(query.order_by):
        kept.sort(key=_sorter(field, catalog.type_of(field, "orderBy")), reverse=descending)
    begin = query.start - 1
    return Page(kept[begin : begin + query.size], len(kept), query.start, query.size)


def nest(record: Record, fields: Sequence[str]) -> dict[str, Any]:
    """The asked-for dotted fields of a flat record, as nested objects."""
    result: dict[str, Any] = {}
    for path in fields:
        parts = path.split(".")
        target = result
        for part in parts[:-1]:
            target = target.setdefault(part, {})
        target[parts[-1]] = record.get(path)
    return result


def flatten(value: Mapping[str, Any], prefix: str = "") -> dict[str, Any]:
    """A nested record as dotted paths (lists are not queryable and are left out)."""
    flat: dict[str, Any] = {}
    for key, item in value.items():
        path = f"{prefix}{key}"
        if isinstance(item, Mapping):
            flat.update(flatten(item, path + "."))
        elif not isinstance(item, list):
            flat[path] = item
    return flat


# -- conditions ---------------------------------------------------------------------------------

UNARY = {
    "$eq": lambda a, b: a == b,
    "$ne": lambda a, b: a != b,
    "$lt": lambda a, b: a < b,
    "$lte": lambda a, b: a <= b,
    "$gt": lambda a, b: a > b,
    "$gte": lambda a, b: a >= b,
}
TEXT = {
    "$contains": lambda a, b: b in a,
    "$startsWith": lambda a, b: a.startswith(b),
    "$endsWith": lambda a, b: a.endswith(b),
}
OPERATORS = (
    *UNARY,
    "$in",
    "$notIn",
    "$between",
    "$notBetween",
    *TEXT,
    *(f"$not{name[1].upper()}{name[2:]}" for name in TEXT),
)

Test = Callable[[Record], bool]


def _compile(catalog: Catalog, condition: Condition, case_sensitive: bool) -> Test:
    kind = catalog.type_of(condition.field, condition.target)
    operator, field, target = condition.operator, condition.field, condition.target

    def value(raw: Any, where: str) -> Any:
        return _coerce(raw, kind, where, case_sensitive)

    def field_value(record: Record) -> Any:
        raw = record.get(field)
        return None if raw is None else _coerce(raw, kind, field, case_sensitive)

    if operator in UNARY:
        compare = UNARY[operator]
        operand = None if condition.operand is None else value(condition.operand, target)
        if operand is None:
            if operator not in ("$eq", "$ne"):
                raise QueryError(target, f"{operator} needs a value")
            return lambda record: (field_value(record) is None) == (operator == "$eq")
        return lambda record: _safe(compare, field_value(record), operand)
    if operator in ("$in", "$notIn"):
        operands = _list(condition.operand, target, operator)
        wanted = [None if item is None else value(item, target) for item in operands]
        inside = operator == "$in"
        return lambda record: (field_value(record) in wanted) == inside
    if operator in ("$between", "$notBetween"):
        bounds = _list(condition.operand, target, operator)
        if len(bounds) != 2:
            raise QueryError(target, f"{operator} takes two values: [low, high]")
        low, high = (value(bound, target) for bound in bounds)
        inside = operator == "$between"
        return lambda record: _safe(lambda a, _: low <= a <= high, field_value(record), 0) == inside
    negated = operator.startswith("$not") and f"${operator[4].lower()}{operator[5:]}" in TEXT
    name = f"${operator[4].lower()}{operator[5:]}" if negated else operator
    if name in TEXT:
        if kind != "string":
            raise QueryError(target, f"{operator} applies to text fields, not {kind} {field!r}")
        text = value(condition.operand, target)
        check = TEXT[name]
        return lambda record: _safe(check, field_value(record), text) != negated
    raise QueryError(target, f"unknown operator {operator!r} (known: {', '.join(OPERATORS)})")


def _safe(compare: Callable[[Any, Any], bool], left: Any, right: Any) -> bool:
    """A comparison with a missing value is false (as in SQL)."""
    return left is not None and bool(compare(left, right))


def _list(operand: Any, target: str, operator: str) -> list[Any]:
    if not isinstance(operand, list):
        raise QueryError(target, f"{operator} takes a list of values")
    return operand


def _coerce(raw: Any, kind: str, target: str, case_sensitive: bool) -> Any:
    if kind == "boolean":
        if isinstance(raw, bool):
            return raw
        if raw in ("true", "false"):
            return raw == "true"
    elif kind in ("decimal", "integer"):
        if not isinstance(raw, (bool, float)):
            try:
                number = Decimal(str(raw))
            except InvalidOperation:
                pass
            else:
                if number.is_finite():
                    return number
    elif kind == "date":
        if isinstance(raw, str):
            try:
                return date.fromisoformat(raw)
            except ValueError:
                pass
    elif isinstance(raw, (str, int)) and not isinstance(raw, bool):
        text = str(raw)
        return text if case_sensitive else text.casefold()
    raise QueryError(target, f"{raw!r} is not a {kind} value")


def _sorter(field: str, kind: str) -> Callable[[Record], tuple[int, Any]]:
    return lambda record: _sort_key(record.get(field), kind)


def _sort_key(value: Any, kind: str) -> tuple[int, Any]:
    """Missing values sort first; others by what they mean."""
    if value is None:
        return (0, 0)
    return (1, _coerce(value, kind, "orderBy", True))


# -- the filter expression ----------------------------------------------------------------------

_TOKEN = re.compile(r"\s*(\(|\)|\d+|and\b|or\b|\S+)", re.IGNORECASE)


def _expression(text: str | None, count: int) -> Callable[[list[bool]], bool]:
    """``"(1 and 2) or 3"`` as a function of the conditions' outcomes; None or blank: all."""
    if text is None or not text.strip():
        return all
    tokens = [token.lower() for token in _TOKEN.findall(text)]
    if text.strip().lower() in ("and", "or"):
        return all if text.strip().lower() == "and" else lambda results: any(results) or not count
    position = 0

    def peek() -> str | None:
        return tokens[position] if position < len(tokens) else None

    def take() -> str:
        nonlocal position
        token = peek()
        if token is None:
            raise QueryError("filterExpression", "ends too early")
        position += 1
        return token

    def primary() -> Callable[[list[bool]], bool]:
        token = take()
        if token == "(":
            inner = disjunction()
            if take() != ")":
                raise QueryError("filterExpression", "a parenthesis is not closed")
            return inner
        if token.isdigit():
            index = int(token)
            if not 1 <= index <= count:
                raise QueryError("filterExpression", f"there is no filter {index}")
            return lambda results: results[index - 1]
        raise QueryError("filterExpression", f"unexpected {token!r}")

    def conjunction() -> Callable[[list[bool]], bool]:
        parts = [primary()]
        while peek() == "and":
            take()
            parts.append(primary())
        return lambda results: all(part(results) for part in parts)

    def disjunction() -> Callable[[list[bool]], bool]:
        parts = [conjunction()]
        while peek() == "or":
            take()
            parts.append(conjunction())
        return lambda results: any(part(results) for part in parts)

    parsed = disjunction()
    if peek() is not None:
        raise QueryError("filterExpression", f"unexpected {peek()!r}")
    return parsed
