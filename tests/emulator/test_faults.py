"""Fault injection: the seeded decisions, each kind of fault, and the control endpoint."""

from __future__ import annotations

import json
import time
from typing import Any

import httpx
import pytest
from pydantic import ValidationError

from tests.support.emulator import ALL_PRODUCTS_REQUEST, USER, Service
from xrt_prods_async.emulator import (
    ConnectionDropped,
    EmulatorConfig,
    FaultConfig,
    FaultRule,
    running_emulator,
)
from xrt_prods_async.emulator._faults import FaultInjector, error_page
from xrt_prods_async.wire._endpoints import Endpoint


def rules(*items: FaultRule, seed: int = 3) -> FaultConfig:
    return FaultConfig(seed=seed, rules=list(items))


def test_decisions_repeat_for_a_seed_and_differ_between_seeds() -> None:
    config = rules(FaultRule(endpoint="*", http_503=0.3, drop=0.2, delay=0.5, delay_seconds=0.01))
    first = FaultInjector(config)
    again = FaultInjector(config)
    other = FaultInjector(rules(*config.rules, seed=4))
    one = [first.decide("checkProductStatus.php") for _ in range(50)]
    assert one == [again.decide("checkProductStatus.php") for _ in range(50)]
    assert one != [other.decide("checkProductStatus.php") for _ in range(50)]
    kinds = {d.kind for d in one}
    assert kinds == {None, "http_503", "drop"}
    first.configure(config)  # restarts the sequence
    assert [first.decide("checkProductStatus.php") for _ in range(50)] == one


def test_the_most_specific_rule_applies_and_limits_hold() -> None:
    injector = FaultInjector(
        rules(
            FaultRule(endpoint="*", http_500=1.0),
            FaultRule(endpoint="run_userobject.php", lost_reply=1.0, lost_reply_kind="http_502", limit=2),
            FaultRule(endpoint="download", truncate=1.0),
        )
    )
    assert injector.decide("getNumJobs.php").kind == "http_500"
    assert injector.decide("download").kind == "truncate"
    submit = [injector.decide("run_userobject.php") for _ in range(3)]
    assert [(d.kind, d.lost_as) for d in submit] == [("lost_reply", "http_502")] * 2 + [(None, None)]
    assert injector.fired() == {"*": 1, "run_userobject.php": 2, "download": 1}
    assert FaultInjector().decide("getNumJobs.php").inert


def test_rules_are_validated() -> None:
    with pytest.raises(ValidationError, match="add up to"):
        FaultRule(http_500=0.6, drop=0.6)
    with pytest.raises(ValidationError, match="unknown fault endpoint"):
        FaultRule(endpoint="status")
    with pytest.raises(ValidationError, match="delay_seconds"):
        FaultRule(delay=1.0)


def test_error_pages_are_html() -> None:
    assert b"<title>503 Service Unavailable</title>" in error_page(503)
    assert b"UKSSDC | 404 page not found" in error_page(404)


async def _jobs(service: Service) -> list[int]:
    service.state.faults.configure(FaultConfig())
    reply = await service.call(Endpoint.OLD_JOBS, {"UserID": USER})
    return [job["JobID"] for job in reply["jobs"]]


@pytest.mark.parametrize("status", [500, 502, 503])
async def test_http_errors_return_html_and_do_nothing(service: Service, status: int) -> None:
    service.state.faults.configure(rules(FaultRule(endpoint="run_userobject.php", **{f"http_{status}": 1.0})))
    response = await service.raw(Endpoint.SUBMIT, ALL_PRODUCTS_REQUEST)
    assert response.status_code == status
    assert response.text.lstrip().startswith("<!DOCTYPE HTML")
    assert await _jobs(service) == []
    metrics = service.state.metrics_snapshot()
    assert metrics["faults"] == {"run_userobject.php": {f"http_{status}": 1}}
    assert "run_userobject.php" not in metrics["requests"]  # never reached the service


async def test_drop_aborts_the_reply_and_does_nothing(service: Service) -> None:
    service.state.faults.configure(rules(FaultRule(endpoint="run_userobject.php", drop=1.0)))
    with pytest.raises(httpx.RemoteProtocolError) as caught:
        await service.raw(Endpoint.SUBMIT, ALL_PRODUCTS_REQUEST)
    assert isinstance(caught.value, ConnectionDropped)
    assert await _jobs(service) == []


async def test_truncate_cuts_the_json_but_the_call_happened(service: Service) -> None:
    service.state.faults.configure(rules(FaultRule(endpoint="run_userobject.php", truncate=1.0)))
    response = await service.raw(Endpoint.SUBMIT, ALL_PRODUCTS_REQUEST)
    assert response.status_code == 200
    assert response.text.startswith('{"OK":1')
    with pytest.raises(json.JSONDecodeError):
        json.loads(response.text)
    assert await _jobs(service) == [1001]


@pytest.mark.parametrize(("kind", "status"), [("drop", None), ("http_502", 502), ("truncate", 200)])
async def test_lost_reply_creates_the_job_then_loses_the_answer(
    service: Service, kind: str, status: Any
) -> None:
    service.state.faults.configure(
        rules(FaultRule(endpoint="run_userobject.php", lost_reply=1.0, lost_reply_kind=kind))
    )
    if status is None:
        with pytest.raises(httpx.RemoteProtocolError):
            await service.raw(Endpoint.SUBMIT, ALL_PRODUCTS_REQUEST)
    else:
        response = await service.raw(Endpoint.SUBMIT, ALL_PRODUCTS_REQUEST)
        assert response.status_code == status
        with pytest.raises(json.JSONDecodeError):
            json.loads(response.text)
    assert await _jobs(service) == [1001]
    assert service.state.metrics_snapshot()["users"][USER]["submissions"] == 1


async def test_delay_slows_the_reply(service: Service) -> None:
    service.state.faults.configure(rules(FaultRule(endpoint="getNumJobs.php", delay=1.0, delay_seconds=0.2)))
    start = time.perf_counter()
    reply = await service.call(Endpoint.NUM_JOBS, {"UserID": USER})
    assert time.perf_counter() - start >= 0.19
    assert reply["OK"] == 1
    start = time.perf_counter()
    await service.call(Endpoint.OLD_JOBS, {"UserID": USER})  # other endpoints unaffected
    assert time.perf_counter() - start < 0.19


async def test_control_paths_are_never_faulted_and_reconfigure_faults(service: Service) -> None:
    client = service.client
    body = {"seed": 9, "rules": [{"endpoint": "*", "http_503": 1.0}]}
    response = await client.put("/emulator/faults", json=body)
    assert response.status_code == 200
    assert response.json()["rules"][0]["http_503"] == 1.0
    assert (await service.raw(Endpoint.NUM_JOBS, {"UserID": USER})).status_code == 503
    state = (await client.get("/emulator/faults")).json()
    assert state["fired"] == {"*": 1}
    assert (await client.get("/emulator/metrics")).status_code == 200
    bad = await client.put("/emulator/faults", json={"rules": [{"endpoint": "*", "http_503": 2}]})
    assert bad.status_code == 422
    assert "http_503" in bad.json()["details"][0]
    assert (await client.put("/emulator/faults", json={})).status_code == 200
    assert (await service.raw(Endpoint.NUM_JOBS, {"UserID": USER})).status_code == 200


async def test_faults_over_real_loopback() -> None:
    config = EmulatorConfig(
        faults=rules(
            FaultRule(endpoint="getNumJobs.php", drop=1.0),
            FaultRule(endpoint="listOldJobs.php", truncate=1.0),
            FaultRule(endpoint="getOldProduct.php", http_503=1.0),
        )
    )
    async with running_emulator(config) as emu, httpx.AsyncClient(base_url=emu.base_url) as client:
        with pytest.raises(httpx.RemoteProtocolError):
            await client.post("/getNumJobs.php", json={"UserID": USER})
        truncated = await client.post("/listOldJobs.php", json={"UserID": USER})
        assert truncated.status_code == 200
        with pytest.raises(json.JSONDecodeError):
            json.loads(truncated.text)
        outage = await client.post("/getOldProduct.php", json={"UserID": USER, "oldJob": 1})
        assert outage.status_code == 503
        assert "text/html" in outage.headers["content-type"]
        fine = await client.post("/checkProductStatus.php", json={"UserID": USER, "JobID": 1, "what": "lc"})
        assert fine.json()["OK"] == 0


def test_paths_are_classified_for_fault_rules() -> None:
    from xrt_prods_async.emulator._app import classify_path

    assert classify_path("/user_objects/checkProductStatus.php") == "checkProductStatus.php"
    assert classify_path("/user_objects/tprods/getLCData.php") == "tprods/getLCData.php"
    assert classify_path("/user_objects/tprods/USERPROD_1001/all.tar.gz") == "download"
    assert classify_path("/user_objects/nope.php") is None
    assert classify_path("/emulator/metrics") is None
