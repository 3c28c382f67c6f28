"""Positions, source lists, light curves and spectral fits over respx, and their conversions."""

from __future__ import annotations

import json
import math
import sys
from typing import Any

import pytest
import respx

from tests.support.client import LOOP, make_job, ok, product_status
from xrt_prods_async._errors import ProductNotReadyError, ProtocolError
from xrt_prods_async._products import Product
from xrt_prods_async.client import LightCurveData, Position, SourceList, SpectralFits, XRTClient

STATUS = f"{LOOP}/checkProductStatus.php"
LC, SPEC, PSF = Product.LIGHT_CURVE, Product.SPECTRUM, Product.STANDARD_POS


def complete(*products: Product) -> dict[str, Any]:
    return ok(JobID=14, **{p.short: product_status(4, "Complete") for p in products})


@respx.mock
async def test_positions(client: XRTClient, example: Any) -> None:
    status = respx.post(STATUS).respond(200, json=complete(PSF, Product.ENHANCED_POS, Product.ASTROM_POS))
    respx.post(f"{LOOP}/tprods/getPSFPos.php").respond(
        200, json={**example("position_psf_gotpos_wire.json"), "FromSXPS": 1, "WhichSXPS": "2SXPS"}
    )
    respx.post(f"{LOOP}/tprods/getEnhPos.php").respond(200, json=example("position_enh_gotpos_wire.json"))
    astrom = respx.post(f"{LOOP}/tprods/getAstromPos.php").respond(
        200, json=example("position_nopos_wire.json")
    )
    job = make_job(client, PSF, Product.ENHANCED_POS, Product.ASTROM_POS)
    await job.status()
    psf = await job.standard_position()
    assert psf == Position(
        product=PSF, found=True, ra=335.6985, dec=-7.51788, err90=3.5, from_sxps=True, which_sxps="2SXPS"
    )
    assert "RA 335.69850" in str(psf)
    enh = await job.enhanced_position()
    assert enh.found
    assert enh.from_sxps is False
    xastrom = await job.astrometric_position()
    assert not xastrom.found
    assert xastrom.reason == "No position could be determined."
    assert "no position" in str(xastrom)
    assert status.call_count == 1  # the cached complete status spares further status calls
    assert json.loads(astrom.calls.last.request.content)["JobID"] == 14


@respx.mock
async def test_results_of_unfinished_or_missing_products(client: XRTClient) -> None:
    respx.post(STATUS).respond(200, json=ok(JobID=14, lc=product_status(3, "Running")))
    job = make_job(client, LC)
    with pytest.raises(ProductNotReadyError, match=r"light curve of job 14 is not complete yet \(Running"):
        await job.light_curve()
    with pytest.raises(ProductNotReadyError, match="Job 14 has no spectrum"):
        await job.spectral_fits()
    respx.post(STATUS).respond(200, json=ok(JobID=14, lc=product_status(-3, "Failed")))
    with pytest.raises(ProductNotReadyError, match="will never be ready"):
        await job.light_curve()
    respx.post(STATUS).respond(200, json=ok(JobID=9, sourceDet=product_status(None, "Unknown status")))
    with pytest.raises(ProductNotReadyError, match="knows no such product"):
        await client.source_list(9)


@respx.mock
async def test_source_list(client: XRTClient, example: Any) -> None:
    respx.post(STATUS).respond(200, json=complete(Product.SOURCE_DET))
    respx.post(f"{LOOP}/tprods/getSourceDetResults.php").respond(
        200, json=ok(**example("sourcelist_ok_truncated.json"))
    )
    sources = await make_job(client, Product.SOURCE_DET).source_list()
    assert isinstance(sources, SourceList)
    assert len(sources) == 2
    assert sources.total[1].sno == 2
    assert sources["Total"][0]["C"] == 1236
    frame = sources.to_pandas()
    assert list(frame["sno"]) == [1, 2]
    assert frame["err90"].dtype.kind == "f"
    table = sources.to_astropy()
    assert len(table) == 2


@respx.mock
async def test_light_curve_options_and_tables(client: XRTClient, example: Any) -> None:
    respx.post(STATUS).respond(200, json=complete(LC))
    route = respx.post(f"{LOOP}/tprods/getLCData.php").respond(
        200, json=example("lcdata_response_reconstructed.json")
    )
    job = make_job(client, LC)
    lc = await job.light_curve(nosys="both", incbad=True)
    body = json.loads(route.calls.last.request.content)
    assert (body["nosys"], body["incbad"]) == ("both", "yes")
    assert isinstance(lc, LightCurveData)
    assert lc.t0 == 672786064
    pc = lc["PC_incbad"]
    assert (pc.name, pc.mode, pc.kind, pc.incbad, pc.nosys) == ("PC_incbad", "PC", "", True, False)
    ul = lc["PCUL_incbad"]
    assert ul.is_upper_limit
    assert ul.column("UpperLimit") == ul.column("Rate") == [0.001821]
    assert lc["PCHR_incbad"].kind == "HR"
    assert lc.urls["PCHR_incbad"].endswith("PCHR.qdp")
    frames = lc.to_pandas()
    assert list(frames) == list(lc.datasets)
    assert frames["PC_incbad"]["Rate"].tolist() == pytest.approx([2.492634, 2.458382, 2.265870])
    assert math.isinf(frames["PCUL_incbad"]["SNR"][0])
    tables = lc.to_astropy()
    assert tables["PC_incbad"].meta["name"] == "PC_incbad"
    assert len(tables["PCSoft_incbad"]) == 0
    with pytest.raises(KeyError, match="no column 'Flux'"):
        pc.column("Flux")
    with pytest.raises(ValueError, match="nosys must be True, False or 'both'"):
        await job.light_curve(nosys="maybe")  # type: ignore[arg-type]


@respx.mock
async def test_spectral_fits(client: XRTClient, example: Any) -> None:
    respx.post(STATUS).respond(200, json=complete(SPEC))
    respx.post(f"{LOOP}/tprods/getSpecData.php").respond(
        200, json=ok(**example("specdata_grb130925A_current_format.json"))
    )
    fits = await make_job(client, SPEC).spectral_fits()
    assert isinstance(fits, SpectralFits)
    assert fits.intervals["late_time"].modes["PC"].models["PowerLaw"].values["Gamma"] == pytest.approx(
        2.68868
    )
    rows = fits.rows()
    assert [(r["interval"], r["mode"], r["model"]) for r in rows] == [
        ("interval0", "WT", "PowerLaw"),
        ("interval0", "PC", "PowerLaw"),
        ("late_time", "PC", "PowerLaw"),
    ]
    frame = fits.to_pandas()
    assert frame["Gamma"].tolist() == pytest.approx([1.74059, 2.59379, 2.68868])


@respx.mock
async def test_old_spectrum_layout_is_reported(client: XRTClient, example: Any) -> None:
    respx.post(STATUS).respond(200, json=complete(SPEC))
    respx.post(f"{LOOP}/tprods/getSpecData.php").respond(
        200, json=ok(**example("specdata_old_format_v1.9.json"))
    )
    with pytest.raises(ProtocolError, match="rnames"):
        await client.spectral_fits(14)


def test_missing_extras_name_the_extra(monkeypatch: pytest.MonkeyPatch, example: Any) -> None:
    lc = LightCurveData.model_validate(example("lcdata_response_reconstructed.json"))
    monkeypatch.setitem(sys.modules, "pandas", None)
    monkeypatch.setitem(sys.modules, "astropy.table", None)
    with pytest.raises(ImportError, match=r"pip install 'xrt_prods_async\[pandas\]'"):
        lc.to_pandas()
    with pytest.raises(ImportError, match=r"pip install 'xrt_prods_async\[astropy\]'"):
        lc["PC_incbad"].to_astropy()
