"""An entry is done only when everything it asked for is on disk and verified; else it says what is missing.

Against the emulator over loopback: archives cut short, a job the service no longer holds, an output folder
that cannot be written (read-only, or a full disk simulated by the file calls failing with ENOSPC), a ledger
the disk refuses. Each time: nothing claimed that did not happen, the ledger consistent, and a resume that
fetches exactly what is missing.
"""

from __future__ import annotations

import errno
import os
import tarfile
from pathlib import Path
from typing import Any

import pytest

from tests.support.campaign import POLL, USER, client, emulator, items, jobs_per_name, user_metrics
from xrt_prods_async._errors import LedgerError, LocalIOError
from xrt_prods_async.campaign import Campaign, CampaignOptions, CampaignStore, EntryState, EventKind
from xrt_prods_async.campaign._events import CampaignEvent
from xrt_prods_async.emulator import FaultConfig, FaultRule

TWO_PRODUCTS: dict[str, Any] = {"StandardPos": {}, "LightCurve": {"binMeth": "snapshot"}}
POSITIONS_ONLY = frozenset({"positions"})
CUT_SHORT = FaultConfig(rules=[FaultRule(endpoint="download", truncate=1.0)])


def options(**overrides: Any) -> CampaignOptions:
    settings: dict[str, Any] = {"max_active": 3, "poll_interval": POLL, "retrieve": POSITIONS_ONLY}
    return CampaignOptions(**{**settings, **overrides})


def submissions(emu: Any) -> int:
    users = emu.state.metrics_snapshot()["users"]
    return int(users.get(USER.lower(), {}).get("submissions", 0))


def verified(path: Path) -> bool:
    with tarfile.open(path) as archive:
        return all(archive.extractfile(m) is not None for m in archive.getmembers() if m.isfile())


async def test_archives_cut_short_leave_entries_incomplete_and_a_resume_fetches_just_those(
    tmp_path: Path,
) -> None:
    events: list[CampaignEvent] = []
    ledger, out = tmp_path / "c.sqlite", tmp_path / "out"
    async with emulator(faults=CUT_SHORT) as emu, client(emu) as xrt:
        campaign = Campaign(xrt, ledger, out, options(), on_event=events.append)
        await campaign.add(items(3, **TWO_PRODUCTS))
        summary = await campaign.run()

        # Before: every 200 reply cut short failed verification, yet each entry was "done", files 0.
        assert summary.counts["done"] == 0
        assert summary.counts["incomplete"] == 3
        for source in summary.incomplete:
            assert set(source.missing) == {"archive:psf", "archive:lc"}
            assert all("cut short" in why for why in source.missing.values())
            assert source.positions["psf"]["found"]  # what did arrive is kept
            assert source.files == {}
        assert [e.kind for e in events].count(EventKind.DONE) == 0
        assert [e.kind for e in events].count(EventKind.INCOMPLETE) == 3
        assert not list(out.rglob("*.tar.gz"))  # no half archive under a final name
        requests_before = dict(user_metrics(emu)["requests"])
        archives_before = emu.state.metrics_snapshot()["downloads"]["archives"]

        emu.state.faults.configure(FaultConfig())
        again = Campaign(xrt, ledger, out, options())
        resumed = await again.run()
        requests_after = user_metrics(emu)["requests"]
        archives = emu.state.metrics_snapshot()["downloads"]["archives"] - archives_before

    assert resumed.counts["done"] == 3
    assert all(s.outcome == "complete" and not s.missing for s in resumed.sources)
    # Exactly what was missing: six archives, nothing submitted, nothing retrieved again.
    assert archives == 6
    assert dict(again.requests) == {"status": 3, "archive": 6}  # a status request per job, nothing else
    assert requests_after == {
        **requests_before,
        "checkProductStatus.php": requests_before["checkProductStatus.php"] + 3,
    }
    for source in resumed.sources:
        for stem in ("psf", "lc"):
            assert verified(out / source.label / f"{stem}.tar.gz")


async def test_a_job_the_service_no_longer_holds_is_named_as_such(tmp_path: Path) -> None:
    ledger, out = tmp_path / "c.sqlite", tmp_path / "out"
    async with emulator(faults=CUT_SHORT) as emu, client(emu) as xrt:
        campaign = Campaign(xrt, ledger, out, options(retrieve=frozenset()))
        await campaign.add(items(2))
        first = await campaign.run()
        assert first.counts["incomplete"] == 2
        gone = first.sources[0].job_id
        assert gone is not None
        with emu.state.lock:
            del emu.state.jobs[gone]  # purged by the service
        emu.state.faults.configure(FaultConfig())
        summary = await Campaign(xrt, ledger, out, options(retrieve=frozenset())).run()

    by_label = {s.label: s for s in summary.sources}
    lost, kept = by_label["src-0000"], by_label["src-0001"]
    assert lost.outcome == "incomplete"
    assert lost.missing == {
        "archive:psf": f"the service no longer holds job {gone}: Job {gone} is not owned by user {USER}"
    }
    assert kept.outcome == "complete"


@pytest.mark.skipif(os.name != "posix" or os.geteuid() == 0, reason="needs POSIX permissions, not root")
async def test_a_read_only_output_folder_is_refused_before_anything_is_submitted(tmp_path: Path) -> None:
    out = tmp_path / "out"
    out.mkdir(mode=0o555)
    try:
        async with emulator() as emu, client(emu) as xrt:
            campaign = Campaign(xrt, tmp_path / "c.sqlite", out, options())
            await campaign.add(items(2))
            with pytest.raises(
                LocalIOError, match=rf"cannot write to the output folder {out}: Permission denied"
            ):
                await campaign.run()
            assert submissions(emu) == 0
            assert campaign.store.counts()[EntryState.PENDING] == 2
    finally:
        out.chmod(0o755)


def no_space(*args: Any, **kwargs: Any) -> Any:
    raise OSError(errno.ENOSPC, os.strerror(errno.ENOSPC))


async def test_a_full_output_disk_before_the_start_is_refused(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    from xrt_prods_async.campaign import _collect

    monkeypatch.setattr(_collect.os, "fsync", no_space)  # the probe file cannot be flushed to disk
    async with emulator() as emu, client(emu) as xrt:
        campaign = Campaign(xrt, tmp_path / "c.sqlite", tmp_path / "out", options())
        await campaign.add(items(2))
        with pytest.raises(LocalIOError, match="No space left on device") as info:
            await campaign.run()
        assert info.value.path == str(tmp_path / "out")
        assert submissions(emu) == 0


async def test_a_disk_that_fills_while_collecting_stops_the_campaign_and_nothing_is_claimed(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    from xrt_prods_async.client import _download

    ledger, out = tmp_path / "c.sqlite", tmp_path / "out"
    async with emulator() as emu, client(emu) as xrt:
        with monkeypatch.context() as patch:
            patch.setattr(_download, "create_temp_file", no_space)  # the archive's file cannot be made
            campaign = Campaign(xrt, ledger, out, options(max_active=2))
            await campaign.add(items(6))
            with pytest.raises(LocalIOError, match="No space left on device"):
                await campaign.run()
        store = campaign.store
        (full,) = store.entries(EntryState.INCOMPLETE)
        assert full.missing == {
            "archive:psf": "not written: No space left on device",
            "position:psf": "not fetched: the output folder cannot be written (No space left on device)",
        }
        assert store.counts()[EntryState.DONE] == 0  # nothing claimed

        summary = await Campaign(xrt, ledger, out, options(max_active=2)).run()
        assert summary.counts["done"] == 6
        assert jobs_per_name(emu) == {f"src-{i:04d}": 1 for i in range(6)}
        for source in summary.sources:
            assert verified(out / source.label / "psf.tar.gz")


async def test_a_ledger_the_disk_refuses_stops_the_campaign_cleanly(tmp_path: Path) -> None:
    ledger, out = tmp_path / "c.sqlite", tmp_path / "out"
    async with emulator() as emu, client(emu) as xrt:
        store = CampaignStore.open(ledger)
        campaign = Campaign(xrt, store, out, options())
        await campaign.add(items(3))
        store._db.execute("PRAGMA query_only=ON")  # the disk refuses every write from now on
        with pytest.raises(LedgerError, match="attempt to write a readonly database"):
            await campaign.run()
        assert submissions(emu) == 0  # the intent could not be recorded: nothing was sent
        store._db.execute("PRAGMA query_only=OFF")
        summary = await Campaign(xrt, store, out, options()).run()
        assert summary.counts["done"] == 3
        assert jobs_per_name(emu) == {f"src-{i:04d}": 1 for i in range(3)}


@pytest.mark.skipif(os.name != "posix" or os.geteuid() == 0, reason="needs POSIX permissions, not root")
async def test_a_read_only_source_folder_stops_the_campaign_with_the_entry_incomplete(tmp_path: Path) -> None:
    ledger, out = tmp_path / "c.sqlite", tmp_path / "out"
    locked = out / "src-0000"
    locked.mkdir(parents=True, mode=0o555)  # the output folder itself is writable: the start is allowed
    try:
        async with emulator() as emu, client(emu) as xrt:
            campaign = Campaign(xrt, ledger, out, options(max_active=1))
            await campaign.add(items(3))
            with pytest.raises(LocalIOError, match="Permission denied"):
                await campaign.run()
            entry = campaign.store.entries()[0]
            assert entry.state is EntryState.INCOMPLETE
            assert entry.missing["archive:psf"].startswith(f"not written: Permission denied ({locked}")
            locked.chmod(0o755)
            summary = await Campaign(xrt, ledger, out, options(max_active=1)).run()
            assert summary.counts["done"] == 3
            assert jobs_per_name(emu) == {f"src-{i:04d}": 1 for i in range(3)}
    finally:
        locked.chmod(0o755)


async def test_a_campaign_that_saves_no_file_needs_no_output_folder(tmp_path: Path) -> None:
    nowhere = tmp_path / "file" / "out"
    (tmp_path / "file").write_text("a file, not a folder", encoding="utf-8")
    async with emulator() as emu, client(emu) as xrt:
        campaign = Campaign(xrt, tmp_path / "c.sqlite", nowhere, options(download=()))  # positions only
        await campaign.add(items(2))
        summary = await campaign.run()
        assert summary.counts["done"] == 2
        assert all(s.positions["psf"]["found"] for s in summary.sources)
        with pytest.raises(LocalIOError, match="Not a directory"):  # an archive would need it
            await Campaign(xrt, tmp_path / "d.sqlite", nowhere, options()).run()
