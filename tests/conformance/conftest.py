"""Fixtures of the conformance tests: the reference client, swifttools, aimed at an emulator over loopback."""

from __future__ import annotations

import types
from collections.abc import Callable, Iterator
from typing import Any

import pytest
import requests
from swifttools.ukssdc.xrt_prods import prod_request
from swifttools.ukssdc.xrt_prods.prod_request import XRTProductRequest

from tests.support.swifttools import USER
from xrt_prods_async.emulator import EmulatorConfig, RunningEmulator, emulator_in_thread
from xrt_prods_async.wire._endpoints import DEFAULT_BASE_URL


@pytest.fixture(scope="module")
def emulator() -> Iterator[RunningEmulator]:
    """One emulator for the module; its clock stands still unless a test advances it."""
    with emulator_in_thread(EmulatorConfig(time_scale=1e-6, seed=7)) as emu:
        yield emu


@pytest.fixture
def emu(emulator: RunningEmulator, monkeypatch: pytest.MonkeyPatch) -> RunningEmulator:
    """The module's emulator, reset, with swifttools' fixed URLs redirected to it."""
    emulator.state.reset()

    def post(url: str, *args: Any, **kwargs: Any) -> requests.Response:
        return requests.post(url.replace(DEFAULT_BASE_URL, emulator.base_url), *args, **kwargs)

    proxy = types.SimpleNamespace(post=post, get=requests.get)
    monkeypatch.setattr(prod_request, "requests", proxy)
    return emulator


@pytest.fixture
def new_request(emu: RunningEmulator) -> Callable[..., XRTProductRequest]:
    """``new_request(user=USER)``: an empty swifttools request aimed at the emulator."""

    def make(user: str = USER) -> XRTProductRequest:
        request = XRTProductRequest(user, silent=True)
        request._baseURL = emu.base_url
        return request

    return make
