"""Sage Intacct objects: project contracts, their lines, change orders and contract types.

Each object has list, create, get, update (fields not given stay) and delete. A create may carry
an ``Idempotency-Key``: the same key and body within 24 hours answer the first response again and
create nothing.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from typing import Annotated, Any

from fastapi import APIRouter, Header, Query
from fastapi.responses import JSONResponse, Response
from pydantic import BaseModel

from drawbridge.api.intacct import mapping, schemas
from drawbridge.api.intacct.deps import Caller, IntacctCaller
from drawbridge.api.intacct.mapping import (
    CHANGE_ORDER,
    CONTRACT,
    CONTRACT_TYPE,
    LINE,
    intacct_fields,
)
from drawbridge.domain.errors import Invalid, NotFound
from drawbridge.services import change_orders, contracts, directory, idempotency, sov
from drawbridge.services.idempotency import UnitOfWork
from drawbridge.services.views import PrimeContractView

router = APIRouter(prefix="/objects", responses=schemas.ERROR_RESPONSES)

IdempotencyKey = Annotated[
    str | None,
    Header(
        alias="Idempotency-Key",
        description="Repeat a create safely: the same key and body within 24 hours answer the "
        "first response again.",
        max_length=255,
        pattern=r"^[!-~]+$",  # visible ASCII, as an HTTP header carries it
    ),
]
Start = Annotated[int, Query(ge=1, le=10**9, description="The first record to list (1-based).")]
MAX_KEY = 2**63 - 1
SINGLE = {"totalCount": 1, "totalSuccess": 1, "totalError": 0}


def _key(text: str, what: str) -> int:
    """A path key: the record's integer id; anything else names no record."""
    if not (text.isascii() and text.isdigit()) or not 0 < int(text) <= MAX_KEY:
        raise NotFound(f"no {what} with key {text!r}", field="key")
    return int(text)


def _listed(object_name: str, records: list[tuple[int, str]], start: int) -> dict[str, Any]:
    """Object references, at most 100 from ``start`` (1-based), with paging meta."""
    page = records[start - 1 : start - 1 + schemas.MAX_LIST_SIZE]
    return _listed_page(object_name, page, len(records), start)


def _listed_page(
    object_name: str, page: Sequence[tuple[int, str]], total: int, start: int
) -> dict[str, Any]:
    """A page of object references already chosen (at most 100 from ``start``, of ``total``)."""
    more = start - 1 + schemas.MAX_LIST_SIZE < total
    return {
        "ia::result": [mapping.object_ref(object_name, key, number) for key, number in page],
        "ia::meta": {
            "totalCount": total,
            "start": start,
            "pageSize": schemas.MAX_LIST_SIZE,
            "next": start + schemas.MAX_LIST_SIZE if more else None,
            "previous": max(1, start - schemas.MAX_LIST_SIZE) if start > 1 else None,
        },
    }


def _written(object_name: str, key: int, number: str, status: int = 200) -> JSONResponse:
    body = {"ia::result": mapping.object_ref(object_name, key, number), "ia::meta": SINGLE}
    return JSONResponse(body, status_code=status)


def _create(
    caller: IntacctCaller,
    object_name: str,
    body: BaseModel,
    key: str | None,
    create: Callable[[UnitOfWork], int],
    number: Callable[[], str],
) -> JSONResponse:
    """Run a create, once per ``Idempotency-Key`` when one is given."""

    def respond(new_key: int) -> tuple[int, Any]:
        ref = mapping.object_ref(object_name, new_key, number())
        return 201, {"ia::result": ref, "ia::meta": SINGLE}

    if key is None:
        status, answer = respond(create(caller.runtime.uow()))
        return JSONResponse(answer, status_code=status)
    stored = idempotency.run_once(
        caller.runtime.uow(),
        company_id=caller.actor.company_id,
        scope=f"intacct:{object_name}",
        key=key,
        request=idempotency.request_hash(body.model_dump(mode="json", exclude_unset=True)),
        create=create,
        respond=respond,
    )
    return JSONResponse(stored.body, status_code=stored.status)


def _contracts(caller: IntacctCaller, keys: list[int] | None = None) -> list[PrimeContractView]:
    return contracts.prime_contracts(caller.runtime.uow(read_only=True), caller.actor, keys)


def _contract(caller: IntacctCaller, key: int) -> PrimeContractView:
    found = _contracts(caller, [key])
    if not found:
        raise NotFound(f"no project contract with key {key}", field="key")
    return found[0]


def _records(caller: IntacctCaller) -> mapping.Records:
    return directory.named_records(caller.runtime.uow(read_only=True), caller.actor)


def _contract_key(caller: IntacctCaller, given: schemas.RefIn | None, target: str) -> int:
    if given is None or (given.key is None and given.id is None):
        raise Invalid(f"{target}: give the id or the key of the project contract", field=target)
    key = None
    if given.key is not None:
        if not (given.key.isascii() and given.key.isdigit()) or int(given.key) > MAX_KEY:
            raise Invalid(f"{target}: no project contract {given.key!r}", field=target)
        key = int(given.key)
    return contracts.prime_contract_id(
        caller.runtime.uow(read_only=True),
        caller.actor,
        key=key,
        number=None if key is not None else given.id,
        field_name=target,
    )


# -- project contracts --------------------------------------------------------------------------


@router.get("/construction/project-contract", response_model=schemas.ListResult)
def list_project_contracts(caller: Caller, start: Start = 1) -> dict[str, Any]:
    """List project contracts (object references, at most 100)."""
    refs = contracts.prime_contract_refs(
        caller.runtime.uow(read_only=True),
        caller.actor,
        offset=start - 1,
        limit=schemas.MAX_LIST_SIZE,
    )
    rows = [(ref.id, ref.number) for ref in refs.items]
    return _listed_page(CONTRACT, rows, refs.total, start)


@router.post("/construction/project-contract", status_code=201, response_model=schemas.WriteResult)
def create_project_contract(
    body: schemas.ProjectContractIn, caller: Caller, idempotency_key: IdempotencyKey = None
) -> JSONResponse:
    """Create a project contract (a prime contract of the ledger)."""
    if caller.entity and "location" not in body.model_fields_set:
        # A contract created in an entity belongs to it.
        body = body.model_copy(update={"location": schemas.RefIn(id=caller.entity)})
    changes = mapping.contract_changes(body, _records(caller), creating=True)

    def create(uow: UnitOfWork) -> int:
        with intacct_fields(mapping.CONTRACT_FIELDS):
            return contracts.create_contract(uow, caller.actor, changes)

    return _create(caller, CONTRACT, body, idempotency_key, create, lambda: str(body.id))


@router.get("/construction/project-contract/{key}", response_model=schemas.ContractResult)
def get_project_contract(key: str, caller: Caller) -> dict[str, Any]:
    """Get a project contract with its summary and billing roll-up."""
    view = _contract(caller, _key(key, "project contract"))
    return {"ia::result": mapping.to_project_contract(view), "ia::meta": SINGLE}


@router.patch("/construction/project-contract/{key}", response_model=schemas.WriteResult)
def update_project_contract(
    key: str, body: schemas.ProjectContractIn, caller: Caller
) -> JSONResponse:
    """Update a project contract: the fields given change, the others stay."""
    existing = _contract(caller, _key(key, "project contract"))
    changes = mapping.contract_changes(body, _records(caller), creating=False, existing=existing)
    with intacct_fields(mapping.CONTRACT_FIELDS):
        contracts.update_contract(
            caller.runtime.uow(), caller.actor, existing.contract.id, changes, kind="prime"
        )
    number = body.id if body.id is not None else existing.contract.number
    return _written(CONTRACT, existing.contract.id, number)


@router.delete("/construction/project-contract/{key}", status_code=204)
def delete_project_contract(key: str, caller: Caller) -> Response:
    """Delete a project contract that has no pay applications or payments."""
    existing = _contract(caller, _key(key, "project contract"))
    contracts.delete_contract(
        caller.runtime.uow(), caller.actor, existing.contract.id, kind="prime"
    )
    return Response(status_code=204)


# -- project contract lines ---------------------------------------------------------------------


def _line(caller: IntacctCaller, key: int) -> tuple[Any, PrimeContractView]:
    for view in _contracts(caller):
        for line in view.lines:
            if line.line.id == key:
                return line, view
    raise NotFound(f"no project contract line with key {key}", field="key")


@router.get("/construction/project-contract-line", response_model=schemas.ListResult)
def list_project_contract_lines(caller: Caller, start: Start = 1) -> dict[str, Any]:
    """List project contract lines (object references, at most 100)."""
    refs = contracts.prime_contract_line_refs(
        caller.runtime.uow(read_only=True),
        caller.actor,
        offset=start - 1,
        limit=schemas.MAX_LIST_SIZE,
    )
    rows = [(ref.id, ref.number) for ref in refs.items]
    return _listed_page(LINE, rows, refs.total, start)


@router.post(
    "/construction/project-contract-line", status_code=201, response_model=schemas.WriteResult
)
def create_project_contract_line(
    body: schemas.ProjectContractLineIn, caller: Caller, idempotency_key: IdempotencyKey = None
) -> JSONResponse:
    """Add a line to a project contract's schedule of values (before its first pay app)."""
    changes = mapping.line_changes(body, creating=True)
    contract_id = _contract_key(caller, body.projectContract, "projectContract")

    def create(uow: UnitOfWork) -> int:
        with intacct_fields(mapping.LINE_FIELDS):
            return sov.create_line(uow, caller.actor, contract_id, changes)

    return _create(caller, LINE, body, idempotency_key, create, lambda: str(body.id))


@router.get("/construction/project-contract-line/{key}", response_model=schemas.LineResult)
def get_project_contract_line(key: str, caller: Caller) -> dict[str, Any]:
    """Get a project contract line with its pricing and billing."""
    line, contract = _line(caller, _key(key, "project contract line"))
    return {"ia::result": mapping.to_contract_line(line, contract), "ia::meta": SINGLE}


@router.patch("/construction/project-contract-line/{key}", response_model=schemas.WriteResult)
def update_project_contract_line(
    key: str, body: schemas.ProjectContractLineIn, caller: Caller
) -> JSONResponse:
    """Update a project contract line; its amounts only before the contract's first pay app."""
    line, contract = _line(caller, _key(key, "project contract line"))
    if body.projectContract is not None:
        moved = _contract_key(caller, body.projectContract, "projectContract")
        if moved != contract.contract.id:
            raise Invalid(
                "projectContract: a line stays on its project contract", field="projectContract"
            )
    changes = mapping.merge_billing_setup(mapping.line_changes(body, creating=False), line.details)
    with intacct_fields(mapping.LINE_FIELDS):
        sov.update_line(caller.runtime.uow(), caller.actor, line.line.id, changes)
    return _written(LINE, line.line.id, body.id if body.id is not None else line.line.number)


@router.delete("/construction/project-contract-line/{key}", status_code=204)
def delete_project_contract_line(key: str, caller: Caller) -> Response:
    """Delete a line of a project contract that has no pay application yet."""
    line, _ = _line(caller, _key(key, "project contract line"))
    sov.delete_line(caller.runtime.uow(), caller.actor, line.line.id)
    return Response(status_code=204)


# -- project change orders ----------------------------------------------------------------------


def _change_orders(caller: IntacctCaller, keys: list[int] | None = None) -> list[Any]:
    return change_orders.prime_packages(caller.runtime.uow(read_only=True), caller.actor, keys)


def _change_order(caller: IntacctCaller, key: int) -> tuple[Any, Any, PrimeContractView]:
    found = _change_orders(caller, [key])
    if not found:
        raise NotFound(f"no project change order with key {key}", field="key")
    package, trail = found[0]
    return package, trail, _contract(caller, package.contract_id)


def _line_of(contract: PrimeContractView, given: schemas.RefIn | None) -> int | None:
    if given is None:
        return None
    for line in contract.lines:
        if (given.key is not None and given.key == str(line.line.id)) or (
            given.key is None and given.id == line.line.number
        ):
            return line.line.id
    named = given.key if given.key is not None else given.id
    raise Invalid(
        f"projectContractLine: no line {named!r} on project contract {contract.contract.number}",
        field="projectContractLine",
        code="unknown_reference",
    )


@router.get("/construction/project-change-order", response_model=schemas.ListResult)
def list_project_change_orders(caller: Caller, start: Start = 1) -> dict[str, Any]:
    """List project change orders (object references, at most 100)."""
    rows = [(package.id, package.number) for package, _ in _change_orders(caller)]
    return _listed(CHANGE_ORDER, rows, start)


@router.post(
    "/construction/project-change-order", status_code=201, response_model=schemas.WriteResult
)
def create_project_change_order(
    body: schemas.ProjectChangeOrderIn, caller: Caller, idempotency_key: IdempotencyKey = None
) -> JSONResponse:
    """Create a change order on a project contract (approved ones change the contract sum)."""
    if body.projectContract is None:
        raise Invalid("projectContract: required", field="projectContract")
    contract = _contract(caller, _contract_key(caller, body.projectContract, "projectContract"))
    changes = mapping.package_changes(
        body, creating=True, line_id=_line_of(contract, body.projectContractLine)
    )

    def create(uow: UnitOfWork) -> int:
        with intacct_fields(mapping.CHANGE_ORDER_FIELDS):
            return change_orders.create_package(uow, caller.actor, contract.contract.id, changes)

    return _create(caller, CHANGE_ORDER, body, idempotency_key, create, lambda: str(body.id))


@router.get("/construction/project-change-order/{key}", response_model=schemas.ChangeOrderResult)
def get_project_change_order(key: str, caller: Caller) -> dict[str, Any]:
    """Get a project change order."""
    package, trail, contract = _change_order(caller, _key(key, "project change order"))
    return {"ia::result": mapping.to_change_order(package, trail, contract), "ia::meta": SINGLE}


@router.patch("/construction/project-change-order/{key}", response_model=schemas.WriteResult)
def update_project_change_order(
    key: str, body: schemas.ProjectChangeOrderIn, caller: Caller
) -> JSONResponse:
    """Update a project change order that no pay application has billed yet."""
    package, _, contract = _change_order(caller, _key(key, "project change order"))
    if body.projectContract is not None:
        moved = _contract_key(caller, body.projectContract, "projectContract")
        if moved != contract.contract.id:
            raise Invalid(
                "projectContract: a change order stays on its project contract",
                field="projectContract",
            )
    kept_line = next((item.sov_line_id for item in package.items if item.sov_line_id), None)
    line_id = (
        _line_of(contract, body.projectContractLine)
        if "projectContractLine" in body.model_fields_set
        else kept_line
    )
    changes = mapping.package_changes(body, creating=False, line_id=line_id, existing=package)
    with intacct_fields(mapping.CHANGE_ORDER_FIELDS):
        change_orders.update_package(caller.runtime.uow(), caller.actor, package.id, changes)
    return _written(CHANGE_ORDER, package.id, body.id if body.id is not None else package.number)


@router.delete("/construction/project-change-order/{key}", status_code=204)
def delete_project_change_order(key: str, caller: Caller) -> Response:
    """Delete a project change order that no pay application has billed."""
    package, _, _ = _change_order(caller, _key(key, "project change order"))
    change_orders.delete_package(caller.runtime.uow(), caller.actor, package.id)
    return Response(status_code=204)


# -- project contract types ---------------------------------------------------------------------

CONTRACT_TYPE_KIND = "contract_type"


@router.get("/construction/project-contract-type", response_model=schemas.ListResult)
def list_project_contract_types(caller: Caller, start: Start = 1) -> dict[str, Any]:
    """List project contract types (object references, at most 100)."""
    entries = directory.list_entries(
        caller.runtime.uow(read_only=True), caller.actor, CONTRACT_TYPE_KIND
    )
    return _listed(CONTRACT_TYPE, [(entry.id, entry.code) for entry in entries], start)


@router.post(
    "/construction/project-contract-type", status_code=201, response_model=schemas.WriteResult
)
def create_project_contract_type(
    body: schemas.ProjectContractTypeIn, caller: Caller, idempotency_key: IdempotencyKey = None
) -> JSONResponse:
    """Create a project contract type."""
    values = mapping.contract_type_values(body, creating=True)

    def create(uow: UnitOfWork) -> int:
        with intacct_fields(mapping.CONTRACT_TYPE_FIELDS):
            return directory.create_entry(uow, caller.actor, CONTRACT_TYPE_KIND, values).id

    return _create(caller, CONTRACT_TYPE, body, idempotency_key, create, lambda: str(body.id))


@router.get("/construction/project-contract-type/{key}", response_model=schemas.ContractTypeResult)
def get_project_contract_type(key: str, caller: Caller) -> dict[str, Any]:
    """Get a project contract type."""
    entry = directory.get_entry(
        caller.runtime.uow(read_only=True),
        caller.actor,
        CONTRACT_TYPE_KIND,
        _key(key, "project contract type"),
    )
    return {"ia::result": mapping.to_contract_type(entry), "ia::meta": SINGLE}


@router.patch("/construction/project-contract-type/{key}", response_model=schemas.WriteResult)
def update_project_contract_type(
    key: str, body: schemas.ProjectContractTypeIn, caller: Caller
) -> JSONResponse:
    """Rename or (de)activate a project contract type; its id never changes."""
    with intacct_fields(mapping.CONTRACT_TYPE_FIELDS):
        entry = directory.update_entry(
            caller.runtime.uow(),
            caller.actor,
            CONTRACT_TYPE_KIND,
            _key(key, "project contract type"),
            mapping.contract_type_values(body, creating=False),
        )
    return _written(CONTRACT_TYPE, entry.id, entry.code)


@router.delete("/construction/project-contract-type/{key}", status_code=204)
def delete_project_contract_type(key: str, caller: Caller) -> Response:
    """Delete a project contract type that no project contract uses."""
    directory.delete_entry(
        caller.runtime.uow(),
        caller.actor,
        CONTRACT_TYPE_KIND,
        _key(key, "project contract type"),
    )
    return Response(status_code=204)
