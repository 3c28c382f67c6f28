"""swifttools retrieves everything a finished job made: archives in every format, positions, data."""

from __future__ import annotations

import tarfile
import zipfile
from collections.abc import Callable
from pathlib import Path

import pytest
from swifttools.ukssdc.xrt_prods.prod_request import XRTProductRequest

from tests.support.swifttools import full_request
from xrt_prods_async.emulator import RunningEmulator

pytestmark = [
    pytest.mark.conformance,
    pytest.mark.filterwarnings("ignore:distutils Version classes are deprecated:DeprecationWarning"),
    pytest.mark.filterwarnings("ignore:DEPRECATION WARNING:UserWarning"),
]

LONG_NAMES = ["LightCurve", "Spectrum", "StandardPos", "EnhancedPos", "AstromPos", "Image", "SourceDet"]


@pytest.fixture
def finished(new_request: Callable[..., XRTProductRequest], emu: RunningEmulator) -> XRTProductRequest:
    request = full_request(new_request)
    assert request.submit(), request.submitError
    polls = 0
    while not request.complete:
        emu.state.clock.advance(60)
        polls += 1
        assert polls < 100
    return request


@pytest.mark.parametrize("fmt", ["tar.gz", "tar", "zip"])
def test_download_every_product(finished: XRTProductRequest, tmp_path: Path, fmt: str) -> None:
    saved = finished.downloadProducts(str(tmp_path / "out"), format=fmt)
    assert list(saved) == LONG_NAMES
    for long_name, path in saved.items():
        assert path is not None, long_name
        file = Path(path)
        assert file.is_file()
        if fmt == "zip":
            with zipfile.ZipFile(file) as archive:
                assert archive.testzip() is None
                assert archive.namelist()
        else:
            with tarfile.open(file) as archive:
                assert archive.getnames()


def test_positions(finished: XRTProductRequest) -> None:
    for position in (
        finished.retrieveStandardPos(returnData=True),
        finished.retrieveEnhancedPos(returnData=True),
        finished.retrieveAstromPos(returnData=True),
    ):
        assert isinstance(position["GotPos"], bool)
        if position["GotPos"]:
            assert abs(float(position["RA"]) - 335.6985) < 0.01
            assert abs(float(position["Dec"]) + 7.5179) < 0.01
            assert float(position["Err90"]) > 0
        else:
            assert position["Reason"]


def test_light_curve(finished: XRTProductRequest) -> None:
    curve = finished.retrieveLightCurve(returnData=True)
    assert "ERROR" not in curve
    assert curve["Datasets"]
    assert curve["Binning"] == "Counts"
    first = curve["Datasets"][0]
    assert len(curve[first]) > 0
    assert curve["URLs"]


def test_light_curve_both_variants(finished: XRTProductRequest) -> None:
    curve = finished.retrieveLightCurve(nosys="both", incbad="both", returnData=True)
    assert any(name.endswith("_nosys_incbad") for name in curve["Datasets"])


def test_spectral_fits(finished: XRTProductRequest) -> None:
    fits = finished.retrieveSpectralFits(returnData=True)
    assert fits["rnames"] == ["interval0"]
    interval = fits["interval0"]
    assert interval["DataFile"].endswith("/spec/interval0.tar.gz")
    assert "WT" in interval["Modes"] or "PC" in interval["Modes"]


def test_source_list(finished: XRTProductRequest) -> None:
    sources = finished.retrieveSourceList(returnData=True)
    assert {"Total", "Soft", "Medium", "Hard"} <= set(sources)
    assert len(sources["Total"]) > 0
