"""status / wait / cancel over respx: one request per status, typed codes, progress text, timeouts."""

from __future__ import annotations

import json
from typing import Any

import httpx
import pytest
import respx

from tests.support.client import LOOP, make_job, ok, product_status
from xrt_prods_async._errors import ConfigurationError, JobTimeoutError, NotOwnerError
from xrt_prods_async._products import ALL_PRODUCTS, Product
from xrt_prods_async.client import CancelOutcome, JobStatus, XRTClient
from xrt_prods_async.wire import CancelCode, StatusCode

STATUS = f"{LOOP}/checkProductStatus.php"
CANCEL = f"{LOOP}/canceljob.php"
LC, SPEC, PSF, XASTROM = Product.LIGHT_CURVE, Product.SPECTRUM, Product.STANDARD_POS, Product.ASTROM_POS


@respx.mock
async def test_status_is_one_request_for_every_product(client: XRTClient, example: Any) -> None:
    route = respx.post(STATUS).respond(
        200, json={**example("status_response_all_products.json"), "APIVersion": 0.1}
    )
    job = make_job(client, LC, SPEC, Product.ENHANCED_POS, PSF, XASTROM, Product.IMAGE, job_id=1)
    status = await job.status()
    assert route.call_count == 1
    body = json.loads(route.calls.last.request.content)
    assert body["what"] == body["whatProg"] == "lc,spec,enh,psf,xastrom,image"
    assert body["JobID"] == 1
    assert body["UserID"] == "me@example.org"
    assert status.job_id == 1
    assert status[LC].code is StatusCode.RUNNING
    assert status["psf"].complete
    assert status[PSF].progress_text == "No progress information available"
    assert status[Product.ENHANCED_POS].progress_text.startswith(
        "Trying using the <em>v,b,white</em> filters:\n"
    )
    assert "The job has been running for 00:01:53\n" in status["enh"].progress_text
    assert not status.finished
    assert set(status.unfinished) == {LC, SPEC, Product.ENHANCED_POS, XASTROM, Product.IMAGE}
    assert job.last_status is status
    assert "standard position: Complete (4)" in status.describe()


@respx.mock
async def test_missing_and_null_products(client: XRTClient, example: Any) -> None:
    reply = {**example("status_response_nonexistent_products.json"), "APIVersion": 0.1}
    del reply["image"]
    respx.post(STATUS).respond(200, json=reply)
    status = await client.status(2)
    assert set(status.products) == set(ALL_PRODUCTS)
    image = status[Product.IMAGE]
    assert image.code is StatusCode.NOT_RETURNED
    assert image.text == "The server did not return the status"
    assert not image.finished
    lc = status[LC]
    assert lc.code is None
    assert not lc.in_job
    assert lc.finished
    assert not lc.failed
    assert status[Product.SOURCE_DET].code is StatusCode.NOT_RETURNED


@respx.mock
async def test_status_of_chosen_products_and_string_job_ids(client: XRTClient) -> None:
    route = respx.post(STATUS).respond(
        200,
        json=ok(
            JobID="14",
            spec=product_status("4", "Complete"),
            lc=product_status(-4, "Cancelled at your request"),
        ),
    )
    job = make_job(client, LC, SPEC, PSF)
    status = await client.status(job, ["Spectrum", "lc"])
    assert json.loads(route.calls.last.request.content)["what"] == "spec,lc"
    assert status[SPEC].complete
    assert status[LC].failed
    assert status[LC].finished
    assert job.last_status is None  # only a subset: the job's full status is not known
    assert job.latest(SPEC) is status[SPEC]
    with pytest.raises(ValueError, match="products"):
        await client.status(job, ["nonsense"])


def _sequence(*codes: dict[str, int | None]) -> list[httpx.Response]:
    return [
        httpx.Response(200, json=ok(JobID=14, **{k: product_status(v, "t") for k, v in c.items()}))
        for c in codes
    ]


@respx.mock
async def test_wait_polls_until_finished_with_sync_and_async_callbacks(client: XRTClient) -> None:
    route = respx.post(STATUS).mock(
        side_effect=_sequence(
            {"psf": 2, "xastrom": 1},
            {"psf": 3, "xastrom": 5},
            {"psf": 4, "xastrom": 5},  # 5: waiting for the standard position, not finished
            {"psf": 4, "xastrom": 4},
        )
    )
    job = make_job(client, PSF, XASTROM)
    seen: list[tuple[int | None, ...]] = []
    final = await job.wait(on_progress=lambda s: seen.append(tuple(p.raw_code for p in s)))
    assert route.call_count == 4
    assert seen == [(2, 1), (3, 5), (4, 5), (4, 4)]
    assert final.complete
    assert job.last_status is final

    async def record(status: JobStatus) -> None:
        seen.append((status.job_id,))

    route.side_effect = _sequence({"psf": 4, "xastrom": -3})
    final = await client.wait(job, on_progress=record)
    assert seen[-1] == (14,)
    assert final.finished
    assert final.failed == (XASTROM,)


@respx.mock
async def test_wait_times_out_and_names_what_is_still_running(client: XRTClient) -> None:
    respx.post(STATUS).respond(200, json=ok(JobID=14, lc=product_status(3, "Running")))
    job = make_job(client, LC)
    with pytest.raises(
        JobTimeoutError, match=r"Job 14 did not finish within 0.05 s .*light curve: Running \(3\)"
    ):
        await job.wait(timeout=0.05, poll_interval=0.01)
    with pytest.raises(ConfigurationError, match="timeout"):
        await job.wait(timeout=0)


async def test_wait_refuses_fast_polling_off_loopback(no_backoff: None) -> None:
    async with XRTClient(
        "me@example.org", base_url="https://xrt.test/user_objects", poll_interval=30
    ) as remote:
        job = make_job(remote, LC)
        with pytest.raises(ConfigurationError, match="too fast"):
            await job.wait(poll_interval=2)


@pytest.mark.parametrize(
    ("name", "outcome", "cancelled"),
    [
        ("cancel_ok.json", CancelOutcome.ALL, (LC, SPEC)),
        ("cancel_partial.json", CancelOutcome.PARTIAL, (SPEC,)),
    ],
)
@respx.mock
async def test_cancel_outcomes(
    client: XRTClient, example: Any, name: str, outcome: CancelOutcome, cancelled: tuple[Product, ...]
) -> None:
    route = respx.post(CANCEL).respond(200, json={**example(name), "APIVersion": 0.1})
    job = make_job(client, LC, SPEC, job_id=1)
    result = await job.cancel()
    assert json.loads(route.calls.last.request.content)["what"] == "lc,spec"
    assert result.outcome is outcome
    assert result.cancelled == cancelled
    assert result[SPEC].code is CancelCode.CANCELLED
    assert result["spec"].text == "Job cancelled OK"


@respx.mock
async def test_cancel_nothing_cancelled_and_unreported_products(client: XRTClient) -> None:
    respx.post(CANCEL).respond(
        200, json=ok(JobID=1, OK=2, status={"lc": "Job could not be cancelled"}, statusCodes={"lc": 1})
    )
    result = await client.cancel(1, ["lc", "spec"])
    assert result.outcome is CancelOutcome.NONE
    assert result[LC].code is CancelCode.ALREADY_FINISHED
    assert result[SPEC].code is CancelCode.OUTCOME_UNKNOWN
    assert "did not report" in result[SPEC].text
    with pytest.raises(ValueError, match="name the products"):
        await client.cancel(1)


@respx.mock
async def test_cancel_of_another_users_job(client: XRTClient, example: Any) -> None:
    route = respx.post(CANCEL).respond(200, json={**example("cancel_error.json"), "APIVersion": "1.12"})
    with pytest.raises(NotOwnerError, match="not owned"):
        await client.cancel(147, ["lc"])
    assert route.call_count == 1


@respx.mock
async def test_cancel_is_not_retried_after_sending(client: XRTClient) -> None:
    route = respx.post(CANCEL).mock(side_effect=httpx.ReadTimeout("slow"))
    with pytest.raises(Exception, match="Timed out"):
        await client.cancel(1, ["lc"])
    assert route.call_count == 1
