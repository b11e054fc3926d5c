"""Idempotency keys: a create repeated with the same key gets the first answer back.

A face that accepts an ``Idempotency-Key`` header runs its create through :func:`run_once` with a
``scope`` naming the operation and a hash of the request (:func:`request_hash`). Within
:data:`RETENTION` of the first request:
- the same key and the same request return the stored status and body; nothing is created;
- the same key with a different request is refused (``Conflict``, code ``idempotency_key_reused``).
After the retention window the key is free again.

The create and the stored answer are written in one transaction: the create's use case joins the
transaction :func:`run_once` opens (units of work nest). Two simultaneous requests with one key
therefore cannot both create: the unique constraint on (company, scope, key) refuses the second
at commit, which rolls it back whole and answers ``Conflict``.
"""

from __future__ import annotations

import hashlib
import json
from collections.abc import Callable
from dataclasses import dataclass
from datetime import timedelta
from typing import Any, TypeVar

from drawbridge.domain.errors import Conflict, Invalid
from drawbridge.store.models import IdempotencyKey
from drawbridge.store.types import utcnow
from drawbridge.store.uow import UnitOfWork

__all__ = [
    "RETENTION",
    "StoredResponse",
    "UnitOfWork",  # the transaction a create joins; faces name it without importing the store
    "check_key",
    "request_hash",
    "run_once",
]

RETENTION = timedelta(hours=24)
MAX_KEY_LENGTH = 255

Result = TypeVar("Result")


@dataclass(frozen=True)
class StoredResponse:
    status: int
    body: Any
    replayed: bool  # True when this is the stored answer to an earlier request


def request_hash(payload: Any) -> str:
    """A stable hash of a JSON-ready request (key order does not matter)."""
    text = json.dumps(payload, sort_keys=True, separators=(",", ":"), default=str)
    return hashlib.sha256(text.encode()).hexdigest()


def check_key(key: str) -> str:
    key = key.strip()
    if not key or len(key) > MAX_KEY_LENGTH:
        raise Invalid(f"Idempotency-Key: 1 to {MAX_KEY_LENGTH} characters", field="Idempotency-Key")
    return key


def run_once(
    uow: UnitOfWork,
    *,
    company_id: int,
    scope: str,
    key: str,
    request: str,
    create: Callable[[UnitOfWork], Result],
    respond: Callable[[Result], tuple[int, Any]],
) -> StoredResponse:
    """Run ``create`` (with ``uow``, whose transaction it joins) and store ``respond``'s answer
    under the key; or return the answer stored for this key by an earlier identical request."""
    key = check_key(key)
    with uow:
        stored = uow.repo.idempotency_key(company_id, scope, key)
        if stored is not None and stored.created_at > utcnow() - RETENTION:
            if stored.request_hash != request:
                raise Conflict(
                    "Idempotency-Key: this key was used with a different request",
                    field="Idempotency-Key",
                    code="idempotency_key_reused",
                )
            return StoredResponse(stored.response_status, stored.response_body, replayed=True)
        if stored is not None:  # expired: the key is free again
            uow.repo.delete(stored)
            uow.flush()
        status, body = respond(create(uow))
        uow.repo.add(
            IdempotencyKey(
                company_id=company_id,
                scope=scope,
                key=key,
                request_hash=request,
                response_status=status,
                response_body=body,
                created_at=utcnow(),
            )
        )
        uow.commit()
        return StoredResponse(status, body, replayed=False)
