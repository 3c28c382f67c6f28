"""The live campaign display and the final table, drawn with rich. Kept apart from the scheduler, which only
emits events: any application can draw its own view from the same events."""

from __future__ import annotations

import time
from collections import deque
from typing import Any

from rich.console import Console, Group, RenderableType
from rich.live import Live
from rich.table import Table
from rich.text import Text

from xrt_prods_async.campaign.events import CampaignEvent, CampaignSummary, EventKind, SourceOutcome
from xrt_prods_async.campaign.store import EntryState

_STATE_STYLE = {
    "complete": "green",
    "partial": "yellow",
    "failed": "red",
    "cancelled": "magenta",
}


def _hms(seconds: float) -> str:
    seconds = max(0, int(seconds))
    return f"{seconds // 3600:02d}:{seconds % 3600 // 60:02d}:{seconds % 60:02d}"


class CampaignDisplay:
    """Counts, ETA and the latest events of a running campaign, refreshed in place on a terminal.

    ``counts`` is primed from the ledger and kept current from events; the ETA is the mean observed job
    duration times the waves of work left for ``max_active`` slots.
    """

    def __init__(
        self, *, title: str, counts: dict[str, int], max_active: int, console: Console | None = None
    ):
        self.title = title
        self.counts = dict(counts)
        self.max_active = max_active
        self.console = console or Console()
        self.recent: deque[str] = deque(maxlen=8)
        self._submitted_at: dict[str, float] = {}
        self._durations: list[float] = []
        self._started = time.monotonic()
        self._live: Live | None = None

    def __enter__(self) -> CampaignDisplay:
        self._live = Live(self.render(), console=self.console, refresh_per_second=4, transient=False)
        self._live.__enter__()
        return self

    def __exit__(self, *exc: Any) -> None:
        if self._live is not None:
            self._live.update(self.render())
            self._live.__exit__(*exc)
            self._live = None

    def _move(self, src: str, dst: str) -> None:
        if self.counts.get(src, 0) > 0:
            self.counts[src] -= 1
        self.counts[dst] = self.counts.get(dst, 0) + 1

    def handle(self, event: CampaignEvent) -> None:
        """Update the view from one campaign event."""
        now = time.monotonic()
        kind = event.kind
        if kind is EventKind.SUBMITTED or (kind is EventKind.RECONCILED and event.job_id is not None):
            self._move(EntryState.PENDING.value, EntryState.ACTIVE.value)
            self._submitted_at[event.label] = now
        elif kind is EventKind.RECONCILED:
            pass
        elif kind is EventKind.FINISHED:
            self._move(EntryState.ACTIVE.value, EntryState.COLLECTING.value)
            started = self._submitted_at.pop(event.label, None)
            if started is not None:
                self._durations.append(now - started)
        elif kind is EventKind.DONE:
            self._move(EntryState.COLLECTING.value, EntryState.DONE.value)
        elif kind is EventKind.FAILED and event.job_id is None and "reconcile" not in str(event.detail):
            self._move(EntryState.PENDING.value, EntryState.FAILED.value)
        elif kind is EventKind.CANCELLED:
            self._move(EntryState.ACTIVE.value, EntryState.CANCELLED.value)
        if kind is not EventKind.RUNNING:
            self.recent.append(str(event))
        if self._live is not None:
            self._live.update(self.render())

    def eta(self) -> float | None:
        """Seconds until the campaign should finish, once at least one job has been seen finishing."""
        if not self._durations:
            return None
        mean = sum(self._durations) / len(self._durations)
        waiting = self.counts.get("pending", 0) + self.counts.get("submitting", 0)
        running = self.counts.get("active", 0)
        waves = (waiting + running) / max(1, self.max_active)
        return mean * max(waves, 1.0 if running else 0.0)

    def render(self) -> RenderableType:
        """The current view: a header line of counts and the latest events."""
        c = self.counts
        eta = self.eta()
        header = Text.assemble(
            (f"{self.title}  ", "bold"),
            (f"active {c.get('active', 0) + c.get('submitting', 0)}/{self.max_active}", "cyan"),
            f"  queued {c.get('pending', 0)}",
            ("  done ", ""),
            (str(c.get("done", 0)), "green"),
            f"  collecting {c.get('collecting', 0)}",
            ("  failed ", ""),
            (str(c.get("failed", 0)), "red" if c.get("failed", 0) else ""),
            f"  elapsed {_hms(time.monotonic() - self._started)}",
            f"  ETA {_hms(eta) if eta is not None else '--:--:--'}",
        )
        return Group(header, *(Text("  " + line, style="dim") for line in self.recent))


def _position_text(outcome: SourceOutcome) -> str:
    for key in ("xastrom", "enh", "psf"):
        pos = outcome.positions.get(key)
        if (
            isinstance(pos, dict)
            and pos.get("found", pos.get("ra") is not None)
            and pos.get("ra") is not None
        ):
            return f'{pos["ra"]:.5f} {pos["dec"]:+.5f} ±{pos.get("err90", float("nan")):.1f}" ({key})'
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
        table.add_row(s.label, str(s.job_id or ""), outcome, codes, str(len(s.files)), _position_text(s))
    counts = ", ".join(f"{k} {v}" for k, v in summary.counts.items() if v)
    requests = ", ".join(f"{k} {v}" for k, v in sorted(summary.requests.items()))
    table.caption = f"{counts}; requests: {requests}; {summary.elapsed:.1f} s"
    return table
