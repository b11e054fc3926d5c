"""Procore request and response models.

Requests are parsed here into exact values (cents, Decimal percents): a value that cannot be
parsed is malformed input (400 naming the field), never a float. Responses are declared so the
OpenAPI document describes what the face returns; the routes render plain dicts (mapping.py) and
the models only document them.
"""

from __future__ import annotations

import math
from decimal import Decimal
from typing import Annotated, Any, Literal

from pydantic import BaseModel, BeforeValidator, ConfigDict, Field, WithJsonSchema

from drawbridge.api.validation import (
    Amount,
    Id,
    IsoDate,
    JsonBoolean,
    LongText,
    Percent,
    ShortText,
    Text,
)
from drawbridge.domain.money import decimal_from_input

# Every id fits a signed 64-bit column; a larger one can name nothing.
MAX_ID = 2**63 - 1
ITEM_TYPES = (
    "contract_item",
    "contract_detail_item",
    "change_order_item",
    "whole_change_order_item",
)
VIEWS = ("default", "extended", "items", "action_policy")
STATUSES = (
    "draft",
    "under_review",
    "revise_and_resubmit",
    "approved",
    "approved_as_noted",
    "pending_owner_approval",
)
PAYMENT_METHODS = ("check", "electronic", "credit_card")
# How a reviewer marked one line of a requisition.
LINE_REVIEW_STATUSES = ("under_review", "approved", "revise_and_resubmit", "rejected")


def _to_quantity(value: object) -> Decimal:
    if isinstance(value, float):
        value = repr(value) if math.isfinite(value) else None
    number = decimal_from_input(value)
    if number is None or number.copy_abs() >= Decimal(10) ** 15:
        raise ValueError("not a decimal quantity")
    exponent = number.as_tuple().exponent
    assert isinstance(exponent, int)
    if exponent < -4:
        raise ValueError("more than 4 decimal places")
    return number


MAX_NUMBER = 2**31 - 1


def _to_number_text(value: object) -> str:
    """Procore's payment_number and draw_request_number are integers (a numeric string is taken
    too); the ledger keeps them as text."""
    text = value.strip() if isinstance(value, str) else value
    if isinstance(text, str) and text.isascii() and text.isdigit() and len(text) <= 10:
        text = int(text)
    if isinstance(text, bool) or not isinstance(text, int) or not 0 <= text <= MAX_NUMBER:
        raise ValueError(f"must be an integer from 0 to {MAX_NUMBER}")
    return str(text)


_DECIMAL_INPUT = {"anyOf": [{"type": "string"}, {"type": "number"}]}
Quantity = Annotated[
    Decimal, BeforeValidator(_to_quantity), WithJsonSchema(_DECIMAL_INPUT, mode="validation")
]
NumberText = Annotated[
    str,
    BeforeValidator(_to_number_text),
    WithJsonSchema({"type": "integer", "minimum": 0, "maximum": MAX_NUMBER}, mode="validation"),
]


class RequisitionItemIn(BaseModel):
    """One line of a requisition. Derived fields a client may echo back are accepted and ignored."""

    id: Id | None = None
    line_item_id: Id | None = None
    detail_line_item_id: Id | None = None
    item_type: Literal[ITEM_TYPES] | None = None  # type: ignore[valid-type]
    work_completed_this_period: Amount | None = None
    materials_presently_stored: Amount | None = None
    work_completed_retainage_percent_this_period: Percent | None = None
    materials_stored_retainage_percent_this_period: Percent | None = None
    work_completed_retainage_released_this_period: Amount | None = None
    materials_stored_retainage_released_this_period: Amount | None = None
    work_completed_this_period_quantity: Quantity | None = None
    subcontractor_claimed_amount: Amount | None = None
    status: Literal[LINE_REVIEW_STATUSES] | None = None  # type: ignore[valid-type]
    comment: LongText | None = None


class RequisitionIn(BaseModel):
    """The ``requisition`` object. ``custom_field_<definition id>`` keys are custom field values."""

    model_config = ConfigDict(extra="allow")

    items: list[RequisitionItemIn] | None = None
    period_id: Id | None = None
    requisition_start: IsoDate | None = None
    requisition_end: IsoDate | None = None
    billing_date: IsoDate | None = None
    final: JsonBoolean | None = None
    invoice_number: Text | None = None
    payment_date: IsoDate | None = None
    origin_id: Text | None = None
    origin_data: LongText | None = None
    status: Literal[STATUSES] | None = None  # type: ignore[valid-type]
    submitted_at: IsoDate | None = None
    prostore_file_ids: list[Id] | None = None


class RequisitionCreate(BaseModel):
    project_id: Id
    commitment_id: Id
    requisition: RequisitionIn = Field(default_factory=RequisitionIn)


class RequisitionUpdate(BaseModel):
    project_id: Id
    commitment_id: Id | None = None
    requisition: RequisitionIn = Field(default_factory=RequisitionIn)


class PaymentDetailsIn(BaseModel):
    due_date: IsoDate | None = None


class ContractPaymentIn(BaseModel):
    payment_number: NumberText | None = None
    prostore_file_ids: list[Id] | None = None
    draw_request_number: NumberText | None = None
    check_number: ShortText | None = None
    payment_method: Literal[PAYMENT_METHODS] | None = None  # type: ignore[valid-type]
    date: IsoDate | None = None  # absent or null: the day it is recorded
    origin_data: LongText | None = None
    notes: LongText | None = None
    invoice_number: Text | None = None
    amount: Amount | None = None
    origin_id: Text | None = None
    invoice_date: IsoDate | None = None
    requisition_id: Id | None = None


class ContractPaymentCreate(BaseModel):
    project_id: Id
    contract_id: Id
    contract_payment: ContractPaymentIn = Field(default_factory=ContractPaymentIn)


class ContractPaymentUpdate(BaseModel):
    project_id: Id
    contract_id: Id | None = None
    contract_payment: ContractPaymentIn = Field(default_factory=ContractPaymentIn)


# -- responses (documentation of what mapping.py renders) -------------------------------------

Money = str  # a decimal string with 2 places
Pct = str  # a decimal percent string


class ErrorOut(BaseModel):
    """Procore v1 error: Procore's documented error object, with ``errors`` (a message, or a map
    of field to messages)."""

    errors: str | dict[str, list[str]]
    code: int
    message: str
    error: str
    reason: str
    fields: str | None


class V2ErrorDetail(BaseModel):
    reason_code: str
    message: str
    source: str | None = None


class V2ErrorBody(BaseModel):
    code: str
    message: str
    details: list[V2ErrorDetail]


class V2ErrorOut(BaseModel):
    error: V2ErrorBody


class CurrencyConfigurationOut(BaseModel):
    currency_iso_code: str
    base_currency_iso_code: str | None = None
    currency_exchange_rate: float | None = None


class AttachmentOut(BaseModel):
    id: int
    name: str
    filename: str
    content_type: str
    size: int
    url: str


class UploadOut(AttachmentOut):
    """An uploaded file; pass its ``id`` in ``prostore_file_ids``."""


class CreatedByOut(BaseModel):
    id: int
    login: str
    name: str
    company_name: str | None = None


class WbsCodeOut(BaseModel):
    id: int | None
    flat_code: str | None
    description: str | None
    segment_items: list[dict[str, Any]] | None = None


class RequisitionItemOut(BaseModel):
    """A G703 line (the detail endpoint and the ``items`` of the extended view)."""

    id: int
    item_type: str
    line_item_id: int
    detail_line_item_id: int | None = None
    commitment_line_item_id: int | None = None
    commitment_line_item_origin_id: str | None = None
    change_order_package_id: int | None = None
    item_number: int | None = None
    line_number: str | None = None
    accounting_method: str | None = None
    position: int
    description_of_work: str
    cost_code_id: int | None = None
    cost_code: str | None = None
    wbs_code: WbsCodeOut | None = None
    scheduled_value: Money
    scheduled_unit_price: str
    scheduled_quantity: str
    work_completed_from_previous_application: Money
    work_completed_from_previous_application_quantity: str
    work_completed_this_period: Money
    work_completed_this_period_quantity: str
    materials_presently_stored: Money
    materials_presently_stored_quantity: str | None = None
    materials_presently_stored_from_previous_progress: Money | None = None
    materials_previously_stored_quantity: str | None = None
    gross_amount: Money | None = None
    net_amount: Money | None = None
    total_completed_and_stored_to_date: Money
    total_completed_and_stored_to_date_from_previous: Money | None = None
    total_completed_and_stored_to_date_quantity: str
    total_completed_and_stored_to_date_percent: Pct
    balance_to_finish: Money
    work_completed_retainage_percent_this_period: Pct
    work_completed_retainage_from_previous_application: Money
    work_completed_retainage_retained_this_period: Money
    work_completed_retainage_released_this_period: Money
    work_completed_retainage_currently_retained: Money
    materials_stored_retainage_percent_this_period: Pct
    materials_stored_retainage_from_previous_application: Money
    materials_stored_retainage_retained_this_period: Money
    materials_stored_retainage_new_materials: Money | None = None
    materials_stored_retainage_released_this_period: Money
    materials_stored_retainage_currently_retained: Money
    total_retainage_from_previous_application: Money
    total_retainage_currently_retained: Money
    materials_moved: Money
    materials_retainage_retained_moved: Money
    subcontractor_claimed_amount: Money | None = None
    ssr_manual_override: bool | None = None
    status: str | None = None
    comment: str | None = None
    currency_configuration: CurrencyConfigurationOut


class ItemPackageOut(BaseModel):
    """The contract's own package, then each change-order package billed so far."""

    id: int
    contract_id: int
    change_order_id: int | None
    number: str
    title: str
    status: str
    position: int
    change_order_acronym_number: str | None
    change_order_request: dict[str, Any] | None
    batch: dict[str, Any] | None
    parent_type: str
    parent_id: int
    name: str
    scheduled_value: Money
    total_completed_and_stored_to_date: Money
    item_ids: list[int]


class SummaryOut(BaseModel):
    """The G702 figures with Procore's names (docs/billing.md)."""

    original_contract_sum: Money
    net_change_by_change_orders: Money
    contract_sum_to_date: Money
    total_completed_and_stored_to_date: Money
    completed_work_retainage_percent: Pct
    completed_work_retainage_amount: Money
    stored_materials_retainage_percent: Pct
    stored_materials_retainage_amount: Money
    total_retainage: Money
    total_earned_less_retainage: Money
    less_previous_certificates_for_payment: Money
    current_payment_due: Money
    balance_to_finish_including_retainage: Money
    percent_complete: Pct
    formatted_period: str | None = Field(description="mm/dd/yy - mm/dd/yy")
    new_materials: Money
    new_materials_quantity: str | None
    stored_materials: Money
    stored_materials_quantity: str | None
    tax_applicable_to_this_payment: Money
    positive_previous_change_order_item_total: Money
    negative_previous_change_order_item_total: Money
    positive_new_change_order_item_total: Money
    negative_new_change_order_item_total: Money
    positive_change_order_item_total: Money
    negative_change_order_item_total: Money
    work_completed_from_previous_application: Money
    work_completed_this_period: Money
    materials_presently_stored: Money
    balance_to_finish: Money
    materials_moved: Money
    amount_paid: Money
    amount_unpaid: Money


class SummaryTextOut(BaseModel):
    project_name: str
    project_number: str | None
    to_general_contractor: str
    requisition_period_start: str | None
    requisition_period_end: str | None
    subcontractor_name: str
    subcontractor_street: str | None
    subcontractor_city: str | None
    subcontractor_state_code: str | None
    subcontractor_zip: str | None
    subcontractor_country_code: str | None
    application_number: str
    contract_for: str
    contract_date: str | None


class ActionPolicyOut(BaseModel):
    update: bool
    destroy: bool
    set_any_status: bool


class CustomFieldOut(BaseModel):
    data_type: str
    value: Any


class RequisitionOut(BaseModel):
    id: int
    previous_requisition_id: int | None
    project_id: int
    billing_date: str | None
    created_at: str
    updated_at: str
    commitment_id: int
    commitment_type: str
    contract_name: str
    deletable: bool
    final: bool
    vendor_name: str
    vendor_id: int
    invoice_number: str | None
    invoice_type: str
    origin_data: str | None
    origin_id: str | None
    payment_date: str | None
    due_date: str | None
    percent_complete: Pct
    period_id: int | None
    requisition_start: str | None
    requisition_end: str | None
    status: Literal[STATUSES]  # type: ignore[valid-type]
    erp_status: str
    number: int
    submitted_at: str | None
    total_claimed_amount: Money
    electronic_signature_id: int | None
    move_materials_to_previous_work_completed: bool
    summary_text: SummaryTextOut
    summary: SummaryOut
    created_by: CreatedByOut | None
    custom_fields: dict[str, CustomFieldOut]
    currency_configuration: CurrencyConfigurationOut
    attachments: list[AttachmentOut]
    items: list[RequisitionItemOut] | None = None
    item_packages: list[ItemPackageOut] | None = None
    action_policy: ActionPolicyOut | None = None
    comment: str | None = None  # v1.0 only


class PaymentDetailsData(BaseModel):
    due_date: str | None


class PaymentDetailsOut(BaseModel):
    data: PaymentDetailsData


class ContractPaymentOut(BaseModel):
    id: int
    project_id: int
    contract_id: int
    requisition_id: int | None
    amount: Money
    date: str | None
    payment_method: str | None
    check_number: str | None
    payment_number: int | None
    draw_request_number: int | None
    invoice_number: str | None
    invoice_date: str | None
    notes: str | None
    origin_id: str | None
    origin_code: str | None
    origin_data: str | None
    status: str | None = Field(description="Procore Pay's processing status: null here")
    external_payment_id: str | None
    date_payment_initiated: str | None
    date_payment_settled: str | None
    created_at: str
    updated_at: str
    created_by: CreatedByOut | None
    attachments: list[AttachmentOut]
    currency_configuration: CurrencyConfigurationOut


# Error responses every route documents.
ERRORS: dict[int | str, dict[str, Any]] = {
    status: {"model": ErrorOut, "description": description}
    for status, description in (
        (400, "Malformed input"),
        (401, "Missing or invalid token"),
        (403, "No access to this company, or no data:write"),
        (404, "Not found in this company"),
        (409, "Duplicate origin_id"),
        (422, "A business rule refused the change"),
    )
}
V2_ERRORS: dict[int | str, dict[str, Any]] = {
    status: {"model": V2ErrorOut, "description": spec["description"]}
    for status, spec in ERRORS.items()
}
