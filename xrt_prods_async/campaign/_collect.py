"""Collecting a finished job: which archives to download and which data to retrieve, and saving them safely.

Each item is a :class:`Step` the scheduler runs and records in the ledger under an artifact kind
(``archive:lc``, ``position:psf``, ``data:light_curve``...), so a resumed campaign skips what is saved.
Everything is written to a temporary file and renamed when complete: a file under its final name is whole.
A step that fails is classified (:func:`classify`) so the scheduler knows whether to try it again, stop,
or record it as missing.
"""

from __future__ import annotations

import contextlib
import dataclasses
import enum
import errno
import json
import os
import re
from collections.abc import Awaitable, Callable, Collection, Iterator
from pathlib import Path
from typing import TYPE_CHECKING, Any

from xrt_prods_async._errors import LocalIOError, NotOwnerError, ServiceUnavailableError
from xrt_prods_async._products import Product
from xrt_prods_async.campaign._outage import is_service_failure
from xrt_prods_async.wire import StatusCode

if TYPE_CHECKING:  # pragma: no cover - typing only; the command line reads RETRIEVABLE without loading these
    from xrt_prods_async.campaign._store import Entry
    from xrt_prods_async.client import Job, XRTClient

#: Positions are kept in the ledger; every other retrieval goes to ``<choice>.json`` in the source's folder.
_IN_LEDGER = "positions"

#: What a campaign can retrieve as data for each finished job, beyond the archives: (the ``retrieve`` choice,
#: the product it comes from, the :class:`XRTClient` method that fetches it). The one statement of which
#: products each choice comes from: :data:`RETRIEVED_FROM` and :func:`collection_steps` read it.
RETRIEVALS: tuple[tuple[str, Product, str], ...] = (
    (_IN_LEDGER, Product.STANDARD_POS, "standard_position"),
    (_IN_LEDGER, Product.ENHANCED_POS, "enhanced_position"),
    (_IN_LEDGER, Product.ASTROM_POS, "astrometric_position"),
    ("light_curve", Product.LIGHT_CURVE, "light_curve"),
    ("spectral_fits", Product.SPECTRUM, "spectral_fits"),
    ("source_list", Product.SOURCE_DET, "source_list"),
)


def _by_choice() -> dict[str, tuple[Product, ...]]:
    found: dict[str, tuple[Product, ...]] = {}
    for choice, product, _ in RETRIEVALS:
        found[choice] = (*found.get(choice, ()), product)
    return found


#: Each ``retrieve`` choice and the products it comes from (a job without any of them retrieves nothing for
#: that choice).
RETRIEVED_FROM: dict[str, tuple[Product, ...]] = _by_choice()
RETRIEVABLE = frozenset(RETRIEVED_FROM)

_SAFE = re.compile(r"[^A-Za-z0-9._+-]+")


def safe_dirname(label: str) -> str:
    """A directory name for a source label: no separators, no leading dots, never empty."""
    cleaned = _SAFE.sub("_", label).strip("._") or "source"
    return cleaned[:120]


def remove_stale_temp_files(folder: Path) -> list[Path]:
    """Delete the temporary files (``.NAME.*.part``) a killed run left in a source's folder; return them.

    Downloads and data files are written to such a temporary file and renamed when complete, so a crash
    leaves only these behind, never a partial file under a final name. Called before an entry is collected,
    when no other collector can be writing to its folder.
    """
    if not folder.is_dir():
        return []
    stale = sorted(folder.glob(".*.part"))
    for path in stale:
        path.unlink(missing_ok=True)
    return stale


class Step:
    """One collection step; ``run`` returns (saved path or None, JSON detail or None)."""

    #: Whether the step asks the service anything (counted in the campaign's request tally).
    requests = True

    async def run(self) -> tuple[str | None, Any]:
        raise NotImplementedError


class Download(Step):
    """One product's archive, streamed to ``dest`` by the client (atomic, verified)."""

    def __init__(self, client: XRTClient, job: Job, product: Product, dest: Path, fmt: str) -> None:
        self.client, self.job, self.product, self.dest, self.fmt = client, job, product, dest, fmt

    async def run(self) -> tuple[str | None, Any]:
        paths = await self.client.download(
            self.job,
            self.dest,
            products=[self.product],
            format=self.fmt,
            overwrite=True,  # a file under the final name is always complete (the client renames last)
        )
        return str(paths[self.product]), None


class NotMade(Step):
    """A product the server did not make: nothing to download, recorded without asking the service."""

    requests = False

    async def run(self) -> tuple[str | None, Any]:
        return None, {"made": False}


class Retrieve(Step):
    """A data retrieval; positions are kept in the ledger, bigger data go to a JSON file."""

    def __init__(self, getter: Callable[[Job], Awaitable[Any]], job: Job, target: Path | None) -> None:
        self.getter, self.job, self.target = getter, job, target

    async def run(self) -> tuple[str | None, Any]:
        data = jsonable(await self.getter(self.job))
        if self.target is None:
            return None, data
        import anyio.to_thread

        await anyio.to_thread.run_sync(write_json_atomically, self.target, data)
        return str(self.target), None


def collection_steps(
    entry: Entry,
    job: Job,
    client: XRTClient,
    *,
    dest: Path,
    download: Collection[Product] | None,
    archive_format: str,
    retrieve: Collection[str],
) -> list[tuple[str, Step]]:
    """What to collect for a finished job, as (artifact kind, step) pairs, archives first.

    ``download`` names the products whose archives to fetch (``None``: all of the job's); ``retrieve`` the
    data (:data:`RETRIEVABLE`). Only products that completed are fetched; the others are recorded as not
    made, without a request.
    """
    complete = {p for p in job.products if entry.codes.get(p.short) == StatusCode.COMPLETE}
    wanted = job.products if download is None else download
    steps: list[tuple[str, Step]] = []
    for product in job.products:
        if product in wanted:
            kind = f"archive:{product.short}"
            made = product in complete
            steps.append((kind, Download(client, job, product, dest, archive_format) if made else NotMade()))
    for option, product, method in RETRIEVALS:
        if option in retrieve and product in complete:
            getter: Callable[[Job], Awaitable[Any]] = getattr(client, method)
            if option == _IN_LEDGER:
                steps.append((f"position:{product.short}", Retrieve(getter, job, None)))
            else:
                steps.append((f"data:{option}", Retrieve(getter, job, dest / f"{option}.json")))
    return steps


def jsonable(value: Any) -> Any:
    """Plain JSON data from a result object (pydantic model, dataclass or already plain)."""
    dump = getattr(value, "model_dump", None)
    if callable(dump):
        return dump(mode="json")
    if dataclasses.is_dataclass(value) and not isinstance(value, type):
        value = dataclasses.asdict(value)
    return json.loads(json.dumps(value, default=str))


def write_json_atomically(target: Path, data: Any) -> None:
    """Write ``data`` as JSON through a synced temporary file, so ``target`` is whole or absent."""
    target.parent.mkdir(parents=True, exist_ok=True)
    temp = target.with_name(f".{target.name}.{os.getpid()}.part")
    try:
        with temp.open("w", encoding="utf-8") as fh:
            json.dump(data, fh, indent=1, sort_keys=True)
            fh.flush()
            os.fsync(fh.fileno())
        temp.replace(target)
    finally:
        temp.unlink(missing_ok=True)


# -- what went wrong -----------------------------------------------------------------------------------------


class Trouble(enum.Enum):
    """Why a collection step failed, which decides what the scheduler does next."""

    #: The service gave no usable answer (after the client's retries): try again once it answers.
    SERVICE = "service"
    #: This machine could not write (disk full, read-only, permission denied): stop; resume once fixed.
    LOCAL = "local"
    #: The service no longer holds the job or the file (or the job is not this user's).
    GONE = "gone"
    #: What came back is not usable (an archive still not whole after the client's retries, bad data).
    BAD = "bad"


#: Errors of the local file system that no retry fixes. Permission errors count only with a file name:
#: a socket can meet EACCES/EPERM too (a firewall), and that is the network's trouble, not the disk's.
_DISK_ERRNOS = frozenset({errno.ENOSPC, errno.EROFS, getattr(errno, "EDQUOT", errno.ENOSPC)})
_PERMISSION_ERRNOS = frozenset({errno.EACCES, errno.EPERM})


def _chain(exc: BaseException) -> Iterator[BaseException]:
    """``exc`` and the exceptions behind it (``raise ... from``, or raised while handling)."""
    seen: set[int] = set()
    link: BaseException | None = exc
    while link is not None and id(link) not in seen:
        seen.add(id(link))
        yield link
        link = link.__cause__ or (None if link.__suppress_context__ else link.__context__)


def local_write_failure(exc: BaseException) -> OSError | None:
    """The file-system error behind ``exc`` that stops any further writing, if there is one."""
    for link in _chain(exc):
        if isinstance(link, OSError) and (
            link.errno in _DISK_ERRNOS or (link.errno in _PERMISSION_ERRNOS and link.filename is not None)
        ):
            return link
    return None


def service_failure(exc: BaseException) -> BaseException | None:
    """The failure of the service behind ``exc`` (a download error wraps the transport error), if any."""
    return next((link for link in _chain(exc) if is_service_failure(link)), None)


def classify(exc: BaseException) -> Trouble:
    """What kind of failure ``exc`` (raised by a collection step) is."""
    if local_write_failure(exc) is not None:
        return Trouble.LOCAL
    chain = list(_chain(exc))
    for link in chain:
        if isinstance(link, NotOwnerError):
            return Trouble.GONE
        if isinstance(link, ServiceUnavailableError) and link.status_code in (404, 410):
            return Trouble.GONE
    if service_failure(exc) is not None:
        return Trouble.SERVICE
    return Trouble.BAD


def check_writable(folder: Path, *, what: str) -> None:
    """Make ``folder`` if needed and write (then delete) a file in it; :class:`LocalIOError` if refused.

    Done before a campaign submits anything, so a read-only or full output folder is found before any job
    is made whose results could not be saved.
    """
    probe = folder / f".xrt-write-check.{os.getpid()}.part"
    try:
        folder.mkdir(parents=True, exist_ok=True)
        with probe.open("wb") as fh:
            fh.write(b"x")
            fh.flush()
            os.fsync(fh.fileno())
    except OSError as exc:
        reason = exc.strerror or str(exc)
        message = f"cannot write to the {what} {folder}: {reason}"
        raise LocalIOError(message, path=str(folder), reason=reason) from exc
    finally:
        with contextlib.suppress(OSError):
            probe.unlink(missing_ok=True)
