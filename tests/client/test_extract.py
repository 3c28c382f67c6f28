"""Safe extraction: good archives unpack; escaping members are refused before anything is written."""

from __future__ import annotations

import io
import stat
import tarfile
import zipfile
from pathlib import Path

import pytest

from tests.support.client import archive_bytes
from xrt_prods_async._errors import DownloadError
from xrt_prods_async.client import extract


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
    with pytest.raises(DownloadError, match=fragment):
        extract(archive, tmp_path / "out")
    assert list((tmp_path / "out").iterdir()) == []
    assert not (tmp_path / "outside.txt").exists()


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
    assert list((tmp_path / "out").iterdir()) == []


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
