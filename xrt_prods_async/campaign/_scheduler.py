"""The throttled submission queue: keep at most ``max_active`` jobs on the server, politely.

One coroutine runs the campaign in *rounds*, ``round_interval`` apart (the poll interval by default). Each
round it

1. reconciles submissions whose outcome is unknown (``listOldJobs``, see :mod:`.reconcile`);
2. asks the service how many jobs the user has active (``getNumJobs``: one request, whatever the size of the
   campaign). The count covers this campaign's jobs *and* jobs from elsewhere (web form, other scripts);
3. submits pending requests into the free slots: ``max_active - (count + submitted since the count)``. The
   count alone says how many slots are free, so slots are refilled before any status request is made. A
   job that finished after the count only makes this conservative, and a submission whose outcome is
   unknown occupies a slot until reconciled, so the cap holds even under faults;
4. learns which of its jobs finished. It does not poll every job every round: when the count drops below
   what it expected, it asks the status of the jobs the count covered, oldest first, until it has found as
   many finished jobs as the count dropped by. No job is polled twice within one poll interval, so a
   finished job polled less than an interval ago is owed: the remaining suspects are polled as they become
   due in later rounds (each once) until it is found. A job that comes due shortly after the round reached
   it (requests took longer in the round that last polled it) is waited for rather than left for a whole
   round (up to a quarter of a round). Every job is still polled at least once per
   ``refresh_interval`` as a safety net (a finish hidden by a simultaneous submission elsewhere), and a
   finished job is never polled again;
5. hands finished jobs to collectors that download archives and retrieve data concurrently with the rest.

Every step is recorded in the ledger (:mod:`.store`, used through :mod:`.ledger`: writes awaited in a worker
thread, reads inline) before the action it enables, so the campaign can be resumed after a crash without
losing or duplicating a job. A request that fails this round (network, service) is tried again in a later
one; an unknown user stops the campaign, since no request of it can succeed.

The campaign claims nothing it did not do. An entry is ``done`` only when everything it asked for is on disk
and verified; otherwise it ends ``incomplete``, each missing item recorded with why, and a resumed campaign
fetches exactly those. While the service fails every request, the campaign says so (an ``outage`` event)
and keeps trying, for at most ``outage_budget`` seconds (:mod:`.outage`). A disk that refuses to write, for
the ledger or the output, stops it at once. Either way the ledger is consistent and the campaign resumes.
"""

from __future__ import annotations

import enum
import math
from collections import Counter
from collections.abc import AsyncIterable, AsyncIterator, Awaitable, Callable, Iterable
from dataclasses import dataclass, field
from datetime import timedelta
from functools import partial
from pathlib import Path
from typing import Any, Literal, TypeVar

import anyio
import anyio.abc

from xrt_prods_async._errors import (
    ConfigurationError,
    InvalidRequestError,
    JobLimitError,
    LedgerError,
    LocalIOError,
    ServerError,
    ServerRefusedError,
    ServiceOutageError,
    SubmitUncertainError,
    TransportError,
    UnknownUserError,
    XRTError,
)
from xrt_prods_async._products import Product
from xrt_prods_async.campaign._clock import Clock, SystemClock
from xrt_prods_async.campaign._collect import (
    RETRIEVABLE,
    Step,
    Trouble,
    check_writable,
    classify,
    collection_steps,
    local_write_failure,
    remove_stale_temp_files,
    safe_dirname,
    service_failure,
)
from xrt_prods_async.campaign._events import (
    CampaignEvent,
    CampaignSummary,
    Cancelled,
    CancelTally,
    EventDetail,
    EventHandler,
    EventKind,
    Failure,
    JobProgress,
    Missing,
    Reconciled,
    Retrying,
    Saved,
    Submitted,
    emit,
    summarise,
)
from xrt_prods_async.campaign._ledger import AsyncLedger
from xrt_prods_async.campaign._outage import (
    DEFAULT_OUTAGE_BUDGET,
    OutageWatch,
    is_service_failure,
    refuses_request,
)
from xrt_prods_async.campaign._pace import (
    DEFAULT_REQUEST_BUDGET,
    PRIOR_MEDIAN_POLLS,
    DurationModel,
    Pacer,
    Running,
    check_budget,
    finished_posterior,
)
from xrt_prods_async.campaign._reconcile import DEFAULT_CLOCK_SKEW, candidates_for, proves_ours
from xrt_prods_async.campaign._store import CampaignStore, Entry, EntryState, NewEntry
from xrt_prods_async.client import CancelResult, Job, XRTClient
from xrt_prods_async.client._progress import wants_progress
from xrt_prods_async.http import check_count, check_seconds, is_loopback_url
from xrt_prods_async.params import JobRequest
from xrt_prods_async.wire import ARCHIVE_FORMATS, REQUEST_ENVELOPE_KEYS, CancelCode
from xrt_prods_async.wire._loose import safe_repr

#: The default safety net: every active job is polled at least once per this many poll intervals.
REFRESH_POLL_INTERVALS = 10
#: Look-ups of one uncertain submission the service may fail in a run before it is left for a resume...
MAX_FAILED_LOOKUPS = 5
#: ... each after a wait that doubles from ``reconcile_after``, up to this many poll intervals.
MAX_LOOKUP_WAIT_POLLS = REFRESH_POLL_INTERVALS
#: Paced rounds ask the count at most this many times per poll interval (10 s at the default 60 s)...
COUNTS_PER_POLL_INTERVAL = 6
#: ... and at least once per this many poll intervals.
MAX_ROUND_POLL_INTERVALS = REFRESH_POLL_INTERVALS

T = TypeVar("T")


#: The options that are whole numbers of at least 1, and those that are seconds (None: their default).
_COUNTS = ("max_active", "max_concurrent_collections", "max_submit_attempts", "max_collect_attempts")
_SECONDS = (
    "poll_interval",
    "round_interval",
    "min_round_interval",
    "refresh_interval",
    "reconcile_after",
    "outage_budget",
)


@dataclass(frozen=True, kw_only=True)
class CampaignOptions:
    """How a campaign runs. Keyword-only; the defaults are what the service's operators ask for."""

    #: Most jobs the user may have active on the server at once (this campaign's and any others').
    max_active: int = 5
    #: No job's status is asked more often than this (seconds); also the default round interval.
    poll_interval: float = 60.0
    #: Seconds between rounds, each asking ``getNumJobs`` once. Default (None): *paced* rounds, timed for when
    #: a job is likely to finish, within ``request_budget``. A number gives fixed rounds that far apart:
    #: shorter ones notice finished jobs sooner (shorter campaigns) for one more small request per round.
    round_interval: float | None = None
    #: API requests per job that paced rounds may spend: its submission, the counts and its status requests
    #: (collection and reconciliation are not counted). More buys a shorter campaign: each finished job's
    #: slot is refilled sooner (benchmarks/README.md has the curve). Unused with a fixed ``round_interval``.
    request_budget: float = DEFAULT_REQUEST_BUDGET
    #: The shortest gap between two counts of paced rounds (default: ``poll_interval`` /
    #: ``COUNTS_PER_POLL_INTERVAL``, and never under the service's 10 s off loopback).
    min_round_interval: float | None = None
    #: Every active job is polled at least this often even without a count drop (default:
    #: ``REFRESH_POLL_INTERVALS`` poll intervals, whatever the round interval, so that shorter rounds, which
    #: only ask the cheap count more often, never make this per-job safety net poll more often).
    refresh_interval: float | None = None
    #: Poll every active job every round to report progress (costs requests; off by default).
    track_progress: bool = False
    #: Products whose archives to download; ``None`` downloads every product of each job.
    download: tuple[Product, ...] | None = None
    #: Archive format: ``tar.gz``, ``tar`` or ``zip``.
    archive_format: str = "tar.gz"
    #: Data to retrieve for each finished job: any of ``positions``, ``light_curve``, ``spectral_fits``,
    #: ``source_list`` (each only when the job has the product).
    retrieve: frozenset[str] = RETRIEVABLE
    #: Finished jobs collected at once.
    max_concurrent_collections: int = 3
    #: Seconds to wait after an uncertain submission before looking it up (default: one poll interval).
    reconcile_after: float | None = None
    #: Submission attempts per request before it is recorded as failed.
    max_submit_attempts: int = 5
    #: Collections of a finished job per run when the service fails them (beyond the client's own retries;
    #: tries made while the service is down do not count); then the entry is recorded as incomplete.
    max_collect_attempts: int = 3
    #: Seconds of continuous service failure (campaign clock) after which the campaign stops, resumable.
    outage_budget: float = DEFAULT_OUTAGE_BUDGET

    def __post_init__(self) -> None:
        """Every option of the type it must be, numbers finite and in range (an infinite interval would
        hang the campaign): one :class:`ConfigurationError` naming each option that is not."""
        problems: list[str] = []
        for name in _COUNTS:
            _collect(problems, check_count, name, getattr(self, name))
        for name in _SECONDS:
            if name in ("poll_interval", "outage_budget") or getattr(self, name) is not None:
                _collect(problems, check_seconds, name, getattr(self, name))
        _collect(problems, check_budget, "request_budget", self.request_budget)
        problems += self._choice_problems()
        if problems:
            raise ConfigurationError("; ".join(problems))

    def _choice_problems(self) -> list[str]:
        """The options that choose among names: each a known one, in a container of the right kind."""
        problems = []
        if not isinstance(self.track_progress, bool):
            problems.append(f"track_progress must be True or False; got {type(self.track_progress).__name__}")
        if not isinstance(self.archive_format, str) or self.archive_format not in ARCHIVE_FORMATS:
            problems.append(
                f"archive_format must be one of {ARCHIVE_FORMATS}; got {safe_repr(self.archive_format)[:40]}"
            )
        download = self.download
        if download is not None and (
            not isinstance(download, (tuple, list, frozenset, set))
            or not all(isinstance(p, Product) for p in download)
        ):
            problems.append(
                "download must be None (every product) or a tuple of Product members, e.g. "
                "Product.parse_many('lc,psf')"
            )
        retrieve = self.retrieve
        if isinstance(retrieve, (tuple, list, frozenset, set)) and all(isinstance(r, str) for r in retrieve):
            unknown = set(retrieve) - RETRIEVABLE
            if unknown:
                problems.append(f"retrieve has {sorted(unknown)}; choose from {sorted(RETRIEVABLE)}")
        else:
            problems.append(f"retrieve must be a set of names from {sorted(RETRIEVABLE)}, e.g. frozenset()")
        return problems

    @property
    def paced(self) -> bool:
        """Whether rounds are paced (no fixed ``round_interval``, and not polling every job every round)."""
        return self.round_interval is None and not self.track_progress

    @property
    def round(self) -> float:
        """The interval between fixed rounds (paced rounds: the pause after a count the service failed)."""
        return self.round_interval if self.round_interval is not None else self.poll_interval

    @property
    def min_round(self) -> float:
        """The shortest gap between two counts of paced rounds."""
        if self.min_round_interval is not None:
            return self.min_round_interval
        return self.poll_interval / COUNTS_PER_POLL_INTERVAL

    @property
    def max_round(self) -> float:
        """The longest gap between two counts of paced rounds."""
        return max(MAX_ROUND_POLL_INTERVALS * self.poll_interval, self.min_round)

    @property
    def refresh(self) -> float:
        """The effective safety-net interval between two polls of one active job."""
        if self.refresh_interval is not None:
            return self.refresh_interval
        return REFRESH_POLL_INTERVALS * self.poll_interval

    @property
    def reconcile_delay(self) -> float:
        """The effective wait before an uncertain submission is looked up."""
        return self.reconcile_after if self.reconcile_after is not None else self.poll_interval


def _collect(problems: list[str], check: Callable[[str, object], object], name: str, value: object) -> None:
    """Run one option check; its complaint, if any, joins ``problems``."""
    try:
        check(name, value)
    except ConfigurationError as exc:
        problems.append(str(exc))


@dataclass(frozen=True, slots=True)
class CampaignItem:
    """One request of a campaign with the label it is known by (e.g. the source name)."""

    label: str
    request: JobRequest


@dataclass(slots=True)
class _Tracked:
    """An active job as the scheduler follows it between rounds (times on the campaign's clock)."""

    entry: Entry
    job: Job
    last_polled: float = -math.inf
    codes: dict[str, int | None] = field(default_factory=dict)
    #: When the server made the job, and when it was last known to be running (a count, a status).
    start: float = 0.0
    alive_at: float = 0.0

    @property
    def mix(self) -> tuple[str, ...]:
        """The job's products: durations are learned per mix."""
        return self.entry.products


class _Submitted(enum.Enum):
    """What one submission attempt did to the free slots of this round."""

    #: A job exists, or may exist (outcome unknown until reconciled): it takes a slot.
    OCCUPIES = enum.auto()
    #: No job was made (the request was refused for good): the slot is still free for the next request.
    FREE = enum.auto()
    #: No job was made and none should be tried again this round (job cap, network, service trouble).
    STOP = enum.auto()


#: A job that comes due up to this fraction of a round after the round reached it is waited for, not skipped
#: for a whole round: the same job is reached a little earlier in a round whose requests are quicker.
_PHASE_SLACK = 0.25
#: Sources recorded per ledger transaction by :meth:`Campaign.add` (and announced per page).
_ADD_BATCH = 500
#: Paced rounds look up a finish once one suspect has finished with this probability (given the count)...
_LIKELY = 0.85
#: ... this one once no source waits for a slot (nothing is saved by waiting then)...
_LIKELY_TAIL = 0.4
#: ... or once the finish has waited this many poll intervals to be identified.
_OWED_WAIT = 5
#: Status requests per job the pacer expects until jobs have finished (then it counts them).
_STATUS_PRIOR = 1.2
#: Until a few jobs have finished, no gap between counts is longer than this share of the oldest job's age
#: (or a poll interval).
_EARLY_GAP = 0.25


def _had_finished(result: CancelResult) -> bool:
    """Whether a cancel that cancelled nothing found the job finished: every product the service reported
    on was already finished (or not in the job), and at least one was."""
    codes = {outcome.code for outcome in result}
    return CancelCode.ALREADY_FINISHED in codes and codes <= {
        CancelCode.ALREADY_FINISHED,
        CancelCode.NO_SUCH_PRODUCT,
    }


def sole_error(group: BaseExceptionGroup[BaseException]) -> BaseException:
    """The one exception inside ``group`` (however nested), or ``group`` itself if it holds several.

    Several stops of one kind (``ServiceOutageError``, ``LocalIOError``) are one: tasks that were ready to
    run together may each see the spent outage budget, or the full disk, before the first one's error
    cancels them; the first of them is raised."""
    leaves: list[BaseException] = []
    pending: list[BaseException] = [group]
    while pending:
        exc = pending.pop()
        if isinstance(exc, BaseExceptionGroup):
            pending.extend(reversed(exc.exceptions))
        else:
            leaves.append(exc)
    if len(leaves) == 1:
        return leaves[0]
    for stop in (ServiceOutageError, LedgerError, LocalIOError):
        if all(type(leaf) is stop for leaf in leaves):
            return leaves[0]
    return group


class Campaign:
    """A throttled, resumable campaign of XRT jobs recorded in one ledger file.

    ``client`` is an open :class:`~xrt_prods_async.client.XRTClient`; ``ledger`` the SQLite file (created if
    missing; an existing one is resumed); ``output`` the directory for archives and data.
    """

    def __init__(
        self,
        client: XRTClient,
        ledger: str | Path | CampaignStore,
        output: str | Path,
        options: CampaignOptions | None = None,
        *,
        on_event: EventHandler | Iterable[EventHandler] | None = None,
        clock: Clock | None = None,
    ) -> None:
        self.client = client
        self.store = ledger if isinstance(ledger, CampaignStore) else CampaignStore.open(ledger)
        self._ledger = AsyncLedger(self.store)
        self.output = Path(output)
        self.options = options or CampaignOptions()
        politeness = client.session.politeness
        politeness.check_poll_interval(self.options.poll_interval, client.base_url)
        remote = not is_loopback_url(client.base_url)
        if self.options.round < politeness.min_poll_interval and remote:
            raise ConfigurationError(
                f"round_interval {self.options.round:g} s is too fast for the service: each round asks "
                f"getNumJobs, so use round_interval >= {politeness.min_poll_interval:g} s"
            )
        min_gap = self.options.min_round
        if remote and min_gap < politeness.min_poll_interval:
            if self.options.min_round_interval is not None:
                raise ConfigurationError(
                    f"min_round_interval {min_gap:g} s is too fast for the service: each round asks "
                    f"getNumJobs, so use min_round_interval >= {politeness.min_poll_interval:g} s"
                )
            min_gap = politeness.min_poll_interval
        #: Times the paced rounds (None: fixed rounds).
        self._pacer = (
            Pacer(
                min_gap=min_gap,
                max_gap=max(self.options.max_round, min_gap),
                budget=self.options.request_budget,
                max_active=self.options.max_active,
            )
            if self.options.paced
            else None
        )
        #: Job durations as the campaign learns them (paced rounds time their counts by them).
        self.durations = DurationModel(PRIOR_MEDIAN_POLLS * self.options.poll_interval)
        if on_event is None:
            self._handlers: list[EventHandler] = []
        elif callable(on_event):
            self._handlers = [on_event]
        else:
            self._handlers = list(on_event)
        self.clock: Clock = clock or SystemClock()
        #: Requests this run made, by kind (``count``, ``status``, ``submit``, ``history``, ...).
        self.requests: Counter[str] = Counter()
        self._active: dict[int, _Tracked] = {}
        self._uncertain: dict[int, float] = {}  # entry id -> monotonic time the outcome became unknown
        # Uncertain entries whose look-up the service failed: entry id -> (failed look-ups, next try).
        self._lookups: dict[int, tuple[int, float]] = {}
        self._last_error = ""  # why the latest request the campaign could do without failed
        self._ingesting = 0
        self._missing = 0  # finished jobs the count showed that no status request has found yet
        self._suspects: set[int] = set()  # entry ids of the jobs among which they are
        # Paced rounds: when each of those finishes happened (between two counts), oldest first.
        self._owed: list[tuple[float, float]] = []
        self._last_count = -math.inf  # when the last count answered
        self._early = 0  # finished jobs found that the last count still included
        self._jobs_started = 0  # jobs made (or adopted, or resumed) this run: the request budget's base
        self._stalled = False  # this round's submissions stopped before the free slots were filled
        self._stop_submitting = False
        self._started = self.clock.monotonic()
        #: Whether the service answers, and since when it has not (drives the outage events and budget).
        self.service = OutageWatch(self.clock, self.options.outage_budget)
        self._outage_told = -math.inf  # when the last outage event went out (campaign clock)

    def subscribe(self, handler: EventHandler) -> None:
        """Call ``handler`` (sync or async) with every :class:`CampaignEvent` from now on."""
        self._handlers.append(handler)

    async def _emit(
        self,
        kind: EventKind,
        entry: Entry,
        detail: EventDetail | None = None,
        job_id: int | None = None,
        *,
        state: EntryState,
    ) -> None:
        """Tell subscribers; ``state`` is the entry's ledger state once the event has happened."""
        at = self.clock.monotonic()
        event = CampaignEvent(kind, entry.label, job_id or entry.job_id, detail, state=state, at=at)
        await emit(self._handlers, event)

    async def _emit_campaign(self, kind: EventKind, detail: EventDetail) -> None:
        """Tell subscribers of something about the whole campaign (no source: an empty label)."""
        await emit(self._handlers, CampaignEvent(kind, "", None, detail, at=self.clock.monotonic()))

    # -- input --------------------------------------------------------------------------------------------

    async def add(
        self, items: Iterable[CampaignItem | tuple[str, JobRequest]] | AsyncIterable[CampaignItem]
    ) -> int:
        """Record requests in the ledger as pending; returns how many were new (re-adding is harmless).

        ``items`` is read as it comes (a generator of a million sources never sits in memory) and recorded
        in batches: if a write fails (:class:`~xrt_prods_async._errors.LedgerError`), the batches before it
        are kept and adding the same requests again records the rest.
        """
        added = 0
        batch: list[NewEntry] = []

        async def flush() -> None:
            nonlocal added
            if batch:
                added += len(await self._ledger.add_new_entries(batch))
                batch.clear()

        async def each() -> AsyncIterator[CampaignItem | tuple[str, JobRequest]]:
            if isinstance(items, AsyncIterable):
                async for one in items:
                    yield one
            else:
                for pair in items:
                    yield pair

        user = self.client.user_id
        async for raw in each():
            item = raw if isinstance(raw, CampaignItem) else CampaignItem(*raw)
            request = item.request
            body = {k: v for k, v in request.to_wire(user).items() if k not in REQUEST_ENVELOPE_KEYS}
            batch.append(
                NewEntry(
                    label=item.label,
                    request=body,
                    fingerprint=request.fingerprint(),
                    name=str(request.name),
                    products=tuple(p.short for p in request.products),
                )
            )
            if len(batch) >= _ADD_BATCH:
                await flush()
        await flush()
        # Every source waiting for its first submission is announced (those of earlier runs too), a page
        # of the ledger at a time.
        after = 0
        while page := self._ledger.queued_labels(after, _ADD_BATCH):
            for _, label in page:
                at = self.clock.monotonic()
                await emit(
                    self._handlers, CampaignEvent(EventKind.QUEUED, label, state=EntryState.PENDING, at=at)
                )
            after = page[-1][0]
        return added

    # -- the main loop ------------------------------------------------------------------------------------

    async def run(self, *, progress: bool | None = None) -> CampaignSummary:
        """Run (or resume) the campaign until every entry is done, incomplete, failed or cancelled.

        ``progress=True`` shows it while it runs (:func:`~xrt_prods_async.campaign.show_progress`: live on a
        terminal or in a notebook, a sentence per event elsewhere); ``None`` (the default) shows it only in
        IPython or Jupyter, never in a plain script; ``False`` never. Showing adds no request.

        Entries left incomplete by an earlier run are collected again: exactly what is missing is fetched.
        Raises :class:`~xrt_prods_async._errors.LocalIOError` (:class:`~xrt_prods_async._errors.LedgerError`
        for the ledger) when the output folder or the ledger cannot be written, before anything is submitted
        if it is so from the start, and :class:`~xrt_prods_async._errors.ServiceOutageError` when the
        service fails for longer than ``outage_budget``. Cancelling the task (Ctrl-C in the CLI) stops it
        between steps. In every case the ledger is consistent and :meth:`run` on the same ledger resumes.
        """
        if wants_progress(progress):
            from xrt_prods_async.campaign._display import show_progress, showing

            if not showing(self):  # inside show_progress(self) already: shown once
                with show_progress(self):
                    return await self.run(progress=False)
        self._started = self.clock.monotonic()
        await self._check_folders()
        limiter = anyio.CapacityLimiter(self.options.max_concurrent_collections)
        self._resume_state()
        try:
            # Writes that enable no request are committed a round (or a collection) at a time: _ledger.py.
            async with self._ledger.grouped(), anyio.create_task_group() as collectors:
                # Read a page at a time (walk): a resumed campaign may hold many of these.
                for entry in self._ledger.walk(EntryState.COLLECTING):
                    collectors.start_soon(self._collect, entry, None, limiter)
                for entry in self._ledger.walk(EntryState.INCOMPLETE):
                    await self._ledger.reopen(entry.id)
                    detail = Retrying(tuple(entry.missing))
                    await self._emit(EventKind.RETRYING, entry, detail, state=EntryState.COLLECTING)
                    collectors.start_soon(self._collect, self._ledger.get(entry.id), None, limiter)
                await self._rounds(collectors, limiter)
        except BaseExceptionGroup as group:
            # The task group wraps even a lone error; callers should meet e.g. UnknownUserError itself.
            raise sole_error(group) from None
        return self.summary()

    async def _check_folders(self) -> None:
        """Refuse to start (before any submission) if the output or the ledger's folder cannot be written
        (the output folder only when something will be saved there: positions are kept in the ledger)."""
        download, retrieve = self.options.download, self.options.retrieve
        if download is None or download or set(retrieve) - {"positions"}:
            await anyio.to_thread.run_sync(partial(check_writable, self.output, what="output folder"))
        ledger_folder = Path(self.store.path).parent
        try:
            await anyio.to_thread.run_sync(partial(check_writable, ledger_folder, what="ledger's folder"))
        except LocalIOError as exc:
            raise LedgerError(str(exc), path=str(self.store.path), reason=exc.reason) from exc

    async def _rounds(self, collectors: anyio.abc.TaskGroup, limiter: anyio.CapacityLimiter) -> None:
        """The rounds of the queue, until no work is left; finished jobs go to ``collectors``.

        A round asks the count, fills the free slots and looks up finished jobs. Fixed rounds come
        ``round_interval`` apart; paced ones when the pacer says (:meth:`_next_gap`), with status requests
        between them when a deferred look-up or the safety net comes due (:meth:`_next_probe`).
        """
        expected: int | None = None
        next_count = self.clock.monotonic()
        while self._work_left():
            await self._until_next_round(min(next_count, self._next_probe()))
            await self._ledger.flush()
            drop, counted, first, counting = 0, set[int](), False, self.clock.monotonic() >= next_count
            if counting:
                if self._pacer is None:
                    next_count = self.clock.monotonic() + self.options.round
                if not self.service.down:
                    await self._reconcile_due()
                count = await self._count()
                if count is None:
                    # The service cannot say: nothing else is asked this round (the next one asks every job).
                    expected = None
                    if self._pacer is not None:
                        next_count = self.clock.monotonic() + self.options.round
                    continue
                first = expected is None
                drop = 0 if expected is None else max(0, expected - count)
                counted = set(self._active)
                previous, self._last_count = self._last_count, self.clock.monotonic()
                self._counted(drop, previous, first=first)
                submitted = await self._submit(count)
                expected = count + submitted
            self._early = 0
            finished = await self._poll(drop, counted, first=first)
            if expected is not None and not first:
                expected -= self._early
            for tracked in finished:
                collectors.start_soon(self._collect, self._ledger.get(tracked.entry.id), tracked.job, limiter)
            if not self._active and not self._uncertain and self._pending_count() == 0:
                break
            if self._pacer is not None:
                if counting:
                    next_count = self._last_count + self._next_gap()
                if self._early and self._pending_count():
                    # A status request found a slot the count has not shown yet: count (and refill) soon.
                    next_count = min(next_count, self._last_count + self._pacer.min_gap)

    def _counted(self, drop: int, previous: float, *, first: bool) -> None:
        """What a count says of the jobs it covered (paced rounds): ``drop`` of them finished since the
        ``previous`` count; if none is owed, every one was running when it answered."""
        if self._pacer is None or first:
            return
        self._owed += [(previous, self._last_count)] * drop
        suspects = self._suspects if self._missing or drop else set()
        for tracked in self._active.values():
            if drop == 0 and tracked.entry.id not in suspects:
                tracked.alive_at = max(tracked.alive_at, self._last_count)

    async def _until_next_round(self, at: float) -> None:
        """Sleep until ``at``; an outage that spends its budget meanwhile ends the run when it does."""
        deadline = self.service.deadline
        if deadline is not None and deadline < at:
            await self.clock.sleep(deadline - self.clock.monotonic())
            self.service.check()
        await self.clock.sleep(at - self.clock.monotonic())
        self.service.check()

    def _resume_state(self) -> None:
        """Pick up where a previous run stopped: active jobs are re-attached, unknown submits reconciled."""
        for entry in self._ledger.entries(EntryState.ACTIVE):
            if entry.id not in self._active:
                self._active[entry.id] = self._tracked(entry, self._job(entry))
                self._jobs_started += 1
        for entry in self._ledger.entries(EntryState.SUBMITTING):
            if entry.id not in self._uncertain:
                self._uncertain[entry.id] = -math.inf
                self._jobs_started += 1

    def _tracked(self, entry: Entry, job: Job) -> _Tracked:
        """Follow a job the campaign did not just submit (resumed, or adopted by reconciliation): its age
        from the UTC time it was submitted, its last poll unknown."""
        now = self.clock.monotonic()
        age = 0.0
        if entry.submitted_at is not None:
            age = max(0.0, (self.clock.utcnow() - entry.submitted_at).total_seconds())
        return _Tracked(entry, job, codes=dict(entry.codes), start=now - age, alive_at=now - age)

    def _job(self, entry: Entry) -> Job:
        assert entry.job_id is not None
        assert entry.job_url is not None
        return Job(
            self.client,
            job_id=entry.job_id,
            url=entry.job_url,
            products=tuple(Product(p) for p in entry.products),
            request=JobRequest.from_job_pars_or_none(entry.request),
            job_pars=entry.request,
            submitted_at=entry.submitted_at,
        )

    def _pending_count(self) -> int:
        """1 if some entry waits to be submitted, else 0 (an indexed look-up, whatever the ledger's size)."""
        return int(not self._stop_submitting and self._ledger.any_in(EntryState.PENDING))

    def _work_left(self) -> bool:
        return bool(self._active or self._uncertain or self._pending_count())

    async def _heard(self, error: BaseException | None, started: float) -> None:
        """How a request begun at ``started`` went (``error`` None: answered): the outage watch learns it,
        and subscribers hear when the service stops or starts answering (at most one outage event a round
        while it lasts, each with the latest error)."""
        if error is None or not is_service_failure(error):
            recovery = self.service.answered()
            if recovery is not None:
                await self._emit_campaign(EventKind.RECOVERED, recovery)
            return
        was_down = self.service.down
        outage = self.service.failed(error, started)
        now = self.clock.monotonic()
        if not was_down or now - self._outage_told >= self.options.round:
            self._outage_told = now
            await self._emit_campaign(EventKind.OUTAGE, outage)

    async def _ask(self, kind: str, request: Callable[[], Awaitable[T]]) -> T | None:
        """One request the campaign can do without this round, counted under ``kind``: ``None`` when the
        network or the service failed it (it is asked again in a later round). An unknown user is raised:
        no later round can do better."""
        self.requests[kind] += 1
        started = self.clock.monotonic()
        try:
            result = await request()
        except UnknownUserError:
            raise
        except (TransportError, ServerError) as exc:
            self._last_error = str(exc) or type(exc).__name__
            await self._heard(exc, started)
            return None
        await self._heard(None, started)
        return result

    async def _count(self) -> int | None:
        """The user's active jobs on the server, or ``None`` when the service cannot tell us this round."""
        return await self._ask("count", self.client.count_active_jobs)

    async def _poll(self, drop: int, counted: set[int], *, first: bool) -> list[_Tracked]:
        """Ask the status of the jobs that may have finished; return the ones that did.

        ``drop`` is how many fewer jobs the count found than expected, ``counted`` the jobs it covered (those
        active before this round's submissions): any of them may be a finished one.
        """
        if self._pacer is not None and not first:
            return await self._identify(drop, counted)
        return await self._poll_fixed(drop, counted, first=first)

    async def _poll_fixed(self, drop: int, counted: set[int], *, first: bool) -> list[_Tracked]:
        """Fixed rounds: the suspects of a drop are polled oldest first, each once when due, until the
        finishes are found; every job at least once per refresh interval."""
        if drop:
            self._missing += drop
            self._suspects = counted & self._active.keys()
        now = self.clock.monotonic()
        interval = self.options.poll_interval
        slack = _PHASE_SLACK * self.options.round
        due = [t for t in self._active.values() if now - t.last_polled >= interval - slack]
        # Oldest first: with the service's queue, the longest-running job is the likeliest to be done.
        due.sort(key=lambda t: (t.entry.submitted_at or self.clock.utcnow(), t.entry.id))
        everyone = first or self.options.track_progress
        finished: list[_Tracked] = []
        for tracked in due:
            suspect = self._missing > 0 and tracked.entry.id in self._suspects
            if not (everyone or suspect or now - tracked.last_polled >= self.options.refresh):
                continue
            wait = tracked.last_polled + interval - self.clock.monotonic()
            if wait > 0:  # due within the slack: keep the poll interval exactly
                await self.clock.sleep(wait)
            self._suspects.discard(tracked.entry.id)
            if await self._poll_one(tracked):
                finished.append(tracked)
                if suspect:
                    self._missing -= 1
                else:
                    self._early += 1
        # Unfound finishes stay owed only while some job that could hide one has not been polled since.
        self._suspects &= self._active.keys()
        self._missing = min(self._missing, len(self._suspects))
        return finished

    # -- paced rounds ---------------------------------------------------------------------------------------

    async def _identify(self, drop: int, counted: set[int]) -> list[_Tracked]:
        """Paced rounds: look up a finish the count showed once one job is likely enough to be it.

        Each finished job costs one status request to be found; a guess that was wrong costs one more. So
        the suspect most likely to have finished is asked only when that likelihood reaches
        ``_LIKELY`` (``_LIKELY_TAIL`` once nothing waits for a slot), or when the finish has waited
        ``_OWED_WAIT`` poll intervals. A job polled running is cleared as a suspect of the drops so far.
        The safety net then polls any job that has gone unpolled for its refresh interval.
        """
        if drop:
            self._missing += drop
            self._suspects = counted & self._active.keys()
        finished: list[_Tracked] = []
        while self._missing > 0:
            suspects = [self._active[i] for i in self._suspects if i in self._active]
            if not suspects:
                break
            tracked = self._likeliest(suspects)
            if tracked is None:
                break
            self._suspects.discard(tracked.entry.id)
            if await self._paced_poll(tracked):
                finished.append(tracked)
        self._suspects &= self._active.keys()
        self._missing = min(self._missing, len(self._suspects))
        del self._owed[: max(0, len(self._owed) - self._missing)]
        now = self.clock.monotonic()
        for tracked in list(self._active.values()):
            if now - tracked.last_polled >= self._refresh_for(tracked) and await self._paced_poll(tracked):
                finished.append(tracked)
        return finished

    def _likeliest(self, suspects: list[_Tracked]) -> _Tracked | None:
        """The suspect to ask about now (None: none yet): the one most likely finished, if it may be polled
        (within the slack of its interval) and is likely enough, or the finish has waited long enough."""
        now = self.clock.monotonic()
        posterior = self._finish_odds(suspects)
        slack = _PHASE_SLACK * self.options.min_round
        ready = [t for t in suspects if now - t.last_polled >= self.options.poll_interval - slack]
        if not ready:
            return None
        best = max(ready, key=lambda t: (posterior[t.entry.id], -t.start))
        tail = not self._uncertain and self._pending_count() == 0
        likely = _LIKELY_TAIL if tail else _LIKELY
        waited = now - self._owed[0][1] if self._owed else math.inf
        if posterior[best.entry.id] < likely and waited < _OWED_WAIT * self.options.poll_interval:
            return None
        return best

    def _finish_odds(self, suspects: list[_Tracked]) -> dict[int, float]:
        """Entry id -> how likely each suspect is to be one of the finishes the counts showed (and no status
        request has found yet), given how long each has run and when it was last known running."""
        since = self._last_count
        alone = {
            t.entry.id: self.durations.of(t.mix).finished_within(t.alive_at - t.start, since - t.alive_at)
            for t in suspects
        }
        return finished_posterior(alone, min(self._missing, len(suspects)))

    async def _paced_poll(self, tracked: _Tracked) -> bool:
        """Poll one job (waiting out the rest of its interval); learn its duration if it finished."""
        wait = tracked.last_polled + self.options.poll_interval - self.clock.monotonic()
        if wait > 0:
            await self.clock.sleep(wait)
        owed = self._missing > 0
        if not await self._poll_one(tracked):
            tracked.alive_at = max(tracked.alive_at, tracked.last_polled)
            return False
        # When it finished, as well as the counts tell: within the drop it explains, or since the last count.
        low, high = max(tracked.alive_at, self._last_count), tracked.last_polled
        if owed:
            self._missing -= 1
            if self._owed:
                # The drop it most likely explains (assigning the oldest would make durations look alike).
                model, start, alive = self.durations.of(tracked.mix), tracked.start, tracked.alive_at
                index = max(
                    range(len(self._owed)),
                    key=lambda i: (
                        model.cdf(self._owed[i][1] - start) - model.cdf(max(self._owed[i][0], alive) - start)
                    ),
                )
                window = self._owed.pop(index)
                low, high = max(alive, window[0]), window[1]
        else:
            self._early += 1
        if high >= low > -math.inf:
            self.durations.observe(tracked.mix, low - tracked.start, high - tracked.start)
        return True

    def _refresh_for(self, tracked: _Tracked) -> float:
        """The safety net of paced rounds: ``refresh_interval`` when set; otherwise once the job is older
        than nearly all its mix's jobs (95%), and then every ``REFRESH_POLL_INTERVALS`` poll intervals."""
        if self.options.refresh_interval is not None:
            return self.options.refresh_interval
        every = self.options.refresh
        if tracked.last_polled > tracked.start:
            return every
        return max(every, self.durations.of(tracked.mix).quantile(0.95))

    def _next_probe(self) -> float:
        """Paced rounds: the next moment a status request may be due between counts (inf: none)."""
        if self._pacer is None:
            return math.inf
        now = self.clock.monotonic()
        moments = [t.last_polled + self._refresh_for(t) for t in self._active.values()]
        if self._missing > 0:
            if self._owed:
                moments.append(self._owed[0][1] + _OWED_WAIT * self.options.poll_interval)
            interval = self.options.poll_interval
            moments += [self._active[i].last_polled + interval for i in self._suspects if i in self._active]
        return min((m for m in moments if m > now), default=math.inf)

    def _next_gap(self) -> float:
        """Paced rounds: seconds from the last count to the next one (see :class:`.pace.Pacer`)."""
        assert self._pacer is not None
        if self._stalled and self._pending_count():
            return self.options.round  # free slots this round could not fill: try again a poll later
        since = self._last_count
        ages: dict[Any, list[float]] = {}
        for tracked in self._active.values():
            ages.setdefault(tracked.mix, []).append(tracked.alive_at - tracked.start)
        self.durations.refit(ages)
        running: list[Running] = []
        suspects = [self._active[i] for i in self._suspects if i in self._active] if self._missing else []
        gone = self._finish_odds(suspects) if suspects else {}
        for tracked in self._active.values():
            model = self.durations.of(tracked.mix)
            weight = 1.0 - gone.get(tracked.entry.id, 0.0)
            if weight > 0:
                running.append(Running(model, max(0.0, since - tracked.start), weight))
        for intent in self._uncertain.values():  # a lost reply may hide a job that will finish too
            running.append(
                Running(self.durations.pooled, max(0.0, since - intent) if intent > -math.inf else 0.0)
            )
        spent = self.requests["submit"] + self.requests["count"] + self.requests["status"]
        found = self.durations.finished
        status_per_job = (self.requests["status"] + _STATUS_PRIOR * 3) / (found + 3)
        # Kept back: the status requests the jobs in flight will take to be found (as many as so far).
        reserve = status_per_job * (len(self._active) + len(self._uncertain))
        balance = self.options.request_budget * self._jobs_started - spent - reserve
        # Until a few jobs have finished the durations are a guess: gaps grow with the age of the oldest job,
        # so a first finish waits a small share of its own duration whatever the scale.
        early = None
        if found < self.options.max_active and running:
            early = max(self.options.poll_interval, _EARLY_GAP * max(j.age for j in running))
        # The budget of the jobs still to submit is lent (one round of slots' worth), once the durations are
        # known well enough that the loan buys something.
        pending = bool(self._pending_count())
        lend = pending and found >= self.options.max_active
        ahead = self.options.request_budget * self.options.max_active if lend else 0.0
        return self._pacer.gap(
            running,
            status_per_job=status_per_job,
            balance=balance,
            ahead=ahead,
            last=not pending,
            longest=early,
        )

    async def _poll_one(self, tracked: _Tracked) -> bool:
        """One status request for one job; records codes and finishes. True when the job finished."""
        try:
            status = await self._ask("status", partial(self.client.status, tracked.job))
        finally:
            # Timed from the reply, so the next request reaches the service a full interval after this one
            # did, however long this one took to leave (retries included).
            tracked.last_polled = self.clock.monotonic()
        if status is None:
            return False
        codes = {p.short: (None if s.code is None else int(s.code)) for p, s in status.products.items()}
        tracked.codes = codes
        entry_id = tracked.entry.id
        if status.finished:
            await self._ledger.mark_finished(entry_id, codes)
            del self._active[entry_id]
            finished = JobProgress.of(status)
            await self._emit(EventKind.FINISHED, tracked.entry, finished, state=EntryState.COLLECTING)
            return True
        await self._ledger.set_codes(entry_id, codes)
        running = JobProgress.of(status)
        await self._emit(EventKind.RUNNING, tracked.entry, running, state=EntryState.ACTIVE)
        return False

    async def _submit(self, count: int) -> int:
        """Fill free slots from the pending queue; returns how many submissions may have made a job."""
        self._stalled = False
        if self._stop_submitting:
            return 0
        occupied = count
        made = 0
        refused = 0
        after = 0  # entries refused this round stay pending for a later round: the queue goes on past them
        while occupied < self.options.max_active:
            batch = self._ledger.page(EntryState.PENDING, after=after, limit=1)
            if not batch:
                break
            entry = batch[0]
            after = entry.id
            if entry.attempts >= self.options.max_submit_attempts:
                await self._ledger.mark_failed(
                    entry.id, f"gave up after {entry.attempts} attempts: {entry.error}"
                )
                detail = Failure(f"gave up after {entry.attempts} submission attempts: {entry.error}")
                await self._emit(EventKind.FAILED, entry, detail, state=EntryState.FAILED)
                continue
            outcome = await self._submit_one(entry)
            if outcome is _Submitted.STOP:
                self._stalled = True
                break
            if outcome is _Submitted.OCCUPIES:
                occupied += 1
                made += 1
            else:
                refused += 1
                if refused >= self.options.max_active:
                    # A service that refuses everything is asked no more than a round of slots' worth.
                    self._stalled = True
                    break
        return made

    async def _submit_one(self, entry: Entry) -> _Submitted:
        """Submit one entry; say whether it took a slot, left it free, or ended this round's submissions."""
        await self._ledger.mark_submitting(entry.id, self.clock.utcnow())
        self.requests["submit"] += 1
        started = self.clock.monotonic()
        try:
            # Decoded here, so that a ledger body that is no longer a valid request fails its entry only.
            job = await self.client.submit(JobRequest.from_job_pars(entry.request))
        except SubmitUncertainError as exc:
            await self._heard(exc.cause or exc, started)
            self._uncertain[entry.id] = self.clock.monotonic()
            self._jobs_started += 1
            detail = Failure(f"submission outcome unknown, will reconcile: {exc}")
            await self._emit(EventKind.FAILED, entry, detail, state=EntryState.SUBMITTING)
            return _Submitted.OCCUPIES
        except (ServerRefusedError, InvalidRequestError) as exc:
            if isinstance(exc, ServerRefusedError):  # an answer; an invalid request was never sent
                await self._heard(None, started)
            await self._ledger.mark_failed(entry.id, str(exc))
            await self._emit(EventKind.FAILED, entry, Failure(str(exc)), state=EntryState.FAILED)
            return _Submitted.FREE
        except JobLimitError as exc:
            await self._heard(None, started)
            await self._ledger.mark_unsent(entry.id, str(exc), counts=False)  # not this request's fault
            return _Submitted.STOP
        except UnknownUserError:
            await self._ledger.mark_unsent(entry.id, "user not recognised", counts=False)
            raise
        except ServerError as exc:
            if refuses_request(exc):
                await self._heard(None, started)  # an answer about this request: the service works
                await self._refused(entry, exc)
                return _Submitted.FREE
            await self._heard(exc, started)
            await self._ledger.mark_unsent(entry.id, str(exc), counts=False)  # the service failing
            return _Submitted.STOP
        except TransportError as exc:
            # Certainly not sent (the client raises SubmitUncertainError otherwise): try again next round,
            # without counting it against the entry.
            await self._heard(exc, started)
            await self._ledger.mark_unsent(entry.id, str(exc), counts=False)
            return _Submitted.STOP
        await self._heard(None, started)
        await self._ledger.mark_submitted(entry.id, job.job_id, job.url, self.clock.utcnow())
        fresh = self._ledger.get(entry.id)
        now = self.clock.monotonic()
        self._active[entry.id] = _Tracked(fresh, job, last_polled=now, start=now, alive_at=now)
        self._jobs_started += 1
        submitted = Submitted(job.url, tuple(p.short for p in job.products))
        await self._emit(EventKind.SUBMITTED, fresh, submitted, state=EntryState.ACTIVE)
        return _Submitted.OCCUPIES

    async def _refused(self, entry: Entry, exc: ServerError) -> None:
        """The service refused this submission in its own words (a name it cannot resolve...): one attempt
        of the entry. It is tried again in a later round, and fails with those words once it has had
        ``max_submit_attempts``."""
        attempts = self._ledger.get(entry.id).attempts
        limit = self.options.max_submit_attempts
        if attempts >= limit:
            times = "once" if attempts == 1 else f"{attempts} times"
            why = f"the service refused the submission {times}: {exc}"
            await self._ledger.mark_failed(entry.id, why)
            await self._emit(EventKind.FAILED, entry, Failure(why), state=EntryState.FAILED)
            return
        await self._ledger.mark_unsent(entry.id, str(exc))
        why = f"the service refused the submission (attempt {attempts} of {limit}; tried again later): {exc}"
        await self._emit(EventKind.FAILED, entry, Failure(why), state=EntryState.PENDING)

    async def _reconcile_due(self) -> None:
        """Resolve uncertain submissions that have waited long enough for the server to have recorded them.

        Each is looked up in the user's history; a candidate is adopted only when its echoed parameters
        prove it is this entry's request (:mod:`.reconcile`). No proven job: the server never made ours, and
        the entry is queued again. A look-up the service fails leaves the entry uncertain, looked up again
        after a wait that doubles with each failure; after ``MAX_FAILED_LOOKUPS`` of them it is left in
        ``submitting`` for a resume to look up (never submitted again: a job of it may exist).
        """
        now = self.clock.monotonic()
        due = [
            eid
            for eid, since in self._uncertain.items()
            if now - since >= self.options.reconcile_delay
            and now >= self._lookups.get(eid, (0, -math.inf))[1]
        ]
        if not due:
            return
        history = await self._ask("history", self.client.list_old_jobs)
        if history is None:
            for eid in due:
                await self._lookup_failed(eid)
            return
        plans = candidates_for(
            [self._ledger.get(eid) for eid in due],
            history,
            self._ledger.known_job_ids(),
            now=self.clock.utcnow() + timedelta(seconds=1),
            skew=DEFAULT_CLOCK_SKEW,
        )
        taken: set[int] = set()
        for plan in plans:
            entry = self._ledger.get(plan.entry_id)
            found = await self._find_ours(entry, [j for j in plan.job_ids if j not in taken])
            if found is None:
                await self._lookup_failed(entry.id)  # the service could not say: stays uncertain
                continue
            job, notes = found
            if job is None:
                await self._ledger.mark_unsent(entry.id, "the server has no such job; will submit again")
                verdict = "no job of ours on the server" if notes else "no job on the server"
                detail = Reconciled("; ".join([*notes, f"{verdict}; queued again"]))
                await self._emit(EventKind.RECONCILED, entry, detail, state=EntryState.PENDING)
            else:
                taken.add(job.job_id)
                await self._ledger.mark_submitted(entry.id, job.job_id, job.url, entry.intent_at)
                fresh = self._ledger.get(entry.id)
                self._active[entry.id] = self._tracked(fresh, job)
                detail = Reconciled("; ".join([*notes, f"adopted job {job.job_id}"]), job.job_id)
                await self._emit(EventKind.RECONCILED, fresh, detail, job.job_id, state=EntryState.ACTIVE)
            del self._uncertain[entry.id]
            self._lookups.pop(entry.id, None)

    async def _lookup_failed(self, entry_id: int) -> None:
        """The service failed a look-up of an uncertain submission: wait longer before the next one (twice
        as long each time, up to ``MAX_LOOKUP_WAIT_POLLS`` poll intervals), and after ``MAX_FAILED_LOOKUPS``
        stop looking this run: the entry stays in ``submitting``, and a resume looks it up again."""
        failures = self._lookups.get(entry_id, (0, -math.inf))[0] + 1
        if failures < MAX_FAILED_LOOKUPS:
            cap = MAX_LOOKUP_WAIT_POLLS * self.options.poll_interval
            wait = min(self.options.reconcile_delay * 2.0 ** (failures - 1), cap)
            self._lookups[entry_id] = (failures, self.clock.monotonic() + wait)
            return
        self._lookups.pop(entry_id, None)
        del self._uncertain[entry_id]
        entry = self._ledger.get(entry_id)
        why = (
            f"the outcome of its submission could not be looked up ({failures} failed look-ups; last: "
            f"{self._last_error or 'no usable answer'}); left in submitting, never submitted again here: "
            "resuming the campaign looks it up again"
        )
        await self._emit(EventKind.FAILED, entry, Failure(why), state=EntryState.SUBMITTING)

    async def _find_ours(self, entry: Entry, job_ids: list[int]) -> tuple[Job | None, list[str]] | None:
        """The first of ``job_ids`` whose parameters prove it is ``entry``'s (None: none is), with a note on
        each candidate passed over; ``None`` instead when the service failed to answer about one."""
        notes: list[str] = []
        for job_id in job_ids:
            self.requests["attach"] += 1
            started = self.clock.monotonic()
            try:
                job = await self.client.attach(job_id)
            except UnknownUserError:
                raise
            except (TransportError, ServerError) as exc:
                await self._heard(exc, started)
                if is_service_failure(exc):
                    self._last_error = str(exc) or type(exc).__name__
                    return None
                notes.append(f"job {job_id} passed over: {exc}")
                continue
            except XRTError as exc:  # parameters the client could not read
                await self._heard(None, started)
                notes.append(f"job {job_id} not adopted: its parameters cannot be read ({exc})")
                continue
            await self._heard(None, started)
            verdict = proves_ours(entry, job.job_pars)
            if verdict:
                return job, notes
            if verdict is None:
                notes.append(f"job {job_id} not adopted: its parameters cannot be read")
            else:
                notes.append(f"job {job_id} has this name but other parameters: not ours")
        return None, notes

    # -- collection ---------------------------------------------------------------------------------------

    async def _collect(self, entry: Entry, job: Job | None, limiter: anyio.CapacityLimiter) -> None:
        """Download archives and retrieve data for a finished job; each item is recorded once saved.

        ``job`` is the handle the scheduler polled (its cached status spares the client a status request
        before each retrieval); ``None`` after a resume, when one is rebuilt from the ledger. Items the
        service failed are tried again a round later, up to ``max_collect_attempts`` times (tries made while
        the service is down are free: the outage budget bounds those). The entry is then ``done`` if every
        item is saved, else ``incomplete``. A disk that refuses to write stops the campaign.
        """
        job = job or self._job(entry)
        attempt = 1
        while True:
            async with limiter:
                troubles = await self._collect_once(entry, job)
            fresh = self._ledger.get(entry.id)
            if not troubles:
                await self._ledger.mark_done(entry.id)
                await self._ledger.flush()
                await self._emit(EventKind.DONE, fresh, state=EntryState.DONE)
                return
            kinds = set(troubles.values())
            if Trouble.SERVICE not in kinds or kinds & {Trouble.LOCAL, Trouble.GONE}:
                break
            if attempt >= self.options.max_collect_attempts:
                break
            self.service.check()
            was_down = self.service.down
            await self.clock.sleep(self.options.round)
            if not was_down:
                attempt += 1
        missing = fresh.missing
        why = "; ".join(f"{kind}: {reason}" for kind, reason in missing.items())
        await self._ledger.mark_incomplete(entry.id, why)
        await self._emit(EventKind.INCOMPLETE, fresh, Missing(missing), state=EntryState.INCOMPLETE)
        local = [kind for kind, trouble in troubles.items() if trouble is Trouble.LOCAL]
        if local:
            reason = missing[local[0]].removeprefix("not written: ")
            raise LocalIOError(
                f"cannot write the results of {entry.label} to {self.output}: {reason}",
                path=str(self.output),
                reason=reason,
            )

    async def _collect_once(self, entry: Entry, job: Job) -> dict[str, Trouble]:
        """Run every collection step not yet saved; return the kinds that failed and why."""
        dest = self.output / safe_dirname(entry.label)
        await anyio.to_thread.run_sync(remove_stale_temp_files, dest)
        steps = collection_steps(
            entry,
            job,
            self.client,
            dest=dest,
            download=self.options.download,
            archive_format=self.options.archive_format,
            retrieve=self.options.retrieve,
        )
        saved = self._ledger.get(entry.id).artifacts
        unsaved = [step for kind, step in steps if step.requests and not (kind in saved and saved[kind].ok)]
        if unsaved and any(job.latest(p) is None for p in job.products):
            # A handle rebuilt from the ledger: one status request for all products, not one per item. If it
            # fails, each item asks for itself and says why.
            await self._ask("status", partial(self.client.status, job))
        troubles: dict[str, Trouble] = {}
        blocked: tuple[Trouble, str] | None = None  # the job is gone, or the disk refuses: no point going on
        for kind, step in steps:
            artifact = saved.get(kind)
            if artifact is not None and artifact.ok:
                continue  # saved by an earlier try or run
            if blocked is not None:
                trouble, why = blocked
                await self._missing_item(entry, kind, f"not fetched: {why}")
            else:
                found = await self._collect_item(entry, kind, step)
                if found is None:
                    continue
                trouble, why = found
                if trouble is Trouble.GONE:
                    blocked = found
                elif trouble is Trouble.LOCAL:
                    blocked = (
                        trouble,
                        f"the output folder cannot be written ({why.removeprefix('not written: ')})",
                    )
            troubles[kind] = trouble
        return troubles

    async def _collect_item(self, entry: Entry, kind: str, step: Step) -> tuple[Trouble, str] | None:
        """Run one step and record what it gave; on failure, record why and return (trouble, why)."""
        if step.requests:
            self.requests[kind.split(":")[0]] += 1
        started = self.clock.monotonic()
        try:
            path, detail = await step.run()
        except (XRTError, OSError) as exc:
            trouble = classify(exc)
            if trouble is Trouble.SERVICE:
                await self._heard(service_failure(exc), started)
            elif trouble is not Trouble.LOCAL:  # the service answered, about this job
                await self._heard(None, started)
            why = self._why(exc, trouble, entry)
            await self._missing_item(entry, kind, why)
            return trouble, why
        if step.requests:
            await self._heard(None, started)
        await self._ledger.record_artifact(entry.id, kind, ok=True, path=path, detail=detail)
        if path is not None or step.requests:
            what = Saved(kind, path, detail if kind.startswith("position:") else None)
            await self._emit(EventKind.DOWNLOADED, entry, what, state=EntryState.COLLECTING)
        return None

    async def _missing_item(self, entry: Entry, kind: str, why: str) -> None:
        await self._ledger.record_artifact(entry.id, kind, ok=False, detail=why)
        await self._emit(EventKind.FAILED, entry, Failure(why, kind), state=EntryState.COLLECTING)

    @staticmethod
    def _why(exc: BaseException, trouble: Trouble, entry: Entry) -> str:
        """Why an item is missing, in words that say what to do."""
        if trouble is Trouble.LOCAL:
            disk = local_write_failure(exc)
            assert disk is not None
            where = f" ({disk.filename})" if disk.filename else ""
            return f"not written: {disk.strerror or disk}{where}"
        if trouble is Trouble.GONE:
            return f"the service no longer holds job {entry.job_id}: {exc}"
        return str(exc) or type(exc).__name__

    # -- cancel and report --------------------------------------------------------------------------------

    async def cancel(self) -> CancelTally:
        """Cancel every server job of the campaign and every pending request; returns what was done
        (``int()`` of it: how many jobs the service cancelled). Each ``cancelled`` event says what the
        service answered for its job, and its ``state`` what became of the entry.

        Only what the service cancelled is recorded as cancelled. A job that had already finished is left
        as it was, to be collected (a resume collects it); so is one the service cancelled nothing of for
        another reason. Uncertain submissions are looked up first (immediately), so a job whose reply was
        lost is cancelled too rather than left running; one that still cannot be looked up is left for a
        resume, since a job of it may exist.
        """
        self._stop_submitting = True
        self._resume_state()
        if self._uncertain:
            self._uncertain = dict.fromkeys(self._uncertain, -math.inf)
            self._lookups.clear()  # a cancel looks every one up now, whatever failed before
            await self._reconcile_due()
        tally: Counter[str] = Counter()
        for entry in self._ledger.walk(EntryState.ACTIVE):  # a page at a time
            self.requests["cancel"] += 1
            try:
                result = await self.client.cancel(self._job(entry))
            except UnknownUserError:
                raise
            except (ServerError, TransportError) as exc:  # this job only: the others are still asked
                tally["unanswered"] += 1
                detail = Cancelled(kept="unanswered", reason=str(exc))
                await self._emit(EventKind.CANCELLED, entry, detail, state=EntryState.ACTIVE)
                continue
            if result.cancelled:
                await self._ledger.mark_cancelled(entry.id, "cancelled by the campaign")
                self._active.pop(entry.id, None)
                tally["cancelled"] += 1
                await self._emit(EventKind.CANCELLED, entry, Cancelled(result), state=EntryState.CANCELLED)
                continue
            kept: Literal["finished", "running"] = "finished" if _had_finished(result) else "running"
            tally["finished" if kept == "finished" else "not_cancelled"] += 1
            await self._emit(EventKind.CANCELLED, entry, Cancelled(result, kept), state=EntryState.ACTIVE)
        for entry in self._ledger.walk(EntryState.PENDING, EntryState.SUBMITTING):
            if entry.state is EntryState.SUBMITTING:  # looked up, still unknown: a job of it may exist
                tally["uncertain"] += 1
                detail = Cancelled(kept="uncertain")
                await self._emit(EventKind.CANCELLED, entry, detail, state=EntryState.SUBMITTING)
                continue
            await self._ledger.mark_cancelled(entry.id, "cancelled before submission")
            tally["unsubmitted"] += 1
            await self._emit(EventKind.CANCELLED, entry, Cancelled(), state=EntryState.CANCELLED)
        return CancelTally(**tally)

    def summary(self) -> CampaignSummary:
        """Per-source outcomes, entry counts by state and this run's request counts."""
        return summarise(
            self.store, requests=dict(self.requests), elapsed=self.clock.monotonic() - self._started
        )
