"""Positions, source lists, light curves and spectral fits over respx, and their conversions."""

from __future__ import annotations

import copy
import json
import math
import sys
from typing import Any

import pytest
import respx

from tests.support.client import LOOP, make_job, ok, product_status
from xrt_prods_async._errors import ConfigurationError, ProductNotReadyError, ProtocolError
from xrt_prods_async._products import Product
from xrt_prods_async.client import LightCurveData, OldJob, Position, SourceList, SpectralFits, XRTClient

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
    fits = SpectralFits.model_validate(example("specdata_grb130925A_current_format.json"))
    psf = Position(product=PSF, found=True, ra=1.0, dec=2.0, err90=3.0)
    monkeypatch.setitem(sys.modules, "pandas", None)
    monkeypatch.setitem(sys.modules, "astropy.table", None)
    monkeypatch.setitem(sys.modules, "astropy.coordinates", None)
    with pytest.raises(ConfigurationError, match=r"pip install 'xrt_prods_async\[pandas\]'"):
        lc.to_pandas()
    with pytest.raises(ConfigurationError, match=r"pip install 'xrt_prods_async\[astropy\]'"):
        lc["PC_incbad"].to_astropy()
    with pytest.raises(ConfigurationError, match=r"SpectralFits.to_astropy\(\) needs astropy"):
        fits.to_astropy()
    with pytest.raises(ConfigurationError, match=r"Position.to_skycoord\(\) needs astropy"):
        psf.to_skycoord()


def test_upper_limit_column_is_named_as_the_reference_names_it(light_curve: LightCurveData) -> None:
    ul = light_curve["PCUL_incbad"]
    assert ul.columns[3] == "UpperLimit"
    assert ul.value_column == "UpperLimit"
    assert ul.column("UpperLimit") == ul.column("Rate") == [0.001821]
    assert list(ul.to_pandas().columns)[:4] == ["Time", "TimePos", "TimeNeg", "UpperLimit"]
    assert ul.to_astropy()["UpperLimit"][0] == pytest.approx(0.001821)
    assert light_curve["PC_incbad"].columns[3] == "Rate"  # only upper limits are relabelled
    sent_as_upper_limit = LightCurveData.model_validate(
        {"Datasets": ["WTUL"], "WTULData": {"columns": ["Time", "UpperLimit"], "data": [[1, 0.5]]}}
    )
    assert sent_as_upper_limit["WTUL"].columns == ("Time", "UpperLimit")


def test_every_dataset_kind_has_the_reference_clients_columns(every_kind_body: dict[str, Any]) -> None:
    """Our data frames carry the labels swifttools' light-curve tables carry, for every kind and variant."""
    from swifttools.ukssdc.data.download import _handleLightCurve

    reference = _handleLightCurve(copy.deepcopy(every_kind_body), oldCols=False)
    frames = LightCurveData.model_validate(every_kind_body).to_pandas()
    assert list(frames) == every_kind_body["Datasets"]
    for name, frame in frames.items():
        assert list(frame.columns) == list(reference[name].columns), name
        if len(frame):
            assert frame.to_numpy(dtype=float) == pytest.approx(reference[name].to_numpy(dtype=float)), name


def test_source_list_columns_are_the_services(example: Any) -> None:
    body = example("sourcelist_ok_truncated.json")
    frame = SourceList.model_validate(body).to_pandas()
    assert list(frame.columns) == list(body["Total"][0])  # the reference builds its frame from these keys


def test_choosing_datasets_with_or_without_variants(
    every_kind: LightCurveData, light_curve: LightCurveData
) -> None:
    assert light_curve.dataset("PC").name == "PC_incbad"
    assert light_curve.dataset("PCHR").name == "PCHR_incbad"
    assert every_kind.dataset("WT").name == "WT"
    assert every_kind.dataset("WT", nosys=True).name == "WT_nosys"
    assert every_kind.dataset("WT", incbad=True).name == "WT_incbad"
    assert every_kind.dataset("WT_nosys", incbad=True).name == "WT_nosys_incbad"
    assert every_kind.dataset("WTUL_incbad").name == "WTUL_incbad"
    with pytest.raises(KeyError, match=r"no dataset 'PC_nosys_incbad'.*it has: PC_incbad"):
        light_curve.dataset("PC_nosys_incbad")
    with pytest.raises(KeyError, match="no dataset 'XX'"):
        light_curve.dataset("XX")
    assert [d.name for d in every_kind.select()] == ["WT", "WTUL", "PC", "PCUL"]
    assert [d.name for d in every_kind.select(nosys=True, incbad=False)] == [
        "WT_nosys",
        "WTUL_nosys",
        "PC_nosys",
        "PCUL_nosys",
    ]
    assert [d.name for d in light_curve.select(["PC", "PC_incbad", "PCHR"])] == ["PC_incbad", "PCHR_incbad"]
    kinds = {
        d.kind: (d.is_upper_limit, d.is_hardness_ratio, d.value_column)
        for d in every_kind.select(["PC", "PCUL", "PCHard", "PCSoft", "PCHR"])
    }
    assert kinds == {
        "": (False, False, "Rate"),
        "UL": (True, False, "UpperLimit"),
        "Hard": (False, False, "Rate"),
        "Soft": (False, False, "Rate"),
        "HR": (False, True, "HR"),
    }


def test_spectral_fits_to_astropy(example: Any) -> None:
    import astropy.units as u

    body = example("specdata_grb130925A_current_format.json")
    del body["late_time"]["PC"]["PowerLaw"]["Redshift_abs"]
    body["GalNH_unfitted"] = 5e20
    table = SpectralFits.model_validate(body).to_astropy()
    assert len(table) == 3
    assert list(table["interval"]) == ["interval0", "interval0", "late_time"]
    assert list(table["mode"]) == ["WT", "PC", "PC"]
    assert list(table["model"]) == ["PowerLaw"] * 3
    assert list(table["Gamma"]) == pytest.approx([1.74059, 2.59379, 2.68868])
    assert table["NH"].unit == u.cm**-2
    assert table["NHPos"].unit == u.cm**-2
    assert table["GalacticNH"].unit == u.cm**-2
    assert table["ObsFlux"].unit == u.erg / u.cm**2 / u.s
    assert table["UnabsFluxNeg"].unit == u.erg / u.cm**2 / u.s
    assert table["start"].unit == table["exposure"].unit == u.s
    assert table["Gamma"].unit is None
    assert (table["NH"].quantity[0]).to_value(u.m**-2) == pytest.approx(2.61822e26)
    assert list(table["Redshift_abs"].mask) == [False, False, True]
    assert table["Redshift_abs"][0] == pytest.approx(0.347)
    assert not any(table["no_fit"])
    assert table["image"][2].endswith("late_timepc_plot.gif")
    assert table.meta == {
        "T0": 401775096,
        "DeltaFitStat": 2.706,
        "GalNH_unfitted": 5e20,
        "NoSpectrum": False,
        "NOSPEC": [],
    }
    empty = SpectralFits.model_validate({"NoSpectrum": 1}).to_astropy()
    assert len(empty) == 0
    assert {"interval", "mode", "model", "start"} <= set(empty.colnames)
    assert empty.meta["NoSpectrum"] is True


def test_position_to_skycoord() -> None:
    import astropy.units as u

    psf = Position(product=PSF, found=True, ra=335.6985, dec=-7.51788, err90=3.5)
    coord = psf.to_skycoord()
    assert coord.frame.name == "icrs"
    assert coord.ra.deg == pytest.approx(335.6985)
    assert coord.dec.deg == pytest.approx(-7.51788)
    assert coord.err90 == 3.5 * u.arcsec
    assert coord.to_string("hmsdms", precision=2) == "22h22m47.64s -07d31m04.37s"
    missing = Position(product=Product.ASTROM_POS, found=False, reason="No position could be determined.")
    with pytest.raises(ProductNotReadyError, match="astrometric position has no coordinates"):
        missing.to_skycoord()


@respx.mock
async def test_history_entries_are_old_jobs(client: XRTClient, example: Any) -> None:
    respx.post(f"{LOOP}/listOldJobs.php").respond(200, json=example("listoldjobs_ok.json"))
    jobs = await client.list_old_jobs()
    assert [type(j) for j in jobs] == [OldJob, OldJob]
    assert [j.job_id for j in jobs] == [3414, 3413]
    assert jobs[0].products == (SPEC,)
    assert "Job 3414: GRB 200416A" in jobs[0]._repr_html_()
