"""Safe unpacking of product archives.

Every member is checked before anything is written: absolute paths, ``..`` components, drive letters,
symbolic and hard links, devices and FIFOs are refused with ``DownloadError``, so an archive can never write
outside the destination directory. Only regular files and directories are created, with default permissions.
"""

from __future__ import annotations

import shutil
import stat
import tarfile
import zipfile
from pathlib import Path, PurePosixPath

from xrt_prods_async._errors import DownloadError

__all__ = ["extract"]

_COPY_CHUNK = 1024 * 1024


def _safe_relative(name: str, archive: Path) -> PurePosixPath:
    clean = name.replace("\\", "/")
    path = PurePosixPath(clean)
    if clean.startswith("/") or path.is_absolute() or (len(clean) > 1 and clean[1] == ":"):
        raise DownloadError(f"{archive.name}: member {name!r} has an absolute path; refusing to extract")
    if ".." in path.parts:
        raise DownloadError(f"{archive.name}: member {name!r} escapes the destination ('..'); refusing")
    parts = [p for p in path.parts if p not in ("", ".")]
    if not parts:
        raise DownloadError(f"{archive.name}: member {name!r} has an empty path; refusing to extract")
    return PurePosixPath(*parts)


def _inside(dest: Path, relative: PurePosixPath, archive: Path, name: str) -> Path:
    target = (dest / Path(*relative.parts)).resolve()
    if target != dest and dest not in target.parents:
        raise DownloadError(f"{archive.name}: member {name!r} would be written outside {dest}; refusing")
    return target


def _plan_tar(archive: Path, tar: tarfile.TarFile, dest: Path) -> list[tuple[tarfile.TarInfo, Path]]:
    plan: list[tuple[tarfile.TarInfo, Path]] = []
    for member in tar.getmembers():
        if member.issym() or member.islnk():
            raise DownloadError(f"{archive.name}: member {member.name!r} is a link; refusing to extract")
        if not (member.isfile() or member.isdir()):
            raise DownloadError(
                f"{archive.name}: member {member.name!r} is a device, FIFO or other special file; refusing"
            )
        relative = _safe_relative(member.name, archive)
        plan.append((member, _inside(dest, relative, archive, member.name)))
    return plan


def _plan_zip(archive: Path, zf: zipfile.ZipFile, dest: Path) -> list[tuple[zipfile.ZipInfo, Path]]:
    plan: list[tuple[zipfile.ZipInfo, Path]] = []
    for info in zf.infolist():
        mode = info.external_attr >> 16
        kind_bits = stat.S_IFMT(mode)  # zero when the archiver stored permission bits only
        if kind_bits and kind_bits not in (stat.S_IFREG, stat.S_IFDIR):
            kind = "a link" if stat.S_ISLNK(mode) else "a special file"
            raise DownloadError(f"{archive.name}: member {info.filename!r} is {kind}; refusing to extract")
        relative = _safe_relative(info.filename, archive)
        plan.append((info, _inside(dest, relative, archive, info.filename)))
    return plan


def extract(archive: str | Path, dest: str | Path) -> list[Path]:
    """Unpack a ``.tar.gz``, ``.tar`` or ``.zip`` archive into ``dest``; return the files written.

    Refuses (``DownloadError``, nothing written) archives with members that could escape ``dest``:
    absolute paths, ``..``, links, devices. Existing files are overwritten. Blocking: in async code run it
    with ``await anyio.to_thread.run_sync(extract, archive, dest)``.
    """
    archive = Path(archive)
    dest_dir = Path(dest)
    dest_dir.mkdir(parents=True, exist_ok=True)
    root = dest_dir.resolve()
    written: list[Path] = []
    try:
        if zipfile.is_zipfile(archive):
            with zipfile.ZipFile(archive) as zf:
                for info, target in _plan_zip(archive, zf, root):
                    if info.is_dir():
                        target.mkdir(parents=True, exist_ok=True)
                        continue
                    target.parent.mkdir(parents=True, exist_ok=True)
                    with zf.open(info) as src, open(target, "wb") as out:
                        shutil.copyfileobj(src, out, _COPY_CHUNK)
                    written.append(target)
            return written
        with tarfile.open(archive, "r:*") as tar:
            for member, target in _plan_tar(archive, tar, root):
                if member.isdir():
                    target.mkdir(parents=True, exist_ok=True)
                    continue
                target.parent.mkdir(parents=True, exist_ok=True)
                source = tar.extractfile(member)
                if source is None:  # pragma: no cover - regular files always have data
                    continue
                with source, open(target, "wb") as out:
                    shutil.copyfileobj(source, out, _COPY_CHUNK)
                written.append(target)
        return written
    except DownloadError:
        raise
    except (tarfile.TarError, zipfile.BadZipFile, EOFError) as exc:
        raise DownloadError(f"{archive.name} is not a readable tar or zip archive: {exc}") from exc
