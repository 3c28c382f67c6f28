"""Safe, bounded, all-or-nothing unpacking of product archives.

Every member is checked before anything is written: absolute paths, ``..`` components, drive letters,
symbolic and hard links, devices and FIFOs are refused, and so is an archive past the limits on member count,
total size or compression ratio (a decompression bomb). The members are then written into a hidden
temporary folder and moved into place only once all are complete: a failure of any kind (a refused member, a
full disk, a denied permission, a corrupt member) leaves nothing of the archive under the destination. Only
regular files and folders are created, with the permissions a plain ``open()`` or ``mkdir()`` gives.
"""

from __future__ import annotations

import contextlib
import lzma
import os
import shutil
import stat
import tarfile
import zipfile
import zlib
from collections.abc import Callable, Iterable
from dataclasses import dataclass
from pathlib import Path, PurePosixPath
from typing import IO, NoReturn, cast

from xrt_prods_async._errors import ConfigurationError, ExtractError

from ._tempfs import create_temp_dir

__all__ = ["DEFAULT_MAX_MEMBERS", "DEFAULT_MAX_RATIO", "DEFAULT_MAX_TOTAL_SIZE", "RATIO_FLOOR", "extract"]

#: Default bound on the bytes an archive may unpack to (product archives are megabytes to a few gigabytes).
DEFAULT_MAX_TOTAL_SIZE = 50 * 2**30
#: Default bound on the number of members (a product archive holds tens to hundreds of files).
DEFAULT_MAX_MEMBERS = 100_000
#: Default bound on unpacked size over packed size; real data (FITS, logs) stays far below it.
DEFAULT_MAX_RATIO = 200.0
#: The ratio bound applies only past this many unpacked bytes: small, very regular files may compress well.
RATIO_FLOOR = 4 * 2**20

_COPY_CHUNK = 1024 * 1024

#: What reading a damaged or hostile archive can raise, besides ``OSError``.
_READ_ERRORS = (
    tarfile.TarError,
    zipfile.BadZipFile,
    zlib.error,
    lzma.LZMAError,
    EOFError,
    ValueError,
    RuntimeError,  # zipfile: an encrypted member
    NotImplementedError,  # zipfile: an unsupported compression method
)
_WRITE_ERRORS = (OSError, *_READ_ERRORS)


@dataclass(frozen=True, slots=True)
class _Limits:
    total: int
    members: int
    ratio: float


@dataclass(frozen=True, slots=True)
class _Member:
    name: str
    relative: PurePosixPath
    is_dir: bool
    size: int
    source: tarfile.TarInfo | zipfile.ZipInfo


@dataclass(frozen=True, slots=True)
class _Job:
    """One extraction: the archive and destination, named in every error."""

    archive: Path
    dest: Path
    limits: _Limits

    def fail(self, message: str, member: str | None = None, cause: BaseException | None = None) -> NoReturn:
        prefix = f"{self.archive.name}: " + (f"member {member!r} " if member is not None else "")
        error = ExtractError(
            f"{prefix}{message}; nothing was extracted to {self.dest}",
            archive=str(self.archive),
            dest=str(self.dest),
            member=member,
        )
        raise error from cause


def _reason(exc: BaseException, *, where: bool = True) -> str:
    """The failure in words; ``where=False`` leaves out a path that is only the private staging folder."""
    if isinstance(exc, OSError) and exc.strerror:
        return exc.strerror + (f": {exc.filename}" if exc.filename and where else "")
    return str(exc) or type(exc).__name__


# --- planning: every member checked before anything is written ---------------------------------------------


def _safe_relative(job: _Job, name: str) -> PurePosixPath:
    clean = name.replace("\\", "/")
    path = PurePosixPath(clean)
    if "\x00" in clean:
        job.fail("has a NUL character in its name; refusing to extract", name)
    if clean.startswith("/") or path.is_absolute() or (len(clean) > 1 and clean[1] == ":"):
        job.fail("has an absolute path; refusing to extract", name)
    if ".." in path.parts:
        job.fail("escapes the destination ('..'); refusing", name)
    parts = [p for p in path.parts if p not in ("", ".")]
    if not parts:
        job.fail("has an empty path; refusing to extract", name)
    return PurePosixPath(*parts)


class _Budget:
    """Running totals against the limits, checked member by member as the archive is read."""

    def __init__(self, job: _Job, packed: int) -> None:
        self.job = job
        self.packed = max(packed, 1)
        self.count = 0
        self.total = 0

    def add(self, name: str, size: int, packed: int | None = None) -> None:
        job, limits = self.job, self.job.limits
        self.count += 1
        if self.count > limits.members:
            job.fail(f"is past the limit of {limits.members} members (raise max_members to allow more)", name)
        if packed is not None and size > RATIO_FLOOR and size > limits.ratio * max(packed, 1):
            job.fail(
                f"unpacks {packed} bytes to {size}, over {limits.ratio:g}:1; refusing a likely "
                "decompression bomb (raise max_ratio to allow it)",
                name,
            )
        self.total += size
        if self.total > limits.total:
            job.fail(
                f"brings the unpacked size to {self.total} bytes, past the limit of {limits.total} "
                "(raise max_total_size to allow it)",
                name,
            )
        if self.total > RATIO_FLOOR and self.total > limits.ratio * self.packed:
            job.fail(
                f"brings the unpacked size to {self.total} bytes from a {self.packed}-byte archive, over "
                f"{limits.ratio:g}:1; refusing a likely decompression bomb (raise max_ratio to allow it)",
                name,
            )


def _plan_tar(job: _Job, tar: tarfile.TarFile, packed: int) -> list[_Member]:
    budget = _Budget(job, packed)
    plan: list[_Member] = []
    for member in tar:  # one header at a time: a bomb is refused before its data is inflated
        if member.issym() or member.islnk():
            job.fail("is a link; refusing to extract", member.name)
        if not (member.isfile() or member.isdir()):
            job.fail("is a device, FIFO or other special file; refusing", member.name)
        relative = _safe_relative(job, member.name)
        size = member.size if member.isfile() else 0
        budget.add(member.name, size)
        plan.append(_Member(member.name, relative, member.isdir(), size, member))
    return plan


def _plan_zip(job: _Job, zf: zipfile.ZipFile, packed: int) -> list[_Member]:
    budget = _Budget(job, packed)
    plan: list[_Member] = []
    for info in zf.infolist():
        mode = info.external_attr >> 16
        kind_bits = stat.S_IFMT(mode)  # zero when the archiver stored permission bits only
        if kind_bits and kind_bits not in (stat.S_IFREG, stat.S_IFDIR):
            kind = "a link" if stat.S_ISLNK(mode) else "a special file"
            job.fail(f"is {kind}; refusing to extract", info.filename)
        relative = _safe_relative(job, info.filename)
        size = 0 if info.is_dir() else info.file_size
        budget.add(info.filename, size, packed=info.compress_size)
        plan.append(_Member(info.filename, relative, info.is_dir(), size, info))
    return plan


def _inside(job: _Job, root: Path, member: _Member) -> None:
    target = (root / Path(*member.relative.parts)).resolve()
    if target != root and root not in target.parents:
        job.fail(f"would be written outside {root} (through a link there); refusing", member.name)


# --- writing: into a private staging folder, then moved into place ------------------------------------------


def _create(path: Path) -> IO[bytes]:
    """Open a new member file for writing (a seam for tests that simulate a full disk)."""
    return open(path, "wb")


def _write(
    job: _Job, tree: Path, plan: Iterable[_Member], open_member: Callable[[_Member], IO[bytes]]
) -> None:
    total = 0
    for member in plan:
        path = tree.joinpath(*member.relative.parts)
        try:
            if member.is_dir:
                path.mkdir(parents=True, exist_ok=True)
                continue
            path.parent.mkdir(parents=True, exist_ok=True)
            written = 0
            with open_member(member) as source, _create(path) as out:
                while chunk := source.read(_COPY_CHUNK):
                    written += len(chunk)
                    total += len(chunk)
                    if written > member.size:
                        job.fail(f"holds more than the {member.size} bytes its header declares", member.name)
                    if total > job.limits.total:
                        job.fail(
                            f"brings the unpacked size past the limit of {job.limits.total}", member.name
                        )
                    out.write(chunk)
        except ExtractError:
            raise
        except _WRITE_ERRORS as exc:
            job.fail(f"could not be extracted: {_reason(exc, where=False)}", member.name, exc)


def _make_parents(job: _Job, root: Path, member: _Member, made: list[Path]) -> None:
    folder = root
    for part in member.relative.parts[:-1]:
        folder = folder / part
        if not folder.exists():
            folder.mkdir()
            made.append(folder)
        elif not folder.is_dir():
            job.fail(f"needs {folder} to be a folder, but it is a file there; refusing", member.name)


def _merge(job: _Job, staging: Path, root: Path, plan: list[_Member]) -> None:
    """Move the staged members into an existing ``root``, replacing same-named files; all or nothing."""
    tree, old = staging / "tree", staging / "old"
    old.mkdir()
    moved: list[tuple[Path, Path | None]] = []
    made: list[Path] = []
    member: _Member | None = None
    try:
        for member in plan:
            target = root.joinpath(*member.relative.parts)
            _make_parents(job, root, member, made)
            if member.is_dir:
                if not target.is_dir():
                    if os.path.lexists(target):
                        job.fail(f"is a folder, but {target} is a file; refusing", member.name)
                    target.mkdir()
                    made.append(target)
                continue
            if target.is_dir():
                job.fail(f"would replace the folder {target}; refusing", member.name)
            backup = None
            if os.path.lexists(target):
                backup = old / str(len(moved))
                os.replace(target, backup)
            moved.append((target, backup))
            os.replace(tree.joinpath(*member.relative.parts), target)
    except BaseException as exc:
        for target, backup in reversed(moved):
            with contextlib.suppress(OSError):
                if backup is None:
                    target.unlink(missing_ok=True)
                else:
                    os.replace(backup, target)
        _remove_folders(made)
        if isinstance(exc, OSError):
            job.fail(f"could not be moved into place: {_reason(exc)}", member.name if member else None, exc)
        raise


def _missing_parents(folder: Path) -> list[Path]:
    missing: list[Path] = []
    while not folder.exists() and folder != folder.parent:
        missing.append(folder)
        folder = folder.parent
    return missing[::-1]


def _remove_folders(made: list[Path]) -> None:
    """Undo the folders an extraction made, deepest first; one that is not empty (or will not go) stays."""
    for folder in reversed(made):
        with contextlib.suppress(OSError):
            folder.rmdir()


def _is_fresh(job: _Job, root: Path, unique: list[_Member]) -> bool:
    """True when ``root`` does not exist yet; an existing one must be a folder every member stays inside."""
    if not os.path.lexists(root):
        return True
    if not root.is_dir():
        job.fail(f"cannot be unpacked: {root} exists and is not a folder")
    for member in unique:
        _inside(job, root, member)
    return False


def _install(job: _Job, plan: list[_Member], open_member: Callable[[_Member], IO[bytes]]) -> list[Path]:
    unique = list({m.relative: m for m in plan}.values())  # a repeated name: the last copy wins, as in tar
    root = job.dest.resolve()
    fresh = _is_fresh(job, root, unique)
    made = _missing_parents(root.parent) if fresh else []
    staging: Path | None = None
    try:
        for folder in made:
            folder.mkdir()
        # A new destination is staged beside it and renamed into place in one step; an existing one is staged
        # inside it (same file system, and its parent need not be writable) and merged member by member.
        home = root.parent if fresh else root
        staging = create_temp_dir(home, prefix=f".{root.name}.", suffix=".extracting")
        (staging / "tree").mkdir()
        _write(job, staging / "tree", plan, open_member)
        if fresh:
            os.rename(staging / "tree", root)
        else:
            _merge(job, staging, root, unique)
    except BaseException as exc:
        if staging is not None:
            shutil.rmtree(staging, ignore_errors=True)
        _remove_folders(made)
        if isinstance(exc, OSError):
            job.fail(f"could not be unpacked: {_reason(exc)}", cause=exc)
        raise
    shutil.rmtree(staging, ignore_errors=True)
    return [root.joinpath(*m.relative.parts) for m in unique if not m.is_dir]


def _limits(max_total_size: int, max_members: int, max_ratio: float) -> _Limits:
    for name, value in (("max_total_size", max_total_size), ("max_members", max_members)):
        if isinstance(value, bool) or not isinstance(value, int) or value < 1:
            raise ConfigurationError(f"{name} must be a whole number >= 1, got {value!r}")
    if isinstance(max_ratio, bool) or not isinstance(max_ratio, (int, float)) or not max_ratio >= 1:
        raise ConfigurationError(f"max_ratio must be a number >= 1, got {max_ratio!r}")
    return _Limits(max_total_size, max_members, float(max_ratio))


def extract(
    archive: str | Path,
    dest: str | Path,
    *,
    max_total_size: int = DEFAULT_MAX_TOTAL_SIZE,
    max_members: int = DEFAULT_MAX_MEMBERS,
    max_ratio: float = DEFAULT_MAX_RATIO,
) -> list[Path]:
    """Unpack a ``.tar.gz``, ``.tar`` or ``.zip`` archive into ``dest``; return the files written.

    All or nothing: on any failure ``ExtractError`` (a ``DownloadError``) names the archive and the member
    at fault, and nothing of the archive is left under ``dest``. Refused: members that could escape ``dest``
    (absolute paths, ``..``, links, devices), more than ``max_members`` members, more than
    ``max_total_size`` bytes unpacked, or (past ``RATIO_FLOOR`` bytes) more than ``max_ratio`` times the
    packed size. Files already in ``dest`` under a member's name are replaced. Blocking: in async code run it
    with ``await anyio.to_thread.run_sync(extract, archive, dest)``.
    """
    job = _Job(Path(archive), Path(dest), _limits(max_total_size, max_members, max_ratio))
    try:
        packed = job.archive.stat().st_size
        if zipfile.is_zipfile(job.archive):
            with zipfile.ZipFile(job.archive) as zf:
                plan = _plan_zip(job, zf, packed)
                return _install(job, plan, lambda m: zf.open(cast(zipfile.ZipInfo, m.source)))
        with tarfile.open(job.archive, "r:*") as tar:
            plan = _plan_tar(job, tar, packed)

            def open_tar(member: _Member) -> IO[bytes]:
                data = tar.extractfile(cast(tarfile.TarInfo, member.source))
                if data is None:  # pragma: no cover - regular files always have data
                    raise tarfile.ExtractError("no data")
                return data

            return _install(job, plan, open_tar)
    except ExtractError:
        raise
    except OSError as exc:
        job.fail(f"cannot be read: {_reason(exc)}", cause=exc)
    except _READ_ERRORS as exc:
        job.fail(f"is not a readable tar or zip archive: {_reason(exc)}", cause=exc)
