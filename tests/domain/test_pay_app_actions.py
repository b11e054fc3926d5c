"""What a page may offer on a pay application, from the same rules the writes check; and the
exact conversion of a percent complete into this period's work."""

from __future__ import annotations

from decimal import Decimal

import pytest

from drawbridge.domain.billing import work_for_percent_complete
from drawbridge.domain.rules import PayAppActions, PayAppStatus, Role, Scope, pay_app_actions

BOTH = frozenset({Scope.READ.value, Scope.WRITE.value})
READ = frozenset({Scope.READ.value})


def _actions(
    role: Role,
    status: PayAppStatus,
    *,
    scopes: frozenset[str] = BOTH,
    is_latest: bool = True,
    deletable: bool = False,
    locked: bool = False,
) -> PayAppActions:
    return pay_app_actions(
        role, scopes, is_latest=is_latest, status=status, deletable=deletable, locked=locked
    )


def test_a_standard_member_edits_and_submits_a_draft_and_approves_nothing() -> None:
    actions = _actions(Role.STANDARD, PayAppStatus.DRAFT, deletable=True)
    assert actions == PayAppActions(edit=True, submit=True, delete=True, record_payment=False)


def test_a_standard_member_cannot_move_an_application_under_review() -> None:
    actions = _actions(Role.STANDARD, PayAppStatus.UNDER_REVIEW)
    assert actions == PayAppActions(record_payment=True)
    assert actions.record_payment


def test_an_admin_reviews_an_application_under_review() -> None:
    actions = _actions(Role.ADMIN, PayAppStatus.UNDER_REVIEW)
    assert actions.approve
    assert actions.approve_as_noted
    assert actions.revise_and_resubmit
    assert not actions.submit


def test_an_earlier_application_is_not_edited_by_a_standard_member() -> None:
    assert not _actions(Role.STANDARD, PayAppStatus.DRAFT, is_latest=False).edit
    assert _actions(Role.ADMIN, PayAppStatus.DRAFT, is_latest=False).edit


@pytest.mark.parametrize("role", list(Role))
def test_read_only_or_locked_offers_nothing(role: Role) -> None:
    assert _actions(role, PayAppStatus.DRAFT, scopes=READ, deletable=True) == PayAppActions()
    assert _actions(role, PayAppStatus.DRAFT, locked=True, deletable=True) == PayAppActions()


def test_a_percent_complete_is_this_periods_work_rounded_half_up() -> None:
    # 58,200.00 × 33.333 % = 19,399.806 -> 19,399.81, less 1,000.00 before and 400.00 stored.
    assert (
        work_for_percent_complete(
            5_820_000, Decimal("33.333"), previous_work=100_000, stored=40_000
        )
        == 1_939_981 - 140_000
    )
    # Exactly half a cent rounds away from zero: 0.05 × 10 % = 0.005 -> 0.01.
    assert work_for_percent_complete(5, Decimal(10), previous_work=0, stored=0) == 1
    # Below what is already billed: a negative E, which the engine then judges.
    assert work_for_percent_complete(10_000, Decimal(50), previous_work=8_000, stored=0) == -3_000
