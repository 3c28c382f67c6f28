"""The summary table of ``campaign run`` and ``status`` beyond ``STATUS_ROWS`` sources: the first ones not
done, read a page at a time, and a line saying how many there are and how to see every one."""

from __future__ import annotations

import io
from pathlib import Path

from rich.console import Console

from xrt_prods_async.campaign import CampaignStore
from xrt_prods_async.campaign._events import summarise
from xrt_prods_async.campaign._store import NewEntry
from xrt_prods_async.cli._campaign import STATUS_ROWS, print_table


def _drawn(store: CampaignStore, **options: object) -> str:
    out = io.StringIO()
    print_table(Console(file=out, width=100), store, summarise(store), **options)  # type: ignore[arg-type]
    return out.getvalue()


def _ledger(tmp_path: Path, count: int) -> CampaignStore:
    store = CampaignStore.open(tmp_path / "c.sqlite")
    store.add_entries(NewEntry(f"src-{i:04d}", {}, "f", f"src-{i:04d}", ("psf",)) for i in range(count))
    return store


def test_a_large_campaign_lists_the_first_sources_not_done_and_says_so(tmp_path: Path) -> None:
    store = _ledger(tmp_path, STATUS_ROWS + 50)
    text = _drawn(store, more=" (--all: every one)")
    assert f"src-{STATUS_ROWS - 1:04d}" in text
    assert f"src-{STATUS_ROWS:04d}" not in text
    assert f"{STATUS_ROWS + 50} sources, 0 done, 50 more not done: the first {STATUS_ROWS} not done" in text
    assert text.rstrip().endswith("(--all: every one)")
    assert f"src-{STATUS_ROWS + 49:04d}" in _drawn(store, every=True)


def test_a_small_campaign_lists_every_source(tmp_path: Path) -> None:
    text = _drawn(_ledger(tmp_path, STATUS_ROWS))
    assert f"src-{STATUS_ROWS - 1:04d}" in text
    assert "not done are listed" not in text
