"""The main API (``POST /API/main.php``): rebinning a job's light curve, its envelope, timing and errors."""

from __future__ import annotations

import json
from collections.abc import Awaitable, Callable
from typing import Any

import pytest
from hypothesis import HealthCheck, given
from hypothesis import settings as hypothesis_settings
from hypothesis import strategies as st

from tests.support.emulator import OTHER, USER, Service
from xrt_prods_async.emulator import DurationModel, EmulatorConfig, EmulatorState, FaultConfig, FaultRule
from xrt_prods_async.emulator._api import call as api_call
from xrt_prods_async.emulator._mainapi import MainApiError, call, metric_key
from xrt_prods_async.wire import (
    MAIN_API_PATH,
    MAIN_API_VERSION,
    Endpoint,
    LightCurveType,
    MainApiFunction,
    StatusCode,
)

MainApi = Callable[..., Awaitable[dict[str, Any]]]

REBIN = MainApiFunction.REBIN.value
STATUS = MainApiFunction.REBIN_STATUS.value
CANCEL = MainApiFunction.CANCEL_REBIN.value
DOWNLOAD = MainApiFunction.DOWNLOAD_LIGHT_CURVE.value
TIME_BINS = {"binMeth": "time", "pcBinTime": 2000, "wtBinTime": 2000}
#: Only the light curve, so the job is done after one advance.
LC_ONLY = {"spec": None, "dopsf": None, "doenh": None, "doxastrom": None, "image": None}


def fails(reply: dict[str, Any], code: MainApiError, *words: str) -> None:
    """An error reply: ``ERROR`` (the code as text) and ``ERRORTEXT``, never ``OK``."""
    assert "OK" not in reply, reply
    assert reply["ERROR"] == str(int(code)), reply
    for word in words:
        assert word in reply["ERRORTEXT"], reply


async def finished_job(service: Service, **overrides: Any) -> str:
    reply = await service.submit(**{**LC_ONLY, **overrides})
    service.advance(100_000)
    return str(reply["JobID"])


async def rebin(main_api: MainApi, job: str | int, **options: Any) -> int:
    reply = await main_api(REBIN, type="UOB_LC", objectID=job, **(options or TIME_BINS))
    assert reply["OK"] == 1, reply
    assert isinstance(reply["JobID"], str)
    assert reply["JobID"].isdigit()
    return int(reply["JobID"])


def config(**overrides: Any) -> EmulatorConfig:
    return EmulatorConfig(time_scale=1e-6, users=[USER, OTHER], **overrides)


# --------------------------------------------------------------------------- the documented bodies
async def test_documented_request_bodies(
    make_service: Callable[..., Any], main_api_of: Callable[[Service], MainApi], example: Callable[[str], Any]
) -> None:
    async with make_service(config(start_job_id=951)) as svc:
        await finished_job(svc)
        request = example(
            "rebin_request_constructed.json"
        )  # objectID "951": the JobID as swifttools holds it
        response = await svc.client.post(f"/{MAIN_API_PATH}", json=request)
        assert response.status_code == 200
        reply = json.loads(response.text)
        assert set(reply) == {*example("rebin_response_constructed.json"), "APIVersion"}
        rebin_id = int(reply["JobID"])
        svc.advance(3600)

        main_api = main_api_of(svc)
        status = example("rebin_status_request_constructed.json")
        status.update(JobID=rebin_id)
        reply = json.loads((await svc.client.post(f"/{MAIN_API_PATH}", json=status)).text)
        assert set(reply) == {*example("rebin_status_response_constructed.json"), "APIVersion"}
        assert (reply["status"], reply["text"]) == (4, "Complete")

        download = example("rebin_getlc_request_constructed.json")
        download.update(objectID=rebin_id)
        curve = json.loads((await svc.client.post(f"/{MAIN_API_PATH}", json=download)).text)
        assert curve["OK"] == 1
        assert (curve["Binning"], curve["TimeFormat"]) == ("Time", "MJD")
        assert all(name.endswith("_incbad") for name in curve["Datasets"])

        cancel = example("rebin_cancel_request_constructed.json")
        cancel.update(JobID=rebin_id)
        reply = json.loads((await svc.client.post(f"/{MAIN_API_PATH}", json=cancel)).text)
        fails(reply, MainApiError.NOT_CANCELLABLE, "already finished")
        assert (await main_api(STATUS, JobID=rebin_id))["status"] == 4


async def test_error_reply_has_the_documented_shape(main_api: MainApi, example: Callable[[str], Any]) -> None:
    reply = await main_api(STATUS, JobID=123)
    documented = example("mainapi_error_constructed.json")
    assert set(reply) == {*documented, "APIVersion"}
    assert isinstance(reply["ERROR"], str)
    assert reply["ERROR"].isdigit()


# --------------------------------------------------------------------------- rebinLightCurve
async def test_rebin_is_refused_until_the_light_curve_is_complete(
    service: Service, main_api: MainApi
) -> None:
    job = (await service.submit(**LC_ONLY))["JobID"]
    fails(await main_api(REBIN, type="UOB_LC", objectID=job, **TIME_BINS), MainApiError.NOT_READY, job)
    service.advance(100_000)
    assert await rebin(main_api, job) >= 70001


async def test_rebin_needs_an_existing_job_with_a_light_curve(service: Service, main_api: MainApi) -> None:
    fails(await main_api(REBIN, type="UOB_LC", objectID="4242", **TIME_BINS), MainApiError.NOT_FOUND, "4242")
    no_lc = (await service.submit(lc=None))["JobID"]
    service.advance(100_000)
    reply = await main_api(REBIN, type="UOB_LC", objectID=no_lc, **TIME_BINS)
    fails(reply, MainApiError.NOT_FOUND, "no light curve")


async def test_rebin_of_a_cancelled_light_curve(service: Service, main_api: MainApi) -> None:
    job = (await service.submit(**LC_ONLY))["JobID"]
    cancel = await service.call("canceljob.php", {"UserID": USER, "JobID": job, "what": "lc"})
    assert cancel["OK"] == 1
    reply = await main_api(REBIN, type="UOB_LC", objectID=job, **TIME_BINS)
    fails(reply, MainApiError.NO_PRODUCT, "status -4")


async def test_rebin_of_a_failed_light_curve(
    make_service: Callable[..., Any], main_api_of: Callable[[Service], MainApi]
) -> None:
    async with make_service(config(failure_rate=1.0)) as svc:
        job = await finished_job(svc)
        reply = await main_api_of(svc)(REBIN, type="UOB_LC", objectID=job, **TIME_BINS)
        fails(reply, MainApiError.NO_PRODUCT, "status -3")


async def test_rebin_takes_the_job_id_as_text_or_number(service: Service, main_api: MainApi) -> None:
    job = await finished_job(service)
    first, second = await rebin(main_api, job), await rebin(main_api, int(job))
    assert second == first + 1


@pytest.mark.parametrize(
    ("arguments", "code", "words"),
    [
        ({"objectID": "{job}"}, MainApiError.BAD_ARGUMENT, ("No type",)),
        ({"type": "GRB", "objectID": "{job}"}, MainApiError.UNSUPPORTED_TYPE, ("GRB", "UOB_LC")),
        ({"type": "REBIN_LC", "objectID": "{job}"}, MainApiError.UNSUPPORTED_TYPE, ("REBIN_LC",)),
        ({"type": 7, "objectID": "{job}"}, MainApiError.BAD_ARGUMENT, ("type",)),
        ({"type": "UOB_LC"}, MainApiError.BAD_ARGUMENT, ("No objectID",)),
        ({"type": "UOB_LC", "objectID": "12ab"}, MainApiError.BAD_ARGUMENT, ("12ab",)),
        ({"type": "UOB_LC", "objectID": -5}, MainApiError.BAD_ARGUMENT, ("-5",)),
        ({"type": "UOB_LC", "objectID": [1]}, MainApiError.BAD_ARGUMENT, ("objectID",)),
        ({"type": "UOB_LC", "objectID": True}, MainApiError.BAD_ARGUMENT, ("objectID",)),
        ({"type": "UOB_LC", "objectID": "{job}", "name": 5}, MainApiError.BAD_ARGUMENT, ("name",)),
        ({"type": "UOB_LC", "objectID": "{job}", "UserID": USER}, MainApiError.BAD_ARGUMENT, ("UserID",)),
        # Wire names are not taken: the options travel under swifttools' Python names.
        (
            {"type": "UOB_LC", "objectID": "{job}", "pcbin": 100},
            MainApiError.BAD_ARGUMENT,
            ("pcbin", "pcBinTime"),
        ),
    ],
)
async def test_rebin_arguments_are_checked(
    service: Service, main_api: MainApi, arguments: dict[str, Any], code: MainApiError, words: tuple[str, ...]
) -> None:
    job = await finished_job(service)
    body = {key: (job if value == "{job}" else value) for key, value in arguments.items()}
    fails(await main_api(REBIN, **{"binMeth": "snapshot", **body}), code, *words)


@pytest.mark.parametrize(
    ("options", "missing", "invalid"),
    [
        ({}, ["binMeth"], []),
        ({"binMeth": None}, ["binMeth"], []),
        ({"binMeth": "weekly"}, [], ["binMeth is weekly, but must be one of counts, time, snapshot, obsid"]),
        ({"binMeth": "counts"}, ["pcCounts", "wtCounts", "dynamic"], []),
        (
            {"binMeth": "counts", "pcCounts": 0, "wtCounts": 2.5, "dynamic": "maybe"},
            [],
            [
                "pcCounts is 0, but must be at least 1",
                "wtCounts is 2.5, but must be a whole number",
                "dynamic is maybe, but must be 0 or 1",
            ],
        ),
        ({"binMeth": "time", "pcBinTime": -1}, [], ["pcBinTime is -1, but must be greater than 0"]),
        ({"binMeth": "snapshot", "minFracExp": 2}, [], ["minFracExp is 2, but must be between 0 and 1"]),
        (
            {"binMeth": "snapshot", "timeFormat": "days"},
            [],
            ["timeFormat is days, but must be one of s, m, sec, mjd"],
        ),
        (
            {"binMeth": "snapshot", "timeType": "days"},
            [],
            ["timeType is days, but must be one of s, m, sec, mjd"],
        ),
        (
            {"binMeth": "obsid", "minEnergy": 2, "softHi": 1.5},
            [],
            [
                "softLo is 0.3, but must be at least minEnergy (2)",
                "hardLo is 1.5, but must be at least minEnergy (2)",
            ],
        ),
        ({"binMeth": "obsid", "whichData": "user"}, ["useObs"], []),
    ],
)
async def test_rebin_options_follow_the_light_curve_rules_in_python_names(
    service: Service, main_api: MainApi, options: dict[str, Any], missing: list[str], invalid: list[str]
) -> None:
    job = await finished_job(service)
    reply = await main_api(REBIN, type="UOB_LC", objectID=job, **options)
    fails(reply, MainApiError.BAD_OPTIONS, "There were problems with the parameters you supplied.")
    groups = {group["label"]: group["list"] for group in reply["listErr"]}
    assert groups.get("The following parameters are needed, but were not supplied:", []) == missing
    assert groups.get("The following parameters have invalid values:", [])[: len(invalid)] == invalid
    for item in [*missing, *invalid]:
        assert item in reply["ERRORTEXT"]


async def test_rebin_accepts_json_booleans_and_numeric_strings(service: Service, main_api: MainApi) -> None:
    job = await finished_job(service)
    rebin_id = await rebin(
        main_api,
        job,
        binMeth="counts",
        pcCounts="15",
        wtCounts=25,
        dynamic=True,
        matchHR=True,
        timeType="MJD",
    )
    assert service.state.rebins.get(rebin_id) is not None


async def test_rebin_time_binning_needs_no_bin_lengths(service: Service, main_api: MainApi) -> None:
    """The bin lengths, hardness-ratio ones included, have documented defaults (docs/parameters.md §4)."""
    job = await finished_job(service)
    rebin_id = await rebin(main_api, job, binMeth="time", matchHR=False)
    assert service.state.rebins.get(rebin_id) is not None


# --------------------------------------------------------------------------- status, timing, cancel
async def test_status_follows_the_simulated_clock(
    make_service: Callable[..., Any], main_api_of: Callable[[Service], MainApi]
) -> None:
    settings = config(request_delay=5, rebin_duration=DurationModel(median=40, sigma=0))
    async with make_service(settings) as svc:
        main_api = main_api_of(svc)
        rebin_id = await rebin(main_api, await finished_job(svc))

        async def status() -> tuple[int, str]:
            reply = await main_api(STATUS, JobID=rebin_id)
            assert reply["OK"] == 1
            assert set(reply) == {"OK", "status", "text", "APIVersion"}
            return reply["status"], reply["text"]

        assert await status() == (1, "Requested, not yet queued")
        svc.advance(4.9)
        assert await status() == (1, "Requested, not yet queued")
        svc.advance(0.2)
        assert await status() == (3, "Running")
        fails(await main_api(DOWNLOAD, type="REBIN_LC", objectID=rebin_id), MainApiError.NOT_READY, "Running")
        svc.advance(39.7)
        assert await status() == (3, "Running")
        svc.advance(0.3)
        assert await status() == (4, "Complete")
        record = svc.state.rebins.get(rebin_id)
        assert record is not None
        assert record.status_requests == 5
        assert record.min_status_interval == pytest.approx(0.2, abs=0.01)


async def test_rebins_run_faster_at_a_higher_time_scale(
    make_service: Callable[..., Any], main_api_of: Callable[[Service], MainApi]
) -> None:
    async with make_service(config(rebin_duration=DurationModel(median=30, sigma=0))) as svc:
        main_api = main_api_of(svc)
        rebin_id = await rebin(main_api, await finished_job(svc))
        svc.state.clock.set_time_scale(1e9)  # a real microsecond is then 1000 simulated seconds
        assert (await main_api(STATUS, JobID=rebin_id))["status"] == 4


async def test_durations_repeat_with_the_seed(
    make_service: Callable[..., Any], main_api_of: Callable[[Service], MainApi]
) -> None:
    durations = []
    for _ in range(2):
        async with make_service(config(seed=11)) as svc:
            main_api = main_api_of(svc)
            job = await finished_job(svc)
            ids = [await rebin(main_api, job) for _ in range(3)]
            durations.append([svc.state.rebins.get(i).duration for i in ids])  # type: ignore[union-attr]
    assert durations[0] == durations[1]
    assert len(set(durations[0])) == 3
    assert all(2 <= d <= 3600 for d in durations[0])


async def test_cancel_a_running_rebin(service: Service, main_api: MainApi) -> None:
    rebin_id = await rebin(main_api, await finished_job(service))
    service.advance(6)
    assert (await main_api(STATUS, JobID=rebin_id))["status"] == 3
    assert await main_api(CANCEL, JobID=rebin_id) == {"OK": 1, "APIVersion": MAIN_API_VERSION}
    service.advance(100_000)
    status = await main_api(STATUS, JobID=rebin_id)
    assert (status["status"], status["text"]) == (-4, "Cancelled at your request")
    fails(await main_api(CANCEL, JobID=rebin_id), MainApiError.NOT_CANCELLABLE, "Cancelled at your request")
    download = await main_api(DOWNLOAD, type="REBIN_LC", objectID=rebin_id, incbad="yes", nosys="no")
    fails(download, MainApiError.NO_PRODUCT, "status -4")


async def test_cancel_before_it_runs_and_other_rebins_carry_on(service: Service, main_api: MainApi) -> None:
    job = await finished_job(service)
    first, second = await rebin(main_api, job), await rebin(main_api, job)
    assert (await main_api(CANCEL, JobID=str(first)))["OK"] == 1
    service.advance(100_000)
    assert (await main_api(STATUS, JobID=first))["status"] == -4
    assert (await main_api(STATUS, JobID=second))["status"] == 4


async def test_a_failed_rebin_has_no_curve(service: Service, main_api: MainApi) -> None:
    rebin_id = await rebin(main_api, await finished_job(service))
    record = service.state.rebins.get(rebin_id)
    assert record is not None
    record.fails = True
    service.advance(100_000)
    status = await main_api(STATUS, JobID=rebin_id)
    assert status["status"] == int(StatusCode.NO_PRODUCT)
    fails(await main_api(DOWNLOAD, type="REBIN_LC", objectID=rebin_id), MainApiError.NO_PRODUCT, "status -3")
    fails(await main_api(CANCEL, JobID=rebin_id), MainApiError.NOT_CANCELLABLE)


@pytest.mark.parametrize("func", [STATUS, CANCEL])
@pytest.mark.parametrize(
    ("arguments", "code"),
    [
        ({}, MainApiError.BAD_ARGUMENT),
        ({"JobID": None}, MainApiError.BAD_ARGUMENT),
        ({"JobID": "seventy"}, MainApiError.BAD_ARGUMENT),
        ({"JobID": 0}, MainApiError.BAD_ARGUMENT),
        ({"JobID": 1.5}, MainApiError.BAD_ARGUMENT),
        ({"JobID": {"id": 1}}, MainApiError.BAD_ARGUMENT),
        ({"JobID": 69999}, MainApiError.NOT_FOUND),
        ({"JobID": 70001, "UserID": USER}, MainApiError.BAD_ARGUMENT),
    ],
)
async def test_status_and_cancel_arguments(
    main_api: MainApi, func: str, arguments: dict[str, Any], code: MainApiError
) -> None:
    fails(await main_api(func, **arguments), code)


# --------------------------------------------------------------------------- downloadLightCurve
async def test_download_variants(service: Service, main_api: MainApi) -> None:
    rebin_id = await rebin(main_api, await finished_job(service))
    service.advance(3600)
    both = await main_api(DOWNLOAD, type="REBIN_LC", objectID=rebin_id, incbad="both", nosys="both")
    assert both["OK"] == 1
    assert {"PC", "PC_incbad", "WT_nosys", "WT_nosys_incbad"} <= set(both["Datasets"])
    plain = await main_api(DOWNLOAD, type="REBIN_LC", objectID=str(rebin_id), incbad=False, nosys=False)
    assert all("_" not in name for name in plain["Datasets"])
    for name in plain["Datasets"]:
        assert plain[f"{name}Data"]["data"] == both[f"{name}Data"]["data"]
    default = await main_api(DOWNLOAD, type="REBIN_LC", objectID=rebin_id)
    assert default["Datasets"] == plain["Datasets"]


@pytest.mark.parametrize(
    ("arguments", "code"),
    [
        ({"objectID": "{id}"}, MainApiError.BAD_ARGUMENT),
        ({"type": "UOB_LC", "objectID": "{id}"}, MainApiError.UNSUPPORTED_TYPE),
        ({"type": "GRB", "objectID": "{id}"}, MainApiError.UNSUPPORTED_TYPE),
        ({"type": "REBIN_LC"}, MainApiError.BAD_ARGUMENT),
        ({"type": "REBIN_LC", "objectID": "x"}, MainApiError.BAD_ARGUMENT),
        ({"type": "REBIN_LC", "objectID": 5}, MainApiError.NOT_FOUND),
        ({"type": "REBIN_LC", "objectID": "{id}", "incbad": "sometimes"}, MainApiError.BAD_ARGUMENT),
        ({"type": "REBIN_LC", "objectID": "{id}", "nosys": 1}, MainApiError.BAD_ARGUMENT),
        ({"type": "REBIN_LC", "objectID": "{id}", "binMeth": "time"}, MainApiError.BAD_ARGUMENT),
    ],
)
async def test_download_arguments(
    service: Service, main_api: MainApi, arguments: dict[str, Any], code: MainApiError
) -> None:
    rebin_id = await rebin(main_api, await finished_job(service))
    service.advance(3600)
    body = {key: (rebin_id if value == "{id}" else value) for key, value in arguments.items()}
    fails(await main_api(DOWNLOAD, **body), code)


async def test_no_data_selected_gives_nolc(service: Service, main_api: MainApi) -> None:
    rebin_id = await rebin(main_api, await finished_job(service), binMeth="snapshot", useObs="99999999001")
    service.advance(3600)
    reply = await main_api(DOWNLOAD, type="REBIN_LC", objectID=rebin_id, incbad="yes")
    assert reply["OK"] == 1
    assert reply["NOLC"] == 1
    assert reply["Datasets"] == []


# --------------------------------------------------------------------------- the rebinned curve's files
async def test_the_curve_files_are_served_once_complete(service: Service, main_api: MainApi) -> None:
    job = await finished_job(service)
    rebin_id = await rebin(main_api, job)
    service.advance(3600)
    curve = await main_api(DOWNLOAD, type="REBIN_LC", objectID=rebin_id, incbad="both", nosys="both")
    urls = {curve[f"{name}Data"]["URL"] for name in curve["Datasets"]}
    prefix = f"http://testserver/user_objects/tprods/USERPROD_{job}/rebin_{rebin_id}/lc/"
    assert all(url.startswith(prefix) for url in urls)
    for url in urls:
        response = await service.client.get(url)
        assert response.status_code == 200, url
        assert response.headers["content-type"].startswith("text/plain")
        assert response.text.startswith("READ ")
        assert "Binning: Time" in response.text
    pc = curve["PCData"]["data"][0]
    assert pc[0] in (await service.client.get(curve["PCData"]["URL"])).text


async def test_curve_files_are_404_unless_the_rebin_is_complete(service: Service, main_api: MainApi) -> None:
    job = await finished_job(service)
    running, cancelled = await rebin(main_api, job), await rebin(main_api, job)
    await main_api(CANCEL, JobID=cancelled)
    base = f"/user_objects/tprods/USERPROD_{job}"
    assert (await service.client.get(f"{base}/rebin_{running}/lc/PCCURVE.qdp")).status_code == 404
    service.advance(3600)
    assert (await service.client.get(f"{base}/rebin_{running}/lc/PCCURVE.qdp")).status_code == 200
    for path in (
        f"{base}/rebin_{cancelled}/lc/PCCURVE.qdp",
        f"{base}/rebin_{running}/lc/nothing.qdp",
        f"{base}/rebin_{running}/PCCURVE.qdp",
        f"/user_objects/tprods/USERPROD_{int(job) + 1}/rebin_{running}/lc/PCCURVE.qdp",
        f"{base}/rebin_99/lc/PCCURVE.qdp",
    ):
        response = await service.client.get(path)
        assert response.status_code == 404, path
        assert "404" in response.text


# --------------------------------------------------------------------------- the envelope
@pytest.mark.parametrize(
    ("body", "code", "words"),
    [
        (b"", MainApiError.BAD_REQUEST, ("JSON",)),
        (b"not json", MainApiError.BAD_REQUEST, ("JSON",)),
        (b"[1, 2]", MainApiError.BAD_REQUEST, ("JSON",)),
        (b'{"APIVersion": "1.0.5"}', MainApiError.BAD_REQUEST, ("APIFunc",)),
        (b'{"APIFunc": "", "APIVersion": "1.0.5"}', MainApiError.BAD_REQUEST, ("APIFunc",)),
        (
            b'{"APIFunc": "getMetadata", "APIVersion": "1.0.5"}',
            MainApiError.UNKNOWN_FUNCTION,
            ("getMetadata",),
        ),
        (
            b'{"APIFunc": ["rebinLightCurve"], "APIVersion": "1.0.5"}',
            MainApiError.UNKNOWN_FUNCTION,
            ("Array",),
        ),
        (b'{"APIFunc": "checkRebinStatus", "JobID": 70001}', MainApiError.BAD_REQUEST, ("APIVersion",)),
        (
            b'{"APIFunc": "checkRebinStatus", "APIVersion": "new", "JobID": 1}',
            MainApiError.BAD_REQUEST,
            ("new",),
        ),
    ],
)
async def test_envelope_errors(
    service: Service, body: bytes, code: MainApiError, words: tuple[str, ...]
) -> None:
    response = await service.client.post(f"/{MAIN_API_PATH}", content=body)
    assert response.status_code == 200
    reply = json.loads(response.text)
    assert reply["APIVersion"] == MAIN_API_VERSION
    fails(reply, code, *words)


async def test_get_and_unknown_paths(service: Service) -> None:
    response = await service.client.get(f"/{MAIN_API_PATH}")
    assert response.status_code == 200
    fails(json.loads(response.text), MainApiError.BAD_REQUEST)
    assert (await service.client.post("/API/other.php", json={})).status_code == 404
    assert (await service.client.post("/user_objects/API/main.php", json={})).status_code == 404


async def test_slashes_escaped_and_version_configurable(
    make_service: Callable[..., Any], main_api_of: Callable[[Service], MainApi]
) -> None:
    async with make_service(config(main_api_version="1.1.0")) as svc:
        response = await svc.client.post(f"/{MAIN_API_PATH}", json={"APIFunc": "x/y", "APIVersion": "1.0.5"})
        assert "x\\/y" in response.text
        assert json.loads(response.text)["APIVersion"] == "1.1.0"


async def test_requests_are_counted_per_function(service: Service, main_api: MainApi) -> None:
    await main_api(STATUS, JobID=1)
    await main_api(STATUS, JobID=2)
    await main_api("nothing")
    requests = service.state.metrics_snapshot()["requests"]
    assert requests[f"{MAIN_API_PATH}:{STATUS}"] == 2
    assert requests[MAIN_API_PATH] == 1
    assert metric_key(REBIN) == "API/main.php:rebinLightCurve"


async def test_faults_can_target_the_main_api(make_service: Callable[..., Any]) -> None:
    faults = FaultConfig(rules=[FaultRule(endpoint=MAIN_API_PATH, http_503=1.0)])
    async with make_service(config(faults=faults)) as svc:
        response = await svc.client.post(f"/{MAIN_API_PATH}", json={"APIFunc": STATUS, "APIVersion": "1.0.5"})
        assert response.status_code == 503
        assert (
            await svc.client.post("/user_objects/getNumJobs.php", json={"UserID": USER})
        ).status_code == 200


def test_the_wire_constants() -> None:
    assert MAIN_API_PATH == "API/main.php"
    assert [f.value for f in MainApiFunction] == [REBIN, STATUS, CANCEL, DOWNLOAD]
    assert [f.idempotent for f in MainApiFunction] == [False, True, False, True]
    assert (LightCurveType.USER_OBJECT.value, LightCurveType.REBIN.value) == ("UOB_LC", "REBIN_LC")


# --------------------------------------------------------------------------- never a crash
_KEYS = [
    "APIFunc",
    "APIVersion",
    "JobID",
    "type",
    "objectID",
    "binMeth",
    "pcCounts",
    "timeFormat",
    "incbad",
    "name",
]
_VALUES = st.one_of(
    st.none(),
    st.booleans(),
    st.integers(-3, 80000),
    st.floats(allow_nan=True, allow_infinity=True),
    st.sampled_from(
        ["", "1001", "70001", "UOB_LC", "REBIN_LC", "time", "counts", "yes", "1.0.5", "MJD", *_KEYS]
    ),
    st.sampled_from([f.value for f in MainApiFunction]),
    st.lists(st.integers(0, 3), max_size=2),
    st.dictionaries(st.text(max_size=3), st.integers(), max_size=2),
)


@hypothesis_settings(max_examples=300, suppress_health_check=[HealthCheck.too_slow])
@given(body=st.dictionaries(st.sampled_from(_KEYS), _VALUES, max_size=7))
def test_any_body_gets_a_reply_with_ok_or_error(body: dict[str, Any], finished_state: EmulatorState) -> None:
    raw = json.dumps(body).encode()
    reply = call(finished_state, raw, base_url="http://testserver")
    assert ("OK" in reply) != ("ERROR" in reply), reply
    json.dumps(reply)


@pytest.fixture(scope="module")
def finished_state() -> EmulatorState:
    """A state with a finished light curve (JobID 1001) and a finished rebin (70001), for the fuzzing."""
    state = EmulatorState(config())
    job = {
        "UserID": USER,
        "name": "GRB 200416A",
        "targ": "00966554",
        "RA": 335.6985,
        "Dec": -7.5179,
        "cent": 0,
        "lc": 1,
        "binMeth": "snapshot",
    }
    assert api_call(state, Endpoint.SUBMIT, json.dumps(job).encode(), base_url="http://t")["OK"] == 1
    state.clock.advance(100_000)
    body = {"APIFunc": REBIN, "APIVersion": "1.0.5", "type": "UOB_LC", "objectID": 1001, "binMeth": "obsid"}
    assert call(state, json.dumps(body).encode(), base_url="http://t")["JobID"] == "70001"
    state.clock.advance(100_000)
    return state
