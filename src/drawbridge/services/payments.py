"""Payment use cases: record, update, delete, read.

A payment is money paid against a contract, optionally against one of its pay applications. It
never changes the G702 figures; it changes what is paid and unpaid on its pay application
(domain/rollups.py) and so whether that application is ``paid`` on ACC and ``deletable``.

Every write holds the contract's row lock while it checks the money rules (domain/payments.py:
submitted pay applications only, over-payment, one check per pay application), so two payments
recorded at once cannot together over-pay: the second one waits, then sees the first.
A payment without a date is dated the day it is recorded (UTC).
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from datetime import UTC, date, datetime, time
from typing import Any, BinaryIO

from drawbridge.domain.errors import Conflict, Invalid, NotFound
from drawbridge.domain.money import convert
from drawbridge.domain.payments import (
    ContractDue,
    PayAppDue,
    check_contract_overpayment,
    check_pay_app_overpayment,
    check_payable,
)
from drawbridge.domain.rollups import payment_position
from drawbridge.domain.rules import PayAppStatus, check_can_read, check_can_write
from drawbridge.services import audit, render
from drawbridge.services.attachments import link_to_payment, store_file
from drawbridge.services.contracts import contract_in_scope, overpayment_allowed
from drawbridge.services.views import Actor, Page, PaymentTotals, PaymentView
from drawbridge.store.models import Contract, PayApp, Payment
from drawbridge.store.repositories import PaymentCondition as PaymentCondition
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
    # (filename, content type, bytes or a file to stream from)
    files: Sequence[tuple[str, str, bytes | BinaryIO]] = ()
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
        now = utcnow()
        values = dict(command.values)
        if values.get("payment_date") is None:
            values["payment_date"] = now.date()  # the day it is recorded
        _check_money_rules(uow, actor, contract, values, payment=None)
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
            **values,
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
        uow.session.refresh(payment)  # read again under the contract lock
        _check_money_rules(uow, actor, contract, values, payment=payment)
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
    paid = uow.repo.paid_sums(actor.company_id, ids)
    for pay_app_id in ids:
        pay_app = uow.repo.pay_app(actor.company_id, pay_app_id)
        if pay_app is None:
            continue
        paid_sum, payment_count = paid.get(pay_app_id, (0, 0))
        position = payment_position(
            pay_app.current_payment_due_cents, [paid_sum], pay_app.written_off_cents
        )
        covered = payment_count > 0 and position.paid_in_full
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


def payment_page(
    uow: UnitOfWork,
    actor: Actor,
    where: PaymentFilter,
    *,
    offset: int,
    limit: int,
    order_by: Sequence[tuple[str, bool]] = (),
) -> tuple[PaymentView, ...]:
    """One page of payments sorted by ``order_by`` ((column, descending)) and then by id, not
    counted: with ``payment_totals`` for the count."""
    check_can_read(actor.scopes)
    with uow:
        rows = uow.repo.payment_page(
            actor.company_id, where, offset=offset, limit=limit, order_by=order_by
        )
        return tuple(render.payment_views(uow, rows))


def payment_totals(uow: UnitOfWork, actor: Actor, where: PaymentFilter) -> PaymentTotals:
    """How many payments match and what they add up to, summed by the database rather than by
    loading every payment (a company's ledger may hold millions)."""
    check_can_read(actor.scopes)
    with uow:
        count = amount = amount_in_base = 0
        for rate, total, how_many in uow.repo.payment_sums_by_rate(actor.company_id, where):
            count += how_many
            amount += total
            if rate == 1:
                amount_in_base += total
            else:  # each payment's converted figure is rounded on its own, so sum those
                amount_in_base += sum(
                    convert(cents, rate) * times
                    for cents, times in uow.repo.payment_amounts_at_rate(
                        actor.company_id, where, rate
                    )
                )
        return PaymentTotals(count=count, amount=amount, amount_in_base=amount_in_base)


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
    if "payment_date" in values:
        day = values["payment_date"]
        if day is None and not creating:
            raise Invalid("date: a payment's date may be changed, not removed", field="date")
        if day is not None and (not isinstance(day, date) or isinstance(day, datetime)):
            raise Invalid("date: not a date (YYYY-MM-DD)", field="date")


def _check_money_rules(
    uow: UnitOfWork,
    actor: Actor,
    contract: Contract,
    values: Mapping[str, Any],
    payment: Payment | None,
) -> None:
    """The rules a new payment, or a payment after this update, must follow (module note).
    Called under the contract's lock, with ``payment`` the stored row when updating."""

    def after(name: str) -> Any:
        return values.get(name) if name in values or payment is None else getattr(payment, name)

    pay_app_id, amount, check_number = (
        after("pay_app_id"),
        after("amount_cents"),
        after("check_number"),
    )
    pay_app = None
    if pay_app_id is not None:
        pay_app = uow.repo.pay_app(actor.company_id, pay_app_id)
        if pay_app is None or pay_app.contract_id != contract.id:
            raise Invalid(
                f"requisition_id: no pay application {pay_app_id} on this contract",
                field="requisition_id",
            )
        check_payable(pay_app.number, PayAppStatus(pay_app.status), field="requisition_id")
        if check_number is not None:
            same_check = uow.repo.payment_by_check(pay_app.id, check_number)
            if same_check is not None and same_check is not payment:
                raise Conflict(
                    f"check_number: check {check_number} already pays pay application "
                    f"{pay_app.number} (payment {same_check.id})",
                    field="check_number",
                    code="duplicate_check",
                )
    origin_id = values.get("origin_id")
    if origin_id:
        existing = uow.repo.payment_by_origin_id(actor.company_id, origin_id)
        if existing is not None and existing is not payment:
            raise Conflict(
                f"origin_id: a payment with origin_id {origin_id!r} already exists",
                field="origin_id",
            )
    # Over-payment is judged when the money or where it goes changes, so an edit of a payment's
    # notes never trips over figures that changed since it was recorded.
    if payment is None or {"amount_cents", "pay_app_id"} & set(values):
        _check_overpayment(uow, contract, pay_app, amount, payment)


def _check_overpayment(
    uow: UnitOfWork,
    contract: Contract,
    pay_app: PayApp | None,
    amount: int,
    payment: Payment | None,
) -> None:
    if overpayment_allowed(uow, contract):
        return
    room = uow.repo.payment_room(
        contract.company_id,
        contract.id,
        pay_app.id if pay_app is not None else None,
        payment.id if payment is not None else None,
    )
    if pay_app is not None:
        due = PayAppDue(
            number=pay_app.number,
            current_payment_due=pay_app.current_payment_due_cents,
            paid=room.paid_on_pay_app,
            written_off=pay_app.written_off_cents,
        )
        check_pay_app_overpayment(amount, due)
    contract_due = ContractDue(
        number=contract.number,
        latest_submitted=room.latest_submitted,
        earned_less_retainage=room.latest_earned_less_retainage,
        paid=room.paid_on_contract,
        written_off=room.submitted_written_off,
    )
    check_contract_overpayment(amount, contract_due)


def _attach(
    uow: UnitOfWork,
    actor: Actor,
    payment: Payment,
    attachment_ids: Sequence[int],
    files: Sequence[tuple[str, str, bytes | BinaryIO]],
) -> None:
    for attachment_id in attachment_ids:
        link_to_payment(uow, actor, attachment_id, payment)
    for filename, content_type, data in files:
        attachment = store_file(uow, actor, filename, content_type, data)
        attachment.payment_id = payment.id
