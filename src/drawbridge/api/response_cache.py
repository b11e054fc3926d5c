"""Answers a repeated read from memory while nothing it was computed from has changed.

Figures change only when something is written, yet a show or a list is otherwise rebuilt from
the database on every request. The cache keeps a face's successful JSON answers to ``GET``
requests, keyed by everything the answer can depend on:

- the request: path, query string and headers (the host, ``Accept``, the company header...),
  except those that cannot change an answer (the token is replaced by the next item);
- who asks and what they can see, read fresh from the database on every request in one indexed
  query (``services.auth.answer_scope``): the token, and for each company of its user the role
  and the company's ``ledger_version``.

Every committed write moves the ledger version of the companies it changed, in its own
transaction (``store/ledger_versions.py``). The next read through any worker process reads the
new version, misses, and computes the answer afresh: nothing is ever served from before a
write that has been answered. A token that is revoked or has expired is not looked up at all:
the face answers it as it would without a cache. Conditional requests, requests that ask for a
fresh answer (``Cache-Control: no-cache``), and answers other than a 200 with a JSON body, go
straight through.

Each process keeps its own cache, bounded in bytes (``DRAWBRIDGE_RESPONSE_CACHE_BYTES``, 0 turns
it off), least recently used answers dropped first.
"""

from __future__ import annotations

import hashlib
from collections import OrderedDict
from collections.abc import Callable, Hashable
from dataclasses import dataclass

from fastapi import FastAPI
from starlette.concurrency import run_in_threadpool
from starlette.datastructures import Headers
from starlette.types import ASGIApp, Message, Receive, Scope, Send

from drawbridge.api.common import FaceWrapper, bearer_token
from drawbridge.api.guards import FaceGuard
from drawbridge.bootstrap import Runtime
from drawbridge.services import auth

# Request headers that cannot change an answer; the token (in Authorization, or Productive's
# X-Auth-Token) is in the key by its scope instead.
_IGNORED_HEADERS = frozenset(
    {
        b"authorization",
        b"x-auth-token",
        b"connection",
        b"keep-alive",
        b"user-agent",
        b"accept-encoding",
        b"te",
    }
)
# Requests the face answers itself: conditional ones (about what the caller already holds),
# ranges, and anything carrying a cookie (no API face reads one; a browser may send it).
_FACE_ONLY_HEADERS = ("if-none-match", "if-modified-since", "if-match", "range", "cookie")
# A client asking for an answer computed now (RFC 9111 §5.2.1) gets one.
_FRESH_ANSWER_ASKED = frozenset({"no-cache", "no-store", "max-age=0"})
_JSON_TYPES = (b"application/json", b"application/vnd.api+json")
# An answer larger than this share of the cache is not kept: it would push out everything else.
_LARGEST_SHARE = 8
# What an entry costs besides its bytes: its key, the objects holding it, its place in the order.
_ENTRY_OVERHEAD = 512


@dataclass(frozen=True, slots=True)
class CachedAnswer:
    status: int
    headers: list[tuple[bytes, bytes]]
    body: bytes

    @property
    def size(self) -> int:
        headers = sum(len(name) + len(value) for name, value in self.headers)
        return _ENTRY_OVERHEAD + len(self.body) + headers


class ResponseCache:
    """One process's store of answers, shared by the faces it wraps."""

    def __init__(self, runtime: Runtime, max_bytes: int) -> None:
        self.runtime = runtime
        self.max_bytes = max_bytes
        self._answers: OrderedDict[Hashable, CachedAnswer] = OrderedDict()
        self._bytes = 0
        self.hits = 0
        self.misses = 0

    def wrap(self, face: FastAPI) -> ASGIApp:
        if self.max_bytes <= 0:
            return face
        guard: FaceGuard = face.state.guard
        return _CachedFace(face, self, guard.token_of or bearer_token)

    def get(self, key: Hashable) -> CachedAnswer | None:
        answer = self._answers.get(key)
        if answer is None:
            self.misses += 1
            return None
        self.hits += 1
        self._answers.move_to_end(key)
        return answer

    def put(self, key: Hashable, answer: CachedAnswer) -> None:
        if answer.size * _LARGEST_SHARE > self.max_bytes:
            return
        previous = self._answers.pop(key, None)
        if previous is not None:
            self._bytes -= previous.size
        self._answers[key] = answer
        self._bytes += answer.size
        while self._bytes > self.max_bytes:
            _, dropped = self._answers.popitem(last=False)
            self._bytes -= dropped.size


class _CachedFace(FaceWrapper):
    def __init__(
        self, face: ASGIApp, cache: ResponseCache, token_of: Callable[[Headers], str | None]
    ) -> None:
        super().__init__(face)
        self.cache = cache
        self.token_of = token_of

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        key = await self._key(scope)
        if key is None:
            await self.face(scope, receive, send)
            return
        answer = self.cache.get(key)
        if answer is not None:
            await send(
                {"type": "http.response.start", "status": answer.status, "headers": answer.headers}
            )
            await send({"type": "http.response.body", "body": answer.body})
            return
        started: Message = {}
        chunks: list[bytes] = []

        async def keep(message: Message) -> None:
            if message["type"] == "http.response.start":
                started.update(message)
            elif message["type"] == "http.response.body":
                chunks.append(message.get("body", b""))
            await send(message)

        await self.face(scope, receive, keep)
        headers = list(started.get("headers", []))
        if started.get("status") == 200 and _is_json(headers):
            self.cache.put(key, CachedAnswer(200, headers, b"".join(chunks)))

    async def _key(self, scope: Scope) -> Hashable | None:
        """The request and its caller's scope, or None when the request goes straight through."""
        if scope["type"] != "http" or scope["method"] != "GET":
            return None
        headers = Headers(scope=scope)
        if any(name in headers for name in _FACE_ONLY_HEADERS):
            return None
        if _FRESH_ANSWER_ASKED.intersection(_directives(headers.get("cache-control", ""))):
            return None
        token = self.token_of(headers)
        if token is None:
            return None
        runtime = self.cache.runtime
        if runtime.database_is_local_file:
            # One indexed row of a local file (a WAL reader never waits for writers) costs
            # less than handing it to a worker thread and back, which would cost more than
            # the rest of a kept answer.
            caller = auth.answer_scope(runtime.uow(read_only=True), token)
        else:
            # A database server is across a network: the event loop must not wait on it.
            caller = await run_in_threadpool(auth.answer_scope, runtime.uow(read_only=True), token)
        if caller is None:
            return None
        request_headers = tuple(
            sorted(
                (name, value) for name, value in scope["headers"] if name not in _IGNORED_HEADERS
            )
        )
        # Kept as a digest: a key costs the same few bytes however long the request's headers.
        return hashlib.sha256(
            repr(
                (
                    scope.get("root_path", ""),
                    scope["path"],
                    scope.get("query_string", b""),
                    request_headers,
                    caller,
                )
            ).encode()
        ).digest()


def _directives(cache_control: str) -> set[str]:
    return {part.strip().lower().replace(" ", "") for part in cache_control.split(",")}


def _is_json(headers: list[tuple[bytes, bytes]]) -> bool:
    content_types = [value for name, value in headers if name.lower() == b"content-type"]
    no_cookies = all(name.lower() != b"set-cookie" for name, _ in headers)
    return (
        no_cookies
        and len(content_types) == 1
        and content_types[0].split(b";")[0].strip().lower() in _JSON_TYPES
    )
