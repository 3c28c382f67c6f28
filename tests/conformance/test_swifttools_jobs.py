"""swifttools' documented job workflow against the emulator: submit, status, complete, cancel, history."""

from __future__ import annotations

import warnings
from collections.abc import Callable

import pytest
from swifttools.ukssdc.xrt_prods import prod_request
from swifttools.ukssdc.xrt_prods.prod_request import XRTProductRequest

from tests.support.swifttools import USER, full_request
from xrt_prods_async.emulator import RunningEmulator

pytestmark = [
    pytest.mark.conformance,
    pytest.mark.filterwarnings("ignore:distutils Version classes are deprecated:DeprecationWarning"),
]

LONG_NAMES = ["LightCurve", "Spectrum", "StandardPos", "EnhancedPos", "AstromPos", "Image", "SourceDet"]


def submitted(make: Callable[..., XRTProductRequest]) -> XRTProductRequest:
    request = full_request(make)
    with warnings.catch_warnings():
        warnings.simplefilter(
            "error", UserWarning
        )  # e.g. "an error occured updating the parameters" from jobPars
        assert request.submit(), request.submitError
    return request


def test_submit_and_poll_until_complete(
    new_request: Callable[..., XRTProductRequest], emu: RunningEmulator
) -> None:
    request = submitted(new_request)
    assert request.JobID == "1001"
    url = request.URL
    assert url == f"{emu.base_url}/tprods/USERPROD_1001"
    # jobPars were loaded back into the request: defaults and echoed values
    assert request.getGlobalPars()["posErr"] == 1
    assert request.getLightCurvePars()["pcCounts"] == 20
    status = request.checkProductStatus()
    assert list(status) == LONG_NAMES
    assert {s["statusCode"] for s in status.values()} == {1}
    emu.state.clock.advance(60)
    status = request.checkProductStatus()
    running = [s for s in status.values() if s["statusCode"] == 3]
    assert running
    assert all(s["progressText"].startswith("  ") or s["progressText"].startswith("Trying") for s in running)
    assert "The job has been running for" in running[0]["progressText"]
    polls = 0
    while not request.complete:
        emu.state.clock.advance(30)
        polls += 1
        assert polls < 200
    final = request.checkProductStatus()
    assert {s["statusCode"] for s in final.values()} == {4}
    assert {s["statusText"] for s in final.values()} == {"Complete"}


def test_cancel_a_product(new_request: Callable[..., XRTProductRequest], emu: RunningEmulator) -> None:
    request = submitted(new_request)
    ok, details = request.cancelProducts(["AstromPos"])
    assert ok == 1
    assert details["AstromPos"] == {"code": 0, "text": "Job cancelled OK"}
    status = request.checkProductStatus(["AstromPos"])
    assert status["AstromPos"]["statusCode"] == -4
    assert status["AstromPos"]["statusText"] == "Cancelled at your request"
    emu.state.clock.advance(100_000)
    assert request.complete


def test_count_and_list_jobs(new_request: Callable[..., XRTProductRequest], emu: RunningEmulator) -> None:
    assert prod_request.countActiveJobs(USER) == 0
    first = submitted(new_request)
    second = submitted(new_request)
    assert prod_request.countActiveJobs(USER) == 2
    assert new_request().countActiveJobs() == 2
    jobs = prod_request.listOldJobs(USER)
    assert [job["JobID"] for job in jobs] == [int(second.JobID), int(first.JobID)]
    assert jobs[0]["Name"] == "GRB 200416A"
    assert jobs[0]["LightCurve"] is True
    emu.state.clock.advance(100_000)
    assert prod_request.countActiveJobs(USER) == 0
    assert prod_request.countActiveJobs("nobody@example.org") == -1
    assert prod_request.listOldJobs("nobody@example.org") is None


def test_copy_an_old_job(new_request: Callable[..., XRTProductRequest], emu: RunningEmulator) -> None:
    original = submitted(new_request)
    copy = new_request()
    copy.copyOldJob(int(original.JobID))
    assert copy.getGlobalPars()["name"] == "GRB 200416A"
    assert (copy.hasLightCurve, copy.hasSpectrum, copy.hasAstromPos, copy.hasImage) == (
        True,
        True,
        True,
        True,
    )
    assert copy.getLightCurvePars()["binMeth"] == "counts"
    with warnings.catch_warnings():
        warnings.simplefilter("error", UserWarning)
        assert copy.submit(), copy.submitError
    assert copy.JobID == "1002"
    adopted = new_request()
    adopted.copyOldJob(int(original.JobID), becomeThis=True)
    emu.state.clock.advance(100_000)
    assert adopted.complete


def test_server_side_errors_reach_the_user(new_request: Callable[..., XRTProductRequest]) -> None:
    request = full_request(new_request)
    request.setGlobalPars(posErr=0.01)
    assert not request.submit()
    assert "posErr is 0.01, but must be between 1 and 6" in request.submitError
    stranger = full_request(new_request, "nobody@example.org")
    assert not stranger.submit()
    assert stranger.submitError.strip() == "The user `nobody@example.org` is not recognised / validated"


def test_the_cap_refuses_politely(
    new_request: Callable[..., XRTProductRequest], emu: RunningEmulator
) -> None:
    emu.state.config.max_jobs_per_user = 1
    try:
        submitted(new_request)
        refused = full_request(new_request)
        assert not refused.submit()
        assert "the limit is 1" in refused.submitError
    finally:
        emu.state.config.max_jobs_per_user = 20
