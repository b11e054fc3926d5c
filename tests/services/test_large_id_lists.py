"""Queries naming more ids than a statement can bind. PostgreSQL takes at most 65,535 bind
parameters a statement (SQLite, as Debian builds it, 250,000); a company's ledger of a million
payments names more pay applications than that, and the Productive payments list answered 500
when a query bound each id as a parameter of its own."""

from __future__ import annotations

from drawbridge.bootstrap import Runtime
from drawbridge.services import pay_apps, payments
from drawbridge.services.pay_apps import PayAppFilter
from drawbridge.services.payments import PaymentFilter
from tests.support import admin_actor

MORE_IDS_THAN_BIND_PARAMETERS = 250_001


def test_pay_apps_and_payments_by_more_ids_than_a_statement_can_bind(demo: Runtime) -> None:
    actor = admin_actor()
    every_pay_app = pay_apps.list_pay_apps(demo.uow(read_only=True), actor, PayAppFilter())
    every_payment = payments.list_payments(demo.uow(read_only=True), actor, PaymentFilter())
    assert every_pay_app.items
    assert every_payment.items
    many = range(1, MORE_IDS_THAN_BIND_PARAMETERS + 1)
    assert max(view.id for view in every_pay_app.items) < len(many)

    by_ids = pay_apps.list_pay_apps(demo.uow(read_only=True), actor, PayAppFilter(ids=many))
    assert [view.id for view in by_ids.items] == [view.id for view in every_pay_app.items]
    of_pay_apps = payments.list_payments(
        demo.uow(read_only=True), actor, PaymentFilter(pay_app_ids=many)
    )
    assert [view.id for view in of_pay_apps.items] == [
        view.id for view in every_payment.items if view.pay_app_id is not None
    ]
