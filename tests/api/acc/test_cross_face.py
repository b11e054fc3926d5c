"""The ACC face reads the same ledger every other face writes, and a foreign-currency contract.

The history here is written through the shared use cases (services.pay_apps.create_pay_app /
update_pay_app, services.payments.record_payment), the calls every face makes;
test_through_procore.py drives the same kind of history over HTTP through the Procore face.
"""

from __future__ import annotations

from datetime import date
from typing import Any

import pytest
from fastapi.testclient import TestClient

from drawbridge.bootstrap import Runtime
from drawbridge.domain.billing import LineKind, LineRef
from drawbridge.domain.errors import Conflict
from drawbridge.domain.money import format_cents
from drawbridge.domain.rules import PayAppStatus
from drawbridge.services import pay_apps, payments
from drawbridge.services.pay_apps import CreatePayApp, LineInput, UpdatePayApp
from drawbridge.services.payments import RecordPayment
from tests.api.acc.ledger import BASE, COMMITMENT_UUID, auth, document
from tests.support import admin_actor, load

COMMITMENT_ID = 10


def acc_payment(client: TestClient, uuid: str) -> dict[str, Any]:
    response = client.get(f"{BASE}/payments/{uuid}", headers=auth())
    assert response.status_code == 200, response.text
    body: dict[str, Any] = response.json()
    return body


def money(cents: int) -> str:
    return format_cents(cents, 4)


def test_history_written_through_the_services_reads_consistently(
    runtime: Runtime, client: TestClient
) -> None:
    load(runtime, document(with_history=False))
    actor = admin_actor(company_id=1)
    first = pay_apps.create_pay_app(
        runtime.uow(),
        actor,
        CreatePayApp(
            contract_id=COMMITMENT_ID,
            header={"period_id": 1},
            lines=[
                LineInput(LineRef(LineKind.SOV, 1), work_completed_this_period=250_000),
                LineInput(LineRef(LineKind.SOV, 2), materials_presently_stored=80_000),
            ],
        ),
    )
    first = pay_apps.update_pay_app(
        runtime.uow(), actor, UpdatePayApp(pay_app_id=first.id, status=PayAppStatus.APPROVED)
    )
    second = pay_apps.create_pay_app(
        runtime.uow(),
        actor,
        CreatePayApp(
            contract_id=COMMITMENT_ID,
            header={"period_id": 2},
            lines=[
                LineInput(LineRef(LineKind.SOV, 1), work_completed_this_period=100_000),
                LineInput(
                    LineRef(LineKind.SOV, 2),
                    work_completed_this_period=50_000,
                    materials_presently_stored=30_000,
                ),
            ],
        ),
    )
    second = pay_apps.update_pay_app(
        runtime.uow(), actor, UpdatePayApp(pay_app_id=second.id, status=PayAppStatus.APPROVED)
    )

    acc_first = acc_payment(client, first.uuid)
    acc_second = acc_payment(client, second.uuid)
    assert acc_first["status"] == "approved"  # nothing paid yet
    # G702 line 8 = netAmount; line 5 of the previous application = previousRetention.
    assert acc_first["netAmount"] == money(first.summary.current_payment_due)
    assert acc_second["netAmount"] == money(second.summary.current_payment_due)
    assert acc_second["previousRetention"] == money(first.summary.total_retainage)
    assert acc_second["previousPaymentId"] == first.uuid
    assert acc_second["previousAmount"] == money(
        second.summary.work_completed_from_previous_application
    )
    assert acc_second["previousMaterialsOnStore"] == money(first.summary.materials_presently_stored)
    # In manual mode line 8 = amount + netMaterialsOnStore - netRetention (docs/billing.md).
    amount = second.summary.work_completed_this_period
    net_materials = (
        second.summary.materials_presently_stored - first.summary.materials_presently_stored
    )
    net_retention = second.summary.total_retainage - first.summary.total_retainage
    assert acc_second["netRetention"] == money(net_retention)
    assert acc_second["netMaterialsOnStore"] == money(net_materials)
    assert second.summary.current_payment_due == amount + net_materials - net_retention
    assert acc_second["completedWorkRetention"] == money(
        second.summary.completed_work_retainage_amount
    )
    assert acc_second["materialsRetention"] == money(
        second.summary.stored_materials_retainage_amount
    )

    # A payment that covers line 8 makes the application "paid" on ACC.
    partial = payments.record_payment(
        runtime.uow(),
        actor,
        RecordPayment(
            contract_id=COMMITMENT_ID,
            values={
                "pay_app_id": first.id,
                "amount_cents": 100_000,
                "payment_date": date(2024, 2, 20),
                "payment_method": "check",
            },
        ),
    )
    assert acc_payment(client, first.uuid)["status"] == "approved"
    payments.record_payment(
        runtime.uow(),
        actor,
        RecordPayment(
            contract_id=COMMITMENT_ID,
            values={
                "pay_app_id": first.id,
                "amount_cents": first.summary.current_payment_due - partial.amount,
                "payment_date": date(2024, 2, 25),
                "payment_method": "electronic",
            },
        ),
    )
    assert acc_payment(client, first.uuid)["status"] == "paid"
    assert acc_payment(client, second.uuid)["status"] == "approved"
    paid = client.get(f"{BASE}/payments", params={"filter[status]": "paid"}, headers=auth())
    assert [item["id"] for item in paid.json()["results"]] == [first.uuid]


def test_a_lock_set_on_acc_holds_against_the_shared_services(
    runtime: Runtime, client: TestClient
) -> None:
    load(runtime, document())
    listed = client.get(
        f"{BASE}/payments", params={"filter[associationId]": COMMITMENT_UUID}, headers=auth()
    ).json()["results"]
    first, second = sorted(listed, key=lambda item: item["number"])
    url = f"{BASE}/payments/{second['id']}"
    assert client.patch(url, json={"integrationState": "locked"}, headers=auth()).status_code == 200
    actor = admin_actor(company_id=1)
    second_id = pay_apps.find_pay_app(runtime.uow(), actor, COMMITMENT_ID, 2).id
    first_id = pay_apps.find_pay_app(runtime.uow(), actor, COMMITMENT_ID, 1).id
    # What another face's edit calls: a line change, a status change, a delete ...
    with pytest.raises(Conflict):
        pay_apps.update_pay_app(
            runtime.uow(),
            actor,
            UpdatePayApp(
                pay_app_id=second_id,
                lines=[LineInput(LineRef(LineKind.SOV, 1), work_completed_this_period=1)],
            ),
        )
    with pytest.raises(Conflict):
        pay_apps.update_pay_app(
            runtime.uow(),
            actor,
            UpdatePayApp(pay_app_id=second_id, status=PayAppStatus.UNDER_REVIEW),
        )
    with pytest.raises(Conflict):
        pay_apps.delete_pay_app(runtime.uow(), actor, second_id, None)
    # ... and an edit of an earlier application that would change the locked one's figures.
    with pytest.raises(Conflict):
        pay_apps.update_pay_app(
            runtime.uow(),
            actor,
            UpdatePayApp(
                pay_app_id=first_id,
                lines=[LineInput(LineRef(LineKind.SOV, 1), work_completed_this_period=1)],
            ),
        )
    after = client.get(url, headers=auth()).json()
    assert after == {
        **second,
        **{
            key: after[key]
            for key in (
                "integrationState",
                "integrationStateChangedAt",
                "integrationStateChangedBy",
                "updatedAt",
                "calculatedAt",
            )
        },
    }
    assert client.get(f"{BASE}/payments/{first['id']}", headers=auth()).json() == first
    # Unlocked through ACC, the same edit goes through.
    assert client.patch(url, json={"integrationState": None}, headers=auth()).status_code == 200
    pay_apps.update_pay_app(
        runtime.uow(), actor, UpdatePayApp(pay_app_id=second_id, status=PayAppStatus.UNDER_REVIEW)
    )
    assert client.get(url, headers=auth()).json()["status"] == "submitted"


def eur_document() -> dict[str, Any]:
    ledger = document(with_history=False)
    project = ledger["companies"][0]["projects"][0]
    project["contracts"] = [
        {
            "id": 40,
            "uuid": "e0000000-0000-4000-8000-000000000001",
            "kind": "commitment",
            "number": "EU-001",
            "title": "Facade (EUR)",
            "party": "VOLT",
            "currency": "EUR",
            "exchange_rate": "1.0875",
            "retainage": {"method": "cumulative", "work_percent": "10"},
            "line_items": [
                {"id": 41, "number": "1", "description": "Panels", "scheduled_value": "10000.00"},
                {"id": 42, "number": "2", "description": "Glass", "scheduled_value": "3333.33"},
            ],
            "pay_apps": [
                {
                    "number": 1,
                    "status": "approved",
                    "lines": [
                        {"line_item": 41, "work_completed_this_period": "1234.57"},
                        {"line_item": 42, "materials_presently_stored": "111.11"},
                    ],
                },
                {
                    "number": 2,
                    "status": "draft",
                    "lines": [{"line_item": 41, "work_completed_this_period": "1000.01"}],
                },
            ],
        }
    ]
    return ledger


def test_a_eur_contract_shows_base_and_foreign_figures(
    runtime: Runtime, client: TestClient
) -> None:
    load(runtime, eur_document())
    results = client.get(f"{BASE}/payments", headers=auth()).json()["results"]
    first, second = sorted(results, key=lambda item: item["number"])
    assert first["exchangeRate"] == "1.0875"
    # Contract currency (EUR) figures, and base (USD) = EUR × 1.0875 rounded half-up per field.
    expected_first = {
        # 13333.33 EUR × 1.0875 = 14499.996375 -> 14500.00
        "contractAmount": ("14500.0000", "13333.3300"),
        "originalAmount": ("14500.0000", "13333.3300"),
        # 1234.57 × 1.0875 = 1342.594875 -> 1342.59 (amount has no currency twin in ACC's schema)
        "amount": ("1342.5900", None),
        # retention 10 %: 123.46 (work) and 11.11 (materials)
        # 123.46 × 1.0875 = 134.26275 -> 134.26 ; 11.11 × 1.0875 = 12.082125 -> 12.08
        "completedWorkRetention": ("134.2600", "123.4600"),
        "materialsRetention": ("12.0800", "11.1100"),
        "previousRetention": ("0.0000", "0.0000"),
        # line 8 = 1234.57 + 111.11 - 134.57 = 1211.11 ; × 1.0875 = 1317.082125 -> 1317.08
        "netAmount": ("1317.0800", "1211.1100"),
        "previousAmount": ("0.0000", "0.0000"),
    }
    for field, (base, foreign) in expected_first.items():
        assert first[field] == base, field
        if foreign is not None:
            assert first[f"{field}ForeignCurrency"] == foreign, field
    # The second application: previous figures are the first's, in both currencies.
    assert second["previousRetention"] == "146.3400"  # 134.57 × 1.0875 = 146.344875
    assert second["previousRetentionForeignCurrency"] == "134.5700"
    assert second["previousAmount"] == "1342.5900"
    assert second["previousAmountForeignCurrency"] == "1234.5700"
    assert second["previousMaterialsBilled"] == "120.8300"  # 111.11 × 1.0875 = 120.832125
    assert second["previousMaterialsBilledForeignCurrency"] == "111.1100"
    # line 8 of #2: E 1000.01, retention 10 % of 2234.58 = 223.46 (+11.11 materials held)
    # - 134.57 previous = 100.00 net; 1000.01 - 100.00 = 900.01 ; × 1.0875 = 978.760875
    assert second["netAmountForeignCurrency"] == "900.0100"
    assert second["netAmount"] == "978.7600"
    items = client.get(
        f"{BASE}/payment-items", params={"filter[paymentId]": first["id"]}, headers=auth()
    ).json()["results"]
    assert items[0]["amount"] == "1342.5900"
    # ACC documents no amountForeignCurrency on items; the net amount carries the twin.
    assert items[0]["netAmountForeignCurrency"] != items[0]["netAmount"]
    # The rate of an application may be changed on ACC; the figures follow it.
    patched = client.patch(
        f"{BASE}/payments/{second['id']}", json={"exchangeRate": "1.1"}, headers=auth()
    ).json()
    assert patched["exchangeRate"] == "1.1000"
    assert patched["previousExchangeRate"] == "1.0875"
    assert patched["netAmount"] == "990.0100"  # 900.01 × 1.1 = 990.011


def test_each_item_names_the_rate_of_the_previous_application(
    runtime: Runtime, client: TestClient
) -> None:
    load(runtime, eur_document())
    results = client.get(f"{BASE}/payments", headers=auth()).json()["results"]
    first, second = sorted(results, key=lambda item: item["number"])
    # The first application is re-rated; the second keeps the contract's rate.
    client.patch(f"{BASE}/payments/{first['id']}", json={"exchangeRate": "1.2"}, headers=auth())

    def items_of(payment: dict[str, Any]) -> list[dict[str, Any]]:
        return list(
            client.get(
                f"{BASE}/payment-items", params={"filter[paymentId]": payment["id"]}, headers=auth()
            ).json()["results"]
        )

    # A first application has no previous one: its own rate stands in.
    assert {(i["exchangeRate"], i["previousExchangeRate"]) for i in items_of(first)} == {
        ("1.2000", "1.2000")
    }
    assert {(i["exchangeRate"], i["previousExchangeRate"]) for i in items_of(second)} == {
        ("1.0875", "1.2000")
    }
    assert acc_payment(client, second["id"])["previousExchangeRate"] == "1.2000"
