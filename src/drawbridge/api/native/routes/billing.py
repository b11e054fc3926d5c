"""Pay applications (the G702 and its G703 lines) and payments."""

from __future__ import annotations

from typing import Any

from fastapi import APIRouter, Response

from drawbridge.api.listing import FilterField
from drawbridge.api.native import mapping
from drawbridge.api.native.deps import (
    Caller,
    Context,
    IdempotencyKey,
    IfMatch,
    check_if_match,
    created,
    read,
)
from drawbridge.api.native.errors import PROBLEM_RESPONSES
from drawbridge.api.native.lists import PAGED, list_parameters, respond_list
from drawbridge.api.native.responses import (
    Page,
    PayApplicationOut,
    PaymentOut,
    ok,
)
from drawbridge.api.native.routes import documents
from drawbridge.api.native.schemas import (
    LineWork,
    PayAppCreate,
    PayAppUpdate,
    PaymentCreate,
    PaymentUpdate,
)
from drawbridge.api.validation import Id
from drawbridge.domain.billing import LineKind, LineRef
from drawbridge.domain.errors import Invalid
from drawbridge.domain.rules import PayAppStatus
from drawbridge.services import contracts, pay_apps, payments
from drawbridge.services.idempotency import UnitOfWork
from drawbridge.services.pay_apps import CreatePayApp, LineInput, PayAppFilter, UpdatePayApp
from drawbridge.services.payments import PaymentFilter, RecordPayment
from drawbridge.services.views import PayAppView, PaymentView

router = APIRouter(responses=PROBLEM_RESPONSES)

PAY_APP_FILTERS = {
    "contract_id": FilterField("integer"),
    "project_id": FilterField("integer"),
    "number": FilterField("integer"),
    "status": FilterField("text"),
    "period_id": FilterField("integer"),
    "end_date": FilterField("date"),
    "billing_date": FilterField("date"),
}
PAY_APP_SORTS = ("id", "number", "contract_id", "end_date", "billing_date", "created_at")
PAYMENT_FILTERS = {
    "contract_id": FilterField("integer"),
    "project_id": FilterField("integer"),
    "pay_application_id": FilterField("integer"),
    "payment_date": FilterField("date"),
    "amount": FilterField("integer"),
    "check_number": FilterField("text"),
    "payment_method": FilterField("text"),
}
PAYMENT_SORTS = ("id", "payment_date", "amount", "contract_id", "created_at")
HEADER = (
    "period_id",
    "start_date",
    "end_date",
    "billing_date",
    "due_date",
    "invoice_number",
    "description",
    "note",
    "final",
)
# The status each action moves a pay application to.
ACTIONS = {
    "submit": PayAppStatus.UNDER_REVIEW,
    "approve": PayAppStatus.APPROVED,
    "revise": PayAppStatus.REVISE_AND_RESUBMIT,
}


# -- pay applications -----------------------------------------------------------------------------


def _pay_app_row(view: PayAppView) -> dict[str, object]:
    return {
        "id": view.id,
        "contract_id": view.contract.id,
        "project_id": view.project.id,
        "number": view.number,
        "status": view.status.value,
        "period_id": view.period.id if view.period else None,
        "end_date": view.end_date,
        "billing_date": view.billing_date,
        "created_at": view.created_at.date(),
    }


def _line_inputs(lines: list[LineWork]) -> list[LineInput]:
    inputs = []
    for index, line in enumerate(lines):
        if (line.sov_line_id is None) == (line.change_order_item_id is None):
            raise Invalid(
                f"lines/{index}: name either sov_line_id or change_order_item_id",
                field=f"lines/{index}/sov_line_id",
            )
        ref = (
            LineRef(LineKind.SOV, line.sov_line_id)
            if line.sov_line_id is not None
            else LineRef(LineKind.CHANGE_ORDER, line.change_order_item_id or 0)
        )
        inputs.append(
            LineInput(
                ref=ref,
                work_completed_this_period=line.work_completed_this_period,
                materials_presently_stored=line.materials_presently_stored,
                work_retainage_percent=line.work_retainage_percent,
                materials_retainage_percent=line.materials_retainage_percent,
                work_retainage_released=line.work_retainage_released,
                materials_retainage_released=line.materials_retainage_released,
            )
        )
    return inputs


def _header(body: PayAppCreate | PayAppUpdate) -> dict[str, Any]:
    given = body.model_dump(exclude_unset=True)
    return {name: given[name] for name in HEADER if name in given}


def _list_pay_apps(ctx: Caller, where: PayAppFilter) -> Response:
    page = pay_apps.list_pay_apps(ctx.reader(), ctx.actor, where)
    return respond_list(
        ctx.request,
        page.items,
        _pay_app_row,
        PAY_APP_FILTERS,
        PAY_APP_SORTS,
        mapping.pay_application,
    )


@router.get(
    "/pay-applications",
    responses=ok(Page[PayApplicationOut]),
    tags=["pay applications"],
    summary="The company's pay applications with their G702 figures (lines: read one)",
    description=list_parameters(PAY_APP_FILTERS, PAY_APP_SORTS),
    dependencies=PAGED,
)
def list_pay_applications(ctx: Context) -> Response:
    return _list_pay_apps(ctx, PayAppFilter())


@router.get(
    "/contracts/{contract_id}/pay-applications",
    responses=ok(Page[PayApplicationOut]),
    tags=["pay applications"],
    summary="A contract's pay applications",
    description=list_parameters(PAY_APP_FILTERS, PAY_APP_SORTS),
    dependencies=PAGED,
)
def list_contract_pay_applications(contract_id: Id, ctx: Context) -> Response:
    contracts.get_contract(ctx.reader(), ctx.actor, contract_id)  # 404 for another company's
    return _list_pay_apps(ctx, PayAppFilter(contract_ids=[contract_id]))


@router.post(
    "/contracts/{contract_id}/pay-applications",
    responses=ok(PayApplicationOut, 201),
    tags=["pay applications"],
    status_code=201,
    summary="Create the contract's next pay application, with this period's work",
)
def create_pay_application(
    contract_id: Id, body: PayAppCreate, ctx: Context, key: IdempotencyKey = None
) -> Response:
    command = CreatePayApp(
        contract_id=contract_id,
        header=_header(body),
        lines=_line_inputs(body.lines),
        attachment_ids=body.attachment_ids,
    )

    def create(uow: UnitOfWork) -> PayAppView:
        return pay_apps.create_pay_app(uow, ctx.actor, command)

    hashed = {"contract_id": contract_id, **body.model_dump(mode="json", exclude_unset=True)}
    return created(ctx, key, "pay-applications", hashed, create, mapping.pay_application)


def _pay_app_json(ctx: Caller, pay_app_id: int) -> dict[str, Any]:
    view = pay_apps.get_pay_app(ctx.reader(), ctx.actor, pay_app_id, with_lines=True)
    return mapping.pay_application(view)


@router.get(
    "/pay-applications/{pay_application_id}",
    tags=["pay applications"],
    summary="One pay application: its G702 figures and G703 lines (or, with Accept: "
    "application/pdf, the XLSX media type or text/csv, the document)",
    responses={
        200: {
            "model": PayApplicationOut,
            "description": "The pay application, or the document Accept asked for",
            "content": {
                documents.PDF: {"schema": {"type": "string", "format": "binary"}},
                documents.XLSX: {"schema": {"type": "string", "format": "binary"}},
                "text/csv": {"schema": {"type": "string"}},
            },
        }
    },
)
def get_pay_application(pay_application_id: Id, ctx: Context) -> Response:
    kind = documents.wanted_format(ctx.request.headers.get("accept"))
    if kind is not None:
        return documents.pay_app_download(ctx, pay_application_id, kind)
    return read(_pay_app_json(ctx, pay_application_id), ctx.request)


@router.patch(
    "/pay-applications/{pay_application_id}",
    responses=ok(PayApplicationOut),
    tags=["pay applications"],
    summary="Enter work, stored materials, retainage rates and releases; change the header or "
    "status",
)
def update_pay_application(
    pay_application_id: Id, body: PayAppUpdate, ctx: Context, if_match: IfMatch = None
) -> Response:
    check_if_match(if_match, _pay_app_json(ctx, pay_application_id))
    command = UpdatePayApp(
        pay_app_id=pay_application_id,
        status=PayAppStatus(body.status) if body.status is not None else None,
        header=_header(body),
        lines=_line_inputs(body.lines),
        attachment_ids=body.attachment_ids,
    )
    view = pay_apps.update_pay_app(ctx.uow(), ctx.actor, command)
    return read(mapping.pay_application(view), ctx.request)


def _action(name: str, description: str) -> None:
    status = ACTIONS[name]

    @router.post(
        f"/pay-applications/{{pay_application_id}}/{name}",
        tags=["pay applications"],
        summary=description,
        name=f"{name}_pay_application",
    )
    def act(pay_application_id: Id, ctx: Context, key: IdempotencyKey = None) -> Response:
        command = UpdatePayApp(pay_app_id=pay_application_id, status=status)

        def change(uow: UnitOfWork) -> PayAppView:
            return pay_apps.update_pay_app(uow, ctx.actor, command)

        hashed = {"pay_application_id": pay_application_id, "action": name}
        return created(
            ctx, key, f"pay-applications:{name}", hashed, change, mapping.pay_application, 200
        )


_action("submit", "Submit for review (status under_review)")
_action("approve", "Approve (status approved; admins)")
_action("revise", "Send back to revise and resubmit (admins)")


@router.delete(
    "/pay-applications/{pay_application_id}",
    tags=["pay applications"],
    status_code=204,
    summary="Delete the contract's latest pay application while still in draft or review, "
    "without payments",
)
def delete_pay_application(
    pay_application_id: Id, ctx: Context, if_match: IfMatch = None
) -> Response:
    check_if_match(if_match, _pay_app_json(ctx, pay_application_id))
    pay_apps.delete_pay_app(ctx.uow(), ctx.actor, pay_application_id, None)
    return Response(status_code=204)


# -- payments -------------------------------------------------------------------------------------


def _payment_row(view: PaymentView) -> dict[str, object]:
    return {
        "id": view.id,
        "contract_id": view.contract_id,
        "project_id": view.project_id,
        "pay_application_id": view.pay_app_id,
        "payment_date": view.payment_date,
        "amount": view.amount,
        "check_number": view.check_number,
        "payment_method": view.payment_method,
        "created_at": view.created_at.date(),
    }


PAYMENT_VALUES = {
    "pay_application_id": "pay_app_id",
    "amount": "amount_cents",
    "payment_date": "payment_date",
    "payment_method": "payment_method",
    "check_number": "check_number",
    "payment_number": "payment_number",
    "invoice_number": "invoice_number",
    "notes": "notes",
}


def _payment_values(body: PaymentCreate | PaymentUpdate) -> dict[str, Any]:
    given = body.model_dump(exclude_unset=True)
    return {column: given[name] for name, column in PAYMENT_VALUES.items() if name in given}


@router.get(
    "/payments",
    responses=ok(Page[PaymentOut]),
    tags=["payments"],
    summary="Payments received (or made) against contracts and their pay applications",
    description=list_parameters(PAYMENT_FILTERS, PAYMENT_SORTS)
    + " Money filters are in cents (filter[amount][gt]=100000).",
    dependencies=PAGED,
)
def list_payments(ctx: Context) -> Response:
    page = payments.list_payments(ctx.reader(), ctx.actor, PaymentFilter())
    return respond_list(
        ctx.request, page.items, _payment_row, PAYMENT_FILTERS, PAYMENT_SORTS, mapping.payment
    )


@router.post(
    "/payments",
    responses=ok(PaymentOut, 201),
    tags=["payments"],
    status_code=201,
    summary="Record a payment",
)
def record_payment(body: PaymentCreate, ctx: Context, key: IdempotencyKey = None) -> Response:
    command = RecordPayment(
        contract_id=body.contract_id,
        values=_payment_values(body),
        attachment_ids=body.attachment_ids,
    )

    def create(uow: UnitOfWork) -> PaymentView:
        return payments.record_payment(uow, ctx.actor, command)

    hashed = body.model_dump(mode="json", exclude_unset=True)
    return created(ctx, key, "payments", hashed, create, mapping.payment)


def _payment_json(ctx: Caller, payment_id: int) -> dict[str, Any]:
    return mapping.payment(payments.get_payment(ctx.reader(), ctx.actor, payment_id))


@router.get(
    "/payments/{payment_id}", responses=ok(PaymentOut), tags=["payments"], summary="One payment"
)
def get_payment(payment_id: Id, ctx: Context) -> Response:
    return read(_payment_json(ctx, payment_id), ctx.request)


@router.patch(
    "/payments/{payment_id}",
    responses=ok(PaymentOut),
    tags=["payments"],
    summary="Change a payment",
)
def update_payment(
    payment_id: Id, body: PaymentUpdate, ctx: Context, if_match: IfMatch = None
) -> Response:
    check_if_match(if_match, _payment_json(ctx, payment_id))
    view = payments.update_payment(
        ctx.uow(),
        ctx.actor,
        payment_id,
        _payment_values(body),
        attachment_ids=body.attachment_ids,
    )
    return read(mapping.payment(view), ctx.request)


@router.delete(
    "/payments/{payment_id}", tags=["payments"], status_code=204, summary="Delete a payment"
)
def delete_payment(payment_id: Id, ctx: Context, if_match: IfMatch = None) -> Response:
    check_if_match(if_match, _payment_json(ctx, payment_id))
    payments.delete_payment(ctx.uow(), ctx.actor, payment_id)
    return Response(status_code=204)
