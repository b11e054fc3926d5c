"""Attachments (files linked to a pay application or a payment) and the audit history of any
record."""

from __future__ import annotations

import hashlib
from typing import Annotated

from fastapi import APIRouter, Path, UploadFile
from fastapi.responses import Response

from drawbridge.api.listing import FilterField
from drawbridge.api.native import mapping
from drawbridge.api.native.deps import Context, IdempotencyKey, created, read
from drawbridge.api.native.errors import PROBLEM_RESPONSES
from drawbridge.api.native.lists import PAGED, list_parameters, respond_list
from drawbridge.api.native.responses import (
    AttachmentOut,
    AuditEventOut,
    Page,
    ok,
)
from drawbridge.api.validation import Id
from drawbridge.domain.errors import NotFound
from drawbridge.services import attachments, audit
from drawbridge.services.idempotency import UnitOfWork
from drawbridge.services.views import AttachmentView, AuditEventView

router = APIRouter(responses=PROBLEM_RESPONSES)

AUDIT_FILTERS = {
    "entity_type": FilterField("text"),
    "entity_id": FilterField("integer"),
    "action": FilterField("text"),
    "user_id": FilterField("integer"),
    "occurred_at": FilterField("date"),
}
AUDIT_SORTS = ("id", "occurred_at", "entity_type", "entity_id")
# The path of each resource and the name its audit events carry.
ENTITY_OF_RESOURCE = {
    "parties": "party",
    "projects": "project",
    "billing-periods": "billing_period",
    "contracts": "contract",
    "sov-lines": "sov_line",
    "change-orders": "change_order_package",
    "pay-applications": "pay_app",
    "payments": "payment",
    "attachments": "attachment",
}
HASH_CHUNK = 1 << 20


# -- attachments ----------------------------------------------------------------------------------


@router.post(
    "/attachments",
    responses=ok(AttachmentOut, 201),
    tags=["attachments"],
    status_code=201,
    summary="Upload a file (multipart/form-data field file); link it by passing its id in a "
    "pay application's or payment's attachment_ids",
)
def upload_attachment(file: UploadFile, ctx: Context, key: IdempotencyKey = None) -> Response:
    digest = hashlib.sha256()
    for chunk in iter(lambda: file.file.read(HASH_CHUNK), b""):
        digest.update(chunk)
    file.file.seek(0)
    filename = file.filename or "upload"
    content_type = file.content_type or "application/octet-stream"

    def create(uow: UnitOfWork) -> AttachmentView:
        return attachments.upload_file(uow, ctx.actor, filename, content_type, file.file)

    hashed = {"filename": filename, "content_type": content_type, "sha256": digest.hexdigest()}
    return created(ctx, key, "attachments", hashed, create, mapping.attachment)


@router.get(
    "/attachments/{attachment_id}",
    responses=ok(AttachmentOut),
    tags=["attachments"],
    summary="A file's details",
)
def get_attachment(attachment_id: Id, ctx: Context) -> Response:
    found, _ = attachments.fetch_file(ctx.reader(), ctx.actor, attachment_id)
    return read(mapping.attachment(found), ctx.request)


@router.get(
    "/attachments/{attachment_id}/content",
    tags=["attachments"],
    summary="Download a file",
    response_class=Response,
    responses={200: {"description": "The file's bytes", "content": {"*/*": {}}}},
)
def download_attachment(attachment_id: Id, ctx: Context) -> Response:
    found, data = attachments.fetch_file(ctx.reader(), ctx.actor, attachment_id)
    safe_name = "".join(c for c in found.filename if 32 <= ord(c) < 127 and c not in '"\\')
    return Response(
        data,
        media_type=found.content_type,
        headers={
            "Content-Disposition": f'attachment; filename="{safe_name}"',
            "ETag": f'"{found.sha256[:32]}"',
        },
    )


# -- audit history --------------------------------------------------------------------------------


def _event_row(view: AuditEventView) -> dict[str, object]:
    return {
        "id": view.id,
        "entity_type": view.entity_type,
        "entity_id": view.entity_id,
        "action": view.action,
        "user_id": view.user_id,
        "occurred_at": view.occurred_at.date(),
    }


@router.get(
    "/audit-events",
    responses=ok(Page[AuditEventOut]),
    tags=["history"],
    summary="The company's audit trail: who changed what, when, before and after",
    description=list_parameters(AUDIT_FILTERS, AUDIT_SORTS)
    + " entity_type is one of: "
    + ", ".join(sorted(set(ENTITY_OF_RESOURCE.values()))),
    dependencies=PAGED,
)
def list_audit_events(ctx: Context) -> Response:
    events = audit.history(ctx.reader(), ctx.actor)
    return respond_list(
        ctx.request, events, _event_row, AUDIT_FILTERS, AUDIT_SORTS, mapping.audit_event
    )


Resource = Annotated[
    str,
    Path(
        description="The kind of record: " + ", ".join(ENTITY_OF_RESOURCE),
        pattern="^(" + "|".join(ENTITY_OF_RESOURCE) + ")$",
    ),
]


@router.get(
    "/{resource}/{record_id}/history",
    responses=ok(Page[AuditEventOut]),
    tags=["history"],
    summary="The audit history of one record, oldest first",
    description=list_parameters(AUDIT_FILTERS, AUDIT_SORTS),
    dependencies=PAGED,
)
def record_history(resource: Resource, record_id: Id, ctx: Context) -> Response:
    entity = ENTITY_OF_RESOURCE[resource]
    events = audit.history(ctx.reader(), ctx.actor, entity, record_id)
    if not events:
        raise NotFound(f"no {resource} record {record_id} with a history", field="id")
    return respond_list(
        ctx.request, events, _event_row, AUDIT_FILTERS, AUDIT_SORTS, mapping.audit_event
    )
