"""Campaign memory: peak RSS of a campaign of 1,000 to 100,000 sources, ``campaign status`` on a large ledger.

Each case runs in a fresh process (this script with ``--child``); its peak RSS is
``resource.getrusage(RUSAGE_SELF).ru_maxrss``, and the current RSS (``/proc/self/statm``) is noted after
each stage. Cases:

* ``floor``: the imports, one client and a campaign on an empty ledger, nothing added: what every other
  case stands on;
* ``list N``: N sources built as a list of ``CampaignItem(label, JobRequest)`` (the list held by the user
  for the whole run, as a script holds it), given to ``Campaign.add``, then ``Campaign.run`` against an
  emulator (``xrt-prods-async serve`` in its own process, time scale ``--time-scale``) until ``--jobs``
  jobs are done, at which point the run is cancelled (what Ctrl-C does); then the summary is read through
  (``summary.finished``, every source's outcome), as a caller's report does;
* ``gen N``: the same with a generator of items, which ``add`` streams into the ledger;
* ``view N`` (``--kinds view``): ``gen N`` shown as ``campaign run`` shows it (``show_progress``: a sentence
  per event, here to a string), which primes its counts with every source's state;
* ``footprint``: bytes per ``JobRequest`` and per ``CampaignItem`` (tracemalloc, over 2,000 of them);
* ``status``: wall time of ``xrt-prods-async campaign status LEDGER`` (a fresh process: interpreter start
  included), best and median of ``--status-runs``, on the ledger the largest ``gen`` case left behind
  (its sources all added, ``--jobs`` done, the rest pending), with the settings ``campaign run`` records.

Each request is a light curve, a spectrum and a standard position of one field (as in ``campaign.py``),
named after its source; collection runs as by default (three archives and the data of each job). The
ledger's bytes per entry are its file's size over its entries once the campaign has closed it. RSS columns
are MB (10^6 bytes) at each stage: the items built (a list; a generator builds nothing yet), added, and the
run stopped; "to added" and "to stop" are wall seconds from the start of the case.

Targets (issue 11): peak RSS <= 120 MB for 10,000 sources given as a list; no growth from 10,000 to 100,000
sources given as a generator; ``campaign status`` on 100,000 entries in under a second.

``--source DIR`` measures another checkout of the package (``git worktree add /tmp/before <commit>``) with
this environment's Python and libraries, for a before/after comparison (the emulator is the installed one).

Run:  .venv/bin/python benchmarks/campaign_memory.py [--sizes 1000,10000,100000] [--kinds list,gen]
      [--jobs 200] [--cap 20] [--time-scale 2000] [--status-runs 5] [--source DIR] [--keep DIR]
"""

from __future__ import annotations

import argparse
import io
import json
import os
import platform
import resource
import shutil
import statistics
import subprocess
import sys
import tempfile
import time
from collections.abc import Iterator
from datetime import date
from pathlib import Path
from typing import Any

from _serve import Serve

USER = "memory@example.org"
#: The field every job asks about (as in campaign.py); the sources differ by name only.
FIELD: dict[str, Any] = {"RA": 52.8, "Dec": 43.9043, "targ": "00010873", "centroid": True, "posErr": 1}
PRODUCTS: dict[str, dict[str, Any]] = {
    "LightCurve": {"binMeth": "snapshot"},
    "Spectrum": {"hasRedshift": False},
    "StandardPos": {},
}
DURATIONS = '{"lc": {"median": 300, "sigma": 0.3}, "spec": {"median": 300, "sigma": 0.3}, "psf": 60}'
LIMIT_MB = 120.0
STATUS_LIMIT = 1.0
_PAGE = os.sysconf("SC_PAGE_SIZE")
#: Where the measured processes start: not a checkout, whose package would shadow the one measured.
_NEUTRAL = tempfile.gettempdir()


def rss_mb() -> float:
    """The process's resident set now, MB (10^6 bytes)."""
    with open("/proc/self/statm") as statm:
        return int(statm.read().split()[1]) * _PAGE / 1e6


def peak_mb() -> float:
    """The process's peak resident set so far, MB (``ru_maxrss`` is in KiB on Linux)."""
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss * 1024 / 1e6


# --------------------------------------------------------------------------------------------- child side


def request(i: int) -> Any:
    from xrt_prods_async.params import JobRequest

    return JobRequest(name=f"src-{i:06d}", **FIELD, **{k: dict(v) for k, v in PRODUCTS.items()})


def items(n: int) -> Iterator[Any]:
    for i in range(n):
        yield item(i)


def footprint() -> dict[str, Any]:
    """Bytes per JobRequest and per CampaignItem (label and request), as tracemalloc counts them."""
    import gc
    import tracemalloc

    warm = list(items(50))  # the validators and tables, built once per process, are not counted
    del warm
    n = 2000
    out: dict[str, Any] = {}
    for what, make in (("request", request), ("item", item)):
        gc.collect()
        tracemalloc.start()
        kept = [make(i) for i in range(n)]
        gc.collect()
        out[what] = tracemalloc.get_traced_memory()[0] / n
        tracemalloc.stop()
        del kept
    return out


def item(i: int) -> Any:
    from xrt_prods_async.campaign import CampaignItem

    return CampaignItem(f"src-{i:06d}", request(i))


async def run_case(spec: dict[str, Any]) -> dict[str, Any]:
    import anyio

    from xrt_prods_async.campaign import Campaign, CampaignEvent, CampaignOptions, EventKind
    from xrt_prods_async.client import XRTClient

    out: dict[str, Any] = {"rss_start": rss_mb()}
    n, kind = spec["n"], spec["kind"]
    scale = spec["time_scale"]
    started = time.perf_counter()
    given: Any = list(items(n)) if kind == "list" else items(n)
    out["rss_built"] = rss_mb()
    done = 0
    with anyio.CancelScope() as scope:

        def on_event(event: CampaignEvent) -> None:
            nonlocal done
            if event.kind in (EventKind.DONE, EventKind.INCOMPLETE):
                done += 1
                if done >= spec["jobs"]:
                    scope.cancel()  # what Ctrl-C does to a run: it stops between steps

        options = CampaignOptions(max_active=spec["cap"], poll_interval=60 / scale, round_interval=60 / scale)
        async with XRTClient(user_id=USER, base_url=spec["base_url"], poll_interval=60 / scale) as client:
            campaign = Campaign(client, spec["ledger"], spec["output"], options, on_event=on_event)
            out["added"] = await campaign.add(given) if n else 0
            out["add_seconds"] = time.perf_counter() - started
            out["rss_added"] = rss_mb()
            if n and kind == "view":
                from rich.console import Console

                from xrt_prods_async.campaign import show_progress

                sink = io.StringIO()  # a sentence per event: a few kilobytes for a few hundred jobs
                with show_progress(campaign, console=Console(file=sink, force_terminal=False)):
                    await campaign.run(progress=False)
            elif n:
                await campaign.run(progress=False)
    out["run_seconds"] = time.perf_counter() - started
    out["rss_run"] = rss_mb()
    out["done"] = done
    summary = campaign.summary()
    outcomes: dict[str, int] = {}
    for source in summary.sources:
        outcomes[source.outcome] = outcomes.get(source.outcome, 0) + 1
    out["finished"] = summary.finished
    out["outcomes"] = outcomes
    out["counts"] = {k: v for k, v in summary.counts.items() if v}
    out["requests"] = dict(campaign.requests)
    campaign.store.close()
    out["rss_end"] = rss_mb()
    del given
    return out


def child(spec: dict[str, Any]) -> None:
    if spec["kind"] == "footprint":
        result: dict[str, Any] = footprint()
    else:
        import anyio

        result = anyio.run(run_case, spec)
    result["peak"] = peak_mb()
    print(json.dumps(result))


# -------------------------------------------------------------------------------------------- parent side


def serve_args(args: argparse.Namespace) -> list[str]:
    """``serve``'s options: ``--cap`` jobs at once, three products each, on the ``--time-scale`` clock."""
    return [
        "--users", USER, "--time-scale", str(args.time_scale), "--workers", str(args.cap * 3),
        "--max-jobs", str(args.cap), "--durations", DURATIONS, "--log-level", "warning",
    ]  # fmt: skip


def measure(spec: dict[str, Any], env: dict[str, str]) -> dict[str, Any]:
    """Run one case in a fresh process; its result (the last line it prints, JSON)."""
    command = [sys.executable, os.path.abspath(__file__), "--child", json.dumps(spec)]
    done = subprocess.run(command, env=env, cwd=_NEUTRAL, capture_output=True, text=True, check=False)
    if done.returncode:
        raise SystemExit(f"case {spec['kind']} {spec.get('n')} failed:\n{done.stderr[-3000:]}")
    result: dict[str, Any] = json.loads(done.stdout.strip().splitlines()[-1])
    return result


def ledger_size(path: Path) -> int:
    """Bytes on disk of the ledger (its write-ahead log included, if one is left)."""
    return sum(p.stat().st_size for p in path.parent.glob(path.name + "*"))


def status_times(ledger: Path, runs: int, env: dict[str, str], settings: dict[str, Any]) -> list[float]:
    """Wall seconds of ``campaign status LEDGER`` (a fresh process each), after one warm-up run."""
    from xrt_prods_async.campaign import CampaignStore

    with CampaignStore.open(ledger, create=False) as store:
        store.set_meta("settings", settings)  # as 'campaign run' records them
    command = [sys.executable, "-m", "xrt_prods_async", "campaign", "status", str(ledger)]
    times = []
    for i in range(runs + 1):
        start = time.perf_counter()
        done = subprocess.run(command, env=env, cwd=_NEUTRAL, capture_output=True, text=True, check=False)
        elapsed = time.perf_counter() - start
        if done.returncode not in (0, 1):
            raise SystemExit(f"campaign status failed ({done.returncode}):\n{done.stderr[-2000:]}")
        if i:
            times.append(elapsed)
    return times


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--child", help=argparse.SUPPRESS)
    parser.add_argument("--sizes", default="1000,10000,100000", help="source counts N (1k, 10k, 100k)")
    parser.add_argument("--kinds", default="list,gen", help="any of list, gen, view (default list,gen)")
    parser.add_argument("--jobs", type=int, default=200, help="jobs done before the run is stopped (200)")
    parser.add_argument("--cap", type=int, default=20, help="max_active and the emulator's cap (20)")
    parser.add_argument("--time-scale", type=float, default=2000.0, help="emulator seconds per second (2000)")
    parser.add_argument("--status-runs", type=int, default=5, help="timed 'campaign status' runs (5)")
    parser.add_argument("--source", help="a checkout of the package to measure instead of the installed one")
    parser.add_argument("--keep", help="leave the ledgers in this folder (default: a temporary one, removed)")
    args = parser.parse_args(argv)
    if args.child:
        child(json.loads(args.child))
        return 0

    env = {**os.environ}
    env.pop("PYTHONDONTWRITEBYTECODE", None)  # as users run: from cached bytecode (the warm-up writes it)
    if args.source:
        env["PYTHONPATH"] = os.path.abspath(args.source)
    sizes = [int(s) for s in args.sizes.split(",")]
    kinds = [k.strip() for k in args.kinds.split(",")]
    work = Path(args.keep or tempfile.mkdtemp(prefix="campaign-memory-"))
    work.mkdir(parents=True, exist_ok=True)
    rows: list[tuple[str, int, dict[str, Any]]] = []
    try:
        print("footprint ... ", end="", flush=True, file=sys.stderr)
        foot = measure({"kind": "footprint"}, env)
        print("ok", file=sys.stderr)
        for kind, n in [("floor", 0)] + [(k, n) for n in sizes for k in kinds]:
            print(f"{kind} {n} ... ", end="", flush=True, file=sys.stderr)
            with Serve(serve_args(args), cwd=_NEUTRAL) as emulator:
                ledger = work / f"{kind}-{n}.sqlite"
                for old in work.glob(ledger.name + "*"):
                    old.unlink()
                spec = {
                    "kind": kind, "n": n, "jobs": args.jobs, "cap": args.cap, "time_scale": args.time_scale,
                    "base_url": emulator.base_url, "ledger": str(ledger),
                    "output": str(work / f"out-{kind}-{n}"),
                }  # fmt: skip
                result = measure(spec, env)
                result["ledger_bytes"] = ledger_size(ledger)
                result["base_url"] = emulator.base_url
                rows.append((kind, n, result))
                print(f"peak {result['peak']:.0f} MB", file=sys.stderr)
        status: list[float] = []
        status_n = max((n for kind, n, _ in rows if kind == "gen"), default=0)
        if status_n:
            ledger = work / f"gen-{status_n}.sqlite"
            settings = {
                "max_active": args.cap, "poll_interval": 60.0, "format": "tar.gz",
                "output": str(work / "out"), "base_url": "http://127.0.0.1:1/", "user_id": USER,
                "file": str(work / "sources.csv"), "sources": status_n,
            }  # fmt: skip
            status = status_times(ledger, args.status_runs, env, settings)
    finally:
        if not args.keep:
            shutil.rmtree(work, ignore_errors=True)

    load = ", ".join(f"{x:.1f}" for x in os.getloadavg())
    print(
        f"{date.today()}, {os.cpu_count()} CPUs ({platform.processor() or platform.machine()}), "
        f"Python {platform.python_version()}, load average {load}; {args.jobs} jobs done per run, "
        f"cap {args.cap}, time scale {args.time_scale:g}" + (f"; source {args.source}" if args.source else "")
    )
    print()
    print(
        f"bytes per JobRequest (lc + spec + psf): {foot['request']:,.0f}; "
        f"per CampaignItem (label + request): {foot['item']:,.0f}"
    )
    print()
    print(
        "| sources | given as | peak RSS (MB) | RSS built | RSS added | RSS at stop | to added (s) "
        "| to stop (s) | done | ledger bytes/entry |"
    )
    print("|---|---|---|---|---|---|---|---|---|---|")
    for kind, n, r in rows:
        per_entry = f"{r['ledger_bytes'] / n:,.0f}" if n else "–"
        print(
            f"| {n:,} | {kind} | **{r['peak']:.0f}** | {r['rss_built']:.0f} | {r['rss_added']:.0f} "
            f"| {r['rss_run']:.0f} | {r['add_seconds']:.1f} | {r['run_seconds']:.1f} | {r['done']} "
            f"| {per_entry} |"
        )
    verdicts = []
    ten = [r for kind, n, r in rows if kind == "list" and n == 10_000]
    if ten:
        peak = ten[0]["peak"]
        verdicts.append(f"10k list peak {peak:.0f} MB (<= {LIMIT_MB:g}: {peak <= LIMIT_MB})")
    gens = {n: r["peak"] for kind, n, r in rows if kind == "gen"}
    if 10_000 in gens and 100_000 in gens:
        verdicts.append(f"gen 10k -> 100k: {gens[10_000]:.0f} -> {gens[100_000]:.0f} MB")
    if status:
        best, median = min(status), statistics.median(status)
        verdicts.append(
            f"campaign status on {status_n:,} entries: best {best:.2f} s, median {median:.2f} s "
            f"(< {STATUS_LIMIT:g} s: {median < STATUS_LIMIT})"
        )
    print()
    for line in verdicts:
        print(f"* {line}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
