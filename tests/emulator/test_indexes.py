"""The state's per-user indexes agree with a full scan of every job after any sequence of operations.

Seeded random walks submit (some refused at the cap), cancel (with anomalies), advance the clock (products
start, finish, fail, wait for the PSF), and now and then reset; after each step ``active_jobs``, ``jobs_of``
and each job's count of unfinished products must equal what scanning every job says.
"""

from __future__ import annotations

import json
import random
from datetime import UTC, datetime
from typing import Any

import pytest

from tests.support.emulator import ALL_PRODUCTS_REQUEST, OTHER, USER
from xrt_prods_async._products import Product
from xrt_prods_async.emulator import EmulatorConfig, EmulatorState
from xrt_prods_async.emulator._api import call
from xrt_prods_async.emulator._jobs import Job, plan_job
from xrt_prods_async.wire._endpoints import Endpoint

USERS = [USER, OTHER, USER.upper()]  # the last is USER again: UserIDs match case-insensitively
NOW = datetime(2026, 11, 30, tzinfo=UTC)


def post(state: EmulatorState, endpoint: Endpoint, body: dict[str, Any]) -> dict[str, Any]:
    return call(state, endpoint, json.dumps(body).encode(), base_url="http://testserver")


def assert_indexes_match_a_full_scan(state: EmulatorState) -> None:
    owners = {job.owner for job in state.jobs.values()} | {USER, OTHER}
    for owner in owners:
        scan = [job for job in state.jobs.values() if job.owner == owner]
        assert state.active_jobs(owner) == sum(job.active for job in scan)
        assert state.jobs_of(owner) == sorted(scan, key=lambda job: -job.job_id)
    for job in state.jobs.values():
        assert job.unfinished == sum(not run.finished for run in job.products.values())
    reply = post(state, Endpoint.NUM_JOBS, {"UserID": USER})
    assert reply["numJobs"] == sum(job.active for job in state.jobs.values() if job.owner == USER)


@pytest.mark.parametrize("seed", range(4))
def test_indexes_match_a_full_scan_after_a_random_walk(seed: int) -> None:
    rng = random.Random(seed)
    state = EmulatorState(
        EmulatorConfig(
            time_scale=1e-9,
            users=USERS[:2],
            workers=3,
            max_jobs_per_user=4,
            seed=seed,
            failure_rate=0.3,
            cancel_anomaly_rate=0.3,
            durations={p.value: {"median": 30, "sigma": 1.5} for p in Product},
        )
    )
    for _ in range(300):
        user, draw = rng.choice(USERS), rng.random()
        products = rng.sample(list(Product), rng.randint(1, 4))
        if draw < 0.35:
            body = {**ALL_PRODUCTS_REQUEST, "UserID": user, "detobs": "all"}
            body.update({p.flag: int(p in products) for p in Product})
            reply = post(state, Endpoint.SUBMIT, body)
            assert reply["OK"] == 1 or "limit" in reply["ERROR"], reply
        elif draw < 0.75:
            state.clock.advance(rng.choice([0.5, 5, 30, 300]))
            post(state, Endpoint.STATUS, {"UserID": user, "JobID": max(state.jobs, default=1), "what": "lc"})
        elif draw < 0.99 and state.jobs:
            job_id, what = rng.choice(list(state.jobs)), ",".join(p.value for p in products)
            post(state, Endpoint.CANCEL, {"UserID": user, "JobID": job_id, "what": what})
        elif draw >= 0.99:
            state.reset()
        assert_indexes_match_a_full_scan(state)


def test_a_job_is_added_only_once_and_in_order() -> None:
    state = EmulatorState(EmulatorConfig(users=[USER]))
    first, second = (
        Job(job_id=n, owner=USER, user_id=USER, name="x", pars={}, submitted_at=0.0, submitted_wall=NOW)
        for n in (state.allocate_job_id(), state.allocate_job_id())
    )
    for job in (first, second):
        plan_job(job, (Product.IMAGE,), state.config)
    state.add_job(second, 0.0)
    for job in (first, second):
        with pytest.raises(ValueError, match="not newer"):
            state.add_job(job, 0.0)
