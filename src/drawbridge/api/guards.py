"""The request guard: what every face refuses before any of its routes runs.

One ASGI middleware around the whole application. It picks the face by the longest registered
path prefix and answers in that face's envelope (each face registers its ``error_response``
through ``make_face``), so a face mounted later is protected the moment it is mounted:

- A path or query parameter holding NUL is a 400.
- A request that carries a body is authenticated from its headers first (the face's
  ``authenticate``): a caller without a valid token is refused before one byte of the body is
  read.
- A body larger than the limit (``DRAWBRIDGE_MAX_BODY_BYTES``) is a 413: at once when its
  ``Content-Length`` says so, or as soon as the bytes read pass the limit. Other bodies stream
  through (multipart uploads are spooled to disk by the parser, never held whole in memory).
- A JSON body is read and inspected: it must be valid JSON (UTF-8), nested at most
  ``MAX_JSON_DEPTH`` deep, without NaN/Infinity or numbers beyond a double, and every key and
  string must be valid Unicode without NUL. The first problem is a 400 naming its field.

Why validate at the boundary rather than render each response inside its transaction: a write
that commits and then cannot be rendered (a lone surrogate, a NaN) poisons every later read of
the record. Refusing such values here, for every face and every field at once, and again in
the store (``store.text_guard``) as the last line, means nothing that cannot be rendered is ever
committed, without tying the services' transactions to each face's renderer.
"""

from __future__ import annotations

import json
import re
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from decimal import Decimal
from email.message import Message
from typing import Any, Protocol
from urllib.parse import parse_qsl

from starlette.concurrency import run_in_threadpool
from starlette.datastructures import Headers
from starlette.responses import Response
from starlette.types import ASGIApp, Receive, Scope, Send
from starlette.types import Message as AsgiMessage

from drawbridge.domain.errors import Forbidden, LedgerError, Unauthorized
from drawbridge.domain.text import text_problem

MAX_JSON_DEPTH = 64
# The largest finite double: a JSON number beyond it would parse to infinity.
_MAX_DOUBLE = Decimal("1.7976931348623157e308")


class ErrorResponse(Protocol):
    """Renders one error in a face's envelope (JSON, or a page for the web face)."""

    def __call__(
        self, status: int, code: str, message: str, *, field: str | None = None
    ) -> Response: ...


# Checks a caller's credentials from the request headers; raises a LedgerError (Unauthorized).
# What it returns (who the caller is) is kept in the request's state under ADMITTED_CALLER, so
# that the face need not authenticate the same request a second time.
Authenticate = Callable[[Headers], object]
ADMITTED_CALLER = "drawbridge_admitted_caller"


@dataclass(frozen=True)
class FaceGuard:
    """What the guard needs to know of a face: how it answers errors and who may call it."""

    error_response: ErrorResponse
    authenticate: Authenticate | None = None
    # Sub-prefixes of the face (``/v2.0``) whose routes answer in another envelope.
    error_responses_under: Mapping[str, ErrorResponse] = field(default_factory=dict)
    # Sub-paths that take no prior credentials: a token endpoint is how a caller gets them.
    open_paths: frozenset[str] = frozenset()
    # Where the face's callers put their token, when not in ``Authorization: Bearer``.
    token_of: Callable[[Headers], str | None] | None = None


class Refusal(Exception):
    """A request the guard answers itself."""

    def __init__(self, status: int, code: str, message: str, field: str | None = None) -> None:
        super().__init__(message)
        self.status = status
        self.code = code
        self.message = message
        self.field = field


class _BodyTooLarge(Exception):
    pass


class RequestGuard:
    def __init__(
        self,
        app: ASGIApp,
        *,
        faces: Mapping[str, FaceGuard],
        fallback: ErrorResponse,
        max_body_bytes: int,
    ) -> None:
        self.app = app
        self.fallback = fallback
        self.max_body_bytes = max_body_bytes
        # Longest prefix first, so a face's sub-prefix wins over the face itself.
        renderers: dict[str, ErrorResponse] = {}
        for prefix, guard in faces.items():
            renderers[prefix] = guard.error_response
            for sub, render in guard.error_responses_under.items():
                renderers[prefix + sub] = render
        self._renderers = sorted(renderers.items(), key=lambda item: -len(item[0]))
        self._faces = sorted(faces.items(), key=lambda item: -len(item[0]))

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        path: str = scope["path"]
        render = next(
            (render for prefix, render in self._renderers if _under(path, prefix)), self.fallback
        )
        face, subpath = next(
            ((guard, path[len(prefix) :]) for prefix, guard in self._faces if _under(path, prefix)),
            (None, path),
        )
        try:
            body = await self._admit(scope, receive, face, subpath)
        except Refusal as refusal:
            response = render(refusal.status, refusal.code, refusal.message, field=refusal.field)
            await response(scope, receive, send)
            return
        if body is not None:
            await self.app(scope, _replay(body, receive), send)
        else:
            await self._stream(scope, receive, send, render)

    async def _admit(
        self, scope: Scope, receive: Receive, face: FaceGuard | None, subpath: str
    ) -> bytes | None:
        """Checks the request before the face sees it; returns the JSON body it read, if any."""
        _check_target(scope)
        headers = Headers(scope=scope)
        declared = headers.get("content-length")
        if not (declared not in (None, "0") or "transfer-encoding" in headers):
            return None
        if face is not None and face.authenticate is not None and subpath not in face.open_paths:
            try:
                caller = await run_in_threadpool(face.authenticate, headers)
            except LedgerError as error:
                status = 403 if isinstance(error, Forbidden) else 401
                code = (
                    error.code if isinstance(error, (Forbidden, Unauthorized)) else "unauthorized"
                )
                raise Refusal(status, code, error.message) from None
            scope.setdefault("state", {})[ADMITTED_CALLER] = caller
        if declared is not None:
            if not (declared.isascii() and declared.isdigit()):
                raise Refusal(400, "bad_request", "Content-Length: not a byte count")
            if int(declared) > self.max_body_bytes:
                raise self._too_large()
        content_type = headers.get("content-type")
        if content_type and not _is_json(content_type):
            return None
        body = await self._read(receive)
        # Without a content type a body may be JSON (FastAPI reads it as such) or not (a YAML
        # fixture): only what parses as JSON is held to the JSON rules.
        problem = json_problem(body, declared=bool(content_type))
        if problem is not None:
            where, message = problem
            raise Refusal(400, "bad_request", f"{where}: {message}", where)
        return body

    async def _read(self, receive: Receive) -> bytes:
        chunks: list[bytes] = []
        size = 0
        while True:
            message = await receive()
            if message["type"] != "http.request":
                break
            chunk = message.get("body", b"")
            size += len(chunk)
            if size > self.max_body_bytes:
                raise self._too_large()
            chunks.append(chunk)
            if not message.get("more_body", False):
                break
        return b"".join(chunks)

    async def _stream(
        self, scope: Scope, receive: Receive, send: Send, render: ErrorResponse
    ) -> None:
        """Passes a non-JSON body through, counting it; past the limit the face's answer is
        dropped and the guard answers 413 instead."""
        received = 0
        too_large = False

        async def counted() -> AsgiMessage:
            nonlocal received, too_large
            message = await receive()
            if message["type"] == "http.request":
                received += len(message.get("body", b""))
                if received > self.max_body_bytes:
                    too_large = True
                    raise _BodyTooLarge
            return message

        async def unless_too_large(message: AsgiMessage) -> None:
            if not too_large:
                await send(message)

        try:
            await self.app(scope, counted, unless_too_large)
        except Exception:
            if not too_large:
                raise
        if too_large:
            refusal = self._too_large()
            response = render(refusal.status, refusal.code, refusal.message, field=refusal.field)
            await response(scope, receive, send)

    def _too_large(self) -> Refusal:
        return Refusal(
            413, "payload_too_large", f"body: larger than {self.max_body_bytes} bytes", "body"
        )


def json_problem(body: bytes, *, declared: bool = True) -> tuple[str, str] | None:
    """The first reason a JSON body cannot be taken, as (field, message); None when it can.

    An empty body is left to the face (most treat it as ``{}``), and so is a body that is not
    JSON when it was not ``declared`` JSON by its content type.
    """
    if not body.strip():
        return None
    try:
        document = json.loads(body, parse_float=Decimal, parse_constant=_no_constant)
    except RecursionError:
        return "body", f"JSON nested deeper than {MAX_JSON_DEPTH} levels"
    except _NotANumber as error:
        return "body", f"{error} is not a JSON number"
    except ValueError:  # also invalid UTF-8 (UnicodeDecodeError)
        return ("body", "not valid JSON") if declared else None
    if _plainly_fine(body):
        return None
    # Depth-first, with an explicit stack: no recursion, whatever the input.
    stack: list[tuple[Any, str, int]] = [(document, "", 1)]
    while stack:
        value, where, depth = stack.pop()
        if isinstance(value, (dict, list)) and depth > MAX_JSON_DEPTH:
            return where or "body", f"JSON nested deeper than {MAX_JSON_DEPTH} levels"
        if isinstance(value, dict):
            for key, item in value.items():
                name = f"{where}.{key}" if where else key
                problem = text_problem(key)
                if problem is not None:
                    return (where or "body"), f"a key is {problem}"
                stack.append((item, name, depth + 1))
        elif isinstance(value, list):
            stack.extend((item, f"{where}[{index}]", depth + 1) for index, item in enumerate(value))
        elif isinstance(value, str):
            problem = text_problem(value)
            if problem is not None:
                return where or "body", problem
        elif isinstance(value, Decimal) and value.copy_abs() > _MAX_DOUBLE:
            return where or "body", "number out of range"
    return None


# What could make a parsed body's value a problem: an escape (a NUL or a lone surrogate written
# as \u0000 or \ud800), a NUL byte, and a number out of range (an exponent, or 300 digits).
_MAYBE_A_PROBLEM = re.compile(rb"[\\\x00]|[0-9.][eE]|[0-9]{300}")


def _plainly_fine(body: bytes) -> bool:
    """Whether a body that parsed cannot hold what :func:`json_problem` looks for, without
    walking it: ASCII (no text decoded into a lone surrogate), nothing _MAYBE_A_PROBLEM finds,
    and too few brackets to nest deeper than MAX_JSON_DEPTH. What a request usually sends;
    anything else is walked."""
    return (
        body.isascii()
        and body.count(b"{") + body.count(b"[") <= MAX_JSON_DEPTH
        and _MAYBE_A_PROBLEM.search(body) is None
    )


class _NotANumber(ValueError):
    pass


def _no_constant(name: str) -> object:
    raise _NotANumber(name)


def _check_target(scope: Scope) -> None:
    """NUL has no place in a path or a query value (and PostgreSQL text cannot hold it)."""
    if "\x00" in scope["path"]:
        raise Refusal(400, "bad_request", "path: must not contain NUL characters", "path")
    query = scope.get("query_string", b"").decode("latin-1")
    if "%00" in query or "\x00" in query:
        for key, value in parse_qsl(query, keep_blank_values=True):
            if "\x00" in key or "\x00" in value:
                name = key.replace("\x00", "\\0")
                raise Refusal(400, "bad_request", f"{name}: must not contain NUL characters", name)


def _is_json(content_type: str) -> bool:
    """The content types FastAPI reads as JSON: application/json, application/*+json."""
    message = Message()
    message["content-type"] = content_type
    if message.get_content_maintype() != "application":
        return False
    subtype = message.get_content_subtype()
    return subtype == "json" or subtype.endswith("+json")


def _under(path: str, prefix: str) -> bool:
    return path == prefix or path.startswith(prefix + "/")


def _replay(body: bytes, receive: Receive) -> Receive:
    """A receive that hands over the body already read, then listens for the disconnect."""
    sent = False

    async def replay() -> AsgiMessage:
        nonlocal sent
        if not sent:
            sent = True
            return {"type": "http.request", "body": body, "more_body": False}
        return await receive()

    return replay
