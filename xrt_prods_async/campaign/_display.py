"""A running campaign shown to people: a live view on a terminal or in a notebook, one sentence per event
anywhere else, and the final table, each fitted to the width it is drawn at (80 columns and up).

The view is a subscriber like any other: it learns everything from the campaign's events, and reads the
campaign's request counts and options; it never asks the service anything. Its clock is injectable, so a
test draws it at chosen moments.

rich is imported here at the top: this module is loaded only when something is shown (the command line, or
``Campaign.run(progress=...)``), never by ``import xrt_prods_async``.
"""

from __future__ import annotations

import heapq
import math
import re
import threading
import time
import weakref
from collections import Counter, deque
from collections.abc import Callable, Iterator, Mapping
from contextlib import contextmanager
from dataclasses import dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING, Any

from rich import box
from rich.console import Console, ConsoleOptions, Group, RenderableType, RenderResult
from rich.live import Live
from rich.table import Table
from rich.text import Text

from xrt_prods_async.campaign._events import (
    CampaignEvent,
    CampaignSummary,
    EventKind,
    JobProgress,
    ProductProgress,
    SourceOutcome,
    Submitted,
    one_line,
    position_text,
    product_name,
)
from xrt_prods_async.campaign._outage import Outage
from xrt_prods_async.campaign._store import EntryState
from xrt_prods_async.client._progress import clock_text, live_console

if TYPE_CHECKING:  # pragma: no cover - typing only
    from xrt_prods_async.campaign._scheduler import Campaign

__all__ = ["CampaignDisplay", "EtaEstimate", "TrackedJob", "show_progress", "showing", "summary_table"]

_STATE_STYLE = {
    "complete": "green",
    "partial": "yellow",
    "incomplete": "red",
    "failed": "red",
    "cancelled": "magenta",
}

#: The state an event implies when its sender does not give one (``failed``, ``reconciled`` and
#: ``downloaded`` are ambiguous: they leave the count alone).
_IMPLIED_STATE = {
    EventKind.QUEUED: EntryState.PENDING,
    EventKind.SUBMITTED: EntryState.ACTIVE,
    EventKind.RUNNING: EntryState.ACTIVE,
    EventKind.FINISHED: EntryState.COLLECTING,
    EventKind.DONE: EntryState.DONE,
    EventKind.INCOMPLETE: EntryState.INCOMPLETE,
    EventKind.RETRYING: EntryState.COLLECTING,
    EventKind.CANCELLED: EntryState.CANCELLED,
}

#: The states in which the view follows a source's job.
_FOLLOWED = (EntryState.ACTIVE, EntryState.SUBMITTING, EntryState.COLLECTING)

#: Below this width the tables name products by their short names and drop the columns that can wait.
WIDE = 110


#: Off a terminal, an outage is said when it starts, then again once it has lasted each of these (seconds),
#: then every hour, or when its error changes.
OUTAGE_REMINDERS = (60.0, 300.0, 900.0, 1800.0, 3600.0)
_URL = re.compile(r"\b\w+://\S+")


def _reminder_after(lasted: float) -> float:
    """The length of outage at which to say it again, after saying it when it had lasted ``lasted`` s."""
    later = [mark for mark in OUTAGE_REMINDERS if mark > lasted]
    if later:
        return later[0]
    hour = OUTAGE_REMINDERS[-1]
    return (math.floor(lasted / hour) + 1) * hour


def duration_text(seconds: float) -> str:
    """``45 s``, ``3 min``, ``2 h 05 min``: how long ago, for a glance."""
    seconds = max(0.0, seconds)
    if seconds < 90:
        return f"{seconds:.0f} s"
    minutes = round(seconds / 60)
    if minutes < 120:
        return f"{minutes} min"
    return f"{minutes // 60} h {minutes % 60:02d} min"


# --- the ETA -------------------------------------------------------------------------------------------


class EtaEstimate:
    """When the campaign should be done, steady enough to plan by.

    The raw estimate replays the work left on ``max_active`` slots: each running job needs the mean observed
    job duration less its age (a job older than the mean is expected within ``overdue`` seconds), each
    queued job a whole mean duration in the first slot to come free, and the last job's collection the mean
    observed collection time.

    It stays unknown until a whole first wave has finished (``max_active`` jobs, or every job started if
    fewer): the first jobs to finish are the quickest of their wave, and a mean of those alone would
    promise far too early an end.

    What is shown is an *end time*, smoothed: it moves towards the raw end time with a time constant of
    ``smoothing`` mean job durations, so one early or late job nudges it rather than making it jump, and
    between events the ETA counts down with the clock.
    """

    def __init__(self, max_active: int, *, overdue: float = 1.0, smoothing: float = 0.5) -> None:
        self.max_active = max(1, max_active)
        self.overdue = overdue
        self.smoothing = smoothing
        self.started = 0
        self.durations: list[float] = []
        self.collections: list[float] = []
        self._end: float | None = None
        self._updated: float | None = None

    def job_started(self) -> None:
        """A job was submitted (or found running on resume)."""
        self.started += 1

    def job_finished(self, seconds: float) -> None:
        """A job took ``seconds`` from submission to finishing on the service."""
        self.durations.append(max(0.0, seconds))

    def job_collected(self, seconds: float) -> None:
        """A finished job's results took ``seconds`` to collect."""
        self.collections.append(max(0.0, seconds))

    @property
    def mean(self) -> float | None:
        """The mean duration of the latest jobs (two waves' worth): the service's pace now, not at first."""
        recent = self.durations[-2 * self.max_active :]
        return sum(recent) / len(recent) if recent else None

    def raw(self, *, queued: int, running_ages: list[float], collecting: int) -> float | None:
        """Seconds until every job is finished and collected, from this moment's work alone."""
        mean = self.mean
        if mean is None or len(self.durations) < min(self.max_active, max(1, self.started)):
            return None
        collect = sum(self.collections) / len(self.collections) if self.collections else 0.0
        if not queued and not running_ages:
            return collect if collecting else 0.0
        slots = [max(mean - age, self.overdue) for age in running_ages[: self.max_active]]
        slots += [0.0] * (self.max_active - len(slots))
        heapq.heapify(slots)
        for _ in range(queued):
            heapq.heapreplace(slots, slots[0] + mean)
        return max(slots) + collect

    def eta(self, now: float, *, queued: int, running_ages: list[float], collecting: int) -> float | None:
        """Seconds left as shown at ``now`` (None: unknown yet; 0 once nothing is left)."""
        raw = self.raw(queued=queued, running_ages=running_ages, collecting=collecting)
        if raw is None:
            return None
        target = now + raw
        if self._end is None or self._updated is None or not (queued or running_ages or collecting):
            self._end = target
        else:
            tau = max(self.smoothing * (self.mean or 0.0), 1e-9)
            weight = 1.0 - math.exp(-max(0.0, now - self._updated) / tau)
            self._end += (target - self._end) * weight
        self._updated = now
        return max(0.0, self._end - now)


# --- the live view ---------------------------------------------------------------------------------------


@dataclass(slots=True)
class TrackedJob:
    """An active job as the view knows it: since when it runs (view clock) and its products' last states."""

    job_id: int | None
    since: float
    products: tuple[ProductProgress, ...] = ()
    #: The products it asked for (short names), shown until its first status comes.
    wanted: tuple[str, ...] = ()
    #: When its status last came (view clock), None before the first poll.
    seen: float | None = None
    finished_at: float | None = field(default=None, repr=False)


#: Campaigns shown right now, so that ``run(progress=None)`` inside ``show_progress`` does not show twice.
_SHOWN: weakref.WeakSet[Any] = weakref.WeakSet()


def showing(campaign: object) -> bool:
    """True while ``campaign`` is shown by :func:`show_progress`."""
    return campaign in _SHOWN


class CampaignDisplay:
    """Counts, ETA, politeness, the active jobs and the latest events of a running campaign.

    On a terminal (and in a notebook with ipywidgets) the view is redrawn in place, at most
    ``refresh_per_second`` times a second, and its clocks tick between events. Anywhere else (a CI log, a
    file, a pipe) nothing can be redrawn, so each event is printed as one sentence as it happens, with the
    counts line at the start and the end: the log of a long campaign shows progress while it runs.

    ``states`` maps each source's label to its state, primed from the ledger; every event carries the
    entry's new state, so the counts stay exact through resumes, reconciliations and failures. ``jobs``
    primes the active jobs of a resumed campaign. ``requests`` is the campaign's live request counter and
    ``poll_interval`` its option: the view shows how polite the campaign is from those alone. Times come from
    ``clock`` (monotonic seconds; the campaign's clock when shown through :func:`show_progress`).
    """

    def __init__(
        self,
        *,
        title: str,
        states: Mapping[str, str],
        max_active: int,
        console: Console | None = None,
        clock: Callable[[], float] = time.monotonic,
        jobs: Mapping[str, TrackedJob] | None = None,
        requests: Mapping[str, int] | None = None,
        poll_interval: float | None = None,
        track_progress: bool = True,
        refresh_per_second: float = 2.0,
        latest: int = 6,
    ) -> None:
        self.title = title
        self.states: dict[str, str] = {label: str(state) for label, state in states.items()}
        self.max_active = max_active
        self.console, self.live = live_console(console)
        self.jobs: dict[str, TrackedJob] = dict(jobs or {})
        self.requests: Mapping[str, int] = requests if requests is not None else Counter()
        self.poll_interval = poll_interval
        #: Whether the campaign asks every active job's status each round; if not, a row may say it has none.
        self.track_progress = track_progress
        self.refresh_per_second = refresh_per_second
        #: The latest events as (view time, sentence), newest last.
        self.recent: deque[tuple[float, str]] = deque(maxlen=latest)
        self.estimate = EtaEstimate(max_active, overdue=max(1.0, (poll_interval or 2.0) / 2))
        for _ in self.jobs:
            self.estimate.job_started()
        self._clock = clock
        self._started = clock()
        self._lock = threading.RLock()
        self._live: Live | None = None
        self._closed = False
        self._said: dict[str, str] = {}  # label -> the last progress sentence printed (lines mode)
        # The outage last printed (lines mode): its start, its error without URLs, how long it had lasted.
        self._outage_said: tuple[float, str, float] | None = None
        #: The outage line while the service fails every request, else None.
        self.outage: str | None = None
        #: Drawn under the view at the end (the final table, when :func:`show_progress` is asked for it).
        self.final: RenderableType | None = None

    # -- state ---------------------------------------------------------------------------------------------

    @property
    def counts(self) -> dict[str, int]:
        """How many sources are in each state (every state present, zeros included)."""
        tally = Counter(self.states.values())
        return {state.value: tally.get(state.value, 0) for state in EntryState}

    def now(self) -> float:
        """Seconds since the view started (its clock)."""
        return self._clock() - self._started

    def handle(self, event: CampaignEvent) -> None:
        """Update the view from one campaign event (a line is printed for it off a terminal)."""
        if self._closed:
            return
        with self._lock:
            line = self._apply(event, self._clock())
        if line is not None and not self.live:
            self._say(f"{clock_text(self.now())}  {line}")

    def _apply(self, event: CampaignEvent, now: float) -> str | None:
        """Fold ``event`` into the state; return the sentence to print for it off a terminal, if any."""
        kind, label = event.kind, event.label
        if kind is EventKind.OUTAGE:
            self.outage = str(event)  # the live view keeps its one line up to date
            return self._outage_line(event)
        if kind is EventKind.RECOVERED:
            self.outage = None
            self._outage_said = None
        state = event.state if event.state is not None else _IMPLIED_STATE.get(kind)
        if state is not None and label:
            self.states[label] = state.value
        self._track(event, state, now)
        sentence = str(event)
        if kind is EventKind.RUNNING:  # frequent: a line only when something changed
            if self._said.get(label) == sentence:
                return None
            self._said[label] = sentence
            return sentence
        if kind is not EventKind.DOWNLOADED:  # many per job: the log has them, the live list keeps milestones
            self.recent.append((now, sentence))
        return sentence

    def _outage_line(self, event: CampaignEvent) -> str | None:
        """The line to print for an outage event, if any: the outage repeats its event every round while it
        lasts, so a log says it when it starts, then again only when its length passes the next of
        :data:`OUTAGE_REMINDERS` (then each hour) or its error changes."""
        outage = event.detail
        if not isinstance(outage, Outage):
            return str(event)
        lasted = event.at - outage.started
        error = _URL.sub("<url>", outage.error_line)  # the same failure of another endpoint is no news
        said = self._outage_said
        if said is None or said[0] != outage.started:
            self._outage_said = (outage.started, error, lasted)
            return str(event)
        _, said_error, said_at = said
        if error == said_error and _reminder_after(said_at) > lasted:
            return None
        self._outage_said = (outage.started, error, lasted)
        return outage.still(event.at)

    def _track(self, event: CampaignEvent, state: EntryState | None, now: float) -> None:
        """Keep the active jobs, and the durations the ETA learns from."""
        kind, label = event.kind, event.label
        job = self.jobs.get(label)
        if kind is EventKind.SUBMITTED or (kind is EventKind.RECONCILED and state is EntryState.ACTIVE):
            wanted = event.detail.products if isinstance(event.detail, Submitted) else ()
            self.jobs[label] = TrackedJob(event.job_id, now, wanted=wanted)
            self.estimate.job_started()
        elif kind is EventKind.RUNNING and isinstance(event.detail, JobProgress):
            if job is None:
                job = self.jobs[label] = TrackedJob(event.job_id, now)
            job.products, job.seen = event.detail.products, now
        elif kind is EventKind.FINISHED and job is not None:
            self.estimate.job_finished(now - job.since)
            job.finished_at = now
            if isinstance(event.detail, JobProgress):
                job.products, job.seen = event.detail.products, now
        if kind in (EventKind.DONE, EventKind.INCOMPLETE) and job is not None and job.finished_at is not None:
            self.estimate.job_collected(now - job.finished_at)
        # Followed while active (the rows) and collecting (to time the collection); then forgotten.
        if state is not None and state not in _FOLLOWED:
            self.jobs.pop(label, None)

    def eta(self) -> float | None:
        """Seconds until the campaign should be done (None until a job has been seen finishing)."""
        with self._lock:
            counts = self.counts
            now = self._clock()
            ages = sorted(
                (now - job.since for label, job in self.jobs.items() if self.states.get(label) == "active"),
                reverse=True,
            )
            return self.estimate.eta(
                now,
                queued=counts["pending"] + counts["submitting"],
                running_ages=ages,
                collecting=counts["collecting"],
            )

    # -- drawing ------------------------------------------------------------------------------------------

    def _left(self) -> bool:
        """True while some source still has something to do."""
        c = self.counts
        return bool(c["pending"] or c["submitting"] or c["active"] or c["collecting"])

    def _eta_text(self) -> str:
        if not self._left():
            return "nothing left"
        eta = self.eta()
        return f"ETA {clock_text(eta)}" if eta is not None else "ETA unknown"

    def _active(self) -> tuple[int, int]:
        """Jobs active on the service (at most the cap), and how many more the ledger still holds active.

        The campaign fills a slot as soon as the service's count shows a job finished, before its status
        request finds which one: until then one more job than the cap looks active here, though it has
        finished there. Shown as ``+1 finishing``, not as a breach of the cap."""
        c = self.counts
        held = c["active"] + c["submitting"]
        return min(held, self.max_active), max(0, held - self.max_active)

    def _count_parts(self) -> list[str | tuple[str, str]]:
        c = self.counts
        active, finishing = self._active()
        parts: list[str | tuple[str, str]] = [
            f"queued {c['pending']}  ",
            (f"active {active}/{self.max_active}", "cyan"),
            f" +{finishing} finishing" if finishing else "",
            f"  collecting {c['collecting']}  done ",
            (str(c["done"]), "green"),
        ]
        for name, style in (("incomplete", "red"), ("failed", "red"), ("cancelled", "magenta")):
            if c[name] or name == "failed":
                parts += [f"  {name} ", (str(c[name]), style if c[name] else "")]
        return parts

    def header(self) -> Text:
        """The counts on one line, with the elapsed time and the ETA (what a log shows at start and end)."""
        return Text.assemble(
            (f"{self.title}  ", "bold"),
            *self._count_parts(),
            f"  elapsed {clock_text(self.now())}  {self._eta_text()}",
        )

    def counts_line(self) -> str:
        """:meth:`header` as plain text."""
        return self.header().plain

    def politeness(self) -> Text:
        """How the campaign treats the service: its jobs there, the cap and the poll interval."""
        active, _ = self._active()
        text = Text.assemble(("service  ", "bold"), f"{active} of your jobs active (cap {self.max_active})")
        if self.poll_interval:
            text.append(f", each job's status at most every {self.poll_interval:g} s")
        return text

    def requests_line(self) -> Text:
        """The requests this run sent, in all and by kind, and how many a minute."""
        total = sum(self.requests.values())
        minutes = self.now() / 60
        rate = f" ({total / minutes:.1f} a minute)" if minutes >= 0.5 and total else ""
        kinds = ", ".join(f"{k} {n}" for k, n in sorted(self.requests.items(), key=lambda kv: -kv[1]) if n)
        return Text.assemble(("requests ", "bold"), f"{total}{rate}" + (f": {kinds}" if kinds else ""))

    def _active_table(self, width: int, rows: int) -> RenderableType | None:
        now = self._clock()
        active = [(label, job) for label, job in self.jobs.items() if self.states.get(label) == "active"]
        if not active:
            return None
        active.sort(key=lambda item: item[1].since)
        short = width < WIDE
        stale = max(60.0, 2 * (self.poll_interval or 0.0))
        shown = active[:rows]
        # Fixed widths for the short columns, so a long products cell is cut rather than squeezing them.
        name_width = min(max(len(label) for label, _ in shown), max(12, width // 4))
        job_width = max(3, *(len(str(job.job_id or "")) for _, job in shown))
        time_width = max(7, *(len(clock_text(now - job.since)) for _, job in shown))
        table = Table(box=None, header_style="dim", pad_edge=False, padding=(0, 2, 0, 0), expand=True)
        table.add_column("source", no_wrap=True, overflow="ellipsis", width=name_width)
        table.add_column("job", justify="right", no_wrap=True, width=job_width)
        table.add_column("running", justify="right", no_wrap=True, width=time_width)
        table.add_column("products", no_wrap=True, overflow="ellipsis", ratio=1)
        room = width - name_width - job_width - time_width - 6  # what the products column can show
        for label, job in shown:
            if job.products:
                seen = job.seen if job.seen is not None else now
                age = f" (as of {duration_text(now - seen)} ago)" if now - seen >= stale else ""
                progress = JobProgress(job.products)
                # The fullest wording that fits: names and steps in full, then brief steps, then short names.
                forms = ((False, False), (False, True), (True, True))
                said = [progress.describe(short_names=a, brief=b) + age for a, b in forms]
                states = next((text for text in said if len(text) <= room), said[-1])
            else:
                names = ", ".join(product_name(p, short_names=short) for p in job.wanted)
                states = f"{names}: not polled yet" if names else "not polled yet"
            table.add_row(Text(label), str(job.job_id or ""), clock_text(now - job.since), Text(states))
        if len(active) > rows:
            table.add_row(Text(f"... and {len(active) - rows} more", style="dim"), "", "", "")
        if not self.track_progress and any(not job.products for _, job in shown):
            hint = "status asked only when the active-job count drops; track_progress polls each job"
            return Group(table, Text(hint, style="dim", no_wrap=True, overflow="ellipsis"))
        return table

    def _parts(self, width: int, height: int) -> list[RenderableType]:
        title = Text.assemble(
            (self.title, "bold"),
            f"  {len(self.states)} sources  elapsed {clock_text(self.now())}  ",
            (self._eta_text(), "bold"),
        )
        parts: list[RenderableType] = [title, Text.assemble(*self._count_parts())]
        parts += [self.politeness(), self.requests_line()]
        if self.outage:
            parts.append(Text(self.outage, style="bold red"))
        room = max(3, height - 7 - len(self.recent))
        table = self._active_table(width, room)
        if table is not None:
            parts.append(table)
        if self.recent:
            parts.append(Text("latest", style="dim"))
            started = self._started
            parts += [Text(f"{clock_text(at - started)}  {line}", style="dim") for at, line in self.recent]
        for part in parts:
            if isinstance(part, Text):
                part.no_wrap, part.overflow = True, "ellipsis"
        return parts

    def __rich_console__(self, console: Console, options: ConsoleOptions) -> RenderResult:
        with self._lock:
            parts = self._parts(options.max_width, options.height or console.size.height)
        if self.final is not None:
            parts.append(self.final)
        yield Group(*parts)

    def render(self) -> RenderableType:
        """The current view (drawn at the width of whatever console prints it)."""
        return self

    # -- showing ------------------------------------------------------------------------------------------

    def _say(self, text: str) -> None:
        self.console.print(text, markup=False, highlight=False, soft_wrap=True)

    def __enter__(self) -> CampaignDisplay:
        if self.live:
            self._live = Live(
                get_renderable=self.render,
                console=self.console,
                refresh_per_second=self.refresh_per_second,
                transient=False,
            )
            self._live.__enter__()
            self._live.refresh()  # at once: a notebook shows only the frames drawn
        else:
            self._say(self.counts_line())
        return self

    def __exit__(self, *exc: Any) -> None:
        self._closed = True
        if self._live is not None:
            self._live.refresh()
            self._live.__exit__(*exc)
            self._live = None
        else:
            self._say(self.counts_line())
            if self.final is not None:
                self.console.print(self.final)


def display_for(
    campaign: Campaign, *, title: str | None = None, console: Console | None = None
) -> CampaignDisplay:
    """A view of ``campaign`` primed from its ledger: each source's state and the active jobs.

    Only the labels and states are read for every source (the states' own strings, shared), and whole
    entries only for the active jobs: a view of a campaign of 100,000 sources costs a few megabytes."""
    clock = campaign.clock
    now, utc_now = clock.monotonic(), clock.utcnow()
    states = {label: state.value for label, state in campaign.store.states().items()}
    jobs = {}
    for entry in campaign.store.walk(EntryState.ACTIVE):
        age = (utc_now - entry.submitted_at).total_seconds() if entry.submitted_at else 0.0
        jobs[entry.label] = TrackedJob(
            entry.job_id,
            now - max(0.0, age),
            JobProgress.from_codes(entry.codes).products if entry.codes else (),
            wanted=tuple(entry.products),
        )
    return CampaignDisplay(
        title=title or Path(campaign.store.path).name,
        states=states,
        max_active=campaign.options.max_active,
        console=console,
        clock=clock.monotonic,
        jobs=jobs,
        requests=campaign.requests,
        poll_interval=campaign.options.poll_interval,
        track_progress=campaign.options.track_progress,
    )


@contextmanager
def show_progress(
    campaign: Campaign, *, title: str | None = None, console: Console | None = None, table: bool = True
) -> Iterator[CampaignDisplay]:
    """Show ``campaign`` while the block runs: ``with show_progress(campaign): await campaign.run()``.

    Live on a terminal or in a notebook (with ipywidgets), a sentence per event elsewhere; ``table`` ends it
    with the summary table when the block ends without an error. The view only listens: it adds no request.
    """
    display = display_for(campaign, title=title, console=console)
    campaign.subscribe(display.handle)
    _SHOWN.add(campaign)
    try:
        with display:
            yield display
            if table:
                display.final = summary_table(campaign.summary())
    finally:
        _SHOWN.discard(campaign)


# --- the final table -------------------------------------------------------------------------------------


def _position(outcome: SourceOutcome) -> str:
    for key in ("xastrom", "enh", "psf"):
        text = position_text(outcome.positions.get(key))
        if text is not None:
            return f"{text} {key}"
    return ""


class SummaryTable:
    """The per-source table at the end of a run (or from ``campaign status``), laid out for its width.

    From :data:`WIDE` columns it shows each source's products and files and says why a source failed in
    its row. Narrower, each source keeps to one line (source, job, outcome, position) and the reasons
    follow the table, one line each, so that a long refusal does not fold the table into a column of words.
    """

    def __init__(self, summary: CampaignSummary, *, title: str = "Campaign summary") -> None:
        self.summary = summary
        self.title = title

    @staticmethod
    def _why(s: SourceOutcome) -> str | None:
        """Why a source did not end complete, in one line (None when it did, or when nothing says why)."""
        if s.error and s.outcome in ("failed", "cancelled"):
            return one_line(s.error)
        if s.outcome == "partial":
            bad = JobProgress(tuple(p for p in JobProgress.from_codes(s.products).products if p.code != 4))
            return bad.describe(short_names=True)
        return None

    def table(self, width: int) -> Table:
        wide = width >= WIDE
        rows = []
        for s in self.summary.sources:
            outcome = Text(s.outcome, style=_STATE_STYLE.get(s.outcome, ""))
            why = self._why(s)
            if s.missing:
                outcome.append(f" ({len(s.missing)} missing)", style="dim")
            elif why and wide:
                outcome.append(f" ({why[:80]}{'…' if len(why) > 80 else ''})", style="dim")
            elif why:
                outcome.append(" (see below)", style="dim")
            rows.append((s, outcome))
        if wide:
            table = Table(title=self.title, box=box.HEAVY_HEAD)
            table.add_column("source", overflow="fold")
        else:
            # One line per source: the other columns as wide as their longest cell, the name gets the rest.
            table = Table(
                title=self.title, box=box.SIMPLE_HEAD, show_edge=False, pad_edge=False, padding=(0, 1, 0, 0)
            )
            others = max((len(str(s.job_id or "")) for s, _ in rows), default=0)
            others += max((len(outcome.plain) for _, outcome in rows), default=0)
            others += max((len(_position(s)) for s, _ in rows), default=0)
            room = max(10, width - others - 6)
            table.add_column("source", no_wrap=True, overflow="ellipsis", max_width=room)
        table.add_column("job", justify="right", no_wrap=True)
        table.add_column("outcome", overflow="fold" if wide else "ellipsis", no_wrap=not wide)
        if wide:
            table.add_column("products", overflow="fold")
            table.add_column("files", justify="right")
        table.add_column("position (deg, 90% err)", no_wrap=True)
        for s, outcome in rows:
            cells: list[RenderableType] = [Text(s.label), str(s.job_id or ""), outcome]
            if wide:
                products = JobProgress.from_codes(s.products).describe(short_names=True) if s.products else ""
                cells += [Text(products), str(len(s.files))]
            table.add_row(*cells, Text(_position(s)))
        return table

    def reasons(self, width: int) -> Table | None:
        """Below a narrow table: why each source that did not end complete ended so."""
        grid = Table.grid(padding=(0, 2, 0, 0))
        grid.add_column(no_wrap=True, overflow="ellipsis", max_width=max(12, width // 3), style="bold")
        grid.add_column(overflow="fold")
        for s in self.summary.sources:
            why = self._why(s)
            if why:
                grid.add_row(s.label, f"{s.outcome}: {why}")
        return grid if grid.row_count else None

    def footer(self) -> list[Text]:
        summary = self.summary
        counts = ", ".join(f"{k} {v}" for k, v in summary.counts.items() if v) or "no sources"
        files = sum(len(s.files) for s in summary.sources)
        lines = [Text(f"{counts}; {files} file{'s' if files != 1 else ''} saved")]
        if summary.requests:  # a run's table; a status print from the ledger alone has no requests to show
            total = sum(summary.requests.values())
            kinds = ", ".join(f"{k} {v}" for k, v in sorted(summary.requests.items()))
            lines.append(Text(f"{summary.elapsed:.1f} s, {total} requests: {kinds}"))
        return lines

    def __rich_console__(self, console: Console, options: ConsoleOptions) -> RenderResult:
        yield self.table(options.max_width)
        reasons = self.reasons(options.max_width) if options.max_width < WIDE else None
        if reasons is not None:
            yield Text("")
            yield reasons
        yield from self.footer()


def summary_table(summary: CampaignSummary) -> SummaryTable:
    """The final per-source table: job, outcome, products, files saved and the best position."""
    return SummaryTable(summary)
