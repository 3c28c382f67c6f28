"""The ledger from the event loop: writes awaited in a worker thread one at a time, reads inline."""

from __future__ import annotations

import inspect
import threading
from pathlib import Path

import anyio
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


def new(label: str) -> NewEntry:
    return NewEntry(label, {"name": label, "dopsf": 1}, "f1", label, ("psf",))


def test_every_store_method_is_on_the_ledger_reads_plain_writes_awaited(tmp_path: Path) -> None:
    with CampaignStore.open(tmp_path / "c.sqlite") as store:
        ledger = AsyncLedger(store)
        names = {
            name
            for name, _ in inspect.getmembers(CampaignStore, inspect.isfunction)
            if not name.startswith("_") and name != "close"
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
