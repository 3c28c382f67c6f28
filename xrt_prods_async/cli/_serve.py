"""``xrt-prods-async serve``: run the local emulator of the XRT product service.

Exit statuses (:mod:`._exit`): 2 for options it cannot serve with (a remote address without
``--allow-remote``, invalid settings, a port it cannot bind); 130 after Ctrl-C and 143 after SIGTERM, each
once the server has shut down gracefully.
"""

from __future__ import annotations

import argparse
import ipaddress
import json
import signal
import sys
import threading
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from types import FrameType
from typing import TYPE_CHECKING, Any, TextIO

from xrt_prods_async.cli._exit import EXIT_STATUS_HELP, ExitStatus

if TYPE_CHECKING:
    from xrt_prods_async.emulator import EmulatorConfig

__all__ = ["config_from_args", "is_loopback", "parse_durations", "register", "run"]


def is_loopback(host: str) -> bool:
    """Whether ``host`` only accepts connections from this machine (``localhost``, 127.0.0.0/8, ::1)."""
    if host.strip().lower() == "localhost":
        return True
    try:
        return ipaddress.ip_address(host.strip("[]")).is_loopback
    except ValueError:
        return False


def _users(text: str) -> list[str]:
    users = [u.strip() for u in text.split(",") if u.strip()]
    bad = [u for u in users if "@" not in u]
    if bad:
        raise argparse.ArgumentTypeError(f"users are e-mail addresses, comma-separated; not {', '.join(bad)}")
    return users


def parse_durations(text: str) -> dict[str, Any]:
    """``--durations``: a JSON object, inline or in a file, mapping product short names to build times.

    Each value is an object with ``median`` (simulated seconds) and optionally ``sigma``, ``minimum`` and
    ``maximum`` (see :class:`~xrt_prods_async.emulator.DurationModel`), or a bare number for a fixed build
    time. The fields themselves are checked with the rest of the settings.
    """
    source = text.strip()
    if not source.startswith("{"):
        try:
            source = Path(source).read_text(encoding="utf-8")
        except OSError as exc:
            raise argparse.ArgumentTypeError(
                f"{text!r} is neither a JSON object nor a readable file: {exc.strerror or exc}"
            ) from exc
    try:
        value = json.loads(source)
    except json.JSONDecodeError as exc:
        raise argparse.ArgumentTypeError(
            f'not valid JSON ({exc}); e.g. \'{{"lc": {{"median": 600, "sigma": 0.5}}}}\''
        ) from exc
    if not isinstance(value, dict):
        raise argparse.ArgumentTypeError("give a JSON object mapping product short names (lc, spec, ...)")
    fixed = (int, float)
    return {
        name: {"median": spec, "sigma": 0} if isinstance(spec, fixed) and not isinstance(spec, bool) else spec
        for name, spec in value.items()
    }


def register(subparsers: argparse._SubParsersAction[argparse.ArgumentParser]) -> None:
    """Add the ``serve`` sub-command."""
    parser = subparsers.add_parser(
        "serve",
        help="run the local emulator of the XRT product service",
        description=(
            "Serve an emulator of the Swift-XRT product service (https://www.swift.ac.uk/user_objects) for "
            "offline tests. Point a client at the printed base URL. Control and metrics live under /emulator."
        ),
        epilog=EXIT_STATUS_HELP,
        formatter_class=argparse.RawDescriptionHelpFormatter,
    )
    parser.add_argument("--host", default="127.0.0.1", help="address to bind (default: 127.0.0.1)")
    parser.add_argument("--port", type=int, default=8000, help="port (0 picks a free one; default: 8000)")
    parser.add_argument(
        "--time-scale", type=float, default=60.0, help="simulated seconds per real second (default: 60)"
    )
    parser.add_argument(
        "--users",
        type=_users,
        default=[],
        help="extra registered UserIDs, comma-separated (demo@example.org is always registered)",
    )
    parser.add_argument(
        "--workers", type=int, default=4, help="products built at once, all users (default: 4)"
    )
    parser.add_argument(
        "--seed", type=int, default=1, help="seed of build times, failures and science (default: 1)"
    )
    parser.add_argument("--max-jobs", type=int, default=20, help="cap on a user's active jobs (default: 20)")
    parser.add_argument(
        "--failure-rate", type=float, default=0.0, help="chance each product fails with code -3 (default: 0)"
    )
    parser.add_argument(
        "--pad-archives", type=int, default=None, metavar="BYTES", help="pad product archives to about BYTES"
    )
    parser.add_argument(
        "--durations",
        type=parse_durations,
        default={},
        metavar="JSON|FILE",
        help=(
            "build times per product, log-normal, simulated seconds, as JSON or a JSON file, e.g. "
            '\'{"lc": {"median": 600, "sigma": 0.5}, "psf": 120}\' (unnamed products keep their defaults)'
        ),
    )
    parser.add_argument(
        "--start-job-id", type=int, default=1001, help="JobID of the first job (default: 1001)"
    )
    parser.add_argument(
        "--allow-remote", action="store_true", help="allow binding an address other machines can reach"
    )
    parser.add_argument(
        "--log-level", default="warning", choices=["critical", "error", "warning", "info", "debug"]
    )
    parser.set_defaults(func=run)


def config_from_args(args: argparse.Namespace) -> EmulatorConfig:
    """The emulator settings the options describe (raises pydantic's ``ValidationError`` if invalid)."""
    from xrt_prods_async.emulator import DEMO_USER_ID, EmulatorConfig

    return EmulatorConfig(
        time_scale=args.time_scale,
        workers=args.workers,
        users=[DEMO_USER_ID, *(u for u in args.users if u.lower() != DEMO_USER_ID)],
        max_jobs_per_user=args.max_jobs,
        seed=args.seed,
        failure_rate=args.failure_rate,
        pad_archives_to=args.pad_archives,
        start_job_id=args.start_job_id,
        durations=args.durations,
    )


def run(args: argparse.Namespace, *, out: TextIO | None = None) -> int:
    """Validate the options, bind, print the base URL and serve until interrupted."""
    out = out or sys.stdout
    if not is_loopback(args.host) and not args.allow_remote:
        print(
            f"error: refusing to bind {args.host}: the emulator has no authentication and is meant for this "
            "machine only. Use a loopback address such as 127.0.0.1, or pass --allow-remote.",
            file=sys.stderr,
        )
        return ExitStatus.USAGE

    import uvicorn
    from pydantic import ValidationError

    from xrt_prods_async.emulator import create_app
    from xrt_prods_async.emulator._server import bind_socket, install_log_filter

    try:
        config = config_from_args(args)
    except ValidationError as exc:
        problems = "; ".join(f"{'.'.join(str(p) for p in e['loc'])}: {e['msg']}" for e in exc.errors())
        print(f"error: invalid emulator settings: {problems}", file=sys.stderr)
        return ExitStatus.USAGE
    try:
        sock = bind_socket(args.host, args.port)
    except OSError as exc:
        print(
            f"error: cannot bind {args.host}:{args.port}: {exc.strerror or exc} (choose another --port)",
            file=sys.stderr,
        )
        return ExitStatus.USAGE
    port = sock.getsockname()[1]
    host = f"[{args.host}]" if ":" in args.host else args.host
    app = create_app(config)
    install_log_filter()
    print(f"XRT product service emulator at http://{host}:{port}/user_objects", file=out)
    print(f"  users: {', '.join(config.users)}", file=out)
    print(
        f"  time scale: {config.time_scale:g} simulated s per real s; workers: {config.workers}; "
        f"control and metrics: http://{host}:{port}/emulator/",
        file=out,
        flush=True,
    )
    server = uvicorn.Server(
        uvicorn.Config(
            app, log_level=args.log_level, access_log=False, lifespan="off", timeout_graceful_shutdown=2
        )
    )
    with _terminated_raises():
        try:
            server.run(sockets=[sock])
        except KeyboardInterrupt:  # uvicorn shut down gracefully, then raised the Ctrl-C again
            return ExitStatus.INTERRUPTED
        except _TerminatedError:
            return ExitStatus.TERMINATED
        finally:
            sock.close()
    return ExitStatus.OK


class _TerminatedError(Exception):
    """SIGTERM arrived (uvicorn raises the signal again once it has shut down)."""


def _raise_terminated(signum: int, frame: FrameType | None) -> None:
    raise _TerminatedError


@contextmanager
def _terminated_raises() -> Iterator[None]:
    """While serving, SIGTERM raises :class:`_TerminatedError` (signals reach the main thread only)."""
    if threading.current_thread() is not threading.main_thread():
        yield
        return
    previous = signal.signal(signal.SIGTERM, _raise_terminated)
    try:
        yield
    finally:
        signal.signal(signal.SIGTERM, previous)
