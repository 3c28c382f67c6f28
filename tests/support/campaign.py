"""Helpers for campaign tests: a fast emulator, a fast client, requests with distinct names, metric checks."""

from __future__ import annotations

import json
import os
import signal
import sqlite3
import subprocess
import sys
import time
from collections import Counter
from collections.abc import AsyncIterator, Callable
from contextlib import asynccontextmanager
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any, TypeVar

import anyio.lowlevel
import httpx

from xrt_prods_async.campaign import CampaignItem
from xrt_prods_async.client import XRTClient
from xrt_prods_async.emulator import DEMO_USER_ID, EmulatorConfig, create_app, running_emulator
from xrt_prods_async.emulator._clock import SimClock
from xrt_prods_async.emulator._server import RunningEmulator
from xrt_prods_async.emulator._state import EmulatorState
from xrt_prods_async.http import RetryPolicy
from xrt_prods_async.params import JobRequest

USER = DEMO_USER_ID

T = TypeVar("T")

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


# -- the command line in a subprocess ----------------------------------------------------------------


#: The command line with stamina's test mode on: retries as the policy says, without waiting between them.
_NO_BACKOFF = (
    "import sys, stamina; stamina.set_testing(True, attempts=5, cap=True); "
    "from xrt_prods_async.cli import main; sys.exit(main(sys.argv[1:]))"
)


class CampaignProcess:
    """``python -m xrt_prods_async campaign ...`` in a subprocess, its output kept in a file.

    With ``no_backoff`` the client retries a failed request at once instead of after 1, 2, 4... s: a campaign
    against a faulty emulator then takes seconds, with the same command line and the same retries.
    """

    def __init__(self, folder: Path, args: list[str], name: str, *, no_backoff: bool = False) -> None:
        self.log = folder / f"{name}.log"
        env = {k: v for k, v in os.environ.items() if k != "XRT_PRODS_USER_ID"}
        program = ["-c", _NO_BACKOFF] if no_backoff else ["-m", "xrt_prods_async"]
        with self.log.open("wb") as out:
            self.proc = subprocess.Popen(
                [sys.executable, *program, "campaign", *args],
                cwd=folder,
                stdout=out,
                stderr=subprocess.STDOUT,
                env=env,
            )

    def output(self) -> str:
        return self.log.read_text(encoding="utf-8", errors="replace")

    def kill(self) -> None:
        """SIGKILL: no handler, no cleanup, no flush — the harshest stop there is."""
        self.proc.send_signal(signal.SIGKILL)
        assert self.proc.wait(timeout=10) == -signal.SIGKILL

    def finish(self, timeout: float = 30.0) -> int:
        try:
            return self.proc.wait(timeout=timeout)
        except subprocess.TimeoutExpired:
            self.proc.kill()
            raise AssertionError(f"the campaign did not finish in {timeout} s:\n{self.output()}") from None


def wait_for(condition: Callable[[], T], what: str, process: CampaignProcess, timeout: float = 20.0) -> T:
    """Poll ``condition`` every 20 ms until it is truthy; fail if the process exits first or time runs out."""
    deadline = time.monotonic() + timeout
    while True:
        result = condition()
        if result:
            return result
        if process.proc.poll() is not None:
            raise AssertionError(
                f"the campaign exited ({process.proc.returncode}) before {what}:\n{process.output()}"
            )
        if time.monotonic() > deadline:
            raise AssertionError(f"timed out waiting for {what}:\n{process.output()}")
        time.sleep(0.02)


def ledger_states(ledger: Path) -> dict[str, str]:
    """Label -> state from the ledger, read-only (empty while the file is not there yet)."""
    try:
        db = sqlite3.connect(f"file:{ledger}?mode=ro", uri=True, timeout=1.0)
    except sqlite3.Error:
        return {}
    try:
        return dict(db.execute("SELECT label, state FROM entries").fetchall())
    except sqlite3.Error:
        return {}
    finally:
        db.close()


def in_state(states: dict[str, str], state: str) -> list[str]:
    return sorted(label for label, s in states.items() if s == state)


class ManualClock:
    """Time shared by the scheduler and an in-process emulator, moved only by sleeps and request latency.

    A whole campaign then runs in milliseconds of real time yet exactly: every interval the scheduler keeps
    and every gap the emulator measures is a sum of chosen numbers, free of the machine's timing noise.
    """

    def __init__(self) -> None:
        self.now = 0.0

    def monotonic(self) -> float:
        return self.now

    async def sleep(self, seconds: float) -> None:
        self.now += max(0.0, seconds)
        await anyio.lowlevel.checkpoint()

    def utcnow(self) -> datetime:
        return datetime(2026, 1, 1, tzinfo=UTC) + timedelta(seconds=self.now)


@dataclass(frozen=True)
class Call:
    """One API request as the service received it: endpoint, simulated time, JobID (if any)."""

    endpoint: str
    at: float
    job_id: int | None


class LatencyTransport(httpx.AsyncBaseTransport):
    """The emulator app in process; each request first costs ``latency(endpoint, n)`` simulated seconds.

    ``n`` counts earlier requests to the same endpoint, so a test can make one round slower than the next.
    While ``down(now, endpoint)`` holds (simulated seconds; ``endpoint`` is the last part of the path, e.g.
    ``getNumJobs.php`` or ``psf.tar.gz``), the request fails to connect, as to a host that is off.
    """

    def __init__(
        self,
        state: EmulatorState,
        clock: ManualClock,
        latency: Callable[[str, int], float] | None = None,
        down: Callable[[float, str], bool] | None = None,
    ) -> None:
        self._inner = httpx.ASGITransport(app=create_app(state=state))
        self.clock = clock
        self.latency = latency or (lambda endpoint, n: 0.0)
        self.down = down or (lambda now, endpoint: False)
        self.calls: list[Call] = []
        self.refused = 0

    async def handle_async_request(self, request: httpx.Request) -> httpx.Response:
        endpoint = request.url.path.rsplit("/", 1)[-1]
        if self.down(self.clock.now, endpoint):
            self.refused += 1
            raise httpx.ConnectError("[Errno 111] Connection refused", request=request)
        self.clock.now += self.latency(endpoint, sum(1 for c in self.calls if c.endpoint == endpoint))
        job = json.loads(request.content or b"{}").get("JobID") if request.method == "POST" else None
        self.calls.append(Call(endpoint, self.clock.now, None if job is None else int(job)))
        return await self._inner.handle_async_request(request)

    def times(self, endpoint: str) -> list[float]:
        """When each request to ``endpoint`` arrived."""
        return [c.at for c in self.calls if c.endpoint == endpoint]


def simulated_service(
    clock: ManualClock,
    latency: Callable[[str, int], float] | None = None,
    *,
    down: Callable[[float, str], bool] | None = None,
    **config: Any,
) -> tuple[EmulatorState, XRTClient, LatencyTransport]:
    """An emulator running on ``clock`` (scale 1) and a client that reaches it in process (unreachable
    while ``down(now, endpoint)``; the client then retries at once, a few times, in real time)."""
    config.setdefault("workers", 50)
    state = EmulatorState(EmulatorConfig(time_scale=1.0, **config))
    state.clock = SimClock(1.0, monotonic=clock.monotonic, wall=clock.utcnow)
    transport = LatencyTransport(state, clock, latency, down)
    xrt = XRTClient(
        user_id=USER,
        base_url="http://127.0.0.1/user_objects",
        poll_interval=60,
        transport=transport,
        retry=RetryPolicy(attempts=3, timeout=5.0, wait_initial=0.0, wait_max=0.0, wait_jitter=0.0),
    )
    return state, xrt, transport
