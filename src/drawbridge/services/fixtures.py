"""Loading a fixture (docs/fixtures.md): all or nothing, history replayed through the services.

The document is parsed and checked whole first (fixtures/schema.py names the path of any bad
value); then everything is written in one transaction. Pay applications and payments go through
the same use cases the APIs call, inside that transaction, so a fixture can never hold a figure
the engine would not compute.
"""

from __future__ import annotations

from collections.abc import Callable, Iterator
from contextlib import contextmanager
from datetime import UTC, date, datetime, time
from decimal import Decimal
from typing import Any

from sqlalchemy import event
from sqlalchemy.orm import Session

from drawbridge.domain.billing import LineKind, LineRef
from drawbridge.domain.errors import LedgerError
from drawbridge.domain.money import HUNDRED
from drawbridge.domain.rules import PayAppStatus, Role, Scope
from drawbridge.fixtures import schema
from drawbridge.services import audit, auth, oauth, pay_apps, payments, sov, web_sessions
from drawbridge.services.views import Actor
from drawbridge.store.models import (
    ApiToken,
    BillingPeriod,
    ChangeOrderItem,
    ChangeOrderPackage,
    Company,
    Contract,
    DirectoryEntry,
    Membership,
    OAuthClient,
    Party,
    Project,
    SovLine,
    User,
)
from drawbridge.store.repositories import empty_all_tables, sync_id_sequences
from drawbridge.store.uow import UnitOfWork

Progress = Callable[[str, int], None]


def load_fixture_text(uow: UnitOfWork, text: str, *, reset: bool = False) -> dict[str, int]:
    """Parse and load a JSON or YAML fixture; returns how many of each record were loaded."""
    return load_fixture(uow, parse_fixture_text(text), reset=reset)


def parse_fixture_text(text: str) -> schema.FixtureDocument:
    """A JSON or YAML fixture, validated; nothing is loaded."""
    return schema.parse_fixture(schema.load_fixture_text(text))


def history_size(document: schema.FixtureDocument) -> int:
    """How many pay applications and payments loading the document replays (the slow part)."""
    return sum(
        len(contract.pay_apps) + len(contract.payments)
        for company in document.companies
        for project in company.projects
        for contract in project.contracts
    )


class _Counts(dict[str, int]):
    """How many of each record are loaded so far; tells ``progress`` of every change."""

    def __init__(self, progress: Progress | None) -> None:
        super().__init__(companies=0, projects=0, contracts=0, pay_apps=0, payments=0)
        self.progress = progress

    def __setitem__(self, kind: str, count: int) -> None:
        super().__setitem__(kind, count)
        if self.progress is not None:
            self.progress(kind, count)


def load_fixture(
    uow: UnitOfWork,
    document: schema.FixtureDocument,
    *,
    reset: bool = False,
    progress: Progress | None = None,
) -> dict[str, int]:
    """Load a parsed fixture in one transaction; ``progress(kind, count)`` follows each record."""
    counts = _Counts(progress)
    with uow:
        if reset:
            empty_all_tables(uow.session.connection())
        for index, company in enumerate(document.companies):
            with _auditing_directory(uow, company.id) as created:
                _load_company(uow, company, counts, f"companies[{index}]")
            for row in created:
                audit.record(
                    uow,
                    None,
                    "create",
                    DIRECTORY[type(row)],
                    row.id,
                    None,
                    audit.snapshot(row, skip={"token_hash", "secret_hash"}),
                    company_id=_company_of(row, created),
                )
        sync_id_sequences(uow.session.connection())
        uow.commit()
    return dict(counts)


# Rows a fixture writes directly, by the name the audit trail gives them; pay applications and
# payments are audited by their own services.
DIRECTORY: dict[type[Any], str] = {
    Company: "company",
    User: "user",
    Membership: "membership",
    ApiToken: "api_token",
    OAuthClient: "oauth_client",
    Party: "party",
    Project: "project",
    BillingPeriod: "billing_period",
    Contract: "contract",
    DirectoryEntry: "directory_entry",
    SovLine: "sov_line",
    ChangeOrderPackage: "change_order_package",
    ChangeOrderItem: "change_order_item",
}


@contextmanager
def _auditing_directory(uow: UnitOfWork, company_id: int | None) -> Iterator[list[Any]]:
    """Collect every directory row inserted while loading one company (flushes inside helpers
    included), so each gets its audit event."""
    created: list[Any] = []

    def collect(session: Session, _context: object) -> None:
        created.extend(row for row in session.new if type(row) in DIRECTORY)

    event.listen(uow.session, "after_flush", collect)
    try:
        yield created
    finally:
        event.remove(uow.session, "after_flush", collect)


def _company_of(row: Any, created: list[Any]) -> int:
    """The company an audited row belongs to (users and tokens: the company being loaded)."""
    if isinstance(row, Company):
        return row.id
    if hasattr(row, "company_id"):
        return int(row.company_id)
    return next(r.id for r in created if isinstance(r, Company))


def _load_company(
    uow: UnitOfWork, fixture: schema.CompanyFixture, counts: dict[str, int], path: str
) -> None:
    repo = uow.repo
    if fixture.id is not None and repo.company(fixture.id) is not None:
        raise schema.FixtureError(f"{path}.id: company {fixture.id} already exists")
    company = Company(
        id=fixture.id,
        name=fixture.name,
        base_currency=fixture.base_currency,
        prevent_overbilling=fixture.prevent_overbilling,
        prevent_overpayment=fixture.prevent_overpayment,
        vendor_limits=fixture.vendor_limits,
    )
    repo.add(company)
    uow.flush()
    counts["companies"] += 1
    actor_user_id: int | None = None
    for user_fixture in fixture.users:
        user = auth.ensure_user(uow, user_fixture.email, user_fixture.name or "")
        auth.ensure_membership(uow, user, company.id, user_fixture.role)
        if user_fixture.read_only:
            auth.set_read_only(uow, user, company.id)
        if user_fixture.password is not None:
            user.password_hash = web_sessions.hash_password(user_fixture.password)
        for token in user_fixture.tokens:
            auth.add_token(uow, user, token, [scope.value for scope in user_fixture.scopes])
        if user_fixture.role is Role.ADMIN and actor_user_id is None:
            actor_user_id = user.id
    for index, client in enumerate(fixture.oauth_clients):
        user = auth.ensure_user(uow, client.user)
        if uow.repo.oauth_client(client.client_id) is not None:
            raise schema.FixtureError(
                f"{path}.oauth_clients[{index}].client_id: {client.client_id!r} is already "
                "registered"
            )
        oauth.add_client(
            uow,
            company.id,
            user,
            client_id=client.client_id,
            secret=client.client_secret,
            name=client.name or client.client_id,
            scopes=[scope.value for scope in client.scopes],
            redirect_uris=client.redirect_uris,
        )
    # History is replayed as the company's first admin (or the system when it has none).
    actor = Actor(
        user_id=actor_user_id,
        company_id=company.id,
        role=Role.ADMIN,
        scopes=frozenset({Scope.READ.value, Scope.WRITE.value}),
    )
    for entry in fixture.directory:
        repo.add(
            DirectoryEntry(
                id=entry.id,
                company_id=company.id,
                kind=entry.kind,
                code=entry.code,
                name=entry.name,
            )
        )
    parties: dict[str, Party] = {}
    for party_fixture in fixture.parties:
        party = Party(
            id=party_fixture.id,
            company_id=company.id,
            code=party_fixture.code,
            name=party_fixture.name,
            kind=party_fixture.kind.value,
            street=party_fixture.street,
            city=party_fixture.city,
            state_code=party_fixture.state_code,
            zip=party_fixture.zip,
            country_code=party_fixture.country_code,
        )
        repo.add(party)
        parties[party.code] = party
    uow.flush()
    for index, project_fixture in enumerate(fixture.projects):
        _load_project(
            uow, actor, company, parties, project_fixture, counts, f"{path}.projects[{index}]"
        )


def _load_project(
    uow: UnitOfWork,
    actor: Actor,
    company: Company,
    parties: dict[str, Party],
    fixture: schema.ProjectFixture,
    counts: dict[str, int],
    path: str,
) -> None:
    repo = uow.repo
    project = Project(
        id=fixture.id,
        company_id=company.id,
        code=fixture.code,
        name=fixture.name,
        number=fixture.number,
        **({"uuid": fixture.uuid} if fixture.uuid else {}),
    )
    repo.add(project)
    uow.flush()
    counts["projects"] += 1
    for period in fixture.billing_periods:
        repo.add(
            BillingPeriod(
                id=period.id,
                company_id=company.id,
                project_id=project.id,
                start_date=period.start_date,
                end_date=period.end_date,
                due_date=period.due_date,
            )
        )
    uow.flush()
    for index, contract_fixture in enumerate(fixture.contracts):
        _load_contract(
            uow,
            actor,
            company,
            project,
            parties,
            contract_fixture,
            counts,
            f"{path}.contracts[{index}]",
        )


def _load_contract(
    uow: UnitOfWork,
    actor: Actor,
    company: Company,
    project: Project,
    parties: dict[str, Party],
    fixture: schema.ContractFixture,
    counts: dict[str, int],
    path: str,
) -> None:
    repo = uow.repo
    retainage = fixture.retainage
    details: dict[str, Any] = {
        name: getattr(fixture, name)
        for name in (
            "description",
            "scope",
            "inclusions",
            "exclusions",
            "terms",
            "is_billable",
            "exclude_from_wip_reporting",
            "contract_type",
            "location",
            "attachment",
        )
    }
    details["schedule"] = dict(fixture.schedule) if fixture.schedule else None
    for name in ("internal_reference", "external_reference"):
        reference = getattr(fixture, name)
        details[name] = dict(reference) if reference else None
    contract = Contract(
        id=fixture.id,
        company_id=company.id,
        project_id=project.id,
        kind=fixture.kind.value,
        commitment_type=fixture.commitment_type.value if fixture.commitment_type else None,
        number=fixture.number,
        title=fixture.title,
        party_id=parties[fixture.party].id,
        architect_id=parties[fixture.architect].id if fixture.architect else None,
        contract_date=fixture.contract_date,
        status=fixture.status.value,
        currency=fixture.currency,
        exchange_rate=fixture.exchange_rate,
        retainage_method=retainage.method.value,
        work_retainage_percent=retainage.work_percent,
        materials_retainage_percent=retainage.materials_percent,
        retainage_steps=[
            {
                "at_percent_complete": str(step.at_percent_complete),
                "work_percent": str(step.work_percent),
                "materials_percent": str(step.materials_percent),
            }
            for step in retainage.steps
        ],
        stored_materials=fixture.stored_materials.value,
        allow_overbilling=fixture.allow_overbilling,
        allow_overpayment=fixture.allow_overpayment,
        details=details,
        **({"uuid": fixture.uuid} if fixture.uuid else {}),
    )
    repo.add(contract)
    uow.flush()
    counts["contracts"] += 1
    sov_by_number: dict[str, SovLine] = {}
    for position, item in enumerate(fixture.line_items, start=1):
        line = SovLine(
            id=item.id,
            company_id=company.id,
            contract_id=contract.id,
            position=position,
            number=item.number,
            description=item.description,
            cost_code=item.cost_code,
            scheduled_value_cents=item.scheduled_value,
            unit_price=(
                Decimal(item.unit_price) / HUNDRED if item.unit_price is not None else None
            ),
            quantity=item.quantity,
        )
        repo.add(line)
        sov_by_number[line.number] = line
    uow.flush()
    for line in sov_by_number.values():
        sov.add_original_entry(uow, line)
    package_ids: dict[str, int] = {}
    for package_fixture in fixture.change_order_packages:
        package = ChangeOrderPackage(
            id=package_fixture.id,
            company_id=company.id,
            contract_id=contract.id,
            number=package_fixture.number,
            title=package_fixture.title,
            status=package_fixture.status.value,
            approved_date=package_fixture.approved_date,
        )
        repo.add(package)
        uow.flush()
        package_ids[package.number] = package.id
        for position, item_fixture in enumerate(package_fixture.items, start=1):
            repo.add(
                ChangeOrderItem(
                    id=item_fixture.id,
                    company_id=company.id,
                    package_id=package.id,
                    contract_id=contract.id,
                    position=position,
                    description=item_fixture.description,
                    cost_code=item_fixture.cost_code,
                    amount_cents=item_fixture.amount,
                )
            )
    uow.flush()

    pay_app_ids: dict[int, int] = {}
    for index, app in enumerate(fixture.pay_apps):
        command = pay_apps.CreatePayApp(
            contract_id=contract.id,
            status=PayAppStatus(app.status),
            header={
                "period_id": app.period_id,
                "start_date": app.start_date,
                "end_date": app.end_date,
                "billing_date": app.billing_date,
                "invoice_number": app.invoice_number,
                "final": app.final,
                "origin_id": app.origin_id,
                "origin_data": app.origin_data,
            },
            lines=[_line_input(line, sov_by_number) for line in app.lines],
            change_order_package_ids=[package_ids[n] for n in app.change_order_packages],
        )
        with _at(f"{path}.pay_apps[{index}]"):
            pay_app_ids[app.number] = pay_apps.create_pay_app(uow, actor, command).id
        _date_approval(uow, company.id, pay_app_ids[app.number], app.billing_date or app.end_date)
        counts["pay_apps"] += 1
    for index, payment in enumerate(fixture.payments):
        values: dict[str, Any] = {
            "pay_app_id": pay_app_ids[payment.pay_app] if payment.pay_app else None,
            "amount_cents": payment.amount,
            "payment_date": payment.date,
            "payment_method": payment.payment_method.value if payment.payment_method else None,
            "check_number": payment.check_number,
            "payment_number": _text_or_none(payment.payment_number),
            "draw_request_number": _text_or_none(payment.draw_request_number),
            "invoice_number": payment.invoice_number,
            "invoice_date": payment.invoice_date,
            "notes": payment.notes,
            "origin_id": payment.origin_id,
            "origin_data": payment.origin_data,
        }
        with _at(f"{path}.payments[{index}]"):
            payments.record_payment(
                uow,
                actor,
                payments.RecordPayment(
                    contract_id=contract.id, values=values, payment_id=payment.id
                ),
            )
        counts["payments"] += 1


def _date_approval(uow: UnitOfWork, company_id: int, pay_app_id: int, day: date | None) -> None:
    """A fixture replays history: an approved application was approved on its billing date
    (else its period end), not when the fixture was loaded."""
    pay_app = uow.repo.pay_app(company_id, pay_app_id)
    if pay_app is not None and pay_app.approved_at is not None and day is not None:
        pay_app.approved_at = datetime.combine(day, time.min, tzinfo=UTC)


@contextmanager
def _at(path: str) -> Iterator[None]:
    """Name the fixture path in any ledger error raised while replaying history."""
    try:
        yield
    except schema.FixtureError:
        raise
    except LedgerError as error:
        raise schema.FixtureError(f"{path}: {error.message}") from error


def _line_input(
    line: schema.PayAppLineFixture, sov_by_number: dict[str, SovLine]
) -> pay_apps.LineInput:
    if line.line_item_number is not None:
        ref = LineRef(LineKind.SOV, sov_by_number[line.line_item_number].id)
    else:
        assert line.change_order_item_id is not None
        ref = LineRef(LineKind.CHANGE_ORDER, line.change_order_item_id)
    return pay_apps.LineInput(
        ref=ref,
        work_completed_this_period=line.work_completed_this_period,
        materials_presently_stored=line.materials_presently_stored,
        work_retainage_percent=line.work_completed_retainage_percent_this_period,
        materials_retainage_percent=line.materials_stored_retainage_percent_this_period,
        work_retainage_released=line.work_completed_retainage_released_this_period,
        materials_retainage_released=line.materials_stored_retainage_released_this_period,
    )


def _text_or_none(value: int | None) -> str | None:
    return None if value is None else str(value)
