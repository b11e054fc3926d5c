"""Procore's pagination: ``page`` (from 1) and ``per_page``, answered with ``Per-Page``,
``Total`` and a ``Link`` header (first, prev, next, last)."""

from __future__ import annotations

from typing import Annotated
from urllib.parse import urlencode

from fastapi import Query, Request

MAX_PER_PAGE = 1000

Page = Annotated[int, Query(ge=1, le=10**9, description="Page number (from 1)")]
PerPage = Annotated[int, Query(ge=1, le=MAX_PER_PAGE, description="Elements per page")]


def offset_of(page: int, per_page: int) -> int:
    return (page - 1) * per_page


def page_headers(request: Request, page: int, per_page: int, total: int) -> dict[str, str]:
    last = max(1, -(-total // per_page))
    params = [
        (k, v) for k, v in request.query_params.multi_items() if k not in ("page", "per_page")
    ]

    def link(number: int, rel: str) -> str:
        query = urlencode([*params, ("page", str(number)), ("per_page", str(per_page))])
        return f'<{request.url.replace(query=query)}>; rel="{rel}"'

    links = [link(1, "first")]
    if page > 1:
        links.append(link(min(page - 1, last), "prev"))
    if page < last:
        links.append(link(page + 1, "next"))
    links.append(link(last, "last"))
    return {"Per-Page": str(per_page), "Total": str(total), "Link": ", ".join(links)}
