"""``status``, ``wait``, ``download``, ``cancel``, ``jobs`` and ``count``: one job, one command, as a table or
as JSON, with the exit status saying whether everything asked for was done."""

from __future__ import annotations

import tarfile
import zipfile
from pathlib import Path

from tests.cli.conftest import POLL, Run
from tests.support.cli import toml_request
from xrt_prods_async.emulator import RunningEmulator


def submitted(run: Run, folder: Path, *options: str) -> int:
    """Submit the GRB 200416A request (light curve, standard position); its JobID."""
    ran = run("submit", toml_request(folder), *options)
    assert ran.status == 0, ran.text
    return int(ran.out.splitlines()[0])


def finished(run: Run, folder: Path) -> int:
    return submitted(run, folder, "--wait", "--poll-interval", POLL)


def test_status_as_a_table_and_as_json(tmp_path: Path, run: Run, service: RunningEmulator) -> None:
    job = finished(run, tmp_path)
    ran = run("status", job)
    assert ran.status == 0
    assert ran.out.startswith(f"Job {job} status\n")
    assert "light curve        complete" in ran.out
    assert "\x1b[" not in ran.out  # not a terminal: plain text
    status = run("status", job, "--json").json()
    assert status["finished"] is status["complete"] is True
    lc = status["products"]["lc"]
    assert (lc["product"], lc["code"], lc["raw_code"], lc["state"]) == ("lc", 4, 4, "complete")
    assert lc["text"] == "Complete"


def test_wait_follows_a_job_to_its_end(tmp_path: Path, run: Run, service: RunningEmulator) -> None:
    job = submitted(run, tmp_path)
    ran = run("wait", job, "--poll-interval", POLL, "--json")
    assert ran.status == 0, ran.text
    assert ran.json()["complete"] is True
    assert ran.err.splitlines()[-1] == f"job {job}: light curve complete, standard position complete"


def test_wait_gives_up_at_the_timeout_and_the_job_goes_on(
    tmp_path: Path, run: Run, service: RunningEmulator
) -> None:
    service.state.clock.set_time_scale(1.0)  # the job stays queued or running
    job = submitted(run, tmp_path)
    ran = run("wait", job, "--poll-interval", "0.01", "--timeout", "0.05")
    assert ran.status == 1  # INCOMPLETE: waiting again may finish it
    assert ran.err.splitlines()[-1].startswith(
        f"error: Job {job} did not finish within 0.05 s (still waiting:"
    )
    assert ran.err.rstrip().endswith("it keeps running on the server: wait again, or cancel it")


def test_download_saves_verified_archives_and_keeps_what_is_there(
    tmp_path: Path, run: Run, service: RunningEmulator
) -> None:
    job = finished(run, tmp_path)
    out = tmp_path / "out"
    ran = run("download", job, out)
    assert ran.status == 0, ran.text
    assert f"Job {job}: 2 archive(s) saved" in ran.out
    assert str(out / "lc.tar.gz") in ran.out
    with tarfile.open(out / "psf.tar.gz") as archive:
        assert archive.getmembers()

    again = run("download", job, out)
    assert again.status == 1
    assert again.err == f"error: {out / 'lc.tar.gz'} already exists; use --overwrite to replace it\n"
    assert run("download", job, out, "--overwrite").status == 0

    ran = run("download", job, out, "--products", "StandardPos", "--format", "zip", "--json")
    assert ran.json() == {"job_id": job, "files": {"psf": str(out / "psf.zip")}}
    with zipfile.ZipFile(out / "psf.zip") as archive:
        assert archive.testzip() is None


def test_download_of_an_unfinished_job_says_to_wait(
    tmp_path: Path, run: Run, service: RunningEmulator
) -> None:
    service.state.clock.set_time_scale(1.0)
    job = submitted(run, tmp_path)
    ran = run("download", job, tmp_path / "out")
    assert ran.status == 1
    assert ran.err.startswith(f"error: Job {job}: not finished yet, so not downloadable: ")
    assert ran.err.endswith("(wait for it first: xrt-prods-async wait JOB)\n")
    assert not (tmp_path / "out" / "lc.tar.gz").exists()


def test_cancel_all_then_again(tmp_path: Path, run: Run, service: RunningEmulator) -> None:
    service.state.clock.set_time_scale(1.0)
    job = submitted(run, tmp_path)
    ran = run("cancel", job, "--products", "lc", "--json")
    assert ran.status == 0, ran.text
    result = ran.json()
    assert (result["job_id"], result["outcome"], result["cancelled"]) == (job, "all", ["lc"])
    assert result["products"]["lc"]["code"] == 0
    assert list(result["products"]) == ["lc"]  # only what was asked

    ran = run("cancel", job)  # the light curve is gone already: only the position is cancelled now
    assert ran.status == 1  # INCOMPLETE: not everything asked for was cancelled
    assert f"Job {job} cancel: partly cancelled" in ran.out
    assert "standard position  cancelled" in ran.out
    status = run("status", job, "--json").json()
    assert {p: s["state"] for p, s in status["products"].items()} == {"lc": "cancelled", "psf": "cancelled"}


def test_jobs_lists_the_history_newest_first(tmp_path: Path, run: Run, service: RunningEmulator) -> None:
    first, second = submitted(run, tmp_path), submitted(run, tmp_path)
    ran = run("jobs")
    assert ran.status == 0
    assert ran.out.startswith("2 job(s), newest first\n")
    lines = ran.out.splitlines()
    assert lines[1].split() == ["job", "name", "submitted", "(UTC)", "products", "files"]
    assert lines[3].split()[:3] == [str(second), "GRB", "200416A"]
    assert lines[3].split()[-2:] == ["lc,psf", "yes"]
    assert lines[4].split()[0] == str(first)
    history = run("jobs", "--json").json()
    assert [job["job_id"] for job in history] == [second, first]
    assert history[0]["products"] == ["lc", "psf"]
    assert history[0]["name"] == "GRB 200416A"
    assert [job["job_id"] for job in run("jobs", "--json", "--limit", "1").json()] == [second]


def test_count_active_jobs(tmp_path: Path, run: Run, service: RunningEmulator) -> None:
    assert run("count", "--json").json() == {"active_jobs": 0}
    service.state.clock.set_time_scale(1.0)
    submitted(run, tmp_path)
    ran = run("count")
    assert (ran.status, ran.out) == (0, "1 active job(s): queued or running\n")
