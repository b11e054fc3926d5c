"""The five routes most records of ``/v1`` answer alike: a filtered, sorted page of them, a
create run once per ``Idempotency-Key``, one record with its ``ETag``, and a change and a delete
refused (412) when ``If-Match`` names an older state. A record names its service calls and its
JSON once; the routes, their OpenAPI operations and their parameters are built here.

The endpoints' signatures are written out (``__signature__``) because each record names its own
path parameters (``party_id``, ``project_id`` ...) and request bodies, and FastAPI reads them
from the signature to validate requests and write the OpenAPI document."""

from __future__ import annotations

import inspect
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass
from enum import Enum
from typing import Any, Generic, TypeVar

from fastapi import APIRouter, Response
from pydantic import BaseModel

from drawbridge.api.listing import FilterField
from drawbridge.api.native.deps import (
    Caller,
    Context,
    IdempotencyKey,
    IfMatch,
    check_if_match,
    created,
    read,
)
from drawbridge.api.native.lists import PAGED, list_parameters, respond_list
from drawbridge.api.native.responses import Page, ok
from drawbridge.api.validation import Id
from drawbridge.services.idempotency import UnitOfWork

View = TypeVar("View")
Json = dict[str, Any]
# A create's write, run in one unit of work (once per Idempotency-Key).
Write = Callable[[UnitOfWork], View]


@dataclass(frozen=True)
class Summaries:
    """Each route's one-line OpenAPI summary."""

    list: str
    create: str
    get: str
    update: str
    delete: str


@dataclass(frozen=True)
class RecordRoutes(Generic[View]):
    """One kind of record as ``/v1`` serves it.

    The records are at ``/{segment}/{{singular}_id}``, listed and created at ``/{segment}`` or,
    when ``owner`` names the path of the record they belong to (``/projects/{project_id}``),
    under it (``/projects/{project_id}/billing-periods``); the list and create calls then
    receive the owner's id, ``None`` otherwise. ``create`` reads and checks the body outside the
    unit of work and returns the write to run once per ``Idempotency-Key``.
    """

    tag: str
    singular: str
    plural: str
    segment: str
    out: type[BaseModel]
    create_body: type[BaseModel]
    update_body: type[BaseModel]
    summaries: Summaries
    filters: Mapping[str, FilterField]
    sorts: Sequence[str]
    row: Callable[[View], Mapping[str, object]]
    to_json: Callable[[View], Json]
    list_all: Callable[[Caller, int | None], Sequence[View]]
    get: Callable[[Caller, int], View]
    create: Callable[[Caller, int | None, Any], Write[View]]
    update: Callable[[Caller, int, View, Any], View]
    delete: Callable[[Caller, int, View], None]
    owner: str | None = None
    # The JSON of a record listed or created under its owner, when it names the owner.
    to_json_under: Callable[[View, int], Json] | None = None
    # What a repeated Idempotency-Key is compared on; by default the body as sent, with the
    # owner's id.
    request_of: Callable[[int | None, Any], object] | None = None
    create_verb: str = "create"
    delete_verb: str = "delete"

    @property
    def key(self) -> str:
        """The path parameter naming one record."""
        return f"{self.singular}_id"

    @property
    def item(self) -> str:
        return f"/{self.segment}/{{{self.key}}}"

    @property
    def collection(self) -> str:
        return f"{self.owner or ''}/{self.segment}"

    @property
    def parent(self) -> str | None:
        """The path parameter naming the owner, if any."""
        if self.owner is None:
            return None
        return self.owner.rsplit("{", 1)[1].rstrip("}")

    @property
    def scope(self) -> str:
        """Where the Idempotency-Keys of its creates are kept."""
        return self.segment

    def json_under(self, parent_id: int | None) -> Callable[[View], Json]:
        under = self.to_json_under
        if under is None or parent_id is None:
            return self.to_json
        return lambda view: under(view, parent_id)

    def request(self, parent_id: int | None, body: BaseModel) -> object:
        if self.request_of is not None:
            return self.request_of(parent_id, body)
        sent = body.model_dump(mode="json", exclude_unset=True)
        return sent if self.parent is None else {self.parent: parent_id, **sent}

    def current(self, ctx: Caller, record_id: int) -> tuple[View, Json]:
        view = self.get(ctx, record_id)
        return view, self.to_json(view)


def owner_id(parent_id: int | None) -> int:
    """The owner of a nested collection, which its path always names."""
    if parent_id is None:
        raise TypeError("a nested collection's path names its owner")
    return parent_id


def _parameter(name: str, annotation: Any, default: Any = inspect.Parameter.empty) -> Any:
    return inspect.Parameter(
        name, inspect.Parameter.KEYWORD_ONLY, annotation=annotation, default=default
    )


def _endpoint(name: str, parameters: list[Any], handle: Callable[..., Response]) -> Any:
    """``handle`` under ``name`` with the signature FastAPI reads its parameters from."""

    def endpoint(**given: Any) -> Response:
        return handle(**given)

    endpoint.__name__ = endpoint.__qualname__ = name
    endpoint.__signature__ = inspect.Signature(  # type: ignore[attr-defined]
        parameters, return_annotation=Response
    )
    return endpoint


def add_record_routes(router: APIRouter, record: RecordRoutes[View]) -> None:
    """List, create, get, change and delete ``record`` on ``router``."""
    owner = [_parameter(record.parent, Id)] if record.parent else []
    ctx = _parameter("ctx", Context)

    def parent_of(given: dict[str, Any]) -> int | None:
        return given[record.parent] if record.parent else None

    def list_records(**given: Any) -> Response:
        caller: Caller = given["ctx"]
        parent_id = parent_of(given)
        items = record.list_all(caller, parent_id)
        return respond_list(
            caller.request,
            items,
            record.row,
            record.filters,
            record.sorts,
            record.json_under(parent_id),
        )

    def create_record(**given: Any) -> Response:
        caller: Caller = given["ctx"]
        parent_id, body = parent_of(given), given["body"]
        write = record.create(caller, parent_id, body)
        hashed = record.request(parent_id, body)
        respond = record.json_under(parent_id)
        return created(caller, given["key"], record.scope, hashed, write, respond)

    def get_record(**given: Any) -> Response:
        caller: Caller = given["ctx"]
        return read(record.current(caller, given[record.key])[1], caller.request)

    def update_record(**given: Any) -> Response:
        caller: Caller = given["ctx"]
        record_id = given[record.key]
        view, current = record.current(caller, record_id)
        check_if_match(given["if_match"], current)
        changed = record.update(caller, record_id, view, given["body"])
        return read(record.to_json(changed), caller.request)

    def delete_record(**given: Any) -> Response:
        caller: Caller = given["ctx"]
        record_id = given[record.key]
        view, current = record.current(caller, record_id)
        check_if_match(given["if_match"], current)
        record.delete(caller, record_id, view)
        return Response(status_code=204)

    key = _parameter(record.key, Id)
    if_match = _parameter("if_match", IfMatch, None)
    summaries = record.summaries
    tags: list[str | Enum] = [record.tag]
    router.add_api_route(
        record.collection,
        _endpoint(f"list_{record.plural}", [*owner, ctx], list_records),
        methods=["GET"],
        responses=ok(Page[record.out]),  # type: ignore[name-defined]
        tags=tags,
        summary=summaries.list,
        description=list_parameters(record.filters, record.sorts),
        dependencies=PAGED,
    )
    router.add_api_route(
        record.collection,
        _endpoint(
            f"{record.create_verb}_{record.singular}",
            [
                *owner,
                _parameter("body", record.create_body),
                ctx,
                _parameter("key", IdempotencyKey, None),
            ],
            create_record,
        ),
        methods=["POST"],
        responses=ok(record.out, 201),
        tags=tags,
        status_code=201,
        summary=summaries.create,
    )
    router.add_api_route(
        record.item,
        _endpoint(f"get_{record.singular}", [key, ctx], get_record),
        methods=["GET"],
        responses=ok(record.out),
        tags=tags,
        summary=summaries.get,
    )
    router.add_api_route(
        record.item,
        _endpoint(
            f"update_{record.singular}",
            [key, _parameter("body", record.update_body), ctx, if_match],
            update_record,
        ),
        methods=["PATCH"],
        responses=ok(record.out),
        tags=tags,
        summary=summaries.update,
    )
    router.add_api_route(
        record.item,
        _endpoint(f"{record.delete_verb}_{record.singular}", [key, ctx, if_match], delete_record),
        methods=["DELETE"],
        tags=tags,
        status_code=204,
        summary=summaries.delete,
    )
