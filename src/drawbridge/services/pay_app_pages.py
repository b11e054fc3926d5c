"""Pages of pay applications for lists that show no line: read as plain rows, with what each
row needs from the rest of its chain summed by the database (payments, line claims), so a page
costs a few queries of a few rows whatever the size of the ledger."""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from datetime import date
from typing import Any

from sqlalchemy import Row

from drawbridge.domain import rollups
from drawbridge.domain.rules import check_can_read
from drawbridge.services import chain, render
from drawbridge.services.views import Actor, LineDigest, PayAppTotals, PayAppView
from drawbridge.store.repositories import PayAppFilter
from drawbridge.store.uow import UnitOfWork

# What a view shows of the previous application: its id, its rate and its figures.
PREVIOUS_COLUMNS = ("id", "uuid", "exchange_rate", *chain.SUMMARY_COLUMNS.values())
NO_LINES = LineDigest(claimed=0, has_rejected=False, has_reviewed=False, has_comment=False)


def line_digests(
    uow: UnitOfWork, actor: Actor, pay_app_ids: Iterable[int]
) -> dict[int, LineDigest]:
    """Each pay application's lines summed up by the database; an id with no line in the
    caller's company gets ``NO_LINES``."""
    check_can_read(actor.scopes)
    ids = set(pay_app_ids)
    with uow:
        found = uow.repo.line_digests(actor.company_id, ids)
    return {
        pay_app_id: LineDigest(*found[pay_app_id]) if pay_app_id in found else NO_LINES
        for pay_app_id in ids
    }


def last_payment_dates(
    uow: UnitOfWork, actor: Actor, pay_app_ids: Iterable[int]
) -> dict[int, date]:
    """The date of each pay application's latest payment (those without one are left out)."""
    check_can_read(actor.scopes)
    with uow:
        return uow.repo.last_payment_dates(actor.company_id, pay_app_ids)


def prime_contract_uuids(uow: UnitOfWork, actor: Actor, project_id: int) -> list[str]:
    """The UUIDs of a project's prime contracts, first created first: what a list of its pay
    applications needs of its contracts when it does not show them."""
    check_can_read(actor.scopes)
    with uow:
        return uow.repo.contract_uuids(actor.company_id, project_id, "prime")


def pay_app_totals(uow: UnitOfWork, actor: Actor, where: PayAppFilter) -> PayAppTotals:
    """How many pay applications match and what they add up to, summed by the database (the
    payments of every application of a company are the totals the payments' triggers keep)."""
    check_can_read(actor.scopes)
    with uow:
        count, due, written_off, paid = uow.repo.pay_app_totals(actor.company_id, where)
    # The rule of one application's unpaid amount holds for their sums too.
    position = rollups.payment_position(due, [paid], written_off)
    return PayAppTotals(
        count=count,
        amount_due=due,
        amount_paid=position.amount_paid,
        amount_unpaid=position.amount_unpaid,
    )


def pay_app_page(
    uow: UnitOfWork,
    actor: Actor,
    where: PayAppFilter,
    *,
    order_by: Sequence[tuple[str, bool]],
    offset: int,
    limit: int,
) -> list[PayAppView]:
    """One page of pay applications without lines, sorted by ``order_by`` ((key, descending),
    ``store.repositories.PAY_APP_SORT_KEYS``) with nulls last as a list sorted in memory has
    them, ties by id; not counted (``pay_app_totals`` counts)."""
    check_can_read(actor.scopes)
    with uow:
        rows = uow.repo.pay_app_page_in_order(
            actor.company_id, where, order_by=order_by, offset=offset, limit=limit
        )
        return page_views(uow, actor.company_id, rows)


def page_views(uow: UnitOfWork, company_id: int, rows: Sequence[Row[Any]]) -> list[PayAppView]:
    """The views ``render.pay_app_views`` builds without lines, from plain rows: the previous
    applications, payments and earlier advances read for the page's rows only."""
    if not rows:
        return []
    repo = uow.repo
    parts = render.page_parts(uow, company_id, rows)
    previous_rows = repo.previous_pay_app_values(
        company_id, (row.id for row in rows), PREVIOUS_COLUMNS
    )
    positions = repo.chain_positions(company_id, (row.id for row in rows))
    paid = repo.paid_sums(company_id, (row.id for row in rows))
    views = []
    for row in rows:
        earlier_advance, earlier_recoupment, latest_number = positions[row.id]
        paid_sum, paid_count = paid.get(row.id, (0, 0))
        views.append(
            render.pay_app_view(
                row,
                parts,
                previous=previous_rows.get(row.id),
                is_latest=row.number == latest_number,
                paid=paid_sum,
                payment_count=paid_count,
                earlier_advance=earlier_advance,
                earlier_recoupment=earlier_recoupment,
                lines=None,
            )
        )
    return views
