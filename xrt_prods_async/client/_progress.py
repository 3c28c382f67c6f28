"""Progress people can watch while a job runs: ``await job.wait(progress=True)``.

On a terminal and in a notebook it is a rich ``Live`` view, redrawn in place (a notebook needs ipywidgets, the
``notebook`` extra); anywhere else it is one line each time a product changes. ``progress=None`` shows it
only where someone is watching an interactive session (IPython or Jupyter), never in a plain script.

rich is imported by the functions that draw, not here: a script that never asks for progress never loads it.
"""

from __future__ import annotations

import sys
import threading
import time
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from datetime import UTC, datetime
from typing import TYPE_CHECKING

if TYPE_CHECKING:  # pragma: no cover - typing only
    from rich.console import Console, ConsoleOptions, RenderResult

    from ._job import Job
    from ._status import JobStatus

__all__ = ["clock_text", "interactive", "live_console", "wait_progress", "wants_progress"]


def interactive() -> bool:
    """True inside IPython or a Jupyter kernel (looked up without importing IPython)."""
    ipython = sys.modules.get("IPython")
    get_ipython = getattr(ipython, "get_ipython", None)
    return callable(get_ipython) and get_ipython() is not None


def wants_progress(progress: bool | None) -> bool:
    """Whether to show progress: as asked, or (``None``) only in an interactive IPython or Jupyter session."""
    if progress is None:
        return interactive()
    return bool(progress)


def clock_text(seconds: float) -> str:
    """``0:01:10`` (hours unpadded: a long campaign shows ``26:00:00``)."""
    whole = max(0, int(seconds))
    return f"{whole // 3600}:{whole % 3600 // 60:02d}:{whole % 60:02d}"


def live_console(console: Console | None = None) -> tuple[Console, bool]:
    """The console to draw on and whether it can redraw in place (a terminal, or a notebook with ipywidgets).

    In a notebook without ipywidgets rich cannot redraw, so the view falls back to lines (and says why once).
    """
    from rich.console import Console

    console = console or Console()
    if console.is_jupyter:
        import importlib.util

        if importlib.util.find_spec("ipywidgets") is None:  # rich's notebook display needs it
            import warnings

            warnings.warn(
                "a live progress view in a notebook needs ipywidgets "
                "(pip install 'xrt_prods_async[notebook]'); showing one line per change instead",
                stacklevel=3,
            )
            return console, False
        return console, True
    return console, console.is_terminal and not console.is_dumb_terminal


class WaitView:
    """What ``wait(progress=True)`` shows: the job, how long it has run, and each product's state and step."""

    def __init__(self, job: Job | int, interval: float, clock: Callable[[], float] = time.monotonic) -> None:
        self.job = job
        self.interval = interval
        self._clock = clock
        self._started = clock()
        self._polled: float | None = None
        self.status: JobStatus | None = None
        self._lock = threading.Lock()
        submitted = getattr(job, "submitted_at", None)
        #: When the job started, on ``clock``: its submission if known, else when the wait began.
        self._since = self._started
        if isinstance(submitted, datetime):
            self._since -= max(0.0, (datetime.now(UTC) - submitted).total_seconds())

    def update(self, status: JobStatus) -> None:
        with self._lock:
            self.status = status
            self._polled = self._clock()

    def title(self) -> str:
        job_id = getattr(self.job, "job_id", self.job)
        name = getattr(self.job, "name", None)
        return f"Job {job_id}" + (f" ({name})" if name else "")

    def line(self, status: JobStatus) -> str:
        """One line for a log: ``Job 1001 (GRB 200416A): light curve complete, spectrum running (...)``."""
        return f"{self.title()}: {status.sentence()}"

    def __rich_console__(self, console: Console, options: ConsoleOptions) -> RenderResult:
        from rich.table import Table
        from rich.text import Text

        with self._lock:
            status, polled, now = self.status, self._polled, self._clock()
        if status is not None and status.finished:
            head = Text.assemble((self.title(), "bold"), f"  finished after {clock_text(now - self._since)}")
        else:
            head = Text.assemble(
                (self.title(), "bold"),
                f"  running {clock_text(now - self._since)}",
                (f"  status every {self.interval:g} s", "dim"),
            )
            if polled is not None:
                head.append(f", last {now - polled:.0f} s ago", style="dim")
        yield head
        if status is None:
            yield Text("  asking for the status...", style="dim")
            return
        # The product and state columns as wide as their longest cell; the step gets the rest, cut if long.
        table = Table(box=None, header_style="dim", pad_edge=False, padding=(0, 2, 0, 0), expand=True)
        names = max((len(p.product.label) for p in status), default=7)
        table.add_column("product", no_wrap=True, width=names)
        steps = any(product.step for product in status)
        table.add_column("state", no_wrap=True, width=max((len(p.state) for p in status), default=5))
        if steps:
            table.add_column("now", overflow="ellipsis", no_wrap=True, ratio=1)
        else:
            table.expand = False
        for product in status:
            style = "green" if product.complete else "red" if product.failed else ""
            cells: list[str | Text] = [product.product.label, Text(product.state, style=style)]
            table.add_row(*cells, *([product.step or ""] if steps else []))
        yield table


@contextmanager
def wait_progress(job: Job | int, interval: float, console: Console | None = None) -> Iterator[WaitView]:
    """Show a wait while it lasts: live where it can be redrawn, else a line each time a product changes."""
    view = WaitView(job, interval)
    console, live = live_console(console)
    if not live:
        last: list[str] = []
        update = view.update

        def as_lines(status: JobStatus) -> None:
            update(status)
            line = view.line(status)
            if not last or last[-1] != line:
                last.append(line)
                console.print(line, markup=False, highlight=False, soft_wrap=True)

        view.update = as_lines  # type: ignore[method-assign]
        yield view
        return
    from rich.live import Live

    with Live(get_renderable=lambda: view, console=console, refresh_per_second=1, transient=False) as shown:
        shown.refresh()  # at once, and at the end: a notebook shows only the frames drawn (no final redraw)
        try:
            yield view
        finally:
            shown.refresh()
