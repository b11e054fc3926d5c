"""Productive invoices (read-only here): the company's pay applications with what is paid."""

from __future__ import annotations

from collections.abc import Sequence
from typing import Annotated

from fastapi import APIRouter, Path, Query, Request
from fastapi.responses import JSONResponse

from drawbridge.api import listing
from drawbridge.api.productive import mapping, schemas
from drawbridge.api.productive.deps import MAX_ID, Context, ProductiveContext
from drawbridge.api.productive.errors import JsonApiResponse
from drawbridge.services import pay_app_pages, pay_apps, payments
from drawbridge.services.pay_apps import PayAppFilter
from drawbridge.services.payments import PaymentFilter

router = APIRouter(
    tags=["Invoices"], responses=schemas.ERROR_RESPONSES, default_response_class=JsonApiResponse
)

InvoiceId = Annotated[int, Path(ge=1, le=MAX_ID, description="invoice (pay application) id")]
Include = Annotated[
    str | None,
    Query(description=f"comma-separated: {', '.join(mapping.INVOICE_INCLUDES)}"),
]


@router.get("/invoices", responses=schemas.document_responses(schemas.InvoiceList))
def list_invoices(request: Request, ctx: Context, include: Include = None) -> JSONResponse:
    """Get invoices (pay applications), filtered, sorted and paged, with totals."""
    params = request.query_params.multi_items()
    where = listing.parse_filter(params, mapping.INVOICE_FILTERS)
    order = listing.parse_sort(request.query_params.get("sort"), mapping.INVOICE_SORTS)
    paths = _includes(include)
    page = listing.parse_page(params)
    listing.parse_aggregates(request.query_params.get("aggregates"), mapping.INVOICE_AGGREGATES)
    in_database = _in_database(where, order)
    if in_database is not None:
        return _database_page(request, ctx, page, paths, *in_database)

    views = pay_apps.list_pay_apps(ctx.runtime.uow(read_only=True), ctx.actor, PayAppFilter()).items
    # An invoice needs of its payments only the date of the last: read by the database rather
    # than every payment of the company.
    last = pay_app_pages.last_payment_dates(
        ctx.runtime.uow(read_only=True), ctx.actor, [view.id for view in views]
    )
    invoices = [mapping.Invoice(view, last.get(view.id)) for view in views]
    chosen = listing.select(invoices, mapping.invoice_row, where, order)
    shown, links, meta = listing.page_of(chosen, page, str(request.url.replace(query="")), params)
    body = {
        "data": [mapping.invoice_resource(invoice) for invoice in shown],
        "included": mapping.included(shown, paths),
        "links": links,
        "meta": {
            **meta,
            "total_amount": sum(inv.pay_app.summary.current_payment_due for inv in chosen),
            "total_amount_paid": sum(inv.pay_app.payments.amount_paid for inv in chosen),
            "total_amount_unpaid": sum(inv.pay_app.payments.amount_unpaid for inv in chosen),
        },
    }
    return JsonApiResponse(body)


# Sorts on a pay application's own columns, which the database answers: the list's name for each
# and the key it reads (the value ``mapping.invoice_row`` shows; an invoice's date is its billing
# date, or the end of its period).
DATABASE_SORTS = {
    "amount": "current_payment_due_cents",
    "pay_on": "due_date",
    "invoiced_on": "invoiced_on",
    "date": "invoiced_on",
}


def _in_database(
    where: listing.Group, order: Sequence[tuple[str, bool]]
) -> tuple[PayAppFilter, tuple[tuple[str, bool], ...]] | None:
    """The list's filter and sort as the database's, when every condition (ANDed at the top
    level) is an ``eq`` on invoice ids or one project and every sort key reads a pay
    application column; None when one needs the in-memory path (what payments decide: the
    amounts paid and unpaid, the paid date; the client, texts, ``or`` groups)."""
    if where.op != "and" and len(where.operands) != 1:  # an empty "or" matches nothing
        return None
    ids: set[int] | None = None
    project_id: int | None = None
    for operand in where.operands:
        if not isinstance(operand, listing.Condition) or operand.operator != "eq":
            return None
        values = {value for value in operand.values if type(value) is int}
        if len(values) != len(set(operand.values)):
            return None
        if operand.column == "id":  # filter[id] and filter[invoice_id]: both must hold
            ids = values if ids is None else ids & values
        elif operand.column == "project_id" and len(values) == 1 and project_id is None:
            project_id = next(iter(values))
        else:
            return None
    if any(name not in DATABASE_SORTS for name, _ in order):
        return None
    return (
        PayAppFilter(project_id=project_id, ids=None if ids is None else sorted(ids)),
        tuple((DATABASE_SORTS[name], descending) for name, descending in order),
    )


def _database_page(
    request: Request,
    ctx: ProductiveContext,
    page: listing.PageRequest,
    paths: frozenset[str],
    where: PayAppFilter,
    order_by: tuple[tuple[str, bool], ...],
) -> JSONResponse:
    """Invoices filtered, sorted, counted, summed and paged by the database (a company may have
    a hundred thousand): the same document as filtering and sorting every invoice in memory
    gives, ties in id order as there."""
    params = request.query_params.multi_items()
    totals = pay_app_pages.pay_app_totals(ctx.runtime.uow(read_only=True), ctx.actor, where)
    # page_of pages a sequence; a range stands for the invoices' positions without loading them.
    positions, links, meta = listing.page_of(
        range(totals.count), page, str(request.url.replace(query="")), params
    )
    shown: list[mapping.Invoice] = []
    if positions:
        # The page and its last payment dates in one read, sorted as in memory (nulls last).
        placed = pay_app_pages.placed_page(
            ctx.runtime.uow(read_only=True),
            ctx.actor,
            where,
            order_by=order_by,
            offset=positions[0],
            limit=len(positions),
            nulls_last=True,
        )
        last = placed.last_payment_dates
        shown = [mapping.Invoice(view, last.get(view.id)) for view in placed.items]
    body = {
        "data": [mapping.invoice_resource(invoice) for invoice in shown],
        "included": mapping.included(shown, paths),
        "links": links,
        "meta": {
            **meta,
            "total_amount": totals.amount_due,
            "total_amount_paid": totals.amount_paid,
            "total_amount_unpaid": totals.amount_unpaid,
        },
    }
    return JsonApiResponse(body)


@router.get("/invoices/{id}", responses=schemas.document_responses(schemas.InvoiceDocument))
def show_invoice(ctx: Context, id: InvoiceId, include: Include = None) -> JSONResponse:
    """Get an invoice (a pay application) with what is paid on it."""
    paths = _includes(include)
    view = pay_apps.get_pay_app(ctx.runtime.uow(read_only=True), ctx.actor, id, with_lines=False)
    recorded = payments.list_payments(
        ctx.runtime.uow(read_only=True), ctx.actor, PaymentFilter(pay_app_id=id)
    ).items
    invoice = mapping.Invoice.of(view, recorded)
    return JsonApiResponse(
        {"data": mapping.invoice_resource(invoice), "included": mapping.included([invoice], paths)}
    )


def _includes(text: str | None) -> frozenset[str]:
    paths = listing.parse_include(text, mapping.INVOICE_INCLUDES)
    return mapping.INVOICE_DEFAULT_INCLUDES if paths is None else paths
