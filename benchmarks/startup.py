"""Start-up time: ``import xrt_prods_async`` against the reference client's import, and the command line.

Each figure is one fresh process, timed from start to exit (wall clock, and the CPU time the process used,
which other load on the machine disturbs less): the interpreter alone (``python -c pass``, the floor every
row includes), ``import xrt_prods_async``, ``import swifttools.ukssdc.xrt_prods``, a notebook's first line
(``from xrt_prods_async import XRTClient, JobRequest``), and the command line's ``--help``, ``count`` and
``status JOB`` against an emulator started by the script (``serve`` in its own process, with one job
submitted). The last row is the floor under any client command: the libraries the client stands on,
imported, and one request through them, without our code. The rows are measured in turn, one process each
per round, so that a change of load on the machine touches all of them alike; one warm-up round is not
counted.

Targets (issue 11): ``--help``, ``count`` and ``status JOB`` in at most 0.2 s; ``import xrt_prods_async`` in
at most 0.2 x the reference client's import (best and median). tests/test_startup.py guards the same budget
without timing: what the import and ``--help`` may load.

``--source DIR`` measures another checkout of the package (e.g. ``git worktree add /tmp/before <commit>``)
with this environment's Python and libraries, for a before/after comparison; the emulator is always the
installed one. The command line runs as ``python -m xrt_prods_async``, as the ``xrt-prods-async`` script does
(same imports).

Run:  .venv/bin/python benchmarks/startup.py [--runs 15] [--source DIR]
"""

from __future__ import annotations

import argparse
import os
import platform
import statistics
import subprocess
import sys
import tempfile
import time
from collections.abc import Sequence
from datetime import date

import httpx
from _serve import Serve, wire_request

USER = "startup@example.org"
LIMIT_SECONDS = 0.2
#: Where the measured processes start: not a checkout, whose package would shadow the one measured.
_NEUTRAL = tempfile.gettempdir()
IMPORT_RATIO = 0.2
REQUEST = wire_request(USER, dopsf=1)


def _timed(argv: Sequence[str], env: dict[str, str]) -> tuple[float, float]:
    """Run ``argv`` to its end; (wall seconds, CPU seconds of the process). A failure stops the benchmark."""
    start = time.perf_counter()
    process = subprocess.Popen(argv, env=env, cwd=_NEUTRAL, stdout=subprocess.DEVNULL, stderr=subprocess.PIPE)
    _, status, usage = os.wait4(process.pid, 0)
    wall = time.perf_counter() - start
    process.returncode = os.waitstatus_to_exitcode(status)
    errors = process.stderr.read() if process.stderr else b""
    if process.stderr:
        process.stderr.close()
    if process.returncode != 0:
        raise SystemExit(f"{' '.join(argv)} failed ({process.returncode}): {errors.decode(errors='replace')}")
    return wall, usage.ru_utime + usage.ru_stime


def _submit(base: str) -> int:
    """The JobID of one job submitted to the emulator at ``base`` (for ``status``)."""
    with httpx.Client(base_url=base) as client:
        return int(client.post("/run_userobject.php", json=REQUEST).json()["JobID"])


#: What any client command needs at least: the libraries the client stands on, imported, and one request
#: through them (the ``getNumJobs`` that ``count`` makes), without a line of ours.
_STACK = """
import anyio, httpx, pydantic.main, stamina
async def ask(url):
    async with httpx.AsyncClient() as client:
        await client.post(url + "/getNumJobs.php", json={"UserID": "%s"})
anyio.run(ask, "%s")
"""


def _rows(base: str, job_id: int) -> dict[str, list[str]]:
    py = sys.executable
    cli = [py, "-m", "xrt_prods_async"]
    return {
        "python -c pass (floor)": [py, "-c", "pass"],
        "import xrt_prods_async": [py, "-c", "import xrt_prods_async"],
        "import swifttools.ukssdc.xrt_prods": [py, "-c", "import swifttools.ukssdc.xrt_prods"],
        "from xrt_prods_async import XRTClient, JobRequest": [
            py, "-c", "from xrt_prods_async import XRTClient, JobRequest"
        ],
        "xrt-prods-async --help": [*cli, "--help"],
        "xrt-prods-async count": [*cli, "count"],
        f"xrt-prods-async status {job_id}": [*cli, "status", str(job_id)],
        "stack floor: anyio, httpx, pydantic, stamina + 1 request": [py, "-c", _STACK % (USER, base)],
    }  # fmt: skip


def _ms(seconds: float) -> str:
    return f"{seconds * 1000:.0f}"


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--runs", type=int, default=15, help="processes per row (default 15)")
    parser.add_argument("--source", help="a checkout of the package to measure instead of the installed one")
    args = parser.parse_args(argv)

    with Serve(["--users", USER]) as server:  # for the commands to ask
        base = server.base_url
        job_id = _submit(base)
        env = {**os.environ, "XRT_PRODS_USER_ID": USER, "XRT_PRODS_BASE_URL": base, "COLUMNS": "100"}
        env.pop("PYTHONDONTWRITEBYTECODE", None)  # as users run: from cached bytecode (the warm-up writes it)
        if args.source:
            env["PYTHONPATH"] = os.path.abspath(args.source)
        rows = _rows(base, job_id)
        wall: dict[str, list[float]] = {name: [] for name in rows}
        cpu: dict[str, list[float]] = {name: [] for name in rows}
        for round_ in range(args.runs + 1):
            for name, command in rows.items():
                w, c = _timed(command, env)
                if round_:  # round 0 warms the caches
                    wall[name].append(w)
                    cpu[name].append(c)

    load = ", ".join(f"{x:.1f}" for x in os.getloadavg())
    print(
        f"{date.today()}, {os.cpu_count()} CPUs ({platform.processor() or platform.machine()}), "
        f"Python {platform.python_version()}, load average {load}; {args.runs} runs per row"
        + (f"; source {args.source}" if args.source else "")
    )
    print()
    print("| fresh process | wall best (ms) | wall median (ms) | CPU best (ms) | CPU median (ms) |")
    print("|---|---|---|---|---|")
    for name in rows:
        w, c = wall[name], cpu[name]
        print(
            f"| {name} | {_ms(min(w))} | {_ms(statistics.median(w))} | {_ms(min(c))} | "
            f"{_ms(statistics.median(c))} |"
        )
    ours, theirs = wall["import xrt_prods_async"], wall["import swifttools.ukssdc.xrt_prods"]
    best_ratio = min(ours) / min(theirs)
    median_ratio = statistics.median(ours) / statistics.median(theirs)
    print()
    print(f"import ratio (ours / swifttools): best {best_ratio:.3f}, median {median_ratio:.3f}")
    commands = [name for name in rows if name.startswith("xrt-prods-async")]
    slow = [name for name in commands if statistics.median(wall[name]) > LIMIT_SECONDS]
    ok = max(best_ratio, median_ratio) <= IMPORT_RATIO and not slow
    verdict = "OK" if ok else "over budget: " + ", ".join(slow or ["import ratio"])
    budget = f"commands <= {LIMIT_SECONDS} s (median), import <= {IMPORT_RATIO} x swifttools"
    print(f"targets: {budget}: {verdict}")
    return 0 if ok else 1


if __name__ == "__main__":
    sys.exit(main())
