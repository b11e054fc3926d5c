"""The company's directory of named references: employees, contacts, locations (entities),
supporting documents and contract types, plus the parties (customers, architects) and projects
that contracts name by code.

Contracts keep references by code; :func:`check_references` makes sure each one names a record of
the caller's company (a reference to nothing is an error naming the field, never a silent null),
and :func:`resolve` turns codes back into records for views. Contract types are the one kind a
client may also create, rename, deactivate and delete (while no contract uses it).
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass
from typing import Any

from drawbridge.domain.errors import Conflict, Invalid, NotFound
from drawbridge.domain.rules import check_can_read, check_can_write
from drawbridge.domain.text import required_text
from drawbridge.services import audit
from drawbridge.services.views import Actor, DirectoryEntryView
from drawbridge.store.models import DirectoryEntry
from drawbridge.store.types import utcnow
from drawbridge.store.uow import UnitOfWork

ENTRY_KINDS = ("employee", "contact", "location", "supporting_document", "contract_type")
PARTY_KINDS = ("customer", "architect", "vendor")
MAX_CODE_LENGTH = 64
MAX_NAME_LENGTH = 255


@dataclass(frozen=True)
class Reference:
    """A code given at ``field`` that must name a record of ``kind`` (a directory kind, a party
    kind or ``project``)."""

    field: str
    kind: str
    code: str


def check_references(uow: UnitOfWork, company_id: int, references: Iterable[Reference]) -> None:
    """Raise ``Invalid`` naming the first reference that names nothing in the company."""
    for reference in references:
        if _find(uow, company_id, reference.kind, reference.code) is None:
            raise Invalid(
                f"{reference.field}: no {reference.kind.replace('_', ' ')} with id "
                f"{reference.code!r}",
                field=reference.field,
                code="unknown_reference",
            )


def resolve(uow: UnitOfWork, company_id: int) -> dict[tuple[str, str], DirectoryEntryView]:
    """Every named record of the company by (kind, code): directory entries, parties, projects."""
    found = {(row.kind, row.code): entry_view(row) for row in uow.repo.directory(company_id)}
    for party in uow.repo.all_parties(company_id):
        found[(party.kind, party.code)] = DirectoryEntryView(
            id=party.id, kind=party.kind, code=party.code, name=party.name, is_active=True
        )
    for project in uow.repo.projects(company_id):
        found[("project", project.code)] = DirectoryEntryView(
            id=project.id, kind="project", code=project.code, name=project.name, is_active=True
        )
    return found


def _find(uow: UnitOfWork, company_id: int, kind: str, code: str) -> object | None:
    if kind in PARTY_KINDS:
        party = uow.repo.party_by_code(company_id, code)
        return party if party is not None and party.kind == kind else None
    if kind == "project":
        return uow.repo.project_by_code(company_id, code)
    return uow.repo.directory_entry_by_code(company_id, kind, code)


def entry_view(row: DirectoryEntry) -> DirectoryEntryView:
    return DirectoryEntryView(
        id=row.id,
        kind=row.kind,
        code=row.code,
        name=row.name,
        is_active=row.is_active,
        created_at=row.created_at,
        updated_at=row.updated_at,
        created_by_id=row.created_by_id,
    )


# -- entries a client manages (contract types) ---------------------------------------------------


def list_entries(uow: UnitOfWork, actor: Actor, kind: str) -> Sequence[DirectoryEntryView]:
    check_can_read(actor.scopes)
    with uow:
        return [entry_view(row) for row in uow.repo.directory(actor.company_id, kind)]


def get_entry(uow: UnitOfWork, actor: Actor, kind: str, entry_id: int) -> DirectoryEntryView:
    check_can_read(actor.scopes)
    with uow:
        return entry_view(_entry(uow, actor, kind, entry_id))


def create_entry(
    uow: UnitOfWork, actor: Actor, kind: str, values: Mapping[str, Any]
) -> DirectoryEntryView:
    """A new entry: ``code`` (unique per kind), ``name``, ``is_active`` (default true)."""
    check_can_write(actor.scopes)
    _check_kind(kind)
    with uow:
        code = _code(values.get("code"))
        if uow.repo.directory_entry_by_code(actor.company_id, kind, code) is not None:
            raise Conflict(f"id: {code!r} already exists", field="code", code="duplicate_id")
        now = utcnow()
        row = DirectoryEntry(
            company_id=actor.company_id,
            kind=kind,
            code=code,
            name=_name(values.get("name", code)),
            is_active=bool(values.get("is_active", True)),
            created_by_id=actor.user_id,
            created_at=now,
            updated_at=now,
        )
        uow.repo.add(row)
        uow.flush()
        audit.record(uow, actor, "create", kind, row.id, None, audit.snapshot(row))
        uow.commit()
        return entry_view(row)


def update_entry(
    uow: UnitOfWork, actor: Actor, kind: str, entry_id: int, values: Mapping[str, Any]
) -> DirectoryEntryView:
    """Change ``name`` or ``is_active``; the code others refer to by never changes."""
    check_can_write(actor.scopes)
    with uow:
        row = _entry(uow, actor, kind, entry_id)
        before = audit.snapshot(row)
        if "code" in values and values["code"] != row.code:
            raise Invalid("id: the id of an existing record cannot change", field="code")
        if "name" in values:
            row.name = _name(values["name"])
        if "is_active" in values:
            row.is_active = bool(values["is_active"])
        row.updated_at = utcnow()
        uow.flush()
        audit.record(uow, actor, "update", kind, row.id, before, audit.snapshot(row))
        uow.commit()
        return entry_view(row)


def delete_entry(uow: UnitOfWork, actor: Actor, kind: str, entry_id: int) -> None:
    """Delete an entry no contract refers to."""
    check_can_write(actor.scopes)
    with uow:
        row = _entry(uow, actor, kind, entry_id)
        users = [
            contract.number
            for contract in uow.repo.contracts(actor.company_id)
            if contract.details.get(kind) == row.code
        ]
        if users:
            raise Conflict(
                f"{kind.replace('_', ' ')} {row.code!r} is used by contract {users[0]}",
                field="key",
                code="in_use",
            )
        before = audit.snapshot(row)
        uow.repo.delete(row)
        audit.record(uow, actor, "delete", kind, entry_id, before, None)
        uow.commit()


def _entry(uow: UnitOfWork, actor: Actor, kind: str, entry_id: int) -> DirectoryEntry:
    row = uow.repo.directory_entry(actor.company_id, entry_id)
    if row is None or row.kind != kind:
        raise NotFound(f"no {kind.replace('_', ' ')} with key {entry_id}", field="key")
    return row


def _check_kind(kind: str) -> None:
    if kind not in ENTRY_KINDS:
        raise Invalid(f"kind: must be one of {', '.join(ENTRY_KINDS)}", field="kind")


def _code(value: object) -> str:
    return required_text(value, "code", MAX_CODE_LENGTH, label="id")


def _name(value: object) -> str:
    return required_text(value, "name", MAX_NAME_LENGTH, missing="a non-empty string", strip=False)


def entities(uow: UnitOfWork, actor: Actor) -> frozenset[str]:
    """The codes of the company's entities (locations), which a client may name to act in; a
    company without any has only its top level. No scope is needed: every request may say."""
    with uow:
        return frozenset(row.code for row in uow.repo.directory(actor.company_id, "location"))


def named_records(uow: UnitOfWork, actor: Actor) -> dict[tuple[str, str], DirectoryEntryView]:
    """Every named record of the company by (kind, code), for a face resolving references."""
    check_can_read(actor.scopes)
    with uow:
        return resolve(uow, actor.company_id)
