"""Who may do what to a pay application (Procore's rules, applied on every face), and which
money rules a contract follows.

- A ``standard`` member may edit a pay application only when it is the latest on its contract and
  its status is ``draft`` or ``revise_and_resubmit``, and may set the status only to ``draft`` or
  ``under_review``. An ``admin`` may edit any pay application and set any status.
- A pay application is deletable only when it is the latest on its contract, its status is
  ``draft``, ``under_review`` or ``revise_and_resubmit``, and no payment references it.
- Integration fields (an ERP's bookkeeping: ACC's ``integrationState``, ``externalId``,
  ``externalSystem``, ``externalMessage``, ``lastSyncTime``; Procore's ``erp_status``) are not an
  edit of the figures, but they are not free either: only an ``admin`` locks or unlocks a pay
  application (a lock freezes it on every face, so a ``standard`` member can neither set one nor
  lift an admin's), and only an ``admin`` sets any of them on an application that is approved or
  has payments (what an ERP has already taken over). Otherwise a ``standard`` member may set them.
- Over-billing and over-payment each follow a company default with a per-contract override, as
  Procore's company setting "Prevent overbilling on all projects" overrides a project's "Allow
  over-billing" toggle: when the company prevents, no contract may allow; otherwise the contract's
  own setting decides, and a contract that says nothing (``None``) follows the company.
"""

from __future__ import annotations

import re
from collections.abc import Callable, Collection
from dataclasses import dataclass
from enum import StrEnum
from urllib.parse import urlsplit

from drawbridge.domain.errors import Forbidden, Invalid
from drawbridge.domain.text import text_problem

_EMAIL = re.compile(r"[^@\s\x00]+@[^@\s\x00]+")


def is_email_address(text: str) -> bool:
    """A user's email: something@somewhere, without spaces (users are named by it)."""
    return bool(_EMAIL.fullmatch(text))


MIN_PASSWORD_LENGTH = 10
MAX_PASSWORD_LENGTH = 1024


def password_problem(password: str) -> str | None:
    """Why a password cannot be taken (too short to resist guessing, or not typeable text)."""
    if len(password) < MIN_PASSWORD_LENGTH:
        return f"at least {MIN_PASSWORD_LENGTH} characters"
    if len(password) > MAX_PASSWORD_LENGTH:
        return f"at most {MAX_PASSWORD_LENGTH} characters"
    return text_problem(password)


# "Headless" OAuth clients name this instead of a URL and read the code from the answer itself.
OUT_OF_BAND_REDIRECT = "urn:ietf:wg:oauth:2.0:oob"
MAX_REDIRECT_URI_LENGTH = 2000


def redirect_uri_problem(uri: str) -> str | None:
    """What is wrong with a redirect URI an OAuth client registers (RFC 6749 §3.1.2, RFC 8252
    §7.3), or None: it must be absolute, without a fragment, ``https``, or ``http`` to the
    loopback interface (a local tool's listener), or the out-of-band URN."""
    if uri == OUT_OF_BAND_REDIRECT:
        return None
    if not uri or len(uri) > MAX_REDIRECT_URI_LENGTH:
        return f"a URI of 1 to {MAX_REDIRECT_URI_LENGTH} characters"
    if any(c.isspace() or ord(c) < 32 or ord(c) == 127 for c in uri):
        return "a URI has no spaces or control characters"
    try:
        parts = urlsplit(uri)
        host = parts.hostname
    except ValueError:
        return f"{uri!r} is not a URI"
    if parts.scheme not in ("https", "http") or not host:
        return f"an absolute https:// URI (or {OUT_OF_BAND_REDIRECT}), not {uri!r}"
    if parts.scheme == "http" and host not in ("localhost", "127.0.0.1", "::1"):
        return "http:// only to localhost, 127.0.0.1 or [::1]; use https://"
    if "#" in uri:
        return "a redirect URI has no #fragment"
    return None


class Role(StrEnum):
    ADMIN = "admin"
    STANDARD = "standard"


class Scope(StrEnum):
    READ = "data:read"
    WRITE = "data:write"


class PayAppStatus(StrEnum):
    DRAFT = "draft"
    UNDER_REVIEW = "under_review"
    REVISE_AND_RESUBMIT = "revise_and_resubmit"
    PENDING_OWNER_APPROVAL = "pending_owner_approval"
    APPROVED_AS_NOTED = "approved_as_noted"
    APPROVED = "approved"


EDITABLE_BY_STANDARD = frozenset({PayAppStatus.DRAFT, PayAppStatus.REVISE_AND_RESUBMIT})
SETTABLE_BY_STANDARD = frozenset({PayAppStatus.DRAFT, PayAppStatus.UNDER_REVIEW})
DELETABLE_STATUSES = frozenset(
    {PayAppStatus.DRAFT, PayAppStatus.UNDER_REVIEW, PayAppStatus.REVISE_AND_RESUBMIT}
)
APPROVED_STATUSES = frozenset({PayAppStatus.APPROVED, PayAppStatus.APPROVED_AS_NOTED})


def parse_status(value: object, field: str = "status") -> PayAppStatus:
    try:
        return PayAppStatus(str(value))
    except ValueError:
        allowed = ", ".join(status.value for status in PayAppStatus)
        raise Invalid(f"{field}: must be one of {allowed}", field=field) from None


def check_can_edit(role: Role, *, is_latest: bool, status: PayAppStatus) -> None:
    if role is Role.ADMIN:
        return
    if not is_latest:
        raise Invalid(
            "only the latest pay application on a contract may be edited by a standard user",
            field="id",
            code="not_latest",
        )
    if status not in EDITABLE_BY_STANDARD:
        raise Invalid(
            f"a pay application in status {status.value} may not be edited by a standard user",
            field="status",
            code="not_editable",
        )


def check_can_set_status(role: Role, status: PayAppStatus) -> None:
    if role is Role.STANDARD and status not in SETTABLE_BY_STANDARD:
        raise Invalid(
            f"status: a standard user may set only draft or under_review, not {status.value}",
            field="status",
            code="status_not_allowed",
        )


def check_paid_stays_submitted(new_status: PayAppStatus, *, has_payments: bool) -> None:
    """A pay application with payments may not go back to draft: payments are recorded only
    against submitted applications, because a draft is still the client's to change; money
    received against a claim that is withdrawn would stand against nothing."""
    if has_payments and new_status is PayAppStatus.DRAFT:
        raise Invalid(
            "status: a pay application with payments may not go back to draft",
            field="status",
            code="has_payments",
        )


INTEGRATION_STATE = "integration_state"
INTEGRATION_FIELDS = frozenset(
    {
        INTEGRATION_STATE,
        "external_id",
        "external_system",
        "external_message",
        "last_sync_time",
        "erp_status",
    }
)


def check_can_set_integration_fields(
    role: Role, names: Collection[str], *, status: PayAppStatus, has_payments: bool
) -> None:
    """Refuse a ``standard`` member the integration fields only an admin may set (module note)."""
    if role is Role.ADMIN:
        return
    given = INTEGRATION_FIELDS.intersection(names)
    if INTEGRATION_STATE in given:
        raise Forbidden(
            "integration_state: only an admin may lock or unlock a pay application",
            field=INTEGRATION_STATE,
            code="integration_admin_only",
        )
    if given and (status in APPROVED_STATUSES or has_payments):
        name = sorted(given)[0]
        raise Forbidden(
            f"{name}: only an admin may set integration fields on a pay application that is "
            "approved or has payments",
            field=name,
            code="integration_admin_only",
        )


def money_rule_allows(*, company_prevents: bool, contract_allows: bool | None) -> bool:
    """Whether a contract may over-bill (or over-pay): never when its company prevents it;
    otherwise as the contract says, and allowed when it says nothing."""
    return not company_prevents and contract_allows is not False


def check_contract_money_setting(
    *, company_prevents: bool, contract_allows: bool | None, field: str
) -> None:
    """A contract may not allow what its company prevents (Procore: the company setting wins)."""
    if company_prevents and contract_allows:
        raise Invalid(
            f"{field}: the company prevents this on all contracts, so a contract may not allow it",
            field=field,
            code="company_prevents",
        )


def is_deletable(*, is_latest: bool, status: PayAppStatus, has_payments: bool) -> bool:
    return is_latest and status in DELETABLE_STATUSES and not has_payments


@dataclass(frozen=True)
class PayAppActions:
    """What an actor may do to one pay application now (what a page offers them)."""

    edit: bool = False  # enter figures, attach files, bill change orders
    submit: bool = False  # to under_review
    approve: bool = False
    approve_as_noted: bool = False
    revise_and_resubmit: bool = False
    delete: bool = False
    record_payment: bool = False


# The usual review workflow: which status each move starts from.
SUBMITTABLE_FROM = frozenset({PayAppStatus.DRAFT, PayAppStatus.REVISE_AND_RESUBMIT})
REVIEWABLE_FROM = frozenset({PayAppStatus.UNDER_REVIEW, PayAppStatus.PENDING_OWNER_APPROVAL})


def pay_app_actions(
    role: Role,
    scopes: frozenset[str],
    *,
    is_latest: bool,
    status: PayAppStatus,
    deletable: bool,
    locked: bool,
) -> PayAppActions:
    """The moves the edit and status rules above allow, and that the review workflow offers."""
    if Scope.WRITE.value not in scopes or locked:
        return PayAppActions()
    can_edit = _passes(check_can_edit, role, is_latest=is_latest, status=status)

    def may_move(target: PayAppStatus, start: frozenset[PayAppStatus]) -> bool:
        return can_edit and status in start and _passes(check_can_set_status, role, target)

    return PayAppActions(
        edit=can_edit,
        submit=may_move(PayAppStatus.UNDER_REVIEW, SUBMITTABLE_FROM),
        approve=may_move(PayAppStatus.APPROVED, REVIEWABLE_FROM),
        approve_as_noted=may_move(PayAppStatus.APPROVED_AS_NOTED, REVIEWABLE_FROM),
        revise_and_resubmit=may_move(PayAppStatus.REVISE_AND_RESUBMIT, REVIEWABLE_FROM),
        delete=deletable,
        record_payment=status is not PayAppStatus.DRAFT,
    )


def _passes(check: Callable[..., None], *args: object, **kwargs: object) -> bool:
    try:
        check(*args, **kwargs)
    except (Invalid, Forbidden):
        return False
    return True


def check_can_write(scopes: frozenset[str]) -> None:
    if Scope.WRITE.value not in scopes:
        raise Forbidden("this token has no data:write scope", code="scope")


def check_can_read(scopes: frozenset[str]) -> None:
    if Scope.READ.value not in scopes:
        raise Forbidden("this token has no data:read scope", code="scope")


# A change order moves forward from draft (through pending, or decided at once) to a decision;
# an approved one may only be voided (a billed one not even that: services/change_orders.py),
# and a voided one is final.
CHANGE_ORDER_TRANSITIONS: dict[str, frozenset[str]] = {
    "draft": frozenset({"pending", "approved", "rejected", "void"}),
    "pending": frozenset({"draft", "approved", "rejected", "void"}),
    "approved": frozenset({"void"}),
    "rejected": frozenset({"pending", "void"}),
    "void": frozenset(),
}


def check_change_order_transition(current: str, wanted: str) -> None:
    if wanted == current:
        return
    allowed = CHANGE_ORDER_TRANSITIONS.get(current, frozenset())
    if wanted not in allowed:
        choices = ", ".join(sorted(allowed)) or "nothing: it is final"
        raise Invalid(
            f"status: a {current} change order may move to {choices}, not {wanted}",
            field="status",
            code="status_transition",
        )


def check_is_admin(role: Role, what: str) -> None:
    """Company settings, members and their tokens are an admin's to change."""
    if role is not Role.ADMIN:
        raise Forbidden(f"only an admin of the company may {what}", code="admin_only")
