"""Our main-API request bodies are the ones swifttools sends for the same choices (facts, not code).

swifttools' own functions are called with its ``requests.post`` captured; ours go through respx. The two
bodies are compared as JSON objects, key for key and value for value.
"""

from __future__ import annotations

import json
from typing import Any

import pytest
import respx
from swifttools.ukssdc.data import download as ukssdc_download

from tests.support.client import make_job, ok, product_status
from tests.support.swifttools import capture_main_api
from xrt_prods_async._products import Product
from xrt_prods_async.client import Binning, RebinJob, RebinStatus, XRTClient
from xrt_prods_async.wire import StatusCode

pytestmark = pytest.mark.filterwarnings("ignore:distutils Version classes are deprecated:DeprecationWarning")

MAIN = "http://127.0.0.1:9/API/main.php"
STATUS = "http://127.0.0.1:9/user_objects/checkProductStatus.php"
#: swifttools' light-curve variants ("yes", "no", "both") as our keywords take them.
VARIANT = {"yes": True, "no": False, "both": "both"}


#: The same binning choices, as swifttools users write them and as the values our model keeps.
CHOICES = [
    {"binMeth": "counts", "pcCounts": 20, "wtCounts": 30, "dynamic": True},
    {"binMeth": "counts", "pcCounts": 5, "wtCounts": 8, "dynamic": False, "rateFact": 5, "minCounts": 10},
    {"binMeth": "time", "pcBinTime": 100, "wtBinTime": 10, "timeFormat": "m", "minFracExp": 0.5},
    {"binMeth": "time", "pcBinTime": 500, "wtBinTime": 50, "matchHR": False, "pcHRBinTime": 1000,
     "wtHRBinTime": 100},
    {"binMeth": "snapshot", "minEnergy": 0.5, "maxEnergy": 8, "softLo": 0.5, "softHi": 2, "hardLo": 2,
     "hardHi": 8, "minSig": 2.5, "grades": "0", "allowUL": "pc", "allowBayes": "no"},
    {"binMeth": "obsid", "whichData": "user", "useObs": "00966554000,00966554001", "bayesCounts": 10,
     "bayesSNR": 2, "pcMaxGap": 1000, "wtMaxGap": 100, "minSNR": 3, "srcrad": 20},
]  # fmt: skip


@respx.mock
@pytest.mark.parametrize("choice", CHOICES, ids=lambda c: str(c["binMeth"]))
async def test_rebin_request_body_is_swifttools(
    choice: dict[str, Any], client: XRTClient, monkeypatch: pytest.MonkeyPatch
) -> None:
    theirs = capture_main_api(monkeypatch, {"OK": 1, "JobID": "77"})
    assert ukssdc_download._rebinLightCurve("UOB_LC", "951", name="GRB 070616", **choice) == 77
    respx.post(STATUS).respond(200, json=ok(JobID=951, lc=product_status(4, "Complete")))
    route = respx.post(MAIN).respond(200, json={"OK": 1, "JobID": "77"})
    job = make_job(client, Product.LIGHT_CURVE, job_id=951)
    job.job_pars["name"] = "GRB 070616"
    rebin = await job.rebin_light_curve(**choice)
    assert rebin.rebin_id == 77
    assert json.loads(route.calls.last.request.content) == theirs[0]


@respx.mock
async def test_status_cancel_and_download_bodies_are_swifttools(
    client: XRTClient, monkeypatch: pytest.MonkeyPatch
) -> None:
    route = respx.post(MAIN)
    theirs = capture_main_api(monkeypatch, {"OK": 1, "status": 3, "text": "Running"})
    ukssdc_download._checkRebinStatus(77)
    route.respond(200, json={"OK": 1, "status": 3, "text": "Running"})
    await client.rebin_status(77)
    assert json.loads(route.calls.last.request.content) == theirs[-1]

    theirs = capture_main_api(monkeypatch, {"OK": 1})
    assert ukssdc_download._cancelRebin(77) is True
    route.respond(200, json={"OK": 1})
    assert await client.cancel_rebin(77) is True
    assert json.loads(route.calls.last.request.content) == theirs[-1]

    rebin = RebinJob(client, rebin_id=77, job=951, binning=Binning(bin_meth="snapshot"))
    rebin._record(RebinStatus(77, StatusCode.COMPLETE, 4, "Complete"))
    for nosys, incbad in [("no", "yes"), ("yes", "no"), ("both", "both")]:
        theirs = capture_main_api(monkeypatch, {"OK": 1, "Datasets": []})
        ukssdc_download._getLightCurve(
            "REBIN_LC", 77, returnData=True, saveData=False, nosys=nosys, incbad=incbad
        )
        route.respond(200, json={"OK": 1, "Datasets": []})
        await rebin.light_curve(nosys=VARIANT[nosys], incbad=VARIANT[incbad])
        assert json.loads(route.calls.last.request.content) == theirs[-1]
