"""Jobs, their products, and the event-driven simulation of the service's shared worker pool.

Nothing runs in the background. Every product's life (requested → queued → running → finished) is a set
of timed events on simulated time; each request first advances the simulation to "now", so the state is
exact whatever the time scale and however rarely anyone looks. A job's build times and failures are drawn
at submission from a generator seeded by (run seed, JobID): the same seed gives the same run.
"""

from __future__ import annotations

import heapq
import itertools
import math
import random
from collections import deque
from collections.abc import Callable, Iterator, Mapping
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any

from xrt_prods_async._products import Product
from xrt_prods_async.wire._endpoints import GotProgress, StatusCode

from ._clock import format_hms
from ._config import EmulatorConfig
from ._progress import PLANS, render_steps

__all__ = [
    "ACTIVE_CODES",
    "STATUS_TEXT",
    "Job",
    "ProductRun",
    "Simulation",
    "plan_job",
]

#: Codes of a product that is still to be made: a job with one of these is "active" (getNumJobs, the cap).
ACTIVE_CODES = frozenset(
    {StatusCode.REQUESTED, StatusCode.QUEUED, StatusCode.RUNNING, StatusCode.WAITING_FOR_PSF}
)

#: ``statusText`` per code. Only Running, Complete and "Cancelled at your request" are documented.
STATUS_TEXT: dict[StatusCode, str] = {
    StatusCode.REQUESTED: "Requested, not yet queued",
    StatusCode.QUEUED: "Queued",
    StatusCode.RUNNING: "Running",
    StatusCode.COMPLETE: "Complete",
    StatusCode.WAITING_FOR_PSF: "Waiting for the standard position",
    StatusCode.NO_PRODUCT: "Failed: the job ran but did not produce a product",
    StatusCode.CANCELLED: "Cancelled at your request",
}


@dataclass(eq=False, slots=True)
class ProductRun:
    """One product of one job on its way through the simulation (times in simulated seconds)."""

    job: Job
    product: Product
    duration: float
    fails: bool
    items: dict[str, tuple[str, ...]]
    code: StatusCode = StatusCode.REQUESTED
    requested_at: float = 0.0
    queued_at: float | None = None
    started_at: float | None = None
    waiting_at: float | None = None
    finished_at: float | None = None
    cancelled_at: float | None = None

    @property
    def finished(self) -> bool:
        """Complete, failed or cancelled: it will not change again."""
        return self.code.finished

    def outcome(self) -> str | None:
        """``complete``/``failed``/``cancelled`` once finished (the science's archive outcome), else None."""
        if self.code is StatusCode.COMPLETE:
            return "complete"
        if self.code is StatusCode.CANCELLED:
            return "cancelled"
        if self.code.failed:
            return "failed"
        return None

    def status_entry(self, now: float, *, with_progress: bool) -> dict[str, Any]:
        """This product's object in a ``checkProductStatus.php`` reply."""
        progress: dict[str, Any]
        if with_progress and self.code is StatusCode.RUNNING and self.started_at is not None:
            plan = PLANS[self.product]
            elapsed = max(0.0, now - self.started_at)
            fraction = elapsed / self.duration if self.duration > 0 else 0.0
            progress = {}
            if plan.pre:
                progress["PreProgress"] = plan.pre
            progress["GotProgress"] = int(GotProgress.RETURNED)
            progress["ProgressSteps"] = render_steps(plan.steps, fraction, self.items)
            progress["TimeRunning"] = format_hms(elapsed)
        else:
            progress = {"GotProgress": int(GotProgress.NOT_REQUESTED)}
        return {"statusCode": int(self.code), "statusText": STATUS_TEXT[self.code], "progress": progress}


@dataclass(eq=False, slots=True, kw_only=True)
class StatusPolls:
    """How often something was polled for its status: the politeness figures the metrics report."""

    status_requests: int = 0
    last_status_at: float | None = None
    min_status_interval: float | None = None

    def note_status_request(self, now: float) -> None:
        """Count a status query and keep the shortest simulated gap between two of them."""
        if self.last_status_at is not None:
            gap = max(0.0, now - self.last_status_at)
            if self.min_status_interval is None or gap < self.min_status_interval:
                self.min_status_interval = gap
        self.last_status_at = now
        self.status_requests += 1


@dataclass(eq=False, slots=True)
class Job(StatusPolls):
    """A submitted job: its owner, parameters (``jobPars``), products and what watching it cost."""

    job_id: int
    owner: str
    user_id: str
    name: str
    pars: dict[str, Any]
    submitted_at: float
    submitted_wall: datetime
    products: dict[Product, ProductRun] = field(default_factory=dict)
    #: Products not yet complete, failed or cancelled: set and counted down by the simulation.
    unfinished: int = 0

    @property
    def active(self) -> bool:
        """Whether any product is still requested, queued, running or waiting (docs/protocol.md §14)."""
        return any(run.code in ACTIVE_CODES for run in self.products.values())


def _draw_duration(rng: random.Random, config: EmulatorConfig, product: Product) -> float:
    model = config.duration_for(product)
    value = model.median * math.exp(model.sigma * rng.gauss(0.0, 1.0)) if model.sigma else model.median
    return min(max(value, model.minimum), model.maximum)


def _loop_items(rng: random.Random, pars: Mapping[str, Any]) -> dict[str, tuple[str, ...]]:
    """Names the progress loops count through: observations, spectra, UVOT overlaps, detection passes."""
    targets = [t for t in str(pars.get("targ", "")).strip("{}").split(",") if t.strip()] or ["00000000"]
    observations: list[str] = []
    for target in targets[:20]:
        observations += [f"{target.strip().zfill(8)}{seg:03d}" for seg in range(1, rng.randint(1, 6) + 1)]
    timeslice = str(pars.get("timeslice", "single"))
    spectra: list[str]
    if timeslice == "user":
        spectra = [str(pars[f"rname{n}"]) for n in range(1, 5) if f"rname{n}" in pars]
    elif timeslice == "obsid":
        spectra = [f"Obs_{obs}" for obs in observations]
    elif timeslice == "snapshot":
        spectra = [f"Snapshot_{k}" for k in range(1, 2 * len(observations) + 1)]
    else:
        spectra = [str(pars.get("specstem", "interval0"))]
    per_spectrum = observations if timeslice in ("single", "user") else observations[:1]
    return {
        "obs": tuple(observations),
        "spectra": tuple(spectra),
        "spectrum_obs": tuple(per_spectrum),
        "overlaps": tuple(str(k) for k in range(1, rng.randint(1, 3) + 1)),
        "iterations": ("1", "2", "3"),
    }


def plan_job(job: Job, products: tuple[Product, ...], config: EmulatorConfig) -> None:
    """Draw each product's build time and fate, reproducibly from (seed, JobID)."""
    rng = random.Random(f"{config.seed}/job/{job.job_id}")
    items = _loop_items(rng, job.pars)
    for product in products:
        duration = _draw_duration(rng, config, product)
        fails = rng.random() < config.failure_rate
        job.products[product] = ProductRun(
            job=job, product=product, duration=duration, fails=fails, items=items
        )


_ENQUEUE, _RAN, _CORRECTED = 0, 1, 2


class Simulation:
    """The shared worker pool: FIFO queue, ``workers`` products built at once, astrometry after the PSF.

    ``on_job_done`` is told when the last product of a job settles (the state keeps its per-user index of
    active jobs with it). Not thread-safe; the state holds a lock around every call.
    """

    def __init__(
        self,
        *,
        workers: int,
        request_delay: float,
        xastrom_correction: float,
        on_job_done: Callable[[Job], None] | None = None,
    ) -> None:
        self.workers = workers
        self.request_delay = request_delay
        self.xastrom_correction = xastrom_correction
        self.now = 0.0
        self._events: list[tuple[float, int, int, ProductRun]] = []
        self._seq = itertools.count()
        self._queue: deque[ProductRun] = deque()
        self._running: set[ProductRun] = set()
        self._on_job_done = on_job_done

    @property
    def busy(self) -> int:
        """Workers in use."""
        return len(self._running)

    @property
    def queued(self) -> int:
        """Products waiting for a worker."""
        return sum(1 for run in self._queue if run.code is StatusCode.QUEUED)

    def _push(self, when: float, kind: int, run: ProductRun) -> None:
        heapq.heappush(self._events, (when, next(self._seq), kind, run))

    def add(self, job: Job, now: float) -> None:
        """Accept a new job at simulated time ``now`` (call :meth:`advance` to ``now`` first)."""
        job.unfinished = len(job.products)
        for run in job.products.values():
            run.requested_at = now
            self._push(now + self.request_delay, _ENQUEUE, run)

    def advance(self, now: float) -> None:
        """Play every event due up to ``now``, each at its own exact time."""
        events = self._events
        while events and events[0][0] <= now:
            when, _, kind, run = heapq.heappop(events)
            if kind == _ENQUEUE:
                self._on_enqueue(run, when)
            elif kind == _RAN:
                self._on_ran(run, when)
            else:
                self._on_corrected(run, when)
        if now > self.now:
            self.now = now

    def next_event_time(self) -> float | None:
        """When the next thing happens (None if nothing is pending)."""
        return self._events[0][0] if self._events else None

    def _on_enqueue(self, run: ProductRun, when: float) -> None:
        if run.code is not StatusCode.REQUESTED:
            return
        run.code = StatusCode.QUEUED
        run.queued_at = when
        self._queue.append(run)
        self._dispatch(when)

    def _dispatch(self, when: float) -> None:
        while len(self._running) < self.workers and self._queue:
            run = self._queue.popleft()
            if run.code is not StatusCode.QUEUED:
                continue
            run.code = StatusCode.RUNNING
            run.started_at = when
            self._running.add(run)
            self._push(when + run.duration, _RAN, run)

    def _settle(self, run: ProductRun, code: StatusCode, when: float) -> None:
        """A product's last change (complete, failed, cancelled); a job is done when its last one settles."""
        run.code = code
        run.finished_at = when
        job = run.job
        job.unfinished -= 1
        if job.unfinished == 0 and self._on_job_done is not None:
            self._on_job_done(job)

    def _finish(self, run: ProductRun, when: float, *, fail: bool) -> None:
        self._settle(run, StatusCode.NO_PRODUCT if fail else StatusCode.COMPLETE, when)
        if run.product is Product.STANDARD_POS:
            self._psf_settled(run, when)

    def _on_ran(self, run: ProductRun, when: float) -> None:
        if run.code is not StatusCode.RUNNING:
            return
        self._running.discard(run)
        if run.product is Product.ASTROM_POS:
            psf = run.job.products.get(Product.STANDARD_POS)
            if psf is None or psf.code is StatusCode.COMPLETE:
                self._finish(run, when, fail=run.fails)
            elif psf.finished:
                self._finish(run, when, fail=True)
            else:
                run.code = StatusCode.WAITING_FOR_PSF
                run.waiting_at = when
        else:
            self._finish(run, when, fail=run.fails)
        self._dispatch(when)

    def _psf_settled(self, psf: ProductRun, when: float) -> None:
        xastrom = psf.job.products.get(Product.ASTROM_POS)
        if xastrom is None or xastrom.code is not StatusCode.WAITING_FOR_PSF:
            return
        if psf.code is StatusCode.COMPLETE:
            self._push(when + self.xastrom_correction, _CORRECTED, xastrom)
        else:
            self._finish(xastrom, when, fail=True)

    def _on_corrected(self, run: ProductRun, when: float) -> None:
        if run.code is StatusCode.WAITING_FOR_PSF:
            self._finish(run, when, fail=run.fails)

    def cancel(self, run: ProductRun, now: float) -> bool:
        """Cancel a product that is not finished (True), or report that it had finished (False)."""
        if run.code not in ACTIVE_CODES:
            return False
        was_running = run.code is StatusCode.RUNNING
        run.cancelled_at = now
        self._settle(run, StatusCode.CANCELLED, now)
        if was_running:
            self._running.discard(run)
            self._dispatch(now)
        if run.product is Product.STANDARD_POS:
            self._psf_settled(run, now)
        return True

    def runs(self) -> Iterator[ProductRun]:
        """Products currently holding a worker."""
        return iter(tuple(self._running))
