"""``xrt-prods-async rebin JOB NAME=VALUE...``: the RebinID, or with ``--wait`` the rebinned light curve."""

from __future__ import annotations

import csv
from pathlib import Path

import pytest

from tests.cli.conftest import POLL, Run
from tests.support.cli import LC_AND_POSITION_TOML, toml_request
from tests.support.emulator import OTHER
from xrt_prods_async.cli import main
from xrt_prods_async.cli._exit import ExitStatus
from xrt_prods_async.cli._rebin import binning_option
from xrt_prods_async.emulator import RunningEmulator

TIME_BINNING = ("binMeth=time", "pcBinTime=5000", "wtBinTime=50")


def finished_job(run: Run, folder: Path, products: str = LC_AND_POSITION_TOML) -> int:
    ran = run("submit", toml_request(folder, products), "--wait", "--poll-interval", POLL)
    assert ran.status == 0, ran.text
    return int(ran.out.splitlines()[0])


@pytest.mark.parametrize(
    ("text", "option"),
    [
        ("binMeth=time", ("binMeth", "time")),
        ("pcBinTime=5000", ("pcBinTime", 5000)),
        ("pc_bin_time=2.5", ("pc_bin_time", 2.5)),
        ("dynamic=true", ("dynamic", True)),
        ('binMeth="obsid"', ("binMeth", "obsid")),
        ("name=a=b", ("name", "a=b")),
    ],
)
def test_binning_options_are_name_equals_value(text: str, option: tuple[str, object]) -> None:
    assert binning_option(text) == option


@pytest.mark.parametrize(
    "argv", [["rebin", "1001", "binMeth"], ["rebin", "1001", "=time"], ["rebin", "1001"]]
)
def test_a_malformed_option_is_a_usage_error(argv: list[str]) -> None:
    with pytest.raises(SystemExit) as stopped:
        main(argv)
    assert stopped.value.code == ExitStatus.USAGE


def test_an_option_given_twice_is_a_usage_error(run: Run) -> None:
    ran = run("rebin", "1001", "binMeth=time", "binMeth=counts", "--user", OTHER)
    assert ran.status == ExitStatus.USAGE
    assert ran.err == "error: binning option binMeth is given twice\n"


def test_rebin_prints_the_rebin_id(tmp_path: Path, run: Run, service: RunningEmulator) -> None:
    job = finished_job(run, tmp_path)
    ran = run("rebin", job, *TIME_BINNING)
    assert ran.status == 0, ran.text
    rebin_id = int(ran.out)
    assert f"rebin {rebin_id} of job {job}'s light curve requested" in ran.err
    assert run("rebin", job, *TIME_BINNING, "--json").json() == {"rebin_id": rebin_id + 1, "job_id": job}


def test_rebin_wait_prints_the_rebinned_light_curve(
    tmp_path: Path, run: Run, service: RunningEmulator
) -> None:
    job = finished_job(run, tmp_path)
    ran = run("rebin", job, *TIME_BINNING, "--wait", "--poll-interval", POLL)
    assert ran.status == 0, ran.text
    assert ran.out.startswith("Light curve: ")
    table = tmp_path / "rebinned.csv"
    ran = run("rebin", job, *TIME_BINNING, "--wait", "--poll-interval", POLL, "--json", "--csv", table)
    assert ran.status == 0, ran.text
    result = ran.json()
    assert result["job_id"] == job
    assert isinstance(result["rebin_id"], int)
    curve = result["light_curve"]
    assert curve["datasets"]
    with table.open(newline="", encoding="utf-8") as handle:
        rows = list(csv.DictReader(handle))
    assert len(rows) == sum(len(d["rows"]) for d in curve["datasets"].values())


def test_wrong_binning_options_send_nothing_and_name_the_option(
    tmp_path: Path, run: Run, service: RunningEmulator
) -> None:
    job = finished_job(run, tmp_path)
    ran = run("rebin", job, "binMeth=time", "pcBinTime=-1", "wtBinTime=50")
    assert ran.status == ExitStatus.USAGE
    (line,) = ran.err.splitlines()
    assert line.startswith("error: ")
    assert "pcBinTime" in line


def test_rebin_of_a_job_without_a_light_curve_or_not_yours(
    tmp_path: Path, run: Run, service: RunningEmulator
) -> None:
    job = finished_job(run, tmp_path, "[StandardPos]\n")
    ran = run("rebin", job, *TIME_BINNING)
    assert ran.status == ExitStatus.INCOMPLETE
    assert ran.err.startswith(f"error: Job {job} has no light curve")
    ran = run("rebin", job, *TIME_BINNING, "--user", OTHER)
    assert ran.status == ExitStatus.REFUSED
