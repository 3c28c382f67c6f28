"""The result calls (positions, source list, light curve, spectral fits) and name resolution at submit."""

from __future__ import annotations

from typing import Any

import pytest

from tests.support.emulator import ALL_PRODUCTS_REQUEST, OTHER, USER, Service
from xrt_prods_async.emulator import EmulatorConfig
from xrt_prods_async.wire._endpoints import Endpoint

EVERYTHING = {"sourceDet": 1, "detobs": "all", "detbands": "all"}


async def finished_job(service: Service, **overrides: Any) -> str:
    job = (await service.submit(**{**EVERYTHING, **overrides}))["JobID"]
    service.advance(100_000)
    return str(job)


async def ask(
    service: Service, endpoint: Endpoint, job: Any, user: str = USER, **extra: Any
) -> dict[str, Any]:
    return await service.call(endpoint, {"UserID": user, "JobID": job, **extra})


@pytest.mark.parametrize(
    ("endpoint", "keys"),
    [
        (Endpoint.PSF_POS, {"GotPos", "RA", "Dec", "Err90", "FromSXPS"}),
        (Endpoint.ENH_POS, {"GotPos", "RA", "Dec", "Err90"}),
        (Endpoint.ASTROM_POS, {"GotPos", "RA", "Dec", "Err90", "FromSXPS"}),
    ],
)
async def test_positions_of_a_finished_job(service: Service, endpoint: Endpoint, keys: set[str]) -> None:
    job = await finished_job(service)
    reply = await ask(service, endpoint, job)
    assert reply["OK"] == 1
    assert reply["GotPos"] in (0, 1)
    if reply["GotPos"]:
        assert keys <= set(reply)
        assert isinstance(reply["RA"], str)
        assert abs(float(reply["RA"]) - 335.6985) < 0.01
        assert abs(float(reply["Dec"]) + 7.5179) < 0.01


async def test_the_old_astrometry_path_answers_like_the_new_one(service: Service) -> None:
    job = await finished_job(service)
    assert await ask(service, Endpoint.ASTROM_POS_OLD, job) == await ask(service, Endpoint.ASTROM_POS, job)


async def test_results_wait_for_the_product(service: Service) -> None:
    job = (await service.submit())["JobID"]
    reply = await ask(service, Endpoint.PSF_POS, job)
    assert reply == {
        "OK": 0,
        "ERROR": f"The standard position of job {job} is not complete yet.",
        "APIVersion": "1.12",
    }
    reply = await ask(service, Endpoint.SOURCE_LIST, job)
    assert reply["ERROR"] == f"Job {job} did not request a source detection."
    await service.call(Endpoint.CANCEL, {"UserID": USER, "JobID": job, "what": "lc"})
    reply = await ask(service, Endpoint.LC_DATA, job)
    assert reply["ERROR"] == f"The light curve of job {job} was not produced (status -4)."
    assert (await ask(service, Endpoint.SPEC_DATA, job, user=OTHER))["ERROR"] == (
        f"Job {job} is not owned by user {OTHER}"
    )


async def test_source_list_values_are_strings(service: Service) -> None:
    job = await finished_job(service)
    reply = await ask(service, Endpoint.SOURCE_LIST, job)
    assert {"Total", "Soft", "Medium", "Hard"} <= set(reply)
    assert reply["Total"]
    assert all(isinstance(value, str) for source in reply["Total"] for value in source.values())


async def test_light_curve_layouts_follow_api_version(service: Service) -> None:
    job = await finished_job(service)
    current = await ask(service, Endpoint.LC_DATA, job, nosys="no", incbad="both", api_version="1.12")
    assert {"Datasets", "Binning", "TimeFormat", "T0"} <= set(current)
    assert any(name.endswith("_incbad") for name in current["Datasets"])
    for name in current["Datasets"]:
        data = current[f"{name}Data"]
        assert all(len(row) == len(data["columns"]) for row in data["data"])
    assert current["Binning"] == "Counts"
    old = await ask(service, Endpoint.LC_DATA, job, api_version="1.9")
    assert "Datasets" not in old
    assert "datasets" in old
    older = await ask(service, Endpoint.LC_DATA, job, api_version=1.5)
    assert "Datasets" not in older
    assert (await ask(service, Endpoint.LC_DATA, job, api_version="1.10"))["Datasets"]


async def test_light_curve_options_are_checked(service: Service) -> None:
    job = await finished_job(service)
    bad = await ask(service, Endpoint.LC_DATA, job, nosys="maybe")
    assert bad["OK"] == 0
    assert "nosys must be one of yes, no or both" in bad["ERROR"]
    as_bool = await ask(service, Endpoint.LC_DATA, job, nosys=True, incbad=False)
    assert any("_nosys" in name for name in as_bool["Datasets"])


async def test_spectral_fits_layouts_follow_api_version(service: Service) -> None:
    job = await finished_job(service)
    current = await ask(service, Endpoint.SPEC_DATA, job, api_version="1.12")
    assert current["rnames"] == ["interval0"]
    interval = current["interval0"]
    assert (
        interval["DataFile"] == f"http://testserver/user_objects/tprods/USERPROD_{job}/spec/interval0.tar.gz"
    )
    assert current["DeltaFitStat"] == 2.706
    old = await ask(service, Endpoint.SPEC_DATA, job, api_version="1.9")
    assert "rnames" not in old
    assert "interval0" in old


async def test_get_coords_targs_and_t0_use_the_catalogue(service: Service) -> None:
    request = {**ALL_PRODUCTS_REQUEST, "name": "GK Per", "getCoords": 1, "getTargs": 1, "getT0": 1}
    for key in ("RA", "Dec", "targ"):
        request.pop(key)
    pars = (await service.call(Endpoint.SUBMIT, request))["jobPars"]
    assert (pars["RA"], pars["Dec"]) == ("52.8000", "43.9043")
    assert pars["targ"]
    assert all(len(t) == 8 and t.isdigit() for t in pars["targ"].split(","))
    assert isinstance(pars["Tstart"], float)
    again = (await service.call(Endpoint.SUBMIT, request))["jobPars"]
    assert (again["targ"], again["Tstart"]) == (pars["targ"], pars["Tstart"])
    unknown = await service.call(Endpoint.SUBMIT, {**request, "name": "Planet Nine"})
    assert unknown["OK"] == 0
    assert "`Planet Nine`" in unknown["ERROR"]


async def test_science_is_the_same_for_the_same_seed(make_service: Any) -> None:
    replies = []
    for seed in (5, 5, 6):
        async with make_service(EmulatorConfig(time_scale=1e-6, seed=seed)) as svc:
            job = await finished_job(svc)
            replies.append(await ask(svc, Endpoint.LC_DATA, job))
    assert replies[0] == replies[1]
    assert replies[0] != replies[2]
