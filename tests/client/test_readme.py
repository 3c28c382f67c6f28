"""The README's async examples run unchanged against the emulator (so the README cannot rot)."""

from __future__ import annotations

import re
from pathlib import Path

import pytest

from tests.support.readme import readme_examples, run_example
from xrt_prods_async.client import ENV_BASE_URL, ENV_MAIN_API_URL, ENV_USER_ID
from xrt_prods_async.emulator import DEMO_USER_ID, EmulatorConfig, emulator_in_thread


def test_every_example_is_run_by_a_test() -> None:
    assert set(readme_examples()) == {"first-job", "rebinning", "blocking"}


def test_readme_example_runs_against_the_emulator(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    code = readme_examples()["first-job"]
    assert "XRTClient()" in code  # configured from the environment only
    assert "fig, axes = plot_light_curve(lc" in code  # plot_light_curve returns (figure, axes)
    with emulator_in_thread(EmulatorConfig(time_scale=1_000_000, seed=1)) as emu:
        monkeypatch.setenv(ENV_USER_ID, DEMO_USER_ID)
        monkeypatch.setenv(ENV_BASE_URL, emu.base_url)
        monkeypatch.chdir(tmp_path)
        import matplotlib

        matplotlib.use("Agg")
        import matplotlib.pyplot as plt

        before = set(plt.get_fignums())
        run_example("first-job")
        (made,) = set(plt.get_fignums()) - before
        figure = plt.figure(made)
        assert figure.axes[0].get_title() == "GRB 200416A"  # set through axes[0], the count-rate panel
        assert figure.axes[0].get_xscale() == "log"
        plt.close(figure)
    out = capsys.readouterr().out
    assert "light curve: Complete" in out
    assert "standard position: RA " in out
    assert (tmp_path / "grb200416a" / "lc.tar.gz").is_file()
    assert (tmp_path / "grb200416a" / "psf.tar.gz").is_file()
    assert (tmp_path / "grb200416a" / "light_curve.png").stat().st_size > 0


def test_readme_rebinning_example_runs_against_the_emulator(
    monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    with emulator_in_thread(EmulatorConfig(time_scale=1_000_000, seed=2)) as emu:
        monkeypatch.setenv(ENV_USER_ID, DEMO_USER_ID)
        monkeypatch.setenv(ENV_BASE_URL, emu.base_url)
        monkeypatch.delenv(ENV_MAIN_API_URL, raising=False)  # the main API beside the base URL
        run_example("rebinning")
        assert emu.state.metrics_snapshot()["requests"]["API/main.php:downloadLightCurve"] == 1
    assert re.fullmatch(r"rebin \d+: Snapshot bins, times in MJD\n", capsys.readouterr().out)
