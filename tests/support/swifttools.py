"""Run the reference client, swifttools, against the emulator (over real loopback, in a thread).

swifttools is never edited: the request object's ``_baseURL`` is pointed at the emulator, and the
module-level functions (``listOldJobs``, ``countActiveJobs``) and the main API (rebinning), which post to the
real service's fixed URLs, are redirected by rewriting those prefixes in the modules' ``requests.post``.
"""

from __future__ import annotations

from collections.abc import Callable

from swifttools.ukssdc.xrt_prods.prod_request import XRTProductRequest

from xrt_prods_async.emulator import DEMO_USER_ID

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
