"""Checking a download as its bytes arrive: whole, and readable as what it claims to be, in one pass.

A checker is fed the file's bytes in order (``feed``) and told when they end (``finish``); it raises
``DamagedError`` with the reason as soon as the bytes cannot be the file, or at the end if the file stops
short.
Memory stays bounded whatever the file's size: member data are passed through (CRC-checked where the format
records a CRC) and never kept.

* tar: every 512-byte header must carry a valid checksum, member data must be there in full, and the archive
  must end with its two zero blocks, as ``tarfile`` and GNU tar write it.
* tar.gz: the gzip stream is inflated as it comes (output in bounded pieces), its CRC-32 and length trailer
  checked by zlib, and what it inflates to is walked as a tar; concatenated gzip members are allowed.
* zip: local headers are walked and each member's data CRC-checked (stored and deflated ones, a deflated
  member written with a data descriptor included); the central directory at the end must list the same
  members, end the file exactly and start where its end record says, which proves no byte missing or
  added. A stored member written with a data descriptor (as a streaming writer makes them) has no length
  to walk by: from there only the last bytes are kept, and the central directory checks the rest.
* GIF: header, screen descriptor, colour tables, blocks and sub-blocks, up to the trailer.
* Anything else: only the checks of the transport (length, not an HTML page) apply.

The parsers are generators that ask for bytes (``_Need``: collect n bytes and send them; ``_Pass``: let n
bytes through, to an optional sink; ``_Scan``: let bytes through until a scanner finds its end; ``_Tail``:
keep the last bytes up to the end); ``_Driver`` feeds them the stream in whatever pieces it arrives.
"""

from __future__ import annotations

import struct
import tarfile
import zlib
from collections import deque
from collections.abc import Callable, Generator
from dataclasses import dataclass, field
from pathlib import Path
from typing import Protocol

__all__ = ["Checker", "DamagedError", "check_file", "checker_for", "kind_of"]

#: Largest piece zlib may inflate to at once (bounds memory against highly compressed data).
_INFLATE_PIECE = 1 << 20
#: Largest pax extended header kept to read a member's size from (real ones are a few hundred bytes).
_MAX_PAX = 1 << 20
#: Largest zip central directory held to be checked, once it begins (100,000 members take about 10 MB).
_MAX_CENTRAL = 64 << 20
#: The last bytes of a zip kept when its members cannot all be walked, for its central directory: enough
#: for about 40,000 members (product archives have hundreds); always held, so it is kept small.
_MAX_TAIL = 4 << 20
#: How much of a file ``check_file`` reads at once.
_READ = 1 << 20

_ZERO_BLOCK = bytes(tarfile.BLOCKSIZE)
_PAX_TYPES = (tarfile.XHDTYPE, tarfile.SOLARIS_XHDTYPE)
#: Types whose header's size counts data that follows (tarfile skips data of these only).
_META_TYPES = (*_PAX_TYPES, tarfile.XGLTYPE, tarfile.GNUTYPE_LONGNAME, tarfile.GNUTYPE_LONGLINK)
_NO_DATA_TYPES = frozenset(tarfile.SUPPORTED_TYPES) - frozenset(
    (*tarfile.REGULAR_TYPES, *_META_TYPES, tarfile.GNUTYPE_SPARSE)
)

_ZIP_LOCAL = b"PK\x03\x04"
_ZIP_CENTRAL = b"PK\x01\x02"
_ZIP_END = b"PK\x05\x06"
_ZIP64_END = b"PK\x06\x06"
_ZIP64_LOCATOR = b"PK\x06\x07"
_ZIP_DESCRIPTOR = b"PK\x07\x08"
_STORED, _DEFLATED = 0, 8


class DamagedError(Exception):
    """The bytes are not a whole, readable file of the kind expected; the message says why."""


class Checker(Protocol):
    """Fed a file's bytes in order; ``DamagedError`` as soon as they cannot be the file, or at ``finish``."""

    def feed(self, data: bytes) -> None: ...

    def finish(self) -> None: ...


# --- the generator protocol ---------------------------------------------------------------------------


@dataclass(slots=True)
class _Need:
    """Collect ``n`` bytes and send them to the parser."""

    n: int
    what: str


@dataclass(slots=True)
class _Pass:
    """Let ``n`` bytes through (to ``sink`` if given); the parser gets ``b""`` after."""

    n: int
    what: str
    sink: Callable[[memoryview], None] | None = None


@dataclass(slots=True)
class _Scan:
    """Let bytes through ``scanner`` until it returns how many of the last piece it used (its end found)."""

    scanner: Callable[[memoryview], int | None]
    what: str


@dataclass(slots=True)
class _Tail:
    """Keep the last ``limit`` bytes of the stream (or more) and send them at its end."""

    limit: int
    what: str


_Request = _Need | _Pass | _Scan | _Tail
_Parser = Generator[_Request, bytes, None]


@dataclass(slots=True)
class _Cursor:
    """Bytes the driver has handed the parser so far (the parser reads it to know where it is)."""

    offset: int = 0


class _Driver:
    """Runs a parser generator over a stream that arrives in arbitrary pieces."""

    def __init__(self, make: Callable[[_Cursor], _Parser], label: str) -> None:
        self.cursor = _Cursor()
        self.label = label
        self.done = False
        self._buffer = bytearray()
        self._tail: deque[memoryview] = deque()
        self._tail_size = 0
        self._parser = make(self.cursor)
        self._request: _Request = next(self._parser)

    def _advance(self, value: bytes) -> None:
        try:
            self._request = self._parser.send(value)
        except StopIteration:
            self.done = True

    def feed(self, data: bytes | memoryview) -> None:
        view = memoryview(data)
        pos, end = 0, len(view)
        while pos < end and not self.done:
            request = self._request
            if isinstance(request, _Need):
                take = min(request.n - len(self._buffer), end - pos)
                if not self._buffer and take == request.n:
                    value = bytes(view[pos : pos + take])
                else:
                    self._buffer += view[pos : pos + take]
                    value = bytes(self._buffer) if len(self._buffer) == request.n else b""
                pos += take
                self.cursor.offset += take
                if len(value) == request.n:
                    self._buffer.clear()
                    self._advance(value)
            elif isinstance(request, _Pass):
                take = min(request.n, end - pos)
                if request.sink is not None:
                    request.sink(view[pos : pos + take])
                request.n -= take
                pos += take
                self.cursor.offset += take
                if request.n == 0:
                    self._advance(b"")
            elif isinstance(request, _Scan):
                used = request.scanner(view[pos:])
                taken = end - pos if used is None else used
                pos += taken
                self.cursor.offset += taken
                if used is not None:
                    self._advance(b"")
            else:  # keep references to the last pieces, dropping the oldest beyond the limit: no copies
                self._tail.append(view[pos:end])
                self._tail_size += end - pos
                while self._tail_size - len(self._tail[0]) >= request.limit:
                    self._tail_size -= len(self._tail.popleft())
                self.cursor.offset += end - pos
                pos = end

    def finish(self) -> None:
        if not self.done and isinstance(self._request, _Tail):
            tail = b"".join(self._tail)
            self._tail.clear()
            self._advance(tail)
        if self.done:
            return
        request = self._request
        if isinstance(request, _Need) and request.n == 0:  # pragma: no cover - parsers never ask for 0
            return
        where = f"inside {request.what}" if self.cursor.offset else "before any byte"
        raise DamagedError(
            f"the {self.label} ends early, {where}, after {self.cursor.offset} bytes (cut short?)"
        )


# --- tar ----------------------------------------------------------------------------------------------


def _pax_size(records: bytes) -> int | None:
    """The ``size`` keyword of a pax extended header (``"%d %s=%s\\n"`` records), if any."""
    pos = 0
    size: int | None = None
    while pos < len(records):
        space = records.find(b" ", pos)
        if space < 0:
            break
        try:
            length = int(records[pos:space])
        except ValueError:
            raise DamagedError("a pax extended header is malformed") from None
        if length <= 0 or pos + length > len(records):
            raise DamagedError("a pax extended header is malformed")
        keyword, _, value = records[space + 1 : pos + length - 1].partition(b"=")
        if keyword == b"size":
            try:
                size = int(value)
            except ValueError:
                raise DamagedError("a pax extended header gives a size that is not a number") from None
        pos += length
    return size


def _blocks(size: int) -> int:
    return -(-size // tarfile.BLOCKSIZE) * tarfile.BLOCKSIZE


def _tar_parser(cursor: _Cursor) -> _Parser:
    """Walk tar headers: valid checksums, data present in full, two zero blocks at the end."""
    zeros = 0
    size_override: int | None = None
    while True:
        block = yield _Need(tarfile.BLOCKSIZE, "a tar header")
        if block == _ZERO_BLOCK:
            zeros += 1
            if zeros == 2:
                return
            continue
        if zeros:
            raise DamagedError(
                f"a tar header follows a lone end-of-archive block at byte {cursor.offset - 1024}"
            )
        try:
            info = tarfile.TarInfo.frombuf(block, "utf-8", "surrogateescape")
        except tarfile.HeaderError as exc:
            raise DamagedError(f"the tar header at byte {cursor.offset - 512} is corrupt ({exc})") from None
        if info.type in _META_TYPES:
            size = info.size
            size_override = None
            if info.type in _PAX_TYPES and size <= _MAX_PAX:
                records = (yield _Need(size, "a pax extended header")) if size else b""
                size_override = _pax_size(records)
                padding = _blocks(size) - size
            else:
                padding = _blocks(size)
            if padding:
                yield _Pass(padding, "a tar extended header")
            continue
        size = info.size if size_override is None else size_override
        size_override = None
        if info.type in _NO_DATA_TYPES:
            continue
        if size:
            yield _Pass(_blocks(size), f"the data of tar member {info.name!r} ({size} bytes)")


# --- gzip ---------------------------------------------------------------------------------------------


class _Gzip:
    """A gzip stream (one or more members) inflated as it comes into an inner checker (the tar walk)."""

    label = "gzip stream"

    def __init__(self, inner: _Driver) -> None:
        self._inner = inner
        self._inflate = zlib.decompressobj(16 + zlib.MAX_WBITS)
        self._members = 0
        self._between = False  # a member ended; zero padding or another member may follow
        self._seen = 0

    def _inflate_into_inner(self, data: bytes | memoryview) -> bytes:
        """Inflate ``data`` in bounded pieces into the inner checker; return what follows the member's end."""
        inflate = self._inflate
        while True:
            try:
                out = inflate.decompress(data, _INFLATE_PIECE)
            except zlib.error as exc:
                raise DamagedError(f"the gzip stream is corrupt ({exc})") from None
            if out:
                self._inner.feed(out)
            data = inflate.unconsumed_tail
            if inflate.eof:
                return inflate.unused_data
            if not data and len(out) < _INFLATE_PIECE:
                return b""

    def feed(self, data: bytes) -> None:
        self._seen += len(data)
        while data:
            if self._between:
                data = data.lstrip(b"\0")  # gzip allows zero padding after a member, as gzip.GzipFile does
                if not data:
                    return
                self._between = False
                self._inflate = zlib.decompressobj(16 + zlib.MAX_WBITS)
            data = self._inflate_into_inner(data)
            if self._inflate.eof:
                self._members += 1
                self._between = True

    def finish(self) -> None:
        if not self._between:
            if self._seen == 0:
                raise DamagedError("the file is empty")
            raise DamagedError(f"the gzip stream ends early, after {self._seen} bytes (cut short?)")
        self._inner.finish()


# --- zip ----------------------------------------------------------------------------------------------


class _Crc:
    """CRC-32 and length of the bytes passed through it."""

    def __init__(self) -> None:
        self.crc = 0
        self.size = 0

    def __call__(self, piece: memoryview) -> None:
        self.crc = zlib.crc32(piece, self.crc)
        self.size += len(piece)


class _Inflater:
    """Raw deflate data inflated (in bounded pieces) to a CRC; as a scanner, stops at the stream's end."""

    def __init__(self, name: str) -> None:
        self.name = name
        self.inflate = zlib.decompressobj(-zlib.MAX_WBITS)
        self.out = _Crc()
        self.used = 0

    def _run(self, piece: memoryview) -> None:
        data: bytes | memoryview = piece
        while not self.inflate.eof:
            try:
                out = self.inflate.decompress(data, _INFLATE_PIECE)
            except zlib.error as exc:
                raise DamagedError(f"zip member {self.name!r} is corrupt ({exc})") from None
            self.out(memoryview(out))
            data = self.inflate.unconsumed_tail
            if not data and len(out) < _INFLATE_PIECE:
                break

    def __call__(self, piece: memoryview) -> None:
        """Sink for a member of known compressed size."""
        self.used += len(piece)
        self._run(piece)

    def scan(self, piece: memoryview) -> int | None:
        """Scanner for a member whose size comes after it (data descriptor)."""
        self._run(piece)
        if not self.inflate.eof:
            self.used += len(piece)
            return None
        used = len(piece) - len(self.inflate.unused_data) - len(self.inflate.unconsumed_tail)
        self.used += used
        return used


@dataclass(slots=True)
class _ZipEntry:
    name: bytes
    offset: int
    crc: int | None  # None: not checked (a compression method other than stored or deflated)


@dataclass(slots=True)
class _LocalHeader:
    flags: int
    method: int
    crc: int
    packed: int
    size: int
    name: bytes
    zip64: bool = field(default=False)


def _local_header(fixed: bytes, name: bytes, extra: bytes) -> _LocalHeader:
    _, flags, method, _, _, crc, packed, size, _, _ = struct.unpack("<HHHHHIIIHH", fixed)
    header = _LocalHeader(flags, method, crc, packed, size, name)
    pos = 0
    while pos + 4 <= len(extra):
        tag, length = struct.unpack_from("<HH", extra, pos)
        if tag == 1:  # zip64: original then compressed size, each present when the 32-bit field is full
            header.zip64 = True
            values = extra[pos + 4 : pos + 4 + length]
            at = 0
            if header.size == 0xFFFFFFFF and at + 8 <= len(values):
                (header.size,) = struct.unpack_from("<Q", values, at)
                at += 8
            if header.packed == 0xFFFFFFFF and at + 8 <= len(values):
                (header.packed,) = struct.unpack_from("<Q", values, at)
        pos += 4 + length
    return header


def _zip_parser(cursor: _Cursor) -> _Parser:
    """Walk a zip: local headers and data (CRC-checked), then the central directory must agree."""
    entries: list[_ZipEntry] = []
    while True:
        signature = yield _Need(4, "a zip header")
        start = cursor.offset - 4
        if signature != _ZIP_LOCAL:
            break
        fixed = yield _Need(26, "a zip local header")
        name_length, extra_length = struct.unpack_from("<HH", fixed, 22)
        name = (yield _Need(name_length, "a zip member name")) if name_length else b""
        extra = (yield _Need(extra_length, "a zip extra field")) if extra_length else b""
        header = _local_header(fixed, name, extra)
        label = name.decode("utf-8", "replace")
        what = f"the data of zip member {label!r}"
        if header.flags & 1:
            raise DamagedError(f"zip member {label!r} is encrypted and cannot be read")
        crc: int | None
        if header.flags & 8:  # sizes and CRC follow the data, in a data descriptor
            if header.method != _DEFLATED:  # nothing says where the data ends: the central directory will
                entries.append(_ZipEntry(name, start, None))
                tail = yield _Tail(_MAX_TAIL, "the rest of the zip archive")
                _check_central(tail, cursor.offset - len(tail), entries, walked=False)
                return
            inflater = _Inflater(label)
            yield _Scan(inflater.scan, what)
            first = yield _Need(4, "a zip data descriptor")
            if first == _ZIP_DESCRIPTOR:
                first = yield _Need(4, "a zip data descriptor")
            sizes = yield _Need(16 if header.zip64 else 8, "a zip data descriptor")
            (crc,) = struct.unpack("<I", first)
            packed, size = struct.unpack("<QQ" if header.zip64 else "<II", sizes)
            if (crc, packed, size) != (inflater.out.crc, inflater.used, inflater.out.size):
                raise DamagedError(f"zip member {label!r} does not match its data descriptor (CRC or size)")
        elif header.method in (_STORED, _DEFLATED):
            sink: _Crc | _Inflater = _Crc() if header.method == _STORED else _Inflater(label)
            if header.packed:
                yield _Pass(header.packed, what, sink)
            out = sink if isinstance(sink, _Crc) else sink.out
            whole = isinstance(sink, _Crc) or sink.inflate.eof or header.packed == 0
            if not whole or out.crc != header.crc or out.size != header.size:
                raise DamagedError(f"zip member {label!r} is corrupt (its CRC or size does not match)")
            crc = header.crc
        else:
            if header.packed:
                yield _Pass(header.packed, what)
            crc = None
        entries.append(_ZipEntry(name, start, crc))
    if signature not in (_ZIP_CENTRAL, _ZIP_END, _ZIP64_END):
        if start == 0:
            raise DamagedError("the file does not start like a zip archive")
        raise DamagedError(f"no zip header at byte {start}")
    tail = yield _Tail(_MAX_CENTRAL, "the zip central directory")
    if cursor.offset - len(tail) != start + 4:
        raise DamagedError(f"the zip central directory is larger than the {_MAX_CENTRAL} bytes checked")
    _check_central(signature + tail, start, entries, walked=True)


def _check_central(tail: bytes, at: int, entries: list[_ZipEntry], *, walked: bool) -> None:
    """The central directory and end records, in ``tail`` (the file's last bytes, from byte ``at``).

    They must end the file exactly and put the directory where it is, so no byte is missing or added; the
    directory must list ``entries`` first (name, place, CRC where known). ``walked``: every member was
    walked, so the directory starts at ``at`` and lists ``entries`` only; else it lists more members,
    after the last walked, in order, all before it.
    """
    end = _find_end(tail)
    count, size, offset = struct.unpack_from("<HII", tail, end + 10)
    records = end
    locator = end - 20
    if locator >= 0 and tail[locator : locator + 4] == _ZIP64_LOCATOR:
        (record_offset,) = struct.unpack_from("<Q", tail, locator + 8)
        records = record_offset - at
        if records < 0 or tail[records : records + 4] != _ZIP64_END:
            raise DamagedError("the zip64 end record is not where its locator says")
        count, size, offset = struct.unpack_from("<QQQ", tail, records + 32)
    begin = offset - at
    if begin < 0 or (walked and begin != 0):
        if not walked and offset + size == at + records:
            raise DamagedError(f"the zip central directory is larger than the {_MAX_TAIL} bytes checked")
        raise DamagedError(f"the zip central directory should start at byte {offset}, not {at + begin}")
    if begin + size != records:
        raise DamagedError("the zip central directory is not where its end record says (bytes missing?)")
    if count < len(entries) or (walked and count != len(entries)):
        raise DamagedError(
            f"the zip central directory lists {count} members, the archive holds {len(entries)}"
        )
    pos, last = begin, entries[-1].offset if entries else 0
    for index in range(count):
        if tail[pos : pos + 4] != _ZIP_CENTRAL or pos + 46 > records:
            raise DamagedError("the zip central directory is corrupt")
        crc, _, _, name_length, extra_length, comment_length = struct.unpack_from("<IIIHHH", tail, pos + 16)
        (local,) = struct.unpack_from("<I", tail, pos + 42)
        name = tail[pos + 46 : pos + 46 + name_length]
        if index < len(entries):
            entry = entries[index]
            if name != entry.name or (entry.crc is not None and crc != entry.crc):
                label = entry.name.decode("utf-8", "replace")
                raise DamagedError(f"the zip central directory does not match member {label!r}")
            if local not in (0xFFFFFFFF, entry.offset):
                raise DamagedError(f"the zip central directory puts member {name!r} at the wrong place")
        elif local != 0xFFFFFFFF:
            if not last < local < offset:
                raise DamagedError(f"the zip central directory puts member {name!r} at the wrong place")
            last = local
        pos += 46 + name_length + extra_length + comment_length
    if pos != records:
        raise DamagedError("the zip central directory's size does not match its entries")


def _find_end(tail: bytes) -> int:
    """Where the end-of-central-directory record starts: the one whose comment ends the file exactly."""
    search_to = len(tail)
    floor = max(0, len(tail) - 22 - 0xFFFF)
    while (found := tail.rfind(_ZIP_END, floor, search_to)) >= 0:
        if found + 22 <= len(tail):
            (comment,) = struct.unpack_from("<H", tail, found + 20)
            if found + 22 + comment == len(tail):
                return found
        search_to = found + 3
    raise DamagedError("the zip archive has no end record at its end (cut short?)")


# --- GIF ----------------------------------------------------------------------------------------------


def _sub_blocks(what: str) -> _Parser:
    while True:
        (length,) = yield _Need(1, what)
        if length == 0:
            return
        yield _Pass(length, what)


def _gif_parser(cursor: _Cursor) -> _Parser:
    """Walk a GIF: signature, screen descriptor, colour tables, extension and image blocks, the trailer."""
    head = yield _Need(13, "the GIF header")
    if head[:6] not in (b"GIF87a", b"GIF89a"):
        raise DamagedError("the file does not start like a GIF image")
    if head[10] & 0x80:
        yield _Pass(3 << ((head[10] & 7) + 1), "the GIF colour table")
    while True:
        (kind,) = yield _Need(1, "a GIF block")
        if kind == 0x3B:  # trailer
            return
        if kind == 0x21:  # extension: label, then sub-blocks
            yield _Need(1, "a GIF extension")
            yield from _sub_blocks("a GIF extension")
        elif kind == 0x2C:  # image: descriptor, local colour table, LZW code size, sub-blocks
            descriptor = yield _Need(9, "a GIF image descriptor")
            if descriptor[8] & 0x80:
                yield _Pass(3 << ((descriptor[8] & 7) + 1), "a GIF colour table")
            yield _Need(1, "GIF image data")
            yield from _sub_blocks("GIF image data")
        else:
            where = cursor.offset - 1
            raise DamagedError(f"the GIF image is corrupt (unknown block 0x{kind:02x} at byte {where})")


# --- choosing a checker -------------------------------------------------------------------------------


class _Anything:
    """Any file: nothing to check beyond what the transport checks (length, not an HTML page)."""

    def feed(self, data: bytes) -> None:
        """Nothing to check in the bytes themselves."""

    def finish(self) -> None:
        """Nothing to check at the end."""


#: File kinds with a checker, by the name ending that marks them.
_KINDS = {".tar.gz": "tar.gz", ".tgz": "tar.gz", ".tar": "tar", ".zip": "zip", ".gif": "gif"}


def kind_of(name: str) -> str | None:
    """The kind of file a name denotes (``tar.gz``, ``tar``, ``zip``, ``gif``), or None for any other."""
    lower = name.lower()
    return next((kind for suffix, kind in _KINDS.items() if lower.endswith(suffix)), None)


def checker_for(kind: str | None) -> Checker:
    """A fresh checker for one file of ``kind`` (``tar.gz``, ``tar``, ``zip``, ``gif`` or None: any)."""
    if kind == "tar.gz":
        return _Gzip(_Driver(_tar_parser, "tar stream inside the gzip stream"))
    if kind == "tar":
        return _Driver(_tar_parser, "tar archive")
    if kind == "zip":
        return _Driver(_zip_parser, "zip archive")
    if kind == "gif":
        return _Driver(_gif_parser, "GIF image")
    if kind is None:
        return _Anything()
    raise ValueError(f"no checker for files of kind {kind!r}")


def check_file(path: Path, kind: str | None) -> None:
    """Read ``path`` once through the checker of ``kind``: ``DamagedError`` unless whole and readable."""
    checker = checker_for(kind)
    with path.open("rb") as handle:
        while chunk := handle.read(_READ):
            checker.feed(chunk)
    checker.finish()
