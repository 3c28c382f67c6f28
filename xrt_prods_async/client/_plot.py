"""Plot a light curve with matplotlib (the ``plot`` extra): log axes, error bars, upper limits as arrows."""

from __future__ import annotations

from collections.abc import Iterable
from typing import TYPE_CHECKING, Any

from ._results import LightCurveData, LightCurveDataset

if TYPE_CHECKING:  # pragma: no cover - typing only
    from matplotlib.axes import Axes

__all__ = ["MET_EPOCH_MJD", "plot_light_curve", "times_since_t0"]

#: Swift mission elapsed time counts seconds from 2001-01-01T00:00:00 UTC, MJD 51910.
MET_EPOCH_MJD = 51910.0

_MODE_COLOURS = {"WT": "tab:blue", "PC": "tab:red"}
#: Length of the drawn upper-limit arrows, as a fraction of the limit (the arrow points down, log axis).
_ARROW = 0.35


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


def _errors(dataset: LightCurveDataset, pos: str, neg: str, n: int) -> list[list[float]]:
    try:
        lower = [abs(v) for v in _floats(dataset.column(neg))]
        upper = [abs(v) for v in _floats(dataset.column(pos))]
    except KeyError:
        return [[0.0] * n, [0.0] * n]
    return [lower, upper]


def plot_light_curve(
    lc: LightCurveData,
    ax: Axes | None = None,
    *,
    datasets: Iterable[str] | None = None,
    **errorbar_kwargs: Any,
) -> Axes:
    """Draw the count-rate datasets and upper limits of a light curve on log-log axes; return the axes.

    x is time since T0 (s) with the bin half-widths as error bars, y the count rate with its errors; upper
    limits are drawn as downward arrows. ``datasets`` picks datasets by name (default: every rate and
    upper-limit set; hardness ratios and band rates have other units). Needs the ``plot`` extra.
    """
    try:
        import matplotlib.pyplot as plt
    except ImportError:
        raise ImportError(
            "plot_light_curve() needs matplotlib, which is not installed: pip install 'xrt_prods_async[plot]'"
        ) from None
    if ax is None:
        _, ax = plt.subplots()
    names = (
        list(datasets)
        if datasets is not None
        else [n for n, d in lc.datasets.items() if d.kind in ("", "UL")]
    )
    for name in names:
        dataset = lc.datasets[name]
        if not dataset.rows:
            continue
        x = times_since_t0(lc, dataset)
        y = _floats(dataset.column("Rate"))
        n = len(x)
        xerr = _errors(dataset, "TimePos", "TimeNeg", n)
        keep = [i for i in range(n) if x[i] > 0 and y[i] > 0]
        xs = [x[i] for i in keep]
        ys = [y[i] for i in keep]
        xe = [[xerr[0][i] for i in keep], [xerr[1][i] for i in keep]]
        colour = _MODE_COLOURS.get(dataset.mode or "")
        options: dict[str, Any] = {"color": colour, "label": name, "linestyle": "none", **errorbar_kwargs}
        if dataset.is_upper_limit:
            ye = [[_ARROW * v for v in ys], [0.0] * len(ys)]
            ax.errorbar(xs, ys, xerr=xe, yerr=ye, uplims=True, marker="", **options)
        else:
            yerr = _errors(dataset, "RatePos", "RateNeg", n)
            ye = [[yerr[0][i] for i in keep], [yerr[1][i] for i in keep]]
            ax.errorbar(xs, ys, xerr=xe, yerr=ye, marker=".", **options)
    ax.set_xscale("log")
    ax.set_yscale("log")
    t0 = f" (T0 = {lc.t0:.3f} MET)" if lc.t0 is not None else ""
    ax.set_xlabel(f"Time since T0 (s){t0}")
    ax.set_ylabel("Count rate (s$^{-1}$)")
    if names:
        ax.legend()
    return ax
