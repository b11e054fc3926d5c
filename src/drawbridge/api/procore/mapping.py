"""Procore shapes <-> the ledger's neutral commands and views.

The one place where money becomes Procore's 2-place decimal strings and percents their decimal
strings. Requests come in already parsed to cents (schemas.py); responses are plain dicts built
from view objects, never from the database.
"""

from __future__ import annotations

import re
from collections.abc import Callable, Iterable, Mapping, Sequence
from dataclasses import dataclass
from datetime import UTC, date, datetime, time, timedelta
from decimal import Decimal
from typing import Any

from drawbridge.api.procore.errors import BadRequest
from drawbridge.api.procore.schemas import (
    MAX_ID,
    STATUSES,
    VIEWS,
    ContractPaymentIn,
    RequisitionIn,
    RequisitionItemIn,
)
from drawbridge.api.validation import check_custom_field_count, custom_value
from drawbridge.domain.billing import LineKind, LineRef
from drawbridge.domain.errors import Invalid
from drawbridge.domain.money import format_cents, percent_of
from drawbridge.domain.rollups import (
    billed_this_period,
    line_billed_this_period,
    line_due_this_period,
    line_previous_total,
    line_stored_this_period,
    quantity_at_unit_price,
    stored_this_period,
)
from drawbridge.domain.rules import EDITABLE_BY_STANDARD, PayAppStatus, Role, Scope, parse_status
from drawbridge.services.discovery import ContractDetail
from drawbridge.services.pay_apps import CreatePayApp, LineInput, PayAppFilter, UpdatePayApp
from drawbridge.services.views import (
    Actor,
    AttachmentView,
    ChangeOrderPackageView,
    CompanyView,
    ContractView,
    PartyView,
    PayAppLineView,
    PayAppView,
    PaymentView,
    Principal,
    ProjectView,
    SovLineView,
    UserView,
)

FileUrl = Callable[[int], str]
CUSTOM_FIELD = re.compile(r"custom_field_([1-9][0-9]{0,17})")
COMMITMENT_TYPES = {"subcontract": "WorkOrderContract", "purchase_order": "PurchaseOrderContract"}
SOV_ITEM_TYPES = ("contract_item", "contract_detail_item")


# -- formatting -----------------------------------------------------------------------------


def money(cents: int) -> str:
    return format_cents(cents)


def percent(value: Decimal) -> str:
    """Procore writes percents with at least one decimal place: ``"10.0"``, ``"33.33"``."""
    text = format(value.normalize(), "f") if value else "0"
    return text if "." in text else f"{text}.0"


def quantity(value: Decimal | None) -> str:
    return percent(value) if value is not None else "0.0"


def day(value: date | None) -> str | None:
    return value.isoformat() if value is not None else None


def instant(value: datetime) -> str:
    return value.astimezone(UTC).strftime("%Y-%m-%dT%H:%M:%SZ")


def json_number(value: Decimal) -> int | float:
    """A rate or custom-field number as a JSON number (Procore types them so). Its text is the
    shortest that reads back the same, which is the stored text for up to 15 significant digits;
    money never goes through here."""
    return int(value) if value == value.to_integral_value() else float(value)


def currency_configuration(
    code: str, base_code: str | None = None, exchange_rate: Decimal | None = None
) -> dict[str, Any]:
    """The contract's currency; with the company's base currency and the rate between them
    where the response documents them."""
    out: dict[str, Any] = {"currency_iso_code": code}
    if base_code is not None and exchange_rate is not None:
        out["base_currency_iso_code"] = base_code
        out["currency_exchange_rate"] = json_number(exchange_rate)
    return out


def requisition_currency(view: PayAppView) -> dict[str, Any]:
    return currency_configuration(
        view.contract.currency, view.company.base_currency, view.exchange_rate
    )


def created_by(user: UserView | None, company_name: str | None = None) -> dict[str, Any] | None:
    if user is None:
        return None
    out: dict[str, Any] = {"id": user.id, "login": user.email, "name": user.name}
    if company_name is not None:
        out["company_name"] = company_name
    return out


def attachment(view: AttachmentView, file_url: FileUrl) -> dict[str, Any]:
    return {
        "id": view.id,
        "name": view.filename,
        "filename": view.filename,
        "content_type": view.content_type,
        "size": view.size,
        "url": file_url(view.id),
    }


# -- requisition requests ---------------------------------------------------------------------


def _custom_fields(
    requisition: RequisitionIn, current: Mapping[str, Any] | None
) -> dict[str, Any] | None:
    """``custom_field_<id>`` keys, merged over the values already stored (None: none given)."""
    given = {
        key: value
        for key, value in (requisition.model_extra or {}).items()
        if key.startswith("custom_field_")
    }
    if not given:
        return None
    merged = dict(current or {})
    for key, value in given.items():
        if not CUSTOM_FIELD.fullmatch(key):
            raise BadRequest(f"requisition.{key}", "custom fields are custom_field_<id>")
        try:
            merged[key] = _stored_custom_value(value)
            check_custom_field_count(len(merged))
        except ValueError as error:
            raise BadRequest(f"requisition.{key}", str(error)) from None
    return merged


DECIMAL_VALUE = "decimal"  # key of a stored decimal custom-field value: {"decimal": "12.5"}


def _stored_custom_value(value: object) -> object:
    """A custom field value as stored: a fractional number keeps its decimal text, marked so it
    answers as a number again (never a float); everything else as ``custom_value`` keeps it."""
    checked = custom_value(value)
    if isinstance(value, (float, Decimal)):
        return {DECIMAL_VALUE: checked}
    return checked


def _header(requisition: RequisitionIn, current_custom: Mapping[str, Any] | None) -> dict[str, Any]:
    given = requisition.model_fields_set
    names = {
        "period_id": "period_id",
        "requisition_start": "start_date",
        "requisition_end": "end_date",
        "billing_date": "billing_date",
        "payment_date": "payment_date",
        "submitted_at": "submitted_at",
        "final": "final",
        "invoice_number": "invoice_number",
        "origin_id": "origin_id",
        "origin_data": "origin_data",
    }
    header = {column: getattr(requisition, name) for name, column in names.items() if name in given}
    if header.get("final") is None:
        header.pop("final", None)  # final is a boolean column: null means "leave as is"
    custom = _custom_fields(requisition, current_custom)
    if custom is not None:
        header["custom_fields"] = custom
    return header


def _line_ref(item: RequisitionItemIn, index: int, by_line_id: Mapping[int, LineRef]) -> LineRef:
    where = f"requisition.items[{index}]"
    if item.id is not None:
        ref = by_line_id.get(item.id)
        if ref is None:
            raise Invalid(f"{where}.id: no item {item.id} on this requisition", field=f"{where}.id")
        return ref
    item_type = item.item_type or "contract_item"
    if item_type in SOV_ITEM_TYPES:
        line_id = (
            item.detail_line_item_id
            if item_type == "contract_detail_item" and item.detail_line_item_id
            else item.line_item_id or item.detail_line_item_id
        )
        kind = LineKind.SOV
    else:
        line_id = item.line_item_id
        kind = LineKind.CHANGE_ORDER
    if line_id is None:
        raise BadRequest(f"{where}.line_item_id", "give the item's id or its line_item_id")
    return LineRef(kind, line_id)


def _line_inputs(
    items: Sequence[RequisitionItemIn] | None, by_line_id: Mapping[int, LineRef]
) -> list[LineInput]:
    return [
        LineInput(
            ref=_line_ref(item, index, by_line_id),
            work_completed_this_period=item.work_completed_this_period,
            materials_presently_stored=item.materials_presently_stored,
            work_retainage_percent=item.work_completed_retainage_percent_this_period,
            materials_retainage_percent=item.materials_stored_retainage_percent_this_period,
            work_retainage_released=item.work_completed_retainage_released_this_period,
            materials_retainage_released=item.materials_stored_retainage_released_this_period,
            work_completed_this_period_quantity=item.work_completed_this_period_quantity,
            subcontractor_claimed_amount=item.subcontractor_claimed_amount,
            review_status=item.status,
            review_comment=item.comment,
        )
        for index, item in enumerate(items or ())
    ]


# Requisitions are subcontractor invoices: they live on commitments, never on the prime contract.
COMMITMENT = "commitment"


def to_create_pay_app(project_id: int, commitment_id: int, body: RequisitionIn) -> CreatePayApp:
    return CreatePayApp(
        contract_id=commitment_id,
        project_id=project_id,
        contract_kind=COMMITMENT,
        status=parse_status(body.status) if body.status else PayAppStatus.DRAFT,
        header=_header(body, None),
        lines=_line_inputs(body.items, {}),
        attachment_ids=tuple(body.prostore_file_ids or ()),
    )


def to_update_pay_app(
    pay_app_id: int, project_id: int, body: RequisitionIn, current: PayAppView
) -> UpdatePayApp:
    """``current`` (read just before) names the items by their own ids and holds the custom
    fields the new values merge into."""
    by_line_id = {line.id: line.ref for line in current.g703_lines}
    return UpdatePayApp(
        pay_app_id=pay_app_id,
        project_id=project_id,
        contract_kind=COMMITMENT,
        status=parse_status(body.status) if body.status else None,
        header=_header(body, current.custom_fields),
        lines=_line_inputs(body.items, by_line_id),
        attachment_ids=tuple(body.prostore_file_ids or ()),
    )


# -- requisition responses --------------------------------------------------------------------


@dataclass(frozen=True)
class RenderOptions:
    view: str
    actor: Actor
    file_url: FileUrl
    v1_0: bool = False  # v1.0's requisition also carries ``comment`` and ``action_policy``


def parse_view(value: str | None) -> str:
    chosen = value or "default"
    if chosen not in VIEWS:
        raise BadRequest("view", f"must be one of {', '.join(VIEWS)}")
    return chosen


def requisition_item(line: PayAppLineView, currency: Mapping[str, Any]) -> dict[str, Any]:
    """One G703 line with every field of Procore's requisition item, detail line and package
    item (the three documented shapes share their names)."""
    figures = line.figures
    previously_stored = line.materials_previously_stored
    sov, change_order = line.sov_line, line.change_order_item
    unit_price = sov.unit_price if sov else None

    def quantity_of(cents: int) -> str:
        return quantity(quantity_at_unit_price(cents, unit_price))

    previous_quantity = quantity_at_unit_price(
        figures.work_completed_from_previous_application, unit_price
    )
    this_quantity = (
        line.work_completed_this_period_quantity
        if line.work_completed_this_period_quantity is not None
        else quantity_at_unit_price(figures.work_completed_this_period, unit_price)
    )
    number = sov.number if sov else None
    source_id = sov.id if sov else change_order.id if change_order else line.id
    return {
        "id": line.id,
        "item_type": "contract_item" if sov else "change_order_item",
        "accounting_method": "unit" if unit_price and sov and sov.quantity else "amount",
        "line_item_id": source_id,
        "detail_line_item_id": sov.id if sov else None,
        "commitment_line_item_id": source_id,
        "commitment_line_item_origin_id": sov.origin_id if sov else None,
        "change_order_package_id": figures.change_order_package_id,
        "item_number": int(number) if number and number.isascii() and number.isdigit() else None,
        "line_number": number if number is not None else str(line.position),
        "position": line.position,
        "description_of_work": line.description,
        "cost_code_id": None,
        "cost_code": line.cost_code,
        "wbs_code": (
            {
                "id": None,
                "flat_code": line.cost_code,
                "description": line.description,
                "segment_items": [],
            }
            if line.cost_code
            else None
        ),
        "scheduled_value": money(figures.scheduled_value),
        "scheduled_unit_price": quantity(unit_price),
        "scheduled_quantity": quantity(sov.quantity if sov else None),
        "gross_amount": money(line_billed_this_period(figures, previously_stored)),
        "net_amount": money(line_due_this_period(figures, previously_stored)),
        "work_completed_from_previous_application": money(
            figures.work_completed_from_previous_application
        ),
        "work_completed_from_previous_application_quantity": quantity(previous_quantity),
        "work_completed_this_period": money(figures.work_completed_this_period),
        "work_completed_this_period_quantity": quantity(this_quantity),
        "materials_presently_stored": money(figures.materials_presently_stored),
        "materials_presently_stored_quantity": quantity_of(figures.materials_presently_stored),
        "materials_presently_stored_from_previous_progress": money(previously_stored),
        "materials_previously_stored_quantity": quantity_of(previously_stored),
        "total_completed_and_stored_to_date": money(figures.total_completed_and_stored_to_date),
        "total_completed_and_stored_to_date_quantity": quantity(previous_quantity + this_quantity),
        "total_completed_and_stored_to_date_percent": percent(figures.percent_complete),
        "total_completed_and_stored_to_date_from_previous": money(
            line_previous_total(figures, previously_stored)
        ),
        "balance_to_finish": money(figures.balance_to_finish),
        "work_completed_retainage_percent_this_period": percent(figures.work_retainage_percent),
        "work_completed_retainage_from_previous_application": money(
            figures.work_retainage_from_previous_application
        ),
        "work_completed_retainage_retained_this_period": money(
            figures.work_retainage_retained_this_period
        ),
        "work_completed_retainage_released_this_period": money(
            figures.work_retainage_released_this_period
        ),
        "work_completed_retainage_currently_retained": money(
            figures.work_retainage_currently_retained
        ),
        "materials_stored_retainage_percent_this_period": percent(
            figures.materials_retainage_percent
        ),
        "materials_stored_retainage_from_previous_application": money(
            figures.materials_retainage_from_previous_application
        ),
        "materials_stored_retainage_retained_this_period": money(
            figures.materials_retainage_retained_this_period
        ),
        "materials_stored_retainage_new_materials": money(
            figures.materials_retainage_retained_this_period
        ),
        "materials_stored_retainage_released_this_period": money(
            figures.materials_retainage_released_this_period
        ),
        "materials_stored_retainage_currently_retained": money(
            figures.materials_retainage_currently_retained
        ),
        "total_retainage_from_previous_application": money(
            figures.total_retainage_from_previous_application
        ),
        "total_retainage_currently_retained": money(figures.total_retainage_currently_retained),
        "materials_moved": money(figures.materials_moved),
        "materials_retainage_retained_moved": money(figures.materials_retainage_retained_moved),
        "subcontractor_claimed_amount": (
            money(line.subcontractor_claimed_amount)
            if line.subcontractor_claimed_amount is not None
            else None
        ),
        "ssr_manual_override": False,
        "status": line.review_status,
        "comment": line.review_comment,
        "currency_configuration": dict(currency),
    }


def package_items(view: PayAppView, package_id: int) -> list[dict[str, Any]]:
    """The change-order items of one package as lines of this requisition."""
    currency = requisition_currency(view)
    return [
        requisition_item(line, currency)
        for line in view.g703_lines
        if line.figures.change_order_package_id == package_id
    ]


def change_order_acronym_number(number: str) -> str:
    """Procore names a commitment change order ``CCO #<number>``."""
    return f"CCO #{number}"


def _item_packages(view: PayAppView) -> list[dict[str, Any]]:
    """The contract's own package first, then each change-order package billed so far, with
    Procore's fields and the lines (``item_ids``) and totals of each."""
    lines = view.g703_lines
    contract = view.contract

    def totals(members: Iterable[PayAppLineView]) -> dict[str, Any]:
        chosen = list(members)
        return {
            "scheduled_value": money(sum(line.figures.scheduled_value for line in chosen)),
            "total_completed_and_stored_to_date": money(
                sum(line.figures.total_completed_and_stored_to_date for line in chosen)
            ),
            "item_ids": [line.id for line in chosen],
        }

    packages = [
        {
            "id": contract.id,
            "contract_id": contract.id,
            "change_order_id": None,
            "number": contract.number,
            "title": contract.title,
            "status": contract.status,
            "position": 1,
            "change_order_acronym_number": None,
            "change_order_request": None,
            "batch": None,
            "parent_type": "Contract",
            "parent_id": contract.id,
            "name": contract.title,
            **totals(line for line in lines if line.sov_line),
        }
    ]
    for position, change_orders in enumerate(view.packages, start=2):
        packages.append(
            {
                "id": change_orders.id,
                "contract_id": contract.id,
                "change_order_id": change_orders.id,
                "number": change_orders.number,
                "title": change_orders.title,
                "status": change_orders.status,
                "position": position,
                "change_order_acronym_number": change_order_acronym_number(change_orders.number),
                "change_order_request": None,
                "batch": None,
                "parent_type": "ChangeOrderPackage",
                "parent_id": change_orders.id,
                "name": f"{change_orders.number} {change_orders.title}".strip(),
                **totals(
                    line
                    for line in lines
                    if line.figures.change_order_package_id == change_orders.id
                ),
            }
        )
    return packages


def formatted_period(start: date | None, end: date | None) -> str | None:
    """The period as Procore prints it on a US project: ``mm/dd/yy - mm/dd/yy``."""
    return f"{start:%m/%d/%y} - {end:%m/%d/%y}" if start and end else None


def _materials_quantities(view: PayAppView) -> tuple[str | None, str | None]:
    """(new, stored) materials as quantities at each line's unit price; None for a view read
    without its lines (default view)."""
    if view.lines is None:
        return None, None
    new = stored = Decimal(0)
    for line in view.lines:
        unit_price = line.sov_line.unit_price if line.sov_line else None
        figures = line.figures
        new += quantity_at_unit_price(
            line_stored_this_period(figures, line.materials_previously_stored), unit_price
        )
        stored += quantity_at_unit_price(figures.materials_presently_stored, unit_price)
    return quantity(new), quantity(stored)


def _summary(view: PayAppView) -> dict[str, Any]:
    s = view.summary
    new_quantity, stored_quantity = _materials_quantities(view)
    return {
        "original_contract_sum": money(s.original_contract_sum),
        "net_change_by_change_orders": money(s.net_change_by_change_orders),
        "contract_sum_to_date": money(s.contract_sum_to_date),
        "total_completed_and_stored_to_date": money(s.total_completed_and_stored_to_date),
        "completed_work_retainage_percent": percent(s.completed_work_retainage_percent),
        "completed_work_retainage_amount": money(s.completed_work_retainage_amount),
        "stored_materials_retainage_percent": percent(s.stored_materials_retainage_percent),
        "stored_materials_retainage_amount": money(s.stored_materials_retainage_amount),
        "total_retainage": money(s.total_retainage),
        "total_earned_less_retainage": money(s.total_earned_less_retainage),
        "less_previous_certificates_for_payment": money(s.less_previous_certificates_for_payment),
        "current_payment_due": money(s.current_payment_due),
        "balance_to_finish_including_retainage": money(s.balance_to_finish_including_retainage),
        "percent_complete": percent(s.percent_complete),
        "formatted_period": formatted_period(view.start_date, view.end_date),
        "new_materials": money(stored_this_period(s, view.previous_summary)),
        "new_materials_quantity": new_quantity,
        "stored_materials": money(s.materials_presently_stored),
        "stored_materials_quantity": stored_quantity,
        "tax_applicable_to_this_payment": money(0),  # the ledger bills no tax
        "positive_previous_change_order_item_total": money(
            s.positive_previous_change_order_item_total
        ),
        "negative_previous_change_order_item_total": money(
            s.negative_previous_change_order_item_total
        ),
        "positive_new_change_order_item_total": money(s.positive_new_change_order_item_total),
        "negative_new_change_order_item_total": money(s.negative_new_change_order_item_total),
        "positive_change_order_item_total": money(
            s.positive_previous_change_order_item_total + s.positive_new_change_order_item_total
        ),
        "negative_change_order_item_total": money(
            s.negative_previous_change_order_item_total + s.negative_new_change_order_item_total
        ),
        "work_completed_from_previous_application": money(
            s.work_completed_from_previous_application
        ),
        "work_completed_this_period": money(s.work_completed_this_period),
        "materials_presently_stored": money(s.materials_presently_stored),
        "balance_to_finish": money(s.balance_to_finish),
        "materials_moved": money(s.materials_moved),
        "amount_paid": money(view.payments.amount_paid),
        "amount_unpaid": money(view.payments.amount_unpaid),
    }


def _summary_text(view: PayAppView) -> dict[str, Any]:
    vendor = view.contract.party
    return {
        "project_name": view.project.name,
        "project_number": view.project.number,
        "to_general_contractor": view.company.name,
        "requisition_period_start": day(view.start_date),
        "requisition_period_end": day(view.end_date),
        "subcontractor_name": vendor.name,
        "subcontractor_street": vendor.street,
        "subcontractor_city": vendor.city,
        "subcontractor_state_code": vendor.state_code,
        "subcontractor_zip": vendor.zip,
        "subcontractor_country_code": vendor.country_code,
        "application_number": str(view.number),
        "contract_for": view.contract.title,
        "contract_date": day(view.contract.contract_date),
    }


def _total_claimed(view: PayAppView) -> int:
    return billed_this_period(view.summary, view.previous_summary)


def _invoice_type(view: PayAppView) -> str:
    claims_progress = _total_claimed(view) != 0
    releases = view.summary.retainage_released_this_period != 0
    if releases and claims_progress:
        return "progress_and_retainage_release"
    return "retainage_release" if releases else "progress"


def _action_policy(view: PayAppView, actor: Actor) -> dict[str, bool]:
    can_write = Scope.WRITE.value in actor.scopes
    admin = actor.role is Role.ADMIN
    editable = admin or (view.is_latest and view.status in EDITABLE_BY_STANDARD)
    return {
        "update": can_write and editable,
        "destroy": can_write and view.deletable,
        "set_any_status": can_write and admin,
    }


def _custom_field_out(value: object) -> dict[str, Any]:
    if isinstance(value, bool):
        return {"data_type": "boolean", "value": value}
    if isinstance(value, int):
        return {"data_type": "decimal", "value": value}
    if isinstance(value, dict) and DECIMAL_VALUE in value:
        return {"data_type": "decimal", "value": json_number(Decimal(value[DECIMAL_VALUE]))}
    return {"data_type": "string", "value": value}


def _custom_fields_out(values: Mapping[str, Any]) -> dict[str, Any]:
    return {
        key: _custom_field_out(value)
        for key, value in sorted(values.items())
        if CUSTOM_FIELD.fullmatch(key)
    }


def requisition(view: PayAppView, options: RenderOptions) -> dict[str, Any]:
    contract = view.contract
    body: dict[str, Any] = {
        "id": view.id,
        "previous_requisition_id": view.previous_id,
        "project_id": view.project.id,
        "billing_date": day(view.billing_date),
        "created_at": instant(view.created_at),
        "updated_at": instant(view.updated_at),
        "commitment_id": contract.id,
        "commitment_type": COMMITMENT_TYPES.get(
            contract.commitment_type or "", "WorkOrderContract"
        ),
        "contract_name": contract.title,
        "deletable": view.deletable,
        "final": view.final,
        "vendor_name": contract.party.name,
        "vendor_id": contract.party.id,
        "invoice_number": view.invoice_number,
        "invoice_type": _invoice_type(view),
        "origin_data": view.origin_data,
        "origin_id": view.origin_id,
        "payment_date": day(view.payment_date),
        "due_date": day(view.due_date),
        "percent_complete": percent(view.summary.percent_complete),
        "period_id": view.period.id if view.period else None,
        "requisition_start": day(view.start_date),
        "requisition_end": day(view.end_date),
        "status": view.status.value,
        "erp_status": view.erp_status,
        "number": view.number,
        "submitted_at": day(view.submitted_at),
        "total_claimed_amount": money(_total_claimed(view)),
        "electronic_signature_id": None,
        "move_materials_to_previous_work_completed": contract.moves_materials,
        "summary_text": _summary_text(view),
        "summary": _summary(view),
        "created_by": created_by(view.created_by, view.company.name),
        "custom_fields": _custom_fields_out(view.custom_fields),
        "currency_configuration": requisition_currency(view),
        "attachments": [attachment(a, options.file_url) for a in view.attachments],
    }
    if options.view in ("extended", "items"):
        currency = requisition_currency(view)
        body["items"] = [requisition_item(line, currency) for line in view.g703_lines]
        body["item_packages"] = _item_packages(view)
    if options.view == "action_policy" or options.v1_0:
        body["action_policy"] = _action_policy(view, options.actor)
    if options.v1_0:
        body["comment"] = None  # the ledger keeps comments on lines, not on the requisition
    return body


def needs_lines(view_mode: str) -> bool:
    return view_mode in ("extended", "items")


# -- list filters ---------------------------------------------------------------------------

ID_LIST_FILTERS = {
    "filters[id]": "ids",
    "filters[id][]": "ids",
    "filters[commitment_id]": "contract_ids",
    "filters[commitment_id][]": "contract_ids",
}
SCALAR_FILTERS = (
    "filters[period_id]",
    "filters[status]",
    "filters[status][]",
    "filters[created_at]",
    "filters[updated_at]",
    "filters[origin_id]",
    "filters[is_last]",
)


def _ids(name: str, values: Iterable[str]) -> list[int]:
    ids = []
    for value in values:
        for part in value.split(","):
            text = part.strip()
            if not (text.isascii() and text.isdigit() and len(text) <= 19) or not (
                1 <= int(text) <= MAX_ID
            ):
                raise BadRequest(name, f"{part!r} is not an id")
            ids.append(int(text))
    return ids


def _moment(name: str, text: str, *, end: bool) -> datetime:
    """A date (the whole day: from its start, or to its end) or an ISO 8601 datetime."""
    try:
        if len(text) == 10:
            moment = datetime.combine(date.fromisoformat(text), time.min, tzinfo=UTC)
            return moment + timedelta(days=1, microseconds=-1) if end else moment
        parsed = datetime.fromisoformat(text.replace("Z", "+00:00"))
        parsed = parsed if parsed.tzinfo else parsed.replace(tzinfo=UTC)
        return parsed.astimezone(UTC)
    except (ValueError, OverflowError):
        raise BadRequest(name, "use YYYY-MM-DD...YYYY-MM-DD or ISO 8601 datetimes") from None


def _range(name: str, text: str) -> tuple[datetime, datetime]:
    """``START...END``, or one date (or datetime): the whole UTC day it names, which is what a
    typed client sends for a date parameter."""
    start, separator, finish = text.partition("...")
    if not separator:
        day_start = _moment(name, text.strip(), end=False)
        low = datetime.combine(day_start.date(), time.min, tzinfo=UTC)
        return low, low + timedelta(days=1, microseconds=-1)
    if not start or not finish:
        raise BadRequest(name, "a range is written START...END")
    low, high = _moment(name, start.strip(), end=False), _moment(name, finish.strip(), end=True)
    if low > high:
        raise BadRequest(name, "the range ends before it starts")
    return low, high


def _single(name: str, values: list[str]) -> str:
    if len(values) != 1:
        raise BadRequest(name, "give it once")
    value = values[0]
    if "\x00" in value or len(value) > 255:
        raise BadRequest(name, "not a valid value")
    return value


def to_pay_app_filter(project_id: int, query: Iterable[tuple[str, str]]) -> PayAppFilter:
    """Procore's ``filters[...]`` query parameters; an unknown filter or bad value is 400."""
    collected: dict[str, list[str]] = {}
    for key, value in query:
        if key.startswith("filters"):
            if key not in ID_LIST_FILTERS and key not in SCALAR_FILTERS:
                raise BadRequest(key, "unknown filter")
            collected.setdefault(key, []).append(value)
    # Procore's requisitions are subcontractor invoices: commitments only, never the owner side.
    values: dict[str, Any] = {"project_id": project_id, "contract_kind": COMMITMENT}
    for key, given in collected.items():
        if key in ID_LIST_FILTERS:
            target = ID_LIST_FILTERS[key]
            values[target] = [*values.get(target, []), *_ids(key, given)]
        elif key == "filters[period_id]":
            period_ids = _ids(key, [_single(key, given)])
            if len(period_ids) != 1:
                raise BadRequest(key, "one billing period id")
            values["period_id"] = period_ids[0]
        elif key in ("filters[status]", "filters[status][]"):
            statuses = [part.strip() for value in given for part in value.split(",")]
            for status in statuses:
                if status not in STATUSES:
                    raise BadRequest(key, f"must be one of {', '.join(STATUSES)}")
            values["statuses"] = statuses
        elif key in ("filters[created_at]", "filters[updated_at]"):
            low, high = _range(key, _single(key, given))
            prefix = "created" if key == "filters[created_at]" else "updated"
            values[f"{prefix}_from"], values[f"{prefix}_to"] = low, high
        elif key == "filters[origin_id]":
            values["origin_id"] = _single(key, given)
        elif key == "filters[is_last]":
            flag = _single(key, given).strip().lower()
            if flag not in ("true", "false"):
                raise BadRequest(key, "must be true or false")
            values["is_last"] = flag == "true"
    return PayAppFilter(**values)


# -- contract payments ------------------------------------------------------------------------

PAYMENT_NAMES = {
    "payment_number": "payment_number",
    "draw_request_number": "draw_request_number",
    "check_number": "check_number",
    "payment_method": "payment_method",
    "date": "payment_date",
    "origin_data": "origin_data",
    "notes": "notes",
    "invoice_number": "invoice_number",
    "amount": "amount_cents",
    "origin_id": "origin_id",
    "invoice_date": "invoice_date",
    "requisition_id": "pay_app_id",
}


def to_payment_values(payment: ContractPaymentIn) -> dict[str, Any]:
    given = payment.model_fields_set
    return {
        column: getattr(payment, name) for name, column in PAYMENT_NAMES.items() if name in given
    }


def _integer_text(text: str | None) -> int | None:
    """Payment and draw numbers are integers on Procore (stored as text by the ledger)."""
    return int(text) if text is not None and text.isascii() and text.isdigit() else None


def contract_payment(view: PaymentView, file_url: FileUrl) -> dict[str, Any]:
    return {
        "id": view.id,
        "project_id": view.project_id,
        "contract_id": view.contract_id,
        "requisition_id": view.pay_app_id,
        "amount": money(view.amount),
        "date": day(view.payment_date),
        "payment_method": view.payment_method,
        "check_number": view.check_number,
        "payment_number": _integer_text(view.payment_number),
        "draw_request_number": _integer_text(view.draw_request_number),
        "invoice_number": view.invoice_number,
        "invoice_date": day(view.invoice_date),
        "notes": view.notes,
        "origin_id": view.origin_id,
        "origin_code": None,
        "origin_data": view.origin_data,
        # Procore Pay's processing fields: a payment recorded in the ledger went through no
        # payment processor, so it has no processor status, id or dates.
        "status": None,
        "external_payment_id": None,
        "date_payment_initiated": None,
        "date_payment_settled": None,
        "created_at": instant(view.created_at),
        "updated_at": instant(view.updated_at),
        "created_by": created_by(view.created_by),
        "attachments": [attachment(a, file_url) for a in view.attachments],
        "currency_configuration": currency_configuration(view.currency),
    }


# -- directory: who the caller is, companies, projects, commitments, lines, packages ------------

CONTRACT_STATUSES = {"draft": "Draft", "approved": "Approved", "void": "Void"}


def me(principal: Principal) -> dict[str, Any]:
    return {"id": principal.user_id, "login": principal.email, "name": principal.name}


def company(view: CompanyView) -> dict[str, Any]:
    return {
        "id": view.id,
        "name": view.name,
        "is_active": True,
        "logo_url": None,
        "pcn_business_experience": False,
        "my_company": True,  # only the caller's own companies are listed
    }


def project(view: ProjectView, owner: CompanyView) -> dict[str, Any]:
    """A project with every field of Procore's project; what the ledger does not keep is null."""
    return {
        "id": view.id,
        "name": view.name,
        "display_name": f"{view.number} - {view.name}" if view.number else view.name,
        "project_number": view.number,
        "is_demo": False,
        "active": True,
        "company": {"id": owner.id, "name": owner.name},
        "created_at": instant(view.created_at),
        "updated_at": instant(view.created_at),
        "origin_id": view.code,
        "custom_fields": {},
        **dict.fromkeys(
            (
                "parent_job_id",
                "address",
                "city",
                "state_code",
                "country_code",
                "zip",
                "county",
                "time_zone",
                "latitude",
                "longitude",
                "stage",
                "project_stage",
                "project_template",
                "phone",
                "origin_data",
                "origin_code",
                "owners_project_id",
                "total_value",
                "store_number",
                "accounting_project_number",
                "designated_market_area",
                "project_region_id",
                "project_bid_type_id",
                "project_owner_type_id",
                "photo_id",
                "start_date",
                "completion_date",
                "estimated_value",
                "fax",
            )
        ),
    }


def commitment(view: ContractView) -> dict[str, Any]:
    return {
        "id": view.id,
        "title": view.title,
        "number": view.number,
        "status": CONTRACT_STATUSES.get(view.status, view.status),
        "description": view.details.get("description"),
        "executed": view.status == "approved",
        "delivery_date": None,
        "created_at": instant(view.created_at),
        "private": False,
        "vendor": {"id": view.party.id, "name": view.party.name},
        # Not in Procore's commitment list; what a client needs to take the next step.
        "commitment_type": COMMITMENT_TYPES.get(view.commitment_type or "", "WorkOrderContract"),
        "contract_date": day(view.contract_date),
        "currency_configuration": currency_configuration(view.currency),
    }


def line_item(
    line: SovLineView, contract: ContractView, owner: CompanyView, project_name: str
) -> dict[str, Any]:
    """A schedule-of-values line: its ``id`` is the ``line_item_id`` of requisition items."""
    return {
        "id": line.id,
        "amount": money(line.scheduled_value),
        "total_amount": money(line.scheduled_value),
        "extended_amount": money(line.scheduled_value),
        "description": line.description,
        "position": line.position,
        "quantity": quantity(line.quantity),
        "unit_cost": quantity(line.unit_price),
        "uom": None,
        "company": {"id": owner.id, "name": owner.name},
        "holder": {
            "id": contract.id,
            "holder_type": COMMITMENT_TYPES.get(
                contract.commitment_type or "", "WorkOrderContract"
            ),
        },
        "project": {"id": contract.project_id, "name": project_name},
        "cost_code": None,  # cost codes are text in the ledger: see wbs_code.flat_code
        "wbs_code": (
            {"id": None, "flat_code": line.cost_code, "description": line.description}
            if line.cost_code
            else None
        ),
        "line_item_type": None,
        "extended_type": None,
        "tax_code_id": None,
        "change_event_line_item": None,
        "origin_id": line.origin_id,
        "origin_data": None,
        "created_at": instant(contract.created_at),
        "updated_at": instant(contract.updated_at),
        "currency_configuration": currency_configuration(contract.currency),
    }


def change_order_package(view: ChangeOrderPackageView, contract: ContractView) -> dict[str, Any]:
    approved = view.status == "approved"
    return {
        "id": view.id,
        "contract_id": view.contract_id,
        "number": view.number,
        "title": view.title,
        "status": view.status,
        "executed": approved,
        "grand_total": money(view.amount),
        "revision": 0,
        "created_at": instant(view.created_at),
        "updated_at": instant(view.created_at),
        "reviewed_at": (
            instant(datetime.combine(view.approved_date, time.min, tzinfo=UTC))
            if view.approved_date
            else None
        ),
        "created_by_id": None,
        "deleted_at": None,
        "due_date": None,
        "invoiced_date": None,
        "paid_date": None,
        "signed_change_order_received_date": None,
        "origin_id": None,
        "origin_code": None,
        "origin_data": None,
        "designated_reviewer": None,
        "currency_configuration": currency_configuration(contract.currency),
        "custom_fields": {},
        # Not in Procore's list: the package's items, as requisitions bill them.
        "change_order_acronym_number": change_order_acronym_number(view.number),
        "line_items": [
            {"id": item.id, "description": item.description, "amount": money(item.amount)}
            for item in view.items
        ],
    }


# Fields of Procore's vendor (company directory) record the ledger does not keep.
VENDOR_UNKNOWN = (
    "abbreviated_name",
    "business_phone",
    "contact_count",
    "company",
    "email_address",
    "fax_number",
    "labor_union",
    "license_number",
    "logo",
    "mobile_phone",
    "notes",
    "origin_data",
    "origin_code",
    "trade_name",
    "website",
    "business_register",
    "vendor_group",
    "primary_contact",
    "children_count",
    "legal_name",
    "parent",
    "bidding_distribution",
    "bidding",
    "created_at",
    "updated_at",
)


def vendor(party: PartyView, project_id: int) -> dict[str, Any]:
    """A party as Procore's directory vendor: its name and address; the rest is not kept."""
    return {
        "id": party.id,
        "name": party.name,
        "address": party.street,
        "city": party.city,
        "state_code": party.state_code,
        "zip": party.zip,
        "country_code": party.country_code,
        "origin_id": party.code,
        "is_active": True,
        "authorized_bidder": False,
        "non_union_prevailing_wage": False,
        "prequalified": False,
        "synced_to_erp": False,
        "union_member": False,
        "attachments": [],
        "trades": [],
        "project_ids": [project_id],
        "standard_cost_codes": [],
        **dict.fromkeys(VENDOR_UNKNOWN),
    }


def _payment_issued(view: PaymentView, file_url: FileUrl) -> dict[str, Any]:
    return {
        "id": view.id,
        "amount": money(view.amount),
        "check_number": view.check_number,
        "created_at": instant(view.created_at),
        "date": day(view.payment_date),
        "draw_request_number": _integer_text(view.draw_request_number),
        "invoice_number": view.invoice_number,
        "notes": view.notes,
        "payment_number": _integer_text(view.payment_number),
        "attachments": [
            {"id": a.id, "url": file_url(a.id), "filename": a.filename} for a in view.attachments
        ],
        "origin_id": view.origin_id,
        "origin_data": view.origin_data,
    }


def _roll_up(detail: ContractDetail) -> dict[str, Any]:
    """A commitment's money, as every Procore commitment show reports it."""
    original = detail.original
    approved = detail.change_orders("approved")
    pending = detail.change_orders("draft", "pending")
    revised = original + approved
    return {
        "grand_total": money(original),
        "approved_change_orders": money(approved),
        "revised_contract": money(revised),
        "pending_change_orders": money(pending),
        "pending_revised_contract": money(revised + pending),
        "total_payments": money(detail.paid),
        "remaining_balance_outstanding": money(revised - detail.paid),
        "percentage_paid": percent(percent_of(detail.paid, revised)) if revised else "0.0",
        "total_draw_requests_amount": money(detail.requested_to_date),
        "retainage_percent": percent(detail.contract.work_retainage_percent),
        "accounting_method": (
            "unit" if any(line.unit_price and line.quantity for line in detail.lines) else "amount"
        ),
        "attachments": [],
        # Change order tiers: the ledger has one (packages); requests and PCOs are tiers 2-3.
        "change_order_requests": [],
        "potential_change_orders": [],
        "actual_completion_date": None,
        "contract_start_date": None,
        "contract_estimated_completion_date": None,
        "signed_contract_received_date": None,
        "deleted_at": None,
        "inclusions": None,
        "exclusions": None,
        "private": False,
        "updated_at": instant(detail.contract.updated_at),
    }


def commitment_detail(detail: ContractDetail, file_url: FileUrl) -> dict[str, Any]:
    """A commitment as Procore's commitment show answers it: the list entry's fields, the money
    roll-up, the schedule-of-values lines, change order packages and payments issued."""
    contract = detail.contract
    original = detail.original
    architect = contract.architect
    return {
        **commitment(contract),
        **_roll_up(detail),
        "vendor": vendor(contract.party, contract.project_id),
        "type": COMMITMENT_TYPES.get(contract.commitment_type or "", "WorkOrderContract"),
        # The ledger keeps commitments private to the company's own members.
        "allow_comments": False,
        "allow_markups": False,
        "allow_payment_applications": False,  # owner invoices belong to prime contracts
        "allow_payments": True,
        "allow_redistributions": False,
        "display_materials_retainage": True,
        "display_stored_materials": True,
        "display_work_retainage": True,
        "line_items_total": money(original),  # the ledger has no markup
        "line_items_extended_total": money(original),
        "requisition_number": (
            str(detail.latest_pay_app_number) if detail.latest_pay_app_number else None
        ),
        "position": None,
        "budget_line_item_id": None,
        "contract_termination_date": None,
        "bill_to": None,
        "ship_to": None,
        "ship_via": None,
        "payment_terms": None,
        "architect": (
            {"id": architect.id, "login": None, "name": architect.name} if architect else None
        ),
        "assigned_to": None,
        "contractor": None,
        "created_by": None,
        "received_from": None,
        "cost_code": None,
        "line_items": _detail_lines(detail),
        "change_order_packages": [
            change_order_package(package, contract) for package in detail.packages
        ],
        "payments_issued": [_payment_issued(payment, file_url) for payment in detail.payments],
    }


def work_order_contract(detail: ContractDetail, file_url: FileUrl) -> dict[str, Any]:
    """A commitment as Procore's work order (or purchase order) contract show answers it."""
    contract = detail.contract
    currency = currency_configuration(contract.currency)
    return {
        **_roll_up(detail),
        "id": contract.id,
        "number": contract.number,
        "title": contract.title,
        "status": CONTRACT_STATUSES.get(contract.status, contract.status),
        "description": contract.details.get("description"),
        "executed": contract.status == "approved",
        "contract_date": day(contract.contract_date),
        "created_at": instant(contract.created_at),
        "created_by_id": None,
        "draft_change_orders_amount": money(detail.change_orders("draft")),
        "total_requisitions_amount": money(detail.requested_to_date),
        "requisitions_are_enabled": True,
        "show_line_items_to_non_admins": True,
        "project": {"id": detail.project.id, "name": detail.project.name},
        "vendor": {
            "id": contract.party.id,
            "company": contract.party.name,
            "origin_id": contract.party.code,
            "origin_data": None,
        },
        "invoice_contacts": [],
        "approval_letter_date": None,
        "execution_date": None,
        "issued_on_date": None,
        "letter_of_intent_date": None,
        "returned_date": None,
        "origin_id": None,
        "origin_code": None,
        "origin_data": None,
        "line_items": _detail_lines(detail),
        "change_order_packages": [
            change_order_package(package, contract) for package in detail.packages
        ],
        "payments_issued": [
            {**_payment_issued(payment, file_url), "currency_configuration": currency}
            for payment in detail.payments
        ],
        "currency_configuration": currency,
    }


def purchase_order_contract(detail: ContractDetail, file_url: FileUrl) -> dict[str, Any]:
    """A commitment as Procore's purchase order contract show answers it: the work order
    contract's fields and a purchase order's shipping and billing terms (not kept: null)."""
    return {
        **work_order_contract(detail, file_url),
        # Procore's description types a purchase order's attachments as one object: none here.
        "attachments": None,
        "assignee": None,
        "bill_to_address": None,
        "ship_to_address": None,
        "ship_via": None,
        "delivery_date": None,
        "payment_terms": None,
    }


def _detail_lines(detail: ContractDetail) -> list[dict[str, Any]]:
    return [
        line_item(line, detail.contract, detail.company, detail.project.name)
        for line in detail.lines
    ]
