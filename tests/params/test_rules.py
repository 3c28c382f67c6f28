"""One table per rule family of docs/parameters.md §9.1 (and the brief's additions): valid and invalid cases.

Each invalid case states the parameter the problem must name and a fragment of the fix it must suggest.
"""

from __future__ import annotations

from typing import Any

import pytest

from tests.support.params import PY_GLOBALS, SNAPSHOT_LC, ST_GLOBALS, problems_of
from xrt_prods_async._errors import InvalidRequestError
from xrt_prods_async.params import (
    EnhancedPos,
    Image,
    JobRequest,
    LightCurve,
    SourceDet,
    Spectrum,
    StandardPos,
)


def _drop(data: dict[str, Any], *keys: str) -> dict[str, Any]:
    return {k: v for k, v in data.items() if k not in keys}


# ----------------------------------------------------------------------------------------------- globals

GLOBAL_VALID: list[dict[str, Any]] = [
    {**PY_GLOBALS, "light_curve": SNAPSHOT_LC},
    {**ST_GLOBALS, "LightCurve": {"binMeth": "snapshot"}},
    {**_drop(PY_GLOBALS, "targ"), "get_targs": True, "light_curve": SNAPSHOT_LC},
    {**_drop(PY_GLOBALS, "ra", "dec"), "get_coords": True, "light_curve": SNAPSHOT_LC},
    {**_drop(PY_GLOBALS, "pos_err"), "centroid": False, "light_curve": SNAPSHOT_LC},
    {**PY_GLOBALS, "pos_err": 6, "standard_pos": {}},
    {**PY_GLOBALS, "pos_err": 1.0, "image": {}},
    # source detection alone: RA/Dec, centroid and useSXPS are not needed
    {"name": "M31", "targ": "00012345", "source_det": {"which_data": "all"}},
    {**PY_GLOBALS, "cent_meth": "iterative", "max_cent_tries": 3, "light_curve": SNAPSHOT_LC},
    {**PY_GLOBALS, "targ": " 00945521 , 00013267", "light_curve": SNAPSHOT_LC},
    {**PY_GLOBALS, "t0": "2020-04-16T12:00:00", "since_t0": True, "light_curve": SNAPSHOT_LC},
]


@pytest.mark.parametrize("data", GLOBAL_VALID)
def test_valid_globals(data: dict[str, Any]) -> None:
    JobRequest(**data)


GLOBAL_INVALID: list[tuple[dict[str, Any], str, str]] = [
    ({**PY_GLOBALS}, "products", "add at least one of light_curve"),
    ({**ST_GLOBALS}, "products", "add at least one of LightCurve"),
    ({**_drop(PY_GLOBALS, "name"), "image": {}}, "name", "required"),
    ({**_drop(PY_GLOBALS, "targ"), "image": {}}, "targ", "get_targs=True"),
    ({**_drop(ST_GLOBALS, "targ"), "Image": {}}, "targ", "getTargs=True"),
    ({**_drop(PY_GLOBALS, "targ"), "get_targs": False, "image": {}}, "targ", "required"),
    ({**_drop(PY_GLOBALS, "ra"), "image": {}}, "ra", "get_coords=True"),
    ({**_drop(ST_GLOBALS, "Dec"), "Image": {}}, "Dec", "getCoords=True"),
    ({**PY_GLOBALS, "get_coords": True, "image": {}}, "ra", "remove ra or get_coords"),
    ({**_drop(PY_GLOBALS, "centroid"), "light_curve": SNAPSHOT_LC}, "centroid", "True to centroid"),
    ({**_drop(PY_GLOBALS, "centroid"), "standard_pos": {}}, "centroid", "required"),
    ({**_drop(PY_GLOBALS, "pos_err"), "image": {}}, "pos_err", "required when centroid=True"),
    ({**_drop(ST_GLOBALS, "posErr"), "Image": {}}, "posErr", "from 1 to 6 (arcmin)"),
    ({**PY_GLOBALS, "pos_err": 0.01, "image": {}}, "pos_err", "from 1 to 6 (arcmin); got 0.01"),
    ({**ST_GLOBALS, "posErr": 7, "Image": {}}, "posErr", "from 1 to 6"),
    ({**PY_GLOBALS, "ra": 360.0, "image": {}}, "ra", "(deg)"),
    ({**PY_GLOBALS, "dec": -91.0, "image": {}}, "dec", "from -90 to 90"),
    ({**PY_GLOBALS, "ra": "12h", "image": {}}, "ra", "must be a number"),
    ({**PY_GLOBALS, "ra": True, "image": {}}, "ra", "must be a number"),
    ({**PY_GLOBALS, "targ": "{00966554}", "image": {}}, "targ", "Swift targetIDs"),
    ({**PY_GLOBALS, "targ": 966554, "image": {}}, "targ", "must be a non-empty string; got 966554"),
    ({**PY_GLOBALS, "cent_meth": "Simple", "image": {}}, "cent_meth", "one of 'simple', 'iterative'"),
    ({**PY_GLOBALS, "max_cent_tries": 2.5, "image": {}}, "max_cent_tries", "whole number"),
    ({**PY_GLOBALS, "centroid": "yes", "image": {}}, "centroid", "True or False"),
    ({**PY_GLOBALS, "name": "  ", "image": {}}, "name", "non-empty"),
    ({**PY_GLOBALS, "wt_pup_rate": 0, "image": {}}, "wt_pup_rate", "> 0 (ct/s)"),
    ({**PY_GLOBALS, "pos_which_data": "all", "image": {}}, "pos_which_data", "only applies to the position"),
    ({**ST_GLOBALS, "posobs": "all", "Image": {}}, "posobs", "none is requested"),
    ({**PY_GLOBALS, "light_curve": 3}, "light_curve", "must be a LightCurve(...) or a dict"),
    ({**PY_GLOBALS, "light_curve": Spectrum(has_redshift=False)}, "light_curve", "LightCurve(...)"),
]


@pytest.mark.parametrize(("data", "parameter", "fix"), GLOBAL_INVALID)
def test_invalid_globals(data: dict[str, Any], parameter: str, fix: str) -> None:
    found = problems_of(lambda: JobRequest(**data))
    assert any(p == parameter and fix in m for p, m in found), found


def test_source_detection_alone_is_the_only_skip() -> None:
    data = {"name": "M31", "targ": "00012345", "source_det": {"which_data": "all"}, "image": {}}
    found = {p for p, _ in problems_of(lambda: JobRequest(**data))}
    assert found == {"ra", "dec", "centroid"}


def test_every_problem_is_reported_at_once() -> None:
    found = problems_of(
        lambda: JobRequest(
            name="x",
            ra="bad",
            pos_err=9,
            centroid=True,
            light_curve={"bin_meth": "counts", "pc_counts": 0},
            spectrum={"redshift": -1},
        )
    )
    assert [p for p, _ in found] == [
        "light_curve.pc_counts",
        "light_curve.wt_counts",
        "light_curve.dynamic",
        "spectrum.redshift",
        "spectrum.has_redshift",
        "ra",
        "pos_err",
        "targ",
        "dec",
    ]


# -------------------------------------------------------------------------------------------- light curve

LC_VALID: list[dict[str, Any]] = [
    {"bin_meth": "counts", "pc_counts": 20, "wt_counts": 30, "dynamic": True},
    {"binMeth": "Counts", "pcCounts": 20, "wtCounts": 30, "dynamic": 0},
    {"bin_meth": "time", "pc_bin_time": 100, "wt_bin_time": 10},
    {
        "bin_meth": "time",
        "pc_bin_time": 100,
        "wt_bin_time": 10,
        "match_hr": False,
        "pc_hr_bin_time": 200,
        "wt_hr_bin_time": 20,
    },
    {"bin_meth": "counts", "pc_counts": 20, "wt_counts": 30, "dynamic": True, "match_hr": False},
    {"bin_meth": "obsid", "which_data": "user", "use_obs": "00966554000"},
    {"bin_meth": "snapshot", "min_energy": 0.5, "soft_lo": 0.5, "hard_hi": 8, "max_energy": 8},
    {"bin_meth": "snapshot", "soft_lo": 0.3, "soft_hi": 2, "hard_lo": 2, "hard_hi": 10},
    {"bin_meth": "snapshot", "time_format": "MJD", "grades": "0", "allow_ul": "PC", "allow_bayes": "no"},
    {"bin_meth": "snapshot", "srcrad": 40, "min_frac_exp": 0.5, "pc_max_gap": 1e8, "wt_max_bin": 1e8},
]


@pytest.mark.parametrize("data", LC_VALID)
def test_valid_light_curves(data: dict[str, Any]) -> None:
    LightCurve(**data)


LC_INVALID: list[tuple[dict[str, Any], str, str]] = [
    ({}, "light_curve.bin_meth", "required: one of 'counts', 'time', 'snapshot', 'obsid'"),
    ({"binMeth": "fast"}, "LightCurve.binMeth", "one of 'counts', 'time', 'snapshot', 'obsid'; got 'fast'"),
    ({"bin_meth": "counts", "wt_counts": 30, "dynamic": True}, "light_curve.pc_counts", "bin_meth='counts'"),
    ({"binMeth": "counts", "pcCounts": 20, "dynamic": True}, "LightCurve.wtCounts", "binMeth='counts'"),
    ({"bin_meth": "counts", "pc_counts": 20, "wt_counts": 30}, "light_curve.dynamic", "True or False"),
    (
        {"bin_meth": "counts", "pc_counts": 20.0, "wt_counts": 30, "dynamic": True},
        "light_curve.pc_counts",
        "whole number",
    ),
    (
        {"bin_meth": "counts", "pc_counts": 20, "wt_counts": 30, "dynamic": "yes"},
        "light_curve.dynamic",
        "True or False",
    ),
    ({"bin_meth": "snapshot", "which_data": "user"}, "light_curve.use_obs", "which_data='user'"),
    ({"bin_meth": "snapshot", "which_data": "hours"}, "light_curve.which_data", "one of 'all', 'user'"),
    (
        {"bin_meth": "snapshot", "min_energy": 0.5},
        "light_curve.min_energy",
        "soft_lo (default 0.3 keV) must be ≥",
    ),
    (
        {"bin_meth": "snapshot", "max_energy": 5},
        "light_curve.max_energy",
        "hard_hi (default 10 keV) must be ≤",
    ),
    ({"bin_meth": "snapshot", "softLo": 0.2}, "LightCurve.softLo", "must be ≥ LightCurve.minEnergy"),
    ({"bin_meth": "snapshot", "soft_hi": 11}, "light_curve.soft_hi", "must be ≤ light_curve.max_energy"),
    ({"bin_meth": "snapshot", "hard_lo": 0.2}, "light_curve.hard_lo", "must be ≥"),
    ({"bin_meth": "snapshot", "hard_hi": 12}, "light_curve.hard_hi", "must be ≤"),
    ({"bin_meth": "snapshot", "soft_lo": 1, "soft_hi": 0.5}, "light_curve.soft_hi", "must be below"),
    ({"bin_meth": "snapshot", "hard_lo": 5, "hard_hi": 4}, "light_curve.hard_hi", "must be below"),
    ({"bin_meth": "snapshot", "min_energy": 3, "max_energy": 2}, "light_curve.max_energy", "must be below"),
    ({"bin_meth": "snapshot", "grades": 0}, "light_curve.grades", "one of 'all', '0', '4'"),
    ({"bin_meth": "snapshot", "time_format": "d"}, "light_curve.time_format", "one of 's', 'm'"),
    ({"bin_meth": "snapshot", "allowBayes": "some"}, "LightCurve.allowBayes", "'no', 'pc', 'wt', 'both'"),
    ({"bin_meth": "snapshot", "srcrad": 0}, "light_curve.srcrad", "≥ 1 (pixels)"),
    ({"bin_meth": "snapshot", "min_frac_exp": 2}, "light_curve.min_frac_exp", "from 0 to 1"),
]


@pytest.mark.parametrize(("data", "parameter", "fix"), LC_INVALID)
def test_invalid_light_curves(data: dict[str, Any], parameter: str, fix: str) -> None:
    found = problems_of(lambda: LightCurve(**data))
    assert any(p == parameter and fix in m for p, m in found), found


# ---------------------------------------------------------------------------------------------- spectrum

SPEC_VALID: list[dict[str, Any]] = [
    {"has_redshift": False},
    {"hasRedshift": True, "redshift": 2.0},
    {"has_redshift": False, "which_data": "hours", "inc_hours": 24},
    {"has_redshift": False, "timeslice": "user", "rname1": "Early", "gti1": "608713541-608714541"},
    {
        "has_redshift": False,
        "timeslice": "USER",
        "rname1": "a1",
        "gti1": "1-2",
        "rname4": "b2",
        "gti4": "3-4",
    },
    {"has_redshift": False, "models": ["PowerLaw", "apec"], "galactic": True, "delta_fit_stat": 1.0},
    {"has_redshift": False, "models": "blackbody", "grades": "4", "spec_stem": "late", "srcrad": 12},
]


@pytest.mark.parametrize("data", SPEC_VALID)
def test_valid_spectra(data: dict[str, Any]) -> None:
    Spectrum(**data)


SPEC_INVALID: list[tuple[dict[str, Any], str, str]] = [
    ({}, "spectrum.has_redshift", "required: True to fit a redshifted absorber"),
    ({"hasRedshift": True}, "Spectrum.redshift", "required when Spectrum.hasRedshift=True"),
    ({"has_redshift": False, "which_data": "user"}, "spectrum.use_obs", "which_data='user'"),
    ({"has_redshift": False, "timeslice": "user"}, "spectrum.rname1", "timeslice='user'"),
    ({"has_redshift": False, "timeslice": "user", "rname1": "a"}, "spectrum.gti1", "timeslice='user'"),
    ({"has_redshift": False, "rname2": "late"}, "spectrum.gti2", "required with spectrum.rname2"),
    ({"has_redshift": False, "gti3": "1-2"}, "spectrum.rname3", "required with spectrum.gti3"),
    ({"has_redshift": False, "rname1": "early-1", "gti1": "1-2"}, "spectrum.rname1", "letters and digits"),
    (
        {"has_redshift": False, "rname1": "a", "gti1": "1-2", "rname2": "A", "gti2": "3-4"},
        "spectrum.rname2",
        "labels must differ",
    ),
    (
        {"has_redshift": False, "models": ["powerlaw", "gauss"]},
        "spectrum.models",
        "'gauss' is not a spectral",
    ),
    ({"has_redshift": False, "models": []}, "spectrum.models", "a list of spectral models"),
    ({"has_redshift": False, "delta_fit_stat": 0}, "spectrum.delta_fit_stat", "> 0"),
    ({"has_redshift": False, "timeslice": "per-orbit"}, "spectrum.timeslice", "'single', 'user', 'snapshot'"),
    ({"has_redshift": False, "rname5": "x"}, "spectrum.rname5", "did you mean"),
]


@pytest.mark.parametrize(("data", "parameter", "fix"), SPEC_INVALID)
def test_invalid_spectra(data: dict[str, Any], parameter: str, fix: str) -> None:
    found = problems_of(lambda: Spectrum(**data))
    assert any(p == parameter and fix in m for p, m in found), found


def test_redshift_accepts_integers() -> None:
    """swifttools insists on a float; an int is a number all the same."""
    assert Spectrum(has_redshift=True, redshift=1).redshift == 1.0


# ----------------------------------------------------------------------------- positions, image, detection

OTHER_VALID: list[tuple[type, dict[str, Any]]] = [
    (StandardPos, {}),
    (StandardPos, {"which_data": "hours", "inc_hours": 6, "pos_radius": 30}),
    (EnhancedPos, {"whichData": "user", "useObs": "00966554000"}),
    (StandardPos, {"detOrCent": "centroid", "centMeth": "iterative"}),
    (Image, {"energies": "0.3-10,1-4", "which_data": "all"}),
    (Image, {"which_data": "USER", "use_obs": "00966554000"}),
    (SourceDet, {"which_data": "all", "which_bands": "Total", "fit_stray_light": False}),
    (SourceDet, {"whichData": "user", "useObs": "00966554000-00966554003"}),
]


@pytest.mark.parametrize(("model", "data"), OTHER_VALID)
def test_valid_other_products(model: type, data: dict[str, Any]) -> None:
    model(**data)


OTHER_INVALID: list[tuple[type, dict[str, Any], str, str]] = [
    (StandardPos, {"which_data": "user"}, "standard_pos.use_obs", "which_data='user'"),
    (StandardPos, {"which_data": "All"}, "standard_pos.which_data", "one of 'all', 'user', 'hours'"),
    (StandardPos, {"detOrCent": "detection"}, "StandardPos.detOrCent", "'detect', 'centroid'"),
    (StandardPos, {"centMeth": "fancy"}, "StandardPos.centMeth", "'simple', 'iterative'"),
    (StandardPos, {"use_all_obs": True}, "standard_pos.use_all_obs", "not a parameter"),
    (Image, {"which_data": "user"}, "image.use_obs", "which_data='user'"),
    (Image, {"energies": "0.3-10,4-1"}, "image.energies", "'4-1' is not one"),
    (Image, {"energies": "soft"}, "image.energies", "energy bands 'lo-hi'"),
    (SourceDet, {}, "source_det.which_data", "required: 'all' (may exceed the 12-hour job limit)"),
    (SourceDet, {"whichData": "user"}, "SourceDet.useObs", "whichData='user'"),
    (SourceDet, {"which_data": "all", "which_bands": "soft"}, "source_det.which_bands", "'total', 'all'"),
]


@pytest.mark.parametrize(("model", "data", "parameter", "fix"), OTHER_INVALID)
def test_invalid_other_products(model: type, data: dict[str, Any], parameter: str, fix: str) -> None:
    found = problems_of(lambda: model(**data))
    assert any(p == parameter and fix in m for p, m in found), found


def test_a_product_alone_raises_invalid_request_error_not_pydantic() -> None:
    with pytest.raises(InvalidRequestError) as caught:
        LightCurve(bin_meth="bad")
    assert str(caught.value).startswith("The light curve parameters are not valid (1 problem):")
    assert "light_curve.bin_meth: must be one of" in str(caught.value)
