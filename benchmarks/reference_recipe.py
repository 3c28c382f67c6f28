"""The reference client's documented recipe for many jobs, a few at a time, run against the emulator.

What a user of swifttools would write instead of our ``Campaign``: the loop of swifttools' own documentation
(``xrt_prods/advanced.md``, "Scripting large numbers of jobs", lines 74-121). Each round it asks every
submitted job whether it is ``complete`` (one ``checkProductStatus`` per job not yet complete) and downloads
those that are, submits while ``countActiveJobs`` is below the cap (one ``getNumJobs`` before each submission
and one that ends the burst), then sleeps. When every job is submitted it waits for the rest one by one, as
the tutorial's script waits for its one job (``tutorial.md`` lines 289-294), downloading each.

swifttools itself makes every call, blocking, in the calling thread: the request objects' ``_baseURL``
points at the emulator, and ``countActiveJobs``, a module-level function that posts to the real service's
fixed URL, is redirected by rewriting that prefix in ``prod_request``'s ``requests.post`` (as
``tests/conformance`` does).

The documentation offers the snippet as a framework to adapt rather than a script to run (lines 70-72); only
what stops it running is fixed here, nothing that would make it faster or politer:

* lines 82/87: ``productsIWant`` and ``productsIwant`` are one list;
* line 105: ``tmpReq.addLightCurve(**l)`` adds the product to the new request, ``myReqs[ix]``;
* line 111: ``myReqs.submit()`` calls ``submit`` on the list; it is the new request's, and its return value
  is checked, as lines 108-110 advise (a refused submission stops the run);
* line 97: the submission loop also stops when every job is submitted (otherwise ``productsIWant[ix]`` raises
  IndexError in the last round that finds a free slot);
* lines 91-93: a complete job is downloaded once; the snippet downloads every complete job again each round,
  and the second ``downloadProducts`` raises RuntimeError because the files exist (``clobber=False``);
* lines 119-120 leave the end to a comment (download every job): each job still running is waited for in
  turn as the tutorial's script waits for its job (poll ``complete``, sleep, again), then downloaded.

Kept as documented: ``XRTProductRequest(email)`` (silent by default), ``complete`` for the status,
``downloadProducts(dir, stem="myProd_<n>")`` (tar.gz, every product), and a fixed sleep between rounds.
The snippet sleeps 120 s (line 116) and the tutorial 60 s (line 291); ``poll`` sets both, 60 s by default,
the poll interval of our campaign benchmark (``--poll 120`` gives the snippet's own figure).

Run:  .venv/bin/python benchmarks/reference_recipe.py [--jobs 100] [--cap 5] [--poll 60] [--time-scale 200]
      [--download] [--durations JSON] [--products lc,spec,psf] [--seed 1] [--base-url URL [--user ID]]
Without ``--base-url`` it starts a fresh emulator (``xrt-prods-async serve``, as ``campaign.py`` does) and
prints ``campaign.py``'s figures for the run; with it, it runs against that emulator and prints a summary.
"""

from __future__ import annotations

import argparse
import sys
import tempfile
import time
import types
from collections.abc import Iterator, Mapping, Sequence
from contextlib import contextmanager
from dataclasses import dataclass, field
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import requests
from swifttools.ukssdc.xrt_prods import prod_request
from swifttools.ukssdc.xrt_prods.prod_request import XRTProductRequest, countActiveJobs

from xrt_prods_async.wire import DEFAULT_BASE_URL


@dataclass(frozen=True)
class RecipeJob:
    """One job as the recipe builds it: ``setGlobalPars`` arguments and, per product, its ``add...`` call."""

    global_pars: Mapping[str, Any]
    #: swifttools product name (``LightCurve``, ``Spectrum``, ``StandardPos``, ...) to the arguments of its
    #: ``add<name>`` method.
    products: Mapping[str, Mapping[str, Any]]


@dataclass
class RecipeRun:
    """What the client saw of one run of the recipe."""

    #: JobID to the moment the recipe first saw the job complete (wall clock, UTC).
    seen: dict[int, datetime] = field(default_factory=dict)
    #: CPU seconds of the thread that ran the recipe (swifttools, requests, the loop).
    cpu: float = 0.0
    #: Real seconds from the first call to the last.
    real: float = 0.0
    #: Rounds of the main loop (each ends in a sleep), then sleeps while waiting for the last jobs.
    rounds: int = 0
    final_sleeps: int = 0
    #: Files written by ``downloadProducts``.
    files: list[str] = field(default_factory=list)


@contextmanager
def redirected(base_url: str) -> Iterator[None]:
    """Point swifttools' module-level calls (``countActiveJobs``, ``listOldJobs``) at ``base_url``.

    They post to the real service's fixed URL; ``prod_request``'s ``requests`` is swapped for a proxy whose
    ``post`` rewrites that prefix, for the duration of the block. Not thread-safe: one recipe at a time.
    """
    original = prod_request.requests

    def post(url: str, *args: Any, **kwargs: Any) -> requests.Response:
        return requests.post(url.replace(DEFAULT_BASE_URL, base_url), *args, **kwargs)

    prod_request.requests = types.SimpleNamespace(post=post, get=requests.get)
    try:
        yield
    finally:
        prod_request.requests = original


def _build(user: str, base_url: str, job: RecipeJob) -> XRTProductRequest:
    """A new request for ``job`` (advanced.md lines 98-106), aimed at the emulator."""
    request = XRTProductRequest(user)
    request._baseURL = base_url
    request.setGlobalPars(**job.global_pars)
    for product, pars in job.products.items():
        getattr(request, f"add{product}")(**pars)
    return request


def run_recipe(
    jobs: Sequence[RecipeJob],
    *,
    user: str,
    base_url: str,
    max_jobs: int = 5,
    sleep: float = 60.0,
    download_dir: Path | None = None,
) -> RecipeRun:
    """Run advanced.md's loop over ``jobs`` against the service at ``base_url``, blocking.

    ``sleep`` is in real seconds (divide simulated seconds by the emulator's time scale). Without
    ``download_dir`` a complete job is only noted, not downloaded. The snippet's progress print (line 117)
    is left out.
    """
    run = RecipeRun()
    my_reqs: list[XRTProductRequest] = []
    handled: set[int] = set()  # indices of the jobs seen complete (and downloaded): the fix to lines 91-93

    def collect(ctr: int, request: XRTProductRequest) -> None:
        run.seen[int(request.JobID)] = datetime.now(UTC)
        handled.add(ctr)
        if download_dir is not None:
            files = request.downloadProducts(str(download_dir), stem=f"myProd_{ctr}")
            run.files += [f for f in files.values() if f]

    cpu, real = time.thread_time(), time.perf_counter()
    with redirected(base_url):
        ix = 0
        while ix < len(jobs):
            # Lines 88-94: any finished job? download it.
            for ctr, request in enumerate(my_reqs):
                if ctr not in handled and request.complete:
                    collect(ctr, request)
            # Lines 96-112: submit while fewer than max_jobs are active (and jobs remain: the fix to line 97).
            while ix < len(jobs) and countActiveJobs(user) < max_jobs:
                my_reqs.append(_build(user, base_url, jobs[ix]))
                if not my_reqs[ix].submit():
                    raise RuntimeError(f"job {ix} was not submitted: {my_reqs[ix].submitError}")
                ix += 1
            # Lines 114-116: let them run, then go round again.
            time.sleep(sleep)
            run.rounds += 1
        # Lines 119-120, with tutorial.md lines 289-294 for each job still running.
        for ctr, request in enumerate(my_reqs):
            if ctr in handled:
                continue
            while not request.complete:
                time.sleep(sleep)
                run.final_sleeps += 1
            collect(ctr, request)
    run.cpu, run.real = time.thread_time() - cpu, time.perf_counter() - real
    return run


def _summary(run: RecipeRun, jobs: int) -> str:
    return (
        f"{len(run.seen)} of {jobs} jobs seen complete; {run.rounds} rounds then {run.final_sleeps} sleeps; "
        f"{len(run.files)} files; {run.real:.1f} s real, CPU {run.cpu:.2f} s"
    )


def main(argv: list[str] | None = None) -> int:
    """Run the recipe once against a fresh emulator (or ``--base-url``) and print its figures."""
    import campaign  # the job mix, the emulator and the analysis live there (it imports this module)

    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--jobs", type=int, default=100, help="N, jobs to run (default 100)")
    parser.add_argument("--cap", type=int, default=5, help="K, the recipe's max_jobs (default 5)")
    parser.add_argument("--poll", type=float, default=60.0, help="sleep between rounds, simulated s (60)")
    parser.add_argument("--time-scale", type=float, default=campaign.DEFAULT_SCALE, help="simulated s/real s")
    parser.add_argument("--download", action="store_true", help="download each job's archives")
    parser.add_argument("--durations", default=campaign.DEFAULT_DURATIONS, help="per-product build times")
    parser.add_argument(
        "--products", type=campaign.parse_products, default=campaign.parse_products("lc,spec,psf")
    )
    parser.add_argument("--workers", type=int, default=0, help="emulator workers (default: cap x products)")
    parser.add_argument("--seed", type=int, default=1, help="seed of the emulator's build times (default 1)")
    parser.add_argument("--base-url", help="run against this emulator (its time scale is read from it)")
    parser.add_argument("--user", default=campaign.USER, help=f"UserID with --base-url ({campaign.USER})")
    args = parser.parse_args(argv)
    if args.base_url:
        root = args.base_url.rstrip("/").rsplit("/", 1)[0]
        scale = float(requests.get(f"{root}/emulator/metrics", timeout=30).json()["clock"]["time_scale"])
        with tempfile.TemporaryDirectory(prefix="xrt-recipe-") as tmp:
            run = run_recipe(
                campaign.recipe_jobs(args.jobs, args.products),
                user=args.user,
                base_url=args.base_url,
                max_jobs=args.cap,
                sleep=args.poll / scale,
                download_dir=Path(tmp) if args.download else None,
            )
        print(_summary(run, args.jobs))
        return 0
    args.collect = False
    name = "reference +archives" if args.download else "reference"
    variant = campaign.Variant(name, args.poll, client="reference", download=args.download)
    result = campaign.run_variant(variant, args, args.jobs)
    print(campaign.report([result], args))
    return 0


if __name__ == "__main__":
    sys.exit(main())
