"""Account calls: active-job count and job history."""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Any

import pytest
import respx

from tests.support.client import LOOP, ok
from xrt_prods_async._errors import UnknownUserError
from xrt_prods_async._products import Product
from xrt_prods_async.client import XRTClient


@respx.mock
async def test_count_active_jobs(client: XRTClient, example: Any) -> None:
    route = respx.post(f"{LOOP}/getNumJobs.php").respond(200, json=ok(numJobs="3"))
    assert await client.count_active_jobs() == 3
    assert route.calls.last.request.content.startswith(b'{"UserID":"me@example.org"')
    respx.post(f"{LOOP}/getNumJobs.php").respond(200, json=example("getnumjobs_error_unknown_user.json"))
    with pytest.raises(UnknownUserError, match="not recognised"):
        await client.count_active_jobs()


@respx.mock
async def test_list_old_jobs_newest_first(client: XRTClient, example: Any) -> None:
    reply = example("listoldjobs_ok.json")
    reply["jobs"].reverse()
    respx.post(f"{LOOP}/listOldJobs.php").respond(200, json=reply)
    jobs = await client.list_old_jobs()
    assert [j.job_id for j in jobs] == [3414, 3413]
    assert jobs[0].submitted == datetime(2020, 7, 23, 17, 32, 29, tzinfo=UTC)
    assert jobs[0].products == (Product.SPECTRUM,)
    assert jobs[0].has_products
