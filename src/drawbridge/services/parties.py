"""The company's directory of parties: vendors (subcontractors, suppliers), customers (owners) and
architects. A party's ``code`` is the short name others refer to it by (Intacct's customer or
vendor id, a fixture's ``party``), unique in the company, and never changes once set.

Each use case is one unit of work, scoped by the actor's company and audited.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from typing import Any

from drawbridge.domain.errors import Conflict, Invalid, NotFound
from drawbridge.domain.rules import check_can_read, check_can_write
from drawbridge.domain.text import optional_text, required_text
from drawbridge.services import audit, render
from drawbridge.services.views import Actor, PartyView
from drawbridge.store.models import Party
from drawbridge.store.uow import UnitOfWork

PARTY_KINDS = ("vendor", "customer", "architect")
MAX_CODE_LENGTH = 64
MAX_NAME_LENGTH = 255
# Address fields and their longest values (the columns' sizes).
ADDRESS_FIELDS = {"street": 255, "city": 128, "state_code": 16, "zip": 16, "country_code": 2}


def list_parties(uow: UnitOfWork, actor: Actor, kind: str | None = None) -> Sequence[PartyView]:
    """The company's parties by id, of one kind when ``kind`` is given."""
    check_can_read(actor.scopes)
    if kind is not None:
        _check_kind(kind)
    with uow:
        rows = uow.repo.all_parties(actor.company_id)
        return [render.party_view(row) for row in rows if kind is None or row.kind == kind]


def get_party(uow: UnitOfWork, actor: Actor, party_id: int) -> PartyView:
    check_can_read(actor.scopes)
    with uow:
        return render.party_view(_party(uow, actor, party_id))


def create_party(uow: UnitOfWork, actor: Actor, values: Mapping[str, Any]) -> PartyView:
    """A new party: ``kind``, ``code`` (unique in the company), ``name``, and the optional
    address fields ``street``, ``city``, ``state_code``, ``zip``, ``country_code``."""
    check_can_write(actor.scopes)
    kind = values.get("kind")
    _check_kind(kind)
    with uow:
        code = _code(values.get("code"))
        if uow.repo.party_by_code(actor.company_id, code) is not None:
            raise Conflict(f"code: a party {code!r} already exists", field="code")
        row = Party(
            company_id=actor.company_id,
            kind=kind,
            code=code,
            name=_name(values.get("name")),
            **_address(values),
        )
        uow.repo.add(row)
        uow.flush()
        audit.record(uow, actor, "create", "party", row.id, None, audit.snapshot(row))
        uow.commit()
        return render.party_view(row)


def update_party(
    uow: UnitOfWork, actor: Actor, party_id: int, values: Mapping[str, Any]
) -> PartyView:
    """Change the name or address. The code and kind stay: contracts and other faces name the
    party by them."""
    check_can_write(actor.scopes)
    with uow:
        row = _party(uow, actor, party_id)
        before = audit.snapshot(row)
        for name in ("code", "kind"):
            if name in values and values[name] != getattr(row, name):
                raise Invalid(f"{name}: the {name} of a party cannot change", field=name)
        if "name" in values:
            row.name = _name(values["name"])
        for name, value in _address(values).items():
            setattr(row, name, value)
        uow.flush()
        audit.record(uow, actor, "update", "party", row.id, before, audit.snapshot(row))
        uow.commit()
        return render.party_view(row)


def delete_party(uow: UnitOfWork, actor: Actor, party_id: int) -> None:
    """Delete a party no contract names."""
    check_can_write(actor.scopes)
    with uow:
        row = _party(uow, actor, party_id)
        users = uow.repo.contracts_of_party(actor.company_id, row.id)
        if users:
            raise Conflict(
                f"party {row.code!r} is named by contract {users[0].number}",
                field="id",
                code="in_use",
            )
        before = audit.snapshot(row)
        uow.repo.delete(row)
        audit.record(uow, actor, "delete", "party", party_id, before, None)
        uow.commit()


def _party(uow: UnitOfWork, actor: Actor, party_id: int) -> Party:
    row = uow.repo.parties(actor.company_id, [party_id]).get(party_id)
    if row is None:
        raise NotFound(f"no party with id {party_id}", field="id")
    return row


def _check_kind(kind: object) -> None:
    if kind not in PARTY_KINDS:
        raise Invalid(f"kind: must be one of {', '.join(PARTY_KINDS)}", field="kind")


def _code(value: object) -> str:
    return required_text(value, "code", MAX_CODE_LENGTH, count_stripped=True)


def _name(value: object) -> str:
    return required_text(value, "name", MAX_NAME_LENGTH)


def _address(values: Mapping[str, Any]) -> dict[str, str | None]:
    """The address fields given, each None or a string that fits its column."""
    address: dict[str, str | None] = {}
    for name, longest in ADDRESS_FIELDS.items():
        if name not in values:
            continue
        address[name] = optional_text(values[name], name, longest)
    return address
