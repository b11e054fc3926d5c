"""What text the ledger stores: valid Unicode without NUL.

A JSON ``"\\ud83d"`` escape decodes to a lone surrogate, which no UTF-8 response can carry; a
NUL cannot be stored in PostgreSQL text. Either, once stored, would make every later answer that
shows the record fail, so every face refuses them on the way in and the store refuses them on
the way down (one rule, here).
"""

from __future__ import annotations


def text_problem(value: str) -> str | None:
    """Why ``value`` cannot be stored as text, or None when it can."""
    if "\x00" in value:
        return "must not contain NUL characters"
    try:
        value.encode("utf-8")
    except UnicodeEncodeError:
        return "not valid Unicode text (a lone surrogate)"
    return None
