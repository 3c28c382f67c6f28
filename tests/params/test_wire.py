"""Encoding to the submit body and decoding the service's echo (docs/protocol.md §5)."""

from __future__ import annotations

import json
from typing import Any

import pytest

from tests.support.params import PY_GLOBALS, SNAPSHOT_LC, ST_GLOBALS, parameters_of
from xrt_prods_async._errors import ConfigurationError, InvalidRequestError
from xrt_prods_async._products import Product
from xrt_prods_async.params import JobRequest, LightCurve, SourceDet, Spectrum
from xrt_prods_async.wire._endpoints import API_NAME, API_VERSION


def _body(**extra: Any) -> dict[str, Any]:
    return JobRequest(**PY_GLOBALS, **extra).to_wire("me@example.org")


def test_envelope_and_flags() -> None:
    body = _body(
        light_curve=SNAPSHOT_LC, spectrum={"has_redshift": False}, image={}, source_det={"which_data": "all"}
    )
    assert body["api_name"] == API_NAME
    assert body["api_version"] == API_VERSION
    assert body["UserID"] == "me@example.org"
    for product in (Product.LIGHT_CURVE, Product.SPECTRUM, Product.IMAGE, Product.SOURCE_DET):
        assert body[product.flag] == 1
    for product in (Product.STANDARD_POS, Product.ENHANCED_POS, Product.ASTROM_POS):
        assert product.flag not in body


def test_only_set_parameters_plus_what_the_service_needs() -> None:
    body = _body(light_curve=SNAPSHOT_LC)
    assert body == {
        "api_name": API_NAME,
        "api_version": API_VERSION,
        "UserID": "me@example.org",
        "name": "GRB 200416A",
        "targ": "00966554",
        "RA": 335.6985,
        "Dec": -7.5179,
        "cent": 1,
        "poserr": 1,
        "getTargs": 0,
        "lc": 1,
        "binMeth": "snapshot",
    }
    assert json.loads(json.dumps(body)) == body


def test_value_encoding() -> None:
    body = _body(
        since_t0=True,
        t0=608713541.952,
        notify=False,
        light_curve={"bin_meth": "snapshot", "allow_bayes": "pc", "pc_max_gap": 1e4, "wt_max_gap": 5.5},
        spectrum={"has_redshift": False, "models": ("PowerLaw", "apec"), "delta_fit_stat": 1},
    )
    assert body["sinceT0"] == 1  # the spelling the service echoes, not swifttools' SinceT0
    assert "SinceT0" not in body
    assert body["notify"] == 0
    assert body["Tstart"] == 608713541.952
    assert body["allowB"] == "pc"
    assert (body["pcmaxgap"], body["wtmaxgap"]) == (10000, 5.5)
    assert body["models"] == ["PowerLaw", "apec"]  # a JSON array, as typed
    assert body["dchi"] == 1
    assert body["specz"] == 0


def test_spectrum_always_sends_delta_fit_stat() -> None:
    assert _body(spectrum={"has_redshift": False})["dchi"] == 2.706


def test_user_id_is_required() -> None:
    request = JobRequest(**PY_GLOBALS, light_curve=SNAPSHOT_LC)
    for bad in ("", "  "):
        with pytest.raises(ConfigurationError, match="user_id"):
            request.to_wire(bad)


def test_products_keep_their_order() -> None:
    request = JobRequest(**PY_GLOBALS, image={}, light_curve=SNAPSHOT_LC, standard_pos={})
    assert request.products == (Product.IMAGE, Product.LIGHT_CURVE, Product.STANDARD_POS)
    flags = [k for k in request.to_wire("u") if k in {"image", "lc", "dopsf"}]
    assert flags == ["image", "lc", "dopsf"]
    assert JobRequest.from_job_pars(request.to_wire("u")).products == request.products


def test_fingerprint() -> None:
    a = JobRequest(**PY_GLOBALS, light_curve=SNAPSHOT_LC, image={})
    b = JobRequest(
        **ST_GLOBALS, Image={}, LightCurve={"binMeth": "snapshot", "minEnergy": 0.3}, useSXPS=False
    )
    assert a.fingerprint() == b.fingerprint()  # order, spelling and explicit defaults do not matter
    assert len(a.fingerprint()) == 64
    assert a.fingerprint() == JobRequest.from_job_pars(a.to_wire("x")).fingerprint()
    assert a.fingerprint() != a.replace(pos_err=2).fingerprint()
    assert a.fingerprint() != a.replace(light_curve={"bin_meth": "obsid"}).fingerprint()
    assert a.fingerprint() != a.replace(image=None).fingerprint()


def test_decoding_loose_types() -> None:
    request = JobRequest.from_job_pars(
        {
            "name": "GRB",
            "targ": "00966554",
            "RA": "52.8000",
            "Dec": "-7.5",
            "cent": "1",
            "poserr": "2",
            "maxCentTries": "10",
            "sss": "yes",
            "notify": "no",
            "useSXPS": True,
            "Tstart": "608713541.952",
            "lc": "1",
            "binMeth": "counts",
            "pccounts": "20",
            "wtcounts": 30.0,
            "dynamic": "1",
            "soft1": "0.3",
        }
    )
    assert request.ra == 52.8
    assert request.dec == -7.5
    assert request.centroid is True
    assert request.pos_err == 2
    assert request.max_cent_tries == 10
    assert request.sss is True
    assert request.notify is False
    assert request.use_sxps is True
    assert request.t0 == 608713541.952
    assert request.light_curve == LightCurve(
        bin_meth="counts", pc_counts=20, wt_counts=30, dynamic=True, soft_lo=0.3
    )


def test_decoding_spellings_and_codes() -> None:
    request = JobRequest.from_job_pars(
        {
            "name": "x",
            "targ": "{00010873, 00010907}",
            "RA": 1,
            "Dec": 2,
            "cent": 0,
            "SinceT0": 1,
            "lc": 1,
            "binMeth": "snapshot",
            "allowBayes": "wt",
            "wtmaxGap": 5,
            "pcmaxGap": 6,
            "lcobs": 0,
            "spec": 1,
            "specz": 0,
            "specobs": 1,
            "timeslice": 1,
            "models": "powerlaw,apec",
            "dopsf": 1,
            "detornot": 1,
            "detMeth": 0,
            "centMeth": 3,
        }
    )
    assert request.targ == "00010873,00010907"
    assert request.since_t0 is True
    assert request.cent_meth == "iterative"
    assert request.light_curve == LightCurve(
        bin_meth="snapshot", allow_bayes="wt", wt_max_gap=5, pc_max_gap=6, which_data="all"
    )
    assert request.spectrum == Spectrum(
        has_redshift=False, which_data="all", timeslice="single", models=("powerlaw", "apec")
    )
    assert request.standard_pos is not None
    assert request.standard_pos.det_or_cent == "detect"
    assert request.standard_pos.det_meth == "simple"


def test_server_keys_and_absent_products_are_ignored() -> None:
    pars = {
        "UserID": "u",
        "api_name": "xrt_prods",
        "api_version": 1.5,
        "whatSXPS": "2SXPS",
        "do3col": 0,
        "enh": 0,
        "outdir": "USERPROD_1",
        "lc": 0,
        "lcobs": 0,
        "hrbin": 0,
        "image": 0,
        "imobs": "all",
        "name": "x",
        "targ": "1",
        "RA": 1,
        "Dec": 2,
        "cent": 0,
        "sourceDet": 1,
        "detobs": "all",
        "posobs": "hours",
        "srcrad": 3,
        "pcmaxbin": 1e8,
    }
    request = JobRequest.from_job_pars(pars)
    assert request.products == (Product.SOURCE_DET,)
    assert request.source_det == SourceDet(which_data="all")


def test_unknown_keys() -> None:
    pars = {**PY_GLOBALS, "RA": 1, "Dec": 2, "cent": 0, "lc": 1, "binMeth": "snapshot", "futureKey": 1}
    pars = {k: v for k, v in pars.items() if k not in ("ra", "dec", "centroid", "pos_err")}
    assert JobRequest.from_job_pars(pars).light_curve == LightCurve(bin_meth="snapshot")
    with pytest.raises(InvalidRequestError, match="futureKey: not a parameter of the service"):
        JobRequest.from_job_pars(pars, strict=True)
    with pytest.raises(InvalidRequestError, match="futureKey"):
        JobRequest.from_swifttools_json(pars)
    with pytest.raises(
        InvalidRequestError, match="binmeth: not a parameter of the service; did you mean 'binMeth'"
    ):
        JobRequest.from_swifttools_json({**pars, "binmeth": "x", "futureKey": None})


def test_get_flags_dropped_only_when_their_values_were_derived() -> None:
    base = {"name": "x", "cent": 0, "image": 1}
    kept = JobRequest.from_job_pars({**base, "getCoords": 1, "getTargs": 1, "getT0": 1})
    assert (kept.get_coords, kept.get_targs, kept.get_t0) == (True, True, True)
    derived = JobRequest.from_job_pars(
        {**base, "getCoords": 1, "getTargs": 1, "getT0": 1, "RA": "1", "Dec": "2", "targ": "{5}", "Tstart": 7}
    )
    assert (derived.get_coords, derived.get_targs, derived.get_t0) == (None, False, False)
    assert (derived.ra, derived.dec, derived.targ, derived.t0) == (1, 2, "5", 7)
    # a swifttools dump is the user's intent: nothing is dropped
    with pytest.raises(InvalidRequestError, match="getTargs: True contradicts targ"):
        JobRequest.from_swifttools_json({**base, "getTargs": 1, "targ": "5", "RA": 1.0, "Dec": 2.0})


def test_two_spellings_of_one_wire_key_must_agree() -> None:
    pars = {"name": "x", "targ": "1", "RA": 1, "Dec": 2, "cent": 0, "lc": 1, "binMeth": "snapshot"}
    assert JobRequest.from_job_pars({**pars, "allowB": "pc", "allowBayes": "pc"}).light_curve == LightCurve(
        bin_meth="snapshot", allow_bayes="pc"
    )
    with pytest.raises(InvalidRequestError, match="allowBayes: conflicts with 'allowB'"):
        JobRequest.from_job_pars({**pars, "allowB": "pc", "allowBayes": "wt"})


def test_decoding_problems_name_swifttools_names() -> None:
    pars = {
        "name": "x",
        "targ": "1",
        "RA": "north",
        "Dec": 2,
        "cent": 1,
        "poserr": 0.01,
        "lc": 1,
        "binMeth": "x",
    }
    assert parameters_of(lambda: JobRequest.from_job_pars(pars)) == ["LightCurve.binMeth", "RA", "posErr"]
    with pytest.raises(InvalidRequestError, match=r"^The job parameters could not be read"):
        JobRequest.from_job_pars(pars)
    with pytest.raises(InvalidRequestError, match="expected a JSON object"):
        JobRequest.from_job_pars([1, 2])  # type: ignore[arg-type]


def test_old_server_poserr_in_arcseconds() -> None:
    pars = {"name": "x", "targ": "1", "RA": 1, "Dec": 2, "cent": 1, "image": 1}
    assert JobRequest.from_job_pars({**pars, "poserr": 60}).pos_err == 1
    assert JobRequest.from_job_pars({**pars, "poserr": 150}).pos_err == 2.5
    assert JobRequest.from_job_pars({**pars, "poserr": 6}).pos_err == 6
    with pytest.raises(InvalidRequestError, match="posErr"):
        JobRequest.from_job_pars({**pars, "poserr": 1000})
