"""submit with real JobRequest models: the exact wire body, the jobPars round trip, refusals in the user's
own spelling, and nothing sent for an invalid request."""

from __future__ import annotations

import json
from typing import Any

import pytest
import respx

from tests.support.client import LOOP, USER, ok
from tests.support.requests import grb_200416a
from xrt_prods_async._errors import InvalidRequestError, ServerRefusedError
from xrt_prods_async._products import Product
from xrt_prods_async.client import XRTClient
from xrt_prods_async.params import JobRequest

SUBMIT = f"{LOOP}/run_userobject.php"


@respx.mock
async def test_submit_sends_the_exact_body_and_decodes_the_echo(client: XRTClient) -> None:
    request = grb_200416a()
    echo = {
        **request.to_wire(USER),
        "whatSXPS": "2SXPS",
        "outdir": "USERPROD_21",
        "RA": "335.6985",
        "sss": "0",
    }
    route = respx.post(SUBMIT).respond(
        200, json=ok(JobID="21", URL=f"{LOOP}/tprods/USERPROD_21", jobPars=echo)
    )
    job = await client.submit(request)
    assert json.loads(route.calls.last.request.content) == request.to_wire(USER)
    assert job.job_id == 21
    assert job.products == (Product.LIGHT_CURVE, Product.STANDARD_POS)
    assert isinstance(job.request, JobRequest)
    assert job.request.to_wire(USER)["RA"] == pytest.approx(335.6985)
    assert job.request.products == request.products
    assert job.request.light_curve == request.light_curve


@respx.mock
async def test_submit_accepts_a_swifttools_style_mapping(client: XRTClient) -> None:
    route = respx.post(SUBMIT).respond(200, json=ok(JobID="22", URL="u", jobPars={}))
    job = await client.submit(
        {
            "name": "GRB 200416A",
            "targ": "00966554",
            "RA": 335.6985,
            "Dec": -7.5179,
            "centroid": True,
            "posErr": 1,
            "useSXPS": False,
            "LightCurve": {"binMeth": "counts", "pcCounts": 20, "wtCounts": 30, "dynamic": True},
        }
    )
    assert json.loads(route.calls.last.request.content)["pccounts"] == 20
    assert job.request == JobRequest.from_job_pars(json.loads(route.calls.last.request.content))


@respx.mock
async def test_invalid_request_is_never_sent(client: XRTClient) -> None:
    route = respx.post(SUBMIT).respond(200, json=ok(JobID="1", URL="u"))
    with pytest.raises(InvalidRequestError, match="posErrr"):
        await client.submit(
            {"name": "x", "RA": 1.0, "Dec": 2.0, "centroid": True, "posErrr": 1, "LightCurve": {}}
        )
    assert route.call_count == 0


@pytest.mark.parametrize(
    ("request_", "pos", "counts"),
    [
        (grb_200416a(), "pos_err", "light_curve.pc_counts"),
        (
            JobRequest(
                name="GRB 200416A",
                targ="00966554",
                RA=335.6985,
                Dec=-7.5179,
                centroid=True,
                posErr=1,
                LightCurve={"binMeth": "counts", "pcCounts": 20, "wtCounts": 30, "dynamic": True},
            ),
            "posErr",
            "LightCurve.pcCounts",
        ),
    ],
    ids=["python-names", "swifttools-names"],
)
@respx.mock
async def test_refusals_speak_the_names_the_user_wrote(
    client: XRTClient, example: Any, request_: JobRequest, pos: str, counts: str
) -> None:
    reply = example("submit_error_listErr.json")
    reply["listErr"][1]["list"].append("pccounts is 0, but must be at least 1")
    respx.post(SUBMIT).respond(200, json=reply)
    with pytest.raises(ServerRefusedError) as info:
        await client.submit(request_)
    invalid = info.value.groups[1].items
    assert invalid == (
        f"{pos} is 0.01, but must be between 1 and 6",
        f"{counts} is 0, but must be at least 1",
    )
