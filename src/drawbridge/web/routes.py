"""The pages: sign-in, projects, a project's contracts, a contract, a pay application.

Each handler reads the session (401 -> the sign-in page), checks the CSRF token on a POST, calls
one service and answers with a page, or after a write with a redirect to the page that shows its
result (so reloading never posts twice). A service's refusal shows the same page again with the
message, naming the field, and nothing changed.
"""

from __future__ import annotations

from collections.abc import AsyncIterator, Callable, Sequence
from dataclasses import dataclass
from typing import Annotated, Any
from urllib.parse import quote

from fastapi import Depends, FastAPI, Request
from fastapi.responses import HTMLResponse, JSONResponse, RedirectResponse, Response
from fastapi.templating import Jinja2Templates
from starlette.datastructures import FormData

from drawbridge.domain.billing import is_overbilled
from drawbridge.domain.errors import Invalid, LedgerError, NotFound
from drawbridge.domain.rules import PayAppStatus
from drawbridge.exports.pdf import pay_app_pdf as pay_app_pdf_bytes
from drawbridge.exports.spreadsheets import pay_app_xlsx as pay_app_xlsx_bytes
from drawbridge.services import (
    attachments,
    audit,
    change_orders,
    discovery,
    documents,
    pay_apps,
    payments,
    web_sessions,
)
from drawbridge.services.pay_apps import CreatePayApp, LineInput, PayAppFilter, UpdatePayApp
from drawbridge.services.payments import PaymentFilter, RecordPayment
from drawbridge.services.views import PayAppPreview, PayAppView
from drawbridge.services.web_sessions import SignedIn
from drawbridge.web import chart, forms
from drawbridge.web import format as fmt
from drawbridge.web.errors import http_status
from drawbridge.web.session import (
    CSRF_FIELD,
    check_csrf,
    check_sign_in_csrf,
    clear_session_cookie,
    current,
    remember_sign_in_csrf,
    runtime_of,
    set_session_cookie,
    sign_in_csrf,
)

# The status each review button sets.
STATUS_BUTTONS = {
    "submit": PayAppStatus.UNDER_REVIEW,
    "approve": PayAppStatus.APPROVED,
    "approve_as_noted": PayAppStatus.APPROVED_AS_NOTED,
    "revise_and_resubmit": PayAppStatus.REVISE_AND_RESUBMIT,
}
DONE_MESSAGES = {
    "saved": "Saved.",
    "submit": "Submitted for review.",
    "approve": "Approved.",
    "approve_as_noted": "Approved as noted.",
    "revise_and_resubmit": "Returned to be revised and resubmitted.",
    "payment": "Payment recorded.",
    "attached": "File attached.",
    "change_order": "Change order created.",
    "change_order_status": "Change order moved.",
    "created": "Pay application created.",
    "deleted": "Pay application deleted.",
    "company": "Switched company.",
}
CHANGE_ORDER_ITEM_ROWS = 3


async def _posted_form(request: Request) -> AsyncIterator[FormData]:
    """The posted form, read before the handler runs; uploaded files are closed after it, so
    the handlers are plain functions that FastAPI runs off the event loop (they use the
    database)."""
    async with request.form() as form:
        yield form


PostedForm = Annotated[FormData, Depends(_posted_form)]


@dataclass
class PageError:
    message: str
    field: str | None
    form: str  # which form on the page it belongs to


def install_routes(face: FastAPI, templates: Jinja2Templates) -> None:
    def page(
        request: Request,
        name: str,
        context: dict[str, Any],
        signed: SignedIn | None,
        *,
        status: int = 200,
    ) -> HTMLResponse:
        done = request.query_params.get("done", "")
        return templates.TemplateResponse(
            request,
            name,
            {
                "base": _base(request),
                "signed": signed,
                "csrf_field": CSRF_FIELD,
                "done": DONE_MESSAGES.get(done),
                "error": None,
                **context,
            },
            status_code=status,
        )

    def uow(request: Request, *, read_only: bool = True) -> Any:
        return runtime_of(request).uow(read_only=read_only)

    # -- signing in and out ------------------------------------------------------------------

    @face.get("/", include_in_schema=False)
    def home(request: Request) -> RedirectResponse:
        return RedirectResponse(f"{_base(request)}/projects", status_code=303)

    @face.get("/sign-in", include_in_schema=False)
    def sign_in_page(request: Request) -> HTMLResponse:
        token = sign_in_csrf(request)
        response = page(
            request, "sign_in.html", {"email": "", "next": _next(request), "csrf": token}, None
        )
        remember_sign_in_csrf(request, response, token)
        return response

    @face.post("/sign-in", include_in_schema=False)
    def sign_in(request: Request, form: PostedForm) -> Response:
        email = forms.text(form, "email")
        target = _safe_next(request, forms.text(form, "next"))
        try:
            check_sign_in_csrf(request, form)
            issued = web_sessions.sign_in(
                runtime_of(request).uow(), email, str(form.get("password") or "")
            )
        except LedgerError as error:
            token = sign_in_csrf(request)
            refused = page(
                request,
                "sign_in.html",
                {
                    "email": email,
                    "next": target,
                    "csrf": token,
                    "error": PageError(error.message, error.field, "sign_in"),
                },
                None,
                status=http_status(error),
            )
            remember_sign_in_csrf(request, refused, token)
            return refused
        response = RedirectResponse(target, status_code=303)
        set_session_cookie(request, response, issued.token, issued.expires_at)
        return response

    @face.post("/sign-out", include_in_schema=False)
    def sign_out(request: Request, form: PostedForm) -> Response:
        signed = current(request)
        check_csrf(signed, form)
        web_sessions.sign_out(runtime_of(request).uow(), request.cookies.get("drawbridge_session"))
        response = RedirectResponse(f"{_base(request)}/sign-in", status_code=303)
        clear_session_cookie(request, response)
        return response

    @face.post("/company", include_in_schema=False)
    def switch_company(request: Request, form: PostedForm) -> Response:
        signed = current(request)
        check_csrf(signed, form)
        chosen = forms.text(form, "company_id", required=True, label="company")
        if not chosen.isdigit():
            raise Invalid("company_id: choose one of your companies", field="company_id")
        web_sessions.switch_company(
            runtime_of(request).uow(), request.cookies.get("drawbridge_session"), int(chosen)
        )
        return RedirectResponse(f"{_base(request)}/projects?done=company", status_code=303)

    # -- projects and contracts ----------------------------------------------------------------

    @face.get("/projects", include_in_schema=False)
    def projects(request: Request) -> HTMLResponse:
        signed = current(request)
        company, rows = discovery.projects_of(uow(request), signed.actor)
        return page(request, "projects.html", {"company": company, "projects": rows}, signed)

    @face.get("/projects/{project_id}", include_in_schema=False)
    def project(request: Request, project_id: int) -> HTMLResponse:
        signed = current(request)
        sheets = discovery.contract_sheets(uow(request), signed.actor, project_id)
        _company, all_projects = discovery.projects_of(uow(request), signed.actor)
        chosen = next(p for p in all_projects if p.id == project_id)
        apps = pay_apps.list_pay_apps(
            uow(request), signed.actor, PayAppFilter(project_id=project_id)
        ).items
        latest: dict[int, PayAppView] = {}
        for view in sorted(apps, key=lambda app: app.number):
            latest[view.contract.id] = view
        return page(
            request,
            "project.html",
            {"project": chosen, "sheets": sheets, "latest": latest},
            signed,
        )

    def contract_page(
        request: Request,
        signed: SignedIn,
        contract_id: int,
        *,
        error: PageError | None = None,
        status: int = 200,
        form: FormData | None = None,
    ) -> HTMLResponse:
        sheet = discovery.contract_lines(uow(request), signed.actor, contract_id)
        _contract, packages = discovery.change_order_packages(
            uow(request), signed.actor, contract_id
        )
        apps = pay_apps.list_pay_apps(
            uow(request),
            signed.actor,
            PayAppFilter(contract_ids=[contract_id]),
            order_by=(("number", False),),
        ).items
        paid = payments.list_payments(
            uow(request), signed.actor, PaymentFilter(contract_id=contract_id)
        ).items
        points = chart.month_points(apps)
        return page(
            request,
            "contract.html",
            {
                "sheet": sheet,
                "contract": sheet.contract,
                "packages": packages,
                "pay_apps": apps,
                "payments": paid,
                "app_numbers": {app.id: app.number for app in apps},
                "chart": chart.svg(points, f"Scheduled and billed: {sheet.contract.number}"),
                "error": error,
                "form": form or {},
                "item_rows": range(1, CHANGE_ORDER_ITEM_ROWS + 1),
                "package_statuses": change_orders.STATUSES,
                "can_write": not signed.read_only,
                "sov_lines": sheet.lines,
            },
            signed,
            status=status,
        )

    @face.get("/contracts/{contract_id}", include_in_schema=False)
    def contract(request: Request, contract_id: int) -> HTMLResponse:
        return contract_page(request, current(request), contract_id)

    def form_write(
        request: Request,
        form: FormData,
        form_name: str,
        write: Callable[[SignedIn, FormData], str],
        show_again: Callable[[SignedIn, PageError, int], HTMLResponse],
    ) -> Response:
        """A form posted from a page: run it and go where it says, or show the page again with
        the error next to the form."""
        signed = current(request)
        try:
            check_csrf(signed, form)
            target = write(signed, form)
        except LedgerError as error:
            problem = PageError(error.message, error.field, form_name)
            return show_again(signed, problem, http_status(error))
        return RedirectResponse(target, status_code=303)

    def contract_write(
        request: Request,
        form: FormData,
        contract_id: int,
        form_name: str,
        write: Callable[[SignedIn, FormData], str],
    ) -> Response:
        """A form on the contract page."""

        def show_again(signed: SignedIn, error: PageError, status: int) -> HTMLResponse:
            return contract_page(
                request, signed, contract_id, error=error, status=status, form=form
            )

        return form_write(request, form, form_name, write, show_again)

    @face.post("/contracts/{contract_id}/change-orders", include_in_schema=False)
    def create_change_order(request: Request, contract_id: int, form: PostedForm) -> Response:
        def write(signed: SignedIn, form: FormData) -> str:
            items = _change_order_items(form)
            change_orders.create_package(
                uow(request, read_only=False),
                signed.actor,
                contract_id,
                change_orders.PackageChanges(
                    values={
                        "number": forms.text(form, "number", required=True, label="number"),
                        "title": forms.text(form, "title", required=True, label="title"),
                    },
                    items=items,
                ),
            )
            return f"{_base(request)}/contracts/{contract_id}?done=change_order#change-orders"

        return contract_write(request, form, contract_id, "change_order", write)

    @face.post(
        "/contracts/{contract_id}/change-orders/{package_id}/status", include_in_schema=False
    )
    def move_change_order(
        request: Request, contract_id: int, package_id: int, form: PostedForm
    ) -> Response:
        def write(signed: SignedIn, form: FormData) -> str:
            status = forms.text(form, "status", required=True)
            values: dict[str, Any] = {"status": status}
            approved = forms.day(form, "approved_date", label="approved date")
            if approved is not None:
                values["approved_date"] = approved
            change_orders.update_package(
                uow(request, read_only=False),
                signed.actor,
                _package_on(request, signed, contract_id, package_id),
                change_orders.PackageChanges(values=values),
            )
            return (
                f"{_base(request)}/contracts/{contract_id}?done=change_order_status#change-orders"
            )

        return contract_write(request, form, contract_id, f"package-{package_id}", write)

    @face.post("/contracts/{contract_id}/pay-applications", include_in_schema=False)
    def create_pay_app(request: Request, contract_id: int, form: PostedForm) -> Response:
        def write(signed: SignedIn, form: FormData) -> str:
            header: dict[str, Any] = {}
            for name, label in (
                ("start_date", "period start"),
                ("end_date", "period end"),
                ("billing_date", "billing date"),
            ):
                value = forms.day(form, name, label=label)
                if value is not None:
                    header[name] = value
            invoice = forms.optional_text(form, "invoice_number")
            if invoice:
                header["invoice_number"] = invoice
            view = pay_apps.create_pay_app(
                uow(request, read_only=False),
                signed.actor,
                CreatePayApp(contract_id=contract_id, header=header),
            )
            return f"{_base(request)}/pay-applications/{view.id}?done=created"

        return contract_write(request, form, contract_id, "pay_app", write)

    def _package_on(request: Request, signed: SignedIn, contract_id: int, package_id: int) -> int:
        _contract, packages = discovery.change_order_packages(
            uow(request), signed.actor, contract_id
        )
        if not any(package.id == package_id for package in packages):
            raise NotFound(f"no change order {package_id} on this contract", field="package_id")
        return package_id

    # -- a pay application ---------------------------------------------------------------------

    def pay_app_page(
        request: Request,
        signed: SignedIn,
        pay_app_id: int,
        *,
        preview: PayAppPreview | None = None,
        posted: FormData | None = None,
        error: PageError | None = None,
        status: int = 200,
    ) -> HTMLResponse:
        saved = pay_apps.get_pay_app(uow(request), signed.actor, pay_app_id)
        view = preview.pay_app if preview else saved
        history = audit.pay_app_history(uow(request), signed.actor, pay_app_id)
        paid = payments.list_payments(
            uow(request), signed.actor, PaymentFilter(pay_app_id=pay_app_id)
        ).items
        actions = pay_apps.actions_for(signed.actor, saved)
        return page(
            request,
            "pay_app.html",
            {
                "app": view,
                "saved": saved,
                "actions": actions,
                "history": history,
                "payments": paid,
                "overbilled": preview.overbilled_line_ids if preview else _overbilled(saved),
                "overbilling_allowed": preview.overbilling_allowed if preview else True,
                "previewing": preview is not None,
                "posted": posted or {},
                "error": error,
                "payment_methods": payments.PAYMENT_METHODS,
                "downloads": DOWNLOADS_AVAILABLE,
            },
            signed,
            status=status,
        )

    # Registered before the page, whose path would otherwise take "12.pdf" for its id.
    @face.get("/pay-applications/{pay_app_id:int}.pdf", include_in_schema=False)
    def pay_app_pdf(request: Request, pay_app_id: int) -> Response:
        document = documents.pay_app_document(uow(request), current(request).actor, pay_app_id)
        return _download(pay_app_pdf_bytes(document), "application/pdf", document, "pdf")

    @face.get("/pay-applications/{pay_app_id:int}.xlsx", include_in_schema=False)
    def pay_app_xlsx(request: Request, pay_app_id: int) -> Response:
        document = documents.pay_app_document(uow(request), current(request).actor, pay_app_id)
        return _download(pay_app_xlsx_bytes(document), XLSX, document, "xlsx")

    @face.get("/pay-applications/{pay_app_id}", include_in_schema=False)
    def pay_app(request: Request, pay_app_id: int) -> HTMLResponse:
        return pay_app_page(request, current(request), pay_app_id)

    @face.post("/pay-applications/{pay_app_id}", include_in_schema=False)
    def save_pay_app(request: Request, pay_app_id: int, form: PostedForm) -> Response:
        """Save the figures typed on a draft, or (``action=preview``, the no-script way) show
        what they would make of the application without saving."""
        signed = current(request)
        previewing = forms.text(form, "action") == "preview"
        try:
            check_csrf(signed, form)
            command = _line_command(request, signed, pay_app_id, form)
            if not previewing:
                pay_apps.update_pay_app(uow(request, read_only=False), signed.actor, command)
                return RedirectResponse(
                    f"{_base(request)}/pay-applications/{pay_app_id}?done=saved",
                    status_code=303,
                )
            preview = pay_apps.preview_pay_app(uow(request, read_only=False), signed.actor, command)
            return pay_app_page(request, signed, pay_app_id, preview=preview, posted=form)
        except LedgerError as error:
            shown = _try_preview(request, signed, pay_app_id, form)
            return pay_app_page(
                request,
                signed,
                pay_app_id,
                preview=shown,
                posted=form,
                error=PageError(error.message, error.field, "lines"),
                status=http_status(error),
            )

    @face.post("/pay-applications/{pay_app_id}/preview", include_in_schema=False)
    def live_preview(request: Request, pay_app_id: int, form: PostedForm) -> JSONResponse:
        """The figures the engine makes of a draft as it is typed, for static/live.js."""
        signed = current(request)
        try:
            check_csrf(signed, form)
            command = _line_command(request, signed, pay_app_id, form)
            preview = pay_apps.preview_pay_app(uow(request, read_only=False), signed.actor, command)
        except LedgerError as error:
            return JSONResponse(
                {"error": error.message, "field": error.field}, status_code=http_status(error)
            )
        return JSONResponse(_figures_json(preview, command))

    def _try_preview(
        request: Request, signed: SignedIn, pay_app_id: int, form: FormData
    ) -> PayAppPreview | None:
        try:
            command = _line_command(request, signed, pay_app_id, form)
            return pay_apps.preview_pay_app(uow(request, read_only=False), signed.actor, command)
        except LedgerError:
            return None

    def _line_command(
        request: Request, signed: SignedIn, pay_app_id: int, form: FormData
    ) -> UpdatePayApp:
        saved = pay_apps.get_pay_app(uow(request), signed.actor, pay_app_id)
        return UpdatePayApp(pay_app_id=pay_app_id, lines=_line_inputs(saved, form))

    def pay_app_write(
        request: Request,
        form: FormData,
        pay_app_id: int,
        form_name: str,
        write: Callable[[SignedIn, FormData], str],
    ) -> Response:
        """A form on the pay application page."""

        def show_again(signed: SignedIn, error: PageError, status: int) -> HTMLResponse:
            return pay_app_page(
                request, signed, pay_app_id, error=error, status=status, posted=form
            )

        return form_write(request, form, form_name, write, show_again)

    @face.post("/pay-applications/{pay_app_id}/status", include_in_schema=False)
    def set_status(request: Request, pay_app_id: int, form: PostedForm) -> Response:
        def write(signed: SignedIn, form: FormData) -> str:
            move = forms.text(form, "move", required=True)
            if move not in STATUS_BUTTONS:
                raise Invalid(f"move: unknown action {move!r}", field="move")
            note = forms.optional_text(form, "note")
            pay_apps.update_pay_app(
                uow(request, read_only=False),
                signed.actor,
                UpdatePayApp(
                    pay_app_id=pay_app_id,
                    status=STATUS_BUTTONS[move],
                    header={"note": note} if note else {},
                ),
            )
            return f"{_base(request)}/pay-applications/{pay_app_id}?done={move}"

        return pay_app_write(request, form, pay_app_id, "status", write)

    @face.post("/pay-applications/{pay_app_id}/delete", include_in_schema=False)
    def delete(request: Request, pay_app_id: int, form: PostedForm) -> Response:
        def write(signed: SignedIn, form: FormData) -> str:
            view = pay_apps.get_pay_app(uow(request), signed.actor, pay_app_id, with_lines=False)
            pay_apps.delete_pay_app(uow(request, read_only=False), signed.actor, pay_app_id, None)
            return f"{_base(request)}/contracts/{view.contract.id}?done=deleted"

        return pay_app_write(request, form, pay_app_id, "delete", write)

    @face.post("/pay-applications/{pay_app_id}/payments", include_in_schema=False)
    def record_payment(request: Request, pay_app_id: int, form: PostedForm) -> Response:
        def write(signed: SignedIn, form: FormData) -> str:
            view = pay_apps.get_pay_app(uow(request), signed.actor, pay_app_id, with_lines=False)
            values: dict[str, Any] = {
                "pay_app_id": pay_app_id,
                "amount_cents": forms.amount(form, "amount", required=True, label="amount"),
                "payment_date": forms.day(form, "payment_date", label="payment date"),
            }
            for name in ("payment_method", "check_number", "notes"):
                value = forms.optional_text(form, name)
                if value is not None:
                    values[name] = value
            payments.record_payment(
                uow(request, read_only=False),
                signed.actor,
                RecordPayment(contract_id=view.contract.id, values=values),
            )
            return f"{_base(request)}/pay-applications/{pay_app_id}?done=payment#payments"

        return pay_app_write(request, form, pay_app_id, "payment", write)

    @face.post("/pay-applications/{pay_app_id}/attachments", include_in_schema=False)
    def attach(request: Request, pay_app_id: int, form: PostedForm) -> Response:
        signed = current(request)
        try:
            check_csrf(signed, form)
            upload = forms.upload(form, "file")
            stored = attachments.upload_file(
                uow(request, read_only=False),
                signed.actor,
                upload.filename or "upload",
                upload.content_type or "application/octet-stream",
                upload.file,
            )
            pay_apps.update_pay_app(
                uow(request, read_only=False),
                signed.actor,
                UpdatePayApp(pay_app_id=pay_app_id, attachment_ids=[stored.id]),
            )
        except LedgerError as error:
            return pay_app_page(
                request,
                signed,
                pay_app_id,
                error=PageError(error.message, error.field, "attachment"),
                status=http_status(error),
            )
        return RedirectResponse(
            f"{_base(request)}/pay-applications/{pay_app_id}?done=attached#attachments",
            status_code=303,
        )

    @face.get("/attachments/{attachment_id}", include_in_schema=False)
    def download_attachment(request: Request, attachment_id: int) -> Response:
        signed = current(request)
        view, data = attachments.fetch_file(uow(request), signed.actor, attachment_id)
        return Response(
            data,
            media_type=view.content_type,
            headers={
                "Content-Disposition": f"attachment; filename*=UTF-8''{quote(view.filename)}",
                "X-Content-Type-Options": "nosniff",
            },
        )


# The PDF and XLSX of a pay application are linked from its page.
DOWNLOADS_AVAILABLE = True
XLSX = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"


def _download(
    data: bytes, media_type: str, document: documents.PayAppDocument, extension: str
) -> Response:
    """A document as a file to save, named after its contract and number."""
    name = f"{document.contract.number} application {document.number}.{extension}"
    return Response(
        data,
        media_type=media_type,
        headers={
            "Content-Disposition": f"attachment; filename*=UTF-8''{quote(name)}",
            "X-Content-Type-Options": "nosniff",
        },
    )


def _line_inputs(saved: PayAppView, form: FormData) -> list[LineInput]:
    """The lines whose typed figures differ from the saved ones (or that name a percent)."""
    inputs = []
    for line in saved.g703_lines:
        figures = line.figures
        label = f"line {line.sov_line.number if line.sov_line else line.description}"
        work = forms.amount(form, f"e-{line.id}", label=f"{label}: work this period")
        stored = forms.amount(form, f"f-{line.id}", label=f"{label}: materials stored")
        pct = forms.percent(form, f"p-{line.id}", label=f"{label}: percent complete")
        changed_work = work is not None and work != figures.work_completed_this_period
        changed_stored = stored is not None and stored != figures.materials_presently_stored
        if not (changed_work or changed_stored or pct is not None):
            continue
        inputs.append(
            LineInput(
                ref=line.ref,
                work_completed_this_period=work if changed_work and pct is None else None,
                materials_presently_stored=stored if changed_stored else None,
                percent_complete=pct,
            )
        )
    return inputs


def _overbilled(view: PayAppView) -> frozenset[int]:
    return frozenset(line.id for line in view.g703_lines if is_overbilled(line.figures))


def _figures_json(preview: PayAppPreview, command: UpdatePayApp) -> dict[str, Any]:
    """Every figure the live page shows, as the page would print it, by element name."""
    view = preview.pay_app
    summary = view.summary
    texts: dict[str, str] = {}
    for key, value in _summary_cells(view).items():
        texts[key] = value
    inputs: dict[str, str] = {}
    percent_lines = {given.ref for given in command.lines if given.percent_complete is not None}
    flags: dict[str, str] = {}
    for line in view.g703_lines:
        f = line.figures
        texts[f"d-{line.id}"] = fmt.money(f.work_completed_from_previous_application)
        texts[f"g-{line.id}"] = fmt.money(f.total_completed_and_stored_to_date)
        texts[f"pc-{line.id}"] = fmt.percent(f.percent_complete)
        texts[f"h-{line.id}"] = fmt.money(f.balance_to_finish)
        texts[f"i-{line.id}"] = fmt.money(f.total_retainage_currently_retained)
        if line.ref in percent_lines:
            inputs[f"e-{line.id}"] = fmt.amount_input(f.work_completed_this_period)
        if line.id in preview.overbilled_line_ids:
            flags[str(line.id)] = "warning" if preview.overbilling_allowed else "error"
    return {
        "texts": texts,
        "inputs": inputs,
        "flags": flags,
        "error": None
        if preview.overbilling_allowed or not preview.overbilled_line_ids
        else "Some lines go beyond their scheduled value, which this contract does not allow: "
        "they are marked, and saving will be refused until they are corrected.",
        "current_payment_due": fmt.money(summary.current_payment_due),
    }


def _summary_cells(view: PayAppView) -> dict[str, str]:
    s = view.summary
    return {
        "s-1": fmt.money(s.original_contract_sum),
        "s-2": fmt.money(s.net_change_by_change_orders),
        "s-3": fmt.money(s.contract_sum_to_date),
        "s-4": fmt.money(s.total_completed_and_stored_to_date),
        "s-5a": fmt.money(s.completed_work_retainage_amount),
        "s-5b": fmt.money(s.stored_materials_retainage_amount),
        "s-5": fmt.money(s.total_retainage),
        "s-6": fmt.money(s.total_earned_less_retainage),
        "s-7": fmt.money(s.less_previous_certificates_for_payment),
        "s-8": fmt.money(s.current_payment_due),
        "s-9": fmt.money(s.balance_to_finish_including_retainage),
        "t-d": fmt.money(s.work_completed_from_previous_application),
        "t-e": fmt.money(s.work_completed_this_period),
        "t-f": fmt.money(s.materials_presently_stored),
        "t-g": fmt.money(s.total_completed_and_stored_to_date),
        "t-pc": fmt.percent(s.percent_complete),
        "t-h": fmt.money(s.balance_to_finish),
        "t-i": fmt.money(s.total_retainage),
    }


def _change_order_items(form: FormData) -> list[change_orders.ItemInput]:
    items = []
    for row in range(1, CHANGE_ORDER_ITEM_ROWS + 1):
        description = forms.text(form, f"item-{row}-description")
        amount = forms.amount(form, f"item-{row}-amount", label=f"item {row}: amount")
        if not description and amount is None:
            continue
        if not description:
            raise Invalid(f"item {row}: a description is required", field=f"item-{row}-description")
        if amount is None:
            raise Invalid(f"item {row}: an amount is required", field=f"item-{row}-amount")
        items.append(
            change_orders.ItemInput(
                description=description,
                amount=amount,
                cost_code=forms.optional_text(form, f"item-{row}-cost_code"),
            )
        )
    if not items:
        raise Invalid("items: a change order needs at least one item", field="item-1-description")
    return items


def _base(request: Request) -> str:
    return str(request.scope.get("root_path", "")).rstrip("/")


def _next(request: Request) -> str:
    return _safe_next(request, request.query_params.get("next", ""))


def _safe_next(request: Request, target: str) -> str:
    """Only a path of this site: a sign-in link must not send anyone elsewhere."""
    base = _base(request)
    if target.startswith(base + "/") and not target.startswith("//") and "\\" not in target:
        return target
    return f"{base}/projects"


__all__: Sequence[str] = ["install_routes"]
