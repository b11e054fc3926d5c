"""Several server processes on one database (``drawbridge serve --workers N``): each worker has
its own runtime and connection pool, so a write through one worker must be what the next read
through any other worker answers, figures and access alike. Two applications, each on an engine
of its own, stand for two worker processes."""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

import pytest
from fastapi.testclient import TestClient
from sqlalchemy import delete

from drawbridge.api.app import create_app
from drawbridge.bootstrap import Runtime
from drawbridge.services.auth import hash_token
from drawbridge.store.database import make_engine
from drawbridge.store.models import ApiToken
from tests.api.procore.conftest import ADMIN, ADMIN_TOKEN, LINE_1, PROJECT, item, requisition_body

URL = "/rest/v1.1/requisitions"
pytestmark = pytest.mark.usefixtures("ledger")


@pytest.fixture
def workers(runtime: Runtime) -> Iterator[tuple[TestClient, TestClient]]:
    engines = [make_engine(runtime.settings.database_url) for _ in range(2)]
    try:
        with (
            TestClient(create_app(Runtime(runtime.settings, engine=engines[0]))) as first,
            TestClient(create_app(Runtime(runtime.settings, engine=engines[1]))) as second,
        ):
            yield first, second
    finally:
        for engine in engines:
            engine.dispose()


def _show(client: TestClient, requisition_id: int) -> dict[str, Any]:
    response = client.get(
        f"{URL}/{requisition_id}", params={"project_id": PROJECT, "view": "extended"}, headers=ADMIN
    )
    assert response.status_code == 200, response.text
    return dict(response.json())


def _line_1(body: dict[str, Any]) -> dict[str, Any]:
    return next(line for line in body["items"] if line["line_item_id"] == LINE_1)


def test_a_read_after_a_write_on_another_worker_sees_the_new_figures(
    workers: tuple[TestClient, TestClient],
) -> None:
    reader, writer = workers
    made = []
    for amount in ("100.00", "50.00"):
        response = reader.post(
            URL,
            params={"view": "extended"},
            json=requisition_body(items=[item(LINE_1, work_completed_this_period=amount)]),
            headers=ADMIN,
        )
        assert response.status_code == 201, response.text
        made.append(response.json()["id"])
    first, second = made
    before = _show(reader, second)
    assert _line_1(before)["work_completed_from_previous_application"] == "100.00"

    edited = writer.patch(
        f"{URL}/{first}",
        json=requisition_body(items=[item(LINE_1, work_completed_this_period="300.00")]),
        headers=ADMIN,
    )
    assert edited.status_code == 200, edited.text

    # The other worker's very next read answers the figures the write recomputed.
    after = _show(reader, second)
    assert _line_1(after)["work_completed_from_previous_application"] == "300.00"
    assert _line_1(after)["total_completed_and_stored_to_date"] == "350.00"
    assert after == _show(writer, second)


def test_a_token_revoked_through_one_worker_stops_working_on_every_worker_at_once(
    runtime: Runtime, workers: tuple[TestClient, TestClient]
) -> None:
    reader, writer = workers
    for worker in workers:
        answer = worker.get(URL, params={"project_id": PROJECT, "view": "extended"}, headers=ADMIN)
        assert answer.status_code == 200, answer.text
    with runtime.uow() as uow:
        uow.session.execute(delete(ApiToken).where(ApiToken.token_hash == hash_token(ADMIN_TOKEN)))
        uow.commit()
    for worker in (reader, writer):
        answer = worker.get(URL, params={"project_id": PROJECT, "view": "extended"}, headers=ADMIN)
        assert answer.status_code == 401, answer.text
