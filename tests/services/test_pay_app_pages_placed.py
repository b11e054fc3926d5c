"""A placed page of pay applications (``pay_app_pages.placed_page`` and ``project_page``: the
page read in one statement with its chain, payments and line digests) is the page of full views
(``pay_apps.list_pay_apps``, rendered with their lines) but for what the lists that use it do
not show (lines, billed packages, attachments): the same applications in the same order, views
equal field for field, in every sort and filter, page after page; its line digests, last
payment dates and prime contracts are what the separate reads give."""

from __future__ import annotations

import dataclasses
from typing import Any

import pytest
from sqlalchemy import text

from drawbridge.bootstrap import Runtime
from drawbridge.domain.errors import NotFound
from drawbridge.domain.rollups import acc_status
from drawbridge.services import pay_app_pages, pay_apps
from drawbridge.services.pay_apps import PayAppFilter
from drawbridge.services.views import PayAppView
from tests.support import admin_actor

PAGE = 4
ORDERS: list[tuple[tuple[str, bool], ...]] = [
    (("id", False),),
    (("number", True),),
    (("updated_at", True), ("number", False)),
    (("status", False), ("uuid", True)),
    (("contract_id", False), ("number", False)),
]
IN_ORDER_SORTS: list[tuple[tuple[str, bool], ...]] = [
    (("current_payment_due_cents", True),),
    (("due_date", False),),
    (("invoiced_on", True), ("current_payment_due_cents", False)),
]


def listed(view: PayAppView) -> PayAppView:
    """A full view as a list without lines, packages or attachments shows it."""
    return dataclasses.replace(
        view, lines=None, packages=(), new_package_ids=frozenset(), attachments=()
    )


@pytest.fixture
def ledger(demo: Runtime) -> Runtime:
    # Advances and recoupments on most applications (the demo bills none), reviews and claims
    # on a few lines, and due dates on some, so that no value the page reads is all zeros.
    with demo.engine.begin() as connection:
        connection.execute(
            text(
                "UPDATE pay_apps SET advance_amount_cents = id * 100, "
                "recoupment_amount_cents = id * 7 WHERE id % 3 <> 0"
            )
        )
        connection.execute(text("UPDATE pay_apps SET due_date = NULL WHERE id % 4 = 0"))
        # The first line of the first three applications, and the second of the first.
        firsts = list(
            connection.execute(
                text("SELECT MIN(id) FROM pay_app_lines GROUP BY pay_app_id ORDER BY 1 LIMIT 3")
            ).scalars()
        )
        for statement, line_id in (
            ("review_status = 'rejected'", firsts[0]),
            ("review_status = '', review_comment = ''", firsts[0] + 1),
            ("review_comment = 'check', subcontractor_claimed_amount_cents = 12345", firsts[1]),
            ("review_status = 'approved'", firsts[2]),
        ):
            connection.execute(
                text(f"UPDATE pay_app_lines SET {statement} WHERE id = :id"), {"id": line_id}
            )
    return demo


def filters(runtime: Runtime) -> list[PayAppFilter]:
    every = pay_apps.list_pay_apps(runtime.uow(read_only=True), admin_actor(), PayAppFilter())
    assert every.total > 3 * PAGE, "the demo's applications fill several pages"
    return [
        PayAppFilter(),
        PayAppFilter(project_id=every.items[0].project.id),
        PayAppFilter(contract_ids=[every.items[-1].contract.id]),
        PayAppFilter(ids=[view.id for view in every.items[::2]]),
        PayAppFilter(statuses=["approved"]),
        PayAppFilter(contract_kind="commitment"),
        PayAppFilter(is_last=True),
        PayAppFilter(numbers=[1, 2]),
        PayAppFilter(ids=[]),
    ]


@pytest.mark.parametrize("order", ORDERS, ids=str)
def test_each_placed_page_is_the_full_page(ledger: Runtime, order: Any) -> None:
    actor = admin_actor()
    for where in filters(ledger):
        full = pay_apps.list_pay_apps(
            ledger.uow(read_only=True), actor, where, order_by=order, with_lines=True
        ).items
        assert full or where.ids == []
        digests = pay_app_pages.line_digests(
            ledger.uow(read_only=True), actor, [view.id for view in full]
        )
        last = pay_app_pages.last_payment_dates(
            ledger.uow(read_only=True), actor, [view.id for view in full]
        )
        for offset in range(0, len(full) + PAGE, PAGE):  # and one past the last
            placed = pay_app_pages.placed_page(
                ledger.uow(read_only=True),
                actor,
                where,
                order_by=order,
                offset=offset,
                limit=PAGE,
            )
            expected = full[offset : offset + PAGE]
            assert placed.items == tuple(listed(view) for view in expected)
            assert placed.last_payment_dates == {
                view.id: last[view.id] for view in expected if view.id in last
            }
            if where.project_id is not None:
                page = pay_app_pages.project_page(
                    ledger.uow(read_only=True),
                    actor,
                    full[0].project.uuid,
                    dataclasses.replace(where, project_id=None),
                    order_by=order,
                    offset=offset,
                    limit=PAGE,
                )
                assert page.items == placed.items
                assert page.digests == {view.id: digests[view.id] for view in expected}


def test_the_pages_hold_every_value_the_placed_statement_reads(ledger: Runtime) -> None:
    placed = pay_app_pages.placed_page(ledger.uow(read_only=True), admin_actor(), PayAppFilter())
    items = placed.items
    assert any(view.previous_summary is not None for view in items)
    assert any(view.payments.amount_paid > 0 for view in items)
    assert any(view.is_latest for view in items)
    assert any(not view.is_latest for view in items)
    assert any(view.earlier_advance_amount and view.earlier_recoupment_amount for view in items)
    assert placed.last_payment_dates
    digests = pay_app_pages.project_page(
        ledger.uow(read_only=True), admin_actor(), items[0].project.uuid, PayAppFilter()
    ).digests
    assert any(digest.has_rejected for digest in digests.values())
    assert any(digest.has_comment and not digest.has_rejected for digest in digests.values())
    assert any(digest.has_reviewed and not digest.has_rejected for digest in digests.values())


@pytest.mark.parametrize("order", IN_ORDER_SORTS, ids=str)
def test_a_page_sorted_nulls_last_is_the_in_order_page(ledger: Runtime, order: Any) -> None:
    actor = admin_actor()
    for where in filters(ledger):
        for offset in range(0, 40, PAGE):
            before = pay_app_pages.pay_app_page(
                ledger.uow(read_only=True), actor, where, order_by=order, offset=offset, limit=PAGE
            )
            placed = pay_app_pages.placed_page(
                ledger.uow(read_only=True),
                actor,
                where,
                order_by=order,
                offset=offset,
                limit=PAGE,
                nulls_last=True,
            )
            assert placed.items == tuple(listed(view) for view in before)


def test_a_project_page_by_contract_and_by_acc_status(ledger: Runtime) -> None:
    actor = admin_actor()
    every = pay_apps.list_pay_apps(ledger.uow(read_only=True), actor, PayAppFilter()).items
    project = every[0].project
    contracts = {view.contract.uuid: view.contract for view in every if view.project == project}
    primes = sorted(
        (contract.id, contract.uuid) for contract in contracts.values() if contract.kind == "prime"
    )
    chosen = [uuid for uuid, contract in contracts.items() if contract.kind == "commitment"][:1]
    for acc_statuses in (
        None,
        {"paid"},
        {"approved"},
        {"approved", "draft"},
        {"approved", "paid"},
        {"paid", "submitted"},
    ):
        for contract_uuids in (None, chosen, ["no-such-contract"]):
            expected = [
                view
                for view in every
                if view.project == project
                and (contract_uuids is None or view.contract.uuid in contract_uuids)
                and (acc_statuses is None or acc_status(view.status, view.payments) in acc_statuses)
            ]
            for offset in range(0, len(expected) + PAGE, PAGE):
                page = pay_app_pages.project_page(
                    ledger.uow(read_only=True),
                    actor,
                    project.uuid,
                    PayAppFilter(),
                    contract_uuids=contract_uuids,
                    acc_statuses=acc_statuses,
                    order_by=(("number", True),),
                    offset=offset,
                    limit=PAGE,
                )
                shown = sorted(expected, key=lambda view: (-view.number, view.id))
                assert page.total == len(expected)
                assert page.items == tuple(listed(view) for view in shown[offset : offset + PAGE])
                assert page.prime_contract_uuids == tuple(uuid for _, uuid in primes)
                assert page.project == project
    paid = pay_app_pages.project_page(
        ledger.uow(read_only=True), actor, project.uuid, PayAppFilter(), acc_statuses={"paid"}
    )
    assert paid.total > 0


def test_another_company_sees_neither_the_project_nor_the_applications(ledger: Runtime) -> None:
    every = pay_apps.list_pay_apps(ledger.uow(read_only=True), admin_actor(), PayAppFilter())
    outsider = admin_actor(2)
    with pytest.raises(NotFound):
        pay_app_pages.project_page(
            ledger.uow(read_only=True), outsider, every.items[0].project.uuid, PayAppFilter()
        )
    placed = pay_app_pages.placed_page(
        ledger.uow(read_only=True), outsider, PayAppFilter(ids=[view.id for view in every.items])
    )
    assert placed.items == ()
    assert placed.last_payment_dates == {}
