"""What a rebin makes: the job's own source binned as asked, the options mapped onto the submit rules."""

from __future__ import annotations

import json
import math
import statistics
from collections.abc import Awaitable, Callable
from typing import Any

import pytest
from swifttools.ukssdc.xrt_prods.productVars import prodPythonParsToJSONPars

from tests.support.emulator import USER, Service
from xrt_prods_async.emulator._rebin import REBIN_OPTIONS, check_options
from xrt_prods_async.emulator._retrieval import job_science
from xrt_prods_async.emulator._sky import Snapshot
from xrt_prods_async.params import LightCurve
from xrt_prods_async.params._fields import param_of
from xrt_prods_async.wire import MAIN_API_PATH, MAIN_API_VERSION, Endpoint, MainApiFunction

MainApi = Callable[..., Awaitable[dict[str, Any]]]
#: Only the light curve (counts binning, as the job was submitted), so the job is done after one advance.
LC_ONLY = {"spec": None, "dopsf": None, "doenh": None, "doxastrom": None, "image": None}
GK_PER = {"name": "V* GK Per", "targ": "00030842", "RA": 52.8, "Dec": 43.9}
RATE_SETS = ("WT_incbad", "WTUL_incbad", "PC_incbad", "PCUL_incbad")


async def job_and_curve(service: Service, **overrides: Any) -> tuple[str, dict[str, Any]]:
    reply = await service.submit(**{**LC_ONLY, **overrides})
    service.advance(100_000)
    job = str(reply["JobID"])
    curve = await service.call(Endpoint.LC_DATA, {"UserID": USER, "JobID": job, "incbad": "yes"})
    return job, curve


async def rebinned(service: Service, main_api: MainApi, job: str, **options: Any) -> dict[str, Any]:
    reply = await main_api(MainApiFunction.REBIN.value, type="UOB_LC", objectID=job, **options)
    assert reply["OK"] == 1, reply
    service.advance(3600)
    curve = await main_api(
        MainApiFunction.DOWNLOAD_LIGHT_CURVE.value,
        type="REBIN_LC",
        objectID=int(reply["JobID"]),
        incbad="yes",
    )
    assert curve["OK"] == 1, curve
    return curve


def rows(curve: dict[str, Any], *names: str) -> list[dict[str, float]]:
    """Rows of the named datasets (those present) as column -> number."""
    out = []
    for name in names:
        data = curve.get(f"{name}Data")
        if data is not None:
            out += [dict(zip(data["columns"], map(float, row), strict=True)) for row in data["data"]]
    return out


def total_counts(curve: dict[str, Any]) -> float:
    return sum(row["CtsInSrc"] for row in rows(curve, *RATE_SETS))


def windows(service: Service, job: str) -> tuple[Snapshot, ...]:
    record = service.state.jobs[int(job)]
    science = job_science(service.state, record, service.state.products_url("http://testserver", int(job)))
    return science.light_curve.settings.windows


# --------------------------------------------------------------------------- the same source
@pytest.mark.parametrize("target", [{}, GK_PER])
async def test_the_same_options_give_the_same_curve(
    service: Service, main_api: MainApi, target: dict[str, Any]
) -> None:
    job, original = await job_and_curve(service, **target)
    curve = await rebinned(service, main_api, job, binMeth="counts", pcCounts=20, wtCounts=30, dynamic=True)
    assert curve["Datasets"] == original["Datasets"]
    assert (curve["Binning"], curve["TimeFormat"], curve["T0"]) == ("Counts", "MET", original["T0"])
    for name in original["Datasets"]:
        assert curve[f"{name}Data"]["data"] == original[f"{name}Data"]["data"], name
        assert curve[f"{name}Data"]["URL"] != original[f"{name}Data"]["URL"]


@pytest.mark.parametrize("target", [{}, GK_PER])
async def test_time_bins_are_fewer_longer_and_conserve_counts(
    service: Service, main_api: MainApi, target: dict[str, Any]
) -> None:
    job, original = await job_and_curve(service, **target)
    curve = await rebinned(service, main_api, job, binMeth="time", pcBinTime=2000, wtBinTime=2000)
    assert curve["Binning"] == "Time"
    new, old = rows(curve, *RATE_SETS), rows(original, *RATE_SETS)
    assert 0 < len(new) < len(old)
    assert all(row["TimePos"] - row["TimeNeg"] == pytest.approx(2000, abs=0.01) for row in new)
    assert statistics.median(row["TimePos"] - row["TimeNeg"] for row in old) < 2000
    before, after = total_counts(original), total_counts(curve)
    assert after == pytest.approx(before, abs=4 * math.sqrt(2 * before))


@pytest.mark.parametrize("method", ["snapshot", "obsid"])
async def test_one_bin_per_snapshot_or_obsid(service: Service, main_api: MainApi, method: str) -> None:
    job, original = await job_and_curve(service)
    curve = await rebinned(service, main_api, job, binMeth=method)
    assert curve["Binning"] == {"snapshot": "Snapshot", "obsid": "Observation"}[method]
    plan = windows(service, job)
    for mode in ("WT", "PC"):
        mine = [w for w in plan if w.mode == mode]
        expected = len(mine) if method == "snapshot" else len({w.obsid for w in mine})
        assert len(rows(curve, f"{mode}_incbad", f"{mode}UL_incbad")) == expected, mode
    before, after = total_counts(original), total_counts(curve)
    assert after == pytest.approx(before, abs=4 * math.sqrt(2 * before))


async def test_time_format_and_upper_limits_are_honoured(service: Service, main_api: MainApi) -> None:
    job, original = await job_and_curve(service)
    assert original["TimeFormat"] == "MET"
    curve = await rebinned(
        service, main_api, job, binMeth="time", pcBinTime=3000, wtBinTime=3000, timeFormat="MJD", allowUL="no"
    )
    assert curve["TimeFormat"] == "MJD"
    assert not any("UL" in name for name in curve["Datasets"])
    times = [row["Time"] for row in rows(curve, "PC_incbad")]
    assert times
    assert all(50000 < t < 70000 for t in times)
    with_limits = await rebinned(service, main_api, job, binMeth="time", pcBinTime=3000, wtBinTime=3000)
    assert "PCUL_incbad" in with_limits["Datasets"]


async def test_minimum_fractional_exposure_drops_bins(service: Service, main_api: MainApi) -> None:
    job, _ = await job_and_curve(service)
    options = {"binMeth": "time", "pcBinTime": 1000, "wtBinTime": 1000}
    every = rows(await rebinned(service, main_api, job, **options), *RATE_SETS)
    full = rows(await rebinned(service, main_api, job, minFracExp=0.9, **options), *RATE_SETS)
    assert 0 < len(full) < len(every)
    assert min(row["FracExp"] for row in every) < 0.9 <= min(row["FracExp"] for row in full)


async def test_the_observation_selection_is_inherited_unless_given(
    service: Service, main_api: MainApi
) -> None:
    job, _ = await job_and_curve(service)
    plan = windows(service, job)
    first = plan[0].obsid
    chosen, _original = await job_and_curve(service, lcobs="user", uselcobs=first)
    assert len(windows(service, chosen)) < len(plan)
    inherited = await rebinned(service, main_api, chosen, binMeth="obsid")
    assert len(rows(inherited, *RATE_SETS)) == len({(w.mode, w.obsid) for w in windows(service, chosen)})
    everything = await rebinned(service, main_api, chosen, binMeth="obsid", whichData="all")
    assert len(rows(everything, *RATE_SETS)) == len({(w.mode, w.obsid) for w in plan})
    only_use = await rebinned(service, main_api, job, binMeth="obsid", useObs=first)
    assert len(rows(only_use, *RATE_SETS)) == len(rows(inherited, *RATE_SETS))


async def test_energy_bands_are_checked_and_kept(service: Service, main_api: MainApi) -> None:
    """The synthetic curve has no energy dependence; a rebin's bands are checked and kept in its pars."""
    job, _ = await job_and_curve(service)
    reply = await main_api(
        MainApiFunction.REBIN.value,
        type="UOB_LC",
        objectID=job,
        binMeth="snapshot",
        minEnergy=0.5,
        maxEnergy=8,
        softLo=0.5,
        hardHi=8,
    )
    record = service.state.rebins.get(int(reply["JobID"]))
    assert record is not None
    assert (record.pars["minen"], record.pars["maxen"], record.pars["soft1"], record.pars["hard2"]) == (
        "0.5",
        "8",
        "0.5",
        "8",
    )
    assert record.pars["name"] == "GRB 200416A"


async def test_the_curve_is_built_on_download_only(service: Service, main_api: MainApi) -> None:
    job, _ = await job_and_curve(service)
    reply = await main_api(MainApiFunction.REBIN.value, type="UOB_LC", objectID=job, binMeth="obsid")
    record = service.state.rebins.get(int(reply["JobID"]))
    assert record is not None
    assert not record._curves
    service.advance(3600)
    response = await service.client.post(
        f"/{MAIN_API_PATH}",
        json={
            "APIFunc": "downloadLightCurve",
            "APIVersion": MAIN_API_VERSION,
            "type": "REBIN_LC",
            "objectID": record.rebin_id,
        },
    )
    assert json.loads(response.text)["OK"] == 1
    assert len(record._curves) == 1


# --------------------------------------------------------------------------- the option names
def test_option_names_match_swifttools() -> None:
    """The options arrive under swifttools' names; its own mapping (less a dead entry) is the emulator's."""
    theirs = {name: wire for name, wire in prodPythonParsToJSONPars["lc"].items() if name not in ("bintime",)}
    ours = {name: wire for name, wire in REBIN_OPTIONS.items() if name != wire}
    assert ours == {name: wire for name, wire in theirs.items() if name != "timeType"}


def test_option_names_match_the_client_models() -> None:
    """Every light-curve field the client knows by a swifttools name maps to the same wire key here."""
    client = {}
    for info in LightCurve.model_fields.values():
        facts = param_of(info)
        if facts is not None and facts.swifttools is not None:
            client[facts.st_name] = facts.wire
    assert {name: wire for name, wire in REBIN_OPTIONS.items() if name != wire} == client
    same_names = {name for name, wire in REBIN_OPTIONS.items() if name == wire}
    assert same_names <= {param_of(info).wire for info in LightCurve.model_fields.values() if param_of(info)}


JOB_PARS = {
    "UserID": USER,
    "name": "GRB 200416A",
    "targ": "00966554",
    "RA": "335.6985",
    "Dec": "-7.5179",
    "cent": 1,
    "poserr": 1,
    "lc": 1,
    "spec": 1,
    "binMeth": "counts",
    "pccounts": "20",
    "wtcounts": "30",
    "dynamic": 1,
    "hrbin": 0,
    "lcobs": "user",
    "uselcobs": "00966554001",
    "specz": 0,
    "outdir": "USERPROD_1001",
}


def test_check_options_replaces_the_light_curve_options() -> None:
    check = check_options(JOB_PARS, {"binMeth": "time", "pcBinTime": 1000, "wtBinTime": "50"})
    assert check.pars is not None
    pars = check.pars
    assert (pars["binMeth"], pars["pcbin"], pars["wtbin"], pars["hrbin"]) == ("time", "1000", "50", 1)
    assert "pccounts" not in pars
    assert "dynamic" not in pars
    assert (pars["lcobs"], pars["uselcobs"]) == ("user", "00966554001")  # inherited
    assert (pars["lc"], pars["spec"], pars["name"], pars["RA"]) == (1, 0, "GRB 200416A", "335.6985")


def test_check_options_reports_unknown_names_first() -> None:
    check = check_options(JOB_PARS, {"binMeth": "obsid", "pccounts": 5, "Verbose": True})
    assert check.pars is None
    assert check.unknown == ("pccounts", "Verbose")


def test_check_options_prefers_the_current_name_to_its_alias() -> None:
    check = check_options(JOB_PARS, {"binMeth": "obsid", "timeType": "s", "timeFormat": "m"})
    assert check.pars is not None
    assert check.pars["lctimetype"] == "m"
    check = check_options(JOB_PARS, {"binMeth": "obsid", "timeFormat": "m", "timeType": "s"})
    assert check.pars is not None
    assert check.pars["lctimetype"] == "m"
    check = check_options(JOB_PARS, {"binMeth": "obsid", "wtmaxGap": 10})
    assert check.pars is not None
    assert check.pars["wtmaxgap"] == 10
