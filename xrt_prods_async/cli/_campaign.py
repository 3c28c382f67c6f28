"""``xrt-prods-async campaign run|status|resume|cancel``: campaigns from the command line.

The ledger (a SQLite file, by default ``<campaign file>.campaign.sqlite`` beside the campaign file) remembers
the settings a campaign was started with, so ``resume`` and ``cancel`` need only the ledger. One process at a
time works a ledger (``lock_ledger``); Ctrl-C and SIGTERM stop between steps and print how to resume, and a
``kill -9`` loses nothing either: the ledger is committed before every step it enables.

Exit status: 0 done, 1 some source failed, 2 bad input or an error, 130/143 stopped by SIGINT/SIGTERM.
"""

from __future__ import annotations

import argparse
import asyncio
import contextlib
import os
import signal
import sys
import threading
from collections.abc import Awaitable, Callable
from pathlib import Path
from typing import IO, Any

import anyio
from rich.console import Console

from xrt_prods_async._errors import ConfigurationError, XRTError
from xrt_prods_async._products import Product
from xrt_prods_async.campaign import Campaign, CampaignOptions, CampaignStore, EntryState, lock_ledger
from xrt_prods_async.campaign._collect import RETRIEVABLE
from xrt_prods_async.campaign._events import summarise
from xrt_prods_async.campaign._sources import load_campaign_file
from xrt_prods_async.cli._progress import run_with_view, say, say_error, summary_table
from xrt_prods_async.cli._report import add_report_command
from xrt_prods_async.cli._service import add_base_url_option, add_user_option
from xrt_prods_async.client import ENV_BASE_URL, ENV_USER_ID, XRTClient
from xrt_prods_async.http import Politeness
from xrt_prods_async.wire import ARCHIVE_FORMATS, DEFAULT_BASE_URL

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
    download = settings.get("download")
    try:
        products = None if download is None else Product.parse_many(download)
    except ValueError as exc:
        raise ConfigurationError(f"setting download: {exc}") from None
    return CampaignOptions(
        max_active=_setting(settings, "max_active", int, 5),
        poll_interval=_setting(settings, "poll_interval", float, 60.0),
        archive_format=str(settings.get("format", "tar.gz")),
        download=products,
        retrieve=frozenset(_names(settings.get("retrieve", sorted(RETRIEVABLE)))),
        track_progress=_setting(settings, "track_progress", bool, False),
    )


async def execute(
    store: CampaignStore,
    settings: dict[str, Any],
    *,
    console: Console,
    plain: bool,
    items: Any = None,
    cancel: bool = False,
) -> int:
    """Run (or resume, or cancel) the campaign recorded in ``store`` with ``settings``."""
    options = _options(settings)
    user = settings.get("user_id") or os.environ.get(ENV_USER_ID)
    async with XRTClient(
        user_id=user, base_url=settings.get("base_url", DEFAULT_BASE_URL), poll_interval=options.poll_interval
    ) as client:
        campaign = Campaign(client, store, settings["output"], options)
        if items is not None:
            await campaign.add(items)
        if cancel:
            n = await campaign.cancel()
            say(console, f"Cancelled {n} active job(s); every source not yet finished is cancelled too.")
            return 0
        summary = await run_with_view(campaign, title=Path(store.path).name, plain=plain, console=console)
        console.print(summary_table(summary))
        return 0 if summary.counts.get("failed", 0) == 0 else 1


class _TerminatedError(Exception):
    """The process was asked to terminate (SIGTERM): stop like Ctrl-C."""


async def _until_terminated(coro_fn: Callable[[], Awaitable[int]]) -> int:
    """Run ``coro_fn``; SIGTERM (a service manager, ``docker stop``, a CI cancel) stops it like Ctrl-C."""
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


def _run_guarded(coro_fn: Callable[[], Awaitable[int]], ledger: Path, console: Console) -> int:
    try:
        return int(anyio.run(_until_terminated, coro_fn))
    except KeyboardInterrupt:
        _stopped(console, ledger)
        return 130  # 128 + SIGINT, as shells report Ctrl-C
    except _TerminatedError:
        _stopped(console, ledger)
        return 143  # 128 + SIGTERM
    except XRTError as exc:
        say_error(console, exc)
        return 2


def _stopped(console: Console, ledger: Path) -> None:
    say(
        console,
        f"\nStopped. Nothing is lost: resume with  xrt-prods-async campaign resume {ledger}\n"
        f"or cancel the campaign's server jobs with  xrt-prods-async campaign cancel {ledger}",
    )


def _open_ledger(path: Path, console: Console, *, create: bool) -> CampaignStore | None:
    try:
        return CampaignStore.open(path, create=create)
    except (XRTError, OSError) as exc:
        say_error(console, exc)
        return None


def cmd_run(args: argparse.Namespace) -> int:
    """Start a campaign from a CSV or TOML file (or continue it, if its ledger exists)."""
    console = Console()
    source = Path(args.file)
    try:
        parsed = load_campaign_file(source)
    except XRTError as exc:
        say_error(console, exc)
        return 2
    settings: dict[str, Any] = {
        "max_active": 5,
        "poll_interval": 60.0,
        "format": "tar.gz",
        "output": str(source.with_name(f"{source.stem}-output")),
        "base_url": os.environ.get(ENV_BASE_URL) or DEFAULT_BASE_URL,
    }
    settings.update(parsed.settings)
    for key in ("max_active", "poll_interval", "format", "output", "base_url", "user_id", "download"):
        value = getattr(args, key, None)
        if value is not None:
            settings[key] = value
    if args.retrieve is not None:
        settings["retrieve"] = _names(args.retrieve)
    # Absolute, so that resuming from another folder writes to the same place.
    settings["output"] = str(Path(settings["output"]).expanduser().resolve())
    try:
        options = _options(settings)
        politeness = Politeness()  # checked before the ledger is made, so a refused start leaves nothing
        politeness.check_base_url(str(settings["base_url"]))
        politeness.check_poll_interval(options.poll_interval, str(settings["base_url"]))
    except XRTError as exc:
        say_error(console, exc)
        return 2
    ledger = Path(args.ledger) if args.ledger else ledger_for(source)
    store = _open_ledger(ledger, console, create=True)
    if store is None:
        return 2
    try:
        lock = lock_ledger(ledger)
    except XRTError as exc:
        say_error(console, exc)
        return 2
    previous = store.get_meta(_SETTINGS)
    if previous is not None and _same_url(previous.get("base_url")) != _same_url(settings["base_url"]):
        say_error(
            console,
            f"{ledger} belongs to a campaign against {previous.get('base_url')}, not {settings['base_url']}; "
            "its jobs do not exist there. Use --ledger to start a separate campaign",
        )
        return 2
    store.set_meta(_SETTINGS, settings)
    say(console, f"Campaign ledger: {ledger}  (resume with: xrt-prods-async campaign resume {ledger})")
    with lock or _NO_LOCK:
        return _run_guarded(
            lambda: execute(store, settings, console=console, plain=args.plain, items=parsed.items),
            ledger,
            console,
        )


def _same_url(url: object) -> str:
    return str(url).rstrip("/")


def _open_existing(
    path_text: str, console: Console, *, lock: bool = False
) -> tuple[CampaignStore, dict[str, Any], IO[bytes] | None] | None:
    ledger = ledger_for(Path(path_text))
    store = _open_ledger(ledger, console, create=False)
    if store is None:
        return None
    try:
        held = lock_ledger(ledger) if lock else None
    except XRTError as exc:
        say_error(console, exc)
        return None
    settings = store.get_meta(_SETTINGS)
    if settings is None:
        say_error(console, f"{ledger} holds no campaign settings; start it with 'campaign run'")
        return None
    return store, settings, held


def cmd_resume(args: argparse.Namespace) -> int:
    """Continue a campaign from its ledger after a stop, crash or reboot."""
    console = Console()
    opened = _open_existing(args.ledger, console, lock=True)
    if opened is None:
        return 2
    store, settings, lock = opened
    if args.user_id:  # remembered: the next resume needs it no more
        settings["user_id"] = args.user_id
        store.set_meta(_SETTINGS, settings)
    with lock or _NO_LOCK:
        return _run_guarded(
            lambda: execute(store, settings, console=console, plain=args.plain), store.path, console
        )


def cmd_cancel(args: argparse.Namespace) -> int:
    """Cancel every active server job of a campaign and every source not yet submitted."""
    console = Console()
    opened = _open_existing(args.ledger, console, lock=True)
    if opened is None:
        return 2
    store, settings, lock = opened
    if args.user_id:
        settings["user_id"] = args.user_id
        store.set_meta(_SETTINGS, settings)
    with lock or _NO_LOCK:
        return _run_guarded(
            lambda: execute(store, settings, console=console, plain=True, cancel=True), store.path, console
        )


def cmd_status(args: argparse.Namespace) -> int:
    """Print the state of every source of a campaign from its ledger (no request to the service)."""
    console = Console()
    opened = _open_existing(args.ledger, console)
    if opened is None:
        return 2
    store, settings, _ = opened
    entries = store.entries()
    summary = summarise(store)
    say(console, f"Campaign {store.path} against {settings.get('base_url')}, output {settings.get('output')}")
    console.print(summary_table(summary))
    unfinished = sum(1 for e in entries if not e.state.terminal)
    if unfinished:
        say(console, f"{unfinished} source(s) unfinished: xrt-prods-async campaign resume {store.path}")
    waiting = [e for e in entries if e.state is EntryState.SUBMITTING]
    if waiting:
        say(console, f"{len(waiting)} submission(s) of unknown outcome will be reconciled on resume.")
    return 0


def _common(parser: argparse.ArgumentParser) -> None:
    add_user_option(parser)
    parser.add_argument("--plain", action="store_true", help="print events line by line instead of a display")


def register(subparsers: Any) -> None:
    """Add ``campaign`` and its sub-commands to the command line."""
    campaign = subparsers.add_parser("campaign", help="run many jobs through a throttled, resumable queue")
    sub = campaign.add_subparsers(dest="campaign_command", metavar="ACTION", required=True)

    run = sub.add_parser("run", help="start (or continue) a campaign from a CSV or TOML file")
    run.add_argument("file", help="campaign file: .csv (sources) or .toml (settings, template, sources)")
    run.add_argument("--ledger", help="ledger file (default: FILE's name with .campaign.sqlite)")
    run.add_argument("--output", help="directory for archives and data (default: FILE's name + -output)")
    add_base_url_option(run)
    run.add_argument("--max-active", dest="max_active", type=int, help="most jobs active at once (default 5)")
    run.add_argument("--poll-interval", dest="poll_interval", type=float, help="seconds between rounds (60)")
    run.add_argument("--format", choices=ARCHIVE_FORMATS, help="archive format (default tar.gz)")
    run.add_argument("--download", help="products to download, comma-separated (default: all of each job)")
    run.add_argument("--retrieve", help=f"data to retrieve, comma-separated from {sorted(RETRIEVABLE)}")
    _common(run)
    run.set_defaults(func=cmd_run)

    for name, func, text in (
        ("status", cmd_status, "print the state of a campaign"),
        ("resume", cmd_resume, "continue a stopped or crashed campaign"),
        ("cancel", cmd_cancel, "cancel a campaign's server jobs and pending sources"),
    ):
        p = sub.add_parser(name, help=text)
        p.add_argument("ledger", help="the campaign's ledger, or its campaign file")
        if name != "status":
            _common(p)
        p.set_defaults(func=func)
    add_report_command(sub)


if __name__ == "__main__":  # pragma: no cover
    from xrt_prods_async.cli import main

    sys.exit(main(["campaign", *sys.argv[1:]]))
