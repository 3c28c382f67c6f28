"""Campaign soak, the big one: hundreds of jobs through the command line, faults everywhere, many SIGKILLs.

The same soak as ``tests/campaign/test_soak.py`` (``tests/support/soak.py`` describes it), at a size the test
suite cannot afford: the campaign runs as ``xrt-prods-async campaign run`` in a subprocess against the
emulator (in this process, on loopback) injecting HTML error pages, dropped and cut-short replies, lost submit
replies and failing products; it is killed with SIGKILL each time another slice of the sources has settled and
resumed; at the end every claim is checked against the disk and the emulator's metrics (0 lost, 0 duplicated,
the cap never exceeded, every finished product on disk and whole or named missing with why), then the faults
are lifted and one more resume must bring every source home. Exit status 1 if any claim failed.

Run:  .venv/bin/python benchmarks/campaign_soak.py [--jobs 500] [--kills 20] [--max-active 10]
      [--time-scale 5000] [--failure-rate 0.05] [--seed 1] [--runs 1]
"""

from __future__ import annotations

import argparse
import os
import platform
import sys
import tempfile
from datetime import UTC, datetime
from pathlib import Path

# The soak's driver is the test suite's own (tests/support/soak.py): run from the repository's root.
sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from tests.support.soak import SoakConfig, run_soak


def main(argv: list[str] | None = None) -> int:
    """Run the soak ``--runs`` times (seeds ``seed``, ``seed + 1``...); print one summary line each."""
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument("--jobs", type=int, default=500)
    parser.add_argument("--kills", type=int, default=20)
    parser.add_argument("--max-active", type=int, default=10)
    parser.add_argument("--time-scale", type=float, default=5000.0)
    parser.add_argument("--failure-rate", type=float, default=0.05)
    parser.add_argument("--seed", type=int, default=1)
    parser.add_argument("--runs", type=int, default=1)
    args = parser.parse_args(argv)
    print(
        f"{datetime.now(UTC):%Y-%m-%d}, Python {platform.python_version()}, {platform.machine()}, "
        f"{len(os.sched_getaffinity(0))} CPUs",
        flush=True,
    )
    failed = 0
    for run in range(args.runs):
        config = SoakConfig(
            jobs=args.jobs,
            kills=args.kills,
            max_active=args.max_active,
            time_scale=args.time_scale,
            failure_rate=args.failure_rate,
            seed=args.seed + run,
            run_timeout=600.0,
        )
        with tempfile.TemporaryDirectory(prefix="xrt-soak-") as folder:
            result = run_soak(Path(folder), config)
        print(f"seed {config.seed}: {result.summary()}", flush=True)
        failed += bool(result.problems)
    return 1 if failed else 0


if __name__ == "__main__":
    sys.exit(main())
