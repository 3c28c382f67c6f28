"""A campaign's report: one self-contained HTML page people would rather look at than read a table.

``write_report`` reads a campaign's ledger and the data it saved and writes ``report.html``: counts by state,
one row per source (state in words, each product's outcome, the best position, links to the files, why
something is missing), a sky map of every source and a light-curve thumbnail per source. Images are embedded
as ``data:`` URIs and the style is inline, so the page opens anywhere with no network; the only links are
relative ones to the campaign's own files. The PNGs are also written to ``report_files/`` beside the page.
Pictures need matplotlib (the ``plot`` extra); without it the page has the tables and says how to get them.
"""

from __future__ import annotations

import base64
import html
import math
import os
import urllib.parse
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

from pydantic import ValidationError

from xrt_prods_async._errors import ConfigurationError
from xrt_prods_async._products import Product
from xrt_prods_async.campaign._collect import safe_dirname
from xrt_prods_async.campaign._events import SourceOutcome, outcome_of
from xrt_prods_async.campaign._report_plots import PointKind, SkyPoint, light_curve_thumbnail, sky_png
from xrt_prods_async.campaign._store import CampaignStore, Entry, EntryState
from xrt_prods_async.client import STATUS_NAMES, LightCurveData, Position
from xrt_prods_async.client._views import dec_sexagesimal, number, ra_sexagesimal
from xrt_prods_async.wire import StatusCode

__all__ = ["PLOT_HINT", "REPORT_NAME", "CampaignReport", "write_report"]

#: The page's file name, and the folder beside it that holds its PNGs.
REPORT_NAME = "report.html"
FILES_FOLDER = "report_files"
#: Thumbnails drawn at most (each costs ~0.2 s and ~25 kB of page); later sources say why they have none.
MAX_THUMBNAILS = 200
#: The ledger meta key under which the command line keeps a campaign's settings (output folder, service).
_SETTINGS_KEY = "settings"
#: How to get the pictures.
PLOT_HINT = "pip install 'xrt_prods_async[plot]'"

_STATE_WORDS = {
    EntryState.PENDING: "waiting to be submitted",
    EntryState.SUBMITTING: "submitted, reply not confirmed (checked when the campaign resumes)",
    EntryState.ACTIVE: "running on the server",
    EntryState.COLLECTING: "finished on the server, downloading",
    EntryState.DONE: "done",
    EntryState.INCOMPLETE: "finished, but some files are missing (a resume fetches them)",
    EntryState.FAILED: "failed: no job was made",
    EntryState.CANCELLED: "cancelled",
}
_OUTCOME_WORDS = {
    "complete": "done: every product made",
    "partial": "done: some products not made",
    "failed": "done: no product made",
}
#: Position products, best first when their errors tie.
_POSITION_PRODUCTS = (Product.ENHANCED_POS, Product.ASTROM_POS, Product.STANDARD_POS)


@dataclass(frozen=True, slots=True)
class CampaignReport:
    """What ``write_report`` wrote: the page, its PNGs, and whether it has pictures (matplotlib present)."""

    html: Path
    pngs: tuple[Path, ...]
    pictures: bool


@dataclass(frozen=True, slots=True)
class _File:
    kind: str
    name: str
    path: Path | None  # where it is on disk; None when the recorded file is gone


@dataclass(frozen=True, slots=True)
class _Source:
    entry: Entry
    outcome: SourceOutcome
    best: Position | None
    requested: tuple[float, float] | None
    light_curve: LightCurveData | None
    no_light_curve: str  # why there is no light curve (when there is none)
    files: tuple[_File, ...]
    problems: tuple[str, ...]

    @property
    def anchor(self) -> str:
        return f"source-{self.entry.id}"


def _esc(value: object) -> str:
    return html.escape(str(value), quote=True)


def _status_words(code: int | None) -> str:
    if code is None:
        return "no status yet"
    try:
        return STATUS_NAMES[StatusCode(code)]
    except ValueError:
        return f"status code {code}"


def _label_of(short: str) -> str:
    """A product's label from its short name (the name itself if a newer service added products)."""
    try:
        return Product(short).label
    except ValueError:
        return short


# -- reading the ledger and the saved data ----------------------------------------------------------------


def _resolve(recorded: str, label: str, data_root: Path) -> Path | None:
    """A recorded file on disk: as recorded (absolute, or relative to here), else in the source's folder of
    the campaign's output (a relative path was relative to wherever the campaign ran)."""
    as_recorded = Path(recorded)
    for candidate in (as_recorded, data_root / safe_dirname(label) / as_recorded.name):
        if candidate.is_file():
            return candidate.resolve()
    return None


def _requested(entry: Entry) -> tuple[float, float] | None:
    """The coordinates the request gave in degrees, when it gave them as numbers."""
    try:
        ra, dec = float(entry.request["RA"]), float(entry.request["Dec"])
    except (KeyError, TypeError, ValueError):
        return None
    return (ra, dec) if math.isfinite(ra) and -90.0 <= dec <= 90.0 else None


def _positions(entry: Entry, problems: list[str]) -> dict[Product, Position]:
    found: dict[Product, Position] = {}
    for product in _POSITION_PRODUCTS:
        artifact = entry.artifacts.get(f"position:{product.short}")
        if artifact is None or not artifact.ok:
            continue
        try:
            position = Position.model_validate(artifact.detail)
        except ValidationError:
            problems.append(f"{product.label}: the ledger's record of it could not be read")
            continue
        found[product] = position
        if not position.found:
            problems.append(f"{product.label}: {position.reason or 'not found'}")
    return found


def _best(positions: Mapping[Product, Position]) -> Position | None:
    """The found position with the smallest 90% error (enhanced, then astrometric, then standard on a tie)."""
    candidates = [
        p
        for p in positions.values()
        if p.found and all(v is not None and math.isfinite(v) for v in (p.ra, p.dec, p.err90))
    ]
    if not candidates:
        return None
    order = {product: i for i, product in enumerate(_POSITION_PRODUCTS)}
    return min(candidates, key=lambda p: (p.err90 or 0.0, order[p.product]))


def _light_curve(entry: Entry, data_root: Path) -> tuple[LightCurveData | None, str]:
    """The saved light-curve data, or why there are none."""
    if Product.LIGHT_CURVE.short not in entry.products:
        return None, "no light curve was requested"
    if entry.state is EntryState.FAILED:
        return None, "no job was made"
    if entry.state is EntryState.CANCELLED:
        return None, "cancelled"
    if entry.state not in (EntryState.COLLECTING, EntryState.DONE, EntryState.INCOMPLETE):
        return None, f"not finished yet ({_STATE_WORDS[entry.state]})"
    code = entry.codes.get(Product.LIGHT_CURVE.short)
    if code != StatusCode.COMPLETE:
        return None, f"the server made no light curve ({_status_words(code)})"
    artifact = entry.artifacts.get("data:light_curve")
    if artifact is None:
        if entry.state is EntryState.COLLECTING:
            return None, "not downloaded yet"
        return None, "the campaign did not retrieve light-curve data (its retrieve setting)"
    if not artifact.ok or not artifact.path:
        return None, f"retrieving the light-curve data failed: {artifact.detail or 'no reason recorded'}"
    path = _resolve(artifact.path, entry.label, data_root)
    if path is None:
        return None, f"the data file {artifact.path} is missing"
    try:
        return LightCurveData.model_validate_json(path.read_bytes()), ""
    except (OSError, ValueError) as exc:  # pydantic's ValidationError is a ValueError
        first = str(exc).splitlines()[0]
        return None, f"{path.name} could not be read: {first}"


def _problems(entry: Entry) -> list[str]:
    """Why a source is failed or incomplete, in words (an active source's running products are not)."""
    problems = [entry.error] if entry.error else []
    if entry.state in (EntryState.COLLECTING, EntryState.DONE, EntryState.INCOMPLETE):
        for short in entry.products:
            code = entry.codes.get(short)
            if code != StatusCode.COMPLETE:
                problems.append(f"{_label_of(short)}: {_status_words(code)}")
    for kind, artifact in entry.artifacts.items():
        if not artifact.ok and isinstance(artifact.detail, str) and artifact.detail:
            problems.append(f"{kind} not saved: {artifact.detail}")
    return problems


def _source(entry: Entry, data_root: Path) -> _Source:
    problems = _problems(entry)
    positions = _positions(entry, problems)
    files = []
    for kind, artifact in entry.artifacts.items():
        if artifact.ok and artifact.path:
            path = _resolve(artifact.path, entry.label, data_root)
            if path is None:
                problems.append(f"{Path(artifact.path).name} is missing (recorded at {artifact.path})")
            files.append(_File(kind, Path(artifact.path).name, path))
    light_curve, why = _light_curve(entry, data_root)
    return _Source(
        entry=entry,
        outcome=outcome_of(entry),
        best=_best(positions),
        requested=_requested(entry),
        light_curve=light_curve,
        no_light_curve=why,
        files=tuple(files),
        problems=tuple(dict.fromkeys(problems)),  # in order, without repeats
    )


# -- pictures -----------------------------------------------------------------------------------------------


def _sky_points(sources: Sequence[_Source]) -> list[SkyPoint]:
    points = []
    for source in sources:
        label = source.entry.label
        best = source.best
        if best is not None and best.ra is not None and best.dec is not None:
            kind: PointKind = "complete" if source.outcome.outcome == "complete" else "partial"
            points.append(SkyPoint(label, best.ra, best.dec, best.err90, kind))
        elif source.requested is not None:
            points.append(SkyPoint(label, *source.requested, None, "requested"))
    return points


def _has_matplotlib() -> bool:
    try:
        import matplotlib  # noqa: F401
    except ImportError:
        return False
    return True


@dataclass(frozen=True, slots=True)
class _Picture:
    png: bytes
    path: Path
    alt: str


def _draw(sources: Sequence[_Source], folder: Path) -> tuple[_Picture | str, dict[int, _Picture | str]]:
    """The sky map and each source's thumbnail (or why there is none), also written to ``folder``."""
    folder.mkdir(parents=True, exist_ok=True)
    for stale in [*folder.glob("lc-*.png"), folder / "sky.png"]:  # an earlier report's pictures
        stale.unlink(missing_ok=True)
    points = _sky_points(sources)
    sky: _Picture | str = "no source has a position or coordinates to show"
    try:
        sky_bytes = sky_png(points)
    except ValueError as exc:  # odd data must not cost the whole report
        sky = f"the sky map could not be drawn: {exc}"
    else:
        if sky_bytes is not None:
            sky = _Picture(sky_bytes, folder / "sky.png", f"sky map of {len(points)} sources")
            sky.path.write_bytes(sky_bytes)
    thumbs: dict[int, _Picture | str] = {}
    drawn = 0
    for source in sources:
        entry = source.entry
        if source.light_curve is None:
            thumbs[entry.id] = source.no_light_curve
            continue
        if drawn >= MAX_THUMBNAILS:
            thumbs[entry.id] = f"thumbnails are drawn for the first {MAX_THUMBNAILS} light curves only"
            continue
        try:
            png = light_curve_thumbnail(source.light_curve)
        except (ValueError, KeyError) as exc:  # odd data must not cost the whole report
            thumbs[entry.id] = f"the light curve could not be drawn: {exc}"
            continue
        if png is None:
            thumbs[entry.id] = "the light curve has no points to draw"
            continue
        drawn += 1
        path = folder / f"lc-{entry.id}-{safe_dirname(entry.label)}.png"
        path.write_bytes(png)
        thumbs[entry.id] = _Picture(png, path, f"light curve of {entry.label}")
    return sky, thumbs


# -- the page ------------------------------------------------------------------------------------------------

_CSS = """
body{font:14px/1.45 system-ui,-apple-system,"Segoe UI",Roboto,Helvetica,Arial,sans-serif;color:#1f2933;
margin:0;background:#f5f7fa}
main{max-width:1200px;margin:0 auto;padding:20px 24px 40px}
h1{font-size:22px;margin:0 0 4px}h2{font-size:17px;margin:28px 0 10px}
.meta{color:#52606d;margin:0 0 12px}.meta code{font-size:12px}
.chips{display:flex;flex-wrap:wrap;gap:6px;margin:8px 0}
.chip{display:inline-block;border-radius:10px;padding:1px 8px;font-size:12px;background:#e4e7eb;
white-space:nowrap}
.ok{background:#e3f4e4;color:#1b5e20}.bad{background:#fde4e1;color:#a61b1b}.warn{background:#fff1dc;color:#8a4b00}
.wait{background:#e8eaf6;color:#283593}
.note{background:#fff8e1;border-left:4px solid #f0b429;padding:8px 12px;margin:12px 0}
figure{margin:0;background:#fff;border:1px solid #e4e7eb;border-radius:6px;padding:8px}
figure img{max-width:100%;height:auto;display:block;margin:0 auto}
figcaption{color:#52606d;font-size:12px;margin-top:4px}
table{border-collapse:collapse;background:#fff;width:100%;font-size:13px}
th,td{border-bottom:1px solid #e4e7eb;padding:5px 8px;text-align:left;vertical-align:top}
th{background:#eef1f5;font-weight:600;position:sticky;top:0}
td.num,th.num{text-align:right;font-variant-numeric:tabular-nums}
.pos{font-family:ui-monospace,SFMono-Regular,Menlo,Consolas,monospace;font-size:12px;white-space:nowrap}
.small{font-size:12px;color:#52606d}
ul.why-list{margin:4px 0 0;padding-left:16px;font-size:12px;color:#8a1c1c}
.files a{margin-right:2px;white-space:nowrap}
.grid{display:grid;grid-template-columns:repeat(auto-fill,minmax(360px,1fr));gap:12px}
.card{background:#fff;border:1px solid #e4e7eb;border-radius:6px;padding:8px 10px}
.card h3{font-size:14px;margin:0 0 4px}.card img{max-width:100%;height:auto;display:block}
.why{color:#7b8794;font-style:italic;padding:18px 4px}
table.requests{width:auto}
"""


def _chip(text: str, style: str = "") -> str:
    return f'<span class="chip {style}">{_esc(text)}</span>'


def _link(path: Path, page_folder: Path, text: str, title: str = "") -> str:
    """A relative link from the page to ``path`` (an absolute ``file:`` URI only across drives)."""
    try:
        href = urllib.parse.quote(Path(os.path.relpath(path, page_folder)).as_posix())
    except ValueError:  # another drive (Windows): no relative path exists
        href = path.as_uri()
    extra = f' title="{_esc(title)}"' if title else ""
    return f'<a href="{_esc(href)}"{extra}>{_esc(text)}</a>'


def _img(picture: _Picture) -> str:
    data = base64.b64encode(picture.png).decode("ascii")
    return f'<img src="data:image/png;base64,{data}" alt="{_esc(picture.alt)}">'


def _state_cell(source: _Source) -> str:
    state = source.entry.state
    if state is EntryState.DONE:
        outcome = source.outcome.outcome
        style = {"complete": "ok", "partial": "warn"}.get(outcome, "bad")
        return _chip(_OUTCOME_WORDS.get(outcome, outcome), style)
    style = {EntryState.FAILED: "bad", EntryState.INCOMPLETE: "bad", EntryState.CANCELLED: "warn"}.get(
        state, "wait"
    )
    return _chip(_STATE_WORDS[state], style)


def _products_cell(entry: Entry) -> str:
    chips = []
    for short in entry.products:
        code = entry.codes.get(short)
        label = _label_of(short)
        if code == StatusCode.COMPLETE:
            chips.append(_chip(f"{label} ✓", "ok"))
        elif code is not None and code < 0:
            chips.append(_chip(f"{label} ✗ {_status_words(code)}", "bad"))
        elif entry.state in (EntryState.FAILED, EntryState.CANCELLED):
            chips.append(_chip(f"{label}: not made", "bad" if entry.state is EntryState.FAILED else "warn"))
        else:
            chips.append(_chip(f"{label}: {_status_words(code)}", "wait"))
    return f'<div class="chips">{"".join(chips)}</div>'


def _position_cell(source: _Source) -> str:
    best = source.best
    if best is None or best.ra is None or best.dec is None:
        if source.requested is None:
            return '<span class="small">—</span>'
        ra, dec = source.requested
        return (
            f'<span class="pos">{ra_sexagesimal(ra)} {dec_sexagesimal(dec)}</span><br>'
            '<span class="small">as requested; no XRT position</span>'
        )
    origin = f", from {best.which_sxps or 'SXPS'}" if best.from_sxps else ""
    return (
        f'<span class="pos">{ra_sexagesimal(best.ra)} {dec_sexagesimal(best.dec)}</span><br>'
        f'<span class="small">± {_esc(number(best.err90, 3))}″ (90%), '
        f"{_esc(best.product.label)}{_esc(origin)}</span>"
    )


def _files_cell(source: _Source, page_folder: Path) -> str:
    """Links to the source's files, archives on one line and retrieved data on the next, each named by its
    stem (``lc``, ``light_curve``) with the full name and size in its tooltip."""
    lines: dict[str, list[str]] = {"archives": [], "data": []}
    for file in source.files:
        stem = file.name.split(".", 1)[0] or file.name
        if file.path is None:
            link = f'<s title="{_esc(file.name)} is missing">{_esc(stem)}</s>'
        else:
            title = f"{file.name}, {_size(file.path.stat().st_size)}"
            link = _link(file.path, page_folder, stem, title)
        lines["archives" if file.kind.startswith("archive:") else "data"].append(link)
    shown = [f'<span class="small">{k}:</span> {" ".join(links)}' for k, links in lines.items() if links]
    return f'<div class="files">{"<br>".join(shown)}</div>' if shown else '<span class="small">—</span>'


def _size(n: int) -> str:
    if n < 1000:
        return f"{n} bytes"
    return f"{n / 1e3:.1f} kB" if n < 1_000_000 else f"{n / 1e6:.1f} MB"


def _problems_cell(source: _Source) -> str:
    if not source.problems:
        return ""
    items = "".join(f"<li>{_esc(p)}</li>" for p in source.problems)
    return f'<ul class="why-list">{items}</ul>'


def _sources_table(sources: Sequence[_Source], page_folder: Path, thumbs: Mapping[int, Any]) -> str:
    rows = []
    for index, source in enumerate(sources, 1):
        entry = source.entry
        label = _esc(entry.label)
        if isinstance(thumbs.get(entry.id), _Picture):
            label = f'<a href="#lc-{entry.id}">{label}</a>'
        rows.append(
            f'<tr id="{source.anchor}" data-state="{_esc(entry.state.value)}">'
            f'<td class="num">{index}</td><td>{label}</td>'
            f'<td class="num">{_esc(entry.job_id) if entry.job_id is not None else "—"}</td>'
            f"<td>{_state_cell(source)}{_problems_cell(source)}</td><td>{_products_cell(entry)}</td>"
            f"<td>{_position_cell(source)}</td><td>{_files_cell(source, page_folder)}</td></tr>"
        )
    head = "".join(
        f'<th class="num">{h}</th>' if h in ("#", "JobID") else f"<th>{h}</th>"
        for h in ("#", "Source", "JobID", "State (and why)", "Products", "Best position (J2000)", "Files")
    )
    # Room for the state's reasons and for the product chips; the other columns take what they need.
    widths = "".join(f'<col style="width:{w}">' for w in ("", "12%", "", "21%", "25%", "", ""))
    return (
        f'<table class="sources"><colgroup>{widths}</colgroup><thead><tr>{head}</tr></thead>'
        f"<tbody>{''.join(rows)}</tbody></table>"
    )


def _light_curves(sources: Sequence[_Source], thumbs: Mapping[int, _Picture | str]) -> str:
    wanted = [s for s in sources if Product.LIGHT_CURVE.short in s.entry.products]
    if not wanted:
        return ""
    cards = []
    for source in wanted:
        entry = source.entry
        thumb = thumbs.get(entry.id, source.no_light_curve)
        body = _img(thumb) if isinstance(thumb, _Picture) else f'<div class="why">{_esc(thumb)}</div>'
        job = f" · job {entry.job_id}" if entry.job_id is not None else ""
        cards.append(
            f'<div class="card" id="lc-{entry.id}"><h3><a href="#{source.anchor}">{_esc(entry.label)}</a>'
            f'<span class="small">{_esc(job)}</span></h3>{body}</div>'
        )
    return (
        '<h2>Light curves</h2><p class="small">Count rate (s⁻¹) against time since T0, by mode '
        "(WT blue, PC red; upper limits as arrows); log-log where every point allows it.</p>"
        f'<div class="grid">{"".join(cards)}</div>'
    )


def _when(entries: Sequence[Entry]) -> str:
    submitted = [e.submitted_at for e in entries if e.submitted_at]
    finished = [e.finished_at for e in entries if e.finished_at]
    parts = []
    if submitted:
        parts.append(f"first job submitted {_utc(min(submitted))}")
    if finished:
        parts.append(f"last source finished {_utc(max(finished))}")
    return "; ".join(parts)


def _utc(moment: datetime) -> str:
    return moment.astimezone(UTC).strftime("%Y-%m-%d %H:%M:%S UTC")


def _header(
    store: CampaignStore,
    title: str,
    sources: Sequence[_Source],
    settings: Mapping[str, Any],
    requests: Mapping[str, int] | None,
    written: datetime,
) -> str:
    entries = [s.entry for s in sources]
    counts = {state: n for state, n in store.counts().items() if n}
    outcomes: dict[str, int] = {}
    for source in sources:
        if source.entry.state is EntryState.DONE:
            outcomes[source.outcome.outcome] = outcomes.get(source.outcome.outcome, 0) + 1
    chips = [_chip(f"{len(entries)} sources")]
    for state, n in counts.items():
        style = {
            EntryState.DONE: "ok",
            EntryState.INCOMPLETE: "bad",
            EntryState.FAILED: "bad",
            EntryState.CANCELLED: "warn",
        }.get(state, "wait")
        detail = ""
        if state is EntryState.DONE and set(outcomes) != {"complete"}:
            detail = " (" + ", ".join(f"{m} {k}" for k, m in sorted(outcomes.items())) + ")"
        chips.append(_chip(f"{n} {state.value}{detail}", style))
    lines = [f"ledger <code>{_esc(store.path)}</code>"]
    if settings.get("base_url"):
        lines.append(f"service <code>{_esc(settings['base_url'])}</code>")
    when = _when(entries)
    meta = " · ".join(lines)
    parts = [
        f"<h1>Campaign {_esc(title)}</h1>",
        f'<p class="meta">{meta}<br>report written {_esc(_utc(written))}'
        f"{'; ' + _esc(when) if when else ''}</p>",
        f'<div class="chips">{"".join(chips)}</div>',
    ]
    unfinished = sum(1 for e in entries if not e.state.terminal)
    if unfinished:
        parts.append(
            f'<p class="note">{unfinished} source(s) not finished: this report shows the campaign as it '
            "stands; resume the campaign to finish them, then write the report again.</p>"
        )
    if requests:
        cells = "".join(
            f"<tr><th>{_esc(k)}</th><td class='num'>{_esc(v)}</td></tr>" for k, v in requests.items()
        )
        total = sum(requests.values())
        parts.append(
            f"<details><summary>{total} requests to the service this run</summary>"
            f'<table class="requests">{cells}</table></details>'
        )
    return "".join(parts)


def _page(title: str, body: str) -> str:
    return (
        '<!DOCTYPE html>\n<html lang="en"><head><meta charset="utf-8">'
        '<meta name="viewport" content="width=device-width,initial-scale=1">'
        f"<title>{_esc(title)} · campaign report</title><style>{_CSS}</style></head>"
        f"<body><main>{body}</main></body></html>\n"
    )


def _campaign_title(ledger: Path) -> str:
    name = ledger.name
    for suffix in (".sqlite", ".campaign"):
        name = name.removesuffix(suffix)
    return name or ledger.name


def write_report(
    ledger: str | os.PathLike[str] | CampaignStore,
    output: str | os.PathLike[str] | None = None,
    *,
    requests: Mapping[str, int] | None = None,
    title: str | None = None,
) -> CampaignReport:
    """Write ``report.html`` (and its PNGs in ``report_files/``) for the campaign in ``ledger``.

    ``output`` is the folder for the page, by default the campaign's output folder (where its files are, so
    the links are short), else the ledger's folder. ``requests`` are request counts to show (a run's
    ``CampaignSummary.requests``; the ledger does not keep them). ``title`` defaults to the ledger's name.
    Works on a campaign at any stage: unfinished sources say where they stand. The ledger is only read.
    """
    store = ledger if isinstance(ledger, CampaignStore) else CampaignStore.open(Path(ledger), create=False)
    try:
        settings = store.get_meta(_SETTINGS_KEY) or {}
        ledger_path = Path(store.path).resolve()
        data_root = Path(settings.get("output") or ledger_path.parent)
        folder = (
            Path(output) if output is not None else (data_root if data_root.is_dir() else ledger_path.parent)
        )
        sources = [_source(entry, data_root) for entry in store.entries()]
        name = title or _campaign_title(ledger_path)
        written = datetime.now(UTC)
        try:
            folder.mkdir(parents=True, exist_ok=True)
        except OSError as exc:
            raise ConfigurationError(f"cannot make the report's folder {folder}: {exc}") from exc
        folder = folder.resolve()
        pictures = _has_matplotlib()
        sky: _Picture | str = ""
        thumbs: dict[int, _Picture | str] = {}
        if pictures:
            sky, thumbs = _draw(sources, folder / FILES_FOLDER)
        body = [_header(store, name, sources, settings, requests, written)]
        if not pictures:
            body.append(
                f'<p class="note">No pictures: the sky map and light-curve thumbnails need matplotlib. '
                f"Install it with <code>{_esc(PLOT_HINT)}</code> and write the report again.</p>"
            )
        elif isinstance(sky, _Picture):
            body.append(
                f"<h2>Sky</h2><figure>{_img(sky)}<figcaption>Best XRT position of each source (filled), "
                "or the requested coordinates where there is none (open). "
                f"{_link(sky.path, folder, 'PNG')}</figcaption></figure>"
            )
        else:
            body.append(f'<h2>Sky</h2><p class="why">{_esc(sky)}</p>')
        body.append(f"<h2>Sources</h2>{_sources_table(sources, folder, thumbs)}")
        if pictures:
            body.append(_light_curves(sources, thumbs))
        page = folder / REPORT_NAME
        _write_text(page, _page(name, "".join(body)))
    finally:
        if not isinstance(ledger, CampaignStore):
            store.close()
    pngs = tuple(p.path for p in [sky, *thumbs.values()] if isinstance(p, _Picture))
    return CampaignReport(html=page, pngs=pngs, pictures=pictures)


def _write_text(target: Path, text: str) -> None:
    """Write through a temporary file renamed at the end, so a reader never sees half a page."""
    temp = target.with_name(f".{target.name}.{os.getpid()}.part")
    try:
        temp.write_text(text, encoding="utf-8")
        temp.replace(target)
    finally:
        temp.unlink(missing_ok=True)
