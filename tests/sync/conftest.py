"""Fixtures of the blocking-client tests: an emulator in a thread of its own (the blocking client blocks the
calling thread, so the service cannot run on that thread's loop) and a blocking client of it."""

from __future__ import annotations

from collections.abc import Iterator

import pytest

from xrt_prods_async.emulator import DEMO_USER_ID, EmulatorConfig, RunningEmulator, emulator_in_thread
from xrt_prods_async.http import RetryPolicy
from xrt_prods_async.sync import XRTClient


@pytest.fixture(scope="module")
def emulator() -> Iterator[RunningEmulator]:
    """One emulator for the module; its clock stands still unless a test advances it."""
    with emulator_in_thread(EmulatorConfig(time_scale=1e-6, seed=5)) as emu:
        yield emu


@pytest.fixture
def emu(emulator: RunningEmulator) -> RunningEmulator:
    """The module's emulator, reset."""
    emulator.state.reset()
    return emulator


@pytest.fixture
def client(emu: RunningEmulator, no_backoff: None) -> Iterator[XRTClient]:
    """A blocking client of the emulator: fast polling, three attempts per call."""
    with XRTClient(
        DEMO_USER_ID, base_url=emu.base_url, poll_interval=0.01, retry=RetryPolicy(attempts=3)
    ) as c:
        yield c
