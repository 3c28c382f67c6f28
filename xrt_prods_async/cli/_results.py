"""``xrt-prods-async results JOB lc|spec|pos|sources``: a finished job's science, as a table, CSV or JSON.

The terminal shows each result's own view (a light curve's datasets and ranges, the spectral fits, the
positions, the source list); ``--csv FILE`` writes every row (a light curve's rows carry their dataset's
name, so all datasets share one file) and ``--json`` prints the whole result.
"""

from __future__ import annotations

import argparse
from collections.abc import Iterable, Mapping
from typing import TYPE_CHECKING, Any

from xrt_prods_async._products import Product

from ._exit import ExitStatus
from ._jobs import job_id
from ._output import emit_json, note, show, write_csv
from ._service import command_parser, open_client, run_async

if TYPE_CHECKING:  # pragma: no cover - typing only
    from xrt_prods_async.client import Job, LightCurveData, Position

__all__ = ["KINDS", "light_curve_rows", "print_light_curve", "register", "yes_no_both_option"]

#: What ``results`` can show, and what each is.
KINDS = {
    "lc": "light-curve data",
    "spec": "spectral fits",
    "pos": "positions (standard, enhanced, astrometric: those the job made)",
    "sources": "detected sources",
}

_POSITIONS = (Product.STANDARD_POS, Product.ENHANCED_POS, Product.ASTROM_POS)


def yes_no_both_option(parser: argparse.ArgumentParser, flag: str, text: str) -> None:
    """``--nosys`` / ``--incbad``: alone means yes; ``both`` asks for both variants."""
    parser.add_argument(
        f"--{flag}",
        nargs="?",
        const="yes",
        default="no",
        choices=("yes", "no", "both"),
        help=f"{text}: alone = yes, or 'both' (default no)",
    )


def light_curve_rows(data: LightCurveData) -> Iterable[dict[str, Any]]:
    """One record per row of every dataset, its dataset's name first (CSV)."""
    for name, dataset in data.datasets.items():
        for row in dataset.rows:
            yield {"dataset": name, **dict(zip(dataset.columns, row, strict=True))}


def print_light_curve(
    data: LightCurveData, args: argparse.Namespace, *, envelope: Mapping[str, Any] | None = None
) -> None:
    """A light curve as ``results lc`` and ``rebin --wait`` print it; under ``--json`` inside ``envelope``
    (as its ``light_curve``) when one is given."""
    rows = sum(len(d) for d in data.datasets.values())
    if args.csv:
        note(f"wrote {write_csv(args.csv, light_curve_rows(data))} rows to {args.csv}")
    if args.json:
        emit_json(data.to_dict() if envelope is None else {**envelope, "light_curve": data.to_dict()})
        return
    show(data)
    if not args.csv:
        note(f"{rows} rows in {len(data.datasets)} dataset(s): --csv FILE or --json for the data")


async def _positions(job: Job) -> dict[Product, Position]:
    fetch = {
        Product.STANDARD_POS: job.standard_position,
        Product.ENHANCED_POS: job.enhanced_position,
        Product.ASTROM_POS: job.astrometric_position,
    }
    wanted = [p for p in _POSITIONS if p in job.products]
    if not wanted:
        from xrt_prods_async._errors import ProductNotReadyError

        have = ", ".join(p.label for p in job.products)
        raise ProductNotReadyError(f"Job {job.job_id} made no position; it asked for: {have}")
    await job.status(wanted)  # one request for all of them; each fetch below then trusts it
    return {p: await fetch[p]() for p in wanted}


def _records(positions: Mapping[Product, Position]) -> list[dict[str, Any]]:
    return [p.to_dict() for p in positions.values()]


def cmd_results(args: argparse.Namespace) -> int:
    async def body() -> Any:
        async with open_client(args) as client:
            job = await client.attach(args.job)
            if args.kind == "lc":
                return await job.light_curve(nosys=args.nosys, incbad=args.incbad)
            if args.kind == "spec":
                return await job.spectral_fits()
            if args.kind == "sources":
                return await job.source_list()
            return await _positions(job)

    result = run_async(body)
    if args.kind == "lc":
        print_light_curve(result, args)
        return ExitStatus.OK
    if args.kind == "pos":
        records = _records(result)
        if args.csv:
            note(f"wrote {write_csv(args.csv, records)} rows to {args.csv}")
        if args.json:
            emit_json({"job_id": args.job, "positions": {r["product"]: r for r in records}})
        else:
            for position in result.values():
                show(position)
        return ExitStatus.OK
    if args.csv:
        if args.kind == "spec":
            rows: list[dict[str, Any]] = result.rows()
        else:
            rows = [
                {"band": band, **row.values} for band, band_rows in result.bands.items() for row in band_rows
            ]
        note(f"wrote {write_csv(args.csv, rows)} rows to {args.csv}")
    if args.json:
        emit_json(result.to_dict())
    else:
        show(result)
    return ExitStatus.OK


def register(subparsers: Any) -> None:
    """Add ``results``."""
    kinds = "; ".join(f"{kind}: {text}" for kind, text in KINDS.items())
    p = command_parser(
        subparsers,
        "results",
        "a finished job's light curve, spectral fits, positions or sources",
        f"Print a finished job's results as a table (--csv FILE: every row as CSV; --json). {kinds}.",
    )
    p.add_argument("job", type=job_id, help="the JobID")
    p.add_argument("kind", choices=tuple(KINDS), help="which results")
    p.add_argument("--csv", metavar="FILE", help="also write every row to FILE as CSV")
    yes_no_both_option(p, "nosys", "lc: WT data without the WT systematic error")
    yes_no_both_option(p, "incbad", "lc: include bins whose centroid could not be verified")
    p.set_defaults(func=cmd_results)
