"""Campaign files: the list of sources and the product template that turns each into a request.

Two formats, usable together:

* **CSV** — one source per row. Columns ``name`` (required), ``label`` (defaults to ``name``), ``RA``,
  ``Dec``, ``targ``, ``T0``, and optionally any other global parameter under any accepted spelling
  (``posErr``, ``pos_err``...). Empty cells are ignored; each cell is read for its parameter's type. Any
  other column, and a row with more cells than the first line names, is an error naming the line.
* **TOML** — a ``[campaign]`` table of settings, a ``[template]`` table of global parameters with one
  sub-table per product (``[template.LightCurve]``...), ``[[source]]`` entries that may override globals and
  product parameters, and/or ``campaign.sources = "file.csv"`` to read the rows from a CSV beside it.

Every source is validated in full before the campaign starts: one error lists every problem of every source
(and of the CSV's columns and the template, each reported once, where it was written).
"""

from __future__ import annotations

import csv
import os
import re
import tomllib
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from xrt_prods_async._errors import ConfigurationError, InvalidRequestError, Problem
from xrt_prods_async._products import Product
from xrt_prods_async.campaign._collect import RETRIEVABLE
from xrt_prods_async.campaign._scheduler import CampaignItem
from xrt_prods_async.http import check_count, check_seconds
from xrt_prods_async.params import JobRequest
from xrt_prods_async.wire import ARCHIVE_FORMATS
from xrt_prods_async.wire._loose import safe_repr

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
    """One source as read from a file: where it was written (for messages), its parameters, and the TOML
    table it was written as (``source``; ``None`` for a CSV row), whose words problems use."""

    where: str
    values: dict[str, Any]
    table: str | None = None


def _product_of(key: str, value: Any) -> Product | None:
    """The product a template key names (product tables are the only mappings among parameters)."""
    if not isinstance(value, Mapping):
        return None
    try:
        return Product.parse(key)
    except ValueError:
        return None


def merge(template: Mapping[str, Any], overrides: Mapping[str, Any]) -> dict[str, Any]:
    """Globals of ``overrides`` replace the template's; product tables are merged key by key. A parameter
    replaces the template's in any spelling (a CSV's ``pos_err`` column, the template's ``posErr``)."""
    merged: dict[str, Any] = {k: (dict(v) if isinstance(v, Mapping) else v) for k, v in template.items()}
    for key, value in overrides.items():
        product = _product_of(key, value)
        if product is None:
            _put(merged, key, value, None)
            continue
        existing = next((k for k, v in merged.items() if _product_of(k, v) is product), None)
        table = dict(merged.pop(existing)) if existing is not None else {}
        for name, item in value.items():
            _put(table, name, item, product)
        merged[key] = table
    return merged


def _put(table: dict[str, Any], key: Any, value: Any, product: Product | None) -> None:
    """Set ``key`` in ``table``, replacing another spelling of the same parameter."""
    target = JobRequest.keyword_target(key, product) if isinstance(key, str) else None
    if target is not None:
        for other in [k for k in table if isinstance(k, str) and k != key]:
            if JobRequest.keyword_target(other, product) == target:
                del table[other]
    table[key] = value


def read_csv(path: str | Path) -> list[SourceRow]:
    """Rows of a sources CSV as text cells (empty cells dropped); the request model reads each cell for its
    parameter's type. Raises :class:`ConfigurationError` for a missing, unreadable or header-less file, and
    :class:`InvalidRequestError` for unknown columns or rows with more cells than columns."""
    path = Path(path)
    rows, problems = _read_csv(path)
    if problems:
        raise InvalidRequestError(problems, context=f"{path} has invalid sources")
    return rows


#: The one column of a sources CSV that is not a parameter: the source's label.
_LABEL = "label"


def _read_csv(path: Path) -> tuple[list[SourceRow], list[Problem]]:
    """The rows of a sources CSV, and the problems with its columns and rows (each named by file, line and
    column). The cells of a column with a problem are left out, so that it is reported once; a row with
    more cells than columns is left out whole, its cells being where the columns do not say."""
    problems: list[Problem] = []
    rows: list[SourceRow] = []
    try:
        with path.open(newline="", encoding="utf-8-sig") as fh:
            reader = csv.reader(fh)
            header = [name.strip() for name in next(reader, [])]
            if "name" not in header:
                raise ConfigurationError(
                    f"{path}: the first line must name the columns, including 'name' (got {header})"
                )
            keep, unnamed = _check_columns(header, f"{path.name} line {reader.line_num}", problems)
            for cells in reader:
                where = f"{path.name} line {reader.line_num}"
                extra = [cell for cell in cells[len(header) :] if cell.strip()]
                if extra:
                    problems.append(_extra_cells(where, len(cells), len(header)))
                    continue
                for index in sorted(unnamed):
                    if index < len(cells) and cells[index].strip():
                        unnamed.discard(index)  # reported once, where a value first shows it
                        problems.append(
                            Problem(
                                f"{where}, column {index + 1}",
                                f"{cells[index].strip()!r} is in a column with no name; name the column on "
                                "the first line, or empty it",
                            )
                        )
                values = {keep[i]: c.strip() for i, c in enumerate(cells) if i in keep and c.strip()}
                if values:  # blank lines are skipped
                    rows.append(SourceRow(where, values))
    except FileNotFoundError:
        raise ConfigurationError(f"sources file {path} does not exist") from None
    except (OSError, UnicodeDecodeError, csv.Error) as exc:
        raise ConfigurationError(f"cannot read sources file {path}: {exc}") from exc
    return rows, problems


def _check_columns(header: list[str], where: str, problems: list[Problem]) -> tuple[dict[int, str], set[int]]:
    """The columns to read (by index), and the unnamed ones; a problem for each other column."""
    keep: dict[int, str] = {}
    unnamed: set[int] = set()
    first: dict[str, int] = {}
    known = JobRequest.global_keywords()
    written = [column for column in header if column in known]
    for index, column in enumerate(header):
        at = f"{where}, column {index + 1} {column!r}"
        if not column:
            unnamed.add(index)
        elif column in first:
            problems.append(Problem(at, f"the same column as column {first[column] + 1}; keep one"))
        else:
            first[column] = index
            text = _column_problem(column, written, known)
            if text is None:
                keep[index] = column
            else:
                problems.append(Problem(at, text))
    return keep, unnamed


def _column_problem(column: str, written: list[str], known: frozenset[str]) -> str | None:
    """What is wrong with a CSV column, or ``None`` for ``label`` and the global parameters (``known``);
    ``written`` are the header's global parameters, whose spelling a "did you mean" follows."""
    if column == _LABEL or column in known:
        return None
    slots = JobRequest.slots()
    try:
        product: Product | None = Product.parse(column)
    except ValueError:
        product = None
    if product is not None:
        return (
            f"names the {product.label}, and a column cannot ask for a product: the products come from the "
            f"template (a TOML campaign file's [template.{product.long_name}] table)"
        )
    owners = [p for p, (_, model) in slots.items() if column in model.__xrt__.lookup]
    if owners:
        tables = " or ".join(f"[template.{p.long_name}]" for p in owners)
        labels = ", ".join(p.label for p in owners)
        return (
            f"a parameter of the {labels}, which a column cannot set: set it in the template (a TOML "
            f"campaign file's {tables} table)"
        )
    hint = JobRequest.suggest_global(column, written, extra=(_LABEL,))
    if hint:
        return f"unknown column{hint}"
    return "unknown column: the columns are name, label and global parameters (RA, Dec, targ, T0, posErr...)"


def _extra_cells(where: str, cells: int, columns: int) -> Problem:
    return Problem(
        where,
        f"{cells} cells, but the first line names {columns} columns; quote a cell holding commas "
        '("00010873,00010907"), or name the extra columns on the first line',
    )


#: ``pass it inside LightCurve={...}`` and ``(inside LightCurve={...} or Spectrum={...})``, as a request's
#: problems say where a product's parameter goes, in Python words.
_INSIDE = re.compile(r"(pass it )?inside (\w+=\{\.\.\.\}(?: or \w+=\{\.\.\.\})*)")


def _in_toml(message: str, table: str) -> str:
    """A request's problem in a TOML file's words: ``put it in [source.LightCurve]``, not ``pass it inside
    LightCurve={...}``."""

    def tables(match: re.Match[str]) -> str:
        names = re.findall(r"(\w+)=\{\.\.\.\}", match.group(2))
        verb = "put it " if match.group(1) else ""
        return verb + "in " + " or ".join(f"[{table}.{name}]" for name in names)

    return _INSIDE.sub(tables, message)


def build_items(
    template: Mapping[str, Any],
    rows: Sequence[SourceRow],
    *,
    origin: str,
    problems: Sequence[Problem] = (),
) -> list[CampaignItem]:
    """Validate every row merged over the template; raise one error listing every source's problems, after
    ``problems`` already found (in the files' columns or the template).

    A source is named by its label (``label``, else ``name``, else where it was written) in each problem.
    """
    items: list[CampaignItem] = []
    found: list[Problem] = list(problems)
    first_seen: dict[str, str] = {}
    for row in rows:
        values = dict(row.values)
        label = str(values.pop("label", None) or values.get("name") or row.where)
        if label in first_seen:
            found.append(
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
            found += [Problem(f"{label}: {p.parameter}", _words(p.message, row.table)) for p in exc.problems]
            continue
        items.append(CampaignItem(label, request))
    if found:
        raise InvalidRequestError(found, context=f"{origin} has invalid sources")
    if not items:
        raise ConfigurationError(f"{origin} lists no sources")
    return items


def _words(message: str, table: str | None) -> str:
    return message if table is None else _in_toml(message, table)


def checked_template(
    template: Mapping[str, Any], where: str, table: str | None
) -> tuple[dict[str, Any], list[Problem]]:
    """The template without the keywords that name nothing, and the problems with those, named once by
    ``where`` (``c.toml [template]``) rather than once per source; ``table`` gives a TOML file's words."""
    kept, problems = JobRequest.split_unknown(template)
    return kept, [Problem(f"{where}: {p.parameter}", _words(p.message, table)) for p in problems]


def _shown_path(path: Path) -> str:
    """A path for a message: as written, or as its repr when it holds what cannot be printed."""
    text = str(path)
    try:
        text.encode("utf-8")
    except UnicodeEncodeError:
        return safe_repr(text)
    return text


def _text_setting(value: Any) -> str | None:
    return None if isinstance(value, str) and value.strip() else "must be a non-empty string"


def _names_setting(known: Callable[[list[str]], object]) -> Callable[[Any], str | None]:
    """A check of a setting that names things: a comma-separated string or a list of strings, each known."""

    def check(value: Any) -> str | None:
        if isinstance(value, str):
            names = [n.strip() for n in value.split(",") if n.strip()]
        elif isinstance(value, list) and all(isinstance(n, str) for n in value):
            names = [n.strip() for n in value]
        else:
            return "must be a list of names (or one string of comma-separated names)"
        try:
            known(names)
        except ValueError as exc:
            return str(exc)
        return None

    return check


def _retrievable(names: list[str]) -> None:
    unknown = sorted(set(names) - RETRIEVABLE)
    if unknown:
        raise ValueError(f"has {unknown}; choose from {sorted(RETRIEVABLE)}")


def _number_setting(check: Callable[[str, object], object]) -> Callable[[Any], str | None]:
    def run(value: Any) -> str | None:
        try:
            check("it", value)
        except ConfigurationError as exc:
            return str(exc).removeprefix("it ").split("; got ")[0]
        return None

    return run


#: How each ``[campaign]`` setting is checked: a function giving the problem with a value, or None.
_SETTING_CHECKS: dict[str, Callable[[Any], str | None]] = {
    "sources": _text_setting,
    "output": _text_setting,
    "base_url": _text_setting,
    "user_id": _text_setting,
    "max_active": _number_setting(check_count),
    "poll_interval": _number_setting(check_seconds),
    "outage_budget": _number_setting(check_seconds),
    "format": lambda v: None if v in ARCHIVE_FORMATS else f"must be one of {', '.join(ARCHIVE_FORMATS)}",
    "download": _names_setting(Product.parse_many),
    "retrieve": _names_setting(_retrievable),
    "track_progress": lambda v: None if isinstance(v, bool) else "must be true or false",
}


def check_settings(settings: Mapping[str, Any], *, where: str) -> None:
    """Refuse (:class:`ConfigurationError`, one listing every problem) settings of the wrong type or out of
    range, so that nothing downstream meets a setting it cannot use (``max_active = inf``, ``retrieve = 5``).
    Settings not in :data:`CAMPAIGN_SETTINGS` are the caller's to refuse."""
    problems = []
    for key, value in settings.items():
        check = _SETTING_CHECKS.get(key)
        problem = check(value) if check is not None else None
        if problem is not None:
            problems.append(f"{key} {problem} (got {safe_repr(value)[:60]})")
    if problems:
        raise ConfigurationError(f"{where} " + "; ".join(problems))


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
    return [
        SourceRow(f"{path.name} [[source]] {n}", dict(e), "source") for n, e in enumerate(entries, start=1)
    ]


def load_campaign_file(path: str | Path, *, template: Mapping[str, Any] | None = None) -> CampaignFile:
    """Parse a ``.csv`` or ``.toml`` campaign file into validated items and settings.

    ``template`` replaces :data:`DEFAULT_TEMPLATE` for a CSV file or a TOML file without ``[template]``.
    Raises :class:`ConfigurationError` for a file that cannot be used as a whole, and
    :class:`InvalidRequestError` listing every problem of every source.
    """
    if not isinstance(path, (str, os.PathLike)):
        raise ConfigurationError(
            f"the campaign file must be a path; got a value of type {type(path).__name__}"
        )
    if template is not None and not isinstance(template, Mapping):
        raise ConfigurationError(f"template must be a mapping of parameters; got {type(template).__name__}")
    path = Path(path)
    try:
        exists = path.is_file()
    except (OSError, ValueError):  # a NUL byte or a lone surrogate in the name, a name too long...
        exists = False
    if not exists:
        raise ConfigurationError(f"campaign file {_shown_path(path)} does not exist")
    if path.suffix.lower() == ".csv":
        csv_rows, problems = _read_csv(path)
        base, more = checked_template(template or DEFAULT_TEMPLATE, "template", None)
        items = build_items(base, csv_rows, origin=str(path), problems=[*more, *problems])
        return CampaignFile(tuple(items))
    if path.suffix.lower() != ".toml":
        raise ConfigurationError(f"{path}: campaign files are .csv or .toml")
    try:
        data = tomllib.loads(path.read_text(encoding="utf-8"))
    except (tomllib.TOMLDecodeError, UnicodeDecodeError) as exc:
        raise ConfigurationError(f"{path} is not valid TOML: {exc}") from exc
    except RecursionError:
        raise ConfigurationError(f"{path}: arrays or tables nested too deeply to read") from None
    except OSError as exc:
        raise ConfigurationError(f"cannot read campaign file {path}: {exc}") from exc
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
    check_settings(settings, where=f"{path}: [campaign]")
    if "template" in data:
        written = _table(data, "template", path, "[template] posErr = 1")
        base, problems = checked_template(written, f"{path.name} [template]", "template")
    else:
        base, problems = checked_template(template or DEFAULT_TEMPLATE, "template", None)
    rows: list[SourceRow] = []
    csv_name = settings.pop("sources", None)
    if csv_name is not None:
        csv_rows, csv_problems = _read_csv(path.parent / str(csv_name))
        rows += csv_rows
        problems += csv_problems
    rows += _source_rows(data, path)
    if "output" in settings:
        settings["output"] = str(path.parent / str(settings["output"]))
    items = build_items(base, rows, origin=str(path), problems=problems)
    return CampaignFile(tuple(items), settings)
