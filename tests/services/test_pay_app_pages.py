"""A page of pay applications without lines (``pay_apps.list_pay_apps``, read as plain rows by
``services.pay_app_pages``) is the page rendered with its lines from the ORM's rows, but for the
lines: same applications, same total, views equal field for field, in every sort and filter,
page after page; and what a page's lines add up to, summed by the database, is what the
rendered lines add up to."""

from __future__ import annotations

import dataclasses
from typing import Any

import pytest
from sqlalchemy import text

from drawbridge.bootstrap import Runtime
from drawbridge.services import pay_app_pages, pay_apps
from drawbridge.services.pay_apps import PayAppFilter
from drawbridge.services.views import LineDigest, PayAppView
from tests.support import admin_actor

PAGE = 4
ORDERS: list[tuple[tuple[str, bool], ...]] = [
    (("id", False),),
    (("number", True),),
    (("updated_at", True), ("number", False)),
    (("status", False), ("uuid", True)),
]


def rendered_pages(runtime: Runtime, where: PayAppFilter, order: Any) -> list[Any]:
    actor = admin_actor()
    pages = []
    offset = 0
    while True:
        with_lines = pay_apps.list_pay_apps(
            runtime.uow(read_only=True),
            actor,
            where,
            order_by=order,
            offset=offset,
            limit=PAGE,
            with_lines=True,
        )
        before = dataclasses.replace(
            with_lines,
            items=tuple(dataclasses.replace(view, lines=None) for view in with_lines.items),
        )
        now = pay_apps.list_pay_apps(
            runtime.uow(read_only=True), actor, where, order_by=order, offset=offset, limit=PAGE
        )
        pages.append((before, now))
        if offset >= before.total:  # and one past the last
            return pages
        offset += PAGE


@pytest.mark.parametrize("order", ORDERS, ids=str)
def test_each_page_is_the_rendered_page(demo: Runtime, order: Any) -> None:
    # Advances and recoupments on most applications (the demo bills none), so that each view's
    # sums of the earlier ones are not all zero: both paths read these columns as stored.
    with demo.engine.begin() as connection:
        connection.execute(
            text(
                "UPDATE pay_apps SET advance_amount_cents = id * 100, "
                "recoupment_amount_cents = id * 7 WHERE id % 3 <> 0"
            )
        )
    every = pay_apps.list_pay_apps(demo.uow(read_only=True), admin_actor(), PayAppFilter())
    assert every.items[0].lines is None
    assert any(
        view.earlier_advance_amount and view.earlier_recoupment_amount for view in every.items
    )
    assert every.total > 3 * PAGE, "the demo's applications fill several pages"
    project_id = every.items[0].project.id
    contract_id = every.items[-1].contract.id
    for where in (
        PayAppFilter(),
        PayAppFilter(project_id=project_id),
        PayAppFilter(contract_ids=[contract_id]),
        PayAppFilter(ids=[view.id for view in every.items[::2]]),
        PayAppFilter(statuses=["approved"]),
        PayAppFilter(contract_kind="commitment"),
        PayAppFilter(is_last=True),
    ):
        for before, now in rendered_pages(demo, where, order):
            assert now.total == before.total
            assert now.items == before.items  # every field of every view, lines None in both


def test_a_page_has_previous_figures_advances_and_payments(demo: Runtime) -> None:
    """The demo's pages hold what the plain-row path reads on its own: previous applications,
    payments, the latest of a chain and the earlier ones."""
    page = pay_apps.list_pay_apps(demo.uow(read_only=True), admin_actor(), PayAppFilter())
    assert any(view.previous_summary is not None for view in page.items)
    assert any(view.payments.amount_paid > 0 for view in page.items)
    assert any(view.is_latest for view in page.items)
    assert any(not view.is_latest for view in page.items)


def digest_of(view: PayAppView) -> LineDigest:
    lines = view.g703_lines
    return LineDigest(
        claimed=sum(
            line.subcontractor_claimed_amount
            if line.subcontractor_claimed_amount is not None
            else line.figures.work_completed_this_period
            for line in lines
        ),
        has_rejected=any(line.review_status == "rejected" for line in lines),
        has_reviewed=any(line.review_status for line in lines),
        has_comment=any(line.review_comment for line in lines),
    )


def test_line_digests_add_up_what_the_lines_show(demo: Runtime) -> None:
    actor = admin_actor()
    ids = [
        view.id
        for view in pay_apps.list_pay_apps(demo.uow(read_only=True), actor, PayAppFilter()).items
    ]
    # Reviews and claims on a few lines (inputs that change no figure), an empty review status
    # and comment on another: empty text counts as none, as the rendered lines read it.
    with demo.engine.begin() as connection:

        def lines_of(pay_app_id: int) -> list[int]:
            return list(
                connection.execute(
                    text("SELECT id FROM pay_app_lines WHERE pay_app_id = :id ORDER BY id"),
                    {"id": pay_app_id},
                ).scalars()
            )

        first, second = lines_of(ids[0]), lines_of(ids[1])
        assert len(first) >= 2
        assert second
        for statement, line_id in (
            ("review_status = 'rejected'", first[0]),
            ("review_status = '', review_comment = ''", first[1]),
            ("review_comment = 'check', subcontractor_claimed_amount_cents = 12345", second[0]),
        ):
            connection.execute(
                text(f"UPDATE pay_app_lines SET {statement} WHERE id = :id"), {"id": line_id}
            )
    rendered = pay_apps.list_pay_apps(
        demo.uow(read_only=True), actor, PayAppFilter(), with_lines=True
    ).items
    digests = pay_app_pages.line_digests(demo.uow(read_only=True), actor, [*ids, 10**9])
    assert digests == {
        **{view.id: digest_of(view) for view in rendered},
        10**9: LineDigest(0, False, False, False),
    }
    assert any(digest.has_rejected for digest in digests.values())
    assert any(digest.has_comment and not digest.has_rejected for digest in digests.values())


def test_line_digests_of_another_company_s_applications_are_empty(demo: Runtime) -> None:
    ids = [
        view.id
        for view in pay_apps.list_pay_apps(
            demo.uow(read_only=True), admin_actor(), PayAppFilter()
        ).items
    ]
    outsider = pay_app_pages.line_digests(demo.uow(read_only=True), admin_actor(2), ids)
    assert outsider == dict.fromkeys(ids, LineDigest(0, False, False, False))
    own = pay_app_pages.line_digests(demo.uow(read_only=True), admin_actor(), ids)
    assert any(digest.claimed for digest in own.values())
