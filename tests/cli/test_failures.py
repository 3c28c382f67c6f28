"""Every one-job command fails the same way: one line on stderr naming the command-line option to fix, a
JSON object under ``--json``, the documented exit status (``cli/_exit.py``), and never a traceback."""

from __future__ import annotations

import socket
from pathlib import Path

import pytest

from tests.cli.conftest import Run
from tests.support.cli import toml_request
from tests.support.emulator import OTHER, USER
from xrt_prods_async.cli import main
from xrt_prods_async.cli._exit import ExitStatus, status_for
from xrt_prods_async.client import ENV_USER_ID
from xrt_prods_async.emulator import FaultConfig, FaultRule, RunningEmulator

#: One invocation of every command that talks to the service (JOB 1001, submitted in the tests that need it).
EVERY_COMMAND: list[tuple[str, ...]] = [
    ("status", "1001"),
    ("wait", "1001"),
    ("download", "1001", "out"),
    ("cancel", "1001"),
    ("jobs",),
    ("count",),
    ("results", "1001", "lc"),
]


def closed_port_url() -> str:
    """A loopback URL nothing listens on (the port was free a moment ago)."""
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        port = sock.getsockname()[1]
    return f"http://127.0.0.1:{port}/user_objects"


@pytest.mark.parametrize("command", EVERY_COMMAND, ids=lambda c: c[0])
def test_no_user_names_the_option(run: Run, command: tuple[str, ...]) -> None:
    ran = run(*command)
    assert ran.status == ExitStatus.USAGE
    assert ran.err == (
        f"error: no user: give --user you@example.org or set {ENV_USER_ID} to the e-mail address you "
        "registered at https://www.swift.ac.uk/user_objects/register.php\n"
    )
    assert ran.out == ""


@pytest.mark.parametrize("command", EVERY_COMMAND, ids=lambda c: c[0])
def test_an_unreachable_service_is_exit_status_3(
    run: Run, command: tuple[str, ...], no_backoff: None
) -> None:
    ran = run(*command, "--user", USER, "--base-url", closed_port_url(), "--json")
    assert ran.status == ExitStatus.UNREACHABLE
    assert ran.json()["exit_status"] == 3
    assert ran.json()["error"] == "ServiceUnavailableError"
    *retries, last = ran.err.splitlines()
    assert last.startswith("error: Could not connect to http://127.0.0.1:")
    assert last.endswith(
        "; check that --base-url is right and the service is running there, or try again later"
    )
    assert retries  # each retry said so
    assert all(line.startswith("no usable answer from the service; retry ") for line in retries)


@pytest.mark.parametrize("command", EVERY_COMMAND[:4] + EVERY_COMMAND[-1:], ids=lambda c: c[0])
def test_an_unknown_job_is_refused(run: Run, service: RunningEmulator, command: tuple[str, ...]) -> None:
    ran = run(*command)  # no job 1001 exists: the service says it is not the user's
    assert ran.status == ExitStatus.REFUSED
    assert ran.err == f"error: Job 1001 is not owned by user {USER}\n"


def test_another_users_job_is_refused(tmp_path: Path, run: Run, service: RunningEmulator) -> None:
    assert run("submit", toml_request(tmp_path)).out == "1001\n"
    for command in EVERY_COMMAND[:4] + EVERY_COMMAND[-1:]:
        ran = run(*command, "--user", OTHER, "--json")
        assert ran.status == ExitStatus.REFUSED, command
        assert ran.json()["error"] == "NotOwnerError"
    assert run("status", "1001").status == 0  # its owner still may


def test_an_unregistered_user_is_refused(run: Run, service: RunningEmulator) -> None:
    ran = run("count", "--user", "stranger@example.org")
    assert ran.status == ExitStatus.REFUSED
    assert ran.err.startswith("error: The user `stranger@example.org` is not recognised")


def test_a_lost_submit_reply_says_how_to_find_the_job(
    tmp_path: Path, run: Run, service: RunningEmulator
) -> None:
    lost = FaultRule(endpoint="run_userobject.php", lost_reply=1.0, limit=1)
    service.state.faults.configure(FaultConfig(rules=[lost]))
    ran = run("submit", toml_request(tmp_path))
    assert ran.status == ExitStatus.UNREACHABLE
    (line,) = ran.err.splitlines()
    assert "look with 'xrt-prods-async jobs' for a job named 'GRB 200416A' submitted between " in line
    assert line.endswith(" UTC: if there is one, use its JobID")
    assert [job["name"] for job in run("jobs", "--json").json()] == ["GRB 200416A"]  # it is there


def test_results_of_an_unfinished_job_say_to_wait(tmp_path: Path, run: Run, service: RunningEmulator) -> None:
    service.state.clock.set_time_scale(1.0)
    assert run("submit", toml_request(tmp_path)).status == 0
    ran = run("results", "1001", "lc")
    assert ran.status == ExitStatus.INCOMPLETE
    assert ran.err.startswith("error: The light curve of job 1001 is not complete yet (")
    assert ran.err.endswith("; wait for it first: xrt-prods-async wait JOB\n")


def test_plain_http_off_loopback_names_the_option(run: Run) -> None:
    ran = run("count", "--user", USER, "--base-url", "http://example.org/user_objects")
    assert ran.status == ExitStatus.USAGE
    assert ran.err.startswith("error: --base-url 'http://example.org/user_objects' uses plain http://")


def test_a_base_url_without_user_objects_names_the_option_and_the_fix(run: Run, emu: RunningEmulator) -> None:
    ran = run("count", "--user", USER, "--base-url", emu.root_url, "--json")
    assert ran.err == (
        f"error: The service answered HTTP 404 (Not Found) for {emu.root_url}/getNumJobs.php: 'UKSSDC | "
        "404 page not found'; there is no API endpoint at that URL: --base-url must be the service's root, "
        f"ending in /user_objects; try --base-url {emu.base_url}\n"
    )
    assert ran.json()["error"] == "ServiceUnavailableError"


def test_too_fast_polling_off_loopback_names_the_option(run: Run) -> None:
    ran = run("wait", "1001", "--user", USER, "--base-url", "https://example.org/x", "--poll-interval", "1")
    assert ran.status == ExitStatus.USAGE
    assert "--poll-interval 1 s is too fast for example.org" in ran.err
    assert "use --poll-interval 10" in ran.err


def test_a_folder_that_cannot_be_made_is_a_local_io_failure(
    tmp_path: Path, run: Run, service: RunningEmulator
) -> None:
    from tests.cli.test_jobs import finished

    job = finished(run, tmp_path)
    blocker = tmp_path / "file"
    blocker.write_text("in the way")
    ran = run("download", job, blocker / "out")
    assert ran.status == ExitStatus.LOCAL_IO
    assert ran.err.startswith(f"error: Cannot create the folder {blocker / 'out'}: Not a directory")


@pytest.mark.parametrize(
    "argv",
    [
        ["status", "abc"],
        ["status", "0"],
        ["results", "1001", "image"],
        ["download", "1001", "x", "--products", "nope"],
    ],
)
def test_a_bad_command_line_is_argparses_usage_error(argv: list[str]) -> None:
    with pytest.raises(SystemExit) as stopped:
        main(argv)
    assert stopped.value.code == ExitStatus.USAGE


def test_ctrl_c_is_exit_status_130(
    run: Run, service: RunningEmulator, monkeypatch: pytest.MonkeyPatch
) -> None:
    def interrupted(*args: object, **kwargs: object) -> None:
        raise KeyboardInterrupt

    monkeypatch.setattr("anyio.run", interrupted)
    ran = run("count")
    assert ran.status == ExitStatus.INTERRUPTED
    assert ran.err == "error: interrupted; jobs already submitted keep running on the service\n"


def test_every_failure_has_a_documented_status() -> None:
    from datetime import UTC, datetime

    from xrt_prods_async._errors import (
        DownloadError,
        DownloadWriteError,
        JobLimitError,
        RedirectRefusedError,
        ServiceUnavailableError,
        SubmitUncertainError,
    )

    now = datetime.now(UTC)
    lost = SubmitUncertainError("lost", name="x", fingerprint="f", sent_after=now, sent_before=now)
    assert status_for(lost) is ExitStatus.UNREACHABLE
    assert status_for(JobLimitError("too many")) is ExitStatus.REFUSED
    assert status_for(RedirectRefusedError("r", url="u", location="l", status_code=302, reason="x")) is (
        ExitStatus.UNREACHABLE
    )
    failed = DownloadError("failed")
    failed.__cause__ = ServiceUnavailableError("down")
    assert status_for(failed) is ExitStatus.UNREACHABLE
    assert status_for(DownloadError("not a complete archive")) is ExitStatus.INCOMPLETE
    assert status_for(PermissionError(13, "Permission denied")) is ExitStatus.LOCAL_IO
    full = DownloadWriteError("Cannot write lc.tar.gz: No space left on device", path="lc.tar.gz")
    full.__cause__ = OSError(28, "No space left on device")
    assert status_for(full) is ExitStatus.LOCAL_IO
