"""Safe extraction: good archives unpack; escaping members, bombs and oversized archives are refused before
anything is written; a failure while writing leaves nothing under the destination; modes follow the umask."""

from __future__ import annotations

import errno
import io
import os
import stat
import tarfile
import zipfile
from collections.abc import Callable
from pathlib import Path
from typing import IO

import pytest

from tests.support.client import archive_bytes
from xrt_prods_async._errors import ConfigurationError, DownloadError, ExtractError
from xrt_prods_async.client import _extract as extract_module
from xrt_prods_async.client import extract
from xrt_prods_async.client._extract import RATIO_FLOOR


@pytest.mark.parametrize("fmt", ["tar.gz", "tar", "zip"])
def test_extracts_regular_files(tmp_path: Path, fmt: str) -> None:
    archive = tmp_path / f"a.{fmt}"
    archive.write_bytes(
        archive_bytes(fmt, {"USERPROD_1/lc/curve.qdp": b"1 2 3", "USERPROD_1/psf/results.dat": b"x"})
    )
    files = extract(archive, tmp_path / "out")
    root = (tmp_path / "out").resolve()
    assert sorted(files) == [root / "USERPROD_1/lc/curve.qdp", root / "USERPROD_1/psf/results.dat"]
    assert (root / "USERPROD_1/lc/curve.qdp").read_bytes() == b"1 2 3"


def _tar_with(tmp_path: Path, info: tarfile.TarInfo, data: bytes = b"") -> Path:
    path = tmp_path / "evil.tar"
    with tarfile.open(path, "w") as tar:
        ok = tarfile.TarInfo("fine.txt")
        ok.size = 2
        tar.addfile(ok, io.BytesIO(b"ok"))
        info.size = len(data) if info.isfile() else 0
        tar.addfile(info, io.BytesIO(data) if info.isfile() else None)
    return path


def _info(name: str, kind: bytes = tarfile.REGTYPE, link: str = "") -> tarfile.TarInfo:
    info = tarfile.TarInfo(name)
    info.type = kind
    info.linkname = link
    return info


@pytest.mark.parametrize(
    ("info", "fragment"),
    [
        (_info("/etc/passwd"), "absolute path"),
        (_info("../outside.txt"), r"escapes the destination \('\.\.'\)"),
        (_info("a/../../outside.txt"), "escapes"),
        (_info("C:/windows/x"), "absolute path"),
        (_info("link", tarfile.SYMTYPE, "/etc/passwd"), "is a link"),
        (_info("hard", tarfile.LNKTYPE, "fine.txt"), "is a link"),
        (_info("dev", tarfile.CHRTYPE), "device"),
        (_info("fifo", tarfile.FIFOTYPE), "FIFO"),
    ],
)
def test_refuses_escaping_tar_members_and_writes_nothing(
    tmp_path: Path, info: tarfile.TarInfo, fragment: str
) -> None:
    archive = _tar_with(tmp_path, info, b"data")
    with pytest.raises(ExtractError, match=fragment) as refused:
        extract(archive, tmp_path / "out")
    assert not (tmp_path / "out").exists()
    assert not (tmp_path / "outside.txt").exists()
    assert refused.value.member == info.name
    assert refused.value.archive == str(archive)
    assert sorted(p.name for p in tmp_path.iterdir()) == ["evil.tar"]


def test_refuses_escaping_zip_members(tmp_path: Path) -> None:
    archive = tmp_path / "evil.zip"
    with zipfile.ZipFile(archive, "w") as zf:
        zf.writestr("fine.txt", b"ok")
        zf.writestr("../up.txt", b"bad")
    with pytest.raises(DownloadError, match="escapes"):
        extract(archive, tmp_path / "out")
    link = tmp_path / "link.zip"
    with zipfile.ZipFile(link, "w") as zf:
        info = zipfile.ZipInfo("link")
        info.external_attr = (stat.S_IFLNK | 0o777) << 16
        zf.writestr(info, "/etc/passwd")
    with pytest.raises(DownloadError, match="is a link"):
        extract(link, tmp_path / "out")
    assert not (tmp_path / "out").exists()


def test_refuses_writing_through_an_existing_symlink(tmp_path: Path) -> None:
    out = tmp_path / "out"
    out.mkdir()
    (tmp_path / "elsewhere").mkdir()
    (out / "sub").symlink_to(tmp_path / "elsewhere")
    archive = tmp_path / "a.tar"
    archive.write_bytes(archive_bytes("tar", {"sub/x.txt": b"x"}))
    with pytest.raises(DownloadError, match="outside"):
        extract(archive, out)


def test_not_an_archive(tmp_path: Path) -> None:
    junk = tmp_path / "junk.tar.gz"
    junk.write_bytes(b"definitely not an archive")
    with pytest.raises(DownloadError, match="not a readable tar or zip archive"):
        extract(junk, tmp_path / "out")


# --- bounded: decompression bombs, member counts, total size ------------------------------------------------


def _zeros_tar_gz(path: Path, size: int, name: str = "zeros.bin") -> Path:
    with tarfile.open(path, "w:gz") as tar:
        info = tarfile.TarInfo(name)
        info.size = size
        tar.addfile(info, io.BytesIO(bytes(size)))
    return path


def _zeros_zip(path: Path, size: int) -> Path:
    with zipfile.ZipFile(path, "w", compression=zipfile.ZIP_DEFLATED) as zf:
        zf.writestr("zeros.bin", bytes(size))
    return path


@pytest.mark.parametrize("build", [_zeros_tar_gz, _zeros_zip])
def test_a_decompression_bomb_is_refused_before_it_is_inflated(
    tmp_path: Path, build: Callable[[Path, int], Path]
) -> None:
    """Before: an 8 MiB member packed ~1000:1 was unpacked; now past 200:1 (and 4 MiB) it is refused."""
    archive = build(tmp_path / "bomb", 8 * 2**20)
    packed = archive.stat().st_size
    assert 8 * 2**20 / packed > 500
    with pytest.raises(ExtractError, match=r"member 'zeros\.bin' .*over 200:1.*decompression bomb") as info:
        extract(archive, tmp_path / "out")
    assert info.value.member == "zeros.bin"
    assert not (tmp_path / "out").exists()
    files = extract(archive, tmp_path / "out", max_ratio=5000)  # the user may allow it
    assert [f.stat().st_size for f in files] == [8 * 2**20]


def test_small_very_compressible_members_are_fine(tmp_path: Path) -> None:
    archive = _zeros_tar_gz(tmp_path / "small.tar.gz", RATIO_FLOOR)  # ~1000:1, but only 4 MiB
    assert len(extract(archive, tmp_path / "out")) == 1


def test_member_count_and_total_size_are_bounded(tmp_path: Path) -> None:
    many = tmp_path / "many.tar"
    many.write_bytes(archive_bytes("tar", {f"f{i:03d}.txt": b"x" for i in range(30)}))
    with pytest.raises(ExtractError, match=r"member 'f010\.txt' is past the limit of 10 members"):
        extract(many, tmp_path / "out", max_members=10)
    assert len(extract(many, tmp_path / "out", max_members=30)) == 30
    big = tmp_path / "big.zip"
    big.write_bytes(archive_bytes("zip", {"a.bin": b"a" * 600, "b.bin": b"b" * 600}))
    with pytest.raises(
        ExtractError, match=r"member 'b\.bin' brings the unpacked size to 1200 bytes, past the"
    ):
        extract(big, tmp_path / "out2", max_total_size=1000)
    assert not (tmp_path / "out2").exists()


@pytest.mark.parametrize(
    ("kwargs", "fragment"),
    [
        ({"max_members": 0}, "max_members"),
        ({"max_total_size": 1.5}, "max_total_size"),
        ({"max_ratio": float("nan")}, "max_ratio"),
        ({"max_ratio": 0.5}, "max_ratio"),
    ],
)
def test_limits_are_checked(tmp_path: Path, kwargs: dict[str, float], fragment: str) -> None:
    with pytest.raises(ConfigurationError, match=fragment):
        extract(tmp_path / "a.tar", tmp_path / "out", **kwargs)  # type: ignore[arg-type]


# --- atomic: a failure leaves nothing under the destination -------------------------------------------------


class _FullDisk:
    """Stands in for ``open(path, 'wb')``: the ``fail_at``-th file created hits ENOSPC after some bytes."""

    def __init__(self, fail_at: int, error: int = errno.ENOSPC) -> None:
        self.fail_at = fail_at
        self.error = error
        self.created = 0

    def __call__(self, path: Path) -> IO[bytes]:
        self.created += 1
        handle = open(path, "wb")  # noqa: SIM115 - returned to the caller, which closes it
        if self.created == self.fail_at:
            error = self.error

            def write(data: bytes) -> int:
                raise OSError(error, os.strerror(error), str(path))

            handle.write = write  # type: ignore[method-assign]
        return handle


ARCHIVE_FILES = {"USERPROD_1/lc/curve.qdp": b"1 2 3", "USERPROD_1/psf/results.dat": b"new", "top.txt": b"t"}


def _hidden(directory: Path) -> list[str]:
    return sorted(p.name for p in directory.iterdir() if p.name.startswith("."))


@pytest.mark.parametrize("fmt", ["tar.gz", "zip"])
def test_full_disk_leaves_no_new_destination(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, fmt: str
) -> None:
    archive = tmp_path / f"a.{fmt}"
    archive.write_bytes(archive_bytes(fmt, ARCHIVE_FILES))
    monkeypatch.setattr(extract_module, "_create", _FullDisk(fail_at=2))
    with pytest.raises(ExtractError, match=r"member 'USERPROD_1/psf/results\.dat' .*No space left") as info:
        extract(archive, tmp_path / "deep" / "out")
    assert info.value.member == "USERPROD_1/psf/results.dat"
    assert isinstance(info.value.__cause__, OSError)
    assert info.value.__cause__.errno == errno.ENOSPC
    assert sorted(p.name for p in tmp_path.iterdir()) == [archive.name]  # not even the parents it made


def test_full_disk_leaves_an_existing_destination_as_it_was(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    archive = tmp_path / "a.tar"
    archive.write_bytes(archive_bytes("tar", ARCHIVE_FILES))
    out = tmp_path / "out"
    (out / "USERPROD_1" / "psf").mkdir(parents=True)
    (out / "USERPROD_1" / "psf" / "results.dat").write_bytes(b"old")
    (out / "mine.txt").write_bytes(b"keep")
    before = _snapshot(out)
    monkeypatch.setattr(extract_module, "_create", _FullDisk(fail_at=3))
    with pytest.raises(ExtractError, match=r"member 'top\.txt'"):
        extract(archive, out)
    assert _snapshot(out) == before


def test_existing_destination_gets_the_members_and_keeps_the_rest(tmp_path: Path) -> None:
    archive = tmp_path / "a.zip"
    archive.write_bytes(archive_bytes("zip", ARCHIVE_FILES))
    out = tmp_path / "out"
    (out / "USERPROD_1" / "psf").mkdir(parents=True)
    (out / "USERPROD_1" / "psf" / "results.dat").write_bytes(b"old")
    (out / "mine.txt").write_bytes(b"keep")
    files = extract(archive, out)
    assert len(files) == 3
    assert (out / "USERPROD_1" / "psf" / "results.dat").read_bytes() == b"new"
    assert (out / "mine.txt").read_bytes() == b"keep"
    assert _hidden(out) == []
    assert _hidden(tmp_path) == []


def test_a_conflict_while_moving_into_place_is_rolled_back(tmp_path: Path) -> None:
    archive = tmp_path / "a.tar"
    archive.write_bytes(archive_bytes("tar", {"a.txt": b"new a", "new/x.txt": b"x", "b": b"a file"}))
    out = tmp_path / "out"
    (out / "b").mkdir(parents=True)  # the archive's file "b" would replace this folder
    (out / "a.txt").write_bytes(b"old a")
    before = _snapshot(out)
    with pytest.raises(ExtractError, match=r"member 'b' would replace the folder"):
        extract(archive, out)
    assert _snapshot(out) == before  # a.txt restored, new/ removed, no staging left


def test_member_under_a_file_member_is_an_extract_error(tmp_path: Path) -> None:
    archive = tmp_path / "a.tar"
    archive.write_bytes(archive_bytes("tar", {"a": b"file", "a/b": b"under a file"}))
    with pytest.raises(ExtractError, match=r"member 'a/b' could not be extracted") as info:
        extract(archive, tmp_path / "out")
    assert isinstance(info.value.__cause__, OSError)
    assert not (tmp_path / "out").exists()


def test_destination_that_is_a_file_or_under_one(tmp_path: Path) -> None:
    archive = tmp_path / "a.tar"
    archive.write_bytes(archive_bytes("tar", {"x": b"x"}))
    plain = tmp_path / "plain.txt"
    plain.write_bytes(b"")
    with pytest.raises(ExtractError, match="exists and is not a folder"):
        extract(archive, plain)
    with pytest.raises(ExtractError, match=r"could not be unpacked: Not a directory") as info:
        extract(archive, plain / "out")
    assert info.value.member is None
    assert plain.read_bytes() == b""


def test_permission_denied_on_a_member_names_it(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    archive = tmp_path / "a.tar.gz"
    archive.write_bytes(archive_bytes("tar.gz", ARCHIVE_FILES))
    monkeypatch.setattr(extract_module, "_create", _FullDisk(fail_at=1, error=errno.EACCES))
    with pytest.raises(ExtractError, match=r"member 'USERPROD_1/lc/curve\.qdp' .*Permission denied"):
        extract(archive, tmp_path / "out")
    assert not (tmp_path / "out").exists()


@pytest.mark.skipif(os.name != "posix" or os.geteuid() == 0, reason="needs POSIX permissions, not root")
def test_read_only_destination(tmp_path: Path) -> None:
    archive = tmp_path / "a.tar"
    archive.write_bytes(archive_bytes("tar", {"x": b"x"}))
    out = tmp_path / "out"
    out.mkdir(mode=0o555)
    try:
        with pytest.raises(ExtractError, match="Permission denied"):
            extract(archive, out)
        assert list(out.iterdir()) == []
    finally:
        out.chmod(0o755)


# --- permissions: what open() and mkdir() would give, whatever the umask ------------------------------------


@pytest.mark.skipif(os.name != "posix", reason="POSIX modes")
@pytest.mark.parametrize(("umask", "file_mode", "dir_mode"), [(0o022, 0o644, 0o755), (0o027, 0o640, 0o750)])
@pytest.mark.parametrize("existing", [False, True])
def test_extracted_files_get_the_umask_modes(
    tmp_path: Path, umask: int, file_mode: int, dir_mode: int, existing: bool
) -> None:
    archive = tmp_path / "a.tar.gz"
    archive.write_bytes(archive_bytes("tar.gz", ARCHIVE_FILES))
    out = tmp_path / "out"
    if existing:
        out.mkdir()
    old = os.umask(umask)
    try:
        files = extract(archive, out)
    finally:
        os.umask(old)
    assert {stat.S_IMODE(f.stat().st_mode) for f in files} == {file_mode}
    folders = [out / "USERPROD_1", out / "USERPROD_1" / "lc"] + ([] if existing else [out])
    assert {stat.S_IMODE(d.stat().st_mode) for d in folders} == {dir_mode}


def _snapshot(root: Path) -> dict[str, bytes | None]:
    """Every path under ``root`` (hidden ones included) with its content, None for folders."""
    return {
        str(p.relative_to(root)): (p.read_bytes() if p.is_file() else None) for p in sorted(root.rglob("*"))
    }
