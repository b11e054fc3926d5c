"""Vendors' published request limits, for integrators who test their back-off against them.

Off unless ``drawbridge serve --vendor-limits`` turns them on for every company, or a company's
fixture sets ``vendor_limits: true`` for its own callers. Each limit is a fixed window aligned on
the clock (a 10 s window runs from :00 to :10), counted per token or per company in this process:
several server processes each count their own requests. A company's setting is read again at
most every 30 seconds.

- Productive (``/api/v2``): 100 requests per 10 s per token and 4,000 per 30 min per organization.
  Past either: 429 ``{"errors": [{"status": 429, "title": "Too many requests", ...}]}`` with
  ``X-RateLimit-Reset``, the seconds left in the window.
- Procore (``/rest``): 3,600 requests per hour per token. Every response carries
  ``X-Rate-Limit-Limit``, ``X-Rate-Limit-Remaining`` and ``X-Rate-Limit-Reset`` (the Unix time the
  window ends); past it: 429.
"""

from __future__ import annotations

import hashlib
import json
import math
import threading
import time
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from typing import Literal

from starlette.datastructures import Headers, MutableHeaders
from starlette.types import ASGIApp, Message, Receive, Scope, Send

from drawbridge.api.common import FaceWrapper
from drawbridge.bootstrap import Runtime
from drawbridge.services import companies

Clock = Callable[[], float]
# A company's setting is read again after this many seconds.
SETTING_TTL_SECONDS = 30.0


@dataclass(frozen=True)
class Limit:
    requests: int
    period_seconds: int
    per: Literal["token", "company"]


@dataclass(frozen=True)
class Usage:
    """One limit's window after counting a request."""

    limit: Limit
    count: int
    resets_at: float  # clock time the window ends

    @property
    def exceeded(self) -> bool:
        return self.count > self.limit.requests

    @property
    def remaining(self) -> int:
        return max(0, self.limit.requests - self.count)


@dataclass(frozen=True)
class Rejection:
    status: int
    headers: dict[str, str]
    body: bytes


@dataclass(frozen=True)
class VendorPolicy:
    """One vendor's limits, where its requests carry the token and company, and how it answers."""

    name: str
    limits: tuple[Limit, ...]
    token_of: Callable[[Headers], str | None]
    company_header: str
    headers_on_every_response: Callable[[Sequence[Usage], float], dict[str, str]]
    reject: Callable[[Usage, float], Rejection]


class FixedWindows:
    """Request counters per key and window; thread-safe, in memory."""

    def __init__(self, clock: Clock = time.time) -> None:
        self.clock = clock
        self._counts: dict[tuple[str, ...], tuple[float, int]] = {}
        self._lock = threading.Lock()

    def hit(self, key: tuple[str, ...], limit: Limit) -> Usage:
        now = self.clock()
        start = math.floor(now / limit.period_seconds) * limit.period_seconds
        with self._lock:
            window_start, count = self._counts.get(key, (start, 0))
            if window_start != start:
                count = 0
            count += 1
            self._counts[key] = (start, count)
            if len(self._counts) > 10_000:
                self._forget_before(now)
        return Usage(limit=limit, count=count, resets_at=start + limit.period_seconds)

    def _forget_before(self, now: float) -> None:
        # Windows are at most an hour long: anything older has ended.
        self._counts = {key: value for key, value in self._counts.items() if value[0] > now - 3600}


class VendorLimits:
    """The limits of every face that has them: one set of counters per process."""

    def __init__(self, runtime: Runtime, clock: Clock = time.time) -> None:
        self.runtime = runtime
        self.windows = FixedWindows(clock)
        self._settings: dict[int, tuple[float, bool]] = {}

    @property
    def clock(self) -> Clock:
        return self.windows.clock

    @clock.setter
    def clock(self, clock: Clock) -> None:
        self.windows.clock = clock

    def wrap(self, face: ASGIApp, policy: VendorPolicy) -> ASGIApp:
        return _LimitedFace(face, policy, self)

    def applies_to(self, company_id: int | None) -> bool:
        if self.runtime.settings.vendor_limits:
            return True
        if company_id is None:
            return False
        now = self.clock()
        cached = self._settings.get(company_id)
        if cached is None or cached[0] <= now:
            enabled = companies.has_vendor_limits(self.runtime.uow(read_only=True), company_id)
            cached = (now + SETTING_TTL_SECONDS, enabled)
            self._settings[company_id] = cached
        return cached[1]

    def count(self, policy: VendorPolicy, token: str, company_id: int | None) -> list[Usage]:
        token_key = hashlib.sha256(token.encode()).hexdigest()
        usages = []
        for limit in policy.limits:
            if limit.per == "token":
                key = (policy.name, "token", token_key, str(limit.period_seconds))
            elif company_id is not None:
                key = (policy.name, "company", str(company_id), str(limit.period_seconds))
            else:
                continue
            usages.append(self.windows.hit(key, limit))
        return usages


class _LimitedFace(FaceWrapper):
    """ASGI middleware in front of one face: counts, rejects past a limit, adds headers."""

    def __init__(self, face: ASGIApp, policy: VendorPolicy, limits: VendorLimits) -> None:
        super().__init__(face)
        self.policy = policy
        self.limits = limits

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.face(scope, receive, send)
            return
        headers = Headers(scope=scope)
        token = self.policy.token_of(headers)
        company_id = _company_id(headers.get(self.policy.company_header))
        # Requests without a token are answered 401 by the face and are not counted.
        if token is None or not self.limits.applies_to(company_id):
            await self.face(scope, receive, send)
            return
        usages = self.limits.count(self.policy, token, company_id)
        now = self.limits.clock()
        exceeded = [usage for usage in usages if usage.exceeded]
        if exceeded:
            # The window that ends last decides when the caller may try again.
            blocking = max(exceeded, key=lambda usage: usage.resets_at)
            rejection = self.policy.reject(blocking, now)
            rejection.headers.update(self.policy.headers_on_every_response(usages, now))
            await _send_rejection(send, rejection)
            return
        extra = self.policy.headers_on_every_response(usages, now)

        async def send_with_headers(message: Message) -> None:
            if message["type"] == "http.response.start" and extra:
                response_headers = MutableHeaders(scope=message)
                for name, value in extra.items():
                    response_headers[name] = value
            await send(message)

        await self.face(scope, receive, send_with_headers)


async def _send_rejection(send: Send, rejection: Rejection) -> None:
    headers = [(name.lower().encode(), value.encode()) for name, value in rejection.headers.items()]
    headers.append((b"content-length", str(len(rejection.body)).encode()))
    await send({"type": "http.response.start", "status": rejection.status, "headers": headers})
    await send({"type": "http.response.body", "body": rejection.body})


def _company_id(text: str | None) -> int | None:
    if text is None:
        return None
    text = text.strip()
    if not (text.isascii() and text.isdigit() and len(text) <= 18):
        return None
    return int(text)


def _seconds_left(usage: Usage, now: float) -> int:
    return max(0, math.ceil(usage.resets_at - now))


# -- Productive ---------------------------------------------------------------------------------


def _productive_token(headers: Headers) -> str | None:
    return headers.get("x-auth-token") or None


def _productive_reject(usage: Usage, now: float) -> Rejection:
    whose = "API token" if usage.limit.per == "token" else "organization"
    body = {
        "errors": [
            {
                "status": 429,
                "title": "Too many requests",
                "detail": (
                    f"Rate limit of {usage.limit.requests} requests per "
                    f"{usage.limit.period_seconds} seconds per {whose} reached. "
                    "Try again later"
                ),
                "limit": usage.limit.requests,
                "period": usage.limit.period_seconds,
            }
        ]
    }
    return Rejection(
        status=429,
        headers={
            "Content-Type": "application/vnd.api+json; charset=utf-8",
            "X-RateLimit-Reset": str(_seconds_left(usage, now)),
        },
        body=json.dumps(body).encode(),
    )


PRODUCTIVE = VendorPolicy(
    name="productive",
    limits=(Limit(100, 10, "token"), Limit(4000, 1800, "company")),
    token_of=_productive_token,
    company_header="x-organization-id",
    headers_on_every_response=lambda usages, now: {},
    reject=_productive_reject,
)


# -- Procore ------------------------------------------------------------------------------------


def _bearer_token(headers: Headers) -> str | None:
    scheme, _, token = headers.get("authorization", "").partition(" ")
    return token.strip() or None if scheme.lower() == "bearer" else None


def _procore_headers(usages: Sequence[Usage], now: float) -> dict[str, str]:
    if not usages:
        return {}
    usage = usages[0]  # Procore has one limit, per token
    return {
        "X-Rate-Limit-Limit": str(usage.limit.requests),
        "X-Rate-Limit-Remaining": str(usage.remaining),
        "X-Rate-Limit-Reset": str(math.ceil(usage.resets_at)),
    }


def _procore_reject(usage: Usage, now: float) -> Rejection:
    body = {
        "errors": (
            f"Rate limit of {usage.limit.requests} requests per hour exceeded; "
            f"try again in {_seconds_left(usage, now)} seconds"
        )
    }
    return Rejection(
        status=429,
        headers={"Content-Type": "application/json", "Retry-After": str(_seconds_left(usage, now))},
        body=json.dumps(body).encode(),
    )


PROCORE = VendorPolicy(
    name="procore",
    limits=(Limit(3600, 3600, "token"),),
    token_of=_bearer_token,
    company_header="procore-company-id",
    headers_on_every_response=_procore_headers,
    reject=_procore_reject,
)
