"""Streaming, atomic, verified archive downloads.

An archive is streamed chunk by chunk into a hidden temporary file in the destination directory (memory
stays flat whatever the archive size), checked to open as the archive it claims to be, and only then renamed
to its final name. On any failure or cancellation the temporary file is removed, so a file under the final
name is always complete. The file gets the permissions a plain ``open()`` would give (the umask applies).
"""

from __future__ import annotations

import contextlib
import os
import tarfile
import zipfile
from pathlib import Path

import anyio

from xrt_prods_async._errors import DownloadError, TransportError, XRTError
from xrt_prods_async.http._session import Session
from xrt_prods_async.wire._endpoints import ARCHIVE_FORMATS

from ._tempfs import create_temp_file

__all__ = ["archive_filename", "check_format", "fetch_archive", "verify_archive"]

_CHUNK = 256 * 1024


def check_format(fmt: str) -> str:
    """The archive format, checked: one of ``tar.gz``, ``tar``, ``zip`` (a leading dot is tolerated)."""
    clean = fmt.lstrip(".").lower() if isinstance(fmt, str) else fmt
    if clean not in ARCHIVE_FORMATS:
        raise ValueError(
            f"format {fmt!r} is not offered by the service; use one of {', '.join(ARCHIVE_FORMATS)}"
        )
    return str(clean)


def archive_filename(stem: str, what: str, fmt: str) -> str:
    """The local file name of an archive, as swifttools names it: ``{stem}{what}.{format}``."""
    if os.sep in stem or (os.altsep and os.altsep in stem) or stem in (".", ".."):
        raise ValueError(f"stem {stem!r} must be a plain file-name prefix, without directory separators")
    return f"{stem}{what}.{check_format(fmt)}"


def verify_archive(path: Path, fmt: str) -> None:
    """Check that ``path`` opens as a ``fmt`` archive and reads to the end; ``DownloadError`` if not."""
    try:
        if fmt == "zip":
            with zipfile.ZipFile(path) as archive:
                bad = archive.testzip()
            if bad is not None:
                raise DownloadError(f"{path.name}: member {bad!r} is corrupt")
        else:
            with tarfile.open(path, "r:gz") if fmt == "tar.gz" else tarfile.open(path, "r:") as archive:
                for member in archive:
                    if member.isfile():
                        handle = archive.extractfile(member)
                        if handle is not None:
                            while handle.read(_CHUNK):
                                pass
    except DownloadError:
        raise
    except (tarfile.TarError, zipfile.BadZipFile, EOFError, OSError, ValueError) as exc:
        raise DownloadError(f"The downloaded file is not a complete {fmt} archive: {exc}") from exc


async def fetch_archive(session: Session, url: str, target: Path, *, fmt: str, overwrite: bool) -> Path:
    """Download ``url`` to ``target`` atomically: temp file in the same directory, verify, rename.

    Transient failures are retried per the session's retry policy (GET is idempotent), each try starting
    afresh. Raises ``DownloadError`` (naming the file and the ``overwrite=True`` fix) if ``target`` exists
    and ``overwrite`` is False, and ``DownloadError`` chained from the transport error if the download fails.
    """
    if not overwrite and await anyio.Path(target).exists():
        raise DownloadError(f"{target} already exists; pass overwrite=True to replace it")
    try:
        async for attempt in session.retrying_get():
            with attempt:
                await _fetch_once(session, url, target, fmt=fmt, overwrite=overwrite)
    except XRTError:
        raise
    except Exception as exc:
        error = Session.unwrap_failure(exc)
        if isinstance(error, TransportError):
            raise DownloadError(f"Could not download {url} to {target}: {error}") from error
        raise
    return target


async def _fetch_once(session: Session, url: str, target: Path, *, fmt: str, overwrite: bool) -> None:
    # Not tempfile.mkstemp: its 0600 would survive the rename; this gets the mode open() would give.
    temp = create_temp_file(target.parent, prefix=f".{target.name}.", suffix=".part")
    try:
        async with session.stream(url) as response, await anyio.open_file(temp, "wb") as out:
            async for chunk in response.aiter_bytes(_CHUNK):
                await out.write(chunk)
        await anyio.to_thread.run_sync(verify_archive, temp, fmt)
        if not overwrite and await anyio.Path(target).exists():
            raise DownloadError(f"{target} already exists; pass overwrite=True to replace it")
        await anyio.to_thread.run_sync(os.replace, temp, target)
    finally:
        # Synchronous on purpose: this must run even when the task is being cancelled.
        with contextlib.suppress(FileNotFoundError):
            os.unlink(temp)
