"""The campaign display: exact counts from events (through resumes and failures), terminal and log output."""

from __future__ import annotations

import io

from rich.console import Console

from xrt_prods_async.campaign import CampaignEvent, CampaignSummary, EntryState, EventKind, SourceOutcome
from xrt_prods_async.cli._progress import CampaignDisplay, summary_table

E = EventKind


def event(
    kind: EventKind,
    label: str,
    state: EntryState | None,
    *,
    job: int | None = None,
    detail: object = None,
    at: float = 0.0,
) -> CampaignEvent:
    return CampaignEvent(kind, label, job, detail, state=state, at=at)


class Clock:
    """Monotonic seconds that move only when the test says."""

    def __init__(self) -> None:
        self.now = 0.0

    def __call__(self) -> float:
        return self.now


def counts(display: CampaignDisplay) -> dict[str, int]:
    return {state: n for state, n in display.counts.items() if n}


def log_console() -> tuple[Console, io.StringIO]:
    out = io.StringIO()
    return Console(file=out, width=200, color_system=None), out


def test_counts_follow_each_sources_state_through_a_resume() -> None:
    console, _ = log_console()
    primed = {"a": "submitting", "b": "active", "c": "pending", "d": "collecting", "e": "pending"}
    display = CampaignDisplay(title="t", states=primed, max_active=3, console=console)
    assert counts(display) == {"pending": 2, "submitting": 1, "active": 1, "collecting": 1}
    steps = [
        # a lost reply from the last run is found on the server and adopted
        (
            event(E.RECONCILED, "a", EntryState.ACTIVE, job=7, detail="adopted job 7"),
            {"active": 2, "pending": 2},
        ),
        # c's reply is lost: not a failure, the slot is taken until reconciled
        (
            event(E.FAILED, "c", EntryState.SUBMITTING, detail="outcome unknown"),
            {"submitting": 1, "pending": 1},
        ),
        (event(E.RECONCILED, "c", EntryState.PENDING, detail="no job"), {"submitting": 0, "pending": 2}),
        # c is then refused by the server: a real failure
        (event(E.FAILED, "c", EntryState.FAILED, detail="refused"), {"failed": 1, "pending": 1}),
        # a download of d fails: d is still being collected, and nothing more has failed
        (
            event(E.FAILED, "d", EntryState.COLLECTING, job=4, detail="archive:lc: cut"),
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
    display.handle(CampaignEvent(E.SUBMITTED, "a", 1, at=0.0))
    display.handle(
        CampaignEvent(E.FAILED, "a", 1, "a download failed", at=0.0)
    )  # ambiguous: leaves the count
    assert counts(display) == {"pending": 1, "active": 1}
    display.handle(CampaignEvent(E.FINISHED, "a", 1, at=0.0))
    display.handle(CampaignEvent(E.DONE, "a", 1, at=0.0))
    assert counts(display) == {"pending": 1, "done": 1}


def test_the_eta_comes_from_observed_job_durations() -> None:
    console, _ = log_console()
    clock = Clock()
    display = CampaignDisplay(
        title="t", states=dict.fromkeys("abcd", "pending"), max_active=2, console=console, clock=clock
    )
    assert display.eta() is None
    clock.now = 100.0
    display.handle(event(E.SUBMITTED, "a", EntryState.ACTIVE, job=1))
    clock.now = 400.0
    display.handle(event(E.FINISHED, "a", EntryState.COLLECTING, job=1))
    eta = display.eta()
    assert eta is not None
    assert eta >= 0
    assert "ETA --:--:--" not in display.header().plain
    # One job took 300 s; three wait for two slots: 1.5 waves of 300 s.
    assert eta == 450.0
    assert "elapsed 00:06:40  ETA 00:07:30" in display.header().plain
    display.handle(event(E.SUBMITTED, "b", EntryState.ACTIVE, job=2))
    clock.now = 600.0
    display.handle(event(E.FINISHED, "b", EntryState.COLLECTING, job=2))
    # Jobs took 300 s and 200 s; two wait for two slots: one wave of the mean.
    assert display.eta() == 250.0


def test_off_a_terminal_each_event_is_a_line_between_two_count_lines() -> None:
    console, out = log_console()
    with CampaignDisplay(title="log", states={"a": "pending"}, max_active=5, console=console) as display:
        assert not display.live
        display.handle(event(E.SUBMITTED, "a", EntryState.ACTIVE, job=1, detail="http://x/1"))
        display.handle(event(E.RUNNING, "a", EntryState.ACTIVE, job=1, detail={"codes": {}}))
        display.handle(event(E.FINISHED, "a", EntryState.COLLECTING, job=1, detail={"psf": 4}))
        display.handle(event(E.DONE, "a", EntryState.DONE, job=1))
    lines = out.getvalue().splitlines()
    assert len(lines) == 5, lines
    assert lines[0].startswith("log  active 0/5  queued 1  done 0  collecting 0  failed 0  elapsed ")
    assert lines[1:4] == ["a job 1 submitted: http://x/1", "a job 1 finished: {'psf': 4}", "a job 1 done"]
    assert lines[4].startswith("log  active 0/5  queued 0  done 1  collecting 0  failed 0  elapsed ")


def test_on_a_terminal_the_view_is_redrawn_in_place() -> None:
    out = io.StringIO()
    console = Console(file=out, width=120, force_terminal=True, color_system=None)
    with CampaignDisplay(title="tty", states={"a": "pending"}, max_active=5, console=console) as display:
        assert display.live
        display.handle(event(E.SUBMITTED, "a", EntryState.ACTIVE, job=1))
        display.handle(event(E.DONE, "a", EntryState.DONE, job=1))
    text = out.getvalue()
    assert "\x1b[" in text  # cursor control: redrawn, not appended
    assert "tty  active 0/5  queued 0  done 1" in text
    assert "  a job 1 done" in text  # the latest events under the counts


def test_the_summary_table() -> None:
    position = {"found": True, "ra": 52.8, "dec": 43.9, "err90": None}
    sources = (
        SourceOutcome(
            "ok", EntryState.DONE, 1, "complete", {"psf": 4}, {"archive:psf": "/x"}, {"psf": position}, None
        ),
        SourceOutcome(
            "no", EntryState.FAILED, None, "failed", {}, {}, {}, "the server refused it\nsecond line"
        ),
    )
    console, out = log_console()
    console.print(summary_table(CampaignSummary(sources, {"done": 1, "failed": 1}, {}, 0.0)))
    text = out.getvalue()
    assert "52.80000 +43.90000 (psf)" in text  # no 90% error given: none shown
    assert "failed (the server refused it)" in text
    assert "done 1, failed 1" in text
    assert "requests" not in text  # a summary from the ledger alone made no requests
    console.print(summary_table(CampaignSummary(sources, {"done": 1}, {"submit": 2, "count": 5}, 3.25)))
    assert "done 1; requests: count 5, submit 2; 3.2 s" in out.getvalue()


def test_incomplete_sources_are_counted_and_an_outage_is_one_line_until_the_service_answers() -> None:
    from datetime import UTC, datetime

    from xrt_prods_async.campaign import Outage, Recovery

    out = io.StringIO()
    console = Console(file=out, width=160, force_terminal=True, color_system=None)
    display = CampaignDisplay(
        title="t", states={"a": "collecting", "b": "active"}, max_active=2, console=console
    )
    display.handle(event(E.INCOMPLETE, "a", EntryState.INCOMPLETE, job=1, detail={"archive:lc": "cut short"}))
    assert "done 0  collecting 0  failed 0  incomplete 1" in display.header().plain
    since = datetime(2026, 1, 1, 14, 2, tzinfo=UTC)
    down = Outage(since, 0.0, "Could not connect to http://x/getNumJobs.php", 3, 1800.0)
    display.handle(CampaignEvent(E.OUTAGE, "", None, down, at=60.0))
    assert display.outage == str(down)
    assert str(down).startswith(
        f"service unreachable since {since.astimezone():%H:%M:%S}, retrying; last error:"
    )
    assert counts(display) == {"incomplete": 1, "active": 1}  # the service's events move no source
    console.print(display.render())
    assert out.getvalue().count(str(down)) == 1  # under the counts, not among the latest events as well
    display.handle(CampaignEvent(E.RECOVERED, "", None, Recovery(down, 125.0), at=125.0))
    assert display.outage is None
    assert "service answering again after 2 min 05 s of failures" in display.recent
    display.handle(event(E.RETRYING, "a", EntryState.COLLECTING, job=1, detail="fetching what is missing"))
    assert counts(display) == {"collecting": 1, "active": 1}


def test_the_summary_table_says_how_much_an_incomplete_source_misses() -> None:
    missing = {"archive:lc": "cut short", "archive:psf": "cut short"}
    incomplete = SourceOutcome(
        "gk", EntryState.INCOMPLETE, 7, "incomplete", {"lc": 4}, {}, {}, "archive:lc: cut short", missing
    )
    console, out = log_console()
    console.print(summary_table(CampaignSummary((incomplete,), {"incomplete": 1}, {}, 0.0)))
    assert "incomplete (2 missing)" in out.getvalue()
