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
from drawbridge.domain.money import format_cents
from drawbridge.domain.rollups import billed_this_period, quantity_at_unit_price
from drawbridge.domain.rules import EDITABLE_BY_STANDARD, PayAppStatus, Role, Scope, parse_status
from drawbridge.services.pay_apps import CreatePayApp, LineInput, PayAppFilter, UpdatePayApp
from drawbridge.services.views import (
    Actor,
    AttachmentView,
    ChangeOrderPackageView,
    PayAppLineView,
    PayAppView,
    PaymentView,
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


def currency_configuration(code: str) -> dict[str, str]:
    return {"currency_iso_code": code}


def created_by(user: UserView | None) -> dict[str, Any] | None:
    return None if user is None else {"id": user.id, "login": user.email, "name": user.name}


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
            merged[key] = custom_value(value)
            check_custom_field_count(len(merged))
        except ValueError as error:
            raise BadRequest(f"requisition.{key}", str(error)) from None
    return merged


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


def parse_view(value: str | None) -> str:
    chosen = value or "default"
    if chosen not in VIEWS:
        raise BadRequest("view", f"must be one of {', '.join(VIEWS)}")
    return chosen


def requisition_item(line: PayAppLineView, currency: str) -> dict[str, Any]:
    figures = line.figures
    sov, change_order = line.sov_line, line.change_order_item
    unit_price = sov.unit_price if sov else None
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
        "line_item_id": source_id,
        "detail_line_item_id": sov.id if sov else None,
        "commitment_line_item_id": source_id,
        "commitment_line_item_origin_id": sov.origin_id if sov else None,
        "change_order_package_id": figures.change_order_package_id,
        "item_number": int(number) if number and number.isascii() and number.isdigit() else None,
        "position": line.position,
        "description_of_work": line.description,
        "cost_code_id": None,
        "cost_code": line.cost_code,
        "wbs_code": (
            {"id": None, "flat_code": line.cost_code, "description": line.description}
            if line.cost_code
            else None
        ),
        "scheduled_value": money(figures.scheduled_value),
        "scheduled_unit_price": quantity(unit_price),
        "scheduled_quantity": quantity(sov.quantity if sov else None),
        "work_completed_from_previous_application": money(
            figures.work_completed_from_previous_application
        ),
        "work_completed_from_previous_application_quantity": quantity(previous_quantity),
        "work_completed_this_period": money(figures.work_completed_this_period),
        "work_completed_this_period_quantity": quantity(this_quantity),
        "materials_presently_stored": money(figures.materials_presently_stored),
        "total_completed_and_stored_to_date": money(figures.total_completed_and_stored_to_date),
        "total_completed_and_stored_to_date_quantity": quantity(previous_quantity + this_quantity),
        "total_completed_and_stored_to_date_percent": percent(figures.percent_complete),
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
        "status": line.review_status,
        "comment": line.review_comment,
        "currency_configuration": currency_configuration(currency),
    }


def package_items(view: PayAppView, package_id: int) -> list[dict[str, Any]]:
    """The change-order items of one package as lines of this requisition."""
    return [
        requisition_item(line, view.contract.currency)
        for line in view.g703_lines
        if line.figures.change_order_package_id == package_id
    ]


def _item_packages(view: PayAppView) -> list[dict[str, Any]]:
    lines = view.g703_lines

    def package(
        parent_type: str, parent_id: int, name: str, members: Iterable[PayAppLineView]
    ) -> dict[str, Any]:
        chosen = list(members)
        return {
            "parent_type": parent_type,
            "parent_id": parent_id,
            "name": name,
            "scheduled_value": money(sum(line.figures.scheduled_value for line in chosen)),
            "total_completed_and_stored_to_date": money(
                sum(line.figures.total_completed_and_stored_to_date for line in chosen)
            ),
            "item_ids": [line.id for line in chosen],
        }

    def of_package(change_orders: ChangeOrderPackageView) -> dict[str, Any]:
        return package(
            "ChangeOrderPackage",
            change_orders.id,
            f"{change_orders.number} {change_orders.title}".strip(),
            (line for line in lines if line.figures.change_order_package_id == change_orders.id),
        )

    contract = view.contract
    return [
        package("Contract", contract.id, contract.title, (line for line in lines if line.sov_line)),
        *(of_package(change_orders) for change_orders in view.packages),
    ]


def _summary(view: PayAppView) -> dict[str, Any]:
    s = view.summary
    period = (
        f"{view.start_date:%d/%m/%y} - {view.end_date:%d/%m/%y}"
        if view.start_date and view.end_date
        else None
    )
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
        "formatted_period": period,
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


def _custom_fields_out(values: Mapping[str, Any]) -> dict[str, Any]:
    def data_type(value: object) -> str:
        if isinstance(value, bool):
            return "boolean"
        return "decimal" if isinstance(value, int) else "string"

    return {
        key: {"data_type": data_type(value), "value": value}
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
        "created_by": created_by(view.created_by),
        "custom_fields": _custom_fields_out(view.custom_fields),
        "currency_configuration": currency_configuration(contract.currency),
        "attachments": [attachment(a, options.file_url) for a in view.attachments],
    }
    if options.view in ("extended", "items"):
        body["items"] = [requisition_item(line, contract.currency) for line in view.g703_lines]
        body["item_packages"] = _item_packages(view)
    if options.view == "action_policy":
        body["action_policy"] = _action_policy(view, options.actor)
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
    start, separator, finish = text.partition("...")
    if not separator or not start or not finish:
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
        "payment_number": view.payment_number,
        "draw_request_number": view.draw_request_number,
        "invoice_number": view.invoice_number,
        "invoice_date": day(view.invoice_date),
        "notes": view.notes,
        "origin_id": view.origin_id,
        "origin_data": view.origin_data,
        "created_at": instant(view.created_at),
        "updated_at": instant(view.updated_at),
        "created_by": created_by(view.created_by),
        "attachments": [attachment(a, file_url) for a in view.attachments],
        "currency_configuration": currency_configuration(view.currency),
    }
