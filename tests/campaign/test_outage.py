"""Outages of the service are reported as such, and bounded by the campaign's outage budget.

The emulator runs in process on the scheduler's :class:`ManualClock`, and the transport refuses every
connection while the test's window is open, so outages of simulated minutes pass in milliseconds, exactly.
"""

from __future__ import annotations

import logging
import re
from pathlib import Path
from typing import Any

import pytest

from tests.support.campaign import USER, ManualClock, items, simulated_service
from xrt_prods_async._errors import ServiceOutageError
from xrt_prods_async.campaign import Campaign, CampaignEvent, CampaignOptions, EntryState, EventKind
from xrt_prods_async.campaign._outage import Outage, Recovery

NO_COLLECTION: dict[str, Any] = {"download": (), "retrieve": frozenset()}
OUTAGE_LINE = re.compile(
    r"^service unreachable since \d\d:\d\d:\d\d, retrying; last error: Could not connect to "
    r"http://127\.0\.0\.1/user_objects/\w+\.php: \[Errno 111\] Connection refused\b"
)


def service_events(events: list[CampaignEvent]) -> list[CampaignEvent]:
    return [e for e in events if e.kind in (EventKind.OUTAGE, EventKind.RECOVERED)]


async def test_a_service_that_never_answers_stops_the_campaign_after_the_budget(
    tmp_path: Path, caplog: pytest.LogCaptureFixture
) -> None:
    clock = ManualClock()
    events: list[CampaignEvent] = []
    state, xrt, transport = simulated_service(clock, down=lambda now, endpoint: True)
    async with xrt:
        options = CampaignOptions(max_active=3, poll_interval=60, outage_budget=600, **NO_COLLECTION)
        campaign = Campaign(
            xrt, tmp_path / "c.sqlite", tmp_path / "o", options, on_event=events.append, clock=clock
        )
        await campaign.add(items(5))
        with caplog.at_level(logging.WARNING, logger="stamina"), pytest.raises(ServiceOutageError) as info:
            await campaign.run()

    error = info.value
    assert clock.now == 600  # rounds at 0, 60, ... 540 failed; the one at 600 finds the budget spent
    assert error.duration == 600
    assert error.since == clock.utcnow().replace(minute=0, second=0)  # the first request, at 0 s
    assert "Connection refused" in error.last_error
    assert re.search(
        r"unreachable or failing since \d\d:\d\d:\d\d \(10 min 00 s, 10 failed requests", str(error)
    )
    # One line a round says what is going on, not a log record per retry.
    outages = service_events(events)
    assert [e.kind for e in outages] == [EventKind.OUTAGE] * 10
    assert all(OUTAGE_LINE.match(str(e)) for e in outages), outages[0]
    assert [e.detail.failures for e in outages] == list(range(1, 11))
    assert all(isinstance(e.detail, Outage) and e.label == "" for e in outages)
    assert caplog.records  # the client's retries are logged ...
    assert all(r.name == "stamina" for r in caplog.records)  # ... to logging, where the CLI can keep them
    # Only the count was asked each round: no submission, status or lookup into a dead service.
    assert dict(campaign.requests) == {"count": 10}
    assert transport.refused == 10 * 3  # each count tried three times by the client (its retry policy)
    assert campaign.store.counts()[EntryState.PENDING] == 5
    assert state.jobs == {}


async def test_an_outage_within_the_budget_is_reported_then_ridden_out(tmp_path: Path) -> None:
    clock = ManualClock()
    events: list[CampaignEvent] = []
    durations = {"psf": {"median": 300, "sigma": 0}}
    state, xrt, _transport = simulated_service(
        clock, down=lambda now, endpoint: 200 <= now < 500, durations=durations
    )
    async with xrt:
        options = CampaignOptions(max_active=2, poll_interval=60, outage_budget=600, **NO_COLLECTION)
        campaign = Campaign(
            xrt, tmp_path / "c.sqlite", tmp_path / "o", options, on_event=events.append, clock=clock
        )
        await campaign.add(items(6))
        summary = await campaign.run()

    assert summary.counts["done"] == 6
    outages = service_events(events)
    kinds = [e.kind for e in outages]
    assert kinds == [EventKind.OUTAGE] * 5 + [EventKind.RECOVERED]  # rounds at 240, 300, ... 480 failed
    assert outages[0].at == 240
    recovered = outages[-1]
    assert isinstance(recovered.detail, Recovery)
    assert recovered.at == 540
    assert str(recovered) == "service answering again after 5 min 00 s of failures"
    assert len(state.jobs) == 6  # nothing submitted twice
    assert state.metrics_snapshot()["users"][USER]["max_active_jobs"] <= 2


async def test_collection_waits_out_an_outage_instead_of_giving_up(tmp_path: Path) -> None:
    clock = ManualClock()
    durations = {"psf": {"median": 100, "sigma": 0}}
    # Archives cannot be had until long after every job has finished: only collection is left to do.
    _state, xrt, _transport = simulated_service(
        clock, down=lambda now, endpoint: now < 1500 and not endpoint.endswith(".php"), durations=durations
    )
    async with xrt:
        options = CampaignOptions(
            max_active=3, poll_interval=60, outage_budget=3600, retrieve=frozenset({"positions"})
        )
        campaign = Campaign(xrt, tmp_path / "c.sqlite", tmp_path / "o", options, clock=clock)
        await campaign.add(items(3))
        summary = await campaign.run()

    assert summary.counts["done"] == 3  # more tries than max_collect_attempts: those made while down are free
    assert clock.now >= 1500
    for source in summary.sources:
        assert (tmp_path / "o" / source.label / "psf.tar.gz").stat().st_size > 0


async def test_collection_after_the_budget_stops_the_campaign_resumable(tmp_path: Path) -> None:
    clock = ManualClock()
    durations = {"psf": {"median": 100, "sigma": 0}}
    down = {"until": 1e9}
    _state, xrt, _transport = simulated_service(
        clock,
        down=lambda now, endpoint: now < down["until"] and not endpoint.endswith(".php"),
        durations=durations,
    )
    async with xrt:
        options = CampaignOptions(max_active=3, poll_interval=60, outage_budget=900, retrieve=frozenset())
        campaign = Campaign(xrt, tmp_path / "c.sqlite", tmp_path / "o", options, clock=clock)
        await campaign.add(items(3))
        with pytest.raises(ServiceOutageError):
            await campaign.run()
        assert campaign.store.counts()[EntryState.INCOMPLETE] == 0  # not given up: resumable as it stands
        down["until"] = 0
        summary = await Campaign(xrt, tmp_path / "c.sqlite", tmp_path / "o", options, clock=clock).run()
    assert summary.counts["done"] == 3


async def test_the_budget_ends_the_run_when_it_is_spent_not_at_the_next_round(tmp_path: Path) -> None:
    clock = ManualClock()
    _state, xrt, _transport = simulated_service(clock, down=lambda now, endpoint: True)
    async with xrt:
        options = CampaignOptions(poll_interval=60, round_interval=600, outage_budget=90, **NO_COLLECTION)
        campaign = Campaign(xrt, tmp_path / "c.sqlite", tmp_path / "o", options, clock=clock)
        await campaign.add(items(1))
        with pytest.raises(ServiceOutageError, match=r"\(1 min 30 s, 1 failed request; "):
            await campaign.run()
    assert clock.now == 90  # not 600, when the next round would have asked
