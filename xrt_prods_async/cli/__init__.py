"""The ``xrt-prods-async`` command line. Each sub-command lives in its own module with a ``register``."""

from __future__ import annotations

import argparse
import sys
from collections.abc import Sequence

from xrt_prods_async import __version__

#: Modules that add sub-commands; each has ``register(subparsers)`` setting ``func`` on its parser.
_COMMAND_MODULES: tuple[str, ...] = ("_demo", "_campaign", "_serve")


def build_parser() -> argparse.ArgumentParser:
    """The full argument parser, with every sub-command registered."""
    import importlib

    parser = argparse.ArgumentParser(
        prog="xrt-prods-async",
        description="Client, campaign scheduler and local emulator for the Swift-XRT product service.",
    )
    parser.add_argument("--version", action="version", version=f"%(prog)s {__version__}")
    subparsers = parser.add_subparsers(dest="command", metavar="COMMAND")
    for name in _COMMAND_MODULES:
        importlib.import_module(f"{__name__}.{name}").register(subparsers)
    return parser


def main(argv: Sequence[str] | None = None) -> int:
    """Entry point of the ``xrt-prods-async`` command; returns the process exit status."""
    parser = build_parser()
    args = parser.parse_args(argv)
    func = getattr(args, "func", None)
    if func is None:
        parser.print_help()
        return 2
    return int(func(args) or 0)


if __name__ == "__main__":  # pragma: no cover
    sys.exit(main())
