"""Builds view objects from rows, a page at a time (one query per kind of row, never per item)."""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field, fields
from decimal import Decimal
from operator import attrgetter
from typing import Any

from sqlalchemy import Row

from drawbridge.domain.billing import LineFigures
from drawbridge.domain.rollups import payment_position
from drawbridge.domain.rules import PayAppStatus, is_deletable
from drawbridge.services import chain
from drawbridge.services.views import (
    AttachmentView,
    ChangeOrderItemView,
    ChangeOrderPackageView,
    CompanyView,
    ContractView,
    PartyView,
    PayAppLineView,
    PayAppView,
    PaymentView,
    PeriodView,
    ProjectView,
    SovLineView,
    UserView,
)
from drawbridge.store.models import (
    Attachment,
    BillingPeriod,
    ChangeOrderItem,
    ChangeOrderPackage,
    Company,
    Contract,
    Party,
    PayApp,
    PayAppPackage,
    Payment,
    Project,
    SovLine,
    User,
)
from drawbridge.store.repositories import NEW_APPLICATION_SOV_COLUMNS
from drawbridge.store.uow import UnitOfWork


def company_view(row: Company) -> CompanyView:
    return CompanyView(
        id=row.id,
        name=row.name,
        base_currency=row.base_currency,
        prevent_overbilling=row.prevent_overbilling,
        prevent_overpayment=row.prevent_overpayment,
    )


def user_view(row: User | None) -> UserView | None:
    return None if row is None else UserView(id=row.id, email=row.email, name=row.name)


def party_view(row: Party) -> PartyView:
    return PartyView(
        id=row.id,
        uuid=row.uuid,
        code=row.code,
        name=row.name,
        kind=row.kind,
        street=row.street,
        city=row.city,
        state_code=row.state_code,
        zip=row.zip,
        country_code=row.country_code,
    )


def project_view(row: Project) -> ProjectView:
    return ProjectView(
        id=row.id,
        uuid=row.uuid,
        code=row.code,
        name=row.name,
        number=row.number,
        created_at=row.created_at,
    )


def period_view(row: BillingPeriod) -> PeriodView:
    return PeriodView(
        id=row.id,
        uuid=row.uuid,
        start_date=row.start_date,
        end_date=row.end_date,
        due_date=row.due_date,
    )


def sov_line_view(row: SovLine | Row[Any]) -> SovLineView:
    # Made as _line_view makes a line's view (every field at once, read with one attrgetter):
    # one per line of a show.
    view = object.__new__(SovLineView)
    view.__dict__.update(zip(_SOV_VIEW_FIELDS, _shown_sov(row), strict=True))
    return view


# What an SOV line's view shows (sov_line_view), in the view's field order: the columns a show
# reads, and a create reads its SOV lines with (Repository.sov_schedule) and shows as held.
SHOWN_SOV_COLUMNS = NEW_APPLICATION_SOV_COLUMNS
_shown_sov = attrgetter(*SHOWN_SOV_COLUMNS)
_SOV_VIEW_FIELDS = tuple(item.name for item in fields(SovLineView))
assert tuple(name.removesuffix("_cents") for name in SHOWN_SOV_COLUMNS) == _SOV_VIEW_FIELDS
assert not hasattr(SovLineView, "__post_init__")
assert not hasattr(SovLineView, "__slots__")


def item_view(row: ChangeOrderItem) -> ChangeOrderItemView:
    return ChangeOrderItemView(
        id=row.id,
        package_id=row.package_id,
        position=row.position,
        description=row.description,
        cost_code=row.cost_code,
        amount=row.amount_cents,
        sov_line_id=row.sov_line_id,
    )


def package_view(
    row: ChangeOrderPackage, items: Sequence[ChangeOrderItem]
) -> ChangeOrderPackageView:
    return ChangeOrderPackageView(
        id=row.id,
        uuid=row.uuid,
        contract_id=row.contract_id,
        number=row.number,
        title=row.title,
        status=row.status,
        approved_date=row.approved_date,
        items=tuple(item_view(item) for item in items if item.package_id == row.id),
        created_at=row.created_at,
    )


def attachment_view(row: Attachment) -> AttachmentView:
    return AttachmentView(
        id=row.id,
        filename=row.filename,
        content_type=row.content_type,
        size=row.size,
        sha256=row.sha256,
        pay_app_id=row.pay_app_id,
        payment_id=row.payment_id,
        created_at=row.created_at,
    )


def contract_views(uow: UnitOfWork, rows: Sequence[Contract]) -> list[ContractView]:
    """Views of contracts of one company, their parties read in one query."""
    if not rows:
        return []
    party_ids = {row.party_id for row in rows} | {
        row.architect_id for row in rows if row.architect_id
    }
    parties = uow.repo.parties(rows[0].company_id, party_ids)
    return [_contract_view(row, parties) for row in rows]


def _contract_view(row: Contract, parties: dict[int, Party]) -> ContractView:
    architect = parties.get(row.architect_id) if row.architect_id else None
    return ContractView(
        id=row.id,
        uuid=row.uuid,
        company_id=row.company_id,
        project_id=row.project_id,
        kind=row.kind,
        commitment_type=row.commitment_type,
        number=row.number,
        title=row.title,
        party=party_view(parties[row.party_id]),
        architect=party_view(architect) if architect else None,
        contract_date=row.contract_date,
        status=row.status,
        currency=row.currency,
        exchange_rate=row.exchange_rate,
        retainage_method=row.retainage_method,
        work_retainage_percent=row.work_retainage_percent,
        materials_retainage_percent=row.materials_retainage_percent,
        retainage_steps=tuple(row.retainage_steps),
        stored_materials=row.stored_materials,
        allow_overbilling=row.allow_overbilling,
        allow_overpayment=row.allow_overpayment,
        details=dict(row.details),
        created_at=row.created_at,
        updated_at=row.updated_at,
        is_active=row.is_active,
    )


def payment_views(uow: UnitOfWork, rows: Sequence[Payment]) -> list[PaymentView]:
    repo = uow.repo
    users = repo.users(row.created_by_id for row in rows if row.created_by_id)
    attachments = repo.attachments_of(payment_ids=[row.id for row in rows])
    return [
        PaymentView(
            id=row.id,
            uuid=row.uuid,
            company_id=row.company_id,
            project_id=row.project_id,
            contract_id=row.contract_id,
            pay_app_id=row.pay_app_id,
            amount=row.amount_cents,
            payment_date=row.payment_date,
            payment_method=row.payment_method,
            check_number=row.check_number,
            payment_number=row.payment_number,
            draw_request_number=row.draw_request_number,
            invoice_number=row.invoice_number,
            invoice_date=row.invoice_date,
            notes=row.notes,
            write_off_date=row.write_off_date,
            currency=row.currency,
            exchange_rate=row.exchange_rate,
            origin_id=row.origin_id,
            origin_data=row.origin_data,
            created_by=user_view(users.get(row.created_by_id or 0)),
            created_at=row.created_at,
            updated_at=row.updated_at,
            attachments=tuple(attachment_view(a) for a in attachments if a.payment_id == row.id),
        )
        for row in rows
    ]


@dataclass(frozen=True)
class ChainPlace:
    """Where a pay application stands in its contract's chain, as a write that holds it knows:
    whether it is the latest, and what the earlier applications' advances and recoupments add
    up to."""

    is_latest: bool
    earlier_advance: int
    earlier_recoupment: int


@dataclass(frozen=True)
class HeldLines:
    """Rows a write already holds, so that its answer need not read them again: lines by pay
    application, SOV lines by contract, the previous applications by (contract id, number),
    their materials stored by id, and the figures of held lines. A create also holds its
    application's header parts: the packages billed on its contract (with the number of the
    application that billed each), the contract's packages and items, the application's
    attachments and payment amounts, and its place in the chain; each is read from the
    database for the rows it does not cover."""

    lines: Mapping[int, Sequence[Row[Any]]] = field(default_factory=dict)
    previous_apps: Mapping[tuple[int, int], PayApp] = field(default_factory=dict)
    sov: Mapping[int, Sequence[Row[Any]]] = field(default_factory=dict)
    # The previous applications' materials presently stored (F) by id, then by the SOV line or
    # change-order item each line bills.
    previously_stored: Mapping[int, dict[tuple[int | None, int | None], int]] = field(
        default_factory=dict
    )
    # The figures the write computed for each pay application's held lines, in their order:
    # its line views take them instead of building them from the rows again.
    figures: Mapping[int, Sequence[LineFigures]] = field(default_factory=dict)
    # By contract id.
    billed_packages: Mapping[int, Sequence[tuple[int, PayAppPackage]]] = field(default_factory=dict)
    packages: Mapping[int, Sequence[ChangeOrderPackage]] = field(default_factory=dict)
    items: Mapping[int, Sequence[ChangeOrderItem]] = field(default_factory=dict)
    # By pay application id.
    attachments: Mapping[int, Sequence[Attachment]] = field(default_factory=dict)
    paid: Mapping[int, Sequence[int]] = field(default_factory=dict)
    places: Mapping[int, ChainPlace] = field(default_factory=dict)


@dataclass(frozen=True)
class PageParts:
    """What the views of a page of pay applications share, read once for the page: the
    company, contracts, projects, periods, creators, attachments and billed packages."""

    contracts: dict[int, Contract]
    company: CompanyView
    contract_views: dict[int, ContractView]
    projects: dict[int, ProjectView]
    periods: dict[int, PeriodView]
    users: dict[int, User]
    attachments: Sequence[Attachment]
    billed_packages: dict[int, list[tuple[int, PayAppPackage]]]
    packages: dict[int, dict[int, ChangeOrderPackage]]  # by contract, then by id
    items: dict[int, list[ChangeOrderItem]]  # by contract


def page_parts(
    uow: UnitOfWork,
    company_id: int,
    rows: Sequence[PayApp | Row[Any]],
    held: HeldLines | None = None,
    *,
    with_packages: bool = True,
    read_contracts: tuple[dict[int, Contract], dict[int, Party]] | None = None,
) -> PageParts:
    """One query per kind of row, whatever the number of pay apps, contracts or periods; none
    for what ``held`` covers (a create's own application). Without ``with_packages`` (a list
    whose face shows neither), the views' billed packages and attachments are left empty and
    not read, and ``read_contracts`` (``Repository.contracts_with_parties``' answer for at
    least the rows' contracts, which the caller has read already) is used instead of reading
    them."""
    repo = uow.repo
    held = held or HeldLines()
    company = repo.company(company_id)
    assert company is not None
    contract_ids = {row.contract_id for row in rows}
    if with_packages:
        contracts = repo.contracts_by_id(company_id, contract_ids)
        views = contract_views(uow, list(contracts.values()))
        billed_packages = {cid: list(billed) for cid, billed in held.billed_packages.items()}
    else:
        if read_contracts is None:
            read_contracts = repo.contracts_with_parties(company_id, contract_ids)
        every_contract, parties = read_contracts
        contracts = {cid: every_contract[cid] for cid in sorted(contract_ids)}
        views = [_contract_view(contract, parties) for contract in contracts.values()]
        billed_packages = {cid: [] for cid in contracts}
    unheld = [cid for cid in contracts if cid not in billed_packages]
    if unheld:
        billed_packages.update(repo.billed_packages_of(unheld))
    # A change-order item is on an application (as a line or in a package) only once its package
    # is billed: contracts with nothing billed need neither their packages nor their items.
    billing = {cid for cid, billed in billed_packages.items() if billed}
    packages_by_contract: dict[int, list[ChangeOrderPackage]] = {cid: [] for cid in contracts}
    items_by_contract: dict[int, list[ChangeOrderItem]] = {cid: [] for cid in contracts}
    for cid in billing & held.packages.keys() & held.items.keys():
        packages_by_contract[cid] = list(held.packages[cid])
        items_by_contract[cid] = list(held.items[cid])
    billing -= held.packages.keys() & held.items.keys()
    if billing:
        packages_by_contract.update(repo.packages_of(billing))
        items_by_contract.update(repo.package_items_of(billing))
    attachments = [
        attachment
        for row in rows
        if row.id in held.attachments
        for attachment in held.attachments[row.id]
    ]
    unheld_apps = [row.id for row in rows if with_packages and row.id not in held.attachments]
    if unheld_apps:
        attachments += repo.attachments_of(pay_app_ids=unheld_apps)
        attachments.sort(key=lambda attachment: attachment.id)
    return PageParts(
        contracts=contracts,
        company=company_view(company),
        contract_views={view.id: view for view in views},
        projects={
            project.id: project_view(project)
            for project in repo.by_ids(
                Project, company_id, {row.project_id for row in rows}
            ).values()
        },
        periods={
            period.id: period_view(period)
            for period in repo.by_ids(
                BillingPeriod, company_id, {row.period_id for row in rows if row.period_id}
            ).values()
        },
        users=repo.users(row.created_by_id for row in rows if row.created_by_id),
        attachments=attachments,
        billed_packages=billed_packages,
        packages={
            cid: {package.id: package for package in packages}
            for cid, packages in packages_by_contract.items()
        },
        items=items_by_contract,
    )


def pay_app_view(
    row: PayApp | Row[Any],
    parts: PageParts,
    *,
    previous: PayApp | Row[Any] | None,
    is_latest: bool,
    paid: int,
    payment_count: int,
    earlier_advance: int,
    earlier_recoupment: int,
    lines: tuple[PayAppLineView, ...] | None,
) -> PayAppView:
    """A pay application's view from its row (an ORM object or a plain row of its columns),
    its previous application's (id, uuid, rate and figures suffice) and what the rest of its
    chain adds up to: the one place a PayAppView is put together."""
    status = PayAppStatus(row.status)
    contract = parts.contract_views[row.contract_id]
    billed_here = [
        billed for number, billed in parts.billed_packages[row.contract_id] if number <= row.number
    ]
    package_rows = parts.packages[row.contract_id]
    items = parts.items[row.contract_id]
    return PayAppView(
        id=row.id,
        uuid=row.uuid,
        number=row.number,
        status=status,
        company=parts.company,
        project=parts.projects[row.project_id],
        contract=contract,
        period=parts.periods.get(row.period_id) if row.period_id else None,
        previous_id=previous.id if previous else None,
        previous_uuid=previous.uuid if previous else None,
        is_latest=is_latest,
        deletable=is_deletable(is_latest=is_latest, status=status, has_payments=payment_count > 0),
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
        summary=chain.summary_figures(row),
        previous_summary=chain.summary_figures(previous) if previous else None,
        payments=payment_position(row.current_payment_due_cents, [paid], row.written_off_cents),
        created_by=user_view(parts.users.get(row.created_by_id or 0)),
        created_at=row.created_at,
        updated_at=row.updated_at,
        packages=tuple(
            package_view(package_rows[billed.package_id], items) for billed in billed_here
        ),
        new_package_ids=frozenset(
            billed.package_id for billed in billed_here if billed.pay_app_id == row.id
        ),
        attachments=tuple(attachment_view(a) for a in parts.attachments if a.pay_app_id == row.id),
        lines=lines,
        earlier_advance_amount=earlier_advance,
        earlier_recoupment_amount=earlier_recoupment,
    )


def pay_app_views(
    uow: UnitOfWork,
    rows: Sequence[PayApp],
    *,
    with_lines: bool = False,
    held: HeldLines | None = None,
) -> list[PayAppView]:
    """Views of pay applications (any mix of contracts of one company); ``held``: rows the
    caller holds as stored, read from it instead of the database."""
    if not rows:
        return []
    repo = uow.repo
    held = held or HeldLines()
    parts = page_parts(uow, rows[0].company_id, rows, held)
    contracts = parts.contracts
    # What each row needs from the rest of its chain, read for the page only: the previous
    # application, the packages billed so far and the numbers and advances of the others.
    previous_rows = dict(held.previous_apps)
    previous_rows.update(
        repo.pay_apps_by_number(
            (row.contract_id, row.number - 1)
            for row in rows
            if row.number > 1 and (row.contract_id, row.number - 1) not in held.previous_apps
        )
    )
    unplaced = {row.contract_id for row in rows if row.id not in held.places}
    history = repo.advance_history(unplaced) if unplaced else {}
    paid: dict[int, Sequence[int]] = dict(held.paid)
    unpaid = [row.id for row in rows if row.id not in held.paid]
    if unpaid:
        paid.update(repo.paid_by_pay_app(unpaid))
    lines: dict[int, Sequence[tuple[Any, ...]]] = {}
    previously_stored: dict[int, dict[tuple[int | None, int | None], int]] = {}
    sov_by_contract: dict[int, dict[int, Row[Any]]] = {}
    if with_lines:
        lines.update(
            {pay_app_id: list(map(_shown, held)) for pay_app_id, held in held.lines.items()}
        )
        lines.update(
            repo.line_columns(
                rows[0].company_id,
                (row.id for row in rows if row.id not in held.lines),
                SHOWN_LINE_COLUMNS,
            )
        )
        previous_ids = [previous.id for previous in previous_rows.values()]
        previously_stored = {
            previous_id: held.previously_stored[previous_id]
            for previous_id in previous_ids
            if previous_id in held.previously_stored
        }
        unheld_previous = [i for i in previous_ids if i not in previously_stored]
        previously_stored.update(repo.stored_materials_of(unheld_previous))
        sov_rows = dict(held.sov)
        unheld = [cid for cid in contracts if cid not in held.sov]
        if unheld:
            sov_rows.update(repo.sov_line_columns_of(rows[0].company_id, unheld, SHOWN_SOV_COLUMNS))
        sov_by_contract = {
            cid: {line.id: line for line in sov_lines} for cid, sov_lines in sov_rows.items()
        }

    views = []
    for row in rows:
        previous = previous_rows.get((row.contract_id, row.number - 1))
        place = held.places.get(row.id) or _place_of(row, history[row.contract_id])
        amounts = paid.get(row.id, [])
        views.append(
            pay_app_view(
                row,
                parts,
                previous=previous,
                is_latest=place.is_latest,
                paid=sum(amounts),
                payment_count=len(amounts),
                earlier_advance=place.earlier_advance,
                earlier_recoupment=place.earlier_recoupment,
                lines=(
                    _line_views(
                        lines[row.id],
                        sov_by_contract[row.contract_id],
                        parts.items[row.contract_id],
                        _stored_by_source(previously_stored, previous),
                        held.figures.get(row.id),
                    )
                    if with_lines
                    else None
                ),
            )
        )
    return views


def _place_of(row: PayApp | Row[Any], history: Sequence[Row[Any]]) -> ChainPlace:
    """Where ``row`` stands among its contract's applications (``history``, by number)."""
    earlier = [app for app in history if app.number < row.number]
    return ChainPlace(
        is_latest=row.number == history[-1].number,
        earlier_advance=sum(app.advance_amount_cents for app in earlier),
        earlier_recoupment=sum(app.recoupment_amount_cents for app in earlier),
    )


def _rate_of(row: PayApp | Row[Any], contract: ContractView) -> Decimal:
    """An application's exchange rate: its own when set, else its contract's."""
    rate: Decimal = row.exchange_rate if row.exchange_rate is not None else contract.exchange_rate
    return rate


def _stored_by_source(
    stored: dict[int, dict[tuple[int | None, int | None], int]], previous: PayApp | None
) -> dict[tuple[int | None, int | None], int]:
    """F of each line of the previous application, by the SOV line or item it bills."""
    return stored.get(previous.id, {}) if previous is not None else {}


# What a line's view shows of its stored line, read as one plain tuple in this order (a held
# row, which has every column by name, is taken through ``_shown``): what it is and bills, the
# inputs it shows, then its stored figures in LineFigures' order.
SHOWN_LINE_COLUMNS = (
    "id",
    "uuid",
    "position",
    "sov_line_id",
    "change_order_item_id",
    "work_completed_this_period_quantity",
    "subcontractor_claimed_amount_cents",
    "review_status",
    "review_comment",
    *chain.FIGURE_COLUMNS,
)
_SHOWN_FIELDS = slice(0, 9)
_SHOWN_FIGURES = slice(9, None)
_shown = attrgetter(*SHOWN_LINE_COLUMNS)

# A frozen dataclass's __init__ sets each field through object.__setattr__; a line's view is
# made with every field at once instead (it has no __post_init__ and no slots), one view per
# line of a show of a 1,000-line application.
_LINE_VIEW_FIELDS = tuple(item.name for item in fields(PayAppLineView))
assert not hasattr(PayAppLineView, "__post_init__")
assert not hasattr(PayAppLineView, "__slots__")


def _line_view(*values: Any) -> PayAppLineView:
    view = object.__new__(PayAppLineView)
    view.__dict__.update(zip(_LINE_VIEW_FIELDS, values, strict=True))
    return view


def _line_views(
    lines: Sequence[tuple[Any, ...]],
    sov: dict[int, Row[Any]],
    items: Sequence[ChangeOrderItem],
    previously_stored: dict[tuple[int | None, int | None], int],
    computed: Sequence[LineFigures] | None = None,
) -> tuple[PayAppLineView, ...]:
    """``lines``: tuples of SHOWN_LINE_COLUMNS. ``computed``: the lines' figures as the write
    computed them, in the lines' order (else built from the stored figures)."""
    items_by_id = {item.id: item for item in items}
    views = []
    for index, line in enumerate(lines):
        (
            line_id,
            uuid,
            position,
            sov_line_id,
            item_id,
            quantity,
            claimed,
            review_status,
            review_comment,
        ) = line[_SHOWN_FIELDS]
        item = items_by_id.get(item_id) if item_id is not None else None
        figures = (
            computed[index]
            if computed is not None
            else chain.stored_figures(
                chain.source_ref(sov_line_id, item_id),
                item.package_id if item else None,
                line[_SHOWN_FIGURES],
            )
        )
        views.append(
            _line_view(
                line_id,
                uuid,
                position,
                figures,
                previously_stored.get((sov_line_id, item_id), 0),
                sov_line_view(sov[sov_line_id]) if sov_line_id else None,
                item_view(item) if item else None,
                quantity,
                claimed,
                review_status,
                review_comment,
            )
        )
    return tuple(views)
