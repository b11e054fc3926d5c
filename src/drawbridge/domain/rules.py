"""Who may do what to a pay application (Procore's rules, applied on every face).

- A ``standard`` member may edit a pay application only when it is the latest on its contract and
  its status is ``draft`` or ``revise_and_resubmit``, and may set the status only to ``draft`` or
  ``under_review``. An ``admin`` may edit any pay application and set any status.
- A pay application is deletable only when it is the latest on its contract, its status is
  ``draft``, ``under_review`` or ``revise_and_resubmit``, and no payment references it.
"""

from __future__ import annotations

import re
from enum import StrEnum

from drawbridge.domain.errors import Forbidden, Invalid

_EMAIL = re.compile(r"[^@\s]+@[^@\s]+")


def is_email_address(text: str) -> bool:
    """A user's email: something@somewhere, without spaces (users are named by it)."""
    return bool(_EMAIL.fullmatch(text))


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


def is_deletable(*, is_latest: bool, status: PayAppStatus, has_payments: bool) -> bool:
    return is_latest and status in DELETABLE_STATUSES and not has_payments


def check_can_write(scopes: frozenset[str]) -> None:
    if Scope.WRITE.value not in scopes:
        raise Forbidden("this token has no data:write scope", code="scope")


def check_can_read(scopes: frozenset[str]) -> None:
    if Scope.READ.value not in scopes:
        raise Forbidden("this token has no data:read scope", code="scope")
