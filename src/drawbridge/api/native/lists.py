"""Every list of ``/v1``: ``filter[...]`` and ``sort`` as api/listing.py reads them on every
face, then a page of ``limit`` records (30 by default, at most 200) and the ``next`` link that
carries the cursor to the following page (``null`` on the last one)."""

from __future__ import annotations

from collections.abc import Callable, Mapping, Sequence
from typing import Annotated, Any, TypeVar

from fastapi import Depends, Query, Request
from fastapi.responses import Response

from drawbridge.api import listing
from drawbridge.api.listing import FilterField
from drawbridge.api.native.deps import read

Item = TypeVar("Item")


def respond_list(
    request: Request,
    items: Sequence[Item],
    row_of: Callable[[Item], Mapping[str, object]],
    filters: Mapping[str, FilterField],
    sorts: Sequence[str],
    to_json: Callable[[Item], dict[str, Any]],
) -> Response:
    params = list(request.query_params.multi_items())
    where = listing.parse_filter(params, filters)
    order = listing.parse_sort(request.query_params.get("sort"), sorts)
    page = listing.parse_cursor(
        request.query_params.get("limit"), request.query_params.get("cursor")
    )
    chosen = listing.select(items, row_of, where, order)
    url = str(request.url.replace(query=""))
    rows, next_link = listing.cursor_page_of(chosen, page, url, params)
    return read({"data": [to_json(item) for item in rows], "next": next_link}, request)


def list_parameters(filters: Mapping[str, FilterField], sorts: Sequence[str]) -> str:
    """The list's query parameters, for its OpenAPI description."""
    return (
        f"Filters: {', '.join(f'filter[{name}]' for name in filters) or 'none'} "
        "(operators as filter[name][gt]=...). "
        f"Sort: sort={','.join(sorts)} (- for descending). "
        "Pages: limit (1-200, default 30) and the cursor from the previous page's next link."
    )


def page_parameters(
    limit: Annotated[int | None, Query(ge=1, le=listing.MAX_PAGE_SIZE)] = None,
    cursor: Annotated[str | None, Query(max_length=64)] = None,
    sort: Annotated[str | None, Query(max_length=255)] = None,
) -> None:
    """Declares the list parameters (read again, with the filters, by respond_list)."""


PAGED = [Depends(page_parameters)]
