"""Pay application use cases: create, update, set status, delete, change-order packages, reads.

Each function is one transaction. Writers lock the contract row first, so concurrent creates on
one contract take numbers 1, 2, 3... without gaps or duplicates, and the chain is recomputed from
the first application the write touched (services/chain.py).
"""

from __future__ import annotations

from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass, field
from datetime import date
from decimal import Decimal
from operator import attrgetter
from typing import Any, NamedTuple

from drawbridge.domain.billing import (
    LineEntry,
    LineFigures,
    LineKind,
    LineRef,
    is_overbilled,
    work_for_percent_complete,
)
from drawbridge.domain.errors import Conflict, Invalid, NotFound
from drawbridge.domain.payments import PayAppDue, check_paid_still_due
from drawbridge.domain.rules import (
    INTEGRATION_FIELDS,
    INTEGRATION_STATE,
    PayAppActions,
    PayAppStatus,
    check_can_edit,
    check_can_read,
    check_can_set_integration_fields,
    check_can_set_status,
    check_can_write,
    check_paid_stays_submitted,
    is_deletable,
    pay_app_actions,
)
from drawbridge.services import audit, chain, documents, imports, pay_app_pages, render
from drawbridge.services.contracts import contract_in_scope, overpayment_allowed
from drawbridge.services.views import (
    Actor,
    ChangeOrderPackageView,
    Page,
    PayAppPreview,
    PayAppView,
)
from drawbridge.store.models import (
    Attachment,
    ChangeOrderItem,
    ChangeOrderPackage,
    Contract,
    PayApp,
    PayAppLine,
    PayAppPackage,
)
from drawbridge.store.repositories import LatestPayApp, PayAppFilter
from drawbridge.store.types import utcnow
from drawbridge.store.uow import UnitOfWork


@dataclass(frozen=True)
class LineInput:
    """What a client says about one line. ``None`` leaves the value as it is (or carries it)."""

    ref: LineRef
    work_completed_this_period: int | None = None
    materials_presently_stored: int | None = None
    work_retainage_percent: Decimal | None = None
    materials_retainage_percent: Decimal | None = None
    work_retainage_released: int | None = None
    materials_retainage_released: int | None = None
    work_completed_this_period_quantity: Decimal | None = None
    subcontractor_claimed_amount: int | None = None
    review_status: str | None = None
    review_comment: str | None = None
    # Instead of ``work_completed_this_period``: the percent complete the line reaches, turned
    # into this period's work exactly (domain/billing.py work_for_percent_complete).
    percent_complete: Decimal | None = None


# Header fields a client may set on create or update, and their column names.
HEADER_FIELDS = (
    "period_id",
    "start_date",
    "end_date",
    "billing_date",
    "due_date",
    "payment_date",
    "submitted_at",
    "final",
    "invoice_number",
    "origin_id",
    "origin_data",
    "erp_status",
    "custom_fields",
    "name",
    "description",
    "note",
    "exchange_rate",
    "paid_at",
    "aggregate_by",
    "integration_state",
    "external_id",
    "external_system",
    "external_message",
    "last_sync_time",
    "advance_amount_cents",
    "recoupment_amount_cents",
)
# Header columns that hold a value always: ``None`` for them is a bad value, not "unset".
NOT_NULL_HEADER_FIELDS = (
    "final",
    "erp_status",
    "custom_fields",
    "advance_amount_cents",
    "recoupment_amount_cents",
)


@dataclass(frozen=True)
class CreatePayApp:
    contract_id: int
    project_id: int | None = None  # when given, the contract must be on this project
    contract_kind: str | None = None  # when given, the contract must be of this kind
    status: PayAppStatus = PayAppStatus.DRAFT
    header: Mapping[str, Any] = field(default_factory=dict)
    lines: Sequence[LineInput] = ()
    change_order_package_ids: Sequence[int] = ()  # added explicitly
    attachment_ids: Sequence[int] = ()


@dataclass(frozen=True)
class UpdatePayApp:
    pay_app_id: int
    project_id: int | None = None
    contract_kind: str | None = None
    status: PayAppStatus | None = None
    header: Mapping[str, Any] = field(default_factory=dict)
    lines: Sequence[LineInput] = ()
    attachment_ids: Sequence[int] = ()


def create_pay_app(uow: UnitOfWork, actor: Actor, command: CreatePayApp) -> PayAppView:
    """Create the next pay application of a contract, with every line of the contract on it."""
    check_can_write(actor.scopes)
    check_can_set_status(actor.role, command.status)
    with uow:
        repo = uow.repo
        # The contract comes with what the answer shows of its header (company, parties,
        # project, the creator): one query.
        contract = _contract(
            uow,
            actor,
            command.contract_id,
            command.project_id,
            command.contract_kind,
            lock=True,
            with_header=True,
        )
        if contract.status == "void":
            raise Invalid("commitment_id: the contract is void", field="commitment_id")
        if not contract.is_active:
            raise Invalid(
                "commitment_id: the contract is inactive and takes no new billing",
                field="commitment_id",
                code="contract_inactive",
            )
        _check_header(uow, actor, contract, command.header, exclude_id=None)
        # The latest application only: a long chain's applications are not loaded to add one
        # more, and the new one is computed from this one.
        latest = repo.latest_pay_app(contract.id)
        previous = latest.pay_app
        now = utcnow()
        pay_app = PayApp(
            company_id=actor.company_id,
            project_id=contract.project_id,
            contract_id=contract.id,
            number=previous.number + 1 if previous is not None else 1,
            status=command.status.value,
            created_by_id=actor.user_id,
            created_at=now,
            updated_at=now,
            custom_fields={},
        )
        if command.status in (PayAppStatus.APPROVED, PayAppStatus.APPROVED_AS_NOTED):
            pay_app.approved_at = now
        _apply_header(pay_app, command.header)
        _fill_period_dates(uow, actor, pay_app)
        _check_period_order(pay_app)
        # The application is built, and usually computed, before it is written: its row is
        # inserted once, summary included, and its lines are inserted once, figures included.
        parts = chain.contract_parts(uow, contract)
        lines = _lines_of_new(parts, pay_app)
        chosen = _packages_to_bill(
            uow,
            actor,
            contract,
            pay_app,
            command.change_order_package_ids,
            billed_rows=parts.billed,
            package_rows=parts.packages,
            cascade=False,
        )
        _add_item_lines(parts.items, chosen, lines, pay_app)
        computed = None
        if _enters_numbers_only(command, pay_app):
            _enter_inputs(lines, command.lines)
            computed = chain.compute_new(uow, contract, pay_app, lines, parts, previous)
        # Written at once (a single-row INSERT through the session's flush costs several times
        # the statement), then held by the session as a flushed row.
        uow.insert_pay_app(pay_app)
        billed = [
            _bill_package(uow, actor, pay_app, package_id, explicitly)
            for package_id, explicitly in chosen
        ]
        for values in lines:
            values["pay_app_id"] = pay_app.id
        if computed is None:
            repo.insert_pay_app_lines(lines)
            _apply_line_inputs(uow, pay_app, command.lines)
            _link_attachments(uow, actor, pay_app, command.attachment_ids)
            view = _finish_write(uow, actor, "create", pay_app, contract, None)
            uow.commit()
            return view
        new = _NewApplication(pay_app, lines, parts, latest, billed, computed)
        held = _create_computed(uow, actor, command, contract, new)
        uow.commit()
        # Rendered once the write is committed, from what it holds and the rows the session
        # already has (a 20-line requisition's answer sends no statement): the write lock (the
        # contract's row on PostgreSQL) is not held while it is built. Anything it did read
        # would be read in a transaction of its own.
        return render.pay_app_views(uow, [pay_app], with_lines=True, held=held)[0]


def _enters_numbers_only(command: CreatePayApp, pay_app: PayApp) -> bool:
    """Whether a create may compute its lines before writing them: its inputs are amounts and
    percents (no percent complete, which reads the stored line, and no review text, which the
    session's flush checks), and the application is not created locked (a locked one refuses
    any figure the engine would set, which the general path reports)."""
    return pay_app.integration_state != chain.LOCKED and all(
        given.percent_complete is None
        and given.review_status is None
        and given.review_comment is None
        for given in command.lines
    )


@dataclass(frozen=True)
class _NewApplication:
    """A new application as its create holds it, written but for its lines: the row, its
    lines as column values (figures computed), the contract's parts, the contract's latest
    application before it (with the advances and recoupments so far), the packages it bills
    and what computing it read."""

    pay_app: PayApp
    lines: list[dict[str, Any]]
    parts: chain.ContractParts
    latest: LatestPayApp
    billed: Sequence[PayAppPackage]
    computed: chain.NewApplication


def _create_computed(
    uow: UnitOfWork,
    actor: Actor,
    command: CreatePayApp,
    contract: Contract,
    new: _NewApplication,
) -> render.HeldLines:
    """The usual create, computed before it was written: write each line once, figures
    included, and give what the answer is rendered from: what the write holds (its lines, and
    the header parts a new application has: the packages billed so far, no payment, the
    attachments it was given, its place as the latest) instead of reading them back. A new
    application has no payment, so no payment can exceed what it leaves due."""
    pay_app, parts, computed = new.pay_app, new.parts, new.computed
    attachments = _link_attachments(uow, actor, pay_app, command.attachment_ids)
    rows = uow.repo.insert_pay_app_lines_returning(new.lines)
    audit.record(
        uow, actor, "create", "pay_app", pay_app.id, None, audit.pay_app(uow, pay_app, rows)
    )
    return render.HeldLines(
        lines={pay_app.id: rows},
        sov={contract.id: computed.sov},
        previous_apps=(
            {(contract.id, computed.previous.number): computed.previous}
            if computed.previous
            else {}
        ),
        previously_stored=(
            {computed.previous.id: computed.previously_stored} if computed.previous else {}
        ),
        figures={pay_app.id: computed.lines},
        billed_packages={
            contract.id: [
                *parts.billed_by_number,
                *((pay_app.number, billed) for billed in new.billed),
            ]
        },
        packages={contract.id: parts.packages},
        items={contract.id: parts.items},
        attachments={pay_app.id: attachments},
        paid={pay_app.id: []},
        places={
            pay_app.id: render.ChainPlace(
                is_latest=True,
                earlier_advance=new.latest.advances,
                earlier_recoupment=new.latest.recoupments,
            )
        },
    )


# A new line's numeric inputs before anything is entered (the columns' defaults).
_NEW_LINE_INPUTS: dict[str, Any] = {
    "work_completed_this_period_input_cents": 0,
    "materials_presently_stored_input_cents": None,
    "work_retainage_percent_input": None,
    "materials_retainage_percent_input": None,
    "work_retainage_released_input_cents": 0,
    "materials_retainage_released_input_cents": 0,
    "work_completed_this_period_quantity": None,
    "subcontractor_claimed_amount_cents": None,
}


def _enter_inputs(lines: list[dict[str, Any]], inputs: Sequence[LineInput]) -> None:
    """Set the given inputs on new lines not yet written (a value not given keeps the default),
    refusing a line the application does not have, as :func:`_apply_line_inputs` does."""
    # Keyed by (SOV line id, item id): a tuple hashes far faster than a LineRef.
    by_source = {
        (values["sov_line_id"], values["change_order_item_id"]): values for values in lines
    }
    for given in inputs:
        ref = given.ref
        values = by_source.get((ref.id, None) if ref.kind is LineKind.SOV else (None, ref.id))
        if values is None:
            kind = "line_item_id" if given.ref.kind is LineKind.SOV else "change_order_item_id"
            raise Invalid(
                f"items: no {given.ref.kind.value} line {given.ref.id} on this pay application",
                field=kind,
            )
        for column, value in zip(_INPUT_COLUMNS, _given_inputs(given), strict=True):
            if value is not None:
                values[column] = value


# Each numeric input's column, and the LineInput field that gives it.
_INPUT_FIELDS = (
    ("work_completed_this_period_input_cents", "work_completed_this_period"),
    ("materials_presently_stored_input_cents", "materials_presently_stored"),
    ("work_retainage_percent_input", "work_retainage_percent"),
    ("materials_retainage_percent_input", "materials_retainage_percent"),
    ("work_retainage_released_input_cents", "work_retainage_released"),
    ("materials_retainage_released_input_cents", "materials_retainage_released"),
    ("work_completed_this_period_quantity", "work_completed_this_period_quantity"),
    ("subcontractor_claimed_amount_cents", "subcontractor_claimed_amount"),
)
_INPUT_COLUMNS = tuple(column for column, _name in _INPUT_FIELDS)
_given_inputs = attrgetter(*(name for _column, name in _INPUT_FIELDS))
assert set(_INPUT_COLUMNS) == set(_NEW_LINE_INPUTS)


def _numeric_inputs(given: LineInput, work: int | None) -> dict[str, Any]:
    """A line input's numeric values by the column that stores each (None: not given); ``work``
    stands for its work completed this period."""
    values = dict(zip(_INPUT_COLUMNS, _given_inputs(given), strict=True))
    values["work_completed_this_period_input_cents"] = work
    return values


def update_pay_app(uow: UnitOfWork, actor: Actor, command: UpdatePayApp) -> PayAppView:
    """Change a pay application's header, status or line inputs (Procore's edit rules).

    The chain is computed first on a read-only snapshot, then stored in the write transaction
    if the company's ledger has not moved since; if it has, it is computed again
    (``chain.computed_write``). On SQLite the write lock is held for the write alone."""
    check_can_write(actor.scopes)

    def write(computed: chain.ComputedChain | None) -> PayAppView:
        with uow:
            view, _contract_row = _update(uow, actor, command, computed=computed)
            uow.commit()
            return view

    return chain.computed_write(uow, lambda reader: _compute_update(reader, actor, command), write)


def _compute_update(reader: UnitOfWork, actor: Actor, command: UpdatePayApp) -> chain.ComputedChain:
    """What ``command`` changes in the chain's figures, computed on a read-only unit of work
    from the same inputs the write will hold: the stored ones, with the command's line inputs
    entered. Refuses (``LedgerError``) whatever the engine refuses; the write then reports it."""
    with reader:
        repo = reader.repo
        # The version first: whatever is read after it and changed since moved it too.
        version = repo.ledger_version(actor.company_id)
        if version is None:
            raise NotFound(f"no company {actor.company_id}")
        pay_app = _pay_app(
            reader, actor, command.pay_app_id, command.project_id, command.contract_kind
        )
        contract = _contract(reader, actor, pay_app.contract_id, None)
        entered: dict[int, LineEntry] = {}
        if command.lines:
            rows = {
                chain.line_ref(row): row for row in repo.pay_app_lines([pay_app.id])[pay_app.id]
            }
            for row, values in _entered_inputs(rows, command.lines):
                entered[row.id] = LineEntry(*(values[column] for column in chain.ENTRY_COLUMNS))
        apps = chain.chain_apps(reader, contract)
        locked_ids = {app.id for app in apps if app.integration_state == chain.LOCKED}
        # The write applies the header before it recomputes: a lock set by it counts.
        if command.header.get(INTEGRATION_STATE, pay_app.integration_state) == chain.LOCKED:
            locked_ids.add(pay_app.id)
        else:
            locked_ids.discard(pay_app.id)
        changes = chain.chain_changes(
            reader,
            contract,
            apps,
            pay_app.number,
            inputs_changed_through=pay_app.number,
            locked_ids=locked_ids,
            entered=entered,
        )
        return chain.ComputedChain(version=version, changes=changes)


def preview_pay_app(uow: UnitOfWork, actor: Actor, command: UpdatePayApp) -> PayAppPreview:
    """What ``update_pay_app`` would make of the pay application, computed by the same rules
    and the same engine, and then rolled back: nothing is saved.

    The figures are computed past the over-billing rule so that every line that would go beyond
    its value can be shown; ``overbilling_allowed`` says whether saving would be refused.
    """
    check_can_write(actor.scopes)
    with uow:  # no commit: leaving the block rolls every change back
        view, contract = _update(uow, actor, command, permit_overbilling=True)
        company = uow.repo.company(contract.company_id)
        assert company is not None
        return PayAppPreview(
            pay_app=view,
            overbilled_line_ids=frozenset(
                line.id for line in view.g703_lines if is_overbilled(line.figures)
            ),
            overbilling_allowed=chain.billing_terms(contract, company).allow_overbilling,
        )


def actions_for(actor: Actor, view: PayAppView) -> PayAppActions:
    """What the actor may do to this pay application now, by the same rules the writes check."""
    return pay_app_actions(
        actor.role,
        actor.scopes,
        is_latest=view.is_latest,
        status=view.status,
        deletable=view.deletable,
        locked=view.integration_state == chain.LOCKED,
    )


def _update(
    uow: UnitOfWork,
    actor: Actor,
    command: UpdatePayApp,
    *,
    permit_overbilling: bool = False,
    computed: chain.ComputedChain | None = None,
) -> tuple[PayAppView, Contract]:
    pay_app, contract = _locked_pay_app(
        uow, actor, command.pay_app_id, command.project_id, command.contract_kind
    )
    latest = uow.repo.latest_numbers([contract.id])[contract.id]
    status = PayAppStatus(pay_app.status)
    has_payments = bool(uow.repo.paid_by_pay_app([pay_app.id])[pay_app.id])
    unlocking = set(command.header) == {INTEGRATION_STATE} and _header_only(command)
    if pay_app.integration_state == chain.LOCKED and not unlocking:
        raise Conflict(
            "the pay application is locked by an integration (integrationState 'locked')",
            code="locked",
        )
    check_can_set_integration_fields(
        actor.role, command.header, status=status, has_payments=has_payments
    )
    # Integration bookkeeping alone (ACC's sync fields) is not an edit of the pay application.
    if not (set(command.header) <= INTEGRATION_FIELDS and _header_only(command)):
        check_can_edit(actor.role, is_latest=pay_app.number == latest, status=status)
    if command.status is not None:
        check_can_set_status(actor.role, command.status)
        check_paid_stays_submitted(command.status, has_payments=has_payments)
    _check_header(uow, actor, contract, command.header, exclude_id=pay_app.id)
    before = audit.pay_app(uow, pay_app)
    _apply_header(pay_app, command.header)
    if "integration_state" in command.header:
        pay_app.integration_state_changed_at = utcnow()
        pay_app.integration_state_changed_by = actor.user_id
    if "period_id" in command.header:
        _fill_period_dates(uow, actor, pay_app)
    _check_period_order(pay_app)
    if command.status is not None and command.status.value != pay_app.status:
        pay_app.status = command.status.value
        approved = command.status in (PayAppStatus.APPROVED, PayAppStatus.APPROVED_AS_NOTED)
        pay_app.approved_at = utcnow() if approved else None
    _apply_line_inputs(uow, pay_app, command.lines)
    _link_attachments(uow, actor, pay_app, command.attachment_ids)
    view = _finish_write(
        uow,
        actor,
        "update",
        pay_app,
        contract,
        before,
        permit_overbilling=permit_overbilling,
        computed=computed,
    )
    return view, contract


def delete_pay_app(
    uow: UnitOfWork,
    actor: Actor,
    pay_app_id: int,
    project_id: int | None,
    *,
    contract_kind: str | None = None,
) -> None:
    """Delete the latest pay application of a contract while it is still deletable."""
    check_can_write(actor.scopes)
    with uow:
        pay_app, contract = _locked_pay_app(uow, actor, pay_app_id, project_id, contract_kind)
        if pay_app.integration_state == chain.LOCKED:
            raise Conflict("the pay application is locked by an integration", code="locked")
        latest = uow.repo.latest_numbers([contract.id])[contract.id]
        has_payments = bool(uow.repo.paid_by_pay_app([pay_app.id])[pay_app.id])
        if not is_deletable(
            is_latest=pay_app.number == latest,
            status=PayAppStatus(pay_app.status),
            has_payments=has_payments,
        ):
            raise Invalid(
                "this pay application may not be deleted: only the latest one on its contract, "
                "in draft, under_review or revise_and_resubmit, with no payments, may be",
                field="id",
                code="not_deletable",
            )
        before = audit.pay_app(uow, pay_app)
        uow.repo.delete(pay_app)
        audit.record(uow, actor, "delete", "pay_app", pay_app_id, before, None)
        uow.commit()


def add_change_order_package(
    uow: UnitOfWork,
    actor: Actor,
    pay_app_id: int,
    package_id: int,
    contract_id: int | None = None,
    *,
    project_id: int | None = None,
    contract_kind: str | None = None,
) -> tuple[PayAppView, ChangeOrderPackageView]:
    """Bill an approved change-order package on this pay application and every later one."""
    check_can_write(actor.scopes)
    with uow:
        pay_app, contract = _locked_pay_app(uow, actor, pay_app_id, project_id, contract_kind)
        _check_contract(contract, contract_id)
        _check_package_edit(uow, actor, pay_app, contract)
        before = audit.pay_app(uow, pay_app)
        _attach_packages(uow, actor, contract, pay_app, [package_id], cascade=True)
        view = _finish_write(uow, actor, "add_package", pay_app, contract, before)
        package = next(p for p in view.packages if p.id == package_id)
        uow.commit()
        return view, package


def remove_change_order_package(
    uow: UnitOfWork,
    actor: Actor,
    pay_app_id: int,
    package_id: int,
    contract_id: int | None = None,
    *,
    project_id: int | None = None,
    contract_kind: str | None = None,
) -> PayAppView:
    """Take a package off the pay application it was added on, while nothing is billed on it."""
    check_can_write(actor.scopes)
    with uow:
        repo = uow.repo
        pay_app, contract = _locked_pay_app(uow, actor, pay_app_id, project_id, contract_kind)
        _check_contract(contract, contract_id)
        _check_package_edit(uow, actor, pay_app, contract)
        billed = next(
            (b for b in repo.pay_app_packages(contract.id) if b.package_id == package_id), None
        )
        if billed is None or billed.pay_app_id != pay_app.id:
            raise Invalid(
                "change_order_package_id: the package was not added on this pay application",
                field="change_order_package_id",
            )
        item_ids = [
            item.id for item in repo.package_items(contract.id) if item.package_id == package_id
        ]
        later = [
            app.id for app in repo.pay_apps_of_contract(contract.id) if app.number >= pay_app.number
        ]
        rows = [
            row
            for rows in repo.pay_app_lines(later).values()
            for row in rows
            if row.change_order_item_id in item_ids
        ]
        if any(
            row.work_completed_this_period_input_cents
            or row.materials_presently_stored_cents
            or row.work_retainage_released_input_cents
            or row.materials_retainage_released_input_cents
            for row in rows
        ):
            raise Invalid(
                "change_order_package_id: work or materials are billed on this package's items; "
                "bill them back to zero before removing it",
                field="change_order_package_id",
                code="package_billed",
            )
        before = audit.pay_app(uow, pay_app)
        repo.delete_lines_of_items(later, item_ids)
        repo.delete(billed)
        view = _finish_write(uow, actor, "remove_package", pay_app, contract, before)
        uow.commit()
        return view


def get_pay_app(
    uow: UnitOfWork,
    actor: Actor,
    pay_app_id: int,
    *,
    project_id: int | None = None,
    contract_kind: str | None = None,
    with_lines: bool = True,
) -> PayAppView:
    check_can_read(actor.scopes)
    with uow:
        pay_app = _pay_app(uow, actor, pay_app_id, project_id, contract_kind)
        return render.pay_app_views(uow, [pay_app], with_lines=with_lines)[0]


def get_pay_app_by_uuid(
    uow: UnitOfWork, actor: Actor, pay_app_uuid: str, *, project_id: int, with_lines: bool = True
) -> PayAppView:
    check_can_read(actor.scopes)
    with uow:
        pay_app = uow.repo.pay_app_by_uuid(actor.company_id, pay_app_uuid)
        if pay_app is None or pay_app.project_id != project_id:
            raise NotFound(f"no payment {pay_app_uuid}", field="id")
        return render.pay_app_views(uow, [pay_app], with_lines=with_lines)[0]


def find_pay_app(
    uow: UnitOfWork, actor: Actor, contract_id: int, number: int | None = None
) -> PayAppView:
    """A contract's pay application by number (the latest when no number is given)."""
    check_can_read(actor.scopes)
    with uow:
        contract = _contract(uow, actor, contract_id, None)
        apps = uow.repo.pay_apps_of_contract(contract.id)
        chosen = (
            apps[-1]
            if apps and number is None
            else next((app for app in apps if app.number == number), None)
        )
        if chosen is None:
            raise NotFound(f"no pay application {number} on contract {contract.number}")
        return render.pay_app_views(uow, [chosen], with_lines=True)[0]


def list_pay_apps(
    uow: UnitOfWork,
    actor: Actor,
    where: PayAppFilter,
    *,
    order_by: Sequence[tuple[str, bool]] = (("id", False),),
    offset: int = 0,
    limit: int | None = None,
    with_lines: bool = False,
) -> Page[PayAppView]:
    check_can_read(actor.scopes)
    with uow:
        if with_lines:
            rows, total = uow.repo.list_pay_apps(
                actor.company_id, where, order_by=order_by, offset=offset, limit=limit
            )
            views = render.pay_app_views(uow, rows, with_lines=True)
        else:
            # A page without lines is read as plain rows, with what each row needs from the
            # rest of its chain summed by the database: a few small queries whatever the ledger.
            values, total = uow.repo.pay_app_page_values(
                actor.company_id, where, order_by=order_by, offset=offset, limit=limit
            )
            views = pay_app_pages.page_views(uow, actor.company_id, values)
        return Page(items=tuple(views), total=total, offset=offset, limit=limit)


# -- helpers ---------------------------------------------------------------------------------


def _finish_write(
    uow: UnitOfWork,
    actor: Actor,
    action: str,
    pay_app: PayApp,
    contract: Contract,
    before: dict[str, Any] | None,
    *,
    permit_overbilling: bool = False,
    computed: chain.ComputedChain | None = None,
) -> PayAppView:
    """How every change to a pay application ends: stamp it, recompute the chain from it (every
    later application follows; ``computed``: as computed before the transaction), record the
    audit event, and answer with its view. The caller commits."""
    pay_app.updated_at = utcnow()
    uow.flush()
    # Plain rows of the columns the recompute and the payments' check read, once: no ORM
    # object per application to load, nor to refresh after the new figures are stored.
    apps = chain.chain_apps(uow, contract)
    dues_before = {
        app.id: app.current_payment_due_cents for app in apps if app.number >= pay_app.number
    }
    # A create or an edit changes the inputs of this application only; adding or removing a
    # change-order package changes the lines of every later one too.
    only_this_one = action in ("create", "update")
    changes = chain.recompute(
        uow,
        contract,
        from_number=pay_app.number,
        inputs_changed_through=pay_app.number if only_this_one else None,
        permit_overbilling=permit_overbilling,
        pay_apps=apps,
        computed=computed,
    )
    _check_payments_still_fit(
        uow,
        contract,
        dues_before,
        [
            _Due(app.id, app.number, summary.current_payment_due, app.written_off_cents)
            for app in apps
            if (summary := changes.summaries.get(app.id)) is not None
        ],
    )
    audit.record(uow, actor, action, "pay_app", pay_app.id, before, audit.pay_app(uow, pay_app))
    return render.pay_app_views(uow, [pay_app], with_lines=True)[0]


class _Due(NamedTuple):
    """An application's line 8 as a write leaves it, and what it wrote off."""

    id: int
    number: int
    current_payment_due_cents: int
    written_off_cents: int


def _check_payments_still_fit(
    uow: UnitOfWork,
    contract: Contract,
    dues_before: Mapping[int, int],
    apps: Sequence[PayApp | _Due] | None = None,
) -> None:
    """An edit that lowers a paid application's line 8 (its own, or a later one's through the
    chain) may not leave it over-paid where the contract does not allow over-payment.
    ``apps``: the applications that may have changed, with their line 8 now, when the caller
    holds them all."""
    if apps is None:
        apps = uow.repo.pay_apps_of_contract(contract.id)
    lowered = [
        app
        for app in apps
        if app.id in dues_before and app.current_payment_due_cents < dues_before[app.id]
    ]
    if not lowered or overpayment_allowed(uow, contract):
        return
    paid = uow.repo.paid_by_pay_app(app.id for app in lowered)
    for app in lowered:
        due = PayAppDue(
            number=app.number,
            current_payment_due=app.current_payment_due_cents,
            paid=sum(paid[app.id]),
            written_off=app.written_off_cents,
        )
        check_paid_still_due(due)


def _contract(
    uow: UnitOfWork,
    actor: Actor,
    contract_id: int,
    project_id: int | None,
    kind: str | None = None,
    *,
    lock: bool = False,
    with_header: bool = False,
) -> Contract:
    contract = contract_in_scope(
        uow,
        actor,
        contract_id,
        project_id=project_id,
        kind=kind,
        lock=lock,
        with_header=with_header,
    )
    if contract is None:
        raise NotFound(f"no contract {contract_id} in this project", field="commitment_id")
    return contract


def _check_contract(contract: Contract, contract_id: int | None) -> None:
    if contract_id is not None and contract.id != contract_id:
        raise NotFound("the pay application is not on that contract", field="commitment_id")


def _pay_app(
    uow: UnitOfWork, actor: Actor, pay_app_id: int, project_id: int | None, kind: str | None
) -> PayApp:
    """The caller's pay application, narrowed to a project and a kind of contract."""
    pay_app = uow.repo.pay_app(actor.company_id, pay_app_id)
    if pay_app is None or (project_id is not None and pay_app.project_id != project_id):
        raise NotFound(f"no pay application {pay_app_id}", field="id")
    if kind is not None and contract_in_scope(uow, actor, pay_app.contract_id, kind=kind) is None:
        raise NotFound(f"no pay application {pay_app_id}", field="id")
    return pay_app


def _locked_pay_app(
    uow: UnitOfWork, actor: Actor, pay_app_id: int, project_id: int | None, kind: str | None
) -> tuple[PayApp, Contract]:
    pay_app = _pay_app(uow, actor, pay_app_id, project_id, kind)
    contract = _contract(uow, actor, pay_app.contract_id, None, lock=True)
    uow.session.refresh(pay_app)  # read again under the contract lock
    return pay_app, contract


def _check_package_edit(uow: UnitOfWork, actor: Actor, pay_app: PayApp, contract: Contract) -> None:
    if pay_app.integration_state == chain.LOCKED:
        raise Conflict("the pay application is locked by an integration", code="locked")
    latest = uow.repo.latest_numbers([contract.id])[contract.id]
    check_can_edit(
        actor.role, is_latest=pay_app.number == latest, status=PayAppStatus(pay_app.status)
    )


def _header_only(command: UpdatePayApp) -> bool:
    return (
        bool(command.header)
        and not command.lines
        and command.status is None
        and not command.attachment_ids
    )


def _check_header(
    uow: UnitOfWork,
    actor: Actor,
    contract: Contract,
    header: Mapping[str, Any],
    exclude_id: int | None,
) -> None:
    unknown = set(header) - set(HEADER_FIELDS)
    if unknown:
        raise Invalid(
            f"{sorted(unknown)[0]}: not a pay application field", field=sorted(unknown)[0]
        )
    nulls = [name for name in NOT_NULL_HEADER_FIELDS if name in header and header[name] is None]
    if nulls:
        raise Invalid(f"{nulls[0]}: may not be null", field=nulls[0])
    origin_id = header.get("origin_id")
    if origin_id:
        existing = uow.repo.pay_app_by_origin_id(actor.company_id, origin_id)
        if existing is not None and existing.id != exclude_id:
            raise Conflict(
                f"origin_id: a pay application with origin_id {origin_id!r} already exists",
                field="origin_id",
            )
    period_id = header.get("period_id")
    if period_id is not None:
        period = uow.repo.period(actor.company_id, period_id)
        if period is None or period.project_id != contract.project_id:
            raise Invalid(
                f"period_id: no billing period {period_id} on this project", field="period_id"
            )
    start, end = header.get("start_date"), header.get("end_date")
    if isinstance(start, date) and isinstance(end, date) and start > end:
        raise Invalid("requisition_end: before requisition_start", field="requisition_end")


def _apply_header(pay_app: PayApp, header: Mapping[str, Any]) -> None:
    for name, value in header.items():
        setattr(pay_app, name, value)


def _check_period_order(pay_app: PayApp) -> None:
    """The period may not end before it starts, whichever of its dates this write changed."""
    if pay_app.start_date and pay_app.end_date and pay_app.start_date > pay_app.end_date:
        raise Invalid("requisition_end: before requisition_start", field="requisition_end")


def _fill_period_dates(uow: UnitOfWork, actor: Actor, pay_app: PayApp) -> None:
    """A pay app on a billing period takes the period's dates unless it gives its own."""
    if pay_app.period_id is None:
        return
    period = uow.repo.period(actor.company_id, pay_app.period_id)
    assert period is not None
    pay_app.start_date = pay_app.start_date or period.start_date
    pay_app.end_date = pay_app.end_date or period.end_date
    pay_app.due_date = pay_app.due_date or period.due_date


def _lines_of_new(parts: chain.ContractParts, pay_app: PayApp) -> list[dict[str, Any]]:
    """A new application's lines as column values, not yet written: every SOV line, and every
    change-order item already billed on an earlier application."""
    billed_package_ids = {b.package_id for b in parts.billed}
    refs: list[tuple[int | None, int | None]] = [(line.id, None) for line in parts.sov]
    refs += [(None, item.id) for item in parts.items if item.package_id in billed_package_ids]
    company_id = pay_app.company_id
    return [
        _pending_line(company_id, position, sov_line_id, item_id)
        for position, (sov_line_id, item_id) in enumerate(refs, start=1)
    ]


def _pending_line(
    company_id: int, position: int, sov_line_id: int | None, change_order_item_id: int | None
) -> dict[str, Any]:
    """A new application's line as column values before the application is written (its
    ``pay_app_id`` is set once it is): every new line names the same columns, its inputs at
    their defaults until entered."""
    return {
        "company_id": company_id,
        "pay_app_id": None,
        "position": position,
        "sov_line_id": sov_line_id,
        "change_order_item_id": change_order_item_id,
        **_NEW_LINE_INPUTS,
    }


def _new_line(
    pay_app: PayApp,
    position: int,
    *,
    sov_line_id: int | None = None,
    change_order_item_id: int | None = None,
) -> PayAppLine:
    return PayAppLine(
        **_new_line_values(
            pay_app, position, sov_line_id=sov_line_id, change_order_item_id=change_order_item_id
        )
    )


def _new_line_values(
    pay_app: PayApp,
    position: int,
    *,
    sov_line_id: int | None = None,
    change_order_item_id: int | None = None,
) -> dict[str, Any]:
    return {
        "company_id": pay_app.company_id,
        "pay_app_id": pay_app.id,
        "position": position,
        "sov_line_id": sov_line_id,
        "change_order_item_id": change_order_item_id,
        "work_completed_this_period_input_cents": 0,
        "work_retainage_released_input_cents": 0,
        "materials_retainage_released_input_cents": 0,
    }


def _attach_packages(
    uow: UnitOfWork,
    actor: Actor,
    contract: Contract,
    pay_app: PayApp,
    explicit_ids: Sequence[int],
    *,
    cascade: bool = False,
) -> list[PayAppPackage]:
    """Attach the explicit packages to a written application; answers the packages billed.

    A package is billed from the application it is first added on; its items join that
    application and (``cascade``) every later one.
    """
    repo = uow.repo
    chosen = _packages_to_bill(
        uow,
        actor,
        contract,
        pay_app,
        explicit_ids,
        billed_rows=repo.pay_app_packages(contract.id),
        package_rows=repo.packages(contract.id),
        cascade=cascade,
    )
    if not chosen:
        return []
    items = repo.package_items(contract.id)
    targets = [pay_app]
    if cascade:
        targets = [
            app for app in repo.pay_apps_of_contract(contract.id) if app.number >= pay_app.number
        ]
    existing = repo.pay_app_lines(app.id for app in targets)
    billed_rows = []
    for package_id, explicitly in chosen:
        billed_rows.append(_bill_package(uow, actor, pay_app, package_id, explicitly))
        for target in targets:
            position = max((row.position for row in existing[target.id]), default=0)
            for item in items:
                if item.package_id == package_id:
                    position += 1
                    row = _new_line(target, position, change_order_item_id=item.id)
                    existing[target.id].append(row)
                    repo.add(row)
    uow.flush()
    return billed_rows


def _packages_to_bill(
    uow: UnitOfWork,
    actor: Actor,
    contract: Contract,
    pay_app: PayApp,
    explicit_ids: Sequence[int],
    *,
    billed_rows: Sequence[PayAppPackage],
    package_rows: Sequence[ChangeOrderPackage],
    cascade: bool,
) -> list[tuple[int, bool]]:
    """The packages an application bills, each with whether it was named explicitly, in the
    order they are added: the explicit ones (each refused unless it is an approved package of
    the contract not billed yet), and on create (not ``cascade``) every approved package dated
    by the period's end."""
    repo = uow.repo
    billed = {b.package_id for b in billed_rows}
    chosen: list[tuple[int, bool]] = []
    for package_id in explicit_ids:
        package = repo.package(actor.company_id, package_id)
        if package is None or package.contract_id != contract.id:
            raise NotFound(
                f"change_order_package_id: no change order package {package_id} on this contract",
                field="change_order_package_id",
            )
        if package.status != "approved":
            raise Invalid(
                f"change_order_package_id: package {package.number} is {package.status}; "
                "only approved packages can be billed",
                field="change_order_package_id",
                code="package_not_approved",
            )
        if package_id in billed:
            raise Invalid(
                f"change_order_package_id: package {package.number} is already billed",
                field="change_order_package_id",
                code="package_already_billed",
            )
        chosen.append((package_id, True))
    if not cascade:
        cutoff = pay_app.end_date or pay_app.billing_date
        explicit = set(explicit_ids)
        for package in package_rows:
            if (
                package.status == "approved"
                and package.id not in billed
                and package.id not in explicit
                and (cutoff is None or (package.approved_date and package.approved_date <= cutoff))
            ):
                chosen.append((package.id, False))
    return chosen


def _bill_package(
    uow: UnitOfWork, actor: Actor, pay_app: PayApp, package_id: int, explicitly: bool
) -> PayAppPackage:
    billed = PayAppPackage(
        company_id=actor.company_id,
        pay_app_id=pay_app.id,
        package_id=package_id,
        added_explicitly=explicitly,
    )
    uow.repo.add(billed)
    return billed


def _add_item_lines(
    items: Sequence[ChangeOrderItem],
    chosen: Sequence[tuple[int, bool]],
    pending: list[dict[str, Any]],
    pay_app: PayApp,
) -> None:
    """The chosen packages' items join a new application's lines not yet written
    (``pending``), after its SOV lines and the items billed before."""
    if not chosen:
        return
    position = max((values["position"] for values in pending), default=0)
    for package_id, _explicitly in chosen:
        for item in items:
            if item.package_id == package_id:
                position += 1
                pending.append(_pending_line(pay_app.company_id, position, None, item.id))


def _apply_line_inputs(uow: UnitOfWork, pay_app: PayApp, inputs: Sequence[LineInput]) -> None:
    if not inputs:
        return
    uow.flush()
    rows = {chain.line_ref(row): row for row in uow.repo.pay_app_lines([pay_app.id])[pay_app.id]}
    # Every numeric input column of every given line, in one batched statement (a value not
    # given keeps the line's own).
    changed = [
        (row.id, values)
        for row, values in _entered_inputs(rows, inputs)
        if any(getattr(row, column) != value for column, value in values.items())
    ]
    for given in inputs:
        # Text goes through the session's flush, which refuses what no answer could carry.
        _set(rows[given.ref], "review_status", given.review_status)
        _set(rows[given.ref], "review_comment", given.review_comment)
    uow.repo.store_line_values(changed)


def _entered_inputs(
    rows: Mapping[LineRef, PayAppLine], inputs: Sequence[LineInput]
) -> list[tuple[PayAppLine, dict[str, Any]]]:
    """Each given line with every numeric input column as the input makes it (a value not
    given keeps the line's own), refusing a line the application does not have."""
    entered = []
    for given in inputs:
        row = rows.get(given.ref)
        if row is None:
            kind = "line_item_id" if given.ref.kind is LineKind.SOV else "change_order_item_id"
            raise Invalid(
                f"items: no {given.ref.kind.value} line {given.ref.id} on this pay application",
                field=kind,
            )
        work = given.work_completed_this_period
        if given.percent_complete is not None:
            work = _work_for_percent_complete(
                row, given.percent_complete, given.materials_presently_stored
            )
        numbers = _numeric_inputs(given, work)
        entered.append(
            (
                row,
                {
                    column: getattr(row, column) if value is None else value
                    for column, value in numbers.items()
                },
            )
        )
    return entered


def _work_for_percent_complete(row: PayAppLine, percent: Decimal, stored_given: int | None) -> int:
    """E from a percent complete: D is what the previous application left (it does not depend on
    this application's inputs); F is what this application stores (given, carried or moved)."""
    if percent < 0:
        raise Invalid("percent_complete: may not be negative", field="percent_complete")
    stored = stored_given
    if stored is None:
        stored = row.materials_presently_stored_input_cents
    if stored is None:  # carried forward: the balance the last computation left on the line
        stored = row.materials_presently_stored_cents
    return work_for_percent_complete(
        row.scheduled_value_cents,
        percent,
        previous_work=row.work_completed_from_previous_application_cents,
        stored=stored,
    )


def _set(row: PayAppLine, column: str, value: object) -> None:
    if value is not None:
        setattr(row, column, value)


def _link_attachments(
    uow: UnitOfWork, actor: Actor, pay_app: PayApp, attachment_ids: Sequence[int]
) -> list[Attachment]:
    """Attach the uploaded files to the pay application; answers them, each once, by id."""
    linked: dict[int, Attachment] = {}
    for attachment_id in attachment_ids:
        attachment: Attachment | None = uow.repo.attachment(actor.company_id, attachment_id)
        if attachment is None:
            raise Invalid(
                f"prostore_file_ids: no uploaded file {attachment_id}", field="prostore_file_ids"
            )
        if attachment.payment_id is not None or (
            attachment.pay_app_id is not None and attachment.pay_app_id != pay_app.id
        ):
            raise Invalid(
                f"prostore_file_ids: file {attachment_id} is attached elsewhere",
                field="prostore_file_ids",
            )
        attachment.pay_app_id = pay_app.id
        linked[attachment.id] = attachment
    return [linked[attachment_id] for attachment_id in sorted(linked)]


# -- importing one period's work from a spreadsheet ---------------------------------------------

WORK_COLUMNS = (
    imports.Column(
        "item",
        ("item", "item no", "item number", "number", "line", "line no", "line number", "no", "A"),
        required=True,
    ),
    imports.Column(
        "work_completed_this_period",
        (
            "work completed this period",
            "work_completed_this_period",
            "this period",
            "work this period",
            "completed this period",
            "amount this period",
            "E",
        ),
    ),
    imports.Column(
        "materials_presently_stored",
        (
            "materials presently stored",
            "materials_presently_stored",
            "stored materials",
            "materials stored",
            "stored",
            "F",
        ),
    ),
    imports.Column(
        "work_retainage_released",
        (
            "retainage released",
            "work retainage released",
            "retainage released this period",
            "work_retainage_released",
            "release",
        ),
    ),
    imports.Column(
        "materials_retainage_released",
        ("materials retainage released", "materials_retainage_released"),
    ),
)


# What a work file may enter on a line, as the engine names the line's figures.
_ENTERED = (
    "work_completed_this_period",
    "materials_presently_stored",
    "work_retainage_released",
    "materials_retainage_released",
)


def _entered_figures(figures: LineFigures) -> dict[str, int]:
    return {
        "work_completed_this_period": figures.work_completed_this_period,
        "materials_presently_stored": figures.materials_presently_stored,
        "work_retainage_released": figures.work_retainage_released_this_period,
        "materials_retainage_released": figures.materials_retainage_released_this_period,
    }


def import_work(
    uow: UnitOfWork,
    actor: Actor,
    pay_app_id: int,
    table: imports.Sheet,
    *,
    dry_run: bool,
    progress: Callable[[int], None] | None = None,
) -> imports.ImportReport:
    """Set a pay application's work this period (E), materials stored (F) and retainage
    released this period from a spreadsheet, each row naming its line by the G703 item (an SOV
    line's number, or a change order's number and item position, ``CO-001.1``).

    An empty cell leaves the line's value as it is; a line not in the file too. The change goes
    through :func:`update_pay_app`, so every rule of an edit applies (who may edit which
    application, over-billing, the chain recomputed). All or nothing; a dry run changes nothing
    and reports what the application's figures would become.
    """
    check_can_write(actor.scopes)
    reader = imports.Reader(table, WORK_COLUMNS)
    if not any(reader.has(column) for column in _ENTERED):
        reader.problem(
            None,
            None,
            "the file has none of the columns 'Work completed this period', "
            "'Materials presently stored', 'Retainage released', 'Materials retainage released'",
        )
    with uow:
        pay_app, _ = _locked_pay_app(uow, actor, pay_app_id, None, None)
        view = render.pay_app_views(uow, [pay_app], with_lines=True)[0]
        by_item = {documents.item_label(line, view): line for line in view.g703_lines}
        inputs: list[LineInput] = []
        report: list[imports.ImportChange] = []
        first_row: dict[str, int] = {}
        row_of_label: dict[str, int] = {}  # how the engine names a line in an error -> its row
        for row in table.rows:
            item = reader.text(row, "item", required=True)
            given = {column: reader.amount(row, column) for column in _ENTERED}
            if item is None:
                continue
            line = by_item.get(item)
            if line is None:
                reader.problem(row, "item", f"no line {item} on pay application {view.number}")
                continue
            if item in first_row:
                reader.problem(row, "item", f"line {item} is also on row {first_row[item]}")
                continue
            first_row[item] = row.number
            engine_label = (
                f"{line.sov_line.number} ({line.description})"
                if line.sov_line is not None
                else f"{item.rsplit('.', 1)[0]} ({line.description})"
            )
            row_of_label[f"line {engine_label}"] = row.number
            current = _entered_figures(line.figures)
            changes = {
                column: (imports.money_text(current[column]), imports.money_text(amount))
                for column, amount in given.items()
                if amount is not None and amount != current[column]
            }
            if changes:
                inputs.append(
                    LineInput(
                        ref=line.ref,
                        work_completed_this_period=given["work_completed_this_period"],
                        materials_presently_stored=given["materials_presently_stored"],
                        work_retainage_released=given["work_retainage_released"],
                        materials_retainage_released=given["materials_retainage_released"],
                    )
                )
            report.append(
                imports.ImportChange(
                    row=row.number,
                    action="update" if changes else "unchanged",
                    key=item,
                    description=line.description,
                    changes=changes,
                )
            )
            if progress is not None:
                progress(len(report))
        reader.check()
        updated = view
        if inputs:
            try:
                updated = update_pay_app(
                    uow, actor, UpdatePayApp(pay_app_id=pay_app.id, lines=inputs)
                )
            except Invalid as error:
                # A billing rule names the line; say which row of the file asked for it.
                row_number = next(
                    (number for label, number in row_of_label.items() if label in error.message),
                    None,
                )
                raise imports.ImportRejected(
                    [imports.RowProblem(row_number, None, error.message)]
                ) from error
        summary = {
            "pay application": f"{view.contract.number} no. {view.number}",
            "line 4, completed and stored to date": imports.money_text(
                updated.summary.total_completed_and_stored_to_date
            ),
            "line 5, retainage": imports.money_text(updated.summary.total_retainage),
            "line 8, current payment due": imports.money_text(updated.summary.current_payment_due),
        }
        if not dry_run:
            uow.commit()
        return imports.ImportReport(dry_run=dry_run, changes=tuple(report), summary=summary)


def create_pay_app_with_work(
    uow: UnitOfWork,
    actor: Actor,
    command: CreatePayApp,
    table: imports.Sheet | None,
    *,
    progress: Callable[[int], None] | None = None,
) -> tuple[PayAppView, imports.ImportReport | None]:
    """Create the next pay application and enter its work from a spreadsheet, in one
    transaction: a problem in the file creates nothing."""
    with uow:
        view = create_pay_app(uow, actor, command)
        report = None
        if table is not None:
            report = import_work(uow, actor, view.id, table, dry_run=False, progress=progress)
            view = get_pay_app(uow, actor, view.id)
        uow.commit()
        return view, report


__all__ = [
    "CreatePayApp",
    "LineInput",
    "PayAppFilter",
    "UpdatePayApp",
    "actions_for",
    "add_change_order_package",
    "create_pay_app",
    "create_pay_app_with_work",
    "delete_pay_app",
    "find_pay_app",
    "get_pay_app",
    "import_work",
    "list_pay_apps",
    "preview_pay_app",
    "remove_change_order_package",
    "update_pay_app",
]
