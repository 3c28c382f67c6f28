"""Reconciliation of uncertain submissions: candidates from the user's job history, adopted only on proof."""

from __future__ import annotations

import json
import sqlite3
from collections import Counter
from collections.abc import Callable
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from pathlib import Path

import anyio

from tests.support.campaign import POLL, USER, ManualClock, client, emulator, items, simulated_service
from xrt_prods_async._products import Product
from xrt_prods_async.campaign import (
    Campaign,
    CampaignEvent,
    CampaignItem,
    CampaignOptions,
    EntryState,
    EventKind,
)
from xrt_prods_async.campaign._reconcile import candidates_for, proves_ours
from xrt_prods_async.campaign._scheduler import MAX_FAILED_LOOKUPS
from xrt_prods_async.campaign._sources import DEFAULT_TEMPLATE, merge
from xrt_prods_async.campaign._store import CampaignStore, Entry, NewEntry
from xrt_prods_async.emulator import FaultConfig, FaultRule
from xrt_prods_async.params import JobRequest
from xrt_prods_async.wire import REQUEST_ENVELOPE_KEYS

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


def test_candidates_have_the_name_products_and_window(tmp_path: Path) -> None:
    (entry,) = uncertain(tmp_path, ("GK Per", ("lc", "psf"), T))
    history = [
        Old(12, "GK Per", T + timedelta(seconds=3), LC_PSF),
        Old(10, "GK Per", T + timedelta(seconds=2), LC_PSF),
        Old(9, "GK Per", T - timedelta(hours=3), LC_PSF),  # an older run of the same source
        Old(11, "FO Aqr", T + timedelta(seconds=2), LC_PSF),
    ]
    (found,) = candidates_for([entry], history, set(), now=T + timedelta(minutes=1))
    assert (found.entry_id, found.job_ids) == (entry.id, (10, 12))  # oldest first: each is checked in turn


def test_no_candidate_means_resubmit(tmp_path: Path) -> None:
    (entry,) = uncertain(tmp_path, ("GK Per", ("lc", "psf"), T))
    history = [Old(10, "GK Per", T + timedelta(seconds=2), frozenset({Product.SPECTRUM}))]
    (found,) = candidates_for([entry], history, set(), now=T + timedelta(minutes=1))
    assert found.job_ids == ()


def test_claimed_jobs_are_never_candidates_and_entries_come_in_intent_order(tmp_path: Path) -> None:
    a, b = uncertain(
        tmp_path, ("GK Per", ("lc", "psf"), T), ("GK Per", ("lc", "psf"), T + timedelta(seconds=1))
    )
    history = [
        Old(20, "GK Per", T, LC_PSF),
        Old(21, "GK Per", T + timedelta(seconds=1), LC_PSF),
        Old(5, "GK Per", T, LC_PSF),
    ]
    found = candidates_for([b, a], history, {5}, now=T + timedelta(minutes=1))
    assert [(c.entry_id, c.job_ids) for c in found] == [(a.id, (20, 21)), (b.id, (20, 21))]


def test_source_detection_is_not_listed_so_it_is_ignored(tmp_path: Path) -> None:
    (entry,) = uncertain(tmp_path, ("M31", ("psf", "sourceDet"), T))
    history = [Old(3, "M31", T, frozenset({Product.STANDARD_POS}))]
    assert candidates_for([entry], history, set(), now=T)[0].job_ids == (3,)


def test_clock_skew_window(tmp_path: Path) -> None:
    (entry,) = uncertain(tmp_path, ("GK Per", ("lc", "psf"), T))
    late = [Old(4, "GK Per", T + timedelta(minutes=30), LC_PSF)]
    early = [Old(4, "GK Per", T - timedelta(minutes=30), LC_PSF)]
    skewed = [Old(4, "GK Per", T - timedelta(minutes=5), LC_PSF)]
    now = T + timedelta(minutes=1)
    assert candidates_for([entry], late, set(), now=now)[0].job_ids == ()
    assert candidates_for([entry], early, set(), now=now)[0].job_ids == ()
    assert candidates_for([entry], skewed, set(), now=now)[0].job_ids == (4,)


# -- a candidate is adopted only when its echoed parameters prove it is ours --------------------------------


def _entry_for(tmp_path: Path, request: JobRequest) -> Entry:
    store = CampaignStore.open(tmp_path / f"e{len(list(tmp_path.iterdir()))}.sqlite")
    body = {k: v for k, v in request.to_wire(USER).items() if k not in REQUEST_ENVELOPE_KEYS}
    name = str(request.name)
    store.add_entries(
        [NewEntry(name, body, request.fingerprint(), name, tuple(p.short for p in request.products))]
    )
    return store.entries()[0]


async def test_the_echo_proves_which_request_a_job_is(tmp_path: Path) -> None:
    ours = JobRequest(
        **merge(DEFAULT_TEMPLATE, {"name": "GK Per", "RA": 52.8, "Dec": 43.9043, "targ": "00010873"})
    )
    other = ours.replace(pos_err=2)
    derived = JobRequest(
        **merge(DEFAULT_TEMPLATE, {"name": "GRB 200416A", "getCoords": True, "getTargs": True})
    )
    async with emulator() as emu, client(emu) as xrt:
        echoes = {
            key: (await xrt.submit(request)).job_pars
            for key, request in {"ours": ours, "other": other, "derived": derived}.items()
        }
    assert echoes["derived"]["RA"]  # the service worked it out
    assert echoes["derived"]["targ"]
    entry = _entry_for(tmp_path, ours)
    assert proves_ours(entry, echoes["ours"]) is True
    assert proves_ours(entry, echoes["other"]) is False  # same name and products, another posErr
    assert proves_ours(_entry_for(tmp_path, derived), echoes["derived"]) is True  # derived values are ours
    assert proves_ours(entry, {**echoes["ours"], "RA": "not a number"}) is None  # unreadable: never proof
    assert proves_ours(entry, {}) is None


async def test_two_campaigns_of_one_user_never_adopt_each_others_jobs(tmp_path: Path) -> None:
    """The same names with other parameters, under lost submit replies: each entry ends with its own job."""
    lost = FaultConfig(seed=3, rules=[FaultRule(endpoint="run_userobject.php", lost_reply=0.5)])
    count = 12
    async with emulator(faults=lost, max_jobs_per_user=40) as emu, client(emu) as xrt:
        options = CampaignOptions(max_active=4, poll_interval=POLL, download=(), retrieve=frozenset())
        first = Campaign(xrt, tmp_path / "a.sqlite", tmp_path / "a", options)
        second = Campaign(xrt, tmp_path / "b.sqlite", tmp_path / "b", options)
        await first.add(items(count))
        await second.add(CampaignItem(i.label, i.request.replace(pos_err=3)) for i in items(count))
        async with anyio.create_task_group() as group:
            group.start_soon(first.run)
            group.start_soon(second.run)
        jobs = dict(emu.state.jobs)
        lost_replies = emu.state.metrics_snapshot()["faults"]["run_userobject.php"]["lost_reply"]

    assert lost_replies >= 6  # many replies were lost, in both campaigns
    owners: dict[int, str] = {}
    for campaign, tag in ((first, "a"), (second, "b")):
        entries = campaign.store.entries()
        assert {e.state for e in entries} == {EntryState.DONE}  # none lost
        for entry in entries:
            assert entry.job_id is not None
            assert entry.job_id not in owners  # never the other campaign's job
            owners[entry.job_id] = tag
            # The job the entry ended with is the request it asked for.
            assert proves_ours(entry, jobs[entry.job_id].pars) is True
    # None duplicated: a server job per (source, parameters); a job the reconciliation could not see as ours
    # would show up here as a second job of the same request.
    per_request = Counter((job.name, str(job.pars.get("poserr"))) for job in jobs.values())
    assert set(per_request.values()) == {1}
    assert len(jobs) == 2 * count


async def test_a_candidate_whose_parameters_cannot_be_read_is_not_adopted(tmp_path: Path) -> None:
    """Its jobPars unreadable, a job is never taken for ours; the campaign goes on and submits again."""
    clock = ManualClock()
    events: list[CampaignEvent] = []
    state, xrt, _transport = simulated_service(clock)
    state.faults.configure(
        FaultConfig(rules=[FaultRule(endpoint="run_userobject.php", lost_reply=1.0, limit=1)])
    )

    def spoil_the_lost_job(event: CampaignEvent) -> None:
        if event.kind is EventKind.FAILED and event.state is EntryState.SUBMITTING:
            with state.lock:
                (job,) = state.jobs.values()
                job.pars["RA"] = "not a number"

    async with xrt:
        options = CampaignOptions(max_active=2, poll_interval=60, download=(), retrieve=frozenset())
        campaign = Campaign(
            xrt,
            tmp_path / "c.sqlite",
            tmp_path / "o",
            options,
            on_event=[events.append, spoil_the_lost_job],
            clock=clock,
        )
        await campaign.add(items(1))
        summary = await campaign.run()

    (spoiled, resubmitted) = sorted(state.jobs)
    assert summary.counts["done"] == 1
    assert summary.sources[0].job_id == resubmitted
    (reconciled,) = [e for e in events if e.kind is EventKind.RECONCILED]
    assert str(reconciled.detail) == (
        f"job {spoiled} not adopted: its parameters cannot be read; "
        "no job of ours on the server; queued again"
    )


# ------------------------------------------------------------ an echo or a ledger body that will not decode
#
# A job that exists stays a job whatever its parameters say: its handle has ``request`` None (the raw echo
# kept). Reconciliation never adopts such a job (nothing proves it is the entry's), and neither it nor a
# resume that re-attaches one may abort.

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


async def test_a_job_whose_echo_cannot_be_decoded_is_never_adopted_and_nothing_aborts(tmp_path: Path) -> None:
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

        attached = await xrt.attach(job.job_id)
        assert attached.request is None  # undecodable, and the handle still works
        assert attached.job_pars["wtpuprate"] == 10**400
        assert (await attached.status()).job_id == job.job_id

        options = CampaignOptions(poll_interval=POLL, reconcile_after=POLL, retrieve=frozenset())
        summary = await Campaign(xrt, store, tmp_path / "o", options).run()

    # Nothing proves the job is this entry's request, so it is not taken: the entry is submitted again.
    assert summary.counts["done"] == 1, summary.counts
    resubmitted = store.entries()[0].job_id
    assert resubmitted != job.job_id
    assert sorted(emu.state.jobs) == sorted([job.job_id, resubmitted])
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


async def test_look_ups_the_service_keeps_failing_are_bounded_and_never_resubmit(tmp_path: Path) -> None:
    """listOldJobs fails every time: an uncertain submission is looked up after waits that double, and after
    MAX_FAILED_LOOKUPS it is left in submitting for a resume, which adopts its job: one job, none lost."""
    clock = ManualClock()
    events: list[CampaignEvent] = []
    history_down = {"on": True}
    looked_up: list[float] = []

    def history_failing(now: float, endpoint: str) -> bool:
        if endpoint != "listOldJobs.php" or not history_down["on"]:
            return False
        if now not in looked_up:  # the client's retries come at the same moment
            looked_up.append(now)
        return True

    lost = FaultConfig(
        rules=[FaultRule(endpoint="run_userobject.php", lost_reply=1.0, lost_reply_kind="http_500", limit=1)]
    )
    state, xrt, _transport = simulated_service(
        clock,
        down=history_failing,
        durations={"psf": {"median": 100, "sigma": 0}},
        faults=lost,
    )
    async with xrt:
        options = CampaignOptions(
            max_active=2,
            poll_interval=60,
            round_interval=60,
            reconcile_after=60,
            download=(),
            retrieve=frozenset(),
        )
        campaign = Campaign(
            xrt, tmp_path / "c.sqlite", tmp_path / "o", options, on_event=events.append, clock=clock
        )
        await campaign.add(items(2))
        with anyio.fail_after(30):  # real seconds: unbounded look-ups would go on for ever
            summary = await campaign.run()

        assert summary.counts["done"] == 1
        assert summary.counts["submitting"] == 1  # left for a resume, not resubmitted
        assert campaign.requests["history"] == MAX_FAILED_LOOKUPS
        # Looked up one reconcile_after after the lost reply, then after waits that double: 60, 120, 240 s...
        assert looked_up == [60, 120, 240, 480, 960]
        gave_up = [e for e in events if "could not be looked up" in str(e)]
        assert len(gave_up) == 1
        assert (gave_up[0].kind, gave_up[0].state, gave_up[0].at) == (
            EventKind.FAILED,
            EntryState.SUBMITTING,
            960,
        )
        assert str(gave_up[0].detail).startswith(
            f"the outcome of its submission could not be looked up ({MAX_FAILED_LOOKUPS} failed look-ups; "
            "last: Could not connect"
        )
        assert "resuming the campaign looks it up again" in str(gave_up[0].detail)
        assert sorted(job.name for job in state.jobs.values()) == ["src-0000", "src-0001"]  # no duplicate

        history_down["on"] = False
        resumed = await Campaign(xrt, tmp_path / "c.sqlite", tmp_path / "o", options, clock=clock).run()
    assert resumed.counts["done"] == 2
    assert sorted(job.name for job in state.jobs.values()) == [
        "src-0000",
        "src-0001",
    ]  # adopted, not resubmitted
