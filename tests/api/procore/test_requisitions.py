"""Every requisition endpoint: success paths, Procore's errors, pagination and each filter."""

from __future__ import annotations

from typing import Any

import pytest
from fastapi.testclient import TestClient

from drawbridge.bootstrap import Runtime
from tests.api.procore.conftest import (
    ADMIN,
    CO_ADD,
    CONTRACT,
    LINE_1,
    LINE_2,
    OTHER_COMPANY,
    OTHER_CONTRACT,
    OTHER_PROJECT,
    OTHER_TOKEN,
    P1,
    P2,
    P3,
    PACKAGE,
    PENDING_PACKAGE,
    PROJECT,
    READONLY,
    STANDARD,
    STRICT_CONTRACT,
    STRICT_LINE,
    headers,
    item,
    requisition_body,
)

URL = "/rest/v1.1/requisitions"
pytestmark = pytest.mark.usefixtures("ledger")


def create(client: TestClient, auth: dict[str, str] = ADMIN, **requisition: Any) -> dict[str, Any]:
    response = client.post(URL, json=requisition_body(**requisition), headers=auth)
    assert response.status_code == 201, response.text
    return dict(response.json())


def listed(client: TestClient, **params: Any) -> list[dict[str, Any]]:
    response = client.get(URL, params={"project_id": PROJECT, **params}, headers=ADMIN)
    assert response.status_code == 200, response.text
    return list(response.json())


def ids(client: TestClient, **params: Any) -> list[int]:
    return [r["id"] for r in listed(client, **params)]


# -- create -----------------------------------------------------------------------------------


def test_create_returns_the_whole_requisition(client: TestClient) -> None:
    body = create(
        client,
        period_id=P1,
        invoice_number="INV-1",
        origin_id="erp-1",
        origin_data="XYZ",
        billing_date="2024-01-31",
        submitted_at="2024-02-01",
        custom_field_42="blue",
        items=[
            item(LINE_1, work_completed_this_period=1000.5, status="approved", comment="ok"),
            {
                "item_type": "contract_detail_item",
                "detail_line_item_id": LINE_2,
                "work_completed_this_period_quantity": 10,
                "work_completed_this_period": "1000.00",
            },
        ],
    )
    assert body["number"] == 1
    assert body["status"] == "draft"
    assert body["deletable"] is True
    assert body["commitment_id"] == CONTRACT
    assert body["project_id"] == PROJECT
    assert body["commitment_type"] == "WorkOrderContract"
    assert body["vendor_name"] == "Ernie's Electrical"
    assert body["vendor_id"] == 301
    assert body["requisition_start"] == "2024-01-01"
    assert body["requisition_end"] == "2024-01-31"
    assert body["summary"]["total_completed_and_stored_to_date"] == "2000.50"
    assert body["summary"]["current_payment_due"] == "1800.45"  # 2,000.50 - 10 % (200.05)
    assert body["percent_complete"] == "1.33"  # 2,000.50 / 150,000
    assert body["total_claimed_amount"] == "2000.50"
    assert body["summary_text"]["application_number"] == "1"
    assert body["summary_text"]["subcontractor_city"] == "New York"
    assert body["summary_text"]["to_general_contractor"] == "Granite Peak Builders"
    assert body["created_by"]["login"] == "admin@gp.test"
    assert body["currency_configuration"] == {
        "currency_iso_code": "USD",
        "base_currency_iso_code": "USD",
        "currency_exchange_rate": 1,
    }
    assert body["custom_fields"] == {"custom_field_42": {"data_type": "string", "value": "blue"}}
    assert "items" not in body  # default view


def test_v1_0_twin_creates_too(client: TestClient) -> None:
    response = client.post(
        "/rest/v1.0/requisitions", json=requisition_body(period_id=P1), headers=ADMIN
    )
    assert response.status_code == 201
    assert response.json()["number"] == 1


def test_create_with_view_extended_and_invite(client: TestClient) -> None:
    response = client.post(
        URL,
        params={"view": "extended", "invite_id": 5},
        json=requisition_body(period_id=P1),  # CO-001 is approved after P1: not on it
        headers=ADMIN,
    )
    assert response.status_code == 201
    assert [i["line_item_id"] for i in response.json()["items"]] == [LINE_1, LINE_2]


def test_duplicate_origin_id_is_409(client: TestClient) -> None:
    create(client, origin_id="dup")
    response = client.post(URL, json=requisition_body(origin_id="dup"), headers=ADMIN)
    assert response.status_code == 409
    assert "origin_id" in response.json()["errors"]
    assert len(listed(client)) == 1


@pytest.mark.parametrize(
    ("requisition", "field"),
    [
        (
            {"items": [item(LINE_1, work_completed_this_period="abc")]},
            "requisition.items[0].work_completed_this_period",
        ),
        (
            {"items": [item(LINE_1, work_completed_this_period="1.005")]},
            "requisition.items[0].work_completed_this_period",
        ),
        (
            {"items": [item(LINE_1, work_completed_this_period=True)]},
            "requisition.items[0].work_completed_this_period",
        ),
        ({"status": "paid"}, "requisition.status"),
        ({"billing_date": "yesterday"}, "requisition.billing_date"),
        ({"origin_id": "a\x00b"}, "requisition.origin_id"),
        ({"period_id": 2**70}, "requisition.period_id"),
        ({"items": [{"item_type": "contract_item"}]}, "requisition.items[0].line_item_id"),
        ({"custom_field_x": "v"}, "requisition.custom_field_x"),
    ],
)
def test_malformed_input_is_400_naming_the_field(
    client: TestClient, requisition: dict[str, Any], field: str
) -> None:
    response = client.post(URL, json=requisition_body(**requisition), headers=ADMIN)
    assert response.status_code == 400, response.text
    assert list(response.json()["errors"]) == [field]


def test_missing_project_id_is_400(client: TestClient) -> None:
    response = client.post(URL, json={"commitment_id": CONTRACT}, headers=ADMIN)
    assert response.status_code == 400
    assert "project_id" in response.json()["errors"]


def test_broken_json_is_400(client: TestClient) -> None:
    response = client.post(
        URL, content=b"{not json", headers={**ADMIN, "Content-Type": "application/json"}
    )
    assert response.status_code == 400


def test_over_billing_where_forbidden_is_422(client: TestClient) -> None:
    response = client.post(
        URL,
        json=requisition_body(
            commitment_id=STRICT_CONTRACT,
            items=[item(STRICT_LINE, work_completed_this_period="10000.01")],
        ),
        headers=ADMIN,
    )
    assert response.status_code == 422
    assert "work_completed_this_period" in response.json()["errors"]


def test_release_larger_than_held_is_422(client: TestClient) -> None:
    response = client.post(
        URL,
        json=requisition_body(
            items=[
                item(
                    LINE_1,
                    work_completed_this_period="1000.00",
                    work_completed_retainage_released_this_period="100.01",
                )
            ]
        ),
        headers=ADMIN,
    )
    assert response.status_code == 422
    assert "work_completed_retainage_released_this_period" in response.json()["errors"]


def test_standard_user_may_not_approve(client: TestClient) -> None:
    response = client.post(URL, json=requisition_body(status="approved"), headers=STANDARD)
    assert response.status_code == 422
    assert "status" in response.json()["errors"]
    assert create(client, STANDARD, status="under_review")["status"] == "under_review"


def test_unknown_items_and_records_are_refused(client: TestClient) -> None:
    unknown_line = client.post(URL, json=requisition_body(items=[item(999)]), headers=ADMIN)
    assert unknown_line.status_code == 422
    unknown_period = client.post(URL, json=requisition_body(period_id=999), headers=ADMIN)
    assert unknown_period.status_code == 422
    other_company = client.post(
        URL, json=requisition_body(commitment_id=OTHER_CONTRACT), headers=ADMIN
    )
    assert other_company.status_code == 404
    assert isinstance(other_company.json()["errors"], str)


# -- show, update, delete -----------------------------------------------------------------------


def test_show_each_view(client: TestClient) -> None:
    made = create(client, period_id=P1, items=[item(LINE_1, work_completed_this_period="500.00")])
    url = f"{URL}/{made['id']}"
    default = client.get(url, params={"project_id": PROJECT}, headers=ADMIN).json()
    assert "items" not in default
    assert "action_policy" not in default
    extended = client.get(
        url, params={"project_id": PROJECT, "view": "extended"}, headers=ADMIN
    ).json()
    assert len(extended["items"]) == 2
    assert extended["item_packages"][0]["parent_type"] == "Contract"
    items = client.get(url, params={"project_id": PROJECT, "view": "items"}, headers=ADMIN).json()
    assert items["items"][0]["work_completed_this_period"] == "500.00"
    policy = client.get(
        url, params={"project_id": PROJECT, "view": "action_policy"}, headers=READONLY
    ).json()
    assert policy["action_policy"] == {"update": False, "destroy": False, "set_any_status": False}
    bad = client.get(url, params={"project_id": PROJECT, "view": "everything"}, headers=ADMIN)
    assert bad.status_code == 400
    assert "view" in bad.json()["errors"]


def test_show_of_another_company_or_project_is_404(client: TestClient) -> None:
    made = create(client)
    foreign = client.get(
        f"{URL}/{made['id']}",
        params={"project_id": OTHER_PROJECT},
        headers=headers(OTHER_TOKEN, OTHER_COMPANY),
    )
    assert foreign.status_code == 404
    wrong_project = client.get(f"{URL}/{made['id']}", params={"project_id": 999}, headers=ADMIN)
    assert wrong_project.status_code == 404


def test_update_items_by_id_and_by_line_item(client: TestClient) -> None:
    made = create(client, custom_field_1="a")
    lines = client.get(
        f"/rest/v1.0/requisitions/{made['id']}/detail",
        params={"project_id": PROJECT},
        headers=ADMIN,
    ).json()
    line_2_id = next(line["id"] for line in lines if line["line_item_id"] == LINE_2)
    response = client.patch(
        f"{URL}/{made['id']}",
        params={"view": "extended"},
        json=requisition_body(
            invoice_number="INV-9",
            custom_field_2=3,
            items=[
                {"id": line_2_id, "work_completed_this_period": "250.00"},
                item(
                    LINE_1,
                    work_completed_retainage_percent_this_period="7.5",
                    work_completed_this_period="100.00",
                ),
            ],
        ),
        headers=ADMIN,
    )
    assert response.status_code == 200, response.text
    body = response.json()
    assert body["invoice_number"] == "INV-9"
    assert set(body["custom_fields"]) == {"custom_field_1", "custom_field_2"}
    by_line = {i["line_item_id"]: i for i in body["items"]}
    assert by_line[LINE_2]["work_completed_this_period"] == "250.00"
    assert by_line[LINE_1]["work_completed_retainage_percent_this_period"] == "7.5"
    assert by_line[LINE_1]["work_completed_retainage_currently_retained"] == "7.50"


def test_update_with_an_unknown_item_id_is_422(client: TestClient) -> None:
    made = create(client)
    response = client.patch(
        f"{URL}/{made['id']}", json=requisition_body(items=[{"id": 999999}]), headers=ADMIN
    )
    assert response.status_code == 422


def test_standard_user_edit_rules(client: TestClient) -> None:
    first = create(client, status="approved")
    second = create(client)
    old = client.patch(
        f"{URL}/{first['id']}", json=requisition_body(invoice_number="x"), headers=STANDARD
    )
    assert old.status_code == 422  # not the latest
    approve = client.patch(
        f"{URL}/{second['id']}", json=requisition_body(status="approved"), headers=STANDARD
    )
    assert approve.status_code == 422
    submit = client.patch(
        f"{URL}/{second['id']}", json=requisition_body(status="under_review"), headers=STANDARD
    )
    assert submit.status_code == 200
    closed = client.patch(
        f"{URL}/{second['id']}", json=requisition_body(invoice_number="y"), headers=STANDARD
    )
    assert closed.status_code == 422  # under_review is not editable by a standard user
    admin = client.patch(
        f"{URL}/{first['id']}", json=requisition_body(invoice_number="z"), headers=ADMIN
    )
    assert admin.status_code == 200
    assert admin.json()["invoice_number"] == "z"


def test_update_on_another_commitment_is_400(client: TestClient) -> None:
    made = create(client)
    response = client.patch(
        f"{URL}/{made['id']}", json=requisition_body(commitment_id=STRICT_CONTRACT), headers=ADMIN
    )
    assert response.status_code == 400


def test_delete_rules(client: TestClient) -> None:
    first = create(client, status="approved")
    second = create(client)
    not_latest = client.delete(
        f"{URL}/{first['id']}", params={"project_id": PROJECT}, headers=ADMIN
    )
    assert not_latest.status_code == 422
    readonly = client.delete(
        f"{URL}/{second['id']}", params={"project_id": PROJECT}, headers=READONLY
    )
    assert readonly.status_code == 403
    deleted = client.delete(f"{URL}/{second['id']}", params={"project_id": PROJECT}, headers=ADMIN)
    assert deleted.status_code == 200
    gone = client.get(f"{URL}/{second['id']}", params={"project_id": PROJECT}, headers=ADMIN)
    assert gone.status_code == 404
    approved = client.delete(f"{URL}/{first['id']}", params={"project_id": PROJECT}, headers=ADMIN)
    assert approved.status_code == 422


# -- detail and change-order packages ---------------------------------------------------------


def test_detail_lists_every_g703_field(client: TestClient) -> None:
    made = create(
        client,
        items=[
            item(LINE_2, work_completed_this_period="1000.00", materials_presently_stored="500.00")
        ],
    )
    response = client.get(
        f"/rest/v1.0/requisitions/{made['id']}/detail",
        params={"project_id": PROJECT},
        headers=ADMIN,
    )
    assert response.status_code == 200
    line = next(i for i in response.json() if i["line_item_id"] == LINE_2)
    assert line["item_type"] == "contract_item"
    assert line["item_number"] == 2
    assert line["scheduled_unit_price"] == "100.0"
    assert line["scheduled_quantity"] == "500.0"
    assert line["work_completed_this_period_quantity"] == "10.0"  # 1,000 / 100 a unit
    assert line["total_completed_and_stored_to_date"] == "1500.00"
    assert line["total_completed_and_stored_to_date_percent"] == "3.0"
    assert line["materials_stored_retainage_currently_retained"] == "50.00"
    assert line["total_retainage_currently_retained"] == "150.00"
    assert line["materials_moved"] == "0.00"
    missing = client.get(
        "/rest/v1.0/requisitions/999/detail", params={"project_id": PROJECT}, headers=ADMIN
    )
    assert missing.status_code == 404


def _package(client: TestClient, method: str, requisition_id: int, package_id: int) -> Any:
    return client.request(
        method,
        f"/rest/v1.0/requisitions/{requisition_id}/"
        + ("add_change_order_package" if method == "POST" else "remove_change_order_package"),
        params={
            "project_id": PROJECT,
            "commitment_id": CONTRACT,
            "change_order_package_id": package_id,
        },
        headers=ADMIN,
    )


def test_add_and_remove_a_change_order_package(client: TestClient) -> None:
    made = create(client, period_id=P1)
    added = _package(client, "POST", made["id"], PACKAGE)
    assert added.status_code == 201, added.text
    first = added.json()[0]
    assert first["change_order_package_id"] == PACKAGE
    assert first["item_type"] == "change_order_item"
    assert first["scheduled_value"] == "20000.00"
    assert added.json()[1]["scheduled_value"] == "-5000.00"
    again = _package(client, "POST", made["id"], PACKAGE)
    assert again.status_code == 422
    removed = _package(client, "DELETE", made["id"], PACKAGE)
    assert removed.status_code == 200
    shown = client.get(f"{URL}/{made['id']}", params={"project_id": PROJECT}, headers=ADMIN).json()
    assert shown["summary"]["net_change_by_change_orders"] == "0.00"


def test_only_approved_packages_and_unbilled_removals(client: TestClient) -> None:
    made = create(client, period_id=P1)
    pending = _package(client, "POST", made["id"], PENDING_PACKAGE)
    assert pending.status_code == 422
    assert "change_order_package_id" in pending.json()["errors"]
    assert _package(client, "POST", made["id"], PACKAGE).status_code == 201
    client.patch(
        f"{URL}/{made['id']}",
        json=requisition_body(
            items=[item(CO_ADD, "change_order_item", work_completed_this_period="1.00")]
        ),
        headers=ADMIN,
    )
    billed = _package(client, "DELETE", made["id"], PACKAGE)
    assert billed.status_code == 422
    wrong_commitment = client.post(
        f"/rest/v1.0/requisitions/{made['id']}/add_change_order_package",
        params={
            "project_id": PROJECT,
            "commitment_id": STRICT_CONTRACT,
            "change_order_package_id": PACKAGE,
        },
        headers=ADMIN,
    )
    assert wrong_commitment.status_code == 404


# -- v2 payment details -------------------------------------------------------------------------


def test_payment_details_due_date(client: TestClient) -> None:
    made = create(client, period_id=P1)
    url = f"/rest/v2.0/companies/1/projects/{PROJECT}/requisitions/{made['id']}/payment_details"
    response = client.patch(url, json={"due_date": "2024-02-02"}, headers=ADMIN)
    assert response.status_code == 200
    assert response.json() == {"data": {"due_date": "2024-02-02"}}
    shown = client.get(f"{URL}/{made['id']}", params={"project_id": PROJECT}, headers=ADMIN).json()
    assert shown["due_date"] == "2024-02-02"


@pytest.mark.parametrize(
    ("path", "body", "status"),
    [
        (
            "/rest/v2.0/companies/1/projects/55/requisitions/{id}/payment_details",
            {"due_date": "soon"},
            400,
        ),
        ("/rest/v2.0/companies/1/projects/55/requisitions/abc/payment_details", {}, 400),
        ("/rest/v2.0/companies/1/projects/55/requisitions/999/payment_details", {}, 404),
        ("/rest/v2.0/companies/2/projects/55/requisitions/{id}/payment_details", {}, 403),
    ],
)
def test_payment_details_errors_use_the_v2_envelope(
    client: TestClient, path: str, body: dict[str, Any], status: int
) -> None:
    made = create(client)
    response = client.patch(path.format(id=made["id"]), json=body, headers=ADMIN)
    assert response.status_code == status
    error = response.json()["error"]
    assert error["code"] in ("BAD_REQUEST", "NOT_FOUND", "FORBIDDEN")
    assert error["message"]
    assert isinstance(error["details"], list)


# -- list: pagination and filters --------------------------------------------------------------


@pytest.fixture
def four(client: TestClient) -> list[dict[str, Any]]:
    return [
        create(client, period_id=P1, status="approved", origin_id="o-1"),
        create(client, period_id=P2, status="approved"),
        create(client, period_id=P3),
        create(client, commitment_id=STRICT_CONTRACT, period_id=P1, status="under_review"),
    ]


def test_pagination_headers(client: TestClient, four: list[dict[str, Any]]) -> None:
    response = client.get(
        URL, params={"project_id": PROJECT, "per_page": 3, "page": 1}, headers=ADMIN
    )
    assert response.headers["Total"] == "4"
    assert response.headers["Per-Page"] == "3"
    assert len(response.json()) == 3
    link = response.headers["Link"]
    assert 'rel="first"' in link
    assert 'rel="next"' in link
    assert 'rel="last"' in link
    assert 'rel="prev"' not in link
    assert "page=2" in link
    second = client.get(
        URL, params={"project_id": PROJECT, "per_page": 3, "page": 2}, headers=ADMIN
    )
    assert [r["id"] for r in second.json()] == [four[3]["id"]]
    assert 'rel="prev"' in second.headers["Link"]
    assert 'rel="next"' not in second.headers["Link"]
    bad = client.get(URL, params={"project_id": PROJECT, "per_page": 0}, headers=ADMIN)
    assert bad.status_code == 400
    assert "per_page" in bad.json()["errors"]


def test_filters(client: TestClient, four: list[dict[str, Any]]) -> None:
    a, b, c, d = (r["id"] for r in four)
    assert ids(client) == [a, b, c, d]
    assert ids(client, **{"filters[id][]": [a, c]}) == [a, c]
    assert ids(client, **{"filters[id]": f"{b},{d}"}) == [b, d]
    assert ids(client, **{"filters[commitment_id]": STRICT_CONTRACT}) == [d]
    assert ids(client, **{"filters[period_id]": P1}) == [a, d]
    assert ids(client, **{"filters[status]": "approved"}) == [a, b]
    assert ids(client, **{"filters[origin_id]": "o-1"}) == [a]
    assert ids(client, **{"filters[is_last]": "true"}) == [c, d]
    assert ids(client, **{"filters[is_last]": "false"}) == [a, b]
    assert ids(client, **{"filters[created_at]": "2000-01-01...2999-12-31"}) == [a, b, c, d]
    assert ids(client, **{"filters[created_at]": "2000-01-01...2000-12-31"}) == []
    assert ids(
        client, **{"filters[updated_at]": "2000-01-01T00:00:00Z...2999-01-01T00:00:00Z"}
    ) == [a, b, c, d]
    assert (
        ids(client, **{"filters[updated_at]": "2999-01-01T00:00:00Z...2999-01-02T00:00:00Z"}) == []
    )
    extended = listed(client, view="extended", **{"filters[id]": a})
    assert len(extended[0]["items"]) == 2


@pytest.mark.parametrize(
    ("name", "value"),
    [
        ("filters[vendor_id]", "1"),
        ("filters[id]", "abc"),
        ("filters[status]", "paid"),
        ("filters[created_at]", "2024-01-32"),
        ("filters[updated_at]", "2024-13-01...2024-12-01"),
        ("filters[is_last]", "maybe"),
        ("filters[period_id]", "-1"),
    ],
)
def test_bad_filters_are_400_naming_them(client: TestClient, name: str, value: str) -> None:
    response = client.get(URL, params={"project_id": PROJECT, name: value}, headers=ADMIN)
    assert response.status_code == 400
    assert list(response.json()["errors"]) == [name]


def test_list_shows_commitments_only(client: TestClient, runtime: Runtime) -> None:
    assert listed(client) == []
