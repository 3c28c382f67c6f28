"""Hidden temporary files and folders that get the permissions a plain ``open()`` or ``mkdir()`` would give.

``tempfile.mkstemp`` and ``mkdtemp`` create 0600 files and 0700 folders; renamed into place, a download or an
extraction would keep those private modes, unlike any other file the user makes. These create with 0666
(files) and 0777 (folders) and let the process's umask take off what it always does, with ``O_EXCL`` so an
existing name (or a planted symbolic link) is never reused.
"""

from __future__ import annotations

import os
import secrets
from collections.abc import Iterator
from pathlib import Path

__all__ = ["create_temp_dir", "create_temp_file"]

_TRIES = 100


def _names(directory: Path, prefix: str, suffix: str) -> Iterator[Path]:
    for _ in range(_TRIES):
        yield directory / f"{prefix}{secrets.token_hex(6)}{suffix}"


def create_temp_file(directory: Path, *, prefix: str, suffix: str) -> Path:
    """Create a new, empty file in ``directory`` with a random name; mode 0666 less the umask."""
    for path in _names(directory, prefix, suffix):
        try:
            fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_EXCL | getattr(os, "O_BINARY", 0), 0o666)
        except FileExistsError:
            continue
        os.close(fd)
        return path
    raise FileExistsError(f"no free temporary name in {directory}")  # pragma: no cover - 100 collisions


def create_temp_dir(directory: Path, *, prefix: str, suffix: str) -> Path:
    """Create a new, empty folder in ``directory`` with a random name; mode 0777 less the umask."""
    for path in _names(directory, prefix, suffix):
        try:
            path.mkdir(0o777)
        except FileExistsError:
            continue
        return path
    raise FileExistsError(f"no free temporary name in {directory}")  # pragma: no cover - 100 collisions
