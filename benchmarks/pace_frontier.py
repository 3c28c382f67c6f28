"""Paced rounds on an exact simulated clock: the frontier, and how close it is to what timing alone can reach.

``campaign.py`` measures ours beside the reference recipe over real loopback HTTP, where the machine's load
adds to every lag. This script runs the very same ``Campaign`` against the emulator *in process* on a manual
clock (requests cost fixed simulated latencies: count 1 s, submission 1.5 s, status 1 s, about what a
loopback request costs at ``campaign.py``'s time scale), so a whole N = 200 campaign takes seconds and every
figure is exact and repeatable. For each request budget (and fixed round interval, for comparison) it prints
makespan / ideal bound, requests per job by kind and the mean refill lag.

It then asks what any client could reach by timing its ``getNumJobs`` counts alone. On the same jobs (their
occupancy, submission to last product's end, in the same order), a model of K slots replays counts placed by

* ``uniform``: every ``g`` seconds;
* ``informed``: knowing the jobs' duration *distribution* exactly (not each job's duration), each count
  placed when the slot time the running jobs are expected to have lost since the last one reaches a price
  (the rule the pacer follows with its learned model);

each seeing a freed slot at the first count after it, refilling it at once (no request latency). Its figure
is ``counts per job x mean refill lag``: the lag a client buys with a given number of counts is about this
product divided by the counts. A status request per job is needed besides (to learn which job finished),
and a submission, so a budget ``B`` leaves about ``B - 2.2`` counts per job.

Run:  .venv/bin/python benchmarks/pace_frontier.py [--jobs 200] [--cap 5] [--budgets 4,5,6,8,10,14]
      [--rounds 60,30] [--seeds 1,2,3]
"""

from __future__ import annotations

import argparse
import asyncio
import bisect
import statistics
import sys
import tempfile
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))  # tests.support, when run from anywhere

from campaign import fifo_makespan  # benchmarks/campaign.py: the same floor

from tests.support.campaign import ManualClock, items, simulated_service
from xrt_prods_async.campaign import Campaign, CampaignOptions

COUNT, STATUS, SUBMIT = "getNumJobs.php", "checkProductStatus.php", "run_userobject.php"
LATENCY = {COUNT: 1.0, SUBMIT: 1.5, STATUS: 1.0}
#: The build times of ``campaign.py`` (its DEFAULT_DURATIONS): light curve, spectrum, standard position.
DURATIONS = {
    "lc": {"median": 420, "sigma": 0.5},
    "spec": {"median": 480, "sigma": 0.5},
    "psf": {"median": 120, "sigma": 0},
}
PRODUCTS: dict[str, Any] = {"LightCurve": {"binMeth": "snapshot"}, "Spectrum": {"hasRedshift": False}}


async def campaign(n: int, cap: int, seed: int, **options: Any) -> dict[str, Any]:
    """One campaign of ours on the manual clock; its figures and the jobs' occupancies."""
    clock = ManualClock()
    state, xrt, transport = simulated_service(
        clock, lambda endpoint, _n: LATENCY.get(endpoint, 0.5), durations=DURATIONS, seed=seed
    )
    with tempfile.TemporaryDirectory() as folder:
        async with xrt:
            opts = CampaignOptions(
                max_active=cap, poll_interval=60, download=(), retrieve=frozenset(), **options
            )
            run = Campaign(xrt, Path(folder) / "c.sqlite", Path(folder) / "o", opts, clock=clock)
            await run.add(items(n, StandardPos={}, **PRODUCTS))
            summary = await run.run()
    if summary.counts.get("done") != n:
        raise SystemExit(f"only {summary.counts.get('done')} of {n} jobs done: {summary.counts}")
    jobs = sorted(state.jobs.values(), key=lambda job: job.job_id)
    submitted = [job.submitted_at for job in jobs]
    ends = [max(p.finished_at for p in job.products.values()) for job in jobs]
    work = [
        end - min(p.started_at for p in job.products.values()) for job, end in zip(jobs, ends, strict=True)
    ]
    bound = max(sum(work) / cap, max(work))
    occupancy = [end - start for start, end in zip(submitted, ends, strict=True)]
    finishes = sorted(ends)
    lags = [submitted[i] - finishes[i - cap] for i in range(cap, n)]
    requests = {endpoint: len(transport.times(endpoint)) / n for endpoint in (COUNT, STATUS, SUBMIT)}
    return {
        "ratio": (max(ends) - min(submitted)) / bound,
        "fifo": fifo_makespan(occupancy, cap) / bound,
        "requests": sum(requests.values()),
        "status": requests[STATUS],
        "counts": requests[COUNT],
        "lag": statistics.fmean(lags),
        "occupancy": occupancy,
    }


class Informed:
    """Counts placed with the duration distribution known exactly (the empirical one of the jobs)."""

    def __init__(self, durations: list[float], price: float) -> None:
        self.sample = sorted(durations)
        self.price = price
        # prefix sums for E[(x - D)+] over the sample
        self.prefix = [0.0]
        for d in self.sample:
            self.prefix.append(self.prefix[-1] + d)

    def _below(self, x: float) -> tuple[int, float]:
        i = bisect.bisect_right(self.sample, x)
        return i, self.prefix[i]

    def lost(self, age: float, gap: float) -> float:
        """E[(age + gap - D)+ | D > age]: slot time lost by a job running at ``age`` if the count is ``gap``
        later."""
        i, below_i = self._below(age)
        alive = len(self.sample) - i
        if alive == 0:
            return gap
        j, below_j = self._below(age + gap)
        return ((j - i) * (age + gap) - (below_j - below_i)) / alive

    def gap(self, ages: list[float], shortest: float = 10.0) -> float:
        low, high = shortest, 10_000.0
        if sum(self.lost(a, low) for a in ages) >= self.price:
            return low
        for _ in range(40):
            middle = 0.5 * (low + high)
            if sum(self.lost(a, middle) for a in ages) >= self.price:
                high = middle
            else:
                low = middle
        return high


def model_lag(occupancy: list[float], cap: int, gap: Any, shortest: float = 10.0) -> tuple[float, float]:
    """K slots filled in order; a freed slot is seen (and refilled) at the first count after it. Returns
    counts per job and the mean lag from a job's end to its slot's refill (the last K jobs have none)."""
    now, running, next_job, counts, lags = 0.0, dict[int, float](), 0, 0, []
    n = len(occupancy)
    for job in range(min(cap, n)):
        running[job] = now
    next_job = min(cap, n)
    while running:
        now += max(shortest, gap([now - start for start in running.values()]))
        counts += 1
        for job in [j for j, start in running.items() if start + occupancy[j] <= now]:
            end = running.pop(job) + occupancy[job]
            if next_job < n:
                lags.append(now - end)
                running[next_job] = now
                next_job += 1
    return counts / n, statistics.fmean(lags) if lags else 0.0


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--jobs", type=int, default=200)
    parser.add_argument("--cap", type=int, default=5)
    parser.add_argument("--budgets", default="4,5,6,8,10,14", help="request budgets of our paced rounds")
    parser.add_argument("--rounds", default="60,30", help="our fixed round intervals, for comparison")
    parser.add_argument("--seeds", default="1,2,3", help="emulator seeds (build times); figures are means")
    args = parser.parse_args(argv)
    seeds = [int(s) for s in args.seeds.split(",")]
    runs: list[tuple[str, dict[str, Any]]] = [
        (f"paced {b}", {"request_budget": float(b)}) for b in args.budgets.split(",")
    ]
    runs += [(f"count {r}", {"round_interval": float(r)}) for r in args.rounds.split(",")]
    print(f"# {datetime.now(UTC):%Y-%m-%d}, N={args.jobs} K={args.cap}, seeds {args.seeds}, simulated clock")
    print("| variant | makespan / bound | FIFO / bound | req/job | status/job | counts/job | refill lag s |")
    print("|---|---|---|---|---|---|---|")
    occupancies: list[list[float]] = []
    for name, options in runs:
        results = [asyncio.run(campaign(args.jobs, args.cap, seed, **options)) for seed in seeds]
        if not occupancies:
            occupancies = [r["occupancy"] for r in results]
        mean = {key: statistics.fmean(r[key] for r in results) for key in results[0] if key != "occupancy"}
        print(
            f"| {name} | {mean['ratio']:.3f} | {mean['fifo']:.3f} | {mean['requests']:.2f} | "
            f"{mean['status']:.2f} | {mean['counts']:.2f} | {mean['lag']:.1f} |",
            flush=True,
        )
    print()
    print("What timing the counts alone can reach on the same jobs (no request latency):")
    print("| policy | setting | counts/job | refill lag s | counts x lag |")
    print("|---|---|---|---|---|")
    for label, settings, make in (
        ("uniform", (20, 30, 40, 60), lambda occ, v: lambda ages: v),
        ("informed", (2, 4, 8, 16), lambda occ, v: Informed(occ, v).gap),
    ):
        for value in settings:
            figures = [model_lag(occ, args.cap, make(occ, float(value))) for occ in occupancies]
            counts = statistics.fmean(f[0] for f in figures)
            lag = statistics.fmean(f[1] for f in figures)
            unit = "s" if label == "uniform" else "slot-s"
            print(f"| {label} | {value} {unit} | {counts:.2f} | {lag:.1f} | {counts * lag:.0f} |")
    return 0


if __name__ == "__main__":
    sys.exit(main())
