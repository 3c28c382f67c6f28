"""Product archives and single files under a job's ``URL``, streamed (docs/protocol.md §9).

``GET {URL}/{what}.{tar|tar.gz|zip}`` builds the archive on the fly from the job's science files: a single
product's archive holds its own folder (``lc/...``); ``all`` holds every finished product under
``USERPROD_{JobID}/{stem}/``. Other paths below ``{URL}`` are single files (``spec/interval0.tar.gz``, plot
GIFs, QDP files). Like the real service, downloads carry no user: whoever has the URL may fetch it. A product
that has not finished is not there yet (404).
"""

from __future__ import annotations

import re
from collections.abc import Iterator

from starlette.requests import Request
from starlette.responses import Response, StreamingResponse
from starlette.routing import Route

from xrt_prods_async._products import Product
from xrt_prods_async.wire._endpoints import ALL_ARCHIVE_STEM, ARCHIVE_FORMATS

from ._archives import ArchiveMember, padding_member, stream_archive
from ._faults import error_page
from ._jobs import Job, ProductRun
from ._retrieval import job_science
from ._state import EmulatorState
from ._values import parse_job_id

__all__ = ["download_route", "media_type_for"]

_STEMS = {p.stem: p for p in Product}
_STEM_PATTERN = "|".join([*_STEMS, ALL_ARCHIVE_STEM])
_FORMAT_PATTERN = "|".join(re.escape(f) for f in ARCHIVE_FORMATS)
_ARCHIVE = re.compile(rf"^(?P<stem>{_STEM_PATTERN})\.(?P<fmt>{_FORMAT_PATTERN})$")
_ARCHIVE_TYPES = {"tar": "application/x-tar", "tar.gz": "application/gzip", "zip": "application/zip"}
_FILE_TYPES = {
    ".gif": "image/gif",
    ".ps": "application/postscript",
    ".gz": "application/gzip",
    ".qdp": "text/plain; charset=UTF-8",
    ".dat": "text/plain; charset=UTF-8",
    ".txt": "text/plain; charset=UTF-8",
    ".log": "text/plain; charset=UTF-8",
    ".xcm": "text/plain; charset=UTF-8",
}


def media_type_for(path: str) -> str:
    """Content-Type of a product file or archive, by its name."""
    for fmt, media in _ARCHIVE_TYPES.items():
        if path.endswith("." + fmt) and fmt != "tar.gz":
            return media
    for suffix, media in _FILE_TYPES.items():
        if path.endswith(suffix):
            return media
    return "application/octet-stream"


def _not_found() -> Response:
    return Response(error_page(404), status_code=404, media_type="text/html; charset=UTF-8")


def _archive_members(
    state: EmulatorState, job: Job, runs: list[ProductRun], products_url: str, *, everything: bool
) -> list[ArchiveMember]:
    science = job_science(state, job, products_url)
    root = f"USERPROD_{job.job_id}" if everything else ""
    outcomes = {run.product.value: run.outcome() or "failed" for run in runs}
    members = list(science.archive_members(outcomes, root=root))
    target = state.config.pad_archives_to
    if target:
        missing = target - sum(m.size for m in members)
        if missing > 0:
            folder = f"{root}/{runs[0].product.stem}" if root else runs[0].product.stem
            members.append(
                padding_member(f"{folder}/padding.dat", missing, seed=state.config.seed + job.job_id)
            )
    return members


def _counted(chunks: Iterator[bytes], state: EmulatorState) -> Iterator[bytes]:
    total = 0
    try:
        for chunk in chunks:
            total += len(chunk)
            yield chunk
    finally:
        with state.lock:
            state.metrics.downloads["bytes"] += total


def download_route(state: EmulatorState, prefix: str) -> Route:
    """The GET route serving everything below ``{prefix}/tprods/USERPROD_{JobID}/``."""

    async def download(request: Request) -> Response:
        job_id = parse_job_id(request.path_params["job_id"])
        rest: str = request.path_params["rest"]
        match = _ARCHIVE.match(rest)
        outcome = "complete"
        with state.lock:
            state.sync()
            job = state.jobs.get(job_id) if job_id is not None else None
            if job is None:
                state.metrics.downloads["not_found"] += 1
                return _not_found()
            products_url = state.products_url(str(request.base_url), job.job_id)
            if match:
                stem = match["stem"]
                if stem == ALL_ARCHIVE_STEM:
                    runs = [run for run in job.products.values() if run.finished]
                else:
                    found = job.products.get(_STEMS[stem])
                    runs = [found] if found is not None and found.finished else []
                if not runs:
                    state.metrics.downloads["not_found"] += 1
                    return _not_found()
                state.metrics.downloads["archives"] += 1
            else:
                product = _STEMS.get(rest.split("/", 1)[0])
                run = job.products.get(product) if product is not None else None
                if product is not None and (run is None or not run.finished):
                    state.metrics.downloads["not_found"] += 1
                    return _not_found()
                if run is not None:
                    outcome = run.outcome() or outcome
        if match:
            fmt = match["fmt"]
            members = _archive_members(
                state, job, runs, products_url, everything=match["stem"] == ALL_ARCHIVE_STEM
            )
            return StreamingResponse(
                _counted(stream_archive(members, fmt), state),
                media_type=_ARCHIVE_TYPES[fmt],
                headers={"Content-Disposition": f'attachment; filename="{match["stem"]}.{fmt}"'},
            )
        member = job_science(state, job, products_url).file(rest, outcome=outcome)
        with state.lock:
            state.metrics.downloads["files" if member is not None else "not_found"] += 1
        if member is None:
            return _not_found()
        return StreamingResponse(
            _counted(member.chunks(), state),
            media_type=media_type_for(rest),
            headers={"Content-Length": str(member.size)},
        )

    # The JobID is read like any other (a path convertor's int() fails on 5,000 digits).
    return Route(f"{prefix}/tprods/USERPROD_{{job_id}}/{{rest:path}}", download, methods=["GET"])
