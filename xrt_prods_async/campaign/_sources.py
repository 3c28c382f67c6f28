"""Campaign files: the list of sources and the product template that turns each into a request.

Two formats, usable together:

* **CSV** — one source per row. Columns ``name`` (required), ``label`` (defaults to ``name``), ``RA``,
  ``Dec``, ``targ``, ``T0``, and optionally any other global parameter under any accepted spelling
  (``posErr``, ``pos_err``...). Empty cells are ignored; each cell is read for its parameter's type.
* **TOML** — a ``[campaign]`` table of settings, a ``[template]`` table of global parameters with one
  sub-table per product (``[template.LightCurve]``...), ``[[source]]`` entries that may override globals and
  product parameters, and/or ``campaign.sources = "file.csv"`` to read the rows from a CSV beside it.

Every source is validated in full before the campaign starts: one error lists every problem of every source.
"""

from __future__ import annotations

import csv
import tomllib
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from xrt_prods_async._errors import ConfigurationError, InvalidRequestError, Problem
from xrt_prods_async._products import Product
from xrt_prods_async.campaign._scheduler import CampaignItem
from xrt_prods_async.params import JobRequest

#: The product template used when a campaign file names none: light curve, spectrum, standard position.
DEFAULT_TEMPLATE: dict[str, Any] = {
    "centroid": True,
    "posErr": 1,
    "useSXPS": False,
    "LightCurve": {"binMeth": "counts", "pcCounts": 20, "wtCounts": 30, "dynamic": True},
    "Spectrum": {"hasRedshift": False},
    "StandardPos": {},
}

#: What a ``[campaign]`` table may set: ``sources`` (a CSV beside the file) and the settings the command
#: line's ``campaign run`` options of the same names give. A misspelt setting is an error, never ignored.
CAMPAIGN_SETTINGS: frozenset[str] = frozenset(
    {
        "sources",
        "output",
        "base_url",
        "user_id",
        "max_active",
        "poll_interval",
        "format",
        "download",
        "retrieve",
        "track_progress",
        "outage_budget",
    }
)


@dataclass(frozen=True, slots=True)
class CampaignFile:
    """A parsed campaign file: the items to run and the settings its ``[campaign]`` table gave.

    A relative ``output`` setting is resolved against the campaign file's folder, like ``sources``.
    """

    items: tuple[CampaignItem, ...]
    settings: dict[str, Any] = field(default_factory=dict)


@dataclass(frozen=True, slots=True)
class SourceRow:
    """One source as read from a file: where it was written (for messages) and its parameters."""

    where: str
    values: dict[str, Any]


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


def read_csv(path: str | Path) -> list[SourceRow]:
    """Rows of a sources CSV as text cells (empty cells dropped); the request model reads each cell for its
    parameter's type. Raises :class:`ConfigurationError` for a missing, unreadable or header-less file."""
    path = Path(path)
    try:
        with path.open(newline="", encoding="utf-8-sig") as fh:
            reader = csv.DictReader(fh)
            header = [name.strip() for name in reader.fieldnames or ()]
            if "name" not in header:
                raise ConfigurationError(
                    f"{path}: the first line must name the columns, including 'name' (got {header})"
                )
            rows = []
            for row in reader:
                values = {
                    k.strip(): v.strip()
                    for k, v in row.items()
                    if k is not None and v is not None and v.strip() != ""
                }
                if values:  # blank lines are skipped
                    rows.append(SourceRow(f"{path.name} line {reader.line_num}", values))
    except FileNotFoundError:
        raise ConfigurationError(f"sources file {path} does not exist") from None
    except (OSError, UnicodeDecodeError, csv.Error) as exc:
        raise ConfigurationError(f"cannot read sources file {path}: {exc}") from exc
    return rows


def build_items(template: Mapping[str, Any], rows: Sequence[SourceRow], *, origin: str) -> list[CampaignItem]:
    """Validate every row merged over the template; raise one error listing every source's problems.

    A source is named by its label (``label``, else ``name``, else where it was written) in each problem.
    """
    items: list[CampaignItem] = []
    problems: list[Problem] = []
    first_seen: dict[str, str] = {}
    for row in rows:
        values = dict(row.values)
        label = str(values.pop("label", None) or values.get("name") or row.where)
        if label in first_seen:
            problems.append(
                Problem(
                    label,
                    f"{row.where} has the same label as {first_seen[label]}; give each source its own "
                    "label (a 'label' column or key) so its job and files can be told apart",
                )
            )
        else:
            first_seen[label] = row.where
        try:
            request = JobRequest.from_loose(merge(template, values))
        except InvalidRequestError as exc:
            problems += [Problem(f"{label}: {p.parameter}", p.message) for p in exc.problems]
            continue
        items.append(CampaignItem(label, request))
    if problems:
        raise InvalidRequestError(problems, context=f"{origin} has invalid sources")
    if not items:
        raise ConfigurationError(f"{origin} lists no sources")
    return items


def _table(data: Mapping[str, Any], key: str, path: Path, example: str) -> dict[str, Any]:
    value = data.get(key, {})
    if not isinstance(value, Mapping):
        raise ConfigurationError(f"{path}: {key} must be a table, like {example}; got {value!r}")
    return dict(value)


def _source_rows(data: Mapping[str, Any], path: Path) -> list[SourceRow]:
    entries = data.get("source", [])
    if not isinstance(entries, list) or not all(isinstance(e, Mapping) for e in entries):
        raise ConfigurationError(
            f"{path}: sources are written as [[source]] tables (double brackets), one per source"
        )
    return [SourceRow(f"{path.name} [[source]] {n}", dict(e)) for n, e in enumerate(entries, start=1)]


def load_campaign_file(path: str | Path, *, template: Mapping[str, Any] | None = None) -> CampaignFile:
    """Parse a ``.csv`` or ``.toml`` campaign file into validated items and settings.

    ``template`` replaces :data:`DEFAULT_TEMPLATE` for a CSV file or a TOML file without ``[template]``.
    Raises :class:`ConfigurationError` for a file that cannot be used as a whole, and
    :class:`InvalidRequestError` listing every problem of every source.
    """
    path = Path(path)
    if not path.is_file():
        raise ConfigurationError(f"campaign file {path} does not exist")
    if path.suffix.lower() == ".csv":
        csv_rows = read_csv(path)
        return CampaignFile(tuple(build_items(template or DEFAULT_TEMPLATE, csv_rows, origin=str(path))))
    if path.suffix.lower() != ".toml":
        raise ConfigurationError(f"{path}: campaign files are .csv or .toml")
    try:
        data = tomllib.loads(path.read_text(encoding="utf-8"))
    except (tomllib.TOMLDecodeError, UnicodeDecodeError) as exc:
        raise ConfigurationError(f"{path} is not valid TOML: {exc}") from exc
    unknown = set(data) - {"campaign", "template", "source"}
    if unknown:
        raise ConfigurationError(
            f"{path}: unknown table(s) {sorted(unknown)}; use [campaign], [template] and [[source]]"
        )
    settings = _table(data, "campaign", path, "[campaign] max_active = 5")
    misspelt = set(settings) - CAMPAIGN_SETTINGS
    if misspelt:
        raise ConfigurationError(
            f"{path}: unknown [campaign] setting(s) {sorted(misspelt)}; "
            f"use any of {sorted(CAMPAIGN_SETTINGS)}"
        )
    base = _table(data, "template", path, "[template] posErr = 1") if "template" in data else None
    rows: list[SourceRow] = []
    csv_name = settings.pop("sources", None)
    if csv_name is not None:
        rows += read_csv(path.parent / str(csv_name))
    rows += _source_rows(data, path)
    if "output" in settings:
        settings["output"] = str(path.parent / str(settings["output"]))
    items = build_items(base if base is not None else template or DEFAULT_TEMPLATE, rows, origin=str(path))
    return CampaignFile(tuple(items), settings)
