"""List queries in the JSON:API style: ``filter[...]`` with operators and logical groups,
``sort``, ``page[number]``/``page[size]`` (or ``limit`` and an opaque ``cursor``) and
``include``, for any face that speaks it.

A face describes what may be filtered and sorted, and gives, per record, the values its clients
see (a ``Row``: name -> value, money in the minor units the face shows). This module parses the
query, checks every name and value against that description, and filters, sorts and pages the
rows, so every list of every face reads the same query the same way.

- ``filter[amount]=100`` (``eq``), ``filter[amount][gt]=100``; operators ``eq``, ``not_eq``,
  ``contains``, ``not_contain``, ``gt``, ``gt_eq``, ``lt``, ``lt_eq``. Several values (a
  comma-separated list for array filters, or the parameter repeated) match any of them (``eq``,
  ``contains``) or none of them (``not_eq``, ``not_contain``).
- ``filter[$op]=or&filter[0][...]&filter[1][...]``: a logical group of operands, each a
  condition or another group (``filter[1][$op]=and&filter[1][0][...]``); ``and`` by default.
- ``sort=amount,-paid_on``: ``-`` for descending; ties always end ordered by id, so pages are
  stable. Nulls sort after every value ascending (before, descending).
- Dates compare by their date part (``2025-05-01T10:00:00+02:00`` is ``2025-05-01``).
"""

from __future__ import annotations

import base64
import binascii
import math
import re
from collections.abc import Callable, Collection, Mapping, Sequence
from dataclasses import dataclass
from datetime import date
from typing import Literal, TypeVar
from urllib.parse import urlencode

Row = Mapping[str, object]
Item = TypeVar("Item")
Kind = Literal["integer", "date", "text"]

OPERATORS = ("eq", "not_eq", "contains", "not_contain", "gt", "gt_eq", "lt", "lt_eq")
NEGATIVE = frozenset({"not_eq", "not_contain"})
LOGICAL = ("and", "or")
MAX_DEPTH = 8
DEFAULT_PAGE_SIZE = 30
MAX_PAGE_SIZE = 200
MAX_PAGE_NUMBER = 10**9
_INTEGER = re.compile(r"-?[0-9]{1,18}")
_POSITIVE = re.compile(r"[0-9]{1,10}")


class ListingError(Exception):
    """A query parameter the list cannot honour: 400, with a title naming the kind of problem
    ("Unsupported Filter", "Unsupported Sort", ...) and the parameter."""

    def __init__(self, title: str, detail: str, parameter: str) -> None:
        super().__init__(detail)
        self.title = title
        self.detail = detail
        self.parameter = parameter


@dataclass(frozen=True)
class FilterField:
    """A filter a list accepts: the row value it reads, its kind, whether it takes an array,
    and a fixed operator for filters that imply one (``paid_after`` is ``paid_on gt_eq``)."""

    kind: Kind
    column: str | None = None  # the row key; the filter's own name when None
    many: bool = False
    operator: str | None = None


@dataclass(frozen=True)
class Condition:
    column: str
    kind: Kind
    operator: str
    values: tuple[object, ...]


@dataclass(frozen=True)
class Group:
    op: str
    operands: tuple[Condition | Group, ...]


MATCH_ALL = Group("and", ())


@dataclass(frozen=True)
class PageRequest:
    number: int
    size: int


# -- parsing -----------------------------------------------------------------------------------


def parse_filter(params: Sequence[tuple[str, str]], fields: Mapping[str, FilterField]) -> Group:
    """The ``filter[...]`` parameters of a query as one logical group."""
    entries = []
    for key, value in params:
        if key == "filter" or key.startswith("filter["):
            entries.append((_bracket_path(key), value, key))
    return _group(entries, fields, depth=0)


def _bracket_path(key: str) -> list[str]:
    """``filter[0][amount][gt]`` -> ``["0", "amount", "gt"]``."""
    rest = key[len("filter") :]
    parts: list[str] = []
    while rest:
        if not rest.startswith("[") or "]" not in rest:
            raise ListingError("Unsupported Filter", f"Filter '{key}' is malformed", key)
        part, _, rest = rest[1:].partition("]")
        parts.append(part)
    if not parts or len(parts) > MAX_DEPTH:
        raise ListingError("Unsupported Filter", f"Filter '{key}' is malformed", key)
    return parts


def _group(
    entries: list[tuple[list[str], str, str]], fields: Mapping[str, FilterField], depth: int
) -> Group:
    if depth > MAX_DEPTH:
        raise ListingError("Unsupported Filter", "Filter groups are nested too deeply", "filter")
    op = "and"
    members: dict[str, list[tuple[list[str], str, str]]] = {}
    values: dict[tuple[str, str], list[str]] = {}
    for path, value, key in entries:
        head, tail = path[0], path[1:]
        if head == "$op":
            if tail or value.lower() not in LOGICAL:
                raise ListingError(
                    "Unsupported Filter Value",
                    f"Filter '{key}' must be one of {', '.join(LOGICAL)}",
                    key,
                )
            op = value.lower()
        elif head.isascii() and head.isdigit():
            if not tail:
                raise ListingError("Unsupported Filter", f"Filter '{key}' names no operand", key)
            members.setdefault(head, []).append((tail, value, key))
        else:
            field = fields.get(head)
            if field is None:
                raise ListingError(
                    "Unsupported Filter", f"Filter '{head}' is not supported on this endpoint", key
                )
            operator = _operator(field, tail, key)
            values.setdefault((head, operator), []).append(value)
    operands: list[Condition | Group] = []
    for (name, operator), raw_values in values.items():
        field = fields[name]
        # contains / not_contain look for text in the value as shown ("0001" in 900001).
        kind: Kind = "text" if operator in ("contains", "not_contain") else field.kind
        parsed = tuple(
            _value(kind, text, name)
            for raw in raw_values
            for text in (raw.split(",") if field.many else [raw])
        )
        operands.append(Condition(field.column or name, field.kind, operator, parsed))
    for index in sorted(members, key=int):
        operands.append(_group(members[index], fields, depth + 1))
    return Group(op, tuple(operands))


def _operator(field: FilterField, tail: list[str], key: str) -> str:
    if field.operator is not None:
        if tail and tail != [""]:
            raise ListingError(
                "Unsupported Filter", f"Filter '{key}' takes no operator on this endpoint", key
            )
        return field.operator
    if not tail or tail == [""]:  # filter[x]=1, filter[x][]=1
        return "eq"
    if len(tail) == 1 and tail[0] in OPERATORS:
        return tail[0]
    raise ListingError(
        "Unsupported Filter",
        f"Filter operation '{']['.join(tail)}' in '{key}' is not supported; "
        f"use one of {', '.join(OPERATORS)}",
        key,
    )


def _value(kind: Kind, text: str, name: str) -> object:
    text = text.strip()
    if kind == "integer":
        if not _INTEGER.fullmatch(text):
            raise ListingError(
                "Unsupported Filter Value", f"Filter '{name}' needs an integer, not '{text}'", name
            )
        return int(text)
    if kind == "date":
        try:
            return date.fromisoformat(text[:10])
        except ValueError:
            raise ListingError(
                "Unsupported Filter Value",
                f"Filter '{name}' needs a date (YYYY-MM-DD), not '{text}'",
                name,
            ) from None
    return text


def parse_sort(text: str | None, allowed: Collection[str]) -> tuple[tuple[str, bool], ...]:
    """``"amount,-paid_on"`` -> ``(("amount", False), ("paid_on", True))``."""
    if text is None or not text.strip():
        return ()
    keys = []
    for part in text.split(","):
        part = part.strip()
        descending = part.startswith("-")
        name = part.removeprefix("-")
        if name not in allowed:
            raise ListingError(
                "Unsupported Sort", f"Sort by '{name}' is not supported on this endpoint", "sort"
            )
        keys.append((name, descending))
    return tuple(keys)


def parse_include(text: str | None, allowed: Collection[str]) -> frozenset[str] | None:
    """The relationship paths asked for; None when the parameter is absent (the default set)."""
    if text is None:
        return None
    paths = frozenset(part.strip() for part in text.split(",") if part.strip())
    for path in sorted(paths):
        if path not in allowed:
            raise ListingError(
                "Unsupported Include",
                f"Include '{path}' is not supported on this endpoint",
                "include",
            )
    return paths


def parse_aggregates(text: str | None, allowed: Collection[str]) -> None:
    """``aggregates=total_amount``: every name must be one the list computes."""
    for name in (part.strip() for part in (text or "").split(",")):
        if name and name not in allowed:
            raise ListingError(
                "Unsupported Aggregate",
                f"Aggregate '{name}' is not supported on this endpoint",
                "aggregates",
            )


def parse_page(params: Sequence[tuple[str, str]]) -> PageRequest:
    number, size = 1, DEFAULT_PAGE_SIZE
    for key, value in params:
        if not key.startswith("page"):
            continue
        if key not in ("page[number]", "page[size]"):
            raise ListingError(
                "Unsupported Page Parameter",
                f"'{key}' is not supported; use page[number] and page[size]",
                key,
            )
        text = value.strip()
        if not _POSITIVE.fullmatch(text) or not 1 <= int(text) <= MAX_PAGE_NUMBER:
            raise ListingError("Invalid Page Parameter", f"'{key}' must be a positive integer", key)
        if key == "page[number]":
            number = int(text)
        else:
            size = min(int(text), MAX_PAGE_SIZE)
    return PageRequest(number=number, size=size)


# -- evaluation ---------------------------------------------------------------------------------


def matches(node: Group | Condition, row: Row) -> bool:
    if isinstance(node, Condition):
        return _holds(node, row.get(node.column))
    results = (matches(operand, row) for operand in node.operands)
    return any(results) if node.op == "or" else all(results)


def _holds(condition: Condition, value: object) -> bool:
    operator = condition.operator
    if operator in ("contains", "not_contain"):
        text = "" if value is None else str(value).casefold()
        found = any(str(wanted).casefold() in text for wanted in condition.values)
        return found if operator == "contains" else not found
    if operator in ("eq", "not_eq"):
        equal = any(value == wanted for wanted in condition.values)
        return equal if operator == "eq" else not equal
    if value is None:
        return False
    compare: Callable[[object, object], bool] = _COMPARISONS[operator]
    return all(compare(value, wanted) for wanted in condition.values)


_COMPARISONS: dict[str, Callable[[object, object], bool]] = {
    "gt": lambda a, b: a > b,  # type: ignore[operator]
    "gt_eq": lambda a, b: a >= b,  # type: ignore[operator]
    "lt": lambda a, b: a < b,  # type: ignore[operator]
    "lt_eq": lambda a, b: a <= b,  # type: ignore[operator]
}


def select(
    items: Sequence[Item],
    row_of: Callable[[Item], Row],
    where: Group,
    order: Sequence[tuple[str, bool]],
    id_column: str = "id",
) -> list[Item]:
    """The items whose rows match, sorted by ``order`` and then by id."""
    rows = [(item, row_of(item)) for item in items]
    chosen = [pair for pair in rows if matches(where, pair[1])]
    chosen.sort(key=lambda pair: _sortable(pair[1].get(id_column)))
    for column, descending in reversed(order):
        chosen.sort(key=lambda pair: _sortable(pair[1].get(column)), reverse=descending)
    return [item for item, _ in chosen]


def _sortable(value: object) -> tuple[bool, object]:
    """Nulls after every value; text without regard to case."""
    if value is None:
        return (True, 0)
    if isinstance(value, str):
        return (False, value.casefold())
    return (False, value)


# -- paging ------------------------------------------------------------------------------------


def page_of(
    items: Sequence[Item],
    page: PageRequest,
    url: str,
    params: Sequence[tuple[str, str]],
) -> tuple[list[Item], dict[str, str], dict[str, int]]:
    """One page of ``items`` with its ``links`` (first, prev, next, last) and ``meta``."""
    total = len(items)
    total_pages = math.ceil(total / page.size)
    last = max(1, total_pages)
    start = (page.number - 1) * page.size
    chosen = list(items[start : start + page.size])
    kept = [(key, value) for key, value in params if not key.startswith("page")]

    def link(number: int) -> str:
        query = urlencode([*kept, ("page[number]", str(number)), ("page[size]", str(page.size))])
        return f"{url}?{query}"

    links = {"first": link(1)}
    if 1 < page.number <= last + 1:
        links["prev"] = link(page.number - 1)
    if page.number < last:
        links["next"] = link(page.number + 1)
    links["last"] = link(last)
    meta = {
        "current_page": page.number,
        "total_pages": total_pages,
        "total_count": total,
        "page_size": page.size,
        "max_page_size": MAX_PAGE_SIZE,
    }
    return chosen, links, meta


# -- cursor paging -------------------------------------------------------------------------------


@dataclass(frozen=True)
class CursorRequest:
    limit: int
    offset: int


def parse_cursor(limit: str | None, cursor: str | None) -> CursorRequest:
    """``limit`` (1 to MAX_PAGE_SIZE, DEFAULT_PAGE_SIZE when absent) and the ``cursor`` a
    previous page's ``next`` link carried (absent: the first page)."""
    size = DEFAULT_PAGE_SIZE
    if limit is not None:
        text = limit.strip()
        if not _POSITIVE.fullmatch(text) or not 1 <= int(text) <= MAX_PAGE_SIZE:
            raise ListingError(
                "Invalid Page Parameter", f"'limit' must be 1 to {MAX_PAGE_SIZE}", "limit"
            )
        size = int(text)
    offset = 0
    if cursor is not None:
        offset = _offset_of(cursor)
    return CursorRequest(limit=size, offset=offset)


def _offset_of(cursor: str) -> int:
    try:
        text = base64.urlsafe_b64decode(cursor.strip() + "==").decode("ascii")
    except (binascii.Error, UnicodeDecodeError, ValueError):
        text = ""
    kind, _, number = text.partition(":")
    if kind != "o" or not _POSITIVE.fullmatch(number) or int(number) > MAX_PAGE_NUMBER:
        raise ListingError(
            "Invalid Page Parameter", "'cursor' is not one this list gave out", "cursor"
        )
    return int(number)


def cursor_of(offset: int) -> str:
    return base64.urlsafe_b64encode(f"o:{offset}".encode()).decode("ascii").rstrip("=")


def cursor_page_of(
    items: Sequence[Item], page: CursorRequest, url: str, params: Sequence[tuple[str, str]]
) -> tuple[list[Item], str | None]:
    """One page of ``items`` and the link to the next one (None on the last page)."""
    end = page.offset + page.limit
    chosen = list(items[page.offset : end])
    if end >= len(items):
        return chosen, None
    kept = [(key, value) for key, value in params if key not in ("cursor", "limit")]
    query = urlencode([*kept, ("limit", str(page.limit)), ("cursor", cursor_of(end))])
    return chosen, f"{url}?{query}"
