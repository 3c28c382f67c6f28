"""A campaign reads its ledger a page at a time: adding, running, cancelling, resuming, showing and summing
up a campaign larger than a page never holds every entry at once (benchmarks/campaign_memory.py measures
the memory of whole runs of up to 100,000 sources)."""

from __future__ import annotations

import sqlite3
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import anyio
from rich.console import Console

from tests.support.campaign import POLL, client, emulator, position_request
from xrt_prods_async.campaign import (
    Campaign,
    CampaignItem,
    CampaignOptions,
    CampaignStore,
    EntryState,
    EventKind,
)
from xrt_prods_async.campaign._display import display_for
from xrt_prods_async.campaign._store import Entry

#: More than one page of the store (``walk``'s 500), so a read of every entry shows.
SOURCES = 650
PAGE = 500
NO_COLLECTION: dict[str, Any] = {"download": (), "retrieve": frozenset()}


class CountingStore(CampaignStore):
    """A store that remembers the most entries any one read turned into :class:`Entry` objects."""

    most = 0

    def _entries(self, rows: list[Any]) -> list[Entry]:
        self.most = max(self.most, len(rows))
        return super()._entries(rows)


def _items(count: int) -> Iterator[CampaignItem]:
    for i in range(count):
        yield CampaignItem(f"src-{i:04d}", position_request(f"src-{i:04d}"))


async def test_running_and_cancelling_a_large_campaign_reads_a_page_at_a_time(tmp_path: Path) -> None:
    store = CountingStore.open(tmp_path / "c.sqlite")
    async with emulator() as emu, client(emu) as xrt:
        options = CampaignOptions(max_active=3, poll_interval=POLL, round_interval=POLL, **NO_COLLECTION)
        done = 0
        with anyio.CancelScope() as scope:

            def on_event(event: Any) -> None:
                nonlocal done
                done += event.kind is EventKind.DONE
                if done >= 4:
                    scope.cancel()  # as Ctrl-C stops a run

            campaign = Campaign(xrt, store, tmp_path / "out", options, on_event=on_event)
            assert await campaign.add(_items(SOURCES)) == SOURCES
            with display_for(campaign, console=Console(file=None, quiet=True)) as view:
                campaign.subscribe(view.handle)
                await campaign.run(progress=False)
        assert done >= 4
        assert view.counts["pending"] > PAGE
        await campaign.cancel()
    summary = campaign.summary()
    assert summary.counts["cancelled"] > PAGE
    assert sum(1 for _ in summary.sources) == SOURCES
    assert summary.counts["pending"] == 0
    unsettled = sum(n for state, n in summary.counts.items() if not EntryState(state).terminal)
    assert summary.finished is (unsettled == 0)  # read through every entry, by pages
    assert 0 < store.most <= PAGE


async def test_a_resume_collects_many_entries_reading_a_page_at_a_time(tmp_path: Path) -> None:
    """Entries left collecting or incomplete by an earlier run are each collected again on resume."""
    path = tmp_path / "c.sqlite"
    async with emulator() as emu, client(emu) as xrt:
        options = CampaignOptions(max_active=3, poll_interval=POLL, round_interval=POLL, **NO_COLLECTION)
        with CampaignStore.open(path) as first:
            assert await Campaign(xrt, first, tmp_path / "out", options).add(_items(SOURCES)) == SOURCES
        with sqlite3.connect(path) as db:  # as runs stopped during collection would have left them
            db.execute(
                "UPDATE entries SET state = CASE WHEN id % 10 THEN 'incomplete' ELSE 'collecting' END, "
                "job_id = 100000 + id, job_url = 'http://127.0.0.1/job', submitted_at = updated_at"
            )
        db.close()
        store = CountingStore.open(path)
        summary = await Campaign(xrt, store, tmp_path / "out", options).run()
    assert summary.counts["done"] == SOURCES
    assert 0 < store.most <= PAGE
