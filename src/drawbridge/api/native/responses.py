"""What ``/v1`` answers, as OpenAPI schemas: each record's fields, money as two-place decimal
strings. Routes return their JSON directly (api/native/mapping.py); these models document it,
and the tests check every answer of a whole job against them (``extra="forbid"``: a field the
mapping adds must be documented here)."""

from __future__ import annotations

from typing import Any, Generic, TypeVar

from pydantic import BaseModel, ConfigDict, Field

Money = str
Percent = str
Day = str
Moment = str
Item = TypeVar("Item")


class Out(BaseModel):
    model_config = ConfigDict(extra="forbid")


class Page(Out, Generic[Item]):
    data: list[Item]
    next: str | None = Field(description="the next page's URL; null on the last page")


class CompanyOut(Out):
    id: int
    name: str
    base_currency: str
    prevent_overbilling: bool
    prevent_overpayment: bool


class PartyOut(Out):
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


class ProjectOut(Out):
    id: int
    uuid: str
    code: str
    name: str
    number: str | None
    created_at: Moment


class PeriodOut(Out):
    id: int
    start_date: Day
    end_date: Day
    due_date: Day | None
    project_id: int | None = None


class RetainageStepOut(Out):
    at_percent_complete: Percent
    work_percent: Percent
    materials_percent: Percent


class ContractOut(Out):
    id: int
    uuid: str
    kind: str
    project_id: int
    number: str
    title: str
    party_id: int
    party: PartyOut
    architect_id: int | None
    contract_date: Day | None
    status: str
    is_active: bool
    currency: str
    exchange_rate: str
    retainage_method: str
    work_retainage_percent: Percent
    materials_retainage_percent: Percent
    retainage_steps: list[RetainageStepOut]
    stored_materials: str
    allow_overbilling: bool | None
    allow_overpayment: bool | None
    description: str | None
    created_at: Moment
    updated_at: Moment


class SovLineOut(Out):
    id: int
    position: int
    number: str
    description: str
    cost_code: str | None
    scheduled_value: Money
    contract_id: int | None = None


class ChangeOrderItemOut(Out):
    id: int
    position: int
    description: str
    cost_code: str | None
    amount: Money
    sov_line_id: int | None


class ChangeOrderOut(Out):
    id: int
    uuid: str
    contract_id: int
    number: str
    title: str
    status: str
    approved_date: Day | None
    amount: Money
    items: list[ChangeOrderItemOut]
    created_at: Moment


class ChangeOrderSummaryOut(Out):
    previous_additions: Money
    previous_deductions: Money
    this_period_additions: Money
    this_period_deductions: Money


class G702Out(Out):
    """The application and certificate for payment, lines 1 to 9."""

    original_contract_sum: Money = Field(description="line 1")
    net_change_by_change_orders: Money = Field(description="line 2")
    contract_sum_to_date: Money = Field(description="line 3")
    total_completed_and_stored_to_date: Money = Field(description="line 4 (column G)")
    completed_work_retainage: Money = Field(description="line 5a")
    stored_materials_retainage: Money = Field(description="line 5b")
    total_retainage: Money = Field(description="line 5 (column I)")
    total_earned_less_retainage: Money = Field(description="line 6")
    less_previous_certificates_for_payment: Money = Field(description="line 7")
    current_payment_due: Money = Field(description="line 8")
    balance_to_finish_including_retainage: Money = Field(description="line 9")
    percent_complete: Percent
    change_orders: ChangeOrderSummaryOut
    work_completed_from_previous_application: Money = Field(description="column D")
    work_completed_this_period: Money = Field(description="column E")
    materials_presently_stored: Money = Field(description="column F")
    balance_to_finish: Money = Field(description="column H")
    retainage_retained_this_period: Money
    retainage_released_this_period: Money
    work_retainage_percent: Percent = Field(description="the contract's rate in force")
    materials_retainage_percent: Percent


class G703LineOut(Out):
    """One row of the continuation sheet, columns A to I."""

    id: int
    position: int
    sov_line_id: int | None
    change_order_item_id: int | None
    change_order_id: int | None
    number: str | None
    description: str
    cost_code: str | None
    scheduled_value: Money
    work_completed_from_previous_application: Money
    work_completed_this_period: Money
    materials_presently_stored: Money
    total_completed_and_stored_to_date: Money
    percent_complete: Percent
    balance_to_finish: Money
    retainage: Money
    work_retainage_percent: Percent
    materials_retainage_percent: Percent
    work_retainage_retained_this_period: Money
    work_retainage_released_this_period: Money
    work_retainage_currently_retained: Money
    materials_retainage_retained_this_period: Money
    materials_retainage_released_this_period: Money
    materials_retainage_currently_retained: Money
    materials_moved: Money


class PayApplicationOut(Out):
    id: int
    uuid: str
    number: int
    contract_id: int
    project_id: int
    status: str
    period_id: int | None
    start_date: Day | None
    end_date: Day | None
    billing_date: Day | None
    due_date: Day | None
    submitted_at: Day | None
    approved_at: Moment | None
    final: bool
    invoice_number: str | None
    description: str | None
    note: str | None
    is_latest: bool
    deletable: bool
    currency: str
    g702: G702Out
    amount_paid: Money
    amount_unpaid: Money
    change_order_ids: list[int]
    attachment_ids: list[int]
    created_at: Moment
    updated_at: Moment
    lines: list[G703LineOut] | None = Field(
        None, description="the G703 rows: on a single pay application, not in lists"
    )


class PaymentOut(Out):
    id: int
    uuid: str
    contract_id: int
    project_id: int
    pay_application_id: int | None
    amount: Money
    currency: str
    payment_date: Day
    payment_method: str | None
    check_number: str | None
    payment_number: str | None
    invoice_number: str | None
    notes: str | None
    attachment_ids: list[int]
    created_at: Moment
    updated_at: Moment


class AttachmentOut(Out):
    id: int
    filename: str
    content_type: str
    size: int
    pay_application_id: int | None
    payment_id: int | None
    created_at: Moment


class AuditEventOut(Out):
    id: int
    occurred_at: Moment
    user_id: int | None
    action: str
    entity_type: str
    entity_id: int
    before: dict[str, Any] | None
    after: dict[str, Any] | None


class UserOut(Out):
    id: int
    email: str
    name: str
    role: str


class TokenUserOut(Out):
    id: int
    email: str
    name: str


class TokenOut(Out):
    id: int
    user: TokenUserOut | None
    scopes: list[str]
    created_at: Moment
    expires_at: Moment | None
    oauth_client_id: int | None


class IssuedTokenOut(Out):
    id: int | None
    token: str = Field(description="the secret: shown this once")
    email: str
    role: str
    scopes: list[str]


def ok(model: type[BaseModel], status: int = 200) -> dict[int | str, dict[str, Any]]:
    """A route's documented success answer."""
    return {status: {"model": model, "description": "OK" if status == 200 else "Created"}}


class ImportChangeOut(Out):
    row: int = Field(description="the row of the spreadsheet (the header is row 1)")
    action: str = Field(description="create, update or unchanged")
    key: str = Field(description="the line's number, or the G703 item")
    description: str
    changes: dict[str, dict[str, str]] = Field(description="each changed field: {before, after}")


class ImportReportOut(Out):
    dry_run: bool = Field(description="true: nothing was changed")
    created: int
    updated: int
    unchanged: int
    changes: list[ImportChangeOut]
    summary: dict[str, str] = Field(description="the totals after the import")
