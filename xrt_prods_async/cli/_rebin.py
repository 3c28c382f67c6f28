"""``xrt-prods-async rebin JOB OPTION=VALUE...``: rebin a finished light curve with new binning options.

The options are the light curve's binning options in any spelling (``binMeth=time pcBinTime=1000`` or
``bin_meth=time``); the client checks them by the light curve's own rules, so nothing is sent for a wrong
one. Without ``--wait`` the command prints the RebinID; with it, the rebinned light curve as ``results lc``
prints a job's.
"""

from __future__ import annotations

import argparse
import json
from typing import Any

from xrt_prods_async._errors import ConfigurationError, ProductNotReadyError

from ._exit import ExitStatus
from ._jobs import add_poll_interval_option, job_id
from ._output import emit_json, note
from ._results import print_light_curve, yes_no_both_option
from ._service import command_parser, open_client, positive_seconds, run_async

__all__ = ["binning_option", "register"]


def binning_option(text: str) -> tuple[str, Any]:
    """An argparse type: ``name=value``; the value read as JSON (``20``, ``true``, ``"x"``), else as text."""
    name, equals, raw = text.partition("=")
    if not equals or not name.strip():
        raise argparse.ArgumentTypeError(f"a binning option is NAME=VALUE (binMeth=time), got {text!r}")
    try:
        value: Any = json.loads(raw)
    except ValueError:
        value = raw
    return name.strip(), value


def _binning(pairs: list[tuple[str, Any]]) -> dict[str, Any]:
    binning: dict[str, Any] = {}
    for name, value in pairs:
        if name in binning:
            raise ConfigurationError(f"binning option {name} is given twice")
        binning[name] = value
    return binning


def cmd_rebin(args: argparse.Namespace) -> int:
    binning = _binning(args.options)

    async def body() -> dict[str, Any]:
        async with open_client(args, poll_interval=args.poll_interval) as client:
            job = await client.attach(args.job)
            rebin = await client.rebin_light_curve(job, **binning)
            outcome: dict[str, Any] = {"rebin_id": rebin.rebin_id, "job_id": args.job}
            note(f"rebin {rebin.rebin_id} of job {args.job}'s light curve requested")
            if not args.wait:
                return outcome
            status = await client.wait_rebin(rebin, timeout=args.timeout)
            if not status.complete:
                raise ProductNotReadyError(
                    f"Rebin {rebin.rebin_id} of job {args.job} ended without a light curve: {status.text}"
                )
            outcome["light_curve"] = await client.rebinned_light_curve(
                rebin, nosys=args.nosys, incbad=args.incbad
            )
            return outcome

    outcome = run_async(body)
    curve = outcome.pop("light_curve", None)
    if curve is not None:
        print_light_curve(curve, args, envelope=outcome)
    elif args.json:
        emit_json(outcome)
    else:
        print(outcome["rebin_id"])
    return ExitStatus.OK


def register(subparsers: Any) -> None:
    """Add ``rebin``."""
    p = command_parser(
        subparsers,
        "rebin",
        "rebin a finished light curve with new binning options",
        "Rebin a job's complete light curve with new binning options, given as NAME=VALUE in swifttools or "
        "Python names (binMeth=time pcBinTime=1000 wtBinTime=100). Prints the RebinID; with --wait, the "
        "rebinned light curve (--csv FILE: every row as CSV; --json).",
    )
    p.add_argument("job", type=job_id, help="the JobID whose light curve to rebin")
    p.add_argument(
        "options", nargs="+", type=binning_option, metavar="NAME=VALUE", help="binning options (binMeth=...)"
    )
    p.add_argument("--wait", action="store_true", help="wait for the rebin, then print the light curve")
    add_poll_interval_option(p)
    p.add_argument("--timeout", type=positive_seconds, help="give up waiting after this many seconds")
    p.add_argument("--csv", metavar="FILE", help="with --wait: also write every row to FILE as CSV")
    yes_no_both_option(p, "nosys", "WT data without the WT systematic error")
    yes_no_both_option(p, "incbad", "include bins whose centroid could not be verified")
    p.set_defaults(func=cmd_rebin)
