"""Ledger views -> ACC Cost shapes, and ACC query/body values -> ledger filters and commands.

All money formatting of this face happens here. Figures come from the billing engine in the
contract's currency; ACC's plain fields are in the company's base currency and the
``...ForeignCurrency`` twins in the contract currency (docs/billing.md, "ACC payment fields"):
base = contract figure × exchange rate, rounded half-up per field, when the currencies differ.
"""

from __future__ import annotations

from collections.abc import Collection, Iterable, Mapping, Sequence
from dataclasses import dataclass
from datetime import UTC, date, datetime
from decimal import Decimal
from functools import lru_cache
from typing import Any
from uuid import NAMESPACE_URL, UUID, uuid5

from drawbridge.api.acc import schemas
from drawbridge.api.acc.errors import BadInput
from drawbridge.domain.errors import Invalid
from drawbridge.domain.money import convert, format_cents, percent_of
from drawbridge.domain.rollups import (
    acc_payment_amounts,
    acc_status,
    gross_retention,
    line_due_this_period,
    line_stored_this_period,
    quantity_at_unit_price,
)
from drawbridge.domain.rules import APPROVED_STATUSES, PayAppStatus
from drawbridge.services.discovery import ContractSheet
from drawbridge.services.views import (
    LineDigest,
    PayAppLineView,
    PayAppView,
    PaymentView,
    SovLineView,
)

PLACES = 4
INCLUDES = ("paymentReferences", "attributes", "summaryCalculatedFields", "complianceExpiration")
ASSOCIATION_TYPES = {"Contract": "commitment", "MainContract": "prime"}
ASSOCIATION_OF_KIND = {kind: name for name, kind in ASSOCIATION_TYPES.items()}
# ACC status -> the ledger statuses it may come from ("paid" is approved and paid in full).
CANONICAL_OF_STATUS: dict[str, tuple[PayAppStatus, ...]] = {
    "draft": (PayAppStatus.DRAFT,),
    "pendingInput": (),  # awaiting the subcontractor's input: the ledger has no such state
    "inReview": (PayAppStatus.UNDER_REVIEW,),  # Autodesk's other name for submitted
    "submitted": (PayAppStatus.UNDER_REVIEW,),
    "revise": (PayAppStatus.REVISE_AND_RESUBMIT,),
    "accepted": (PayAppStatus.PENDING_OWNER_APPROVAL,),
    "approved": tuple(APPROVED_STATUSES),
    "paid": tuple(APPROVED_STATUSES),
}
# ACC sort field -> pay application column.
SORT_COLUMNS = {
    "id": "uuid",
    "number": "number",
    "name": "name",
    "status": "status",
    "startDate": "start_date",
    "endDate": "end_date",
    "dueDate": "due_date",
    "approvedAt": "approved_at",
    "paidAt": "paid_at",
    "submittedAt": "submitted_at",
    "externalId": "external_id",
    "externalSystem": "external_system",
    "lastSyncTime": "last_sync_time",
    "createdAt": "created_at",
    "updatedAt": "updated_at",
}
# ACC PATCH field -> pay application header field (services.pay_apps.HEADER_FIELDS).
HEADER_OF_FIELD = {
    "name": "name",
    "description": "description",
    "note": "note",
    "exchange_rate": "exchange_rate",
    "paid_at": "paid_at",
    "aggregate_by": "aggregate_by",
    "integration_state": "integration_state",
    "external_id": "external_id",
    "external_system": "external_system",
    "external_message": "external_message",
    "last_sync_time": "last_sync_time",
}
MAX_EXCHANGE_RATE = Decimal(1_000_000)
MAX_RATE_PLACES = 10


@dataclass(frozen=True)
class ChainFacts:
    """What a payment needs from the earlier applications of its contract."""

    previous_advance_amount: int
    previous_recoupment_amount: int


def chain_facts(view: PayAppView) -> ChainFacts:
    return ChainFacts(
        previous_advance_amount=view.earlier_advance_amount,
        previous_recoupment_amount=view.earlier_recoupment_amount,
    )


def main_contract_uuid(view: PayAppView, prime_contract_uuids: Sequence[str]) -> str | None:
    """A prime contract's application belongs to itself; a commitment's to the project's first."""
    if view.contract.kind == "prime":
        return view.contract.uuid
    return prime_contract_uuids[0] if prime_contract_uuids else None


# -- views -> ACC ----------------------------------------------------------------------------


def to_payment(
    view: PayAppView,
    facts: ChainFacts,
    lines: LineDigest,
    *,
    main_contract_id: str | None,
    includes: frozenset[str] = frozenset(),
    references: Sequence[PaymentView] = (),
) -> dict[str, Any]:
    """The ACC payment as the JSON object ``schemas.Payment`` describes (its camelCase names in
    its order, the ``include=`` fields only when asked for), built directly: a list page
    builds a hundred of them, and validating each value through the model costs more than
    building it. tests/api/acc/test_payment_json.py holds it to the model."""
    foreign = acc_payment_amounts(
        view.summary,
        view.previous_summary,
        advance_amount=view.advance_amount,
        recoupment_amount=view.recoupment_amount,
    )
    rate = view.exchange_rate
    in_base = _differs(view)
    base = foreign.converted(rate) if in_base else foreign

    def both(cents: int) -> tuple[str, str]:
        """A figure in the base currency and in the contract currency."""
        return _money(convert(cents, rate) if in_base else cents), _money(cents)

    summary = view.summary
    claimed = both(lines.claimed)[0]
    previous_claimed, previous_claimed_foreign = both(foreign.previous_amount)
    previous_advance, previous_advance_foreign = both(facts.previous_advance_amount)
    previous_recoupment, previous_recoupment_foreign = both(facts.previous_recoupment_amount)
    status = acc_status(view.status, view.payments)
    approved = view.status in APPROVED_STATUSES
    payment: dict[str, Any] = {
        "id": view.uuid,
        "billingPeriodId": view.period.uuid if view.period else None,
        "previousPaymentId": view.previous_uuid,
        "associationId": view.contract.uuid,
        "mainContractId": main_contract_id,
        "budgetPaymentId": None,
        "associationType": "MainContract" if view.contract.kind == "prime" else "Contract",
        "startDate": _date(view.start_date),
        "endDate": _date(view.end_date),
        "dueDate": _date(view.due_date),
        "number": str(view.number),
        "name": view.name,
        "description": view.description,
        "note": view.note,
        "approvedAt": _timestamp(view.approved_at),
        "calculatedAt": _timestamp(view.updated_at),  # figures are recomputed on every write
        "calculatedBy": _user_id(view.created_by.id if view.created_by else None),
        "companyId": str(view.contract.party.id),
        "companyUid": view.contract.party.uuid,
        "contactId": None,
        "creatorId": _user_id(view.created_by.id if view.created_by else None),
        "status": status,
        "paidAt": _timestamp(view.paid_at),
        "forecastDistributionAt": _timestamp(view.approved_at) if approved else None,
        "submittedAt": _day_timestamp(view.submitted_at),
        "contractAmount": _money(base.contract_amount),
        "originalAmount": _money(base.original_amount),
        "amount": _money(base.amount),
        "previousAmount": _money(base.previous_amount),
        "currentCompletedWorkRetentionPercent": _fraction(summary.work_percent),
        "completedWorkRetainedPercent": _fraction(summary.completed_work_retainage_percent),
        "completedWorkRetention": _money(base.completed_work_retention),
        "completedWorkGrossRetentionPercent": _fraction(summary.work_percent),
        "currentMaterialsRetentionPercent": _fraction(summary.materials_percent),
        "materialsOnStoreRetention": _money(base.materials_retention),
        "materialsRetention": _money(base.materials_retention),
        "materialsGrossRetentionPercent": _fraction(summary.materials_percent),
        "materialsRetainedPercent": _fraction(summary.stored_materials_retainage_percent),
        "materialsRetained": _money(base.materials_retention),
        "materialsRetentionForeignCurrency": _money(foreign.materials_retention),
        "completedWorkRetained": _money(base.completed_work_retention),
        "totalRetained": _money(base.completed_work_retention + base.materials_retention),
        "totalGrossRetentionPercent": _fraction(
            percent_of(gross_retention(summary), summary.total_completed_and_stored_to_date)
        ),
        "totalRetainedPercent": _fraction(
            percent_of(summary.total_retainage, summary.total_completed_and_stored_to_date)
        ),
        "previousRetention": _money(base.previous_retention),
        "netRetention": _money(base.net_retention),
        "materialsOnStore": _money(base.materials_on_store),
        "previousMaterialsOnStore": _money(base.previous_materials_on_store),
        "materialsBilled": _money(base.materials_on_store),
        "previousMaterialsBilled": _money(base.previous_materials_on_store),
        "netMaterialsOnStore": _money(base.net_materials_on_store),
        "approvedChangeOrders": _money(base.approved_change_orders),
        "previousApprovedChangeOrders": _money(base.previous_approved_change_orders),
        # Budget transfers move money inside an owner's budget; a contract has none.
        "budgetTransferIds": [],
        "approvedBudgetTransfers": _money(0),
        "approvedBudgetTransfersForeignCurrency": _money(0),
        "previousApprovedBudgetTransfers": _money(0),
        "previousApprovedBudgetTransfersForeignCurrency": _money(0),
        "netAmount": _money(base.net_amount),
        "advanceAmount": _money(base.advance_amount),
        "advancePercent": _fraction(percent_of(foreign.advance_amount, foreign.original_amount)),
        "previousAdvanceAmount": previous_advance,
        "previousAdvanceAmountForeignCurrency": previous_advance_foreign,
        "recoupmentAmount": _money(base.recoupment_amount),
        "recoupmentPercentOfCompletedWork": _fraction(
            percent_of(foreign.recoupment_amount, foreign.amount)
        ),
        "previousRecoupmentAmount": previous_recoupment,
        "previousRecoupmentAmountForeignCurrency": previous_recoupment_foreign,
        "aggregateBy": view.aggregate_by,
        "hasItemRejected": lines.has_rejected,
        "hasItemReviewed": lines.has_reviewed,
        "hasComment": lines.has_comment,
        "canReleaseRetention": summary.total_retainage != 0,
        "paymentStage": None,
        "internalId": None,
        "internalSystem": None,
        "exchangeRate": _rate(rate),
        "previousExchangeRate": _rate(view.previous_exchange_rate),
        "previousAmountForeignCurrency": _money(foreign.previous_amount),
        "previousClaimedAmountForeignCurrency": previous_claimed_foreign,
        "contractAmountForeignCurrency": _money(foreign.contract_amount),
        "originalAmountForeignCurrency": _money(foreign.original_amount),
        "approvedChangeOrdersForeignCurrency": _money(foreign.approved_change_orders),
        "previousApprovedChangeOrdersForeignCurrency": _money(
            foreign.previous_approved_change_orders
        ),
        "completedWorkRetentionForeignCurrency": _money(foreign.completed_work_retention),
        "previousRetentionForeignCurrency": _money(foreign.previous_retention),
        "previousMaterialsBilledForeignCurrency": _money(foreign.previous_materials_on_store),
        "previousMaterialsBilledCurrency": _money(foreign.previous_materials_on_store),
        "recipients": (
            [{"id": str(view.created_by.id), "isDefault": True}] if view.created_by else []
        ),
        "netAmountForeignCurrency": _money(foreign.net_amount),
        "claimedAmount": claimed,
        "previousClaimedAmount": previous_claimed,
        "architectCompanyId": str(view.contract.architect.id) if view.contract.architect else None,
        "architectCompanyUid": view.contract.architect.uuid if view.contract.architect else None,
        "architectContactId": None,
        "additionalCollaborators": [
            {"companyId": str(party.id), "companyUid": party.uuid, "contactIds": []}
            for party in (view.contract.party, view.contract.architect)
            if party is not None
        ],
        "integrationState": view.integration_state,
        "integrationStateChangedAt": _timestamp(view.integration_state_changed_at),
        "integrationStateChangedBy": _user_id(view.integration_state_changed_by),
        "externalId": view.external_id,
        "externalSystem": view.external_system,
        "externalMessage": view.external_message,
        "lastSyncTime": _timestamp(view.last_sync_time),
        "createdAt": _timestamp(view.created_at) or "",
        "updatedAt": _timestamp(view.updated_at) or "",
    }
    # The include= fields come last in schemas.Payment, in this order.
    if "paymentReferences" in includes:
        payment["paymentReferences"] = [
            _json(_reference(view, recorded, in_base)) for recorded in references
        ]
    if "attributes" in includes:
        payment["properties"] = [
            _json(schemas.Property(name=name, value=_attribute(value), built_in=False))
            for name, value in sorted(view.custom_fields.items())
        ]
    if "summaryCalculatedFields" in includes:
        payment["summaryCalculatedFields"] = _json(_summary_fields(view, in_base))
    if "complianceExpiration" in includes:
        payment["complianceExpiration"] = None  # the ledger tracks no compliance documents
    return payment


def _json(model: schemas.AccModel) -> dict[str, Any]:
    return model.model_dump(mode="json", by_alias=True, exclude_unset=True)


# Payment items are named by UUID. A line's own UUID names its work item; its materials item and
# the SOV line it bills (which the ledger numbers, not names) get UUIDs derived from those, so the
# same item always answers with the same id.
ITEM_NAMESPACE = uuid5(NAMESPACE_URL, "https://drawbridge.invalid/acc/payment-items")


def _derived_uuid(*parts: object) -> str:
    return str(uuid5(ITEM_NAMESPACE, ":".join(str(part) for part in parts)))


def to_payment_items(view: PayAppView) -> list[dict[str, Any]]:
    """Each G703 line as ACC payment items: the work item (``SOV`` for a schedule-of-values line,
    ``SCO`` for a change-order item) and, when the line has stored materials now or had them
    before, a ``MaterialsOnSite`` child item holding them. The items of a payment add up to its
    totals. Every field of Autodesk's payment item is present; those ACC marks "not relevant"
    or that the ledger has no such thing for are null (or 0 for amounts)."""
    items: list[dict[str, Any]] = []
    for line in view.lines or ():
        work = _work_item(view, line)
        items.append(work)
        figures = line.figures
        if (
            figures.materials_presently_stored
            or line.materials_previously_stored
            or figures.materials_retainage_from_previous_application
        ):
            items.append(_materials_item(view, line, work))
    return items


def _item_base(view: PayAppView, line: PayAppLineView) -> dict[str, Any]:
    """The fields a line's items share: where they come from and the payment's bookkeeping."""
    creator = _user_id(view.created_by.id if view.created_by else None)
    zero = _money(0)
    return {
        "paymentId": view.uuid,
        "budgetId": None,
        "budgetCode": None,
        "budgetFormattedCode": None,
        "name": line.description,
        "description": line.description,
        "exchangeRate": _rate(view.exchange_rate),
        "originalExchangeRate": _rate(view.contract.exchange_rate),
        "previousExchangeRate": _rate(view.previous_exchange_rate),
        "budgetTransfersQuantity": 0.0,
        "budgetTransfersUnitPrice": None,
        "budgetTransfers": None,
        "previousMaterials": None,
        "materials": None,
        "previousNetAmount": None,
        "realizedGainOrLoss": zero,
        "previousAdvanceAmount": zero,
        "previousAdvanceAmountForeignCurrency": zero,
        "advancePercent": None,
        "advanceAmount": zero,
        "previousRecoupmentAmount": zero,
        "previousRecoupmentAmountForeignCurrency": zero,
        "recoupmentAmount": zero,
        "recoupmentPercentOfCompletedWork": None,
        "creatorId": creator,
        "changedBy": creator,
        "status": (
            line.review_status
            if line.review_status in ("accepted", "rejected", "semi-rejected")
            else None
        ),
        "lastReviewedBy": creator if line.review_status else None,
        "hasComment": bool(line.review_comment),
        "canDelete": False,  # items follow the schedule of values; none is deleted on its own
        "isPrivate": None,
        "aggregateBy": view.aggregate_by,
        "createdAt": _timestamp(view.created_at),
        "updatedAt": _timestamp(view.updated_at),
        "externalId": None,
        "externalSystem": None,
        "externalMessage": None,
        "lastSyncTime": None,
        "integrationState": view.integration_state,
        "integrationStateChangedAt": _timestamp(view.integration_state_changed_at),
        "integrationStateChangedBy": _user_id(view.integration_state_changed_by),
    }


def _in_base(view: PayAppView, **cents: int) -> dict[str, str]:
    """Figures in the company's base currency (docs/billing.md, "ACC payment fields")."""
    differs = _differs(view)
    return {
        name: _money(convert(value, view.exchange_rate) if differs else value)
        for name, value in cents.items()
    }


def _in_contract_currency(**cents: int) -> dict[str, str]:
    """The ``...ForeignCurrency`` twins: the contract-currency figures as they are."""
    return {name: _money(value) for name, value in cents.items()}


def _unit_price(sov: SovLineView | None) -> str | None:
    return _plain_money(sov.unit_price) if sov and sov.unit_price is not None else None


def _work_item(view: PayAppView, line: PayAppLineView) -> dict[str, Any]:
    """The work of one line: C, D, E and the work retainage."""
    figures = line.figures
    sov, change_order = line.sov_line, line.change_order_item
    unit_price = sov.unit_price if sov else None
    package = next(
        (p for p in view.packages if change_order and p.id == change_order.package_id), None
    )
    this_quantity = (
        line.work_completed_this_period_quantity
        if line.work_completed_this_period_quantity is not None
        else quantity_at_unit_price(figures.work_completed_this_period, unit_price)
    )
    previous_quantity = quantity_at_unit_price(
        figures.work_completed_from_previous_application, unit_price
    )
    rate = _fraction(figures.work_retainage_percent)
    held_before = figures.work_retainage_from_previous_application
    held_now = figures.work_retainage_currently_retained
    released = figures.work_retainage_released_this_period
    due = figures.work_completed_this_period - (held_now - held_before)
    return {
        "id": line.uuid,
        "parentId": None,
        "associationType": "SOV" if sov else "SCO",
        "associationId": (
            sov_line_uuid(view.company.id, sov.id) if sov else package.uuid if package else None
        ),
        "position": line.position,
        "number": sov.number if sov else str(line.position),
        "originalQuantity": _number(sov.quantity if sov and sov.quantity else Decimal(0)),
        "originalUnitPrice": _unit_price(sov),
        "previousQuantity": _number(previous_quantity),
        "previousUnitPrice": _unit_price(sov),
        "quantity": _number(this_quantity),
        "unitPrice": _unit_price(sov),
        "unit": None,
        **_no_materials(),
        "currentCompletedWorkRetentionPercent": rate,
        "completedWorkRetainedPercent": rate,
        "completedWorkRetentionPercent": rate,
        "currentMaterialsRetentionPercent": 0.0,
        "materialsRetainedPercent": 0.0,
        "materialsOnStoreRetentionPercent": 0.0,
        "materialsRetentionPercent": 0.0,
        "totalRetainedPercent": rate,
        "totalRetentionPercent": rate,
        "previousClaimedQuantity": str(previous_quantity),
        "previousClaimedUnitPrice": _unit_price(sov),
        "claimedQuantity": _plain(line.work_completed_this_period_quantity),
        "claimedUnitPrice": _unit_price(sov),
        **_in_base(
            view,
            originalAmount=figures.scheduled_value,
            previousAmount=figures.work_completed_from_previous_application,
            amount=figures.work_completed_this_period,
            currentCompletedWorkRetention=figures.work_retainage_retained_this_period,
            previousCompletedWorkRetained=held_before,
            completedWorkRetained=held_now,
            completedWorkReleased=released,
            completedWorkRetention=held_now + released,
            previousRetained=held_before,
            totalRetained=held_now,
            currentRetention=held_now - held_before,
            currentReleased=released,
            retainage=held_now,
            netAmount=due,
            previousClaimedAmount=figures.work_completed_from_previous_application,
            claimedAmount=_claimed(line),
        ),
        **_in_contract_currency(
            previousAmountForeignCurrency=figures.work_completed_from_previous_application,
            currentCompletedWorkRetentionForeignCurrency=figures.work_retainage_retained_this_period,
            previousCompletedWorkRetainedForeignCurrency=held_before,
            netAmountForeignCurrency=due,
            previousClaimedAmountForeignCurrency=figures.work_completed_from_previous_application,
        ),
        **_item_base(view, line),
    }


def _no_materials() -> dict[str, Any]:
    zero = _money(0)
    return {
        "previousMaterialsOnStore": zero,
        "previousMaterialsBilledQuantity": 0.0,
        "previousMaterialsBilledUnitPrice": None,
        "previousMaterialsBilledUnit": None,
        "previousMaterialsBilled": zero,
        "previousMaterialsBilledForeignCurrency": zero,
        "previousMaterialsBilledCurrency": zero,
        "materialsBilledQuantity": 0.0,
        "materialsBilledUnitPrice": None,
        "materialsBilledUnit": None,
        "materialsBilled": zero,
        "materialsOnStoreQuantity": 0.0,
        "materialsOnStoreUnitPrice": None,
        "materialsOnStoreUnit": None,
        "materialsOnStore": zero,
        "currentMaterialsRetention": zero,
        "currentMaterialsRetentionForeignCurrency": zero,
        "previousMaterialsRetained": zero,
        "previousMaterialsRetainedForeignCurrency": zero,
        "materialsRetained": zero,
        "materialsReleased": zero,
        "materialsOnStoreReleased": zero,
        "materialsRetention": zero,
    }


def _materials_item(view: PayAppView, line: PayAppLineView, work: dict[str, Any]) -> dict[str, Any]:
    """The stored materials of one line, a child of its work item: F, what was newly stored
    this period (``materialsBilled``) and the materials retainage."""
    figures = line.figures
    sov = line.sov_line
    unit_price = sov.unit_price if sov else None
    before = line.materials_previously_stored
    stored = figures.materials_presently_stored
    new = line_stored_this_period(figures, before)
    rate = _fraction(figures.materials_retainage_percent)
    held_before = figures.materials_retainage_from_previous_application
    held_now = figures.materials_retainage_currently_retained
    released = figures.materials_retainage_released_this_period
    # The line's line-8 share less its work item's: what the materials add this period.
    due = line_due_this_period(figures, before) - (
        figures.work_completed_this_period
        - (
            figures.work_retainage_currently_retained
            - figures.work_retainage_from_previous_application
        )
    )
    return {
        **work,
        "id": _derived_uuid("materials", line.uuid),
        "parentId": line.uuid,
        "associationType": "MaterialsOnSite",
        "originalQuantity": 0.0,
        "previousQuantity": 0.0,
        "quantity": 0.0,
        "previousMaterialsBilledQuantity": _number(quantity_at_unit_price(before, unit_price)),
        "materialsBilledQuantity": _number(quantity_at_unit_price(new, unit_price)),
        "materialsOnStoreQuantity": _number(quantity_at_unit_price(stored, unit_price)),
        "previousMaterialsBilledUnitPrice": _unit_price(sov),
        "materialsBilledUnitPrice": _unit_price(sov),
        "materialsOnStoreUnitPrice": _unit_price(sov),
        "currentCompletedWorkRetentionPercent": 0.0,
        "completedWorkRetainedPercent": 0.0,
        "completedWorkRetentionPercent": 0.0,
        "currentMaterialsRetentionPercent": rate,
        "materialsRetainedPercent": rate,
        "materialsOnStoreRetentionPercent": rate,
        "materialsRetentionPercent": rate,
        "totalRetainedPercent": rate,
        "totalRetentionPercent": rate,
        "previousClaimedQuantity": "0",
        "claimedQuantity": None,
        **_in_base(
            view,
            originalAmount=0,
            previousAmount=0,
            amount=0,
            previousMaterialsOnStore=before,
            previousMaterialsBilled=before,
            materialsBilled=new,
            materialsOnStore=stored,
            currentCompletedWorkRetention=0,
            previousCompletedWorkRetained=0,
            completedWorkRetained=0,
            completedWorkReleased=0,
            completedWorkRetention=0,
            currentMaterialsRetention=figures.materials_retainage_retained_this_period,
            previousMaterialsRetained=held_before,
            materialsRetained=held_now,
            materialsReleased=released,
            materialsOnStoreReleased=released,
            materialsRetention=held_now + released,
            previousRetained=held_before,
            totalRetained=held_now,
            currentRetention=held_now - held_before,
            currentReleased=released,
            retainage=held_now,
            netAmount=due,
            previousClaimedAmount=0,
            claimedAmount=new,
        ),
        **_in_contract_currency(
            previousAmountForeignCurrency=0,
            previousMaterialsBilledForeignCurrency=before,
            previousMaterialsBilledCurrency=before,
            currentCompletedWorkRetentionForeignCurrency=0,
            previousCompletedWorkRetainedForeignCurrency=0,
            currentMaterialsRetentionForeignCurrency=figures.materials_retainage_retained_this_period,
            previousMaterialsRetainedForeignCurrency=held_before,
            netAmountForeignCurrency=due,
            previousClaimedAmountForeignCurrency=0,
        ),
    }


def _reference(view: PayAppView, payment: PaymentView, in_base: bool) -> schemas.PaymentReference:
    amount = convert(payment.amount, view.exchange_rate) if in_base else payment.amount
    return schemas.PaymentReference(
        id=payment.uuid,
        payment_id=view.uuid,
        amount=_money(amount),
        amount_foreign_currency=_money(payment.amount),
        paid_at=_date(payment.payment_date),
        payment_type=payment.payment_method,
        reference_number=payment.check_number
        or payment.payment_number
        or payment.draw_request_number,
        note=payment.notes,
        created_at=_timestamp(payment.created_at) or "",
    )


def _summary_fields(view: PayAppView, in_base: bool) -> schemas.SummaryCalculatedFields:
    summary = view.summary

    def money(cents: int) -> str:
        return _money(convert(cents, view.exchange_rate) if in_base else cents)

    return schemas.SummaryCalculatedFields(
        total_completed_and_stored=money(summary.total_completed_and_stored_to_date),
        total_retention=money(summary.total_retainage),
        total_earned_less_retention=money(summary.total_earned_less_retainage),
        previous_certificates=money(summary.less_previous_certificates_for_payment),
        current_payment_due=money(summary.current_payment_due),
        balance_to_finish_including_retention=money(summary.balance_to_finish_including_retainage),
        percent_complete=_fraction(summary.percent_complete),
        amount_paid=money(view.payments.amount_paid),
        amount_unpaid=money(view.payments.amount_unpaid),
    )


def _differs(view: PayAppView) -> bool:
    return view.contract.currency != view.company.base_currency


def _claimed(line: PayAppLineView) -> int:
    """What the subcontractor claimed on the line, or what was billed when no claim was given
    (a payment shows the sum, ``LineDigest.claimed``, which the database adds up alike)."""
    if line.subcontractor_claimed_amount is not None:
        return line.subcontractor_claimed_amount
    return line.figures.work_completed_this_period


def _attribute(value: object) -> str | int | bool | None:
    if value is None or isinstance(value, (str, int, bool)):
        return value
    return str(value)


@lru_cache(maxsize=4096)
def _money(cents: int) -> str:
    """Cents as ACC's money. A page of payments writes some sixty amounts each, many of them
    the same (zeros, a figure in both currencies), so each is written once."""
    return format_cents(cents, PLACES)  # integer cents: never "-0.0000"


def _number(value: Decimal) -> float:
    """A percent fraction or quantity as the JSON number Autodesk types it. Display only: its
    text is the shortest that reads back the same (exact for up to 15 significant digits), and
    a zero is always 0.0, never -0.0."""
    return float(value) if value else 0.0


def _fraction(percent: Decimal) -> float:
    """A percent (10.00) as ACC's fraction (0.1)."""
    return _number(percent.scaleb(-2))


def _plain_money(value: Decimal) -> str:
    """A unit price (an exact decimal) with at least 4 places, like ACC's money."""
    exponent = value.as_tuple().exponent
    if isinstance(exponent, int) and exponent >= -PLACES:
        return str(value.quantize(Decimal(1).scaleb(-PLACES)))
    return str(value)


def _rate(rate: Decimal) -> str:
    exponent = rate.as_tuple().exponent
    if isinstance(exponent, int) and exponent >= -PLACES:
        return str(rate.quantize(Decimal(1).scaleb(-PLACES)))
    return str(rate.normalize())


def _plain(value: Decimal | None) -> str | None:
    return None if value is None else str(value)


def _date(value: date | None) -> str | None:
    return value.isoformat() if value else None


def _timestamp(value: datetime | None) -> str | None:
    if value is None:
        return None
    moment = value.astimezone(UTC).replace(tzinfo=None) if value.tzinfo else value
    if moment.year < 1000:  # isoformat pads the year to 4 digits, strftime does not
        return moment.strftime("%Y-%m-%dT%H:%M:%S.") + f"{moment.microsecond // 1000:03d}Z"
    # The same text as the strftime above (milliseconds cut, not rounded), at a third the cost.
    return moment.isoformat(timespec="milliseconds") + "Z"


def _day_timestamp(value: date | None) -> str | None:
    return f"{value.isoformat()}T00:00:00.000Z" if value else None


def _user_id(user_id: int | None) -> str | None:
    return None if user_id is None else str(user_id)


# -- ACC -> ledger ---------------------------------------------------------------------------


def filters_of(query: Iterable[tuple[str, str]], known: frozenset[str]) -> dict[str, str]:
    """The ``filter[...]`` parameters of a query, each name's values joined with commas (a
    generated client repeats the key once per value; people write comma lists). An unknown
    filter is a 400 naming it, never silently ignored."""
    found: dict[str, list[str]] = {}
    for key, value in query:
        if key.startswith("filter"):
            if key not in known:
                raise BadInput(f"{key}: unknown filter (one of {', '.join(sorted(known))})", key)
            found.setdefault(key, []).append(value)
    return {key: ",".join(values) for key, values in found.items()}


def parse_uuids(raw: str | None, field: str) -> list[str]:
    """A comma list of UUIDs, in their canonical lower-case form; anything else is a 400."""
    ids = []
    for part in comma_list(raw, field):
        try:
            ids.append(str(UUID(part)))
        except ValueError:
            raise BadInput(f"{field}: {part!r} is not a UUID", field) from None
    return ids


ITEM_TYPES = ("SOV", "SCO", "MaterialsOnSite")
# ACC lists these for payment items too; the ledger makes none of them (they match nothing).
OTHER_ITEM_TYPES = ("OCO", "CostItem", "SubCostItem", "MainContractItem")
ITEM_SORT_FIELDS = ("name", "position", "createdAt", "updatedAt", "id", "associationType")


def parse_item_types(raw: str | None) -> frozenset[str] | None:
    names = comma_list(raw, "filter[associationType]")
    for name in names:
        if name not in ITEM_TYPES + OTHER_ITEM_TYPES:
            raise BadInput(
                f"filter[associationType]: {name!r} is not one of "
                f"{', '.join(ITEM_TYPES + OTHER_ITEM_TYPES)}",
                "filter[associationType]",
            )
    return frozenset(names) if names else None


def _parse_sort_terms(raw: str | None, fields: Collection[str]) -> list[tuple[str, bool]]:
    """ACC's ``sort``: "<field> [asc|desc]", comma-separated -> [(field, descending)]."""
    order: list[tuple[str, bool]] = []
    for part in comma_list(raw, "sort"):
        words = part.split()
        direction = words[1].lower() if len(words) == 2 else "asc"
        if len(words) not in (1, 2) or words[0] not in fields or direction not in ("asc", "desc"):
            raise BadInput(
                f"sort: {part!r} is not '<field> [asc|desc]' with a field of {', '.join(fields)}",
                "sort",
            )
        order.append((words[0], direction == "desc"))
    return order


def parse_item_sort(raw: str | None) -> list[tuple[str, bool]]:
    return _parse_sort_terms(raw, ITEM_SORT_FIELDS)


def sort_items(
    items: list[dict[str, Any]], order: Sequence[tuple[str, bool]]
) -> list[dict[str, Any]]:
    """Stable sorts, last key first, so the first key decides; nulls sort first."""
    for field, descending in reversed(order):
        items = sorted(
            items,
            key=lambda item: (item[field] is not None, "" if item[field] is None else item[field]),
            reverse=descending,
        )
    return items


def parse_includes(raw: str | None) -> frozenset[str]:
    chosen = frozenset(comma_list(raw, "include"))
    unknown = sorted(chosen - set(INCLUDES))
    if unknown:
        raise BadInput(
            f"include: unknown value {unknown[0]!r} (one of {', '.join(INCLUDES)})", "include"
        )
    return chosen


def parse_sort(raw: str | None) -> list[tuple[str, bool]]:
    """ "number desc,createdAt" -> [("number", True), ("created_at", False)]."""
    order = [(SORT_COLUMNS[name], desc) for name, desc in _parse_sort_terms(raw, SORT_COLUMNS)]
    return order or [("id", False)]


def parse_association_type(raw: str | None) -> str | None:
    kinds = set()
    for name in comma_list(raw, "filter[associationType]"):
        if name not in ASSOCIATION_TYPES:
            raise BadInput(
                "filter[associationType]: one of Contract, MainContract", "filter[associationType]"
            )
        kinds.add(ASSOCIATION_TYPES[name])
    return kinds.pop() if len(kinds) == 1 else None


def parse_statuses(raw: str | None) -> list[str] | None:
    names = comma_list(raw, "filter[status]")
    for name in names:
        if name not in CANONICAL_OF_STATUS:
            raise BadInput(
                f"filter[status]: unknown status {name!r} (one of "
                f"{', '.join(CANONICAL_OF_STATUS)})",
                "filter[status]",
            )
    return names or None


def canonical_statuses(acc_statuses: Iterable[str]) -> list[str]:
    return sorted({status.value for name in acc_statuses for status in CANONICAL_OF_STATUS[name]})


def parse_numbers(raw: str | None) -> list[int] | None:
    """Payment numbers; one that is not a pay application number simply matches nothing."""
    names = comma_list(raw, "filter[number]")
    if not names:
        return None
    return [int(name) for name in names if name.isdigit() and 1 <= int(name) < 2**31]


def parse_since(raw: str | None) -> datetime | None:
    if raw is None or raw == "":
        return None
    _check_text(raw, "filter[lastModifiedSince]")
    try:
        moment = datetime.fromisoformat(raw.replace("Z", "+00:00").replace("z", "+00:00"))
        return moment.replace(tzinfo=UTC) if moment.tzinfo is None else moment.astimezone(UTC)
    except (ValueError, OverflowError) as error:
        raise BadInput(
            "filter[lastModifiedSince]: not an ISO 8601 date-time", "filter[lastModifiedSince]"
        ) from error


def comma_list(raw: str | None, field: str) -> list[str]:
    if raw is None:
        return []
    _check_text(raw, field)
    return [part.strip() for part in raw.split(",") if part.strip()]


def check_text(raw: str | None, field: str) -> str | None:
    if raw is not None:
        _check_text(raw, field)
    return raw or None


def _check_text(raw: str, field: str) -> None:
    # PostgreSQL refuses NUL in text; refuse it here as bad input rather than fail later.
    if "\x00" in raw:
        raise BadInput(f"{field}: contains a NUL character", field)
    try:
        raw.encode("utf-8")
    except UnicodeEncodeError as error:  # a lone surrogate from a JSON "\\ud800" escape
        raise BadInput(f"{field}: not valid Unicode text", field) from error


def to_header(body: schemas.PaymentUpdate) -> dict[str, Any]:
    """The header changes of a PATCH: only the fields the client sent (null clears)."""
    header: dict[str, Any] = {}
    for name in body.model_fields_set:
        value = getattr(body, name)
        if isinstance(value, str):
            _check_text(value, schemas.PaymentUpdate.model_fields[name].alias or name)
        if name == "exchange_rate" and value is not None:
            value = _exchange_rate(value)
        if isinstance(value, datetime):
            value = _utc(value, schemas.PaymentUpdate.model_fields[name].alias or name)
        header[HEADER_OF_FIELD[name]] = value
    return header


def _exchange_rate(value: Decimal) -> Decimal:
    exponent = value.as_tuple().exponent
    if (
        not value.is_finite()
        or value <= 0
        or value > MAX_EXCHANGE_RATE
        or not isinstance(exponent, int)
        or exponent < -MAX_RATE_PLACES
    ):
        raise Invalid(
            f"exchangeRate: a positive number up to {MAX_EXCHANGE_RATE} with at most "
            f"{MAX_RATE_PLACES} decimal places",
            field="exchangeRate",
        )
    return value


def _utc(value: datetime, field: str) -> datetime:
    try:
        return value.replace(tzinfo=UTC) if value.tzinfo is None else value.astimezone(UTC)
    except OverflowError as error:
        raise Invalid(f"{field}: out of range", field=field) from error


def group_by_pay_app(payments: Iterable[PaymentView]) -> Mapping[int, list[PaymentView]]:
    grouped: dict[int, list[PaymentView]] = {}
    for payment in payments:
        if payment.pay_app_id is not None:
            grouped.setdefault(payment.pay_app_id, []).append(payment)
    return grouped


# -- contracts -----------------------------------------------------------------------------------

CONTRACT_STATUS = {"draft": "draft", "approved": "executed", "void": "closed"}
CONTRACT_TYPES = {"subcontract": "Subcontract", "purchase_order": "PurchaseOrder"}


def _amount_number(cents: int) -> float:
    """Contract amounts are JSON numbers in Autodesk's contract schema (display only)."""
    return _number(Decimal(cents) / 100)


def to_contract(
    sheet: ContractSheet, company_id: int, main_contract_id: str | None
) -> dict[str, Any]:
    """A commitment as ACC's contract: every field of Autodesk's schema, null where the ledger
    keeps no such thing (budgets, forecasts, procurement dates)."""
    view = sheet.contract
    created, updated = _timestamp(view.created_at), _timestamp(view.updated_at)
    awarded_at = (
        _timestamp(datetime.combine(view.contract_date, datetime.min.time(), tzinfo=UTC))
        if view.contract_date
        else None
    )
    return {
        "id": view.uuid,
        "code": view.number,
        "name": view.title,
        "description": view.details.get("description"),
        "scopeOfWork": view.details.get("scope"),
        "note": None,
        "type": CONTRACT_TYPES.get(view.commitment_type or "", "Subcontract"),
        "status": CONTRACT_STATUS.get(view.status, "draft"),
        "statusChangedAt": updated,
        "companyId": str(view.party.id),
        "contactId": None,
        "creatorId": None,
        "changedBy": None,
        "ownerId": None,
        "signedBy": None,
        "mainContractId": main_contract_id,
        "currency": view.currency,
        "exchangeRate": _rate(view.exchange_rate),
        "forecastExchanageRate": None,
        "forecastExchangeRateUpdatedAt": None,
        "awarded": _amount_number(sheet.original),
        "approvedChangeOrders": _amount_number(sheet.approved_change_orders),
        "pendingChangeOrders": _amount_number(sheet.pending_change_orders),
        "revised": _amount_number(sheet.original + sheet.approved_change_orders),
        "approvedInScopeChangeOrders": None,
        "approvedOwnerChanges": None,
        "pendingOwnerChanges": None,
        "actualCost": None,
        "forecastCostComplete": None,
        "forecastFinalCost": None,
        "forecastVariance": None,
        "internalAdjustment": None,
        "originalBudget": None,
        "projectedBudget": None,
        "projectedCost": None,
        "reserves": None,
        "uncommitted": None,
        "varianceTotal": None,
        "retentionCap": None,
        "paymentDue": None,
        "paymentDueType": None,
        "awardedAt": awarded_at,
        "approvedAt": awarded_at if view.status == "approved" else None,
        "documentGeneratedAt": None,
        "sentAt": None,
        "respondedAt": None,
        "responseDue": None,
        "returnedAt": None,
        "onsiteAt": None,
        "offsiteAt": None,
        "procuredAt": None,
        "budgets": [],
        "compounded": {},
        "scheduleOfValues": [
            {
                "id": sov_line_uuid(company_id, line.id),
                "contractId": view.uuid,
                "associationId": view.uuid,
                "associationType": "Contract",
                "budgetId": None,
                "parentId": None,
                "code": line.number,
                "name": line.description,
                "amount": _money(line.scheduled_value),
                "allocatedAmount": _money(line.scheduled_value),
                "quantity": _number(line.quantity) if line.quantity is not None else None,
                "quantityPerBulk": None,
                "unit": None,
                "unitPrice": _number(line.unit_price) if line.unit_price is not None else None,
                "exchangeRate": _rate(view.exchange_rate),
                "createdAt": created,
                "updatedAt": updated,
            }
            for line in sheet.lines
        ],
        "integrationState": None,
        "integrationStateChangedAt": None,
        "integrationStateChangedBy": None,
        "externalId": None,
        "externalSystem": None,
        "externalMessage": None,
        "lastSyncTime": None,
        "createdAt": created,
        "updatedAt": updated,
    }


def sov_line_uuid(company_id: int, sov_line_id: int) -> str:
    """The UUID an SOV line answers to (the ledger numbers SOV lines; ACC names them)."""
    return _derived_uuid("sov-line", company_id, sov_line_id)
