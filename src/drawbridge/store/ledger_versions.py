"""Which companies a transaction changed, so that no worker answers from what it held before.

Every company row carries a ``ledger_version``. The transaction that changes a company's
records also changes that number, in the same commit: readers that compare versions (the
response cache, ``api/response_cache.py``) see the new figures and the new version together,
whichever process wrote them.

How a transaction's companies are found:
- rows the session flushes carry their ``company_id`` (a company row is its own company);
- statements run directly through the session (a batched insert or update of lines) name only
  a table: they belong to the companies the same transaction's rows name, and to every company
  when it names none;
- a change to a user or an API token can show in any company the user belongs to: every company.
Tables that no answer shows (web sessions, idempotency keys, OAuth codes and refresh tokens)
change no version.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass, field
from itertools import chain

from sqlalchemy import bindparam, event, update
from sqlalchemy.orm import ORMExecuteState, Session, sessionmaker

from drawbridge.store.models import Company

# What no answer shows: writing them changes nothing a reader could have kept.
_UNSEEN_TABLES = frozenset(
    {"web_sessions", "idempotency_keys", "oauth_authorization_codes", "oauth_refresh_tokens"}
)
# Rows of no one company, shown wherever their user is a member.
_SHARED_TABLES = frozenset({"users", "api_tokens"})

_CHANGES = "drawbridge_ledger_changes"


@dataclass
class _Changes:
    companies: set[int] = field(default_factory=set)
    every_company: bool = False
    unattributed_statement: bool = False


def install(sessions: sessionmaker[Session]) -> None:
    event.listen(sessions, "after_flush", _note_flushed_rows)
    event.listen(sessions, "do_orm_execute", _note_statement)


# The version moves, built once (their building costs more than their running): of every
# company, of one, of several.
_MOVE_EVERY = update(Company).values(ledger_version=Company.ledger_version + 1)
_MOVE_ONE = _MOVE_EVERY.where(Company.id == bindparam("company_id"))
_MOVE_SOME = _MOVE_EVERY.where(Company.id.in_(bindparam("company_ids", expanding=True)))


def record(session: Session) -> None:
    """Moves the version of every company the transaction changed; call after the last flush,
    just before the commit (the company rows stay locked only from here to the commit)."""
    changes: _Changes | None = session.info.pop(_CHANGES, None)
    if changes is None:
        return
    every_company = changes.every_company or (
        changes.unattributed_statement and not changes.companies
    )
    # Sent on the session's connection as a plain statement: the session's company rows keep
    # the version they were read with, as after any bulk UPDATE that does not synchronize.
    connection = session.connection()
    if every_company:
        connection.execute(_MOVE_EVERY)
    elif len(changes.companies) == 1:
        (company_id,) = changes.companies
        connection.execute(_MOVE_ONE, {"company_id": company_id})
    elif changes.companies:
        # Sorted, so that two transactions lock the same companies in the same order.
        connection.execute(_MOVE_SOME, {"company_ids": sorted(changes.companies)})


def note_written(session: Session, company_ids: Iterable[int]) -> None:
    """Rows of these companies were written by a statement the session does not see (one sent
    to the driver as it is, for speed)."""
    _changes(session).companies.update(company_ids)


def forget(session: Session) -> None:
    """A rolled-back transaction changed nothing."""
    session.info.pop(_CHANGES, None)


def _changes(session: Session) -> _Changes:
    found: _Changes | None = session.info.get(_CHANGES)
    if found is None:
        found = session.info[_CHANGES] = _Changes()
    return found


def _note_flushed_rows(session: Session, _context: object) -> None:
    # After a flush the session still lists what it flushed as new, dirty and deleted.
    for row in chain(session.new, session.dirty, session.deleted):
        table = row.__table__.name
        if table in _UNSEEN_TABLES:
            continue
        changes = _changes(session)
        if isinstance(row, Company):
            changes.companies.add(row.id)
        elif table in _SHARED_TABLES:
            changes.every_company = True
        else:
            company_id = getattr(row, "company_id", None)
            if company_id is None:
                changes.every_company = True
            else:
                changes.companies.add(company_id)


def _note_statement(state: ORMExecuteState) -> None:
    if not (state.is_insert or state.is_update or state.is_delete):
        return
    table = getattr(getattr(state.statement, "table", None), "name", None)
    if table in _UNSEEN_TABLES:
        return
    changes = _changes(state.session)
    if table in _SHARED_TABLES or table is None:
        changes.every_company = True
    else:
        changes.unattributed_statement = True
