"""The ledger from the event loop: writes awaited in a worker thread one at a time, reads inline, and
the writes that enable no request held and committed together while a run is grouped."""

from __future__ import annotations

import inspect
import sqlite3
import threading
from pathlib import Path
from typing import Any

import anyio
import anyio.lowlevel
import anyio.to_thread
import pytest

from xrt_prods_async.campaign._ledger import AsyncLedger
from xrt_prods_async.campaign._store import CampaignStore, EntryState, NewEntry

READS = {
    "get",
    "entries",
    "page",
    "walk",
    "nth",
    "queued_labels",
    "counts",
    "any_in",
    "states",
    "known_job_ids",
    "get_meta",
}


#: The store's own controls: the ledger has its own (``grouped``, ``flush``), and closing is the owner's.
CONTROLS = {"close", "holding", "commit"}


def new(label: str) -> NewEntry:
    return NewEntry(label, {"name": label, "dopsf": 1}, "f1", label, ("psf",))


def test_every_store_method_is_on_the_ledger_reads_plain_writes_awaited(tmp_path: Path) -> None:
    with CampaignStore.open(tmp_path / "c.sqlite") as store:
        ledger = AsyncLedger(store)
        names = {
            name
            for name, _ in inspect.getmembers(CampaignStore, inspect.isfunction)
            if not name.startswith("_") and name not in CONTROLS
        }
        assert names > READS
        for name in names:
            method = getattr(ledger, name)
            assert inspect.iscoroutinefunction(method) is (name not in READS), name
            assert method.__doc__ == getattr(CampaignStore, name).__doc__


async def test_writes_run_in_a_worker_thread_one_at_a_time_and_reads_on_the_loop(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    loop_thread = threading.get_ident()
    with CampaignStore.open(tmp_path / "c.sqlite") as store:
        store.add_entries([new("a"), new("b"), new("c")])
        entered = threading.Event()
        release = threading.Event()
        threads: list[int] = []
        write = store.mark_failed

        def blocking_write(entry_id: int, error: str) -> None:
            threads.append(threading.get_ident())
            entered.set()
            assert release.wait(10)
            write(entry_id, error)

        monkeypatch.setattr(store, "mark_failed", blocking_write)
        ledger = AsyncLedger(store)
        ids = [e.id for e in ledger.entries()]
        async with anyio.create_task_group() as group:
            for entry_id in ids:
                group.start_soon(ledger.mark_failed, entry_id, "refused")
            await anyio.to_thread.run_sync(entered.wait)
            await anyio.wait_all_tasks_blocked()
            # One write is in its thread; the other two wait for the lock, not for threads of their own.
            assert len(threads) == 1
            assert ledger._lock.statistics().tasks_waiting == 2
            # A read does not queue behind the writes: it runs at once, here on the loop's thread.
            assert ledger.counts()[EntryState.PENDING] == 3
            release.set()
        assert len(threads) == 3
        assert loop_thread not in threads
        assert all(e.state is EntryState.FAILED for e in ledger.entries())


def _on_disk(path: Path) -> dict[str, str]:
    """Each entry's state as another connection reads it: what a crash would leave."""
    with sqlite3.connect(path) as db:
        return dict(db.execute("SELECT label, state FROM entries ORDER BY id").fetchall())


async def test_grouped_holds_writes_that_enable_no_request_inline_and_commits_them(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    path = tmp_path / "c.sqlite"
    with CampaignStore.open(path) as store:
        store.add_entries([new("a"), new("b")])
        ledger = AsyncLedger(store)
        a, b = (e.id for e in ledger.entries())
        await ledger.mark_submitting(a)
        hops: list[object] = []
        real_hop = anyio.to_thread.run_sync

        async def counted_hop(func: Any, *args: Any, **kwargs: Any) -> Any:
            hops.append(func)
            return await real_hop(func, *args, **kwargs)

        monkeypatch.setattr(anyio.to_thread, "run_sync", counted_hop)
        async with ledger.grouped():
            await ledger.mark_submitted(a, 7, "u")
            await ledger.set_codes(a, {"psf": 2})
            assert hops == []  # no thread, no commit...
            assert ledger.get(a).codes == {"psf": 2}  # ... yet read back at once
            assert _on_disk(path) == {"a": "submitting", "b": "pending"}
            await ledger.flush()
            assert len(hops) == 1
            assert _on_disk(path)["a"] == "active"
            await ledger.flush()  # nothing held: no hop
            assert len(hops) == 1
            await ledger.mark_finished(a, {"psf": 1})
            await ledger.mark_submitting(b)  # must be durable before its request: in a thread, with a's
            assert len(hops) == 2
            assert _on_disk(path) == {"a": "collecting", "b": "submitting"}
            await ledger.mark_done(a)
        assert _on_disk(path)["a"] == "done"  # committed on the way out
        assert not store.hold
        await ledger.mark_submitted(b, 8, "v")  # not grouped: committed at once, in a thread
        assert _on_disk(path)["b"] == "active"


async def test_grouped_writes_land_when_the_run_fails_or_is_cancelled(tmp_path: Path) -> None:
    path = tmp_path / "c.sqlite"
    with CampaignStore.open(path) as store:
        store.add_entries([new("a"), new("b")])
        ledger = AsyncLedger(store)
        a, b = (e.id for e in ledger.entries())
        await ledger.mark_submitting(a)
        await ledger.mark_submitting(b)

        async def failing_run() -> None:
            async with ledger.grouped():
                await ledger.mark_submitted(a, 7, "u")
                raise LookupError("the run failed")

        with pytest.raises(LookupError):
            await failing_run()
        assert _on_disk(path)["a"] == "active"
        with anyio.CancelScope() as scope:
            async with ledger.grouped():
                await ledger.mark_submitted(b, 8, "v")
                scope.cancel()
                await anyio.lowlevel.checkpoint()  # cancelled here; the held write still lands
        assert scope.cancelled_caught
        assert _on_disk(path)["b"] == "active"
