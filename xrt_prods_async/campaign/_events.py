"""What a running campaign tells the outside world: events as they happen, a summary at the end.

Applications subscribe with a callback (sync or async); the CLI's live display is one such subscriber.
Events are plain frozen dataclasses so they can be logged, queued or serialised without ceremony. Most are
about one source; ``outage`` and ``recovered`` are about the service, and have an empty label.
"""

from __future__ import annotations

import enum
import inspect
from collections.abc import Awaitable, Callable
from dataclasses import dataclass, field
from typing import Any

from xrt_prods_async.campaign._store import CampaignStore, Entry, EntryState
from xrt_prods_async.wire import StatusCode


class EventKind(enum.StrEnum):
    """The kinds of thing that happen to a campaign entry."""

    QUEUED = "queued"  # added to the ledger, waiting for a free slot
    SUBMITTED = "submitted"  # the server made the job (detail: job URL)
    RUNNING = "running"  # a status poll saw the job running (detail: per-product codes and progress)
    FINISHED = "finished"  # every product finished on the server (detail: per-product codes)
    DOWNLOADED = "downloaded"  # an archive or data set was saved (detail: what and where)
    FAILED = "failed"  # no job will be made, or a product / collection step failed (detail: why)
    RECONCILED = "reconciled"  # an uncertain submission was resolved (detail: adopted job or resubmit)
    CANCELLED = "cancelled"  # the campaign cancelled the entry
    DONE = "done"  # everything asked for is on disk and verified
    INCOMPLETE = "incomplete"  # collection ended with items missing (detail: artifact kind -> why)
    RETRYING = "retrying"  # a resumed campaign fetches an incomplete entry's missing items (detail: which)
    OUTAGE = "outage"  # the service fails every request (detail: an Outage; no label); repeated while down
    RECOVERED = "recovered"  # the service answers again (detail: a Recovery; no label)


@dataclass(frozen=True, slots=True)
class CampaignEvent:
    """One thing that happened to one entry of a campaign."""

    kind: EventKind
    label: str
    job_id: int | None = None
    detail: Any = None
    #: The entry's ledger state once the event has happened (``None`` if the sender does not say): a view
    #: can count states from events alone, e.g. ``failed`` tells a refused request (state ``failed``) from a
    #: lost reply waiting for reconciliation (``submitting``) or a failed download (``collecting``).
    state: EntryState | None = None
    #: When it happened, in seconds on the campaign's clock (``Campaign.clock.monotonic()``): the differences
    #: between events are durations, exact under an injected clock. (No wall-clock time: nothing shows it;
    #: the ledger records the UTC times that matter, such as submission.)
    at: float = field(kw_only=True)

    def __str__(self) -> str:
        if not self.label and self.detail is not None:  # about the service, not a source
            return str(self.detail)
        job = f" job {self.job_id}" if self.job_id is not None else ""
        extra = f": {self.detail}" if self.detail not in (None, "", {}) else ""
        return f"{self.label}{job} {self.kind.value}{extra}"


EventHandler = Callable[[CampaignEvent], Awaitable[None] | None]


async def emit(handlers: list[EventHandler], event: CampaignEvent) -> None:
    """Deliver ``event`` to every handler; a failing handler must not stop the campaign, so it is logged."""
    for handler in handlers:
        try:
            result = handler(event)
            if inspect.isawaitable(result):
                await result
        except Exception:  # pragma: no cover - defensive: user callbacks
            import logging

            logging.getLogger(__name__).exception("campaign event handler failed on %s", event)


@dataclass(frozen=True, slots=True)
class SourceOutcome:
    """The end state of one source of the campaign, as the final table shows it."""

    label: str
    state: EntryState
    job_id: int | None
    #: "complete", "partial" or "failed" (by the server's product codes) once done; "incomplete",
    #: "failed", "cancelled", or the state while unfinished, otherwise.
    outcome: str
    products: dict[str, int | None]  # short name -> final status code
    files: dict[str, str]  # artifact kind -> path
    positions: dict[str, Any]  # product short name -> position dict (found, ra, dec, err90...)
    error: str | None
    #: What the last collection could not save: artifact kind -> why (a resume fetches these).
    missing: dict[str, str] = field(default_factory=dict)


@dataclass(frozen=True, slots=True)
class CampaignSummary:
    """Per-source outcomes plus totals and the request counts that show how polite the campaign was."""

    sources: tuple[SourceOutcome, ...]
    counts: dict[str, int]  # entry state -> number of entries
    requests: dict[str, int]  # endpoint / kind -> number of requests this run made
    elapsed: float  # seconds this run took

    @property
    def finished(self) -> bool:
        """True when every source reached a terminal state."""
        return all(s.state.terminal for s in self.sources)

    @property
    def incomplete(self) -> tuple[SourceOutcome, ...]:
        """The sources whose job finished but whose results are not all on disk (see ``missing``)."""
        return tuple(s for s in self.sources if s.state is EntryState.INCOMPLETE)


def outcome_of(entry: Entry) -> SourceOutcome:
    """How one ledger entry ended (or stands): complete, partial or failed products, files, positions."""
    codes = entry.codes
    if entry.state is EntryState.DONE:
        good = [c == StatusCode.COMPLETE for c in codes.values()]
        outcome = "complete" if all(good) else ("partial" if any(good) else "failed")
    else:
        outcome = entry.state.value  # failed, cancelled, or the state of an unfinished entry
    files = {k: a.path for k, a in entry.artifacts.items() if a.ok and a.path}
    positions = {
        k.split(":", 1)[1]: a.detail for k, a in entry.artifacts.items() if k.startswith("position:") and a.ok
    }
    return SourceOutcome(
        label=entry.label,
        state=entry.state,
        job_id=entry.job_id,
        outcome=outcome,
        products=dict(codes),
        files=files,
        positions=positions,
        error=entry.error,
        missing=entry.missing if entry.state is not EntryState.DONE else {},
    )


def summarise(
    store: CampaignStore, *, requests: dict[str, int] | None = None, elapsed: float = 0.0
) -> CampaignSummary:
    """The summary of a campaign as its ledger stands (usable without running it)."""
    return CampaignSummary(
        sources=tuple(outcome_of(e) for e in store.entries()),
        counts={state.value: n for state, n in store.counts().items()},
        requests=dict(requests or {}),
        elapsed=elapsed,
    )
