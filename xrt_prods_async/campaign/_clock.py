"""Time as the scheduler sees it, injected so tests and benchmarks can run it on a scaled clock."""

from __future__ import annotations

import time
from datetime import UTC, datetime
from typing import Protocol

import anyio


class Clock(Protocol):
    """Monotonic seconds for intervals, sleeping, and wall-clock UTC for what the server records."""

    def monotonic(self) -> float: ...

    async def sleep(self, seconds: float) -> None: ...

    def utcnow(self) -> datetime: ...


class SystemClock:
    """The real clock."""

    def monotonic(self) -> float:
        """Seconds from an arbitrary origin, never going backwards."""
        return time.monotonic()

    async def sleep(self, seconds: float) -> None:
        """Sleep without blocking the event loop."""
        await anyio.sleep(max(0.0, seconds))

    def utcnow(self) -> datetime:
        """The current UTC time, timezone-aware."""
        return datetime.now(UTC)
