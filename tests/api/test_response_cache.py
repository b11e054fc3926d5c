"""The response cache (api/response_cache.py): a repeated read is answered from memory with one
query, and never once a write has changed what it was computed from, whichever worker wrote.

Two applications, each with an engine, a connection pool and a cache of its own on one database,
stand for two worker processes of ``drawbridge serve --workers 2``; writes go through the
services on a third engine, as another process (the command line) would make them.
"""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import replace
from typing import Any

import pytest
from fastapi import FastAPI
from fastapi.testclient import TestClient
from sqlalchemy import Engine, delete, event, select

from drawbridge.api.app import create_app
from drawbridge.api.response_cache import CachedAnswer, ResponseCache
from drawbridge.bootstrap import Runtime, Settings
from drawbridge.services import auth, payments
from drawbridge.services.auth import hash_token
from drawbridge.store.database import make_engine
from drawbridge.store.models import ApiToken, Membership, Payment, User

ADMIN_TOKEN = "demo-admin-token-0001"
GRANITE = 1
PAID_BY_CHECK = 9011  # check 10412, on Ernie's first requisition
# One read a face: each shows payment figures or notes of company 1.
READS = {
    "procore": ("/rest/v1.0/contract_payments?project_id=789", {"Procore-Company-Id": "1"}),
    "acc": ("/cost/v1/containers/6f1c3b7e-1c1e-4a57-9a0b-1f2e3d4c5b6a/payments?limit=100", {}),
    "productive": ("/api/v2/payments", {"X-Auth-Token": ADMIN_TOKEN, "X-Organization-Id": "1"}),
    "native": ("/v1/payments", {}),
    "procore requisitions": ("/rest/v1.1/requisitions?project_id=789", {"Procore-Company-Id": "1"}),
}
pytestmark = pytest.mark.usefixtures("demo")


class Worker:
    def __init__(self, app: FastAPI, engine: Engine, client: TestClient) -> None:
        self.app = app
        self.engine = engine
        self.client = client

    @property
    def cache(self) -> ResponseCache:
        cache: ResponseCache = self.app.state.response_cache
        return cache

    def get(self, path: str, headers: dict[str, str], token: str = ADMIN_TOKEN) -> Any:
        return self.client.get(path, headers={"Authorization": f"Bearer {token}", **headers})


@pytest.fixture
def workers(demo: Runtime) -> Iterator[tuple[Worker, Worker]]:
    engines = [make_engine(demo.settings.database_url) for _ in range(2)]
    apps = [create_app(Runtime(demo.settings, engine=engine)) for engine in engines]
    try:
        with TestClient(apps[0]) as first, TestClient(apps[1]) as second:
            yield Worker(apps[0], engines[0], first), Worker(apps[1], engines[1], second)
    finally:
        for engine in engines:
            engine.dispose()


def _statements(engine: Engine) -> list[str]:
    seen: list[str] = []
    event.listen(engine, "before_cursor_execute", lambda *args: seen.append(args[2]))
    return seen


def _admin(runtime: Runtime) -> auth.Actor:
    return auth.act_as_member(runtime.uow(), "dana.whitfield@granitepeak.test", GRANITE)


def _delete_a_payment(runtime: Runtime) -> None:
    """Every read above shows it: the payment itself, or what its pay application was paid."""
    payments.delete_payment(runtime.uow(), _admin(runtime), PAID_BY_CHECK)


def test_a_repeated_read_is_answered_with_one_query(workers: tuple[Worker, Worker]) -> None:
    worker, _ = workers
    path, headers = READS["procore requisitions"]
    first = worker.get(path, headers)
    assert first.status_code == 200, first.text
    statements = _statements(worker.engine)
    again = worker.get(path, headers)
    assert again.status_code == 200
    assert again.content == first.content
    assert again.headers["content-type"] == first.headers["content-type"]
    assert again.headers["total"] == first.headers["total"]  # Procore's paging headers too
    assert worker.cache.hits == 1
    # The token's scope and the companies' versions, read fresh: the figures were not.
    assert len([s for s in statements if s.lstrip().upper().startswith("SELECT")]) == 1


@pytest.mark.parametrize("face", sorted(READS))
def test_a_write_made_elsewhere_is_what_the_next_read_answers(
    demo: Runtime, workers: tuple[Worker, Worker], face: str
) -> None:
    reader, _ = workers
    path, headers = READS[face]
    before = reader.get(path, headers)
    assert reader.get(path, headers).content == before.content
    assert reader.cache.hits == 1

    _delete_a_payment(demo)
    after = reader.get(path, headers)
    assert after.status_code == 200
    assert after.content != before.content
    # And it is exactly what an application without a cache answers now.
    uncached = replace(demo.settings, response_cache_bytes=0)
    with TestClient(create_app(Runtime(uncached, engine=demo.engine))) as fresh:
        expected = fresh.get(path, headers={"Authorization": f"Bearer {ADMIN_TOKEN}", **headers})
    assert after.content == expected.content


def test_a_write_through_one_worker_is_what_the_other_answers(
    workers: tuple[Worker, Worker],
) -> None:
    reader, writer = workers
    path, headers = READS["native"]
    before = reader.get(path, headers).json()
    reader.get(path, headers)
    payment = before["data"][0]
    changed = writer.client.patch(
        f"/v1/payments/{payment['id']}",
        json={"notes": "corrected by the other worker"},
        headers={"Authorization": f"Bearer {ADMIN_TOKEN}"},
    )
    assert changed.status_code == 200, changed.text
    after = reader.get(path, headers).json()
    mine = next(item for item in after["data"] if item["id"] == payment["id"])
    assert mine["notes"] == "corrected by the other worker"


def test_a_write_in_another_company_keeps_the_answers(
    demo: Runtime, workers: tuple[Worker, Worker]
) -> None:
    reader, _ = workers
    path, headers = READS["native"]
    reader.get(path, headers)
    harbor = auth.act_in(auth.authenticate(demo.uow(), "harbor-admin-token-0001"), 2)
    with demo.uow() as uow:
        harbor_payment = uow.session.scalars(
            select(Payment.id).where(Payment.company_id == 2).limit(1)
        ).one()
    payments.update_payment(demo.uow(), harbor, harbor_payment, {"notes": "harbor only"})
    reader.get(path, headers)
    assert reader.cache.hits == 1


def test_a_revoked_token_is_refused_though_its_answer_was_kept(
    demo: Runtime, workers: tuple[Worker, Worker]
) -> None:
    reader, _ = workers
    path, headers = READS["procore"]
    assert reader.get(path, headers).status_code == 200
    with demo.engine.begin() as connection:  # as straight in the database as it gets
        connection.execute(delete(ApiToken).where(ApiToken.token_hash == hash_token(ADMIN_TOKEN)))
    refused = reader.get(path, headers)
    assert refused.status_code == 401
    assert reader.cache.hits == 0


def test_a_member_who_left_the_company_is_refused(
    demo: Runtime, workers: tuple[Worker, Worker]
) -> None:
    reader, _ = workers
    path, headers = READS["procore"]
    assert reader.get(path, headers).status_code == 200
    with demo.engine.begin() as connection:
        user_id = connection.scalar(
            select(User.id).where(User.email == "dana.whitfield@granitepeak.test")
        )
        connection.execute(delete(Membership).where(Membership.user_id == user_id))
    assert reader.get(path, headers).status_code == 403


def test_answers_are_kept_per_caller(workers: tuple[Worker, Worker]) -> None:
    reader, _ = workers
    path, headers = READS["native"]
    admin = reader.get(path, headers)
    standard = reader.get(path, headers, token="demo-standard-token-0001")
    assert admin.status_code == standard.status_code == 200
    assert reader.cache.hits == 0
    assert reader.cache.misses == 2


def test_conditional_and_no_cache_requests_and_errors_go_to_the_face(
    workers: tuple[Worker, Worker],
) -> None:
    reader, _ = workers
    path, headers = READS["native"]
    etag = reader.get(path, headers).headers["etag"]
    not_modified = reader.get(path, {**headers, "If-None-Match": etag})
    assert not_modified.status_code == 304
    for _ in range(2):
        assert reader.get("/v1/payments/999999999", {}).status_code == 404
        assert reader.get(path, {**headers, "Cache-Control": "no-cache"}).status_code == 200
    assert reader.cache.hits == 0


def test_the_cache_holds_at_most_its_bytes(demo: Runtime) -> None:
    small = CachedAnswer(200, [], b"x" * 388)  # 900 bytes with what an entry costs
    assert small.size == 900
    cache = ResponseCache(demo, max_bytes=8_000)
    for key in range(20):
        cache.put(key, small)
    assert cache.get(0) is None  # the least recently used went first
    assert cache.get(19) is small
    assert sum(1 for key in range(20) if cache.get(key) is not None) == 8
    cache.put("large", CachedAnswer(200, [], b"x" * 489))
    assert cache.get("large") is None  # more than an eighth of the cache: not kept


def test_a_cache_of_no_bytes_is_off(demo: Runtime) -> None:
    settings = replace(demo.settings, response_cache_bytes=0)
    with TestClient(create_app(Runtime(settings, engine=demo.engine))) as client:
        path, headers = READS["native"]
        for _ in range(2):
            client.get(path, headers={"Authorization": f"Bearer {ADMIN_TOKEN}", **headers})
        cache: ResponseCache = client.app.state.response_cache  # type: ignore[attr-defined]
        assert cache.hits == cache.misses == 0


def test_the_setting_is_read_from_the_environment(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("DRAWBRIDGE_RESPONSE_CACHE_BYTES", "0")
    assert Settings.from_environment().response_cache_bytes == 0
    monkeypatch.setenv("DRAWBRIDGE_RESPONSE_CACHE_BYTES", "lots")
    with pytest.raises(ValueError, match="DRAWBRIDGE_RESPONSE_CACHE_BYTES"):
        Settings.from_environment()
