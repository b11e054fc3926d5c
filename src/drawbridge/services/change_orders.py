"""Change-order packages and their items: create, update, delete.

A package has a number (unique on its contract), a title, a status (``draft``, ``pending``,
``approved``, ``rejected``, ``void``) and, when approved, the date it was approved (today unless
given). Approved packages change the contract sum: each one joins the first pay application whose
period ends on or after its approval date (services/pay_apps.py). Once a package is billed on a
pay application its items and status are part of billed figures, so it can no longer change or
be deleted (a correction is a new package). An item may name the SOV line it changes.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from datetime import date
from typing import Any

from drawbridge.domain.errors import Conflict, Invalid, NotFound
from drawbridge.domain.rules import check_can_read, check_can_write
from drawbridge.services import audit, render
from drawbridge.services.contracts import contract_in_scope
from drawbridge.services.views import Actor, ChangeOrderPackageView, TrailView
from drawbridge.store.models import ChangeOrderItem, ChangeOrderPackage, Contract
from drawbridge.store.types import utcnow
from drawbridge.store.uow import UnitOfWork

STATUSES = ("draft", "pending", "approved", "rejected", "void")


@dataclass(frozen=True)
class ItemInput:
    description: str
    amount: int
    cost_code: str | None = None
    sov_line_id: int | None = None


@dataclass(frozen=True)
class PackageChanges:
    """What a create or update sets. ``values`` keys: ``number``, ``title``, ``status``,
    ``approved_date``; ``items`` (when not None) replaces the package's items."""

    values: Mapping[str, Any] = field(default_factory=dict)
    items: Sequence[ItemInput] | None = None


def list_packages(
    uow: UnitOfWork, actor: Actor, contract_id: int
) -> Sequence[ChangeOrderPackageView]:
    """A contract's change-order packages with their items, in the order they were created."""
    check_can_read(actor.scopes)
    with uow:
        contract = _contract(uow, actor, contract_id)
        items = uow.repo.package_items(contract.id)
        return [render.package_view(row, items) for row in uow.repo.packages(contract.id)]


def find_package(
    uow: UnitOfWork, actor: Actor, contract_id: int, number: str
) -> ChangeOrderPackageView:
    """A contract's change-order package by its number."""
    found = next((p for p in list_packages(uow, actor, contract_id) if p.number == number), None)
    if found is None:
        raise NotFound(f"no change order {number!r} on contract {contract_id}", field="number")
    return found


def create_package(uow: UnitOfWork, actor: Actor, contract_id: int, changes: PackageChanges) -> int:
    check_can_write(actor.scopes)
    with uow:
        contract = _contract(uow, actor, contract_id)
        number = _text(changes.values.get("number"), "number")
        if any(p.number == number for p in uow.repo.packages(contract.id)):
            raise Conflict(
                f"id: the contract already has a change order {number!r}", field="number"
            )
        package = ChangeOrderPackage(
            company_id=actor.company_id,
            contract_id=contract.id,
            number=number,
            title=_text(changes.values.get("title", number), "title"),
            status="draft",
            created_at=utcnow(),
        )
        _set_status(package, changes.values)
        uow.repo.add(package)
        uow.flush()
        _replace_items(uow, contract, package, changes.items or ())
        audit.record(
            uow, actor, "create", "change_order_package", package.id, None, _snapshot(uow, package)
        )
        uow.commit()
        return package.id


def update_package(uow: UnitOfWork, actor: Actor, package_id: int, changes: PackageChanges) -> int:
    check_can_write(actor.scopes)
    with uow:
        package, contract = _package(uow, actor, package_id)
        before = _snapshot(uow, package)
        _check_not_billed(uow, contract, package)
        values = changes.values
        if "number" in values:
            number = _text(values["number"], "number")
            if any(
                p.number == number and p.id != package.id for p in uow.repo.packages(contract.id)
            ):
                raise Conflict(
                    f"id: the contract already has a change order {number!r}", field="number"
                )
            package.number = number
        if "title" in values:
            package.title = _text(values["title"], "title")
        _set_status(package, values)
        if changes.items is not None:
            _replace_items(uow, contract, package, changes.items)
        uow.flush()
        audit.record(
            uow,
            actor,
            "update",
            "change_order_package",
            package.id,
            before,
            _snapshot(uow, package),
        )
        uow.commit()
        return package.id


def delete_package(uow: UnitOfWork, actor: Actor, package_id: int) -> None:
    check_can_write(actor.scopes)
    with uow:
        package, contract = _package(uow, actor, package_id)
        _check_not_billed(uow, contract, package)
        before = _snapshot(uow, package)
        uow.repo.delete(package)
        audit.record(uow, actor, "delete", "change_order_package", package_id, before, None)
        uow.commit()


def _set_status(package: ChangeOrderPackage, values: Mapping[str, Any]) -> None:
    if "status" in values:
        status = values["status"]
        if status not in STATUSES:
            raise Invalid(f"status: must be one of {', '.join(STATUSES)}", field="status")
        package.status = status
    if package.status == "approved":
        given = values.get("approved_date")
        if given is not None and not isinstance(given, date):
            raise Invalid("approved_date: must be a date", field="approved_date")
        package.approved_date = given or package.approved_date or utcnow().date()
    else:
        package.approved_date = None


def _replace_items(
    uow: UnitOfWork, contract: Contract, package: ChangeOrderPackage, items: Sequence[ItemInput]
) -> None:
    repo = uow.repo
    for row in repo.package_items(contract.id):
        if row.package_id == package.id:
            repo.delete(row)
    lines = {line.id for line in repo.sov_lines(contract.id)}
    for position, item in enumerate(items, start=1):
        if item.sov_line_id is not None and item.sov_line_id not in lines:
            raise Invalid(
                f"projectContractLine: no line {item.sov_line_id} on this contract",
                field="projectContractLine",
                code="unknown_reference",
            )
        repo.add(
            ChangeOrderItem(
                company_id=package.company_id,
                package_id=package.id,
                contract_id=contract.id,
                position=position,
                description=_text(item.description, "description"),
                cost_code=item.cost_code,
                amount_cents=item.amount,
                sov_line_id=item.sov_line_id,
            )
        )
    uow.flush()


def _check_not_billed(uow: UnitOfWork, contract: Contract, package: ChangeOrderPackage) -> None:
    if any(b.package_id == package.id for b in uow.repo.pay_app_packages(contract.id)):
        raise Invalid(
            f"change order {package.number} is billed on a pay application and can no longer "
            "change; record the correction as a new change order",
            field="key",
            code="package_billed",
        )


def _contract(uow: UnitOfWork, actor: Actor, contract_id: int) -> Contract:
    contract = contract_in_scope(uow, actor, contract_id, lock=True)
    if contract is None:
        raise NotFound(f"no contract {contract_id}", field="projectContract")
    return contract


def _package(uow: UnitOfWork, actor: Actor, package_id: int) -> tuple[ChangeOrderPackage, Contract]:
    package = uow.repo.package(actor.company_id, package_id)
    if package is None:
        raise NotFound(f"no change order with key {package_id}", field="key")
    contract = _contract(uow, actor, package.contract_id)
    uow.session.refresh(package)
    return package, contract


def _text(value: object, name: str) -> str:
    if not isinstance(value, str) or not value.strip():
        raise Invalid(f"{name}: required, a non-empty string", field=name)
    return value.strip()


def _snapshot(uow: UnitOfWork, package: ChangeOrderPackage) -> dict[str, Any]:
    uow.flush()
    values = audit.snapshot(package)
    values["items"] = [
        audit.snapshot(item)
        for item in uow.repo.package_items(package.contract_id)
        if item.package_id == package.id
    ]
    return values


def prime_packages(
    uow: UnitOfWork, actor: Actor, package_ids: Sequence[int] | None = None
) -> list[tuple[ChangeOrderPackageView, TrailView]]:
    """The change-order packages of the company's prime contracts (or those of
    ``package_ids``), each with who created and last changed it."""
    check_can_read(actor.scopes)
    with uow:
        repo = uow.repo
        contract_ids = [c.id for c in repo.contracts(actor.company_id) if c.kind == "prime"]
        packages = [p for rows in repo.packages_of(contract_ids).values() for p in rows]
        if package_ids is not None:
            wanted = set(package_ids)
            packages = [p for p in packages if p.id in wanted]
        packages.sort(key=lambda p: p.id)
        items = repo.package_items_of(contract_ids)
        trails = repo.audit_trail_ends(
            actor.company_id, "change_order_package", [p.id for p in packages]
        )
        result = []
        for package in packages:
            first_last = trails.get(package.id)
            trail = (
                TrailView(
                    first_last[0].occurred_at,
                    first_last[0].user_id,
                    first_last[1].occurred_at,
                    first_last[1].user_id,
                )
                if first_last
                else TrailView(package.created_at, None, package.created_at, None)
            )
            result.append((render.package_view(package, items[package.contract_id]), trail))
        return result
