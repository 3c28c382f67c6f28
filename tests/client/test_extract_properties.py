"""Property: whatever the member names, kinds and sizes, ``extract`` either writes every file inside the
destination or raises an ``XRTError`` and leaves nothing behind - never another exception, never a byte
outside the destination."""

from __future__ import annotations

import io
import stat
import tarfile
import tempfile
import warnings
import zipfile
from pathlib import Path

import pytest
from hypothesis import HealthCheck, assume, event, given, settings
from hypothesis import strategies as st

from xrt_prods_async._errors import ExtractError, XRTError
from xrt_prods_async.client import extract

#: Path pieces chosen to provoke: traversal, absolute and drive paths, backslashes, NUL, names too long for
#: the file system, names that collide as file and folder, and non-ASCII.
HOSTILE = ["..", ".", "", "/", "\\", "C:", "\x00", "x" * 300, "./a", "../a", "a\\..\\.."]
pieces = st.one_of(st.sampled_from(["a", "b", "é"]), st.sampled_from(HOSTILE))
kinds = st.one_of(st.just("file"), st.just("dir"), st.sampled_from(["symlink", "hardlink", "fifo"]))

members = st.lists(
    st.tuples(
        st.lists(pieces, min_size=1, max_size=4).map("/".join),
        kinds,
        st.integers(min_value=0, max_value=2000),
    ),
    min_size=1,
    max_size=6,
)


def build(fmt: str, entries: list[tuple[str, str, int]]) -> bytes:
    buffer = io.BytesIO()
    if fmt == "zip":
        with (
            warnings.catch_warnings(action="ignore", category=UserWarning),  # duplicate names, on purpose
            zipfile.ZipFile(buffer, "w", compression=zipfile.ZIP_DEFLATED) as zf,
        ):
            for name, kind, size in entries:
                info = zipfile.ZipInfo(name)
                modes = {"dir": stat.S_IFDIR, "symlink": stat.S_IFLNK, "fifo": stat.S_IFIFO}
                info.external_attr = (modes.get(kind, stat.S_IFREG) | 0o644) << 16
                zf.writestr(info, bytes(size))
        return buffer.getvalue()
    types = {"file": tarfile.REGTYPE, "dir": tarfile.DIRTYPE, "symlink": tarfile.SYMTYPE}
    types |= {"hardlink": tarfile.LNKTYPE, "fifo": tarfile.FIFOTYPE}
    with tarfile.open(fileobj=buffer, mode="w:gz" if fmt == "tar.gz" else "w") as tar:
        for name, kind, size in entries:
            info = tarfile.TarInfo(name)
            info.type = types[kind]
            info.linkname = "../../escape" if kind in ("symlink", "hardlink") else ""
            info.size = size if kind == "file" else 0
            tar.addfile(info, io.BytesIO(bytes(size)) if kind == "file" else None)
    return buffer.getvalue()


def tree(root: Path) -> set[str]:
    return {str(p.relative_to(root)) for p in root.rglob("*")}


@pytest.mark.parametrize("fmt", ["tar", "tar.gz", "zip"])
@settings(max_examples=50, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(entries=members, existing=st.booleans())
def test_extract_never_escapes_and_never_raises_anything_else(
    fmt: str, entries: list[tuple[str, str, int]], existing: bool
) -> None:
    try:
        data = build(fmt, entries)
    except (ValueError, UnicodeError, OSError):
        assume(False)  # the archiver itself cannot write such a name: nothing to test
        return
    with tempfile.TemporaryDirectory() as scratch:
        base = Path(scratch)
        sandbox = base / "sandbox" / "inner"
        sandbox.mkdir(parents=True)
        archive = sandbox / f"a.{fmt}"
        archive.write_bytes(data)
        dest = sandbox / "dest"
        if existing:
            dest.mkdir()
            (dest / "mine.txt").write_bytes(b"keep")
        before = tree(base)
        refused: XRTError | None = None
        try:  # anything but an XRTError escapes and fails the test
            files = extract(archive, dest, max_members=5, max_total_size=9000, max_ratio=50)
        except XRTError as exc:
            refused, files = exc, []
        event("refused" if refused else "extracted")
        if refused is not None:
            assert isinstance(refused, ExtractError)
            assert refused.archive == str(archive)
            assert tree(base) == before  # nothing left, inside or outside the destination
            return
        root = dest.resolve()
        assert all(root in f.parents and f.is_file() and not f.is_symlink() for f in files)
        assert all(path.startswith("sandbox/inner/dest") for path in tree(base) - before)
        if existing:
            assert "mine.txt" in tree(dest)
