"""Fixtures of the emulator tests: an app reached through ``httpx.ASGITransport``."""

from __future__ import annotations

import json
from collections.abc import AsyncIterator, Awaitable, Callable
from typing import Any

import pytest

from tests.support.emulator import Service, service_for
from xrt_prods_async.emulator import EmulatorConfig
from xrt_prods_async.wire import MAIN_API_PATH, MAIN_API_VERSION


@pytest.fixture
async def service() -> AsyncIterator[Service]:
    """A fresh emulator (users ``USER`` and ``OTHER``) whose clock stands still unless advanced."""
    async with service_for() as svc:
        yield svc


@pytest.fixture
def make_service() -> Callable[[EmulatorConfig], Any]:
    """``async with make_service(config) as svc:`` for tests that need their own settings."""
    return service_for


MainApi = Callable[..., Awaitable[dict[str, Any]]]


def _main_api_of(service: Service) -> MainApi:
    async def call(func: str, **arguments: Any) -> dict[str, Any]:
        body = {**arguments, "APIFunc": func, "APIVersion": MAIN_API_VERSION}
        response = await service.client.post(f"/{MAIN_API_PATH}", json=body)
        assert response.status_code == 200, response.text
        assert response.headers["content-type"] == "text/html; charset=UTF-8"
        reply = json.loads(response.text)
        assert isinstance(reply, dict)
        assert reply["APIVersion"] == MAIN_API_VERSION
        return reply

    return call


@pytest.fixture
def main_api(service: Service) -> MainApi:
    """``await main_api("checkRebinStatus", JobID=70001)``: one call of the ``service``'s main API, decoded.

    Every reply must be HTTP 200 with one JSON object carrying ``APIVersion``, whatever the outcome.
    """
    return _main_api_of(service)


@pytest.fixture
def main_api_of() -> Callable[[Service], MainApi]:
    """``main_api_of(svc)``: the ``main_api`` caller of another service (one from ``make_service``)."""
    return _main_api_of
