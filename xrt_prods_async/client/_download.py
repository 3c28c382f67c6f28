"""Streaming, atomic, verified downloads, each retried with a fresh request until a whole file arrives.

A file streams into a hidden temporary file next to its target; on the way, in pieces of about 1 MiB, a
worker thread writes each piece and checks it while the next arrives (``_verify``: the tar headers, the
inflated gzip stream, the zip members and central directory, the GIF blocks), so memory stays flat and no
second pass over the file is needed. At the end the length must match the reply's Content-Length and the
checker must have seen the whole file; only then is it renamed to its final name. On any failure or
cancellation the temporary file goes, so a file under the final name is always complete; it gets the
permissions a plain ``open()`` gives.

A try that fails with a reply cut short, a file that is not whole or not what it claims to be, an HTML page,
a connection failure or a transient HTTP status is repeated with a fresh request, with the backoff, jitter and
bounds (attempts, total time counted from the first try) of the client's ``RetryPolicy``. What cannot get
better by asking again is not repeated: another HTTP status (404), a URL the client refuses to contact
(``UnsafeURLError``, raised as itself), an existing file without ``overwrite``, and the disk refusing to
write (``DownloadWriteError``).
"""

from __future__ import annotations

import contextlib
import os
from collections.abc import AsyncIterator, Iterable, Mapping
from dataclasses import dataclass
from pathlib import Path
from typing import TypeVar

import anyio
import anyio.to_thread
import httpx
from anyio.abc import TaskGroup

from xrt_prods_async._errors import (
    ConfigurationError,
    DownloadError,
    DownloadFailedError,
    DownloadWriteError,
    TransportError,
    UnsafeURLError,
    XRTError,
)
from xrt_prods_async._products import Product
from xrt_prods_async.http._session import Session
from xrt_prods_async.wire._endpoints import ARCHIVE_FORMATS
from xrt_prods_async.wire._envelope import html_title, is_html

from ._status import ProductStatus
from ._tempfs import create_temp_file
from ._verify import Checker, DamagedError, check_file, checker_for

__all__ = [
    "Downloads",
    "FileFetch",
    "archive_filename",
    "check_format",
    "fetch_file",
    "fetch_files",
    "make_folder",
    "target_exists",
    "verify_archive",
]

#: Bytes collected from the network before a worker thread writes and checks them in one go.
_BLOCK = 1 << 20
#: Network chunks collected at most before that (one ``writev`` takes them all).
_MAX_PARTS = 256
#: How much of the start of a reply is kept to recognise an HTML page in place of the file.
_HEAD = 1024

K = TypeVar("K")


def check_format(fmt: str) -> str:
    """The archive format, checked: one of ``tar.gz``, ``tar``, ``zip`` (a leading dot is tolerated)."""
    clean = fmt.lstrip(".").lower() if isinstance(fmt, str) else fmt
    if clean not in ARCHIVE_FORMATS:
        raise ConfigurationError(
            f"format {fmt!r} is not offered by the service; use one of {', '.join(ARCHIVE_FORMATS)}"
        )
    return str(clean)


def archive_filename(stem: str, what: str, fmt: str) -> str:
    """The local file name of an archive, as swifttools names it: ``{stem}{what}.{format}``."""
    if os.sep in stem or (os.altsep and os.altsep in stem) or stem in (".", ".."):
        raise ConfigurationError(
            f"stem {stem!r} must be a plain file-name prefix, without directory separators"
        )
    return f"{stem}{what}.{check_format(fmt)}"


def verify_archive(path: Path, fmt: str) -> None:
    """Check that ``path`` is a whole ``fmt`` archive, readable to the end; ``DownloadError`` if not.

    Downloads are checked this way as they arrive; this reads a file already on disk through the same checks.
    """
    try:
        check_file(Path(path), check_format(fmt))
    except DamagedError as exc:
        raise DownloadError(f"{path} is not a complete {fmt} archive: {exc}") from None
    except OSError as exc:
        raise DownloadError(f"{path} cannot be read: {exc}") from exc


@dataclass(frozen=True, slots=True)
class FileFetch:
    """One file to download: from ``url`` to ``target``; ``what`` names it in messages (``the light curve
    archive``); ``kind`` picks the checks (``tar.gz``, ``tar``, ``zip``, ``gif``, None: length only)."""

    url: str
    target: Path
    what: str
    kind: str | None


class Downloads(dict[Product, Path]):
    """The archives ``download`` saved, by product (a plain dict of paths to the caller).

    ``skipped`` holds the status of each product left out because it had not finished (``missing="skip"``),
    so ``if result.skipped:`` tells that the job was not done yet; it is empty otherwise.
    """

    def __init__(
        self, paths: Mapping[Product, Path], skipped: Mapping[Product, ProductStatus] | None = None
    ) -> None:
        super().__init__(paths)
        self.skipped: dict[Product, ProductStatus] = dict(skipped or {})

    def __repr__(self) -> str:
        skipped = ", ".join(p.short for p in self.skipped)
        return f"Downloads({dict.__repr__(self)}, skipped=[{skipped}])"


class _UnusableReplyError(Exception):
    """A reply that came over HTTP but does not hold the whole file (cut short, damaged, an HTML page)."""


def _html_instead(head: bytes) -> str | None:
    text = head.decode("latin-1")
    if not is_html(text):
        return None
    title = html_title(text)
    shown = f" ({title!r})" if title else ""
    return f"the service sent an HTML page{shown} instead of the file; it may be down for maintenance"


def _content_length(response: httpx.Response) -> int | None:
    value = response.headers.get("Content-Length")
    if value is None or response.headers.get("Content-Encoding", "identity") != "identity":
        return None
    try:
        return int(value)
    except ValueError:
        return None


def _write_all(fd: int, parts: list[bytes]) -> None:
    """Write every part to ``fd``, however many calls the kernel takes."""
    written = os.writev(fd, parts)
    total = sum(len(p) for p in parts)
    if written == total:
        return
    rest = memoryview(b"".join(parts))[written:]
    while rest:
        rest = rest[os.write(fd, rest) :]


class _Sink:
    """The temporary file being written and the checker of its bytes; ``store`` runs in a worker thread."""

    def __init__(self, fd: int, checker: Checker) -> None:
        self.fd = fd
        self.checker = checker

    def store(self, parts: list[bytes]) -> None:
        for part in parts:
            self.checker.feed(part)
        _write_all(self.fd, parts)


class _Writer:
    """Stores one block in a worker thread while the next one arrives (zlib, CRC and writes release the GIL).

    At most one block is being stored and one being received: memory stays at about two blocks. A failure
    of a store is raised by the next ``push`` or by ``drain``, in the receiving task.
    """

    def __init__(self, sink: _Sink, group: TaskGroup) -> None:
        self._sink = sink
        self._group = group
        self._idle = anyio.Event()
        self._idle.set()
        self._error: Exception | None = None

    async def push(self, parts: list[bytes]) -> None:
        await self.drain()
        self._idle = anyio.Event()
        self._group.start_soon(self._store, parts, self._idle)

    async def _store(self, parts: list[bytes], idle: anyio.Event) -> None:
        try:
            await anyio.to_thread.run_sync(self._sink.store, parts)
        except Exception as exc:  # handed to the receiving task, which decides
            self._error = exc
        finally:
            idle.set()

    async def drain(self) -> None:
        """Wait until the block being stored is stored; raise what storing it raised."""
        await self._idle.wait()
        if self._error is not None:
            raise self._error


def _write_error(path: Path, exc: OSError, doing: str) -> DownloadWriteError:
    reason = exc.strerror or str(exc)
    return DownloadWriteError(f"Cannot {doing} {path}: {reason}", path=str(path), reason=reason)


async def target_exists(path: Path) -> bool:
    """Whether ``path`` exists (``DownloadWriteError`` if that cannot even be told)."""
    try:
        return await anyio.Path(path).exists()
    except OSError as exc:
        raise _write_error(path, exc, "look for") from exc


async def make_folder(folder: Path) -> None:
    """Create ``folder`` (and its parents) if missing; ``DownloadWriteError`` if the disk refuses."""
    try:
        await anyio.Path(folder).mkdir(parents=True, exist_ok=True)
    except OSError as exc:
        raise _write_error(folder, exc, "create the folder") from exc


def _exists_error(target: Path) -> DownloadError:
    return DownloadError(f"{target} already exists; pass overwrite=True to replace it")


def _install(temp: Path, target: Path, *, overwrite: bool) -> None:
    """Give the finished temporary file its final name; without ``overwrite``, never replace a file."""
    if overwrite:
        os.replace(temp, target)
        return
    try:
        os.link(temp, target)  # fails if the name exists, however recently it appeared
    except FileExistsError:
        raise _exists_error(target) from None
    except OSError:  # no hard links here (some file systems): check, then rename
        if target.exists():
            raise _exists_error(target) from None
        os.replace(temp, target)


@contextlib.asynccontextmanager
async def _one_error() -> AsyncIterator[None]:
    """Let the one error of a task group through as itself (the group's other task never raises)."""
    try:
        yield
    except BaseExceptionGroup as group:
        if len(group.exceptions) != 1:
            raise
        error = group.exceptions[0]
        raise error from error.__cause__


async def _attempt(session: Session, fetch: FileFetch, *, overwrite: bool) -> None:
    """One try: a fresh GET streamed into a new temporary file, checked, then renamed; always cleaned up."""
    target = fetch.target
    try:
        # Not tempfile.mkstemp: its 0600 would survive the rename; this gets the mode open() would give.
        temp = create_temp_file(target.parent, prefix=f".{target.name}.", suffix=".part")
    except OSError as exc:
        raise _write_error(target.parent, exc, "write a file in") from exc
    fd = -1
    head = b""
    try:
        fd = os.open(temp, os.O_WRONLY | getattr(os, "O_BINARY", 0))
        sink = _Sink(fd, checker_for(fetch.kind))
        try:
            async with _one_error(), anyio.create_task_group() as group:
                writer = _Writer(sink, group)
                async with session.stream(fetch.url) as response:
                    expected = _content_length(response)
                    parts: list[bytes] = []
                    size = 0
                    async for chunk in response.aiter_bytes():
                        if len(head) < _HEAD:
                            head += chunk[: _HEAD - len(head)]
                        parts.append(chunk)
                        size += len(chunk)
                        if size >= _BLOCK or len(parts) >= _MAX_PARTS:
                            await writer.push(parts)
                            parts, size = [], 0
                    if parts:
                        await writer.push(parts)
                    await writer.drain()
                    received = response.num_bytes_downloaded
            if expected is not None and received != expected:
                raise _UnusableReplyError(
                    f"the reply was cut short: {received} of the {expected} bytes announced"
                )
            sink.checker.finish()
        except DamagedError as exc:
            raise _UnusableReplyError(_html_instead(head) or str(exc)) from None
        if fetch.kind is None and not fetch.url.lower().endswith((".html", ".htm")):
            html = _html_instead(head)
            if html is not None:
                raise _UnusableReplyError(html)
        fd, written = -1, fd
        os.close(written)
        await anyio.to_thread.run_sync(lambda: _install(temp, target, overwrite=overwrite))
    except OSError as exc:
        raise _write_error(target, exc, "write") from exc
    finally:
        # Synchronous on purpose: this must run even when the task is being cancelled.
        if fd >= 0:
            with contextlib.suppress(OSError):
                os.close(fd)
        with contextlib.suppress(OSError):
            os.unlink(temp)


async def fetch_file(session: Session, fetch: FileFetch, *, overwrite: bool) -> Path:
    """Download ``fetch.url`` to ``fetch.target``, checked and atomic, retried as the module says.

    Raises ``DownloadError`` if the target exists and ``overwrite`` is False, ``DownloadFailedError`` when no
    try gave a whole file, ``DownloadWriteError`` when the disk refuses, ``UnsafeURLError`` for a URL the
    client will not contact.
    """
    if not overwrite and await target_exists(fetch.target):
        raise _exists_error(fetch.target)
    attempts = 0
    cause: BaseException | None
    try:
        async for attempt in session.retrying_get(also_on=(_UnusableReplyError,)):
            with attempt:
                attempts += 1
                await _attempt(session, fetch, overwrite=overwrite)
        return fetch.target
    except _UnusableReplyError as exc:
        reason, cause = str(exc), None
    except XRTError:
        raise
    except Exception as exc:
        error = Session.unwrap_failure(exc)
        if not isinstance(error, TransportError):
            raise
        reason, cause = str(error), error
    tries = f"{attempts} attempt{'s' if attempts != 1 else ''}"
    raise DownloadFailedError(
        f"Could not download {fetch.what} from {fetch.url} to {fetch.target} after {tries}: {reason}",
        what=fetch.what,
        url=fetch.url,
        path=str(fetch.target),
        attempts=attempts,
        reason=reason,
    ) from cause


async def fetch_files(
    session: Session, plan: Mapping[K, FileFetch], *, overwrite: bool, limit: int
) -> dict[K, Path]:
    """Download every planned file, at most ``limit`` at once; return their paths in the plan's order.

    The files that arrive are kept even if others fail. One failure is raised as itself; several as one
    ``DownloadError`` listing each, except that a refused URL (``UnsafeURLError``) is always raised as itself.
    """
    limiter = anyio.CapacityLimiter(limit)
    done: dict[K, Path] = {}
    errors: dict[K, XRTError] = {}

    async def one(key: K, fetch: FileFetch) -> None:
        async with limiter:
            try:
                done[key] = await fetch_file(session, fetch, overwrite=overwrite)
            except XRTError as exc:
                errors[key] = exc

    async with anyio.create_task_group() as group:
        for key, fetch in plan.items():
            group.start_soon(one, key, fetch)
    if errors:
        _raise_failures(errors.values(), [plan[key].what for key in errors], len(plan))
    return {key: done[key] for key in plan}


def _raise_failures(errors: Iterable[XRTError], whats: list[str], planned: int) -> None:
    failures = list(errors)
    refused = next((e for e in failures if isinstance(e, UnsafeURLError)), None)
    if refused is not None:
        raise refused
    if len(failures) == 1:
        raise failures[0]
    detail = "; ".join(f"{what}: {error}" for what, error in zip(whats, failures, strict=True))
    raise DownloadError(f"{len(failures)} of {planned} downloads failed: {detail}") from failures[0]
