"""The campaign display as people see it: exact counts from events (through resumes and failures), the live
view and the final table at 80 and 160 columns on an injected clock (golden snapshots), a steady ETA, and
one sentence per event in a pipe.

The snapshots are in ``tests/cli/snapshots``; after a deliberate change of the layout, rewrite them with
``XRT_UPDATE_SNAPSHOTS=1 pytest tests/cli/test_progress.py`` and review the diff.
"""

from __future__ import annotations

import io
import itertools
import os
import re
from collections import Counter
from pathlib import Path

import pytest
from rich.console import Console

from tests.support.display import SOURCES, Clock, SimulatedCampaign, drawn, event, log_console, scripted
from xrt_prods_async.campaign import CampaignEvent, CampaignSummary, EntryState, EventKind, SourceOutcome
from xrt_prods_async.campaign._display import CampaignDisplay, EtaEstimate, summary_table
from xrt_prods_async.campaign._events import Failure, Reconciled, Submitted

E = EventKind
SNAPSHOTS = Path(__file__).parent / "snapshots"


def matches_snapshot(name: str, text: str) -> None:
    snapshot = SNAPSHOTS / f"{name}.txt"
    if os.environ.get("XRT_UPDATE_SNAPSHOTS") == "1":
        snapshot.parent.mkdir(exist_ok=True)
        snapshot.write_text(text, encoding="utf-8")
    assert snapshot.is_file(), f"no snapshot {snapshot.name}: run with XRT_UPDATE_SNAPSHOTS=1 and review it"
    assert text == snapshot.read_text(encoding="utf-8"), f"{name} changed: see {snapshot}"


def counts(display: CampaignDisplay) -> dict[str, int]:
    return {state: n for state, n in display.counts.items() if n}


def scripted_display(clock: Clock, console: Console | None = None) -> tuple[CampaignDisplay, Counter[str]]:
    requests: Counter[str] = Counter()
    display = CampaignDisplay(
        title="sources.campaign.sqlite",
        states=dict.fromkeys(SOURCES, "pending"),
        max_active=3,
        console=console or log_console()[0],
        clock=clock,
        requests=requests,
        poll_interval=60.0,
    )
    return display, requests


def play_until(display: CampaignDisplay, clock: Clock, requests: Counter[str], until: float) -> None:
    """Deliver the scripted events up to ``until`` (the clock at each), then set the clock to ``until``."""
    for t, step in scripted():
        if display.now() < t <= until:
            clock.now = t
            requests["submit" if step.kind is E.SUBMITTED else "status"] += 1
            requests["count"] = int(t // 60) + 1
            display.handle(step)
    clock.now = until


# --- the live view and the final table, as drawn ----------------------------------------------------------


@pytest.mark.parametrize("width", [80, 160])
def test_the_live_view_at_chosen_moments_matches_its_snapshots(width: int) -> None:
    clock = Clock()
    display, requests = scripted_display(clock)
    for moment in (0, 70, 430, 500):
        play_until(display, clock, requests, moment)
        text = drawn(display, width)
        assert max(len(line) for line in text.splitlines()) <= width
        matches_snapshot(f"live-{width}-{moment:03d}s", text)


def test_the_live_view_says_what_matters_in_words() -> None:
    clock = Clock()
    display, requests = scripted_display(clock)
    play_until(display, clock, requests, 70)
    wide = drawn(display, 160)
    assert "sources.campaign.sqlite  8 sources  elapsed 0:01:10  ETA unknown" in wide
    assert "queued 5  active 3/3  collecting 0  done 0  failed 0" in wide
    assert "3 of your jobs active (cap 3), each job's status at most every 60 s" in wide
    assert re.search(
        r"GRB 200416A +1001 +0:01:05 +light curve running \(Extract data: Working on observation 2 / 5\), "
        r"standard position complete",
        wide,
    )
    assert re.search(r"Swift J1644\+57 +1003 +0:01:03 +light curve, standard position: not polled yet", wide)
    narrow = drawn(display, 80)
    assert re.search(r"GK Per +1002 +0:01:04 +lc queued, psf running \(Perform PSF fit\)", narrow)
    for text in (wide, narrow):
        assert not re.search(r"[{}]|'\w+':|\b(lc|psf):-?\d", text)  # no dicts, no codes as numbers
    assert "track_progress" not in wide
    display.track_progress = False  # the polite default: a job's status is asked only when it may be done
    hint = "status asked only when the active-job count drops; track_progress polls each job"
    assert hint in drawn(display, 80)


def test_the_elapsed_time_ticks_between_events() -> None:
    clock = Clock()
    display, _ = scripted_display(clock)
    clock.now = 10.0
    assert "elapsed 0:00:10" in drawn(display, 80)
    clock.now = 12.0  # no event: the view still moves on
    assert "elapsed 0:00:12" in drawn(display, 80)


@pytest.mark.parametrize("width", [80, 160])
def test_the_summary_table_fits_its_width_and_matches_its_snapshot(width: int) -> None:
    position = {"found": True, "ra": 335.69856, "dec": -7.51804, "err90": 1.6}
    sources = (
        SourceOutcome(
            "GRB 200416A", EntryState.DONE, 1001, "complete", {"lc": 4, "psf": 4},
            {"archive:lc": "/o/lc.tar.gz", "archive:psf": "/o/psf.tar.gz"}, {"psf": position}, None,
        ),
        SourceOutcome(
            "GK Per", EntryState.DONE, 1002, "partial", {"lc": 4, "psf": -2}, {"archive:lc": "/o/lc.tar.gz"},
            {}, None,
        ),
        SourceOutcome(
            "Swift J1644+57", EntryState.INCOMPLETE, 1003, "incomplete", {"lc": 4, "psf": 4}, {},
            {"psf": position}, "archive:lc: cut short",
            {"archive:lc": "cut short", "archive:psf": "cut short"},
        ),
        SourceOutcome(
            "a source with a rather long name indeed", EntryState.FAILED, None, "failed", {}, {}, {},
            "The service refused the request:\n* RA: out of range",
        ),
    )  # fmt: skip
    summary = CampaignSummary(
        sources, {"done": 2, "incomplete": 1, "failed": 1}, {"submit": 4, "count": 9}, 432.1
    )
    text = drawn(summary_table(summary), width)
    assert max(len(line) for line in text.splitlines()) <= width
    rows = [line for line in text.splitlines() if "GRB 200416A" in line]
    assert len(rows) == 1, text  # one line per source: nothing wraps
    assert "335.69856 -7.51804 ±1.6″ psf" in rows[0]
    matches_snapshot(f"summary-{width}", text)


# --- a pipe or a log ---------------------------------------------------------------------------------------


def test_off_a_terminal_each_event_is_one_sentence_between_two_count_lines() -> None:
    console, out = log_console(width=80)
    clock = Clock()
    with scripted_display(clock, console)[0] as display:
        assert not display.live
        for t, step in scripted():
            clock.now = t
            display.handle(step)
        clock.now = 500
    text = out.getvalue()
    assert "\x1b" not in text  # no ANSI codes
    assert not re.search(r"[{}]|'\w+':|\b(lc|psf):-?\d|\\n", text)  # no reprs, codes or escaped newlines
    matches_snapshot("piped-80", text)
    lines = text.splitlines()
    assert lines[0] == (
        "sources.campaign.sqlite  queued 8  active 0/3  collecting 0  done 0  failed 0  elapsed 0:00:00  "
        "ETA unknown"
    )
    assert (
        "0:01:05  GRB 200416A (job 1001): light curve running (Extract data: Working on observation 2 / 5), "
        "standard position complete"
    ) in lines
    assert "0:05:00  GRB 200416A (job 1001): finished: every product complete" in lines
    assert "0:05:02  GRB 200416A (job 1001): standard position 335.69856 -7.51804 ±1.6″" in lines
    cut = "light curve archive not saved: The downloaded file is not a complete archive"
    assert f"0:06:02  GK Per (job 1002): {cut}" in lines
    assert "0:08:00  Crab: The service refused the request: RA: out of range" in lines


def test_a_running_job_gets_a_line_only_when_it_changes() -> None:
    console, out = log_console()
    display = CampaignDisplay(title="t", states={"a": "active"}, max_active=1, console=console, clock=Clock())
    still = scripted()[3][1]  # GRB 200416A running
    for _ in range(3):
        display.handle(still)
    assert out.getvalue().count("light curve running") == 1


# --- a terminal --------------------------------------------------------------------------------------------


def test_on_a_terminal_the_view_is_redrawn_in_place_a_few_times_a_second() -> None:
    out = io.StringIO()
    console = Console(file=out, width=100, height=40, force_terminal=True, color_system=None)
    clock = Clock()
    with scripted_display(clock, console)[0] as display:
        assert display.live
        for _ in range(50):  # a burst of events is drawn at the refresh rate, not once each
            for t, step in scripted():
                clock.now = t
                display.handle(step)
    text = out.getvalue()
    assert "\x1b[" in text  # cursor control: redrawn, not appended
    assert "queued 1  active 3/3  collecting 0  done 2  incomplete 1  failed 1" in text
    assert "GK Per (job 1002): incomplete, not saved: light curve archive (cut short)" in text
    assert text.count("8 sources  elapsed") <= 10  # frames, not one per event (900 events)


# --- counts, from events alone ----------------------------------------------------------------------------


def test_counts_follow_each_sources_state_through_a_resume() -> None:
    console, _ = log_console()
    primed = {"a": "submitting", "b": "active", "c": "pending", "d": "collecting", "e": "pending"}
    display = CampaignDisplay(title="t", states=primed, max_active=3, console=console)
    assert counts(display) == {"pending": 2, "submitting": 1, "active": 1, "collecting": 1}
    steps = [
        # a lost reply from the last run is found on the server and adopted
        (
            event(E.RECONCILED, "a", EntryState.ACTIVE, job=7, detail=Reconciled("adopted job 7", 7)),
            {"active": 2, "pending": 2},
        ),
        # c's reply is lost: not a failure, the slot is taken until reconciled
        (
            event(E.FAILED, "c", EntryState.SUBMITTING, detail=Failure("outcome unknown")),
            {"submitting": 1, "pending": 1},
        ),
        (
            event(E.RECONCILED, "c", EntryState.PENDING, detail=Reconciled("no job")),
            {"submitting": 0, "pending": 2},
        ),
        # c is then refused by the server: a real failure
        (event(E.FAILED, "c", EntryState.FAILED, detail=Failure("refused")), {"failed": 1, "pending": 1}),
        # a download of d fails: d is still being collected, and nothing more has failed
        (
            event(E.FAILED, "d", EntryState.COLLECTING, job=4, detail=Failure("cut", "archive:lc")),
            {"collecting": 1, "failed": 1},
        ),
        (event(E.DONE, "d", EntryState.DONE, job=4), {"collecting": 0, "done": 1}),
        (event(E.FINISHED, "b", EntryState.COLLECTING, job=5), {"active": 1, "collecting": 1}),
        (event(E.SUBMITTED, "e", EntryState.ACTIVE, job=8), {"active": 2, "pending": 0}),
        (event(E.CANCELLED, "e", EntryState.CANCELLED, job=8), {"active": 1, "cancelled": 1}),
    ]
    for step, expected in steps:
        display.handle(step)
        now = display.counts
        assert {k: now[k] for k in expected} == expected, step
        assert sum(now.values()) == 5


def test_events_without_a_state_imply_one_where_they_can() -> None:
    console, _ = log_console()
    display = CampaignDisplay(title="t", states={"a": "pending"}, max_active=1, console=console)
    display.handle(CampaignEvent(E.QUEUED, "new", at=0.0))
    assert counts(display) == {"pending": 2}
    display.handle(CampaignEvent(E.SUBMITTED, "a", 1, Submitted("https://x/1"), at=0.0))
    display.handle(CampaignEvent(E.FAILED, "a", 1, Failure("a download failed"), at=0.0))  # leaves the count
    assert counts(display) == {"pending": 1, "active": 1}
    display.handle(CampaignEvent(E.FINISHED, "a", 1, at=0.0))
    display.handle(CampaignEvent(E.DONE, "a", 1, at=0.0))
    assert counts(display) == {"pending": 1, "done": 1}


def test_incomplete_sources_are_counted_and_an_outage_is_one_line_until_the_service_answers() -> None:
    from datetime import UTC, datetime

    from xrt_prods_async.campaign import Outage, Recovery
    from xrt_prods_async.campaign._events import Missing, Retrying

    console, _ = log_console()
    display = CampaignDisplay(
        title="t", states={"a": "collecting", "b": "active"}, max_active=2, console=console
    )
    display.handle(
        event(E.INCOMPLETE, "a", EntryState.INCOMPLETE, job=1, detail=Missing({"archive:lc": "cut"}))
    )
    assert "done 0  incomplete 1  failed 0" in display.header().plain
    since = datetime(2026, 1, 1, 14, 2, tzinfo=UTC)
    down = Outage(since, 0.0, "Could not connect to http://x/getNumJobs.php", 3, 1800.0)
    display.handle(CampaignEvent(E.OUTAGE, "", None, down, at=60.0))
    assert display.outage == str(down)
    assert str(down).startswith(
        f"service unreachable since {since.astimezone():%H:%M:%S}, retrying; last error:"
    )
    assert counts(display) == {"incomplete": 1, "active": 1}  # the service's events move no source
    assert drawn(display, 120).count(str(down)) == 1  # under the counts, not among the latest events as well
    display.handle(CampaignEvent(E.RECOVERED, "", None, Recovery(down, 125.0), at=125.0))
    assert display.outage is None
    assert [line for _, line in display.recent][-1] == "service answering again after 2 min 05 s of failures"
    display.handle(event(E.RETRYING, "a", EntryState.COLLECTING, job=1, detail=Retrying(("archive:lc",))))
    assert counts(display) == {"collecting": 1, "active": 1}


# --- the ETA -----------------------------------------------------------------------------------------------


def test_the_eta_replays_the_work_left_on_the_free_slots() -> None:
    eta = EtaEstimate(2, overdue=30.0)
    for _ in range(2):
        eta.job_started()
    assert eta.raw(queued=3, running_ages=[100.0], collecting=0) is None  # no job seen finishing yet
    eta.job_finished(300.0)
    assert eta.raw(queued=3, running_ages=[100.0], collecting=0) is None  # nor a whole first wave
    eta.job_finished(500.0)
    eta.job_collected(20.0)
    # Mean 400 s. Slots free at 300 (the running job, 100 s old) and 0; three queued jobs of 400 s each:
    # 0 -> 400 -> 800 on one slot, 300 -> 700 on the other; the last ends at 800, then 20 s to collect.
    assert eta.raw(queued=3, running_ages=[100.0], collecting=0) == 820.0
    # A job older than the mean is expected within ``overdue`` seconds.
    assert eta.raw(queued=0, running_ages=[450.0], collecting=0) == 50.0
    assert eta.raw(queued=0, running_ages=[], collecting=1) == 20.0


def test_the_eta_of_a_campaign_is_unknown_until_it_can_be_estimated_then_steady() -> None:
    """30 jobs of 450-750 s, 5 at a time, finishes noticed once a minute: the ETA must not jump about."""
    campaign = SimulatedCampaign(sources=30, max_active=5).run(mean=600.0, spread=0.25)
    console, _ = log_console()
    clock = Clock()
    display = CampaignDisplay(
        title="t", states={f"src-{i:03d}": "pending" for i in range(30)}, max_active=5, console=console,
        clock=clock, poll_interval=60.0,
    )  # fmt: skip
    script = iter(campaign.events)
    pending = next(script, None)
    samples: list[tuple[float, float | None]] = []
    for second in range(0, int(campaign.end) + 1, 15):
        while pending is not None and pending[0] <= second:
            clock.now = pending[0]
            display.handle(pending[1])
            pending = next(script, None)
        clock.now = second
        samples.append((second, display.eta()))
    finished = [t for t, e in campaign.events if e.kind is E.FINISHED]
    first_wave = finished[4]  # the fifth job seen finishing
    assert all(eta is None for t, eta in samples if t < first_wave)
    known = [(t, eta) for t, eta in samples if t >= first_wave]
    assert all(eta is not None for _, eta in known)
    ends = [t + eta for t, eta in known if eta is not None]
    end = campaign.end  # 3960 s
    assert all(abs(predicted - end) <= 0.1 * end for predicted in ends), (end, ends)
    steps = [abs(b - a) for a, b in itertools.pairwise(ends)]
    assert max(steps) <= 0.02 * end, (
        steps
    )  # no jump: at most 80 s of predicted end between samples 15 s apart
    etas = [eta for _, eta in known if eta is not None]
    assert all(b <= a + 5 for a, b in itertools.pairwise(etas)), etas  # it counts down
    assert etas[-1] <= 15


def test_a_slot_refilled_before_the_finished_job_is_found_is_not_shown_as_a_breach_of_the_cap() -> None:
    """The count shows a job finished; the campaign submits into its slot, then asks which one it was."""
    console, _ = log_console()
    display = CampaignDisplay(title="t", states=dict.fromkeys("ab", "active"), max_active=2, console=console)
    display.handle(event(E.SUBMITTED, "c", EntryState.ACTIVE, job=3))
    assert "active 2/2 +1 finishing" in display.header().plain
    assert "2 of your jobs active (cap 2)" in display.politeness().plain
    display.handle(event(E.FINISHED, "a", EntryState.COLLECTING, job=1))
    assert "active 2/2  collecting 1" in display.header().plain


def test_off_a_terminal_an_outage_is_said_when_it_starts_then_at_growing_intervals_or_when_it_changes() -> (
    None
):
    """The campaign repeats its outage event every round; a log must not repeat the sentence every round."""
    from datetime import UTC, datetime

    from xrt_prods_async.campaign import Outage, Recovery

    console, out = log_console(width=300)
    display = CampaignDisplay(
        title="t", states={"a": "pending"}, max_active=1, console=console, clock=Clock()
    )
    since = datetime(2026, 1, 1, 14, 2, tzinfo=UTC)
    refused = "Could not connect to http://x/{}.php: [Errno 111] Connection refused"
    outage = Outage(since, 0.0, refused.format("getNumJobs"), 1, 7200.0)
    rounds = range(0, 1260, 60)
    for n, at in enumerate(rounds):
        endpoint = "getNumJobs" if n % 2 else "listOldJobs"  # the same failure of another endpoint: no news
        outage = Outage(since, 0.0, refused.format(endpoint), n + 1, 7200.0)
        display.handle(CampaignEvent(E.OUTAGE, "", None, outage, at=float(at)))
        assert display.outage == str(outage)  # the live view's line is always the latest
    for at in (1260.0, 1320.0):  # another error: said once
        outage = Outage(since, 0.0, "The service answered HTTP 503", int(at / 60) + 1, 7200.0)
        display.handle(CampaignEvent(E.OUTAGE, "", None, outage, at=at))
    display.handle(CampaignEvent(E.RECOVERED, "", None, Recovery(outage, 1380.0), at=1380.0))
    lines = [line.split("  ", 1)[1] for line in out.getvalue().splitlines()]
    assert lines == [
        f"service unreachable since {since.astimezone():%H:%M:%S}, retrying; last error: "
        + refused.format("listOldJobs"),
        "service still unreachable after 1 min 00 s (2 failed requests), retrying; last error: "
        + refused.format("getNumJobs"),
        "service still unreachable after 5 min 00 s (6 failed requests), retrying; last error: "
        + refused.format("getNumJobs"),
        "service still unreachable after 15 min 00 s (16 failed requests), retrying; last error: "
        + refused.format("getNumJobs"),
        "service still unreachable after 21 min 00 s (22 failed requests), retrying; last error: The service "
        "answered HTTP 503",
        "service answering again after 23 min 00 s of failures",
    ]
    # A new outage is said when it starts.
    again = Outage(since, 2000.0, refused.format("getNumJobs"), 1, 7200.0)
    display.handle(CampaignEvent(E.OUTAGE, "", None, again, at=2000.0))
    assert out.getvalue().splitlines()[-1].endswith(str(again))
