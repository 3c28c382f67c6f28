"""The ``xrt-prods-async`` command line. Each sub-command lives in its own module with a ``register``."""

from __future__ import annotations

import argparse
import sys
from collections.abc import Sequence

from xrt_prods_async import __version__
from xrt_prods_async._errors import XRTError

#: Modules that add sub-commands; each has ``register(subparsers)`` setting ``func`` on its parser.
_COMMAND_MODULES: tuple[str, ...] = ("_demo", "_submit", "_jobs", "_results", "_rebin", "_campaign", "_serve")


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
    """Entry point of the ``xrt-prods-async`` command; returns the process exit status.

    This is the one place a command's failure is reported: an ``XRTError``, an ``OSError`` or Ctrl-C becomes
    one line on stderr and its exit status (``_exit``), never a traceback.
    """
    parser = build_parser()
    args = parser.parse_args(argv)
    func = getattr(args, "func", None)
    if func is None:
        parser.print_help()
        return 2
    try:
        return int(func(args) or 0)
    except (XRTError, OSError, KeyboardInterrupt) as error:
        from ._failure import report_failure

        return report_failure(error, as_json=bool(getattr(args, "json", False)))


if __name__ == "__main__":  # pragma: no cover
    sys.exit(main())
