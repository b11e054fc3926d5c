"""A contractor's whole job over HTTP through ``/v1``: a project, a subcontract of 30 SOV lines,
six monthly pay applications (a change order in month 2, stored materials in month 3, a
retainage step reached on the way, a line's own retainage rate), a payment for each, and a
final application that releases the retainage held.

Every G702 figure ``/v1`` answers equals the billing engine's (domain.billing.compute_chain, fed
the same inputs), and the same contract reads the same through the Procore and ACC faces."""

from __future__ import annotations

from dataclasses import asdict
from decimal import Decimal
from io import BytesIO
from typing import Any

from fastapi.testclient import TestClient
from openpyxl import Workbook

from drawbridge.api.native import responses as out
from drawbridge.bootstrap import Runtime
from drawbridge.domain.billing import (
    ApplicationEntry,
    BillingTerms,
    LineEntry,
    LineKind,
    LineRef,
    RetainageMethod,
    RetainageStep,
    ScheduledLine,
    StoredMaterialsMode,
    Summary,
    compute_chain,
)
from drawbridge.domain.money import format_cents
from tests.api.native.conftest import ADMIN, ADMIN_TOKEN
from tests.api.native.test_conventions import make_contract

LINES = 30
XLSX = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"
MONTHS = [f"2025-{month:02d}" for month in range(1, 8)]
ENDS = ["31", "28", "31", "30", "31", "30", "31"]


def cents(text: str) -> int:
    return int(Decimal(text) * 100)


def ok(response: Any, status: int = 200) -> dict[str, Any]:
    assert response.status_code == status, response.text
    body: dict[str, Any] = response.json()
    return body


def posted(client: TestClient, url: str, body: dict[str, Any]) -> dict[str, Any]:
    """The record an admin's POST created."""
    return ok(client.post(url, headers=ADMIN, json=body), 201)


def sov_workbook(rows: list[tuple[str, str, int]]) -> bytes:
    """An XLSX schedule of values as a contractor's estimator would keep one."""
    book = Workbook()
    sheet = book.active
    assert sheet is not None
    sheet.append(["Item No.", "Description of Work", "Cost Code", "Scheduled Value"])
    for number, description, cents_value in rows:
        sheet.append([number, description, "05-1200", Decimal(cents_value) / 100])
    buffer = BytesIO()
    book.save(buffer)
    return buffer.getvalue()


def scheduled_value(index: int) -> int:
    """Thirty different values, with cents, from 10,012.34 up."""
    return 1_000_000 * (index % 7 + 1) + 1_234 * (index + 1)


def g702_of(summary: Summary) -> dict[str, str]:
    """The engine's figures under the names ``/v1`` gives them."""
    return {
        "original_contract_sum": format_cents(summary.original_contract_sum),
        "net_change_by_change_orders": format_cents(summary.net_change_by_change_orders),
        "contract_sum_to_date": format_cents(summary.contract_sum_to_date),
        "total_completed_and_stored_to_date": format_cents(
            summary.total_completed_and_stored_to_date
        ),
        "completed_work_retainage": format_cents(summary.completed_work_retainage_amount),
        "stored_materials_retainage": format_cents(summary.stored_materials_retainage_amount),
        "total_retainage": format_cents(summary.total_retainage),
        "total_earned_less_retainage": format_cents(summary.total_earned_less_retainage),
        "less_previous_certificates_for_payment": format_cents(
            summary.less_previous_certificates_for_payment
        ),
        "current_payment_due": format_cents(summary.current_payment_due),
        "balance_to_finish_including_retainage": format_cents(
            summary.balance_to_finish_including_retainage
        ),
        "work_completed_this_period": format_cents(summary.work_completed_this_period),
        "materials_presently_stored": format_cents(summary.materials_presently_stored),
        "balance_to_finish": format_cents(summary.balance_to_finish),
    }


def test_a_whole_job_through_v1_matches_the_engine_and_every_face(
    ledger: Runtime, client: TestClient
) -> None:
    # -- the directory and the project -------------------------------------------------------
    vendor = posted(
        client,
        "/v1/parties",
        {"kind": "vendor", "code": "RIVET", "name": "Rivet Steel Erectors"},
    )
    project = posted(
        client,
        "/v1/projects",
        {"code": "HARBOR-7", "name": "Harbor Point Tower", "number": "2025-07"},
    )
    periods = [
        posted(
            client,
            f"/v1/projects/{project['id']}/billing-periods",
            {"start_date": f"{month}-01", "end_date": f"{month}-{end}"},
        )
        for month, end in zip(MONTHS, ENDS, strict=True)
    ]

    # -- the contract and its 30 lines ---------------------------------------------------------
    contract = posted(
        client,
        "/v1/contracts",
        {
            "kind": "commitment",
            "project_id": project["id"],
            "number": "SC-0701",
            "title": "Structural steel",
            "party_id": vendor["id"],
            "contract_date": "2024-12-15",
            "retainage_method": "cumulative",
            "work_retainage_percent": "10",
            "materials_retainage_percent": 10,
            "retainage_steps": [
                {"at_percent_complete": "50", "work_percent": "5", "materials_percent": "5"}
            ],
            "stored_materials": "manual",
        },
    )
    assert (contract["work_retainage_percent"], contract["retainage_steps"]) == (
        "10",
        [{"at_percent_complete": "50", "work_percent": "5", "materials_percent": "5"}],
    )
    # The schedule of values comes from a spreadsheet: a dry run first, then the import.
    sheet = sov_workbook(
        [
            (f"{index + 1:03d}", f"Steel package {index + 1}", scheduled_value(index))
            for index in range(LINES)
        ]
    )
    url = f"/v1/contracts/{contract['id']}/sov/import"
    upload = {"file": ("steel-sov.xlsx", sheet, XLSX)}
    trial = ok(client.post(url, headers=ADMIN, params={"dry_run": "true"}, files=upload))
    assert (trial["dry_run"], trial["created"]) == (True, LINES)
    assert ok(client.get(f"/v1/contracts/{contract['id']}/sov-lines", headers=ADMIN))["data"] == []
    imported = ok(client.post(url, headers=ADMIN, files=upload))
    assert (imported["dry_run"], imported["created"], imported["updated"]) == (False, LINES, 0)
    lines = ok(
        client.get(f"/v1/contracts/{contract['id']}/sov-lines", headers=ADMIN, params={"limit": 50})
    )["data"]
    assert [line["number"] for line in lines] == [f"{index + 1:03d}" for index in range(LINES)]
    sov_refs = [LineRef(LineKind.SOV, line["id"]) for line in lines]
    values = [cents(line["scheduled_value"]) for line in lines]
    assert values == [scheduled_value(index) for index in range(LINES)]

    # -- the six months (and the final release), each entered, approved and paid ----------------
    schedule: list[ScheduledLine] = [
        ScheduledLine(ref, value) for ref, value in zip(sov_refs, values, strict=True)
    ]
    applications: list[ApplicationEntry] = []
    answered: list[dict[str, Any]] = []
    co_refs: list[LineRef] = []
    co_values: list[int] = []

    number_of = {LineRef(LineKind.SOV, line["id"]): line["number"] for line in lines}

    def bill(
        month: int,
        entries: dict[LineRef, LineEntry],
        extra: dict[str, Any],
        *,
        by_file: bool = False,
    ) -> None:
        body = {"period_id": periods[month]["id"], "lines": [], **extra}
        for ref, entry in entries.items() if not by_file else ():
            line: dict[str, Any] = {
                "sov_line_id" if ref.kind is LineKind.SOV else "change_order_item_id": ref.id
            }
            if entry.work_completed_this_period:
                line["work_completed_this_period"] = format_cents(entry.work_completed_this_period)
            if entry.materials_presently_stored is not None:
                line["materials_presently_stored"] = format_cents(entry.materials_presently_stored)
            if entry.work_retainage_percent is not None:
                line["work_retainage_percent"] = str(entry.work_retainage_percent)
            if entry.work_retainage_released:
                line["work_retainage_released"] = format_cents(entry.work_retainage_released)
            body["lines"].append(line)
        created = ok(
            client.post(
                f"/v1/contracts/{contract['id']}/pay-applications",
                headers={**ADMIN, "Idempotency-Key": f"month-{month}"},
                json=body,
            ),
            201,
        )
        assert created["number"] == month + 1
        if by_file:  # the period's work from a spreadsheet, as the G703 items name the lines
            rows = "".join(
                f"{number_of[ref]},{format_cents(entry.work_completed_this_period)}\n"
                for ref, entry in entries.items()
            )
            work = f"Item,Work completed this period\n{rows}".encode()
            report = ok(
                client.post(
                    f"/v1/pay-applications/{created['id']}/work/import",
                    headers=ADMIN,
                    files={"file": ("month-1.csv", work, "text/csv")},
                )
            )
            assert report["updated"] == len(entries)
        ok(client.post(f"/v1/pay-applications/{created['id']}/submit", headers=ADMIN))
        approved = ok(client.post(f"/v1/pay-applications/{created['id']}/approve", headers=ADMIN))
        assert approved["status"] == "approved"
        due = approved["g702"]["current_payment_due"]
        if cents(due) > 0:
            posted(
                client,
                "/v1/payments",
                {
                    "contract_id": contract["id"],
                    "pay_application_id": created["id"],
                    "amount": due,
                    "payment_date": f"{MONTHS[month]}-28",
                    "payment_method": "check",
                    "check_number": f"10{month:02d}",
                },
            )
        applications.append(ApplicationEntry(lines=list(schedule), entries=entries))
        answered.append(ok(client.get(f"/v1/pay-applications/{created['id']}", headers=ADMIN)))

    def share(index: int, percent: int) -> int:
        return values[index] * percent // 100

    def work(percent: int, indexes: range) -> dict[LineRef, LineEntry]:
        """Each of these SOV lines, ``percent`` of its value done this month."""
        return {
            sov_refs[i]: LineEntry(work_completed_this_period=share(i, percent)) for i in indexes
        }

    # Month 1: the first ten lines a fifth done, entered from a spreadsheet.
    month_1 = work(20, range(10))
    bill(0, month_1, {}, by_file=True)

    # Month 2: a change order (an addition on line 3 and a credit), then work on it.
    change_order = posted(
        client,
        f"/v1/contracts/{contract['id']}/change-orders",
        {
            "number": "CO-001",
            "title": "Added moment frames",
            "items": [
                {
                    "description": "Moment frames",
                    "amount": "18500.00",
                    "sov_line_id": lines[2]["id"],
                },
                {"description": "Credit: deleted lintels", "amount": "-2400.50"},
            ],
        },
    )
    assert change_order["status"] == "draft"
    for status in ("pending", "approved"):
        moved = ok(
            client.patch(
                f"/v1/change-orders/{change_order['id']}",
                headers=ADMIN,
                json={
                    "status": status,
                    **({"approved_date": "2025-02-12"} if status == "approved" else {}),
                },
            )
        )
        assert moved["status"] == status
    for item in moved["items"]:
        co_refs.append(LineRef(LineKind.CHANGE_ORDER, item["id"]))
        co_values.append(cents(item["amount"]))
        schedule.append(ScheduledLine(co_refs[-1], co_values[-1], change_order["id"]))
    month_2 = work(30, range(20))
    month_2[co_refs[0]] = LineEntry(work_completed_this_period=co_values[0] // 2)
    bill(1, month_2, {"invoice_number": "RIV-0002"})
    assert answered[1]["change_order_ids"] == [change_order["id"]]
    assert answered[1]["g702"]["change_orders"]["this_period_additions"] == "18500.00"

    # Month 3: materials stored on site for lines 21-25, work elsewhere.
    month_3 = work(20, range(20))
    month_3.update(
        {sov_refs[i]: LineEntry(materials_presently_stored=share(i, 40)) for i in range(20, 25)}
    )
    bill(2, month_3, {})

    # Month 4: the stored materials go in, and the job passes half way (the step applies after).
    month_4 = work(25, range(20))
    month_4.update(
        {
            sov_refs[i]: LineEntry(
                work_completed_this_period=share(i, 40), materials_presently_stored=0
            )
            for i in range(20, 25)
        }
    )
    month_4[co_refs[0]] = LineEntry(work_completed_this_period=co_values[0] - co_values[0] // 2)
    month_4[co_refs[1]] = LineEntry(work_completed_this_period=co_values[1])
    bill(3, month_4, {})
    assert answered[3]["g702"]["work_retainage_percent"] == "10"

    # Month 5: more work at the stepped-down rate; line 1 holds no retainage from now on.
    month_5 = work(5, range(20))
    month_5.update(work(30, range(20, 30)))
    month_5[sov_refs[0]] = LineEntry(
        work_completed_this_period=share(0, 5), work_retainage_percent=Decimal(0)
    )
    bill(4, month_5, {})
    assert answered[4]["g702"]["work_retainage_percent"] == "5"

    # Month 6: every line finished.
    last = answered[4]["lines"]
    month_6 = {
        ref: LineEntry(work_completed_this_period=cents(row["balance_to_finish"]))
        for ref, row in zip(sov_refs, last, strict=False)
        if cents(row["balance_to_finish"])
    }
    bill(5, month_6, {})
    assert answered[5]["g702"]["balance_to_finish"] == "0.00"

    # The final application: no new work, every line's retainage released.
    held = {
        ref: cents(row["work_retainage_currently_retained"])
        for ref, row in zip([*sov_refs, *co_refs], answered[5]["lines"], strict=True)
    }
    release = {
        ref: LineEntry(work_retainage_released=amount) for ref, amount in held.items() if amount
    }
    bill(6, release, {"final": True})
    final = answered[6]
    assert final["final"] is True
    assert final["g702"]["total_retainage"] == "0.00"

    # -- every figure is the engine's ------------------------------------------------------------
    terms = BillingTerms(
        retainage_method=RetainageMethod.CUMULATIVE,
        work_percent=Decimal(10),
        materials_percent=Decimal(10),
        steps=(RetainageStep(Decimal(50), Decimal(5), Decimal(5)),),
        stored_materials=StoredMaterialsMode.MANUAL,
        allow_overbilling=True,
    )
    engine = compute_chain(terms, applications)
    for application in answered:
        out.PayApplicationOut.model_validate(application)
    for application, figures in zip(answered, engine, strict=True):
        assert {name: application["g702"][name] for name in g702_of(figures.summary)} == g702_of(
            figures.summary
        ), f"application {application['number']}"
        for line, expected in zip(application["lines"], figures.lines, strict=True):
            assert cents(line["total_completed_and_stored_to_date"]) == (
                expected.total_completed_and_stored_to_date
            )
            assert cents(line["retainage"]) == (
                expected.work_retainage_currently_retained
                + expected.materials_retainage_currently_retained
            )
    original = sum(values)
    assert final["g702"]["original_contract_sum"] == format_cents(original)
    assert final["g702"]["contract_sum_to_date"] == format_cents(original + sum(co_values))
    paid = sum(cents(app["g702"]["current_payment_due"]) for app in answered)
    assert paid == original + sum(co_values)  # every cent of the contract, retainage included
    assert all(app["amount_unpaid"] == "0.00" for app in answered)

    # -- the same contract through the Procore and ACC faces -----------------------------------
    procore = {"Authorization": f"Bearer {ADMIN_TOKEN}", "Procore-Company-Id": "1"}
    for application in answered:
        requisition = ok(
            client.get(
                f"/rest/v1.1/requisitions/{application['id']}",
                params={"project_id": project["id"]},
                headers=procore,
            )
        )
        summary = requisition["summary"]
        for name in (
            "original_contract_sum",
            "net_change_by_change_orders",
            "contract_sum_to_date",
            "total_completed_and_stored_to_date",
            "total_retainage",
            "total_earned_less_retainage",
            "less_previous_certificates_for_payment",
            "current_payment_due",
            "balance_to_finish_including_retainage",
        ):
            assert Decimal(summary[name]) == Decimal(application["g702"][name]), name
        acc = ok(
            client.get(
                f"/cost/v1/containers/{project['uuid']}/payments/{application['uuid']}",
                params={"include": "summaryCalculatedFields"},
                headers={"Authorization": f"Bearer {ADMIN_TOKEN}"},
            )
        )
        fields = acc["summaryCalculatedFields"]
        for acc_name, name in (
            ("totalCompletedAndStored", "total_completed_and_stored_to_date"),
            ("totalRetention", "total_retainage"),
            ("totalEarnedLessRetention", "total_earned_less_retainage"),
            ("previousCertificates", "less_previous_certificates_for_payment"),
            ("currentPaymentDue", "current_payment_due"),
            ("balanceToFinishIncludingRetention", "balance_to_finish_including_retainage"),
            ("amountPaid", "amount_paid"),
        ):
            source = application if name == "amount_paid" else application["g702"]
            assert Decimal(fields[acc_name]) == Decimal(source[name]), acc_name
        assert acc["status"] == "paid" or cents(application["g702"]["current_payment_due"]) == 0
    commitments = ok(
        client.get("/rest/v1.0/commitments", params={"project_id": project["id"]}, headers=procore)
    )
    assert [(c["id"], c["number"]) for c in commitments] == [(contract["id"], "SC-0701")]
    assert asdict(engine[-1].summary)["current_payment_due"] == cents(
        final["g702"]["current_payment_due"]
    )


def test_a_prime_contract_billed_through_v1_is_the_main_contract_on_acc(
    ledger: Runtime, client: TestClient
) -> None:
    owner = posted(
        client,
        "/v1/parties",
        {"kind": "customer", "code": "OWNER", "name": "Harbor Point Owner LLC"},
    )
    architect = posted(
        client,
        "/v1/parties",
        {"kind": "architect", "code": "ARCH", "name": "Line & Plane Architects"},
    )
    project = posted(client, "/v1/projects", {"code": "HP", "name": "HP"})
    contract = posted(
        client,
        "/v1/contracts",
        {
            "kind": "prime",
            "project_id": project["id"],
            "number": "PC-1",
            "title": "Harbor Point Tower",
            "party_id": owner["id"],
            "architect_id": architect["id"],
            "work_retainage_percent": "5",
            "retainage_method": "incremental",
        },
    )
    assert (contract["kind"], contract["architect_id"]) == ("prime", architect["id"])
    # A vendor is no owner: a prime contract's party is a customer.
    wrong = client.post(
        "/v1/contracts",
        headers=ADMIN,
        json={
            "kind": "prime",
            "project_id": project["id"],
            "number": "PC-2",
            "title": "x",
            "party_id": architect["id"],
        },
    )
    assert wrong.status_code == 422
    assert wrong.json()["errors"][0]["pointer"] == "/party_id"
    line = posted(
        client,
        f"/v1/contracts/{contract['id']}/sov-lines",
        {"number": "1", "description": "Shell", "scheduled_value": "1000000.00"},
    )
    created = posted(
        client,
        f"/v1/contracts/{contract['id']}/pay-applications",
        {
            "billing_date": "2025-01-31",
            "lines": [{"sov_line_id": line["id"], "work_completed_this_period": "123456.78"}],
        },
    )
    # 5 % of 123,456.78 is 6,172.839, held as 6,172.84 (half up, per line).
    assert created["g702"]["total_retainage"] == "6172.84"
    assert created["g702"]["current_payment_due"] == "117283.94"
    acc = ok(
        client.get(
            f"/cost/v1/containers/{project['uuid']}/payments/{created['uuid']}",
            params={"include": "summaryCalculatedFields"},
            headers={"Authorization": f"Bearer {ADMIN_TOKEN}"},
        )
    )
    assert acc["associationType"] == "MainContract"
    assert Decimal(acc["summaryCalculatedFields"]["currentPaymentDue"]) == Decimal("117283.94")
    assert Decimal(acc["summaryCalculatedFields"]["totalRetention"]) == Decimal("6172.84")


def test_every_answer_of_a_job_matches_its_documented_schema(
    ledger: Runtime, client: TestClient
) -> None:
    """The OpenAPI document's schemas are the answers' shapes (no field undocumented)."""
    contract = make_contract(client, lines=2)
    lines = ok(client.get(f"/v1/contracts/{contract['id']}/sov-lines", headers=ADMIN))
    out.Page[out.SovLineOut].model_validate(lines)
    change_order = posted(
        client,
        f"/v1/contracts/{contract['id']}/change-orders",
        {"number": "CO-1", "items": [{"description": "x", "amount": 5}]},
    )
    out.ChangeOrderOut.model_validate(change_order)
    created = posted(
        client,
        f"/v1/contracts/{contract['id']}/pay-applications",
        {"lines": [{"sov_line_id": lines["data"][0]["id"], "work_completed_this_period": 10}]},
    )
    out.PayApplicationOut.model_validate(created)
    ok(client.post(f"/v1/pay-applications/{created['id']}/submit", headers=ADMIN))
    payment = posted(
        client,
        "/v1/payments",
        {"contract_id": contract["id"], "pay_application_id": created["id"], "amount": 9},
    )
    out.PaymentOut.model_validate(payment)
    for url, model in (
        ("/v1/company", out.CompanyOut),
        (f"/v1/contracts/{contract['id']}", out.ContractOut),
        ("/v1/contracts", out.Page[out.ContractOut]),
        ("/v1/parties", out.Page[out.PartyOut]),
        ("/v1/projects", out.Page[out.ProjectOut]),
        (f"/v1/projects/{contract['project_id']}/billing-periods", out.Page[out.PeriodOut]),
        ("/v1/pay-applications", out.Page[out.PayApplicationOut]),
        ("/v1/payments", out.Page[out.PaymentOut]),
        ("/v1/audit-events", out.Page[out.AuditEventOut]),
        ("/v1/users", out.Page[out.UserOut]),
        ("/v1/tokens", out.Page[out.TokenOut]),
    ):
        model.model_validate(ok(client.get(url, headers=ADMIN)))
