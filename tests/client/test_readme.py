"""The README's first-job example runs unchanged against the emulator (so the README cannot rot)."""

from __future__ import annotations

import re
from pathlib import Path

import pytest

from xrt_prods_async.client import ENV_BASE_URL, ENV_USER_ID
from xrt_prods_async.emulator import DEMO_USER_ID, EmulatorConfig, emulator_in_thread

README = Path(__file__).resolve().parents[2] / "README.md"
MARKER = "<!-- readme-example:"


def readme_example() -> str:
    """The python block right after the readme-example marker."""
    text = README.read_text(encoding="utf-8")
    after = text[text.index(MARKER) :]
    match = re.search(r"```python\n(.*?)```", after, re.S)
    assert match is not None, "README: no python block after the readme-example marker"
    return match.group(1)


def test_readme_example_runs_against_the_emulator(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    code = readme_example()
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
        exec(compile(code, str(README), "exec"), {"__name__": "__readme__"})
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
