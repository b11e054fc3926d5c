"""Attachments: files uploaded on their own (Procore's prostore files) or with a record.

The bytes go to the file store first, then the row is added in the caller's transaction; a file
whose transaction rolls back is left unreferenced and harmless.
"""

from __future__ import annotations

import os
from typing import BinaryIO

from drawbridge.domain.errors import Invalid, NotFound
from drawbridge.domain.rules import check_can_read, check_can_write
from drawbridge.domain.text import text_problem
from drawbridge.services import audit, render
from drawbridge.services.views import Actor, AttachmentView
from drawbridge.store.models import Attachment, Payment
from drawbridge.store.uow import UnitOfWork

MAX_ATTACHMENT_BYTES = 50 * 1024 * 1024


def store_file(
    uow: UnitOfWork, actor: Actor, filename: str, content_type: str, data: bytes | BinaryIO
) -> Attachment:
    """Save bytes, or a file streamed from its start, and add their row (inside the caller's
    transaction)."""
    if _size(data) > MAX_ATTACHMENT_BYTES:
        raise Invalid("attachments: a file may be at most 50 MiB", field="attachments")
    for field, value in (("filename", filename), ("content_type", content_type)):
        problem = text_problem(value or "")
        if problem is not None:
            raise Invalid(f"{field}: {problem}", field=field)
    name = (filename or "upload").replace("/", "_").replace("\\", "_")[:255]
    stored = uow.files.save(actor.company_id, data)
    attachment = Attachment(
        company_id=actor.company_id,
        filename=name,
        content_type=content_type or "application/octet-stream",
        size=stored.size,
        sha256=stored.sha256,
        storage_key=stored.storage_key,
        uploaded_by_id=actor.user_id,
    )
    uow.repo.add(attachment)
    uow.flush()
    return attachment


def _size(data: bytes | BinaryIO) -> int:
    if isinstance(data, bytes):
        return len(data)
    data.seek(0, os.SEEK_END)
    size = data.tell()
    data.seek(0)
    return size


def upload_file(
    uow: UnitOfWork, actor: Actor, filename: str, content_type: str, data: bytes | BinaryIO
) -> AttachmentView:
    """Upload a file on its own; its id can then be attached to a pay application or payment."""
    check_can_write(actor.scopes)
    with uow:
        attachment = store_file(uow, actor, filename, content_type, data)
        audit.record(
            uow, actor, "create", "attachment", attachment.id, None, audit.snapshot(attachment)
        )
        view = render.attachment_view(attachment)
        uow.commit()
        return view


def fetch_file(uow: UnitOfWork, actor: Actor, attachment_id: int) -> tuple[AttachmentView, bytes]:
    check_can_read(actor.scopes)
    with uow:
        attachment = uow.repo.attachment(actor.company_id, attachment_id)
        if attachment is None:
            raise NotFound(f"no attachment {attachment_id}", field="id")
        return render.attachment_view(attachment), uow.files.read(attachment.storage_key)


def link_to_payment(uow: UnitOfWork, actor: Actor, attachment_id: int, payment: Payment) -> None:
    attachment = uow.repo.attachment(actor.company_id, attachment_id)
    if attachment is None:
        raise Invalid(
            f"prostore_file_ids: no uploaded file {attachment_id}", field="prostore_file_ids"
        )
    if attachment.pay_app_id is not None or attachment.payment_id not in (None, payment.id):
        raise Invalid(
            f"prostore_file_ids: file {attachment_id} is attached elsewhere",
            field="prostore_file_ids",
        )
    attachment.payment_id = payment.id
