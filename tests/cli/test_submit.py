"""``xrt-prods-async submit``: request files in TOML and JSON (swifttools or Python names, swifttools' saved
JSON), the JobID on stdout, ``--wait``, ``--download`` and ``--json``; bad files send nothing."""

from __future__ import annotations

import tarfile
from pathlib import Path
from typing import Any

import pytest

from tests.cli.conftest import POLL, Run, start_emulator
from tests.support.cli import json_request, toml_request
from tests.support.emulator import USER
from tests.support.examples import load_example
from tests.support.params import PY_GLOBALS
from xrt_prods_async.emulator import RunningEmulator


def submissions(emu: RunningEmulator) -> int:
    users: dict[str, Any] = emu.state.metrics_snapshot()["users"]
    return int(users.get(USER.lower(), {}).get("submissions", 0))


def test_a_toml_request_is_submitted_and_only_the_jobid_goes_to_stdout(
    tmp_path: Path, run: Run, service: RunningEmulator
) -> None:
    ran = run("submit", toml_request(tmp_path))
    assert ran.status == 0, ran.text
    assert ran.out == "1001\n"  # JOB=$(xrt-prods-async submit grb.toml) just works
    assert "submitted job 1001 (GRB 200416A): light curve, standard position" in ran.err
    status = run("status", "1001", "--json").json()
    assert status["job_id"] == 1001
    assert list(status["products"]) == ["lc", "psf"]


def test_python_names_in_json_with_wait_and_download(
    tmp_path: Path, run: Run, service: RunningEmulator
) -> None:
    body = {**PY_GLOBALS, "light_curve": {"bin_meth": "snapshot"}, "standard_pos": {}}
    out = tmp_path / "archives"
    ran = run("submit", json_request(tmp_path, body), "--download", out, "--poll-interval", POLL, "--json")
    assert ran.status == 0, ran.text
    result = ran.json()
    assert result["job_id"] == 1001
    assert result["name"] == "GRB 200416A"
    assert result["products"] == ["lc", "psf"]
    assert result["url"].startswith(service.base_url)
    assert result["status"]["complete"] is True  # --download waited first
    assert {p: s["code"] for p, s in result["status"]["products"].items()} == {"lc": 4, "psf": 4}
    assert result["files"] == {"lc": str(out / "lc.tar.gz"), "psf": str(out / "psf.tar.gz")}
    for path in result["files"].values():
        with tarfile.open(path) as archive:
            assert archive.getmembers()
    assert "job 1001: light curve complete, standard position complete" in ran.err  # progress on stderr


def test_swifttools_saved_json_is_read_as_swifttools_wrote_it(
    tmp_path: Path, run: Run, service: RunningEmulator
) -> None:
    saved = load_example("request_submit_swifttools_v1.12_generated.json")  # getJSONDict(), UserID and all
    ran = run("submit", json_request(tmp_path, saved), "--json")
    assert ran.status == 0, ran.text
    assert set(ran.json()["products"]) == {"lc", "spec", "psf", "enh", "xastrom"}
    assert submissions(service) == 1


def test_wait_prints_the_final_status_and_says_when_a_product_failed(tmp_path: Path, run: Run) -> None:
    with start_emulator(failure_rate=1.0) as emu:
        ran = run(
            "submit", toml_request(tmp_path), "--wait", "--poll-interval", POLL,
            "--user", USER, "--base-url", emu.base_url,
        )  # fmt: skip
    assert ran.status == 1, ran.text  # INCOMPLETE: the job finished, but not every product was made
    assert ran.out.splitlines()[0] == "1001"
    assert "Job 1001 status" in ran.out
    assert "2 failed or cancelled" in ran.out


@pytest.mark.parametrize(
    ("name", "text", "message"),
    [
        (
            "missing.toml",
            'name = "GRB 200416A"\ntarg = "00966554"\nRA = 335.6985\nDec = -7.5179\ncentroid = true\n'
            "[LightCurve]\nbinMeth = 'snapshot'\n",
            "The request in {path} is not valid (1 problem): posErr: required when centroid=True",
        ),
        ("typo.toml", "name = \n", "{path} is not valid TOML: "),
        ("broken.json", '{"name": ', "{path} is not valid JSON: "),
        ("list.json", "[1, 2]", "{path}: a request is an object of parameters, not list"),
        ("request.yaml", "name: x", "{path}: a request file is .json or .toml, not .yaml"),
    ],
)
def test_a_bad_request_file_is_a_usage_error_and_nothing_is_sent(
    tmp_path: Path, run: Run, service: RunningEmulator, name: str, text: str, message: str
) -> None:
    path = tmp_path / name
    path.write_text(text, encoding="utf-8")
    ran = run("submit", path)
    assert ran.status == 2
    assert ran.out == ""
    assert ran.err.startswith("error: " + message.format(path=path))
    assert len(ran.err.splitlines()) == 1  # one line, however many problems
    assert submissions(service) == 0


def test_a_request_with_many_problems_lists_them_on_one_line_in_its_own_names(
    tmp_path: Path, run: Run, service: RunningEmulator
) -> None:
    path = json_request(tmp_path, {"name": "GRB 200416A", "RA": 335.6985, "StandardPos": {}})
    ran = run("submit", path)
    assert ran.status == 2
    (line,) = ran.err.splitlines()
    assert f"The request in {path} is not valid (3 problems): " in line
    assert "; Dec: required" in line  # swifttools names, as the file was written in them
    assert "Traceback" not in ran.text


def test_a_missing_request_file_is_a_local_io_failure(tmp_path: Path, run: Run) -> None:
    ran = run("submit", tmp_path / "nowhere.toml", "--user", USER)
    assert ran.status == 4
    assert ran.err == f"error: [Errno 2] No such file or directory: '{tmp_path / 'nowhere.toml'}'\n"
