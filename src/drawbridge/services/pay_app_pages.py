"""Pages of pay applications for lists that show no line: read as plain rows, with what each
row needs from the rest of its chain summed by the database (payments, line claims), so a page
costs a few queries of a few rows whatever the size of the ledger."""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from datetime import date
from decimal import Decimal
from typing import Any

from sqlalchemy import Row

from drawbridge.domain.billing import Summary
from drawbridge.domain.rollups import payment_position
from drawbridge.domain.rules import PayAppStatus, check_can_read, is_deletable
from drawbridge.services import chain, render
from drawbridge.services.views import Actor, ContractView, LineDigest, Page, PayAppView
from drawbridge.store.models import BillingPeriod, ChangeOrderItem, ChangeOrderPackage, Project
from drawbridge.store.repositories import PayAppFilter
from drawbridge.store.uow import UnitOfWork

# What a view shows of the previous application: its id, its rate and its figures.
PREVIOUS_COLUMNS = ("id", "uuid", "exchange_rate", *chain.SUMMARY_COLUMNS.values())
NO_LINES = LineDigest(claimed=0, has_rejected=False, has_reviewed=False, has_comment=False)


def list_pay_app_page(
    uow: UnitOfWork,
    actor: Actor,
    where: PayAppFilter,
    *,
    order_by: Sequence[tuple[str, bool]] = (("id", False),),
    offset: int = 0,
    limit: int | None = None,
) -> Page[PayAppView]:
    """``pay_apps.list_pay_apps`` without lines (the same page, total and views), read as plain
    rows: the previous applications, payments and earlier advances for the page's rows only."""
    check_can_read(actor.scopes)
    with uow:
        rows, total = uow.repo.pay_app_page_values(
            actor.company_id, where, order_by=order_by, offset=offset, limit=limit
        )
        return Page(
            items=tuple(_views(uow, actor.company_id, rows)),
            total=total,
            offset=offset,
            limit=limit,
        )


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


def _views(uow: UnitOfWork, company_id: int, rows: Sequence[Row[Any]]) -> list[PayAppView]:
    """The views ``render.pay_app_views`` builds without lines, from plain rows."""
    if not rows:
        return []
    repo = uow.repo
    company = repo.company(company_id)
    assert company is not None
    company_view = render.company_view(company)
    contracts = repo.contracts_by_id(company_id, {row.contract_id for row in rows})
    contract_views = {
        view.id: view for view in render.contract_views(uow, list(contracts.values()))
    }
    projects = {
        project.id: render.project_view(project)
        for project in repo.by_ids(Project, company_id, {row.project_id for row in rows}).values()
    }
    periods = {
        period.id: render.period_view(period)
        for period in repo.by_ids(
            BillingPeriod, company_id, {row.period_id for row in rows if row.period_id}
        ).values()
    }
    previous_rows = repo.previous_pay_app_values(
        company_id, (row.id for row in rows), PREVIOUS_COLUMNS
    )
    positions = repo.chain_positions(company_id, (row.id for row in rows))
    paid = repo.paid_sums(company_id, (row.id for row in rows))
    users = repo.users(row.created_by_id for row in rows if row.created_by_id)
    attachments = repo.attachments_of(pay_app_ids=[row.id for row in rows])
    billed_packages = repo.billed_packages_of(contracts)
    billing = {cid for cid, billed in billed_packages.items() if billed}
    packages_by_contract: dict[int, list[ChangeOrderPackage]] = {cid: [] for cid in contracts}
    items_by_contract: dict[int, list[ChangeOrderItem]] = {cid: [] for cid in contracts}
    if billing:
        packages_by_contract.update(repo.packages_of(billing))
        items_by_contract.update(repo.package_items_of(billing))

    views = []
    for row in rows:
        contract = contract_views[row.contract_id]
        previous = previous_rows.get(row.id)
        earlier_advance, earlier_recoupment, latest_number = positions[row.id]
        is_latest = row.number == latest_number
        paid_sum, paid_count = paid.get(row.id, (0, 0))
        status = PayAppStatus(row.status)
        billed_here = [
            billed for number, billed in billed_packages[row.contract_id] if number <= row.number
        ]
        package_rows = {package.id: package for package in packages_by_contract[row.contract_id]}
        items = items_by_contract[row.contract_id]
        views.append(
            PayAppView(
                id=row.id,
                uuid=row.uuid,
                number=row.number,
                status=status,
                company=company_view,
                project=projects[row.project_id],
                contract=contract,
                period=periods.get(row.period_id) if row.period_id else None,
                previous_id=previous.id if previous else None,
                previous_uuid=previous.uuid if previous else None,
                is_latest=is_latest,
                deletable=is_deletable(
                    is_latest=is_latest, status=status, has_payments=paid_count > 0
                ),
                start_date=row.start_date,
                end_date=row.end_date,
                billing_date=row.billing_date,
                due_date=row.due_date,
                payment_date=row.payment_date,
                submitted_at=row.submitted_at,
                final=row.final,
                invoice_number=row.invoice_number,
                origin_id=row.origin_id,
                origin_data=row.origin_data,
                erp_status=row.erp_status,
                custom_fields=dict(row.custom_fields),
                name=row.name,
                description=row.description,
                note=row.note,
                exchange_rate=_rate_of(row, contract),
                previous_exchange_rate=_rate_of(previous or row, contract),
                approved_at=row.approved_at,
                paid_at=row.paid_at,
                aggregate_by=row.aggregate_by,
                integration_state=row.integration_state,
                integration_state_changed_at=row.integration_state_changed_at,
                integration_state_changed_by=row.integration_state_changed_by,
                external_id=row.external_id,
                external_system=row.external_system,
                external_message=row.external_message,
                last_sync_time=row.last_sync_time,
                advance_amount=row.advance_amount_cents,
                recoupment_amount=row.recoupment_amount_cents,
                written_off=row.written_off_cents,
                summary=_summary(row),
                previous_summary=_summary(previous) if previous else None,
                payments=payment_position(
                    row.current_payment_due_cents, [paid_sum], row.written_off_cents
                ),
                created_by=render.user_view(users.get(row.created_by_id or 0)),
                created_at=row.created_at,
                updated_at=row.updated_at,
                packages=tuple(
                    render.package_view(package_rows[billed.package_id], items)
                    for billed in billed_here
                ),
                new_package_ids=frozenset(
                    billed.package_id for billed in billed_here if billed.pay_app_id == row.id
                ),
                attachments=tuple(
                    render.attachment_view(a) for a in attachments if a.pay_app_id == row.id
                ),
                lines=None,
                earlier_advance_amount=earlier_advance,
                earlier_recoupment_amount=earlier_recoupment,
            )
        )
    return views


def _summary(row: Row[Any]) -> Summary:
    return Summary(**{name: getattr(row, column) for name, column in chain.SUMMARY_COLUMNS.items()})


def _rate_of(row: Row[Any], contract: ContractView) -> Decimal:
    """An application's exchange rate: its own when set, else its contract's."""
    rate: Decimal = row.exchange_rate if row.exchange_rate is not None else contract.exchange_rate
    return rate
