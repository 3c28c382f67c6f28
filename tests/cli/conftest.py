"""Fixtures of the command-line tests: the command line run in this process, an emulator on loopback, and the
user and service address in the environment as a user's shell would have them."""

from __future__ import annotations

import json
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import pytest

from tests.support.emulator import OTHER, USER
from xrt_prods_async.cli import main
from xrt_prods_async.client import ENV_BASE_URL, ENV_USER_ID
from xrt_prods_async.emulator import EmulatorConfig, RunningEmulator, emulator_in_thread

#: Simulated seconds per real second: a product's build of a few simulated minutes passes in ~10 ms.
TIME_SCALE = 20000.0
#: The real service's polite poll interval (60 s), on the emulator's scaled clock.
POLL = str(60.0 / TIME_SCALE)


@dataclass(frozen=True)
class Ran:
    """What one command did: its exit status and what it printed on stdout and stderr."""

    status: int
    out: str
    err: str

    @property
    def text(self) -> str:
        return self.out + self.err

    def json(self) -> Any:
        return json.loads(self.out)


Run = Callable[..., Ran]


@pytest.fixture(autouse=True)
def clean_environment(monkeypatch: pytest.MonkeyPatch) -> None:
    """No user or service address leaks in from the shell running the tests."""
    monkeypatch.delenv(ENV_USER_ID, raising=False)
    monkeypatch.delenv(ENV_BASE_URL, raising=False)


@pytest.fixture
def run(capsys: pytest.CaptureFixture[str]) -> Run:
    """Run the command line in this process: ``run("status", "1001")`` -> :class:`Ran`."""

    def call(*args: str | Path) -> Ran:
        capsys.readouterr()
        status = main([str(a) for a in args])
        captured = capsys.readouterr()
        return Ran(status, captured.out, captured.err)

    return call


@pytest.fixture
def cli(run: Run) -> Callable[..., tuple[int, str]]:
    """``status, printed = cli("campaign", "run", ...)``: the command's exit status and stdout + stderr."""

    def call(*args: str | Path) -> tuple[int, str]:
        ran = run(*args)
        return ran.status, ran.text

    return call


def start_emulator(**config: Any) -> Any:
    config.setdefault("time_scale", TIME_SCALE)
    config.setdefault("workers", 8)
    config.setdefault("users", [USER, OTHER])
    return emulator_in_thread(EmulatorConfig(**config))


@pytest.fixture
def emu() -> Iterator[RunningEmulator]:
    """The emulator on loopback, fast, with two registered users (:data:`USER`, :data:`OTHER`)."""
    with start_emulator() as running:
        yield running


@pytest.fixture
def service(emu: RunningEmulator, monkeypatch: pytest.MonkeyPatch) -> RunningEmulator:
    """The emulator, with ``XRT_PRODS_USER_ID`` and ``XRT_PRODS_BASE_URL`` set to reach it as :data:`USER`."""
    monkeypatch.setenv(ENV_USER_ID, USER)
    monkeypatch.setenv(ENV_BASE_URL, emu.base_url)
    return emu
