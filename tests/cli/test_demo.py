"""``xrt-prods-async demo``: a whole campaign against the embedded emulator, offline, in a few seconds."""

from __future__ import annotations

import json
import re
import tarfile
import time
from pathlib import Path

import pytest

from tests.support.report import read_page
from xrt_prods_async.campaign import CampaignStore, EntryState
from xrt_prods_async.campaign._collect import safe_dirname
from xrt_prods_async.cli import main
from xrt_prods_async.cli._demo import demo_objects
from xrt_prods_async.emulator._catalogue import CATALOGUE


def run(capsys: pytest.CaptureFixture[str], *args: str) -> tuple[int, str, float]:
    capsys.readouterr()
    started = time.monotonic()
    status = main(["demo", *args])
    captured = capsys.readouterr()
    return status, captured.out + captured.err, time.monotonic() - started


def test_the_demo_as_documented(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    status, out, took = run(capsys, "--sources", "3", "--plain", "--output", str(tmp_path))
    assert status == 0, out
    assert took < 20, f"the demo took {took:.1f} s"  # about 5 s at the default time scale
    names = [obj.name for obj in demo_objects(3)]
    for name in names:
        folder = tmp_path / safe_dirname(name)
        for stem in ("lc", "spec", "psf", "enh"):
            with tarfile.open(folder / f"{stem}.tar.gz") as archive:
                assert archive.getmembers()
        for data in ("light_curve", "spectral_fits"):
            assert json.loads((folder / f"{data}.json").read_text(encoding="utf-8"))
        assert not list(folder.glob(".*"))  # no temporary files left
        # --plain: one sentence per event, the last being "done"
        assert re.search(rf"  {re.escape(name)} \(job \d+\): done, every result saved$", out, re.M), out
        assert re.search(rf"^{re.escape(name)} +\d+ +complete ", out, re.M), out
    active = re.search(r"at most (\d+) active jobs for the demo user \(cap 5\)", out)
    assert active is not None, out
    assert 1 <= int(active.group(1)) <= 3
    with CampaignStore.open(tmp_path / "demo.campaign.sqlite", create=False) as store:
        assert store.states() == dict.fromkeys(names, EntryState.DONE)
    assert f"Report: {tmp_path / 'report.html'}" in out
    assert len(read_page(tmp_path / "report.html").rows) == 3


def test_the_live_display_works_off_a_terminal_and_a_rerun_starts_afresh(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    args = ["--sources", "4", "--max-active", "2", "--time-scale", "1500", "--output", str(tmp_path)]
    for _ in range(2):  # the second run meets the first run's ledger and files
        status, out, _took = run(capsys, *args)
        assert status == 0, out
        lines = out.splitlines()
        assert any(line.startswith("demo  queued 4  active 0/2  collecting 0  done 0") for line in lines), out
        assert any(line.startswith("demo  queued 0  active 0/2  collecting 0  done 4") for line in lines), out
        assert len(re.findall(r"^\S.* \d{4} +complete ", out, re.M)) == 4, out
        active = re.search(r"at most (\d+) active jobs for the demo user \(cap 2\)", out)
        assert active is not None
        assert int(active.group(1)) <= 2
        with CampaignStore.open(tmp_path / "demo.campaign.sqlite", create=False) as store:
            assert len(store.states()) == 4  # a fresh ledger: the first run's entries are gone
            assert {e.job_id for e in store.entries()} == {1001, 1002, 1003, 1004}  # a fresh emulator


@pytest.mark.parametrize(
    ("args", "message"),
    [
        (["--sources", "0"], f"--sources is 0; give 1 to {len(CATALOGUE)}"),
        (["--sources", "1000"], "--sources is 1000"),
        (["--time-scale", "0"], "--time-scale is 0; it must be positive"),
        (["--max-active", "0"], "--max-active is 0; it must be at least 1"),
    ],
)
def test_bad_arguments_exit_2(
    tmp_path: Path, capsys: pytest.CaptureFixture[str], args: list[str], message: str
) -> None:
    status, out, _took = run(capsys, *args, "--output", str(tmp_path / "demo"))
    assert status == 2
    assert message in out
    assert not (tmp_path / "demo").exists()
