"""Pay application use cases on a real database: numbering, lines, packages, rules, the chain."""

from __future__ import annotations

from collections.abc import Sequence
from decimal import Decimal
from types import SimpleNamespace
from typing import Any

import pytest

from drawbridge.bootstrap import Runtime
from drawbridge.domain.errors import Conflict, Forbidden, Invalid, NotFound
from drawbridge.domain.rules import PayAppStatus, Role, Scope
from drawbridge.services import attachments, pay_apps, payments
from drawbridge.services.pay_apps import CreatePayApp, LineInput, UpdatePayApp
from drawbridge.services.views import Actor, PayAppView
from tests.services.helpers import (
    CO_APPROVED,
    CO_APPROVED_ITEM,
    CO_LATE,
    CO_LATE_ITEM,
    CO_PENDING,
    COMPANY,
    CONTRACT,
    LINES,
    OTHER_COMPANY,
    PERIODS,
    assert_no_drift,
    co,
    counts,
    ledger_document,
    sov,
)
from tests.support import admin_actor, load, standard_actor

ADMIN = admin_actor(COMPANY)
STANDARD = standard_actor(COMPANY)
WRITES = ("pay_apps", "pay_app_lines", "pay_app_packages", "payments", "audit_events")


@pytest.fixture
def ledger(runtime: Runtime) -> Runtime:
    load(runtime, ledger_document())
    return runtime


def create(
    runtime: Runtime,
    actor: Actor = ADMIN,
    *,
    period: int | None = None,
    lines: Sequence[LineInput] = (),
    status: PayAppStatus = PayAppStatus.DRAFT,
    packages: Sequence[int] = (),
    header: dict[str, Any] | None = None,
    contract_id: int = CONTRACT,
) -> PayAppView:
    values = dict(header or {})
    if period is not None:
        values["period_id"] = period
    command = CreatePayApp(
        contract_id=contract_id,
        status=status,
        header=values,
        lines=lines,
        change_order_package_ids=packages,
    )
    return pay_apps.create_pay_app(runtime.uow(), actor, command)


def update(
    runtime: Runtime,
    pay_app_id: int,
    actor: Actor = ADMIN,
    *,
    lines: Sequence[LineInput] = (),
    status: PayAppStatus | None = None,
    header: dict[str, Any] | None = None,
) -> PayAppView:
    command = UpdatePayApp(pay_app_id=pay_app_id, status=status, header=header or {}, lines=lines)
    return pay_apps.update_pay_app(runtime.uow(), actor, command)


def get(runtime: Runtime, pay_app_id: int, actor: Actor = ADMIN) -> PayAppView:
    return pay_apps.get_pay_app(runtime.uow(), actor, pay_app_id)


def work(line_id: int, cents: int, **more: Any) -> LineInput:
    return LineInput(ref=sov(line_id), work_completed_this_period=cents, **more)


def refs(view: PayAppView) -> list[Any]:
    assert view.lines is not None
    return [line.ref for line in view.lines]


def line(view: PayAppView, ref: Any) -> Any:
    assert view.lines is not None
    return next(item.figures for item in view.lines if item.ref == ref)


def three_apps(runtime: Runtime) -> list[PayAppView]:
    return [
        create(runtime, period=PERIODS[0], lines=[work(LINES[0], 100_000)]),
        create(runtime, period=PERIODS[1], lines=[work(LINES[1], 400_000)]),
        create(runtime, period=PERIODS[2], lines=[work(LINES[2], 600_000)]),
    ]


def test_numbers_run_1_to_n_and_every_line_is_on_every_app(ledger: Runtime) -> None:
    apps = three_apps(ledger)

    assert [app.number for app in apps] == [1, 2, 3]
    sov_refs = [sov(line_id) for line_id in LINES]
    # CO-001 is approved 2024-02-15: inside period 2, so it joins app 2 and stays after.
    assert refs(apps[0]) == sov_refs
    assert refs(get(ledger, apps[1].id)) == [*sov_refs, co(CO_APPROVED_ITEM)]
    assert refs(get(ledger, apps[2].id)) == [*sov_refs, co(CO_APPROVED_ITEM)]
    assert apps[0].packages == ()
    assert apps[1].new_package_ids == {CO_APPROVED}
    assert [p.id for p in apps[2].packages] == [CO_APPROVED]
    assert apps[2].new_package_ids == frozenset()
    assert [app.summary.net_change_by_change_orders for app in apps] == [0, 500_000, 500_000]
    assert apps[0].summary.contract_sum_to_date == 6_000_000
    assert apps[1].summary.contract_sum_to_date == 6_500_000
    # A line the client did not mention is still listed, billing nothing this period.
    assert line(apps[2], sov(LINES[0])).work_completed_this_period == 0
    assert line(apps[2], sov(LINES[0])).work_completed_from_previous_application == 100_000
    assert [app.is_latest for app in (get(ledger, a.id) for a in apps)] == [False, False, True]
    assert get(ledger, apps[2].id).previous_id == apps[1].id
    assert assert_no_drift(ledger, CONTRACT) == 3


def test_a_create_answers_what_a_read_of_the_application_gives(ledger: Runtime) -> None:
    # The create answers from what it holds (lines, packages billed, attachments, payments,
    # the earlier applications' advances): every field must be what a fresh read shows.
    first = create(
        ledger,
        period=PERIODS[0],
        lines=[work(LINES[0], 100_000)],
        header={"advance_amount_cents": 30_000, "recoupment_amount_cents": 1_000},
    )
    second = create(
        ledger,
        period=PERIODS[1],
        lines=[work(LINES[1], 400_000)],
        header={"advance_amount_cents": 5_000},
    )
    files = [
        attachments.upload_file(ledger.uow(), ADMIN, name, "text/plain", b"x")
        for name in ("b.txt", "a.txt")
    ]
    command = CreatePayApp(
        contract_id=CONTRACT,
        header={"period_id": PERIODS[2], "recoupment_amount_cents": 2_000},
        lines=[work(LINES[2], 600_000)],
        change_order_package_ids=[CO_LATE],
        attachment_ids=[files[1].id, files[0].id, files[1].id],
    )
    third = pay_apps.create_pay_app(ledger.uow(), ADMIN, command)

    assert [p.id for p in third.packages] == [CO_APPROVED, CO_LATE]
    assert third.new_package_ids == {CO_LATE}
    assert [a.id for a in third.attachments] == sorted(file.id for file in files)
    assert (third.earlier_advance_amount, third.earlier_recoupment_amount) == (35_000, 1_000)
    assert third.is_latest
    assert third.deletable
    assert third == get(ledger, third.id)
    assert (first.is_latest, second.is_latest) == (True, True)


def test_a_create_answers_what_a_read_gives_with_priced_lines_and_an_architect(
    runtime: Runtime,
) -> None:
    # The contract's header (company, party, architect, project, the creator) is read with the
    # contract, and the SOV lines (unit price and quantity as stored decimals) and the previous
    # application's lines as plain values: the answer must still be what a fresh read shows.
    document = ledger_document()
    company = document["companies"][0]
    company["parties"].append({"code": "ARCH", "name": "Archie Design", "kind": "architect"})
    contract = company["projects"][0]["contracts"][0]
    contract["architect"] = "ARCH"
    contract["line_items"][0] |= {"unit_price": "12.50", "quantity": "800.0"}
    load(runtime, document)
    with runtime.uow() as uow:
        user = uow.repo.user_by_email("pm@acme.test")
        assert user is not None
        user_id = user.id
    creator = admin_actor(COMPANY, user_id)
    first = create(runtime, period=PERIODS[0], lines=[work(LINES[0], 100_000)])
    assert first == get(runtime, first.id)
    second = create(
        runtime,
        creator,
        period=PERIODS[1],
        lines=[
            work(LINES[0], 50_000, materials_presently_stored=7_000),
            work(LINES[1], 10_000, work_retainage_percent=Decimal("5.0")),
        ],
    )

    assert second == get(runtime, second.id)
    assert second.contract.architect is not None
    assert second.contract.architect.name == "Archie Design"
    assert second.created_by is not None
    assert (second.created_by.id, second.created_by.name) == (user_id, "Pat Manager")
    assert second.lines is not None
    priced = second.lines[0].sov_line
    assert priced is not None
    assert (str(priced.unit_price), str(priced.quantity)) == ("12.5", "800.0")


def test_explicit_add_bills_an_approved_package_on_this_and_every_later_app(
    ledger: Runtime,
) -> None:
    first = create(ledger, period=PERIODS[0])
    second = create(ledger, period=PERIODS[1])

    view, package = pay_apps.add_change_order_package(ledger.uow(), ADMIN, first.id, CO_LATE)

    assert package.id == CO_LATE
    assert package.amount == -200_000
    assert co(CO_LATE_ITEM) in refs(view)
    assert view.new_package_ids == {CO_LATE}
    assert view.summary.net_change_by_change_orders == -200_000
    later = get(ledger, second.id)
    assert co(CO_LATE_ITEM) in refs(later)
    assert later.summary.net_change_by_change_orders == 500_000 - 200_000
    third = create(ledger, period=PERIODS[2])
    assert refs(third).count(co(CO_LATE_ITEM)) == 1
    # Explicitly on create too: a package already billed may not be added twice.
    with pytest.raises(Invalid) as raised:
        pay_apps.add_change_order_package(ledger.uow(), ADMIN, third.id, CO_LATE)
    assert raised.value.code == "package_already_billed"
    assert_no_drift(ledger, CONTRACT)


def test_a_package_that_is_not_approved_cannot_be_added(ledger: Runtime) -> None:
    first = create(ledger, period=PERIODS[0])
    before = counts(ledger, WRITES)

    with pytest.raises(Invalid) as raised:
        pay_apps.add_change_order_package(ledger.uow(), ADMIN, first.id, CO_PENDING)
    assert raised.value.code == "package_not_approved"
    with pytest.raises(Invalid):
        create(ledger, period=PERIODS[1], packages=[CO_PENDING])

    assert counts(ledger, WRITES) == before


def test_a_package_cannot_be_removed_once_billed(ledger: Runtime) -> None:
    create(ledger, period=PERIODS[0])
    second = create(ledger, period=PERIODS[1])
    billed = LineInput(ref=co(CO_APPROVED_ITEM), work_completed_this_period=100_000)
    update(ledger, second.id, lines=[billed])

    with pytest.raises(Invalid) as raised:
        pay_apps.remove_change_order_package(ledger.uow(), ADMIN, second.id, CO_APPROVED)
    assert raised.value.code == "package_billed"
    assert co(CO_APPROVED_ITEM) in refs(get(ledger, second.id))

    unbilled = LineInput(ref=co(CO_APPROVED_ITEM), work_completed_this_period=0)
    update(ledger, second.id, lines=[unbilled])
    view = pay_apps.remove_change_order_package(ledger.uow(), ADMIN, second.id, CO_APPROVED)

    assert refs(view) == [sov(line_id) for line_id in LINES]
    assert view.summary.net_change_by_change_orders == 0
    assert view.packages == ()
    assert_no_drift(ledger, CONTRACT)


def test_standard_user_edits_only_the_latest_draft_and_sets_only_draft_or_under_review(
    ledger: Runtime,
) -> None:
    with pytest.raises(Invalid) as raised:
        create(ledger, STANDARD, status=PayAppStatus.APPROVED)
    assert raised.value.code == "status_not_allowed"

    first = create(ledger, STANDARD, period=PERIODS[0])
    update(ledger, first.id, STANDARD, lines=[work(LINES[0], 1_000)])
    with pytest.raises(Invalid) as raised:
        update(ledger, first.id, STANDARD, status=PayAppStatus.APPROVED)
    assert raised.value.code == "status_not_allowed"
    under_review = update(ledger, first.id, STANDARD, status=PayAppStatus.UNDER_REVIEW)
    assert under_review.status is PayAppStatus.UNDER_REVIEW
    with pytest.raises(Invalid) as raised:
        update(ledger, first.id, STANDARD, lines=[work(LINES[0], 2_000)])
    assert raised.value.code == "not_editable"

    # revise_and_resubmit (set by an admin) is editable by a standard user again.
    update(ledger, first.id, ADMIN, status=PayAppStatus.REVISE_AND_RESUBMIT)
    update(ledger, first.id, STANDARD, lines=[work(LINES[0], 2_000)])

    second = create(ledger, STANDARD, period=PERIODS[1])
    with pytest.raises(Invalid) as raised:
        update(ledger, first.id, STANDARD, header={"note": "late"})
    assert raised.value.code == "not_latest"
    with pytest.raises(Invalid):
        pay_apps.add_change_order_package(ledger.uow(), STANDARD, first.id, CO_LATE)
    assert get(ledger, first.id).note is None
    assert get(ledger, second.id).is_latest


def test_admin_edits_any_app_and_sets_any_status(ledger: Runtime) -> None:
    first = create(ledger, period=PERIODS[0], status=PayAppStatus.APPROVED)
    assert first.approved_at is not None
    create(ledger, period=PERIODS[1])

    edited = update(ledger, first.id, header={"note": "admin"}, lines=[work(LINES[0], 5_000)])
    assert edited.note == "admin"
    assert line(edited, sov(LINES[0])).work_completed_this_period == 5_000
    for status in PayAppStatus:
        assert update(ledger, first.id, status=status).status is status
    assert update(ledger, first.id, status=PayAppStatus.DRAFT).approved_at is None


def test_only_the_latest_open_app_without_payments_is_deletable(ledger: Runtime) -> None:
    first = create(ledger, period=PERIODS[0])
    second = create(ledger, period=PERIODS[1], lines=[work(LINES[0], 100_000)])
    assert not get(ledger, first.id).deletable
    assert get(ledger, second.id).deletable

    with pytest.raises(Invalid) as raised:
        pay_apps.delete_pay_app(ledger.uow(), ADMIN, first.id, None)
    assert raised.value.code == "not_deletable"

    update(ledger, second.id, status=PayAppStatus.APPROVED)
    assert not get(ledger, second.id).deletable
    with pytest.raises(Invalid):
        pay_apps.delete_pay_app(ledger.uow(), ADMIN, second.id, None)

    update(ledger, second.id, status=PayAppStatus.UNDER_REVIEW)
    payment = payments.record_payment(
        ledger.uow(),
        ADMIN,
        payments.RecordPayment(
            contract_id=CONTRACT, values={"pay_app_id": second.id, "amount_cents": 1_000}
        ),
    )
    assert not get(ledger, second.id).deletable
    with pytest.raises(Invalid):
        pay_apps.delete_pay_app(ledger.uow(), ADMIN, second.id, None)

    payments.delete_payment(ledger.uow(), ADMIN, payment.id)
    assert get(ledger, second.id).deletable
    pay_apps.delete_pay_app(ledger.uow(), STANDARD, second.id, None)
    with pytest.raises(NotFound):
        get(ledger, second.id)
    assert get(ledger, first.id).is_latest
    # The number is free again: the next app is 2.
    assert create(ledger, period=PERIODS[1]).number == 2


def test_an_admin_edit_of_app_1_rewrites_the_stored_figures_of_apps_2_and_3(
    ledger: Runtime,
) -> None:
    apps = three_apps(ledger)
    before = [get(ledger, app.id) for app in apps]

    update(ledger, apps[0].id, lines=[work(LINES[0], 300_000)])

    after = [get(ledger, app.id) for app in apps]
    # Line 1's previous work on apps 2 and 3 moved by the 2,000 added on app 1.
    for old, new in zip(before[1:], after[1:], strict=True):
        assert (
            line(new, sov(LINES[0])).work_completed_from_previous_application
            == line(old, sov(LINES[0])).work_completed_from_previous_application + 200_000
        )
        assert (
            new.summary.total_completed_and_stored_to_date
            == old.summary.total_completed_and_stored_to_date + 200_000
        )
    # Line 7 of app 2 is line 6 of app 1; line 8 of app 2 did not change (its own work did not).
    assert after[1].summary.less_previous_certificates_for_payment == (
        after[0].summary.total_earned_less_retainage
    )
    assert after[1].summary.current_payment_due == before[1].summary.current_payment_due
    assert after[2].summary.total_earned_less_retainage == sum(
        app.summary.current_payment_due for app in after
    )
    assert_no_drift(ledger, CONTRACT)


def test_an_edit_that_would_over_bill_a_later_app_changes_nothing(ledger: Runtime) -> None:
    apps = three_apps(ledger)
    create(ledger, lines=[work(LINES[0], 900_000)])  # app 4: line 1 is now fully billed
    before = [get(ledger, app.id) for app in apps]

    # +1 cent on app 1 makes line 1 over-billed on app 4, three applications later.
    with pytest.raises(Invalid):
        update(ledger, apps[0].id, lines=[work(LINES[0], 100_001)])

    assert [get(ledger, app.id) for app in apps] == before
    assert_no_drift(ledger, CONTRACT)


def test_over_billing_a_forbidding_contract_is_invalid_and_changes_nothing(
    ledger: Runtime,
) -> None:
    first = create(ledger, period=PERIODS[0], lines=[work(LINES[0], 600_000)])
    before = counts(ledger)

    with pytest.raises(Invalid) as raised:
        create(ledger, period=PERIODS[1], lines=[work(LINES[0], 400_001)])
    assert "1" in raised.value.message
    with pytest.raises(Invalid):
        update(ledger, first.id, lines=[work(LINES[0], 1_000_001)])

    assert counts(ledger) == before
    assert get(ledger, first.id) == first
    # Exactly the scheduled value is allowed.
    assert create(ledger, lines=[work(LINES[0], 400_000)]).number == 2


def test_a_release_larger_than_what_is_held_is_invalid_and_changes_nothing(
    ledger: Runtime,
) -> None:
    first = create(ledger, period=PERIODS[0], lines=[work(LINES[0], 1_000_000)])
    held = line(first, sov(LINES[0])).work_retainage_currently_retained
    assert held == 100_000
    before = counts(ledger)

    with pytest.raises(Invalid):
        create(ledger, lines=[LineInput(ref=sov(LINES[0]), work_retainage_released=held + 1)])

    assert counts(ledger) == before
    released = create(ledger, lines=[LineInput(ref=sov(LINES[0]), work_retainage_released=held)])
    assert line(released, sov(LINES[0])).work_retainage_currently_retained == 0
    assert released.summary.current_payment_due == held
    assert_no_drift(ledger, CONTRACT)


def test_a_duplicate_origin_id_is_a_conflict_and_creates_nothing(ledger: Runtime) -> None:
    first = create(ledger, period=PERIODS[0], header={"origin_id": "ERP-1"})
    before = counts(ledger)

    with pytest.raises(Conflict):
        create(ledger, period=PERIODS[1], header={"origin_id": "ERP-1"})
    second = create(ledger, period=PERIODS[1])
    with pytest.raises(Conflict):
        update(ledger, second.id, header={"origin_id": "ERP-1"})

    assert counts(ledger)["pay_apps"] == before["pay_apps"] + 1
    assert get(ledger, second.id).origin_id is None
    assert update(ledger, first.id, header={"origin_id": "ERP-1"}).origin_id == "ERP-1"
    # Another company may use the same key.
    other = create(
        ledger, admin_actor(OTHER_COMPANY), contract_id=200, header={"origin_id": "ERP-1"}
    )
    assert other.origin_id == "ERP-1"


@pytest.mark.parametrize(
    "name",
    ["final", "erp_status", "custom_fields", "advance_amount_cents", "recoupment_amount_cents"],
)
def test_null_for_a_header_field_that_always_has_a_value_is_invalid(
    ledger: Runtime, name: str
) -> None:
    first = create(ledger, period=PERIODS[0])
    before = counts(ledger)

    with pytest.raises(Invalid) as raised:
        update(ledger, first.id, header={name: None})
    assert raised.value.field == name
    with pytest.raises(Invalid):
        create(ledger, period=PERIODS[1], header={name: None})

    assert counts(ledger) == before
    assert get(ledger, first.id) == first


def test_a_company_cannot_read_or_write_another_companys_pay_app(ledger: Runtime) -> None:
    mine = create(ledger, period=PERIODS[0])
    stranger = admin_actor(OTHER_COMPANY)
    before = counts(ledger)

    with pytest.raises(NotFound):
        get(ledger, mine.id, stranger)
    with pytest.raises(NotFound):
        pay_apps.find_pay_app(ledger.uow(), stranger, CONTRACT)
    with pytest.raises(NotFound):
        update(ledger, mine.id, stranger, header={"note": "mine now"})
    with pytest.raises(NotFound):
        pay_apps.delete_pay_app(ledger.uow(), stranger, mine.id, None)
    with pytest.raises(NotFound):
        pay_apps.add_change_order_package(ledger.uow(), stranger, mine.id, CO_LATE)
    with pytest.raises(NotFound):
        create(ledger, stranger)
    listed = pay_apps.list_pay_apps(ledger.uow(), stranger, pay_apps.PayAppFilter())
    assert listed.total == 0

    assert counts(ledger) == before
    assert get(ledger, mine.id).note is None


def test_a_token_without_data_write_may_not_change_anything(ledger: Runtime) -> None:
    mine = create(ledger, period=PERIODS[0])
    reader = Actor(
        user_id=None, company_id=COMPANY, role=Role.ADMIN, scopes=frozenset({Scope.READ.value})
    )
    before = counts(ledger)

    with pytest.raises(Forbidden):
        create(ledger, reader)
    with pytest.raises(Forbidden):
        update(ledger, mine.id, reader, header={"note": "x"})
    with pytest.raises(Forbidden):
        pay_apps.delete_pay_app(ledger.uow(), reader, mine.id, None)
    with pytest.raises(Forbidden):
        pay_apps.add_change_order_package(ledger.uow(), reader, mine.id, CO_LATE)

    assert counts(ledger) == before
    assert get(ledger, mine.id, reader).id == mine.id


def test_a_locked_app_refuses_updates_and_deletes_until_unlocked(ledger: Runtime) -> None:
    first = create(ledger, period=PERIODS[0], lines=[work(LINES[0], 100_000)])
    second = create(ledger, period=PERIODS[1])
    locked = update(ledger, second.id, header={"integration_state": "locked"})
    assert locked.integration_state == "locked"
    assert locked.integration_state_changed_at is not None

    with pytest.raises(Conflict) as raised:
        update(ledger, second.id, header={"note": "x"})
    assert raised.value.code == "locked"
    with pytest.raises(Conflict):
        pay_apps.delete_pay_app(ledger.uow(), ADMIN, second.id, None)
    with pytest.raises(Conflict):
        pay_apps.add_change_order_package(ledger.uow(), ADMIN, second.id, CO_LATE)
    # An edit of app 1 that would change the locked app's figures is refused too.
    with pytest.raises(Conflict):
        update(ledger, first.id, lines=[work(LINES[0], 200_000)])
    # One that does not change them goes through.
    assert update(ledger, first.id, header={"note": "ok"}).note == "ok"
    assert get(ledger, second.id) == locked

    update(ledger, second.id, header={"integration_state": None})
    assert update(ledger, second.id, header={"note": "x"}).note == "x"
    update(ledger, first.id, lines=[work(LINES[0], 200_000)])
    pay_apps.delete_pay_app(ledger.uow(), ADMIN, second.id, None)
    assert_no_drift(ledger, CONTRACT)


def test_every_write_records_an_audit_event_with_before_and_after(ledger: Runtime) -> None:
    first = create(ledger, period=PERIODS[0], lines=[work(LINES[0], 1_000)])
    update(ledger, first.id, lines=[work(LINES[0], 2_000)], header={"note": "n"})
    pay_apps.add_change_order_package(ledger.uow(), ADMIN, first.id, CO_LATE)
    pay_apps.remove_change_order_package(ledger.uow(), ADMIN, first.id, CO_LATE)
    pay_apps.delete_pay_app(ledger.uow(), ADMIN, first.id, None)

    with ledger.uow(read_only=True) as uow:
        events = [
            SimpleNamespace(
                action=e.action,
                before=e.before,
                after=e.after,
                user_id=e.user_id,
                occurred_at=e.occurred_at,
            )
            for e in uow.repo.audit_events(COMPANY, "pay_app", first.id)
        ]
        assert uow.repo.audit_events(OTHER_COMPANY, "pay_app") == []
    assert [e.action for e in events] == [
        "create",
        "update",
        "add_package",
        "remove_package",
        "delete",
    ]
    created, updated, added, removed, deleted = events
    assert created.before is None
    assert created.after is not None
    assert created.after["number"] == 1
    assert updated.before == created.after
    assert updated.after is not None
    assert updated.after["note"] == "n"
    lines_after = {entry["line"]: entry for entry in updated.after["lines"]}
    assert lines_after[str(sov(LINES[0]))]["work_completed_this_period"] == 2_000
    assert added.after is not None
    assert str(co(CO_LATE_ITEM)) in {entry["line"] for entry in added.after["lines"]}
    assert removed.before == added.after
    assert deleted.before is not None
    assert deleted.after is None
    assert all(event.occurred_at.tzinfo is not None for event in events)
