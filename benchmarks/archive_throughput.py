"""Archive throughput: how fast the emulator writes a padded archive, and how fast clients download it.

Run: ``python benchmarks/archive_throughput.py [--size-mb 500] [--rounds 5] [--only emulator|download]``.

* emulator: MB/s at which ``stream_archive`` produces (and discards) a ``--size-mb`` archive per format, in
  process. On the 2-core development machine (Python 3.11) a 500 MB padded archive streams at about 10 GB/s
  as tar, 1.9 GB/s as tar.gz (padding in stored deflate blocks: only a CRC is computed) and 3 GB/s as zip.
* download: ``xrt-prods-async serve --pad-archives`` in its own process holds one finished job; its standard
  position archive (about ``--size-mb`` MB) is fetched over loopback, per format, by three clients, each in a
  fresh process: curl (``curl -o``), this package (``XRTClient.attach`` then ``job.download``: streamed,
  checked while it arrives, renamed into place) and the reference client swifttools the way its documentation
  says (``XRTProductRequest.copyOldJob(JobID, becomeThis=True)`` then ``downloadProducts``, with the request's
  base URL pointed at the emulator). Rounds interleave the three in turn, so the machine's background load
  falls on all alike. Prints a Markdown table: median and best MB/s over the rounds (time of the download
  call alone, the process's start-up and imports excluded; curl's own ``time_total``), the ratio of medians
  to curl's, the median CPU time (user + system) the download cost the client process (less the baseline's),
  and the peak resident memory of each process (GNU time's ``%M``), next to that of the same Python process
  doing everything but the download (the baseline). Needs curl and GNU time. On a machine busy with other
  work the figures swing widely; ``nice -n -10`` (as root) gives the measured processes the CPU first.
"""

from __future__ import annotations

import argparse
import asyncio
import os
import platform
import statistics
import subprocess
import sys
import tempfile
import time
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path

from _serve import Serve

from xrt_prods_async.emulator._archives import FORMATS, member_from_text, padding_member, stream_archive

USER = "demo@example.org"
#: GNU time, to read each client's peak resident memory.
TIME = "/usr/bin/time"

#: Each client as a program run in a fresh process: prints the seconds its download took.
OURS = """
import asyncio, sys, time
from xrt_prods_async import XRTClient
base, job_id, fmt, dest, fetch = sys.argv[1:]
async def main():
    async with XRTClient("demo@example.org", base_url=base) as client:
        job = await client.attach(int(job_id))
        start = time.perf_counter()
        if fetch == "1":
            await job.download(dest, products=["psf"], format=fmt, overwrite=True)
        print(time.perf_counter() - start)
asyncio.run(main())
"""

SWIFTTOOLS = """
import sys, time, warnings
warnings.simplefilter("ignore")
from swifttools.ukssdc.xrt_prods.prod_request import XRTProductRequest
base, job_id, fmt, dest, fetch = sys.argv[1:]
request = XRTProductRequest("demo@example.org", silent=True)
request._baseURL = base
request.copyOldJob(int(job_id), becomeThis=True)
start = time.perf_counter()
if fetch == "1":
    request.downloadProducts(dest, what=["psf"], format=fmt, clobber=True)
print(time.perf_counter() - start)
"""


def measure_emulator(fmt: str, size: int) -> float:
    """Seconds to produce (and discard) a ``fmt`` archive of one small file plus ``size`` bytes of padding."""
    members = [
        member_from_text("job/lc/curve.qdp", "READ SERR 1\n1 2 0.5\n"),
        padding_member("job/pad", size, 1),
    ]
    start = time.perf_counter()
    for _ in stream_archive(members, fmt):
        pass
    return time.perf_counter() - start


@dataclass(frozen=True)
class Run:
    """One client process: what it printed, its peak resident memory (bytes) and CPU time (s)."""

    out: str
    rss: int
    cpu: float


def run(command: list[str]) -> Run:
    """Run ``command`` under GNU time.

    A process spawned from this one would count this process's own memory in its peak (Linux carries the
    high-water mark across ``exec``), while time is small.
    """
    process = subprocess.run([TIME, "-f", "%M %U %S", *command], capture_output=True, text=True, check=False)
    if process.returncode != 0:
        raise RuntimeError(f"{command[0]} failed ({process.returncode}): {process.stderr.strip()[-2000:]}")
    rss, user, system = process.stderr.strip().splitlines()[-1].split()
    return Run(process.stdout, int(rss) * 1024, float(user) + float(system))


async def finished_job(base_url: str) -> int:
    """Submit a standard-position job and wait for it: its archive is the one every client fetches."""
    from xrt_prods_async import JobRequest, StandardPos, XRTClient

    request = JobRequest(
        name="GRB 200416A", targ="00966554", ra=335.6985, dec=-7.5179, centroid=False, pos_err=1.0,
        standard_pos=StandardPos(),
    )  # fmt: skip
    async with XRTClient(USER, base_url=base_url, poll_interval=0.05) as client:
        job = await client.submit(request)
        await job.wait(timeout=60)
        return job.job_id


def downloads(size: int, rounds: int, formats: list[str], folder: str | None) -> None:
    """Fetch the archive with each client, ``rounds`` times per format, and print the table."""
    pad = ["--time-scale", "100000", "--pad-archives", str(size), "--log-level", "warning"]
    emulator = Serve(pad)  # its standard position archive is padded to about ``size`` bytes
    try:
        job_id = asyncio.run(finished_job(emulator.base_url))
        url = f"{emulator.base_url}/tprods/USERPROD_{job_id}"
        with tempfile.TemporaryDirectory(dir=folder) as tmp:
            dest = Path(tmp)
            python = [sys.executable, "-c"]
            clients = {
                "curl": lambda fmt: ["curl", "-sSf", "-o", str(dest / f"curl.{fmt}"), "-w", "%{time_total}",
                                     f"{url}/psf.{fmt}"],
                "xrt_prods_async": lambda fmt: [*python, OURS, emulator.base_url, str(job_id), fmt,
                                                str(dest / "ours"), "1"],
                "swifttools": lambda fmt: [*python, SWIFTTOOLS, emulator.base_url, str(job_id), fmt,
                                           str(dest / "theirs"), "1"],
            }  # fmt: skip
            baselines = {
                "xrt_prods_async": run([*python, OURS, emulator.base_url, str(job_id), "tar", "-", "0"]),
                "swifttools": run([*python, SWIFTTOOLS, emulator.base_url, str(job_id), "tar", "-", "0"]),
            }
            rows = []
            for fmt in formats:
                seconds: dict[str, list[float]] = {name: [] for name in clients}
                cpu: dict[str, list[float]] = {name: [] for name in clients}
                memory: dict[str, int] = dict.fromkeys(clients, 0)
                names = list(clients)
                for turn in range(rounds):
                    for name in names[turn % len(names) :] + names[: turn % len(names)]:
                        done = run(clients[name](fmt))
                        seconds[name].append(float(done.out.strip()))
                        cpu[name].append(done.cpu)
                        memory[name] = max(memory[name], done.rss)
                size_of = (dest / f"curl.{fmt}").stat().st_size
                curl = statistics.median(seconds["curl"])
                for name in names:
                    median, best = statistics.median(seconds[name]), min(seconds[name])
                    start = baselines.get(name)
                    baseline = f"{start.rss / 2**20:,.0f} MiB" if start else "–"
                    work = statistics.median(cpu[name]) - (start.cpu if start else 0.0)
                    rows.append(
                        f"| {fmt} | {name} | {size_of / median / 1e6:,.0f} | {size_of / best / 1e6:,.0f}"
                        f" | {curl / median:.2f} | {work:.2f} | {memory[name] / 2**20:,.0f} MiB"
                        f" | {baseline} |"
                    )
                    print(f"{fmt} {name}: " + " ".join(f"{s:.2f}" for s in seconds[name]), file=sys.stderr)
    finally:
        emulator.stop()
    print(
        f"\n{datetime.now(UTC):%Y-%m-%d}, {os.cpu_count()} cores, Python {platform.python_version()}, "
        f"archive {size / 1e6:.0f} MB, {rounds} rounds, load average {os.getloadavg()[0]:.1f}\n"
    )
    print("| format | client | median MB/s | best MB/s | ratio to curl | CPU s | peak RSS | baseline RSS |")
    print("|---|---|---|---|---|---|---|---|")
    print("\n".join(rows))


def main() -> None:
    """Measure what ``--only`` says (both by default) and print the results."""
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--size-mb", type=int, default=500, help="archive size in MB (default 500)")
    parser.add_argument("--rounds", type=int, default=5, help="download rounds per format (default 5)")
    parser.add_argument("--formats", default=",".join(FORMATS), help="formats, comma-separated")
    parser.add_argument("--only", choices=["emulator", "download"], help="run one of the two parts")
    parser.add_argument("--dir", help="where the clients write (e.g. /dev/shm: no disk); default: temp dir")
    args = parser.parse_args()
    size = args.size_mb * 1_000_000
    if args.only in (None, "emulator"):
        for fmt in FORMATS:
            seconds = measure_emulator(fmt, size)
            print(f"{fmt:7s} {size / 1e6:8.0f} MB in {seconds:6.2f} s = {size / seconds / 1e6:7.0f} MB/s")
    if args.only in (None, "download"):
        downloads(size, args.rounds, args.formats.split(","), args.dir)


if __name__ == "__main__":
    main()
