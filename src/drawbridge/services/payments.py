"""Payment use cases: record, update, delete, read.

A payment is money paid against a contract, optionally against one of its pay applications. It
never changes the G702 figures; it changes what is paid and unpaid on its pay application
(domain/rollups.py) and so whether that application is ``paid`` on ACC and ``deletable``.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from datetime import UTC, datetime, time
from typing import Any

from drawbridge.domain.errors import Conflict, Invalid, NotFound
from drawbridge.domain.rollups import payment_position
from drawbridge.domain.rules import check_can_read, check_can_write
from drawbridge.services import audit, render
from drawbridge.services.attachments import link_to_payment, store_file
from drawbridge.services.contracts import contract_in_scope
from drawbridge.services.views import Actor, Page, PaymentView
from drawbridge.store.models import Contract, Payment
from drawbridge.store.repositories import PaymentFilter as PaymentFilter  # re-exported for faces
from drawbridge.store.types import utcnow
from drawbridge.store.uow import UnitOfWork

PAYMENT_METHODS = ("check", "electronic", "credit_card")
PAYMENT_FIELDS = (
    "pay_app_id",
    "amount_cents",
    "payment_date",
    "payment_method",
    "check_number",
    "payment_number",
    "draw_request_number",
    "invoice_number",
    "invoice_date",
    "notes",
    "write_off_date",
    "origin_id",
    "origin_data",
)


@dataclass(frozen=True)
class RecordPayment:
    contract_id: int
    project_id: int | None = None
    values: Mapping[str, Any] = field(default_factory=dict)  # PAYMENT_FIELDS
    attachment_ids: Sequence[int] = ()
    files: Sequence[tuple[str, str, bytes]] = ()  # (filename, content type, bytes)
    payment_id: int | None = None  # keep this id (fixtures name their records); else assigned
    contract_kind: str | None = None  # when given, the contract must be of this kind


def record_payment(uow: UnitOfWork, actor: Actor, command: RecordPayment) -> PaymentView:
    check_can_write(actor.scopes)
    if command.attachment_ids and command.files:
        raise Invalid(
            "prostore_file_ids: give either prostore_file_ids or attachments, not both",
            field="prostore_file_ids",
        )
    _check_values(command.values, creating=True)
    with uow:
        contract = _contract(
            uow, actor, command.contract_id, command.project_id, command.contract_kind
        )
        _check_references(uow, actor, contract, command.values, exclude_id=None)
        now = utcnow()
        payment = Payment(
            id=command.payment_id,
            company_id=actor.company_id,
            project_id=contract.project_id,
            contract_id=contract.id,
            currency=contract.currency,
            exchange_rate=contract.exchange_rate,
            created_by_id=actor.user_id,
            created_at=now,
            updated_at=now,
            **dict(command.values),
        )
        uow.repo.add(payment)
        uow.flush()
        _stamp_paid_at(uow, actor, [payment.pay_app_id], payment)
        _attach(uow, actor, payment, command.attachment_ids, command.files)
        audit.record(uow, actor, "create", "payment", payment.id, None, audit.payment(payment))
        view = render.payment_views(uow, [payment])[0]
        uow.commit()
        return view


def update_payment(
    uow: UnitOfWork,
    actor: Actor,
    payment_id: int,
    values: Mapping[str, Any],
    *,
    contract_id: int | None = None,
    project_id: int | None = None,
    contract_kind: str | None = None,
    attachment_ids: Sequence[int] = (),
) -> PaymentView:
    check_can_write(actor.scopes)
    _check_values(values, creating=False)
    with uow:
        payment = _payment(uow, actor, payment_id, contract_id, project_id, contract_kind)
        contract = _contract(uow, actor, payment.contract_id, None)
        _check_references(uow, actor, contract, values, exclude_id=payment.id)
        before = audit.payment(payment)
        paid_before = payment.pay_app_id
        for name, value in values.items():
            setattr(payment, name, value)
        payment.updated_at = utcnow()
        uow.flush()
        _stamp_paid_at(uow, actor, [paid_before, payment.pay_app_id], payment)
        _attach(uow, actor, payment, attachment_ids, ())
        uow.flush()
        audit.record(uow, actor, "update", "payment", payment.id, before, audit.payment(payment))
        view = render.payment_views(uow, [payment])[0]
        uow.commit()
        return view


def delete_payment(
    uow: UnitOfWork,
    actor: Actor,
    payment_id: int,
    *,
    contract_id: int | None = None,
    project_id: int | None = None,
    contract_kind: str | None = None,
) -> None:
    check_can_write(actor.scopes)
    with uow:
        payment = _payment(uow, actor, payment_id, contract_id, project_id, contract_kind)
        _contract(uow, actor, payment.contract_id, None)  # lock like every contract writer
        before = audit.payment(payment)
        keys = [a.storage_key for a in uow.repo.attachments_of(payment_ids=[payment.id])]
        paid = payment.pay_app_id
        uow.repo.delete(payment)
        uow.flush()
        _stamp_paid_at(uow, actor, [paid], None)
        audit.record(uow, actor, "delete", "payment", payment_id, before, None)
        uow.commit()
    for key in keys:
        uow.files.delete(key)


def _stamp_paid_at(
    uow: UnitOfWork, actor: Actor, pay_app_ids: Sequence[int | None], payment: Payment | None
) -> None:
    """Keep each pay application's ``paid_at`` (ACC's paidAt) true to its payments: set when
    payments first cover line 8 (the covering payment's date, else now), cleared when they no
    longer do (a payment deleted, lowered or moved)."""
    ids = {pay_app_id for pay_app_id in pay_app_ids if pay_app_id is not None}
    paid = uow.repo.paid_by_pay_app(ids)
    for pay_app_id in ids:
        pay_app = uow.repo.pay_app(actor.company_id, pay_app_id)
        if pay_app is None:
            continue
        position = payment_position(
            pay_app.current_payment_due_cents, paid[pay_app_id], pay_app.written_off_cents
        )
        covered = bool(paid[pay_app_id]) and position.paid_in_full
        if covered and pay_app.paid_at is None:
            when = payment.payment_date if payment is not None else None
            pay_app.paid_at = (
                datetime.combine(when, time.min, tzinfo=UTC) if when is not None else utcnow()
            )
        elif not covered and pay_app.paid_at is not None:
            pay_app.paid_at = None


def get_payment(
    uow: UnitOfWork,
    actor: Actor,
    payment_id: int,
    *,
    contract_id: int | None = None,
    project_id: int | None = None,
    contract_kind: str | None = None,
) -> PaymentView:
    check_can_read(actor.scopes)
    with uow:
        payment = _payment(uow, actor, payment_id, contract_id, project_id, contract_kind)
        return render.payment_views(uow, [payment])[0]


def list_payments(
    uow: UnitOfWork,
    actor: Actor,
    where: PaymentFilter,
    *,
    offset: int = 0,
    limit: int | None = None,
) -> Page[PaymentView]:
    check_can_read(actor.scopes)
    with uow:
        rows, total = uow.repo.payments(actor.company_id, where, offset=offset, limit=limit)
        return Page(
            items=tuple(render.payment_views(uow, rows)), total=total, offset=offset, limit=limit
        )


def _contract(
    uow: UnitOfWork,
    actor: Actor,
    contract_id: int,
    project_id: int | None,
    kind: str | None = None,
) -> Contract:
    """The caller's contract, locked like every contract writer."""
    contract = contract_in_scope(
        uow, actor, contract_id, project_id=project_id, kind=kind, lock=True
    )
    if contract is None:
        raise NotFound(f"no contract {contract_id} in this project", field="contract_id")
    return contract


def _payment(
    uow: UnitOfWork,
    actor: Actor,
    payment_id: int,
    contract_id: int | None,
    project_id: int | None,
    kind: str | None,
) -> Payment:
    payment = uow.repo.payment(actor.company_id, payment_id)
    if (
        payment is None
        or (contract_id is not None and payment.contract_id != contract_id)
        or (project_id is not None and payment.project_id != project_id)
    ):
        raise NotFound(f"no payment {payment_id}", field="id")
    if kind is not None and contract_in_scope(uow, actor, payment.contract_id, kind=kind) is None:
        raise NotFound(f"no payment {payment_id}", field="id")
    return payment


def _check_values(values: Mapping[str, Any], *, creating: bool) -> None:
    unknown = set(values) - set(PAYMENT_FIELDS)
    if unknown:
        name = sorted(unknown)[0]
        raise Invalid(f"{name}: not a payment field", field=name)
    if (creating or "amount_cents" in values) and values.get("amount_cents") is None:
        raise Invalid("amount: required", field="amount")
    amount = values.get("amount_cents")
    if amount is not None and amount <= 0:
        raise Invalid("amount: a payment amount must be positive", field="amount")
    method = values.get("payment_method")
    if method is not None and method not in PAYMENT_METHODS:
        raise Invalid(
            f"payment_method: must be one of {', '.join(PAYMENT_METHODS)}", field="payment_method"
        )


def _check_references(
    uow: UnitOfWork,
    actor: Actor,
    contract: Contract,
    values: Mapping[str, Any],
    exclude_id: int | None,
) -> None:
    pay_app_id = values.get("pay_app_id")
    if pay_app_id is not None:
        pay_app = uow.repo.pay_app(actor.company_id, pay_app_id)
        if pay_app is None or pay_app.contract_id != contract.id:
            raise Invalid(
                f"requisition_id: no pay application {pay_app_id} on this contract",
                field="requisition_id",
            )
    origin_id = values.get("origin_id")
    if origin_id:
        existing = uow.repo.payment_by_origin_id(actor.company_id, origin_id)
        if existing is not None and existing.id != exclude_id:
            raise Conflict(
                f"origin_id: a payment with origin_id {origin_id!r} already exists",
                field="origin_id",
            )


def _attach(
    uow: UnitOfWork,
    actor: Actor,
    payment: Payment,
    attachment_ids: Sequence[int],
    files: Sequence[tuple[str, str, bytes]],
) -> None:
    for attachment_id in attachment_ids:
        link_to_payment(uow, actor, attachment_id, payment)
    for filename, content_type, data in files:
        attachment = store_file(uow, actor, filename, content_type, data)
        attachment.payment_id = payment.id
