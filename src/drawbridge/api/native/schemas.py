"""Request bodies of ``/v1``. Strict types (api/validation.py): money as a decimal string or a
JSON number with at most two places, never read through a float; percents 0 to 100; dates
``YYYY-MM-DD``; unknown fields refused, so a misspelt name is an error, not silently ignored.
A PATCH body holds only the fields to change."""

from __future__ import annotations

from typing import Annotated, Literal

from pydantic import BaseModel, ConfigDict, Field

from drawbridge.api.validation import (
    Amount,
    DecimalNumber,
    Id,
    IsoDate,
    JsonBoolean,
    LongText,
    Percent,
    ShortText,
    Text,
)

PartyKind = Literal["vendor", "customer", "architect"]
ContractKind = Literal["prime", "commitment"]
RetainageMethod = Literal["cumulative", "incremental"]
StoredMaterials = Literal["manual", "move_to_previous"]
ChangeOrderStatus = Literal["draft", "pending", "approved", "rejected", "void"]
PayAppStatus = Literal[
    "draft",
    "under_review",
    "revise_and_resubmit",
    "pending_owner_approval",
    "approved_as_noted",
    "approved",
]
PaymentMethod = Literal["check", "electronic", "credit_card"]
Currency = Annotated[str, Field(pattern=r"^[A-Z]{3}$")]
MAX_LINES = 2000


class Body(BaseModel):
    model_config = ConfigDict(extra="forbid")


class PartyCreate(Body):
    kind: PartyKind
    code: ShortText
    name: Text
    street: Text | None = None
    city: Annotated[Text, Field(max_length=128)] | None = None
    state_code: Annotated[Text, Field(max_length=16)] | None = None
    zip: Annotated[Text, Field(max_length=16)] | None = None
    country_code: Annotated[Text, Field(max_length=2)] | None = None


class PartyUpdate(Body):
    name: Text | None = None
    street: Text | None = None
    city: Annotated[Text, Field(max_length=128)] | None = None
    state_code: Annotated[Text, Field(max_length=16)] | None = None
    zip: Annotated[Text, Field(max_length=16)] | None = None
    country_code: Annotated[Text, Field(max_length=2)] | None = None


class ProjectCreate(Body):
    code: ShortText
    name: Text
    number: ShortText | None = None


class ProjectUpdate(Body):
    name: Text | None = None
    number: ShortText | None = None


class PeriodCreate(Body):
    start_date: IsoDate
    end_date: IsoDate
    due_date: IsoDate | None = None


class PeriodUpdate(Body):
    start_date: IsoDate | None = None
    end_date: IsoDate | None = None
    due_date: IsoDate | None = None


class RetainageStep(Body):
    at_percent_complete: Percent
    work_percent: Percent
    materials_percent: Percent


class ContractTerms(Body):
    currency: Currency | None = None
    exchange_rate: DecimalNumber | None = None
    retainage_method: RetainageMethod | None = None
    work_retainage_percent: Percent | None = None
    materials_retainage_percent: Percent | None = None
    retainage_steps: Annotated[list[RetainageStep], Field(max_length=20)] | None = None
    stored_materials: StoredMaterials | None = None
    allow_overbilling: JsonBoolean | None = Field(
        None, description="null follows the company's rule"
    )
    allow_overpayment: JsonBoolean | None = Field(
        None, description="null follows the company's rule"
    )


class ContractCreate(ContractTerms):
    kind: ContractKind = Field(
        description="prime: with the owner (party is a customer); commitment: a subcontract "
        "(party is a vendor)"
    )
    project_id: Id
    number: ShortText
    title: Text
    party_id: Id
    architect_id: Id | None = None
    contract_date: IsoDate | None = None
    description: LongText | None = None


class ContractUpdate(ContractTerms):
    project_id: Id | None = None
    number: ShortText | None = None
    title: Text | None = None
    party_id: Id | None = None
    architect_id: Id | None = None
    contract_date: IsoDate | None = None
    description: LongText | None = None
    is_active: JsonBoolean | None = None


class SovLineCreate(Body):
    number: Annotated[Text, Field(max_length=32)]
    description: LongText
    cost_code: ShortText | None = None
    scheduled_value: Amount


class SovLineUpdate(Body):
    number: Annotated[Text, Field(max_length=32)] | None = None
    description: LongText | None = None
    cost_code: ShortText | None = None
    scheduled_value: Amount | None = None


class ChangeOrderItemInput(Body):
    description: LongText
    amount: Amount = Field(description="positive adds to the contract sum, negative deducts")
    cost_code: ShortText | None = None
    sov_line_id: Id | None = None


class ChangeOrderCreate(Body):
    number: ShortText
    title: Text | None = None
    status: ChangeOrderStatus = "draft"
    approved_date: IsoDate | None = None
    items: Annotated[list[ChangeOrderItemInput], Field(max_length=500)] = []


class ChangeOrderUpdate(Body):
    number: ShortText | None = None
    title: Text | None = None
    status: ChangeOrderStatus | None = None
    approved_date: IsoDate | None = None
    items: Annotated[list[ChangeOrderItemInput], Field(max_length=500)] | None = None


class LineWork(Body):
    """What the application says about one line (an SOV line or a change-order item)."""

    sov_line_id: Id | None = None
    change_order_item_id: Id | None = None
    work_completed_this_period: Amount | None = None
    materials_presently_stored: Amount | None = None
    work_retainage_percent: Percent | None = Field(
        None, description="this line's rate on this application, instead of the contract's"
    )
    materials_retainage_percent: Percent | None = None
    work_retainage_released: Amount | None = None
    materials_retainage_released: Amount | None = None


class PayAppHeader(Body):
    period_id: Id | None = None
    start_date: IsoDate | None = None
    end_date: IsoDate | None = None
    billing_date: IsoDate | None = None
    due_date: IsoDate | None = None
    invoice_number: ShortText | None = None
    description: LongText | None = None
    note: LongText | None = None
    final: JsonBoolean | None = None


class PayAppCreate(PayAppHeader):
    lines: Annotated[list[LineWork], Field(max_length=MAX_LINES)] = []
    attachment_ids: Annotated[list[Id], Field(max_length=100)] = []


class PayAppUpdate(PayAppHeader):
    status: PayAppStatus | None = None
    lines: Annotated[list[LineWork], Field(max_length=MAX_LINES)] = []
    attachment_ids: Annotated[list[Id], Field(max_length=100)] = []


class PaymentCreate(Body):
    contract_id: Id
    pay_application_id: Id | None = None
    amount: Amount
    payment_date: IsoDate | None = None
    payment_method: PaymentMethod | None = None
    check_number: ShortText | None = None
    payment_number: ShortText | None = None
    invoice_number: ShortText | None = None
    notes: LongText | None = None
    attachment_ids: Annotated[list[Id], Field(max_length=100)] = []


class PaymentUpdate(Body):
    amount: Amount | None = None
    payment_date: IsoDate | None = None
    payment_method: PaymentMethod | None = None
    check_number: ShortText | None = None
    payment_number: ShortText | None = None
    invoice_number: ShortText | None = None
    notes: LongText | None = None
    attachment_ids: Annotated[list[Id], Field(max_length=100)] = []


class CompanySettings(Body):
    prevent_overbilling: JsonBoolean | None = None
    prevent_overpayment: JsonBoolean | None = None
