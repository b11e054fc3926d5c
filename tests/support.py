"""Helpers the tests share: loading fixture documents, building actors, asking a running app."""

from __future__ import annotations

from typing import Any

import anyio.to_thread
import yaml
from fastapi.testclient import TestClient

from drawbridge.bootstrap import Runtime
from drawbridge.domain.rules import Role, Scope
from drawbridge.services import fixtures
from drawbridge.services.views import Actor


def load(runtime: Runtime, document: dict[str, Any]) -> None:
    fixtures.load_fixture_text(runtime.uow(), yaml.safe_dump(document, sort_keys=False))


def admin_actor(company_id: int = 1, user_id: int | None = None) -> Actor:
    return Actor(
        user_id=user_id,
        company_id=company_id,
        role=Role.ADMIN,
        scopes=frozenset({Scope.READ.value, Scope.WRITE.value}),
    )


def standard_actor(company_id: int = 1, user_id: int | None = None) -> Actor:
    return Actor(
        user_id=user_id,
        company_id=company_id,
        role=Role.STANDARD,
        scopes=frozenset({Scope.READ.value, Scope.WRITE.value}),
    )


def request_threads(client: TestClient) -> float:
    """How many requests the app ``client`` runs (started, in a ``with`` block) computes at
    once: its event loop's thread pool's tokens."""

    async def tokens() -> float:
        return anyio.to_thread.current_default_thread_limiter().total_tokens

    return client.portal.call(tokens)
