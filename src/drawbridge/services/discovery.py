"""What a client reads before anything else: the companies it belongs to, their projects, the
contracts of a project with their schedule-of-values lines, and the change-order packages of a
contract. Read-only use cases, each one unit of work, every query scoped by company.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

from drawbridge.domain.errors import NotFound
from drawbridge.domain.rules import check_can_read
from drawbridge.services import chain, render
from drawbridge.services.contracts import contract_in_scope
from drawbridge.services.views import (
    Actor,
    ChangeOrderPackageView,
    CompanyView,
    ContractView,
    PaymentView,
    Principal,
    ProjectView,
    SovLineView,
)
from drawbridge.store.models import Contract
from drawbridge.store.uow import UnitOfWork


def companies_of(uow: UnitOfWork, principal: Principal) -> Sequence[CompanyView]:
    """The companies the token's user is a member of, by id."""
    check_can_read(principal.scopes)
    with uow:
        companies = [uow.repo.company(company_id) for company_id in sorted(principal.memberships)]
        return [render.company_view(company) for company in companies if company is not None]


def projects_of(uow: UnitOfWork, actor: Actor) -> tuple[CompanyView, Sequence[ProjectView]]:
    """The company the caller acts in, and its projects."""
    check_can_read(actor.scopes)
    with uow:
        company = uow.repo.company(actor.company_id)
        if company is None:
            raise NotFound(f"company_id: no company {actor.company_id}", field="company_id")
        projects = [render.project_view(row) for row in uow.repo.projects(actor.company_id)]
        return render.company_view(company), projects


def contracts_of(
    uow: UnitOfWork, actor: Actor, project_id: int, *, kind: str | None = None
) -> Sequence[ContractView]:
    """The project's contracts (of one kind when named); another company's project is 404."""
    check_can_read(actor.scopes)
    with uow:
        if uow.repo.project(actor.company_id, project_id) is None:
            raise NotFound(f"project_id: no project {project_id}", field="project_id")
        rows = [
            row
            for row in uow.repo.contracts(actor.company_id, project_id)
            if kind is None or row.kind == kind
        ]
        return render.contract_views(uow, rows)


@dataclass(frozen=True)
class ContractLines:
    company: CompanyView
    project: ProjectView
    contract: ContractView
    lines: Sequence[SovLineView]


def contract_lines(
    uow: UnitOfWork,
    actor: Actor,
    contract_id: int,
    *,
    project_id: int | None = None,
    kind: str | None = None,
) -> ContractLines:
    """A contract (with its company and project) and its schedule-of-values lines in order."""
    check_can_read(actor.scopes)
    with uow:
        contract = _contract(uow, actor, contract_id, project_id, kind)
        company = uow.repo.company(actor.company_id)
        project = uow.repo.project(actor.company_id, contract.project_id)
        assert company is not None  # the contract's own company and project
        assert project is not None
        return ContractLines(
            company=render.company_view(company),
            project=render.project_view(project),
            contract=render.contract_views(uow, [contract])[0],
            lines=[render.sov_line_view(row) for row in uow.repo.sov_lines(contract.id)],
        )


def change_order_packages(
    uow: UnitOfWork,
    actor: Actor,
    contract_id: int,
    *,
    project_id: int | None = None,
    kind: str | None = None,
) -> tuple[ContractView, Sequence[ChangeOrderPackageView]]:
    """A contract and its change-order packages with their items."""
    check_can_read(actor.scopes)
    with uow:
        contract = _contract(uow, actor, contract_id, project_id, kind)
        items = uow.repo.package_items(contract.id)
        packages = [render.package_view(row, items) for row in uow.repo.packages(contract.id)]
        return render.contract_views(uow, [contract])[0], packages


@dataclass(frozen=True)
class ContractDetail:
    """One contract as a client shows it: its lines, change orders, payments and what its
    pay applications have asked for so far."""

    company: CompanyView
    project: ProjectView
    contract: ContractView
    lines: Sequence[SovLineView]
    packages: Sequence[ChangeOrderPackageView]
    payments: Sequence[PaymentView]
    latest_pay_app_number: int | None
    # Σ of every pay application's current payment due: the latest one's total earned less
    # retainage (the chain makes each application's "previous certificates" the sum before it).
    requested_to_date: int

    @property
    def original(self) -> int:
        return sum(line.scheduled_value for line in self.lines)

    def change_orders(self, *statuses: str) -> int:
        return sum(package.amount for package in self.packages if package.status in statuses)

    @property
    def paid(self) -> int:
        return sum(payment.amount for payment in self.payments)


def contract_detail(
    uow: UnitOfWork,
    actor: Actor,
    contract_id: int,
    *,
    project_id: int | None = None,
    kind: str | None = None,
) -> ContractDetail:
    """A contract with its lines, change-order packages, payments and pay-application totals."""
    check_can_read(actor.scopes)
    with uow:
        contract = _contract(uow, actor, contract_id, project_id, kind)
        company = uow.repo.company(actor.company_id)
        project = uow.repo.project(actor.company_id, contract.project_id)
        assert company is not None  # the contract's own company and project
        assert project is not None
        items = uow.repo.package_items(contract.id)
        apps = uow.repo.pay_apps_of_contract(contract.id)
        latest = chain.summary_figures(apps[-1]) if apps else None
        return ContractDetail(
            company=render.company_view(company),
            project=render.project_view(project),
            contract=render.contract_views(uow, [contract])[0],
            lines=[render.sov_line_view(row) for row in uow.repo.sov_lines(contract.id)],
            packages=[render.package_view(row, items) for row in uow.repo.packages(contract.id)],
            payments=render.payment_views(uow, uow.repo.payments_of_contract(contract.id)),
            latest_pay_app_number=apps[-1].number if apps else None,
            requested_to_date=latest.total_earned_less_retainage if latest else 0,
        )


def _contract(
    uow: UnitOfWork, actor: Actor, contract_id: int, project_id: int | None, kind: str | None
) -> Contract:
    contract = contract_in_scope(uow, actor, contract_id, project_id=project_id, kind=kind)
    if contract is None:
        raise NotFound(f"no contract {contract_id}", field="contract_id")
    return contract


@dataclass(frozen=True)
class ContractSheet:
    """A contract with its schedule of values and change-order totals."""

    contract: ContractView
    lines: Sequence[SovLineView]
    original: int  # sum of the schedule of values
    approved_change_orders: int
    pending_change_orders: int  # packages in draft or pending

    @property
    def contract_sum(self) -> int:
        """The original sum with every approved change order (G702 line 3 before billing)."""
        return self.original + self.approved_change_orders


def contract_sheets(
    uow: UnitOfWork, actor: Actor, project_id: int, *, kind: str | None = None
) -> Sequence[ContractSheet]:
    """The project's contracts with their lines and change-order totals, in a few queries."""
    check_can_read(actor.scopes)
    with uow:
        if uow.repo.project(actor.company_id, project_id) is None:
            raise NotFound(f"project_id: no project {project_id}", field="project_id")
        rows = [
            row
            for row in uow.repo.contracts(actor.company_id, project_id)
            if kind is None or row.kind == kind
        ]
        ids = [row.id for row in rows]
        lines = uow.repo.sov_line_values_of(ids)
        packages = uow.repo.packages_of(ids)
        items = uow.repo.package_items_of(ids)
        sheets = []
        for view in render.contract_views(uow, rows):
            status_of = {package.id: package.status for package in packages.get(view.id, [])}
            totals = {"approved": 0, "pending": 0}
            for item in items.get(view.id, []):
                status = status_of.get(item.package_id)
                if status == "approved":
                    totals["approved"] += item.amount_cents
                elif status in ("draft", "pending"):
                    totals["pending"] += item.amount_cents
            own_lines = [render.sov_line_view(row) for row in lines.get(view.id, [])]
            sheets.append(
                ContractSheet(
                    contract=view,
                    lines=own_lines,
                    original=sum(line.scheduled_value for line in own_lines),
                    approved_change_orders=totals["approved"],
                    pending_change_orders=totals["pending"],
                )
            )
        return sheets
