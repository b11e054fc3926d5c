"""``Repository.payment_room``: what the over-payment rules weigh a payment against, summed by the
database, equals the same figures taken from every payment and application of the contract, for
every contract, application and excluded payment of a ledger with drafts, write-offs and
payments against no application."""

from __future__ import annotations

import random

from sqlalchemy import text

from drawbridge.bootstrap import Runtime
from drawbridge.domain.rules import PayAppStatus
from drawbridge.store.models import PayApp, Payment
from drawbridge.store.repositories import PaymentRoom


def expected_room(
    payments: list[Payment], apps: list[PayApp], pay_app_id: int | None, excluded: int | None
) -> PaymentRoom:
    others = [row for row in payments if row.id != excluded]
    submitted = [app for app in apps if app.status != PayAppStatus.DRAFT.value]
    latest = max(submitted, key=lambda app: app.number, default=None)
    return PaymentRoom(
        paid_on_contract=sum(row.amount_cents for row in others),
        # No application: nothing is paid on it (payments on account are the contract's).
        paid_on_pay_app=sum(
            row.amount_cents
            for row in others
            if pay_app_id is not None and row.pay_app_id == pay_app_id
        ),
        submitted_written_off=sum(app.written_off_cents for app in submitted),
        latest_submitted=latest.number if latest else None,
        latest_earned_less_retainage=latest.total_earned_less_retainage_cents if latest else 0,
    )


def test_the_room_summed_in_sql_equals_the_rows_summed(demo: Runtime) -> None:
    chance = random.Random(20261130)
    with demo.engine.begin() as connection:
        # Write-offs and drafts anywhere in a chain, and payments against no application.
        for pay_app_id in connection.execute(text("SELECT id FROM pay_apps")).scalars().all():
            connection.execute(
                text(
                    "UPDATE pay_apps SET written_off_cents = :cents,"
                    " status = CASE WHEN :draft THEN 'draft' ELSE status END WHERE id = :id"
                ),
                {
                    "id": pay_app_id,
                    "cents": chance.choice([0, 0, 150, 99_999]),
                    "draft": chance.random() < 0.2,
                },
            )
        connection.execute(text("UPDATE payments SET pay_app_id = NULL WHERE id % 3 = 0"))
    checked = 0
    with demo.uow(read_only=True) as uow:
        repo = uow.repo
        for company_id, contract_id in uow.session.execute(
            text("SELECT company_id, id FROM contracts ORDER BY id")
        ):
            payments = list(repo.payments_of_contract(contract_id))
            apps = list(repo.pay_apps_of_contract(contract_id))
            for pay_app_id in [None, *(app.id for app in apps)]:
                for excluded in [None, *(row.id for row in payments[:3])]:
                    room = repo.payment_room(company_id, contract_id, pay_app_id, excluded)
                    assert room == expected_room(payments, apps, pay_app_id, excluded), (
                        contract_id,
                        pay_app_id,
                        excluded,
                    )
                    checked += 1
            # Another company's contract id gives nothing of this one.
            other = repo.payment_room(company_id + 1000, contract_id, None, None)
            assert other == PaymentRoom(0, 0, 0, None, 0)
    assert checked > 50
