"""Fixtures of the client tests."""

from __future__ import annotations

from collections.abc import AsyncIterator

import pytest

from tests.support.client import LOOP, USER
from xrt_prods_async.client import XRTClient
from xrt_prods_async.http import RetryPolicy


@pytest.fixture
async def client(no_backoff: None) -> AsyncIterator[XRTClient]:
    """An XRTClient on a loopback URL with a fast poll interval and three attempts per call."""
    async with XRTClient(USER, base_url=LOOP, poll_interval=0.01, retry=RetryPolicy(attempts=3)) as c:
        yield c
