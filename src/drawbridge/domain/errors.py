"""Typed failures of the ledger.

Each carries a stable ``code`` and a human message, never an HTTP status: every face maps them
into its own error envelope (``NotFound`` -> 404, ``Forbidden`` -> 403, ``Conflict`` -> 409,
``Invalid`` -> 422, ``Unauthorized`` -> 401).
"""

from __future__ import annotations


class LedgerError(Exception):
    code = "ledger_error"

    def __init__(self, message: str, *, field: str | None = None, code: str | None = None) -> None:
        super().__init__(message)
        self.message = message
        self.field = field
        if code is not None:
            self.code = code


class Invalid(LedgerError):
    """The request breaks a business rule or carries a bad value."""

    code = "invalid"


class NotFound(LedgerError):
    """No such record in the caller's company."""

    code = "not_found"


class Forbidden(LedgerError):
    """The caller may not do this (role, scope or company)."""

    code = "forbidden"


class Unauthorized(LedgerError):
    """No valid credentials."""

    code = "unauthorized"


class Conflict(LedgerError):
    """The request clashes with the current state (duplicate ``origin_id``, a locked record)."""

    code = "conflict"
