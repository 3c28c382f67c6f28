"""Fixtures of the conformance tests: the reference client, swifttools, aimed at an emulator over loopback."""

from __future__ import annotations

import types
from collections.abc import Callable, Iterator
from typing import Any

import pytest
import requests
from swifttools.ukssdc import main as ukssdc_main
from swifttools.ukssdc.xrt_prods import prod_request
from swifttools.ukssdc.xrt_prods.prod_request import XRTProductRequest

from tests.support.swifttools import USER
from xrt_prods_async.emulator import EmulatorConfig, RunningEmulator, emulator_in_thread
from xrt_prods_async.wire._endpoints import DEFAULT_BASE_URL, DEFAULT_MAIN_API_URL, MAIN_API_PATH


@pytest.fixture(scope="module")
def emulator() -> Iterator[RunningEmulator]:
    """One emulator for the module; its clock stands still unless a test advances it."""
    with emulator_in_thread(EmulatorConfig(time_scale=1e-6, seed=7)) as emu:
        yield emu


@pytest.fixture
def emu(emulator: RunningEmulator, monkeypatch: pytest.MonkeyPatch) -> RunningEmulator:
    """The module's emulator, reset, with swifttools' fixed URLs redirected to it: the xrt_prods service root
    (module-level functions) and the main API (rebinning), which swifttools builds from its own constant."""
    emulator.state.reset()
    main_api_url = f"{emulator.root_url}/{MAIN_API_PATH}"

    def post(url: str, *args: Any, **kwargs: Any) -> requests.Response:
        url = url.replace(DEFAULT_MAIN_API_URL, main_api_url).replace(DEFAULT_BASE_URL, emulator.base_url)
        return requests.post(url, *args, **kwargs)

    proxy = types.SimpleNamespace(post=post, get=requests.get)
    monkeypatch.setattr(prod_request, "requests", proxy)
    monkeypatch.setattr(ukssdc_main, "requests", proxy)
    assert ukssdc_main.APIURL == DEFAULT_MAIN_API_URL  # the constant the redirect rewrites
    return emulator


@pytest.fixture
def new_request(emu: RunningEmulator) -> Callable[..., XRTProductRequest]:
    """``new_request(user=USER)``: an empty swifttools request aimed at the emulator."""

    def make(user: str = USER) -> XRTProductRequest:
        request = XRTProductRequest(user, silent=True)
        request._baseURL = emu.base_url
        return request

    return make
