"""Campaign benchmark: makespan against the ideal bound for K slots, requests and client CPU per job.

Runs the same campaign (N jobs, at most K active) several times, each against a fresh emulator started with
``xrt-prods-async serve`` in its own process, so ``time.process_time`` of this process is the client's alone
(scheduler, HTTP, ledger). The emulator draws each job's build times from (seed, JobID), and every run
submits the same requests in the same order, so every variant faces exactly the same jobs:

* ``count R``: the scheduler as shipped (``getNumJobs`` every ``R`` simulated seconds, status requests only
  when the count drops), for each ``R`` in ``--rounds``;
* ``naive``: ``CampaignOptions(track_progress=True)``, which polls every active job every round, the
  hand-written polling loop (``--no-naive`` skips it).

Everything is measured on the emulator's simulated clock, from its metrics (``GET /emulator/metrics``):

* makespan: first submission to last product finished;
* work: per job, first product started to last product finished (as the server ran it); the ideal bound
  for K slots is ``max(sum(work) / K, longest job)``;
* "FIFO, no lag": the same jobs, in the same order, each occupying its slot exactly from submission to its
  server-side end (the service's request delay included), with every slot refilled the instant it frees.
  No client can beat it without knowing build times in advance; ``makespan - FIFO`` is what the client's
  refill lag costs;
* refill lag: the i-th submission (i > K) waits for the (i-K)-th job to finish; the mean of that gap is the
  slot time lost per job (half a round plus the round's own real-time cost, in simulated seconds);
* detection lag: when the client saw a job finished (``FINISHED`` event) after the server finished it;
* requests per job by endpoint, and client CPU per job.

Target (issue 5): makespan <= 1.05 x (ideal bound + one poll interval), and fewer requests per job than
polling every job every round. Recorded figures and their discussion: ``benchmarks/README.md``. Exit status 1
if the cap was exceeded or the count-driven scheduler made as many requests as the naive loop.

Run:  .venv/bin/python benchmarks/campaign.py [--jobs 100] [--cap 5] [--time-scale 200] [--rounds 60,20]
      [--poll 60] [--durations JSON] [--products lc,spec,psf] [--seed 1] [--collect] [--no-naive]
"""

from __future__ import annotations

import argparse
import asyncio
import heapq
import json
import os
import platform
import statistics
import subprocess
import sys
import tempfile
import time
from dataclasses import dataclass, field
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import httpx

from xrt_prods_async._products import Product
from xrt_prods_async.campaign import Campaign, CampaignEvent, CampaignItem, CampaignOptions, EventKind
from xrt_prods_async.client import XRTClient
from xrt_prods_async.params import JobRequest

USER = "bench@example.org"
#: Build times per product (simulated seconds, log-normal): a light-curve + spectrum + position job takes
#: about ten minutes (median of the slowest of its products), from about three to over thirty.
DEFAULT_DURATIONS = '{"lc": {"median": 420, "sigma": 0.5}, "spec": {"median": 480, "sigma": 0.5}, "psf": 120}'
#: The fewest product options each product needs to be a valid request.
PRODUCT_OPTIONS: dict[Product, dict[str, Any]] = {
    Product.LIGHT_CURVE: {"binMeth": "snapshot"},
    Product.SPECTRUM: {"hasRedshift": False},
    Product.SOURCE_DET: {"whichData": "all"},
}
TARGET_EXCESS = 0.05


@dataclass(frozen=True)
class Variant:
    """One way of running the campaign."""

    name: str
    round_interval: float  # simulated seconds
    naive: bool = False


@dataclass
class Result:
    """What one variant measured (times in simulated seconds)."""

    variant: Variant
    jobs: int
    makespan: float
    work: float
    longest: float
    bound: float
    fifo: float
    refill_lag: float
    detection_lag: float
    detection_lag_max: float
    campaign_end: float
    max_active: int
    requests: dict[str, int]
    status_per_job: float
    min_status_interval: float | None
    cpu: float
    real: float
    extra: dict[str, Any] = field(default_factory=dict)

    @property
    def requests_per_job(self) -> float:
        """Every API request of the run, per job."""
        return sum(self.requests.values()) / self.jobs


def request_for(name: str, products: tuple[Product, ...]) -> JobRequest:
    """A valid request for ``products`` on a fixed GRB field, named after the source."""
    chosen = {p.long_name: dict(PRODUCT_OPTIONS.get(p, {})) for p in products}
    return JobRequest(name=name, RA=52.8, Dec=43.9043, targ="00010873", centroid=True, posErr=1, **chosen)


class Emulator:
    """``xrt-prods-async serve`` on a free loopback port, in its own process."""

    def __init__(self, args: argparse.Namespace) -> None:
        workers = args.workers or args.cap * len(args.products)
        command = [
            sys.executable, "-m", "xrt_prods_async", "serve", "--port", "0", "--users", USER,
            "--time-scale", str(args.time_scale), "--workers", str(workers), "--seed", str(args.seed),
            "--max-jobs", str(max(20, args.cap)), "--durations", args.durations,
        ]  # fmt: skip
        self.process = subprocess.Popen(command, stdout=subprocess.PIPE, text=True)
        assert self.process.stdout is not None
        first = self.process.stdout.readline()
        if not first.startswith("XRT product service emulator at "):
            self.process.kill()
            raise SystemExit(f"the emulator did not start: {first!r}")
        self.base_url = first.rsplit(" ", 1)[1].strip()
        self.root = self.base_url.rsplit("/", 1)[0]

    def metrics(self) -> dict[str, Any]:
        """The emulator's metrics snapshot."""
        reply = httpx.get(f"{self.root}/emulator/metrics", timeout=30)
        reply.raise_for_status()
        data: dict[str, Any] = reply.json()
        return data

    def stop(self) -> None:
        """Terminate the server process and wait for it."""
        self.process.terminate()
        try:
            self.process.wait(timeout=10)
        except subprocess.TimeoutExpired:
            self.process.kill()
            self.process.wait()


def fifo_makespan(occupancy: list[float], slots: int) -> float:
    """List scheduling in the given order on ``slots`` slots, each refilled the moment it frees."""
    free = [0.0] * slots
    end = 0.0
    for length in occupancy:
        start = heapq.heappop(free)
        heapq.heappush(free, start + length)
        end = max(end, start + length)
    return end


async def run_campaign(
    variant: Variant, args: argparse.Namespace, base_url: str, workdir: Path
) -> tuple[dict[int, datetime], float, float, dict[str, int]]:
    """Run one campaign; returns FINISHED event times by JobID, CPU and real seconds, client-side counts."""
    scale = args.time_scale
    collect: dict[str, Any] = {} if args.collect else {"download": (), "retrieve": frozenset()}
    options = CampaignOptions(
        max_active=args.cap,
        poll_interval=args.poll / scale,
        round_interval=variant.round_interval / scale,
        track_progress=variant.naive,
        **collect,
    )
    seen: dict[int, datetime] = {}

    def on_event(event: CampaignEvent) -> None:
        if event.kind is EventKind.FINISHED and event.job_id is not None:
            seen[event.job_id] = event.at

    items = [
        CampaignItem(f"src-{i:04d}", request_for(f"src-{i:04d}", args.products)) for i in range(args.jobs)
    ]
    async with XRTClient(USER, base_url=base_url, poll_interval=args.poll / scale, timeout=30) as client:
        campaign = Campaign(client, workdir / "ledger.sqlite", workdir / "out", options, on_event=on_event)
        await campaign.add(items)
        cpu, real = time.process_time(), time.perf_counter()
        summary = await campaign.run()
        cpu, real = time.process_time() - cpu, time.perf_counter() - real
    done = summary.counts.get("done", 0)
    if done != args.jobs:
        raise SystemExit(f"{variant.name}: only {done} of {args.jobs} jobs done: {summary.counts}")
    return seen, cpu, real, dict(summary.requests)


def analyse(
    variant: Variant,
    args: argparse.Namespace,
    metrics: dict[str, Any],
    seen: dict[int, datetime],
    cpu: float,
    real: float,
) -> Result:
    """The figures of one run from the emulator's metrics and the client's FINISHED events."""
    user = metrics["users"][USER]
    jobs = sorted(user["jobs"].items(), key=lambda kv: int(kv[0]))
    submitted, started, finished, finished_wall = [], [], [], {}
    for job_id, job in jobs:
        runs = job["products"].values()
        submitted.append(job["submitted"]["sim"])
        started.append(min(r["started"]["sim"] for r in runs))
        last = max(runs, key=lambda r: r["finished"]["sim"])["finished"]
        finished.append(last["sim"])
        finished_wall[int(job_id)] = datetime.fromisoformat(last["wall"])
    work = [end - start for start, end in zip(started, finished, strict=True)]
    occupancy = [end - sub for sub, end in zip(submitted, finished, strict=True)]
    k, n = args.cap, len(jobs)
    origin = min(submitted)
    makespan = max(finished) - origin
    bound = max(sum(work) / k, max(work))
    ends = sorted(finished)
    subs = sorted(submitted)
    refill = [subs[i] - ends[i - k] for i in range(k, n)]
    # Client event times (wall) to simulated seconds, through the emulator's own wall/sim pair.
    clock = metrics["clock"]
    anchor_wall = datetime.fromisoformat(clock["wall_now"])

    def sim_at(moment: datetime) -> float:
        return float(clock["simulated_now"]) + (moment - anchor_wall).total_seconds() * args.time_scale

    lags = [(seen[j] - finished_wall[j]).total_seconds() * args.time_scale for j in finished_wall]
    intervals = [j["min_status_interval"] for _, j in jobs if j["min_status_interval"] is not None]
    requests = {k2: v for k2, v in user["requests"].items() if v}
    fetched = metrics["downloads"]["archives"] + metrics["downloads"]["files"]
    if fetched:
        requests["download"] = fetched
    return Result(
        variant=variant,
        jobs=n,
        makespan=makespan,
        work=sum(work),
        longest=max(work),
        bound=bound,
        fifo=fifo_makespan(occupancy, k),
        refill_lag=statistics.fmean(refill) if refill else 0.0,
        detection_lag=statistics.fmean(lags),
        detection_lag_max=max(lags),
        campaign_end=max(sim_at(seen[j]) for j in seen) - origin,
        max_active=int(user["max_active_jobs"]),
        requests=requests,
        status_per_job=sum(j["status_requests"] for _, j in jobs) / n,
        min_status_interval=min(intervals) if intervals else None,
        cpu=cpu,
        real=real,
        extra={"median_work": statistics.median(work), "downloads": metrics["downloads"]},
    )


def run_variant(variant: Variant, args: argparse.Namespace) -> Result:
    """One variant against its own fresh emulator."""
    emulator = Emulator(args)
    try:
        with tempfile.TemporaryDirectory(prefix="xrt-bench-") as tmp:
            seen, cpu, real, _ = asyncio.run(run_campaign(variant, args, emulator.base_url, Path(tmp)))
        metrics = emulator.metrics()
    finally:
        emulator.stop()
    return analyse(variant, args, metrics, seen, cpu, real)


def _short(endpoint: str) -> str:
    return (
        endpoint.removesuffix(".php")
        .replace("run_userobject", "submit")
        .replace("checkProductStatus", "status")
    )


def report(results: list[Result], args: argparse.Namespace) -> str:
    """A Markdown table of the runs, then the verdicts."""
    lines = [
        "| variant | makespan | bound | FIFO, no lag | excess | refill lag | detect lag (max) | end "
        "| max active | req/job | status/job | count/job | CPU ms/job |",
        "|---|---|---|---|---|---|---|---|---|---|---|---|---|",
    ]
    for r in results:
        target = r.bound + args.poll
        count = r.requests.get("getNumJobs.php", 0) / r.jobs
        cpu_ms = 1000 * r.cpu / r.jobs
        lines.append(
            f"| {r.variant.name} | {r.makespan:,.0f} | {r.bound:,.0f} | {r.fifo:,.0f} "
            f"| {r.makespan / target - 1:+.1%} | {r.refill_lag:.1f} | {r.detection_lag:.0f} "
            f"({r.detection_lag_max:.0f}) | {r.campaign_end:,.0f} | {r.max_active} "
            f"| {r.requests_per_job:.2f} | {r.status_per_job:.2f} | {count:.2f} | {cpu_ms:.1f} |"
        )
    lines.append("")
    naive = next((r for r in results if r.variant.naive), None)
    for r in results:
        excess = r.makespan / (r.bound + args.poll) - 1
        by = ", ".join(f"{_short(e)} {v / r.jobs:.2f}" for e, v in sorted(r.requests.items()))
        verdict = "met" if excess <= TARGET_EXCESS else "NOT met"
        polite = "none" if r.min_status_interval is None else f"{r.min_status_interval:.1f} s"
        lines.append(
            f"- {r.variant.name}: makespan {r.makespan:,.0f} s vs bound+poll {r.bound + args.poll:,.0f} s "
            f"({excess:+.1%}; target <= +{TARGET_EXCESS:.0%}: {verdict}); requests/job {by}; "
            f"shortest gap between two status requests of a job {polite}; "
            f"{r.real:.1f} s real, CPU {r.cpu:.2f} s, downloads {r.extra['downloads']}"
        )
        if naive is not None and r is not naive:
            fewer = r.requests_per_job < naive.requests_per_job
            lines.append(
                f"  requests/job {r.requests_per_job:.2f} vs naive {naive.requests_per_job:.2f}: "
                f"{'fewer' if fewer else 'NOT fewer'} ({r.requests_per_job / naive.requests_per_job:.0%})"
            )
    first = results[0]
    lines.append(
        f"- jobs: {first.jobs}, cap {args.cap}, median work {first.extra['median_work']:.0f} s, "
        f"longest {first.longest:.0f} s, total work {first.work:,.0f} s (same jobs in every variant)"
    )
    return "\n".join(lines)


def _positive(text: str) -> float:
    value = float(text)
    if not value > 0:
        raise argparse.ArgumentTypeError(f"must be positive, got {text}")
    return value


def _rounds(text: str) -> list[float]:
    try:
        values = [float(v) for v in text.split(",") if v.strip()]
    except ValueError:
        raise argparse.ArgumentTypeError(f"give simulated seconds, comma-separated; got {text!r}") from None
    if not values or min(values) <= 0:
        raise argparse.ArgumentTypeError(f"give positive simulated seconds, comma-separated; got {text!r}")
    return values


def _products(text: str) -> tuple[Product, ...]:
    try:
        return Product.parse_many(text)
    except ValueError as exc:
        raise argparse.ArgumentTypeError(str(exc)) from None


def main(argv: list[str] | None = None) -> int:
    """Run every variant and print the table and verdicts; exit 1 if the cap was broken or polling every job
    cost no more requests than the count-driven scheduler."""
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--jobs", type=int, default=100, help="N, jobs in the campaign (default 100)")
    parser.add_argument("--cap", type=int, default=5, help="K, most active jobs at once (default 5)")
    parser.add_argument(
        "--time-scale", type=_positive, default=200.0, help="simulated s per real s (default 200)"
    )
    parser.add_argument(
        "--poll", type=_positive, default=60.0, help="poll interval, simulated s (default 60)"
    )
    parser.add_argument(
        "--rounds", type=_rounds, default=[60.0, 20.0], help="round intervals to run, simulated s (60,20)"
    )
    parser.add_argument("--no-naive", action="store_true", help="skip the poll-every-job baseline")
    parser.add_argument("--durations", default=DEFAULT_DURATIONS, help="per-product build times (serve's)")
    parser.add_argument(
        "--products", type=_products, default=_products("lc,spec,psf"), help="products per job (lc,spec,psf)"
    )
    parser.add_argument("--workers", type=int, default=0, help="emulator workers (default: cap x products)")
    parser.add_argument("--seed", type=int, default=1, help="seed of the emulator's build times (default 1)")
    parser.add_argument("--collect", action="store_true", help="download archives and retrieve data too")
    parser.add_argument("--json", type=Path, help="also write the raw results to this file")
    args = parser.parse_args(argv)
    if args.jobs < 1 or args.cap < 1:
        parser.error("--jobs and --cap must be at least 1")

    variants = [Variant(f"count {r:g}", r) for r in args.rounds]
    if not args.no_naive:
        variants.append(Variant(f"naive {args.poll:g}", args.poll, naive=True))
    print(
        f"# {datetime.now(UTC):%Y-%m-%d}, {platform.python_implementation()} {platform.python_version()}, "
        f"{os.cpu_count()} CPUs; N={args.jobs} K={args.cap} scale={args.time_scale:g} poll={args.poll:g} s "
        f"products={','.join(p.value for p in args.products)} seed={args.seed} collect={args.collect}",
        flush=True,
    )
    results = []
    for variant in variants:
        result = run_variant(variant, args)
        print(f"  {variant.name}: makespan {result.makespan:,.0f} s in {result.real:.1f} s real", flush=True)
        results.append(result)
    print(report(results, args))
    if args.json:
        rows = [{**r.__dict__, "variant": r.variant.__dict__} for r in results]
        args.json.write_text(json.dumps(rows, indent=1, default=str), encoding="utf-8")
    naive = next((r for r in results if r.variant.naive), None)
    over_cap = [r for r in results if r.max_active > args.cap]
    costly = [
        r for r in results if naive and not r.variant.naive and r.requests_per_job >= naive.requests_per_job
    ]
    return 1 if over_cap or costly else 0


if __name__ == "__main__":
    sys.exit(main())
