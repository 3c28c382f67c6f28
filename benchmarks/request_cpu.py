"""Client CPU of one API request, alone: the floor under ``campaign.py``'s "CPU ms/req".

Each client sends ``getNumJobs`` (the smallest API call) to a fresh ``xrt-prods-async serve`` in its own
process, ``--requests`` times, back to back ("warm": every call right after the last, the interpreter's and
the CPU's caches hot) and then with a pause between calls ("cold", ``--gap`` real seconds: a campaign's
request comes alone after a sleep, while the reference recipe's come in bursts of a dozen a round). Clients:

* ``requests.post``: what swifttools does for every call (a new connection each time);
* ``httpx.AsyncClient.post``: the HTTP library under ours, one pooled connection, nothing else;
* ``XRTClient.count_active_jobs``: ours (the session's URL guard, retries, reply checks and validation).

CPU is the calling thread's for ``requests`` and the process's for the asyncio clients (the event loop's own
work included), per request, in milliseconds; the minimum and median of ``--repeat`` rounds.

Run:  .venv/bin/python benchmarks/request_cpu.py [--requests 200] [--gap 0.2] [--repeat 3]
"""

from __future__ import annotations

import argparse
import asyncio
import os
import platform
import statistics
import sys
import time
from collections.abc import Awaitable, Callable
from typing import Any

import httpx
import requests
from _serve import Serve

from xrt_prods_async.client import XRTClient

USER = "bench@example.org"
BODY: dict[str, Any] = {"UserID": USER, "api_name": "xrt_prods", "api_version": "1.12"}


def blocking(call: Callable[[], object], n: int, gap: float) -> float:
    """Thread CPU ms per call of ``call``, ``n`` times, ``gap`` s apart."""
    call()
    started = time.thread_time()
    for _ in range(n):
        call()
        if gap:
            time.sleep(gap)
    return 1000 * (time.thread_time() - started) / n


async def awaited(call: Callable[[], Awaitable[object]], n: int, gap: float) -> float:
    """Process CPU ms per call of ``call``, ``n`` times, ``gap`` s apart."""
    await call()
    started = time.process_time()
    for _ in range(n):
        await call()
        if gap:
            await asyncio.sleep(gap)
    return 1000 * (time.process_time() - started) / n


async def measure(base_url: str, n: int, gap: float) -> dict[str, float]:
    """One round: every client, warm then cold."""
    url = f"{base_url}/getNumJobs.php"
    out: dict[str, float] = {}
    for pause, when in ((0.0, "warm"), (gap, "cold")):
        out[f"requests.post ({when})"] = blocking(
            lambda: requests.post(url, json=BODY, timeout=30).json(), n, pause
        )
        async with httpx.AsyncClient(timeout=30) as client:

            async def post(client: httpx.AsyncClient = client) -> object:
                return (await client.post(url, json=BODY)).json()

            out[f"httpx.AsyncClient.post ({when})"] = await awaited(post, n, pause)
        async with XRTClient(USER, base_url=base_url, timeout=30) as xrt:
            out[f"XRTClient.count_active_jobs ({when})"] = await awaited(xrt.count_active_jobs, n, pause)
    return out


def main(argv: list[str] | None = None) -> int:
    """Measure, and print a Markdown table: minimum and median ms of CPU per request."""
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--requests", type=int, default=200, help="requests per client and round (200)")
    parser.add_argument("--gap", type=float, default=0.2, help="real seconds between cold requests (0.2)")
    parser.add_argument("--repeat", type=int, default=3, help="rounds (3)")
    args = parser.parse_args(argv)
    print(
        f"# {platform.python_implementation()} {platform.python_version()}, {os.cpu_count()} CPUs, httpx "
        f"{httpx.__version__}, requests {requests.__version__}; load average {os.getloadavg()[0]:.1f}",
        flush=True,
    )
    with Serve(["--users", USER]) as serve:
        rounds = [asyncio.run(measure(serve.base_url, args.requests, args.gap)) for _ in range(args.repeat)]
    print("| client | CPU ms/request (min) | (median) |\n|---|---|---|")
    for name in rounds[0]:
        values = [r[name] for r in rounds]
        print(f"| {name} | {min(values):.2f} | {statistics.median(values):.2f} |")
    return 0


if __name__ == "__main__":
    sys.exit(main())
