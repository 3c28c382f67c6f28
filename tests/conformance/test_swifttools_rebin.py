"""swifttools' own rebinning calls (the UKSSDC main API) and its ``saveSpectralData``, run on the emulator."""

from __future__ import annotations

import tarfile
from collections.abc import Callable
from pathlib import Path

import pytest
from swifttools.ukssdc.data import download as ukssdc_download
from swifttools.ukssdc.xrt_prods.prod_request import XRTProductRequest

from tests.support.swifttools import curve_and_spectrum_request
from xrt_prods_async.emulator import RunningEmulator

pytestmark = [
    pytest.mark.conformance,
    pytest.mark.filterwarnings("ignore:distutils Version classes are deprecated:DeprecationWarning"),
    pytest.mark.filterwarnings("ignore:DEPRECATION WARNING:UserWarning"),
]


@pytest.fixture
def finished(new_request: Callable[..., XRTProductRequest], emu: RunningEmulator) -> XRTProductRequest:
    request = curve_and_spectrum_request(new_request)
    assert request.submit(), request.submitError
    polls = 0
    while not request.complete:
        emu.state.clock.advance(60)
        polls += 1
        assert polls < 100
    return request


def test_rebin_then_fetch_the_rebinned_curve(
    finished: XRTProductRequest, emu: RunningEmulator, tmp_path: Path
) -> None:
    finished.deprecate = False  # keep the dataset names as sent
    original = finished.retrieveLightCurve(incbad="yes", returnData=True)
    finished.rebinLightCurve(binMeth="time", pcBinTime=2000, wtBinTime=2000, timeFormat="MJD")
    assert isinstance(finished.RebinID, int)
    assert finished.checkRebinStatus() == {"statusCode": 1, "statusText": "Requested, not yet queued"}
    assert not finished.rebinComplete()
    with pytest.raises(RuntimeError, match="not complete"):
        finished.getRebinnedLightCurve(returnData=True, saveData=False)

    emu.state.clock.advance(3600)
    assert finished.rebinComplete()
    assert finished.checkRebinStatus() == {"statusCode": 4, "statusText": "Complete"}
    curve = finished.getRebinnedLightCurve(returnData=True, destDir=str(tmp_path / "lc"))
    assert (curve["Binning"], curve["TimeFormat"]) == ("Time", "MJD")
    assert "PC_incbad" in curve["Datasets"]
    assert 0 < len(curve["PC_incbad"]) < len(original["PC_incbad"])
    assert (curve["PC_incbad"]["Time"] > 50000).all()
    saved = sorted(path.name for path in (tmp_path / "lc").iterdir())
    assert saved == sorted({Path(url).name for url in curve["URLs"].values()})
    assert all((tmp_path / "lc" / name).read_text().startswith("READ ") for name in saved)


def test_cancel_a_rebin(finished: XRTProductRequest, emu: RunningEmulator) -> None:
    finished.rebinLightCurve(binMeth="snapshot")
    with pytest.raises(AttributeError):
        finished.cancelRebin()  # a swifttools defect: the method names a mangled function; call that directly
    assert ukssdc_download._cancelRebin(finished.RebinID) is True
    assert finished.checkRebinStatus() == {"statusCode": -4, "statusText": "Cancelled at your request"}
    assert ukssdc_download._cancelRebin(finished.RebinID) is False
    emu.state.clock.advance(3600)
    assert not finished.rebinComplete()
    with pytest.raises(RuntimeError, match="not complete"):
        finished.getRebinnedLightCurve(returnData=True, saveData=False)


def test_errors_reach_swifttools_as_its_runtime_errors(
    finished: XRTProductRequest, new_request: Callable[..., XRTProductRequest]
) -> None:
    with pytest.raises(RuntimeError, match=r"Code 6\. Message: `There were problems.*pcCounts is 0"):
        finished.rebinLightCurve(binMeth="counts", pcCounts=0, wtCounts=10, dynamic=True)
    with pytest.raises(RuntimeError, match=r"Code 3\. .*pcbin"):
        finished.rebinLightCurve(binMeth="time", pcbin=100)  # a wire name: the service takes Python names
    with pytest.raises(RuntimeError, match=r"Code 4\. .*rebin job 99"):
        ukssdc_download._checkRebinStatus(99)
    running = curve_and_spectrum_request(new_request)
    assert running.submit(), running.submitError
    with pytest.raises(RuntimeError, match=r"Code 5\. .*not complete yet"):
        ukssdc_download._rebinLightCurve("UOB_LC", running.JobID, binMeth="obsid")


def test_save_spectral_data(finished: XRTProductRequest, tmp_path: Path) -> None:
    finished.deprecate = False  # saveSpectralData refuses the old (deprecated) layout
    fits = finished.retrieveSpectralFits(returnData=True)
    finished.saveSpectralData(destDir=str(tmp_path / "spec"))
    saved = {path.name: path for path in (tmp_path / "spec").iterdir()}
    images = {
        Path(fits[rname][mode][model]["Image"]).name
        for rname in fits["rnames"]
        for mode in fits[rname]["Modes"]
        for model in fits[rname][mode]["Models"]
    }
    assert images
    assert set(saved) == {f"{rname}.tar.gz" for rname in fits["rnames"]} | images
    for name in images:
        assert saved[name].read_bytes()[:6] == b"GIF89a"
    with tarfile.open(saved["interval0.tar.gz"]) as archive:
        names = archive.getnames()
    assert any(name.endswith("source.pi") for name in names)
    assert any(name.endswith(".rmf") for name in names)
