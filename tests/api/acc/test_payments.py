"""The ACC Cost payments resource: reads, filters, sort, pagination, include, PATCH, errors."""

from __future__ import annotations

from typing import Any

import pytest
from fastapi.testclient import TestClient

from drawbridge.bootstrap import Runtime
from tests.api.acc.ledger import (
    BASE,
    COMMITMENT_UUID,
    OTHER_PROJECT_UUID,
    OTHER_TOKEN,
    PRIME_UUID,
    READONLY_TOKEN,
    STANDARD_TOKEN,
    auth,
    document,
)
from tests.support import load


@pytest.fixture
def acc(runtime: Runtime, client: TestClient) -> TestClient:
    load(runtime, document())
    return client


def payments(client: TestClient, query: str = "", token: str | None = None) -> Any:
    response = client.get(f"{BASE}/payments{query}", headers=auth(token) if token else auth())
    assert response.status_code == 200, response.text
    return response.json()


def by_number(client: TestClient, association: str, number: str) -> dict[str, Any]:
    results = payments(client, f"?filter[associationId]={association}")["results"]
    return next(item for item in results if item["number"] == number)


def assert_acc_error(response: Any, status: int) -> dict[str, Any]:
    assert response.status_code == status, response.text
    body = response.json()
    assert body["status"] == status
    assert set(body) == {"status", "code", "title", "detail", "errors"}
    assert body["errors"]
    assert set(body["errors"][0]) == {"code", "title", "detail", "field"}
    return body


def test_a_commitment_payment_shows_its_g702_figures(acc: TestClient) -> None:
    second = by_number(acc, COMMITMENT_UUID, "2")
    first = by_number(acc, COMMITMENT_UUID, "1")
    assert second["associationType"] == "Contract"
    assert second["previousPaymentId"] == first["id"]
    assert first["previousPaymentId"] is None
    assert second["mainContractId"] == PRIME_UUID
    figures = {
        key: second[key]
        for key in (
            "contractAmount",
            "originalAmount",
            "previousAmount",
            "amount",
            "materialsOnStore",
            "previousMaterialsOnStore",
            "netMaterialsOnStore",
            "completedWorkRetention",
            "materialsRetention",
            "previousRetention",
            "netRetention",
            "netAmount",
            "approvedChangeOrders",
            "previousApprovedChangeOrders",
            "materialsBilled",
            "previousMaterialsBilled",
            "claimedAmount",
            "previousClaimedAmount",
        )
    }
    assert figures == {
        "contractAmount": "15000.0000",
        "originalAmount": "15000.0000",
        "previousAmount": "2000.0000",
        "amount": "4000.0000",
        "materialsOnStore": "0.0000",
        "previousMaterialsOnStore": "1000.0000",
        "netMaterialsOnStore": "-1000.0000",
        "completedWorkRetention": "600.0000",
        "materialsRetention": "0.0000",
        "previousRetention": "300.0000",
        "netRetention": "300.0000",
        # line 8 = amount + netMaterialsOnStore - netRetention = 4000 - 1000 - 300
        "netAmount": "2700.0000",
        "approvedChangeOrders": "0.0000",
        "previousApprovedChangeOrders": "0.0000",
        "materialsBilled": "0.0000",
        "previousMaterialsBilled": "1000.0000",
        "claimedAmount": "4000.0000",
        "previousClaimedAmount": "2000.0000",
    }
    assert second["completedWorkGrossRetentionPercent"] == 0.1  # a number, as Autodesk types it
    assert second["exchangeRate"] == "1.0000"
    assert second["netAmountForeignCurrency"] == second["netAmount"]
    assert second["status"] == "draft"
    assert first["status"] == "paid"  # approved, and 2700.00 paid covers line 8
    assert second["startDate"] == "2024-02-01"
    assert second["dueDate"] == "2024-03-10"
    assert second["companyUid"]
    assert second["architectCompanyUid"]
    assert len(second["additionalCollaborators"]) == 2
    assert second["createdAt"].endswith("Z")


def test_a_prime_contract_payment_is_a_main_contract_payment(acc: TestClient) -> None:
    prime = by_number(acc, PRIME_UUID, "1")
    assert prime["associationType"] == "MainContract"
    assert prime["mainContractId"] == PRIME_UUID
    assert prime["status"] == "approved"  # approved, nothing paid yet
    assert prime["netAmount"] == "9500.0000"


def test_get_one_payment_matches_the_list(acc: TestClient) -> None:
    listed = by_number(acc, COMMITMENT_UUID, "2")
    response = acc.get(f"{BASE}/payments/{listed['id']}", headers=auth())
    assert response.status_code == 200
    assert response.json() == listed
    assert "paymentReferences" not in listed  # only with include


def test_include_adds_references_attributes_and_summary(acc: TestClient) -> None:
    first = by_number(acc, COMMITMENT_UUID, "1")
    response = acc.get(
        f"{BASE}/payments/{first['id']}",
        params={
            "include": "paymentReferences,attributes,summaryCalculatedFields,complianceExpiration"
        },
        headers={**auth(), "region": "US"},
    )
    body = response.json()
    assert response.status_code == 200
    [reference] = body["paymentReferences"]
    assert reference["amount"] == "2700.0000"
    assert reference["referenceNumber"] == "1001"
    assert body["properties"] == []
    assert body["summaryCalculatedFields"]["currentPaymentDue"] == "2700.0000"
    assert body["summaryCalculatedFields"]["amountUnpaid"] == "0.0000"
    assert body["complianceExpiration"] is None


def test_unknown_include_is_bad_input(acc: TestClient) -> None:
    response = acc.get(f"{BASE}/payments", params={"include": "everything"}, headers=auth())
    assert assert_acc_error(response, 400)["errors"][0]["field"] == "include"


@pytest.mark.parametrize(
    ("query", "expected"),
    [
        ("", ["1", "2", "1"]),
        ("?filter[associationType]=Contract", ["1", "2"]),
        ("?filter[associationType]=MainContract", ["1"]),
        ("?filter[associationType]=Contract,MainContract", ["1", "2", "1"]),
        (f"?filter[associationId]={COMMITMENT_UUID},{PRIME_UUID}", ["1", "2", "1"]),
        (f"?filter[associationId]={OTHER_PROJECT_UUID}", []),
        ("?filter[number]=2", ["2"]),
        ("?filter[number]=1,abc", ["1", "1"]),
        ("?filter[status]=draft", ["2"]),
        ("?filter[status]=paid", ["1"]),
        ("?filter[status]=approved", ["1"]),
        ("?filter[status]=approved,paid", ["1", "1"]),
        ("?filter[status]=submitted,revise", []),
        ("?filter[lastModifiedSince]=2000-01-01T00:00:00Z", ["1", "2", "1"]),
        ("?filter[lastModifiedSince]=2999-01-01T00:00:00Z", []),
        ("?filter[externalSystem]=Sage300", []),
        ("?filter[externalId]=X-1", []),
    ],
)
def test_filters(acc: TestClient, query: str, expected: list[str]) -> None:
    results = payments(acc, query)["results"]
    assert [item["number"] for item in results] == expected


def test_filter_by_id_and_external_fields(acc: TestClient) -> None:
    second = by_number(acc, COMMITMENT_UUID, "2")
    patched = acc.patch(
        f"{BASE}/payments/{second['id']}",
        json={"externalSystem": "Sage300", "externalId": "X-1"},
        headers=auth(),
    )
    assert patched.status_code == 200
    for query in (
        f"?filter[id]={second['id']}",
        "?filter[externalSystem]=Sage300",
        "?filter[externalId]=X-1",
    ):
        assert [item["id"] for item in payments(acc, query)["results"]] == [second["id"]]


@pytest.mark.parametrize(
    "query",
    [
        "?filter[status]=finished",
        "?filter[associationType]=Budget",
        "?filter[lastModifiedSince]=yesterday",
        "?filter[lastModifiedSince]=0001-01-01T00:00:00+14:00",
        "?sort=bogus",
        "?sort=number%20sideways",
        "?limit=0",
        "?limit=201",
        "?offset=-1",
        "?filter[externalId]=%00",
    ],
)
def test_bad_list_parameters_are_400(acc: TestClient, query: str) -> None:
    assert_acc_error(acc.get(f"{BASE}/payments{query}", headers=auth()), 400)


def test_sort(acc: TestClient) -> None:
    descending = payments(acc, "?sort=number desc,createdAt")["results"]
    assert [item["number"] for item in descending] == ["2", "1", "1"]
    ascending = payments(acc, "?sort=number")["results"]
    assert [item["number"] for item in ascending] == ["1", "1", "2"]


def test_pagination(acc: TestClient) -> None:
    page = payments(acc, "?limit=2&filter[associationType]=Contract,MainContract")
    assert page["pagination"]["totalResults"] == 3
    assert page["pagination"]["limit"] == 2
    assert page["pagination"]["offset"] == 0
    assert len(page["results"]) == 2
    next_url = page["pagination"]["nextUrl"]
    assert "offset=2" in next_url
    assert "filter%5BassociationType%5D" in next_url
    rest = acc.get(next_url, headers=auth()).json()
    assert len(rest["results"]) == 1
    assert rest["pagination"]["nextUrl"] is None
    seen = {item["id"] for item in page["results"] + rest["results"]}
    assert len(seen) == 3
    default = payments(acc)
    assert default["pagination"]["limit"] == 100
    assert default["pagination"]["nextUrl"] is None


def test_pagination_with_a_derived_status(acc: TestClient) -> None:
    page = payments(acc, "?filter[status]=paid&limit=1&offset=0")
    assert page["pagination"]["totalResults"] == 1
    assert payments(acc, "?filter[status]=paid&offset=1")["results"] == []


def test_payment_items(acc: TestClient) -> None:
    first = by_number(acc, COMMITMENT_UUID, "1")
    response = acc.get(
        f"{BASE}/payment-items", params={"filter[paymentId]": first["id"]}, headers=auth()
    )
    assert response.status_code == 200
    body = response.json()
    kinds = [(item["associationType"], item["number"]) for item in body["results"]]
    assert kinds == [("SOV", "1"), ("SOV", "2"), ("MaterialsOnSite", "2")]
    work, second_line, materials = body["results"]
    assert work["amount"] == "2000.0000"
    assert work["completedWorkRetained"] == "200.0000"
    assert work["completedWorkRetainedPercent"] == 0.1
    assert materials["materialsOnStore"] == "1000.0000"
    assert materials["materialsRetained"] == "100.0000"
    assert materials["parentId"] == second_line["id"]
    assert body["pagination"]["totalResults"] == 3
    paged = acc.get(
        f"{BASE}/payment-items",
        params={"filter[paymentId]": first["id"], "limit": 2, "offset": 2},
        headers=auth(),
    ).json()
    assert [item["associationType"] for item in paged["results"]] == ["MaterialsOnSite"]


def test_payment_items_need_a_payment_filter(acc: TestClient) -> None:
    assert_acc_error(acc.get(f"{BASE}/payment-items", headers=auth()), 400)
    assert_acc_error(
        acc.get(f"{BASE}/payment-items", params={"filter[paymentId]": ","}, headers=auth()), 400
    )


def test_payment_items_of_another_company_are_not_listed(acc: TestClient) -> None:
    other = acc.get(
        f"/cost/v1/containers/{OTHER_PROJECT_UUID}/payments", headers=auth(OTHER_TOKEN)
    ).json()["results"][0]
    response = acc.get(
        f"{BASE}/payment-items", params={"filter[paymentId]": other["id"]}, headers=auth()
    )
    assert response.json()["results"] == []


# -- PATCH -----------------------------------------------------------------------------------


def test_patch_updates_the_acc_fields(acc: TestClient) -> None:
    second = by_number(acc, COMMITMENT_UUID, "2")
    body = {
        "name": "February",
        "description": "Second draw",
        "note": "<p>ok</p>",
        "paidAt": "2024-03-01T10:00:00Z",
        "aggregateBy": "workCompleted",
        "externalId": "10010-99-AB",
        "externalSystem": "Sage300",
        "externalMessage": "Success.",
        "lastSyncTime": "2024-03-02T01:00:12.989+01:00",
    }
    response = acc.patch(f"{BASE}/payments/{second['id']}", json=body, headers=auth())
    assert response.status_code == 200, response.text
    updated = response.json()
    assert {key: updated[key] for key in body} == {
        **body,
        "paidAt": "2024-03-01T10:00:00.000Z",
        "lastSyncTime": "2024-03-02T00:00:12.989Z",
    }
    again = acc.get(f"{BASE}/payments/{second['id']}", headers=auth()).json()
    assert again["name"] == "February"
    cleared = acc.patch(f"{BASE}/payments/{second['id']}", json={"name": None}, headers=auth())
    assert cleared.json()["name"] is None
    assert cleared.json()["description"] == "Second draw"


def test_patch_with_nothing_returns_the_payment(acc: TestClient) -> None:
    second = by_number(acc, COMMITMENT_UUID, "2")
    response = acc.patch(f"{BASE}/payments/{second['id']}", json={}, headers=auth())
    assert response.status_code == 200
    assert response.json()["id"] == second["id"]


def test_patch_exchange_rate_accepts_exact_numbers_and_strings(acc: TestClient) -> None:
    second = by_number(acc, COMMITMENT_UUID, "2")
    url = f"{BASE}/payments/{second['id']}"
    as_number = acc.patch(url, content=b'{"exchangeRate": 1.0875}', headers=auth())
    assert as_number.json()["exchangeRate"] == "1.0875"
    as_string = acc.patch(url, json={"exchangeRate": "1.12345"}, headers=auth())
    assert as_string.json()["exchangeRate"] == "1.12345"


@pytest.mark.parametrize(
    ("body", "status"),
    [
        (b'{"exchangeRate": 0}', 422),
        (b'{"exchangeRate": "-1"}', 422),
        (b'{"exchangeRate": 1e400}', 400),  # beyond any double: refused as malformed
        (b'{"exchangeRate": NaN}', 400),
        (b'{"exchangeRate": "abc"}', 400),
        (b'{"status": "approved"}', 400),
        (b'{"integrationState": "frozen"}', 400),
        (b'{"name": "' + b"x" * 1025 + b'"}', 400),
        (b'{"externalId": "a\\u0000b"}', 400),
        (b'{"externalId": "\\ud800"}', 400),
        (b'{"paidAt": "0001-01-01T00:00:00+14:00"}', 422),
        (b"[1, 2]", 400),
        (b"{not json", 400),
    ],
)
def test_patch_rejects_bad_bodies(acc: TestClient, body: bytes, status: int) -> None:
    second = by_number(acc, COMMITMENT_UUID, "2")
    response = acc.patch(f"{BASE}/payments/{second['id']}", content=body, headers=auth())
    assert_acc_error(response, status)


def test_lock_refuses_every_other_change_until_unlocked(acc: TestClient) -> None:
    second = by_number(acc, COMMITMENT_UUID, "2")
    url = f"{BASE}/payments/{second['id']}"
    locked = acc.patch(url, json={"integrationState": "locked"}, headers=auth())
    assert locked.status_code == 200
    assert locked.json()["integrationState"] == "locked"
    assert locked.json()["integrationStateChangedBy"] is not None
    assert locked.json()["integrationStateChangedAt"] is not None
    for change in (
        {"name": "x"},
        {"externalMessage": "sync"},
        {"integrationState": None, "note": "both at once"},
    ):
        body = assert_acc_error(acc.patch(url, json=change, headers=auth()), 409)
        assert body["errors"][0]["code"] == "LOCKED"
    assert acc.get(url, headers=auth()).json()["name"] is None  # nothing changed
    unlocked = acc.patch(url, json={"integrationState": None}, headers=auth())
    assert unlocked.status_code == 200
    assert unlocked.json()["integrationState"] is None
    assert acc.patch(url, json={"name": "now"}, headers=auth()).status_code == 200


def test_a_standard_member_follows_the_ledgers_edit_rules(acc: TestClient) -> None:
    # Procore's rules on every face: only the latest application, in draft or revise.
    first = by_number(acc, COMMITMENT_UUID, "1")
    not_latest = acc.patch(
        f"{BASE}/payments/{first['id']}", json={"name": "x"}, headers=auth(STANDARD_TOKEN)
    )
    assert assert_acc_error(not_latest, 422)["errors"][0]["code"] == "NOT_LATEST"
    approved = by_number(acc, PRIME_UUID, "1")
    response = acc.patch(
        f"{BASE}/payments/{approved['id']}", json={"name": "x"}, headers=auth(STANDARD_TOKEN)
    )
    assert response.status_code in (403, 422)
    assert_acc_error(response, response.status_code)
    draft = by_number(acc, COMMITMENT_UUID, "2")
    allowed = acc.patch(
        f"{BASE}/payments/{draft['id']}", json={"name": "x"}, headers=auth(STANDARD_TOKEN)
    )
    assert allowed.status_code == 200


def test_integration_fields_follow_the_ledgers_role_rules(acc: TestClient) -> None:
    """docs/acc.md "Who may set integration fields": admins lock and unlock; on an approved or
    paid application only admins set any integration field; elsewhere standard members may."""
    paid = by_number(acc, COMMITMENT_UUID, "1")  # approved and paid in full
    draft = by_number(acc, COMMITMENT_UUID, "2")
    standard = auth(STANDARD_TOKEN)

    for target in (paid, draft):
        url = f"{BASE}/payments/{target['id']}"
        body = assert_acc_error(
            acc.patch(url, json={"integrationState": "locked"}, headers=standard), 403
        )
        assert body["errors"][0]["code"] == "INTEGRATION_ADMIN_ONLY"
        assert body["errors"][0]["field"] == "integration_state"
        assert acc.get(url, headers=auth()).json()["integrationState"] is None

    paid_url = f"{BASE}/payments/{paid['id']}"
    sync = {"externalId": "10010-99-AB", "externalSystem": "Sage300", "externalMessage": "x"}
    assert_acc_error(acc.patch(paid_url, json=sync, headers=standard), 403)
    assert acc.get(paid_url, headers=auth()).json()["externalId"] is None
    assert acc.patch(paid_url, json=sync, headers=auth()).json()["externalId"] == "10010-99-AB"

    # An admin's lock stays until an admin lifts it.
    draft_url = f"{BASE}/payments/{draft['id']}"
    assert (
        acc.patch(draft_url, json={"integrationState": "locked"}, headers=auth()).status_code == 200
    )
    assert_acc_error(acc.patch(draft_url, json={"integrationState": None}, headers=standard), 403)
    assert acc.get(draft_url, headers=auth()).json()["integrationState"] == "locked"
    assert acc.patch(draft_url, json={"integrationState": None}, headers=auth()).status_code == 200
    # On an open, unpaid application a standard member may record a sync.
    synced = acc.patch(draft_url, json={"externalId": "X-2"}, headers=standard)
    assert synced.status_code == 200, synced.text
    assert synced.json()["externalId"] == "X-2"


# -- auth and tenancy ------------------------------------------------------------------------


def test_no_token_or_an_unknown_token_is_401(acc: TestClient) -> None:
    assert_acc_error(acc.get(f"{BASE}/payments"), 401)
    assert_acc_error(acc.get(f"{BASE}/payments", headers=auth("not-a-real-token-000")), 401)
    assert_acc_error(acc.get(f"{BASE}/payments", headers={"Authorization": "Basic abc"}), 401)
    assert_acc_error(acc.patch(f"{BASE}/payments/x", json={}), 401)


def test_a_read_only_token_reads_but_may_not_write(acc: TestClient) -> None:
    second = by_number(acc, COMMITMENT_UUID, "2")
    assert payments(acc, token=READONLY_TOKEN)["pagination"]["totalResults"] == 3
    response = acc.patch(
        f"{BASE}/payments/{second['id']}", json={"name": "x"}, headers=auth(READONLY_TOKEN)
    )
    assert_acc_error(response, 403)


def test_another_company_sees_404(acc: TestClient) -> None:
    second = by_number(acc, COMMITMENT_UUID, "2")
    assert_acc_error(acc.get(f"{BASE}/payments", headers=auth(OTHER_TOKEN)), 404)
    assert_acc_error(acc.get(f"{BASE}/payments/{second['id']}", headers=auth(OTHER_TOKEN)), 404)
    other_base = f"/cost/v1/containers/{OTHER_PROJECT_UUID}"
    assert_acc_error(
        acc.get(f"{other_base}/payments/{second['id']}", headers=auth(OTHER_TOKEN)), 404
    )
    assert_acc_error(acc.get(f"{other_base}/payments", headers=auth()), 404)
    response = acc.patch(
        f"{BASE}/payments/{second['id']}", json={"name": "x"}, headers=auth(OTHER_TOKEN)
    )
    assert_acc_error(response, 404)


def test_unknown_payment_and_bad_container_id(acc: TestClient) -> None:
    # One rule for ids: one that is not a UUID is malformed (400), like a bad containerId; a
    # well-formed one that names nothing of the caller's is 404.
    assert_acc_error(acc.get(f"{BASE}/payments/does-not-exist", headers=auth()), 400)
    missing = "00000000-0000-4000-8000-000000000000"
    assert_acc_error(acc.get(f"{BASE}/payments/{missing}", headers=auth()), 404)
    assert_acc_error(acc.get("/cost/v1/containers/not-a-uuid/payments", headers=auth()), 400)
    assert_acc_error(acc.get("/cost/v1/nothing-here", headers=auth()), 404)


def test_a_user_without_a_company_is_403(runtime: Runtime, client: TestClient) -> None:
    from drawbridge.services import auth as auth_service

    load(runtime, document(with_history=False))
    with runtime.uow() as uow:
        user = auth_service.ensure_user(uow, "lonely@nowhere.test")
        auth_service.add_token(uow, user, "lonely-token-000001", ["data:read"])
        uow.commit()
    assert_acc_error(client.get(f"{BASE}/payments", headers=auth("lonely-token-000001")), 403)
