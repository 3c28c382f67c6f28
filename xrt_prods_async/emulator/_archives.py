"""Streamed product archives: tar, tar.gz and zip written chunk by chunk, never whole in memory.

The server answers ``GET {URL}/{what}.{format}`` with :func:`stream_archive` over the job's files. Every
member produces its bytes lazily, and the writers hand on output as soon as about 64 KiB has collected, so
memory stays flat whatever the archive's size (the padding of download benchmarks can be gigabytes).

* tar: headers come from :class:`tarfile.TarInfo` (PAX format), data and padding are passed straight through,
  and the end-of-archive blocks and record padding match what :mod:`tarfile` writes.
* tar.gz: the same tar stream through a single gzip member. Members marked incompressible (padding) are
  written as deflate *stored* blocks after a full flush, so gigabytes of random padding cost a CRC, not a
  compressor; everything else is deflated at level 6.
* zip: :class:`zipfile.ZipFile` writing to an unseekable sink (so it uses data descriptors), members opened
  with ``ZipFile.open(name, "w")`` and fed chunk by chunk; incompressible members are stored.
"""

from __future__ import annotations

import random
import struct
import tarfile
import time
import zipfile
import zlib
from collections.abc import Callable, Iterable, Iterator
from dataclasses import dataclass, replace

#: Largest chunk a member should produce, and the size the writers collect output up to before yielding.
CHUNK_SIZE = 64 * 1024

#: Archive formats :func:`stream_archive` writes.
FORMATS: tuple[str, ...] = ("tar", "tar.gz", "zip")

_MEDIA_TYPES = {"tar": "application/x-tar", "tar.gz": "application/gzip", "zip": "application/zip"}
_DEFLATE_LEVEL = 6
_PADDING_POOL = 1 << 20  # random bytes a padding member cycles through (> deflate's 32 KiB window)


@dataclass(frozen=True, slots=True)
class ArchiveMember:
    """One file (or, when ``path`` ends in ``/``, a directory) of an archive.

    ``chunks`` is called once per archive written and must produce exactly ``size`` bytes, in chunks of at
    most :data:`CHUNK_SIZE`. ``compressible`` False marks data not worth deflating (random padding).
    """

    path: str
    size: int
    chunks: Callable[[], Iterator[bytes]]
    compressible: bool = True

    def __post_init__(self) -> None:
        parts = self.path.rstrip("/").split("/")
        if (
            not self.path
            or self.path.startswith("/")
            or "\\" in self.path
            or any(p in ("", ".", "..") for p in parts)
        ):
            raise ValueError(
                f"archive member path {self.path!r} must be relative, '/'-separated, without '..'"
            )
        if self.size < 0:
            raise ValueError(f"archive member {self.path!r}: size must be >= 0, got {self.size}")
        if self.is_dir and self.size:
            raise ValueError(f"archive member {self.path!r}: a directory must have size 0")

    @property
    def is_dir(self) -> bool:
        """True for a directory entry (path ending in ``/``)."""
        return self.path.endswith("/")


def _no_chunks() -> Iterator[bytes]:
    return iter(())


def member_from_bytes(path: str, data: bytes, *, compressible: bool = True) -> ArchiveMember:
    """A member holding ``data`` (already in memory: small files)."""

    def chunks() -> Iterator[bytes]:
        for start in range(0, len(data), CHUNK_SIZE):
            yield data[start : start + CHUNK_SIZE]

    return ArchiveMember(path, len(data), chunks, compressible)


def member_from_text(path: str, text: str) -> ArchiveMember:
    """A member holding ``text`` encoded as UTF-8."""
    return member_from_bytes(path, text.encode("utf-8"))


def directory_member(path: str) -> ArchiveMember:
    """An explicit directory entry (``path`` gets a trailing ``/``); useful for an otherwise empty folder."""
    return ArchiveMember(path.rstrip("/") + "/", 0, _no_chunks)


def with_prefix(members: Iterable[ArchiveMember], prefix: str) -> Iterator[ArchiveMember]:
    """The same members below folder ``prefix`` (e.g. ``"USERPROD_1001/lc"``), lazily."""
    prefix = prefix.strip("/")
    for member in members:
        yield replace(member, path=f"{prefix}/{member.path}" if prefix else member.path)


def padding_member(path: str, size: int, seed: int) -> ArchiveMember:
    """``size`` deterministic, incompressible-ish bytes produced lazily (download benchmarks).

    The bytes cycle through a 1 MiB random pool drawn from ``seed``: longer than deflate's 32 KiB window, so
    no deflate-based format can shrink them, and cheap enough to produce at memory speed.
    """

    def chunks() -> Iterator[bytes]:
        pool = random.Random(seed).randbytes(min(_PADDING_POOL, size))
        done = 0
        while done < size:
            start = done % len(pool)
            n = min(CHUNK_SIZE, size - done, len(pool) - start)
            yield pool[start : start + n]
            done += n

    return ArchiveMember(path, size, chunks, compressible=False)


def archive_media_type(fmt: str) -> str:
    """The Content-Type to serve an archive of format ``fmt`` with."""
    _check_format(fmt)
    return _MEDIA_TYPES[fmt]


def _check_format(fmt: str) -> None:
    if fmt not in FORMATS:
        raise ValueError(f"archive format {fmt!r} is not supported; use one of {', '.join(FORMATS)}")


def stream_archive(
    members: Iterable[ArchiveMember], fmt: str, *, mtime: float | None = None
) -> Iterator[bytes]:
    """Write ``members`` as a ``fmt`` archive (``tar``, ``tar.gz`` or ``zip``), yielding it chunk by chunk.

    Parent directories get their own entries the first time a path below them appears, as ``tar`` would
    record them. ``mtime`` (Unix seconds) stamps every entry; default now. A member whose ``chunks`` produce
    a different number of bytes than its ``size`` raises ``ValueError`` (the archive would be corrupt).
    """
    _check_format(fmt)
    stamp = int(time.time() if mtime is None else mtime)
    entries = _with_directories(members)
    if fmt == "zip":
        return _stream_zip(entries, stamp)
    return _stream_tar(entries, stamp, gzip=fmt == "tar.gz")


def _with_directories(members: Iterable[ArchiveMember]) -> Iterator[ArchiveMember]:
    """Insert an entry for each parent directory before the first member below it."""
    seen: set[str] = set()
    for member in members:
        parts = member.path.rstrip("/").split("/")
        for depth in range(1, len(parts)):
            folder = "/".join(parts[:depth]) + "/"
            if folder not in seen:
                seen.add(folder)
                yield directory_member(folder)
        if member.is_dir:
            if member.path in seen:
                continue
            seen.add(member.path)
        yield member


def _checked_chunks(member: ArchiveMember) -> Iterator[bytes]:
    """The member's chunks, raising if they do not add up to its declared size."""
    produced = 0
    for chunk in member.chunks():
        produced += len(chunk)
        if produced > member.size:
            break
        if chunk:
            yield chunk
    if produced != member.size:
        raise ValueError(
            f"archive member {member.path!r} declared {member.size} bytes but produced {produced} or more"
        )


class _Collector:
    """Joins small pieces of output into chunks of about :data:`CHUNK_SIZE` before they are yielded."""

    def __init__(self) -> None:
        self._parts: list[bytes] = []
        self._size = 0

    def write(self, data: bytes) -> int:
        if data:
            self._parts.append(bytes(data))
            self._size += len(data)
        return len(data)

    def flush(self) -> None:
        """Nothing to do: present because writers such as :mod:`zipfile` call it."""

    def close(self) -> None:
        """Nothing to do: the output is taken with :meth:`take`."""

    def ready(self) -> bool:
        return self._size >= CHUNK_SIZE

    def take(self) -> bytes:
        data = b"".join(self._parts)
        self._parts.clear()
        self._size = 0
        return data


class _GzipStream:
    """One gzip member whose deflate stream mixes compressed data with stored (verbatim) blocks."""

    def __init__(self, mtime: int) -> None:
        self._deflate = zlib.compressobj(_DEFLATE_LEVEL, zlib.DEFLATED, -zlib.MAX_WBITS)
        self._crc = 0
        self._size = 0
        self._pending = False  # compressed data the deflater may still hold or reference
        # magic, deflate, no flags, mtime, no extra flags, OS unknown
        self._header = b"\x1f\x8b\x08\x00" + struct.pack("<I", mtime & 0xFFFFFFFF) + b"\x00\xff"

    def header(self) -> bytes:
        return self._header

    def compress(self, data: bytes) -> bytes:
        self._crc = zlib.crc32(data, self._crc)
        self._size += len(data)
        self._pending = True
        return self._deflate.compress(data)

    def store(self, data: bytes) -> bytes:
        """``data`` as stored blocks, after a full flush so the deflater never refers across them."""
        out = [self._deflate.flush(zlib.Z_FULL_FLUSH)] if self._pending else []
        self._pending = False
        self._crc = zlib.crc32(data, self._crc)
        self._size += len(data)
        view = memoryview(data)
        for start in range(0, len(data), 0xFFFF):
            block = view[start : start + 0xFFFF]
            out.append(struct.pack("<BHH", 0, len(block), len(block) ^ 0xFFFF))
            out.append(bytes(block))
        return b"".join(out)

    def finish(self) -> bytes:
        return self._deflate.flush(zlib.Z_FINISH) + struct.pack("<II", self._crc, self._size & 0xFFFFFFFF)


def _tar_pieces(entries: Iterable[ArchiveMember], mtime: int) -> Iterator[tuple[bytes, bool]]:
    """The tar stream as ``(bytes, compressible)`` pieces."""
    written = 0
    for member in entries:
        info = tarfile.TarInfo(member.path.rstrip("/"))
        info.mtime = mtime
        info.uname = info.gname = "swift"
        if member.is_dir:
            info.type = tarfile.DIRTYPE
            info.mode = 0o755
        else:
            info.size = member.size
            info.mode = 0o644
        header = info.tobuf(tarfile.PAX_FORMAT, "utf-8", "surrogateescape")
        written += len(header)
        yield header, True
        if member.is_dir:
            continue
        for chunk in _checked_chunks(member):
            yield chunk, member.compressible
        pad = -member.size % tarfile.BLOCKSIZE
        written += member.size + pad
        yield b"\0" * pad, True
    # End of archive: two zero blocks, then zeros up to a whole record, as tarfile does.
    end = 2 * tarfile.BLOCKSIZE
    end += -(written + end) % tarfile.RECORDSIZE
    yield b"\0" * end, True


def _stream_tar(entries: Iterable[ArchiveMember], mtime: int, *, gzip: bool) -> Iterator[bytes]:
    out = _Collector()
    gz = _GzipStream(mtime) if gzip else None
    if gz is not None:
        out.write(gz.header())
    for data, compressible in _tar_pieces(entries, mtime):
        if gz is None:
            out.write(data)
        elif compressible:
            out.write(gz.compress(data))
        else:
            out.write(gz.store(data))
        if out.ready():
            yield out.take()
    if gz is not None:
        out.write(gz.finish())
    tail = out.take()
    if tail:
        yield tail


def _zip_date(mtime: int) -> tuple[int, int, int, int, int, int]:
    stamp = time.gmtime(max(mtime, 315532800))  # zip dates start in 1980
    return (stamp.tm_year, stamp.tm_mon, stamp.tm_mday, stamp.tm_hour, stamp.tm_min, stamp.tm_sec)


def _stream_zip(entries: Iterable[ArchiveMember], mtime: int) -> Iterator[bytes]:
    out = _Collector()
    date = _zip_date(mtime)
    with zipfile.ZipFile(out, "w", allowZip64=True) as archive:
        for member in entries:
            info = zipfile.ZipInfo(member.path, date_time=date)
            if member.is_dir:
                info.external_attr = (0o40755 << 16) | 0x10
                info.CRC = info.compress_size = info.file_size = 0
                archive.mkdir(info)
            else:
                info.external_attr = 0o100644 << 16
                info.file_size = member.size
                if member.compressible:
                    info.compress_type = zipfile.ZIP_DEFLATED  # zlib's default level, 6
                else:
                    info.compress_type = zipfile.ZIP_STORED
                with archive.open(info, "w", force_zip64=member.size > zipfile.ZIP64_LIMIT) as sink:
                    for chunk in _checked_chunks(member):
                        sink.write(chunk)
                        if out.ready():
                            yield out.take()
            if out.ready():
                yield out.take()
    tail = out.take()
    if tail:
        yield tail
