"""How fast the emulator streams a padded product archive, per format (the download benchmarks' source).

Run: ``python benchmarks/archive_throughput.py [--size-mb 500]``. Prints MB/s per format. On the 2-core
development machine (Python 3.11) a 500 MB padded archive streams at about 10 GB/s as tar, 1.9 GB/s as
tar.gz (padding goes in stored deflate blocks, so only a CRC is computed) and 3 GB/s as zip (padding stored):
far above the 100 MB/s the download benchmarks need, so the network or the client sets their pace.
"""

from __future__ import annotations

import argparse
import time

from xrt_prods_async.emulator._archives import FORMATS, member_from_text, padding_member, stream_archive


def measure(fmt: str, size: int) -> float:
    """Seconds to produce (and discard) a ``fmt`` archive of one small file plus ``size`` bytes of padding."""
    members = [
        member_from_text("job/lc/curve.qdp", "READ SERR 1\n1 2 0.5\n"),
        padding_member("job/pad", size, 1),
    ]
    start = time.perf_counter()
    for _ in stream_archive(members, fmt):
        pass
    return time.perf_counter() - start


def main() -> None:
    """Measure every format and print the throughput."""
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--size-mb", type=int, default=500, help="padding size in MB (default 500)")
    size = parser.parse_args().size_mb * 1_000_000
    for fmt in FORMATS:
        seconds = measure(fmt, size)
        print(f"{fmt:7s} {size / 1e6:8.0f} MB in {seconds:6.2f} s = {size / seconds / 1e6:7.0f} MB/s")


if __name__ == "__main__":
    main()
