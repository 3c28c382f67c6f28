"""The checks a download goes through as its bytes arrive: whole archives and images pass in any chunking;
cut-short, damaged or foreign ones fail, each with a reason."""

from __future__ import annotations

import gzip
import io
import random
import struct
import tarfile
import zipfile
from pathlib import Path

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from tests.support.client import archive_bytes
from xrt_prods_async._errors import DownloadError
from xrt_prods_async.client import _verify as verify_module
from xrt_prods_async.client import verify_archive
from xrt_prods_async.client._verify import DamagedError, checker_for, kind_of
from xrt_prods_async.emulator._archives import (
    member_from_bytes,
    member_from_text,
    padding_member,
    stream_archive,
)
from xrt_prods_async.emulator._formats import gif_image

FORMATS = ("tar.gz", "tar", "zip")
FILES = {
    "job/lc/curve.qdp": b"READ SERR 1\n" + b"1 2 0.5\n" * 2000,
    "job/lc/noise.bin": random.Random(3).randbytes(70_000),
    "job/lc/empty.txt": b"",
}


def check(data: bytes, kind: str | None, sizes: list[int] | None = None) -> None:
    """Feed ``data`` to a fresh checker in pieces of the given sizes (cycled), then finish."""
    checker = checker_for(kind)
    pos, turn = 0, 0
    while pos < len(data):
        size = sizes[turn % len(sizes)] if sizes else len(data)
        checker.feed(data[pos : pos + size])
        pos += size
        turn += 1
    checker.finish()


def streamed(fmt: str) -> bytes:
    """An archive as the emulator streams it: the zip with data descriptors (stored and deflated members)
    and zip64 sizes for the padding, the tar.gz with stored deflate blocks."""
    members = [
        member_from_text("job/lc/curve.qdp", "READ SERR 1\n" + "1 2 0.5\n" * 2000),
        member_from_bytes("job/lc/noise.bin", random.Random(3).randbytes(20_000), compressible=False),
        member_from_bytes("job/lc/empty.txt", b""),
        padding_member("job/lc/padding.dat", 40_000, seed=1),
    ]
    return b"".join(stream_archive(members, fmt, mtime=0))


def written(fmt: str) -> bytes:
    """An archive as tarfile / zipfile write it to a seekable file."""
    return archive_bytes(fmt, FILES)


SAMPLES = {
    f"{how} {fmt}": (fmt, make(fmt))
    for fmt in FORMATS
    for how, make in [("streamed", streamed), ("written", written)]
}


@pytest.mark.parametrize("sample", list(SAMPLES))
@pytest.mark.parametrize("sizes", [None, [1], [7, 512, 3], [65_536]], ids=["whole", "bytes", "odd", "64k"])
def test_whole_archives_pass_in_any_pieces(sample: str, sizes: list[int] | None) -> None:
    fmt, data = SAMPLES[sample]
    check(data, fmt, sizes)


@pytest.mark.parametrize("sample", list(SAMPLES))
def test_an_archive_cut_anywhere_before_its_end_fails(sample: str) -> None:
    fmt, data = SAMPLES[sample]
    # A tar may lose the zero padding after its two end-of-archive blocks and still be whole.
    end = len(data) if fmt != "tar" else len(data.rstrip(b"\0")) + 1024
    cuts = sorted({*range(0, end, max(1, end // 400)), end - 1, end - 513, 1, 511, 513})
    for cut in cuts:
        with pytest.raises(DamagedError):
            check(data[:cut], fmt, [4096])


@pytest.mark.parametrize("fmt", ["tar.gz", "zip"])
def test_a_changed_byte_of_member_data_fails_where_the_format_keeps_a_crc(fmt: str) -> None:
    data = written(fmt)
    start = data.find(b"1 2 0.5") if fmt == "zip" else 40  # zip stores the text as is; gzip deflates all
    for at in range(start, len(data) - 200, 997):
        changed = bytearray(data)
        changed[at] ^= 0x10
        with pytest.raises(DamagedError):
            check(bytes(changed), fmt, [1000])


def test_foreign_bytes_fail_with_a_reason() -> None:
    page = b"<!DOCTYPE html><html><head><title>Maintenance</title></head></html>" * 10
    for kind, reason in [
        ("tar.gz", "gzip"),
        ("tar", "tar header at byte 0"),
        ("zip", "not start like a zip"),
    ]:
        with pytest.raises(DamagedError, match=reason):
            check(page, kind)
    with pytest.raises(DamagedError, match="empty"):
        check(b"", "tar.gz")
    with pytest.raises(DamagedError, match="before any byte"):
        check(b"", "zip")


def test_gzip_members_may_be_concatenated_and_zero_padded() -> None:
    tar = written("tar")
    half = len(tar) // 2 // 512 * 512
    data = gzip.compress(tar[:half]) + gzip.compress(tar[half:]) + b"\0" * 100
    check(data, "tar.gz", [999])
    with pytest.raises(DamagedError, match="gzip"):
        check(data + b"junk", "tar.gz")


def test_a_tar_with_a_lone_end_block_inside_fails() -> None:
    tar = written("tar")
    first_member_end = 512 + 512 * -(-len(FILES["job/lc/curve.qdp"]) // 512)
    broken = tar[:first_member_end] + bytes(512) + tar[first_member_end:]
    with pytest.raises(DamagedError, match="lone end-of-archive block"):
        check(broken, "tar")


def test_pax_headers_give_the_member_size() -> None:
    buffer = io.BytesIO()
    with tarfile.open(fileobj=buffer, mode="w", format=tarfile.PAX_FORMAT) as tar:
        info = tarfile.TarInfo("dir/ünïcode name that is rather long " * 4)
        info.size = 3000
        info.pax_headers = {"size": "3000", "comment": "x" * 600}
        tar.addfile(info, io.BytesIO(b"y" * 3000))
    check(buffer.getvalue(), "tar", [100])


def test_a_stored_zip_member_with_a_data_descriptor_is_checked_by_the_central_directory(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    """Such a member has no length to walk by (its signature may even occur in its data): the central
    directory at the end proves the rest of the archive whole."""
    rng = random.Random(9)
    tricky = b"".join(rng.randbytes(rng.randrange(0, 60)) + b"PK\x07\x08PK\x03\x04" for _ in range(40))
    members = [
        member_from_bytes("a.txt", b"a" * 3000),
        member_from_bytes("t.bin", tricky, compressible=False),
        member_from_bytes("u.txt", b"u" * 5000),
        member_from_bytes("v.bin", rng.randbytes(3000), compressible=False),
    ]
    data = b"".join(stream_archive(members, "zip", mtime=0))
    for sizes in ([1], [5], [47], [1000], [len(data)]):
        check(data, "zip", sizes)
    middle = data.find(b"PK\x07\x08", 100)
    for broken in (data[:middle] + data[middle + 1 :], data[:middle] + b"x" + data[middle:], data[:-1]):
        with pytest.raises(DamagedError):
            check(broken, "zip", [999])
    monkeypatch.setattr(verify_module, "_MAX_TAIL", 100)
    monkeypatch.setattr(verify_module, "_MAX_CENTRAL", 100)
    with pytest.raises(DamagedError, match="central directory is larger than the 100 bytes checked"):
        check(data, "zip", [10])
    with pytest.raises(DamagedError, match="central directory is larger than the 100 bytes checked"):
        check(written("zip"), "zip", [10])  # every member walked, the directory too long to hold


def test_zip_central_directory_must_match_the_members() -> None:
    data = written("zip")
    end = data.rfind(b"PK\x05\x06")
    count = struct.unpack_from("<H", data, end + 10)[0]
    wrong_count = data[: end + 8] + struct.pack("<HH", count + 1, count + 1) + data[end + 12 :]
    with pytest.raises(DamagedError, match="lists 4 members, the archive holds 3"):
        check(wrong_count, "zip")
    with pytest.raises(DamagedError, match="no end record"):
        check(data + b"trailing", "zip")
    central = data.find(b"PK\x01\x02")
    renamed = data[: central + 46] + b"x" + data[central + 47 :]
    with pytest.raises(DamagedError, match="does not match member"):
        check(renamed, "zip")
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w", zipfile.ZIP_DEFLATED) as archive:
        archive.writestr("a.txt", "a" * 1000)
    check(buffer.getvalue(), "zip", [3])
    encrypted = bytearray(buffer.getvalue())
    encrypted[6] |= 1
    with pytest.raises(DamagedError, match="encrypted"):
        check(bytes(encrypted), "zip")


def test_gif_images() -> None:
    image = gif_image([[(x * y) % 256 for x in range(40)] for y in range(30)])
    check(image, "gif", [1])
    check(image, "gif")
    for cut in range(len(image)):
        with pytest.raises(DamagedError):
            check(image[:cut], "gif")
    with pytest.raises(DamagedError, match="unknown block"):
        check(image[:-1] + b"\x99", "gif")
    with pytest.raises(DamagedError, match="GIF"):
        check(b"\x89PNG\r\n\x1a\n" + bytes(20), "gif")


def test_kinds_by_name() -> None:
    assert [kind_of(n) for n in ("a.tar.gz", "B.TGZ", "c.tar", "d.zip", "e.gif", "f.qdp")] == [
        "tar.gz",
        "tar.gz",
        "tar",
        "zip",
        "gif",
        None,
    ]
    check(b"anything at all", None)
    with pytest.raises(ValueError, match="no checker"):
        checker_for("rar")


def test_verify_archive_reads_a_file_through_the_same_checks(tmp_path: Path) -> None:
    path = tmp_path / "a.zip"
    path.write_bytes(written("zip"))
    verify_archive(path, "zip")
    path.write_bytes(written("zip")[:-1])
    with pytest.raises(DownloadError, match=r"a\.zip is not a complete zip archive: .*no end record"):
        verify_archive(path, "zip")


@settings(max_examples=40)
@given(
    fmt=st.sampled_from(FORMATS),
    files=st.dictionaries(
        st.text("abcdefgh/", min_size=1, max_size=12).filter(
            lambda n: not n.startswith("/") and "//" not in n and not n.endswith("/")
        ),
        st.binary(max_size=3000),
        max_size=5,
    ),
    piece=st.integers(1, 5000),
    cut=st.floats(0, 1, exclude_max=True),
)
def test_any_archive_passes_whole_and_fails_cut(
    fmt: str, files: dict[str, bytes], piece: int, cut: float
) -> None:
    data = archive_bytes(fmt, files)
    check(data, fmt, [piece])
    end = len(data) if fmt != "tar" else len(data.rstrip(b"\0")) + 1024
    with pytest.raises(DamagedError):
        check(data[: int(end * cut)], fmt, [piece])


class _Unseekable(io.RawIOBase):
    """A write-only sink, so zipfile writes data descriptors as a streaming server would."""

    def __init__(self) -> None:
        self.data = bytearray()

    def writable(self) -> bool:
        return True

    def write(self, b: bytes) -> int:  # type: ignore[override]
        self.data += b
        return len(b)


def test_zip64_descriptors_and_end_records(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(zipfile, "ZIP_FILECOUNT_LIMIT", 1)  # zip64 end records for a small archive
    sink = _Unseekable()
    with zipfile.ZipFile(sink, "w") as archive:  # type: ignore[arg-type]
        for name, method in [("stored", zipfile.ZIP_STORED), ("deflated", zipfile.ZIP_DEFLATED)]:
            info = zipfile.ZipInfo(name, (2024, 1, 1, 0, 0, 0))
            info.compress_type = method
            with archive.open(info, "w", force_zip64=True) as member:
                member.write(b"z64" * 5000)
    data = bytes(sink.data)
    assert b"PK\x06\x06" in data
    assert b"PK\x06\x07" in data
    check(data, "zip", [333])
    with zipfile.ZipFile(io.BytesIO(data)) as archive:
        assert archive.testzip() is None
    locator = data.rfind(b"PK\x06\x07")
    moved = data[: locator + 8] + struct.pack("<Q", 3) + data[locator + 16 :]
    with pytest.raises(DamagedError, match="zip64 end record"):
        check(moved, "zip")
