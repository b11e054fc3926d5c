"""Pages of pay applications for lists that show no line: read as plain rows, with what each
row needs from the rest of its chain summed by the database (payments, line claims), so a page
costs a few queries of a few rows whatever the size of the ledger."""

from __future__ import annotations

import dataclasses
from collections import namedtuple
from collections.abc import Collection, Iterable, Sequence
from datetime import date
from functools import lru_cache
from operator import itemgetter
from typing import Any

from sqlalchemy import Row

from drawbridge.domain import rollups
from drawbridge.domain.errors import NotFound
from drawbridge.domain.rules import check_can_read
from drawbridge.services import chain, render
from drawbridge.services.views import (
    Actor,
    LineDigest,
    PayAppTotals,
    PayAppView,
    PlacedPayApps,
    ProjectPayAppPage,
)
from drawbridge.store.models import Contract, Party
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


def project_page(
    uow: UnitOfWork,
    actor: Actor,
    project_uuid: str,
    where: PayAppFilter,
    *,
    contract_uuids: Collection[str] | None = None,
    acc_statuses: Collection[str] | None = None,
    order_by: Sequence[tuple[str, bool]] = (("id", False),),
    offset: int = 0,
    limit: int | None = None,
) -> ProjectPayAppPage:
    """A page of a project's pay applications without lines (``where`` narrowed to the project
    and, given ``contract_uuids``, to those of its contracts), in one read transaction, with
    their lines' digests and the project's prime contracts' UUIDs: what a list of payments
    shows. ``acc_statuses``: keep only the applications whose ACC status
    (``rollups.acc_status``, which payments received decide) is one of them, counted and paged
    after that filter."""
    check_can_read(actor.scopes)
    with uow:
        repo = uow.repo
        # The company too, held until the views are built (they show it): the session keeps
        # only the rows someone holds.
        found = repo.project_and_company_by_uuid(actor.company_id, project_uuid)
        if found is None:
            raise NotFound(f"no project {project_uuid}", field="containerId")
        project, company = found
        # The project's contracts, read once: to find them by UUID, to name the prime ones
        # and to show the page's.
        contracts, parties = repo.project_contracts_with_parties(actor.company_id, project.id)
        where = dataclasses.replace(where, project_id=project.id)
        if contract_uuids is not None:
            wanted = set(contract_uuids)
            where = dataclasses.replace(
                where, contract_ids=[c.id for c in contracts.values() if c.uuid in wanted]
            )
        if acc_statuses is not None:
            # Decided by the database with the page: a project's applications are not read
            # to find which of them are paid.
            kept, paid_in_full = rollups.acc_status_filter(acc_statuses)
            where = dataclasses.replace(
                where,
                statuses=sorted(
                    status.value
                    for status in kept
                    if where.statuses is None or status.value in where.statuses
                ),
                paid_in_full=paid_in_full,
            )
        rows = repo.pay_app_page_placed(
            actor.company_id,
            where,
            order_by=order_by,
            offset=offset,
            limit=limit,
            previous_columns=PREVIOUS_COLUMNS,
            counted=True,
        )
        if rows:
            total = int(rows[0].matching)
        else:  # nothing on the page: none matched, or the page is past the last one
            total = repo.pay_app_count(actor.company_id, where) if offset else 0
        rows = plain_rows(rows)
        items = tuple(
            placed_views(uow, actor.company_id, rows, read_contracts=(contracts, parties))
        )
        del company  # held for placed_views' page parts
        return ProjectPayAppPage(
            project=render.project_view(project),
            items=items,
            total=total,
            digests={row.id: _digest(row) for row in rows},
            prime_contract_uuids=tuple(
                contract.uuid for contract in contracts.values() if contract.kind == "prime"
            ),
        )


def placed_page(
    uow: UnitOfWork,
    actor: Actor,
    where: PayAppFilter,
    *,
    order_by: Sequence[tuple[str, bool]] = (("id", False),),
    offset: int = 0,
    limit: int | None = None,
    nulls_last: bool = False,
) -> PlacedPayApps:
    """A page of pay applications without lines for a face that shows neither their billed
    packages nor their attachments, with the date of each one's latest payment: one read
    transaction, the page one statement with its chain and payments
    (``Repository.pay_app_page_placed``; ``nulls_last`` as there)."""
    check_can_read(actor.scopes)
    with uow:
        rows = uow.repo.pay_app_page_placed(
            actor.company_id,
            where,
            order_by=order_by,
            offset=offset,
            limit=limit,
            nulls_last=nulls_last,
            previous_columns=PREVIOUS_COLUMNS,
        )
        rows = plain_rows(rows)
        return PlacedPayApps(
            items=tuple(placed_views(uow, actor.company_id, rows)),
            last_payment_dates={
                row.id: row.last_payment_date for row in rows if row.last_payment_date is not None
            },
        )


def placed_views(
    uow: UnitOfWork,
    company_id: int,
    rows: Sequence[Any],
    *,
    read_contracts: tuple[dict[int, Contract], dict[int, Party]] | None = None,
) -> list[PayAppView]:
    """``page_views`` for the rows of ``Repository.pay_app_page_placed`` read with
    ``previous_columns=PREVIOUS_COLUMNS`` (as ``plain_rows`` has them), which carry their
    payments, place in the chain and previous application; for a face that shows neither the
    billed packages nor the attachments of an application (they are left empty).
    ``read_contracts``: as ``render.page_parts`` takes it."""
    if not rows:
        return []
    parts = render.page_parts(
        uow, company_id, rows, with_packages=False, read_contracts=read_contracts
    )
    previous_of = _previous_getter(rows[0]._fields)
    return [
        render.pay_app_view(
            row,
            parts,
            previous=None if row.previous_id is None else _Previous._make(previous_of(row)),
            is_latest=row.number == row.latest_number,
            paid=int(row.paid),
            payment_count=int(row.payment_count),
            earlier_advance=int(row.earlier_advance),
            earlier_recoupment=int(row.earlier_recoupment),
            lines=None,
        )
        for row in rows
    ]


def plain_rows(rows: Sequence[Row[Any]]) -> list[Any]:
    """The rows of one statement as named tuples of the same fields: a view reads some eighty
    values of each row by name, which a Row answers at ten times a tuple's cost."""
    if not rows:
        return []
    make = _row_type(rows[0]._fields)._make
    return [make(row) for row in rows]


@lru_cache(maxsize=8)
def _row_type(fields: tuple[str, ...]) -> Any:
    return namedtuple("PlacedRow", fields)


# The previous application as a view reads it (``render.pay_app_view``): its columns by name.
_Previous = _row_type(PREVIOUS_COLUMNS)


@lru_cache(maxsize=8)
def _previous_getter(fields: tuple[str, ...]) -> Any:
    """Where a placed row holds its previous application's ``PREVIOUS_COLUMNS``."""
    return itemgetter(*(fields.index(f"previous_{name}") for name in PREVIOUS_COLUMNS))


def _digest(row: Any) -> LineDigest:
    return LineDigest(
        claimed=int(row.claimed),
        has_rejected=row.rejected_lines > 0,
        has_reviewed=row.reviewed_lines > 0,
        has_comment=row.commented_lines > 0,
    )
