"""What one getNumJobs / status / listOldJobs request costs the emulator as it holds more jobs.

Fills one emulator with N jobs: 20 of the measured user (5 still active) and N - 20 finished jobs of other
users (about 100 each), then times the emulator's handling of each request (``emulator._api.call``: decode,
authenticate, sync the simulation, answer, encode; no HTTP, whose cost does not depend on N). A request should
cost the same whatever N is: the state keeps per-user indexes. The other users' jobs go in through
``EmulatorState.add_job`` directly: submitting 100,000 jobs through the API would take minutes.

Run:  .venv/bin/python benchmarks/emulator_scale.py [--jobs 100,10000,100000] [--seconds 1]
"""

from __future__ import annotations

import argparse
import json
import time
from collections.abc import Callable

from _serve import wire_request

from xrt_prods_async.emulator import EmulatorConfig, EmulatorState
from xrt_prods_async.emulator._api import CORE_HANDLERS, call, encode_reply
from xrt_prods_async.emulator._jobs import Job, plan_job
from xrt_prods_async.emulator._retrieval import RETRIEVAL_HANDLERS
from xrt_prods_async.emulator._validation import build_job_pars, validate_submission
from xrt_prods_async.wire._endpoints import Endpoint

USER = "bench@example.org"
BASE = "http://127.0.0.1:8000"
HANDLERS = {**CORE_HANDLERS, **RETRIEVAL_HANDLERS}
REQUEST = wire_request(USER, spec=1, specz=0, dopsf=1)
WHAT = "lc,spec,psf"
DAY = 86400.0


def _fill(others: int) -> tuple[EmulatorState, list[int]]:
    """An emulator holding ``others`` finished jobs of other users and 20 of the measured user's."""
    owners = [f"user{k}@example.org" for k in range(max(1, others // 100))]
    state = EmulatorState(
        EmulatorConfig(time_scale=1e-9, users=[USER, *owners], workers=10_000, max_jobs_per_user=10**9)
    )
    outcome = validate_submission(REQUEST)
    assert outcome.submission is not None
    with state.lock:
        now = state.sync()
        for n in range(others):
            job_id = state.allocate_job_id()
            owner = owners[n % len(owners)]
            job = Job(
                job_id=job_id,
                owner=owner,
                user_id=owner,
                name=f"job {n}",
                pars=build_job_pars(outcome.submission, job_id=job_id, envelope=REQUEST),
                submitted_at=now,
                submitted_wall=state.clock.wall_now(),
            )
            plan_job(job, outcome.submission.products, state.config)
            state.add_job(job, now)
    mine: list[int] = []
    for count in (15, 5):  # 15 finish, 5 stay active
        state.clock.advance(2 * DAY)
        for _ in range(count):
            reply = call(
                state, Endpoint.SUBMIT, json.dumps(REQUEST).encode(), base_url=BASE, handlers=HANDLERS
            )
            assert reply["OK"] == 1, reply
            mine.append(int(reply["JobID"]))
    with state.lock:
        state.sync()
    return state, mine


def _time(request: Callable[[], object], seconds: float) -> float:
    """Milliseconds per call: the fastest of ten batches, each about ``seconds`` / 10 long.

    The fastest, not the mean: other processes on a small machine only ever add time.
    """
    start = time.perf_counter()
    request()
    once = max(time.perf_counter() - start, 1e-6)
    per_batch = max(1, int(seconds / 10 / once))
    batches = []
    for _ in range(10):
        start = time.perf_counter()
        for _ in range(per_batch):
            request()
        batches.append((time.perf_counter() - start) / per_batch * 1000)
    return min(batches)


def measure(others: int, seconds: float) -> dict[str, float]:
    """ms per request of each kind with ``others`` other jobs in the emulator."""
    state, mine = _fill(others)
    version = state.config.api_version
    bodies = {
        Endpoint.NUM_JOBS: {"UserID": USER},
        Endpoint.STATUS: {"UserID": USER, "JobID": str(mine[-1]), "what": WHAT, "whatProg": WHAT},
        Endpoint.OLD_JOBS: {"UserID": USER},
    }
    out: dict[str, float] = {}
    for endpoint, body in bodies.items():
        raw = json.dumps(body).encode()
        reply = call(state, endpoint, raw, base_url=BASE, handlers=HANDLERS)
        assert reply["OK"] == 1, reply

        def request(endpoint: Endpoint = endpoint, raw: bytes = raw) -> object:
            return encode_reply(call(state, endpoint, raw, base_url=BASE, handlers=HANDLERS), version)

        out[endpoint.value] = _time(request, seconds)
    return out


def main() -> None:
    """Measure each job count and print a table row per count."""
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--jobs", default="100,10000,100000", help="comma-separated job counts")
    parser.add_argument("--seconds", type=float, default=1.0, help="time spent per measurement")
    args = parser.parse_args()
    print("| jobs held | getNumJobs ms | checkProductStatus ms | listOldJobs ms |")
    print("|---|---|---|---|")
    for total in (int(n) for n in args.jobs.split(",")):
        ms = measure(max(0, total - 20), args.seconds)
        cells = " | ".join(
            f"{ms[e.value]:.3f}" for e in (Endpoint.NUM_JOBS, Endpoint.STATUS, Endpoint.OLD_JOBS)
        )
        print(f"| {total:,} | {cells} |", flush=True)


if __name__ == "__main__":
    main()
