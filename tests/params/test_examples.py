"""Every request and jobPars example of the protocol decodes and re-encodes to an equivalent body.

Equivalent means: the same keys with the same meaning, where the differences are the documented ones —
values the service echoes as strings or old codes, keys it adds that are not parameters, parameters of
products that are not requested, and the explicit values the triggers add (``getT0``/``getTargs`` 0,
``dchi`` 2.706, ``galactic`` 1).
"""

from __future__ import annotations

from typing import Any

import pytest

from tests.support.examples import EXAMPLES_DIR, load_example
from tests.support.requests import COUNTS_LIGHT_CURVE, grb_200416a
from xrt_prods_async._errors import InvalidRequestError
from xrt_prods_async._products import Product
from xrt_prods_async.params import JobRequest, LightCurve, Spectrum
from xrt_prods_async.wire._endpoints import API_NAME, API_VERSION

META = {"UserID", "api_name", "api_version"}


def loose(value: Any) -> Any:
    """A wire value compared by meaning: numeric strings as numbers, whole floats as ints."""
    if isinstance(value, str):
        try:
            value = float(value)
        except ValueError:
            return value
    if isinstance(value, float) and value.is_integer():
        return int(value)
    return value


def meaning(body: dict[str, Any]) -> dict[str, Any]:
    return {k: loose(v) for k, v in body.items() if k not in META}


def roundtrip(body: dict[str, Any]) -> tuple[JobRequest, dict[str, Any]]:
    """Decode, re-encode, and check the re-encoded body decodes to the same request."""
    request = JobRequest.from_job_pars(body)
    wire = request.to_wire("someone@example.org")
    assert wire["api_name"] == API_NAME
    assert wire["api_version"] == API_VERSION
    assert wire["UserID"] == "someone@example.org"
    assert JobRequest.from_job_pars(wire) == request
    return request, meaning(wire)


def test_every_request_example_is_covered() -> None:
    names = {p.name for p in EXAMPLES_DIR.glob("*.json")}
    wanted = {n for n in names if n.startswith(("request_", "submit_", "getoldproduct_"))}
    covered = set(COVERED)
    assert wanted <= covered, sorted(wanted - covered)


def test_swifttools_generated_body_is_reproduced_exactly() -> None:
    body = load_example("request_submit_swifttools_v1.12_generated.json")
    for request in (JobRequest.from_swifttools_json(body), JobRequest.from_job_pars(body)):
        assert request.to_wire(body["UserID"]) == body


def test_swifttools_generated_body_built_by_hand() -> None:
    """The tutorial request of swifttools 1.12, built with this library, posts the same body."""
    body = load_example("request_submit_swifttools_v1.12_generated.json")
    request = JobRequest(
        getTargs=True,
        centroid=True,
        name="GRB 200416A",
        RA=335.6985,
        Dec=-7.5179,
        centMeth="simple",
        useSXPS=False,
        T0=608713541.952,
        posErr=1,
        LightCurve={"binMeth": "counts", "pcCounts": 20, "wtCounts": 30, "dynamic": True},
        Spectrum={"hasRedshift": False},
        StandardPos={},
        EnhancedPos={},
        AstromPos={"useAllObs": True},
    )
    assert request.to_wire(body["UserID"]) == body


@pytest.mark.parametrize(
    ("name", "added"),
    [
        ("request_submit_tutorial_all_products.json", {"getTargs": 0, "dchi": 2.706}),
        ("request_submit_grb200416A_lightcurve.json", {"getTargs": 0, "getT0": 0}),
        ("request_submit_foaqr_spectrum_resolved.json", {"dchi": 2.706}),
    ],
)
def test_documented_submit_bodies(name: str, added: dict[str, Any]) -> None:
    body = load_example(name)
    _, wire = roundtrip(body)
    assert wire == {**meaning(body), **added}


def test_newer_server_job_pars() -> None:
    pars = load_example("submit_jobPars_grb200416A_newer_server.json")
    request, wire = roundtrip(pars)
    expected = meaning(pars)
    for key in ("whatSXPS", "do3col", "enh", "image"):  # server-internal keys; image 0 = not requested
        del expected[key]
    expected["lcobs"] = "all"  # echoed as 0 for the default
    del expected["hrbin"]  # echoed as 0 for counts binning, where it means nothing
    expected.update({"dchi": 2.706, "getTargs": 0, "getT0": 0})  # the dchi default; the targ/T0 triggers
    assert wire == expected
    assert request.products == (
        Product.LIGHT_CURVE,
        Product.SPECTRUM,
        Product.STANDARD_POS,
        Product.ENHANCED_POS,
        Product.ASTROM_POS,
    )
    assert request.light_curve is not None
    assert request.light_curve.pc_counts == 20
    positions = [request.standard_pos, request.enhanced_pos, request.astrom_pos]
    assert {(p.which_data, p.inc_hours, p.pos_radius) for p in positions if p} == {("hours", 12, 20)}


def test_old_server_job_pars_codes_and_quirks() -> None:
    pars = load_example("submit_ok_gkper_old_server.json")["jobPars"]
    request, wire = roundtrip(pars)
    assert request.targ is not None
    assert request.targ.startswith("00010873,00010907")
    assert "{" not in request.targ
    assert request.cent_meth == "iterative"  # "3"
    assert request.pos_err == 1  # 60 arcsec
    assert request.use_sxps is False  # "2SXPS"
    assert request.sss is False  # "0"
    assert request.ra == 52.8
    assert request.dec == 43.9043
    assert request.get_coords is None  # dropped: RA/Dec were derived (reuse rule)
    assert request.get_targs is False
    assert request.get_t0 is False
    assert request.spectrum == Spectrum(
        has_redshift=False, which_data="all", inc_hours=12, timeslice="single", grades="all"
    )
    assert request.products == (Product.SPECTRUM,)
    expected = meaning(pars)
    for key in ("whatSXPS", "do3col", "enh", "outdir", "getCoords", "allxastrom", "lcobs", "hrbin"):
        del expected[key]
    for flag in ("lc", "image", "dopsf", "doenh", "doxastrom"):
        del expected[flag]
    expected.update(
        {
            "centMeth": "iterative",
            "poserr": 1,
            "useSXPS": 0,
            "timeslice": "single",
            "specobs": "all",
            "targ": request.targ,
            "getTargs": 0,
            "getT0": 0,
            "dchi": 2.706,
        }
    )
    assert wire == expected


def test_redacted_job_pars_say_what_is_missing() -> None:
    pars = load_example("submit_ok_tutorial_jobPars_redacted.json")["jobPars"]
    with pytest.raises(InvalidRequestError) as caught:
        JobRequest.from_job_pars(pars)
    names = {p.parameter for p in caught.value.problems}
    assert {"products", "name", "targ", "RA", "Dec", "centroid"} <= names


def _base() -> dict[str, Any]:
    """The two basic fragments together (the mandatory one has an empty ``targ``; the optional getTargs)."""
    return {
        **load_example("request_fragment_basic_mandatory.json"),
        **load_example("request_fragment_basic_optional.json"),
    }


def test_basic_fragments() -> None:
    base = _base()
    request, wire = roundtrip({**base, "sourceDet": 1, "detobs": "all"})
    assert request.cent_meth == "simple"  # the fragment's numeric 2
    expected = meaning(base)
    del expected["targ"]  # "" = not given (getTargs is set)
    del expected["getCoords"]  # dropped: RA/Dec given (reuse rule)
    expected.update({"centMeth": "simple", "sinceT0": 0, "sourceDet": 1, "detobs": "all"})
    assert wire == expected


@pytest.mark.parametrize(
    ("name", "extra", "translated"),
    [
        ("request_fragment_lc_common.json", {"binMeth": "snapshot"}, {"allowBayes": ("allowB", "both")}),
        ("request_fragment_lc_counts_binning.json", {"lc": 1}, {}),
        ("request_fragment_lc_time_binning.json", {"lc": 1}, {}),
        ("request_fragment_lc_snapshot_binning.json", {"lc": 1}, {}),
        ("request_fragment_lc_obsid_binning.json", {"lc": 1}, {}),
        (
            "request_fragment_positions_all_three.json",
            {},
            {"detornot": ("detornot", "detect"), "detMeth": ("detMeth", "simple")},
        ),
        ("request_fragment_spectrum_user_timeslice.json", {}, {}),
    ],
)
def test_product_fragments(name: str, extra: dict[str, Any], translated: dict[str, tuple[str, Any]]) -> None:
    fragment = load_example(name)
    request, wire = roundtrip({**_base(), **fragment, **extra})
    for key, value in {**fragment, **extra}.items():
        key, value = translated.get(key, (key, value))
        assert wire[key] == loose(value), key
    if name.startswith("request_fragment_lc"):
        assert isinstance(request.light_curve, LightCurve)
        assert request.products == (Product.LIGHT_CURVE,)
    if "spectrum" in name:
        assert wire["galactic"] == 1  # set by the redshift / hasRedshift trigger
        assert request.spectrum is not None
        assert request.spectrum.rname1 == "Early"


def test_truncated_old_product_job_pars() -> None:
    pars = load_example("getoldproduct_ok_truncated.json")["jobPars"]
    with pytest.raises(InvalidRequestError) as caught:
        JobRequest.from_job_pars(pars)
    names = {p.parameter for p in caught.value.problems}
    assert {"name", "Spectrum.hasRedshift"} <= names
    request, wire = roundtrip({**_base(), **pars, "specz": 0})
    assert wire["posobstime"] == 12
    assert wire["specobs"] == "all"
    assert wire["doenh"] == 1
    for key in ("imobs", "wtmaxbin", "soft1"):  # parameters of products the job does not hold
        assert key not in wire
    assert request.image is None
    assert request.light_curve is None


def test_old_product_request_is_not_a_job() -> None:
    body = load_example("getoldproduct_request.json")
    with pytest.raises(InvalidRequestError) as caught:
        JobRequest.from_job_pars(body, strict=True)
    assert [p.parameter for p in caught.value.problems] == ["oldJob"]


def test_list_err_example_translates_to_user_names() -> None:
    reply = load_example("submit_error_listErr.json")
    items = [item.split()[0] for group in reply["listErr"] for item in group["list"]]
    assert items == ["Dec", "cent", "poserr"]
    swift = JobRequest.from_job_pars(load_example("request_submit_grb200416A_lightcurve.json"))
    assert [swift.describe_wire_name(i) for i in items] == ["Dec", "centroid", "posErr"]
    python = JobRequest(
        name="x", targ="1", ra=1.0, dec=2.0, centroid=True, pos_err=1, light_curve={"bin_meth": "snapshot"}
    )
    assert [python.describe_wire_name(i) for i in items] == ["dec", "centroid", "pos_err"]
    assert load_example("submit_error_listErr_no_apiversion.json")["listErr"] == reply["listErr"]


COVERED = [
    "request_submit_swifttools_v1.12_generated.json",
    "request_submit_tutorial_all_products.json",
    "request_submit_grb200416A_lightcurve.json",
    "request_submit_foaqr_spectrum_resolved.json",
    "submit_jobPars_grb200416A_newer_server.json",
    "submit_ok_gkper_old_server.json",
    "submit_ok_tutorial_jobPars_redacted.json",
    "request_fragment_basic_mandatory.json",
    "request_fragment_basic_optional.json",
    "request_fragment_lc_common.json",
    "request_fragment_lc_counts_binning.json",
    "request_fragment_lc_time_binning.json",
    "request_fragment_lc_snapshot_binning.json",
    "request_fragment_lc_obsid_binning.json",
    "request_fragment_positions_all_three.json",
    "request_fragment_spectrum_user_timeslice.json",
    "getoldproduct_ok_truncated.json",
    "getoldproduct_request.json",
    "submit_error_listErr.json",
    "submit_error_listErr_no_apiversion.json",
]


def test_meaningless_echoes_are_not_read_back() -> None:
    # The service echoes hrbin 0 for every job; with counts binning it means nothing, so reading a job
    # back neither invents matchHR=False nor changes the request's fingerprint.
    sent = grb_200416a(light_curve=COUNTS_LIGHT_CURVE)
    echo = {**sent.to_wire("someone@example.org"), "hrbin": 0}
    back = JobRequest.from_job_pars(echo)
    assert back == sent
    assert back.fingerprint() == sent.fingerprint()
    timed = JobRequest.from_job_pars(
        {**echo, "binMeth": "time", "pcbin": 10, "wtbin": 1, "pchrbin": 20, "wthrbin": 2}
    )
    assert timed.light_curve is not None
    assert timed.light_curve.match_hr is False
