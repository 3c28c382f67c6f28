"""The scheduler against the emulator over loopback: cap, politeness, collection, faults, outside jobs."""

from __future__ import annotations

import math
import tarfile
from pathlib import Path
from typing import Any

import anyio
import pytest

from tests.support.campaign import (
    POLL,
    client,
    emulator,
    items,
    jobs_per_name,
    position_request,
    user_metrics,
)
from xrt_prods_async._errors import ConfigurationError
from xrt_prods_async._products import Product
from xrt_prods_async.campaign import Campaign, CampaignOptions, CampaignStore, EntryState, EventKind
from xrt_prods_async.campaign._events import CampaignEvent, CancelTally
from xrt_prods_async.emulator import FaultConfig, FaultRule

NO_COLLECTION: dict[str, Any] = {"download": (), "retrieve": frozenset()}


def _lifetime(job: dict[str, Any]) -> float:
    """Simulated seconds from a job's submission to its last product's end."""
    ends = [float(p["finished"]["sim"]) for p in job["products"].values() if p["finished"]]
    return max(ends) - float(job["submitted"]["sim"])


async def test_two_hundred_jobs_never_exceed_the_cap_and_poll_politely(tmp_path: Path) -> None:
    async with emulator(durations={"psf": {"median": 300, "sigma": 0.4}}) as emu, client(emu) as xrt:
        options = CampaignOptions(max_active=5, poll_interval=POLL, **NO_COLLECTION)
        campaign = Campaign(xrt, tmp_path / "c.sqlite", tmp_path / "out", options)
        assert await campaign.add(items(200)) == 200
        summary = await campaign.run()

        assert summary.counts["done"] == 200
        assert all(s.outcome == "complete" for s in summary.sources)
        metrics = user_metrics(emu)
        assert metrics["max_active_jobs"] <= 5
        assert metrics["submissions"] == 200
        assert set(jobs_per_name(emu).values()) == {1}
        # Politeness: no job polled twice within one poll interval (simulated seconds on the emulator)...
        intervals = [j["min_status_interval"] for j in metrics["jobs"].values() if j["min_status_interval"]]
        assert min(intervals, default=60.0) >= 60.0 * 0.99
        # ... within the request budget per job (submission, counts, status), and fewer requests than polling
        # every active job once per interval would have made, even for jobs this short (about 5 minutes).
        requests = metrics["requests"]
        status, counts = requests["checkProductStatus.php"], requests["getNumJobs.php"]
        naive = sum(math.ceil(_lifetime(job) / 60.0) for job in metrics["jobs"].values())
        assert status <= 1.5 * 200
        assert status + counts + 200 <= options.request_budget * 200 * 1.02
        assert status + counts < naive
        assert summary.requests["status"] == status


async def test_collects_archives_and_data_for_each_finished_job(tmp_path: Path) -> None:
    events: list[CampaignEvent] = []
    async with emulator() as emu, client(emu) as xrt:
        options = CampaignOptions(max_active=2, poll_interval=POLL)
        campaign = Campaign(xrt, tmp_path / "c.sqlite", tmp_path / "out", options, on_event=events.append)
        products: dict[str, Any] = {
            "LightCurve": {"binMeth": "snapshot"},
            "StandardPos": {},
            "EnhancedPos": {},
        }
        await campaign.add(items(3, **products))
        summary = await campaign.run()

    assert [s.outcome for s in summary.sources] == ["complete"] * 3
    for source in summary.sources:
        folder = tmp_path / "out" / source.label
        for stem in ("lc", "psf", "enh"):
            with tarfile.open(folder / f"{stem}.tar.gz") as archive:
                assert any(m.name.startswith(f"{stem}/") for m in archive.getmembers())
        assert (folder / "light_curve.json").stat().st_size > 0
        assert source.positions["psf"]["ra"] == pytest.approx(52.8, abs=0.01)
        assert set(source.files) == {"archive:lc", "archive:psf", "archive:enh", "data:light_curve"}
        assert not list(folder.glob(".*part*"))
    kinds = [e.kind for e in events if e.label == "src-0000"]
    assert kinds[0] is EventKind.QUEUED
    assert kinds.index(EventKind.SUBMITTED) < kinds.index(EventKind.FINISHED) < kinds.index(EventKind.DONE)
    assert kinds.count(EventKind.DOWNLOADED) == 6  # three archives, two positions, one light curve


async def test_a_refused_request_fails_alone(tmp_path: Path) -> None:
    async with emulator() as emu, client(emu) as xrt:
        good = items(2)
        # The emulator cannot resolve this name, so the server refuses the job; the campaign goes on.
        bad = position_request("no such object").replace(ra=None, dec=None, get_coords=True)
        campaign = Campaign(xrt, tmp_path / "c.sqlite", tmp_path / "o", CampaignOptions(poll_interval=POLL))
        await campaign.add([*good, ("unresolvable", bad)])
        summary = await campaign.run()
    outcome = {s.label: s for s in summary.sources}
    assert outcome["unresolvable"].outcome == "failed"
    assert "no such object" in (outcome["unresolvable"].error or "")
    assert outcome["src-0000"].outcome == outcome["src-0001"].outcome == "complete"


async def test_jobs_from_elsewhere_count_against_the_cap(tmp_path: Path) -> None:
    # The campaign's jobs last long enough (0.1 s real) for two to overlap however slow the submissions are;
    # the three the user started elsewhere (another script, the web form) far outlast the campaign (8 s).
    durations = {"psf": {"median": 500, "sigma": 0}, "spec": {"median": 40000, "sigma": 0}}
    async with emulator(durations=durations) as emu, client(emu) as xrt:
        outside = [
            await xrt.submit(position_request(f"web-{i}", Spectrum={"hasRedshift": False})) for i in range(3)
        ]
        options = CampaignOptions(max_active=5, poll_interval=POLL, **NO_COLLECTION)
        campaign = Campaign(xrt, tmp_path / "c.sqlite", tmp_path / "o", options)
        await campaign.add(items(12))
        summary = await campaign.run()
        metrics = user_metrics(emu)
        assert summary.counts["done"] == 12
        assert metrics["max_active_jobs"] == 5  # 3 outside + at most 2 of the campaign's at a time
        for job in outside:
            assert not (await xrt.status(job)).finished  # still running: the campaign used only 2 slots


async def test_faults_lose_nothing_and_duplicate_nothing(tmp_path: Path) -> None:
    faults = FaultConfig(
        seed=7,
        rules=[
            FaultRule(
                endpoint="*",
                http_502=0.05,
                http_503=0.05,
                drop=0.03,
                truncate=0.02,
                delay=0.05,
                delay_seconds=0.02,
            ),
            FaultRule(endpoint="run_userobject.php", lost_reply=0.25, http_503=0.05, drop=0.05),
            FaultRule(endpoint="download", http_500=0.1, drop=0.05),
        ],
    )
    async with emulator(faults=faults) as emu, client(emu) as xrt:
        options = CampaignOptions(
            max_active=4, poll_interval=POLL, reconcile_after=POLL, retrieve=frozenset()
        )
        campaign = Campaign(xrt, tmp_path / "c.sqlite", tmp_path / "out", options)
        await campaign.add(items(40))
        summary = await campaign.run()
        fired = emu.state.metrics_snapshot()["faults"]
        metrics = user_metrics(emu)

    assert summary.counts["done"] == 40, summary.counts
    assert jobs_per_name(emu) == {f"src-{i:04d}": 1 for i in range(40)}  # exactly one server job each
    assert metrics["max_active_jobs"] <= 4
    assert fired["run_userobject.php"].get("lost_reply", 0) >= 3  # the faults really happened
    assert fired["download"]
    assert fired["checkProductStatus.php"]
    for source in summary.sources:
        with tarfile.open(tmp_path / "out" / source.label / "psf.tar.gz") as archive:
            assert archive.getmembers()


async def test_cancel_stops_everything(tmp_path: Path) -> None:
    async with emulator(durations={"psf": {"median": 6000, "sigma": 0}}) as emu, client(emu) as xrt:
        options = CampaignOptions(max_active=3, poll_interval=POLL, **NO_COLLECTION)
        store = CampaignStore.open(tmp_path / "c.sqlite")
        campaign = Campaign(xrt, store, tmp_path / "o", options)
        await campaign.add(items(6))
        with anyio.move_on_after(0.3):
            await campaign.run()  # stopped from outside, like Ctrl-C: the ledger stays consistent
        assert store.counts()[EntryState.ACTIVE] == 3
        tally = await Campaign(xrt, store, tmp_path / "o", options).cancel()
        assert tally == CancelTally(cancelled=3, unsubmitted=3)
        assert int(tally) == 3
        assert await xrt.count_active_jobs() == 0
        assert store.counts()[EntryState.CANCELLED] == 6


async def test_cancel_leaves_finished_jobs_to_be_collected(tmp_path: Path) -> None:
    """Jobs that finished on the service after the ledger last saw them are not claimed cancelled: a resume
    collects them."""
    events: list[CampaignEvent] = []
    async with emulator(durations={"psf": {"median": 6000, "sigma": 0}}) as emu, client(emu) as xrt:
        options = CampaignOptions(
            max_active=3, poll_interval=POLL, download=(), retrieve=frozenset({"positions"})
        )
        store = CampaignStore.open(tmp_path / "c.sqlite")
        campaign = Campaign(xrt, store, tmp_path / "o", options)
        await campaign.add(items(5))
        with anyio.move_on_after(0.3):
            await campaign.run()
        assert store.counts()[EntryState.ACTIVE] == 3
        emu.state.clock.advance(100_000)  # every job is done on the service; the ledger still says active
        tally = await Campaign(xrt, store, tmp_path / "o", options, on_event=events.append).cancel()
        assert tally == CancelTally(finished=3, unsubmitted=2)
        assert int(tally) == 0
        assert str(tally) == (
            "0 of 3 active job(s) cancelled on the service; 3 had already finished: left to be collected (a "
            "resume collects them); 2 source(s) not yet submitted will not be."
        )
        counts = store.counts()
        assert (counts[EntryState.ACTIVE], counts[EntryState.CANCELLED]) == (3, 2)
        told = [e for e in events if e.kind is EventKind.CANCELLED and e.state is EntryState.ACTIVE]
        assert len(told) == 3
        assert str(told[0].detail) == (
            "already finished, nothing to cancel (standard position not cancelled: probably already "
            "finished): left to be collected"
        )
        summary = await Campaign(xrt, store, tmp_path / "o", options).run()  # the resume collects them
    assert (summary.counts["done"], summary.counts["cancelled"]) == (3, 2)
    assert all(s.positions for s in summary.sources if s.state is EntryState.DONE)


async def test_options_are_checked(tmp_path: Path) -> None:
    with pytest.raises(ConfigurationError, match=r"max_active must be .*; got 0; archive_format .*got 'rar'"):
        CampaignOptions(max_active=0, archive_format="rar")
    async with emulator() as emu, client(emu) as xrt:
        campaign = Campaign(xrt, tmp_path / "c.sqlite", tmp_path / "o", CampaignOptions(poll_interval=POLL))
        await campaign.add(items(1, LightCurve={"binMeth": "snapshot"}))
        assert campaign.store.entries()[0].products == (Product.LIGHT_CURVE.short,)
