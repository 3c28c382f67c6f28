"""``xrt-prods-async demo``: a whole campaign against the embedded emulator, on any machine, offline.

It starts the emulator on a free loopback port with a time scale (so minutes of simulated processing pass in
seconds), runs a campaign of real sources with light curves, spectra and positions, at most five active at
once, downloads everything into ``./xrt-demo/``, prints the final table and writes ``report.html`` there.
"""

from __future__ import annotations

import argparse
import functools
from pathlib import Path
from typing import TYPE_CHECKING, Any

from xrt_prods_async._errors import LocalIOError
from xrt_prods_async.cli._exit import EXIT_STATUS_HELP, ExitStatus
from xrt_prods_async.cli._logs import add_logging_options, logging_for
from xrt_prods_async.emulator._catalogue import CATALOGUE, KnownObject

# The campaign, the client, the emulator's server and rich are imported by the functions that run the demo,
# not here: registering the command line must not load them (tests/test_startup.py).
if TYPE_CHECKING:  # pragma: no cover - typing only
    from rich.console import Console

    from xrt_prods_async.campaign import CampaignItem

#: Simulated seconds between two rounds of the demo campaign: the real service's polite default.
DEMO_POLL_SECONDS = 60.0


def demo_objects(count: int) -> list[KnownObject]:
    """``count`` catalogue objects taken in turn from each kind (GRB, CV, XRB, AGN...), for variety."""
    by_kind: dict[str, list[KnownObject]] = {}
    for obj in CATALOGUE:
        by_kind.setdefault(obj.kind, []).append(obj)
    chosen: list[KnownObject] = []
    while len(chosen) < min(count, len(CATALOGUE)):
        for group in by_kind.values():
            if group and len(chosen) < count:
                chosen.append(group.pop(0))
    return chosen


def demo_template() -> dict[str, Any]:
    """What the demo asks for each object: a campaign's default template plus the enhanced position."""
    from xrt_prods_async.campaign._sources import DEFAULT_TEMPLATE, merge

    return merge(DEFAULT_TEMPLATE, {"EnhancedPos": {}})


def demo_items(count: int) -> list[CampaignItem]:
    """Requests for ``count`` varied catalogue objects (:func:`demo_template`), each with the object's real
    coordinates, target IDs and reference time."""
    from xrt_prods_async.campaign import CampaignItem
    from xrt_prods_async.campaign._sources import merge
    from xrt_prods_async.params import JobRequest

    template = demo_template()
    items = []
    for obj in demo_objects(count):
        source = {"name": obj.name, "RA": obj.ra, "Dec": obj.dec, "targ": ",".join(obj.targets), "T0": obj.t0}
        items.append(CampaignItem(obj.name, JobRequest(**merge(template, source))))
    return items


def _fresh_ledger(output: Path, ledger: Path) -> None:
    """Every demo run talks to a fresh emulator, so it starts a fresh ledger."""
    try:
        output.mkdir(parents=True, exist_ok=True)
        for stale in output.glob(f"{ledger.name}*"):
            stale.unlink()
    except OSError as exc:
        reason = exc.strerror or str(exc)
        raise LocalIOError(f"cannot write to {output}: {reason}", path=str(output), reason=reason) from exc


async def run_demo(
    output: Path,
    *,
    sources: int,
    time_scale: float,
    max_active: int,
    seed: int,
    plain: bool,
    console: Console,
    as_json: bool = False,
    track_progress: bool = False,
) -> int:
    """Start the emulator, run the demo campaign against it, print the summary (``as_json``: one JSON document
    on stdout); returns the exit status."""
    import anyio.to_thread

    from xrt_prods_async.campaign import Campaign, CampaignOptions, CampaignStore, write_report
    from xrt_prods_async.cli._campaign import outcome_status, say_incomplete
    from xrt_prods_async.cli._progress import run_with_view, say, summary_table
    from xrt_prods_async.client import XRTClient
    from xrt_prods_async.emulator import DEMO_USER_ID, EmulatorConfig, running_emulator

    ledger = output / "demo.campaign.sqlite"
    await anyio.to_thread.run_sync(_fresh_ledger, output, ledger)
    config = EmulatorConfig(time_scale=time_scale, seed=seed)
    options = CampaignOptions(
        max_active=max_active, poll_interval=DEMO_POLL_SECONDS / time_scale, track_progress=track_progress
    )
    async with running_emulator(config) as emu:
        say(
            console,
            f"Emulator at {emu.base_url} (1 s = {time_scale:g} simulated s); user {DEMO_USER_ID}; "
            f"{sources} sources, at most {max_active} active; output in {output}/",
            wrap=True,
        )
        async with XRTClient(
            user_id=DEMO_USER_ID, base_url=emu.base_url, poll_interval=options.poll_interval
        ) as client:
            with CampaignStore.open(ledger) as store:
                campaign = Campaign(client, store, output, options)
                await campaign.add(demo_items(sources))
                summary = await run_with_view(campaign, title="demo", plain=plain, console=console)
        metrics = emu.state.metrics_snapshot()
    if not as_json:
        console.print(summary_table(summary))
    user = metrics["users"][DEMO_USER_ID.lower()]
    endpoints = ", ".join(f"{name} {count}" for name, count in user["requests"].items())
    say(
        console,
        f"The emulator saw at most {user['max_active_jobs']} active jobs for the demo user "
        f"(cap {max_active}); requests by endpoint: {endpoints}",
        wrap=True,
    )
    say_incomplete(console, summary, ledger)
    say(console, f"Files are in {output}/ ; the ledger is {ledger}")
    report = await anyio.to_thread.run_sync(
        functools.partial(write_report, ledger, requests=summary.requests)
    )
    say(console, f"Report: {report.html}")
    status = int(outcome_status(summary))
    if as_json:
        from xrt_prods_async.cli._campaign_says import summary_json
        from xrt_prods_async.cli._output import emit_json

        settings = {"base_url": emu.base_url, "output": str(output)}
        document = summary_json(summary, ledger=ledger, settings=settings, status=status)
        emit_json({**document, "report": str(report.html), "emulator": user})
    return status


def _problems(args: argparse.Namespace) -> list[str]:
    problems = []
    if not 1 <= args.sources <= len(CATALOGUE):
        problems.append(f"--sources is {args.sources}; give 1 to {len(CATALOGUE)} (the emulator's catalogue)")
    if not args.time_scale > 0:
        problems.append(f"--time-scale is {args.time_scale:g}; it must be positive (e.g. 120)")
    if args.max_active < 1:
        problems.append(f"--max-active is {args.max_active}; it must be at least 1")
    return problems


def cmd_demo(args: argparse.Namespace) -> int:
    """Run the demo campaign."""
    from rich.console import Console

    from xrt_prods_async.cli._campaign import fail, run_guarded
    from xrt_prods_async.cli._progress import say, say_error

    console = Console(stderr=args.json)  # under --json stdout holds only the JSON document
    problems = _problems(args)
    if problems:
        return fail(console, "; ".join(problems), ExitStatus.USAGE, as_json=args.json)
    try:
        with logging_for(args):
            return run_guarded(
                lambda: run_demo(
                    Path(args.output),
                    sources=args.sources,
                    time_scale=args.time_scale,
                    max_active=args.max_active,
                    seed=args.seed,
                    plain=args.plain,
                    console=console,
                    as_json=args.json,
                    track_progress=args.track_progress,
                ),
                console,
                lambda why: say(console, "\nDemo stopped."),
                as_json=args.json,
            )
    except OSError as exc:  # the log file cannot be opened
        say_error(console, f"cannot write the log file {args.log_file}: {exc.strerror or exc}")
        return ExitStatus.LOCAL_IO


def register(subparsers: Any) -> None:
    """Add ``demo`` to the command line."""
    p = subparsers.add_parser(
        "demo",
        help="run a demo campaign against the embedded emulator (offline)",
        epilog=EXIT_STATUS_HELP,
        formatter_class=argparse.RawDescriptionHelpFormatter,
    )
    p.add_argument("--output", default="xrt-demo", help="directory for the results (default ./xrt-demo)")
    p.add_argument(
        "--sources", type=int, default=20, help=f"number of sources (default 20, at most {len(CATALOGUE)})"
    )
    p.add_argument(
        "--time-scale", dest="time_scale", type=float, default=120.0, help="simulated s per s (120)"
    )
    p.add_argument(
        "--max-active", dest="max_active", type=int, default=5, help="most active jobs (default 5)"
    )
    p.add_argument("--seed", type=int, default=1, help="emulator seed (default 1)")
    p.add_argument("--plain", action="store_true", help="print events line by line instead of a display")
    p.add_argument(
        "--track-progress",
        dest="track_progress",
        action="store_true",
        help="ask every active job's status each round, to show each product's step (more requests)",
    )
    p.add_argument(
        "--json",
        action="store_true",
        help="print the summary as one JSON document on stdout (progress and messages go to stderr)",
    )
    add_logging_options(p)
    p.set_defaults(func=cmd_demo)
