"""Telling an outage of the service from a bad moment, and bounding it.

Every request of a campaign reports how it went. A failure of the service (no connection, an HTTP error or
HTML page, a reply cut short, a bare ``OK = 0`` with no reason of ours), after the client's own retries,
opens an outage unless one is open; any usable answer closes it. An outage lasting longer than the
campaign's budget, on the campaign's clock, stops the campaign with
:class:`~xrt_prods_async._errors.ServiceOutageError`; its ledger is consistent and it resumes later.

A refusal that names a reason (the parameters, the user's job cap, a job that is not the user's) is an
answer: the service works. So is a submission refused in the service's own words (a name it cannot
resolve, docs/protocol.md §16): that is about the request, not the service (:func:`refuses_request`).
"""

from __future__ import annotations

from dataclasses import dataclass, replace
from datetime import datetime, timedelta
from typing import TYPE_CHECKING

from xrt_prods_async._errors import ServerError, ServerRefusedError, ServiceOutageError, TransportError

# Kept light (no anyio): the command line reads DEFAULT_OUTAGE_BUDGET and campaign._collect imports
# is_service_failure while only registering its options (tests/test_startup.py).
if TYPE_CHECKING:  # pragma: no cover - typing only
    from xrt_prods_async.campaign._clock import Clock

__all__ = ["DEFAULT_OUTAGE_BUDGET", "Outage", "OutageWatch", "is_service_failure", "refuses_request"]

#: The default outage budget: the campaign stops after this long (seconds) without a working service.
DEFAULT_OUTAGE_BUDGET = 30 * 60.0


def is_service_failure(exc: BaseException) -> bool:
    """True for a failure of the service itself: no usable answer, or ``OK = 0`` without a reason of ours."""
    return isinstance(exc, TransportError) or type(exc) is ServerError


def refuses_request(exc: ServerError) -> bool:
    """True when an ``OK = 0`` reply *to a submission* gives the service's own reason: it refused this
    request (its parameters, a name it cannot resolve...), whereas a bare ``OK = 0`` says nothing of it.

    For other calls a plain refusal stays a failure of the service (a count or status the service cannot
    give is no fault of the request), so that a service answering nothing but ``OK = 0`` is bounded by the
    outage budget.
    """
    if isinstance(exc, ServerRefusedError):
        return True
    from xrt_prods_async.wire import ERROR_KEY  # here: the command line loads this module to register

    reply = exc.reply or {}
    return type(exc) is ServerError and bool(str(reply.get(ERROR_KEY) or "").strip())


def _clock_time(moment: datetime) -> str:
    """``14:02:05`` in this machine's time zone (what the user's watch says)."""
    return moment.astimezone().strftime("%H:%M:%S")


def _duration(seconds: float) -> str:
    """A span as people say it: ``under a second``, ``4.2 s``, ``35 s``, ``2 min 05 s``, ``1 h 03 min``."""
    if seconds < 1:
        return "under a second"
    if seconds < 59.5:
        return f"{seconds:.2g} s" if seconds < 10 else f"{seconds:.0f} s"
    minutes, secs = divmod(round(seconds), 60)
    if minutes < 60:
        return f"{minutes} min {secs:02d} s"
    hours, minutes = divmod(minutes, 60)
    return f"{hours} h {minutes:02d} min"


@dataclass(frozen=True, slots=True)
class Outage:
    """The service has failed every request since ``since`` (UTC); ``started`` is the same moment on the
    campaign's clock. ``last_error`` is the latest failure, ``failures`` how many requests failed, ``budget``
    how long (seconds) the campaign waits before it stops."""

    since: datetime
    started: float
    last_error: str
    failures: int
    budget: float

    def __str__(self) -> str:
        return f"service unreachable since {_clock_time(self.since)}, retrying; last error: {self.error_line}"

    @property
    def error_line(self) -> str:
        """The first line of the latest failure."""
        return self.last_error.splitlines()[0] if self.last_error else "unknown"

    def still(self, at: float) -> str:
        """What to say of it again at ``at`` (campaign clock): how long it has lasted, the latest error."""
        failed = f"{self.failures} failed request{'s' if self.failures != 1 else ''}"
        return (
            f"service still unreachable after {_duration(at - self.started)} ({failed}), retrying; last "
            f"error: {self.error_line}"
        )


@dataclass(frozen=True, slots=True)
class Recovery:
    """The service answers again after an outage of ``duration`` seconds."""

    outage: Outage
    duration: float

    def __str__(self) -> str:
        return f"service answering again after {_duration(self.duration)} of failures"


class OutageWatch:
    """The campaign's view of the service: up, or down since when, and for how long it may stay down."""

    def __init__(self, clock: Clock, budget: float) -> None:
        self.clock = clock
        self.budget = budget
        #: The outage in progress, or None while the service answers.
        self.current: Outage | None = None

    @property
    def down(self) -> bool:
        """True while an outage is open."""
        return self.current is not None

    @property
    def deadline(self) -> float | None:
        """When (campaign clock) the outage in progress will have spent the budget; None while up."""
        return None if self.current is None else self.current.started + self.budget

    def failed(self, error: BaseException, started: float) -> Outage:
        """A request begun at ``started`` (campaign clock) failed with ``error``: open or extend an outage."""
        message = str(error) or type(error).__name__
        if self.current is None:
            since = self.clock.utcnow() - timedelta(seconds=max(0.0, self.clock.monotonic() - started))
            self.current = Outage(since, started, message, 1, self.budget)
        else:
            self.current = replace(self.current, last_error=message, failures=self.current.failures + 1)
        return self.current

    def answered(self) -> Recovery | None:
        """A request got a usable answer: close the outage, if one was open, and return it."""
        outage, self.current = self.current, None
        if outage is None:
            return None
        return Recovery(outage, self.clock.monotonic() - outage.started)

    def check(self) -> None:
        """Raise :class:`ServiceOutageError` once the outage in progress has lasted the whole budget."""
        outage = self.current
        if outage is None:
            return
        lasted = self.clock.monotonic() - outage.started
        if lasted < self.budget:
            return
        raise ServiceOutageError(
            f"the service has been unreachable or failing since {_clock_time(outage.since)} "
            f"({_duration(lasted)}, {outage.failures} failed request{'s' if outage.failures != 1 else ''}; "
            f"the outage budget is "
            f"{_duration(self.budget)}); last error: {outage.last_error}",
            since=outage.since,
            duration=lasted,
            last_error=outage.last_error,
        )
