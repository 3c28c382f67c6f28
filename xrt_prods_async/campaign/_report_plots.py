"""The campaign report's sky map: where the sources are, drawn with matplotlib (the ``plot`` extra).

An all-sky Aitoff map in RA/Dec (east to the left, as the sky is seen) shows every source, with labels where
they do not crowd; when several sources lie close together a second panel zooms in on them in a tangent-plane
projection, with their 90% error circles. Figures are made without pyplot, so no window opens, nothing is left
open and a worker thread can draw them. Light-curve thumbnails are the client's ``plot_light_curve`` on a
small figure.
"""

from __future__ import annotations

import io
import math
from collections.abc import Sequence
from dataclasses import dataclass
from typing import TYPE_CHECKING, Literal

from xrt_prods_async.client import LightCurveData, plot_light_curve
from xrt_prods_async.client._plot import times_since_t0
from xrt_prods_async.client._results import require_extra
from xrt_prods_async.client._views import dec_sexagesimal, ra_sexagesimal

if TYPE_CHECKING:  # pragma: no cover - typing only
    from matplotlib.axes import Axes

__all__ = ["PointKind", "SkyPoint", "light_curve_thumbnail", "sky_png", "zoom_group"]

#: What a point on the map is: an XRT position of a source whose products were all made, one of a source
#: with some product missing, or only the coordinates the request gave (no XRT position).
PointKind = Literal["complete", "partial", "requested"]

_STYLE: dict[str, tuple[str, str, str]] = {  # kind -> (face colour, edge colour, legend text)
    "complete": ("#2e7d32", "#1b5e20", "XRT position, every product made"),
    "partial": ("#ef6c00", "#bf360c", "XRT position, some product missing"),
    "requested": ("none", "#757575", "requested coordinates (no XRT position)"),
}

#: Radius within which sources count as a cluster worth a zoom panel, and how many make one.
CLUSTER_RADIUS_DEG = 3.0
CLUSTER_MIN = 3
#: When every source lies within this radius of their centre, the zoom panel shows them all.
ALL_CLOSE_DEG = 10.0
#: Most labels drawn per panel; crowded labels are skipped anyway.
MAX_LABELS = 40


@dataclass(frozen=True, slots=True)
class SkyPoint:
    """One source on the map: position in degrees, 90% error in arcsec (if an XRT position), kind."""

    label: str
    ra: float
    dec: float
    err90: float | None
    kind: PointKind


def _unit_vector(ra: float, dec: float) -> tuple[float, float, float]:
    a, d = math.radians(ra), math.radians(dec)
    return (math.cos(d) * math.cos(a), math.cos(d) * math.sin(a), math.sin(d))


def _centre(points: Sequence[SkyPoint]) -> tuple[float, float]:
    """The mean direction of the points (RA, Dec in degrees)."""
    x = y = z = 0.0
    for p in points:
        vx, vy, vz = _unit_vector(p.ra, p.dec)
        x, y, z = x + vx, y + vy, z + vz
    return math.degrees(math.atan2(y, x)) % 360.0, math.degrees(math.atan2(z, math.hypot(x, y)))


def _separation(a: tuple[float, float, float], b: tuple[float, float, float]) -> float:
    dot = max(-1.0, min(1.0, a[0] * b[0] + a[1] * b[1] + a[2] * b[2]))
    return math.degrees(math.acos(dot))


def zoom_group(points: Sequence[SkyPoint]) -> list[int]:
    """Indices of the points worth a zoom panel: all of them when they lie close together, else the densest
    group of at least :data:`CLUSTER_MIN` within :data:`CLUSTER_RADIUS_DEG` of one of them; [] for none."""
    if len(points) < 2:
        return []
    import numpy as np

    vectors = np.array([_unit_vector(p.ra, p.dec) for p in points])
    ra0, dec0 = _centre(points)
    centre = np.array(_unit_vector(ra0, dec0))
    if float(np.degrees(np.arccos(np.clip(vectors @ centre, -1, 1))).max()) <= ALL_CLOSE_DEG:
        return list(range(len(points)))
    limit = math.cos(math.radians(CLUSTER_RADIUS_DEG))
    best, best_count = -1, 0
    for start in range(0, len(points), 512):  # blocks keep memory small for campaigns of thousands
        counts = ((vectors[start : start + 512] @ vectors.T) >= limit).sum(axis=1)
        index = int(counts.argmax())
        if int(counts[index]) > best_count:
            best, best_count = start + index, int(counts[index])
    if best_count < CLUSTER_MIN:
        return []
    return [int(i) for i in np.nonzero(vectors @ vectors[best] >= limit)[0]]


def _aitoff_x(ra: float) -> float:
    """Aitoff longitude in radians: RA 0h in the middle, increasing to the left (east), as on the sky."""
    return -math.radians((ra + 180.0) % 360.0 - 180.0)


def _tangent(ra: float, dec: float, ra0: float, dec0: float) -> tuple[float, float]:
    """Gnomonic (tangent-plane) offsets in degrees from (ra0, dec0): x towards east, y towards north."""
    a, d, a0, d0 = (math.radians(v) for v in (ra, dec, ra0, dec0))
    cos_c = math.sin(d0) * math.sin(d) + math.cos(d0) * math.cos(d) * math.cos(a - a0)
    x = math.cos(d) * math.sin(a - a0) / cos_c
    y = (math.cos(d0) * math.sin(d) - math.sin(d0) * math.cos(d) * math.cos(a - a0)) / cos_c
    return math.degrees(x), math.degrees(y)


def _draw_points(
    ax: Axes, xy: Sequence[tuple[float, float]], points: Sequence[SkyPoint], size: float
) -> None:
    for kind, (face, edge, text) in _STYLE.items():
        chosen = [i for i, p in enumerate(points) if p.kind == kind]
        if chosen:
            ax.scatter(
                [xy[i][0] for i in chosen],
                [xy[i][1] for i in chosen],
                s=size,
                c=face,
                edgecolors=edge,
                linewidths=1.0,
                label=text,
                zorder=3,
            )


def _label(ax: Axes, xy: Sequence[tuple[float, float]], points: Sequence[SkyPoint], skip: set[int]) -> int:
    """Label points where a label covers neither another label nor another point; returns how many were not.

    Each label goes right of its point, or left of it when the right is taken or runs off the axes.
    """
    import numpy as np

    pixels = ax.transData.transform(np.array(xy, dtype=float).reshape(-1, 2))
    xs, ys = pixels[:, 0], pixels[:, 1]
    frame = ax.get_window_extent()
    boxes: list[tuple[float, float, float, float]] = []  # x0, x1, y0, y1 of the labels drawn, in pixels
    left_out = 0
    for i, point in enumerate(points):
        if i in skip:
            continue
        if len(boxes) >= MAX_LABELS:
            left_out += 1
            continue
        text = point.label if len(point.label) <= 24 else point.label[:23] + "…"
        width = 5.6 * len(text) + 2  # about 5.6 px a character at 7 pt and 100 dpi
        px, py = pixels[i]
        for side in (1, -1):
            x0 = px + 5 if side == 1 else px - 5 - width
            box = (x0, x0 + width, py + 2, py + 13)
            if box[0] < frame.x0 or box[1] > frame.x1:
                continue
            overlaps = any(b[0] < box[1] and box[0] < b[1] and b[2] < box[3] and box[2] < b[3] for b in boxes)
            # (the box starts 5 px from its own point, so that point is never inside it)
            covers = bool(
                ((xs > box[0] - 3) & (xs < box[1] + 3) & (ys > box[2] - 3) & (ys < box[3] + 3)).any()
            )
            if not overlaps and not covers:
                break
        else:
            left_out += 1
            continue
        boxes.append(box)
        ax.annotate(
            text.replace("$", r"\$"),  # a label is text, never mathtext
            xy[i],
            xytext=(4 * side, 3),
            textcoords="offset points",
            ha="left" if side == 1 else "right",
            fontsize=7,
            color="#263238",
            zorder=4,
        )
    return left_out


def _zoom_scale(half_deg: float) -> tuple[float, str]:
    """Degrees per axis unit and the unit's name, so the zoom panel's numbers stay readable."""
    if half_deg >= 1.0:
        return 1.0, "deg"
    if half_deg >= 1.0 / 60.0:
        return 1.0 / 60.0, "arcmin"
    return 1.0 / 3600.0, "arcsec"


def _draw_zoom(ax: Axes, points: Sequence[SkyPoint]) -> tuple[float, float]:
    """The zoom panel; returns its centre (RA, Dec in degrees)."""
    from matplotlib.patches import Circle

    ra0, dec0 = _centre(points)
    offsets = [_tangent(p.ra, p.dec, ra0, dec0) for p in points]
    largest_error = max((p.err90 or 0.0 for p in points), default=0.0) / 3600.0
    spread = max((max(abs(x), abs(y)) for x, y in offsets), default=0.0)
    half = max(spread * 1.2 + largest_error, 3 * largest_error, 5.0 / 3600.0)
    per_unit, unit = _zoom_scale(half)
    xy = [(x / per_unit, y / per_unit) for x, y in offsets]
    for (x, y), point in zip(xy, points, strict=True):
        if point.err90:
            colour = _STYLE[point.kind][1]
            ax.add_patch(Circle((x, y), point.err90 / 3600.0 / per_unit, fill=False, color=colour, lw=0.8))
    _draw_points(ax, xy, points, 16)
    limit = half / per_unit
    ax.set_xlim(limit, -limit)  # east to the left
    ax.set_ylim(-limit, limit)
    ax.set_aspect("equal")
    ax.set_xlabel(f"east offset ({unit})", fontsize=8)
    ax.set_ylabel(f"north offset ({unit})", fontsize=8)
    ax.tick_params(labelsize=7)
    ax.grid(color="#cfd8dc", linewidth=0.5)
    ax.set_title(
        f"Zoom: {len(points)} sources around {ra_sexagesimal(ra0)} {dec_sexagesimal(dec0)}",
        fontsize=9,
    )
    left_out = _label(ax, xy, points, set())
    if left_out:
        ax.text(
            0.02, 0.02, f"{left_out} labels left out", transform=ax.transAxes, fontsize=7, color="#546e7a"
        )
    return ra0, dec0


def sky_png(points: Sequence[SkyPoint], *, dpi: int = 100) -> bytes | None:
    """The sky map as a PNG (None without points). Raises ``ConfigurationError`` without matplotlib."""
    require_extra("matplotlib", "plot", "the campaign report's sky map")
    from matplotlib.figure import Figure

    if not points:
        return None
    group = zoom_group(points)
    if group:
        figure = Figure(figsize=(11.5, 4.6), dpi=dpi)
        grid = figure.add_gridspec(1, 2, width_ratios=(2.05, 1.0), wspace=0.12)
        sky = figure.add_subplot(grid[0], projection="aitoff")
        zoom = figure.add_subplot(grid[1])
    else:
        figure = Figure(figsize=(9.0, 4.8), dpi=dpi)
        sky = figure.add_subplot(projection="aitoff")
        zoom = None
    xy = [(_aitoff_x(p.ra), math.radians(p.dec)) for p in points]
    _draw_points(sky, xy, points, 22)
    ticks = list(range(-150, 151, 30))
    sky.set_xticks([math.radians(t) for t in ticks])
    sky.set_xticklabels([f"{(-t % 360) // 15}h" for t in ticks], fontsize=7, color="#546e7a")
    sky.tick_params(axis="y", labelsize=7)
    sky.grid(color="#b0bec5", linewidth=0.5)
    sky.set_title("All sky (RA, Dec; J2000)", fontsize=9, pad=14)
    members = set(group)
    if zoom is not None:
        ra0, dec0 = _draw_zoom(zoom, [points[i] for i in group])
        # Mark the zoomed region on the map (a ring a little wider than the region) instead of its labels.
        sky.scatter([_aitoff_x(ra0)], [math.radians(dec0)], s=260, facecolors="none", edgecolors="#1565c0")
        sky.annotate(
            "zoom",
            (_aitoff_x(ra0), math.radians(dec0)),
            xytext=(9, -12),
            textcoords="offset points",
            fontsize=7,
            color="#1565c0",
        )
    left_out = _label(sky, xy, points, members if zoom is not None else set())
    handles, labels = sky.get_legend_handles_labels()
    figure.legend(handles, labels, loc="lower center", ncol=len(labels), fontsize=8, frameon=False)
    if left_out:
        sky.text(
            0.0,
            -0.02,
            f"{left_out} labels left out where sources crowd",
            transform=sky.transAxes,
            fontsize=7,
            color="#546e7a",
        )
    figure.subplots_adjust(left=0.04, right=0.98, top=0.9, bottom=0.14)
    buffer = io.BytesIO()
    figure.savefig(buffer, format="png")
    return buffer.getvalue()


def light_curve_thumbnail(lc: LightCurveData, *, dpi: int = 100) -> bytes | None:
    """A small PNG of the light curve's count rates against time since T0 (None when it has no points).

    Log-log when every point can be shown so (a GRB's decay reads best that way), else linear. The margins
    are fixed rather than fitted (``tight_layout`` would draw every error bar twice), so thumbnails align; the
    y axis is left unnamed (the page says what it is) to leave its tick labels the room.
    Raises ``ConfigurationError`` without matplotlib.
    """
    require_extra("matplotlib", "plot", "the campaign report's light-curve thumbnails")
    from matplotlib.figure import Figure

    chosen = [dataset for dataset in lc.select() if dataset.rows]
    if not chosen:
        return None
    loglog = all(
        t > 0 and float(v) > 0
        for d in chosen
        for t, v in zip(times_since_t0(lc, d), d.column(d.value_column), strict=True)
    )
    figure = Figure(figsize=(4.0, 2.5), dpi=dpi)
    axes = figure.add_subplot()
    figure.subplots_adjust(left=0.15, right=0.95, top=0.95, bottom=0.2)
    plot_light_curve(lc, datasets=[d.name for d in chosen], ax=axes, xlog=loglog, ylog=loglog, markersize=3)
    axes.xaxis.label.set_fontsize(8)
    axes.set_ylabel("")
    axes.tick_params(which="both", labelsize=7)
    for axis in (axes.xaxis, axes.yaxis):
        axis.get_offset_text().set_fontsize(7)  # the "1e8" a linear axis of large numbers carries
    axes.legend(fontsize=7)
    buffer = io.BytesIO()
    figure.savefig(buffer, format="png")
    return buffer.getvalue()
