"""The live campaign display and the final table, drawn with rich. Kept apart from the scheduler, which only
emits events: any application can draw its own view from the same events."""

from __future__ import annotations

import time
from collections import Counter, deque
from collections.abc import Callable, Mapping
from typing import Any

from rich.console import Console, Group, RenderableType
from rich.live import Live
from rich.table import Table
from rich.text import Text

from xrt_prods_async.campaign._events import CampaignEvent, CampaignSummary, EventKind, SourceOutcome
from xrt_prods_async.campaign._scheduler import Campaign
from xrt_prods_async.campaign._store import EntryState

_STATE_STYLE = {
    "complete": "green",
    "partial": "yellow",
    "incomplete": "red",
    "failed": "red",
    "cancelled": "magenta",
}


def say(console: Console, text: object) -> None:
    """Print a line as it is: no markup (``[...]`` in labels, paths or TOML names stays), no highlighting, and
    no wrapping (paths and commands stay whole for copying)."""
    console.print(str(text), markup=False, highlight=False, soft_wrap=True)


def say_error(console: Console, problem: object) -> None:
    """Print ``error: <problem>``, the problem's text as it is."""
    console.print(Text.assemble(("error:", "red"), " ", str(problem)), highlight=False, soft_wrap=True)


def _hms(seconds: float) -> str:
    seconds = max(0, int(seconds))
    return f"{seconds // 3600:02d}:{seconds % 3600 // 60:02d}:{seconds % 60:02d}"


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


class CampaignDisplay:
    """Counts, ETA and the latest events of a running campaign.

    On a terminal the view is redrawn in place. Anywhere else (a CI log, a file, a pipe) nothing can be
    redrawn, so each event is printed as a line as it happens, with the counts line at the start and the end:
    the log of a long campaign shows progress while it runs.

    ``states`` maps each source's label to its state, primed from the ledger; every event carries the
    entry's new state, so the counts stay exact through resumes, reconciliations and failures. While the
    service fails, one line under the counts says since when and the last error (``outage`` events). The
    ETA is the mean observed job duration times the waves of work left for ``max_active`` slots. Durations
    and elapsed time are read from ``clock`` (monotonic seconds; the campaign's clock when run through
    :func:`run_with_view`).
    """

    def __init__(
        self,
        *,
        title: str,
        states: Mapping[str, str],
        max_active: int,
        console: Console | None = None,
        clock: Callable[[], float] = time.monotonic,
    ) -> None:
        self.title = title
        self.states: dict[str, str] = {label: str(state) for label, state in states.items()}
        self.max_active = max_active
        self.console = console or Console()
        self.recent: deque[str] = deque(maxlen=8)
        self._submitted_at: dict[str, float] = {}
        self._durations: list[float] = []
        self._clock = clock
        self._started = clock()
        self._live: Live | None = None
        #: The outage line while the service fails every request, else None.
        self.outage: str | None = None
        #: Redraw in place only where a terminal can do it.
        self.live = self.console.is_terminal and not self.console.is_dumb_terminal

    @property
    def counts(self) -> dict[str, int]:
        """How many sources are in each state (every state present, zeros included)."""
        tally = Counter(self.states.values())
        return {state.value: tally.get(state.value, 0) for state in EntryState}

    def __enter__(self) -> CampaignDisplay:
        if self.live:
            self._live = Live(self.render(), console=self.console, refresh_per_second=4, transient=False)
            self._live.__enter__()
        else:
            self.console.print(self.header(), soft_wrap=True)
        return self

    def __exit__(self, *exc: Any) -> None:
        if self._live is not None:
            self._live.update(self.render())
            self._live.__exit__(*exc)
            self._live = None
        else:
            self.console.print(self.header(), soft_wrap=True)

    def handle(self, event: CampaignEvent) -> None:
        """Update the view from one campaign event."""
        now = self._clock()
        kind = event.kind
        if kind is EventKind.OUTAGE:
            self.outage = str(event)
        elif kind is EventKind.RECOVERED:
            self.outage = None
        state = event.state if event.state is not None else _IMPLIED_STATE.get(kind)
        if state is not None:
            self.states[event.label] = state.value
        if kind is EventKind.SUBMITTED or (kind is EventKind.RECONCILED and state is EntryState.ACTIVE):
            self._submitted_at[event.label] = now
        elif kind is EventKind.FINISHED:
            started = self._submitted_at.pop(event.label, None)
            if started is not None:
                self._durations.append(now - started)
        if kind is not EventKind.RUNNING:  # frequent and already counted: not worth a line
            line = str(event)
            if kind is not EventKind.OUTAGE:  # on a line of its own while it lasts
                self.recent.append(line)
            if not self.live:
                say(self.console, line)
        if self._live is not None:
            self._live.update(self.render())

    def eta(self) -> float | None:
        """Seconds until the campaign should finish, once at least one job has been seen finishing."""
        if not self._durations:
            return None
        counts = self.counts
        mean = sum(self._durations) / len(self._durations)
        waiting = counts["pending"] + counts["submitting"]
        running = counts["active"]
        waves = (waiting + running) / max(1, self.max_active)
        return mean * max(waves, 1.0 if running else 0.0)

    def header(self) -> Text:
        """One line of counts: active of the cap, queued, done, collecting, failed, elapsed time, ETA."""
        c = self.counts
        eta = self.eta()
        parts: list[str | tuple[str, str]] = [
            (f"{self.title}  ", "bold"),
            (f"active {c['active'] + c['submitting']}/{self.max_active}", "cyan"),
            f"  queued {c['pending']}",
            "  done ",
            (str(c["done"]), "green"),
            f"  collecting {c['collecting']}",
            "  failed ",
            (str(c["failed"]), "red" if c["failed"] else ""),
        ]
        if c["incomplete"]:
            parts += ["  incomplete ", (str(c["incomplete"]), "red")]
        if c["cancelled"]:
            parts.append(f"  cancelled {c['cancelled']}")
        parts += [
            f"  elapsed {_hms(self._clock() - self._started)}",
            f"  ETA {_hms(eta) if eta is not None else '--:--:--'}",
        ]
        return Text.assemble(*parts)

    def render(self) -> RenderableType:
        """The current view: the counts line, the outage line (if any) and the latest events."""
        outage = [Text(self.outage, style="bold red")] if self.outage else []
        return Group(self.header(), *outage, *(Text("  " + line, style="dim") for line in self.recent))


async def run_with_view(campaign: Campaign, *, title: str, plain: bool, console: Console) -> CampaignSummary:
    """Run ``campaign`` while showing it: each event as a line (``plain``), else the live display."""
    if plain:
        campaign.subscribe(lambda event: say(console, event))
        return await campaign.run()
    states = {label: state.value for label, state in campaign.store.states().items()}
    with CampaignDisplay(
        title=title,
        states=states,
        max_active=campaign.options.max_active,
        console=console,
        clock=campaign.clock.monotonic,
    ) as display:
        campaign.subscribe(display.handle)
        return await campaign.run()


def _position_text(outcome: SourceOutcome) -> str:
    for key in ("xastrom", "enh", "psf"):
        pos = outcome.positions.get(key)
        if (
            isinstance(pos, dict)
            and pos.get("found", pos.get("ra") is not None)
            and pos.get("ra") is not None
        ):
            err = pos.get("err90")
            err_text = f' ±{err:.1f}"' if isinstance(err, int | float) else ""
            return f"{pos['ra']:.5f} {pos['dec']:+.5f}{err_text} ({key})"
    return ""


def summary_table(summary: CampaignSummary) -> Table:
    """The final per-source table: job, outcome, product codes, files saved and the best position."""
    table = Table(title="Campaign summary", show_lines=False)
    table.add_column("source")
    table.add_column("job", justify="right")
    table.add_column("outcome")
    table.add_column("products")
    table.add_column("files", justify="right")
    table.add_column("position (deg, 90% err)")
    for s in summary.sources:
        codes = " ".join(f"{p}:{c}" for p, c in s.products.items())
        outcome = Text(s.outcome, style=_STATE_STYLE.get(s.outcome, ""))
        if s.error and s.outcome in ("failed", "cancelled"):
            outcome.append(f" ({s.error.splitlines()[0][:60]})", style="dim")
        elif s.missing:
            outcome.append(f" ({len(s.missing)} missing)", style="dim")
        table.add_row(
            Text(s.label),
            str(s.job_id or ""),
            outcome,
            Text(codes),
            str(len(s.files)),
            Text(_position_text(s)),
        )
    caption = [", ".join(f"{k} {v}" for k, v in summary.counts.items() if v) or "no sources"]
    if summary.requests:  # a run's table; a status print from the ledger alone has no requests to show
        caption.append("requests: " + ", ".join(f"{k} {v}" for k, v in sorted(summary.requests.items())))
        caption.append(f"{summary.elapsed:.1f} s")
    table.caption = "; ".join(caption)
    return table
