"""Rebinning through the UKSSDC main API: against the emulator over loopback, and odd replies over respx."""

from __future__ import annotations

import inspect
import json
import warnings
from typing import Any

import httpx
import pytest
import respx

from tests.support.client import LOOP, emulated, make_job, ok, product_status
from tests.support.requests import COUNTS_LIGHT_CURVE, grb_200416a
from xrt_prods_async._errors import (
    ConfigurationError,
    InvalidRequestError,
    JobTimeoutError,
    ProductNotReadyError,
    ProtocolError,
    RedirectRefusedError,
    ServerError,
    ServerRefusedError,
    ServiceUnavailableError,
)
from xrt_prods_async._products import Product
from xrt_prods_async.client import (
    ENV_MAIN_API_URL,
    NOT_REBINNABLE,
    Binning,
    Job,
    LightCurveData,
    RebinJob,
    RebinRef,
    RebinStatus,
    XRTClient,
)
from xrt_prods_async.emulator import FaultConfig, FaultRule, RunningEmulator
from xrt_prods_async.emulator._rebin import REBIN_OPTIONS
from xrt_prods_async.http import NewerServiceVersionWarning, RetryPolicy
from xrt_prods_async.params import LightCurve
from xrt_prods_async.wire import DEFAULT_MAIN_API_URL, MAIN_API_PATH, StatusCode

pytestmark = pytest.mark.usefixtures("no_backoff")

MAIN = "http://127.0.0.1:9/API/main.php"
STATUS = f"{LOOP}/checkProductStatus.php"
LC = Product.LIGHT_CURVE


def main_calls(emu: RunningEmulator, function: str) -> int:
    """How many calls of one main-API function reached the emulator."""
    requests: dict[str, int] = emu.state.metrics_snapshot()["requests"]
    return requests.get(f"{MAIN_API_PATH}:{function}", 0)


async def finished_job(emu: RunningEmulator, client: XRTClient) -> Job:
    """A light-curve job, brought to completion by moving the emulator's clock."""
    job = await client.submit(grb_200416a(light_curve=COUNTS_LIGHT_CURVE))
    emu.state.clock.advance(100_000)
    await job.wait()
    return job


def sent(route: respx.Route) -> dict[str, Any]:
    body: dict[str, Any] = json.loads(route.calls.last.request.content)
    return body


# --- the handle ---------------------------------------------------------------------------------------------


def _rebin_methods() -> dict[str, str]:
    """XRTClient's public methods whose first parameter is a rebin, by their RebinJob attribute."""
    found = {}
    for name, method in inspect.getmembers(XRTClient, inspect.isfunction):
        first = list(inspect.signature(method, eval_str=True).parameters.values())[1:2]
        if not name.startswith("_") and first and first[0].annotation == RebinRef:
            found[name] = name
    return found


def test_every_client_method_on_a_rebin_is_a_rebin_method(client: XRTClient) -> None:
    methods = _rebin_methods()
    assert set(methods) == {"rebin_status", "wait_rebin", "cancel_rebin", "rebinned_light_curve"}
    rebin = RebinJob(client, rebin_id=5, job=1, binning=Binning(bin_meth="snapshot"))
    on_handle = {
        attribute: value.name
        for attribute, value in vars(RebinJob).items()
        if hasattr(value, "bound_signature") and hasattr(value, "name")
    }
    assert sorted(on_handle.values()) == sorted(methods)
    for attribute, name in on_handle.items():
        signature = inspect.signature(getattr(XRTClient, name))
        assert inspect.signature(getattr(rebin, attribute)) == signature.replace(
            parameters=list(signature.parameters.values())[2:]
        )
        assert getattr(rebin, attribute).__doc__ == getattr(XRTClient, name).__doc__


def test_a_handle_attribute_must_name_its_client_method() -> None:
    from xrt_prods_async.client._job import OnHandle

    with pytest.raises((RuntimeError, TypeError)) as info:  # Python 3.11 wraps __set_name__'s error

        class Broken:
            client: XRTClient
            state = OnHandle(XRTClient.rebin_status, attribute="status")

    error = info.value if isinstance(info.value, TypeError) else info.value.__cause__
    assert str(error) == "Broken.state must delegate to the client method 'status'"


# --- the binning options ------------------------------------------------------------------------------------


def test_the_options_are_the_emulators_rebin_options() -> None:
    """One source of truth: every swifttools name of the light curve but the two the call does not take."""
    names = Binning.__xrt__.st_names
    assert {names[field] for field in names if field not in NOT_REBINNABLE} == set(REBIN_OPTIONS)
    assert set(LightCurve.model_fields) == set(Binning.model_fields)


@pytest.mark.parametrize(
    "options",
    [
        {"bin_meth": "time", "pc_bin_time": 100, "wt_bin_time": 10, "time_format": "MJD"},
        {"binMeth": "time", "pcBinTime": 100, "wtBinTime": 10, "timeFormat": "m"},
        {"binMeth": "time", "pcbin": 100, "wtbin": 10, "lctimetype": "m"},
    ],
)
def test_every_spelling_sends_the_swifttools_names(options: dict[str, Any]) -> None:
    assert Binning(**options).main_api_options() == {
        "binMeth": "time",
        "timeFormat": "m",
        "pcBinTime": 100.0,
        "wtBinTime": 10.0,
    }


def test_binning_obeys_the_light_curve_rules_and_names_options_as_written() -> None:
    with pytest.raises(InvalidRequestError) as info:
        Binning(binMeth="counts", pcCounts=0, wtmaxbin=5, posErr=1)
    text = str(info.value)
    assert text.startswith("The binning options are not valid (5 problems):")
    assert "pcCounts: must be a whole number ≥ 1; got 0" in text
    assert "wtCounts: required when binMeth='counts'" in text
    assert "dynamic: required when binMeth='counts'" in text
    assert "wtmaxbin: a light-curve option that rebinning does not take" in text
    assert "posErr: not a parameter of the binning options of a rebin" in text
    assert "LightCurve." not in text
    assert "light_curve." not in text
    with pytest.raises(InvalidRequestError, match="bin_meth: required"):
        Binning()
    chosen = Binning(bin_meth="obsid", use_obs="00966554000")  # the light curve's trigger holds too
    assert chosen.main_api_options()["whichData"] == "user"


async def test_invalid_options_send_nothing() -> None:
    async with emulated() as (emu, client):
        job = await finished_job(emu, client)
        with pytest.raises(InvalidRequestError, match="pc_max_bin: a light-curve option"):
            await job.rebin_light_curve(bin_meth="snapshot", pc_max_bin=100)
        with pytest.raises(InvalidRequestError, match="min_energy=5 keV"):
            await client.rebin_light_curve(job, bin_meth="snapshot", min_energy=5, max_energy=6)
        assert main_calls(emu, "rebinLightCurve") == 0


# --- against the emulator -----------------------------------------------------------------------------------


async def test_rebin_wait_and_fetch_the_rebinned_curve() -> None:
    async with emulated() as (emu, client):
        job = await finished_job(emu, client)
        original = await job.light_curve(incbad=True)
        rebin = await job.rebin_light_curve(bin_meth="time", pcBinTime=2000, wtbin=2000, time_format="mjd")
        assert isinstance(rebin, RebinJob)
        assert (rebin.job, rebin.job_id, rebin.client) == (job, job.job_id, client)
        assert rebin.binning == Binning(bin_meth="time", pc_bin_time=2000, wt_bin_time=2000, time_format="m")
        assert rebin.submitted_at is not None
        assert f"<RebinJob {rebin.rebin_id} of job {job.job_id} (time binning)>" == repr(rebin)

        status = await rebin.status()
        assert isinstance(status, RebinStatus)
        assert (status.code, status.text, status.finished) == (
            StatusCode.REQUESTED,
            "Requested, not yet queued",
            False,
        )
        assert rebin.last_status is status
        with pytest.raises(ProductNotReadyError, match=r"Rebin \d+ is not complete .*wait for it first"):
            await rebin.light_curve()
        assert main_calls(emu, "downloadLightCurve") == 0

        emu.state.clock.advance(3600)
        final = await rebin.wait()
        assert final.complete
        assert final.finished
        assert not final.failed
        assert "rebin" in str(final)
        assert "complete" in str(final)
        curve = await rebin.light_curve(incbad=True)
        assert isinstance(curve, LightCurveData)
        assert (curve.binning, curve.time_format) == ("Time", "MJD")
        assert 0 < len(curve["PC_incbad"].rows) < len(original["PC_incbad"].rows)
        assert all(url.endswith(".qdp") and f"rebin_{rebin.rebin_id}" in url for url in curve.urls.values())
        statuses = main_calls(emu, "checkRebinStatus")
        await rebin.light_curve()  # the complete status is remembered: no second status call
        assert main_calls(emu, "checkRebinStatus") == statuses


async def test_bare_identifiers() -> None:
    async with emulated() as (emu, client):
        job = await finished_job(emu, client)
        rebin = await client.rebin_light_curve(job.job_id, binMeth="obsid")
        assert rebin.job == rebin.job_id == job.job_id
        emu.state.clock.advance(3600)
        assert (await client.wait_rebin(rebin.rebin_id)).complete
        curve = await client.rebinned_light_curve(rebin.rebin_id)
        assert curve.datasets
        assert curve.binning != "Counts"
        with pytest.raises(TypeError, match="rebin must be a RebinJob or an integer RebinID"):
            await client.rebin_status("70001")  # type: ignore[arg-type]


async def test_cancel_a_running_rebin() -> None:
    async with emulated() as (emu, client):
        job = await finished_job(emu, client)
        rebin = await job.rebin_light_curve(binMeth="snapshot")
        assert await rebin.cancel() is True
        status = await rebin.status()
        assert (status.code, status.failed, status.state) == (StatusCode.CANCELLED, True, "cancelled")
        assert await rebin.cancel() is False  # already finished: the service refuses, swifttools says False
        assert await client.cancel_rebin(99) is False  # no such rebin
        with pytest.raises(ProductNotReadyError, match="never will be"):
            await rebin.light_curve()


async def test_rebinning_needs_a_complete_light_curve() -> None:
    async with emulated() as (emu, client):
        job = await client.submit(grb_200416a(light_curve=COUNTS_LIGHT_CURVE))
        with pytest.raises(ProductNotReadyError, match="not complete yet"):
            await job.rebin_light_curve(bin_meth="snapshot")
        positions_only = await client.submit(grb_200416a(standard_pos={}))
        with pytest.raises(ProductNotReadyError, match="has no light curve"):
            await positions_only.rebin_light_curve(bin_meth="snapshot")
        assert main_calls(emu, "rebinLightCurve") == 0


async def test_wait_rebin_times_out_and_the_rebin_goes_on() -> None:
    async with emulated() as (emu, client):
        rebin = await (await finished_job(emu, client)).rebin_light_curve(bin_meth="snapshot")
        with pytest.raises(JobTimeoutError, match=rf"Rebin {rebin.rebin_id} did not finish within 0.05 s"):
            await rebin.wait(poll_interval=0.01, timeout=0.05)
        emu.state.clock.advance(3600)
        assert (await rebin.wait()).complete


async def test_status_calls_are_retried_and_rebin_requests_are_not() -> None:
    async with emulated() as (emu, client):
        rebin = await (await finished_job(emu, client)).rebin_light_curve(bin_meth="snapshot")
        emu.state.faults.configure(
            FaultConfig(rules=[FaultRule(endpoint=MAIN_API_PATH, http_503=1.0, limit=2)])
        )
        assert (await rebin.status()).code is StatusCode.REQUESTED  # two 503s, then the answer
        assert emu.state.metrics_snapshot()["faults"][MAIN_API_PATH]["http_503"] == 2

        emu.state.faults.configure(
            FaultConfig(rules=[FaultRule(endpoint=MAIN_API_PATH, http_503=1.0, limit=1)])
        )
        before = main_calls(emu, "rebinLightCurve")
        with pytest.raises(ServiceUnavailableError, match="503"):
            await rebin.job.rebin_light_curve(bin_meth="snapshot")  # type: ignore[union-attr]
        assert emu.state.metrics_snapshot()["faults"][MAIN_API_PATH]["http_503"] == 3  # asked once
        assert main_calls(emu, "rebinLightCurve") == before


# --- the main API's URL -------------------------------------------------------------------------------------


async def test_the_main_api_sits_beside_the_service_root(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.delenv(ENV_MAIN_API_URL, raising=False)
    async with XRTClient("u@example.org") as real:
        assert real.main_api_url == DEFAULT_MAIN_API_URL
    async with XRTClient("u@example.org", base_url="http://127.0.0.1:8000/user_objects/") as local:
        assert local.main_api_url == "http://127.0.0.1:8000/API/main.php"
    monkeypatch.setenv(ENV_MAIN_API_URL, "http://127.0.0.1:7/API/main.php")
    async with XRTClient("u@example.org", base_url=LOOP) as from_env:
        assert from_env.main_api_url == "http://127.0.0.1:7/API/main.php"
    async with XRTClient("u@example.org", main_api_url="https://example.org/API/main.php") as given:
        assert given.main_api_url == "https://example.org/API/main.php"
    with pytest.raises(ConfigurationError, match=r"main_api_url 'http://example.org/API/main.php'"):
        XRTClient("u@example.org", main_api_url="http://example.org/API/main.php")
    with pytest.raises(ConfigurationError, match="main_api_url must be a URL"):
        XRTClient("u@example.org", main_api_url=5)  # type: ignore[arg-type]
    monkeypatch.setenv(ENV_MAIN_API_URL, " ")  # blank: unset
    async with XRTClient("u@example.org", base_url=LOOP) as blank:
        assert blank.main_api_url == MAIN


# --- odd replies (respx) ------------------------------------------------------------------------------------


@respx.mock
async def test_requests_are_the_documented_bodies(client: XRTClient, example: Any) -> None:
    route = respx.post(MAIN).respond(200, json={"OK": 1, "status": 4, "text": "Complete"})
    await client.rebin_status(77)
    assert sent(route) == example("rebin_status_request_constructed.json")
    respx.post(MAIN).respond(200, json={"OK": 1})
    await client.cancel_rebin(77)
    assert sent(route) == example("rebin_cancel_request_constructed.json")

    rebin = RebinJob(client, rebin_id=77, job=951, binning=Binning(bin_meth="snapshot"))
    rebin._record(RebinStatus(77, StatusCode.COMPLETE, 4, "Complete"))
    route.respond(200, json={"OK": 1, "Datasets": []})
    await rebin.light_curve(incbad=True)
    assert sent(route) == example("rebin_getlc_request_constructed.json")

    respx.post(STATUS).respond(200, json=ok(JobID=951, lc=product_status(4, "Complete")))
    job = make_job(client, LC, job_id=951)
    job.job_pars["name"] = "GRB 070616"
    route.respond(200, json=example("rebin_response_constructed.json"))
    rebin = await job.rebin_light_curve(bin_meth="time", pc_bin_time=100, wt_bin_time=10, time_format="MJD")
    assert rebin.rebin_id == 77
    documented = example("rebin_request_constructed.json")
    assert documented.pop("timeFormat") == "MJD"  # swifttools passes the user's spelling through
    assert sent(route) == {**documented, "timeFormat": "m"}  # the documented value of the same choice


@respx.mock
async def test_an_error_reply_is_a_server_error_with_code_and_text(client: XRTClient, example: Any) -> None:
    respx.post(MAIN).respond(200, json=example("mainapi_error_constructed.json"))
    with pytest.raises(ServerError) as info:
        await client.rebin_status(77)
    assert type(info.value) is ServerError
    assert str(info.value) == "bad thing (error code 42 from API/main.php:checkRebinStatus)"
    assert info.value.endpoint == "API/main.php:checkRebinStatus"
    assert info.value.reply == {"ERROR": "42", "ERRORTEXT": "bad thing"}
    respx.post(MAIN).respond(200, json={"ERROR": 3, "OK": 1})  # ERROR wins, as in swifttools
    with pytest.raises(ServerError, match=r"^The UKSSDC API reported an error \(error code 3 "):
        await client.rebin_status(77)
    respx.post(MAIN).respond(200, json={"status": 4, "text": "Complete"})
    with pytest.raises(ServerError, match="neither OK nor an error code: an unspecified error"):
        await client.rebin_status(77)
    respx.post(MAIN).respond(200, json={"OK": 1, "status": "four"})
    with pytest.raises(ProtocolError, match="RebinStatusReply"):
        await client.rebin_status(77)


@respx.mock
async def test_a_refusal_lists_the_problems_in_the_users_names(client: XRTClient) -> None:
    respx.post(STATUS).respond(200, json=ok(JobID=14, lc=product_status(4, "Complete")))
    refusal = {
        "ERROR": "6",
        "ERRORTEXT": "There were problems with the parameters you supplied.",
        "listErr": [{"label": "The following parameters have invalid values:", "list": ["pcCounts is 9999"]}],
    }
    respx.post(MAIN).respond(200, json=refusal)
    job = make_job(client, LC)
    with pytest.raises(ServerRefusedError) as info:
        await job.rebin_light_curve(bin_meth="counts", pc_counts=9999, wt_counts=5, dynamic=False)
    assert info.value.groups[0].items == ("pc_counts is 9999",)
    assert info.value.endpoint == "API/main.php:rebinLightCurve"
    with pytest.raises(ServerRefusedError) as info:
        await job.rebin_light_curve(binMeth="counts", pcCounts=9999, wtCounts=5, dynamic=False)
    assert info.value.groups[0].items == ("pcCounts is 9999",)


@respx.mock
async def test_idempotent_calls_retry_html_and_truncated_replies(client: XRTClient) -> None:
    route = respx.post(MAIN).mock(
        side_effect=[
            httpx.Response(200, text="<html><title>Down for maintenance</title></html>"),
            httpx.Response(200, text='{"OK": 1, "sta'),
            httpx.Response(200, json={"OK": 1, "status": 3, "text": "Running"}),
        ]
    )
    assert (await client.rebin_status(77)).code is StatusCode.RUNNING
    assert route.call_count == 3
    route.mock(side_effect=[httpx.Response(502), httpx.Response(200, json={"OK": 1})])
    with pytest.raises(ServiceUnavailableError, match="502"):
        await client.cancel_rebin(77)  # cancelling is not repeated once sent
    assert route.call_count == 4


@respx.mock
async def test_the_url_guard_holds_for_the_main_api(client: XRTClient) -> None:
    respx.post(MAIN).respond(302, headers={"Location": "https://elsewhere.example/API/main.php"})
    with pytest.raises(RedirectRefusedError, match="API calls carry your user id"):
        await client.rebin_status(77)


@respx.mock
async def test_a_newer_main_api_is_warned_about_once(client: XRTClient) -> None:
    respx.post(MAIN).respond(200, json={"OK": 1, "status": 3, "text": "Running", "APIVersion": "1.1"})
    with pytest.warns(NewerServiceVersionWarning, match="version 1.0.5 of the UKSSDC API component"):
        await client.rebin_status(77)
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        await client.rebin_status(77)


@respx.mock
async def test_an_undocumented_status_code_is_kept_and_not_finished(client: XRTClient) -> None:
    respx.post(MAIN).respond(200, json={"OK": 1, "status": "7", "text": "Pondering"})
    status = await client.rebin_status(77)
    assert (status.code, status.raw_code, status.finished) == (None, 7, False)
    assert status.state == "undocumented status (7)"
    assert status.describe() == "rebin 77: Pondering (7)"


async def test_polling_a_rebin_off_loopback_keeps_the_floor() -> None:
    async with XRTClient("u@example.org", retry=RetryPolicy(attempts=1)) as real:
        with pytest.raises(ConfigurationError, match="poll_interval 1 s is too fast"):
            await real.wait_rebin(77, poll_interval=1)
