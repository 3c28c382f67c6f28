"""How many ``checkProductStatus.php`` calls per second the emulator serves over loopback.

Starts ``xrt-prods-async serve`` in its own process, submits some all-products jobs, then runs a load
generator in a *separate* process (raw asyncio streams over many concurrent keep-alive connections; httpx
itself cannot generate enough load on two cores) that asks for the status of every product, with progress,
of those jobs. Target: at least 1,000 requests per second.

Run:  .venv/bin/python benchmarks/emulator_status.py [--requests 20000] [--concurrency 64] [--jobs 20]
"""

from __future__ import annotations

import argparse
import asyncio
import json
import os
import subprocess
import sys
import time
from collections.abc import Iterator
from typing import Any

import httpx
from _serve import Serve, wire_request

USER = "bench@example.org"
TARGET = 1000.0
REQUEST = wire_request(USER, spec=1, specz=0, dopsf=1, doenh=1, doxastrom=1, image=1)
ALL = "lc,spec,psf,enh,xastrom,image"


async def _connection(
    host: str, port: int, requests: list[bytes], counter: Iterator[int], result: dict[str, int]
) -> None:
    """One keep-alive connection sending requests back to back; minimal HTTP/1.1 parsing, checked replies."""
    reader, writer = await asyncio.open_connection(host, port)
    try:
        for n in counter:
            writer.write(requests[n % len(requests)])
            head = await reader.readuntil(b"\r\n\r\n")
            length = 0
            for line in head.split(b"\r\n"):
                if line[:15].lower() == b"content-length:":
                    length = int(line[15:])
            body = await reader.readexactly(length)
            if not head.startswith(b"HTTP/1.1 200") or b'"OK":1' not in body:
                result["failures"] += 1
    finally:
        writer.close()


async def _load(base: str, job_ids: list[str], total: int, concurrency: int) -> dict[str, Any]:
    """Drive the server with raw asyncio streams: httpx itself tops out below the server on two cores."""
    url = httpx.URL(base)
    host, port = url.host, url.port or 80
    path = f"{url.path}/checkProductStatus.php"
    requests = []
    for job in job_ids:
        body = json.dumps({"UserID": USER, "JobID": job, "what": ALL, "whatProg": ALL}).encode()
        head = (
            f"POST {path} HTTP/1.1\r\nHost: {host}:{port}\r\nContent-Type: application/json\r\n"
            f"Content-Length: {len(body)}\r\n\r\n"
        )
        requests.append(head.encode() + body)
    result = {"failures": 0}
    await asyncio.gather(
        *(_connection(host, port, requests, iter(range(concurrency)), result) for _ in range(1))
    )
    counter = iter(range(total))
    start = time.perf_counter()
    await asyncio.gather(*(_connection(host, port, requests, counter, result) for _ in range(concurrency)))
    elapsed = time.perf_counter() - start
    return {
        "requests": total,
        "seconds": elapsed,
        "per_second": total / elapsed,
        "failures": result["failures"],
    }


def _load_main(args: argparse.Namespace) -> int:
    result = asyncio.run(_load(args.load, args.job_ids.split(","), args.requests, args.concurrency))
    print(json.dumps(result))
    return 0


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--requests", type=int, default=20000)
    parser.add_argument("--concurrency", type=int, default=16)
    parser.add_argument("--jobs", type=int, default=20)
    parser.add_argument("--time-scale", type=float, default=60.0)
    parser.add_argument("--load", help=argparse.SUPPRESS)
    parser.add_argument("--job-ids", help=argparse.SUPPRESS)
    args = parser.parse_args(argv)
    if args.load:
        return _load_main(args)

    serve = ["--users", USER, "--max-jobs", "1000", "--time-scale", str(args.time_scale), "--workers", "8"]
    with Serve(serve) as server:
        base = server.base_url
        with httpx.Client(base_url=base) as client:
            job_ids = [
                client.post("/run_userobject.php", json=REQUEST).json()["JobID"] for _ in range(args.jobs)
            ]
        load = subprocess.run(
            [sys.executable, __file__, "--load", base, "--job-ids", ",".join(job_ids),
             "--requests", str(args.requests), "--concurrency", str(args.concurrency)],
            capture_output=True, text=True, check=True,
        )  # fmt: skip
        result = json.loads(load.stdout)
    verdict = "OK" if result["per_second"] >= TARGET and not result["failures"] else "SHORT"
    print(
        f"{result['requests']} status requests ({args.concurrency} connections, "
        f"{args.jobs} jobs x 6 products, with progress) in {result['seconds']:.2f} s: "
        f"{result['per_second']:.0f} req/s; "
        f"failures {result['failures']}; target {TARGET:.0f} req/s: {verdict} (cpus: {os.cpu_count()})"
    )
    return 0 if verdict == "OK" else 1


if __name__ == "__main__":
    sys.exit(main())
