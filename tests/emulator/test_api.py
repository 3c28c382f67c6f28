"""Each service endpoint over httpx.ASGITransport: replies, wire types, errors, ownership, the cap."""

from __future__ import annotations

import json
from typing import Any

from tests.conftest import load_example
from tests.support.emulator import ALL_PRODUCTS_REQUEST, OTHER, USER, Service
from xrt_prods_async.emulator import EmulatorConfig
from xrt_prods_async.wire._endpoints import (
    LISTERR_INVALID_LABEL,
    LISTERR_MISSING_LABEL,
    PARAMETER_PROBLEMS_ERROR,
    Endpoint,
)

ALL = "lc,spec,psf,enh,xastrom,image"


async def test_submit_reply_has_the_documented_shape(service: Service) -> None:
    reply = await service.submit()
    assert set(reply) == {"OK", "URL", "JobID", "APIVersion", "jobPars"}
    assert reply["JobID"] == "1001"  # a string in the submit reply
    assert reply["URL"] == "http://testserver/user_objects/tprods/USERPROD_1001"
    assert reply["jobPars"]["RA"] == "335.6985"
    assert reply["jobPars"]["UserID"] == USER
    second = await service.submit()
    assert second["JobID"] == "1002"


async def test_replies_are_one_line_json_labelled_html_with_escaped_slashes(service: Service) -> None:
    response = await service.raw(Endpoint.SUBMIT, ALL_PRODUCTS_REQUEST)
    assert response.status_code == 200
    assert response.headers["content-type"] == "text/html; charset=UTF-8"
    assert "\n" not in response.text
    assert "http:\\/\\/testserver\\/user_objects" in response.text
    assert response.headers["cache-control"].startswith("no-store")


async def test_body_is_json_whatever_the_content_type(service: Service) -> None:
    body = json.dumps({**ALL_PRODUCTS_REQUEST}).encode()
    reply = await service.call(
        Endpoint.SUBMIT, body, headers={"content-type": "application/x-www-form-urlencoded"}
    )
    assert reply["OK"] == 1


async def test_invalid_json_gets_a_json_error(service: Service) -> None:
    for body in (b"{not json", b"", b"[1, 2]", b"\xff\xfe"):
        reply = await service.call(Endpoint.STATUS, body)
        assert reply["OK"] == 0
        assert "JSON" in reply["ERROR"]


async def test_get_on_an_api_path_is_answered_like_an_empty_post(service: Service) -> None:
    response = await service.client.get("/user_objects/getNumJobs.php")
    assert response.status_code == 200
    assert json.loads(response.text)["OK"] == 0


async def test_unknown_paths_give_the_ukssdc_404_page(service: Service) -> None:
    for path in ("/user_objects/nope.php", "/", "/user_objects/tprods/getPSFPos.phpx"):
        response = await service.client.get(path)
        assert response.status_code == 404
        assert "<title>UKSSDC | 404 page not found</title>" in response.text
    response = await service.client.put("/user_objects/run_userobject.php")
    assert response.status_code == 404


async def test_unknown_user_is_refused_everywhere(service: Service) -> None:
    expected = load_example("getnumjobs_error_unknown_user.json")["ERROR"]
    for endpoint in (Endpoint.NUM_JOBS, Endpoint.SUBMIT, Endpoint.STATUS, Endpoint.OLD_JOBS):
        reply = await service.call(endpoint, {"UserID": "NO-ONE", "JobID": 1, "what": "lc"})
        assert reply == {"OK": 0, "ERROR": expected, "APIVersion": "1.12"}
    reply = await service.call(Endpoint.NUM_JOBS, {})
    assert reply["ERROR"] == "The user `` is not recognised / validated"


async def test_wire_escapes_the_slash_in_the_unknown_user_error(service: Service) -> None:
    response = await service.raw(Endpoint.NUM_JOBS, {"UserID": "NO-ONE"})
    assert "recognised \\/ validated" in response.text


async def test_user_ids_match_case_insensitively(service: Service) -> None:
    reply = await service.call(Endpoint.NUM_JOBS, {"UserID": USER.upper()})
    assert reply == {"OK": 1, "numJobs": 0, "APIVersion": "1.12"}


async def test_submit_parameter_problems_come_grouped_in_listerr(service: Service) -> None:
    reply = await service.call(
        Endpoint.SUBMIT,
        {"UserID": USER, "name": "X", "targ": "1", "RA": 1, "spec": 1, "specz": 0, "poserr": 0.01},
    )
    assert reply["OK"] == 0
    assert reply["ERROR"] == PARAMETER_PROBLEMS_ERROR
    assert reply["listErr"] == [
        {"label": LISTERR_MISSING_LABEL, "list": ["Dec", "cent"]},
        {"label": LISTERR_INVALID_LABEL, "list": ["poserr is 0.01, but must be between 1 and 6"]},
    ]


async def test_submit_without_products_is_refused(service: Service) -> None:
    reply = await service.call(Endpoint.SUBMIT, {"UserID": USER, "name": "X", "targ": "1", "RA": 1, "Dec": 2})
    assert reply["OK"] == 0
    assert "not requested any products" in reply["ERROR"]
    assert "listErr" not in reply


async def test_status_reports_every_requested_product(service: Service) -> None:
    job = (await service.submit(image=None))["JobID"]
    reply = await service.status(job, "lc,spec,image,sourceDet")
    assert list(reply) == ["lc", "spec", "image", "sourceDet", "OK", "JobID", "APIVersion"]
    assert reply["JobID"] == 1001  # an integer here
    assert reply["lc"] == {
        "statusCode": 1,
        "statusText": "Requested, not yet queued",
        "progress": {"GotProgress": 0},
    }
    unknown = load_example("status_response_nonexistent_products.json")["image"]
    assert reply["image"] == unknown
    assert reply["sourceDet"] == unknown


async def test_status_accepts_the_job_id_as_int_or_string(service: Service) -> None:
    await service.submit()
    assert (await service.status(1001, "lc"))["OK"] == 1
    assert (await service.status("1001", "lc"))["OK"] == 1
    bad = await service.status("abc", "lc")
    assert bad["OK"] == 0
    assert "not a valid job ID" in bad["ERROR"]
    none = await service.call(Endpoint.STATUS, {"UserID": USER, "what": "lc"})
    assert none["ERROR"] == "No JobID was supplied."


async def test_status_needs_valid_product_names(service: Service) -> None:
    await service.submit()
    assert "No products" in (await service.status(1001, ""))["ERROR"]
    reply = await service.status(1001, "lc,LightCurve")
    assert reply["OK"] == 0
    assert "LightCurve" in reply["ERROR"]
    reply = await service.status(1001, "lc", prog="bogus")
    assert reply["OK"] == 0


async def test_progress_evolves_as_the_clock_advances(service: Service) -> None:
    job = (await service.submit())["JobID"]
    seen: list[tuple[int, str]] = []
    for _ in range(80):
        reply = await service.status(job, ALL, prog=ALL)
        entry = reply["spec"]
        seen.append((entry["statusCode"], json.dumps(entry["progress"])))
        if entry["statusCode"] == 3:
            progress = entry["progress"]
            assert progress["GotProgress"] == 1
            assert len(progress["TimeRunning"]) == 8
            assert progress["ProgressSteps"][0]["StepLabel"] == "Prepare data."
        service.advance(7)
    codes = [code for code, _ in seen]
    assert codes[0] == 1
    assert 2 in codes or 3 in codes
    assert codes[-1] == 4
    running = {progress for code, progress in seen if code == 3}
    assert len(running) > 3  # the steps and TimeRunning moved on
    final = await service.status(job, ALL, prog=ALL)
    assert all(final[p]["progress"] == {"GotProgress": 0} for p in ALL.split(","))


async def test_astrometry_reports_code_5_while_waiting(make_service: Any) -> None:
    from xrt_prods_async.emulator._config import DurationModel

    config = EmulatorConfig(
        time_scale=1e-6,
        durations={"psf": DurationModel(median=500, sigma=0), "xastrom": DurationModel(median=50, sigma=0)},
    )
    async with make_service(config) as svc:
        job = (await svc.submit(lc=None, spec=None, doenh=None, image=None, dopsf=None))["JobID"]
        svc.advance(100)
        reply = await svc.status(job, "psf,xastrom", prog="psf,xastrom")
        assert reply["psf"]["statusCode"] == 3
        assert reply["xastrom"]["statusCode"] == 5
        assert reply["xastrom"]["progress"] == {"GotProgress": 0}
        assert (await svc.call(Endpoint.NUM_JOBS, {"UserID": USER}))["numJobs"] == 1


async def test_nobody_sees_or_touches_another_users_job(service: Service) -> None:
    job = (await service.submit())["JobID"]
    expected = f"Job {job} is not owned by user {OTHER}"
    for endpoint, body in (
        (Endpoint.STATUS, {"JobID": job, "what": "lc"}),
        (Endpoint.CANCEL, {"JobID": job, "what": "lc"}),
        (Endpoint.OLD_PRODUCT, {"oldJob": job}),
    ):
        reply = await service.call(endpoint, {"UserID": OTHER, **body})
        assert reply == {"OK": 0, "ERROR": expected, "APIVersion": "1.12"}
    assert (await service.call(Endpoint.OLD_JOBS, {"UserID": OTHER}))["jobs"] == []
    assert (await service.call(Endpoint.NUM_JOBS, {"UserID": OTHER}))["numJobs"] == 0
    missing = await service.status(999, "lc")
    assert missing["ERROR"] == f"Job 999 is not owned by user {USER}"


async def test_cancel_codes_and_ok_values(service: Service) -> None:
    job = (await service.submit(image=None))["JobID"]
    reply = await service.call(Endpoint.CANCEL, {"UserID": USER, "JobID": job, "what": "spec"})
    assert reply == {
        "JobID": 1001,
        "OK": 1,
        "status": {"spec": "Job cancelled OK"},
        "statusCodes": {"spec": 0},
        "APIVersion": "1.12",
    }
    status = await service.status(job, "spec")
    assert status["spec"]["statusCode"] == -4
    assert status["spec"]["statusText"] == "Cancelled at your request"
    partial = await service.call(Endpoint.CANCEL, {"UserID": USER, "JobID": job, "what": "lc,spec,image"})
    assert partial["OK"] == 2
    assert partial["statusCodes"] == {"lc": 0, "spec": 1, "image": 2}
    assert partial["status"]["spec"] == "Job could not be cancelled - has it already finished?"
    missing_what = await service.call(Endpoint.CANCEL, {"UserID": USER, "JobID": job})
    assert missing_what["OK"] == 0


async def test_cancel_anomalies_use_codes_3_and_4(make_service: Any) -> None:
    async with make_service(EmulatorConfig(time_scale=1e-6, cancel_anomaly_rate=1.0)) as svc:
        job = (await svc.submit())["JobID"]
        reply = await svc.call(Endpoint.CANCEL, {"UserID": USER, "JobID": job, "what": ALL})
        assert reply["OK"] == 2
        assert set(reply["statusCodes"].values()) <= {3, 4}
        assert set(reply["statusCodes"].values()) == {3, 4}  # six draws: both kinds appear for this seed
        status = await svc.status(job, ALL)
        for product, code in reply["statusCodes"].items():
            assert status[product]["statusCode"] == (-4 if code == 4 else 1)


async def test_num_jobs_counts_active_jobs_only(service: Service) -> None:
    assert (await service.call(Endpoint.NUM_JOBS, {"UserID": USER}))["numJobs"] == 0
    await service.submit()
    await service.submit(lc=None, spec=None, doenh=None, doxastrom=None, image=None)
    assert (await service.call(Endpoint.NUM_JOBS, {"UserID": USER}))["numJobs"] == 2
    service.advance(100_000)
    assert (await service.call(Endpoint.NUM_JOBS, {"UserID": USER}))["numJobs"] == 0


async def test_the_cap_refuses_submissions_beyond_the_limit(make_service: Any) -> None:
    async with make_service(EmulatorConfig(time_scale=1e-6, max_jobs_per_user=2, users=[USER, OTHER])) as svc:
        await svc.submit()
        await svc.submit()
        refused = await svc.call(Endpoint.SUBMIT, ALL_PRODUCTS_REQUEST)
        assert refused["OK"] == 0
        assert refused["ERROR"].startswith("You already have 2 jobs queued or running; the limit is 2.")
        other = await svc.call(Endpoint.SUBMIT, {**ALL_PRODUCTS_REQUEST, "UserID": OTHER})
        assert other["OK"] == 1  # the cap is per user
        await svc.call(Endpoint.CANCEL, {"UserID": USER, "JobID": 1001, "what": ALL})
        assert (await svc.call(Endpoint.SUBMIT, ALL_PRODUCTS_REQUEST))["OK"] == 1


async def test_list_old_jobs_newest_first_with_booleans(service: Service) -> None:
    await service.submit(name="first", image=None)
    await service.submit(name="second", lc=None, spec=None, doenh=None, doxastrom=None, image=None)
    reply = await service.call(Endpoint.OLD_JOBS, {"UserID": USER})
    jobs = reply["jobs"]
    assert [j["JobID"] for j in jobs] == [1002, 1001]
    assert jobs[0]["Name"] == "second"
    first = jobs[1]
    assert list(first) == list(load_example("listoldjobs_ok.json")["jobs"][0])
    assert (first["LightCurve"], first["Image"], first["AstromPos"], first["hasProd"]) == (
        True,
        False,
        True,
        False,
    )
    assert len(first["DateSubmitted"]) == 19
    service.advance(100_000)
    reply = await service.call(Endpoint.OLD_JOBS, {"UserID": USER})
    assert all(j["hasProd"] is True for j in reply["jobs"])


async def test_get_old_product_returns_pars_and_url(service: Service) -> None:
    submitted = await service.submit()
    reply = await service.call(Endpoint.OLD_PRODUCT, {"UserID": USER, "oldJob": "1001"})
    assert reply["oldJob"] == 1001
    assert reply["jobPars"] == submitted["jobPars"]
    assert reply["URL"] == submitted["URL"]
    assert (await service.call(Endpoint.OLD_PRODUCT, {"UserID": USER}))["ERROR"] == "No oldJob was supplied."


def _types(reply: dict[str, Any]) -> dict[str, type]:
    return {key: type(value) for key, value in reply.items()}


async def test_wire_types_match_the_documented_examples(service: Service) -> None:
    job = (await service.submit())["JobID"]
    status = await service.status(job, "lc,spec")
    example = load_example("status_response_tutorial_complete.json")
    assert type(status["JobID"]) is type(example["JobID"])
    assert _types(status["lc"]) == _types(example["lc"])
    cancel = await service.call(Endpoint.CANCEL, {"UserID": USER, "JobID": job, "what": "spec"})
    assert _types(cancel) == _types(load_example("cancel_ok_tutorial_with_apiversion.json")) | {
        "APIVersion": str
    }
