"""Uploads: a file stored on its own, whose id goes in ``prostore_file_ids``, and downloads."""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Path, UploadFile
from fastapi.responses import JSONResponse, Response

from drawbridge.api.procore import mapping
from drawbridge.api.procore.deps import Context
from drawbridge.api.procore.schemas import ERRORS, MAX_ID, UploadOut
from drawbridge.services import attachments

router = APIRouter(tags=["Uploads"])
FileId = Annotated[int, Path(ge=1, le=MAX_ID, description="Uploaded file ID")]


@router.post("/v1.0/prostore_files", status_code=201, response_model=UploadOut, responses=ERRORS)
async def upload_file(ctx: Context, file: UploadFile) -> JSONResponse:
    """Upload a file (multipart/form-data field ``file``); pass its id in ``prostore_file_ids``."""
    # The parser spooled the upload to a temporary file; the store copies it a chunk at a time.
    stored = attachments.upload_file(
        ctx.runtime.uow(),
        ctx.actor,
        file.filename or "upload",
        file.content_type or "application/octet-stream",
        file.file,
    )
    return JSONResponse(mapping.attachment(stored, ctx.file_url), status_code=201)


@router.get(
    "/v1.0/prostore_files/{file_id}/download",
    response_class=Response,
    responses={200: {"description": "The file's bytes"}, **ERRORS},
)
def download_prostore_file(ctx: Context, file_id: FileId) -> Response:
    """Download an uploaded file or attachment (the ``url`` of every attachment)."""
    found, data = attachments.fetch_file(ctx.runtime.uow(read_only=True), ctx.actor, file_id)
    # Header-safe: printable ASCII without quotes.
    safe_name = "".join(c for c in found.filename if 32 <= ord(c) < 127 and c not in '"\\')
    return Response(
        data,
        media_type=found.content_type,
        headers={"Content-Disposition": f'attachment; filename="{safe_name}"'},
    )
