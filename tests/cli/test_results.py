"""``xrt-prods-async results JOB lc|spec|pos|sources``: the result's own table, every row as CSV, the whole
result as JSON."""

from __future__ import annotations

import csv
from pathlib import Path

import pytest

from tests.cli.conftest import POLL, Run
from tests.support.cli import LC_AND_POSITION_TOML, SCIENCE_TOML, toml_request
from xrt_prods_async.emulator import RunningEmulator


def finished_job(run: Run, folder: Path, products: str) -> int:
    ran = run("submit", toml_request(folder, products), "--wait", "--poll-interval", POLL)
    assert ran.status == 0, ran.text
    return int(ran.out.splitlines()[0])


@pytest.fixture
def lc_job(tmp_path: Path, run: Run, service: RunningEmulator) -> int:
    return finished_job(run, tmp_path, LC_AND_POSITION_TOML)


@pytest.fixture
def science_job(tmp_path: Path, run: Run, service: RunningEmulator) -> int:
    return finished_job(run, tmp_path, SCIENCE_TOML)


def read_csv(path: Path) -> list[dict[str, str]]:
    with path.open(newline="", encoding="utf-8") as handle:
        return list(csv.DictReader(handle))


def test_light_curve_table_csv_and_json(tmp_path: Path, run: Run, lc_job: int) -> None:
    ran = run("results", lc_job, "lc")
    assert ran.status == 0, ran.text
    assert ran.out.startswith("Light curve: ")
    assert "PC       count rates" in ran.out
    assert "--csv FILE or --json for the data" in ran.err

    data = run("results", lc_job, "lc", "--json").json()
    assert {"PC", "WT"} <= set(data["datasets"])
    pc = data["datasets"]["PC"]
    assert pc["columns"][:4] == ["Time", "TimePos", "TimeNeg", "Rate"]
    assert len(pc["rows"]) > 0
    assert data["binning"] == "Counts"

    table = tmp_path / "lc.csv"
    ran = run("results", lc_job, "lc", "--csv", table)
    rows = read_csv(table)
    assert len(rows) == sum(len(d["rows"]) for d in data["datasets"].values())
    assert f"wrote {len(rows)} rows to {table}" in ran.err
    pc_rows = [r for r in rows if r["dataset"] == "PC"]
    assert float(pc_rows[0]["Rate"]) == pytest.approx(pc["rows"][0][3])
    assert pc_rows[0]["HR"] == ""  # a column only the hardness ratios have is empty here


def test_light_curve_variants(run: Run, lc_job: int) -> None:
    both = run("results", lc_job, "lc", "--incbad", "both", "--json").json()
    assert {"PC", "PC_incbad"} <= set(both["datasets"])
    only = run("results", lc_job, "lc", "--incbad", "--json").json()
    assert all(name.endswith("_incbad") for name in only["datasets"])


def test_positions(tmp_path: Path, run: Run, science_job: int) -> None:
    ran = run("results", science_job, "pos")
    assert ran.status == 0, ran.text
    lines = ran.out.splitlines()
    assert [line.split(":")[0] for line in lines] == [
        "standard position",
        "enhanced position",
        "astrometric position",
    ]
    result = run("results", science_job, "pos", "--json", "--csv", tmp_path / "pos.csv").json()
    assert result["job_id"] == science_job
    assert list(result["positions"]) == ["psf", "enh", "xastrom"]
    psf = result["positions"]["psf"]
    assert psf["found"] is True
    assert psf["ra"] == pytest.approx(335.6985, abs=0.01)
    rows = read_csv(tmp_path / "pos.csv")
    assert [r["product"] for r in rows] == ["psf", "enh", "xastrom"]
    assert float(rows[0]["err90"]) == psf["err90"]


def test_spectral_fits(tmp_path: Path, run: Run, science_job: int) -> None:
    ran = run("results", science_job, "spec")
    assert ran.status == 0, ran.text
    assert ran.out.startswith("Spectral fits: ")
    assert "PowerLaw" in ran.out
    fits = run("results", science_job, "spec", "--json", "--csv", tmp_path / "spec.csv").json()
    (interval,) = fits["intervals"].values()
    assert set(interval["modes"]) <= {"WT", "PC"}
    rows = read_csv(tmp_path / "spec.csv")
    assert {r["model"] for r in rows} == {"PowerLaw"}
    assert float(rows[0]["Gamma"]) > 0


def test_source_list(tmp_path: Path, run: Run, science_job: int) -> None:
    ran = run("results", science_job, "sources")
    assert ran.status == 0, ran.text
    assert ran.out.startswith("Source list: ")
    sources = run("results", science_job, "sources", "--json", "--csv", tmp_path / "src.csv").json()
    total = sources["bands"]["Total"]
    assert total
    assert {"sno", "ra", "dec", "err90", "C"} <= set(total[0])
    rows = read_csv(tmp_path / "src.csv")
    assert len(rows) == sum(len(band) for band in sources["bands"].values())
    assert rows[0]["band"] == "Total"


def test_a_product_the_job_does_not_have(run: Run, lc_job: int) -> None:
    ran = run("results", lc_job, "spec")
    assert ran.status == 1
    assert ran.err == f"error: Job {lc_job} has no spectrum; it asked for: light curve, standard position\n"
    ran = run("results", lc_job, "sources", "--json")
    assert ran.status == 1
    assert ran.json() == {
        "error": "ProductNotReadyError",
        "message": f"Job {lc_job} has no source detection; it asked for: light curve, standard position",
        "exit_status": 1,
    }
