"""One process at a time per campaign ledger, whichever path leads to it.

Two processes working one campaign would race for the same entries. The lock is keyed on the ledger file's
identity (device and inode), not on the path it was named by, so a symbolic link, a hard link or a path
with ``..`` reaches the same lock. It is an ``flock`` on a small file in a private per-user directory
(``$XDG_RUNTIME_DIR/xrt-prods-async`` or ``<tmp>/xrt-prods-async-<uid>``), never on the SQLite file
itself: closing any other descriptor of a database file would drop SQLite's own POSIX locks on it. The
operating system releases an ``flock`` when its process ends, however it ends (``kill -9`` included), so a
crashed run never blocks its resume.
"""

from __future__ import annotations

import os
import stat
import sys
import tempfile
from pathlib import Path
from typing import IO

from xrt_prods_async._errors import ConfigurationError, LedgerLockedError

if sys.platform != "win32":
    import fcntl

__all__ = ["lock_ledger"]

#: How many times to retry when the ledger is replaced between finding its identity and locking it.
_ATTEMPTS = 5


def _lock_dir() -> Path:
    """The per-user directory of lock files, created private (0700) and checked to be ours alone."""
    runtime = os.environ.get("XDG_RUNTIME_DIR", "")
    if runtime and os.path.isabs(runtime) and os.path.isdir(runtime):
        folder = Path(runtime) / "xrt-prods-async"
    else:
        folder = Path(tempfile.gettempdir()) / f"xrt-prods-async-{os.getuid()}"
    try:
        folder.mkdir(mode=0o700, exist_ok=True)
        info = folder.lstat()
    except OSError as exc:
        raise ConfigurationError(f"cannot use the lock directory {folder}: {exc.strerror or exc}") from exc
    # In a shared /tmp another user could have made the folder first, or left a symbolic link there.
    if not stat.S_ISDIR(info.st_mode) or info.st_uid != os.getuid() or info.st_mode & 0o022:
        raise ConfigurationError(
            f"refusing the lock directory {folder}: it must be a directory owned by you and writable by no "
            "one else (another user may have created it); remove it or set XDG_RUNTIME_DIR"
        )
    return folder


def _identity(ledger: Path) -> tuple[int, int]:
    try:
        info = os.stat(ledger)  # follows symbolic links: the ledger file itself
    except OSError as exc:
        raise ConfigurationError(f"cannot lock campaign ledger {ledger}: {exc.strerror or exc}") from exc
    return info.st_dev, info.st_ino


def lock_ledger(ledger: str | Path) -> IO[bytes] | None:
    """Hold an exclusive lock on the campaign ledger ``ledger`` for as long as the returned file stays open.

    The ledger must exist. Raises :class:`LedgerLockedError` naming the process that holds it, by any path.
    Use the result as a context manager, or close it, to release the lock. (Windows: no lock is taken.)
    """
    if sys.platform == "win32":  # pragma: no cover
        return None
    ledger = Path(ledger)
    folder = _lock_dir()
    for _ in range(_ATTEMPTS):
        device, inode = _identity(ledger)
        handle = (folder / f"ledger-{device}-{inode}.lock").open("a+b")
        try:
            fcntl.flock(handle.fileno(), fcntl.LOCK_EX | fcntl.LOCK_NB)
        except BlockingIOError:
            handle.seek(0)
            pid, _, path = handle.read().decode(errors="replace").partition("\n")
            handle.close()
            via = f", which opened it as {path}" if path and path != str(ledger) else ""
            raise LedgerLockedError(
                f"campaign {ledger} is being worked on by another process (pid {pid.strip() or 'unknown'})"
                f"{via}; let it finish or stop it first",
                ledger=str(ledger),
                holder=pid.strip() or None,
            ) from None
        if _identity(ledger) != (device, inode):  # replaced meanwhile: lock the file that is there now
            handle.close()
            continue
        handle.seek(0)
        handle.truncate()
        handle.write(f"{os.getpid()}\n{ledger.resolve()}".encode())
        handle.flush()
        return handle
    raise ConfigurationError(f"cannot lock campaign ledger {ledger}: it keeps being replaced")
