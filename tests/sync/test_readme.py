"""The README's blocking-client example runs unchanged against the emulator."""

from __future__ import annotations

import pytest

from tests.support.readme import readme_examples, run_example
from xrt_prods_async.client import ENV_BASE_URL, ENV_USER_ID
from xrt_prods_async.emulator import DEMO_USER_ID, RunningEmulator


def test_readme_blocking_example_runs_against_the_emulator(
    emu: RunningEmulator, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    code = readme_examples()["blocking"]
    assert "async with" not in code
    assert "await" not in code
    emu.state.clock.set_time_scale(1e6)  # jobs finish on their own, between two calls
    monkeypatch.setenv(ENV_USER_ID, DEMO_USER_ID)
    monkeypatch.setenv(ENV_BASE_URL, emu.base_url)
    run_example("blocking")
    assert capsys.readouterr().out.startswith("standard position: RA ")
