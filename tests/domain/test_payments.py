"""Payment rules (domain/payments.py): submitted only, over-payment per application and per
contract, with the figures stated in every refusal."""

from __future__ import annotations

import pytest

from drawbridge.domain.errors import Invalid
from drawbridge.domain.payments import (
    ContractDue,
    PayAppDue,
    check_contract_overpayment,
    check_paid_still_due,
    check_pay_app_overpayment,
    check_payable,
)
from drawbridge.domain.rules import PayAppStatus


@pytest.mark.parametrize("status", list(PayAppStatus))
def test_only_a_submitted_application_is_payable(status: PayAppStatus) -> None:
    if status is PayAppStatus.DRAFT:
        with pytest.raises(Invalid, match=r"^requisition_id: pay application 3 is a draft"):
            check_payable(3, status, field="requisition_id")
    else:
        check_payable(3, status, field="requisition_id")


def test_a_payment_may_bring_paid_up_to_line_8_less_written_off_and_no_further() -> None:
    # Line 8 58,473.00, written off 473.00, paid 50,000.00: 8,000.00 may still be paid.
    due = PayAppDue(number=5, current_payment_due=5_847_300, paid=5_000_000, written_off=47_300)
    check_pay_app_overpayment(800_000, due)
    with pytest.raises(Invalid) as raised:
        check_pay_app_overpayment(800_001, due)
    assert raised.value.message == (
        "amount: a payment of 8000.01 would over-pay pay application 5: its current payment due "
        "(line 8) is 58473.00, written off 473.00, already paid 50000.00, so at most 8000.00 may "
        "still be paid"
    )
    assert (raised.value.field, raised.value.code) == ("amount", "overpayment")


def test_a_negative_line_8_cannot_be_paid_but_is_not_over_paid_by_nothing() -> None:
    # A correction application: line 8 = -1,800.00.
    due = PayAppDue(number=2, current_payment_due=-180_000, paid=0)
    with pytest.raises(Invalid, match=r"so at most 0\.00 may still be paid"):
        check_pay_app_overpayment(1, due)
    check_paid_still_due(due)


def test_a_contract_is_paid_up_to_its_latest_submitted_line_6() -> None:
    # Line 6 of application 4 is 100,000.00; 99,000.00 paid: 1,000.00 more fits, 1,000.01 not.
    due = ContractDue(
        number="SC-001", latest_submitted=4, earned_less_retainage=10_000_000, paid=9_900_000
    )
    check_contract_overpayment(100_000, due)
    with pytest.raises(Invalid) as raised:
        check_contract_overpayment(100_001, due)
    assert raised.value.message == (
        "amount: a payment of 1000.01 would over-pay contract SC-001: its latest submitted pay "
        "application (4) has earned 100000.00 less retainage (line 4 less line 5), already paid "
        "99000.00"
    )
    nothing = ContractDue(number="SC-001", latest_submitted=None, earned_less_retainage=0, paid=0)
    with pytest.raises(Invalid, match="no pay application of it has been submitted"):
        check_contract_overpayment(1, nothing)


def test_an_edit_may_not_leave_payments_beyond_line_8() -> None:
    # 9,000.00 paid; the edit lowers line 8 to 8,999.99.
    lowered = PayAppDue(number=1, current_payment_due=899_999, paid=900_000)
    with pytest.raises(Invalid) as raised:
        check_paid_still_due(lowered)
    assert raised.value.message == (
        "items: pay application 1 has 9000.00 paid on it; this change would lower its current "
        "payment due (line 8) to 8999.99 and over-pay it"
    )
    check_paid_still_due(PayAppDue(number=1, current_payment_due=900_000, paid=900_000))
