"""A refusal or failure is counted against the request it judged, and only that one: a submission the service
refuses in its own words is an attempt of its source, not an outage; the job limit and a failing service cost
no source an attempt; a cancel request that fails leaves its job, and the others are still cancelled.

The emulator runs in process on the scheduler's :class:`ManualClock`, so every round is at a known second.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

import anyio

from tests.support.campaign import ManualClock, items, simulated_service
from xrt_prods_async.campaign import (
    Campaign,
    CampaignEvent,
    CampaignItem,
    CampaignOptions,
    EntryState,
    EventKind,
)
from xrt_prods_async.params import JobRequest

NO_COLLECTION: dict[str, Any] = {"download": (), "retrieve": frozenset()}
SUBMIT = "run_userobject.php"
UNKNOWN = "Nowhere-42"


def unresolvable() -> CampaignItem:
    """A source whose name the service cannot resolve into coordinates (docs/protocol.md §16)."""
    request = JobRequest(
        name=UNKNOWN, getCoords=True, targ="00010873", centroid=True, posErr=1, StandardPos={}
    )
    return CampaignItem(UNKNOWN, request)


async def test_a_refused_name_costs_its_entry_an_attempt_and_leaves_the_slot_to_the_next(
    tmp_path: Path,
) -> None:
    clock = ManualClock()
    events: list[CampaignEvent] = []
    state, xrt, transport = simulated_service(clock, durations={"psf": {"median": 100, "sigma": 0}})
    async with xrt:
        options = CampaignOptions(
            max_active=2, poll_interval=60, round_interval=60, max_submit_attempts=3, **NO_COLLECTION
        )
        campaign = Campaign(
            xrt, tmp_path / "c.sqlite", tmp_path / "o", options, on_event=events.append, clock=clock
        )
        await campaign.add([unresolvable(), *items(3)])
        summary = await campaign.run()

    # No outage: the service answered every request.
    assert not [e for e in events if e.kind in (EventKind.OUTAGE, EventKind.RECOVERED)]
    assert not campaign.service.down
    assert summary.counts["done"] == 3
    # The first round tried the refused source, then filled both slots with the next ones.
    assert transport.times(SUBMIT)[:3] == [0.0, 0.0, 0.0]
    assert sorted(job.name for job in state.jobs.values()) == ["src-0000", "src-0001", "src-0002"]
    # Three attempts, one a round, then failed in the service's words.
    refused = campaign.store.entries()[0]
    assert refused.label == UNKNOWN
    assert refused.state is EntryState.FAILED
    assert refused.attempts == 3
    assert refused.error is not None
    assert refused.error.startswith("the service refused the submission 3 times: Could not resolve the name")
    said = [str(e.detail) for e in events if e.label == UNKNOWN and e.kind is EventKind.FAILED]
    assert len(said) == 3
    assert said[0].startswith("the service refused the submission (attempt 1 of 3; tried again later)")
    assert "unreachable" not in " ".join(said)
    assert [e.state for e in events if e.label == UNKNOWN and e.kind is EventKind.FAILED] == [
        EntryState.PENDING,
        EntryState.PENDING,
        EntryState.FAILED,
    ]


async def test_the_job_limit_and_a_failing_service_never_use_up_a_sources_attempts(tmp_path: Path) -> None:
    """The service's own job limit below ``max_active`` refuses a submission every round, and so does a
    failing service: neither judges the request, so no source gives up for it, however many rounds pass."""
    clock = ManualClock()
    failing = {"left": 3}

    def down(_now: float, endpoint: str) -> bool:
        if endpoint == SUBMIT and failing["left"] > 0:
            failing["left"] -= 1
            return True
        return False

    _state, xrt, transport = simulated_service(
        clock, down=down, durations={"psf": {"median": 300, "sigma": 0}}, max_jobs_per_user=1
    )
    async with xrt:
        options = CampaignOptions(
            max_active=3, poll_interval=60, round_interval=60, max_submit_attempts=2, **NO_COLLECTION
        )
        campaign = Campaign(xrt, tmp_path / "c.sqlite", tmp_path / "o", options, clock=clock)
        await campaign.add(items(4))
        summary = await campaign.run()

    assert summary.counts["done"] == 4, summary.counts
    assert len(transport.times(SUBMIT)) > 4 + 2  # refusals and failures happened, and cost nothing
    assert all(entry.attempts == 1 for entry in campaign.store.entries())


async def test_a_cancel_request_that_fails_leaves_its_job_and_the_others_are_still_cancelled(
    tmp_path: Path,
) -> None:
    clock = ManualClock()
    calls = {"cancel": 0}

    def down(_now: float, endpoint: str) -> bool:
        if endpoint == "canceljob.php":
            calls["cancel"] += 1
            return calls["cancel"] <= 3  # the first job's cancel fails, however often the client retries it
        return False

    durations = {"psf": {"median": 6000, "sigma": 0}}
    _state, xrt, _transport = simulated_service(clock, down=down, durations=durations)
    events: list[CampaignEvent] = []
    stop = anyio.CancelScope()

    def after_two_submissions(event: CampaignEvent) -> None:
        if event.kind is EventKind.SUBMITTED and len(store_of(event)) == 2:
            stop.cancel()

    async with xrt:
        options = CampaignOptions(max_active=2, poll_interval=60, round_interval=60, **NO_COLLECTION)
        first = Campaign(
            xrt, tmp_path / "c.sqlite", tmp_path / "o", options, on_event=after_two_submissions, clock=clock
        )

        def store_of(_event: CampaignEvent) -> list[object]:
            return first.store.entries(EntryState.ACTIVE)

        await first.add(items(3))
        with stop:
            await first.run()
        again = Campaign(xrt, first.store, tmp_path / "o", options, on_event=events.append, clock=clock)
        tally = await again.cancel()

    assert (tally.unanswered, tally.cancelled, tally.unsubmitted) == (1, 1, 1)
    assert "1 could not be cancelled (the request failed): still on the service; cancel again" in str(tally)
    told = [e for e in events if e.kind is EventKind.CANCELLED and e.state is EntryState.ACTIVE]
    assert len(told) == 1
    assert str(told[0].detail).startswith("not cancelled: the cancel request failed")
    counts = first.store.counts()
    assert (counts[EntryState.ACTIVE], counts[EntryState.CANCELLED]) == (1, 2)
