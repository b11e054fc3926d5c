"""The route set most records of ``/v1`` share, on a record of its own: the five routes with
the names, parameters and answers a hand-written set had (operation ids, path parameter
names, 201 / ETag / 412 / 204), and the owner's id passed to a nested collection."""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass
from types import SimpleNamespace
from typing import Any, cast

import pytest
from fastapi import APIRouter, FastAPI, Request
from fastapi.testclient import TestClient

from drawbridge.api.listing import FilterField
from drawbridge.api.native.deps import COMPANY_HEADER, Caller, caller
from drawbridge.api.native.errors import install_error_handlers
from drawbridge.api.native.record_routes import (
    RecordRoutes,
    Summaries,
    Write,
    add_record_routes,
    owner_id,
)
from drawbridge.api.native.responses import Out
from drawbridge.api.native.schemas import Body
from drawbridge.domain.rules import Role
from drawbridge.services.views import Actor


class NoteOut(Out):
    id: int
    text: str
    book_id: int | None = None


class NoteCreate(Body):
    text: str


class NoteUpdate(Body):
    text: str | None = None


@dataclass
class Note:
    id: int
    book_id: int
    text: str


def _notes_app(notes: dict[int, Note]) -> FastAPI:
    def create(ctx: Caller, book_id: int | None, body: NoteCreate) -> Write[Note]:
        def write(_: Any) -> Note:
            note = Note(len(notes) + 1, owner_id(book_id), body.text)
            notes[note.id] = note
            return note

        return write

    def update(ctx: Caller, note_id: int, note: Note, body: NoteUpdate) -> Note:
        note.text = body.text or note.text
        return note

    def delete(ctx: Caller, note_id: int, _: Note) -> None:
        del notes[note_id]

    router = APIRouter()
    add_record_routes(
        router,
        RecordRoutes(
            tag="notes",
            singular="note",
            plural="notes",
            segment="notes",
            owner="/books/{book_id}",
            out=NoteOut,
            create_body=NoteCreate,
            update_body=NoteUpdate,
            summaries=Summaries("Notes", "Add a note", "One note", "Change", "Delete"),
            filters={"text": FilterField("text")},
            sorts=("id", "text"),
            row=lambda note: {"id": note.id, "text": note.text},
            to_json=lambda note: {"id": note.id, "text": note.text},
            to_json_under=lambda note, book: {"id": note.id, "text": note.text, "book_id": book},
            list_all=lambda ctx, book: [n for n in notes.values() if n.book_id == book],
            get=lambda ctx, note_id: notes[note_id],
            create=create,
            update=update,
            delete=delete,
        ),
    )
    app = FastAPI()
    install_error_handlers(app)
    app.include_router(router)
    actor = Actor(user_id=1, company_id=1, role=Role.ADMIN, scopes=frozenset())

    def as_admin(request: Request) -> Caller:
        # No database: the notes live in a dict, and a unit of work is not needed.
        runtime = SimpleNamespace(uow=lambda read_only=False: None)
        return Caller(
            runtime=cast(Any, runtime), principal=cast(Any, None), actor=actor, request=request
        )

    app.dependency_overrides[caller] = as_admin
    return app


@pytest.fixture
def notes() -> Iterator[tuple[TestClient, dict[int, Note]]]:
    kept: dict[int, Note] = {}
    with TestClient(_notes_app(kept)) as client:
        yield client, kept


def test_the_five_routes_keep_their_operations_and_parameters(
    notes: tuple[TestClient, dict[int, Note]],
) -> None:
    client, _ = notes
    paths = client.get("/openapi.json").json()["paths"]
    operations = {
        (method, path): (
            operation["operationId"],
            [p["name"] for p in operation["parameters"] if p["name"] != COMPANY_HEADER],
        )
        for path, methods in paths.items()
        for method, operation in methods.items()
    }
    assert operations == {
        ("get", "/books/{book_id}/notes"): (
            "list_notes_books__book_id__notes_get",
            ["book_id", "limit", "cursor", "sort"],
        ),
        ("post", "/books/{book_id}/notes"): (
            "create_note_books__book_id__notes_post",
            ["book_id", "Idempotency-Key"],
        ),
        ("get", "/notes/{note_id}"): ("get_note_notes__note_id__get", ["note_id"]),
        ("patch", "/notes/{note_id}"): (
            "update_note_notes__note_id__patch",
            ["note_id", "If-Match"],
        ),
        ("delete", "/notes/{note_id}"): (
            "delete_note_notes__note_id__delete",
            ["note_id", "If-Match"],
        ),
    }
    assert paths["/notes/{note_id}"]["patch"]["requestBody"]["content"]["application/json"][
        "schema"
    ] == {"$ref": "#/components/schemas/NoteUpdate"}


def test_create_list_read_change_and_delete(notes: tuple[TestClient, dict[int, Note]]) -> None:
    client, kept = notes
    made = client.post("/books/7/notes", json={"text": "first"})
    assert made.status_code == 201
    assert made.json() == {"id": 1, "text": "first", "book_id": 7}
    client.post("/books/8/notes", json={"text": "elsewhere"})
    listed = client.get("/books/7/notes?filter[text]=first").json()
    assert listed == {"data": [{"id": 1, "text": "first", "book_id": 7}], "next": None}

    read = client.get("/notes/1")
    assert read.json() == {"id": 1, "text": "first"}
    tag = read.headers["ETag"]
    changed = client.patch("/notes/1", json={"text": "second"}, headers={"If-Match": tag})
    assert changed.json() == {"id": 1, "text": "second"}
    stale = client.patch("/notes/1", json={"text": "third"}, headers={"If-Match": tag})
    assert stale.status_code == 412
    assert kept[1].text == "second"
    assert client.delete("/notes/1", headers={"If-Match": tag}).status_code == 412
    assert client.delete("/notes/1").status_code == 204
    assert sorted(kept) == [2]


def test_owner_id_is_the_nested_collections_owner() -> None:
    assert owner_id(7) == 7
    with pytest.raises(TypeError):
        owner_id(None)
