"""The one-process ledger lock follows the ledger file itself: no other path to it gets past."""

from __future__ import annotations

import os
import re
import subprocess
import sys
from pathlib import Path
from typing import IO

import pytest

from xrt_prods_async._errors import ConfigurationError, LedgerLockedError
from xrt_prods_async.campaign import CampaignStore, lock_ledger

pytestmark = pytest.mark.skipif(sys.platform == "win32", reason="no ledger lock on Windows")


@pytest.fixture(autouse=True)
def private_runtime_dir(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    """Lock files in this test's own runtime directory, not the user's."""
    runtime = tmp_path / "runtime"
    runtime.mkdir(mode=0o700)
    monkeypatch.setenv("XDG_RUNTIME_DIR", str(runtime))
    return runtime


@pytest.fixture
def ledger(tmp_path: Path) -> Path:
    path = tmp_path / "campaigns" / "c.sqlite"
    path.parent.mkdir()
    with CampaignStore.open(path):
        pass
    return path


def hold(path: Path) -> IO[bytes]:
    held = lock_ledger(path)
    assert held is not None
    return held


def other_paths(ledger: Path) -> dict[str, Path]:
    """Three other names of the same ledger file."""
    symlink = ledger.parent.parent / "link.sqlite"
    symlink.symlink_to(ledger)
    hardlink = ledger.parent.parent / "hard.sqlite"
    os.link(ledger, hardlink)
    (ledger.parent / "sub").mkdir()
    return {"symlink": symlink, "dotdot": ledger.parent / "sub" / ".." / ledger.name, "hardlink": hardlink}


@pytest.mark.parametrize("kind", ["symlink", "dotdot", "hardlink"])
def test_another_path_to_a_locked_ledger_is_refused(ledger: Path, kind: str) -> None:
    """Before: the lock was ``<given path>.lock``, so each of these names got a lock of its own."""
    alias = other_paths(ledger)[kind]
    with hold(ledger):
        with pytest.raises(
            LedgerLockedError, match=rf"\(pid {os.getpid()}\), which opened it as {re.escape(str(ledger))}"
        ) as info:
            lock_ledger(alias)
        assert info.value.holder == str(os.getpid())
        assert info.value.ledger == str(alias)
    with hold(alias), pytest.raises(LedgerLockedError, match=r"is being worked on by another process"):
        lock_ledger(ledger)


def test_distinct_ledgers_do_not_block_each_other(ledger: Path, tmp_path: Path) -> None:
    second = tmp_path / "second.sqlite"
    with CampaignStore.open(second), hold(ledger), hold(second):
        pass


def test_a_copy_is_another_ledger(ledger: Path, tmp_path: Path) -> None:
    copy = tmp_path / "copy.sqlite"
    copy.write_bytes(ledger.read_bytes())
    with hold(ledger), hold(copy):
        pass


def test_lock_held_by_another_process_through_a_hard_link(ledger: Path) -> None:
    aliases = other_paths(ledger)
    alias = aliases["hardlink"]
    script = (
        "import sys\nfrom xrt_prods_async.campaign import lock_ledger\n"
        f"held = lock_ledger({str(alias)!r})\nprint('locked', flush=True)\nsys.stdin.read()\n"
    )
    child = subprocess.Popen(
        [sys.executable, "-c", script], stdin=subprocess.PIPE, stdout=subprocess.PIPE, text=True
    )
    try:
        assert child.stdout is not None
        assert child.stdout.readline().strip() == "locked"
        for name in (ledger, aliases["symlink"], aliases["dotdot"]):
            with pytest.raises(
                LedgerLockedError, match=rf"\(pid {child.pid}\), which opened it as {re.escape(str(alias))}"
            ):
                lock_ledger(name)
    finally:
        child.kill()
        child.wait()
    with hold(ledger):  # the operating system released it with the process
        pass


def test_missing_ledger_and_unsafe_lock_directory_are_refused(
    tmp_path: Path, private_runtime_dir: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    with pytest.raises(ConfigurationError, match=r"cannot lock campaign ledger .*nothing\.sqlite"):
        lock_ledger(tmp_path / "nothing.sqlite")
    os.chmod(private_runtime_dir / "xrt-prods-async", 0o777)  # as if made by someone else, writable by all
    ledger = tmp_path / "c.sqlite"
    ledger.touch()
    with pytest.raises(ConfigurationError, match="refusing the lock directory"):
        lock_ledger(ledger)


def test_without_a_runtime_dir_locks_live_in_a_private_temp_folder(
    ledger: Path, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.delenv("XDG_RUNTIME_DIR")
    monkeypatch.setattr("tempfile.tempdir", str(tmp_path))
    with hold(ledger):
        folder = tmp_path / f"xrt-prods-async-{os.getuid()}"
        assert folder.stat().st_mode & 0o777 == 0o700
        assert [p.name.startswith("ledger-") for p in folder.iterdir()] == [True]
