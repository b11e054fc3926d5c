"""What the database-path tests share: a list's document compared across its two paths.

Each test asks a list twice, once as it is and once with a filter that holds for every record
(``everyone``) but sends the list down the in-memory path; the two documents must be the same
but for that filter in their links."""

from __future__ import annotations

from typing import Any
from urllib.parse import parse_qsl, urlsplit


def page_without(document: dict[str, Any], everyone: tuple[str, str]) -> dict[str, Any]:
    """The document with the always-true filter taken out of its links."""
    links = {}
    for name, link in document["links"].items():
        parts = urlsplit(link)
        kept = [pair for pair in parse_qsl(parts.query) if pair != everyone]
        links[name] = (parts.path, kept)
    return {**document, "links": links}
