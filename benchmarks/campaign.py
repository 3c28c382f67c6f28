"""Campaign benchmark: our Campaign beside swifttools' documented recipe, on the very same jobs.

Measures makespan against the ideal bound for K slots, requests per job by kind and client CPU per request.
Each run (one variant, one N) has a fresh emulator started with ``xrt-prods-async serve`` in its own process,
so the CPU measured here is the client's alone. The emulator draws each job's build times from (seed, JobID),
every run submits the same requests in the same order, and the report checks that every run of one N saw the
same jobs (names and per-product build times). Variants:

* ``count R``: our scheduler as shipped (``getNumJobs`` every ``R`` simulated seconds, status requests only
  when the count drops), for each ``R`` in ``--rounds``; ``count R +archives`` (first ``R``) also downloads
  every product's archive of each finished job, as the recipe's ``downloadProducts`` does;
* ``reference`` and ``reference +archives``: what a swifttools user writes instead, the loop of its
  documentation (``reference_recipe.py``), sleeping ``--poll`` seconds between rounds; ``--no-reference``
  and ``--no-archives`` skip them;
* ``naive`` (``--naive``): ours with ``CampaignOptions(track_progress=True)``, polling every job every round.

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
* detection lag: when the client saw a job finished after the server finished it;
* requests per job by endpoint (archive downloads included), client CPU per request and per job: process
  CPU time for ours (asyncio, one process), the recipe thread's CPU time for the reference.

The runs of one N go side by side (``--parallel``, default: as many as variants), each in its own process,
so they share whatever else loads the machine; about 4 minutes in all by default. The real time of each
request is multiplied by the time scale on the simulated clock: at 200, a loopback request lasts about a
second, as on the real service; a higher scale inflates every lag (``benchmarks/README.md``).

Target (issue 5): makespan <= 1.05 x (ideal bound + one poll interval), and fewer requests per job than the
reference recipe (or the naive loop). Recorded figures and their discussion: ``benchmarks/README.md``. Exit
status 1 if the cap was exceeded, the runs of one N saw different jobs, or one of ours made as many requests
per job as its baseline (the reference with the same downloads, else the naive loop).

Run:  .venv/bin/python benchmarks/campaign.py [--jobs 100,200] [--cap 5] [--time-scale 200] [--rounds 60,20]
      [--poll 60] [--durations JSON] [--products lc,spec,psf] [--seed 1] [--collect] [--naive]
      [--no-reference] [--no-archives] [--parallel P] [--json FILE] [--plot FILE]
"""

from __future__ import annotations

import argparse
import asyncio
import heapq
import json
import multiprocessing
import os
import platform
import statistics
import sys
import tempfile
import time
from concurrent.futures import ProcessPoolExecutor, as_completed
from dataclasses import dataclass, field
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

from _serve import Serve
from reference_recipe import RecipeJob, run_recipe

from xrt_prods_async._products import Product
from xrt_prods_async.campaign import Campaign, CampaignEvent, CampaignItem, CampaignOptions, EventKind
from xrt_prods_async.campaign._pace import DEFAULT_REQUEST_BUDGET
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
#: The field every job asks about (the jobs differ by name only; build times come from the JobID).
FIELD: dict[str, Any] = {"RA": 52.8, "Dec": 43.9043, "targ": "00010873", "centroid": True, "posErr": 1}
TARGET_EXCESS = 0.05
#: Simulated seconds per real second. A loopback request (3-5 ms) then lasts about 1 s on the simulated clock,
#: as a request to the real service does; at 1000 every lag is inflated (benchmarks/README.md).
DEFAULT_SCALE = 200.0


@dataclass(frozen=True)
class Variant:
    """One way of running the campaign: our ``Campaign`` or the reference recipe."""

    name: str
    round_interval: float  # simulated seconds (the reference recipe's sleep between rounds)
    naive: bool = False
    #: ``ours``: xrt_prods_async's Campaign; ``reference``: swifttools' documented loop (reference_recipe.py).
    client: str = "ours"
    #: Download every product's archive of each finished job (and retrieve nothing).
    download: bool = False
    #: Ours with paced rounds (no fixed round interval) and this request budget per job.
    budget: float | None = None


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
        """Every API request of the run (archive downloads included), per job."""
        return sum(self.requests.values()) / self.jobs

    @property
    def ratio(self) -> float:
        """Makespan over the ideal bound for K slots."""
        return self.makespan / self.bound

    @property
    def cpu_per_request(self) -> float:
        """Client CPU seconds per API request."""
        return self.cpu / sum(self.requests.values())

    def per_job(self, endpoint: str) -> float:
        """Requests of one kind per job."""
        return self.requests.get(endpoint, 0) / self.jobs


def request_for(name: str, products: tuple[Product, ...]) -> JobRequest:
    """A valid request for ``products`` on a fixed GRB field, named after the source."""
    chosen = {p.long_name: dict(PRODUCT_OPTIONS.get(p, {})) for p in products}
    return JobRequest(name=name, **FIELD, **chosen)


def job_names(n: int) -> list[str]:
    """The names of the campaign's jobs, in submission order."""
    return [f"src-{i:04d}" for i in range(n)]


def recipe_jobs(n: int, products: tuple[Product, ...]) -> list[RecipeJob]:
    """The campaign's jobs as the reference recipe builds them with swifttools: the same submission bodies.

    swifttools refuses a centroided request without ``useSXPS``; ``JobRequest`` defaults it to False, so both
    send ``useSXPS=0``.
    """
    chosen = {p.long_name: dict(PRODUCT_OPTIONS.get(p, {})) for p in products}
    return [RecipeJob({"name": name, **FIELD, "useSXPS": False}, chosen) for name in job_names(n)]


def serve_args(args: argparse.Namespace) -> list[str]:
    """``serve``'s options for one run: the simulated clock, the workers, the seed and the cap of the run."""
    workers = args.workers or args.cap * len(args.products)
    return [
        "--users", USER, "--time-scale", str(args.time_scale), "--workers", str(workers),
        "--seed", str(args.seed), "--max-jobs", str(max(20, args.cap)), "--durations", args.durations,
    ]  # fmt: skip


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
    variant: Variant, args: argparse.Namespace, n: int, base_url: str, workdir: Path
) -> tuple[dict[int, datetime], float, float, dict[str, int]]:
    """Run one campaign; returns FINISHED event times by JobID, CPU and real seconds, client-side counts."""
    scale = args.time_scale
    collect: dict[str, Any]
    if variant.download:
        collect = {"retrieve": frozenset()}  # every archive, as the recipe's downloadProducts()
    elif args.collect:
        collect = {}
    else:
        collect = {"download": (), "retrieve": frozenset()}
    options = CampaignOptions(
        max_active=args.cap,
        poll_interval=args.poll / scale,
        round_interval=None if variant.budget is not None else variant.round_interval / scale,
        request_budget=variant.budget if variant.budget is not None else DEFAULT_REQUEST_BUDGET,
        track_progress=variant.naive,
        **collect,
    )
    seen: dict[int, datetime] = {}

    def on_event(event: CampaignEvent) -> None:
        # The wall clock, to compare with the emulator's: ``event.at`` is on the campaign's monotonic clock.
        if event.kind is EventKind.FINISHED and event.job_id is not None:
            seen[event.job_id] = datetime.now(UTC)

    items = [CampaignItem(name, request_for(name, args.products)) for name in job_names(n)]
    async with XRTClient(USER, base_url=base_url, poll_interval=args.poll / scale, timeout=30) as client:
        campaign = Campaign(client, workdir / "ledger.sqlite", workdir / "out", options, on_event=on_event)
        await campaign.add(items)
        cpu, real = time.process_time(), time.perf_counter()
        summary = await campaign.run()
        cpu, real = time.process_time() - cpu, time.perf_counter() - real
    done = summary.counts.get("done", 0)
    if done != n:
        raise SystemExit(f"{variant.name}: only {done} of {n} jobs done: {summary.counts}")
    return seen, cpu, real, dict(summary.requests)


def run_reference(
    variant: Variant, args: argparse.Namespace, n: int, base_url: str, workdir: Path
) -> tuple[dict[int, datetime], float, float]:
    """Run swifttools' documented recipe, blocking, in this thread; returns when it saw each job complete
    (by JobID), and its thread's CPU and real seconds."""
    run = run_recipe(
        recipe_jobs(n, args.products),
        user=USER,
        base_url=base_url,
        max_jobs=args.cap,
        sleep=variant.round_interval / args.time_scale,
        download_dir=workdir / "out" if variant.download else None,
    )
    if len(run.seen) != n:
        raise SystemExit(f"{variant.name}: only {len(run.seen)} of {n} jobs seen complete")
    return run.seen, run.cpu, run.real


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
        return float(clock["simulated_now"]) + (moment - anchor_wall).total_seconds() * float(args.time_scale)

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
        extra={
            "median_work": statistics.median(work),
            "downloads": metrics["downloads"],
            # The jobs as the server drew them: every run of one N must show the same.
            "jobs": [
                (job["name"], sorted((p, r["duration"]) for p, r in job["products"].items()))
                for _, job in jobs
            ],
        },
    )


def run_variant(variant: Variant, args: argparse.Namespace, n: int) -> Result:
    """One variant with ``n`` jobs against its own fresh emulator."""
    with Serve(serve_args(args)) as emulator:
        with tempfile.TemporaryDirectory(prefix="xrt-bench-") as tmp:
            if variant.client == "reference":
                seen, cpu, real = run_reference(variant, args, n, emulator.base_url, Path(tmp))
            else:
                seen, cpu, real, _ = asyncio.run(run_campaign(variant, args, n, emulator.base_url, Path(tmp)))
        metrics = emulator.metrics()
    return analyse(variant, args, metrics, seen, cpu, real)


def _short(endpoint: str) -> str:
    return (
        endpoint.removesuffix(".php")
        .replace("run_userobject", "submit")
        .replace("checkProductStatus", "status")
    )


def _same_jobs(results: list[Result]) -> bool:
    """Whether every run saw the same jobs (names and per-product build times, in JobID order)."""
    return all(r.extra["jobs"] == results[0].extra["jobs"] for r in results)


def report(results: list[Result], args: argparse.Namespace) -> str:
    """A Markdown table of the runs (ours and the reference recipe side by side, per N), then the details."""
    lines = [
        "| N | variant | makespan | bound | makespan / bound | excess | refill lag | detect lag (max) "
        "| max active | req/job | status | getNumJobs | submit | download | CPU ms/req | CPU ms/job |",
        "|---|---|---|---|---|---|---|---|---|---|---|---|---|---|---|---|",
    ]
    for r in results:
        excess = r.makespan / (r.bound + args.poll) - 1
        lines.append(
            f"| {r.jobs} | {r.variant.name} | {r.makespan:,.0f} | {r.bound:,.0f} | {r.ratio:.3f} "
            f"| {excess:+.1%} | {r.refill_lag:.1f} | {r.detection_lag:.0f} ({r.detection_lag_max:.0f}) "
            f"| {r.max_active} | {r.requests_per_job:.2f} | {r.per_job('checkProductStatus.php'):.2f} "
            f"| {r.per_job('getNumJobs.php'):.2f} | {r.per_job('run_userobject.php'):.2f} "
            f"| {r.per_job('download'):.2f} | {1000 * r.cpu_per_request:.2f} | {1000 * r.cpu / r.jobs:.1f} |"
        )
    lines.append("")
    for n in sorted({r.jobs for r in results}):
        group = [r for r in results if r.jobs == n]
        first = group[0]
        same = "same jobs in every run" if _same_jobs(group) else "THE RUNS SAW DIFFERENT JOBS"
        lines.append(
            f"- N={n}: cap {args.cap}, median work {first.extra['median_work']:.0f} s, longest "
            f"{first.longest:.0f} s, total work {first.work:,.0f} s, FIFO without lag {first.fifo:,.0f} s "
            f"({first.fifo / first.bound:.3f} x bound); {same}"
        )
        for r in group:
            excess = r.makespan / (r.bound + args.poll) - 1
            verdict = "met" if excess <= TARGET_EXCESS else "NOT met"
            polite = "none" if r.min_status_interval is None else f"{r.min_status_interval:.1f} s"
            lines.append(
                f"  - {r.variant.name}: {excess:+.1%} over bound+poll (target <= +{TARGET_EXCESS:.0%}: "
                f"{verdict}); client end {r.campaign_end:,.0f} s; shortest gap between two status requests "
                f"of a job {polite}; {r.real:.1f} s real, CPU {r.cpu:.2f} s; downloads {r.extra['downloads']}"
            )
            base = _baseline(group, r)
            if base is not None:
                lines.append(
                    f"    vs {base.variant.name}: makespan/bound {r.ratio:.3f} vs {base.ratio:.3f} "
                    f"({1 - r.makespan / base.makespan:.1%} sooner), "
                    "requests/job "
                    f"{r.requests_per_job:.2f} vs {base.requests_per_job:.2f} "
                    f"({r.requests_per_job / base.requests_per_job:.0%}), CPU/request "
                    f"{1000 * r.cpu_per_request:.2f} vs {1000 * base.cpu_per_request:.2f} ms "
                    f"({r.cpu_per_request / base.cpu_per_request:.1f} x)"
                )
    return "\n".join(lines)


def _baseline(group: list[Result], r: Result) -> Result | None:
    """What ``r`` (one of ours) is compared with: the reference recipe with the same downloads, else the
    naive loop."""
    if r.variant.client != "ours" or r.variant.naive:
        return None
    for candidate in group:
        if candidate.variant.client == "reference" and candidate.variant.download == r.variant.download:
            return candidate
    return next((c for c in group if c.variant.naive), None)


def _per_job(result: Result) -> float:
    return result.requests_per_job


def plot(results: list[Result], path: Path, cap: int) -> None:
    """Makespan / bound against requests per job, one point per run: the latency/politeness plane on which
    a scheduler's settings draw a frontier."""
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    fig, ax = plt.subplots(figsize=(7.5, 5))
    sizes = sorted({r.jobs for r in results})
    colours = dict(zip(sizes, plt.rcParams["axes.prop_cycle"].by_key()["color"], strict=False))
    markers = {("ours", False): "o", ("ours", True): "s", ("reference", False): "^", ("reference", True): "v"}
    for r in results:
        marker = "x" if r.variant.naive else markers[(r.variant.client, r.variant.download)]
        fixed = r.variant.client == "ours" and r.variant.budget is None and not r.variant.naive
        ax.scatter(
            r.requests_per_job,
            r.ratio,
            marker="D" if fixed else marker,  # fixed rounds: hollow diamonds, off the paced curve
            facecolors="none" if fixed else colours[r.jobs],
            edgecolors=colours[r.jobs],
            s=50,
            zorder=3,
        )
        ax.annotate(
            f"{r.variant.name} (N={r.jobs})",
            (r.requests_per_job, r.ratio),
            textcoords="offset points",
            xytext=(5, 4),
            fontsize=7,
        )
    for n in sizes:
        paced = sorted((r for r in results if r.jobs == n and r.variant.budget is not None), key=_per_job)
        if len(paced) > 1:
            ax.plot(
                [r.requests_per_job for r in paced],
                [r.ratio for r in paced],
                color=colours[n],
                linewidth=1.2,
                label=f"ours, paced, by request budget (N={n})",
            )
        fifo = next(r.fifo / r.bound for r in results if r.jobs == n)
        ax.axhline(fifo, color=colours[n], linestyle="--", linewidth=0.8, label=f"FIFO without lag, N={n}")
    ax.axhline(1.0, color="grey", linewidth=0.8)
    ax.legend(fontsize=7, loc="best")
    ax.set_xlabel("API requests per job (downloads included)")
    ax.set_ylabel("makespan / ideal bound max(sum(work)/K, longest job)")
    ax.set_title(f"Campaigns of N jobs, at most K={cap} active: lower left is better")
    ax.set_xlim(left=0)
    ax.grid(alpha=0.3)
    fig.tight_layout()
    fig.savefig(path, dpi=120)
    plt.close(fig)


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


def parse_products(text: str) -> tuple[Product, ...]:
    """``--products``: short names, comma-separated."""
    try:
        return Product.parse_many(text)
    except ValueError as exc:
        raise argparse.ArgumentTypeError(str(exc)) from None


def _sizes(text: str) -> list[int]:
    try:
        values = [int(v) for v in text.split(",") if v.strip()]
    except ValueError:
        raise argparse.ArgumentTypeError(f"give job counts, comma-separated; got {text!r}") from None
    if not values or min(values) < 1:
        raise argparse.ArgumentTypeError(f"give positive job counts, comma-separated; got {text!r}")
    return values


def variants_for(args: argparse.Namespace) -> list[Variant]:
    """The runs of one N: ours per round interval, then the baselines."""
    variants = [Variant(f"paced {b:g}", args.poll, budget=b) for b in args.budgets]
    variants += [Variant(f"count {r:g}", r) for r in args.rounds]
    if not args.no_archives and args.rounds:
        variants.append(Variant(f"count {args.rounds[0]:g} +archives", args.rounds[0], download=True))
    if args.naive:
        variants.append(Variant(f"naive {args.poll:g}", args.poll, naive=True))
    if not args.no_reference:
        variants.append(Variant("reference", args.poll, client="reference"))
        if not args.no_archives:
            variants.append(Variant("reference +archives", args.poll, client="reference", download=True))
    return variants


def _progress(result: Result) -> None:
    print(
        f"  N={result.jobs} {result.variant.name}: makespan {result.makespan:,.0f} s ({result.ratio:.3f} x "
        f"bound), {result.requests_per_job:.2f} requests/job, in {result.real:.1f} s real",
        flush=True,
    )


def run_all(variants: list[Variant], args: argparse.Namespace) -> list[Result]:
    """Every variant for every N, ``--parallel`` at a time, each in its own process (and its own emulator's)
    when more than one; results in the order of the runs."""
    runs = [(variant, n) for n in args.jobs for variant in variants]
    if args.parallel <= 1:
        results = []
        for variant, n in runs:
            results.append(run_variant(variant, args, n))
            _progress(results[-1])
        return results
    context = multiprocessing.get_context("spawn")
    with ProcessPoolExecutor(max_workers=args.parallel, mp_context=context) as pool:
        futures = [pool.submit(run_variant, variant, args, n) for variant, n in runs]
        for future in as_completed(futures):
            _progress(future.result())
        return [future.result() for future in futures]


def main(argv: list[str] | None = None) -> int:
    """Run every variant for every N and print the table and details; exit 1 if the cap was broken, the runs
    of one N saw different jobs, or one of ours cost as many requests per job as its baseline."""
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--jobs", type=_sizes, default=[100, 200], help="N, comma-separated (100,200)")
    parser.add_argument("--cap", type=int, default=5, help="K, most active jobs at once (default 5)")
    parser.add_argument(
        "--time-scale",
        type=_positive,
        default=DEFAULT_SCALE,
        help=f"simulated s per real s ({DEFAULT_SCALE:g})",
    )
    parser.add_argument(
        "--poll", type=_positive, default=60.0, help="poll interval, simulated s (default 60)"
    )
    parser.add_argument(
        "--rounds", type=_rounds, default=[60.0, 20.0], help="our round intervals, simulated s (60,20)"
    )
    parser.add_argument(
        "--budgets",
        type=_rounds,
        default=[DEFAULT_REQUEST_BUDGET],
        help=f"request budgets per job of our paced rounds (default {DEFAULT_REQUEST_BUDGET:g})",
    )
    parser.add_argument("--naive", action="store_true", help="also run ours polling every job every round")
    parser.add_argument("--no-reference", action="store_true", help="skip swifttools' documented recipe")
    parser.add_argument("--no-archives", action="store_true", help="skip the runs that download archives")
    parser.add_argument("--durations", default=DEFAULT_DURATIONS, help="per-product build times (serve's)")
    parser.add_argument(
        "--products",
        type=parse_products,
        default=parse_products("lc,spec,psf"),
        help="products per job (lc,spec,psf)",
    )
    parser.add_argument("--workers", type=int, default=0, help="emulator workers (default: cap x products)")
    parser.add_argument("--seed", type=int, default=1, help="seed of the emulator's build times (default 1)")
    parser.add_argument(
        "--collect", action="store_true", help="ours (but +archives) also download and retrieve everything"
    )
    parser.add_argument(
        "--parallel",
        type=int,
        default=0,
        help="runs at once, each in its own process (default: as many as variants, so the runs of one N "
        "share the machine's load; 1 runs them one after the other in this process)",
    )
    parser.add_argument("--json", type=Path, help="also write the raw results to this file")
    parser.add_argument("--plot", type=Path, help="draw makespan/bound against requests per job to this file")
    args = parser.parse_args(argv)
    if args.cap < 1:
        parser.error("--cap must be at least 1")

    variants = variants_for(args)
    args.parallel = args.parallel or len(variants)
    print(
        f"# {datetime.now(UTC):%Y-%m-%d}, {platform.python_implementation()} {platform.python_version()}, "
        f"{os.cpu_count()} CPUs; N={','.join(map(str, args.jobs))} K={args.cap} scale={args.time_scale:g} "
        f"poll={args.poll:g} s products={','.join(p.value for p in args.products)} seed={args.seed} "
        f"collect={args.collect} parallel={args.parallel}; load average {os.getloadavg()[0]:.1f}",
        flush=True,
    )
    results = run_all(variants, args)
    print(f"# load average {' / '.join(f'{v:.1f}' for v in os.getloadavg())} (1 / 5 / 15 min)", flush=True)
    print(report(results, args))
    if args.json:
        rows = [
            {
                **r.__dict__,
                "variant": r.variant.__dict__,
                "ratio": r.ratio,
                "requests_per_job": r.requests_per_job,
            }
            for r in results
        ]
        args.json.write_text(json.dumps(rows, indent=1, default=str), encoding="utf-8")
    if args.plot:
        plot(results, args.plot, args.cap)
    over_cap = [r for r in results if r.max_active > args.cap]
    groups = [[r for r in results if r.jobs == n] for n in args.jobs]
    different = [g for g in groups if not _same_jobs(g)]
    costly = []
    for r in results:
        base = _baseline([g for g in results if g.jobs == r.jobs], r)
        if base is not None and r.requests_per_job >= base.requests_per_job:
            costly.append(r)
    return 1 if over_cap or different or costly else 0


if __name__ == "__main__":
    sys.exit(main())
