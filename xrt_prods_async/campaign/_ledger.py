"""The ledger as the scheduler uses it from the event loop: writes awaited in a worker thread, reads inline.

Every write commits with ``synchronous=FULL``, an fsync that takes milliseconds on a good disk and far longer
on a busy or network one, so writes run in a worker thread and the event loop keeps serving requests and
downloads meanwhile. One lock lets one write at a time into a thread: commits happen in the order they were
asked for, and a campaign never ties up more than one thread.

Reads run inline on the event loop. Each is an indexed ``SELECT`` on a local file that neither writes nor
syncs, so it takes microseconds; at worst it waits for the one commit in flight (the store's own lock guards
its single connection). A thread hop per read would cost more than the read, and a round makes several.
"""

from __future__ import annotations

from collections.abc import Awaitable, Callable
from typing import ParamSpec, TypeVar

import anyio
import anyio.to_thread

from xrt_prods_async.campaign._store import CampaignStore

__all__ = ["AsyncLedger"]

P = ParamSpec("P")
R = TypeVar("R")


class AsyncLedger:
    """A :class:`CampaignStore` for coroutines: ``await ledger.mark_done(...)``, ``ledger.get(...)``.

    The methods are the store's own (same names, same signatures), so nothing here can drift from it.
    """

    def __init__(self, store: CampaignStore) -> None:
        self.store = store
        self._lock = anyio.Lock()
        # Reads, inline (see the module docstring).
        self.get = store.get
        self.entries = store.entries
        self.counts = store.counts
        self.states = store.states
        self.known_job_ids = store.known_job_ids
        self.get_meta = store.get_meta
        # Writes, awaited in a worker thread one at a time.
        self.set_meta = self._in_thread(store.set_meta)
        self.add_entries = self._in_thread(store.add_entries)
        self.mark_submitting = self._in_thread(store.mark_submitting)
        self.mark_submitted = self._in_thread(store.mark_submitted)
        self.mark_unsent = self._in_thread(store.mark_unsent)
        self.mark_failed = self._in_thread(store.mark_failed)
        self.set_codes = self._in_thread(store.set_codes)
        self.mark_finished = self._in_thread(store.mark_finished)
        self.mark_done = self._in_thread(store.mark_done)
        self.mark_incomplete = self._in_thread(store.mark_incomplete)
        self.reopen = self._in_thread(store.reopen)
        self.mark_cancelled = self._in_thread(store.mark_cancelled)
        self.record_artifact = self._in_thread(store.record_artifact)

    def _in_thread(self, write: Callable[P, R]) -> Callable[P, Awaitable[R]]:
        async def awaited(*args: P.args, **kwargs: P.kwargs) -> R:
            async with self._lock:
                return await anyio.to_thread.run_sync(lambda: write(*args, **kwargs))

        awaited.__name__ = awaited.__qualname__ = write.__name__
        awaited.__doc__ = write.__doc__
        return awaited
