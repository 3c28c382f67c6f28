"""What each command's exit status says, and that the command says it too: outages, full or read-only disks,
incomplete sources; the statuses listed in every command's ``--help``; log records only when asked."""

from __future__ import annotations

import errno
import logging
import os
import socket
import sqlite3
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
import stamina

from tests.cli.conftest import start_emulator
from tests.support.campaign import USER, CampaignProcess, ledger_states
from xrt_prods_async.campaign import Campaign
from xrt_prods_async.cli import build_parser
from xrt_prods_async.cli._exit import EXIT_STATUS_HELP, ExitStatus
from xrt_prods_async.cli._logs import logging_for
from xrt_prods_async.emulator import (
    FaultConfig,
    FaultRule,
    RunningEmulator,
)

TIME_SCALE = 2000.0
POLL = str(60.0 / TIME_SCALE)
LABELS = ["alpha", "beta", "gamma"]


@pytest.fixture
def emu() -> Iterator[RunningEmulator]:
    """This module's campaigns need a slower clock than the folder's default emulator."""
    with start_emulator(time_scale=TIME_SCALE) as running:
        yield running


def campaign_file(folder: Path) -> Path:
    sources = "".join(
        f'[[source]]\nname = "{label}"\nRA = 52.8\nDec = 43.9043\ntarg = "00010873"\n' for label in LABELS
    )
    path = folder / "camp.toml"
    text = "[campaign]\nmax_active = 2\nretrieve = ['positions']\n[template]\ncentroid = true\nposErr = 1\n"
    path.write_text(text + "[template.StandardPos]\n" + sources, encoding="utf-8")
    return path


def closed_port() -> int:
    """A loopback port nothing listens on (connections to it are refused)."""
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


@pytest.mark.parametrize(
    "command",
    [
        ["campaign"],
        ["campaign", "run"],
        ["campaign", "status"],
        ["campaign", "resume"],
        ["campaign", "cancel"],
        ["demo"],
        ["serve"],
    ],
)
def test_every_command_lists_the_exit_statuses_in_its_help(
    command: list[str], capsys: pytest.CaptureFixture[str]
) -> None:
    with pytest.raises(SystemExit) as stopped:
        build_parser().parse_args([*command, "--help"])
    assert stopped.value.code == 0
    assert EXIT_STATUS_HELP in capsys.readouterr().out  # verbatim: one status a line


def test_an_unreachable_service_is_one_line_and_a_clean_stop_after_the_budget(tmp_path: Path) -> None:
    ledger = tmp_path / "c.sqlite"
    url = f"http://127.0.0.1:{closed_port()}/user_objects"
    args = ["run", str(campaign_file(tmp_path)), "--ledger", str(ledger), "--base-url", url, "--user", USER]
    args += ["--poll-interval", "0.05", "--outage-budget", "0.5", "--plain"]
    process = CampaignProcess(tmp_path, args, "unreachable", no_backoff=True)
    assert process.finish() == ExitStatus.UNREACHABLE
    out = process.output()
    # Before: only "stamina.retry_scheduled" log lines, for ever.
    assert "stamina" not in out
    assert "Traceback" not in out
    assert "service unreachable since " in out
    assert f"retrying; last error: Could not connect to {url}/getNumJobs.php" in out
    assert "error: the service has been unreachable or failing since " in out
    assert f"Stopped. Nothing is lost: resume with  xrt-prods-async campaign resume {ledger}" in out
    assert ledger_states(ledger) == dict.fromkeys(LABELS, "pending")

    # Asked for, the retries are shown, and logged to a file.
    log = tmp_path / "campaign.log"
    verbose = ["resume", str(ledger), "--plain", "-v", "--log-file", str(log), "--outage-budget", "0.3"]
    again = CampaignProcess(tmp_path, verbose, "verbose", no_backoff=True)
    assert again.finish() == ExitStatus.UNREACHABLE
    assert "stamina.retry_scheduled" in again.output()
    assert "stamina.retry_scheduled" in log.read_text(encoding="utf-8")


def test_log_records_reach_the_screen_only_when_asked(capsys: pytest.CaptureFixture[str]) -> None:
    quiet = build_parser().parse_args(["campaign", "status", "x"])
    with logging_for(quiet):
        logging.getLogger("stamina").warning("stamina.retry_scheduled")
        logging.getLogger("xrt_prods_async").error("a real error")
    err = capsys.readouterr().err
    assert "stamina" not in err
    assert "a real error" in err
    loud = build_parser().parse_args(["campaign", "resume", "x", "-v"])
    with logging_for(loud):
        logging.getLogger("stamina").warning("stamina.retry_scheduled")
        logging.getLogger("httpx").debug("not at -v")
    err = capsys.readouterr().err
    assert "stamina.retry_scheduled" in err
    assert "not at -v" not in err
    assert logging.getLogger().level == logging.WARNING  # put back as it was


def test_incomplete_sources_are_listed_the_status_says_so_and_a_resume_completes(
    tmp_path: Path, cli: Any, emu: RunningEmulator
) -> None:
    emu.state.faults.configure(FaultConfig(rules=[FaultRule(endpoint="download", truncate=1.0)]))
    ledger = tmp_path / "c.sqlite"
    args = [
        "campaign",
        "run",
        str(campaign_file(tmp_path)),
        "--ledger",
        str(ledger),
        "--base-url",
        emu.base_url,
    ]
    status, out = cli(*args, "--user", USER, "--poll-interval", POLL, "--plain")
    # Before: every row "complete" with 0 files, and exit 0.
    assert status == ExitStatus.INCOMPLETE, out
    assert "3 source(s) incomplete: their jobs finished, but these are not on disk:" in out
    for label in LABELS:
        assert f"  {label} (job " in out
    assert out.count("standard position archive: Could not download the standard position archive") >= 3
    assert f"Resuming fetches exactly these: xrt-prods-async campaign resume {ledger}" in out
    assert "incomplete 3" in out  # the table's caption

    status, out = cli("campaign", "status", str(ledger))
    assert status == ExitStatus.INCOMPLETE
    assert "3 source(s) incomplete" in out
    assert "unfinished" not in out

    emu.state.faults.configure(FaultConfig())
    status, out = cli("campaign", "resume", str(ledger), "--plain")
    assert status == ExitStatus.OK, out
    assert out.count("): fetching what is missing: standard position archive") == 3
    assert cli("campaign", "status", str(ledger))[0] == ExitStatus.OK
    assert ledger_states(ledger) == dict.fromkeys(LABELS, "done")


def no_space(*args: Any, **kwargs: Any) -> Any:
    raise OSError(errno.ENOSPC, os.strerror(errno.ENOSPC))


def test_a_full_output_disk_exits_4_before_anything_is_recorded(
    tmp_path: Path, cli: Any, monkeypatch: pytest.MonkeyPatch
) -> None:
    from xrt_prods_async.campaign import _collect

    monkeypatch.setattr(_collect.os, "fsync", no_space)
    status, out = cli("campaign", "run", str(campaign_file(tmp_path)), "--user", USER)
    assert status == ExitStatus.LOCAL_IO
    assert (
        f"error: cannot write to the output folder {tmp_path / 'camp-output'}: No space left on device" in out
    )
    assert not (tmp_path / "camp.campaign.sqlite").exists()


@pytest.mark.skipif(os.name != "posix" or os.geteuid() == 0, reason="needs POSIX permissions, not root")
def test_a_read_only_output_folder_exits_4(tmp_path: Path, cli: Any) -> None:
    out_dir = tmp_path / "ro"
    out_dir.mkdir(mode=0o555)
    try:
        status, out = cli(
            "campaign", "run", str(campaign_file(tmp_path)), "--user", USER, "--output", str(out_dir)
        )
        assert status == ExitStatus.LOCAL_IO
        assert f"cannot write to the output folder {out_dir}: Permission denied" in out
    finally:
        out_dir.chmod(0o755)


def test_a_ledger_the_disk_refuses_mid_run_exits_4_without_a_traceback(
    tmp_path: Path, cli: Any, emu: RunningEmulator, monkeypatch: pytest.MonkeyPatch
) -> None:
    added = Campaign.add

    async def add_then_refuse(self: Campaign, items: Any) -> int:
        count = await added(self, items)
        self.store._db.execute("PRAGMA query_only=ON")  # from here the disk refuses every write
        return count

    monkeypatch.setattr(Campaign, "add", add_then_refuse)
    ledger = tmp_path / "c.sqlite"
    args = [
        "campaign",
        "run",
        str(campaign_file(tmp_path)),
        "--ledger",
        str(ledger),
        "--base-url",
        emu.base_url,
    ]
    status, out = cli(*args, "--user", USER, "--poll-interval", POLL, "--plain")
    assert status == ExitStatus.LOCAL_IO
    assert f"error: cannot write to campaign ledger {ledger}: attempt to write a readonly database" in out
    assert f"Nothing is lost: resume with  xrt-prods-async campaign resume {ledger}" in out
    assert "Traceback" not in out
    assert "sqlite3.OperationalError" not in out
    with sqlite3.connect(ledger) as db:
        assert {state for (state,) in db.execute("SELECT state FROM entries")} == {"pending"}
    db.close()
    monkeypatch.undo()
    status, out = cli("campaign", "resume", str(ledger), "--plain")
    assert status == ExitStatus.OK, out


def test_demo_into_a_folder_it_cannot_make_exits_4(tmp_path: Path, cli: Any) -> None:
    blocker = tmp_path / "file"
    blocker.write_text("not a folder", encoding="utf-8")
    status, out = cli("demo", "--sources", "1", "--output", str(blocker / "demo"))
    assert status == ExitStatus.LOCAL_IO
    assert f"error: cannot write to {blocker / 'demo'}: Not a directory" in out
    assert "Traceback" not in out


def test_serve_on_a_port_in_use_exits_2(cli: Any) -> None:
    with socket.socket() as taken:
        taken.bind(("127.0.0.1", 0))
        taken.listen()
        port = taken.getsockname()[1]
        status, out = cli("serve", "--port", str(port))
    assert status == ExitStatus.USAGE
    assert f"error: cannot bind 127.0.0.1:{port}" in out


def test_the_readme_lists_every_exit_status() -> None:
    readme = (Path(__file__).resolve().parents[2] / "README.md").read_text(encoding="utf-8")
    rows = {line.split("|")[1].strip() for line in readme.splitlines() if line.startswith("| ")}
    listed = {part.strip() for row in rows for part in row.split("/")}
    assert {str(int(status)) for status in ExitStatus} <= listed


def test_sources_the_ledger_could_not_record_are_never_forgotten(
    tmp_path: Path, cli: Any, monkeypatch: pytest.MonkeyPatch
) -> None:
    from xrt_prods_async.campaign import CampaignStore

    names = [f"s{i:03d}" for i in range(750)]  # two batches of the ledger's 500
    text = "[template]\ncentroid = true\nposErr = 1\n[template.StandardPos]\n" + "".join(
        f'[[source]]\nname = "{name}"\nRA = 52.8\nDec = 43.9043\ntarg = "00010873"\n' for name in names
    )
    path = tmp_path / "many.toml"
    path.write_text(text, encoding="utf-8")
    ledger = tmp_path / "many.sqlite"
    recorded = CampaignStore.add_new_entries

    def then_the_disk_is_full(self: CampaignStore, items: Any) -> list[int]:
        added = recorded(self, items)
        self._db.execute("PRAGMA query_only=ON")
        return added

    unreachable = ["--base-url", f"http://127.0.0.1:{closed_port()}/user_objects", "--outage-budget", "0.2"]
    args = ["campaign", "run", str(path), "--ledger", str(ledger), "--user", USER, *unreachable, "--plain"]
    with monkeypatch.context() as patch:
        patch.setattr(CampaignStore, "add_new_entries", then_the_disk_is_full)
        status, out = cli(*args)
    assert status == ExitStatus.LOCAL_IO
    advice = f"Only 500 of the 750 sources of {path} are in the ledger: add the others with  "
    assert advice + f"xrt-prods-async campaign run {path} --ledger {ledger}" in out
    status, out = cli("campaign", "status", str(ledger))
    assert status == ExitStatus.INCOMPLETE
    assert advice in out

    # Running the file again adds the others (here the service is down: it stops at once, all recorded).
    with stamina.set_testing(True, attempts=2, cap=True):  # no backoff between the client's retries
        status, out = cli(*args)
    assert status == ExitStatus.UNREACHABLE
    assert "Only " not in out
    assert len(ledger_states(ledger)) == 750
