"""Plot a light curve with matplotlib (the ``plot`` extra), as the reference client's quick-look plot does.

Count rates (with band rates) on one panel, hardness ratios on their own panel below it, upper limits as
downward arrows, time since T0 on the x axis where the data has a T0. matplotlib is imported inside the
functions, so the package works without it.
"""

from __future__ import annotations

import io
import os
from collections.abc import Iterable, Sequence
from typing import TYPE_CHECKING, Any

from xrt_prods_async._errors import ConfigurationError

from ._results import LightCurveData, LightCurveDataset, require_extra
from ._views import number

if TYPE_CHECKING:  # pragma: no cover - typing only
    from matplotlib.axes import Axes
    from matplotlib.figure import Figure

__all__ = ["MET_EPOCH_MJD", "light_curve_png", "plot_light_curve", "times_since_t0"]

#: Swift mission elapsed time counts seconds from 2001-01-01T00:00:00 UTC, MJD 51910.
MET_EPOCH_MJD = 51910.0

#: Mode colours of the reference client's plot.
_MODE_COLOURS = {"WT": "blue", "PC": "red"}
_MARKERS = {"": ".", "Hard": "^", "Soft": "v", "HR": "."}
#: Length of the drawn upper-limit arrows, as a fraction of the limit (reads well on log and linear axes).
_ARROW = 0.35
_EXTRA = "plot_light_curve()"


def _floats(values: Iterable[float | str]) -> list[float]:
    return [float(v) for v in values]


def times_since_t0(lc: LightCurveData, dataset: LightCurveDataset) -> list[float]:
    """The ``Time`` column in seconds since T0.

    MET light curves already count from T0; for MJD (or TDB, read as an MJD) the offset from T0 converted to
    MJD is taken, ignoring the small UTC-to-spacecraft clock correction (plotting only).
    """
    times = _floats(dataset.column("Time"))
    fmt = (lc.time_format or "MET").upper()
    if fmt in ("MJD", "TDB") and lc.t0 is not None:
        t0_mjd = MET_EPOCH_MJD + lc.t0 / 86400.0
        return [(t - t0_mjd) * 86400.0 for t in times]
    return times


def _time_label(lc: LightCurveData) -> str:
    if lc.t0 is not None:
        return f"Time since T0 (s); T0 = {number(lc.t0, 12)} MET"
    fmt = (lc.time_format or "").upper()
    if fmt in ("MJD", "TDB"):
        return f"Time ({fmt})"
    return "Time (s)"


def _errors(dataset: LightCurveDataset, pos: str, neg: str) -> tuple[list[float], list[float]] | None:
    """(lower, upper) error sizes from a Pos/Neg pair, or from one symmetric column; None if neither."""
    try:
        return [abs(v) for v in _floats(dataset.column(neg))], [abs(v) for v in _floats(dataset.column(pos))]
    except KeyError:
        pass
    symmetric = {"RatePos": "RateErr", "HRPos": "HRErr"}.get(pos)
    if symmetric is not None and symmetric in dataset.columns:
        sizes = [abs(v) for v in _floats(dataset.column(symmetric))]
        return sizes, sizes
    return None


def _draw(
    ax: Axes, lc: LightCurveData, dataset: LightCurveDataset, xlog: bool, ylog: bool, options: dict[str, Any]
) -> None:
    x = times_since_t0(lc, dataset)
    value = dataset.value_column
    y = _floats(dataset.column(value))
    keep = [i for i in range(len(x)) if (x[i] > 0 or not xlog) and (y[i] > 0 or not ylog)]

    def pick(values: list[float]) -> list[float]:
        return [values[i] for i in keep]

    xerr = _errors(dataset, "TimePos", "TimeNeg")
    style: dict[str, Any] = {
        "color": _MODE_COLOURS.get(dataset.mode or "", "black"),
        "label": dataset.name,
        "linestyle": "none",
        "elinewidth": 1.0,
        **options,
    }
    xs, ys = pick(x), pick(y)
    x_bars = [pick(xerr[0]), pick(xerr[1])] if xerr else None
    if dataset.is_upper_limit:
        arrows = [[_ARROW * abs(v) for v in ys], [0.0] * len(ys)]
        ax.errorbar(xs, ys, xerr=x_bars, yerr=arrows, uplims=True, **{**style, "marker": ""})
        return
    base = "HR" if value == "HR" else "Rate"
    yerr = _errors(dataset, f"{base}Pos", f"{base}Neg")
    y_bars = [pick(yerr[0]), pick(yerr[1])] if yerr else None
    style.setdefault("marker", _MARKERS.get(dataset.kind, "."))
    if dataset.kind in ("Hard", "Soft"):
        style.setdefault("markerfacecolor", "none")  # band rates: open markers beside the full-band rates
    ax.errorbar(xs, ys, xerr=x_bars, yerr=y_bars, **style)


def _axes_for(
    panels: int, ax: Axes | Sequence[Axes] | None, hr_only: bool
) -> tuple[Figure, tuple[Axes, ...]]:
    """The axes to draw on: the caller's (one per panel) or a new pyplot figure, rates above ratios."""
    if ax is None:
        plt = require_extra("matplotlib.pyplot", "plot", _EXTRA)
        if panels == 2:
            figure, grid = plt.subplots(2, 1, sharex=True, height_ratios=(2, 1), figsize=(6.4, 6.0))
            return figure, (grid[0], grid[1])
        figure, single = plt.subplots()
        return figure, (single,)
    from matplotlib.axes import Axes as AxesType
    from matplotlib.figure import Figure as FigureType

    given: tuple[Axes, ...] = (ax,) if isinstance(ax, AxesType) else tuple(ax)
    if len(given) != panels:
        what = (
            "count rates and hardness ratios" if panels == 2 else ("hardness ratios" if hr_only else "rates")
        )
        raise ConfigurationError(
            f"plot_light_curve: ax has {len(given)} axes but the chosen datasets need {panels} "
            f"({what}; hardness ratios get their own axes): pass ax=(rate_axes, hr_axes), or choose datasets"
        )
    owner = given[0].figure
    root = owner if isinstance(owner, FigureType) else owner.figure  # a subfigure's figure is the root one
    return root, given


def _chosen(
    lc: LightCurveData, datasets: Iterable[str] | str | None, nosys: bool | None, incbad: bool | None
) -> list[LightCurveDataset]:
    """The datasets to draw (see ``LightCurveData.select``); none, or an unknown name, is a user error."""
    names = [datasets] if isinstance(datasets, str) else datasets
    try:
        chosen = lc.select(names, nosys=nosys, incbad=incbad)
    except KeyError as exc:
        raise ConfigurationError(f"plot_light_curve: {exc.args[0]}") from None
    if not chosen:
        raise ConfigurationError(
            f"plot_light_curve: nothing to draw: no count-rate or upper-limit dataset matches "
            f"(nosys={nosys}, incbad={incbad}); this light curve has: {', '.join(lc.datasets) or 'none'}"
        )
    return chosen


def _panel(
    panel: Axes,
    lc: LightCurveData,
    drawn: Sequence[LightCurveDataset],
    label: str,
    xlog: bool,
    ylog: bool,
    options: dict[str, Any],
) -> None:
    """Draw the datasets of one panel (rates, or hardness ratios) with its y axis and legend."""
    for dataset in drawn:
        if dataset.rows:  # an empty dataset gets no legend entry
            _draw(panel, lc, dataset, xlog, ylog, options)
    if ylog:
        panel.set_yscale("log")
    panel.set_ylabel(label)
    if panel.get_legend_handles_labels()[1]:
        panel.legend()


def plot_light_curve(
    lc: LightCurveData,
    *,
    datasets: Iterable[str] | str | None = None,
    nosys: bool | None = None,
    incbad: bool | None = None,
    xlog: bool = False,
    ylog: bool = False,
    ax: Axes | Sequence[Axes] | None = None,
    file: str | os.PathLike[str] | None = None,
    **errorbar_kwargs: Any,
) -> tuple[Figure, tuple[Axes, ...]]:
    """Draw a light curve; return ``(figure, axes)``, ``axes`` holding one Axes per panel, top to bottom.

    ``datasets`` picks datasets by name, with or without their variant suffixes (``"PC"`` finds
    ``PC_incbad`` when that is what the reply carries; see ``LightCurveData.dataset``), and ``nosys`` /
    ``incbad`` pick the variant. By default the count-rate and upper-limit curves of each mode are drawn, as
    the reference client's ``plotLC`` does. Count rates and band rates share the first panel; hardness-ratio
    datasets (``PCHR``...) get a second panel below with a shared time axis. Upper limits are downward arrows.

    x is time since T0 in seconds when the data has a T0 (MJD times are converted), else the time as sent;
    ``xlog`` / ``ylog`` make the time / count-rate axes logarithmic (points that cannot be shown on them are
    left out; the hardness-ratio axis stays linear). ``ax`` draws onto the caller's axes: one Axes, or a pair
    ``(rate_axes, hr_axes)`` when hardness ratios are drawn with rates; a mismatch raises
    ``ConfigurationError``. ``file`` saves the figure there (format from the suffix) and it is still
    returned. Without ``ax`` a new pyplot figure is made (close it with ``plt.close(figure)``). Other keyword
    arguments go to ``Axes.errorbar``. Needs the ``plot`` extra (``pip install 'xrt_prods_async[plot]'``).
    """
    require_extra("matplotlib", "plot", _EXTRA)
    chosen = _chosen(lc, datasets, nosys, incbad)
    rates = [d for d in chosen if not d.is_hardness_ratio]
    ratios = [d for d in chosen if d.is_hardness_ratio]
    figure, axes = _axes_for(int(bool(rates)) + int(bool(ratios)), ax, hr_only=not rates)
    if rates:
        _panel(axes[0], lc, rates, "Count rate (s$^{-1}$)", xlog, ylog, errorbar_kwargs)
    if ratios:
        _panel(axes[-1], lc, ratios, "Hardness ratio", xlog, False, errorbar_kwargs)
    for panel in axes:
        if xlog:
            panel.set_xscale("log")
    axes[-1].set_xlabel(_time_label(lc))
    if file is not None:
        figure.savefig(file)
    return figure, axes


def light_curve_png(
    lc: LightCurveData, *, width: float = 4.2, height: float = 2.6, dpi: int = 96
) -> bytes | None:
    """A small PNG of the default plot, for notebook views; None when there is nothing to draw.

    Drawn on a figure pyplot does not know about, so no window opens and nothing is left open.
    Raises ``ConfigurationError`` without matplotlib.
    """
    require_extra("matplotlib", "plot", "the light-curve thumbnail")
    from matplotlib.figure import Figure

    chosen = [dataset for dataset in lc.select() if dataset.rows]
    if not chosen:
        return None
    positive = all(
        t > 0 and v > 0
        for d in chosen
        for t, v in zip(times_since_t0(lc, d), _floats(d.column(d.value_column)), strict=True)
    )
    figure = Figure(figsize=(width, height), dpi=dpi)
    axes = figure.subplots()
    for dataset in chosen:
        _draw(axes, lc, dataset, positive, positive, {"markersize": 3})
    if positive:
        axes.set_xscale("log")
        axes.set_yscale("log")
    axes.set_xlabel(_time_label(lc), fontsize=8)
    axes.set_ylabel("Count rate (s$^{-1}$)", fontsize=8)
    axes.tick_params(labelsize=7)
    axes.legend(fontsize=7)
    figure.tight_layout()
    buffer = io.BytesIO()
    figure.savefig(buffer, format="png")
    return buffer.getvalue()
