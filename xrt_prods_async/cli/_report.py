"""``xrt-prods-async campaign report LEDGER``: an HTML overview of a campaign, from its ledger and files.

Reads only: no request to the service, no lock (a running campaign may be reported on; the page shows it as
it stands). The page and its pictures are written to ``--output`` (default: the campaign's output folder).
"""

from __future__ import annotations

import argparse
from pathlib import Path
from typing import Any

from xrt_prods_async._errors import XRTError
from xrt_prods_async.cli._exit import ExitStatus


def cmd_report(args: argparse.Namespace) -> int:
    """Write the campaign's report; print where it is; open it with ``--open``."""
    # Here, not at the top: registering the command must not load rich or the campaign package.
    from rich.console import Console

    from xrt_prods_async.campaign import write_report
    from xrt_prods_async.campaign._report import PLOT_HINT
    from xrt_prods_async.cli._campaign import ledger_for  # here: _campaign imports this module
    from xrt_prods_async.cli._progress import say, say_error

    console = Console()
    try:
        report = write_report(ledger_for(Path(args.ledger)), args.output)
    except XRTError as exc:
        say_error(console, exc)
        return ExitStatus.USAGE
    except OSError as exc:
        say_error(console, f"cannot write the report: {exc}")
        return ExitStatus.LOCAL_IO
    say(console, f"Report: {report.html}")
    if not report.pictures:
        say(console, f"(tables only: for the sky map and light-curve thumbnails, {PLOT_HINT})")
    if args.open:
        import webbrowser

        webbrowser.open(report.html.as_uri())
    return ExitStatus.OK


def add_report_command(sub: Any) -> None:
    """Add ``report`` to the ``campaign`` sub-commands."""
    p = sub.add_parser("report", help="write an HTML overview of a campaign (tables, sky map, light curves)")
    p.add_argument("ledger", help="the campaign's ledger, or its campaign file")
    p.add_argument(
        "--output", help="folder for report.html and its pictures (default: the campaign's output)"
    )
    p.add_argument("--open", action="store_true", help="open the report in a web browser")
    p.set_defaults(func=cmd_report)
