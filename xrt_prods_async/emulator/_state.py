"""The live state of one emulator: users, jobs, clock, worker pool, faults and metrics, behind one lock.

Request handlers take :attr:`EmulatorState.lock`, call :meth:`EmulatorState.sync` to bring the simulation
up to the clock, then read or change the state. Tests reach the same object as ``emu.state`` to move the
clock, change faults or read metrics while the server runs.

Jobs are indexed by JobID and, per user, by submission order and by activity, and the indexes change with
every submission, every product that settles (the simulation reports each job whose last product did) and
every reset, so ``getNumJobs``, the submission cap and ``listOldJobs`` cost the same however many jobs the
emulator holds.
"""

from __future__ import annotations

import random
import threading
from typing import Any

from ._catalogue import CatalogueResolver
from ._clock import SimClock
from ._config import EmulatorConfig
from ._faults import FaultInjector
from ._jobs import Job, Simulation
from ._metrics import Metrics
from ._rebin import Rebins
from ._validation import NameResolver

__all__ = ["EmulatorState", "user_key"]


def user_key(user_id: str) -> str:
    """The form a UserID is compared in: e-mail addresses are matched case-insensitively."""
    return user_id.strip().lower()


class EmulatorState:
    """Everything one emulator run knows. Build it from an :class:`EmulatorConfig`."""

    def __init__(self, config: EmulatorConfig | None = None, *, resolver: NameResolver | None = None) -> None:
        self.config = config or EmulatorConfig()
        #: Resolves names for getCoords/getTargs/getT0; the built-in catalogue unless a test swaps it.
        self.resolver: NameResolver = resolver if resolver is not None else CatalogueResolver()
        self.lock = threading.RLock()
        self.faults = FaultInjector(self.config.faults)
        self._start_run()

    def _start_run(self) -> None:
        config = self.config
        self.clock = SimClock(config.time_scale)
        self.simulation = Simulation(
            workers=config.workers,
            request_delay=config.request_delay,
            xastrom_correction=config.xastrom_correction,
            on_job_done=self._job_done,
        )
        #: Every job by JobID. Read it freely; add jobs with :meth:`add_job` only, which keeps the indexes.
        self.jobs: dict[int, Job] = {}
        self._history: dict[str, list[Job]] = {}  # per user, oldest first
        self._active: dict[str, dict[int, Job]] = {}  # per user, the jobs with a product still to be made
        self.metrics = Metrics()
        self._users: dict[str, str] = {user_key(u): u for u in config.users}
        self._next_job_id = config.start_job_id
        self.science_cache: dict[tuple[int, str], Any] = {}
        #: Light-curve rebins of the main API (docs/protocol.md §15), by RebinID.
        self.rebins = Rebins()
        #: Draws of cancel anomalies, in request order (seeded, so a replayed run repeats them).
        self.cancel_rng = random.Random(f"{config.seed}/cancel")

    def reset(self) -> None:
        """Forget every job, runtime user and count; restart the clock; restore the configured faults."""
        with self.lock:
            self._start_run()
            self.faults.configure(self.config.faults)

    # --- users
    @property
    def users(self) -> list[str]:
        """Registered UserIDs, as registered."""
        with self.lock:
            return sorted(self._users.values())

    def register_user(self, user_id: str) -> str:
        """Register a UserID at run time (idempotent); returns the key it is matched by."""
        cleaned = user_id.strip()
        if "@" not in cleaned:
            raise ValueError(f"a UserID is the e-mail address the user registered with; got {user_id!r}")
        with self.lock:
            self._users.setdefault(user_key(cleaned), cleaned)
        return user_key(cleaned)

    def is_registered(self, key: str) -> bool:
        """Whether a (lower-cased) UserID is registered."""
        return key in self._users

    # --- time and jobs
    def sync(self) -> float:
        """Advance the simulation to the clock's now; returns that simulated time. Hold the lock."""
        now = self.clock.now()
        if now < self.simulation.now:
            now = self.simulation.now
        self.simulation.advance(now)
        return now

    def add_job(self, job: Job, now: float) -> None:
        """Take a planned job (JobID from :meth:`allocate_job_id`): index it and queue its products."""
        history = self._history.setdefault(job.owner, [])
        if job.job_id in self.jobs or (history and history[-1].job_id > job.job_id):
            raise ValueError(f"job {job.job_id} is not newer than every job of {job.owner}")
        self.jobs[job.job_id] = job
        history.append(job)
        self.simulation.add(job, now)
        if job.unfinished:
            self._active.setdefault(job.owner, {})[job.job_id] = job

    def _job_done(self, job: Job) -> None:
        self._active.get(job.owner, {}).pop(job.job_id, None)

    def jobs_of(self, owner: str) -> list[Job]:
        """One user's jobs, newest first."""
        return self._history.get(owner, [])[::-1]

    def active_jobs(self, owner: str) -> int:
        """How many of a user's jobs have a product queued, running or waiting."""
        return len(self._active.get(owner, ()))

    def allocate_job_id(self) -> int:
        """The next JobID (increasing, never reused within a run)."""
        job_id = self._next_job_id
        self._next_job_id += 1
        return job_id

    def products_url(self, base_url: str, job_id: int) -> str:
        """A job's ``URL``, ``{scheme}://{host}/user_objects/tprods/USERPROD_{JobID}``, for this request."""
        return f"{base_url.rstrip('/')}/user_objects/tprods/USERPROD_{job_id}"

    def metrics_snapshot(self) -> dict[str, Any]:
        """The metrics document (schema in :mod:`xrt_prods_async.emulator._metrics`)."""
        with self.lock:
            now = self.sync()
            metrics = self.metrics
            return {
                "schema": 1,
                "clock": {
                    "simulated_now": round(now, 6),
                    "time_scale": self.clock.time_scale,
                    "wall_now": self.clock.wall_now().isoformat(),
                },
                "workers": {
                    "total": self.simulation.workers,
                    "busy": self.simulation.busy,
                    "queued": self.simulation.queued,
                },
                "requests": dict(metrics.requests),
                "downloads": dict(metrics.downloads),
                "faults": {endpoint: dict(kinds) for endpoint, kinds in metrics.faults.items()},
                "users": metrics.snapshot_users(
                    self.jobs.values(), registered=self.is_registered, wall_at=self.clock.wall_at
                ),
            }
