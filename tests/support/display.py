"""Scripted campaigns for the display tests: events at chosen moments on a clock that moves only when told,
and consoles that record what a person would see at a given width."""

from __future__ import annotations

import io
import random
from dataclasses import dataclass, field

from rich.console import Console

from xrt_prods_async.campaign import CampaignEvent, EntryState, EventKind
from xrt_prods_async.campaign._events import (
    Failure,
    JobProgress,
    Missing,
    ProductProgress,
    Saved,
    Submitted,
)
from xrt_prods_async.wire import StatusCode


class Clock:
    """Monotonic seconds that move only when the test says."""

    def __init__(self, now: float = 0.0) -> None:
        self.now = now

    def __call__(self) -> float:
        return self.now


def log_console(width: int = 200) -> tuple[Console, io.StringIO]:
    """A console that is not a terminal (a pipe or a log), and what it printed."""
    out = io.StringIO()
    return Console(file=out, width=width, color_system=None), out


def recording(width: int, height: int = 40) -> Console:
    """A console of a fixed size that records plain text (no colour), as a terminal of that size shows it."""
    return Console(file=io.StringIO(), width=width, height=height, record=True, color_system=None)


def drawn(renderable: object, width: int, height: int = 40) -> str:
    """``renderable`` as a ``width``-column terminal shows it, trailing spaces removed."""
    console = recording(width, height)
    console.print(renderable)
    return "\n".join(line.rstrip() for line in console.export_text().splitlines()) + "\n"


def event(
    kind: EventKind, label: str, state: EntryState | None, *, job: int | None = None, detail: object = None
) -> CampaignEvent:
    return CampaignEvent(kind, label, job, detail, state=state, at=0.0)


def progress(*products: tuple[str, StatusCode, str | None]) -> JobProgress:
    return JobProgress(tuple(ProductProgress(short, int(code), step) for short, code, step in products))


RUNNING, COMPLETE, QUEUED = StatusCode.RUNNING, StatusCode.COMPLETE, StatusCode.QUEUED

#: The sources of the scripted campaign, long names among them.
SOURCES = (
    "GRB 200416A",
    "GK Per",
    "Swift J1644+57",
    "Sgr A*",
    "a source with a rather long name indeed",
    "Mrk 421",
    "Crab",
    "SN 2023ixf",
)


def scripted() -> list[tuple[float, CampaignEvent]]:
    """A small campaign of 8 sources, 3 active at most: what happens when, on the campaign's clock."""
    lc_psf = ("lc", "psf")
    script: list[tuple[float, CampaignEvent]] = []

    def at(t: float, kind: EventKind, index: int, state: EntryState, detail: object = None) -> None:
        job = 1001 + index if kind is not EventKind.QUEUED and index != 6 else None  # Crab is refused
        script.append((t, event(kind, SOURCES[index], state, job=job, detail=detail)))

    active, collecting = EntryState.ACTIVE, EntryState.COLLECTING
    for i in range(3):
        at(5 + i, EventKind.SUBMITTED, i, active, Submitted(f"https://x/{1001 + i}", lc_psf))
    step = "Extract data: Working on observation 2 / 5"
    at(65, EventKind.RUNNING, 0, active, progress(("lc", RUNNING, step), ("psf", COMPLETE, None)))
    at(66, EventKind.RUNNING, 1, active, progress(("lc", QUEUED, None), ("psf", RUNNING, "Perform PSF fit")))
    at(300, EventKind.FINISHED, 0, collecting, progress(("lc", COMPLETE, None), ("psf", COMPLETE, None)))
    at(301, EventKind.DOWNLOADED, 0, collecting, Saved("archive:lc", "out/GRB_200416A/lc.tar.gz"))
    position = {"found": True, "ra": 335.69856, "dec": -7.51804, "err90": 1.6}
    at(302, EventKind.DOWNLOADED, 0, collecting, Saved("position:psf", None, position))
    at(303, EventKind.DONE, 0, EntryState.DONE)
    at(303, EventKind.SUBMITTED, 3, active, Submitted("https://x/1004", lc_psf))
    failed = StatusCode.REQUEST_FAILED
    at(360, EventKind.FINISHED, 1, collecting, progress(("lc", COMPLETE, None), ("psf", failed, None)))
    cut = Failure("The downloaded file is not a complete archive", "archive:lc")
    at(362, EventKind.FAILED, 1, collecting, cut)
    at(365, EventKind.INCOMPLETE, 1, EntryState.INCOMPLETE, Missing({"archive:lc": "cut short"}))
    at(366, EventKind.SUBMITTED, 4, active, Submitted("https://x/1005", lc_psf))
    at(420, EventKind.FINISHED, 2, collecting, progress(("lc", COMPLETE, None), ("psf", COMPLETE, None)))
    at(425, EventKind.DONE, 2, EntryState.DONE)
    at(426, EventKind.SUBMITTED, 5, active, Submitted("https://x/1006", lc_psf))
    refused = Failure("The service refused the request:\n* RA: out of range")
    at(480, EventKind.FAILED, 6, EntryState.FAILED, refused)
    return script


@dataclass
class SimulatedCampaign:
    """A campaign simulated as the scheduler runs one: rounds ``round`` seconds apart notice finished jobs and
    refill free slots; each job takes its own duration, each collection ``collect`` seconds."""

    sources: int
    max_active: int
    round: float = 60.0
    collect: float = 10.0
    seed: int = 7
    events: list[tuple[float, CampaignEvent]] = field(default_factory=list)
    end: float = 0.0

    def run(self, mean: float = 600.0, spread: float = 0.25) -> SimulatedCampaign:
        rng = random.Random(self.seed)
        durations = [mean * (1 + spread * (2 * rng.random() - 1)) for _ in range(self.sources)]
        queued = list(range(self.sources))
        running: dict[int, float] = {}  # source -> submitted at
        t = 0.0
        while queued or running:
            for source, since in list(running.items()):
                if since + durations[source] <= t:
                    del running[source]
                    self._at(t, EventKind.FINISHED, source, EntryState.COLLECTING)
                    self._at(t + self.collect, EventKind.DONE, source, EntryState.DONE)
                    self.end = max(self.end, t + self.collect)
            while queued and len(running) < self.max_active:
                source = queued.pop(0)
                running[source] = t
                self._at(t, EventKind.SUBMITTED, source, EntryState.ACTIVE, Submitted("https://x", ("psf",)))
            t += self.round
        self.events.sort(key=lambda item: item[0])
        return self

    def _at(self, t: float, kind: EventKind, source: int, state: EntryState, detail: object = None) -> None:
        self.events.append((t, event(kind, f"src-{source:03d}", state, job=1000 + source, detail=detail)))
