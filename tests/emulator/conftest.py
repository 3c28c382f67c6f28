"""Fixtures of the emulator tests: an app reached through ``httpx.ASGITransport``."""

from __future__ import annotations

from collections.abc import AsyncIterator, Callable
from typing import Any

import pytest

from tests.support.emulator import Service, service_for
from xrt_prods_async.emulator import EmulatorConfig


@pytest.fixture
async def service() -> AsyncIterator[Service]:
    """A fresh emulator (users ``USER`` and ``OTHER``) whose clock stands still unless advanced."""
    async with service_for() as svc:
        yield svc


@pytest.fixture
def make_service() -> Callable[[EmulatorConfig], Any]:
    """``async with make_service(config) as svc:`` for tests that need their own settings."""
    return service_for
