"""Fixtures for the emulator's tests: an app reached through ``httpx.ASGITransport`` and a call helper."""

from __future__ import annotations

import json
from collections.abc import AsyncIterator, Callable
from contextlib import asynccontextmanager
from typing import Any

import anyio
import httpx

from xrt_prods_async.emulator import DEMO_USER_ID, EmulatorConfig, EmulatorState, create_app
from xrt_prods_async.wire._endpoints import Endpoint

USER = DEMO_USER_ID
OTHER = "other@example.org"

#: A valid request with every product but source detection (the tutorial's, with our user).
ALL_PRODUCTS_REQUEST: dict[str, Any] = {
    "UserID": USER,
    "name": "GRB 200416A",
    "targ": "00966554",
    "RA": 335.6985,
    "Dec": -7.5179,
    "cent": 1,
    "centMeth": "simple",
    "poserr": 1,
    "lc": 1,
    "binMeth": "counts",
    "wtcounts": 30,
    "pccounts": 20,
    "dynamic": 1,
    "spec": 1,
    "specz": 0,
    "dopsf": 1,
    "doenh": 1,
    "doxastrom": 1,
    "image": 1,
}


class Service:
    """Talks to one emulator app the way a client would: POST JSON, decode the one-line reply."""

    def __init__(self, client: httpx.AsyncClient, state: EmulatorState) -> None:
        self.client = client
        self.state = state

    async def raw(self, endpoint: Endpoint | str, body: Any = None, **kwargs: Any) -> httpx.Response:
        path = f"/user_objects/{endpoint}"
        if isinstance(body, bytes | str):
            return await self.client.post(path, content=body, **kwargs)
        return await self.client.post(path, json=body, **kwargs)

    async def call(self, endpoint: Endpoint | str, body: Any = None, **kwargs: Any) -> dict[str, Any]:
        reply = await self.raw(endpoint, body, **kwargs)
        assert reply.status_code == 200, reply.text
        data = json.loads(reply.text)
        assert isinstance(data, dict)
        assert data["APIVersion"] == "1.12"
        return data

    async def submit(self, **overrides: Any) -> dict[str, Any]:
        body = {**ALL_PRODUCTS_REQUEST, **overrides}
        body = {k: v for k, v in body.items() if v is not None}
        reply = await self.call(Endpoint.SUBMIT, body)
        assert reply["OK"] == 1, reply
        return reply

    async def status(
        self, job_id: Any, what: str, prog: str | None = None, user: str = USER
    ) -> dict[str, Any]:
        body: dict[str, Any] = {"UserID": user, "JobID": job_id, "what": what}
        if prog is not None:
            body["whatProg"] = prog
        return await self.call(Endpoint.STATUS, body)

    def advance(self, seconds: float) -> None:
        self.state.clock.advance(seconds)


@asynccontextmanager
async def service_for(config: EmulatorConfig | None = None) -> AsyncIterator[Service]:
    """A :class:`Service` over a fresh app; a slow clock so only ``advance`` moves time noticeably."""
    app = create_app(config or EmulatorConfig(time_scale=1e-6, users=[USER, OTHER]))
    transport = httpx.ASGITransport(app=app)
    async with httpx.AsyncClient(transport=transport, base_url="http://testserver") as client:
        yield Service(client, app.state.emulator)


async def until(condition: Callable[[], bool], what: str, *, limit: float = 10.0) -> None:
    """Return as soon as ``condition()`` holds (checked every few milliseconds); fail after ``limit`` s.

    For what reaches an emulator in its own time (a request still on its way), instead of sleeping for a
    period in the hope that it has happened.
    """
    with anyio.move_on_after(limit):
        while not condition():  # noqa: ASYNC110 - the emulator's counters offer no event to wait on
            await anyio.sleep(0.005)
        return
    raise AssertionError(f"timed out after {limit:g} s waiting for {what}")
