"""Project contract lines, change orders and contract types through the Intacct face; auth,
OAuth tokens, idempotency keys, tenancy and errors."""

from __future__ import annotations

from typing import Any

import pytest
from fastapi.testclient import TestClient
from sqlalchemy import func, select, update

from drawbridge.bootstrap import Runtime
from drawbridge.services import auth as auth_service
from drawbridge.store.models import ApiToken, AuditEvent, Contract
from drawbridge.store.types import utcnow
from tests.api.intacct.conftest import (
    BASE,
    CHANGE_ORDERS,
    CONTRACT_TYPES,
    CONTRACTS,
    LINES,
    auth,
    error_of,
)
from tests.api.intacct.ledger import (
    ADMIN,
    BUILDING,
    CLIENT_ID,
    CLIENT_SECRET,
    OTHER,
    OTHER_PRIME,
    PRIME,
    READONLY,
    document,
)
from tests.support import load


@pytest.fixture
def ledger(runtime: Runtime, client: TestClient) -> TestClient:
    load(runtime, document())
    return client


def contract(client: TestClient, key: int = PRIME) -> dict[str, Any]:
    result: dict[str, Any] = client.get(f"{CONTRACTS}/{key}", headers=auth(ADMIN)).json()[
        "ia::result"
    ]
    return result


def count_contracts(runtime: Runtime) -> int:
    with runtime.engine.connect() as connection:
        return int(connection.scalar(select(func.count()).select_from(Contract)) or 0)


# -- lines --------------------------------------------------------------------------------------


def test_a_new_line_with_entries_changes_the_schedule_of_values(ledger: TestClient) -> None:
    body = {
        "projectContract": {"id": "PC-001"},
        "id": "3",
        "name": "Landscaping",
        "description": "Planting and irrigation",
        "contractLineDate": "2024-01-15",
        "retainagePercentage": "10",
        "isBillable": True,
        "billingSetup": {"maximumBilling": "specifiedAmount", "maximumBillingAmount": "9000"},
        "projectContractLineEntries": [
            {"workflowType": "original", "price": "8000.00", "priceEffectiveDate": "2024-01-15"},
            {"workflowType": "revision", "price": 500},
            {"workflowType": "other", "price": "90.50", "memo": "allowance"},
        ],
        "summary": {"totalPrice": "1.00"},  # read-only: ignored
    }
    created = ledger.post(LINES, headers=auth(ADMIN), json=body)
    assert created.status_code == 201, created.json()
    key = created.json()["ia::result"]["key"]

    line = ledger.get(f"{LINES}/{key}", headers=auth(ADMIN)).json()["ia::result"]
    assert line["projectContract"]["id"] == "PC-001"
    assert (line["name"], line["description"], line["retainagePercentage"]) == (
        "Landscaping",
        "Planting and irrigation",
        "10.00",
    )
    assert line["billingSetup"]["maximumBillingAmount"] == "9000.00"
    assert line["summary"]["totalPrice"] == "8500.00"  # 8,000 + 500; other is not billed
    assert line["summary"]["otherPrice"] == "90.50"
    # The contract's sum follows: 100,000 + 8,500 original and revision, + CO-1 5,000.
    summary = contract(ledger)["summary"]
    assert (summary["originalPrice"], summary["revisionPrice"], summary["totalPrice"]) == (
        "108000.00",
        "500.00",
        "113500.00",
    )

    # A partial update keeps what it does not name; an entry is changed by its key.
    original = next(
        e for e in line["projectContractLineEntries"] if e["workflowType"] == "original"
    )
    patched = ledger.patch(
        f"{LINES}/{key}",
        headers=auth(ADMIN),
        json={
            "billingSetup": {"summarizeBill": True},
            "projectContractLineEntries": [{"key": original["key"], "price": "7000.00"}],
        },
    )
    assert patched.status_code == 200, patched.json()
    line = ledger.get(f"{LINES}/{key}", headers=auth(ADMIN)).json()["ia::result"]
    assert line["billingSetup"]["maximumBillingAmount"] == "9000.00"
    assert line["billingSetup"]["summarizeBill"] is True
    assert line["summary"]["originalPrice"] == "7000.00"
    assert line["summary"]["totalPrice"] == "7500.00"

    assert ledger.delete(f"{LINES}/{key}", headers=auth(ADMIN)).status_code == 204
    assert contract(ledger)["summary"]["totalPrice"] == "105000.00"


@pytest.mark.parametrize(
    ("body", "target"),
    [
        ({"id": "3", "name": "x"}, "projectContract"),
        ({"projectContract": {"id": "NOPE"}, "id": "3", "name": "x"}, "projectContract"),
        ({"projectContract": {"id": "H-PC-1"}, "id": "3", "name": "x"}, "projectContract"),
        ({"projectContract": {"id": "PC-001"}, "id": "1", "name": "x"}, "id"),
        ({"projectContract": {"id": "PC-001"}, "id": "3"}, "name"),
        (
            {"projectContract": {"id": "PC-001"}, "id": "3", "name": "x",
             "projectContractLineEntries": [{"price": "1.005"}]},
            "projectContractLineEntries[0].price",
        ),
        (
            {"projectContract": {"id": "PC-001"}, "id": "3", "name": "x",
             "projectContractLineEntries": [{"price": 1.5}]},
            "projectContractLineEntries[0].price",
        ),
        (
            {"projectContract": {"id": "PC-001"}, "id": "3", "name": "x",
             "retainagePercentage": "101"},
            "retainagePercentage",
        ),
    ],
)  # fmt: skip
def test_a_bad_line_names_the_field_and_changes_nothing(
    ledger: TestClient, body: dict[str, Any], target: str
) -> None:
    response = ledger.post(LINES, headers=auth(ADMIN), json=body)
    assert response.status_code in (400, 409), response.json()
    assert error_of(response)["details"][0]["target"] == target
    assert contract(ledger)["summary"]["originalPrice"] == "100000.00"


# -- change orders ------------------------------------------------------------------------------


def test_change_orders_move_approved_and_pending_prices(ledger: TestClient) -> None:
    created = ledger.post(
        CHANGE_ORDERS,
        headers=auth(ADMIN),
        json={
            "id": "CO-3",
            "description": "Extra paving",
            "projectContract": {"key": str(PRIME)},
            "projectContractLine": {"id": "1"},
            "state": "posted",
            "changeRequestStatus": "pending",
            "totalPrice": "1200.00",
        },
    )
    assert created.status_code == 201, created.json()
    key = created.json()["ia::result"]["key"]
    read = ledger.get(f"{CHANGE_ORDERS}/{key}", headers=auth(ADMIN)).json()["ia::result"]
    assert (read["state"], read["changeRequestStatus"], read["totalPrice"]) == (
        "posted",
        "pending",
        "1200.00",
    )
    assert read["projectContractLine"]["id"] == "1"
    # Pending: 2,000 (CO-2) + 1,200.
    assert contract(ledger)["summary"]["pendingChangePrice"] == "3200.00"
    sitework = ledger.get(f"{LINES}/31", headers=auth(ADMIN)).json()["ia::result"]
    assert sitework["summary"]["pendingChangePrice"] == "1200.00"

    approved = ledger.patch(
        f"{CHANGE_ORDERS}/{key}",
        headers=auth(ADMIN),
        json={"changeRequestStatus": "approved", "changeOrderDate": "2024-03-05"},
    )
    assert approved.status_code == 200, approved.json()
    summary = contract(ledger)["summary"]
    assert summary["pendingChangePrice"] == "2000.00"
    assert summary["approvedChangePrice"] == "6200.00"  # 5,000 + 1,200
    assert summary["totalPrice"] == "106200.00"  # 100,000 + 6,200
    read = ledger.get(f"{CHANGE_ORDERS}/{key}", headers=auth(ADMIN)).json()["ia::result"]
    assert read["changeOrderDate"] == "2024-03-05"
    assert read["totalPrice"] == "1200.00"  # kept: not given in the update

    assert ledger.delete(f"{CHANGE_ORDERS}/{key}", headers=auth(ADMIN)).status_code == 204
    assert contract(ledger)["summary"]["approvedChangePrice"] == "5000.00"


# -- contract types -----------------------------------------------------------------------------


def test_the_company_extends_its_contract_types(ledger: TestClient) -> None:
    created = ledger.post(
        CONTRACT_TYPES, headers=auth(ADMIN), json={"id": "GOV", "name": "Government"}
    )
    assert created.status_code == 201, created.json()
    key = created.json()["ia::result"]["key"]
    listed = ledger.get(CONTRACT_TYPES, headers=auth(ADMIN)).json()["ia::result"]
    assert [ref["id"] for ref in listed] == ["COM", "GOV"]

    renamed = ledger.patch(f"{CONTRACT_TYPES}/{key}", headers=auth(ADMIN), json={"name": "Public"})
    assert renamed.status_code == 200
    assert (
        ledger.get(f"{CONTRACT_TYPES}/{key}", headers=auth(ADMIN)).json()["ia::result"]["name"]
        == "Public"
    )
    duplicate = ledger.post(CONTRACT_TYPES, headers=auth(ADMIN), json={"id": "GOV", "name": "x"})
    assert duplicate.status_code == 409
    assert error_of(duplicate)["details"][0]["target"] == "id"

    # A type a contract uses stays.
    com = next(ref for ref in listed if ref["id"] == "COM")
    in_use = ledger.delete(f"{CONTRACT_TYPES}/{com['key']}", headers=auth(ADMIN))
    assert in_use.status_code == 409
    assert ledger.delete(f"{CONTRACT_TYPES}/{key}", headers=auth(ADMIN)).status_code == 204


# -- contracts: references, rules, idempotency --------------------------------------------------


NEW_CONTRACT = {
    "id": "PC-002",
    "name": "Phase 2",
    "project": {"id": "P-1"},
    "customer": {"id": "OWNER"},
    "contractDate": "2024-04-01",
}


@pytest.mark.parametrize(
    ("change", "target"),
    [
        ({"project": {"id": "NOPE"}}, "project"),
        ({"customer": {"id": "ARCH"}}, "customer"),  # an architect is no customer
        ({"architect": {"id": "OWNER"}}, "architect"),
        ({"projectContractType": {"id": "XYZ"}}, "projectContractType"),
        ({"location": {"key": "999"}}, "location"),
        ({"attachment": {}}, "attachment"),
        ({"internalReference": {"approvedBy": {"id": "C1"}}}, "internalReference.approvedBy"),
        ({"externalReference": {"signedBy": {"id": "E1"}}}, "externalReference.signedBy"),
        ({"contractDate": "2024-02-30"}, "contractDate"),
        ({"contractDate": "April 1"}, "contractDate"),
        ({"name": None}, "name"),
        ({"id": "PC-001"}, "id"),
        ({"status": "paused"}, "status"),
        ({"schedule": {"actualStartDate": "2024-13-01"}}, "schedule.actualStartDate"),
    ],
)
def test_a_bad_contract_names_the_field_and_creates_nothing(
    ledger: TestClient, runtime: Runtime, change: dict[str, Any], target: str
) -> None:
    before = count_contracts(runtime)
    response = ledger.post(CONTRACTS, headers=auth(ADMIN), json=NEW_CONTRACT | change)
    assert response.status_code in (400, 409), response.json()
    assert error_of(response)["details"][0]["target"] == target
    assert count_contracts(runtime) == before


def test_references_by_key_resolve_like_references_by_id(ledger: TestClient) -> None:
    com = ledger.get(CONTRACT_TYPES, headers=auth(ADMIN)).json()["ia::result"][0]
    body = NEW_CONTRACT | {
        "project": {"key": "10"},
        "projectContractType": {"key": com["key"]},
        "internalReference": {"approvedBy": {"id": "E1"}, "approvedOnDate": "2024-04-02"},
        "externalReference": {"signedBy": {"id": "C1"}},
    }
    created = ledger.post(CONTRACTS, headers=auth(ADMIN), json=body)
    assert created.status_code == 201, created.json()
    read = contract(ledger, int(created.json()["ia::result"]["key"]))
    assert read["project"]["id"] == "P-1"
    assert read["projectContractType"]["id"] == "COM"
    assert read["internalReference"]["approvedBy"]["name"] == "Erin"
    assert read["externalReference"]["signedBy"]["name"] == "Cole"


def test_an_idempotency_key_creates_once(ledger: TestClient, runtime: Runtime) -> None:
    headers = auth(ADMIN) | {"Idempotency-Key": "erp-7f3a"}
    first = ledger.post(CONTRACTS, headers=headers, json=NEW_CONTRACT)
    again = ledger.post(CONTRACTS, headers=headers, json=NEW_CONTRACT)
    assert first.status_code == again.status_code == 201
    assert again.json() == first.json()
    assert count_contracts(runtime) == 3  # PC-001, H-PC-1 and this one

    other_body = ledger.post(CONTRACTS, headers=headers, json=NEW_CONTRACT | {"name": "Other"})
    assert other_body.status_code == 409
    assert error_of(other_body)["errorId"] == "IDEMPOTENCY_KEY_REUSED"
    assert count_contracts(runtime) == 3


def test_every_write_is_audited(ledger: TestClient, runtime: Runtime) -> None:
    key = ledger.post(CONTRACTS, headers=auth(ADMIN), json=NEW_CONTRACT).json()["ia::result"]["key"]
    ledger.patch(f"{CONTRACTS}/{key}", headers=auth(ADMIN), json={"terms": "Net 30"})
    ledger.delete(f"{CONTRACTS}/{key}", headers=auth(ADMIN))
    with runtime.engine.connect() as connection:
        actions = connection.execute(
            select(AuditEvent.action, AuditEvent.user_id)
            .where(AuditEvent.entity_type == "contract", AuditEvent.entity_id == int(key))
            .order_by(AuditEvent.id)
        ).all()
    assert [action for action, _ in actions] == ["create", "update", "delete"]
    assert all(user is not None for _, user in actions)


# -- auth and tenancy ---------------------------------------------------------------------------


def test_another_company_s_objects_are_not_found(ledger: TestClient) -> None:
    for path in (f"{CONTRACTS}/{PRIME}", f"{LINES}/{BUILDING}", f"{CHANGE_ORDERS}/51"):
        response = ledger.get(path, headers=auth(OTHER))
        assert response.status_code == 404, path
        assert error_of(response)["code"] == "notFound"
    assert ledger.patch(f"{CONTRACTS}/{PRIME}", headers=auth(OTHER), json={}).status_code == 404
    assert ledger.delete(f"{CONTRACTS}/{PRIME}", headers=auth(OTHER)).status_code == 404
    listed = ledger.get(CONTRACTS, headers=auth(OTHER)).json()
    assert listed["ia::result"] == [
        {
            "key": str(OTHER_PRIME),
            "id": "H-PC-1",
            "href": f"/objects/construction/project-contract/{OTHER_PRIME}",
        }
    ]
    assert ledger.get(CONTRACT_TYPES, headers=auth(OTHER)).json()["ia::result"] == []


def test_a_read_only_token_reads_and_may_not_write(ledger: TestClient) -> None:
    assert ledger.get(f"{CONTRACTS}/{PRIME}", headers=auth(READONLY)).status_code == 200
    response = ledger.patch(f"{CONTRACTS}/{PRIME}", headers=auth(READONLY), json={"terms": "x"})
    assert response.status_code == 403
    assert error_of(response)["code"] == "forbidden"


@pytest.mark.parametrize("header", [None, "Bearer nope-nope-nope-nope", "Basic abc"])
def test_a_missing_or_unknown_token_is_401_in_intacct_s_envelope(
    ledger: TestClient, header: str | None
) -> None:
    headers = {"Authorization": header} if header else {}
    response = ledger.get(CONTRACTS, headers=headers)
    assert response.status_code == 401
    assert error_of(response)["code"] == "unauthorized"


def test_the_entity_header_names_one_of_the_company_s_entities(ledger: TestClient) -> None:
    good = ledger.get(CONTRACTS, headers=auth(ADMIN) | {"X-IA-API-Param-Entity": "HQ"})
    assert good.status_code == 200
    bad = ledger.get(CONTRACTS, headers=auth(ADMIN) | {"X-IA-API-Param-Entity": "Mars"})
    assert bad.status_code == 400
    assert error_of(bad)["details"][0]["target"] == "X-IA-API-Param-Entity"


def test_client_credentials_then_refresh_then_expiry(ledger: TestClient, runtime: Runtime) -> None:
    issued = ledger.post(
        f"{BASE}/oauth2/token",
        data={
            "grant_type": "client_credentials",
            "client_id": CLIENT_ID,
            "client_secret": CLIENT_SECRET,
            "username": "pm@1|HQ",
        },
    )
    assert issued.status_code == 200, issued.json()
    token = issued.json()
    assert token["token_type"] == "Bearer"
    assert token["expires_in"] == 3600
    assert ledger.get(CONTRACTS, headers=auth(token["access_token"])).status_code == 200

    refreshed = ledger.post(
        f"{BASE}/oauth2/token",
        json={"grant_type": "refresh_token", "refresh_token": token["refresh_token"]},
    )
    assert refreshed.status_code == 200, refreshed.json()
    fresh = refreshed.json()["access_token"]
    assert ledger.get(CONTRACTS, headers=auth(fresh)).status_code == 200
    # The same token works on the other faces too.
    assert (
        ledger.get(
            "/rest/v1.1/requisitions?project_id=10",
            headers=auth(fresh) | {"Procore-Company-Id": "1"},
        ).status_code
        == 200
    )

    with runtime.engine.begin() as connection:
        connection.execute(
            update(ApiToken)
            .where(ApiToken.token_hash == auth_service.hash_token(fresh))
            .values(expires_at=utcnow())
        )
    expired = ledger.get(CONTRACTS, headers=auth(fresh))
    assert expired.status_code == 401
    assert error_of(expired)["errorId"] == "EXPIRED_TOKEN"


@pytest.mark.parametrize(
    ("data", "status", "target"),
    [
        (
            {
                "grant_type": "client_credentials",
                "client_id": CLIENT_ID,
                "client_secret": "wrong-secret",
            },
            401,
            None,
        ),
        ({"grant_type": "client_credentials", "client_id": CLIENT_ID}, 400, "client_secret"),
        ({"grant_type": "password"}, 400, "grant_type"),
        ({"grant_type": "refresh_token", "refresh_token": "nope"}, 401, None),
        ({}, 400, "grant_type"),
    ],
)
def test_a_bad_token_request_is_refused(
    ledger: TestClient, data: dict[str, str], status: int, target: str | None
) -> None:
    response = ledger.post(f"{BASE}/oauth2/token", data=data)
    assert response.status_code == status
    error = error_of(response)
    if target:
        assert error["details"][0]["target"] == target


def test_the_model_service_describes_each_object(ledger: TestClient) -> None:
    response = ledger.get(
        f"{BASE}/services/core/model",
        params={"name": "construction/project-contract"},
        headers=auth(ADMIN),
    )
    assert response.status_code == 200
    fields = response.json()["ia::result"]["fields"]
    assert fields["id"] == {"type": "string", "readOnly": False}
    assert fields["key"] == {"type": "string", "readOnly": True}
    assert fields["contractDate"] == {"type": "date", "readOnly": False}
    assert fields["summary.totalPrice"] == {"type": "decimal", "readOnly": True}
    assert fields["project.id"]["type"] == "string"
    unknown = ledger.get(
        f"{BASE}/services/core/model", params={"name": "nothing"}, headers=auth(ADMIN)
    )
    assert unknown.status_code == 400
    assert error_of(unknown)["details"][0]["target"] == "name"


@pytest.mark.parametrize("key", ["abc", "0", "-1", "99999999999999999999999", "1.5"])
def test_a_key_that_names_nothing_is_404(ledger: TestClient, key: str) -> None:
    for collection in (CONTRACTS, LINES, CHANGE_ORDERS, CONTRACT_TYPES):
        assert ledger.get(f"{collection}/{key}", headers=auth(ADMIN)).status_code == 404
