"""ACC Cost shapes (Pydantic), so the OpenAPI document at /cost/openapi.json describes them.

Field names are snake_case here and camelCase on the wire (the alias generator), exactly as
Autodesk names them. Money is a decimal string with 4 places (as Autodesk's examples show),
percents are JSON numbers holding fractions (0.1 is 10 %), as Autodesk types them; datetimes ISO
8601 in UTC ("2024-02-05T01:00:12.989Z"), dates "YYYY-MM-DD".
"""

from __future__ import annotations

from typing import Literal

from pydantic import BaseModel, ConfigDict, Field
from pydantic.alias_generators import to_camel

from drawbridge.api.validation import CleanText, DecimalNumber, IsoDateTime

Money = str  # "22500.0000"
Fraction = float  # 0.1: a percent as a fraction (display only: never computed with)
Timestamp = str  # ISO 8601, UTC


class AccModel(BaseModel):
    model_config = ConfigDict(alias_generator=to_camel, populate_by_name=True)


class Recipient(AccModel):
    id: str
    is_default: bool


class Collaborator(AccModel):
    company_id: str
    company_uid: str | None
    contact_ids: list[str]


class PaymentReference(AccModel):
    """A payment recorded against this pay application (money actually paid)."""

    id: str
    payment_id: str = Field(description="the pay application (ACC payment) it pays")
    amount: Money
    amount_foreign_currency: Money
    paid_at: str | None = Field(description="payment date, YYYY-MM-DD")
    payment_type: str | None
    reference_number: str | None = Field(description="check, payment or draw number")
    note: str | None
    created_at: Timestamp


class Property(AccModel):
    """A custom attribute of the pay application (include=attributes)."""

    name: str
    value: str | int | bool | None
    built_in: bool


class SummaryCalculatedFields(AccModel):
    """The G702 figures behind the payment (include=summaryCalculatedFields), base currency."""

    total_completed_and_stored: Money
    total_retention: Money
    total_earned_less_retention: Money
    previous_certificates: Money
    current_payment_due: Money
    balance_to_finish_including_retention: Money
    percent_complete: Fraction
    amount_paid: Money
    amount_unpaid: Money


class Payment(AccModel):
    id: str
    billing_period_id: str | None
    previous_payment_id: str | None
    association_id: str
    main_contract_id: str | None
    budget_payment_id: str | None
    association_type: Literal["Contract", "MainContract"]
    start_date: str | None
    end_date: str | None
    due_date: str | None
    number: str
    name: str | None
    description: str | None
    note: str | None
    approved_at: Timestamp | None
    calculated_at: Timestamp | None
    calculated_by: str | None
    company_id: str | None
    company_uid: str | None
    contact_id: str | None
    creator_id: str | None
    status: Literal["draft", "pendingInput", "submitted", "revise", "accepted", "approved", "paid"]
    paid_at: Timestamp | None
    forecast_distribution_at: Timestamp | None
    submitted_at: Timestamp | None
    contract_amount: Money
    original_amount: Money
    amount: Money
    previous_amount: Money
    current_completed_work_retention_percent: Fraction
    completed_work_retained_percent: Fraction
    completed_work_retention: Money
    completed_work_gross_retention_percent: Fraction
    current_materials_retention_percent: Fraction
    materials_on_store_retention: Money
    materials_retention: Money
    materials_gross_retention_percent: Fraction
    materials_retained_percent: Fraction
    materials_retained: Money
    materials_retention_foreign_currency: Money
    completed_work_retained: Money
    total_retained: Money
    total_gross_retention_percent: Fraction
    total_retained_percent: Fraction
    previous_retention: Money
    net_retention: Money
    materials_on_store: Money
    previous_materials_on_store: Money
    materials_billed: Money
    previous_materials_billed: Money
    net_materials_on_store: Money
    approved_change_orders: Money
    previous_approved_change_orders: Money
    budget_transfer_ids: list[str]
    approved_budget_transfers: Money
    approved_budget_transfers_foreign_currency: Money
    previous_approved_budget_transfers: Money
    previous_approved_budget_transfers_foreign_currency: Money
    net_amount: Money
    advance_amount: Money
    advance_percent: Fraction
    previous_advance_amount: Money
    previous_advance_amount_foreign_currency: Money
    recoupment_amount: Money
    recoupment_percent_of_completed_work: Fraction
    previous_recoupment_amount: Money
    previous_recoupment_amount_foreign_currency: Money
    aggregate_by: str | None
    has_item_rejected: bool
    has_item_reviewed: bool
    has_comment: bool
    can_release_retention: bool
    payment_stage: str | None
    internal_id: str | None
    internal_system: str | None
    exchange_rate: str
    previous_exchange_rate: str
    previous_amount_foreign_currency: Money
    previous_claimed_amount_foreign_currency: Money
    contract_amount_foreign_currency: Money
    original_amount_foreign_currency: Money
    approved_change_orders_foreign_currency: Money
    previous_approved_change_orders_foreign_currency: Money
    completed_work_retention_foreign_currency: Money
    previous_retention_foreign_currency: Money
    previous_materials_billed_foreign_currency: Money
    previous_materials_billed_currency: Money
    recipients: list[Recipient]
    net_amount_foreign_currency: Money
    claimed_amount: Money
    previous_claimed_amount: Money
    architect_company_id: str | None
    architect_company_uid: str | None
    architect_contact_id: str | None
    additional_collaborators: list[Collaborator]
    integration_state: str | None
    integration_state_changed_at: Timestamp | None
    integration_state_changed_by: str | None
    external_id: str | None
    external_system: str | None
    external_message: str | None
    last_sync_time: Timestamp | None
    created_at: Timestamp
    updated_at: Timestamp
    # Present only when asked for with include=...
    payment_references: list[PaymentReference] | None = None
    properties: list[Property] | None = None
    summary_calculated_fields: SummaryCalculatedFields | None = None
    compliance_expiration: Timestamp | None = None


class PaymentItem(AccModel):
    """One item of a pay application as ACC shows it: the work of an SOV line (``SOV``) or of a
    change-order item (``SCO``), and, as its child (``parentId``), the materials stored on that
    line (``MaterialsOnSite``). Every field of Autodesk's payment item is present (null where
    the ledger has no such thing); the main ones are listed here."""

    model_config = ConfigDict(alias_generator=to_camel, populate_by_name=True, extra="allow")

    id: str = Field(description="the item's UUID (stable for as long as the line exists)")
    payment_id: str
    parent_id: str | None = Field(description="for a MaterialsOnSite item, its line's item")
    association_type: Literal["SOV", "SCO", "MaterialsOnSite"]
    association_id: str | None
    name: str
    position: int
    original_amount: Money
    previous_amount: Money
    amount: Money
    materials_on_store: Money
    materials_billed: Money
    completed_work_retention_percent: Fraction
    materials_retained_percent: Fraction
    net_amount: Money


class Pagination(AccModel):
    limit: int
    offset: int
    total_results: int
    next_url: str | None


class PaymentPage(AccModel):
    pagination: Pagination
    results: list[Payment]


class PaymentItemPage(AccModel):
    pagination: Pagination
    results: list[PaymentItem]


class PaymentUpdate(BaseModel):
    """The fields an integration may change. A field left out is left as it is; null clears it."""

    model_config = ConfigDict(alias_generator=to_camel, extra="forbid")

    name: CleanText | None = Field(default=None, max_length=1024)
    description: CleanText | None = Field(default=None, max_length=100_000)
    note: CleanText | None = Field(default=None, max_length=100_000)
    exchange_rate: DecimalNumber | None = Field(
        default=None, description="contract currency -> base currency, > 0 (number or string)"
    )
    paid_at: IsoDateTime | None = Field(default=None, description="ISO 8601")
    aggregate_by: Literal["workCompleted", "workCompletedPercentage"] | None = None
    integration_state: Literal["locked", "integrated", "failed"] | None = Field(
        default=None, description="while 'locked', nothing else about the payment may change"
    )
    external_id: CleanText | None = Field(default=None, max_length=255)
    external_system: CleanText | None = Field(default=None, max_length=255)
    external_message: CleanText | None = Field(default=None, max_length=255)
    last_sync_time: IsoDateTime | None = Field(default=None, description="ISO 8601")


class ErrorItem(BaseModel):
    code: str
    title: str
    detail: str | None
    field: str | None


class ErrorEnvelope(BaseModel):
    """ACC's error body."""

    status: int
    code: str
    title: str
    detail: str
    errors: list[ErrorItem]


ERROR_RESPONSES: dict[int | str, dict[str, object]] = {
    status: {"model": ErrorEnvelope, "description": description}
    for status, description in (
        (400, "The parameters are invalid."),
        (401, "The provided bearer token is invalid."),
        (403, "The token lacks the scope, or the user has no access."),
        (404, "The container or payment cannot be found (or belongs to another account)."),
        (409, "The payment is locked by an integration (integrationState 'locked')."),
        (422, "The change breaks a ledger rule."),
    )
}
