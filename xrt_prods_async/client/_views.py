"""How result objects look in notebooks and terminals: each type lists its rows, this module draws them.

A ``View`` is a title, key/value facts, tables, notes and at most one PNG. It renders three ways: escaped,
self-contained HTML for Jupyter (``_repr_html_``: inline styles, images as ``data:`` URIs, nothing fetched), a
rich renderable for terminals (``__rich__``; every string goes in as ``Text`` so brackets in names are never
read as markup), and aligned plain text for ``str()``. ``Viewable`` gives a type all three from its ``_view``.
"""

from __future__ import annotations

import base64
import html
import math
import re
from dataclasses import dataclass
from typing import TYPE_CHECKING

if TYPE_CHECKING:  # pragma: no cover - typing only
    from rich.console import RenderableType

__all__ = [
    "Steps",
    "Table",
    "View",
    "Viewable",
    "dec_sexagesimal",
    "number",
    "plain",
    "ra_sexagesimal",
    "yes_no",
]


@dataclass(frozen=True, slots=True)
class Steps:
    """A nested list for one table cell (progress steps): ``(depth, text)`` pairs, depth 0 outermost."""

    items: tuple[tuple[int, str], ...]

    def lines(self) -> list[str]:
        return [f"{'  ' * depth}- {text}" for depth, text in self.items]


Cell = str | Steps


@dataclass(frozen=True, slots=True)
class Table:
    """Rows under headers. ``align`` has one letter per column: ``l`` (text) or ``r`` (numbers)."""

    headers: tuple[str, ...]
    rows: tuple[tuple[Cell, ...], ...]
    title: str = ""
    align: str = ""

    def _right(self, column: int) -> bool:
        return self.align[column : column + 1] == "r"


@dataclass(frozen=True, slots=True)
class View:
    """Everything one object shows; the renderers below decide how."""

    title: str
    facts: tuple[tuple[str, str], ...] = ()
    tables: tuple[Table, ...] = ()
    notes: tuple[str, ...] = ()
    png: bytes | None = None
    png_alt: str = ""

    def html(self) -> str:
        return _html(self)

    def rich(self) -> RenderableType:
        return _rich(self)

    def text(self) -> str:
        return _text(self)


class Viewable:
    """Mixin: ``_repr_html_``, ``__rich__`` and ``__str__`` from the type's ``_view()``."""

    __slots__ = ()

    def _view(self, *, picture: bool = False) -> View:  # pragma: no cover - every user overrides it
        """What the object shows; ``picture``: HTML can carry an image, so one may be drawn."""
        raise NotImplementedError

    def _repr_html_(self) -> str:
        return self._view(picture=True).html()

    def __rich__(self) -> RenderableType:
        return self._view().rich()

    def __str__(self) -> str:
        return self._view().text()


# --- value formatting -------------------------------------------------------------------------------------


def number(value: float | int | str | None, digits: int = 6) -> str:
    """A number as short text: ``digits`` significant figures, no trailing zeros; ``—`` for missing."""
    if value is None:
        return "—"
    if isinstance(value, str):
        return value
    if isinstance(value, bool):
        return yes_no(value)
    if isinstance(value, int):
        return str(value)
    if math.isnan(value):
        return "nan"
    if math.isinf(value):
        return "inf" if value > 0 else "-inf"
    if value == int(value) and abs(value) < 1e15:
        return str(int(value))
    return f"{value:.{digits}g}"


def yes_no(flag: bool) -> str:
    return "yes" if flag else "no"


def ra_sexagesimal(ra_deg: float) -> str:
    """Right ascension as ``hh:mm:ss.ss`` (rounded once, so 59.999 s carries into the minute)."""
    hundredths = round((ra_deg % 360.0) / 15.0 * 3600.0 * 100.0) % (24 * 3600 * 100)
    seconds, frac = divmod(hundredths, 100)
    hours, rest = divmod(seconds, 3600)
    minutes, secs = divmod(rest, 60)
    return f"{hours:02d}:{minutes:02d}:{secs:02d}.{frac:02d}"


def dec_sexagesimal(dec_deg: float) -> str:
    """Declination as ``±dd:mm:ss.s``."""
    sign = "-" if dec_deg < 0 else "+"
    tenths = round(abs(dec_deg) * 3600.0 * 10.0)
    seconds, frac = divmod(tenths, 10)
    degrees, rest = divmod(seconds, 3600)
    minutes, secs = divmod(rest, 60)
    return f"{sign}{degrees:02d}:{minutes:02d}:{secs:02d}.{frac:d}"


_INLINE_TAGS = re.compile(r"</?(?:em|i|b|strong)>", re.IGNORECASE)


def plain(service_text: str) -> str:
    """Service text without the inline emphasis tags it sometimes carries (``<em>v,b,white</em>``)."""
    return _INLINE_TAGS.sub("", service_text)


# --- HTML -------------------------------------------------------------------------------------------------

_CELL = "padding:2px 8px;vertical-align:top;text-align:{align}"
_TABLE = "border-collapse:collapse;margin:4px 0"
_LIST = "margin:0;padding-left:1.2em;text-align:left"


def _esc(text: str) -> str:
    return html.escape(text, quote=True)


def _steps_html(steps: Steps) -> str:
    items = steps.items

    def block(index: int, depth: int) -> tuple[str, int]:
        out = [f'<ul style="{_LIST}">']
        while index < len(items) and items[index][0] >= depth:
            out.append(f"<li>{_esc(items[index][1])}")
            index += 1
            if index < len(items) and items[index][0] > depth:
                inner, index = block(index, depth + 1)
                out.append(inner)
            out.append("</li>")
        out.append("</ul>")
        return "".join(out), index

    return block(0, 0)[0] if items else ""


def _cell_html(cell: Cell) -> str:
    return _steps_html(cell) if isinstance(cell, Steps) else _esc(cell)


def _table_html(table: Table) -> str:
    parts = [f'<table style="{_TABLE}">']
    if table.title:
        parts.append(f'<caption style="text-align:left;font-weight:bold">{_esc(table.title)}</caption>')
    parts.append("<thead><tr>")
    for i, header in enumerate(table.headers):
        style = _CELL.format(align="right" if table._right(i) else "left")
        parts.append(f'<th style="{style}">{_esc(header)}</th>')
    parts.append("</tr></thead><tbody>")
    for row in table.rows:
        parts.append("<tr>")
        for i, cell in enumerate(row):
            style = _CELL.format(align="right" if table._right(i) else "left")
            parts.append(f'<td style="{style}">{_cell_html(cell)}</td>')
        parts.append("</tr>")
    parts.append("</tbody></table>")
    return "".join(parts)


def _html(view: View) -> str:
    parts = ['<div class="xrt-prods-view" style="line-height:1.35">']
    parts.append(f'<div style="font-weight:bold;margin-bottom:2px">{_esc(view.title)}</div>')
    if view.facts:
        parts.append(f'<table style="{_TABLE}"><tbody>')
        for key, value in view.facts:
            left, right = _CELL.format(align="left"), _CELL.format(align="left")
            parts.append(
                f'<tr><th style="{left}">{_esc(key)}</th><td style="{right}">{_esc(value)}</td></tr>'
            )
        parts.append("</tbody></table>")
    if view.png is not None:
        data = base64.b64encode(view.png).decode("ascii")
        parts.append(
            f'<img src="data:image/png;base64,{data}" alt="{_esc(view.png_alt)}" style="max-width:100%">'
        )
    parts.extend(_table_html(table) for table in view.tables)
    parts.extend(f'<div style="font-style:italic">{_esc(note)}</div>' for note in view.notes)
    parts.append("</div>")
    return "".join(parts)


# --- rich -------------------------------------------------------------------------------------------------


def _rich(view: View) -> RenderableType:
    from rich import box
    from rich.console import Group
    from rich.table import Table as RichTable
    from rich.text import Text

    parts: list[RenderableType] = [Text(view.title, style="bold")]
    if view.facts:
        grid = RichTable.grid(padding=(0, 2))
        grid.add_column(style="bold")
        grid.add_column()
        for key, value in view.facts:
            grid.add_row(Text(key), Text(value))
        parts.append(grid)
    for table in view.tables:
        rich_table = RichTable(
            title=Text(table.title) if table.title else None,
            title_justify="left",
            box=box.SIMPLE_HEAD,
            pad_edge=False,
        )
        for i, header in enumerate(table.headers):  # the first column names the row: it never wraps
            rich_table.add_column(
                Text(header), justify="right" if table._right(i) else "left", no_wrap=i == 0
            )
        for row in table.rows:
            rich_table.add_row(*(_steps_rich(c) if isinstance(c, Steps) else Text(c) for c in row))
        parts.append(rich_table)
    parts.extend(Text(note, style="italic") for note in view.notes)
    return Group(*parts)


def _steps_rich(steps: Steps) -> RenderableType:
    """A grid per item, its bullet in a column of its own, so wrapped text hangs under its first word."""
    from rich.console import Group
    from rich.table import Table as RichTable
    from rich.text import Text

    items: list[RenderableType] = []
    for depth, text in steps.items:
        grid = RichTable.grid()
        grid.add_column(no_wrap=True)
        grid.add_column()
        grid.add_row(Text(f"{'  ' * depth}- "), Text(text))
        items.append(grid)
    return Group(*items)


# --- plain text -------------------------------------------------------------------------------------------


def _cell_lines(cell: Cell) -> list[str]:
    return cell.lines() if isinstance(cell, Steps) else cell.splitlines() or [""]


def _table_text(table: Table) -> list[str]:
    grid: list[list[list[str]]] = [[[h] for h in table.headers]]
    grid += [[_cell_lines(c) for c in row] for row in table.rows]
    widths = [max(len(line) for row in grid for line in row[i]) for i in range(len(table.headers))]
    lines = [table.title] if table.title else []
    for index, row in enumerate(grid):
        lines += _row_text(table, row, widths)
        if index == 0:
            lines.append("  " + "  ".join("-" * w for w in widths))
    return lines


def _row_text(table: Table, row: list[list[str]], widths: list[int]) -> list[str]:
    """One table row as lines of text: a cell of several lines makes the row as tall, columns aligned."""
    lines = []
    for k in range(max(len(cell) for cell in row)):
        texts = []
        for i, cell in enumerate(row):
            text = cell[k] if k < len(cell) else ""
            texts.append(text.rjust(widths[i]) if table._right(i) else text.ljust(widths[i]))
        lines.append("  " + "  ".join(texts).rstrip())
    return lines


def _text(view: View) -> str:
    lines = [view.title]
    width = max((len(key) for key, _ in view.facts), default=0)
    lines += [f"  {key.ljust(width)}  {value}" for key, value in view.facts]
    for table in view.tables:
        lines += _table_text(table)
    lines += view.notes
    return "\n".join(lines)
