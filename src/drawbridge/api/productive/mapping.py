"""Ledger views <-> Productive's JSON:API resources.

- A Productive **invoice** is a pay application: ``amount`` is its current payment due (G702
  line 8), ``amount_paid`` the sum of its payments, ``amount_unpaid`` line 8 less paid and
  written off (negative when over-paid), ``number`` its invoice number.
- A Productive **payment** is a payment against a pay application: ``paid_on`` is its date,
  ``written_off_on`` its write-off date, ``note`` its notes, ``external_id`` the integrator's key
  (the ledger's ``origin_id``, unique in the company).
- An invoice's **company** (Productive's client) is the contract's counterparty; its **creator**
  the user who created the pay application; its **project** the ledger project.
- Money is an integer of minor units of the invoice (contract) currency; ``_default`` is the
  company's base currency through the exchange rate (half-up, money.convert), and
  ``_normalized`` the invoice currency again, as Productive shows it.
"""

from __future__ import annotations

import json
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass
from datetime import UTC, date, datetime
from decimal import Decimal
from typing import Any

from drawbridge.api.listing import FilterField, Row
from drawbridge.api.productive.errors import ProductiveError, error_object, invalid_attribute
from drawbridge.domain.money import MAX_ABS_CENTS, canonical, convert
from drawbridge.services.views import PartyView, PayAppView, PaymentView, ProjectView, UserView

Resource = dict[str, Any]

# -- list queries ------------------------------------------------------------------------------

PAYMENT_FILTERS: Mapping[str, FilterField] = {
    "id": FilterField("integer", many=True),
    "invoice_id": FilterField("integer", many=True),
    "company_id": FilterField("integer", many=True),
    "project_id": FilterField("integer", many=True),
    "subsidiary_id": FilterField("integer", many=True),
    "paid_after": FilterField("date", column="paid_on", operator="gt_eq"),
    "paid_before": FilterField("date", column="paid_on", operator="lt_eq"),
    "paid_on": FilterField("date"),
    "external_id": FilterField("text"),
    "amount": FilterField("integer"),
}
PAYMENT_SORTS = ("amount", "paid_on", "written_off_on", "note", "invoice.number", "date")
PAYMENT_INCLUDES = ("invoice", "invoice.company", "invoice.creator", "invoice.project")
PAYMENT_DEFAULT_INCLUDES = frozenset({"invoice", "invoice.company", "invoice.creator"})
PAYMENT_AGGREGATES = ("total_amount",)

INVOICE_FILTERS: Mapping[str, FilterField] = {
    "id": FilterField("integer", many=True),
    "invoice_id": FilterField("integer", column="id", many=True),
    "company_id": FilterField("integer", many=True),
    "project_id": FilterField("integer", many=True),
    "subsidiary_id": FilterField("integer", many=True),
    "number": FilterField("text"),
    "invoiced_on": FilterField("date"),
    "paid_after": FilterField("date", column="paid_on", operator="gt_eq"),
    "paid_before": FilterField("date", column="paid_on", operator="lt_eq"),
    "paid_on": FilterField("date"),
    "external_id": FilterField("text"),
    "amount": FilterField("integer"),
    "amount_paid": FilterField("integer"),
    "amount_unpaid": FilterField("integer"),
}
INVOICE_SORTS = (
    "amount",
    "amount_paid",
    "amount_unpaid",
    "paid_on",
    "invoiced_on",
    "pay_on",
    "number",
    "note",
    "date",
)
INVOICE_INCLUDES = ("company", "creator", "project")
INVOICE_DEFAULT_INCLUDES = frozenset({"company", "creator"})
INVOICE_AGGREGATES = ("total_amount", "total_amount_paid", "total_amount_unpaid")


@dataclass(frozen=True)
class Invoice:
    """A pay application with the payments recorded against it."""

    pay_app: PayAppView
    last_payment_on: date | None = None  # the latest date of the payments recorded against it

    @classmethod
    def of(cls, pay_app: PayAppView, payments: Iterable[PaymentView]) -> Invoice:
        dates = [payment.payment_date for payment in payments if payment.payment_date]
        return cls(pay_app, max(dates) if dates else None)

    @property
    def paid_on(self) -> date | None:
        """The date of the last payment, once the payments cover what is due."""
        position = self.pay_app.payments
        if position.amount_paid <= 0 or position.amount_unpaid > 0:
            return None
        return self.last_payment_on

    @property
    def number(self) -> str:
        view = self.pay_app
        return view.invoice_number or f"{view.contract.number}/{view.number:02d}"


def payment_row(payment: PaymentView, invoice: Invoice) -> Row:
    """What a payment list filters and sorts by."""
    return {
        "id": payment.id,
        "invoice_id": invoice.pay_app.id,
        "company_id": invoice.pay_app.contract.party.id,
        "project_id": payment.project_id,
        "subsidiary_id": payment.company_id,
        "paid_on": payment.payment_date,
        "date": payment.payment_date,
        "written_off_on": payment.write_off_date,
        "note": payment.notes,
        "external_id": payment.origin_id,
        "amount": payment.amount,
        "invoice.number": invoice.number,
    }


def invoice_row(invoice: Invoice) -> Row:
    view = invoice.pay_app
    return {
        "id": view.id,
        "number": invoice.number,
        "company_id": view.contract.party.id,
        "project_id": view.project.id,
        "subsidiary_id": view.company.id,
        "invoiced_on": _invoiced_on(view),
        "date": _invoiced_on(view),
        "pay_on": view.due_date,
        "paid_on": invoice.paid_on,
        "note": view.note,
        "external_id": view.origin_id,
        "amount": view.summary.current_payment_due,
        "amount_paid": view.payments.amount_paid,
        "amount_unpaid": view.payments.amount_unpaid,
    }


# -- resources ---------------------------------------------------------------------------------


def organization(company_id: int) -> Resource:
    return {"data": {"type": "organizations", "id": company_id}}


def to_one(kind: str, record_id: int | None) -> Resource:
    return {"data": None if record_id is None else {"type": kind, "id": str(record_id)}}


def money(name: str, cents: int, rate: Decimal) -> dict[str, int]:
    """An amount with its base-currency and normalized twins."""
    return {name: cents, f"{name}_default": convert(cents, rate), f"{name}_normalized": cents}


def amount_default(payment: PaymentView) -> int:
    """A payment's amount in the company's base currency."""
    return convert(payment.amount, payment.exchange_rate)


def timestamp(moment: datetime | None) -> str | None:
    if moment is None:
        return None
    if moment.tzinfo is None:
        moment = moment.replace(tzinfo=UTC)
    return moment.astimezone(UTC).isoformat(timespec="milliseconds")


def day(value: date | None) -> str | None:
    return value.isoformat() if value else None


def payment_resource(payment: PaymentView, base_currency: str) -> Resource:
    return {
        "id": str(payment.id),
        "type": "payments",
        "attributes": {
            "paid_on": day(payment.payment_date),
            "written_off_on": day(payment.write_off_date),
            "note": payment.notes,
            "external_id": payment.origin_id,
            "currency": payment.currency,
            "currency_default": base_currency,
            "currency_normalized": payment.currency,
            **money("amount", payment.amount, payment.exchange_rate),
            "created_at": timestamp(payment.created_at),
        },
        "relationships": {
            "organization": organization(payment.company_id),
            "invoice": to_one("invoices", payment.pay_app_id),
        },
    }


def invoice_resource(invoice: Invoice) -> Resource:
    view = invoice.pay_app
    rate = view.exchange_rate
    currency = view.contract.currency
    due = view.summary.current_payment_due
    return {
        "id": str(view.id),
        "type": "invoices",
        "attributes": {
            "number": invoice.number,
            "subject": view.name or f"{view.contract.title}, application {view.number}",
            "invoiced_on": day(_invoiced_on(view)),
            "sent_on": day(view.submitted_at),
            "pay_on": day(view.due_date),
            "delivery_on": None,
            "paid_on": day(invoice.paid_on),
            "discount": None,
            "tax1_name": None,
            "tax1_value": None,
            "tax2_name": None,
            "tax2_value": None,
            "deleted_at": None,
            "tag_list": [],
            "note": view.note,
            "exported_at": None,
            "export_integration_type_id": None,
            "note_interpolated": view.note,
            "email_key": view.uuid.replace("-", ""),
            "purchase_order_number": view.contract.number,
            "export_invoice_url": None,
            "company_reference_id": None,
            "created_at": timestamp(view.created_at),
            "exchange_rate": str(canonical(rate)),
            "exchange_date": day(_invoiced_on(view)),
            "custom_fields": view.custom_fields or None,
            "currency": currency,
            "currency_default": view.company.base_currency,
            "currency_normalized": currency,
            **money("amount", due, rate),
            **money("amount_tax", 0, rate),
            **money("amount_with_tax", due, rate),
            **money("amount_paid", view.payments.amount_paid, rate),
            **money("amount_written_off", view.written_off, rate),
            **money("amount_unpaid", view.payments.amount_unpaid, rate),
        },
        "relationships": {
            "organization": organization(view.company.id),
            "bill_to": {"data": None},
            "bill_from": {"data": None},
            "company": to_one("companies", view.contract.party.id),
            "document_type": {"data": None},
            "creator": to_one("people", view.created_by.id if view.created_by else None),
            "invoice_attributions": {"data": []},
            "attachment": {"data": None},
            "project": to_one("projects", view.project.id),
        },
    }


def company_resource(party: PartyView, organization_id: int) -> Resource:
    """The counterparty of a contract as Productive's client company."""
    return {
        "id": str(party.id),
        "type": "companies",
        "attributes": {
            "name": party.name,
            "billing_name": party.name,
            "vat": None,
            "default_currency": None,
            "created_at": None,
            "archived_at": None,
            "avatar_url": None,
            "invoice_email_recipients": {},
            "custom_fields": None,
            "description": None,
            "due_days": None,
            "tag_list": [],
            "contact": _address(party),
        },
        "relationships": {
            "organization": organization(organization_id),
            "bill_to": {"data": None},
        },
    }


def person_resource(user: UserView, organization_id: int) -> Resource:
    first, _, last = user.name.partition(" ")
    return {
        "id": str(user.id),
        "type": "people",
        "attributes": {
            "first_name": first,
            "last_name": last,
            "email": user.email,
            "title": None,
            "joined_at": None,
            "last_seen_at": None,
            "deactivated_at": None,
            "archived_at": None,
            "role_id": None,
            "invited_at": None,
            "is_user": True,
            "tag_list": [],
            "avatar_url": None,
            "virtual": False,
            "custom_fields": None,
            "autotracking": False,
            "created_at": None,
            "placeholder": False,
            "color_id": None,
            "private_custom_reports_used": 0,
            "contact": {},
        },
        "relationships": {
            "organization": organization(organization_id),
            "company": {"data": None},
            "subsidiary": {"data": None},
        },
    }


def project_resource(project: ProjectView, organization_id: int) -> Resource:
    return {
        "id": str(project.id),
        "type": "projects",
        "attributes": {
            "name": project.name,
            "number": project.number,
            "project_number": project.number,
            "project_code": project.code,
            "archived_at": None,
        },
        "relationships": {"organization": organization(organization_id)},
    }


def included(invoices_shown: Sequence[Invoice], paths: Iterable[str]) -> list[Resource]:
    """The resources ``paths`` (relative to the invoices) name, each once, in first-seen order."""
    wanted = set(paths)
    found: dict[tuple[str, str], Resource] = {}
    for invoice in invoices_shown:
        view = invoice.pay_app
        organization_id = view.company.id
        candidates: list[Resource] = []
        if "" in wanted:
            candidates.append(invoice_resource(invoice))
        if "company" in wanted:
            candidates.append(company_resource(view.contract.party, organization_id))
        if "creator" in wanted and view.created_by is not None:
            candidates.append(person_resource(view.created_by, organization_id))
        if "project" in wanted:
            candidates.append(project_resource(view.project, organization_id))
        for resource in candidates:
            found.setdefault((resource["type"], resource["id"]), resource)
    return list(found.values())


def _invoiced_on(view: PayAppView) -> date | None:
    return view.billing_date or view.end_date


def _address(party: PartyView) -> dict[str, Any]:
    parts = {
        "address": party.street,
        "city": party.city,
        "state": party.state_code,
        "zipcode": party.zip,
        "country": party.country_code,
    }
    present = {key: value for key, value in parts.items() if value}
    return {"addresses": [present]} if present else {}


# -- requests ----------------------------------------------------------------------------------

WRITABLE = frozenset({"amount", "paid_on", "written_off_on", "note", "external_id", "currency"})
READ_ONLY = frozenset(
    {"currency_default", "currency_normalized", "amount_default", "amount_normalized", "created_at"}
)
BLANK = "can't be blank"


@dataclass(frozen=True)
class PaymentInput:
    """A payment document as ledger values (``services.payments.PAYMENT_FIELDS``)."""

    invoice_id: int | None
    values: dict[str, Any]
    currency: str | None


def read_payment_document(
    raw: bytes, *, creating: bool, payment_id: int | None = None
) -> PaymentInput:
    """Parse a payment document; every invalid attribute is reported at once (422)."""
    data = _data(raw)
    if data.get("type", "payments") != "payments":
        raise ProductiveError(
            409, [error_object(409, "data/type must be 'payments'", pointer="data/type")]
        )
    if payment_id is not None and "id" in data and str(data["id"]) != str(payment_id):
        raise ProductiveError(
            409, [error_object(409, "data/id does not match the URL", pointer="data/id")]
        )
    attributes = _object(data.get("attributes", {}), "data/attributes")
    relationships = _object(data.get("relationships", {}), "data/relationships")
    errors: list[dict[str, Any]] = []
    values: dict[str, Any] = {}

    invoice_id = _invoice_reference(attributes, relationships, errors)
    if (
        creating
        and invoice_id is None
        and not any(error["source"]["pointer"].endswith("/invoice") for error in errors)
    ):
        errors.append(invalid_attribute("invoice", BLANK))
    if invoice_id is not None:
        values["pay_app_id"] = invoice_id

    for name in sorted(set(attributes) - WRITABLE - READ_ONLY - {"invoice_id"}):
        errors.append(invalid_attribute(name, "is not a known attribute"))

    if "amount" in attributes or creating:
        amount = _amount(attributes.get("amount"), errors)
        if amount is not None:
            values["amount_cents"] = amount
    if "paid_on" in attributes:
        paid_on = _date(attributes["paid_on"], "paid_on", errors, required=True)
        if paid_on is not None:
            values["payment_date"] = paid_on
    if "written_off_on" in attributes:
        values["write_off_date"] = _date(
            attributes["written_off_on"], "written_off_on", errors, required=False
        )
    if "note" in attributes:
        values["notes"] = _text(attributes["note"], "note", errors, max_length=None)
    if "external_id" in attributes:
        values["origin_id"] = _text(attributes["external_id"], "external_id", errors, 255)
    currency = attributes.get("currency")
    if currency is not None and not isinstance(currency, str):
        errors.append(invalid_attribute("currency", "is invalid"))
        currency = None
    if errors:
        raise ProductiveError(422, errors)
    return PaymentInput(invoice_id=invoice_id, values=values, currency=currency)


def _data(raw: bytes) -> dict[str, Any]:
    try:
        document = json.loads(raw or b"{}", parse_float=Decimal, parse_constant=_no_constant)
    except (ValueError, RecursionError):
        raise ProductiveError(
            400, [error_object(400, "The body is not valid JSON", pointer="")]
        ) from None
    if not isinstance(document, dict) or not isinstance(document.get("data"), dict):
        raise ProductiveError(
            400, [error_object(400, "The body must be a document with a data object", pointer="")]
        )
    data: dict[str, Any] = document["data"]
    return data


def _object(value: object, pointer: str) -> dict[str, Any]:
    if value is None:
        return {}
    if not isinstance(value, dict):
        raise ProductiveError(
            400, [error_object(400, f"{pointer} must be an object", pointer=pointer)]
        )
    return value


def _invoice_reference(
    attributes: dict[str, Any], relationships: dict[str, Any], errors: list[dict[str, Any]]
) -> int | None:
    raw: object = None
    pointer_relationship = False
    if "invoice" in relationships:
        pointer_relationship = True
        linkage = relationships["invoice"]
        data = linkage.get("data") if isinstance(linkage, dict) else None
        if isinstance(data, dict):
            if data.get("type", "invoices") != "invoices":
                errors.append(invalid_attribute("invoice", "is invalid", relationship=True))
                return None
            raw = data.get("id")
    elif "invoice_id" in attributes:
        raw = attributes["invoice_id"]
    if raw is None or raw == "":
        return None
    text = str(raw).strip() if isinstance(raw, (int, str)) and not isinstance(raw, bool) else ""
    if not (text.isascii() and text.isdigit() and len(text) <= 18) or int(text) < 1:
        errors.append(invalid_attribute("invoice", "is invalid", relationship=pointer_relationship))
        return None
    return int(text)


def _amount(value: object, errors: list[dict[str, Any]]) -> int | None:
    if value is None or (isinstance(value, str) and not value.strip()):
        errors.append(invalid_attribute("amount", BLANK))
        return None
    number: Decimal | None = None
    if isinstance(value, (int, Decimal)) and not isinstance(value, bool):
        number = Decimal(value)
    elif isinstance(value, str):
        try:
            number = Decimal(value.strip())
        except ArithmeticError:
            number = None
    if number is None or not number.is_finite():
        errors.append(invalid_attribute("amount", "is not a number"))
        return None
    if abs(number) >= MAX_ABS_CENTS:
        errors.append(invalid_attribute("amount", "is out of range"))
        return None
    if number != number.to_integral_value():
        errors.append(
            invalid_attribute("amount", "must be an integer (minor units: 10000 is 100.00)")
        )
        return None
    if number <= 0:
        errors.append(invalid_attribute("amount", "must be greater than 0"))
        return None
    return int(number)


def _date(value: object, name: str, errors: list[dict[str, Any]], *, required: bool) -> date | None:
    if value is None or value == "":
        if required:
            errors.append(invalid_attribute(name, BLANK))
        return None
    if isinstance(value, str):
        try:
            return date.fromisoformat(value.strip())
        except ValueError:
            pass
    errors.append(invalid_attribute(name, "is not a date"))
    return None


def _text(
    value: object, name: str, errors: list[dict[str, Any]], max_length: int | None
) -> str | None:
    if value is None:
        return None
    if not isinstance(value, str):
        errors.append(invalid_attribute(name, "is invalid"))
        return None
    if max_length is not None and len(value) > max_length:
        errors.append(invalid_attribute(name, f"is too long (maximum is {max_length} characters)"))
        return None
    return value or None


def _no_constant(name: str) -> object:
    raise ValueError(f"{name} is not a JSON number")
