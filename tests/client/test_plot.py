"""plot_light_curve on the Agg backend: datasets by name and variant, HR panel, upper limits, files, axes."""

from __future__ import annotations

import sys
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import matplotlib
import pytest

matplotlib.use("Agg")

import matplotlib.pyplot as plt
from matplotlib.axes import Axes
from matplotlib.container import ErrorbarContainer
from matplotlib.lines import Line2D

from xrt_prods_async._errors import ConfigurationError
from xrt_prods_async.client import LightCurveData, plot_light_curve
from xrt_prods_async.client._plot import MET_EPOCH_MJD, light_curve_png, times_since_t0


@pytest.fixture(autouse=True)
def close_figures() -> Iterator[None]:
    """Every figure a test opens is closed after it."""
    yield
    plt.close("all")


def labels(ax: Axes) -> list[str]:
    legend = ax.get_legend()
    return [t.get_text() for t in legend.get_texts()] if legend else []


def bars(ax: Axes) -> list[ErrorbarContainer]:
    return [c for c in ax.containers if isinstance(c, ErrorbarContainer)]


def test_default_draws_rates_and_upper_limits_like_plotLC(light_curve: LightCurveData) -> None:
    before = set(plt.get_fignums())
    figure, axes = plot_light_curve(light_curve)
    assert len(set(plt.get_fignums()) - before) == 1
    assert len(axes) == 1
    (ax,) = axes
    assert ax.figure is figure
    assert (ax.get_xscale(), ax.get_yscale()) == ("linear", "linear")  # swifttools' defaults
    assert ax.get_xlabel() == "Time since T0 (s); T0 = 672786064 MET"
    assert ax.get_ylabel().startswith("Count rate")
    assert labels(ax) == ["PC_incbad", "PCUL_incbad"]  # HR and band rates only when asked for
    rate, _ = bars(ax)
    assert list(rate.lines[0].get_xdata()) == pytest.approx([231.329, 254.712, 272.685])
    assert list(rate.lines[0].get_ydata()) == pytest.approx([2.492634, 2.458382, 2.265870])
    assert rate.lines[0].get_color() == "red"  # PC red, WT blue, as the reference plot


def test_log_axes_leave_out_points_they_cannot_show(example: Any) -> None:
    body = example("lcdata_response_reconstructed.json")
    body["PC_incbadData"]["data"][0][0] = "-5.0"  # a bin before T0
    lc = LightCurveData.model_validate(body)
    _, (linear,) = plot_light_curve(lc, datasets=["PC"])
    assert len(linear.lines[0].get_xdata()) == 3
    _, (logged,) = plot_light_curve(lc, datasets=["PC"], xlog=True, ylog=True)
    assert (logged.get_xscale(), logged.get_yscale()) == ("log", "log")
    assert list(logged.lines[0].get_xdata()) == pytest.approx([254.712, 272.685])


def test_upper_limits_are_downward_arrows(light_curve: LightCurveData) -> None:
    _, (ax,) = plot_light_curve(light_curve, datasets=["PCUL_incbad"], ylog=True)
    (limit,) = bars(ax)
    assert limit.has_yerr
    assert list(limit.lines[0].get_ydata()) == pytest.approx([0.001821])
    caps = [line for line in limit.lines[1] if isinstance(line, Line2D)]
    # matplotlib marks an upper limit with a down-pointing caret at the arrow's lower end
    arrow = next(line for line in caps if line.get_marker() == 11)  # CARETDOWNBASE
    assert list(arrow.get_ydata()) == pytest.approx([0.001821 * (1 - 0.35)])
    assert list(arrow.get_xdata()) == pytest.approx([246742.809])


def test_datasets_by_name_with_or_without_variant_suffixes(light_curve: LightCurveData) -> None:
    _, (ax,) = plot_light_curve(light_curve, datasets=["PC", "PCUL", "PC_incbad"])
    assert labels(ax) == ["PC_incbad", "PCUL_incbad"]  # the reply only carries the incbad variant
    _, (single,) = plot_light_curve(light_curve, datasets="PCUL")
    assert labels(single) == ["PCUL_incbad"]
    with pytest.raises(ConfigurationError, match=r"no dataset 'WT'.*it has: PC_incbad, PCUL_incbad"):
        plot_light_curve(light_curve, datasets=["WT"])
    with pytest.raises(ConfigurationError, match="no dataset 'PC'"):
        plot_light_curve(light_curve, datasets=["PC"], incbad=False)
    with pytest.raises(ConfigurationError, match="nothing to draw"):
        plot_light_curve(light_curve, nosys=True)


def test_variants_chosen_by_nosys_and_incbad(every_kind: LightCurveData) -> None:
    _, (ax,) = plot_light_curve(every_kind)
    assert labels(ax) == ["WT", "WTUL", "PC", "PCUL"]  # the plainest variant of each curve
    _, (ax,) = plot_light_curve(every_kind, incbad=True)
    assert labels(ax) == ["WT_incbad", "WTUL_incbad", "PC_incbad", "PCUL_incbad"]
    _, (ax,) = plot_light_curve(every_kind, datasets=["WT", "WTUL"], nosys=True, incbad=True)
    assert labels(ax) == ["WT_nosys_incbad", "WTUL_nosys_incbad"]
    _, (ax,) = plot_light_curve(every_kind, datasets=["WT_nosys", "PCHard"])
    assert labels(ax) == ["WT_nosys", "PCHard"]
    assert [c.lines[0].get_color() for c in bars(ax)] == ["blue", "red"]


def test_hardness_ratios_get_their_own_panel(light_curve: LightCurveData) -> None:
    figure, axes = plot_light_curve(
        light_curve, datasets=["PC", "PCHard", "PCSoft", "PCHR"], xlog=True, ylog=True
    )
    assert len(axes) == 2
    rates, ratios = axes
    assert rates.figure is ratios.figure is figure
    assert labels(rates) == ["PC_incbad", "PCHard_incbad"]  # PCSoft_incbad is empty: not in the legend
    assert labels(ratios) == ["PCHR_incbad"]
    assert ratios.get_ylabel() == "Hardness ratio"
    assert (ratios.get_xscale(), ratios.get_yscale()) == ("log", "linear")
    assert rates.get_shared_x_axes().joined(rates, ratios)
    assert ratios.get_xlabel().startswith("Time since T0")
    assert rates.get_xlabel() == ""
    (hr,) = bars(ratios)
    assert list(hr.lines[0].get_ydata()) == pytest.approx([1.149509, 0.566709])
    # HRErr is symmetric: the bar spans HR +/- HRErr
    segments = hr.lines[2][-1].get_segments()
    assert [tuple(seg[:, 1]) for seg in segments] == [
        pytest.approx((1.149509 - 0.344784, 1.149509 + 0.344784)),
        pytest.approx((0.566709 - 0.160379, 0.566709 + 0.160379)),
    ]
    band = bars(rates)[1]  # Hard: symmetric RateErr
    assert tuple(band.lines[2][-1].get_segments()[0][:, 1]) == pytest.approx(
        (1.323371 - 0.271083, 1.323371 + 0.271083)
    )
    _, only = plot_light_curve(light_curve, datasets=["PCHR"])
    assert len(only) == 1
    assert only[0].get_ylabel() == "Hardness ratio"


@pytest.mark.parametrize(("suffix", "magic"), [(".png", b"\x89PNG"), (".pdf", b"%PDF"), (".svg", b"<?xml")])
def test_file_saves_in_the_suffix_format_and_still_returns(
    light_curve: LightCurveData, tmp_path: Path, suffix: str, magic: bytes
) -> None:
    target = tmp_path / f"lc{suffix}"
    figure, axes = plot_light_curve(light_curve, file=target)
    assert target.read_bytes().startswith(magic)
    assert axes[0].figure is figure
    plot_light_curve(light_curve, file=str(target), datasets=["PCHR"])  # str paths too, overwriting
    assert target.read_bytes().startswith(magic)


def test_drawing_onto_the_callers_axes(light_curve: LightCurveData, tmp_path: Path) -> None:
    figure, ax = plt.subplots()
    before = set(plt.get_fignums())
    got_figure, got_axes = plot_light_curve(light_curve, ax=ax, datasets=["PC_incbad"], capsize=2)
    assert got_figure is figure
    assert got_axes == (ax,)
    assert set(plt.get_fignums()) == before  # no new figure
    assert len(bars(ax)) == 1
    assert bars(ax)[0].lines[1]  # capsize went through to errorbar: caps drawn

    _, pair = plt.subplots(2, 1)  # a numpy array of axes is accepted as the sequence
    _, axes = plot_light_curve(light_curve, ax=pair, datasets=["PC", "PCHR"], file=tmp_path / "pair.png")
    assert axes == (pair[0], pair[1])
    assert labels(pair[1]) == ["PCHR_incbad"]
    assert (tmp_path / "pair.png").stat().st_size > 0

    with pytest.raises(
        ConfigurationError, match=r"hardness ratios get their own axes.*ax=\(rate_axes, hr_axes\)"
    ):
        plot_light_curve(light_curve, ax=ax, datasets=["PC", "PCHR"])
    with pytest.raises(ConfigurationError, match="ax has 2 axes but the chosen datasets need 1"):
        plot_light_curve(light_curve, ax=tuple(pair))


def test_mjd_times_are_converted_to_seconds_since_t0() -> None:
    t0 = 86400.0 * 10
    lc = LightCurveData.model_validate(
        {
            "Datasets": ["WT"],
            "TimeFormat": "MJD",
            "T0": t0,
            "WTData": {"columns": ["Time", "Rate"], "data": [[MET_EPOCH_MJD + 10.5, 1.0]]},
        }
    )
    assert times_since_t0(lc, lc["WT"]) == pytest.approx([43200.0])
    _, (ax,) = plot_light_curve(lc)
    assert list(ax.lines[0].get_xdata()) == pytest.approx([43200.0])
    without_t0 = LightCurveData.model_validate(
        {
            "Datasets": ["WT"],
            "TimeFormat": "MJD",
            "WTData": {"columns": ["Time", "Rate"], "data": [[58000.5, 1]]},
        }
    )
    _, (ax,) = plot_light_curve(without_t0)
    assert ax.get_xlabel() == "Time (MJD)"
    assert list(ax.lines[0].get_xdata()) == pytest.approx([58000.5])


def test_thumbnail_is_a_small_png_drawn_outside_pyplot(light_curve: LightCurveData) -> None:
    before = set(plt.get_fignums())
    png = light_curve_png(light_curve)
    assert png is not None
    assert png.startswith(b"\x89PNG")
    assert len(png) < 60_000
    assert set(plt.get_fignums()) == before
    empty = LightCurveData.model_validate({"Datasets": []})
    assert light_curve_png(empty) is None


def test_without_matplotlib_the_error_names_the_extra(
    monkeypatch: pytest.MonkeyPatch, light_curve: LightCurveData
) -> None:
    monkeypatch.setitem(sys.modules, "matplotlib", None)
    with pytest.raises(ConfigurationError, match=r"pip install 'xrt_prods_async\[plot\]'"):
        plot_light_curve(light_curve)
    with pytest.raises(ConfigurationError, match="matplotlib"):
        light_curve_png(light_curve)
