"""Intacct's published project-contract examples, replayed against the demo data: every request
works and every answer has the published shape, field by field."""

from __future__ import annotations

from typing import Any

from fastapi.testclient import TestClient

from tests.api.intacct.conftest import BTI_01, CONTRACTS, auth, error_of, example


def shape(value: Any) -> Any:
    """A JSON value's shape: objects by their keys, scalars by kind (null fits any scalar)."""
    if isinstance(value, dict):
        return {key: shape(item) for key, item in value.items()}
    if isinstance(value, list):
        return [shape(value[0])] if value else []
    if value is None:
        return None
    return type(value).__name__


def assert_shape(published: Any, ours: Any, path: str = "") -> None:
    """Every field of the published answer is in ours, with the same kind of value."""
    if isinstance(published, dict):
        assert isinstance(ours, dict), f"{path}: expected an object, got {ours!r}"
        for key, item in published.items():
            assert key in ours, f"{path}.{key}: missing"
            assert_shape(item, ours[key], f"{path}.{key}")
    elif isinstance(published, list):
        assert isinstance(ours, list), f"{path}: expected a list"
        for item in ours:
            assert_shape(published[0], item, f"{path}[]")
    elif published is not None and ours is not None:
        assert type(ours) is type(published), f"{path}: {ours!r} is not like {published!r}"


def test_list_answers_object_references_with_paging_meta(demo: TestClient) -> None:
    response = demo.get(CONTRACTS, headers=auth())

    assert response.status_code == 200
    body = response.json()
    assert_shape(example("list_response.json"), body)
    assert body["ia::result"] == [
        {
            "key": str(BTI_01),
            "id": "BTI-01",
            "href": f"/objects/construction/project-contract/{BTI_01}",
        }
    ]
    assert body["ia::meta"] == {
        "totalCount": 1,
        "start": 1,
        "pageSize": 100,
        "next": None,
        "previous": None,
    }


def test_get_answers_every_published_field(demo: TestClient) -> None:
    response = demo.get(f"{CONTRACTS}/{BTI_01}", headers=auth())

    assert response.status_code == 200
    body = response.json()
    assert_shape(example("get_response.json"), body)
    contract = body["ia::result"]
    assert contract["project"] == {
        "key": "789",
        "id": "DIM - BTI",
        "name": "Dimensions - Berkeley Technology Inc",
        "href": "/objects/projects/project/789",
    }
    assert contract["customer"]["id"] == "BTI"
    assert contract["architect"]["id"] == "Eberhardt"
    assert contract["projectContractType"]["id"] == "COM"
    assert contract["internalReference"]["issuedBy"]["name"] == "Marquess"
    assert contract["externalReference"]["signedBy"]["id"] == "Modulus Industries"


def test_create_get_update_delete_the_published_requests(demo: TestClient) -> None:
    # Created in the demo company's entity "1", which becomes the contract's location.
    headers = auth() | {"X-IA-API-Param-Entity": "1"}
    created = demo.post(CONTRACTS, headers=headers, json=example("create_request.json"))

    assert created.status_code == 201, created.json()
    assert_shape(example("write_response.json"), created.json())
    key = created.json()["ia::result"]["key"]
    assert created.json()["ia::result"]["id"] == "BTI-05"

    read = demo.get(f"{CONTRACTS}/{key}", headers=auth()).json()["ia::result"]
    assert_shape(example("get_response.json")["ia::result"], read)
    assert read["name"] == "Berkeley Technology Inc - Contract 05"
    assert read["location"]["name"] == "United States of America"
    assert read["schedule"]["executedOnDate"] == "2023-06-01"
    assert read["internalReference"]["initiatedBy"]["name"] == "Hatcher"
    # No schedule of values, change orders or billing yet: every figure is zero.
    assert set(read["summary"].values()) == {"0.00"}
    assert read["billing"]["lastApplicationNumber"] is None
    assert read["audit"]["createdBy"] == read["audit"]["modifiedBy"]

    updated = demo.patch(f"{CONTRACTS}/{key}", headers=auth(), json=example("update_request.json"))
    assert updated.status_code == 200, updated.json()
    assert_shape(example("write_response.json"), updated.json())
    read = demo.get(f"{CONTRACTS}/{key}", headers=auth()).json()["ia::result"]
    assert read["name"] == "Berkeley Technology Inc - Contract 05[Revised]"
    assert read["contractDate"] == "2023-10-15"
    # Fields not given stay; nested objects merge.
    assert read["schedule"]["scheduledStartDate"] == "2023-11-15"
    assert read["schedule"]["executedOnDate"] == "2023-06-01"
    assert read["internalReference"]["signedOnDate"] == "2023-10-15"
    assert read["internalReference"]["issuedBy"]["id"] == "123"
    assert read["architect"]["id"] == "Eberhardt"

    deleted = demo.delete(f"{CONTRACTS}/{key}", headers=auth())
    assert deleted.status_code == 204
    assert deleted.content == b""
    gone = demo.get(f"{CONTRACTS}/{key}", headers=auth())
    assert gone.status_code == 404
    assert_shape(example("error_response.json"), gone.json())


def test_a_post_without_a_payload_is_an_error_in_intacct_s_envelope(demo: TestClient) -> None:
    response = demo.post(CONTRACTS, headers=auth())

    assert response.status_code == 400
    assert_shape(example("error_response.json"), response.json())
    assert error_of(response)["code"] == "invalidRequest"
