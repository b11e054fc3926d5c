"""Regressions of what a client generated from Procore's published description rejected or
misread (one test per defect), on the demo ledger: company 1, project 789, commitment SC-001
(701973) whose latest requisition is number 5 (id 11, under review)."""

from __future__ import annotations

from datetime import UTC, datetime

from fastapi.testclient import TestClient

from drawbridge.bootstrap import Runtime

H = {"Authorization": "Bearer demo-admin-token-0001", "Procore-Company-Id": "1"}
OTHER = {"Authorization": "Bearer harbor-admin-token-0001", "Procore-Company-Id": "2"}
PROJECT, COMMITMENT, LATEST = 789, 701973, 11
REQS = "/rest/v1.1/requisitions"
PAYMENTS = "/rest/v1.0/contract_payments"


def _create(client: TestClient, **requisition: object) -> dict[str, object]:
    body = {"project_id": PROJECT, "commitment_id": COMMITMENT, "requisition": requisition}
    response = client.post(REQS, json=body, headers=H)
    assert response.status_code == 201, response.text
    return dict(response.json())


def test_1_payment_and_draw_numbers_are_integers(demo: Runtime, client: TestClient) -> None:
    query = f"?project_id={PROJECT}&contract_id={COMMITMENT}"
    listed = client.get(f"{PAYMENTS}{query}", headers=H).json()
    assert [p["payment_number"] for p in listed] == [1, 2, 3, 4]
    made = client.post(
        PAYMENTS,
        json={
            "project_id": PROJECT,
            "contract_id": COMMITMENT,
            "contract_payment": {
                "amount": "1.00",
                "payment_number": "12",
                "draw_request_number": 6,
            },
        },
        headers=H,
    ).json()
    assert (made["payment_number"], made["draw_request_number"]) == (12, 6)
    shown = client.get(f"{PAYMENTS}/{made['id']}?project_id={PROJECT}", headers=H).json()
    assert shown["payment_number"] == 12
    bad = client.post(
        PAYMENTS,
        json={
            "project_id": PROJECT,
            "contract_id": COMMITMENT,
            "contract_payment": {"amount": "1.00", "payment_number": "PN-7"},
        },
        headers=H,
    )
    assert bad.status_code == 400
    assert "contract_payment.payment_number" in bad.json()["errors"]


def test_2_adding_a_change_order_package_answers_201(demo: Runtime, client: TestClient) -> None:
    made = _create(client, requisition_start="2025-07-01", requisition_end="2025-07-31")
    query = f"?project_id={PROJECT}&commitment_id={COMMITMENT}&change_order_package_id=740001"
    url = f"/rest/v1.0/requisitions/{made['id']}"
    assert client.delete(f"{url}/remove_change_order_package{query}", headers=H).status_code == 200
    added = client.post(f"{url}/add_change_order_package{query}", headers=H)
    assert added.status_code == 201
    assert [item["scheduled_value"] for item in added.json()] == ["8900.00"]


def test_3_v1_0_requisition_routes_exist(demo: Runtime, client: TestClient) -> None:
    listed = client.get(f"/rest/v1.0/requisitions?project_id={PROJECT}", headers=H)
    assert listed.status_code == 200
    assert LATEST in [r["id"] for r in listed.json()]
    shown = client.get(f"/rest/v1.0/requisitions/{LATEST}?project_id={PROJECT}", headers=H)
    assert shown.status_code == 200
    assert "comment" in shown.json()
    assert shown.json()["action_policy"] == {
        "update": True,
        "destroy": True,
        "set_any_status": True,
    }
    patched = client.patch(
        f"/rest/v1.0/requisitions/{LATEST}",
        json={"project_id": PROJECT, "requisition": {"invoice_number": "EE-0006"}},
        headers=H,
    )
    assert patched.json()["invoice_number"] == "EE-0006"
    deleted = client.delete(f"/rest/v1.0/requisitions/{LATEST}?project_id={PROJECT}", headers=H)
    assert deleted.status_code == 200
    gone = client.get(f"/rest/v1.0/requisitions/{LATEST}?project_id={PROJECT}", headers=H)
    assert gone.status_code == 404


def test_4_a_single_date_filter_is_that_whole_day(demo: Runtime, client: TestClient) -> None:
    made = _create(client)
    today = datetime.now(UTC).date()
    for name in ("filters[created_at]", "filters[updated_at]"):
        same_day = client.get(REQS, params={"project_id": PROJECT, name: str(today)}, headers=H)
        assert same_day.status_code == 200
        assert made["id"] in [r["id"] for r in same_day.json()]
        other_day = client.get(REQS, params={"project_id": PROJECT, name: "2020-01-01"}, headers=H)
        assert other_day.json() == []


def test_5_item_packages_carry_procores_fields(demo: Runtime, client: TestClient) -> None:
    shown = client.get(f"{REQS}/{LATEST}?project_id={PROJECT}&view=extended", headers=H).json()
    contract, first_co = shown["item_packages"][0], shown["item_packages"][1]
    assert contract["id"] == COMMITMENT
    assert contract["contract_id"] == COMMITMENT
    assert contract["change_order_id"] is None
    assert (contract["number"], contract["position"]) == ("SC-001", 1)
    assert first_co["change_order_id"] == 12101
    assert first_co["contract_id"] == COMMITMENT
    assert (first_co["number"], first_co["status"]) == ("CO-001", "approved")
    assert first_co["change_order_acronym_number"] == "CCO #CO-001"
    assert first_co["position"] == 2


def test_6_items_summary_and_payments_carry_the_documented_fields(
    demo: Runtime, client: TestClient
) -> None:
    shown = client.get(f"{REQS}/{LATEST}?project_id={PROJECT}&view=extended", headers=H).json()
    item = shown["items"][0]
    assert item["line_number"] == "1"
    assert item["accounting_method"] == "amount"
    # gross = G(5) - G(4) of the line; net = gross less the growth of the retainage it holds.
    gross = float(item["total_completed_and_stored_to_date"]) - float(
        item["total_completed_and_stored_to_date_from_previous"]
    )
    assert float(item["gross_amount"]) == round(gross, 2)
    for name in (
        "net_amount",
        "materials_presently_stored_from_previous_progress",
        "materials_presently_stored_quantity",
        "materials_previously_stored_quantity",
    ):
        assert name in item
    summary = shown["summary"]
    for name in ("new_materials", "stored_materials", "tax_applicable_to_this_payment"):
        assert name in summary
    # Σ net amounts of the lines is line 8 (current payment due) of the application.
    net = sum(round(float(line["net_amount"]) * 100) for line in shown["items"])
    assert net == round(float(summary["current_payment_due"]) * 100)
    assert shown["created_by"]["company_name"] == "Granite Peak Builders"
    assert shown["currency_configuration"] == {
        "currency_iso_code": "USD",
        "base_currency_iso_code": "USD",
        "currency_exchange_rate": 1,
    }
    payment = client.get(f"{PAYMENTS}?project_id={PROJECT}", headers=H).json()[0]
    for name in (
        "status",
        "origin_code",
        "external_payment_id",
        "date_payment_initiated",
        "date_payment_settled",
    ):
        assert name in payment


def test_7_errors_fit_procores_documented_shapes(demo: Runtime, client: TestClient) -> None:
    v2 = client.patch(
        f"/rest/v2.0/companies/1/projects/{PROJECT}/requisitions/{LATEST}/payment_details",
        json={"due_date": "not a date"},
        headers=H,
    )
    assert v2.status_code == 400
    detail = v2.json()["error"]["details"][0]
    assert set(detail) == {"reason_code", "message", "source"}
    assert detail["source"] == "due_date"
    missing = client.get(f"{REQS}/999999?project_id={PROJECT}", headers=H)
    body = missing.json()
    assert (body["code"], body["reason"]) == (404, "not_found")
    assert body["message"] == body["error"] == body["errors"]


def test_8_deleting_a_contract_payment_answers_200(demo: Runtime, client: TestClient) -> None:
    payment = client.get(f"{PAYMENTS}?project_id={PROJECT}", headers=H).json()[-1]
    deleted = client.delete(f"{PAYMENTS}/{payment['id']}?project_id={PROJECT}", headers=H)
    assert deleted.status_code == 200


def test_9_a_decimal_custom_field_stays_a_number(demo: Runtime, client: TestClient) -> None:
    patched = client.patch(
        f"{REQS}/{LATEST}",
        json={"project_id": PROJECT, "requisition": {"custom_field_5001": 12.5}},
        headers=H,
    ).json()
    assert patched["custom_fields"]["custom_field_5001"] == {"data_type": "decimal", "value": 12.5}


def test_10_deleted_ids_are_never_reused(demo: Runtime, client: TestClient) -> None:
    first = _create(client)
    assert client.delete(f"{REQS}/{first['id']}?project_id={PROJECT}", headers=H).status_code == 200
    second = _create(client)
    assert second["id"] != first["id"]
    payment = {"project_id": PROJECT, "contract_id": COMMITMENT, "contract_payment": {"amount": 1}}
    paid = client.post(PAYMENTS, json=payment, headers=H).json()
    client.delete(f"{PAYMENTS}/{paid['id']}?project_id={PROJECT}", headers=H)
    assert client.post(PAYMENTS, json=payment, headers=H).json()["id"] != paid["id"]


def test_11_listing_a_project_that_is_not_the_callers_is_404(
    demo: Runtime, client: TestClient
) -> None:
    assert client.get(f"{REQS}?project_id=424242", headers=H).status_code == 404
    harbor = client.get("/rest/v1.0/projects?company_id=2", headers=OTHER).json()[0]["id"]
    assert client.get(f"{REQS}?project_id={harbor}", headers=H).status_code == 404


def test_17_formatted_period_is_us_month_day_year(demo: Runtime, client: TestClient) -> None:
    shown = client.get(f"{REQS}/{LATEST}?project_id={PROJECT}", headers=H).json()
    assert shown["requisition_start"] == "2025-06-01"
    assert shown["summary"]["formatted_period"] == "06/01/25 - 06/30/25"


def test_a_commitment_shows_its_lines_packages_payments_and_roll_up(
    demo: Runtime, client: TestClient
) -> None:
    shown = client.get(f"/rest/v1.0/commitments/{COMMITMENT}?project_id={PROJECT}", headers=H)
    assert shown.status_code == 200, shown.text
    body = shown.json()
    assert (body["id"], body["number"], body["type"]) == (COMMITMENT, "SC-001", "WorkOrderContract")
    assert body["grand_total"] == "394600.00"  # the schedule of values
    # 17,500.00 billed on requisition 5, and package 740001 approved since, not yet billed.
    assert body["approved_change_orders"] == "26400.00"
    assert body["revised_contract"] == "421000.00"
    payments = client.get(f"{PAYMENTS}?project_id={PROJECT}&contract_id={COMMITMENT}", headers=H)
    paid = sum(int(p["amount"].replace(".", "")) for p in payments.json())
    assert body["total_payments"] == f"{paid // 100}.{paid % 100:02d}"
    assert sorted(p["id"] for p in body["payments_issued"]) == sorted(
        p["id"] for p in payments.json()
    )
    remaining = 42100000 - paid
    assert body["remaining_balance_outstanding"] == f"{remaining // 100}.{remaining % 100:02d}"
    latest = client.get(f"{REQS}/{LATEST}?project_id={PROJECT}", headers=H).json()
    assert body["requisition_number"] == "5"
    assert body["total_draw_requests_amount"] == latest["summary"]["total_earned_less_retainage"]
    lines = client.get(
        f"/rest/v1.0/work_order_contracts/{COMMITMENT}/line_items?project_id={PROJECT}&per_page=100",
        headers=H,
    ).json()
    assert [line["id"] for line in body["line_items"]] == [line["id"] for line in lines]
    assert body["vendor"]["name"] == "Ernie's Electrical"
    # Another company's caller, or another project, sees nothing.
    assert (
        client.get(f"/rest/v1.0/commitments/{COMMITMENT}?project_id={PROJECT}", headers=OTHER)
    ).status_code in (403, 404)
    assert (
        client.get(f"/rest/v1.0/commitments/{COMMITMENT}?project_id=790", headers=H)
    ).status_code == 404
    missing = client.get(f"/rest/v1.0/commitments/{COMMITMENT}", headers=H)
    assert missing.status_code == 400
    assert "project_id" in str(missing.json()["errors"])
