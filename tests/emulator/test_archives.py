"""Streamed archives: every format opens with the standard library and tar, holds exactly the members,
and memory stays flat however large the archive."""

from __future__ import annotations

import gzip
import io
import shutil
import subprocess
import tarfile
import tracemalloc
import zipfile
import zlib
from collections.abc import Iterator
from pathlib import Path

import pytest

from xrt_prods_async.emulator._archives import (
    CHUNK_SIZE,
    FORMATS,
    ArchiveMember,
    archive_media_type,
    directory_member,
    member_from_bytes,
    member_from_text,
    padding_member,
    stream_archive,
    with_prefix,
)

TEXT = "READ TERR 1 2\n" + "".join(f"{i}.0\t0.5\t-0.5\t{i * 0.1:.6f}\n" for i in range(4000))


def sample_members() -> list[ArchiveMember]:
    return [
        member_from_text("USERPROD_1/lc/curve.qdp", TEXT),
        padding_member("USERPROD_1/padding.bin", 300_001, seed=5),
        member_from_bytes("USERPROD_1/spec/interval0wt_plot.gif", b"GIF89a-not-really"),
        member_from_text("USERPROD_1/lc/empty.txt", ""),
        padding_member("USERPROD_1/more/pad2.bin", 70_000, seed=6),
        member_from_text("USERPROD_1/spec/scripts/fit.xcm", "fit 1000\n"),
    ]


def expected_contents() -> dict[str, bytes]:
    return {m.path: b"".join(m.chunks()) for m in sample_members()}


EXPECTED_DIRS = {
    "USERPROD_1",
    "USERPROD_1/lc",
    "USERPROD_1/spec",
    "USERPROD_1/more",
    "USERPROD_1/spec/scripts",
}


def build(fmt: str, members: list[ArchiveMember] | None = None) -> bytes:
    return b"".join(stream_archive(sample_members() if members is None else members, fmt, mtime=1.6e9))


@pytest.mark.parametrize("fmt", ["tar", "tar.gz"])
def test_tar_formats_open_with_tarfile_random_access_and_stream_mode(fmt: str) -> None:
    data = build(fmt)
    expected = expected_contents()
    with tarfile.open(fileobj=io.BytesIO(data)) as tar:
        files = {m.name: tar.extractfile(m).read() for m in tar.getmembers() if m.isfile()}  # type: ignore[union-attr]
        dirs = {m.name for m in tar.getmembers() if m.isdir()}
        assert all(m.mtime == 1_600_000_000 for m in tar.getmembers())
    assert files == expected
    assert dirs == EXPECTED_DIRS
    # Stream mode (what a client extracting while downloading uses) reads the same.
    with tarfile.open(fileobj=io.BytesIO(data), mode="r|*") as tar:
        streamed = {m.name: tar.extractfile(m).read() for m in tar if m.isfile()}  # type: ignore[union-attr]
    assert streamed == expected
    assert len(data) % tarfile.RECORDSIZE == 0 or fmt == "tar.gz"


def test_tar_gz_is_one_valid_gzip_member_and_compresses_only_what_compresses() -> None:
    data = build("tar.gz")
    raw = build("tar")
    assert gzip.decompress(data) == raw
    # A single gzip member: decompressing it leaves nothing unused.
    engine = zlib.decompressobj(31)
    assert engine.decompress(data) == raw
    assert engine.eof
    assert engine.unused_data == b""
    # The text shrinks, the padding is stored as is: the archive is about the padding's size.
    padding = 300_001 + 70_000
    assert padding < len(data) < padding + len(TEXT) // 2


@pytest.mark.parametrize(
    "order",
    [
        ["pad", "pad", "text"],
        ["text", "pad", "text", "pad"],
        ["pad"],
        ["text"],
        [],
    ],
)
def test_tar_gz_mixes_stored_and_deflated_members_in_any_order(order: list[str]) -> None:
    members = [
        padding_member(f"d/{i}.bin", 65_536 * 2 + 17, seed=i)
        if kind == "pad"
        else member_from_text(f"d/{i}.txt", TEXT)
        for i, kind in enumerate(order)
    ]
    data = build("tar.gz", members)
    with tarfile.open(fileobj=io.BytesIO(data), mode="r:gz") as tar:
        files = {m.name: tar.extractfile(m).read() for m in tar.getmembers() if m.isfile()}  # type: ignore[union-attr]
    assert files == {m.path: b"".join(m.chunks()) for m in members}


def test_zip_opens_with_zipfile_uses_data_descriptors_and_stores_padding() -> None:
    data = build("zip")
    with zipfile.ZipFile(io.BytesIO(data)) as archive:
        assert archive.testzip() is None
        infos = {i.filename: i for i in archive.infolist()}
        files = {name: archive.read(name) for name, info in infos.items() if not info.is_dir()}
        dirs = {name.rstrip("/") for name, info in infos.items() if info.is_dir()}
    assert files == expected_contents()
    assert dirs == EXPECTED_DIRS
    # Written to an unseekable stream: sizes follow the data (flag bit 3).
    assert all(i.flag_bits & 0x08 for i in infos.values() if not i.is_dir())
    assert infos["USERPROD_1/padding.bin"].compress_type == zipfile.ZIP_STORED
    assert infos["USERPROD_1/lc/curve.qdp"].compress_type == zipfile.ZIP_DEFLATED
    assert infos["USERPROD_1/lc/curve.qdp"].compress_size < len(TEXT) // 2
    assert infos["USERPROD_1/lc/curve.qdp"].date_time == (2020, 9, 13, 12, 26, 40)


@pytest.mark.parametrize("fmt", FORMATS)
def test_archives_extract_with_system_tools(fmt: str, tmp_path: Path) -> None:
    path = tmp_path / f"all.{fmt}"
    path.write_bytes(build(fmt))
    out = tmp_path / "out"
    out.mkdir()
    if fmt == "zip":
        with zipfile.ZipFile(path) as archive:
            archive.extractall(out)
    else:
        tar = shutil.which("tar")
        assert tar is not None, "the tar command is part of every supported platform"
        subprocess.run([tar, "-xf", str(path), "-C", str(out)], check=True, capture_output=True)
    for name, content in expected_contents().items():
        assert (out / name).read_bytes() == content


def test_empty_archives_are_valid() -> None:
    with tarfile.open(fileobj=io.BytesIO(build("tar", [])), mode="r:") as tar:
        assert tar.getmembers() == []
    with tarfile.open(fileobj=io.BytesIO(build("tar.gz", [])), mode="r:gz") as tar:
        assert tar.getmembers() == []
    with zipfile.ZipFile(io.BytesIO(build("zip", []))) as archive:
        assert archive.namelist() == []


def test_explicit_directory_members_make_empty_folders_once() -> None:
    members = [
        directory_member("job/spec"),
        member_from_text("job/lc/a.txt", "a"),
        directory_member("job/lc/"),
    ]
    with tarfile.open(fileobj=io.BytesIO(build("tar", members))) as tar:
        names = [(m.name, m.isdir()) for m in tar.getmembers()]
    assert names == [("job", True), ("job/spec", True), ("job/lc", True), ("job/lc/a.txt", False)]


@pytest.mark.parametrize("fmt", FORMATS)
def test_output_is_streamed_in_bounded_chunks_and_members_are_read_lazily(fmt: str) -> None:
    calls: list[str] = []

    def spy(path: str, size: int) -> ArchiveMember:
        inner = padding_member(path, size, seed=1)

        def chunks() -> Iterator[bytes]:
            calls.append(path)
            yield from inner.chunks()

        return ArchiveMember(path, size, chunks, compressible=False)

    stream = stream_archive([spy("a.bin", 1_000_000), spy("b.bin", 1_000_000)], fmt)
    first = next(stream)
    assert calls == ["a.bin"]  # the second member is not touched before the first is written
    sizes = [len(first), *(len(chunk) for chunk in stream)]
    assert calls == ["a.bin", "b.bin"]
    assert max(sizes) <= 2 * CHUNK_SIZE + 1024
    assert sum(sizes) >= 2_000_000


@pytest.mark.parametrize("fmt", FORMATS)
def test_memory_stays_flat_for_a_200_mb_padded_archive(fmt: str) -> None:
    members = [
        member_from_text("job/lc/curve.qdp", TEXT),
        padding_member("job/padding.bin", 200_000_000, seed=9),
    ]
    tracemalloc.start()
    try:
        total = sum(len(chunk) for chunk in stream_archive(members, fmt))
        _, peak = tracemalloc.get_traced_memory()
    finally:
        tracemalloc.stop()
    assert total > 200_000_000
    assert peak < 8_000_000, f"{fmt}: peak {peak / 1e6:.1f} MB"


def test_padding_is_deterministic_incompressible_and_exactly_sized() -> None:
    a = b"".join(padding_member("p", 3_000_000, seed=1).chunks())
    b = b"".join(padding_member("p", 3_000_000, seed=1).chunks())
    c = b"".join(padding_member("p", 3_000_000, seed=2).chunks())
    assert len(a) == 3_000_000
    assert a == b
    assert a != c
    assert len(zlib.compress(a, 6)) > 0.99 * len(a)
    assert all(len(chunk) <= CHUNK_SIZE for chunk in padding_member("p", 3_000_000, seed=1).chunks())
    assert b"".join(padding_member("p", 0, seed=1).chunks()) == b""
    assert not padding_member("p", 10, seed=1).compressible


@pytest.mark.parametrize("fmt", FORMATS)
def test_a_member_producing_the_wrong_size_is_an_error(fmt: str) -> None:
    def short() -> Iterator[bytes]:
        yield b"abc"

    with pytest.raises(ValueError, match="declared 10 bytes"):
        build(fmt, [ArchiveMember("x.txt", 10, short)])
    with pytest.raises(ValueError, match="declared 2 bytes"):
        build(fmt, [ArchiveMember("x.txt", 2, short)])


@pytest.mark.parametrize("path", ["", "/abs/file", "a/../b", "a\\b", "a//b", "./a"])
def test_unsafe_member_paths_are_refused(path: str) -> None:
    with pytest.raises(ValueError, match="archive member path"):
        member_from_text(path, "x")


def test_member_validation_of_size_and_directories() -> None:
    with pytest.raises(ValueError, match="size must be >= 0"):
        ArchiveMember("a", -1, lambda: iter(()))
    with pytest.raises(ValueError, match="directory must have size 0"):
        ArchiveMember("a/", 3, lambda: iter((b"abc",)))
    assert directory_member("x/y").is_dir
    assert directory_member("x/y").path == "x/y/"


def test_member_from_bytes_chunks_large_data() -> None:
    data = bytes(range(256)) * 1000
    member = member_from_bytes("a.bin", data)
    assert member.size == len(data)
    assert all(len(c) <= CHUNK_SIZE for c in member.chunks())
    assert b"".join(member.chunks()) == data
    assert b"".join(member_from_text("t", "é").chunks()) == "é".encode()


def test_with_prefix_moves_members_below_a_folder() -> None:
    moved = list(with_prefix(sample_members()[:2], "/USERPROD_9/"))
    assert [m.path for m in moved] == [
        "USERPROD_9/USERPROD_1/lc/curve.qdp",
        "USERPROD_9/USERPROD_1/padding.bin",
    ]
    assert not moved[1].compressible
    assert [m.path for m in with_prefix(sample_members()[:1], "")] == ["USERPROD_1/lc/curve.qdp"]


def test_media_types_and_unknown_formats() -> None:
    assert archive_media_type("tar") == "application/x-tar"
    assert archive_media_type("tar.gz") == "application/gzip"
    assert archive_media_type("zip") == "application/zip"
    with pytest.raises(ValueError, match=r"use one of tar, tar\.gz, zip"):
        archive_media_type("rar")
    with pytest.raises(ValueError, match="not supported"):
        stream_archive([], "7z")
