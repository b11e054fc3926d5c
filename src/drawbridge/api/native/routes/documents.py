"""Documents to download: a pay application as its G702/G703 PDF, XLSX or CSV (by the path's
extension, or by ``Accept`` on the pay application's own URL), a contract's schedule of values
as XLSX or CSV, and its whole billing history as an XLSX workbook. Each route reads the
document's view from the service and asks the export for its bytes.

And spreadsheets to upload: a contract's schedule of values, or one period's work on a pay
application, from XLSX or CSV (columns matched by their headers; all or nothing; ``dry_run``
reports what would change and changes nothing)."""

from __future__ import annotations

import re
from collections.abc import Callable
from typing import Annotated, Literal

from fastapi import APIRouter, Path, Query, UploadFile
from fastapi.responses import Response

from drawbridge.api.native import mapping
from drawbridge.api.native.deps import Caller, Context, IdempotencyKey, created, etag_bytes
from drawbridge.api.native.errors import PROBLEM_RESPONSES
from drawbridge.api.native.responses import ImportReportOut, ok
from drawbridge.api.validation import Id
from drawbridge.exports import pdf, spreadsheets
from drawbridge.services import documents, pay_apps, sov
from drawbridge.services.documents import PayAppDocument
from drawbridge.services.idempotency import UnitOfWork
from drawbridge.services.imports import ImportReport, Sheet

router = APIRouter(responses=PROBLEM_RESPONSES)

PDF = "application/pdf"
XLSX = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"
CSV = "text/csv; charset=utf-8"
MEDIA_TYPES = {"pdf": PDF, "xlsx": XLSX, "csv": CSV}
# What a pay application's URL answers for each media type a client may ask for.
FORMAT_OF_MEDIA_TYPE = {"application/pdf": "pdf", XLSX: "xlsx", "text/csv": "csv"}
PAY_APP_RENDERERS: dict[str, Callable[[PayAppDocument], bytes]] = {
    "pdf": pdf.pay_app_pdf,
    "xlsx": spreadsheets.pay_app_xlsx,
    "csv": lambda document: spreadsheets.pay_app_csv(document).encode(),
}


def _content(media_types: tuple[str, ...]) -> dict[int | str, dict[str, object]]:
    return {
        200: {
            "description": "The document",
            "content": {
                media_type: {"schema": {"type": "string", "format": "binary"}}
                for media_type in media_types
            },
        }
    }


def _download(data: bytes, kind: str, filename: str, ctx: Caller) -> Response:
    tag = etag_bytes(data)
    if tag in (ctx.request.headers.get("if-none-match") or ""):
        return Response(status_code=304, headers={"ETag": tag})
    return Response(
        data,
        media_type=MEDIA_TYPES[kind],
        headers={
            "Content-Disposition": f'attachment; filename="{_safe(filename)}.{kind}"',
            "ETag": tag,
        },
    )


def _safe(name: str) -> str:
    """A filename fit for a header: letters, digits, dot, dash and underscore."""
    return re.sub(r"[^A-Za-z0-9._-]+", "-", name).strip("-") or "document"


def pay_app_download(ctx: Caller, pay_app_id: int, kind: str) -> Response:
    document = documents.pay_app_document(ctx.reader(), ctx.actor, pay_app_id)
    view = document.pay_app
    filename = f"{view.contract.number}-application-{view.number}"
    return _download(PAY_APP_RENDERERS[kind](document), kind, filename, ctx)


def wanted_format(accept: str | None) -> str | None:
    """The document format ``Accept`` prefers over JSON, if any (highest q first)."""
    if not accept:
        return None
    choices: list[tuple[float, int, str]] = []
    for index, part in enumerate(accept.split(",")):
        media_type, *parameters = (piece.strip() for piece in part.split(";"))
        quality = 1.0
        for parameter in parameters:
            name, _, value = parameter.partition("=")
            if name.strip() == "q":
                try:
                    quality = float(value)
                except ValueError:
                    quality = 0.0
        choices.append((-quality, index, media_type.lower()))
    for negative_quality, _, media_type in sorted(choices):
        if negative_quality >= 0:
            break
        if media_type in ("application/json", "application/*", "*/*"):
            return None
        if media_type in FORMAT_OF_MEDIA_TYPE:
            return FORMAT_OF_MEDIA_TYPE[media_type]
    return None


@router.get(
    "/pay-applications/{pay_application_id}.{kind}",
    tags=["documents"],
    summary="A pay application as a G702/G703 PDF, its G703 as XLSX or CSV",
    response_class=Response,
    responses=_content((PDF, XLSX, CSV)),
)
def pay_application_document(
    pay_application_id: Id,
    kind: Annotated[Literal["pdf", "xlsx", "csv"], Path(description="pdf, xlsx or csv")],
    ctx: Context,
) -> Response:
    return pay_app_download(ctx, pay_application_id, kind)


@router.get(
    "/contracts/{contract_id}/sov.{kind}",
    tags=["documents"],
    summary="A contract's schedule of values as XLSX or CSV",
    response_class=Response,
    responses=_content((XLSX, CSV)),
)
def sov_document(
    contract_id: Id,
    kind: Annotated[Literal["xlsx", "csv"], Path(description="xlsx or csv")],
    ctx: Context,
) -> Response:
    sov = documents.contract_sov(ctx.reader(), ctx.actor, contract_id)
    data = spreadsheets.sov_xlsx(sov) if kind == "xlsx" else spreadsheets.sov_csv(sov).encode()
    return _download(data, kind, f"{sov.contract.number}-sov", ctx)


@router.get(
    "/contracts/{contract_id}/history.xlsx",
    tags=["documents"],
    summary="A contract's billing history: a summary sheet and one sheet per application",
    response_class=Response,
    responses=_content((XLSX,)),
)
def history_document(contract_id: Id, ctx: Context) -> Response:
    history = documents.contract_history(ctx.reader(), ctx.actor, contract_id)
    data = spreadsheets.history_xlsx(history)
    return _download(data, "xlsx", f"{history.contract.number}-history", ctx)


DryRun = Annotated[
    bool, Query(description="report what the import would change, and change nothing")
]


def _import(
    ctx: Caller,
    file: UploadFile,
    target: dict[str, int],
    dry_run: bool,
    key: str | None,
    scope: str,
    apply: Callable[[UnitOfWork, Sheet], ImportReport],
) -> Response:
    """Read the uploaded spreadsheet and apply it once per Idempotency-Key; the same key names
    the same file (by its hash) for the same record and ``dry_run``."""
    data = file.file.read()
    name = file.filename or "upload.csv"
    table = spreadsheets.read_table(data, name)

    def run(uow: UnitOfWork) -> ImportReport:
        return apply(uow, table)

    hashed = {**target, "dry_run": dry_run, "filename": name, "sha256": etag_bytes(data)}
    return created(ctx, key, scope, hashed, run, mapping.import_report, 200)


@router.post(
    "/contracts/{contract_id}/sov/import",
    tags=["documents"],
    summary="Create or update the contract's SOV lines from an XLSX or CSV file (multipart "
    "field file): lines matched by number, all or nothing",
    responses=ok(ImportReportOut),
)
def import_sov(
    contract_id: Id,
    file: UploadFile,
    ctx: Context,
    dry_run: DryRun = False,
    key: IdempotencyKey = None,
) -> Response:
    def apply(uow: UnitOfWork, table: Sheet) -> ImportReport:
        return sov.import_sov(uow, ctx.actor, contract_id, table, dry_run=dry_run)

    target = {"contract_id": contract_id}
    return _import(ctx, file, target, dry_run, key, "sov-import", apply)


@router.post(
    "/pay-applications/{pay_application_id}/work/import",
    tags=["documents"],
    summary="Enter a period's work, stored materials and retainage released from an XLSX or "
    "CSV file (multipart field file), rows naming the G703 item: all or nothing",
    responses=ok(ImportReportOut),
)
def import_work(
    pay_application_id: Id,
    file: UploadFile,
    ctx: Context,
    dry_run: DryRun = False,
    key: IdempotencyKey = None,
) -> Response:
    def apply(uow: UnitOfWork, table: Sheet) -> ImportReport:
        return pay_apps.import_work(uow, ctx.actor, pay_application_id, table, dry_run=dry_run)

    target = {"pay_application_id": pay_application_id}
    return _import(ctx, file, target, dry_run, key, "work-import", apply)
