"""``xrt-prods-async status|wait|download|cancel JOB`` and ``jobs`` / ``count``: one job, one command.

Each command attaches to the job by its JobID (so it knows the job's products and that it is the user's),
does one thing, and prints the result: a table on a terminal, plain text in a pipe, JSON with ``--json``.
"""

from __future__ import annotations

import argparse
from collections.abc import Callable
from pathlib import Path
from typing import TYPE_CHECKING, Any

from xrt_prods_async._products import Product
from xrt_prods_async.client._views import Table
from xrt_prods_async.wire import ARCHIVE_FORMATS

from ._exit import ExitStatus
from ._output import Shown, emit_json, note, show
from ._service import command_parser, open_client, positive_seconds, run_async

if TYPE_CHECKING:  # pragma: no cover - typing only
    from xrt_prods_async.client import JobStatus

__all__ = [
    "add_download_options",
    "add_poll_interval_option",
    "files_dict",
    "files_view",
    "finished_status",
    "job_id",
    "products_option",
    "register",
    "show_progress",
]


def job_id(text: str) -> int:
    """An argparse type: a JobID, the whole number the service gave when the job was submitted."""
    try:
        value = int(text)
    except ValueError:
        raise argparse.ArgumentTypeError(f"a JobID is a whole number, got {text!r}") from None
    if value < 1:
        raise argparse.ArgumentTypeError(f"a JobID is a positive number, got {text!r}")
    return value


def _how_many(text: str) -> int:
    try:
        value = int(text)
    except ValueError:
        value = 0
    if value < 1:
        raise argparse.ArgumentTypeError(f"expected a positive whole number, got {text!r}")
    return value


def products_option(text: str) -> tuple[Product, ...]:
    """An argparse type: products by any of their names, comma-separated (``lc,psf`` or ``LightCurve``)."""
    try:
        products = Product.parse_many(text)
    except ValueError as exc:
        raise argparse.ArgumentTypeError(str(exc)) from None
    if not products:
        raise argparse.ArgumentTypeError("name at least one product")
    return products


def add_poll_interval_option(parser: argparse.ArgumentParser) -> None:
    """``--poll-interval``: how often a wait asks (the client checks it: at least 10 s off loopback)."""
    parser.add_argument(
        "--poll-interval",
        dest="poll_interval",
        type=positive_seconds,
        help="seconds between status checks while waiting (default 60; at least 10 off loopback)",
    )


def add_download_options(parser: argparse.ArgumentParser) -> None:
    """``--format`` and ``--overwrite`` of the commands that download archives."""
    parser.add_argument("--format", choices=ARCHIVE_FORMATS, default="tar.gz", help="archive format (tar.gz)")
    parser.add_argument("--overwrite", action="store_true", help="replace archives already in the folder")


def show_progress() -> Callable[[JobStatus], None]:
    """An ``on_progress`` callback that says on stderr when any product's state changes."""
    last: dict[Product, str] = {}

    def on_progress(status: JobStatus) -> None:
        states = {s.product: s.state for s in status}
        if states != last:
            last.clear()
            last.update(states)
            note(f"job {status.job_id}: " + ", ".join(f"{p.label} {state}" for p, state in states.items()))

    return on_progress


def files_view(job: int, files: dict[Product, Path]) -> Shown:
    """The archives saved, a row per product."""
    rows = tuple((p.label, str(path)) for p, path in files.items())
    return Shown(f"Job {job}: {len(files)} archive(s) saved", tables=(Table(("product", "file"), rows),))


def files_dict(files: dict[Product, Path]) -> dict[str, str]:
    """The archives saved, by product short name (JSON)."""
    return {p.value: str(path) for p, path in files.items()}


def finished_status(status: JobStatus) -> int:
    """OK when every product completed, INCOMPLETE when one failed or was cancelled."""
    return ExitStatus.OK if status.complete else ExitStatus.INCOMPLETE


# --- the commands ---------------------------------------------------------------------------------------


def cmd_status(args: argparse.Namespace) -> int:
    async def body() -> JobStatus:
        async with open_client(args) as client:
            job = await client.attach(args.job)
            return await job.status()

    status = run_async(body)
    if args.json:
        emit_json(status.to_dict())
    else:
        show(status)
    return ExitStatus.OK


def cmd_wait(args: argparse.Namespace) -> int:
    async def body() -> JobStatus:
        async with open_client(args, poll_interval=args.poll_interval) as client:
            job = await client.attach(args.job)
            return await job.wait(timeout=args.timeout, on_progress=show_progress())

    status = run_async(body)
    if args.json:
        emit_json(status.to_dict())
    else:
        show(status)
    return finished_status(status)


def cmd_download(args: argparse.Namespace) -> int:
    async def body() -> dict[Product, Path]:
        async with open_client(args) as client:
            job = await client.attach(args.job)
            return await job.download(
                args.dir, products=args.products, format=args.format, overwrite=args.overwrite
            )

    files = run_async(body)
    if args.json:
        emit_json({"job_id": args.job, "files": files_dict(files)})
    else:
        show(files_view(args.job, files))
    return ExitStatus.OK


def cmd_cancel(args: argparse.Namespace) -> int:
    from xrt_prods_async.client import CancelOutcome, CancelResult

    async def body() -> CancelResult:
        async with open_client(args) as client:
            job = await client.attach(args.job)
            return await job.cancel(args.products)

    result = run_async(body)
    if args.json:
        emit_json(result.to_dict())
    else:
        show(result)
    return ExitStatus.OK if result.outcome is CancelOutcome.ALL else ExitStatus.INCOMPLETE


def cmd_jobs(args: argparse.Namespace) -> int:
    from xrt_prods_async.client import OldJob

    async def body() -> list[OldJob]:
        async with open_client(args) as client:
            return await client.list_old_jobs()

    history = sorted(run_async(body), key=lambda job: job.submitted, reverse=True)  # newest first
    if args.limit is not None:
        history = history[: args.limit]
    if args.json:
        emit_json([job.to_dict() for job in history])
        return ExitStatus.OK
    rows = tuple(
        (
            str(job.job_id),
            job.name,
            f"{job.submitted:%Y-%m-%d %H:%M}",
            ",".join(p.value for p in job.products) or "—",
            "yes" if job.has_products else "no",
        )
        for job in history
    )
    table = Table(("job", "name", "submitted (UTC)", "products", "files"), rows, align="r")
    show(Shown(f"{len(history)} job(s), newest first", tables=(table,) if rows else ()))
    return ExitStatus.OK


def cmd_count(args: argparse.Namespace) -> int:
    async def body() -> int:
        async with open_client(args) as client:
            return await client.count_active_jobs()

    count = run_async(body)
    if args.json:
        emit_json({"active_jobs": count})
    else:
        print(f"{count} active job(s): queued or running")
    return ExitStatus.OK


def _with_job(parser: argparse.ArgumentParser) -> None:
    parser.add_argument("job", type=job_id, help="the JobID")


def register(subparsers: Any) -> None:
    """Add ``status``, ``wait``, ``download``, ``cancel``, ``jobs`` and ``count``."""
    p = command_parser(
        subparsers, "status", "the status of a job's products", "Print the status of each product of a job."
    )
    _with_job(p)
    p.set_defaults(func=cmd_status)

    p = command_parser(
        subparsers,
        "wait",
        "wait until a job has finished",
        "Poll a job until every product has finished; print its final status. Exit status 0 when every "
        "product completed, 1 when one failed or --timeout passed (the job keeps running).",
    )
    _with_job(p)
    add_poll_interval_option(p)
    p.add_argument(
        "--timeout", type=positive_seconds, help="give up after this many seconds (default: never)"
    )
    p.set_defaults(func=cmd_wait)

    p = command_parser(
        subparsers,
        "download",
        "download a finished job's archives",
        "Download the archive of each product of a finished job into DIR, as {product}.{format}.",
    )
    _with_job(p)
    p.add_argument("dir", help="folder for the archives (made if missing)")
    p.add_argument("--products", type=products_option, help="products to download, comma-separated (all)")
    add_download_options(p)
    p.set_defaults(func=cmd_download)

    p = command_parser(
        subparsers,
        "cancel",
        "cancel a job (or some of its products)",
        "Cancel a job's products. Exit status 0 when all were cancelled, 1 when some or none were "
        "(already finished, for instance: the table says why).",
    )
    _with_job(p)
    p.add_argument("--products", type=products_option, help="products to cancel, comma-separated (all)")
    p.set_defaults(func=cmd_cancel)

    p = command_parser(subparsers, "jobs", "your jobs, newest first", "List your jobs, newest first.")
    p.add_argument("--limit", type=_how_many, help="show only the newest N jobs")
    p.set_defaults(func=cmd_jobs)

    p = command_parser(
        subparsers, "count", "how many of your jobs are active", "Count your queued and running jobs."
    )
    p.set_defaults(func=cmd_count)
