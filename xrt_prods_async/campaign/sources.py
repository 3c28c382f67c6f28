"""Campaign files: the list of sources and the product template that turns each into a request.

Two formats, usable together:

* **CSV** — one source per row. Columns ``name`` (required), ``label`` (defaults to ``name``), ``RA``,
  ``Dec``, ``targ``, ``T0``, and optionally any other global parameter under any accepted spelling
  (``posErr``, ``pos_err``...). Empty cells are ignored.
* **TOML** — a ``[campaign]`` table of settings, a ``[template]`` table of global parameters with one
  sub-table per product (``[template.LightCurve]``...), ``[[source]]`` entries that may override globals and
  product parameters, and/or ``campaign.sources = "file.csv"`` to read the rows from a CSV beside it.

Every source is validated in full before the campaign starts: one error lists every problem of every source.
"""

from __future__ import annotations

import csv
import tomllib
from collections.abc import Mapping
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from xrt_prods_async.campaign.scheduler import CampaignItem
from xrt_prods_async.errors import ConfigurationError, InvalidRequestError, Problem
from xrt_prods_async.params import JobRequest
from xrt_prods_async.products import Product

#: The product template used when a campaign file names none: light curve, spectrum, standard position.
DEFAULT_TEMPLATE: dict[str, Any] = {
    "centroid": True,
    "posErr": 1,
    "useSXPS": False,
    "LightCurve": {"binMeth": "counts", "pcCounts": 20, "wtCounts": 30, "dynamic": True},
    "Spectrum": {"hasRedshift": False},
    "StandardPos": {},
}


@dataclass(frozen=True, slots=True)
class CampaignFile:
    """A parsed campaign file: the items to run and the settings its ``[campaign]`` table gave."""

    items: tuple[CampaignItem, ...]
    settings: dict[str, Any] = field(default_factory=dict)


def _product_of(key: str, value: Any) -> Product | None:
    """The product a template key names (product tables are the only mappings among parameters)."""
    if not isinstance(value, Mapping):
        return None
    try:
        return Product.parse(key)
    except ValueError:
        return None


def merge(template: Mapping[str, Any], overrides: Mapping[str, Any]) -> dict[str, Any]:
    """Globals of ``overrides`` replace the template's; product tables are merged key by key."""
    merged: dict[str, Any] = {k: (dict(v) if isinstance(v, Mapping) else v) for k, v in template.items()}
    for key, value in overrides.items():
        product = _product_of(key, value)
        if product is None:
            merged[key] = value
            continue
        existing = next((k for k, v in merged.items() if _product_of(k, v) is product), None)
        base = merged.pop(existing) if existing is not None else {}
        merged[key] = {**base, **value}
    return merged


def read_csv(path: str | Path) -> list[dict[str, Any]]:
    """Rows of a sources CSV as dicts of text cells (plus ``label``), empty cells dropped; the request
    model reads each cell for its parameter's type."""
    path = Path(path)
    with path.open(newline="", encoding="utf-8-sig") as fh:
        reader = csv.DictReader(fh)
        if reader.fieldnames is None or "name" not in reader.fieldnames:
            raise ConfigurationError(f"{path}: the first line must name the columns, including 'name'")
        rows = []
        for row in reader:
            rows.append(
                {
                    k.strip(): v.strip()
                    for k, v in row.items()
                    if k is not None and v is not None and v.strip() != ""
                }
            )
    return rows


def build_items(
    template: Mapping[str, Any], rows: list[dict[str, Any]], *, origin: str
) -> list[CampaignItem]:
    """Validate every row merged over the template; raise one error listing every source's problems."""
    items: list[CampaignItem] = []
    problems: list[Problem] = []
    seen: set[str] = set()
    for number, row in enumerate(rows, start=1):
        row = dict(row)
        label = str(row.pop("label", None) or row.get("name") or f"row {number}")
        if label in seen:
            problems.append(Problem(label, f"{origin}: the label is used twice; give each source its own"))
            continue
        seen.add(label)
        try:
            request = JobRequest.from_loose(merge(template, row))
        except InvalidRequestError as exc:
            problems += [Problem(f"{label}: {p.parameter}", p.message) for p in exc.problems]
            continue
        items.append(CampaignItem(label, request))
    if problems:
        raise InvalidRequestError(problems, context=f"{origin} has invalid sources")
    if not items:
        raise ConfigurationError(f"{origin} lists no sources")
    return items


def load_campaign_file(path: str | Path, *, template: Mapping[str, Any] | None = None) -> CampaignFile:
    """Parse a ``.csv`` or ``.toml`` campaign file into validated items and settings."""
    path = Path(path)
    if not path.exists():
        raise ConfigurationError(f"campaign file {path} does not exist")
    if path.suffix.lower() == ".csv":
        csv_rows = read_csv(path)
        return CampaignFile(tuple(build_items(template or DEFAULT_TEMPLATE, csv_rows, origin=str(path))))
    if path.suffix.lower() != ".toml":
        raise ConfigurationError(f"{path}: campaign files are .csv or .toml")
    try:
        data = tomllib.loads(path.read_text(encoding="utf-8"))
    except tomllib.TOMLDecodeError as exc:
        raise ConfigurationError(f"{path} is not valid TOML: {exc}") from exc
    settings = dict(data.get("campaign", {}))
    unknown = set(data) - {"campaign", "template", "source"}
    if unknown:
        raise ConfigurationError(
            f"{path}: unknown table(s) {sorted(unknown)}; use [campaign], [template] and [[source]]"
        )
    rows: list[dict[str, Any]] = []
    csv_name = settings.pop("sources", None)
    if csv_name is not None:
        rows += read_csv(path.parent / str(csv_name))
    rows += [dict(s) for s in data.get("source", [])]
    base = data.get("template", template or DEFAULT_TEMPLATE)
    return CampaignFile(tuple(build_items(base, rows, origin=str(path))), settings)
