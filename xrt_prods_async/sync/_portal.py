"""The event loop a blocking client drives its async twin on: an anyio blocking portal in its own thread.

Running the loop in a thread of its own is what makes the blocking client work both in a plain script and
where the calling thread already runs an event loop (Jupyter, an async test): the caller's loop is never
asked to run anything, it only waits. The portal stops when its owner is closed, when the owner is garbage
collected, and at the latest when the interpreter exits (``weakref.finalize`` runs at exit, while the
portal's daemon thread can still answer; a portal left running would make the exit hang).
"""

from __future__ import annotations

import functools
import threading
import weakref
from collections.abc import Awaitable, Callable
from contextlib import AbstractContextManager
from typing import Any

from anyio.from_thread import BlockingPortal, start_blocking_portal

__all__ = ["Portal"]

#: Coroutine functions run on the loop before it stops (the async client's ``aclose``).
Closer = Callable[[], Awaitable[None]]


def _shutdown(
    manager: AbstractContextManager[BlockingPortal], portal: BlockingPortal, closers: list[Closer]
) -> None:
    """Run the closers on the loop, newest first, then stop the loop and join its thread."""
    try:
        while closers:
            portal.call(closers.pop())
    finally:
        manager.__exit__(None, None, None)


class Portal:
    """One event loop in its own thread. ``run`` calls a function on it and blocks until it has returned.

    Exceptions come back to the caller unchanged; interrupting the wait (Ctrl-C) cancels the call on the loop.
    ``close`` runs the registered closers (``on_close``) and stops the thread; it may be called any number of
    times.
    """

    def __init__(self) -> None:
        manager = start_blocking_portal()
        portal = manager.__enter__()
        self._portal = portal
        self._closers: list[Closer] = []
        self._finalizer = weakref.finalize(self, _shutdown, manager, portal, self._closers)
        self.thread: threading.Thread = portal.call(threading.current_thread)

    @property
    def closed(self) -> bool:
        """True once the loop has been stopped."""
        return not self._finalizer.alive

    def on_close(self, closer: Closer) -> None:
        """Await ``closer()`` on the loop when the portal closes (before the loop stops)."""
        self._closers.append(closer)

    def run(self, function: Callable[..., Any], /, *args: Any, **kwargs: Any) -> Any:
        """Call ``function(*args, **kwargs)`` on the loop (awaiting it if it is a coroutine function); block
        until it is done and return its result, or raise its exception."""
        if self.closed:
            raise RuntimeError("This blocking client is closed; make a new one")
        future = self._portal.start_task_soon(functools.partial(function, *args, **kwargs))
        try:
            return future.result()
        except BaseException:
            future.cancel()  # no-op when the call itself raised; stops it when the wait was interrupted
            raise

    def close(self) -> None:
        """Run the closers, stop the loop and join its thread."""
        self._finalizer()
