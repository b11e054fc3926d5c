"""Productive payments: list, show, create, update, delete. A payment here is the ledger payment
the Procore face lists as a contract payment; it moves its pay application's paid figures on
every face."""

from __future__ import annotations

from collections.abc import Sequence
from typing import Annotated, Any

from fastapi import APIRouter, Path, Query, Request, Response
from fastapi.responses import JSONResponse

from drawbridge.api import listing
from drawbridge.api.productive import mapping, schemas
from drawbridge.api.productive.deps import MAX_ID, Context, JsonApiBody, ProductiveContext
from drawbridge.api.productive.errors import (
    JsonApiResponse,
    ProductiveError,
    error_object,
    invalid_attribute,
)
from drawbridge.api.productive.mapping import Invoice
from drawbridge.domain.errors import NotFound
from drawbridge.services import pay_app_pages, pay_apps, payments
from drawbridge.services.pay_apps import PayAppFilter
from drawbridge.services.payments import PaymentCondition, PaymentFilter, RecordPayment
from drawbridge.services.views import PaymentView

router = APIRouter(
    tags=["Payments"], responses=schemas.ERROR_RESPONSES, default_response_class=JsonApiResponse
)

PaymentId = Annotated[int, Path(ge=1, le=MAX_ID, description="payment id")]
Include = Annotated[
    str | None,
    Query(description=f"comma-separated: {', '.join(mapping.PAYMENT_INCLUDES)}"),
]


@router.get("/payments", responses=schemas.document_responses(schemas.PaymentList))
def list_payments(request: Request, ctx: Context, include: Include = None) -> JSONResponse:
    """Get payments, filtered (filter[...]), sorted (sort), paged (page[...]), with the total."""
    params = request.query_params.multi_items()
    where = listing.parse_filter(params, mapping.PAYMENT_FILTERS)
    order = listing.parse_sort(request.query_params.get("sort"), mapping.PAYMENT_SORTS)
    paths = _includes(include)
    page = listing.parse_page(params)
    listing.parse_aggregates(request.query_params.get("aggregates"), mapping.PAYMENT_AGGREGATES)
    in_database = _in_database(where, order)
    if in_database is not None:
        return _database_page(request, ctx, page, paths, *in_database)

    narrowed = _narrowing(where)
    recorded = payments.list_payments(ctx.runtime.uow(read_only=True), ctx.actor, narrowed).items
    # An invoice's paid date is that of its last payment, also one a narrowed read left out.
    invoices = _invoices_of_page(ctx, recorded)
    on_invoices = [payment for payment in recorded if payment.pay_app_id in invoices]

    def row(payment: PaymentView) -> listing.Row:
        return mapping.payment_row(payment, invoices[payment.pay_app_id or 0])

    chosen = listing.select(on_invoices, row, where, order)
    shown, links, meta = listing.page_of(chosen, page, _url(request), params)
    total_amount = sum(payment.amount for payment in chosen)
    total_in_base = sum(mapping.amount_default(payment) for payment in chosen)
    return _payment_page(shown, invoices, paths, links, meta, total_amount, total_in_base)


# Filters and sorts on a payment's own columns, which the database answers: the list's name
# for each and the ledger column it reads (the same value ``mapping.payment_row`` shows).
DATABASE_FILTERS = {
    "id": "id",
    "invoice_id": "pay_app_id",
    "project_id": "project_id",
    "paid_on": "date",
    "amount": "amount_cents",
}
DATABASE_SORTS = {"amount": "amount_cents", "paid_on": "date", "date": "date"}
DATABASE_OPERATORS = frozenset({"eq", "not_eq", "gt", "gt_eq", "lt", "lt_eq"})


def _in_database(
    where: listing.Group, order: Sequence[tuple[str, bool]]
) -> tuple[PaymentFilter, tuple[tuple[str, bool], ...]] | None:
    """The list's filter and sort as the database's, when every condition (ANDed at the top
    level) and every sort key reads a payment column; None when one needs the in-memory path
    (the invoice's number or client, text filters, ``or`` groups)."""
    if where.op != "and" and len(where.operands) != 1:  # an empty "or" matches nothing
        return None
    conditions = []
    for operand in where.operands:
        if (
            not isinstance(operand, listing.Condition)
            or operand.column not in DATABASE_FILTERS
            or operand.operator not in DATABASE_OPERATORS
        ):
            return None
        conditions.append(
            PaymentCondition(DATABASE_FILTERS[operand.column], operand.operator, operand.values)
        )
    if any(name not in DATABASE_SORTS for name, _ in order):
        return None
    return (
        PaymentFilter(on_pay_app=True, conditions=tuple(conditions)),
        tuple((DATABASE_SORTS[name], descending) for name, descending in order),
    )


def _database_page(
    request: Request,
    ctx: ProductiveContext,
    page: listing.PageRequest,
    paths: frozenset[str],
    against_invoices: PaymentFilter,
    order_by: tuple[tuple[str, bool], ...],
) -> JSONResponse:
    """Payments against invoices filtered, sorted, counted, summed and paged by the database (a
    ledger may hold millions): the common requests, answered with the same document as
    filtering and sorting the whole list in memory gives (ties in id order, as there)."""
    params = request.query_params.multi_items()
    totals = payments.payment_totals(ctx.runtime.uow(read_only=True), ctx.actor, against_invoices)
    # page_of pages a sequence; a range stands for the payments' positions without loading them.
    positions, links, meta = listing.page_of(range(totals.count), page, _url(request), params)
    shown: tuple[PaymentView, ...] = ()
    if positions:
        shown = payments.payment_page(
            ctx.runtime.uow(read_only=True),
            ctx.actor,
            against_invoices,
            offset=positions[0],
            limit=len(positions),
            order_by=order_by,
        )
    invoices = _invoices_of_page(ctx, shown)
    return _payment_page(shown, invoices, paths, links, meta, totals.amount, totals.amount_in_base)


def _payment_page(
    shown: Sequence[PaymentView],
    invoices: dict[int, Any],
    paths: frozenset[str],
    links: dict[str, Any],
    meta: dict[str, Any],
    total_amount: int,
    total_in_base: int,
) -> JSONResponse:
    """A page of payments as a document, with the totals of every payment the list chose."""
    body = {
        "data": [_resource(payment, invoices) for payment in shown],
        "included": mapping.included(
            [invoices[payment.pay_app_id or 0] for payment in shown], paths
        ),
        "links": links,
        "meta": {**meta, "total_amount": total_amount, "total_amount_default": total_in_base},
    }
    return JsonApiResponse(body)


@router.get("/payments/{id}", responses=schemas.document_responses(schemas.PaymentDocument))
def show_payment(ctx: Context, id: PaymentId, include: Include = None) -> JSONResponse:
    """Get a payment."""
    paths = _includes(include)
    payment = _payment(ctx, id)
    return JsonApiResponse(_document(ctx, payment, paths))


@router.post(
    "/payments",
    status_code=201,
    dependencies=[JsonApiBody],
    openapi_extra=schemas.request_body(schemas.PaymentCreate),
    responses=schemas.document_responses(schemas.PaymentDocument, status=201),
)
async def create_payment(request: Request, ctx: Context, include: Include = None) -> JSONResponse:
    """Create a payment on an invoice (relationships.invoice, or attributes.invoice_id)."""
    paths = _includes(include)
    given = mapping.read_payment_document(await request.body(), creating=True)
    assert given.invoice_id is not None  # read_payment_document reports it blank otherwise
    invoice = _invoice(ctx, given.invoice_id)
    _check_currency(given.currency, invoice.pay_app.contract.currency)
    created = payments.record_payment(
        ctx.runtime.uow(),
        ctx.actor,
        RecordPayment(
            contract_id=invoice.pay_app.contract.id,
            project_id=invoice.pay_app.project.id,
            values=given.values,
        ),
    )
    location = str(request.url_for("show_payment", id=created.id))
    return JsonApiResponse(
        _document(ctx, created, paths), status_code=201, headers={"Location": location}
    )


@router.patch(
    "/payments/{id}",
    dependencies=[JsonApiBody],
    openapi_extra=schemas.request_body(schemas.PaymentUpdate),
    responses=schemas.document_responses(schemas.PaymentDocument),
)
async def update_payment(
    request: Request, ctx: Context, id: PaymentId, include: Include = None
) -> JSONResponse:
    """Update a payment's amount, dates, note, external id or invoice."""
    paths = _includes(include)
    given = mapping.read_payment_document(await request.body(), creating=False, payment_id=id)
    payment = _payment(ctx, id)
    _check_currency(given.currency, payment.currency)
    if given.values:
        payment = payments.update_payment(ctx.runtime.uow(), ctx.actor, id, given.values)
    return JsonApiResponse(_document(ctx, payment, paths))


@router.delete(
    "/payments/{id}",
    status_code=204,
    response_class=Response,
    responses={204: {"description": "Deleted"}},
)
def delete_payment(ctx: Context, id: PaymentId) -> Response:
    """Delete a payment."""
    _payment(ctx, id)
    payments.delete_payment(ctx.runtime.uow(), ctx.actor, id)
    return Response(status_code=204)


# -- helpers ---------------------------------------------------------------------------------


def _includes(text: str | None) -> frozenset[str]:
    """Include paths relative to the invoice ("" is the invoice itself)."""
    paths = listing.parse_include(text, mapping.PAYMENT_INCLUDES)
    chosen = mapping.PAYMENT_DEFAULT_INCLUDES if paths is None else paths
    relative = {path.removeprefix("invoice").removeprefix(".") for path in chosen}
    return frozenset(relative | ({""} if relative else set()))


def _url(request: Request) -> str:
    return str(request.url.replace(query=""))


def _payment(ctx: ProductiveContext, payment_id: int) -> PaymentView:
    """The payment, if it is against an invoice (a payment on account is not one here)."""
    payment = payments.get_payment(ctx.runtime.uow(read_only=True), ctx.actor, payment_id)
    if payment.pay_app_id is None:
        raise NotFound(f"no payment {payment_id}")
    return payment


def _invoice(ctx: ProductiveContext, invoice_id: int) -> Invoice:
    try:
        view = pay_apps.get_pay_app(
            ctx.runtime.uow(read_only=True), ctx.actor, invoice_id, with_lines=False
        )
    except NotFound:
        raise ProductiveError(
            404,
            [
                error_object(
                    404, f"Invoice {invoice_id} was not found", pointer="data/relationships/invoice"
                )
            ],
        ) from None
    recorded = payments.list_payments(
        ctx.runtime.uow(read_only=True), ctx.actor, PaymentFilter(pay_app_id=invoice_id)
    ).items
    return Invoice.of(view, recorded)


def _narrowing(where: listing.Group) -> PaymentFilter:
    """What the database can narrow a filtered list to before the filter runs in memory: the
    payments of the one project, the invoices or the ids an ``and`` of the filter names at its
    top level. Every payment left unread fails that condition, so fails the filter; the whole
    filter still decides on the rest."""
    if where.op != "and":
        return PaymentFilter()
    project_id: int | None = None
    pay_app_ids: list[int] | None = None
    ids: list[int] | None = None
    for operand in where.operands:
        if not isinstance(operand, listing.Condition) or operand.operator != "eq":
            continue
        values = [value for value in operand.values if isinstance(value, int)]
        if operand.column == "project_id" and len(values) == 1 and project_id is None:
            project_id = values[0]
        elif operand.column == "invoice_id" and pay_app_ids is None:
            pay_app_ids = values
        elif operand.column == "id" and ids is None:
            ids = values
    return PaymentFilter(project_id=project_id, pay_app_ids=pay_app_ids, ids=ids)


def _invoices_of_page(ctx: ProductiveContext, shown: Sequence[PaymentView]) -> dict[int, Invoice]:
    """The invoices of a page of payments, each with the date of its last payment (read by the
    database, not by loading every payment of the invoices)."""
    ids = sorted({payment.pay_app_id for payment in shown if payment.pay_app_id is not None})
    if not ids:
        return {}
    page = pay_app_pages.placed_page(
        ctx.runtime.uow(read_only=True), ctx.actor, PayAppFilter(ids=ids)
    )
    last = page.last_payment_dates
    return {view.id: Invoice(view, last.get(view.id)) for view in page.items}


def _resource(payment: PaymentView, invoices: dict[int, Invoice]) -> dict[str, Any]:
    invoice = invoices[payment.pay_app_id or 0]
    return mapping.payment_resource(payment, invoice.pay_app.company.base_currency)


def _document(ctx: ProductiveContext, payment: PaymentView, paths: frozenset[str]) -> Any:
    assert payment.pay_app_id is not None
    invoice = _invoice(ctx, payment.pay_app_id)
    return {
        "data": mapping.payment_resource(payment, invoice.pay_app.company.base_currency),
        "included": mapping.included([invoice], paths),
    }


def _check_currency(given: str | None, expected: str) -> None:
    if given is not None and given != expected:
        raise ProductiveError(
            422, [invalid_attribute("currency", f"must be the invoice currency, {expected}")]
        )
