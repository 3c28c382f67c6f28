"""Reconciliation of uncertain submissions against the user's job history."""

from __future__ import annotations

import json
import sqlite3
from collections.abc import Callable
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from pathlib import Path

import anyio

from tests.support.campaign import POLL, client, emulator, items
from xrt_prods_async._products import Product
from xrt_prods_async.campaign import Campaign, CampaignOptions, EntryState
from xrt_prods_async.campaign._reconcile import match_uncertain
from xrt_prods_async.campaign._store import CampaignStore, Entry, NewEntry
from xrt_prods_async.emulator import FaultConfig, FaultRule

T = datetime(2026, 11, 23, 12, 0, 0, tzinfo=UTC)


@dataclass(frozen=True)
class Old:
    job_id: int
    name: str
    submitted: datetime
    products: frozenset[Product]


LC_PSF = frozenset({Product.LIGHT_CURVE, Product.STANDARD_POS})


def uncertain(tmp_path: Path, *specs: tuple[str, tuple[str, ...], datetime]) -> list[Entry]:
    store = CampaignStore.open(tmp_path / "c.sqlite")
    store.add_entries(
        [
            NewEntry(f"{name}#{i}", {"name": name}, f"f{i}", name, prods)
            for i, (name, prods, _) in enumerate(specs)
        ]
    )
    for entry, (_, _, when) in zip(store.entries(), specs, strict=True):
        store.mark_submitting(entry.id, when)
    return store.entries()


def test_adopts_the_matching_job(tmp_path: Path) -> None:
    (entry,) = uncertain(tmp_path, ("GK Per", ("lc", "psf"), T))
    history = [
        Old(10, "GK Per", T + timedelta(seconds=2), LC_PSF),
        Old(9, "GK Per", T - timedelta(hours=3), LC_PSF),  # an older run of the same source
        Old(11, "FO Aqr", T + timedelta(seconds=2), LC_PSF),
    ]
    (verdict,) = match_uncertain([entry], history, set(), now=T + timedelta(minutes=1))
    assert (verdict.entry_id, verdict.job_id) == (entry.id, 10)


def test_no_job_means_resubmit(tmp_path: Path) -> None:
    (entry,) = uncertain(tmp_path, ("GK Per", ("lc", "psf"), T))
    history = [Old(10, "GK Per", T + timedelta(seconds=2), frozenset({Product.SPECTRUM}))]
    (verdict,) = match_uncertain([entry], history, set(), now=T + timedelta(minutes=1))
    assert verdict.job_id is None


def test_claimed_jobs_are_never_adopted_twice(tmp_path: Path) -> None:
    a, b = uncertain(
        tmp_path, ("GK Per", ("lc", "psf"), T), ("GK Per", ("lc", "psf"), T + timedelta(seconds=1))
    )
    history = [
        Old(20, "GK Per", T, LC_PSF),
        Old(21, "GK Per", T + timedelta(seconds=1), LC_PSF),
        Old(5, "GK Per", T, LC_PSF),
    ]
    verdicts = match_uncertain([b, a], history, {5}, now=T + timedelta(minutes=1))
    assert {v.entry_id: v.job_id for v in verdicts} == {a.id: 20, b.id: 21}


def test_source_detection_is_not_listed_so_it_is_ignored(tmp_path: Path) -> None:
    (entry,) = uncertain(tmp_path, ("M31", ("psf", "sourceDet"), T))
    history = [Old(3, "M31", T, frozenset({Product.STANDARD_POS}))]
    assert match_uncertain([entry], history, set(), now=T)[0].job_id == 3


def test_clock_skew_window(tmp_path: Path) -> None:
    (entry,) = uncertain(tmp_path, ("GK Per", ("lc", "psf"), T))
    late = [Old(4, "GK Per", T + timedelta(minutes=30), LC_PSF)]
    early = [Old(4, "GK Per", T - timedelta(minutes=30), LC_PSF)]
    skewed = [Old(4, "GK Per", T - timedelta(minutes=5), LC_PSF)]
    now = T + timedelta(minutes=1)
    assert match_uncertain([entry], late, set(), now=now)[0].job_id is None
    assert match_uncertain([entry], early, set(), now=now)[0].job_id is None
    assert match_uncertain([entry], skewed, set(), now=now)[0].job_id == 4


# ------------------------------------------------------------ an echo or a ledger body that will not decode
#
# A job that exists stays a job whatever its parameters say: its handle has ``request`` None (the raw echo
# kept), and neither the reconciliation that adopts it nor a resume that re-attaches it may abort.

#: A parameter the emulator echoes but never reads, made unreadable: a number beyond float range.
BAD_ECHO = {"wtpuprate": 10**400}


async def _stop_when(campaign: Campaign, condition: Callable[[], bool]) -> None:
    """Run the campaign until ``condition`` holds (checked every few milliseconds), then stop it as Ctrl-C
    would; the ledger stays consistent."""
    async with anyio.create_task_group() as group:
        group.start_soon(campaign.run)
        with anyio.fail_after(20):
            while not condition():  # noqa: ASYNC110 - the ledger and the emulator set no event to wait on
                await anyio.sleep(0.002)
        group.cancel_scope.cancel()


async def test_an_adopted_job_whose_echo_cannot_be_decoded_is_still_collected(tmp_path: Path) -> None:
    lost = FaultConfig(rules=[FaultRule(endpoint="run_userobject.php", lost_reply=1.0, limit=1)])
    async with emulator(faults=lost) as emu, client(emu) as xrt:
        store = CampaignStore.open(tmp_path / "c.sqlite")
        slow = CampaignOptions(poll_interval=POLL, reconcile_after=3600, retrieve=frozenset())
        first = Campaign(xrt, store, tmp_path / "o", slow)
        await first.add(items(1))
        # The reply of the submission is lost: the server has the job, the ledger an uncertain entry.
        await _stop_when(first, lambda: bool(emu.state.jobs) and bool(store.entries(EntryState.SUBMITTING)))
        (job,) = emu.state.jobs.values()
        job.pars.update(BAD_ECHO)

        adopted = await xrt.attach(job.job_id)
        assert adopted.request is None  # undecodable, and the handle still works
        assert adopted.job_pars["wtpuprate"] == 10**400
        assert (await adopted.status()).job_id == job.job_id

        options = CampaignOptions(poll_interval=POLL, reconcile_after=POLL, retrieve=frozenset())
        summary = await Campaign(xrt, store, tmp_path / "o", options).run()

    assert summary.counts["done"] == 1, summary.counts
    assert store.entries()[0].job_id == job.job_id  # adopted, not submitted again
    assert len(emu.state.jobs) == 1
    assert (tmp_path / "o" / "src-0000" / "psf.tar.gz").is_file()


async def test_a_resume_survives_ledger_bodies_that_no_longer_decode(tmp_path: Path) -> None:
    async with emulator(durations={"psf": {"median": 600, "sigma": 0}}) as emu, client(emu) as xrt:
        store = CampaignStore.open(tmp_path / "c.sqlite")
        options = CampaignOptions(max_active=2, poll_interval=POLL, retrieve=frozenset())
        first = Campaign(xrt, store, tmp_path / "o", options)
        await first.add(items(3))
        await _stop_when(first, lambda: len(store.entries(EntryState.ACTIVE)) == 2)
        # Every stored body is made undecodable: the active jobs' and the pending source's alike.
        with sqlite3.connect(tmp_path / "c.sqlite") as db:
            for entry_id, body in db.execute("SELECT id, request FROM entries").fetchall():
                bad = {**json.loads(body), **BAD_ECHO}
                db.execute("UPDATE entries SET request = ? WHERE id = ?", (json.dumps(bad), entry_id))
        db.close()
        summary = await Campaign(
            xrt, CampaignStore.open(tmp_path / "c.sqlite"), tmp_path / "o", options
        ).run()

    # The two active jobs are followed to the end; the pending one fails alone, saying why.
    assert summary.counts["done"] == 2, summary.counts
    assert summary.counts["failed"] == 1, summary.counts
    (failed,) = [s for s in summary.sources if s.state == EntryState.FAILED]
    assert "wtPupRate" in (failed.error or "")
    assert len(emu.state.jobs) == 2
