"""Run the reference client, swifttools, against the emulator (over real loopback, in a thread).

swifttools is never edited: the request object's ``_baseURL`` is pointed at the emulator, and the
module-level functions (``listOldJobs``, ``countActiveJobs``), which post to the real service's fixed URL,
are redirected by rewriting that prefix in the module's ``requests.post``.
"""

from __future__ import annotations

import types
from collections.abc import Callable, Iterator
from typing import Any

import pytest
import requests
from swifttools.ukssdc.xrt_prods import prod_request
from swifttools.ukssdc.xrt_prods.prod_request import XRTProductRequest

from xrt_prods_async.emulator import DEMO_USER_ID, EmulatorConfig, RunningEmulator, emulator_in_thread
from xrt_prods_async.wire._endpoints import DEFAULT_BASE_URL

USER = DEMO_USER_ID


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


def full_request(make: Callable[..., XRTProductRequest], user: str = USER) -> XRTProductRequest:
    """Every product, as the swifttools tutorial builds it."""
    request = make(user)
    request.setGlobalPars(
        name="GRB 200416A",
        targ="00966554",
        T0=608713541.952,
        RA=335.6985,
        Dec=-7.5179,
        centroid=True,
        centMeth="simple",
        useSXPS=False,
        posErr=1,
    )
    request.addLightCurve(binMeth="counts", pcCounts=20, wtCounts=30, dynamic=True)
    request.addSpectrum(hasRedshift=False)
    request.addStandardPos()
    request.addEnhancedPos()
    request.addAstromPos(useAllObs=True)
    request.addImage(energies="0.3-10,0.3-1.5,1.51-10")
    request.addSourceDet(whichData="all", whichBands="all")
    return request
