"""Productive invoices (read-only here): the company's pay applications with what is paid."""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Path, Query, Request
from fastapi.responses import JSONResponse

from drawbridge.api import listing
from drawbridge.api.productive import mapping, schemas
from drawbridge.api.productive.deps import MAX_ID, Context
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
