"""An ACC payment is built as its JSON object directly, not through ``schemas.Payment``; the
model still documents it, so every payment the list and the get answer is exactly what the
model makes of the same values: the same names, in the model's order, of the model's types,
with the ``include=`` fields only when asked for."""

from __future__ import annotations

from typing import Any

import pytest
from fastapi.testclient import TestClient

from drawbridge.api.acc import schemas
from drawbridge.bootstrap import Runtime

DEMO_CONTAINER = "6f1c3b7e-1c1e-4a57-9a0b-1f2e3d4c5b6a"
PAYMENTS = f"/cost/v1/containers/{DEMO_CONTAINER}/payments"
HEADERS = {"Authorization": "Bearer demo-admin-token-0001"}
EVERY_INCLUDE = "paymentReferences,attributes,summaryCalculatedFields,complianceExpiration"


def through_the_model(payment: dict[str, Any]) -> dict[str, Any]:
    model = schemas.Payment.model_validate(payment)
    return model.model_dump(mode="json", by_alias=True, exclude_unset=True)


def assert_as_the_model_makes_it(payment: dict[str, Any]) -> None:
    remade = through_the_model(payment)
    assert payment == remade
    assert list(payment) == list(remade)  # the order too: the bytes of the answer are the same


@pytest.mark.parametrize("include", [None, EVERY_INCLUDE, "attributes", "paymentReferences"])
def test_every_listed_payment_is_the_model_s(
    demo: Runtime, client: TestClient, include: str | None
) -> None:
    params = {"limit": "200"} | ({"include": include} if include else {})
    response = client.get(PAYMENTS, headers=HEADERS, params=params)
    assert response.status_code == 200, response.text
    results = response.json()["results"]
    assert len(results) > 10
    wire_names = [field.alias for field in schemas.Payment.model_fields.values()]
    for payment in results:
        assert_as_the_model_makes_it(payment)
        asked = set() if include is None else set(include.split(","))
        shown = {
            "paymentReferences": "paymentReferences" in asked,
            "properties": "attributes" in asked,
            "summaryCalculatedFields": "summaryCalculatedFields" in asked,
            "complianceExpiration": "complianceExpiration" in asked,
        }
        assert {name for name in shown if name in payment} == {
            name for name, wanted in shown.items() if wanted
        }
        assert [name for name in wire_names if name in payment] == list(payment)
        # Every field but the include= ones is there: a field left out would pass the model
        # (its default is not "set"), so it is counted here.
        assert set(wire_names) - set(shown) <= set(payment)
    if include == EVERY_INCLUDE:
        assert any(payment["paymentReferences"] for payment in results)


def test_the_get_and_the_update_answer_the_model_s(demo: Runtime, client: TestClient) -> None:
    listed = client.get(PAYMENTS, headers=HEADERS, params={"limit": "3"}).json()["results"]
    for payment in listed:
        got = client.get(
            f"{PAYMENTS}/{payment['id']}", headers=HEADERS, params={"include": EVERY_INCLUDE}
        )
        assert got.status_code == 200, got.text
        assert_as_the_model_makes_it(got.json())
        unchanged = client.patch(f"{PAYMENTS}/{payment['id']}", headers=HEADERS, json={})
        assert unchanged.status_code == 200, unchanged.text
        assert unchanged.json() == payment
