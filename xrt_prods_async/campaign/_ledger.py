"""The ledger as the scheduler uses it from the event loop: commits awaited in a worker thread, reads inline.

Every commit syncs the disk (``synchronous=FULL``), which takes milliseconds on a good disk and far longer
on a busy or network one, so commits run in a worker thread and the event loop keeps serving requests and
downloads meanwhile. One lock lets one commit at a time into a thread: commits happen in the order they
were asked for, and a campaign never ties up more than one thread.

Reads run inline on the event loop. Each is an indexed ``SELECT`` on a local file that neither writes nor
syncs, so it takes microseconds; at worst it waits for the one commit in flight (the store's own lock guards
its single connection). A thread hop costs more CPU than the read (about 0.1 ms), and a round makes several.

While a run is :meth:`~AsyncLedger.grouped`, the writes that enable no request (``HOLDABLE``: a job
recorded, its codes, its finish, an item collected, an entry done) are held (:meth:`CampaignStore.holding`):
applied inline, as cheap as a read, and committed with the next write that must be durable before its
request is sent (an intent to submit), or at the next :meth:`~AsyncLedger.flush` (the scheduler's: at each
round and when a collection ends), and on the way out of the run however it ends. A job then costs about
two commits (its intent, and its collection's end) instead of four or more, and a crash loses only the
held writes since the last commit, which a resume redoes (a poll, a collection).
"""

from __future__ import annotations

import contextlib
from collections.abc import AsyncIterator, Awaitable, Callable
from typing import ParamSpec, TypeVar

import anyio
import anyio.lowlevel
import anyio.to_thread

from xrt_prods_async.campaign._store import HOLDABLE, CampaignStore

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
        self.page = store.page
        self.walk = store.walk
        self.nth = store.nth
        self.queued_labels = store.queued_labels
        self.counts = store.counts
        self.any_in = store.any_in
        self.states = store.states
        self.known_job_ids = store.known_job_ids
        self.get_meta = store.get_meta
        # Writes, committed in a worker thread one at a time (the holdable ones held inline when grouped).
        self.set_meta = self._in_thread(store.set_meta)
        self.add_entries = self._in_thread(store.add_entries)
        self.add_new_entries = self._in_thread(store.add_new_entries)
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
        holdable = write.__name__ in HOLDABLE
        store = self.store

        async def awaited(*args: P.args, **kwargs: P.kwargs) -> R:
            if holdable and store.hold:
                result = write(*args, **kwargs)  # applied inline, committed later (module docstring)
                # Still a checkpoint, as the thread hop was: a cancelled task stops here, as before.
                await anyio.lowlevel.checkpoint()
                return result
            async with self._lock:
                return await anyio.to_thread.run_sync(lambda: write(*args, **kwargs))

        awaited.__name__ = awaited.__qualname__ = write.__name__
        awaited.__doc__ = write.__doc__
        return awaited

    async def flush(self) -> None:
        """Commit the held writes, if any (in the worker thread, after any commit in flight)."""
        if self.store.pending:
            async with self._lock:
                await anyio.to_thread.run_sync(self.store.commit)

    @contextlib.asynccontextmanager
    async def grouped(self) -> AsyncIterator[None]:
        """Hold the holdable writes made inside (module docstring); every one is committed on the way out,
        however the block ends (a commit that fails then is dropped if an exception is already leaving:
        that exception says more, and the ledger is as after a crash)."""
        with self.store.holding():
            try:
                yield
            except BaseException:
                with anyio.CancelScope(shield=True), contextlib.suppress(Exception):
                    await self.flush()
                raise
            with anyio.CancelScope(shield=True):
                await self.flush()
