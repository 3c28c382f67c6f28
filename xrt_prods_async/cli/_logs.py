"""Where the log records of a command go: nowhere on screen unless asked (``-v``, ``--log-file``).

The libraries below a command log what they do: stamina a record per retry it schedules, httpx one per
request. Those go to :mod:`logging`, and a command shows its state in its own words (a campaign's outage
line, the final table), so by default they are not printed. Without a handler of its own, Python would
print every warning on stderr: a bare ``stamina.retry_scheduled`` line per retry. Errors are still shown.
"""

from __future__ import annotations

import argparse
import logging
import sys
from collections.abc import Iterator
from contextlib import contextmanager
from typing import IO

__all__ = ["add_logging_options", "logging_for"]

_FORMAT = "%(asctime)s %(levelname)s %(name)s: %(message)s"


class _Stderr(logging.StreamHandler):  # type: ignore[type-arg]
    """Writes to whatever ``sys.stderr`` is when a record comes (it may be replaced, e.g. under pytest)."""

    @property
    def stream(self) -> IO[str]:
        return sys.stderr

    @stream.setter
    def stream(self, value: object) -> None:
        pass


def add_logging_options(parser: argparse.ArgumentParser) -> None:
    """``-v`` (repeatable) and ``--log-file``."""
    parser.add_argument(
        "-v",
        "--verbose",
        action="count",
        default=0,
        help="print log records on stderr: -v requests and retries (INFO), -vv everything (DEBUG)",
    )
    parser.add_argument("--log-file", dest="log_file", help="append every log record (DEBUG) to this file")


@contextmanager
def logging_for(args: argparse.Namespace) -> Iterator[None]:
    """While a command runs, send log records where ``args`` asks: stderr at ERROR (by default), INFO
    (``-v``) or DEBUG (``-vv``), and with ``--log-file`` every record to that file (``OSError`` if it
    cannot be opened). Everything is put back as it was afterwards."""
    root = logging.getLogger()
    verbose = int(getattr(args, "verbose", 0) or 0)
    level = {0: logging.ERROR, 1: logging.INFO}.get(verbose, logging.DEBUG)
    handlers: list[logging.Handler] = []
    screen = _Stderr()
    screen.setLevel(level)
    screen.setFormatter(logging.Formatter(_FORMAT if verbose else "%(levelname)s %(name)s: %(message)s"))
    handlers.append(screen)
    log_file = getattr(args, "log_file", None)
    if log_file:
        to_file = logging.FileHandler(log_file, encoding="utf-8")
        to_file.setLevel(logging.DEBUG)
        to_file.setFormatter(logging.Formatter(_FORMAT))
        handlers.append(to_file)
    lowest = min(h.level for h in handlers)
    previous = root.level
    for handler in handlers:
        root.addHandler(handler)
    if lowest < root.getEffectiveLevel():
        root.setLevel(lowest)  # only lowered, and only when asked: the records must reach the handlers
    try:
        yield
    finally:
        root.setLevel(previous)
        for handler in handlers:
            root.removeHandler(handler)
            handler.close()
