"""What a printed pay application, schedule of values or billing history shows, read in one
transaction and handed to the exports (PDF, spreadsheets) and the command line.

Every figure is the billing engine's, as stored: a G702 line is the application's summary, a G703
row is the line's figures, a total is the engine's sum. Nothing here computes money with a formula
of its own, so a document can never disagree with the API.

Who is who on the G702: a prime contract bills the customer (its party, the owner) from us (the
company, the contractor); a commitment bills us (the owner) from the vendor (the contractor).
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date
from decimal import Decimal

from drawbridge.domain.billing import Summary
from drawbridge.domain.errors import NotFound
from drawbridge.domain.money import percent_of
from drawbridge.domain.rules import check_can_read
from drawbridge.services import render
from drawbridge.services.contracts import contract_in_scope
from drawbridge.services.views import (
    Actor,
    CompanyView,
    ContractView,
    PartyView,
    PayAppLineView,
    PayAppView,
    ProjectView,
    SovLineView,
)
from drawbridge.store.models import Contract
from drawbridge.store.uow import UnitOfWork


@dataclass(frozen=True)
class PartyBlock:
    """A party as a document names it: a name and the lines of its address."""

    name: str
    address: tuple[str, ...] = ()

    @property
    def one_line(self) -> str:
        return ", ".join((self.name, *self.address))


@dataclass(frozen=True)
class ChangeOrderSummary:
    """The G702's change-order block. Deductions are negative, as the engine keeps them."""

    previous_additions: int
    previous_deductions: int
    this_period_additions: int
    this_period_deductions: int

    @property
    def total_additions(self) -> int:
        return self.previous_additions + self.this_period_additions

    @property
    def total_deductions(self) -> int:
        return self.previous_deductions + self.this_period_deductions

    @property
    def net_change(self) -> int:
        """Equals G702 line 2."""
        return self.total_additions + self.total_deductions


@dataclass(frozen=True)
class G703Row:
    """One row of the continuation sheet, columns A to I."""

    item: str  # A
    description: str  # B
    scheduled_value: int  # C
    from_previous_application: int  # D
    this_period: int  # E
    materials_presently_stored: int  # F
    completed_and_stored_to_date: int  # G
    percent_complete: Decimal  # G ÷ C
    balance_to_finish: int  # H
    retainage: int  # I
    cost_code: str | None = None
    is_change_order: bool = False


@dataclass(frozen=True)
class PayAppDocument:
    """Everything a G702 and G703 of one pay application show."""

    pay_app: PayAppView
    owner: PartyBlock
    contractor: PartyBlock
    architect: PartyBlock | None
    change_orders: ChangeOrderSummary
    rows: tuple[G703Row, ...]
    totals: G703Row  # the engine's sums over every row

    @property
    def summary(self) -> Summary:
        return self.pay_app.summary

    @property
    def contract(self) -> ContractView:
        return self.pay_app.contract

    @property
    def project(self) -> ProjectView:
        return self.pay_app.project

    @property
    def number(self) -> int:
        return self.pay_app.number

    @property
    def application_date(self) -> date | None:
        return self.pay_app.billing_date

    @property
    def period_from(self) -> date | None:
        view = self.pay_app
        return view.start_date or (view.period.start_date if view.period else None)

    @property
    def period_to(self) -> date | None:
        view = self.pay_app
        return view.end_date or (view.period.end_date if view.period else None)

    def g702_lines(self) -> tuple[tuple[str, str, int], ...]:
        """(line, label, cents) for lines 1 to 9, in the order the G702 prints them."""
        s = self.summary
        return (
            ("1", "Original contract sum", s.original_contract_sum),
            ("2", "Net change by change orders", s.net_change_by_change_orders),
            ("3", "Contract sum to date (1 + 2)", s.contract_sum_to_date),
            (
                "4",
                "Total completed and stored to date (column G)",
                s.total_completed_and_stored_to_date,
            ),
            ("5a", "Retainage on completed work", s.completed_work_retainage_amount),
            ("5b", "Retainage on stored materials", s.stored_materials_retainage_amount),
            ("5", "Total retainage (5a + 5b, column I)", s.total_retainage),
            ("6", "Total earned less retainage (4 - 5)", s.total_earned_less_retainage),
            (
                "7",
                "Less previous certificates for payment (6 of the prior application)",
                s.less_previous_certificates_for_payment,
            ),
            ("8", "Current payment due (6 - 7)", s.current_payment_due),
            (
                "9",
                "Balance to finish, including retainage (3 - 6)",
                s.balance_to_finish_including_retainage,
            ),
        )


@dataclass(frozen=True)
class SovDocument:
    """A contract's schedule of values, in position order."""

    company: CompanyView
    project: ProjectView
    contract: ContractView
    lines: tuple[SovLineView, ...]
    billing_started: bool  # from the first pay application on, lines change only by change order

    @property
    def total(self) -> int:
        return sum(line.scheduled_value for line in self.lines)


@dataclass(frozen=True)
class HistoryDocument:
    """Every pay application of a contract, in order."""

    company: CompanyView
    project: ProjectView
    contract: ContractView
    applications: tuple[PayAppDocument, ...]


def pay_app_document(uow: UnitOfWork, actor: Actor, pay_app_id: int) -> PayAppDocument:
    """The G702/G703 of one pay application of the caller's company."""
    check_can_read(actor.scopes)
    with uow:
        row = uow.repo.pay_app(actor.company_id, pay_app_id)
        if row is None:
            raise NotFound(f"no pay application {pay_app_id}", field="pay_app_id")
        return document_of(render.pay_app_views(uow, [row], with_lines=True)[0])


def contract_sov(uow: UnitOfWork, actor: Actor, contract_id: int) -> SovDocument:
    """A contract's schedule of values, as it stands."""
    check_can_read(actor.scopes)
    with uow:
        contract = _contract(uow, actor, contract_id)
        company, project, contract_view = _heading(uow, contract)
        return SovDocument(
            company=company,
            project=project,
            contract=contract_view,
            lines=tuple(render.sov_line_view(line) for line in uow.repo.sov_lines(contract.id)),
            billing_started=bool(uow.repo.latest_numbers([contract.id])),
        )


def contract_history(uow: UnitOfWork, actor: Actor, contract_id: int) -> HistoryDocument:
    """Every pay application of a contract, each as its G702/G703."""
    check_can_read(actor.scopes)
    with uow:
        contract = _contract(uow, actor, contract_id)
        company, project, contract_view = _heading(uow, contract)
        rows = list(uow.repo.pay_apps_of_contract(contract.id))
        views = render.pay_app_views(uow, rows, with_lines=True)
        return HistoryDocument(
            company=company,
            project=project,
            contract=contract_view,
            applications=tuple(document_of(view) for view in views),
        )


def document_of(view: PayAppView) -> PayAppDocument:
    """The document of a pay application view built with its lines."""
    contract = view.contract
    company = PartyBlock(view.company.name)
    if contract.kind == "prime":
        owner, contractor = party_block(contract.party), company
    else:
        owner, contractor = company, party_block(contract.party)
    s = view.summary
    return PayAppDocument(
        pay_app=view,
        owner=owner,
        contractor=contractor,
        architect=party_block(contract.architect) if contract.architect else None,
        change_orders=ChangeOrderSummary(
            previous_additions=s.positive_previous_change_order_item_total,
            previous_deductions=s.negative_previous_change_order_item_total,
            this_period_additions=s.positive_new_change_order_item_total,
            this_period_deductions=s.negative_new_change_order_item_total,
        ),
        rows=tuple(_row(line, view) for line in view.g703_lines),
        totals=G703Row(
            item="",
            description="Grand total",
            scheduled_value=s.contract_sum_to_date,
            from_previous_application=s.work_completed_from_previous_application,
            this_period=s.work_completed_this_period,
            materials_presently_stored=s.materials_presently_stored,
            completed_and_stored_to_date=s.total_completed_and_stored_to_date,
            percent_complete=s.percent_complete,
            balance_to_finish=s.balance_to_finish,
            retainage=s.total_retainage,
        ),
    )


def party_block(party: PartyView) -> PartyBlock:
    city_line = " ".join(
        part
        for part in (
            ", ".join(part for part in (party.city, party.state_code) if part),
            party.zip or "",
        )
        if part
    )
    return PartyBlock(party.name, tuple(part for part in (party.street, city_line) if part))


def item_label(line: PayAppLineView, view: PayAppView) -> str:
    """Column A: the SOV line's number, or the change order's number and the item's position."""
    if line.sov_line is not None:
        return line.sov_line.number
    item = line.change_order_item
    assert item is not None
    package = next((p for p in view.packages if p.id == item.package_id), None)
    return f"{package.number}.{item.position}" if package else f"CO item {item.id}"


def _row(line: PayAppLineView, view: PayAppView) -> G703Row:
    f = line.figures
    return G703Row(
        item=item_label(line, view),
        description=line.description,
        scheduled_value=f.scheduled_value,
        from_previous_application=f.work_completed_from_previous_application,
        this_period=f.work_completed_this_period,
        materials_presently_stored=f.materials_presently_stored,
        completed_and_stored_to_date=f.total_completed_and_stored_to_date,
        percent_complete=f.percent_complete,
        balance_to_finish=f.balance_to_finish,
        retainage=f.total_retainage_currently_retained,
        cost_code=line.cost_code,
        is_change_order=line.change_order_item is not None,
    )


def page_totals(rows: tuple[G703Row, ...] | list[G703Row], label: str) -> G703Row:
    """A subtotal of some rows (a printed page): sums of the engine's row figures.

    The percentage of a page is the page's G over its C, rounded as the engine rounds.
    """
    scheduled = sum(row.scheduled_value for row in rows)
    completed = sum(row.completed_and_stored_to_date for row in rows)
    return G703Row(
        item="",
        description=label,
        scheduled_value=scheduled,
        from_previous_application=sum(row.from_previous_application for row in rows),
        this_period=sum(row.this_period for row in rows),
        materials_presently_stored=sum(row.materials_presently_stored for row in rows),
        completed_and_stored_to_date=completed,
        percent_complete=percent_of(completed, scheduled),
        balance_to_finish=sum(row.balance_to_finish for row in rows),
        retainage=sum(row.retainage for row in rows),
    )


def _heading(uow: UnitOfWork, contract: Contract) -> tuple[CompanyView, ProjectView, ContractView]:
    company = uow.repo.company(contract.company_id)
    project = uow.repo.project(contract.company_id, contract.project_id)
    assert company is not None
    assert project is not None
    contract_view = render.contract_views(uow, [contract])[0]
    return render.company_view(company), render.project_view(project), contract_view


def _contract(uow: UnitOfWork, actor: Actor, contract_id: int) -> Contract:
    contract = contract_in_scope(uow, actor, contract_id)
    if contract is None:
        raise NotFound(f"no contract {contract_id}", field="contract_id")
    return contract
