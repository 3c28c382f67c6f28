"""``xrt-prods-async submit REQUEST``: submit one job from a request file; optionally wait and download.

A request file is JSON or TOML. JSON is either swifttools' saved request (``getJSONDict()``/``getJSON()``,
recognised by its ``api_name`` key) or an object in swifttools or Python names, products as nested objects.
TOML is a table of globals with one table per product::

    name = "GRB 200416A"
    targ = "00966554"
    RA = 335.6985
    Dec = -7.5179
    centroid = true
    posErr = 1

    [LightCurve]
    binMeth = "counts"
    pcCounts = 20

    [StandardPos]
"""

from __future__ import annotations

import argparse
import json
from pathlib import Path
from typing import TYPE_CHECKING, Any

from xrt_prods_async._errors import ConfigurationError, InvalidRequestError

from ._exit import ExitStatus
from ._jobs import (
    add_download_options,
    add_poll_interval_option,
    files_dict,
    files_view,
    finished_status,
    show_progress,
)
from ._output import emit_json, note, show
from ._service import command_parser, open_client, run_async

if TYPE_CHECKING:  # pragma: no cover - typing only
    from xrt_prods_async._products import Product
    from xrt_prods_async.client import Job, JobStatus
    from xrt_prods_async.params import JobRequest

__all__ = ["load_request", "register"]


def _read(path: Path) -> dict[str, Any]:
    suffix = path.suffix.lower()
    if suffix not in (".json", ".toml"):
        raise ConfigurationError(f"{path}: a request file is .json or .toml, not {suffix or 'no suffix'}")
    try:
        text = path.read_text(encoding="utf-8")  # an unreadable file is an OSError: exit status LOCAL_IO
        if suffix == ".toml":
            import tomllib

            data: Any = tomllib.loads(text)
        else:
            data = json.loads(text)
    except ValueError as exc:  # not UTF-8, or json's and tomllib's errors: all ValueErrors
        raise ConfigurationError(f"{path} is not valid {suffix[1:].upper()}: {exc}") from None
    if not isinstance(data, dict):
        raise ConfigurationError(f"{path}: a request is an object of parameters, not {type(data).__name__}")
    return data


def load_request(path: str | Path) -> JobRequest:
    """The request in a JSON or TOML file; every problem with it is one ``InvalidRequestError``."""
    from xrt_prods_async.params import JobRequest
    from xrt_prods_async.wire import API_NAME_KEY

    source = Path(path)
    data = _read(source)
    try:
        if API_NAME_KEY in data:  # only swifttools' saved request (its wire body) has the envelope
            return JobRequest.from_swifttools_json(data)
        return JobRequest(**data)
    except InvalidRequestError as exc:
        raise InvalidRequestError(exc.problems, context=f"The request in {source} is not valid") from None


def _summary(job: Job) -> str:
    products = ", ".join(p.label for p in job.products)
    return f"submitted job {job.job_id} ({job.name}): {products}"


def cmd_submit(args: argparse.Namespace) -> int:
    request = load_request(args.request)  # before the client: a bad file never reaches the service
    wait = args.wait or args.download is not None

    async def body() -> tuple[Job, JobStatus | None, dict[Product, Path] | None]:
        async with open_client(args, poll_interval=args.poll_interval) as client:
            job = await client.submit(request)
            if not args.json:
                print(job.job_id, flush=True)  # first, so that an interrupted wait has shown it
            note(_summary(job))
            if not wait:
                return job, None, None
            status = await job.wait(on_progress=show_progress())
            if args.download is None:
                return job, status, None
            files = await job.download(args.download, format=args.format, overwrite=args.overwrite)
            return job, status, files

    job, status, files = run_async(body)
    if args.json:
        out: dict[str, Any] = {
            "job_id": job.job_id,
            "url": job.url,
            "name": job.name,
            "products": [p.value for p in job.products],
        }
        if status is not None:
            out["status"] = status.to_dict()
        if files is not None:
            out["files"] = files_dict(files)
        emit_json(out)
    else:
        if status is not None:
            show(status)
        if files is not None:
            show(files_view(job.job_id, files))
    return ExitStatus.OK if status is None else finished_status(status)


def register(subparsers: Any) -> None:
    """Add ``submit``."""
    p = command_parser(
        subparsers,
        "submit",
        "submit one job from a request file",
        "Submit the job described by a JSON or TOML request file (swifttools or Python parameter names; "
        "swifttools' saved JSON too) and print its JobID. With --wait, follow it to the end (exit status 1 "
        "if a product failed); with --download DIR, then save its archives there.",
    )
    p.add_argument("request", help="request file: .json or .toml")
    p.add_argument("--wait", action="store_true", help="wait until every product has finished")
    add_poll_interval_option(p)
    p.add_argument("--download", metavar="DIR", help="wait, then download every archive into DIR")
    add_download_options(p)
    p.set_defaults(func=cmd_submit)
