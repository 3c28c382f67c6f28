"""Run the reference client, swifttools, against the emulator (over real loopback, in a thread).

swifttools is never edited: the request object's ``_baseURL`` is pointed at the emulator, and the
module-level functions (``listOldJobs``, ``countActiveJobs``) and the main API (rebinning), which post to the
real service's fixed URLs, are redirected by rewriting those prefixes in the modules' ``requests.post``.
"""

from __future__ import annotations

import json
import types
from collections.abc import Callable
from typing import Any

import pytest
from swifttools.ukssdc import main as ukssdc_main
from swifttools.ukssdc.xrt_prods.prod_request import XRTProductRequest

from xrt_prods_async.emulator import DEMO_USER_ID
from xrt_prods_async.wire._endpoints import DEFAULT_MAIN_API_URL

USER = DEMO_USER_ID


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


def curve_and_spectrum_request(make: Callable[..., XRTProductRequest], user: str = USER) -> XRTProductRequest:
    """Only a light curve and a spectrum, as in the swifttools tutorial: quick to finish, enough to rebin."""
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
    return request


def capture_main_api(monkeypatch: pytest.MonkeyPatch, reply: dict[str, Any]) -> list[dict[str, Any]]:
    """Record the JSON body of each main-API post swifttools makes from now on, answering each ``reply``."""
    bodies: list[dict[str, Any]] = []

    def post(url: str, json: dict[str, Any]) -> Any:
        assert url == DEFAULT_MAIN_API_URL
        bodies.append(json)
        return types.SimpleNamespace(status_code=200, reason="OK", text=_dumps(reply))

    monkeypatch.setattr(ukssdc_main, "requests", types.SimpleNamespace(post=post))
    return bodies


def _dumps(value: Any) -> str:
    return json.dumps(value)
