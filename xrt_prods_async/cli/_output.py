"""How the one-job commands print: rich tables on a terminal, plain text elsewhere, JSON and CSV for scripts.

Results draw themselves (``Viewable``: rich on a terminal, aligned text for ``str()``), so a command only
chooses where the output goes. Chatter (progress, hints) goes to stderr, so stdout holds only the result: a
JobID, a table, or one JSON document.
"""

from __future__ import annotations

import csv
import json
import math
import sys
from collections.abc import Iterable, Mapping
from datetime import datetime
from pathlib import Path
from typing import Any, TextIO

from xrt_prods_async.client._views import Table, View, Viewable

__all__ = ["Shown", "Streamed", "emit_json", "is_terminal", "jsonable", "note", "show", "write_csv"]


class Shown(Viewable):
    """A view a command puts together itself (a list of jobs, the files saved), drawn like any result."""

    __slots__ = ("view",)

    def __init__(
        self, title: str, facts: Iterable[tuple[str, str]] = (), tables: Iterable[Table] = ()
    ) -> None:
        self.view = View(title, tuple(facts), tuple(tables))

    def _view(self, *, picture: bool = False) -> View:
        return self.view


def is_terminal(stream: TextIO) -> bool:
    """Whether ``stream`` is an interactive terminal (rich output) rather than a pipe, file or log."""
    isatty = getattr(stream, "isatty", None)
    return bool(isatty and isatty())


def show(item: object, *, stream: TextIO | None = None) -> None:
    """Print a result: through rich on a terminal (tables wrap to its width), else as plain text."""
    out = stream or sys.stdout
    if is_terminal(out):
        from rich.console import Console

        Console(file=out, force_terminal=True, highlight=False).print(item)
    else:
        out.write(f"{item}\n")


def note(text: str) -> None:
    """A line for the person at the terminal (progress, what to do next), on stderr: never in the result."""
    print(text, file=sys.stderr, flush=True)


def jsonable(value: Any) -> Any:
    """``value`` with what JSON cannot hold made plain: NaN and infinities become null, paths and times
    strings, tuples lists."""
    if isinstance(value, float):
        return value if math.isfinite(value) else None
    if isinstance(value, Mapping):
        return {str(k): jsonable(v) for k, v in value.items()}
    if isinstance(value, list | tuple):
        return [jsonable(v) for v in value]
    if isinstance(value, Path):
        return str(value)
    if isinstance(value, datetime):
        return value.isoformat()
    return value


class Streamed:
    """A JSON array written item by item as :func:`emit_json` reaches it, so that a document listing 100,000
    sources never sits in memory whole (the items are read from ``items`` once, as they are written)."""

    __slots__ = ("items",)

    def __init__(self, items: Iterable[Any]) -> None:
        self.items = items


def emit_json(value: Any, *, stream: TextIO | None = None) -> None:
    """Print ``value`` as one strict JSON document (no NaN), indented for people who read it too; a
    :class:`Streamed` inside it is written item by item. The text is what ``json.dumps(..., indent=2)`` of the
    same document would print."""
    out = stream or sys.stdout
    _write_json(value, out, 0)
    out.write("\n")


def _write_json(value: Any, out: TextIO, level: int) -> None:
    """Mappings holding a :class:`Streamed` and the Streamed themselves opened and closed here; anything else
    written whole by ``json``, indented to its depth."""
    inner, outer = "  " * (level + 1), "  " * level
    if isinstance(value, Streamed):
        pairs: Iterable[tuple[Any, Any]] = ((None, item) for item in value.items)
        opening, closing = "[", "]"
    elif isinstance(value, Mapping) and any(isinstance(v, Streamed) for v in value.values()):
        pairs = value.items()
        opening, closing = "{", "}"
    else:
        text = json.dumps(jsonable(value), indent=2, allow_nan=False, ensure_ascii=False)
        out.write(text.replace("\n", "\n" + outer) if level else text)
        return
    empty = True
    for key, item in pairs:
        out.write(("," if not empty else opening) + "\n" + inner)
        if opening == "{":
            out.write(json.dumps(str(key), ensure_ascii=False) + ": ")
        _write_json(item, out, level + 1)
        empty = False
    out.write(opening + closing if empty else "\n" + outer + closing)


def write_csv(path: str | Path, records: Iterable[Mapping[str, Any]]) -> int:
    """Write ``records`` to ``path`` as CSV, the columns the union of their keys in first-seen order (a cell
    a record lacks is empty); returns how many rows were written."""
    rows = [jsonable(record) for record in records]
    columns = list(dict.fromkeys(key for row in rows for key in row))
    with open(path, "w", newline="", encoding="utf-8") as handle:
        writer = csv.DictWriter(handle, fieldnames=columns, restval="")
        writer.writeheader()
        for row in rows:
            writer.writerow({k: "" if v is None else v for k, v in row.items()})
    return len(rows)
