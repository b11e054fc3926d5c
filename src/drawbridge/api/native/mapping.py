"""View objects as drawbridge's own JSON: snake_case names, ids as integers, money as decimal
strings with two places (``"1250.00"``), percents as decimal strings (``"10"``, ``"7.5"``),
dates ``YYYY-MM-DD`` and times ISO 8601 in UTC. Every figure comes from a view; nothing here
computes money. ``uuid`` is the record's id on the faces that use UUIDs (ACC)."""

from __future__ import annotations

from datetime import date, datetime
from decimal import Decimal
from typing import Any

from drawbridge.domain.billing import LineFigures, Summary
from drawbridge.domain.money import format_cents
from drawbridge.services.imports import ImportReport
from drawbridge.services.views import (
    AttachmentView,
    AuditEventView,
    ChangeOrderItemView,
    ChangeOrderPackageView,
    CompanyView,
    ContractView,
    MemberView,
    PartyView,
    PayAppLineView,
    PayAppView,
    PaymentView,
    PeriodView,
    ProjectView,
    SovLineView,
    TokenView,
    UserView,
)

Json = dict[str, Any]


def money(cents: int) -> str:
    return format_cents(cents)


def percent(value: Decimal) -> str:
    return format(value.normalize(), "f") if value != 0 else "0"


def day(value: date | None) -> str | None:
    return None if value is None else value.isoformat()


def moment(value: datetime | None) -> str | None:
    if value is None:
        return None
    text = value.isoformat()
    return text.replace("+00:00", "Z") if value.tzinfo else text + "Z"


def company(view: CompanyView) -> Json:
    return {
        "id": view.id,
        "name": view.name,
        "base_currency": view.base_currency,
        "prevent_overbilling": view.prevent_overbilling,
        "prevent_overpayment": view.prevent_overpayment,
    }


def user(view: UserView | None) -> Json | None:
    return None if view is None else {"id": view.id, "email": view.email, "name": view.name}


def party(view: PartyView) -> Json:
    return {
        "id": view.id,
        "uuid": view.uuid,
        "code": view.code,
        "name": view.name,
        "kind": view.kind,
        "street": view.street,
        "city": view.city,
        "state_code": view.state_code,
        "zip": view.zip,
        "country_code": view.country_code,
    }


def project(view: ProjectView) -> Json:
    return {
        "id": view.id,
        "uuid": view.uuid,
        "code": view.code,
        "name": view.name,
        "number": view.number,
        "created_at": moment(view.created_at),
    }


def _under(body: Json, owner: str, owner_id: int | None) -> Json:
    """A record listed or created under its owner names the owner; read alone it does not."""
    return body if owner_id is None else {**body, owner: owner_id}


def period(view: PeriodView, project_id: int | None = None) -> Json:
    body = {
        "id": view.id,
        "start_date": day(view.start_date),
        "end_date": day(view.end_date),
        "due_date": day(view.due_date),
    }
    return _under(body, "project_id", project_id)


def contract(view: ContractView) -> Json:
    return {
        "id": view.id,
        "uuid": view.uuid,
        "kind": view.kind,
        "project_id": view.project_id,
        "number": view.number,
        "title": view.title,
        "party_id": view.party.id,
        "party": party(view.party),
        "architect_id": view.architect.id if view.architect else None,
        "contract_date": day(view.contract_date),
        "status": view.status,
        "is_active": view.is_active,
        "currency": view.currency,
        "exchange_rate": format(view.exchange_rate.normalize(), "f"),
        "retainage_method": view.retainage_method,
        "work_retainage_percent": percent(view.work_retainage_percent),
        "materials_retainage_percent": percent(view.materials_retainage_percent),
        "retainage_steps": [dict(step) for step in view.retainage_steps],
        "stored_materials": view.stored_materials,
        "allow_overbilling": view.allow_overbilling,
        "allow_overpayment": view.allow_overpayment,
        "description": view.details.get("description"),
        "created_at": moment(view.created_at),
        "updated_at": moment(view.updated_at),
    }


def sov_line(view: SovLineView, contract_id: int | None = None) -> Json:
    body = {
        "id": view.id,
        "position": view.position,
        "number": view.number,
        "description": view.description,
        "cost_code": view.cost_code,
        "scheduled_value": money(view.scheduled_value),
    }
    return _under(body, "contract_id", contract_id)


def change_order_item(view: ChangeOrderItemView) -> Json:
    return {
        "id": view.id,
        "position": view.position,
        "description": view.description,
        "cost_code": view.cost_code,
        "amount": money(view.amount),
        "sov_line_id": view.sov_line_id,
    }


def change_order(view: ChangeOrderPackageView) -> Json:
    return {
        "id": view.id,
        "uuid": view.uuid,
        "contract_id": view.contract_id,
        "number": view.number,
        "title": view.title,
        "status": view.status,
        "approved_date": day(view.approved_date),
        "amount": money(sum(item.amount for item in view.items)),
        "items": [change_order_item(item) for item in view.items],
        "created_at": moment(view.created_at),
    }


def g702(summary: Summary) -> Json:
    """The application and certificate for payment, lines 1 to 9, with the change-order
    summary and the sums behind it."""
    return {
        "original_contract_sum": money(summary.original_contract_sum),
        "net_change_by_change_orders": money(summary.net_change_by_change_orders),
        "contract_sum_to_date": money(summary.contract_sum_to_date),
        "total_completed_and_stored_to_date": money(summary.total_completed_and_stored_to_date),
        "completed_work_retainage": money(summary.completed_work_retainage_amount),
        "stored_materials_retainage": money(summary.stored_materials_retainage_amount),
        "total_retainage": money(summary.total_retainage),
        "total_earned_less_retainage": money(summary.total_earned_less_retainage),
        "less_previous_certificates_for_payment": money(
            summary.less_previous_certificates_for_payment
        ),
        "current_payment_due": money(summary.current_payment_due),
        "balance_to_finish_including_retainage": money(
            summary.balance_to_finish_including_retainage
        ),
        "percent_complete": percent(summary.percent_complete),
        "change_orders": {
            "previous_additions": money(summary.positive_previous_change_order_item_total),
            "previous_deductions": money(summary.negative_previous_change_order_item_total),
            "this_period_additions": money(summary.positive_new_change_order_item_total),
            "this_period_deductions": money(summary.negative_new_change_order_item_total),
        },
        "work_completed_from_previous_application": money(
            summary.work_completed_from_previous_application
        ),
        "work_completed_this_period": money(summary.work_completed_this_period),
        "materials_presently_stored": money(summary.materials_presently_stored),
        "balance_to_finish": money(summary.balance_to_finish),
        "retainage_retained_this_period": money(summary.retainage_retained_this_period),
        "retainage_released_this_period": money(summary.retainage_released_this_period),
        "work_retainage_percent": percent(summary.work_percent),
        "materials_retainage_percent": percent(summary.materials_percent),
    }


def g703_line(view: PayAppLineView) -> Json:
    figures: LineFigures = view.figures
    return {
        "id": view.id,
        "position": view.position,
        "sov_line_id": view.sov_line.id if view.sov_line else None,
        "change_order_item_id": (view.change_order_item.id if view.change_order_item else None),
        "change_order_id": figures.change_order_package_id,
        "number": view.sov_line.number if view.sov_line else None,
        "description": view.description,
        "cost_code": view.cost_code,
        "scheduled_value": money(figures.scheduled_value),
        "work_completed_from_previous_application": money(
            figures.work_completed_from_previous_application
        ),
        "work_completed_this_period": money(figures.work_completed_this_period),
        "materials_presently_stored": money(figures.materials_presently_stored),
        "total_completed_and_stored_to_date": money(figures.total_completed_and_stored_to_date),
        "percent_complete": percent(figures.percent_complete),
        "balance_to_finish": money(figures.balance_to_finish),
        "retainage": money(
            figures.work_retainage_currently_retained
            + figures.materials_retainage_currently_retained
        ),
        "work_retainage_percent": percent(figures.work_retainage_percent),
        "materials_retainage_percent": percent(figures.materials_retainage_percent),
        "work_retainage_retained_this_period": money(figures.work_retainage_retained_this_period),
        "work_retainage_released_this_period": money(figures.work_retainage_released_this_period),
        "work_retainage_currently_retained": money(figures.work_retainage_currently_retained),
        "materials_retainage_retained_this_period": money(
            figures.materials_retainage_retained_this_period
        ),
        "materials_retainage_released_this_period": money(
            figures.materials_retainage_released_this_period
        ),
        "materials_retainage_currently_retained": money(
            figures.materials_retainage_currently_retained
        ),
        "materials_moved": money(figures.materials_moved),
    }


def pay_application(view: PayAppView) -> Json:
    body: Json = {
        "id": view.id,
        "uuid": view.uuid,
        "number": view.number,
        "contract_id": view.contract.id,
        "project_id": view.project.id,
        "status": view.status.value,
        "period_id": view.period.id if view.period else None,
        "start_date": day(view.start_date),
        "end_date": day(view.end_date),
        "billing_date": day(view.billing_date),
        "due_date": day(view.due_date),
        "submitted_at": day(view.submitted_at),
        "approved_at": moment(view.approved_at),
        "final": view.final,
        "invoice_number": view.invoice_number,
        "description": view.description,
        "note": view.note,
        "is_latest": view.is_latest,
        "deletable": view.deletable,
        "currency": view.contract.currency,
        "g702": g702(view.summary),
        "amount_paid": money(view.payments.amount_paid),
        "amount_unpaid": money(view.payments.amount_unpaid),
        "change_order_ids": sorted(package.id for package in view.packages),
        "attachment_ids": [attachment.id for attachment in view.attachments],
        "created_at": moment(view.created_at),
        "updated_at": moment(view.updated_at),
    }
    if view.lines is not None:
        body["lines"] = [g703_line(line) for line in view.lines]
    return body


def payment(view: PaymentView) -> Json:
    return {
        "id": view.id,
        "uuid": view.uuid,
        "contract_id": view.contract_id,
        "project_id": view.project_id,
        "pay_application_id": view.pay_app_id,
        "amount": money(view.amount),
        "currency": view.currency,
        "payment_date": day(view.payment_date),
        "payment_method": view.payment_method,
        "check_number": view.check_number,
        "payment_number": view.payment_number,
        "invoice_number": view.invoice_number,
        "notes": view.notes,
        "attachment_ids": [attachment.id for attachment in view.attachments],
        "created_at": moment(view.created_at),
        "updated_at": moment(view.updated_at),
    }


def attachment(view: AttachmentView) -> Json:
    return {
        "id": view.id,
        "filename": view.filename,
        "content_type": view.content_type,
        "size": view.size,
        "pay_application_id": view.pay_app_id,
        "payment_id": view.payment_id,
        "created_at": moment(view.created_at),
    }


def audit_event(view: AuditEventView) -> Json:
    return {
        "id": view.id,
        "occurred_at": moment(view.occurred_at),
        "user_id": view.user_id,
        "action": view.action,
        "entity_type": view.entity_type,
        "entity_id": view.entity_id,
        "before": view.before,
        "after": view.after,
    }


def member(view: MemberView) -> Json:
    return {**(user(view.user) or {}), "role": view.role.value}


def token(view: TokenView) -> Json:
    return {
        "id": view.id,
        "user": user(view.user),
        "scopes": list(view.scopes),
        "created_at": moment(view.created_at),
        "expires_at": moment(view.expires_at),
        "oauth_client_id": view.oauth_client_id,
    }


def import_report(report: ImportReport) -> Json:
    return {
        "dry_run": report.dry_run,
        "created": report.count("create"),
        "updated": report.count("update"),
        "unchanged": report.count("unchanged"),
        "changes": [
            {
                "row": change.row,
                "action": change.action,
                "key": change.key,
                "description": change.description,
                "changes": {
                    name: {"before": before, "after": after}
                    for name, (before, after) in change.changes.items()
                },
            }
            for change in report.changes
        ],
        "summary": dict(report.summary),
    }
