"""``xrt-prods-async campaign run|status|resume|cancel`` in-process against the emulator on loopback."""

from __future__ import annotations

import re
import tarfile
import zipfile
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any

import pytest

from tests.cli.conftest import start_emulator
from tests.support.campaign import USER, CampaignProcess, in_state, ledger_states, user_metrics, wait_for
from xrt_prods_async.campaign import CampaignStore, EntryState
from xrt_prods_async.cli import main
from xrt_prods_async.emulator import RunningEmulator

TIME_SCALE = 2000.0
POLL = str(60.0 / TIME_SCALE)
LABELS = ["alpha", "beta", "gamma"]

Cli = Callable[..., tuple[int, str]]


@pytest.fixture
def emu() -> Iterator[RunningEmulator]:
    """This module's campaigns need a slower clock than the folder's default emulator."""
    with start_emulator(time_scale=TIME_SCALE) as running:
        yield running


def campaign_file(folder: Path, *, products: str = "[template.StandardPos]\n", settings: str = "") -> Path:
    sources = "".join(
        f'[[source]]\nname = "{label}"\nRA = 52.8\nDec = 43.9043\ntarg = "00010873"\n' for label in LABELS
    )
    template = f"[template]\ncentroid = true\nposErr = 1\n{products}"
    text = f"[campaign]\n{settings or 'max_active = 2'}\n{template}{sources}"
    path = folder / "camp.toml"
    path.write_text(text, encoding="utf-8")
    return path


def submissions(emu: RunningEmulator) -> int:
    users: dict[str, Any] = emu.state.metrics_snapshot()["users"]
    return int(users.get(USER.lower(), {}).get("submissions", 0))


def test_run_then_status_then_resume_and_rerun_change_nothing(
    tmp_path: Path, cli: Cli, emu: RunningEmulator
) -> None:
    path = campaign_file(tmp_path)
    # Without --plain: stdout here is not a terminal, so the display prints lines instead of redrawing.
    status, out = cli(
        "campaign", "run", str(path), "--base-url", emu.base_url, "--user", USER, "--poll-interval", POLL
    )
    assert status == 0, out
    ledger = tmp_path / "camp.campaign.sqlite"  # the defaults: beside the campaign file
    assert f"Campaign ledger: {ledger}  (resume with: xrt-prods-async campaign resume {ledger})" in out
    lines = out.splitlines()
    assert lines[1].startswith("camp.campaign.sqlite  queued 3  active 0/2  collecting 0  done 0  failed 0")
    assert lines[1].endswith("ETA unknown")
    end = "camp.campaign.sqlite  queued 0  active 0/2  collecting 0  done 3  failed 0  elapsed "
    assert any(line.startswith(end) and line.endswith("nothing left") for line in lines), out
    for label in LABELS:  # one sentence per event, after the time since the start
        assert re.search(rf"^\d:\d\d:\d\d  {label} \(job \d+\): done, every result saved$", out, re.M), out
        with tarfile.open(tmp_path / "camp-output" / label / "psf.tar.gz") as archive:
            assert archive.getmembers()
    assert "Campaign summary" in out
    assert len(re.findall(r"^(alpha|beta|gamma) +\d+ +complete ", out, re.M)) == 3, out
    assert submissions(emu) == 3

    status, out = cli("campaign", "status", str(ledger))
    assert status == 0
    assert f"Campaign {ledger} against {emu.base_url}, output {tmp_path / 'camp-output'}" in out
    assert "done 3" in out
    assert "unfinished" not in out
    assert "requests:" not in out  # nothing was asked of the service
    # The campaign file stands for its ledger.
    assert cli("campaign", "status", str(path))[1] == out

    status, out = cli("campaign", "resume", str(ledger), "--plain")
    assert status == 0, out
    status, out = cli("campaign", "run", str(path), "--base-url", emu.base_url, "--user", USER, "--plain")
    assert status == 0, out
    assert submissions(emu) == 3  # nothing submitted twice


def test_a_wrong_user_stops_the_run_and_resume_with_the_right_one_finishes(
    tmp_path: Path, cli: Cli, emu: RunningEmulator
) -> None:
    path = campaign_file(tmp_path)
    ledger = tmp_path / "c.sqlite"
    args = ["campaign", "run", str(path), "--ledger", str(ledger), "--base-url", emu.base_url]
    status, out = cli(*args, "--user", "stranger@example.org", "--poll-interval", POLL, "--plain")
    assert status == 5  # refused by the service: an unknown user
    assert "error:" in out
    assert f"Nothing is lost: resume with  xrt-prods-async campaign resume {ledger}" in out
    assert "Traceback" not in out

    status, out = cli("campaign", "status", str(ledger))
    assert status == 1  # not done: every source is still pending
    assert out.count("pending") == 4  # three rows and the caption's "pending 3"
    assert "pending 3" in out
    assert f"3 source(s) unfinished: xrt-prods-async campaign resume {ledger}" in out

    status, out = cli("campaign", "resume", str(ledger), "--user", USER, "--plain")
    assert status == 0, out
    assert ledger_states(ledger) == dict.fromkeys(LABELS, "done")
    for label in LABELS:
        assert f"{label} (job " in out
    with CampaignStore.open(ledger, create=False) as store:
        assert store.get_meta("settings")["user_id"] == USER  # the next resume needs no --user


def test_cancel_stops_the_server_jobs_and_the_queue(tmp_path: Path, cli: Cli, emu: RunningEmulator) -> None:
    emu.state.clock.set_time_scale(1.0)  # jobs stay active until cancelled
    ledger, path = tmp_path / "c.sqlite", campaign_file(tmp_path)
    args = ["run", str(path), "--ledger", str(ledger), "--base-url", emu.base_url, "--user", USER]
    process = CampaignProcess(tmp_path, [*args, "--poll-interval", POLL, "--plain"], "run")
    wait_for(lambda: len(in_state(ledger_states(ledger), "active")) == 2, "two active jobs", process)
    # One process at a time works a campaign: the others are refused, naming the one at work.
    for action in ("cancel", "resume"):
        status, out = cli("campaign", action, str(ledger))
        assert status == 2
        assert f"is being worked on by another process (pid {process.proc.pid})" in out
    status, out = cli("campaign", *args, "--plain")
    assert status == 2
    assert "another process" in out
    # Reading is always allowed (not done yet: 1), and it suggests nothing the lock would refuse.
    status, out = cli("campaign", "status", str(ledger))
    assert status == 1
    assert f"The campaign is running now (pid {process.proc.pid} holds its ledger)" in out
    assert "campaign resume" not in out
    assert "campaign cancel" not in out
    process.kill()  # its lock goes with it

    status, out = cli("campaign", "cancel", str(ledger))
    assert status == 0, out
    assert re.search(r"^alpha \(job \d+\): cancelled on the service$", out, re.M), out
    assert "2 of 2 active job(s) cancelled on the service; 1 source(s) not yet submitted will not be." in out
    assert user_metrics(emu)["active_jobs"] == 0
    assert ledger_states(ledger) == dict.fromkeys(LABELS, "cancelled")
    status, out = cli("campaign", "status", str(ledger))
    assert "cancelled 3" in out
    assert "unfinished" not in out
    assert cli("campaign", "resume", str(ledger), "--plain")[0] == 0
    assert submissions(emu) == 2  # nothing is submitted after a cancel


def test_archive_format_downloads_and_retrievals_are_chosen(
    tmp_path: Path, cli: Cli, emu: RunningEmulator
) -> None:
    products = "[template.StandardPos]\n[template.LightCurve]\nbinMeth = 'snapshot'\n"
    path = campaign_file(tmp_path, products=products, settings="output = 'results'")
    status, out = cli(
        "campaign",
        "run",
        str(path),
        "--base-url",
        emu.base_url,
        "--user",
        USER,
        "--poll-interval",
        POLL,
        "--format",
        "zip",
        "--download",
        "psf",
        "--retrieve",
        "positions",
        "--plain",
    )
    assert status == 0, out
    for label in LABELS:
        folder = tmp_path / "results" / label  # the file's output setting, relative to the file
        assert sorted(p.name for p in folder.iterdir()) == ["psf.zip"]
        with zipfile.ZipFile(folder / "psf.zip") as archive:
            assert archive.testzip() is None
    with CampaignStore.open(tmp_path / "camp.campaign.sqlite", create=False) as store:
        for entry in store.entries():
            assert set(entry.artifacts) == {"archive:psf", "position:psf"}  # no light curve: not wanted
            assert all(artifact.ok for artifact in entry.artifacts.values())


def test_resume_from_another_folder_writes_to_the_same_place(
    tmp_path: Path, cli: Cli, emu: RunningEmulator, monkeypatch: pytest.MonkeyPatch
) -> None:
    start, elsewhere = tmp_path / "start", tmp_path / "elsewhere"
    start.mkdir()
    elsewhere.mkdir()
    path = campaign_file(start)
    monkeypatch.chdir(start)
    args = [
        "campaign",
        "run",
        "camp.toml",
        "--ledger",
        "c.sqlite",
        "--output",
        "out",
        "--base-url",
        emu.base_url,
    ]
    assert cli(*args, "--user", "stranger@example.org", "--poll-interval", POLL)[0] == 5
    monkeypatch.chdir(elsewhere)
    status, out = cli("campaign", "resume", str(start / "c.sqlite"), "--user", USER, "--plain")
    assert status == 0, out
    assert sorted(p.name for p in (start / "out").iterdir()) == LABELS
    assert not list(elsewhere.iterdir())
    assert path.exists()


# -- errors --------------------------------------------------------------------------------------------------


def test_missing_files_and_ledgers_exit_2(tmp_path: Path, cli: Cli) -> None:
    status, out = cli("campaign", "run", str(tmp_path / "nowhere.toml"))
    assert status == 2
    assert f"error: campaign file {tmp_path / 'nowhere.toml'} does not exist" in out
    for action in ("status", "resume", "cancel"):
        status, out = cli("campaign", action, str(tmp_path / "nowhere.sqlite"))
        assert status == 2, action
        assert "does not exist; start the campaign with 'campaign run' first" in out
    junk = tmp_path / "junk.sqlite"
    junk.write_text("not a database " * 200, encoding="utf-8")
    status, out = cli("campaign", "status", str(junk))
    assert status == 2
    assert "is not a campaign ledger" in out
    status, out = cli("campaign", "run", str(campaign_file(tmp_path)), "--ledger", str(junk), "--user", USER)
    assert status == 2
    assert "is not a campaign ledger" in out
    with pytest.raises(SystemExit) as caught:
        main(["campaign"])  # an action is required
    assert caught.value.code == 2


def test_invalid_sources_exit_2_listing_every_problem(tmp_path: Path, cli: Cli) -> None:
    text = (
        "[template]\ncentroid = true\nposErr = 1\n[template.StandardPos]\n"
        "[[source]]\nname = 'bad-ra'\nRA = 400\nDec = 1\ntarg = '00010873'\n"
        "[[source]]\nname = 'no-targ'\nRA = 1\nDec = 1\n"
        "[[source]]\nname = 'fine'\nRA = 1\nDec = 1\ntarg = '00010873'\n"
    )
    path = tmp_path / "bad.toml"
    path.write_text(text, encoding="utf-8")
    status, out = cli("campaign", "run", str(path), "--user", USER)
    assert status == 2
    assert f"{path} has invalid sources (2 problems)" in out
    assert "* bad-ra: RA: must be a number" in out
    assert "* no-targ: targ: required" in out
    assert "fine" not in out
    assert not (tmp_path / "bad.campaign.sqlite").exists()  # nothing started


def test_a_ledger_of_another_service_is_refused(tmp_path: Path, cli: Cli, emu: RunningEmulator) -> None:
    path = campaign_file(tmp_path)
    args = ["campaign", "run", str(path), "--user", USER, "--poll-interval", POLL, "--plain"]
    assert cli(*args, "--base-url", emu.base_url)[0] == 0
    status, out = cli(*args, "--base-url", "http://127.0.0.1:9/user_objects")
    assert status == 2
    assert f"belongs to a campaign against {emu.base_url}, not http://127.0.0.1:9/user_objects" in out
    assert "Use --ledger to start a separate campaign" in out
    assert cli(*args, "--base-url", emu.base_url + "/")[0] == 0  # the same service, spelt with a slash
    assert submissions(emu) == 3


@pytest.mark.parametrize(
    ("options", "settings", "message"),
    [
        (["--max-active", "0"], "", "max_active must be a whole number, at least 1; got 0"),
        (["--retrieve", "positions,everything"], "", "retrieve has ['everything']; choose from"),
        (["--download", "movie"], "", "setting download: 'movie' is not a product of the XRT service"),
        ([], "max_active = 'five'", "[campaign] max_active must be a whole number, at least 1 (got 'five')"),
        ([], "poll_interval = 'soon'", "[campaign] poll_interval must be a number of seconds"),
        ([], "track_progress = 'no'", "[campaign] track_progress must be true or false (got 'no')"),
        ([], "max_active = true", "[campaign] max_active must be a whole number, at least 1 (got True)"),
        ([], "outage_budget = 'soon'", "[campaign] outage_budget must be a number of seconds, more than 0"),
        (["--outage-budget", "0"], "", "outage_budget must be a number of seconds, more than 0"),
        ([], "max_active = inf", "[campaign] max_active must be a whole number, at least 1 (got inf)"),
        ([], "poll_interval = inf", "[campaign] poll_interval must be a number of seconds, more than 0"),
        ([], "retrieve = 5", "[campaign] retrieve must be a list of names"),
        ([], "download = [1]", "[campaign] download must be a list of names"),
        (
            ["--base-url", "https://www.example.org/user_objects", "--poll-interval", "1"],
            "",
            "poll_interval 1 s is too fast for www.example.org",
        ),
        (["--base-url", "http://www.example.org/user_objects"], "", "https"),
    ],
)
def test_bad_settings_exit_2_before_anything_is_sent(
    tmp_path: Path, cli: Cli, options: list[str], settings: str, message: str
) -> None:
    path = campaign_file(tmp_path, settings=settings)
    status, out = cli("campaign", "run", str(path), "--user", USER, "--plain", *options)
    assert status == 2
    assert message in out
    assert "Traceback" not in out
    assert not (tmp_path / "camp.campaign.sqlite").exists()  # refused before anything was recorded


def test_no_user_id_exits_2_naming_the_fix_before_a_ledger_is_made(
    tmp_path: Path, cli: Cli, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.delenv("XRT_PRODS_USER_ID", raising=False)
    status, out = cli("campaign", "run", str(campaign_file(tmp_path)), "--base-url", "http://127.0.0.1:9/x")
    assert status == 2
    assert out.startswith("error: no user: give --user you@example.org, put user_id in the campaign file's ")
    assert "XRT_PRODS_USER_ID" in out
    assert "XRTClient" not in out  # the command line's words, not Python's
    assert not (tmp_path / "camp.campaign.sqlite").exists()  # nothing left to resume by mistake


def test_the_base_url_comes_from_the_environment_when_not_given(
    tmp_path: Path, cli: Cli, emu: RunningEmulator, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("XRT_PRODS_BASE_URL", emu.base_url)
    monkeypatch.setenv("XRT_PRODS_USER_ID", USER)
    status, out = cli("campaign", "run", str(campaign_file(tmp_path)), "--poll-interval", POLL, "--plain")
    assert status == 0, out
    with CampaignStore.open(tmp_path / "camp.campaign.sqlite", create=False) as store:
        assert store.get_meta("settings")["base_url"] == emu.base_url
        assert set(store.states().values()) == {EntryState.DONE}


def test_the_example_campaign_runs_as_documented(tmp_path: Path, cli: Cli, emu: RunningEmulator) -> None:
    example = Path(__file__).resolve().parents[2] / "examples" / "campaign.toml"
    ledger, output = tmp_path / "example.sqlite", tmp_path / "out"  # nothing written beside the example
    args = ["campaign", "run", str(example), "--ledger", str(ledger), "--output", str(output)]
    status, out = cli(*args, "--base-url", emu.base_url, "--user", USER, "--poll-interval", POLL)
    assert status == 0, out
    folders = sorted(p.name for p in output.iterdir())
    assert folders == ["BOAT", "GK_Per", "GRB_130925A", "GRB_190114C", "GRB_200416A", "GRB_200416A_z_0.2"]
    assert sorted(p.name for p in (output / "GRB_190114C").iterdir()) == [
        "enh.tar.gz",
        "lc.tar.gz",
        "light_curve.json",
        "psf.tar.gz",
        "spec.tar.gz",
        "spectral_fits.json",
    ]
    assert len(re.findall(r"^\S.* \d{4} +complete ", out, re.M)) == 6, out  # the summary's rows


def test_text_with_brackets_is_printed_as_written(tmp_path: Path, cli: Cli, emu: RunningEmulator) -> None:
    # rich would take "[campaign]" or "[2]" for markup and drop it: labels and messages must come out whole.
    bad = tmp_path / "bad.toml"
    bad.write_text("[sources]\nx = 1\n", encoding="utf-8")
    status, out = cli("campaign", "run", str(bad))
    assert status == 2
    assert "unknown table(s) ['sources']; use [campaign], [template] and [[source]]" in out
    text = (
        "[template]\ncentroid = true\nposErr = 1\n[template.StandardPos]\n"
        "[[source]]\nlabel = 'GK [b]2[/b]'\nname = 'GK Per'\nRA = 52.8\nDec = 43.9043\ntarg = '00010873'\n"
    )
    path = tmp_path / "brackets.toml"
    path.write_text(text, encoding="utf-8")
    for plain in (["--plain"], []):
        args = [
            "campaign",
            "run",
            str(path),
            "--base-url",
            emu.base_url,
            "--user",
            USER,
            "--poll-interval",
            POLL,
        ]
        status, out = cli(*args, "--ledger", str(tmp_path / f"{len(plain)}.sqlite"), *plain)
        assert status == 0, out
        assert re.search(r"  GK \[b\]2\[/b\] \(job \d+\): done, every result saved$", out, re.M), out
        assert re.search(r"^GK \[b\]2\[/b\] +\d+ +complete ", out, re.M), out  # the summary table's row


def test_a_source_the_service_refuses_fails_alone_and_the_exit_status_says_so(
    tmp_path: Path, cli: Cli, emu: RunningEmulator
) -> None:
    text = (
        "[template]\ncentroid = true\nposErr = 1\n[template.StandardPos]\n"
        "[[source]]\nname = 'GK Per'\nRA = 52.8\nDec = 43.9043\ntarg = '00010873'\n"
        "[[source]]\nname = 'no such object'\ngetCoords = true\ntarg = '00010873'\n"
    )
    path = tmp_path / "mixed.toml"
    path.write_text(text, encoding="utf-8")
    args = ["campaign", "run", str(path), "--base-url", emu.base_url, "--user", USER, "--poll-interval", POLL]
    status, out = cli(*args, "--plain")
    assert status == 1, out
    assert re.search(r"^GK Per +\d+ +complete ", out, re.M), out
    assert re.search(r"^no such object +failed \(", out, re.M), out
    assert "done 1, failed 1" in out
