"""The conventions of ``/v1``: problem+json errors naming each bad field, Idempotency-Key,
ETag and If-Match, cursor pages with filters and sort, the company header, roles and scopes,
and one company never seeing another's records."""

from __future__ import annotations

from typing import Any

from fastapi.testclient import TestClient

from drawbridge.bootstrap import Runtime
from tests.api.native.conftest import (
    ADMIN,
    BOTH_TOKEN,
    OTHER,
    READONLY,
    STANDARD,
    headers,
)

PROBLEM = "application/problem+json"


def ok(response: Any, status: int = 200) -> Any:
    assert response.status_code == status, response.text
    return response.json() if response.content else None


def problem(response: Any, status: int, code: str | None = None) -> dict[str, Any]:
    assert response.status_code == status, response.text
    assert response.headers["content-type"].startswith(PROBLEM)
    body: dict[str, Any] = response.json()
    assert body["status"] == status
    assert {"type", "title", "detail", "instance", "errors"} <= set(body)
    if code is not None:
        assert body["code"] == code
        assert body["type"] == f"urn:drawbridge:problem:{code}"
    return body


def make_contract(client: TestClient, lines: int = 2) -> dict[str, Any]:
    vendor = ok(
        client.post(
            "/v1/parties", headers=ADMIN, json={"kind": "vendor", "code": "V1", "name": "Vendor"}
        ),
        201,
    )
    project = ok(client.post("/v1/projects", headers=ADMIN, json={"code": "P1", "name": "P"}), 201)
    contract = ok(
        client.post(
            "/v1/contracts",
            headers=ADMIN,
            json={
                "kind": "commitment",
                "project_id": project["id"],
                "number": "SC-1",
                "title": "Steel",
                "party_id": vendor["id"],
                "work_retainage_percent": "10",
            },
        ),
        201,
    )
    for index in range(lines):
        ok(
            client.post(
                f"/v1/contracts/{contract['id']}/sov-lines",
                headers=ADMIN,
                json={
                    "number": str(index + 1),
                    "description": f"Line {index + 1}",
                    "scheduled_value": 1000 + index,
                },
            ),
            201,
        )
    return dict(contract)


# -- problem+json -------------------------------------------------------------------------------


def test_bad_values_are_named_by_json_pointer(ledger: Runtime, client: TestClient) -> None:
    contract = make_contract(client)
    body = problem(
        client.post(
            f"/v1/contracts/{contract['id']}/pay-applications",
            headers=ADMIN,
            json={
                "lines": [
                    {"sov_line_id": 1},
                    {"sov_line_id": 2, "work_completed_this_period": "1.234"},
                ]
            },
        ),
        422,
        "invalid_request",
    )
    assert body["errors"][0]["pointer"] == "/lines/1/work_completed_this_period"
    assert body["instance"] == f"/v1/contracts/{contract['id']}/pay-applications"
    several = problem(
        client.post("/v1/projects", headers=ADMIN, json={"code": 5, "name": None, "colour": "red"}),
        422,
    )
    assert {entry["pointer"] for entry in several["errors"]} == {"/code", "/name", "/colour"}
    # A rule of the ledger names its field the same way.
    steps = problem(
        client.patch(
            f"/v1/contracts/{contract['id']}",
            headers=ADMIN,
            json={
                "retainage_steps": [
                    {"at_percent_complete": "50", "work_percent": "5", "materials_percent": "5"},
                    {"at_percent_complete": "40", "work_percent": "0", "materials_percent": "0"},
                ]
            },
        ),
        422,
    )
    assert steps["errors"][0]["pointer"] == "/retainage_steps/1/at_percent_complete"
    duplicate = problem(
        client.post("/v1/projects", headers=ADMIN, json={"code": "P1", "name": "Again"}), 409
    )
    assert duplicate["errors"] == [{"pointer": "/code", "detail": duplicate["detail"]}]
    problem(client.get("/v1/projects/999999", headers=ADMIN), 404, "not_found")
    problem(client.get("/v1/projects"), 401, "unauthorized")
    malformed = client.post(
        "/v1/projects", headers={**ADMIN, "Content-Type": "application/json"}, content=b"{bad"
    )
    problem(malformed, 400)


def test_money_is_two_place_strings_in_and_numbers_accepted(
    ledger: Runtime, client: TestClient
) -> None:
    contract = make_contract(client, lines=0)
    url = f"/v1/contracts/{contract['id']}/sov-lines"
    for given, shown in ((1250, "1250.00"), (99.5, "99.50"), ("0.1", "0.10"), ("1e3", "1000.00")):
        line = ok(
            client.post(
                url,
                headers=ADMIN,
                json={"number": str(given), "description": "x", "scheduled_value": given},
            ),
            201,
        )
        assert line["scheduled_value"] == shown
    for bad in ("12,50", "1.001", True, "NaN", "١٢"):
        problem(
            client.post(
                url, headers=ADMIN, json={"number": "B", "description": "x", "scheduled_value": bad}
            ),
            422,
        )


# -- Idempotency-Key ----------------------------------------------------------------------------


def test_the_same_key_and_body_answers_again_and_creates_nothing(
    ledger: Runtime, client: TestClient
) -> None:
    sent = {**ADMIN, "Idempotency-Key": "create-p9"}
    first = client.post("/v1/projects", headers=sent, json={"code": "P9", "name": "Nine"})
    again = client.post("/v1/projects", headers=sent, json={"name": "Nine", "code": "P9"})
    assert first.status_code == again.status_code == 201
    assert first.json() == again.json()
    assert again.headers["Idempotent-Replayed"] == "true"
    assert [p["code"] for p in ok(client.get("/v1/projects", headers=ADMIN))["data"]] == ["P9"]
    other = client.post("/v1/projects", headers=sent, json={"code": "P10", "name": "Ten"})
    body = problem(other, 422, "idempotency_key_reused")
    assert body["errors"][0]["header"] == "Idempotency-Key"
    # Another company may use the same key for its own request.
    ok(
        client.post(
            "/v1/projects",
            headers={**OTHER, "Idempotency-Key": "create-p9"},
            json={"code": "P9", "name": "Theirs"},
        ),
        201,
    )


# -- ETag and If-Match --------------------------------------------------------------------------


def test_if_match_refuses_a_change_to_a_record_changed_since_it_was_read(
    ledger: Runtime, client: TestClient
) -> None:
    created = client.post("/v1/projects", headers=ADMIN, json={"code": "P1", "name": "One"})
    url = f"/v1/projects/{created.json()['id']}"
    read = client.get(url, headers=ADMIN)
    tag = read.headers["ETag"]
    assert tag == created.headers["ETag"]
    assert client.get(url, headers={**ADMIN, "If-None-Match": tag}).status_code == 304
    changed = client.patch(url, headers={**ADMIN, "If-Match": tag}, json={"name": "Uno"})
    assert ok(changed)["name"] == "Uno"
    assert changed.headers["ETag"] != tag
    stale = client.patch(url, headers={**ADMIN, "If-Match": tag}, json={"name": "Eins"})
    body = problem(stale, 412, "stale")
    assert body["errors"][0]["header"] == "If-Match"
    assert ok(client.get(url, headers=ADMIN))["name"] == "Uno"
    problem(client.delete(url, headers={**ADMIN, "If-Match": tag}), 412)
    current = client.get(url, headers=ADMIN).headers["ETag"]
    assert client.delete(url, headers={**ADMIN, "If-Match": current}).status_code == 204
    # Without If-Match a change goes through (the header is optional).
    other = ok(client.post("/v1/projects", headers=ADMIN, json={"code": "P2", "name": "Two"}), 201)
    ok(client.patch(f"/v1/projects/{other['id']}", headers=ADMIN, json={"name": "Deux"}))


# -- pages, filters, sort -----------------------------------------------------------------------


def test_cursor_pages_walk_a_filtered_sorted_list(ledger: Runtime, client: TestClient) -> None:
    contract = make_contract(client, lines=23)
    url = f"/v1/contracts/{contract['id']}/sov-lines"
    seen: list[str] = []
    page = ok(client.get(url, headers=ADMIN, params={"limit": 5, "sort": "-scheduled_value"}))
    pages = 1
    while True:
        seen.extend(line["scheduled_value"] for line in page["data"])
        if page["next"] is None:
            break
        assert "cursor=" in page["next"]
        assert "sort=-scheduled_value" in page["next"]
        page = ok(client.get(page["next"], headers=ADMIN))
        pages += 1
    assert pages == 5
    assert seen == [f"{1000 + index}.00" for index in reversed(range(23))]
    filtered = ok(
        client.get(
            url,
            headers=ADMIN,
            params={"filter[scheduled_value][gt]": 101_500, "sort": "number"},
        )
    )
    assert [line["scheduled_value"] for line in filtered["data"]] == [
        f"{1000 + index}.00" for index in range(16, 23)
    ]
    body = problem(client.get(url, headers=ADMIN, params={"sort": "colour"}), 400)
    assert body["errors"][0]["parameter"] == "sort"
    problem(client.get(url, headers=ADMIN, params={"cursor": "not-a-cursor"}), 400)
    problem(client.get(url, headers=ADMIN, params={"filter[colour]": "red"}), 400)


# -- who may call, and in which company -----------------------------------------------------------


def test_the_company_header_and_isolation(ledger: Runtime, client: TestClient) -> None:
    contract = make_contract(client)
    # A user of two companies must say which.
    both = headers(BOTH_TOKEN)
    body = problem(client.get("/v1/projects", headers=both), 400, "company_required")
    assert body["errors"][0]["header"] == "Drawbridge-Company-Id"
    assert len(ok(client.get("/v1/projects", headers=headers(BOTH_TOKEN, 1)))["data"]) == 1
    assert ok(client.get("/v1/projects", headers=headers(BOTH_TOKEN, 2)))["data"] == []
    problem(client.get("/v1/projects", headers=headers(BOTH_TOKEN, 3)), 403)
    # The other company sees nothing of the first's.
    problem(client.get(f"/v1/contracts/{contract['id']}", headers=OTHER), 404)
    problem(
        client.patch(f"/v1/contracts/{contract['id']}", headers=OTHER, json={"title": "x"}), 404
    )
    problem(client.get(f"/v1/contracts/{contract['id']}/sov-lines", headers=OTHER), 404)
    assert ok(client.get("/v1/contracts", headers=OTHER))["data"] == []
    assert (
        ok(
            client.get(
                "/v1/audit-events", headers=OTHER, params={"filter[entity_type]": "contract"}
            )
        )["data"]
        == []
    )
    problem(client.get(f"/v1/contracts/{contract['id']}/history", headers=OTHER), 404)


def test_roles_and_scopes(ledger: Runtime, client: TestClient) -> None:
    contract = make_contract(client)
    created = ok(
        client.post(f"/v1/contracts/{contract['id']}/pay-applications", headers=STANDARD, json={}),
        201,
    )
    url = f"/v1/pay-applications/{created['id']}"
    # A standard user submits, but may not approve; an admin approves.
    ok(client.post(f"{url}/submit", headers=STANDARD))
    # (submitted, it is no longer a standard user's to change at all)
    problem(client.post(f"{url}/approve", headers=STANDARD), 422, "not_editable")
    ok(client.post(f"{url}/approve", headers=ADMIN))
    # Approved: a standard user may not edit it any more.
    problem(client.patch(url, headers=STANDARD, json={"note": "late note"}), 422, "not_editable")
    # A read-only token reads and writes nothing.
    ok(client.get(url, headers=READONLY))
    problem(client.post("/v1/projects", headers=READONLY, json={"code": "R", "name": "R"}), 403)
    # Company settings and users are an admin's.
    problem(client.patch("/v1/company", headers=STANDARD, json={"prevent_overbilling": True}), 403)
    assert ok(client.patch("/v1/company", headers=ADMIN, json={"prevent_overbilling": True}))[
        "prevent_overbilling"
    ]
    problem(client.get("/v1/users", headers=STANDARD), 403, "admin_only")
    assert {u["email"] for u in ok(client.get("/v1/users", headers=ADMIN))["data"]} >= {
        "ada@gp.test",
        "sam@gp.test",
    }


def test_the_schedule_of_values_locks_at_the_first_pay_application(
    ledger: Runtime, client: TestClient
) -> None:
    contract = make_contract(client)
    lines = ok(client.get(f"/v1/contracts/{contract['id']}/sov-lines", headers=ADMIN))["data"]
    ok(
        client.patch(
            f"/v1/sov-lines/{lines[0]['id']}", headers=ADMIN, json={"scheduled_value": "1500"}
        )
    )
    ok(client.post(f"/v1/contracts/{contract['id']}/pay-applications", headers=ADMIN, json={}), 201)
    locked = problem(
        client.patch(
            f"/v1/sov-lines/{lines[0]['id']}", headers=ADMIN, json={"scheduled_value": "2000"}
        ),
        422,
        "sov_locked",
    )
    assert "change orders" in locked["detail"]
    problem(
        client.post(
            f"/v1/contracts/{contract['id']}/sov-lines",
            headers=ADMIN,
            json={"number": "9", "description": "late", "scheduled_value": 5},
        ),
        422,
        "sov_locked",
    )
    problem(client.delete(f"/v1/sov-lines/{lines[1]['id']}", headers=ADMIN), 422, "sov_locked")
    # A description still changes; the billing terms no longer do.
    ok(
        client.patch(
            f"/v1/sov-lines/{lines[0]['id']}", headers=ADMIN, json={"description": "Renamed"}
        )
    )
    terms = problem(
        client.patch(
            f"/v1/contracts/{contract['id']}", headers=ADMIN, json={"work_retainage_percent": "5"}
        ),
        422,
        "terms_locked",
    )
    assert terms["errors"][0]["pointer"] == "/work_retainage_percent"


def test_change_orders_move_draft_pending_approved(ledger: Runtime, client: TestClient) -> None:
    contract = make_contract(client)
    created = ok(
        client.post(
            f"/v1/contracts/{contract['id']}/change-orders",
            headers=ADMIN,
            json={"number": "CO-1", "items": [{"description": "Extra", "amount": "250.00"}]},
        ),
        201,
    )
    url = f"/v1/change-orders/{created['id']}"
    ok(client.patch(url, headers=ADMIN, json={"status": "pending"}))
    assert ok(client.patch(url, headers=ADMIN, json={"status": "rejected"}))["status"] == "rejected"
    ok(client.patch(url, headers=ADMIN, json={"status": "void"}))
    problem(client.patch(url, headers=ADMIN, json={"status": "pending"}), 422, "status_transition")
    # An approved change order is only ever voided, never sent back.
    second = ok(
        client.post(
            f"/v1/contracts/{contract['id']}/change-orders",
            headers=ADMIN,
            json={"number": "CO-2", "status": "approved", "approved_date": "2025-01-05"},
        ),
        201,
    )
    back = client.patch(
        f"/v1/change-orders/{second['id']}", headers=ADMIN, json={"status": "pending"}
    )
    assert (
        "approved change order may move to void"
        in problem(back, 422, "status_transition")["detail"]
    )
    history = ok(client.get(f"/v1/change-orders/{created['id']}/history", headers=ADMIN))["data"]
    assert [event["action"] for event in history] == ["create", "update", "update", "update"]
    assert [event["after"]["status"] for event in history] == [
        "draft",
        "pending",
        "rejected",
        "void",
    ]


def test_attachments_upload_link_download(ledger: Runtime, client: TestClient) -> None:
    contract = make_contract(client)
    uploaded = ok(
        client.post(
            "/v1/attachments",
            headers=ADMIN,
            files={"file": ("lien-waiver.pdf", b"%PDF-1.4 waiver", "application/pdf")},
        ),
        201,
    )
    created = ok(
        client.post(
            f"/v1/contracts/{contract['id']}/pay-applications",
            headers=ADMIN,
            json={"attachment_ids": [uploaded["id"]]},
        ),
        201,
    )
    assert created["attachment_ids"] == [uploaded["id"]]
    assert (
        ok(client.get(f"/v1/attachments/{uploaded['id']}", headers=ADMIN))["pay_application_id"]
        == created["id"]
    )
    content = client.get(f"/v1/attachments/{uploaded['id']}/content", headers=ADMIN)
    assert content.content == b"%PDF-1.4 waiver"
    problem(client.get(f"/v1/attachments/{uploaded['id']}", headers=OTHER), 404)


def test_admins_manage_users_and_tokens(ledger: Runtime, client: TestClient) -> None:
    added = ok(
        client.post(
            "/v1/users",
            headers=ADMIN,
            json={"email": "new@gp.test", "name": "New", "role": "standard"},
        ),
        201,
    )
    issued = ok(
        client.post(
            "/v1/tokens", headers=ADMIN, json={"user_id": added["id"], "scopes": ["data:read"]}
        ),
        201,
    )
    theirs = headers(issued["token"])
    assert ok(client.get("/v1/company", headers=theirs))["id"] == 1
    problem(client.post("/v1/projects", headers=theirs, json={"code": "X", "name": "X"}), 403)
    listed = ok(client.get("/v1/tokens", headers=ADMIN, params={"filter[user_id]": added["id"]}))
    assert [token["id"] for token in listed["data"]] == [issued["id"]]
    assert "token" not in listed["data"][0]
    ok(client.delete(f"/v1/tokens/{issued['id']}", headers=ADMIN), 204)
    problem(client.get("/v1/company", headers=theirs), 401)
    # The company keeps an admin.
    users = {u["email"]: u["id"] for u in ok(client.get("/v1/users", headers=ADMIN))["data"]}
    demoted = client.patch(
        f"/v1/users/{users['both@gp.test']}", headers=ADMIN, json={"role": "standard"}
    )
    assert ok(demoted)["role"] == "standard"
    last = f"/v1/users/{users['ada@gp.test']}"
    problem(client.patch(last, headers=ADMIN, json={"role": "standard"}), 409, "last_admin")
    problem(client.delete(last, headers=ADMIN), 409, "last_admin")
    ok(client.delete(f"/v1/users/{added['id']}", headers=ADMIN), 204)
    assert "new@gp.test" not in {
        u["email"] for u in ok(client.get("/v1/users", headers=ADMIN))["data"]
    }


def test_the_openapi_document_declares_bearer_and_every_error(client: TestClient) -> None:
    spec = client.get("/v1/openapi.json").json()
    assert spec["components"]["securitySchemes"]["bearer"] == {
        "type": "http",
        "scheme": "bearer",
        "description": spec["components"]["securitySchemes"]["bearer"]["description"],
    }
    assert spec["security"] == [{"bearer": []}]
    assert "Problem" in spec["components"]["schemas"]
    operations = [
        operation
        for path in spec["paths"].values()
        for method, operation in path.items()
        if method in ("get", "post", "patch", "delete")
    ]
    assert len(operations) > 50
    for operation in operations:
        for status in ("400", "401", "403", "404", "409", "412", "422", "500"):
            content = operation["responses"][status]["content"]
            assert list(content) == ["application/problem+json"], operation["operationId"]
    docs = client.get("/v1/docs")
    assert docs.status_code == 200
    assert "/v1/docs/swagger-ui-bundle.js" in docs.text


def test_an_oauth_access_token_acts_in_its_clients_company(
    demo: Runtime, client: TestClient
) -> None:
    issued = client.post(
        "/oauth/token",
        data={
            "grant_type": "client_credentials",
            "client_id": "demo-client-0001",
            "client_secret": "demo-client-secret-0001",
        },
    ).json()
    oauth = {"Authorization": f"Bearer {issued['access_token']}"}
    assert ok(client.get("/v1/company", headers=oauth))["id"] == 1
    numbers = [c["number"] for c in ok(client.get("/v1/contracts", headers=oauth))["data"]]
    assert "SC-001" in numbers
    problem(client.get("/v1/company", headers={**oauth, "Drawbridge-Company-Id": "2"}), 403)


def test_an_admin_sets_a_users_password(ledger: Runtime, client: TestClient) -> None:
    users = {u["email"]: u["id"] for u in ok(client.get("/v1/users", headers=ADMIN))["data"]}
    url = f"/v1/users/{users['sam@gp.test']}/password"
    assert (
        client.put(url, headers=ADMIN, json={"password": "correct horse battery"}).status_code
        == 204
    )
    short = problem(client.put(url, headers=ADMIN, json={"password": "x"}), 422)
    assert short["errors"][0]["pointer"] == "/password"
    other = f"/v1/users/{users['ada@gp.test']}/password"
    assert (
        client.put(other, headers=STANDARD, json={"password": "correct horse battery"}).status_code
        == 403
    )
