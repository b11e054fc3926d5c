"""Payment use cases on a real database: record, update, delete, paid/unpaid, attachments."""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

import pytest

from drawbridge.bootstrap import Runtime
from drawbridge.domain.errors import Conflict, Forbidden, Invalid, NotFound
from drawbridge.domain.rules import PayAppStatus, Role, Scope
from drawbridge.services import attachments, pay_apps, payments
from drawbridge.services.pay_apps import CreatePayApp, LineInput
from drawbridge.services.payments import RecordPayment
from drawbridge.services.views import Actor, PayAppView, PaymentView
from tests.services.helpers import (
    COMPANY,
    CONTRACT,
    LINES,
    OTHER_COMPANY,
    OTHER_CONTRACT,
    PERIODS,
    count,
    counts,
    ledger_document,
    sov,
)
from tests.support import admin_actor, load

ADMIN = admin_actor(COMPANY)
STRANGER = admin_actor(OTHER_COMPANY)


@pytest.fixture
def ledger(runtime: Runtime) -> Runtime:
    load(runtime, ledger_document())
    return runtime


@pytest.fixture
def pay_app(ledger: Runtime) -> PayAppView:
    """App 1, submitted: 10,000 of work on line 1, 10 % retained: 9,000.00 due (and earned less
    retainage on the contract, line 6)."""
    command = CreatePayApp(
        contract_id=CONTRACT,
        status=PayAppStatus.UNDER_REVIEW,
        header={"period_id": PERIODS[0]},
        lines=[LineInput(ref=sov(LINES[0]), work_completed_this_period=1_000_000)],
    )
    view = pay_apps.create_pay_app(ledger.uow(), ADMIN, command)
    assert view.summary.current_payment_due == 900_000
    return view


def record(
    runtime: Runtime,
    actor: Actor = ADMIN,
    *,
    contract_id: int = CONTRACT,
    attachment_ids: Sequence[int] = (),
    files: Sequence[tuple[str, str, bytes]] = (),
    **values: Any,
) -> PaymentView:
    command = RecordPayment(
        contract_id=contract_id, values=values, attachment_ids=attachment_ids, files=files
    )
    return payments.record_payment(runtime.uow(), actor, command)


def view_of(runtime: Runtime, pay_app_id: int) -> PayAppView:
    return pay_apps.get_pay_app(runtime.uow(), ADMIN, pay_app_id)


def test_record_update_and_delete_a_payment(ledger: Runtime, pay_app: PayAppView) -> None:
    paid = record(
        ledger,
        pay_app_id=pay_app.id,
        amount_cents=400_000,
        payment_method="check",
        check_number="1001",
        origin_id="ERP-PAY-1",
    )
    assert (paid.amount, paid.pay_app_id, paid.contract_id) == (400_000, pay_app.id, CONTRACT)
    assert paid.currency == "USD"
    assert payments.get_payment(ledger.uow(), ADMIN, paid.id) == paid

    updated = payments.update_payment(
        ledger.uow(), ADMIN, paid.id, {"amount_cents": 500_000, "notes": "corrected"}
    )
    assert (updated.amount, updated.notes, updated.check_number) == (500_000, "corrected", "1001")
    listed = payments.list_payments(
        ledger.uow(), ADMIN, payments.PaymentFilter(contract_id=CONTRACT)
    )
    assert [p.id for p in listed.items] == [paid.id]

    payments.delete_payment(ledger.uow(), ADMIN, paid.id)
    with pytest.raises(NotFound):
        payments.get_payment(ledger.uow(), ADMIN, paid.id)
    with ledger.uow(read_only=True) as uow:
        actions = [e.action for e in uow.repo.audit_events(COMPANY, "payment", paid.id)]
    assert actions == ["create", "update", "delete"]


@pytest.mark.parametrize("amount", [0, -1, None])
def test_an_amount_must_be_given_and_positive(
    ledger: Runtime, pay_app: PayAppView, amount: int | None
) -> None:
    with pytest.raises(Invalid):
        record(ledger, pay_app_id=pay_app.id, amount_cents=amount)
    assert count(ledger, "payments") == 0
    paid = record(ledger, amount_cents=1)
    with pytest.raises(Invalid):
        payments.update_payment(ledger.uow(), ADMIN, paid.id, {"amount_cents": amount})
    assert payments.get_payment(ledger.uow(), ADMIN, paid.id).amount == 1


def test_the_pay_app_must_be_on_the_contract(ledger: Runtime, pay_app: PayAppView) -> None:
    other_app = pay_apps.create_pay_app(
        ledger.uow(), STRANGER, CreatePayApp(contract_id=OTHER_CONTRACT)
    )
    with pytest.raises(Invalid):
        record(ledger, STRANGER, contract_id=OTHER_CONTRACT, pay_app_id=pay_app.id, amount_cents=1)
    with pytest.raises(Invalid):
        record(ledger, pay_app_id=other_app.id, amount_cents=1)
    with pytest.raises(Invalid):
        record(ledger, pay_app_id=pay_app.id, amount_cents=1, payment_method="cash")
    with pytest.raises(NotFound):
        record(ledger, contract_id=OTHER_CONTRACT, amount_cents=1)
    assert count(ledger, "payments") == 0


def test_origin_id_is_unique_per_company(ledger: Runtime, pay_app: PayAppView) -> None:
    first = record(ledger, amount_cents=100, origin_id="ERP-1")
    before = counts(ledger)

    with pytest.raises(Conflict):
        record(ledger, pay_app_id=pay_app.id, amount_cents=200, origin_id="ERP-1")
    assert counts(ledger) == before

    second = record(ledger, amount_cents=300, origin_id="ERP-2")
    with pytest.raises(Conflict):
        payments.update_payment(ledger.uow(), ADMIN, second.id, {"origin_id": "ERP-1"})
    # Saying its own origin_id again is not a clash.
    payments.update_payment(ledger.uow(), ADMIN, first.id, {"origin_id": "ERP-1"})
    elsewhere = record(
        ledger, STRANGER, contract_id=OTHER_CONTRACT, amount_cents=1, origin_id="ERP-1"
    )
    assert elsewhere.origin_id == first.origin_id == "ERP-1"


def test_payments_change_paid_and_unpaid_and_deletability(
    ledger: Runtime, pay_app: PayAppView
) -> None:
    assert (pay_app.payments.amount_paid, pay_app.payments.amount_unpaid) == (0, 900_000)
    assert pay_app.deletable

    first = record(ledger, pay_app_id=pay_app.id, amount_cents=600_000)
    view = view_of(ledger, pay_app.id)
    assert (view.payments.amount_paid, view.payments.amount_unpaid) == (600_000, 300_000)
    assert not view.deletable
    # The G702 figures never move with payments.
    assert view.summary == pay_app.summary

    # A payment on the contract but on no pay application does not count against one.
    record(ledger, amount_cents=50_000)
    assert view_of(ledger, pay_app.id).payments.amount_paid == 600_000

    # 600,000 + 250,000 = 850,000 of 900,000 due; with the 50,000 on account the contract has
    # received 900,000 = its line 6.
    record(ledger, pay_app_id=pay_app.id, amount_cents=250_000)
    view = view_of(ledger, pay_app.id)
    assert (view.payments.amount_paid, view.payments.amount_unpaid) == (850_000, 50_000)
    assert not view.payments.paid_in_full

    payments.update_payment(ledger.uow(), ADMIN, first.id, {"pay_app_id": None})
    assert view_of(ledger, pay_app.id).payments.amount_paid == 250_000
    with ledger.uow(read_only=True) as uow:
        assert uow.repo.paid_on_contract(CONTRACT) == 900_000


def test_an_uploaded_file_can_be_linked_and_fetched(ledger: Runtime, pay_app: PayAppView) -> None:
    data = b"%PDF-1.7 lien waiver\x00\xff"
    uploaded = attachments.upload_file(ledger.uow(), ADMIN, "waiver.pdf", "application/pdf", data)
    assert (uploaded.size, uploaded.payment_id) == (len(data), None)

    paid = record(ledger, pay_app_id=pay_app.id, amount_cents=100, attachment_ids=[uploaded.id])

    assert [a.id for a in paid.attachments] == [uploaded.id]
    view, fetched = attachments.fetch_file(ledger.uow(), ADMIN, uploaded.id)
    assert fetched == data
    assert view.payment_id == paid.id
    # A file attached to one payment cannot be attached to another.
    with pytest.raises(Invalid):
        record(ledger, amount_cents=100, attachment_ids=[uploaded.id])
    with pytest.raises(Invalid):
        record(ledger, amount_cents=100, attachment_ids=[999_999])


def test_files_are_stored_under_the_data_dir_and_only_their_company_reads_them(
    ledger: Runtime, pay_app: PayAppView
) -> None:
    data = bytes(range(256)) * 10
    paid = record(
        ledger,
        pay_app_id=pay_app.id,
        amount_cents=100,
        files=[("../../etc/passwd", "application/octet-stream", data)],
    )

    (attachment,) = paid.attachments
    assert attachment.filename == ".._.._etc_passwd"
    stored = [p for p in ledger.settings.data_dir.rglob("*") if p.is_file()]
    assert [p.read_bytes() for p in stored] == [data]
    _, fetched = attachments.fetch_file(ledger.uow(), ADMIN, attachment.id)
    assert fetched == data
    with pytest.raises(NotFound):
        attachments.fetch_file(ledger.uow(), STRANGER, attachment.id)
    with pytest.raises(Invalid):
        record(
            ledger,
            STRANGER,
            contract_id=OTHER_CONTRACT,
            amount_cents=1,
            attachment_ids=[attachment.id],
        )

    payments.delete_payment(ledger.uow(), ADMIN, paid.id)
    assert [p for p in ledger.settings.data_dir.rglob("*") if p.is_file()] == []
    assert count(ledger, "attachments") == 0


def test_another_company_cannot_see_or_touch_a_payment(
    ledger: Runtime, pay_app: PayAppView
) -> None:
    paid = record(ledger, pay_app_id=pay_app.id, amount_cents=100)

    with pytest.raises(NotFound):
        payments.get_payment(ledger.uow(), STRANGER, paid.id)
    with pytest.raises(NotFound):
        payments.update_payment(ledger.uow(), STRANGER, paid.id, {"amount_cents": 5})
    with pytest.raises(NotFound):
        payments.delete_payment(ledger.uow(), STRANGER, paid.id)
    assert payments.list_payments(ledger.uow(), STRANGER, payments.PaymentFilter()).total == 0
    assert payments.get_payment(ledger.uow(), ADMIN, paid.id).amount == 100


def test_a_token_without_data_write_cannot_record(ledger: Runtime, pay_app: PayAppView) -> None:
    reader = Actor(
        user_id=None, company_id=COMPANY, role=Role.ADMIN, scopes=frozenset({Scope.READ.value})
    )
    with pytest.raises(Forbidden):
        record(ledger, reader, pay_app_id=pay_app.id, amount_cents=100)
    with pytest.raises(Forbidden):
        attachments.upload_file(ledger.uow(), reader, "a.txt", "text/plain", b"a")
    assert count(ledger, "payments") == 0
    assert count(ledger, "attachments") == 0
