"""Fixtures of the client, http and wire tests (this folder is a package, so this conftest does not shadow
the root ``conftest`` module other test folders import)."""

from __future__ import annotations

from collections.abc import AsyncIterator, Iterator

import pytest
import stamina

from xrt_prods_async.client import XRTClient
from xrt_prods_async.http import RetryPolicy

from .client_helpers import LOOP, USER


@pytest.fixture
def no_backoff() -> Iterator[None]:
    """Retries keep their attempt bounds but skip the backoff sleeps (stamina's test mode, capped)."""
    with stamina.set_testing(True, attempts=1000, cap=True):
        yield


@pytest.fixture
async def client(no_backoff: None) -> AsyncIterator[XRTClient]:
    """An XRTClient on a loopback URL with a fast poll interval and three attempts per call."""
    async with XRTClient(USER, base_url=LOOP, poll_interval=0.01, retry=RetryPolicy(attempts=3)) as c:
        yield c
