"""The scheduler's timing on an exact simulated clock: refills, owed finishes and the per-job interval.

The emulator runs in process on the scheduler's own :class:`ManualClock`; requests cost chosen latencies, so
every assertion is about exact simulated seconds rather than a loaded machine's timing.
"""

from __future__ import annotations

import itertools
from pathlib import Path
from typing import Any

from tests.support.campaign import USER, ManualClock, items, simulated_service
from xrt_prods_async.campaign import Campaign, CampaignEvent, CampaignOptions, EventKind
from xrt_prods_async.campaign._scheduler import REFRESH_POLL_INTERVALS

NO_COLLECTION: dict[str, Any] = {"download": (), "retrieve": frozenset()}
COUNT, STATUS, SUBMIT = "getNumJobs.php", "checkProductStatus.php", "run_userobject.php"


def _finish_times(state: Any) -> dict[int, float]:
    """Simulated time each job's last product finished, by JobID."""
    with state.lock:
        state.sync()
        return {
            job.job_id: max(run.finished_at for run in job.products.values()) for job in state.jobs.values()
        }


async def test_slots_are_refilled_before_any_status_request(tmp_path: Path) -> None:
    """Free slots are known from the count alone: slow status requests must not delay the refill."""
    clock = ManualClock()
    latency = {COUNT: 1.0, SUBMIT: 2.0, STATUS: 15.0}
    _state, xrt, transport = simulated_service(
        clock,
        lambda endpoint, n: latency.get(endpoint, 0.0),
        durations={"psf": {"median": 200, "sigma": 0.4}},
    )
    async with xrt:
        options = CampaignOptions(max_active=3, poll_interval=60, track_progress=True, **NO_COLLECTION)
        campaign = Campaign(xrt, tmp_path / "c.sqlite", tmp_path / "o", options, clock=clock)
        await campaign.add(items(12))
        summary = await campaign.run()

    assert summary.counts["done"] == 12
    counts = transport.times(COUNT)
    for submitted in transport.times(SUBMIT):
        round_start = max(t for t in counts if t <= submitted)
        # The count's reply, then at most three submissions: never behind a status request (15 s each).
        assert submitted - round_start <= 3 * latency[SUBMIT] + 1e-9


async def test_a_finish_the_count_shows_too_early_to_poll_is_found_when_due(tmp_path: Path) -> None:
    """A job that finished before it could politely be polled is looked up once due, not left for later."""
    clock = ManualClock()
    finished_seen: dict[int, float] = {}

    def on_event(event: CampaignEvent) -> None:
        if event.kind is EventKind.FINISHED and event.job_id is not None:
            finished_seen[event.job_id] = event.at  # on the campaign's clock

    durations = {"lc": {"median": 600, "sigma": 0}, "psf": {"median": 20, "sigma": 0}}
    state, xrt, transport = simulated_service(clock, durations=durations)
    async with xrt:
        options = CampaignOptions(
            max_active=2, poll_interval=60, round_interval=20, refresh_interval=6000, **NO_COLLECTION
        )
        campaign = Campaign(
            xrt, tmp_path / "c.sqlite", tmp_path / "o", options, on_event=on_event, clock=clock
        )
        await campaign.add(
            items(1, prefix="long", LightCurve={"binMeth": "snapshot"}) + items(1, prefix="short")
        )
        summary = await campaign.run()

    assert summary.counts["done"] == 2
    ends = _finish_times(state)
    long_job, short_job = sorted(ends)
    # The short job ends at 25 s; the count shows it at 40 s, but it was submitted less than 60 s before, so
    # its first status request waits for 60 s. It must not wait for the long job or the 6000 s safety net.
    assert ends[short_job] == 25.0
    assert 60.0 <= finished_seen[short_job] < 80.0
    assert finished_seen[long_job] - ends[long_job] <= 20.0
    assert clock.now < 700.0
    assert len(transport.times(STATUS)) <= 4


async def test_a_round_slower_than_the_next_skips_no_job(tmp_path: Path) -> None:
    """Polling every job every round keeps each job's polls one interval apart, never two."""
    clock = ManualClock()

    def latency(endpoint: str, n: int) -> float:
        # Every other count is slow, so the statuses of one round go out later than those of the next.
        return (4.0 if n % 2 == 0 else 0.5) if endpoint == COUNT else 0.2

    state, xrt, transport = simulated_service(
        clock, latency, durations={"psf": {"median": 400, "sigma": 0.3, "minimum": 120}}
    )
    async with xrt:
        options = CampaignOptions(max_active=4, poll_interval=60, track_progress=True, **NO_COLLECTION)
        campaign = Campaign(xrt, tmp_path / "c.sqlite", tmp_path / "o", options, clock=clock)
        await campaign.add(items(10))
        summary = await campaign.run()

    assert summary.counts["done"] == 10
    gaps = []
    for job_id in _finish_times(state):
        polls = [c.at for c in transport.calls if c.endpoint == STATUS and c.job_id == job_id]
        gaps += [b - a for a, b in itertools.pairwise(polls)]
    assert len(gaps) > 30
    assert min(gaps) >= 60.0 - 1e-9  # polite to the microsecond...
    assert max(gaps) <= 60.0 + 0.25 * 60.0 + 1e-9  # ... and never a whole round late


async def test_each_job_is_found_in_the_round_after_it_finished(tmp_path: Path) -> None:
    """Count-driven detection with fixed rounds: every finish is noticed at the next round, with about one
    request per job (paced rounds defer the look-up to save status requests: tests below)."""
    clock = ManualClock()
    finished_seen: dict[int, float] = {}

    def on_event(event: CampaignEvent) -> None:
        if event.kind is EventKind.FINISHED and event.job_id is not None:
            finished_seen[event.job_id] = event.at  # on the campaign's clock

    def latency(endpoint: str, n: int) -> float:
        return (3.0 if n % 2 == 0 else 0.3) if endpoint == COUNT else 0.5

    durations = {"psf": {"median": 300, "sigma": 0.5, "minimum": 90}}
    state, xrt, transport = simulated_service(clock, latency, durations=durations)
    async with xrt:
        options = CampaignOptions(max_active=4, poll_interval=60, round_interval=60, **NO_COLLECTION)
        campaign = Campaign(
            xrt, tmp_path / "c.sqlite", tmp_path / "o", options, on_event=on_event, clock=clock
        )
        await campaign.add(items(30))
        summary = await campaign.run()

    assert summary.counts["done"] == 30
    ends = _finish_times(state)
    lags = [finished_seen[job] - end for job, end in ends.items()]
    # Seen at the first round after the finish: within one round plus that round's requests.
    assert max(lags) <= 60.0 + 0.25 * 60.0 + 4 * 3.0
    # The count says how many finished, not which: the search, oldest first, costs under two per job
    # (polling every job every round would cost about six).
    assert len(transport.times(STATUS)) <= 2 * 30


async def test_a_slow_status_request_does_not_shorten_the_next_interval(tmp_path: Path) -> None:
    """The interval is timed from the reply: the service never sees two polls of a job closer than that."""
    clock = ManualClock()

    def latency(endpoint: str, n: int) -> float:
        return (8.0 if n % 3 == 0 else 0.1) if endpoint == STATUS else 0.2

    state, xrt, transport = simulated_service(
        clock, latency, durations={"psf": {"median": 400, "sigma": 0.3, "minimum": 120}}
    )
    async with xrt:
        options = CampaignOptions(max_active=3, poll_interval=60, track_progress=True, **NO_COLLECTION)
        campaign = Campaign(xrt, tmp_path / "c.sqlite", tmp_path / "o", options, clock=clock)
        await campaign.add(items(8))
        summary = await campaign.run()

    assert summary.counts["done"] == 8
    gaps = []
    for job_id in _finish_times(state):
        polls = [c.at for c in transport.calls if c.endpoint == STATUS and c.job_id == job_id]
        gaps += [b - a for a, b in itertools.pairwise(polls)]
    assert len(gaps) > 20
    assert min(gaps) >= 60.0 - 1e-9


async def test_without_a_count_drop_a_job_is_polled_once_per_ten_poll_intervals(tmp_path: Path) -> None:
    """The safety net counts poll intervals, not rounds: shorter rounds ask the count more often, never the
    status of a job whose finish the count has not shown."""
    clock = ManualClock()
    stamps: list[tuple[float, float]] = []

    def on_event(event: CampaignEvent) -> None:
        stamps.append((event.at, clock.now))

    state, xrt, transport = simulated_service(clock, durations={"lc": {"median": 2000, "sigma": 0}})
    async with xrt:
        options = CampaignOptions(max_active=1, poll_interval=60, round_interval=20, **NO_COLLECTION)
        assert REFRESH_POLL_INTERVALS == 10
        assert options.refresh == 600.0
        campaign = Campaign(
            xrt, tmp_path / "c.sqlite", tmp_path / "o", options, on_event=on_event, clock=clock
        )
        await campaign.add(items(1, prefix="long", LightCurve={"binMeth": "snapshot"}))
        summary = await campaign.run()

    assert summary.counts["done"] == 1
    polls = transport.times(STATUS)
    # Submitted at 0 s, the job is polled by the safety net alone every 600 s (not every 10 rounds of 20 s),
    # until the count shows its finish (at 2005 s) in the next round.
    assert polls[:-1] == [600.0, 1200.0, 1800.0]
    finished = _finish_times(state)
    assert 0.0 < polls[-1] - max(finished.values()) <= 20.0
    # Events are stamped with the campaign's clock, as it read when they happened.
    assert len(stamps) >= 4
    assert all(at == now for at, now in stamps)


# -- paced rounds (the default): counts timed by the learned durations, within a request budget ------------

#: Jobs like the benchmark's: a light curve, a spectrum and a position of log-normal build times.
MIXED = {
    "lc": {"median": 420, "sigma": 0.5},
    "spec": {"median": 480, "sigma": 0.5},
    "psf": {"median": 120, "sigma": 0},
}
MIXED_PRODUCTS: dict[str, Any] = {
    "LightCurve": {"binMeth": "snapshot"},
    "Spectrum": {"hasRedshift": False},
    "StandardPos": {},
}


async def _paced(
    tmp_path: Path, n: int, *, max_active: int = 5, durations: dict[str, Any] = MIXED, **options: Any
) -> tuple[Any, Any, Campaign, dict[int, float]]:
    """Run ``n`` jobs with paced rounds on the simulated clock (requests cost about a second each); return
    the emulator state, transport, campaign and when each job was seen finished."""
    clock = ManualClock()
    seen: dict[int, float] = {}

    def on_event(event: CampaignEvent) -> None:
        if event.kind is EventKind.FINISHED and event.job_id is not None:
            seen[event.job_id] = event.at

    latency = {COUNT: 0.6, SUBMIT: 1.2, STATUS: 0.8}
    state, xrt, transport = simulated_service(
        clock, lambda endpoint, n: latency.get(endpoint, 0.5), durations=durations
    )
    async with xrt:
        opts = CampaignOptions(max_active=max_active, poll_interval=60, **NO_COLLECTION, **options)
        campaign = Campaign(xrt, tmp_path / "c.sqlite", tmp_path / "o", opts, on_event=on_event, clock=clock)
        await campaign.add(items(n, **MIXED_PRODUCTS) if durations is MIXED else items(n))
        summary = await campaign.run()
    assert summary.counts["done"] == n
    return state, transport, campaign, seen


def _status_gaps(state: Any, transport: Any) -> list[float]:
    gaps = []
    for job_id in _finish_times(state):
        polls = [c.at for c in transport.calls if c.endpoint == STATUS and c.job_id == job_id]
        gaps += [b - a for a, b in itertools.pairwise(polls)]
    return gaps


#: A paced campaign keeps to its budget on average; once it is spent, a count is still asked when a job has
#: most likely finished, so that the campaign ends: a few requests beyond it at most.
OVER_BUDGET = 1.02


async def test_paced_rounds_keep_the_budget_the_cap_and_every_interval(tmp_path: Path) -> None:
    state, transport, campaign, seen = await _paced(tmp_path, 60, request_budget=4.0)

    spent = sum(len(transport.times(e)) for e in (COUNT, STATUS, SUBMIT))
    assert spent <= 4.0 * 60 * OVER_BUDGET
    assert campaign.requests["submit"] == 60
    assert state.metrics_snapshot()["users"][USER]["max_active_jobs"] <= 5
    assert min(_status_gaps(state, transport), default=60.0) >= 60.0 - 1e-9
    counts = transport.times(COUNT)
    assert min(b - a for a, b in itertools.pairwise(counts)) >= 10.0 - 1e-9  # a sixth of the poll interval
    assert len(seen) == 60


async def test_status_requests_approach_one_per_job(tmp_path: Path) -> None:
    """A drop is looked up once one job is likely enough to be it: the guesses are rarely wrong."""
    _state, transport, _campaign, seen = await _paced(tmp_path, 60)

    assert len(seen) == 60
    assert len(transport.times(STATUS)) <= 1.3 * 60


async def test_a_larger_budget_buys_a_shorter_campaign(tmp_path: Path) -> None:
    """The budget is spent on counts: more of them refill freed slots sooner, on the very same jobs."""
    ends, spent = [], []
    for budget in (4.0, 9.0):
        state, transport, _campaign, _seen = await _paced(tmp_path / str(budget), 40, request_budget=budget)
        ends.append(max(_finish_times(state).values()))
        spent.append(sum(len(transport.times(e)) for e in (COUNT, STATUS, SUBMIT)) / 40)
    assert spent[0] <= 4.0 * OVER_BUDGET < 7.0 < spent[1] <= 9.0 * OVER_BUDGET
    assert ends[1] < ends[0]


async def test_counts_wait_while_no_job_can_finish_and_come_when_one_is_due(tmp_path: Path) -> None:
    """One job at a time, each about ten minutes: once the durations are learned, the count is asked
    around each expected finish, not every round, and the finish is still seen promptly."""
    durations = {"psf": {"median": 600, "sigma": 0.05}}
    state, transport, _campaign, seen = await _paced(tmp_path, 12, max_active=1, durations=durations)

    ends = _finish_times(state)
    late = sorted(ends)[4:]  # once a few durations are known
    counts = transport.times(COUNT)
    for job in late:
        begun = next(
            c.at
            for c in transport.calls
            if c.endpoint == SUBMIT and c.at <= ends[job] and c.at > ends[job] - 700
        )
        during = [t for t in counts if begun < t <= ends[job]]
        assert len(during) <= 3  # a fixed 60 s round would ask ten times...
        assert seen[job] - ends[job] <= 90.0  # ... to see the finish at most 60 s after it, not 90
