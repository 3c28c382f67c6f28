"""The emulator's clock: simulated seconds that run ``time_scale`` times faster than real time.

Jobs, progress and metrics live on simulated time, so a five-minute job can finish in milliseconds of a test.
Tests may also jump the clock forward (:meth:`SimClock.advance`) to reach a state without waiting.
"""

from __future__ import annotations

import bisect
import math
import threading
import time
from collections.abc import Callable
from datetime import UTC, datetime, timedelta

__all__ = ["MAX_TIME_SCALE", "SimClock", "format_hms"]

#: Fastest clock: a billion simulated seconds per real second (tests use up to a million).
MAX_TIME_SCALE = 1e9


def _checked_scale(time_scale: float) -> float:
    if not 0 < time_scale <= MAX_TIME_SCALE:  # also refuses NaN
        raise ValueError(f"time_scale must be positive and at most {MAX_TIME_SCALE:g}, got {time_scale}")
    return float(time_scale)


class SimClock:
    """Simulated seconds since the emulator started; thread-safe.

    Simulated time is piecewise linear in real (monotonic) time: each :meth:`advance` or
    :meth:`set_time_scale` starts a new segment, so time never runs backwards and :meth:`wall_at` can map
    any simulated moment back to the real moment it was (or will be) reached.
    """

    def __init__(
        self,
        time_scale: float,
        *,
        monotonic: Callable[[], float] = time.monotonic,
        wall: Callable[[], datetime] | None = None,
    ) -> None:
        time_scale = _checked_scale(time_scale)
        self._monotonic = monotonic
        self._wall = wall or (lambda: datetime.now(UTC))
        self._lock = threading.Lock()
        origin = monotonic()
        self._origin = origin
        self._wall_origin = self._wall()
        # Segments (simulated start, monotonic start, scale); the last one is current.
        self._sims: list[float] = [0.0]
        self._monos: list[float] = [origin]
        self._scales: list[float] = [float(time_scale)]

    @property
    def time_scale(self) -> float:
        """Simulated seconds per real second."""
        return self._scales[-1]

    def _now_locked(self, mono: float) -> float:
        return self._sims[-1] + self._scales[-1] * (mono - self._monos[-1])

    def now(self) -> float:
        """Current simulated time in seconds since the start."""
        mono = self._monotonic()
        with self._lock:
            return self._now_locked(mono)

    def advance(self, seconds: float) -> float:
        """Jump forward by ``seconds`` of simulated time (never backwards); returns the new time."""
        if not seconds >= 0:  # also refuses NaN
            raise ValueError(f"the clock only moves forward; cannot advance by {seconds}")
        mono = self._monotonic()
        with self._lock:
            target = self._now_locked(mono) + seconds
            if not math.isfinite(target):
                raise ValueError(f"cannot advance by {seconds}: simulated time would be infinite")
            self._sims.append(target)
            self._monos.append(mono)
            self._scales.append(self._scales[-1])
            return target

    def set_time_scale(self, time_scale: float) -> None:
        """Change the speed from now on, keeping the current simulated time."""
        time_scale = _checked_scale(time_scale)
        mono = self._monotonic()
        with self._lock:
            self._sims.append(self._now_locked(mono))
            self._monos.append(mono)
            self._scales.append(time_scale)

    def wall_now(self) -> datetime:
        """The real UTC time (for ``DateSubmitted`` and metrics)."""
        return self._wall()

    def wall_at(self, sim: float) -> datetime:
        """The real UTC time at which simulated time reached ``sim`` (future moments: at the current pace).

        A moment skipped by :meth:`advance` maps to the real time of that jump.
        """
        with self._lock:
            index = max(0, bisect.bisect_right(self._sims, sim) - 1)
            start, mono, scale = self._sims[index], self._monos[index], self._scales[index]
            real = mono + (sim - start) / scale
            if index + 1 < len(self._sims):
                real = min(real, self._monos[index + 1])
        try:
            return self._wall_origin + timedelta(seconds=real - self._origin)
        except OverflowError:  # a clock advanced past the year 9999
            return datetime.max.replace(tzinfo=UTC)


def format_hms(seconds: float) -> str:
    """``HH:MM:SS`` of a duration (hours may exceed 24), as the service's ``TimeRunning``."""
    total = max(0, int(seconds))
    hours, rest = divmod(total, 3600)
    minutes, secs = divmod(rest, 60)
    return f"{hours:02d}:{minutes:02d}:{secs:02d}"
