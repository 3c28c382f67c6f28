"""Seeded fault injection: outages, slow replies, dropped connections, cut bodies, lost replies.

:class:`FaultInjector` decides, per request, which fault (if any) hits it; :class:`FaultMiddleware` (pure
ASGI, around the service's paths only, never ``/emulator/*``) carries the decision out:

* ``http_500``/``http_502``/``http_503``: an HTML error page with that status; the call is NOT processed.
* ``drop``: the reply starts (200, a Content-Length) and the connection closes mid-body; NOT processed.
* ``truncate``: the call IS processed; the 200 reply's body is cut short (broken JSON, or a short archive).
* ``lost_reply``: the call IS processed (a submitted job exists), then the reply is lost as
  ``lost_reply_kind`` says — the ambiguous case a client must reconcile.
* ``delay``: the reply waits ``delay_seconds`` of real time before the call is processed (may come on top
  of the others).
"""

from __future__ import annotations

import random
import threading
from collections.abc import Awaitable, Callable, MutableMapping
from dataclasses import dataclass
from typing import Any

import anyio
import httpx

from ._config import FaultConfig, FaultRule

__all__ = [
    "ConnectionDropped",
    "FaultDecision",
    "FaultInjector",
    "FaultMiddleware",
    "error_page",
]

Scope = MutableMapping[str, Any]
Message = MutableMapping[str, Any]
Receive = Callable[[], Awaitable[Message]]
Send = Callable[[Message], Awaitable[None]]
ASGIApp = Callable[[Scope, Receive, Send], Awaitable[None]]


class ConnectionDropped(httpx.RemoteProtocolError):
    """Raised by the emulator to abort a reply mid-body.

    Under uvicorn the server then closes the socket, so the client sees an incomplete message. Under
    ``httpx.ASGITransport`` this exception reaches the client directly; it is the very exception httpx
    raises for a peer that closes early, so code under test meets the same error either way.
    """

    def __init__(self, message: str = "peer closed connection without sending complete message body") -> None:
        super().__init__(message)


@dataclass(frozen=True, slots=True)
class FaultDecision:
    """What happens to one request: ``kind`` (None = no exclusive fault), ``lost_as``, ``delay`` seconds."""

    kind: str | None = None
    lost_as: str | None = None
    delay: float = 0.0

    @property
    def inert(self) -> bool:
        """True when the request goes through untouched."""
        return self.kind is None and self.delay <= 0


_NO_FAULT = FaultDecision()


class FaultInjector:
    """Draws faults from a seeded generator; thread-safe; reconfigurable while running."""

    def __init__(self, config: FaultConfig | None = None) -> None:
        self._lock = threading.Lock()
        self._config = FaultConfig()
        self._rules: dict[str, tuple[int, FaultRule]] = {}
        self._fired: dict[int, int] = {}
        self._rng = random.Random(0)
        self.configure(config or FaultConfig())

    @property
    def config(self) -> FaultConfig:
        """The rules in force (a copy; change them with :meth:`configure`)."""
        return self._config.model_copy(deep=True)

    def configure(self, config: FaultConfig) -> None:
        """Replace every rule; restarts the random sequence and the ``limit`` counts."""
        with self._lock:
            self._config = config.model_copy(deep=True)
            self._rules = {rule.endpoint: (index, rule) for index, rule in enumerate(self._config.rules)}
            self._fired = {}
            self._rng = random.Random(f"faults/{config.seed}")

    def fired(self) -> dict[str, int]:
        """How many times each rule has fired, keyed by its endpoint."""
        with self._lock:
            return {rule.endpoint: self._fired.get(index, 0) for index, rule in self._rules.values()}

    def decide(self, endpoint: str) -> FaultDecision:
        """The fault for one request to ``endpoint`` (an API path or ``download``)."""
        with self._lock:
            if not self._rules:
                return _NO_FAULT
            found = self._rules.get(endpoint) or self._rules.get("*")
            if found is None:
                return _NO_FAULT
            index, rule = found
            if rule.limit is not None and self._fired.get(index, 0) >= rule.limit:
                return _NO_FAULT
            draw, delay_draw = self._rng.random(), self._rng.random()
            kind: str | None = None
            total = 0.0
            for name, probability in rule.exclusive:
                total += probability
                if probability > 0 and draw < total:
                    kind = name
                    break
            delay = rule.delay_seconds if rule.delay > 0 and delay_draw < rule.delay else 0.0
            if kind is None and delay <= 0:
                return _NO_FAULT
            self._fired[index] = self._fired.get(index, 0) + 1
            return FaultDecision(
                kind=kind, lost_as=rule.lost_reply_kind if kind == "lost_reply" else None, delay=delay
            )


_REASONS = {500: "Internal Server Error", 502: "Bad Gateway", 503: "Service Unavailable", 404: "Not Found"}


def error_page(status: int) -> bytes:
    """The HTML page of an HTTP error, as a web server or proxy in front of the service would send."""
    if status == 404:
        return (
            b"<!DOCTYPE html>\n<html lang='en'><head><meta charset='utf-8'>"
            b"<title>UKSSDC | 404 page not found</title></head>\n<body><h1>404 page not found</h1>"
            b"<p>The page you requested does not exist on this server.</p></body></html>\n"
        )
    reason = _REASONS.get(status, "Error")
    return (
        '<!DOCTYPE HTML PUBLIC "-//IETF//DTD HTML 2.0//EN">\n'
        f"<html><head>\n<title>{status} {reason}</title>\n"
        f"</head><body>\n<h1>{reason}</h1>\n<p>The server is temporarily unable to service your request. "
        "Please try again later.</p>\n</body></html>\n"
    ).encode()


async def _send_error_page(send: Send, status: int) -> None:
    body = error_page(status)
    await send(
        {
            "type": "http.response.start",
            "status": status,
            "headers": [
                (b"content-type", b"text/html; charset=iso-8859-1"),
                (b"content-length", str(len(body)).encode()),
            ],
        }
    )
    await send({"type": "http.response.body", "body": body})


async def _send_dropped(send: Send, body: bytes, headers: list[tuple[bytes, bytes]] | None = None) -> None:
    """Start a 200 reply promising ``len(body)`` bytes, send fewer, then abort the connection."""
    declared = max(len(body), 64)
    kept = [
        (k, v)
        for k, v in (headers or [(b"content-type", b"text/html; charset=UTF-8")])
        if k != b"content-length"
    ]
    await send(
        {
            "type": "http.response.start",
            "status": 200,
            "headers": [*kept, (b"content-length", str(declared).encode())],
        }
    )
    await send({"type": "http.response.body", "body": body[: len(body) // 3], "more_body": True})
    raise ConnectionDropped()


def _cut(body: bytes) -> bytes:
    """A strict prefix of ``body`` (half of it, at least one byte shorter)."""
    return body[: max(0, min(len(body) - 1, len(body) // 2))]


class FaultMiddleware:
    """ASGI middleware applying :class:`FaultInjector` decisions to the service's paths.

    ``classify(path)`` names the endpoint of a path (or None for paths faults never touch); ``on_fault``
    is told of every fault (for metrics).
    """

    def __init__(
        self,
        app: ASGIApp,
        *,
        injector: Callable[[], FaultInjector],
        classify: Callable[[str], str | None],
        on_fault: Callable[[str, str], None],
    ) -> None:
        self.app = app
        self._injector = injector
        self._classify = classify
        self._on_fault = on_fault

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        endpoint = self._classify(scope["path"])
        decision = self._injector().decide(endpoint) if endpoint is not None else _NO_FAULT
        if decision.inert or endpoint is None:
            await self.app(scope, receive, send)
            return
        if decision.delay > 0:
            self._on_fault(endpoint, "delay")
            await anyio.sleep(decision.delay)
        kind = decision.kind
        if kind is None:
            await self.app(scope, receive, send)
            return
        self._on_fault(endpoint, kind)
        if kind.startswith("http_"):
            await _send_error_page(send, int(kind[5:]))
        elif kind == "drop":
            await _send_dropped(send, b'{"OK":1,"APIVersion":"')
        elif kind == "truncate":
            await self._truncated(scope, receive, send)
        else:
            await self._lost(scope, receive, send, decision.lost_as or "drop", endpoint)

    async def _truncated(self, scope: Scope, receive: Receive, send: Send) -> None:
        """Process the call; pass the reply on but end its body early (no Content-Length, so it is clean)."""
        state = {"cut": False}

        async def cutting_send(message: Message) -> None:
            if message["type"] == "http.response.start":
                headers = [(k, v) for k, v in message.get("headers", []) if k.lower() != b"content-length"]
                await send({**message, "headers": headers})
            elif message["type"] == "http.response.body" and not state["cut"]:
                body = message.get("body", b"")
                if body or not message.get("more_body", False):
                    state["cut"] = True
                    await send({"type": "http.response.body", "body": _cut(body), "more_body": False})

        await self.app(scope, receive, cutting_send)

    async def _lost(self, scope: Scope, receive: Receive, send: Send, lost_as: str, endpoint: str) -> None:
        """Process the call, then lose its reply."""
        if lost_as == "truncate":
            await self._truncated(scope, receive, send)
            return
        captured: dict[str, Any] = {"headers": None, "body": b""}

        async def capturing_send(message: Message) -> None:
            if message["type"] == "http.response.start":
                captured["headers"] = list(message.get("headers", []))
                if endpoint == "download":  # never buffer an archive: abort at once
                    await _send_dropped(send, b"", captured["headers"])
            elif message["type"] == "http.response.body":
                captured["body"] += message.get("body", b"")

        await self.app(scope, receive, capturing_send)
        if lost_as.startswith("http_"):
            await _send_error_page(send, int(lost_as[5:]))
        else:
            await _send_dropped(send, captured["body"], captured["headers"])
