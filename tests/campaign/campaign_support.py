"""Helpers for campaign tests: a fast emulator, a fast client, requests with distinct names, metric checks."""

from __future__ import annotations

from collections import Counter
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from typing import Any

from xrt_prods_async.campaign import CampaignItem
from xrt_prods_async.client import XRTClient
from xrt_prods_async.emulator import DEMO_USER_ID, EmulatorConfig, running_emulator
from xrt_prods_async.emulator.server import RunningEmulator
from xrt_prods_async.http import RetryPolicy
from xrt_prods_async.params import JobRequest

USER = DEMO_USER_ID

#: Simulated seconds per real second for campaign tests: a 60 s job passes in 12 ms.
TIME_SCALE = 5000.0
#: The real service's polite poll interval (60 s), on the emulator's scaled clock.
POLL = 60.0 / TIME_SCALE

#: Quick retries so fault tests finish fast; still bounded in attempts and total time.
FAST_RETRY = RetryPolicy(attempts=8, timeout=10.0, wait_initial=0.005, wait_max=0.05, wait_jitter=0.005)


def position_request(name: str, **products: Any) -> JobRequest:
    """A cheap request (a standard position by default) for a source of the given name."""
    return JobRequest(
        name=name,
        RA=52.8,
        Dec=43.9043,
        targ="00010873",
        centroid=True,
        posErr=1,
        **(products or {"StandardPos": {}}),
    )


def items(count: int, prefix: str = "src", **products: Any) -> list[CampaignItem]:
    """``count`` requests with distinct names, so the server's jobs can be counted per source."""
    return [
        CampaignItem(f"{prefix}-{i:04d}", position_request(f"{prefix}-{i:04d}", **products))
        for i in range(count)
    ]


@asynccontextmanager
async def emulator(**config: Any) -> AsyncIterator[RunningEmulator]:
    """The emulator on loopback with the campaign tests' time scale (overridable)."""
    config.setdefault("time_scale", TIME_SCALE)
    config.setdefault("workers", 8)
    config.setdefault("max_jobs_per_user", 20)
    async with running_emulator(EmulatorConfig(**config)) as emu:
        yield emu


def client(emu: RunningEmulator, **kwargs: Any) -> XRTClient:
    """A client of the emulator with short timeouts and quick retries."""
    kwargs.setdefault("poll_interval", POLL)
    kwargs.setdefault("retry", FAST_RETRY)
    kwargs.setdefault("timeout", 5.0)
    return XRTClient(user_id=USER, base_url=emu.base_url, **kwargs)


def user_metrics(emu: RunningEmulator) -> dict[str, Any]:
    """The emulator's metrics for the test user."""
    users: dict[str, Any] = emu.state.metrics_snapshot()["users"]
    return dict(users[USER.lower()])


def jobs_per_name(emu: RunningEmulator) -> Counter[str]:
    """How many server jobs each source name has."""
    jobs = user_metrics(emu)["jobs"]
    return Counter(str(job["name"]) for job in jobs.values())
