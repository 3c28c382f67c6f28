"""submit / old_job / attach over respx, with a stand-in request: the client logic, isolated from params."""

from __future__ import annotations

import json
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from typing import Any

import httpx
import pytest
import respx

from tests.support.client import LOOP, USER, ok
from xrt_prods_async._errors import (
    InvalidRequestError,
    Problem,
    ProtocolError,
    ServerRefusedError,
    ServiceUnavailableError,
    SubmitUncertainError,
)
from xrt_prods_async._products import Product
from xrt_prods_async.client import XRTClient
from xrt_prods_async.client import _api as client_api
from xrt_prods_async.http import RetryPolicy

SUBMIT = f"{LOOP}/run_userobject.php"
OLD = f"{LOOP}/getOldProduct.php"
NAMES = {"poserr": "posErr", "pccounts": "LightCurve.pcCounts", "cent": "centroid"}


@dataclass(frozen=True)
class StandInRequest:
    """Just the surface of JobRequest that the client uses."""

    name: str = "GRB 200416A"
    products: tuple[Product, ...] = (Product.LIGHT_CURVE,)
    extra: dict[str, Any] = field(default_factory=dict)

    def to_wire(self, user_id: str) -> dict[str, Any]:
        flags = {p.flag: 1 for p in self.products}
        return {"api_name": "xrt_prods", "api_version": "1.12", "UserID": user_id, "name": self.name, **flags}

    def fingerprint(self) -> str:
        return "f1ngerpr1nt"

    def describe_wire_name(self, wire: str) -> str | None:
        return NAMES.get(wire)


class Clock:
    """A settable UTC clock, advancing one second per reading."""

    def __init__(self) -> None:
        self.now = datetime(2024, 5, 1, 12, 0, 0, tzinfo=UTC)

    def __call__(self) -> datetime:
        self.now += timedelta(seconds=1)
        return self.now


@pytest.fixture
async def clocked(no_backoff: None) -> Any:
    clock = Clock()
    async with XRTClient(
        USER, base_url=LOOP, poll_interval=0.01, retry=RetryPolicy(attempts=3), clock=clock
    ) as c:
        yield c


@pytest.fixture
def decoded(monkeypatch: pytest.MonkeyPatch) -> list[dict[str, Any]]:
    """Replace jobPars decoding; records what it was given."""
    seen: list[dict[str, Any]] = []

    def decode(pars: dict[str, Any]) -> StandInRequest:
        seen.append(dict(pars))
        if "bad" in pars:
            raise InvalidRequestError([Problem("bad", "unknown")])
        return StandInRequest(name=str(pars.get("name", "?")), extra={"decoded": True})

    monkeypatch.setattr(client_api, "decode_job_pars", decode)
    return seen


@respx.mock
async def test_submit_returns_a_job_from_the_servers_jobpars(
    clocked: XRTClient, example: Any, decoded: list[dict[str, Any]]
) -> None:
    route = respx.post(SUBMIT).respond(200, json=example("submit_ok_gkper_old_server.json"))
    job = await clocked.submit(StandInRequest(products=(Product.SPECTRUM,)))  # type: ignore[arg-type]
    body = json.loads(route.calls.last.request.content)
    assert body == {
        "api_name": "xrt_prods",
        "api_version": "1.12",
        "UserID": USER,
        "name": "GRB 200416A",
        "spec": 1,
    }
    assert job.job_id == 14
    assert job.url == "https://www.swift.ac.uk/user_objects/tprods/USERPROD_14"
    assert job.products == (Product.SPECTRUM,)
    assert decoded == []  # decoding validates the whole request: only when someone reads it
    assert job.request == StandInRequest(name="GK Per", extra={"decoded": True})
    assert job.request is job.request
    assert [pars["name"] for pars in decoded] == ["GK Per"]  # once
    assert job.job_pars["outdir"] == "USERPROD_14"
    assert job.submitted_at == datetime(2024, 5, 1, 12, 0, 2, tzinfo=UTC)
    assert job.name == "GK Per"
    assert repr(job) == "<Job 14 [spec] https://www.swift.ac.uk/user_objects/tprods/USERPROD_14>"


@respx.mock
async def test_submit_without_jobpars_keeps_the_submitted_request(
    clocked: XRTClient, example: Any, decoded: list[dict[str, Any]]
) -> None:
    respx.post(SUBMIT).respond(200, json=example("submit_ok_tutorial_jobPars_redacted.json"))
    request = StandInRequest(products=(Product.LIGHT_CURVE, Product.ASTROM_POS))
    job = await clocked.submit(request)  # type: ignore[arg-type]
    assert job.job_id == 803
    assert job.request is request
    assert job.products == (Product.LIGHT_CURVE, Product.STANDARD_POS, Product.ASTROM_POS)
    assert decoded == []


@respx.mock
async def test_submit_with_undecodable_jobpars_keeps_the_submitted_request(
    clocked: XRTClient, decoded: list[dict[str, Any]]
) -> None:
    respx.post(SUBMIT).respond(
        200, json=ok(JobID="7", URL=f"{LOOP}/tprods/USERPROD_7", jobPars={"bad": 1, "lc": "1"})
    )
    request = StandInRequest()
    job = await clocked.submit(request)  # type: ignore[arg-type]
    assert job.request is request
    assert job.products == (Product.LIGHT_CURVE,)


@respx.mock
async def test_refusal_speaks_the_users_parameter_names(clocked: XRTClient, example: Any) -> None:
    reply = example("submit_error_listErr.json")
    reply["listErr"][1]["list"].append("pccounts, must be at least 1.")
    respx.post(SUBMIT).respond(200, json=reply)
    with pytest.raises(ServerRefusedError) as info:
        await clocked.submit(StandInRequest())  # type: ignore[arg-type]
    groups = info.value.groups
    assert groups[0].items == ("Dec", "centroid")
    assert groups[1].items == (
        "posErr is 0.01, but must be between 1 and 6",
        "LightCurve.pcCounts, must be at least 1.",
    )
    text = str(info.value)
    assert "  * posErr is 0.01, but must be between 1 and 6" in text
    assert "poserr" not in text
    assert info.value.message == "There were problems with the parameters you supplied."


@pytest.mark.parametrize(
    "failure",
    [
        httpx.ReadTimeout("slow"),
        httpx.RemoteProtocolError("dropped"),
        httpx.Response(502, text="<html><title>Bad Gateway</title></html>"),
        httpx.Response(200, text='{"OK": 1, "JobID": "1'),
        httpx.Response(200, json=ok(URL="x")),  # OK but no JobID
    ],
    ids=["timeout", "dropped", "502", "truncated", "no-jobid"],
)
@respx.mock
async def test_uncertain_submission_is_never_retried(clocked: XRTClient, failure: Any) -> None:
    route = respx.post(SUBMIT).mock(side_effect=[failure, httpx.Response(200, json=ok(JobID="1", URL="u"))])
    with pytest.raises(SubmitUncertainError) as info:
        await clocked.submit(StandInRequest())  # type: ignore[arg-type]
    assert route.call_count == 1
    error = info.value
    assert error.name == "GRB 200416A"
    assert error.fingerprint == "f1ngerpr1nt"
    assert error.sent_after == datetime(2024, 5, 1, 12, 0, 1, tzinfo=UTC)
    assert error.sent_before > error.sent_after
    assert error.cause is not None
    assert "list_old_jobs()" in str(error)


@respx.mock
async def test_submission_that_never_left_is_retried(
    clocked: XRTClient, example: Any, decoded: list[dict[str, Any]]
) -> None:
    route = respx.post(SUBMIT).mock(
        side_effect=[
            httpx.ConnectError("refused"),
            httpx.Response(200, json=example("submit_ok_gkper_old_server.json")),
        ]
    )
    job = await clocked.submit(StandInRequest())  # type: ignore[arg-type]
    assert job.job_id == 14
    assert route.call_count == 2
    route.side_effect = httpx.ConnectError("refused")
    with pytest.raises(ServiceUnavailableError, match="Could not connect"):
        await clocked.submit(StandInRequest())  # type: ignore[arg-type]


@respx.mock
async def test_old_job_and_attach(clocked: XRTClient, example: Any, decoded: list[dict[str, Any]]) -> None:
    reply = example("getoldproduct_ok_truncated.json")
    route = respx.post(OLD).respond(200, json=reply)
    request = await clocked.old_job(800)
    assert json.loads(route.calls.last.request.content)["oldJob"] == 800
    assert request == StandInRequest(name="?", extra={"decoded": True})
    with pytest.raises(ProtocolError, match="no URL"):
        await clocked.attach(800)
    route.respond(200, json={**reply, "URL": f"{LOOP}/tprods/USERPROD_800"})
    job = await clocked.attach(800)
    assert job.job_id == 800
    assert job.products == (Product.SPECTRUM, Product.ENHANCED_POS)
    assert job.url == f"{LOOP}/tprods/USERPROD_800"
    assert job.submitted_at is None
    route.respond(200, json={**reply, "URL": "u", "jobPars": {"bad": 1, "lc": 1, "name": "X"}})
    attached = await clocked.attach(801)
    assert attached.request is None
    assert attached.name == "X"
    assert attached.products == (Product.LIGHT_CURVE,)
    with pytest.raises(TypeError, match="integer JobID"):
        await clocked.attach("801")  # type: ignore[arg-type]
