"""Regression tests for hostile input and request limits, against the demo ledger.

Each test names the defect it keeps fixed: the request is refused with a 4xx in the face's own
envelope naming the field, nothing is stored, and the records stay readable by everyone.
"""

from __future__ import annotations

import hashlib
import io
import json
from collections.abc import Iterator
from typing import Any

import anyio
import pytest
from fastapi import FastAPI
from fastapi.responses import JSONResponse
from fastapi.testclient import TestClient
from sqlalchemy import text

from drawbridge.api.app import create_app
from drawbridge.api.common import default_error_response, make_face
from drawbridge.api.guards import RequestGuard
from drawbridge.bootstrap import Runtime, Settings
from drawbridge.cli import demo_fixture_text
from drawbridge.domain.errors import Invalid, Unauthorized
from drawbridge.services import attachments, fixtures
from drawbridge.store.files import FileStore
from tests.support import admin_actor

TOKEN = "demo-admin-token-0001"
PROCORE = {"Authorization": f"Bearer {TOKEN}", "Procore-Company-Id": "1"}
ACC = {"Authorization": f"Bearer {TOKEN}"}
PROJECT, COMMITMENT, LATEST_REQUISITION = 789, 701973, 11
CONTAINER = "6f1c3b7e-1c1e-4a57-9a0b-1f2e3d4c5b6a"
REQUISITIONS = "/rest/v1.1/requisitions"
PAYMENTS = "/rest/v1.0/contract_payments"
TABLES = ("pay_apps", "pay_app_lines", "payments", "attachments", "audit_events")


@pytest.fixture
def demo(runtime: Runtime) -> Runtime:
    fixtures.load_fixture_text(runtime.uow(), demo_fixture_text())
    return runtime


@pytest.fixture
def api(demo: Runtime, client: TestClient) -> TestClient:
    return client


def counts(runtime: Runtime) -> dict[str, int]:
    with runtime.engine.connect() as connection:
        return {
            table: connection.execute(text(f"SELECT count(*) FROM {table}")).scalar_one()
            for table in TABLES
        }


def requisition(**fields: Any) -> dict[str, Any]:
    items = fields.pop("items", [{"line_item_id": 2012, "work_completed_this_period": "100.00"}])
    return {
        "project_id": PROJECT,
        "commitment_id": COMMITMENT,
        "requisition": {"items": items, **fields},
    }


def post_raw(client: TestClient, url: str, body: str, headers: dict[str, str]) -> Any:
    return client.post(
        url, content=body.encode("utf-8", "surrogatepass"), headers={**headers, **JSON}
    )


JSON = {"Content-Type": "application/json"}
# A lone high surrogate as a client's JSON writes it (an escape, so the bytes are valid UTF-8).
LONE = "\\ud83d"


def procore_field_error(response: Any) -> str:
    errors = response.json()["errors"]
    assert isinstance(errors, dict), errors
    return next(iter(errors))


def assert_everything_readable(client: TestClient) -> None:
    """Every read that once failed after a poisoned write still answers 200."""
    base = {"project_id": PROJECT}
    reads = [
        client.get(REQUISITIONS, params=base, headers=PROCORE),
        client.get(REQUISITIONS, params={**base, "filters[is_last]": "true"}, headers=PROCORE),
        client.get(
            f"{REQUISITIONS}/{LATEST_REQUISITION}",
            params={**base, "view": "extended"},
            headers=PROCORE,
        ),
        client.get(
            f"/cost/v1/containers/{CONTAINER}/payments",
            params={"include": "attributes,paymentReferences"},
            headers=ACC,
        ),
        client.get(PAYMENTS, params=base, headers=PROCORE),
    ]
    assert [read.status_code for read in reads] == [200] * len(reads), [r.text for r in reads]


# -- 1 and 2: text that is not valid Unicode, or holds NUL --------------------------------------


@pytest.mark.parametrize(
    ("fields", "field"),
    [
        ({"custom_field_5": LONE}, "requisition.custom_field_5"),
        ({"invoice_number": f"INV{LONE}"}, "requisition.invoice_number"),
        ({"origin_id": LONE}, "requisition.origin_id"),
        ({"custom_field_5": "a\\u0000b"}, "requisition.custom_field_5"),
        (
            {"items": [{"line_item_id": 2012, "comment": f"ok {LONE}"}]},
            "requisition.items[0].comment",
        ),
    ],
)
def test_a_lone_surrogate_or_nul_in_a_requisition_is_refused_and_nothing_is_stored(
    api: TestClient, demo: Runtime, fields: dict[str, Any], field: str
) -> None:
    before = counts(demo)
    body = json.dumps(requisition(**fields)).replace("\\\\u", "\\u")
    response = post_raw(api, REQUISITIONS, body, PROCORE)
    assert response.status_code == 400, response.text
    assert procore_field_error(response) == field
    assert counts(demo) == before
    assert_everything_readable(api)


def test_a_lone_surrogate_in_payment_notes_is_refused(api: TestClient, demo: Runtime) -> None:
    before = counts(demo)
    body = (
        '{"project_id": 789, "contract_id": 701973, '
        f'"contract_payment": {{"amount": "10.00", "notes": "paid {LONE}"}}}}'
    )
    response = post_raw(api, PAYMENTS, body, PROCORE)
    assert response.status_code == 400, response.text
    assert procore_field_error(response) == "contract_payment.notes"
    assert counts(demo) == before


def test_a_lone_surrogate_in_an_acc_patch_is_refused_in_acc_envelope(
    api: TestClient, demo: Runtime
) -> None:
    listed = api.get(f"/cost/v1/containers/{CONTAINER}/payments", headers=ACC).json()
    payment_id = listed["results"][0]["id"]
    before = counts(demo)
    response = api.patch(
        f"/cost/v1/containers/{CONTAINER}/payments/{payment_id}",
        content=f'{{"note": "x{LONE}"}}'.encode(),
        headers={**ACC, **JSON},
    )
    assert response.status_code == 400
    body = response.json()
    assert (body["status"], body["code"], body["errors"][0]["field"]) == (400, "BAD_INPUT", "note")
    assert counts(demo) == before


def raw_multipart(fields: dict[str, str], file_field: str, filename: bytes) -> bytes:
    """A multipart body written by hand: HTTP clients escape a NUL in a filename, an attacker's
    does not."""
    parts = [
        f'--b\r\nContent-Disposition: form-data; name="{name}"\r\n\r\n{value}\r\n'.encode()
        for name, value in fields.items()
    ]
    parts.append(
        b'--b\r\nContent-Disposition: form-data; name="%s"; filename="%s"\r\n'
        b"Content-Type: application/pdf\r\n\r\n%%PDF-1.4\r\n" % (file_field.encode(), filename)
    )
    return b"".join(parts) + b"--b--\r\n"


def test_a_nul_in_an_upload_filename_is_refused(api: TestClient, demo: Runtime) -> None:
    before = counts(demo)
    payment = {"project_id": "789", "contract_id": "701973", "contract_payment[amount]": "1.00"}
    for url, file_field, fields in (
        ("/rest/v1.0/prostore_files", "file", {}),
        (PAYMENTS, "attachments[]", payment),
    ):
        response = api.post(
            url,
            content=raw_multipart(fields, file_field, b"scan\x00.pdf"),
            headers={**PROCORE, "Content-Type": "multipart/form-data; boundary=b"},
        )
        assert response.status_code == 422, response.text
        assert procore_field_error(response) == "filename"
    assert counts(demo) == before


def test_the_store_refuses_unstorable_text_whichever_way_it_comes(demo: Runtime) -> None:
    """The last line: a service called directly (no face) still stores nothing unrenderable."""
    before = counts(demo)
    with pytest.raises(Invalid) as refused:
        attachments.upload_file(demo.uow(), admin_actor(), "ok.pdf", "text/\ud800", b"x")
    assert refused.value.field == "content_type"
    assert counts(demo) == before


# -- 3: JSON nested too deep ------------------------------------------------------------------


@pytest.mark.parametrize(
    ("url", "headers"),
    [
        (PAYMENTS, PROCORE),
        (REQUISITIONS, PROCORE),
        (f"/cost/v1/containers/{CONTAINER}/payments/x", ACC),
    ],
)
def test_json_nested_ten_thousand_deep_is_a_400(
    api: TestClient, demo: Runtime, url: str, headers: dict[str, str]
) -> None:
    before = counts(demo)
    deep = '{"contract_payment": ' + "[" * 10_000 + "]" * 10_000 + "}"
    send = api.patch if "/cost/" in url else api.post
    response = send(url, content=deep.encode(), headers={**headers, **JSON})
    assert response.status_code == 400, response.text
    assert "nested deeper than 64" in response.text
    assert counts(demo) == before


def test_json_at_the_depth_limit_is_read_and_one_more_level_is_not(api: TestClient) -> None:
    # 1 level for the object, 62 nested lists inside "x", and the list in the middle: 64.
    at_limit = '{"x": ' + "[" * 63 + "]" * 63 + "}"
    over = '{"x": ' + "[" * 64 + "]" * 64 + "}"
    at = post_raw(api, PAYMENTS, at_limit, PROCORE)
    beyond = post_raw(api, PAYMENTS, over, PROCORE)
    assert at.status_code == 400  # refused by the schema, not for its depth
    assert "nested" not in at.text
    assert beyond.status_code == 400
    assert "nested deeper than 64" in beyond.text


# -- 5: authentication before the body; body limits; streamed uploads --------------------------


def call_counting_reads(
    app: Any, method: str, path: str, headers: list[tuple[bytes, bytes]]
) -> tuple[int, int]:
    """(status, how many times the app asked for the body) of one request claiming 200 MB."""
    reads: list[str] = []
    sent: list[dict[str, Any]] = []

    async def receive() -> dict[str, Any]:
        reads.append("body")
        return {"type": "http.request", "body": b"{}" * 1000, "more_body": False}

    async def send(message: dict[str, Any]) -> None:
        sent.append(message)

    scope = {
        "type": "http",
        "asgi": {"version": "3.0"},
        "http_version": "1.1",
        "method": method,
        "scheme": "http",
        "path": path,
        "raw_path": path.encode(),
        "root_path": "",
        "query_string": b"",
        "headers": [(b"host", b"testserver"), (b"content-length", b"209715200"), *headers],
        "client": ("127.0.0.1", 1),
        "server": ("testserver", 80),
    }
    anyio.run(app, scope, receive, send)
    return sent[0]["status"], len(reads)


def test_a_body_without_a_valid_token_is_refused_before_it_is_read(demo: Runtime) -> None:
    """Driven over ASGI directly, to see whether the server ever asked for the body."""
    app = create_app(demo)
    json_type = (b"content-type", b"application/json")
    wrong = (b"authorization", b"Bearer wrong-token-0000000000")
    assert call_counting_reads(app, "POST", REQUISITIONS, [json_type]) == (401, 0)
    assert call_counting_reads(app, "POST", REQUISITIONS, [wrong]) == (401, 0)
    assert call_counting_reads(app, "PATCH", "/cost/v1/containers/x/payments/y", [wrong]) == (
        401,
        0,
    )
    assert call_counting_reads(app, "POST", "/_admin/fixtures", [wrong]) == (401, 0)


@pytest.fixture
def small_limit_client(demo: Runtime, tmp_path: Any) -> Iterator[TestClient]:
    settings = Settings(
        database_url=demo.settings.database_url,
        data_dir=tmp_path / "small",
        operator_token=None,
        max_body_bytes=4096,
    )
    with TestClient(create_app(Runtime(settings, engine=demo.engine))) as client:
        yield client


def test_a_body_over_the_limit_is_a_413_in_the_faces_envelope(
    small_limit_client: TestClient, demo: Runtime
) -> None:
    before = counts(demo)
    big = json.dumps(requisition(origin_data="x" * 5000))
    procore = small_limit_client.post(REQUISITIONS, content=big, headers={**PROCORE, **JSON})
    assert procore.status_code == 413
    assert procore.json()["errors"] == {"body": ["body: larger than 4096 bytes"]}
    assert procore.json()["code"] == 413
    acc = small_limit_client.patch(
        f"/cost/v1/containers/{CONTAINER}/payments/x", content=big, headers={**ACC, **JSON}
    )
    assert acc.status_code == 413
    assert acc.json()["code"] == "PAYLOAD_TOO_LARGE"
    # A multipart upload with no Content-Length (streamed in chunks) is cut off just the same.
    chunks = iter([b"x" * 3000, b"y" * 3000])
    streamed = small_limit_client.post(
        "/rest/v1.0/prostore_files",
        content=chunks,
        headers={**PROCORE, "Content-Type": "multipart/form-data; boundary=b"},
    )
    assert streamed.status_code == 413, streamed.text
    assert counts(demo) == before


def test_three_attachments_over_the_limit_together_store_nothing(
    small_limit_client: TestClient, demo: Runtime
) -> None:
    before = counts(demo)
    files = [("attachments[]", (f"scan{n}.pdf", b"%" * 2000, "application/pdf")) for n in range(3)]
    response = small_limit_client.post(
        PAYMENTS,
        data={"project_id": "789", "contract_id": "701973", "contract_payment[amount]": "1.00"},
        files=files,
        headers=PROCORE,
    )
    assert response.status_code == 413
    assert counts(demo) == before


def test_a_file_is_stored_from_a_stream_with_its_size_and_hash(tmp_path: Any) -> None:
    store = FileStore(tmp_path)
    data = bytes(range(256)) * 10_000  # 2,560,000 bytes: three 1 MiB chunks
    stored = store.save(1, io.BytesIO(data))
    assert stored.size == 2_560_000
    assert store.read(stored.storage_key) == data
    assert stored.sha256 == hashlib.sha256(data).hexdigest()


def test_an_upload_under_the_limit_is_stored_whole(api: TestClient) -> None:
    data = b"0123456789" * 300_000  # 3 MB: spooled to disk by the parser, streamed to the store
    response = api.post(
        "/rest/v1.0/prostore_files",
        files={"file": ("big.bin", data, "application/octet-stream")},
        headers=PROCORE,
    )
    assert response.status_code == 201, response.text
    assert response.json()["size"] == 3_000_000
    download = api.get(
        f"/rest/v1.0/prostore_files/{response.json()['id']}/download", headers=PROCORE
    )
    assert download.content == data


# -- 6: lenient inputs ------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("fields", "field"),
    [
        ({"requisition_start": 0}, "requisition.requisition_start"),
        ({"requisition_end": "1735689600"}, "requisition.requisition_end"),
        ({"billing_date": "2025-02-30"}, "requisition.billing_date"),
        ({"payment_date": "2025-7-01"}, "requisition.payment_date"),
        ({"final": "yes"}, "requisition.final"),
        ({"final": "true"}, "requisition.final"),
        ({"final": 1}, "requisition.final"),
        ({"items": [{"line_item_id": 2012, "status": "maybe"}]}, "requisition.items[0].status"),
        ({"custom_field_5": float("nan")}, "body"),  # NaN is not JSON: refused at the boundary
        (
            {"items": [{"line_item_id": 2012, "work_completed_this_period": "١٢٣"}]},
            "requisition.items[0].work_completed_this_period",
        ),
        (
            {"items": [{"line_item_id": 2012, "work_completed_this_period": "１２３"}]},
            "requisition.items[0].work_completed_this_period",
        ),
        (
            {"items": [{"line_item_id": 2012, "materials_presently_stored": "1_000"}]},
            "requisition.items[0].materials_presently_stored",
        ),
        (
            {"items": [{"line_item_id": 2012, "work_completed_this_period_quantity": "٣"}]},
            "requisition.items[0].work_completed_this_period_quantity",
        ),
        (
            {
                "items": [
                    {"line_item_id": 2012, "work_completed_this_period": "1e99999999999999999999"}
                ]
            },
            "requisition.items[0].work_completed_this_period",
        ),
        ({"custom_field_5": "x" * 4001}, "requisition.custom_field_5"),
        ({"custom_field_5": {"a": 1}}, "requisition.custom_field_5"),
    ],
)
def test_lenient_requisition_values_are_refused_naming_the_field(
    api: TestClient, demo: Runtime, fields: dict[str, Any], field: str
) -> None:
    before = counts(demo)
    response = post_raw(api, REQUISITIONS, json.dumps(requisition(**fields)), PROCORE)
    assert response.status_code == 400, response.text
    assert procore_field_error(response) == field
    assert counts(demo) == before


def test_a_custom_field_beyond_a_double_is_refused(api: TestClient, demo: Runtime) -> None:
    before = counts(demo)
    body = json.dumps(requisition(custom_field_5="PLACE")).replace('"PLACE"', "1e400")
    response = post_raw(api, REQUISITIONS, body, PROCORE)
    assert response.status_code == 400
    assert procore_field_error(response) == "requisition.custom_field_5"
    assert counts(demo) == before


def test_more_than_a_hundred_custom_fields_are_refused(api: TestClient, demo: Runtime) -> None:
    before = counts(demo)
    many = {f"custom_field_{n}": "v" for n in range(1, 102)}
    response = post_raw(api, REQUISITIONS, json.dumps(requisition(**many)), PROCORE)
    assert response.status_code == 400
    assert "at most 100 custom fields" in response.text
    assert counts(demo) == before
    # A hundred are fine, and read back as sent.
    hundred = {f"custom_field_{n}": f"v{n}" for n in range(1, 101)}
    created = post_raw(api, REQUISITIONS, json.dumps(requisition(**hundred)), PROCORE)
    assert created.status_code == 201, created.text
    shown = api.get(
        f"{REQUISITIONS}/{created.json()['id']}", params={"project_id": PROJECT}, headers=PROCORE
    ).json()
    assert shown["custom_fields"]["custom_field_100"]["value"] == "v100"
    assert len(shown["custom_fields"]) == 100


def test_a_patch_may_not_end_the_period_before_it_starts(api: TestClient, demo: Runtime) -> None:
    url = f"{REQUISITIONS}/{LATEST_REQUISITION}"
    current = api.get(url, params={"project_id": PROJECT}, headers=PROCORE).json()
    start = current["requisition_start"]
    assert start is not None
    before = counts(demo)
    response = api.patch(
        url,
        json={"project_id": PROJECT, "requisition": {"requisition_end": "2000-01-01"}},
        headers=PROCORE,
    )
    assert response.status_code == 422, response.text
    assert procore_field_error(response) == "requisition_end"
    assert counts(demo) == before
    after = api.get(url, params={"project_id": PROJECT}, headers=PROCORE).json()
    assert after["requisition_end"] == current["requisition_end"]


def test_a_period_filter_takes_one_id(api: TestClient) -> None:
    response = api.get(
        REQUISITIONS, params={"project_id": PROJECT, "filters[period_id]": "1,2"}, headers=PROCORE
    )
    assert response.status_code == 400
    assert procore_field_error(response) == "filters[period_id]"


def test_a_nul_in_a_query_value_is_a_400_naming_it(api: TestClient) -> None:
    response = api.get(
        REQUISITIONS, params={"project_id": PROJECT, "filters[origin_id]": "a\x00"}, headers=PROCORE
    )
    assert response.status_code == 400
    assert procore_field_error(response) == "filters[origin_id]"


def test_acc_dates_and_rates_are_strict(api: TestClient, demo: Runtime) -> None:
    listed = api.get(f"/cost/v1/containers/{CONTAINER}/payments", headers=ACC).json()
    url = f"/cost/v1/containers/{CONTAINER}/payments/{listed['results'][0]['id']}"
    before = counts(demo)
    for body, field in (
        ({"paidAt": 0}, "paidAt"),
        ({"paidAt": "1735689600"}, "paidAt"),
        ({"lastSyncTime": "2025-02-30T00:00:00Z"}, "lastSyncTime"),
        ({"exchangeRate": "١"}, "exchangeRate"),
        ({"exchangeRate": "1_0"}, "exchangeRate"),
    ):
        response = api.patch(url, json=body, headers=ACC)
        assert response.status_code == 400, (body, response.text)
        assert response.json()["errors"][0]["field"] == field
    assert counts(demo) == before


def test_a_valid_requisition_still_reads_back_exactly(api: TestClient) -> None:
    """The strict types take what a real client sends: dates, true, ASCII amounts, emoji."""
    created = post_raw(
        api,
        REQUISITIONS,
        json.dumps(
            requisition(
                requisition_start="2025-07-01",
                requisition_end="2025-07-31",
                final=False,
                invoice_number="EE-😀-7",
                custom_field_5=1.5,
                custom_field_6=True,
            )
        ),
        PROCORE,
    )
    assert created.status_code == 201, created.text
    body = created.json()
    assert (body["invoice_number"], body["requisition_end"], body["final"]) == (
        "EE-😀-7",
        "2025-07-31",
        False,
    )
    assert body["custom_fields"]["custom_field_5"] == {"data_type": "decimal", "value": 1.5}
    assert_everything_readable(api)


# -- the registry: each face's envelope, and a face mounted later ------------------------------


def test_a_v2_route_is_refused_in_the_v2_envelope(api: TestClient) -> None:
    url = "/rest/v2.0/companies/1/projects/789/requisitions/11/payment_details"
    response = api.patch(url, content=b'{"due_date": "\\ud800"}', headers={**PROCORE, **JSON})
    assert response.status_code == 400
    assert response.json() == {
        "error": {
            "code": "BAD_REQUEST",
            "message": "due_date: not valid Unicode text (a lone surrogate)",
            "details": [
                {
                    "reason_code": "bad_request",
                    "message": "due_date: not valid Unicode text (a lone surrogate)",
                    "source": "due_date",
                }
            ],
        }
    }


def test_a_face_mounted_later_is_guarded_in_its_own_envelope(runtime: Runtime) -> None:
    """What a new face does to be protected: make_face with its error_response and
    authentication; the guard is built from the mounted faces."""

    def teapot_error(status: int, code: str, message: str, *, field: str | None = None) -> Any:
        return JSONResponse({"teapot": {"status": status, "field": field}}, status_code=status)

    def only_tea(headers: Any) -> None:
        if headers.get("x-tea") != "earl grey":
            raise Unauthorized("no tea")

    face = make_face(
        runtime, title="tea", description="tea", error_response=teapot_error, authenticate=only_tea
    )

    @face.post("/cups")
    def pour(body: dict[str, Any]) -> dict[str, Any]:
        return body

    app = FastAPI()
    app.mount("/tea", face)
    app.add_middleware(
        RequestGuard,
        faces={"/tea": face.state.guard},
        fallback=default_error_response,
        max_body_bytes=100,
    )
    with TestClient(app) as client:
        tea = {"x-tea": "earl grey", **JSON}
        assert client.post("/tea/cups", content=b'{"a": 1}', headers=tea).json() == {"a": 1}
        assert client.post("/tea/cups", content=b"{}", headers=JSON).json() == {
            "teapot": {"status": 401, "field": None}
        }
        deep = client.post("/tea/cups", content=b"[" * 70 + b"]" * 70, headers=tea)
        assert deep.status_code == 413  # 140 bytes: over this face's 100-byte limit first
        nested = client.post("/tea/cups", content=b"[" * 40 + b"]" * 40, headers=tea)
        assert nested.status_code == 422  # within every limit: the route's own validation
        hostile = client.post("/tea/cups", content=b'{"a": "\\u0000"}', headers=tea)
        assert hostile.json() == {"teapot": {"status": 400, "field": "a"}}
