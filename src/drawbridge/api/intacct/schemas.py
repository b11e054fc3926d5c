# ruff: noqa: N815 - attributes are Intacct's own camelCase names, so a body reads like the wire
"""Sage Intacct's shapes: request bodies (read-only fields are ignored), objects and envelopes.

Field names follow Intacct's REST API for construction project contracts. Money is a decimal
string with 2 places (``format: decimal-precision-2``), dates are ``YYYY-MM-DD``. Fields a
client cannot set are marked ``readOnly`` in the JSON schema; the model service
(``/services/core/model``) and the query service read field types from these models, so each
object's fields are described in one place.
"""

from __future__ import annotations

from typing import Annotated, Any, Literal

from pydantic import BaseModel, ConfigDict, Field

MAX_QUERY_SIZE = 4000
MAX_LIST_SIZE = 100

# -- value types --------------------------------------------------------------------------------

Money = Annotated[str, Field(json_schema_extra={"format": "decimal-precision-2"})]
Percent = Annotated[str, Field(json_schema_extra={"format": "decimal-precision-2"})]
DateText = Annotated[str, Field(json_schema_extra={"format": "date"})]
DateIn = Annotated[str, Field(pattern=r"^\d{4}-\d{2}-\d{2}$", description="A date, YYYY-MM-DD.")]
AmountIn = Annotated[
    str | int,
    Field(description="A decimal amount with at most 2 places, as a string or an integer."),
]
Status = Literal["active", "inactive"]
WorkflowType = Literal["original", "revision", "forecast", "other"]
ChangeRequestStatus = Literal["draft", "pending", "approved", "rejected", "void"]


def read_only(**extra: Any) -> Any:
    return Field(json_schema_extra={"readOnly": True, **extra})


class Out(BaseModel):
    model_config = ConfigDict(populate_by_name=True)


class In(BaseModel):
    """A request body: unknown and read-only fields are ignored, as Intacct does."""

    model_config = ConfigDict(extra="ignore")


# -- references ---------------------------------------------------------------------------------


class Ref(Out):
    key: str | None = None
    id: str | None = None
    name: str | None = None
    href: str | None = None


class RefIn(In):
    key: str | None = None
    id: str | None = None


class Audit(Out):
    createdDateTime: str | None = read_only()
    modifiedDateTime: str | None = read_only()
    createdBy: str | None = read_only()
    modifiedBy: str | None = read_only()


# -- project contract ---------------------------------------------------------------------------

SCHEDULE_FIELDS = (
    "scheduledStartDate",
    "actualStartDate",
    "scheduledCompletionDate",
    "revisedCompletionDate",
    "substantialCompletionDate",
    "actualCompletionDate",
    "noticeToProceedDate",
    "responseDueDate",
    "executedOnDate",
)


class Schedule(Out):
    scheduledStartDate: DateText | None = None
    actualStartDate: DateText | None = None
    scheduledCompletionDate: DateText | None = None
    revisedCompletionDate: DateText | None = None
    substantialCompletionDate: DateText | None = None
    actualCompletionDate: DateText | None = None
    noticeToProceedDate: DateText | None = None
    responseDueDate: DateText | None = None
    executedOnDate: DateText | None = None
    scheduleImpact: str | None = None


class ScheduleIn(In):
    scheduledStartDate: DateIn | None = None
    actualStartDate: DateIn | None = None
    scheduledCompletionDate: DateIn | None = None
    revisedCompletionDate: DateIn | None = None
    substantialCompletionDate: DateIn | None = None
    actualCompletionDate: DateIn | None = None
    noticeToProceedDate: DateIn | None = None
    responseDueDate: DateIn | None = None
    executedOnDate: DateIn | None = None
    scheduleImpact: str | None = None


class InternalReference(Out):
    referenceNumber: str | None = None
    initiatedBy: Ref | None = None
    verbalApprovalBy: Ref | None = None
    issuedBy: Ref | None = None
    issuedOnDate: DateText | None = None
    approvedBy: Ref | None = None
    approvedOnDate: DateText | None = None
    signedBy: Ref | None = None
    signedOnDate: DateText | None = None
    source: str | None = None
    sourceReferenceNumber: str | None = None


class InternalReferenceIn(In):
    referenceNumber: str | None = None
    initiatedBy: RefIn | None = None
    verbalApprovalBy: RefIn | None = None
    issuedBy: RefIn | None = None
    issuedOnDate: DateIn | None = None
    approvedBy: RefIn | None = None
    approvedOnDate: DateIn | None = None
    signedBy: RefIn | None = None
    signedOnDate: DateIn | None = None
    source: str | None = None
    sourceReferenceNumber: str | None = None


class ExternalReference(Out):
    referenceNumber: str | None = None
    verbalApprovalBy: Ref | None = None
    approvedBy: Ref | None = None
    approvedOnDate: DateText | None = None
    signedBy: Ref | None = None
    signedOnDate: DateText | None = None


class ExternalReferenceIn(In):
    referenceNumber: str | None = None
    verbalApprovalBy: RefIn | None = None
    approvedBy: RefIn | None = None
    approvedOnDate: DateIn | None = None
    signedBy: RefIn | None = None
    signedOnDate: DateIn | None = None


class ContractSummary(Out):
    totalPrice: Money = read_only()
    originalPrice: Money = read_only()
    revisionPrice: Money = read_only()
    approvedChangePrice: Money = read_only()
    pendingChangePrice: Money = read_only()
    otherPrice: Money = read_only()
    forecastPrice: Money = read_only()


class ContractBilling(Out):
    billedPrice: Money = read_only()
    totalBilledNetRetainage: Money = read_only()
    percentBilled: Percent = read_only()
    percentBilledNetRetainage: Percent = read_only()
    totalRetainageHeld: Money = read_only()
    totalRetainageReleased: Money = read_only()
    retainageBalance: Money = read_only()
    balanceToBill: Money = read_only()
    balanceToBillNetRetainage: Money = read_only()
    totalPaymentsReceived: Money = read_only()
    netTotalBilled: Money = read_only()
    netTotalPaymentsReceived: Money = read_only()
    subtotalBilledAsTax: Money = read_only()
    subtotalBilledAsDiscount: Money = read_only()
    subtotalBilledAsCharge: Money = read_only()
    lastApplicationNumber: str | None = read_only()


class ProjectContract(Out):
    key: str = read_only()
    id: str
    name: str
    project: Ref
    location: Ref | None = None
    customer: Ref
    contractDate: DateText | None = None
    description: str | None = None
    projectContractType: Ref | None = None
    architect: Ref | None = None
    isBillable: bool = False
    attachment: Ref | None = None
    status: Status = "active"
    summary: ContractSummary = read_only()
    billing: ContractBilling = read_only()
    excludeFromWIPReporting: bool = False
    scope: str | None = None
    inclusions: str | None = None
    exclusions: str | None = None
    terms: str | None = None
    schedule: Schedule | None = None
    internalReference: InternalReference | None = None
    externalReference: ExternalReference | None = None
    audit: Audit = read_only()
    href: str = read_only()


class ProjectContractIn(In):
    """A project contract to create, or the fields to change (those not given stay)."""

    id: str | None = Field(None, max_length=64, description="Unique ID of the contract.")
    name: str | None = Field(None, max_length=255)
    project: RefIn | None = None
    customer: RefIn | None = None
    contractDate: DateIn | None = None
    description: str | None = None
    projectContractType: RefIn | None = None
    architect: RefIn | None = None
    location: RefIn | None = None
    attachment: RefIn | None = None
    isBillable: bool | None = None
    status: Status | None = None
    excludeFromWIPReporting: bool | None = None
    scope: str | None = None
    inclusions: str | None = None
    exclusions: str | None = None
    terms: str | None = None
    schedule: ScheduleIn | None = None
    internalReference: InternalReferenceIn | None = None
    externalReference: ExternalReferenceIn | None = None


# -- project contract line ----------------------------------------------------------------------


class BillingSetup(Out):
    billingType: Literal["progressBill", "timeAndMaterial"] = "progressBill"
    maximumBilling: Literal["totalPrice", "specifiedAmount", "noMaximum"] = "totalPrice"
    maximumBillingAmount: Money | None = None
    summarizeBill: bool = False


class BillingSetupIn(In):
    billingType: Literal["progressBill", "timeAndMaterial"] | None = None
    maximumBilling: Literal["totalPrice", "specifiedAmount", "noMaximum"] | None = None
    maximumBillingAmount: AmountIn | None = None
    summarizeBill: bool | None = None


class LineSummary(Out):
    originalPrice: Money = read_only()
    revisionPrice: Money = read_only()
    forecastPrice: Money = read_only()
    approvedChangePrice: Money = read_only()
    pendingChangePrice: Money = read_only()
    otherPrice: Money = read_only()
    totalPrice: Money = read_only()


class LineBilling(Out):
    billedPrice: Money = read_only()
    previouslyAppliedPrice: Money = read_only()
    billedNetRetainage: Money = read_only()
    percentBilled: Percent = read_only()
    percentBilledNetRetainage: Percent = read_only()
    retainageHeld: Money = read_only()
    retainageReleased: Money = read_only()
    retainageBalance: Money = read_only()
    paymentsReceived: Money = read_only()


class LineEntry(Out):
    key: str = read_only()
    id: str = read_only()
    href: str = read_only()
    workflowType: WorkflowType = "original"
    price: Money
    memo: str | None = None
    priceEffectiveDate: DateText | None = None
    audit: Audit = read_only()


class LineEntryIn(In):
    key: str | None = Field(None, description="An existing entry to change; absent: a new one.")
    workflowType: WorkflowType = "original"
    price: AmountIn
    memo: str | None = None
    priceEffectiveDate: DateIn | None = None


class ProjectContractLine(Out):
    key: str = read_only()
    id: str
    href: str = read_only()
    projectContract: Ref
    name: str
    description: str | None = None
    contractLineDate: DateText | None = None
    retainagePercentage: Percent | None = None
    isBillable: bool = True
    billingSetup: BillingSetup
    summary: LineSummary = read_only()
    billing: LineBilling = read_only()
    projectContractLineEntries: list[LineEntry] = []
    status: Status = "active"
    audit: Audit = read_only()


class ProjectContractLineIn(In):
    projectContract: RefIn | None = None
    id: str | None = Field(None, max_length=32)
    name: str | None = None
    description: str | None = None
    contractLineDate: DateIn | None = None
    retainagePercentage: AmountIn | None = None
    isBillable: bool | None = None
    billingSetup: BillingSetupIn | None = None
    projectContractLineEntries: list[LineEntryIn] | None = None


# -- project change order -----------------------------------------------------------------------


class ProjectChangeOrder(Out):
    key: str = read_only()
    id: str
    href: str = read_only()
    description: str
    projectContract: Ref
    projectContractLine: Ref | None = None
    state: Literal["draft", "posted"] = "draft"
    changeRequestStatus: ChangeRequestStatus = "draft"
    changeOrderDate: DateText | None = None
    totalPrice: Money = read_only()
    audit: Audit = read_only()


class ProjectChangeOrderIn(In):
    id: str | None = Field(None, max_length=64)
    description: str | None = Field(None, max_length=255)
    projectContract: RefIn | None = None
    projectContractLine: RefIn | None = None
    state: Literal["draft", "posted"] | None = None
    changeRequestStatus: ChangeRequestStatus | None = None
    changeOrderDate: DateIn | None = None
    totalPrice: AmountIn | None = None


# -- project contract type ----------------------------------------------------------------------


class ProjectContractType(Out):
    key: str = read_only()
    id: str
    name: str
    status: Status = "active"
    href: str = read_only()
    audit: Audit = read_only()


class ProjectContractTypeIn(In):
    id: str | None = Field(None, max_length=64)
    name: str | None = Field(None, max_length=255)
    status: Status | None = None


# -- envelopes ----------------------------------------------------------------------------------


class ObjectRef(Out):
    key: str
    id: str
    href: str


class ListMeta(Out):
    totalCount: int
    start: int
    pageSize: int
    next: int | None
    previous: int | None


class CountMeta(Out):
    totalCount: int = 1
    totalSuccess: int = 1
    totalError: int = 0


class ListResult(Out):
    result: list[ObjectRef] = Field(alias="ia::result")
    meta: ListMeta = Field(alias="ia::meta")


class WriteResult(Out):
    result: ObjectRef = Field(alias="ia::result")
    meta: CountMeta = Field(alias="ia::meta")


class ContractResult(Out):
    result: ProjectContract = Field(alias="ia::result")
    meta: CountMeta = Field(alias="ia::meta")


class LineResult(Out):
    result: ProjectContractLine = Field(alias="ia::result")
    meta: CountMeta = Field(alias="ia::meta")


class ChangeOrderResult(Out):
    result: ProjectChangeOrder = Field(alias="ia::result")
    meta: CountMeta = Field(alias="ia::meta")


class ContractTypeResult(Out):
    result: ProjectContractType = Field(alias="ia::result")
    meta: CountMeta = Field(alias="ia::meta")


# -- query, model and token services ------------------------------------------------------------


class FilterParameters(In):
    caseSensitiveComparison: bool = True
    asOfDate: DateIn | None = None
    includePrivate: bool | None = None


class QueryIn(BaseModel):
    """A query: which object, which fields, which records, in what order, which page."""

    model_config = ConfigDict(extra="forbid")

    object: str = Field(examples=["construction/project-contract"])
    fields: list[str] | None = Field(None, examples=[["id", "project.id", "summary.totalPrice"]])
    filters: list[dict[str, dict[str, Any]]] | None = Field(
        None, examples=[[{"$eq": {"status": "active"}}]]
    )
    filterExpression: str | None = Field(None, examples=["1 and 2"])
    filterParameters: FilterParameters | None = None
    orderBy: list[dict[str, Literal["asc", "desc"]]] | None = Field(
        None, examples=[[{"id": "asc"}]]
    )
    start: int = Field(1, ge=1, le=10**9)
    size: int = Field(100, ge=1, le=MAX_QUERY_SIZE)


class QueryResult(Out):
    result: list[dict[str, Any]] = Field(alias="ia::result")
    meta: ListMeta = Field(alias="ia::meta")


class ModelResult(Out):
    result: dict[str, Any] = Field(alias="ia::result")
    meta: CountMeta = Field(alias="ia::meta")


class TokenOut(Out):
    access_token: str
    token_type: Literal["Bearer"] = "Bearer"
    expires_in: int
    refresh_token: str


class ErrorDetail(Out):
    code: str
    message: str
    errorId: str
    target: str | None = None


class ErrorInfo(Out):
    messageId: str
    placeholders: dict[str, Any]
    propertySet: dict[str, Any]


class ErrorBody(Out):
    code: str
    message: str
    errorId: str
    additionalInfo: ErrorInfo
    supportId: str
    details: list[ErrorDetail] = []


class ErrorEnvelope(Out):
    error: ErrorBody = Field(alias="ia::error")


class ErrorResult(Out):
    result: ErrorEnvelope = Field(alias="ia::result")
    meta: CountMeta = Field(alias="ia::meta")


# Every operation of the face may answer these, in Intacct's error envelope.
ERROR_RESPONSES: dict[int | str, dict[str, Any]] = {
    status: {"model": ErrorResult, "description": description}
    for status, description in (
        (400, "Bad Request: the field is named in details[].target"),
        (401, "Unauthorized: no valid token"),
        (403, "Forbidden: the token may not write"),
        (404, "Not Found: no such record in the company"),
        (409, "Conflict: a duplicate id, a reused Idempotency-Key, a record in use"),
    )
}
