"""Productive's JSON:API documents as OpenAPI schemas, so /api/v2/openapi.json describes them.

Responses are ``application/vnd.api+json``. Attribute names are exactly Productive's; money is an
integer of minor units, dates ``YYYY-MM-DD``, timestamps ISO 8601 with milliseconds.
"""

from __future__ import annotations

from typing import Any

from pydantic import BaseModel, ConfigDict


class Identifier(BaseModel):
    type: str
    id: str | int


class Relationship(BaseModel):
    data: Identifier | list[Identifier] | None


class PaymentAttributes(BaseModel):
    paid_on: str | None
    written_off_on: str | None
    note: str | None
    external_id: str | None
    currency: str
    currency_default: str
    currency_normalized: str
    amount: int
    amount_default: int
    amount_normalized: int
    created_at: str | None


class PaymentResource(BaseModel):
    id: str
    type: str
    attributes: PaymentAttributes
    relationships: dict[str, Relationship]


class InvoiceAttributes(BaseModel):
    """The figures a client reads; every other attribute of Productive's invoice is present too
    (null where the ledger has no such thing)."""

    model_config = ConfigDict(extra="allow")

    number: str
    subject: str | None
    invoiced_on: str | None
    sent_on: str | None
    pay_on: str | None
    paid_on: str | None
    exchange_rate: str
    exchange_date: str | None
    currency: str
    currency_default: str
    currency_normalized: str
    amount: int
    amount_default: int
    amount_normalized: int
    amount_tax: int
    amount_with_tax: int
    amount_paid: int
    amount_paid_default: int
    amount_unpaid: int
    amount_unpaid_default: int
    amount_written_off: int


class InvoiceResource(BaseModel):
    id: str
    type: str
    attributes: InvoiceAttributes
    relationships: dict[str, Relationship]


class IncludedResource(BaseModel):
    """An invoice, company (the contract's counterparty), person or project."""

    id: str
    type: str
    attributes: dict[str, Any]
    relationships: dict[str, Relationship]


class Links(BaseModel):
    first: str
    last: str
    prev: str | None = None
    next: str | None = None


class ListMeta(BaseModel):
    model_config = ConfigDict(extra="allow")

    current_page: int
    total_pages: int
    total_count: int
    page_size: int
    max_page_size: int
    total_amount: int


class PaymentList(BaseModel):
    data: list[PaymentResource]
    included: list[IncludedResource]
    links: Links
    meta: ListMeta


class PaymentDocument(BaseModel):
    data: PaymentResource
    included: list[IncludedResource]


class InvoiceList(BaseModel):
    data: list[InvoiceResource]
    included: list[IncludedResource]
    links: Links
    meta: ListMeta


class InvoiceDocument(BaseModel):
    data: InvoiceResource
    included: list[IncludedResource]


class ErrorSource(BaseModel):
    pointer: str | None = None
    parameter: str | None = None


class ErrorObject(BaseModel):
    status: int | str
    code: str | None = None
    title: str
    detail: str
    source: ErrorSource | None = None
    limit: int | None = None
    period: int | None = None


class ErrorDocument(BaseModel):
    errors: list[ErrorObject]


ERROR_RESPONSES: dict[int | str, dict[str, Any]] = {
    status: {"model": ErrorDocument, "description": description}
    for status, description in (
        (400, "Unsupported filter, sort, include or page parameter; malformed document"),
        (401, "Unauthenticated: missing or unknown X-Auth-Token"),
        (403, "Access Denied: the token has no membership in X-Organization-Id"),
        (404, "Record Not Found"),
        (409, "The document's type or id does not match"),
        (415, "Unsupported Media Type: send application/vnd.api+json"),
        (422, "Invalid Attribute, with its source pointer"),
        (429, "Too many requests (only with vendor limits on)"),
    )
}


def document_responses(model: type[BaseModel], status: int = 200) -> dict[int | str, Any]:
    return {status: {"model": model, "description": "JSON:API document"}}


_NULLABLE_DATE = {"type": "string", "format": "date", "nullable": True}
_NULLABLE_TEXT = {"type": "string", "nullable": True}
_INVOICE_LINK = {
    "type": "object",
    "properties": {
        "data": {
            "type": "object",
            "required": ["id"],
            "properties": {
                "type": {"type": "string", "enum": ["invoices"]},
                "id": {"type": "string", "pattern": "^[1-9][0-9]{0,17}$"},
            },
        }
    },
}


def _payment_body(required: list[str]) -> dict[str, Any]:
    attributes: dict[str, Any] = {
        "type": "object",
        "properties": {
            "amount": {"type": "integer", "minimum": 1, "description": "minor units"},
            "paid_on": {"type": "string", "format": "date"},
            "written_off_on": _NULLABLE_DATE,
            "note": _NULLABLE_TEXT,
            "external_id": {**_NULLABLE_TEXT, "maxLength": 255},
            "currency": {"type": "string"},
            "invoice_id": {"type": "integer", "minimum": 1},
        },
    }
    if required:
        attributes["required"] = required
    return {
        "type": "object",
        "required": ["data"],
        "properties": {
            "data": {
                "type": "object",
                "required": ["attributes"],
                "properties": {
                    "type": {"type": "string", "enum": ["payments"]},
                    "attributes": attributes,
                    "relationships": {
                        "type": "object",
                        "properties": {"invoice": _INVOICE_LINK},
                    },
                },
            }
        },
    }


PaymentCreate = _payment_body(["amount"])
PaymentUpdate = _payment_body([])


def request_body(schema: dict[str, Any]) -> dict[str, Any]:
    return {
        "requestBody": {
            "required": True,
            "content": {"application/vnd.api+json": {"schema": schema}},
        }
    }
