"""What text the ledger stores: valid Unicode without NUL.

A JSON ``"\\ud83d"`` escape decodes to a lone surrogate, which no UTF-8 response can carry; a
NUL cannot be stored in PostgreSQL text. Either, once stored, would make every later answer that
shows the record fail, so every face refuses them on the way in and the store refuses them on
the way down (one rule, here). The required and optional text fields of the records are
checked here too, so every use case names a bad field the same way.
"""

from __future__ import annotations

from drawbridge.domain.errors import Invalid


def text_problem(value: str) -> str | None:
    """Why ``value`` cannot be stored as text, or None when it can."""
    if "\x00" in value:
        return "must not contain NUL characters"
    try:
        value.encode("utf-8")
    except UnicodeEncodeError:
        return "not valid Unicode text (a lone surrogate)"
    return None


def required_text(
    value: object,
    field: str,
    longest: int,
    *,
    label: str | None = None,
    missing: str = "required, a non-empty string",
    count_stripped: bool = False,
    strip: bool = True,
) -> str:
    """A required text field: a string with more than white space, of at most ``longest``
    characters (counted with or without surrounding white space as ``count_stripped`` says),
    returned stripped unless ``strip`` is false; an Invalid naming ``field`` otherwise.

    ``label`` is the name the message gives the field when a face calls it otherwise (a
    directory entry's code is its ``id``)."""
    shown = label or field
    if not isinstance(value, str) or not value.strip():
        raise Invalid(f"{shown}: {missing}", field=field)
    if len(value.strip() if count_stripped else value) > longest:
        raise Invalid(f"{shown}: at most {longest} characters", field=field)
    return value.strip() if strip else value


def optional_text(value: object, field: str, longest: int) -> str | None:
    """An optional text field: None for null or an empty string, else a string of at most
    ``longest`` characters; an Invalid naming ``field`` otherwise."""
    if value is not None and not isinstance(value, str):
        raise Invalid(f"{field}: a string or null", field=field)
    if value is not None and len(value) > longest:
        raise Invalid(f"{field}: at most {longest} characters", field=field)
    return value or None
