"""The pages and their forms over HTTP: what each shows, each form's validation errors (named,
nothing changed), CSRF refusal of every form, and a read-only member's refusals."""

from __future__ import annotations

import re

import pytest
from fastapi.testclient import TestClient

from drawbridge.bootstrap import Runtime
from drawbridge.domain.rules import PayAppStatus
from drawbridge.exports.spreadsheets import read_table
from drawbridge.services import discovery, pay_apps
from tests.support import admin_actor
from tests.web.helpers import APPROVER, CONTRACT, CONTRACTOR, DRAFT_NUMBER, VIEWER, sign_in

COMPANY = 1
ERNIE = 701973  # SC-001: five applications, the last under review


def _draft(demo: Runtime) -> pay_apps.PayAppView:
    return pay_apps.find_pay_app(demo.uow(), admin_actor(COMPANY), CONTRACT, DRAFT_NUMBER)


def _cell(html: str, name: str) -> str:
    found = re.search(rf'data-fig="{name}"[^>]*>([^<]*)<', html)
    assert found, name
    return found.group(1)


def test_projects_list_and_a_projects_contracts_with_their_figures(web: TestClient) -> None:
    sign_in(web, CONTRACTOR)
    projects = web.get("/app/projects").text
    assert "Harbor View Medical - Clinic Fit-out" in projects
    assert "Dimensions - Berkeley Technology Inc" in projects
    contracts = web.get("/app/projects/760000").text
    assert "SC-101" in contracts
    assert "Northgate Interiors" in contracts
    assert "No. 1" in contracts
    assert "Draft" in contracts


def test_another_companys_project_is_not_found(web: TestClient) -> None:
    sign_in(web, CONTRACTOR)
    answer = web.get("/app/projects/790")
    assert answer.status_code == 404
    assert answer.headers["content-type"].startswith("text/html")


def test_the_contract_page_shows_lines_change_orders_applications_payments_and_a_chart(
    web: TestClient,
) -> None:
    sign_in(web, CONTRACTOR)
    page = web.get("/app/contracts/701970").text
    assert "General conditions and supervision" in page
    assert "CO-001" in page
    assert "Lobby card access" in page
    assert page.count('href="/app/pay-applications/') >= 6
    assert "<svg" in page
    assert "Billed to date" in page
    assert 'id="new-change-order"' in page


def test_the_pay_application_page_is_a_g702_and_g703(web: TestClient, demo: Runtime) -> None:
    sign_in(web, CONTRACTOR)
    draft = _draft(demo)
    page = web.get(f"/app/pay-applications/{draft.id}").text
    for line in ("1. Original contract sum", "8. Current payment due", "9. Balance to finish"):
        assert line in page
    assert page.count('name="e-') == 20
    assert page.count('name="f-') == 20
    assert page.count('name="p-') == 20
    assert _cell(page, "s-1") == "483,500.00"  # the sum of the 20 lines
    assert "Submit for review" in page
    assert "Approve" not in page  # a standard member does not approve


def test_typed_figures_preview_without_saving_and_save_on_save(
    web: TestClient, demo: Runtime
) -> None:
    csrf = sign_in(web, CONTRACTOR)
    draft = _draft(demo)
    line = draft.g703_lines[5]  # millwork, nothing billed yet
    preview = web.post(
        f"/app/pay-applications/{draft.id}/preview",
        data={"csrf_token": csrf, f"e-{line.id}": "4,860.00"},
    )
    assert preview.status_code == 200
    figures = preview.json()
    assert figures["texts"][f"g-{line.id}"] == "4,860.00"
    assert figures["texts"]["t-e"] == "4,860.00"
    assert figures["texts"]["s-8"] == "4,374.00"  # 4,860.00 less 10 % retainage
    assert _draft(demo).summary.work_completed_this_period == 0  # nothing saved

    saved = web.post(
        f"/app/pay-applications/{draft.id}",
        data={"csrf_token": csrf, f"e-{line.id}": "4860.00", "action": "save"},
        follow_redirects=False,
    )
    assert saved.status_code == 303
    assert _draft(demo).summary.work_completed_this_period == 486000


def test_a_percent_complete_becomes_this_periods_work_exactly(
    web: TestClient, demo: Runtime
) -> None:
    csrf = sign_in(web, CONTRACTOR)
    draft = _draft(demo)
    line = draft.g703_lines[11]  # metal stud framing: 58,200.00
    answer = web.post(
        f"/app/pay-applications/{draft.id}/preview",
        data={"csrf_token": csrf, f"p-{line.id}": "33.333", f"f-{line.id}": "4000.00"},
    )
    # G = 58,200.00 × 33.333 % = 19,399.806 -> 19,399.81 (half-up); E = G - D - F.
    assert answer.json()["inputs"][f"e-{line.id}"] == "15399.81"
    assert answer.json()["texts"][f"g-{line.id}"] == "19,399.81"


def test_over_billing_is_flagged_on_the_line_and_refused_on_save(
    web: TestClient, demo: Runtime
) -> None:
    csrf = sign_in(web, CONTRACTOR)
    draft = _draft(demo)
    line = draft.g703_lines[0]
    data = {"csrf_token": csrf, f"e-{line.id}": "99999.00"}
    preview = web.post(f"/app/pay-applications/{draft.id}/preview", data=data).json()
    assert preview["flags"] == {str(line.id): "error"}
    assert "does not allow" in preview["error"]
    refused = web.post(f"/app/pay-applications/{draft.id}", data={**data, "action": "save"})
    assert refused.status_code == 422
    assert "over-billing is not allowed" in refused.text
    assert 'class="over-error"' in refused.text
    assert _draft(demo).summary.work_completed_this_period == 0


@pytest.mark.parametrize(
    ("value", "message"),
    [
        ("12.345", "more than 2 decimal places"),
        ("twelve", "not a decimal amount"),
        ("1e400", "amount out of range"),
    ],
)
def test_a_bad_amount_on_a_line_names_the_line(
    web: TestClient, demo: Runtime, value: str, message: str
) -> None:
    csrf = sign_in(web, CONTRACTOR)
    draft = _draft(demo)
    line = draft.g703_lines[2]
    answer = web.post(
        f"/app/pay-applications/{draft.id}",
        data={"csrf_token": csrf, f"e-{line.id}": value, "action": "save"},
    )
    assert answer.status_code == 422
    assert "line 3: work this period" in answer.text
    assert message in answer.text
    assert f'value="{value}"' in answer.text  # what was typed is shown again
    assert _draft(demo).summary.work_completed_this_period == 0


def test_a_bad_percent_is_named(web: TestClient, demo: Runtime) -> None:
    csrf = sign_in(web, CONTRACTOR)
    draft = _draft(demo)
    line = draft.g703_lines[2]
    answer = web.post(
        f"/app/pay-applications/{draft.id}/preview",
        data={"csrf_token": csrf, f"p-{line.id}": "lots"},
    )
    assert answer.status_code == 422
    assert "line 3: percent complete" in answer.json()["error"]


def test_submit_then_an_admin_approves_then_a_payment_is_recorded(
    web: TestClient, demo: Runtime
) -> None:
    from drawbridge.api.app import create_app

    csrf = sign_in(web, CONTRACTOR)
    draft = _draft(demo)
    line = draft.g703_lines[5]
    web.post(
        f"/app/pay-applications/{draft.id}",
        data={"csrf_token": csrf, f"e-{line.id}": "4860.00", "action": "save"},
    )
    submitted = web.post(
        f"/app/pay-applications/{draft.id}/status",
        data={"csrf_token": csrf, "move": "submit"},
        follow_redirects=False,
    )
    assert submitted.status_code == 303
    assert _draft(demo).status is PayAppStatus.UNDER_REVIEW
    page = web.get(f"/app/pay-applications/{draft.id}").text
    assert 'name="e-' not in page  # no longer editable by a standard member
    assert "Submit for review" not in page

    with TestClient(create_app(demo)) as admin:
        admin_csrf = sign_in(admin, APPROVER)
        page = admin.get(f"/app/pay-applications/{draft.id}").text
        assert "Approve as noted" in page
        assert "Revise and resubmit" in page
        approved = admin.post(
            f"/app/pay-applications/{draft.id}/status",
            data={"csrf_token": admin_csrf, "move": "approve"},
            follow_redirects=False,
        )
        assert approved.status_code == 303
        assert _draft(demo).status is PayAppStatus.APPROVED
        paid = admin.post(
            f"/app/pay-applications/{draft.id}/payments",
            data={
                "csrf_token": admin_csrf,
                "amount": "4,374.00",
                "payment_date": "2025-09-20",
                "payment_method": "check",
                "check_number": "20911",
            },
            follow_redirects=False,
        )
        assert paid.status_code == 303
        assert _draft(demo).payments.amount_paid == 437400
        history = admin.get(f"/app/pay-applications/{draft.id}").text
        assert "Marco Ruiz" in history
        assert "Dana Whitfield" in history
        assert "line sov:760106: work_completed_this_period" in history


@pytest.mark.parametrize(
    ("data", "message"),
    [
        ({"amount": ""}, "amount: required"),
        ({"amount": "-5.00"}, "a payment amount must be positive"),
        ({"amount": "5.00", "payment_date": "2025-02-30"}, "payment date: not a date"),
        ({"amount": "5.00", "payment_method": "barter"}, "payment_method: must be one of"),
        ({"amount": "999999.00"}, "over"),
    ],
)
def test_payment_form_errors(
    web: TestClient, demo: Runtime, data: dict[str, str], message: str
) -> None:
    csrf = sign_in(web, APPROVER)
    approved = pay_apps.find_pay_app(demo.uow(), admin_actor(COMPANY), ERNIE, 5)
    before = approved.payments.amount_paid
    answer = web.post(
        f"/app/pay-applications/{approved.id}/payments", data={"csrf_token": csrf, **data}
    )
    assert answer.status_code in (409, 422)
    assert message in answer.text
    after = pay_apps.find_pay_app(demo.uow(), admin_actor(COMPANY), ERNIE, 5)
    assert after.payments.amount_paid == before


@pytest.mark.parametrize(
    ("data", "message"),
    [
        ({"number": "", "title": "x", "item-1-description": "a", "item-1-amount": "1"}, "number"),
        ({"number": "CO-9", "title": "x"}, "a change order needs at least one item"),
        ({"number": "CO-9", "title": "x", "item-1-amount": "10.00"}, "a description is required"),
        (
            {"number": "CO-9", "title": "x", "item-1-description": "a", "item-1-amount": "ten"},
            "item 1: amount",
        ),
        (
            {"number": "CO-001", "title": "x", "item-1-description": "a", "item-1-amount": "1"},
            "already has a change order",
        ),
    ],
)
def test_change_order_form_errors(web: TestClient, data: dict[str, str], message: str) -> None:
    csrf = sign_in(web, CONTRACTOR)
    answer = web.post("/app/contracts/701970/change-orders", data={"csrf_token": csrf, **data})
    assert answer.status_code in (409, 422)
    assert message in answer.text
    assert answer.text.count("CO-9") <= 1  # only echoed in the form, never created


def test_a_change_order_is_created_and_moved_to_approved(web: TestClient, demo: Runtime) -> None:
    csrf = sign_in(web, CONTRACTOR)
    created = web.post(
        f"/app/contracts/{CONTRACT}/change-orders",
        data={
            "csrf_token": csrf,
            "number": "CO-101",
            "title": "Add exam room casework",
            "item-1-description": "Casework at exam rooms 4-6",
            "item-1-amount": "6,400.00",
            "item-1-cost_code": "06-4100",
            "item-2-description": "Solid surface tops",
            "item-2-amount": "2100.00",
        },
        follow_redirects=False,
    )
    assert created.status_code == 303
    _contract, packages = discovery.change_order_packages(
        demo.uow(), admin_actor(COMPANY), CONTRACT
    )
    package = next(p for p in packages if p.number == "CO-101")
    assert package.amount == 850000
    assert package.status == "draft"
    bad = web.post(
        f"/app/contracts/{CONTRACT}/change-orders/{package.id}/status",
        data={"csrf_token": csrf, "status": "finished"},
    )
    assert bad.status_code == 422
    assert "status: must be one of" in bad.text
    moved = web.post(
        f"/app/contracts/{CONTRACT}/change-orders/{package.id}/status",
        data={"csrf_token": csrf, "status": "approved", "approved_date": "2025-08-15"},
        follow_redirects=False,
    )
    assert moved.status_code == 303
    _contract, packages = discovery.change_order_packages(
        demo.uow(), admin_actor(COMPANY), CONTRACT
    )
    assert next(p for p in packages if p.number == "CO-101").status == "approved"


def test_new_pay_application_form_errors(web: TestClient) -> None:
    csrf = sign_in(web, CONTRACTOR)
    answer = web.post(
        "/app/contracts/701973/pay-applications",
        data={"csrf_token": csrf, "start_date": "2025-13-01"},
    )
    assert answer.status_code == 422
    assert "period start: not a date" in answer.text
    answer = web.post(
        "/app/contracts/701973/pay-applications",
        data={"csrf_token": csrf, "start_date": "2025-08-31", "end_date": "2025-08-01"},
    )
    assert answer.status_code == 422
    assert "before requisition_start" in answer.text


def test_attachments_upload_and_download(web: TestClient, demo: Runtime) -> None:
    csrf = sign_in(web, CONTRACTOR)
    draft = _draft(demo)
    missing = web.post(f"/app/pay-applications/{draft.id}/attachments", data={"csrf_token": csrf})
    assert missing.status_code == 422
    assert "choose a file" in missing.text
    uploaded = web.post(
        f"/app/pay-applications/{draft.id}/attachments",
        data={"csrf_token": csrf},
        files={"file": ("lien-waiver.pdf", b"%PDF-1.4 waiver", "application/pdf")},
        follow_redirects=False,
    )
    assert uploaded.status_code == 303
    attachment = _draft(demo).attachments[0]
    assert attachment.filename == "lien-waiver.pdf"
    download = web.get(f"/app/attachments/{attachment.id}")
    assert download.content == b"%PDF-1.4 waiver"
    assert "attachment" in download.headers["content-disposition"]


def test_delete_is_offered_only_where_allowed(web: TestClient, demo: Runtime) -> None:
    csrf = sign_in(web, CONTRACTOR)
    draft = _draft(demo)
    approved = pay_apps.find_pay_app(demo.uow(), admin_actor(COMPANY), ERNIE, 1)
    assert "Delete this application" not in web.get(f"/app/pay-applications/{approved.id}").text
    refused = web.post(f"/app/pay-applications/{approved.id}/delete", data={"csrf_token": csrf})
    assert refused.status_code == 422
    assert "Delete this application" in web.get(f"/app/pay-applications/{draft.id}").text
    deleted = web.post(
        f"/app/pay-applications/{draft.id}/delete",
        data={"csrf_token": csrf},
        follow_redirects=False,
    )
    assert deleted.status_code == 303
    assert deleted.headers["location"] == f"/app/contracts/{CONTRACT}?done=deleted"


def _every_form(demo: Runtime) -> list[tuple[str, dict[str, str]]]:
    draft = _draft(demo)
    line = draft.g703_lines[0]
    return [
        (f"/app/pay-applications/{draft.id}", {f"e-{line.id}": "100.00", "action": "save"}),
        (f"/app/pay-applications/{draft.id}/preview", {f"e-{line.id}": "100.00"}),
        (f"/app/pay-applications/{draft.id}/status", {"move": "submit"}),
        (f"/app/pay-applications/{draft.id}/delete", {}),
        (f"/app/pay-applications/{draft.id}/payments", {"amount": "1.00"}),
        (f"/app/pay-applications/{draft.id}/attachments", {}),
        (
            f"/app/contracts/{CONTRACT}/change-orders",
            {"number": "CO-X", "title": "x", "item-1-description": "a", "item-1-amount": "1"},
        ),
        (f"/app/contracts/{CONTRACT}/change-orders/1/status", {"status": "void"}),
        (f"/app/contracts/{CONTRACT}/pay-applications", {}),
        ("/app/sign-out", {}),
    ]


def test_every_form_refuses_a_missing_or_forged_csrf_token(web: TestClient, demo: Runtime) -> None:
    sign_in(web, APPROVER)
    draft = _draft(demo)
    for path, data in _every_form(demo):
        for token in ({}, {"csrf_token": "forged"}):
            answer = web.post(path, data={**data, **token})
            assert answer.status_code == 403, path
    after = _draft(demo)
    assert after.status is draft.status
    assert after.updated_at == draft.updated_at
    assert web.get("/app/projects").status_code == 200  # still signed in


def test_a_read_only_member_sees_no_edit_control_and_every_write_is_refused(
    web: TestClient, demo: Runtime
) -> None:
    csrf = sign_in(web, VIEWER)
    draft = _draft(demo)
    page = web.get(f"/app/pay-applications/{draft.id}").text
    assert "(read-only)" in page
    for control in ('name="e-', "Submit for review", "Record payment", 'type="file"', "Save"):
        assert control not in page
    contract_page = web.get(f"/app/contracts/{CONTRACT}").text
    assert "New change order" not in contract_page
    assert "Start the next pay application" not in contract_page
    for path, data in _every_form(demo):
        if path == "/app/sign-out":
            continue
        files = {"file": ("note.txt", b"hello", "text/plain")} if "attachments" in path else None
        answer = web.post(path, data={**data, "csrf_token": csrf}, files=files)
        assert answer.status_code in (403, 404), path
    after = _draft(demo)
    assert after.updated_at == draft.updated_at
    _contract, packages = discovery.change_order_packages(
        demo.uow(), admin_actor(COMPANY), CONTRACT
    )
    assert not any(package.number == "CO-X" for package in packages)


def test_unknown_pages_answer_in_html(web: TestClient) -> None:
    sign_in(web, CONTRACTOR)
    for path in ("/app/nowhere", "/app/pay-applications/999999", "/app/contracts/abc"):
        answer = web.get(path)
        assert answer.status_code in (404, 422), path
        assert answer.headers["content-type"].startswith("text/html"), path


def test_the_pdf_and_xlsx_of_an_application_download(web: TestClient, demo: Runtime) -> None:
    sign_in(web, VIEWER)  # reading is enough
    approved = pay_apps.find_pay_app(demo.uow(), admin_actor(COMPANY), ERNIE, 4)
    page = web.get(f"/app/pay-applications/{approved.id}").text
    assert f'href="/app/pay-applications/{approved.id}.pdf"' in page
    assert f'href="/app/pay-applications/{approved.id}.xlsx"' in page
    pdf = web.get(f"/app/pay-applications/{approved.id}.pdf")
    assert pdf.status_code == 200
    assert pdf.headers["content-type"] == "application/pdf"
    assert pdf.content.startswith(b"%PDF")
    assert "SC-001%20application%204.pdf" in pdf.headers["content-disposition"]
    xlsx = web.get(f"/app/pay-applications/{approved.id}.xlsx")
    assert xlsx.status_code == 200
    sheet = read_table(xlsx.content, "xlsx")
    assert len(sheet.rows) == len(approved.g703_lines)
    assert web.get("/app/pay-applications/999999.pdf").status_code == 404
