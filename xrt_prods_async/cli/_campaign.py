"""``xrt-prods-async campaign run|status|resume|cancel``: campaigns from the command line.

The ledger (a SQLite file, by default ``<campaign file>.campaign.sqlite`` beside the campaign file) remembers
the settings a campaign was started with, so ``resume`` and ``cancel`` need only the ledger. One process at a
time works a ledger (``lock_ledger``); Ctrl-C and SIGTERM stop between steps and print how to resume, and a
``kill -9`` loses nothing either: the ledger is committed before every step it enables.

Exit statuses (:mod:`._exit`): 0 every source done, every file on disk; 1 some source failed or is
incomplete; 2 bad input; 3 the service failed for longer than the outage budget; 4 a local disk refused to
write; 130/143 stopped by SIGINT/SIGTERM. The last four leave a consistent ledger to resume.
"""

from __future__ import annotations

import argparse
import contextlib
import os
import signal
import sys
import threading
from collections.abc import Awaitable, Callable
from pathlib import Path
from typing import IO, TYPE_CHECKING, Any

from xrt_prods_async._errors import ConfigurationError, LocalIOError, XRTError
from xrt_prods_async._products import Product
from xrt_prods_async.campaign._collect import RETRIEVABLE
from xrt_prods_async.campaign._outage import DEFAULT_OUTAGE_BUDGET
from xrt_prods_async.campaign._pace import DEFAULT_REQUEST_BUDGET
from xrt_prods_async.cli._exit import EXIT_STATUS_HELP, ExitStatus, status_for
from xrt_prods_async.cli._logs import add_logging_options, logging_for
from xrt_prods_async.cli._report import add_report_command
from xrt_prods_async.cli._service import add_base_url_option, add_user_option
from xrt_prods_async.client import ENV_BASE_URL, ENV_USER_ID
from xrt_prods_async.wire import ARCHIVE_FORMATS, DEFAULT_BASE_URL

# The campaign machinery, rich and anyio are imported by the functions that run a command, not here:
# registering the command line must not load them (tests/test_startup.py).
if TYPE_CHECKING:  # pragma: no cover - typing only
    from rich.console import Console

    from xrt_prods_async.campaign import CampaignFile, CampaignOptions, CampaignStore, CampaignSummary

_SETTINGS = "settings"


_NO_LOCK = contextlib.nullcontext()


def ledger_for(path: Path) -> Path:
    """The ledger of a campaign file (``sources.toml`` -> ``sources.campaign.sqlite``); a ledger is itself."""
    if path.suffix == ".sqlite":
        return path
    return path.with_name(f"{path.stem}.campaign.sqlite")


def _names(value: Any) -> list[str]:
    """A list of names from a comma-separated string (command line) or a list (TOML)."""
    items = value.split(",") if isinstance(value, str) else list(value)
    return [str(item).strip() for item in items if str(item).strip()]


def _setting(settings: dict[str, Any], key: str, kind: type[Any], default: Any) -> Any:
    """One setting read as ``kind``, or a :class:`ConfigurationError` naming it and what it must be."""
    value = settings.get(key, default)
    what = {int: "a whole number", float: "a number", bool: "true or false"}[kind]
    if isinstance(value, bool) != (kind is bool):
        raise ConfigurationError(f"setting {key} must be {what}; got {value!r}")
    try:
        return kind(value)
    except (TypeError, ValueError):
        raise ConfigurationError(f"setting {key} must be {what}; got {value!r}") from None


def _options(settings: dict[str, Any]) -> CampaignOptions:
    from xrt_prods_async.campaign import CampaignOptions

    download = settings.get("download")
    try:
        products = None if download is None else Product.parse_many(download)
    except ValueError as exc:
        raise ConfigurationError(f"setting download: {exc}") from None
    return CampaignOptions(
        max_active=_setting(settings, "max_active", int, 5),
        poll_interval=_setting(settings, "poll_interval", float, 60.0),
        request_budget=_setting(settings, "request_budget", float, DEFAULT_REQUEST_BUDGET),
        archive_format=str(settings.get("format", "tar.gz")),
        download=products,
        retrieve=frozenset(_names(settings.get("retrieve", sorted(RETRIEVABLE)))),
        track_progress=_setting(settings, "track_progress", bool, False),
        outage_budget=_setting(settings, "outage_budget", float, DEFAULT_OUTAGE_BUDGET),
    )


def outcome_status(summary: CampaignSummary) -> ExitStatus:
    """OK when every source is done (or cancelled on purpose); INCOMPLETE when one failed or misses files
    or is not finished."""
    from xrt_prods_async.campaign import EntryState

    unfinished = [s for s in summary.sources if s.state not in (EntryState.DONE, EntryState.CANCELLED)]
    return ExitStatus.INCOMPLETE if unfinished else ExitStatus.OK


def say_incomplete(
    console: Console, summary: CampaignSummary, ledger: Path | str, *, holder: str | None = None
) -> None:
    """Name every source whose job finished but whose results are not all on disk, with each item's why,
    and how to fetch them (unless ``holder``, another process, is working the ledger: it would refuse)."""
    from xrt_prods_async.cli._progress import say

    incomplete = summary.incomplete
    if not incomplete:
        return
    from xrt_prods_async.campaign._events import item_name

    say(console, f"{len(incomplete)} source(s) incomplete: their jobs finished, but these are not on disk:")
    for source in incomplete:
        job = f" (job {source.job_id})" if source.job_id is not None else ""
        for kind, why in source.missing.items():
            reason = why.splitlines()[0] if why else "not saved"
            say(console, f"  {source.label}{job}: {item_name(kind)}: {reason}")
    if holder is None:
        say(console, f"Resuming fetches exactly these: xrt-prods-async campaign resume {ledger}")


async def execute(
    store: CampaignStore,
    settings: dict[str, Any],
    *,
    console: Console,
    plain: bool,
    items: Any = None,
    cancel: bool = False,
    as_json: bool = False,
) -> int:
    """Run (or resume, or cancel) the campaign recorded in ``store`` with ``settings``; the final table, or
    under ``as_json`` one JSON document on stdout."""
    from xrt_prods_async.campaign import Campaign
    from xrt_prods_async.cli._campaign_says import CancelReport, summary_json
    from xrt_prods_async.cli._output import emit_json
    from xrt_prods_async.cli._progress import run_with_view, say
    from xrt_prods_async.client import XRTClient

    options = _options(settings)
    user = settings.get("user_id") or os.environ.get(ENV_USER_ID)
    async with XRTClient(
        user_id=user, base_url=settings.get("base_url", DEFAULT_BASE_URL), poll_interval=options.poll_interval
    ) as client:
        campaign = Campaign(client, store, settings["output"], options)
        if items is not None:
            await campaign.add(items)
        if cancel:
            report = CancelReport()
            campaign.subscribe(report.handle)
            tally = await campaign.cancel()
            for line in report.lines(tally):
                say(console, line)
            return ExitStatus.UNREACHABLE if tally.unanswered else 0
        summary = await run_with_view(campaign, title=Path(store.path).name, plain=plain, console=console)
        missing = _unrecorded(store, settings)
        status = ExitStatus.INCOMPLETE if missing else outcome_status(summary)
        if as_json:
            emit_json(summary_json(summary, ledger=store.path, settings=settings, status=int(status)))
        else:
            print_table(console, store, summary, more=f" (every one: campaign status {store.path} --all)")
        say_incomplete(console, summary, store.path)
        unknown = summary.counts.get("submitting", 0)
        if unknown:
            say(
                console,
                f"{unknown} source(s) sent without a reply, and the service could not be asked whether it "
                f"made their jobs: none is sent again (a job may exist); resuming looks them up: "
                f"xrt-prods-async campaign resume {store.path}",
            )
        if missing:
            say(console, missing)
        return int(status)


def _unrecorded(store: CampaignStore, settings: dict[str, Any]) -> str | None:
    """What to do when the ledger holds fewer sources than its campaign file gave (a disk that refused to
    record them all): resuming runs only those recorded, running the file again adds the others."""
    expected = settings.get("sources")
    recorded = sum(store.counts().values())
    if not isinstance(expected, int) or recorded >= expected:
        return None
    return (
        f"Only {recorded} of the {expected} sources of {settings.get('file')} are in the ledger: add the "
        f"others with  xrt-prods-async campaign run {settings.get('file')} --ledger {store.path}"
    )


class _TerminatedError(Exception):
    """The process was asked to terminate (SIGTERM): stop like Ctrl-C."""


async def _until_terminated(coro_fn: Callable[[], Awaitable[int]]) -> int:
    """Run ``coro_fn``; SIGTERM (a service manager, ``docker stop``, a CI cancel) stops it like Ctrl-C."""
    import asyncio

    import anyio

    if sys.platform == "win32" or threading.current_thread() is not threading.main_thread():
        return await coro_fn()  # signals reach only the main thread (and no handlers on Windows)
    loop = asyncio.get_running_loop()  # anyio.run's default backend
    with anyio.CancelScope() as scope:
        loop.add_signal_handler(signal.SIGTERM, scope.cancel)
        try:
            return await coro_fn()
        finally:
            loop.remove_signal_handler(signal.SIGTERM)
    raise _TerminatedError  # only reached when SIGTERM cancelled the scope


def run_guarded(
    coro_fn: Callable[[], Awaitable[int]],
    console: Console,
    on_stop: Callable[[str], None],
    *,
    as_json: bool = False,
) -> int:
    """Run a command's coroutine to its exit status. Ctrl-C (130), SIGTERM (143), an outage longer than the
    budget (3), a disk that refuses to write (4) and a refusal of the service (5, e.g. an unknown user) stop
    it cleanly: ``on_stop(why)`` says how to go on."""
    import anyio

    try:
        return int(anyio.run(_until_terminated, coro_fn))
    except KeyboardInterrupt:
        on_stop("\nStopped.")
        return ExitStatus.INTERRUPTED  # 128 + SIGINT, as shells report Ctrl-C
    except _TerminatedError:
        on_stop("\nStopped.")
        return ExitStatus.TERMINATED  # 128 + SIGTERM
    except (XRTError, OSError) as exc:
        # Raised by the client or the service while running: their advice is put in the command line's words.
        from xrt_prods_async.cli._failure import one_line

        status = fail(console, one_line(exc), status_for(exc), as_json=as_json, error=type(exc).__name__)
        if status in (ExitStatus.UNREACHABLE, ExitStatus.LOCAL_IO, ExitStatus.REFUSED):
            on_stop("Stopped.")
        return status


def fail(
    console: Console, problem: object, status: ExitStatus, *, as_json: bool = False, error: str | None = None
) -> ExitStatus:
    """Say ``error: <problem>`` (under ``--json`` also as a JSON object on stdout); return ``status``."""
    from xrt_prods_async.cli._progress import say_error

    say_error(console, problem)
    if as_json:
        from xrt_prods_async.cli._output import emit_json

        kind = error or (type(problem).__name__ if isinstance(problem, BaseException) else "UsageError")
        emit_json({"error": kind, "message": str(problem), "exit_status": int(status)})
    return status


def _resumable(console: Console, ledger: Path) -> Callable[[str], None]:
    from xrt_prods_async.cli._progress import say

    def stopped(why: str) -> None:
        say(
            console,
            f"{why} Nothing is lost: resume with  xrt-prods-async campaign resume {ledger}\n"
            f"or cancel the campaign's server jobs with  xrt-prods-async campaign cancel {ledger}",
        )

    return stopped


def _open_ledger(path: Path, console: Console, *, create: bool) -> CampaignStore | ExitStatus:
    from xrt_prods_async.campaign import CampaignStore
    from xrt_prods_async.cli._progress import say_error

    try:
        return CampaignStore.open(path, create=create)
    except (XRTError, OSError) as exc:
        say_error(console, exc)
        return status_for(exc)


def _run_settings(args: argparse.Namespace, source: Path, parsed: CampaignFile) -> dict[str, Any]:
    """The settings of a run: the defaults, then the campaign file's, then the command line's."""
    settings: dict[str, Any] = {
        "max_active": 5,
        "poll_interval": 60.0,
        "format": "tar.gz",
        "output": str(source.with_name(f"{source.stem}-output")),
        "base_url": os.environ.get(ENV_BASE_URL) or DEFAULT_BASE_URL,
    }
    settings.update(parsed.settings)
    for key in _RUN_OPTIONS:
        value = getattr(args, key, None)
        if value is not None:
            settings[key] = value
    if args.retrieve is not None:
        settings["retrieve"] = _names(args.retrieve)
    # Absolute, so that resuming from another folder writes to the same place.
    settings["output"] = str(Path(settings["output"]).expanduser().resolve())
    # How many sources the ledger must hold: if a disk refuses to record them all, no run claims otherwise.
    settings["file"], settings["sources"] = str(source.resolve()), len(parsed.items)
    return settings


def _refuse_start(
    settings: dict[str, Any], parsed: CampaignFile, args: argparse.Namespace, console: Console
) -> ExitStatus | None:
    """Check everything a run needs before its ledger is made (a refused start leaves nothing behind):
    the options, the service's address and poll interval, a user, and the output folder. Choices that
    match no product of some sources are said, not refused."""
    from xrt_prods_async.campaign._collect import check_writable
    from xrt_prods_async.cli._campaign_says import no_user, unmatched_choices
    from xrt_prods_async.http import Politeness

    as_json = bool(args.json)
    try:
        options = _options(settings)
        politeness = Politeness()
        politeness.check_base_url(str(settings["base_url"]))
        politeness.check_poll_interval(options.poll_interval, str(settings["base_url"]))
    except XRTError as exc:
        return fail(console, exc, ExitStatus.USAGE, as_json=as_json)
    missing_user = no_user(settings, campaign_file=True)
    if missing_user:
        return fail(console, missing_user, ExitStatus.USAGE, as_json=as_json)
    try:  # a folder that cannot be written is found before anything is recorded or sent
        check_writable(Path(settings["output"]), what="output folder")
    except LocalIOError as exc:
        return fail(console, exc, ExitStatus.LOCAL_IO, as_json=as_json)
    given = {key for key in ("download", "retrieve") if getattr(args, key, None) is not None}
    for note in unmatched_choices(parsed.items, settings, given):
        from xrt_prods_async.cli._progress import say

        say(console, note, wrap=True)
    return None


def cmd_run(args: argparse.Namespace) -> int:
    """Start a campaign from a CSV or TOML file (or continue it, if its ledger exists)."""
    from rich.console import Console

    from xrt_prods_async.campaign import lock_ledger
    from xrt_prods_async.campaign._sources import load_campaign_file
    from xrt_prods_async.cli._progress import say

    as_json = bool(args.json)
    console = Console(stderr=as_json)  # under --json stdout holds only the JSON document
    source = Path(args.file)
    try:
        parsed = load_campaign_file(source)
    except XRTError as exc:
        return fail(console, exc, ExitStatus.USAGE, as_json=as_json)
    settings = _run_settings(args, source, parsed)
    refused = _refuse_start(settings, parsed, args, console)
    if refused is not None:
        return refused
    ledger = Path(args.ledger) if args.ledger else ledger_for(source)
    store = _open_ledger(ledger, console, create=True)
    if isinstance(store, ExitStatus):
        return store
    try:
        lock = lock_ledger(ledger)
    except XRTError as exc:
        return fail(console, exc, status_for(exc), as_json=as_json)
    previous = store.get_meta(_SETTINGS)
    if previous is not None and _same_url(previous.get("base_url")) != _same_url(settings["base_url"]):
        return fail(
            console,
            f"{ledger} belongs to a campaign against {previous.get('base_url')}, not {settings['base_url']}; "
            "its jobs do not exist there. Use --ledger to start a separate campaign",
            ExitStatus.USAGE,
            as_json=as_json,
        )
    with lock or _NO_LOCK:
        try:
            store.set_meta(_SETTINGS, settings)
        except LocalIOError as exc:
            return fail(console, exc, ExitStatus.LOCAL_IO, as_json=as_json)
        say(console, f"Campaign ledger: {ledger}  (resume with: xrt-prods-async campaign resume {ledger})")
        resumable = _resumable(console, ledger)

        def stopped(why: str) -> None:
            resumable(why)
            missing = _unrecorded(store, settings)
            if missing:
                say(console, missing)

        return run_guarded(
            lambda: execute(
                store, settings, console=console, plain=args.plain, items=parsed.items, as_json=as_json
            ),
            console,
            stopped,
            as_json=as_json,
        )


#: ``campaign run`` options that override the campaign file's settings of the same names.
_RUN_OPTIONS = (
    "max_active",
    "poll_interval",
    "request_budget",
    "format",
    "output",
    "base_url",
    "user_id",
    "download",
    "outage_budget",
    "track_progress",
)


def _same_url(url: object) -> str:
    return str(url).rstrip("/")


def _open_existing(
    path_text: str, console: Console, *, lock: bool = False, as_json: bool = False
) -> tuple[CampaignStore, dict[str, Any], IO[bytes] | None] | ExitStatus:
    from xrt_prods_async.campaign import lock_ledger

    ledger = ledger_for(Path(path_text))
    store = _open_ledger(ledger, console, create=False)
    if isinstance(store, ExitStatus):
        return store
    try:
        held = lock_ledger(ledger) if lock else None
    except XRTError as exc:
        return fail(console, exc, status_for(exc), as_json=as_json)
    settings = store.get_meta(_SETTINGS)
    if settings is None:
        return fail(
            console,
            f"{ledger} holds no campaign settings; start it with 'campaign run'",
            ExitStatus.USAGE,
            as_json=as_json,
        )
    return store, settings, held


def _remember(store: CampaignStore, settings: dict[str, Any], args: argparse.Namespace) -> None:
    """Keep the options given to resume or cancel (the next command needs them no more)."""
    changed = False
    for key in ("user_id", "outage_budget"):
        value = getattr(args, key, None)
        if value is not None:
            settings[key] = value
            changed = True
    if changed:
        _options(settings)  # a bad value is refused before it is kept
        store.set_meta(_SETTINGS, settings)


def _empty(store: CampaignStore, settings: dict[str, Any]) -> str:
    """What to say of a ledger with no source in it: nothing to resume; how to start it."""
    file = settings.get("file")
    start = (
        f"start it with  xrt-prods-async campaign run {file} --ledger {store.path}"
        if file
        else "start it with 'campaign run'"
    )
    return f"{store.path} holds no sources: its campaign never started, so nothing can be resumed; {start}"


def _continue(args: argparse.Namespace, *, cancel: bool) -> int:
    from rich.console import Console

    from xrt_prods_async.cli._campaign_says import no_user
    from xrt_prods_async.cli._progress import say

    as_json = bool(getattr(args, "json", False))
    console = Console(stderr=as_json)
    opened = _open_existing(args.ledger, console, lock=True, as_json=as_json)
    if isinstance(opened, ExitStatus):
        return opened
    store, settings, lock = opened
    with lock or _NO_LOCK:
        if not sum(store.counts().values()):
            if cancel:
                say(console, f"{store.path} holds no sources: nothing to cancel.")
                return ExitStatus.OK
            return fail(console, _empty(store, settings), ExitStatus.USAGE, as_json=as_json)
        try:
            _remember(store, settings, args)
        except XRTError as exc:
            return fail(console, exc, status_for(exc), as_json=as_json)
        missing_user = no_user(settings, campaign_file=False)
        if missing_user:
            return fail(console, missing_user, ExitStatus.USAGE, as_json=as_json)
        plain = True if cancel else args.plain
        return run_guarded(
            lambda: execute(store, settings, console=console, plain=plain, cancel=cancel, as_json=as_json),
            console,
            _resumable(console, store.path),
            as_json=as_json,
        )


def cmd_resume(args: argparse.Namespace) -> int:
    """Continue a campaign from its ledger after a stop, crash or reboot; fetch what incomplete ones miss."""
    return _continue(args, cancel=False)


def cmd_cancel(args: argparse.Namespace) -> int:
    """Cancel every active server job of a campaign and every source not yet submitted."""
    return _continue(args, cancel=True)


#: The summary table lists every source up to this many; beyond, only those not done (this many at most).
STATUS_ROWS = 200


def print_table(
    console: Console, store: CampaignStore, summary: CampaignSummary, *, every: bool = False, more: str = ""
) -> None:
    """The summary table of ``campaign run`` and ``status``: every source up to ``STATUS_ROWS`` (or with
    ``every``), else the first sources not done, read a page at a time, and a line saying so (``more``: how
    to see every one). A table of every source of a large campaign takes long and much memory to draw
    (100,000 rows: 58 s, 340 MB) and scrolls the rest out of sight."""
    from itertools import islice

    from xrt_prods_async.campaign import EntryState
    from xrt_prods_async.campaign._events import CampaignSummary, outcome_of
    from xrt_prods_async.cli._progress import say, summary_table

    total = sum(summary.counts.values())
    if every or total <= STATUS_ROWS:
        console.print(summary_table(summary))
        return
    waiting = [s for s in EntryState if s is not EntryState.DONE]
    rows = [outcome_of(e) for e in islice(store.walk(*waiting), STATUS_ROWS)]
    shown = CampaignSummary(
        sources=rows, counts=summary.counts, requests=summary.requests, elapsed=summary.elapsed
    )
    console.print(summary_table(shown))
    done = summary.counts.get(EntryState.DONE.value, 0)
    others = total - done - len(rows)
    rest = f", {others} more not done" if others else ""
    say(console, f"{total} sources, {done} done{rest}: the first {len(rows)} not done are listed{more}")


def cmd_status(args: argparse.Namespace) -> int:
    """Print the state of a campaign from its ledger (no request to the service).

    Every source is listed up to ``STATUS_ROWS`` of them (or with ``--all``); a larger campaign gets the
    counts and the first sources not done, read a page at a time, so that it answers at once at any size.
    While another process runs the campaign, the status is a snapshot of its ledger, and the hints say so
    instead of suggesting a ``resume`` or ``cancel`` that the lock would refuse."""

    from rich.console import Console

    from xrt_prods_async.campaign import EntryState
    from xrt_prods_async.campaign._events import CampaignSummary, outcome_of, summarise
    from xrt_prods_async.cli._campaign_says import lock_holder, summary_json
    from xrt_prods_async.cli._output import emit_json
    from xrt_prods_async.cli._progress import say

    as_json = bool(args.json)
    console = Console(stderr=as_json)
    opened = _open_existing(args.ledger, console, as_json=as_json)
    if isinstance(opened, ExitStatus):
        return opened
    store, settings, _ = opened
    counts = store.counts()
    total = sum(counts.values())
    holder = lock_holder(store.path)
    missing = _unrecorded(store, settings)
    settled = counts[EntryState.DONE] + counts[EntryState.CANCELLED]
    status = ExitStatus.INCOMPLETE if missing or settled < total else ExitStatus.OK
    if as_json:
        document = summary_json(summarise(store), ledger=store.path, settings=settings, status=int(status))
        emit_json({**document, "running": holder})
    say(console, f"Campaign {store.path} against {settings.get('base_url')}, output {settings.get('output')}")
    if not total:
        say(console, _empty(store, settings))
        return ExitStatus.USAGE
    listed = {state.value: n for state, n in counts.items()}
    if not as_json:
        every = bool(getattr(args, "all", False))
        print_table(console, store, summarise(store), every=every, more=" (--all: every one)")
    incomplete = [outcome_of(e) for e in store.walk(EntryState.INCOMPLETE)]
    say_incomplete(
        console,
        CampaignSummary(sources=incomplete, counts=listed, requests={}, elapsed=0.0),
        store.path,
        holder=holder,
    )
    unfinished = sum(
        n for state, n in counts.items() if not state.terminal and state is not EntryState.INCOMPLETE
    )
    if holder is not None:
        say(
            console,
            f"The campaign is running now ({holder} holds its ledger): this is a snapshot of its ledger. "
            "Let it finish, or stop it (Ctrl-C where it runs) before resuming or cancelling it here.",
            wrap=True,
        )
    elif unfinished:
        say(console, f"{unfinished} source(s) unfinished: xrt-prods-async campaign resume {store.path}")
    if counts[EntryState.SUBMITTING] and holder is None:
        n = counts[EntryState.SUBMITTING]
        say(console, f"{n} submission(s) of unknown outcome will be reconciled on resume.")
    if missing and holder is None:
        say(console, missing)
    return int(status)


def _common(parser: argparse.ArgumentParser) -> None:
    add_user_option(parser)
    parser.add_argument("--plain", action="store_true", help="print events line by line instead of a display")
    add_logging_options(parser)


def _json_option(parser: argparse.ArgumentParser) -> None:
    parser.add_argument(
        "--json",
        action="store_true",
        help="print the summary as one JSON document on stdout (progress and messages go to stderr)",
    )


def _outage_budget(parser: argparse.ArgumentParser) -> None:
    parser.add_argument(
        "--outage-budget",
        dest="outage_budget",
        type=float,
        metavar="SECONDS",
        help=(
            "stop (exit 3, resumable) after the service has failed every request for this long "
            f"(default {DEFAULT_OUTAGE_BUDGET:g}, i.e. 30 min)"
        ),
    )


def _with_logging(func: Callable[[argparse.Namespace], int]) -> Callable[[argparse.Namespace], int]:
    """Run a command with its log records sent where ``-v``/``--log-file`` say (none printed by default)."""

    def command(args: argparse.Namespace) -> int:
        try:
            with logging_for(args):
                return func(args)
        except OSError as exc:  # the log file cannot be opened
            from rich.console import Console

            from xrt_prods_async.cli._progress import say_error

            say_error(Console(), f"cannot write the log file {args.log_file}: {exc.strerror or exc}")
            return ExitStatus.LOCAL_IO

    command.__doc__ = func.__doc__
    return command


def register(subparsers: Any) -> None:
    """Add ``campaign`` and its sub-commands to the command line."""
    help_format: dict[str, Any] = {
        "epilog": EXIT_STATUS_HELP,
        "formatter_class": argparse.RawDescriptionHelpFormatter,
    }
    campaign = subparsers.add_parser(
        "campaign", help="run many jobs through a throttled, resumable queue", **help_format
    )
    sub = campaign.add_subparsers(dest="campaign_command", metavar="ACTION", required=True)

    run = sub.add_parser("run", help="start (or continue) a campaign from a CSV or TOML file", **help_format)
    run.add_argument("file", help="campaign file: .csv (sources) or .toml (settings, template, sources)")
    run.add_argument("--ledger", help="ledger file (default: FILE's name with .campaign.sqlite)")
    run.add_argument("--output", help="directory for archives and data (default: FILE's name + -output)")
    add_base_url_option(run)
    run.add_argument("--max-active", dest="max_active", type=int, help="most jobs active at once (default 5)")
    run.add_argument(
        "--poll-interval",
        dest="poll_interval",
        type=float,
        help="seconds between two status requests of one job, at the least (60)",
    )
    run.add_argument(
        "--request-budget",
        dest="request_budget",
        type=float,
        help="API requests per job to spend: more ends the campaign sooner (default 6)",
    )
    run.add_argument("--format", choices=ARCHIVE_FORMATS, help="archive format (default tar.gz)")
    run.add_argument("--download", help="products to download, comma-separated (default: all of each job)")
    run.add_argument("--retrieve", help=f"data to retrieve, comma-separated from {sorted(RETRIEVABLE)}")
    run.add_argument(
        "--track-progress",
        dest="track_progress",
        action="store_true",
        default=None,
        help="ask every active job's status each round, to show each product's step (more requests)",
    )
    _outage_budget(run)
    _common(run)
    _json_option(run)
    run.set_defaults(func=_with_logging(cmd_run))

    for name, func, text in (
        ("status", cmd_status, "print the state of a campaign"),
        ("resume", cmd_resume, "continue a stopped or crashed campaign; fetch what incomplete sources miss"),
        ("cancel", cmd_cancel, "cancel a campaign's server jobs and pending sources"),
    ):
        p = sub.add_parser(name, help=text, **help_format)
        p.add_argument("ledger", help="the campaign's ledger, or its campaign file")
        if name == "resume":
            _outage_budget(p)
        if name == "status":
            p.add_argument(
                "--all", action="store_true", help=f"list every source (beyond {STATUS_ROWS}: those not done)"
            )
        else:
            _common(p)
        if name != "cancel":
            _json_option(p)
        p.set_defaults(func=_with_logging(func))
    add_report_command(sub)


if __name__ == "__main__":  # pragma: no cover
    from xrt_prods_async.cli import main

    sys.exit(main(["campaign", *sys.argv[1:]]))
