"""Metrics and the other control endpoints (users, reset, clock, config)."""

from __future__ import annotations

from typing import Any

import pytest

from tests.support.emulator import ALL_PRODUCTS_REQUEST, OTHER, USER, Service
from xrt_prods_async.emulator import EmulatorConfig
from xrt_prods_async.emulator._app import users_to_register
from xrt_prods_async.wire._endpoints import Endpoint


async def metrics(service: Service) -> dict[str, Any]:
    response = await service.client.get("/emulator/metrics")
    assert response.status_code == 200
    data = response.json()
    assert data["schema"] == 1
    return data


async def test_requests_are_counted_per_user_and_endpoint(service: Service) -> None:
    await service.call(Endpoint.NUM_JOBS, {"UserID": USER})
    await service.call(Endpoint.NUM_JOBS, {"UserID": USER})
    await service.call(Endpoint.OLD_JOBS, {"UserID": OTHER})
    await service.call(Endpoint.NUM_JOBS, {"UserID": "stranger@example.org"})
    await service.call(Endpoint.NUM_JOBS, b"not json")
    await service.client.get("/emulator/faults")  # control calls are not counted
    data = await metrics(service)
    assert data["requests"] == {"getNumJobs.php": 4, "listOldJobs.php": 1}
    users = data["users"]
    assert users[USER]["requests"] == {"getNumJobs.php": 2}
    assert users[OTHER]["requests"] == {"listOldJobs.php": 1}
    assert users["stranger@example.org"]["registered"] is False
    assert users[USER]["registered"] is True


async def test_max_active_jobs_is_exact(service: Service) -> None:
    for _ in range(3):
        await service.submit()
    refused = await service.call(Endpoint.SUBMIT, {**ALL_PRODUCTS_REQUEST, "lc": 0, "spec": 0, "image": 0,
                                                   "dopsf": 0, "doenh": 0, "doxastrom": 0})  # fmt: skip
    assert refused["OK"] == 0
    service.advance(100_000)
    await service.submit()
    user = (await metrics(service))["users"][USER]
    assert (user["submissions"], user["refused_submissions"]) == (4, 1)
    assert user["max_active_jobs"] == 3
    assert user["active_jobs"] == 1


async def test_job_timelines_and_polling_intervals(service: Service) -> None:
    job = (await service.submit(image=None))["JobID"]
    await service.status(job, "lc")
    service.advance(30)
    await service.status(job, "lc")
    service.advance(12)
    await service.status(job, "lc")
    await service.call(Endpoint.CANCEL, {"UserID": USER, "JobID": job, "what": "spec"})
    service.advance(100_000)
    data = await metrics(service)
    entry = data["users"][USER]["jobs"][job]
    assert entry["name"] == "GRB 200416A"
    assert entry["status_requests"] == 3
    assert entry["min_status_interval"] == pytest.approx(12, abs=0.01)
    assert entry["active"] is False
    submitted = entry["submitted"]["sim"]
    lc = entry["products"]["lc"]
    assert lc["status_code"] == 4
    assert lc["requested"]["sim"] == submitted
    assert lc["queued"]["sim"] == pytest.approx(submitted + 5)
    assert lc["finished"]["sim"] == pytest.approx(lc["started"]["sim"] + lc["duration"])
    assert lc["cancelled"] is None
    spec = entry["products"]["spec"]
    assert spec["status_code"] == -4
    assert spec["cancelled"]["sim"] == pytest.approx(submitted + 42, abs=0.01)
    assert (
        entry["products"]["xastrom"]["waiting"] is None or entry["products"]["xastrom"]["waiting"]["sim"] > 0
    )
    assert data["clock"]["simulated_now"] > 100_000
    assert data["workers"] == {"total": 4, "busy": 0, "queued": 0}
    assert entry["submitted"]["wall"].endswith("+00:00")


async def test_users_can_be_registered_at_run_time(service: Service) -> None:
    client = service.client
    new = "new@example.org"
    assert (await service.call(Endpoint.NUM_JOBS, {"UserID": new}))["OK"] == 0
    response = await client.post("/emulator/users", json={"UserID": new})
    assert new in response.json()["users"]
    assert (await service.call(Endpoint.NUM_JOBS, {"UserID": new}))["OK"] == 1
    both = await client.post("/emulator/users", json={"users": ["a@b.c", "d@e.f"]})
    assert {"a@b.c", "d@e.f"} <= set(both.json()["users"])
    assert (await client.post("/emulator/users", json={"UserID": "nobody"})).status_code == 422
    assert (await client.post("/emulator/users", json=[1])).status_code == 422
    assert USER in (await client.get("/emulator/users")).json()["users"]


@pytest.mark.parametrize(
    ("body", "users"),
    [
        ({"UserID": "a@b.c"}, ["a@b.c"]),
        ({"users": ["a@b.c", "d@e.f"]}, ["a@b.c", "d@e.f"]),
        ({"users": ["d@e.f"], "UserID": "a@b.c"}, ["d@e.f", "a@b.c"]),
        ({"users": "a@b.c"}, None),
        ({"users": ["a@b.c", 1]}, None),
        ({"users": []}, None),
        ({"UserID": 5}, None),
        ({"users": "a@b.c", "UserID": "d@e.f"}, None),
        ({}, None),
        (["a@b.c"], None),
        (None, None),
    ],
)
def test_the_users_a_registration_names(body: Any, users: list[str] | None) -> None:
    assert users_to_register(body) == users


async def test_reset_forgets_everything(service: Service) -> None:
    await service.submit()
    await service.client.post("/emulator/users", json={"UserID": "new@example.org"})
    assert (await service.client.post("/emulator/reset")).json() == {"reset": True}
    data = await metrics(service)
    assert data["users"] == {}
    assert data["requests"] == {}
    assert (await service.submit())["JobID"] == "1001"
    assert (await service.call(Endpoint.NUM_JOBS, {"UserID": "new@example.org"}))["OK"] == 0


async def test_clock_control(service: Service) -> None:
    client = service.client
    before = (await client.get("/emulator/clock")).json()["simulated_now"]
    after = (await client.put("/emulator/clock", json={"advance": 500})).json()
    assert after["simulated_now"] >= before + 500
    scaled = (await client.put("/emulator/clock", json={"time_scale": 2.0})).json()
    assert scaled["time_scale"] == 2.0
    assert (await client.put("/emulator/clock", json={"advance": -1})).status_code == 422
    assert (await client.put("/emulator/clock", json="x")).status_code == 422


async def test_config_is_readable(make_service: Any) -> None:
    async with make_service(EmulatorConfig(workers=7, seed=3)) as svc:
        config = (await svc.client.get("/emulator/config")).json()
        assert (config["workers"], config["seed"]) == (7, 3)
        assert config["durations"]["lc"]["median"] == 150
