"""Intacct shapes <-> the ledger's views and commands.

Objects and the ledger (the same records every face shows):
- ``project-contract`` is a prime contract: ``key`` = contract id, ``id`` = contract number,
  ``name`` = title, ``customer`` = its customer party, ``project.id`` = project code.
- ``project-contract-line`` is an SOV line: ``key`` = line id, ``id`` = line number, ``name`` =
  the line's G703 description; ``projectContractLineEntries`` are its amount entries.
- ``project-change-order`` is a change-order package: ``id`` = package number, ``description`` =
  title, ``changeRequestStatus`` = status, ``state`` draft for a draft package and posted for any
  other, ``changeOrderDate`` = approved date, ``totalPrice`` = the sum of its items.
- ``project-contract-type`` is a contract-type entry of the company's directory.
References are ``{key, id, name, href}`` resolved from the company's named records.
"""

from __future__ import annotations

from collections.abc import Iterator, Mapping, Sequence
from contextlib import contextmanager
from datetime import date, datetime
from decimal import Decimal
from typing import Any

from pydantic import BaseModel

from drawbridge.api.intacct import schemas
from drawbridge.api.query import FIELD_TYPES, Catalog
from drawbridge.domain.errors import Invalid, LedgerError
from drawbridge.domain.money import format_cents, parse_amount, parse_percent
from drawbridge.services import change_orders, contracts, directory, sov
from drawbridge.services.views import (
    ChangeOrderPackageView,
    DirectoryEntryView,
    LineBillingView,
    PrimeContractView,
    SovLineEntryView,
    TrailView,
)

CONTRACT = "construction/project-contract"
LINE = "construction/project-contract-line"
CHANGE_ORDER = "construction/project-change-order"
CONTRACT_TYPE = "construction/project-contract-type"
OBJECTS: dict[str, type[BaseModel]] = {
    CONTRACT: schemas.ProjectContract,
    LINE: schemas.ProjectContractLine,
    CHANGE_ORDER: schemas.ProjectChangeOrder,
    CONTRACT_TYPE: schemas.ProjectContractType,
}

# Where each kind of named record lives in Intacct.
HREFS = {
    "project": "/objects/projects/project/{}",
    "customer": "/objects/accounts-receivable/customer/{}",
    "architect": "/objects/company-config/contact/{}",
    "contact": "/objects/company-config/contact/{}",
    "employee": "/objects/company-config/employee/{}",
    "location": "/objects/company-config/location/{}",
    "supporting_document": "/objects/company-config/attachment/{}",
    "contract_type": "/objects/construction/project-contract-type/{}",
}
INTERNAL_PEOPLE = ("initiatedBy", "verbalApprovalBy", "issuedBy", "approvedBy", "signedBy")
EXTERNAL_PEOPLE = ("verbalApprovalBy", "approvedBy", "signedBy")

# The services' field names, as each Intacct object calls them (for error targets).
CONTRACT_FIELDS = {
    "number": "id",
    "title": "name",
    "party": "customer",
    "contract_date": "contractDate",
}
LINE_FIELDS = {"number": "id", "description": "name"}
CHANGE_ORDER_FIELDS = {
    "number": "id",
    "title": "description",
    "status": "changeRequestStatus",
    "approved_date": "changeOrderDate",
}
CONTRACT_TYPE_FIELDS = {"code": "id"}


def href(object_name: str, key: int) -> str:
    return f"/objects/{object_name}/{key}"


def object_ref(object_name: str, key: int, number: str) -> dict[str, str]:
    return {"key": str(key), "id": number, "href": href(object_name, key)}


@contextmanager
def intacct_fields(names: Mapping[str, str]) -> Iterator[None]:
    """Re-raise a ledger error with its field named as the Intacct object names it."""
    try:
        yield
    except LedgerError as error:
        if error.field is not None and error.field in names:
            renamed = names[error.field]
            if error.message.startswith(f"{error.field}:"):
                error.message = renamed + error.message[len(error.field) :]
            error.field = renamed
            error.args = (error.message,)
        raise


# -- values -------------------------------------------------------------------------------------


def money(cents: int) -> str:
    return format_cents(cents)


def percent(value: Decimal) -> str:
    return str(value.quantize(Decimal("0.01")))


def timestamp(moment: datetime | None) -> str | None:
    return None if moment is None else moment.strftime("%Y-%m-%dT%H:%M:%SZ")


def audit(trail: TrailView) -> dict[str, Any]:
    return {
        "createdDateTime": timestamp(trail.created_at),
        "modifiedDateTime": timestamp(trail.modified_at),
        "createdBy": None if trail.created_by is None else str(trail.created_by),
        "modifiedBy": None if trail.modified_by is None else str(trail.modified_by),
    }


def parse_date(text: str | None, target: str) -> date | None:
    if text is None:
        return None
    try:
        return date.fromisoformat(text)
    except ValueError:
        raise Invalid(f"{target}: not a date (YYYY-MM-DD)", field=target) from None


# -- references ---------------------------------------------------------------------------------

Records = Mapping[tuple[str, str], DirectoryEntryView]


def reference(records: Records, kind: str, code: object) -> dict[str, Any] | None:
    """A ``{key, id, name, href}`` reference to a named record, or None when none is set."""
    if code is None:
        return None
    found = records.get((kind, str(code)))
    if found is None:  # a record removed since: show the id the contract names
        return {"key": None, "id": str(code), "name": None, "href": None}
    return {
        "key": str(found.id),
        "id": found.code,
        "name": found.name,
        "href": HREFS[kind].format(found.id),
    }


def reference_code(
    given: schemas.RefIn | None, kind: str, target: str, records: Records
) -> str | None:
    """The code a reference names, by ``id`` or else by ``key``; None for no reference."""
    if given is None:
        return None
    if given.id is not None:
        if (kind, given.id) not in records:
            raise Invalid(
                f"{target}: no {kind.replace('_', ' ')} with id {given.id!r}",
                field=target,
                code="unknown_reference",
            )
        return given.id
    if given.key is not None:
        for (record_kind, code), record in records.items():
            if record_kind == kind and str(record.id) == given.key:
                return code
        raise Invalid(
            f"{target}: no {kind.replace('_', ' ')} with key {given.key!r}",
            field=target,
            code="unknown_reference",
        )
    raise Invalid(f"{target}: give the id or the key of the reference", field=target)


# -- project contract ---------------------------------------------------------------------------


def to_project_contract(view: PrimeContractView) -> dict[str, Any]:
    contract, billing, records = view.contract, view.billing, view.references
    details = contract.details
    schedule = details.get("schedule")
    return {
        "key": str(contract.id),
        "id": contract.number,
        "name": contract.title,
        "project": {
            "key": str(view.project.id),
            "id": view.project.code,
            "name": view.project.name,
            "href": HREFS["project"].format(view.project.id),
        },
        "location": reference(records, "location", details.get("location")),
        "customer": reference(records, "customer", contract.party.code),
        "contractDate": contract.contract_date.isoformat() if contract.contract_date else None,
        "description": details.get("description"),
        "projectContractType": reference(records, "contract_type", details.get("contract_type")),
        "architect": reference(
            records, "architect", contract.architect.code if contract.architect else None
        ),
        "isBillable": bool(details.get("is_billable")),
        "attachment": reference(records, "supporting_document", details.get("attachment")),
        "status": "active" if contract.is_active else "inactive",
        "summary": {
            "totalPrice": money(billing.total_price),
            "originalPrice": money(billing.original_price),
            "revisionPrice": money(billing.revision_price),
            "approvedChangePrice": money(billing.approved_change_price),
            "pendingChangePrice": money(billing.pending_change_price),
            "otherPrice": money(billing.other_price),
            "forecastPrice": money(billing.forecast_price),
        },
        "billing": {
            "billedPrice": money(billing.billed_price),
            "totalBilledNetRetainage": money(billing.total_billed_net_retainage),
            "percentBilled": percent(billing.percent_billed),
            "percentBilledNetRetainage": percent(billing.percent_billed_net_retainage),
            "totalRetainageHeld": money(billing.total_retainage_held),
            "totalRetainageReleased": money(billing.total_retainage_released),
            "retainageBalance": money(billing.retainage_balance),
            "balanceToBill": money(billing.balance_to_bill),
            "balanceToBillNetRetainage": money(billing.balance_to_bill_net_retainage),
            "totalPaymentsReceived": money(billing.total_payments_received),
            # drawbridge bills no tax, discounts or charges: the net totals are the totals.
            "netTotalBilled": money(billing.billed_price),
            "netTotalPaymentsReceived": money(billing.total_payments_received),
            "subtotalBilledAsTax": money(0),
            "subtotalBilledAsDiscount": money(0),
            "subtotalBilledAsCharge": money(0),
            "lastApplicationNumber": (
                None
                if billing.last_application_number is None
                else str(billing.last_application_number)
            ),
        },
        "excludeFromWIPReporting": bool(details.get("exclude_from_wip_reporting")),
        "scope": details.get("scope"),
        "inclusions": details.get("inclusions"),
        "exclusions": details.get("exclusions"),
        "terms": details.get("terms"),
        "schedule": dict(schedule) if schedule else None,
        "internalReference": _document_reference(
            details.get("internal_reference"), INTERNAL_PEOPLE, "employee", records
        ),
        "externalReference": _document_reference(
            details.get("external_reference"), EXTERNAL_PEOPLE, "contact", records
        ),
        "audit": audit(view.trail),
        "href": href(CONTRACT, contract.id),
    }


def _document_reference(
    stored: Mapping[str, Any] | None, people: Sequence[str], kind: str, records: Records
) -> dict[str, Any] | None:
    if not stored:
        return None
    return {
        name: reference(records, kind, value) if name in people else value
        for name, value in stored.items()
    }


def contract_changes(
    body: schemas.ProjectContractIn,
    records: Records,
    *,
    creating: bool,
    existing: PrimeContractView | None = None,
) -> contracts.ContractChanges:
    """The ledger command for a create (required fields checked) or an update (only the fields
    given; nested schedule and references merge into what the contract has)."""
    given = body.model_fields_set
    if creating:
        for name in ("id", "name", "project", "customer", "contractDate"):
            if getattr(body, name) is None:
                raise Invalid(f"{name}: required", field=name)
    values: dict[str, Any] = {}
    checks: list[directory.Reference] = []
    simple = {
        "id": "number",
        "name": "title",
        "description": "description",
        "scope": "scope",
        "inclusions": "inclusions",
        "exclusions": "exclusions",
        "terms": "terms",
    }
    for name, neutral in simple.items():
        if name in given:
            if name in ("id", "name") and getattr(body, name) is None:
                raise Invalid(f"{name}: may not be null", field=name)
            values[neutral] = getattr(body, name)
    for name, neutral in (
        ("isBillable", "is_billable"),
        ("excludeFromWIPReporting", "exclude_from_wip_reporting"),
    ):
        if name in given:
            values[neutral] = bool(getattr(body, name))
    if "status" in given:
        values["is_active"] = body.status != "inactive"
    if "contractDate" in given:
        if body.contractDate is None:
            raise Invalid("contractDate: may not be null", field="contractDate")
        values["contract_date"] = parse_date(body.contractDate, "contractDate")
    for name, neutral, kind in (
        ("project", "project", "project"),
        ("customer", "party", "customer"),
        ("architect", "architect", "architect"),
        ("projectContractType", "contract_type", "contract_type"),
        ("location", "location", "location"),
        ("attachment", "attachment", "supporting_document"),
    ):
        if name in given:
            code = reference_code(getattr(body, name), kind, name, records)
            if code is None and name in ("project", "customer"):
                raise Invalid(f"{name}: may not be null", field=name)
            values[neutral] = code
    details = existing.contract.details if existing else {}
    if "schedule" in given:
        values["schedule"] = _merged(
            details.get("schedule"),
            None if body.schedule is None else body.schedule.model_dump(exclude_unset=True),
            "schedule",
        )
    for name, neutral, people, kind in (
        ("internalReference", "internal_reference", INTERNAL_PEOPLE, "employee"),
        ("externalReference", "external_reference", EXTERNAL_PEOPLE, "contact"),
    ):
        if name not in given:
            continue
        section = getattr(body, name)
        if section is None:
            values[neutral] = None
            continue
        changes: dict[str, Any] = {}
        for field_name in section.model_fields_set:
            value = getattr(section, field_name)
            target = f"{name}.{field_name}"
            if field_name in people:
                changes[field_name] = reference_code(value, kind, target, records)
            else:
                if field_name.endswith("Date"):
                    parse_date(value, target)
                changes[field_name] = value
        values[neutral] = {**(details.get(neutral) or {}), **changes}
    return contracts.ContractChanges(values=values, references=checks)


def _merged(
    stored: Mapping[str, Any] | None, changes: Mapping[str, Any] | None, name: str
) -> dict[str, Any] | None:
    if changes is None:
        return None
    for field_name, value in changes.items():
        if field_name.endswith("Date"):
            parse_date(value, f"{name}.{field_name}")
    return {**(stored or {}), **changes}


# -- project contract line ----------------------------------------------------------------------


def to_contract_line(view: LineBillingView, contract: PrimeContractView) -> dict[str, Any]:
    line, details = view.line, view.details
    setup = details.get("billing_setup") or {}
    net = view.billed - view.retainage_balance
    return {
        "key": str(line.id),
        "id": line.number,
        "href": href(LINE, line.id),
        "projectContract": {
            "key": str(contract.contract.id),
            "id": contract.contract.number,
            "name": contract.contract.title,
            "href": href(CONTRACT, contract.contract.id),
        },
        "name": line.description,
        "description": details.get("description"),
        "contractLineDate": details.get("contract_line_date"),
        "retainagePercentage": details.get("retainage_percentage"),
        "isBillable": details.get("is_billable", True),
        "billingSetup": {
            "billingType": setup.get("billingType", "progressBill"),
            "maximumBilling": setup.get("maximumBilling", "totalPrice"),
            "maximumBillingAmount": setup.get("maximumBillingAmount"),
            "summarizeBill": setup.get("summarizeBill", False),
        },
        "summary": {
            "originalPrice": money(view.original),
            "revisionPrice": money(view.revision),
            "forecastPrice": money(view.forecast),
            "approvedChangePrice": money(view.approved_change),
            "pendingChangePrice": money(view.pending_change),
            "otherPrice": money(view.other),
            "totalPrice": money(view.total),
        },
        "billing": {
            "billedPrice": money(view.billed),
            "previouslyAppliedPrice": money(view.previously_applied),
            "billedNetRetainage": money(net),
            "percentBilled": percent(view.percent_billed),
            "percentBilledNetRetainage": percent(view.percent_billed_net_retainage),
            "retainageHeld": money(view.retainage_held),
            "retainageReleased": money(view.retainage_released),
            "retainageBalance": money(view.retainage_balance),
            "paymentsReceived": money(view.payments_received),
        },
        "projectContractLineEntries": [_line_entry(entry) for entry in view.entries],
        "status": "active",
        "audit": audit(view.trail),
    }


def _line_entry(entry: SovLineEntryView) -> dict[str, Any]:
    return {
        "key": str(entry.id),
        "id": str(entry.id),
        "href": f"/objects/construction/project-contract-line-entry/{entry.id}",
        "workflowType": entry.workflow_type,
        "price": money(entry.amount),
        "memo": entry.memo,
        "priceEffectiveDate": entry.effective_date.isoformat() if entry.effective_date else None,
        "audit": {
            "createdDateTime": timestamp(entry.created_at),
            "modifiedDateTime": timestamp(entry.updated_at),
            "createdBy": None,
            "modifiedBy": None,
        },
    }


def line_changes(body: schemas.ProjectContractLineIn, *, creating: bool) -> sov.LineChanges:
    given = body.model_fields_set
    if creating:
        for name in ("projectContract", "id", "name"):
            if getattr(body, name) is None:
                raise Invalid(f"{name}: required", field=name)
    values: dict[str, Any] = {}
    if "id" in given:
        values["number"] = body.id
    if "name" in given:
        values["description"] = body.name
    details: dict[str, Any] = {}
    if "description" in given:
        details["description"] = body.description
    if "contractLineDate" in given:
        parse_date(body.contractLineDate, "contractLineDate")
        details["contract_line_date"] = body.contractLineDate
    if "retainagePercentage" in given:
        details["retainage_percentage"] = (
            None
            if body.retainagePercentage is None
            else percent(parse_percent(body.retainagePercentage, "retainagePercentage"))
        )
    if "isBillable" in given:
        details["is_billable"] = bool(body.isBillable)
    if body.billingSetup is not None:
        setup = body.billingSetup.model_dump(exclude_unset=True)
        if setup.get("maximumBillingAmount") is not None:
            setup["maximumBillingAmount"] = money(
                parse_amount(setup["maximumBillingAmount"], "billingSetup.maximumBillingAmount")
            )
        details["billing_setup"] = setup
    entries = []
    for index, entry in enumerate(body.projectContractLineEntries or ()):
        where = f"projectContractLineEntries[{index}]"
        entry_id = None
        if entry.key is not None:
            if not entry.key.isdigit():
                raise Invalid(f"{where}.key: not an entry key", field=f"{where}.key")
            entry_id = int(entry.key)
        entries.append(
            sov.EntryInput(
                workflow_type=entry.workflowType,
                amount=parse_amount(entry.price, f"{where}.price"),
                effective_date=parse_date(entry.priceEffectiveDate, f"{where}.priceEffectiveDate"),
                memo=entry.memo,
                entry_id=entry_id,
            )
        )
    return sov.LineChanges(values=values, details=details, entries=entries)


def merge_billing_setup(changes: sov.LineChanges, stored: Mapping[str, Any]) -> sov.LineChanges:
    """A partial ``billingSetup`` on an update keeps the settings it does not name."""
    setup = changes.details.get("billing_setup")
    if setup is None:
        return changes
    details = {**changes.details, "billing_setup": {**(stored.get("billing_setup") or {}), **setup}}
    return sov.LineChanges(
        values=changes.values,
        details=details,
        entries=changes.entries,
        removed_entry_ids=changes.removed_entry_ids,
    )


# -- project change order -----------------------------------------------------------------------


def to_change_order(
    view: ChangeOrderPackageView,
    trail: TrailView,
    contract: PrimeContractView,
) -> dict[str, Any]:
    line_id = next((item.sov_line_id for item in view.items if item.sov_line_id), None)
    line = next((lv.line for lv in contract.lines if lv.line.id == line_id), None)
    return {
        "key": str(view.id),
        "id": view.number,
        "href": href(CHANGE_ORDER, view.id),
        "description": view.title,
        "projectContract": {
            "key": str(contract.contract.id),
            "id": contract.contract.number,
            "name": contract.contract.title,
            "href": href(CONTRACT, contract.contract.id),
        },
        "projectContractLine": (
            None
            if line is None
            else {
                "key": str(line.id),
                "id": line.number,
                "name": line.description,
                "href": href(LINE, line.id),
            }
        ),
        "state": "draft" if view.status == "draft" else "posted",
        "changeRequestStatus": view.status,
        "changeOrderDate": view.approved_date.isoformat() if view.approved_date else None,
        "totalPrice": money(view.amount),
        "audit": audit(trail),
    }


def package_changes(
    body: schemas.ProjectChangeOrderIn,
    *,
    creating: bool,
    line_id: int | None,
    existing: ChangeOrderPackageView | None = None,
) -> change_orders.PackageChanges:
    given = body.model_fields_set
    if creating:
        for name in ("projectContract", "id"):
            if getattr(body, name) is None:
                raise Invalid(f"{name}: required", field=name)
    values: dict[str, Any] = {}
    if "id" in given:
        values["number"] = body.id
    if "description" in given:
        values["title"] = body.description
    elif creating:
        values["title"] = body.id
    if body.changeRequestStatus is not None:
        if body.state == "draft" and body.changeRequestStatus != "draft":
            raise Invalid(
                "state: a draft change order has changeRequestStatus draft", field="state"
            )
        values["status"] = body.changeRequestStatus
    elif body.state is not None:
        values["status"] = "draft" if body.state == "draft" else "pending"
    if "changeOrderDate" in given:
        values["approved_date"] = parse_date(body.changeOrderDate, "changeOrderDate")
    items = None
    if creating or "totalPrice" in given or "projectContractLine" in given:
        amount = (
            parse_amount(body.totalPrice, "totalPrice")
            if body.totalPrice is not None
            else (existing.amount if existing else 0)
        )
        title = values.get("title") or (existing.title if existing else body.id) or ""
        items = [change_orders.ItemInput(description=title, amount=amount, sov_line_id=line_id)]
    return change_orders.PackageChanges(values=values, items=items)


# -- project contract type ----------------------------------------------------------------------


def to_contract_type(view: DirectoryEntryView) -> dict[str, Any]:
    return {
        "key": str(view.id),
        "id": view.code,
        "name": view.name,
        "status": "active" if view.is_active else "inactive",
        "href": href(CONTRACT_TYPE, view.id),
        "audit": {
            "createdDateTime": timestamp(view.created_at),
            "modifiedDateTime": timestamp(view.updated_at),
            "createdBy": None if view.created_by_id is None else str(view.created_by_id),
            "modifiedBy": None,
        },
    }


def contract_type_values(body: schemas.ProjectContractTypeIn, *, creating: bool) -> dict[str, Any]:
    given = body.model_fields_set
    if creating and body.id is None:
        raise Invalid("id: required", field="id")
    values: dict[str, Any] = {}
    if "id" in given:
        values["code"] = body.id
    if "name" in given:
        values["name"] = body.name
    if "status" in given:
        values["is_active"] = body.status != "inactive"
    return values


# -- the field catalog of each object -----------------------------------------------------------


def describe(model: type[BaseModel]) -> dict[str, dict[str, Any]]:
    """Each field of an object by dotted path: its type and whether a client may set it."""
    schema = model.model_json_schema()
    definitions = schema.get("$defs", {})
    fields: dict[str, dict[str, Any]] = {}

    def walk(node: Mapping[str, Any], prefix: str, read_only: bool) -> None:
        for name, prop in node.get("properties", {}).items():
            path = f"{prefix}{name}"
            locked = read_only or bool(prop.get("readOnly"))
            target = _resolved(prop, definitions)
            if "properties" in target:
                walk(target, path + ".", locked)
            elif target.get("type") == "array":
                continue
            else:
                fields[path] = {"type": _field_type(target), "readOnly": locked}

    walk(schema, "", False)
    return fields


def catalog(object_name: str) -> Catalog:
    return Catalog({path: info["type"] for path, info in describe(OBJECTS[object_name]).items()})


def _resolved(prop: Mapping[str, Any], definitions: Mapping[str, Any]) -> Mapping[str, Any]:
    if "$ref" in prop:
        return _resolved(definitions[prop["$ref"].rsplit("/", 1)[-1]], definitions)
    for option in prop.get("anyOf", prop.get("allOf", ())):
        if option.get("type") != "null":
            merged = {**_resolved(option, definitions), **{
                k: v for k, v in prop.items() if k not in ("anyOf", "allOf")
            }}  # fmt: skip
            return merged
    return prop


def _field_type(prop: Mapping[str, Any]) -> str:
    kind = prop.get("type")
    if prop.get("format") == "decimal-precision-2":
        return "decimal"
    if prop.get("format") == "date":
        return "date"
    if kind in FIELD_TYPES:
        return str(kind)
    return "string"
