"""The HTTP status of each ledger failure, for the web face's pages."""

from __future__ import annotations

from drawbridge.domain.errors import Conflict, Forbidden, LedgerError, NotFound, Unauthorized


def http_status(error: LedgerError) -> int:
    if isinstance(error, Unauthorized):
        return 401
    if isinstance(error, Forbidden):
        return 403
    if isinstance(error, NotFound):
        return 404
    if isinstance(error, Conflict):
        return 409
    return 422
