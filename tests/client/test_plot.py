"""plot_light_curve: log axes, error bars, upper limits as downward arrows, time since T0."""

from __future__ import annotations

import sys
from typing import Any

import matplotlib
import pytest

matplotlib.use("Agg")

import matplotlib.pyplot as plt
from matplotlib.lines import Line2D

from xrt_prods_async.client import LightCurveData, plot_light_curve
from xrt_prods_async.client._plot import MET_EPOCH_MJD, times_since_t0


def test_plot_light_curve(example: Any) -> None:
    lc = LightCurveData.model_validate(example("lcdata_response_reconstructed.json"))
    ax = plot_light_curve(lc)
    try:
        assert ax.get_xscale() == "log"
        assert ax.get_yscale() == "log"
        assert "Time since T0" in ax.get_xlabel()
        labels = [t.get_text() for t in ax.get_legend().get_texts()]
        assert labels == ["PC_incbad", "PCUL_incbad"]  # rates and limits; HR and band rates left out
        containers = ax.containers
        assert len(containers) == 2
        rate, limit = containers
        assert list(rate.lines[0].get_xdata()) == pytest.approx([231.329, 254.712, 272.685])
        caps = [line for line in limit.lines[1] if isinstance(line, Line2D)]
        # matplotlib marks an upper limit with a down-pointing caret at the arrow's lower end
        assert any(line.get_marker() == 11 for line in caps)  # CARETDOWNBASE
    finally:
        plt.close(ax.figure)


def test_plot_onto_given_axes_and_chosen_datasets(example: Any) -> None:
    lc = LightCurveData.model_validate(example("lcdata_response_reconstructed.json"))
    fig, ax = plt.subplots()
    try:
        assert plot_light_curve(lc, ax, datasets=["PC_incbad"]) is ax
        assert len(ax.containers) == 1
    finally:
        plt.close(fig)


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


def test_plot_without_matplotlib_names_the_extra(monkeypatch: pytest.MonkeyPatch, example: Any) -> None:
    lc = LightCurveData.model_validate(example("lcdata_response_reconstructed.json"))
    monkeypatch.setitem(sys.modules, "matplotlib.pyplot", None)
    with pytest.raises(ImportError, match=r"xrt_prods_async\[plot\]"):
        plot_light_curve(lc)
