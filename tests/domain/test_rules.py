"""Who may do what to a pay application (README.md "Authentication and permissions"): full
truth tables."""

from __future__ import annotations

import itertools

import pytest

from drawbridge.domain.errors import Forbidden, Invalid
from drawbridge.domain.rules import (
    PayAppStatus,
    Role,
    check_can_edit,
    check_can_read,
    check_can_set_integration_fields,
    check_can_set_status,
    check_can_write,
    check_contract_money_setting,
    check_paid_stays_submitted,
    is_deletable,
    money_rule_allows,
    parse_status,
)

DRAFT = PayAppStatus.DRAFT
UNDER_REVIEW = PayAppStatus.UNDER_REVIEW
REVISE = PayAppStatus.REVISE_AND_RESUBMIT
PENDING = PayAppStatus.PENDING_OWNER_APPROVAL
AS_NOTED = PayAppStatus.APPROVED_AS_NOTED
APPROVED = PayAppStatus.APPROVED
ALL_STATUSES = [DRAFT, UNDER_REVIEW, REVISE, PENDING, AS_NOTED, APPROVED]


def test_the_tables_cover_every_status() -> None:
    assert set(ALL_STATUSES) == set(PayAppStatus)


# A standard member may edit only the latest pay application, in draft or revise_and_resubmit.
# An admin may edit any. (role, is_latest, status) -> None if allowed, else the error code.
EDIT_TABLE = {
    (Role.STANDARD, True, DRAFT): None,
    (Role.STANDARD, True, UNDER_REVIEW): "not_editable",
    (Role.STANDARD, True, REVISE): None,
    (Role.STANDARD, True, PENDING): "not_editable",
    (Role.STANDARD, True, AS_NOTED): "not_editable",
    (Role.STANDARD, True, APPROVED): "not_editable",
    **{(Role.STANDARD, False, status): "not_latest" for status in ALL_STATUSES},
    **{(Role.ADMIN, latest, status): None for latest in (True, False) for status in ALL_STATUSES},
}


def test_edit_table_is_complete() -> None:
    assert set(EDIT_TABLE) == set(itertools.product(Role, (True, False), ALL_STATUSES))


@pytest.mark.parametrize(("key", "expected"), list(EDIT_TABLE.items()), ids=str)
def test_check_can_edit(key: tuple[Role, bool, PayAppStatus], expected: str | None) -> None:
    role, is_latest, status = key
    if expected is None:
        check_can_edit(role, is_latest=is_latest, status=status)
    else:
        with pytest.raises(Invalid) as caught:
            check_can_edit(role, is_latest=is_latest, status=status)
        assert caught.value.code == expected


# A standard member may set status only to draft or under_review; an admin to any.
SET_STATUS_TABLE = {
    **{(Role.ADMIN, status): True for status in ALL_STATUSES},
    (Role.STANDARD, DRAFT): True,
    (Role.STANDARD, UNDER_REVIEW): True,
    (Role.STANDARD, REVISE): False,
    (Role.STANDARD, PENDING): False,
    (Role.STANDARD, AS_NOTED): False,
    (Role.STANDARD, APPROVED): False,
}


@pytest.mark.parametrize(("key", "allowed"), list(SET_STATUS_TABLE.items()), ids=str)
def test_check_can_set_status(key: tuple[Role, PayAppStatus], allowed: bool) -> None:
    role, status = key
    if allowed:
        check_can_set_status(role, status)
    else:
        with pytest.raises(Invalid, match=f"not {status.value}") as caught:
            check_can_set_status(role, status)
        assert caught.value.code == "status_not_allowed"
        assert caught.value.field == "status"


def test_set_status_table_is_complete() -> None:
    assert set(SET_STATUS_TABLE) == set(itertools.product(Role, ALL_STATUSES))


# Deletable only when latest, in draft / under_review / revise_and_resubmit, with no payments.
DELETABLE = {(True, DRAFT, False), (True, UNDER_REVIEW, False), (True, REVISE, False)}


@pytest.mark.parametrize(
    ("is_latest", "status", "has_payments"),
    list(itertools.product((True, False), ALL_STATUSES, (True, False))),
)
def test_is_deletable(is_latest: bool, status: PayAppStatus, has_payments: bool) -> None:
    expected = (is_latest, status, has_payments) in DELETABLE
    assert is_deletable(is_latest=is_latest, status=status, has_payments=has_payments) is expected


@pytest.mark.parametrize("status", ALL_STATUSES)
def test_parse_status_accepts_every_canonical_value(status: PayAppStatus) -> None:
    assert parse_status(status.value) is status


@pytest.mark.parametrize("value", ["submitted", "paid", "", None, "APPROVED"])
def test_parse_status_refuses_other_values(value: object) -> None:
    with pytest.raises(Invalid, match="status: must be one of draft, under_review") as caught:
        parse_status(value)
    assert caught.value.field == "status"


def test_a_token_without_write_scope_may_not_change_anything() -> None:
    check_can_write(frozenset({"data:read", "data:write"}))
    with pytest.raises(Forbidden) as caught:
        check_can_write(frozenset({"data:read"}))
    assert caught.value.code == "scope"


def test_a_token_without_read_scope_may_not_read() -> None:
    check_can_read(frozenset({"data:read"}))
    with pytest.raises(Forbidden):
        check_can_read(frozenset({"data:write"}))


# -- integration fields ------------------------------------------------------------------------

SYNC_FIELDS = ("external_id", "external_system", "external_message", "last_sync_time", "erp_status")


@pytest.mark.parametrize(
    ("status", "has_payments"), list(itertools.product(ALL_STATUSES, (False, True)))
)
def test_integration_fields_truth_table(status: PayAppStatus, has_payments: bool) -> None:
    # An admin may set any of them anywhere.
    check_can_set_integration_fields(
        Role.ADMIN, {"integration_state", *SYNC_FIELDS}, status=status, has_payments=has_payments
    )
    # Locking and unlocking is never a standard member's.
    with pytest.raises(Forbidden) as raised:
        check_can_set_integration_fields(
            Role.STANDARD, {"integration_state"}, status=status, has_payments=has_payments
        )
    assert (raised.value.field, raised.value.code) == (
        "integration_state",
        "integration_admin_only",
    )
    # The sync fields: a standard member's unless the application is approved or paid against.
    settled = status in (AS_NOTED, APPROVED) or has_payments
    for name in SYNC_FIELDS:
        if settled:
            with pytest.raises(Forbidden, match=f"^{name}: only an admin"):
                check_can_set_integration_fields(
                    Role.STANDARD, {name}, status=status, has_payments=has_payments
                )
        else:
            check_can_set_integration_fields(
                Role.STANDARD, {name, "note"}, status=status, has_payments=has_payments
            )


def test_other_fields_are_not_judged_by_the_integration_rule() -> None:
    check_can_set_integration_fields(
        Role.STANDARD, {"name", "note"}, status=APPROVED, has_payments=True
    )


# -- money rules: company default, contract override --------------------------------------------


@pytest.mark.parametrize(
    ("company_prevents", "contract_allows", "allowed"),
    [
        (False, None, True),  # the contract follows the company
        (False, True, True),
        (False, False, False),  # a contract may forbid what the company allows
        (True, None, False),
        (True, False, False),
        (True, True, False),  # the company's prevention wins (and a fixture refuses this)
    ],
)
def test_money_rule_allows(
    company_prevents: bool, contract_allows: bool | None, allowed: bool
) -> None:
    assert (
        money_rule_allows(company_prevents=company_prevents, contract_allows=contract_allows)
        is allowed
    )


def test_a_contract_setting_may_not_allow_what_the_company_prevents() -> None:
    with pytest.raises(Invalid, match=r"^allow_overpayment: the company prevents this"):
        check_contract_money_setting(
            company_prevents=True, contract_allows=True, field="allow_overpayment"
        )
    for company_prevents, contract_allows in itertools.product((False, True), (None, False)):
        check_contract_money_setting(
            company_prevents=company_prevents, contract_allows=contract_allows, field="x"
        )
    check_contract_money_setting(company_prevents=False, contract_allows=True, field="x")


@pytest.mark.parametrize("status", ALL_STATUSES)
def test_a_paid_application_may_not_return_to_draft(status: PayAppStatus) -> None:
    check_paid_stays_submitted(status, has_payments=False)
    if status is DRAFT:
        with pytest.raises(Invalid, match="with payments may not go back to draft"):
            check_paid_stays_submitted(status, has_payments=True)
    else:
        check_paid_stays_submitted(status, has_payments=True)
