"""Plain view objects every face renders. Money in cents, rates as Decimal percents.

Views are built from rows by the services and carry no behaviour beyond small derived properties:
faces translate them into their vendor's shape, never reach past them into the database.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, datetime
from decimal import Decimal
from typing import Any, Generic, TypeVar

from drawbridge.domain.billing import LineFigures, LineRef, Summary
from drawbridge.domain.rollups import OwnerBilling, PaymentPosition
from drawbridge.domain.rules import PayAppStatus, Role

T = TypeVar("T")


@dataclass(frozen=True)
class Actor:
    """Who is acting, in which company, with what role and token scopes."""

    user_id: int | None  # None: the system (fixture replay without users)
    company_id: int
    role: Role
    scopes: frozenset[str]
    email: str = ""
    name: str = ""


@dataclass(frozen=True)
class Principal:
    """An authenticated token: its user, scopes and the companies the user belongs to."""

    user_id: int
    email: str
    name: str
    scopes: frozenset[str]
    memberships: dict[int, Role]
    # Companies where the user is a read-only member: there the token may only read.
    read_only_companies: frozenset[int] = frozenset()


@dataclass(frozen=True)
class UserView:
    id: int
    email: str
    name: str


@dataclass(frozen=True)
class CompanyView:
    id: int
    name: str
    base_currency: str
    prevent_overbilling: bool
    prevent_overpayment: bool


@dataclass(frozen=True)
class PartyView:
    id: int
    uuid: str
    code: str
    name: str
    kind: str
    street: str | None
    city: str | None
    state_code: str | None
    zip: str | None
    country_code: str | None


@dataclass(frozen=True)
class ProjectView:
    id: int
    uuid: str
    code: str
    name: str
    number: str | None
    created_at: datetime


@dataclass(frozen=True)
class PeriodView:
    id: int
    uuid: str
    start_date: date
    end_date: date
    due_date: date | None


@dataclass(frozen=True)
class SovLineView:
    id: int
    position: int
    number: str
    description: str
    cost_code: str | None
    scheduled_value: int
    unit_price: Decimal | None
    quantity: Decimal | None
    origin_id: str | None


@dataclass(frozen=True)
class ChangeOrderItemView:
    id: int
    package_id: int
    position: int
    description: str
    cost_code: str | None
    amount: int
    sov_line_id: int | None = None  # the SOV line the change applies to, when it names one


@dataclass(frozen=True)
class ChangeOrderPackageView:
    id: int
    uuid: str
    contract_id: int
    number: str
    title: str
    status: str
    approved_date: date | None
    items: tuple[ChangeOrderItemView, ...]
    created_at: datetime

    @property
    def amount(self) -> int:
        return sum(item.amount for item in self.items)


@dataclass(frozen=True)
class ContractView:
    id: int
    uuid: str
    company_id: int
    project_id: int
    kind: str
    commitment_type: str | None
    number: str
    title: str
    party: PartyView
    architect: PartyView | None
    contract_date: date | None
    status: str
    currency: str
    exchange_rate: Decimal
    retainage_method: str
    work_retainage_percent: Decimal
    materials_retainage_percent: Decimal
    retainage_steps: tuple[dict[str, str], ...]
    stored_materials: str
    allow_overbilling: bool | None  # the contract's own setting; None follows the company
    allow_overpayment: bool | None
    details: dict[str, Any]
    created_at: datetime
    updated_at: datetime
    is_active: bool = True

    @property
    def moves_materials(self) -> bool:
        return self.stored_materials == "move_to_previous"


@dataclass(frozen=True)
class PayAppLineView:
    """One G703 row: the engine's figures plus where the line comes from and its inputs."""

    id: int
    uuid: str
    position: int
    figures: LineFigures
    materials_previously_stored: int  # F of the same line on the previous application
    sov_line: SovLineView | None
    change_order_item: ChangeOrderItemView | None
    work_completed_this_period_quantity: Decimal | None
    subcontractor_claimed_amount: int | None
    review_status: str | None
    review_comment: str | None

    @property
    def ref(self) -> LineRef:
        return self.figures.ref

    @property
    def description(self) -> str:
        source = self.sov_line or self.change_order_item
        assert source is not None
        return source.description

    @property
    def cost_code(self) -> str | None:
        source = self.sov_line or self.change_order_item
        assert source is not None
        return source.cost_code


@dataclass(frozen=True)
class AttachmentView:
    id: int
    filename: str
    content_type: str
    size: int
    sha256: str
    pay_app_id: int | None
    payment_id: int | None
    created_at: datetime


@dataclass(frozen=True)
class PayAppView:
    id: int
    uuid: str
    number: int
    status: PayAppStatus
    company: CompanyView
    project: ProjectView
    contract: ContractView
    period: PeriodView | None
    previous_id: int | None
    previous_uuid: str | None
    is_latest: bool
    deletable: bool
    start_date: date | None
    end_date: date | None
    billing_date: date | None
    due_date: date | None
    payment_date: date | None
    submitted_at: date | None
    final: bool
    invoice_number: str | None
    origin_id: str | None
    origin_data: str | None
    erp_status: str
    custom_fields: dict[str, Any]
    name: str | None
    description: str | None
    note: str | None
    exchange_rate: Decimal  # contract currency -> company base currency, on this application
    # The rate in force on the previous application of the contract (this one's on the first).
    previous_exchange_rate: Decimal
    approved_at: datetime | None
    paid_at: datetime | None
    aggregate_by: str | None
    integration_state: str | None
    integration_state_changed_at: datetime | None
    integration_state_changed_by: int | None
    external_id: str | None
    external_system: str | None
    external_message: str | None
    last_sync_time: datetime | None
    advance_amount: int
    recoupment_amount: int
    written_off: int
    summary: Summary
    previous_summary: Summary | None
    payments: PaymentPosition
    created_by: UserView | None
    created_at: datetime
    updated_at: datetime
    packages: tuple[ChangeOrderPackageView, ...]  # packages billed on this application
    new_package_ids: frozenset[int]  # those first added on this application
    attachments: tuple[AttachmentView, ...]
    lines: tuple[PayAppLineView, ...] | None  # None when not asked for
    # What the earlier applications of the contract add up to (ACC shows them on each payment).
    earlier_advance_amount: int = 0
    earlier_recoupment_amount: int = 0

    @property
    def g703_lines(self) -> tuple[PayAppLineView, ...]:
        """The lines, for a view built with them (``with_lines=True``)."""
        if self.lines is None:
            raise ValueError("this view was built without its lines")
        return self.lines


@dataclass(frozen=True)
class LineDigest:
    """What a pay application's lines add up to, for a page that shows no line."""

    claimed: int  # the subcontractor's claims, or the work this period where none was given
    has_rejected: bool  # a line's review status is "rejected"
    has_reviewed: bool  # a line has a review status
    has_comment: bool  # a line has a review comment


@dataclass(frozen=True)
class PayAppPreview:
    """A pay application as an edit would leave it, not saved; lines beyond their value."""

    pay_app: PayAppView
    overbilled_line_ids: frozenset[int]
    overbilling_allowed: bool  # False: saving these figures would be refused


@dataclass(frozen=True)
class AuditEntryView:
    """One change to a record: who, when, what, and the values before and after."""

    id: int
    occurred_at: datetime
    action: str
    user: UserView | None
    changes: tuple[tuple[str, Any, Any], ...]  # (field, before, after), only what differs


@dataclass(frozen=True)
class PaymentView:
    id: int
    uuid: str
    company_id: int
    project_id: int
    contract_id: int
    pay_app_id: int | None
    amount: int
    payment_date: date  # never None: a payment without one is dated the day it is recorded
    payment_method: str | None
    check_number: str | None
    payment_number: str | None
    draw_request_number: str | None
    invoice_number: str | None
    invoice_date: date | None
    notes: str | None
    write_off_date: date | None
    currency: str
    exchange_rate: Decimal
    origin_id: str | None
    origin_data: str | None
    created_by: UserView | None
    created_at: datetime
    updated_at: datetime
    attachments: tuple[AttachmentView, ...]


@dataclass(frozen=True)
class DirectoryEntryView:
    """A named record contracts refer to by code (employee, contact, location, supporting
    document, contract type; or, when resolving references, a party or a project)."""

    id: int
    kind: str
    code: str
    name: str
    is_active: bool
    created_at: datetime | None = None
    updated_at: datetime | None = None
    created_by_id: int | None = None


@dataclass(frozen=True)
class SovLineEntryView:
    id: int
    sov_line_id: int
    workflow_type: str  # original | revision | forecast | other
    amount: int
    effective_date: date | None
    memo: str | None
    created_at: datetime
    updated_at: datetime


@dataclass(frozen=True)
class TrailView:
    """Who created a record and who changed it last, and when (from the audit trail)."""

    created_at: datetime | None
    created_by: int | None
    modified_at: datetime | None
    modified_by: int | None


@dataclass(frozen=True)
class LineBillingView:
    """An SOV line of a prime contract, priced and billed (Intacct's project contract line)."""

    line: SovLineView
    contract_id: int
    details: dict[str, Any]
    entries: tuple[SovLineEntryView, ...]
    original: int
    revision: int
    approved_change: int
    pending_change: int
    forecast: int
    other: int
    total: int
    billed: int  # G on the latest application
    previously_applied: int  # D on the latest application
    retainage_held: int  # ever withheld on the line
    retainage_released: int
    retainage_balance: int  # I on the latest application
    payments_received: int  # the contract's payments allocated to lines by net billed
    percent_billed: Decimal
    percent_billed_net_retainage: Decimal
    trail: TrailView


@dataclass(frozen=True)
class PrimeContractView:
    """A prime contract with its project, its references and its owner-billing roll-up."""

    contract: ContractView
    project: ProjectView
    billing: OwnerBilling
    references: dict[tuple[str, str], DirectoryEntryView]  # (kind, code) -> record
    lines: tuple[LineBillingView, ...]
    trail: TrailView


@dataclass(frozen=True)
class ContractRef:
    """A contract named, not rendered: what a list of references shows."""

    id: int
    number: str


@dataclass(frozen=True)
class PaymentTotals:
    """What a set of payments adds up to: cents in their own currency, and in the company's
    base currency with each payment converted and rounded on its own, as its figure shows."""

    count: int
    amount: int
    amount_in_base: int


@dataclass(frozen=True)
class PayAppTotals:
    """What a set of pay applications adds up to, in cents of their contracts' currencies: the
    current payments due, the payments recorded against them and what is left unpaid."""

    count: int
    amount_due: int
    amount_paid: int
    amount_unpaid: int


@dataclass(frozen=True)
class Page(Generic[T]):
    items: tuple[T, ...]
    total: int
    offset: int
    limit: int | None


@dataclass(frozen=True)
class AuditEventView:
    """One change to a record: who made it, when, and the values before and after."""

    id: int
    occurred_at: datetime
    user_id: int | None
    action: str
    entity_type: str
    entity_id: int
    before: dict[str, Any] | None
    after: dict[str, Any] | None


@dataclass(frozen=True)
class MemberView:
    """A user's membership of the company."""

    user: UserView
    role: Role


@dataclass(frozen=True)
class TokenView:
    """An API token of a member, never its secret (only its hash is stored)."""

    id: int
    user: UserView
    scopes: tuple[str, ...]
    created_at: datetime
    expires_at: datetime | None
    oauth_client_id: int | None


@dataclass(frozen=True)
class ProjectPayAppPage:
    """One page of a project's pay applications without lines, read in one transaction with
    what a list of them shows besides: the digest of each one's lines and the UUIDs of the
    project's prime contracts."""

    project: ProjectView
    items: tuple[PayAppView, ...]
    total: int
    digests: dict[int, LineDigest]
    prime_contract_uuids: tuple[str, ...]


@dataclass(frozen=True)
class PlacedPayApps:
    """A page of pay applications without lines, with the date of each one's latest payment
    (those without a payment are left out), read in one transaction."""

    items: tuple[PayAppView, ...]
    last_payment_dates: dict[int, date]
