"""Contract payments (JSON and multipart), uploads and attachment downloads."""

from __future__ import annotations

import datetime as dt
from typing import Any

import pytest
from fastapi.testclient import TestClient

from tests.api.procore.conftest import (
    ADMIN,
    CONTRACT,
    OTHER_COMPANY,
    OTHER_PROJECT,
    OTHER_TOKEN,
    PROJECT,
    READONLY,
    STRICT_CONTRACT,
    headers,
    requisition_body,
)

URL = "/rest/v1.0/contract_payments"
pytestmark = pytest.mark.usefixtures("ledger", "earned")


@pytest.fixture
def earned(client: TestClient) -> None:
    """An approved requisition on each commitment: 2,000.00 of work less 10 % retainage, so
    each contract has earned 1,800.00 (line 6) that payments on account may pay."""
    for commitment, line in ((CONTRACT, 101), (STRICT_CONTRACT, 201)):
        response = client.post(
            "/rest/v1.1/requisitions",
            json=requisition_body(
                commitment_id=commitment,
                period_id=4293,
                status="approved",
                items=[
                    {
                        "item_type": "contract_item",
                        "line_item_id": line,
                        "work_completed_this_period": "2000.00",
                    }
                ],
            ),
            headers=ADMIN,
        )
        assert response.status_code == 201, response.text


def payment_body(**values: Any) -> dict[str, Any]:
    return {
        "project_id": PROJECT,
        "contract_id": CONTRACT,
        "contract_payment": {"amount": "1500.00", **values},
    }


def requisition_id(client: TestClient) -> int:
    response = client.post(
        "/rest/v1.1/requisitions",
        json=requisition_body(
            period_id=4293,
            status="approved",
            items=[
                {
                    "item_type": "contract_item",
                    "line_item_id": 101,
                    "work_completed_this_period": "2000.00",
                }
            ],
        ),
        headers=ADMIN,
    )
    return int(response.json()["id"])


def upload(client: TestClient, content: bytes = b"%PDF-1.4 lien waiver") -> dict[str, Any]:
    response = client.post(
        "/rest/v1.0/prostore_files",
        files={"file": ("waiver.pdf", content, "application/pdf")},
        headers=ADMIN,
    )
    assert response.status_code == 201, response.text
    return dict(response.json())


def test_create_json_with_every_field(client: TestClient) -> None:
    requisition = requisition_id(client)
    response = client.post(
        URL,
        json=payment_body(
            payment_number=7,
            draw_request_number=2,
            check_number="1001",
            payment_method="check",
            date="2024-02-20",
            origin_data="x",
            notes="first",
            invoice_number="INV-1",
            origin_id="pay-1",
            invoice_date="2024-02-01",
            requisition_id=requisition,
            amount=1800,
        ),
        headers=ADMIN,
    )
    assert response.status_code == 201, response.text
    body = response.json()
    assert body["amount"] == "1800.00"
    assert body["payment_number"] == 7  # an integer, as Procore's schema types it
    assert body["draw_request_number"] == 2
    assert body["requisition_id"] == requisition
    assert body["date"] == "2024-02-20"
    assert body["created_by"]["name"] == "Ada Admin"
    shown = client.get(
        f"/rest/v1.1/requisitions/{requisition}", params={"project_id": PROJECT}, headers=ADMIN
    ).json()
    assert shown["summary"]["amount_paid"] == "1800.00"
    assert shown["deletable"] is False  # a payment references it


def test_create_multipart_with_attachments_and_download(client: TestClient) -> None:
    response = client.post(
        URL,
        data={
            "project_id": str(PROJECT),
            "contract_id": str(CONTRACT),
            "contract_payment[amount]": "250.50",
            "contract_payment[payment_method]": "electronic",
        },
        files=[("attachments[]", ("check.png", b"\x89PNG bytes", "image/png"))],
        headers=ADMIN,
    )
    assert response.status_code == 201, response.text
    body = response.json()
    assert body["amount"] == "250.50"
    assert body["payment_method"] == "electronic"
    [attachment] = body["attachments"]
    assert attachment["name"] == "check.png"
    downloaded = client.get(attachment["url"], headers=ADMIN)
    assert downloaded.status_code == 200
    assert downloaded.content == b"\x89PNG bytes"
    assert downloaded.headers["content-type"] == "image/png"
    foreign = client.get(attachment["url"], headers=headers(OTHER_TOKEN, OTHER_COMPANY))
    assert foreign.status_code == 404


def test_prostore_file_ids_link_uploads(client: TestClient) -> None:
    uploaded = upload(client)
    response = client.post(
        URL, json=payment_body(prostore_file_ids=[uploaded["id"]]), headers=ADMIN
    )
    assert response.status_code == 201
    assert [a["id"] for a in response.json()["attachments"]] == [uploaded["id"]]
    requisition = client.post(
        "/rest/v1.1/requisitions",
        json=requisition_body(prostore_file_ids=[upload(client, b"g702")["id"]]),
        headers=ADMIN,
    ).json()
    assert requisition["attachments"][0]["filename"] == "waiver.pdf"
    assert client.get(requisition["attachments"][0]["url"], headers=ADMIN).content == b"g702"


def test_prostore_file_ids_and_attachments_are_exclusive(client: TestClient) -> None:
    uploaded = upload(client)
    response = client.post(
        URL,
        data={
            "project_id": str(PROJECT),
            "contract_id": str(CONTRACT),
            "contract_payment[amount]": "10.00",
            "contract_payment[prostore_file_ids][]": str(uploaded["id"]),
        },
        files=[("attachments[]", ("a.txt", b"a", "text/plain"))],
        headers=ADMIN,
    )
    assert response.status_code == 422
    assert "prostore_file_ids" in response.json()["errors"]


@pytest.mark.parametrize(
    ("body", "status", "field"),
    [
        (payment_body(amount="-5.00"), 422, "amount"),
        (payment_body(amount="ten"), 400, "contract_payment.amount"),
        (payment_body(payment_method="cash"), 400, "contract_payment.payment_method"),
        (payment_body(requisition_id=999), 422, "requisition_id"),
        ({"contract_id": CONTRACT, "contract_payment": {"amount": "1.00"}}, 400, "project_id"),
        (payment_body(prostore_file_ids=[999]), 422, "prostore_file_ids"),
    ],
)
def test_create_errors(client: TestClient, body: dict[str, Any], status: int, field: str) -> None:
    response = client.post(URL, json=body, headers=ADMIN)
    assert response.status_code == status, response.text
    assert field in response.json()["errors"]


def test_duplicate_origin_id_is_409(client: TestClient) -> None:
    assert client.post(URL, json=payment_body(origin_id="p"), headers=ADMIN).status_code == 201
    assert client.post(URL, json=payment_body(origin_id="p"), headers=ADMIN).status_code == 409


def test_broken_bodies_are_400(client: TestClient) -> None:
    broken = client.post(URL, content=b"[1", headers={**ADMIN, "Content-Type": "application/json"})
    assert broken.status_code == 400
    array = client.post(URL, json=[1], headers=ADMIN)
    assert array.status_code == 400


def test_list_show_update_delete(client: TestClient) -> None:
    first = client.post(URL, json=payment_body(), headers=ADMIN).json()
    client.post(URL, json={**payment_body(), "contract_id": STRICT_CONTRACT}, headers=ADMIN)
    listed = client.get(URL, params={"project_id": PROJECT}, headers=ADMIN)
    assert listed.status_code == 200
    assert listed.headers["Total"] == "2"
    only = client.get(URL, params={"project_id": PROJECT, "contract_id": CONTRACT}, headers=ADMIN)
    assert [p["id"] for p in only.json()] == [first["id"]]
    item = f"{URL}/{first['id']}"
    shown = client.get(item, params={"project_id": PROJECT, "contract_id": CONTRACT}, headers=ADMIN)
    assert shown.status_code == 200
    assert shown.json()["amount"] == "1500.00"
    updated = client.patch(
        item,
        json={"project_id": PROJECT, "contract_payment": {"notes": "late", "amount": "1600"}},
        headers=ADMIN,
    )
    assert updated.status_code == 200
    assert updated.json()["notes"] == "late"
    assert updated.json()["amount"] == "1600.00"
    readonly = client.delete(item, params={"project_id": PROJECT}, headers=READONLY)
    assert readonly.status_code == 403
    deleted = client.delete(item, params={"project_id": PROJECT}, headers=ADMIN)
    assert deleted.status_code == 200  # Procore documents 200 for this DELETE
    assert client.get(item, params={"project_id": PROJECT}, headers=ADMIN).status_code == 404


def test_other_company_payment_is_404(client: TestClient) -> None:
    made = client.post(URL, json=payment_body(), headers=ADMIN).json()
    response = client.get(
        f"{URL}/{made['id']}",
        params={"project_id": OTHER_PROJECT},
        headers=headers(OTHER_TOKEN, OTHER_COMPANY),
    )
    assert response.status_code == 404
    assert isinstance(response.json()["errors"], str)


def test_upload_needs_write_scope(client: TestClient) -> None:
    response = client.post(
        "/rest/v1.0/prostore_files", files={"file": ("a.txt", b"a", "text/plain")}, headers=READONLY
    )
    assert response.status_code == 403
    missing = client.post("/rest/v1.0/prostore_files", headers=ADMIN)
    assert missing.status_code == 400


# -- the money rules, through the Procore face -------------------------------------------------


def test_a_payment_beyond_what_is_due_is_422_and_records_nothing(client: TestClient) -> None:
    requisition = requisition_id(client)  # 2,000.00 of work, 10 % retained: 1,800.00 due
    response = client.post(
        URL, json=payment_body(requisition_id=requisition, amount="18000.00"), headers=ADMIN
    )
    assert response.status_code == 422, response.text
    [message] = response.json()["errors"]["amount"]
    assert message == (
        "amount: a payment of 18000.00 would over-pay pay application 2: its current payment "
        "due (line 8) is 1800.00, already paid 0.00, so at most 1800.00 may still be paid"
    )
    listed = client.get(URL, params={"project_id": PROJECT}, headers=ADMIN)
    assert listed.headers["Total"] == "0"


def test_one_check_pays_a_requisition_once(client: TestClient) -> None:
    requisition = requisition_id(client)
    body = payment_body(requisition_id=requisition, amount="100.00", check_number="10452")
    assert client.post(URL, json=body, headers=ADMIN).status_code == 201
    again = client.post(URL, json=body, headers=ADMIN)
    assert again.status_code == 409
    assert "check_number" in again.json()["errors"]


def test_a_draft_requisition_cannot_be_paid(client: TestClient) -> None:
    draft = client.post(
        "/rest/v1.1/requisitions",
        json=requisition_body(
            period_id=4294,
            items=[
                {
                    "item_type": "contract_item",
                    "line_item_id": 101,
                    "work_completed_this_period": "10.00",
                }
            ],
        ),
        headers=ADMIN,
    ).json()
    assert draft["status"] == "draft"
    response = client.post(
        URL, json=payment_body(requisition_id=draft["id"], amount="1.00"), headers=ADMIN
    )
    assert response.status_code == 422
    assert "is a draft" in response.json()["errors"]["requisition_id"][0]


def test_a_payment_without_a_date_is_dated_today_and_a_bad_date_is_400(
    client: TestClient,
) -> None:
    days = {dt.datetime.now(dt.UTC).date().isoformat()}  # the UTC day it is recorded
    dated = []
    for extra in ({}, {"date": None}):
        made = client.post(URL, json=payment_body(amount="1.00", **extra), headers=ADMIN)
        assert made.status_code == 201, made.text
        dated.append(made.json())
    days.add(dt.datetime.now(dt.UTC).date().isoformat())  # two, if midnight passed meanwhile
    assert {payment["date"] for payment in dated} <= days
    for bad in ("2025-04-31", "2025-04-01T00:00:00", 1743465600, "04/01/2025"):
        response = client.post(URL, json=payment_body(amount="1.00", date=bad), headers=ADMIN)
        assert response.status_code == 400, (bad, response.text)
        assert "contract_payment.date" in response.json()["errors"]
    item = f"{URL}/{dated[0]['id']}"
    cleared = client.patch(
        item, json={"project_id": PROJECT, "contract_payment": {"date": None}}, headers=ADMIN
    )
    assert cleared.status_code == 422
    shown = client.get(item, params={"project_id": PROJECT}, headers=ADMIN).json()
    assert shown["date"] == dated[0]["date"]
