"""The rules of the models against the service's documentation and swifttools (docs/parameters.md §9.5).

Two tables. ``DOCUMENTED_VALID``: requests the documentation allows — every request body among the
documented examples, the fragments of the raw API's examples put together, each documented combination, and
every parameter set to the service's documented default — all of which must be accepted. ``KEPT_STRICTER``:
the rules that go beyond both the service's documentation and swifttools, each kept because the service
would refuse the request or silently do something other than it says; each is refused, and the reason is
written where users read it (the parameter's description, or §9.5 for a rule of no single parameter).
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import pytest

from tests.support.examples import EXAMPLES_DIR, load_example
from tests.support.params import PY_GLOBALS, ST_GLOBALS, problems_of
from xrt_prods_async.params import (
    AstromPos,
    Image,
    JobRequest,
    LightCurve,
    ParamModel,
    SourceDet,
    Spectrum,
    StandardPos,
)
from xrt_prods_async.params._fields import STRICTER, bounds_of, param_of

DOC = Path(__file__).resolve().parents[2] / "docs" / "parameters.md"

# ---------------------------------------------------------------------------------------- documented-valid


def _fragments(*names: str, drop: tuple[str, ...] = ()) -> dict[str, Any]:
    """Raw-API example fragments merged into one body (their ``UserID`` and the keys in ``drop`` left out)."""
    body: dict[str, Any] = {}
    for name in names:
        body.update(load_example(f"request_fragment_{name}.json"))
    return {k: v for k, v in body.items() if k != "UserID" and k not in drop}


#: The mandatory globals of the raw API's examples (their blank ``targ`` replaced by a target).
BASIC = {**_fragments("basic_mandatory"), "targ": "00966554"}

#: name -> the swifttools-style (or wire) body of a request the documentation allows.
DOCUMENTED_VALID: dict[str, dict[str, Any]] = {
    # The raw API's fragments, each product on the mandatory globals.
    "fragments: light curve, counts": {**BASIC, **_fragments("lc_common", "lc_counts_binning")},
    "fragments: light curve, time": {**BASIC, **_fragments("lc_common", "lc_time_binning")},
    "fragments: light curve, snapshot": {**BASIC, **_fragments("lc_common", "lc_snapshot_binning")},
    "fragments: light curve, obsid": {**BASIC, **_fragments("lc_common", "lc_obsid_binning")},
    "fragments: positions": {**BASIC, **_fragments("positions_all_three")},
    "fragments: spectrum, user slices": {**BASIC, **_fragments("spectrum_user_timeslice")},
    # The optional globals ask the service for the coordinates and targets, so they come without RA/Dec/targ.
    "fragments: optional globals": {
        **_fragments("basic_mandatory", drop=("RA", "Dec", "targ")),
        **_fragments("basic_optional", "lc_common", "lc_snapshot_binning"),
    },
    # Documented combinations (docs/parameters.md §3-§8, swifttools' RequestJob.md).
    "time binning, no bin lengths (defaults 2.51 s / 0.5 s)": {
        **ST_GLOBALS,
        "LightCurve": {"binMeth": "time"},
    },
    "time binning, matchHR false, no HR bin lengths (defaults)": {
        **ST_GLOBALS,
        "LightCurve": {"binMeth": "time", "pcBinTime": 10, "wtBinTime": 1, "matchHR": False},
    },
    "spectrum of the first hours, no incHours (default 12)": {
        **ST_GLOBALS,
        "Spectrum": {"hasRedshift": False, "whichData": "hours"},
    },
    "positions of the first hours, no incHours (default 12)": {
        **ST_GLOBALS,
        "posobs": "hours",
        "StandardPos": {},
        "EnhancedPos": {},
    },
    "useSXPS not given (documented optional)": {**ST_GLOBALS, "StandardPos": {}},
    "a spectral model listed twice": {
        **ST_GLOBALS,
        "Spectrum": {"hasRedshift": False, "models": ["apec", "APEC", "powerlaw"]},
    },
    "source detection alone: no RA, Dec or centroid": {
        "name": "M31",
        "targ": "00010873",
        "SourceDet": {"whichData": "user", "useObs": "00010873001"},
    },
    "coordinates, targets and T0 worked out by the service": {
        "name": "GRB 200416A",
        "getCoords": True,
        "getTargs": True,
        "getT0": True,
        "centroid": False,
        "LightCurve": {"binMeth": "snapshot"},
    },
    "targets worked out from the name and the given position": {
        **{k: v for k, v in ST_GLOBALS.items() if k != "targ"},
        "getTargs": True,
        "Image": {"energies": "0.3-10,1-4"},
    },
    "no centroid, so no posErr": {
        **{k: v for k, v in ST_GLOBALS.items() if k != "posErr"},
        "centroid": False,
        "Spectrum": {"hasRedshift": True, "redshift": 1.2},
    },
    "astrometric position with every observation": {**ST_GLOBALS, "AstromPos": {"useAllObs": True}},
    "every product": {
        **ST_GLOBALS,
        "LightCurve": {"binMeth": "counts", "pcCounts": 20, "wtCounts": 30, "dynamic": True},
        "Spectrum": {"hasRedshift": False, "timeslice": "obsid"},
        "StandardPos": {},
        "EnhancedPos": {},
        "AstromPos": {},
        "Image": {},
        "SourceDet": {"whichData": "all", "whichBands": "all"},
    },
}

#: The documented request bodies that are whole requests (the others are fragments, used above).
EXAMPLE_REQUESTS = sorted(p.name for p in EXAMPLES_DIR.glob("request_submit_*.json"))


@pytest.mark.parametrize("name", sorted(DOCUMENTED_VALID))
def test_documented_requests_are_accepted(name: str) -> None:
    body = DOCUMENTED_VALID[name]
    flat = any(p.flag in body for p in JobRequest.slots())
    request = JobRequest.from_swifttools_json(body) if flat else JobRequest(**body)
    assert JobRequest.from_job_pars(request.to_wire("someone@example.org")) == request


@pytest.mark.parametrize("name", EXAMPLE_REQUESTS)
def test_every_documented_request_body_is_accepted(name: str) -> None:
    body = {k: v for k, v in load_example(name).items() if k != "UserID"}
    JobRequest.from_swifttools_json(body)
    JobRequest.from_job_pars(body)


def _needs(model: type[ParamModel]) -> dict[str, Any]:
    """What a product needs besides the parameter under test."""
    return {
        LightCurve: {"bin_meth": "snapshot"},
        Spectrum: {"has_redshift": False},
        SourceDet: {"which_data": "all"},
    }.get(model, {})


def _defaults() -> list[tuple[type[ParamModel], str, Any]]:
    out = []
    for model in (JobRequest, LightCurve, Spectrum, AstromPos, Image, SourceDet):
        for name in model.__xrt__.wire:
            default = model.param_facts(name).server_default
            if default is not None:
                out.append((model, name, default))
    return out


@pytest.mark.parametrize(("model", "name", "default"), _defaults(), ids=lambda x: getattr(x, "__name__", x))
def test_every_parameter_takes_its_documented_default(
    model: type[ParamModel], name: str, default: Any
) -> None:
    if model is JobRequest:
        JobRequest(**PY_GLOBALS, standard_pos={}, **{name: default})
    else:
        model(**_needs(model), **{name: default})


# ------------------------------------------------------------------------------------------ kept stricter


@dataclass(frozen=True)
class Kept:
    """A rule beyond the documentation: a request it refuses, the parameter the problem names, and where
    the reason is written (``model.field``, whose description says it, or ``§9.5``)."""

    build: Callable[[], Any]
    parameter: str
    reason_at: str
    reason: str


def _request(**extra: Any) -> Callable[[], JobRequest]:
    return lambda: JobRequest(**{**PY_GLOBALS, "standard_pos": {}, **extra})


def _without(*names: str, **extra: Any) -> Callable[[], JobRequest]:
    base = {k: v for k, v in PY_GLOBALS.items() if k not in names}
    return lambda: JobRequest(**{**base, "standard_pos": {}, **extra})


KEPT_STRICTER: dict[str, Kept] = {
    "targ is digits": Kept(_request(targ="GRB200416A"), "targ", "JobRequest.targ", "names no target"),
    "RA on the sky": Kept(_request(ra=360.0), "ra", "JobRequest.ra", "no point on the sky"),
    "Dec on the sky": Kept(_request(dec=-91), "dec", "JobRequest.dec", "no point on the sky"),
    "get_coords with ra/dec": Kept(
        _request(get_coords=True), "ra", "JobRequest.get_coords", "silently replace"
    ),
    "get_targs with targ": Kept(
        _request(get_targs=True), "get_targs", "JobRequest.get_targs", "silently replace"
    ),
    "get_t0 with t0": Kept(_request(t0=1.0, get_t0=True), "get_t0", "JobRequest.get_t0", "silently replace"),
    "max_cent_tries at least 1": Kept(
        _request(max_cent_tries=0), "max_cent_tries", "JobRequest.max_cent_tries", "not centroid"
    ),
    "pile-up rates positive": Kept(
        _request(wt_pup_rate=0), "wt_pup_rate", "JobRequest.wt_pup_rate", "means nothing"
    ),
    "bin lengths positive": Kept(
        lambda: LightCurve(bin_meth="time", pc_bin_time=-1),
        "light_curve.pc_bin_time",
        "LightCurve.pc_bin_time",
        "means nothing",
    ),
    "bands run low to high": Kept(
        lambda: LightCurve(bin_meth="snapshot", soft_lo=1.0, soft_hi=0.5),
        "light_curve.soft_hi",
        "LightCurve.soft_hi",
        "from low to high",
    ),
    "a fraction at most 1": Kept(
        lambda: LightCurve(bin_meth="snapshot", min_frac_exp=1.5),
        "light_curve.min_frac_exp",
        "LightCurve.min_frac_exp",
        "every bin would be dropped",
    ),
    "use_obs with which_data='all'": Kept(
        lambda: LightCurve(bin_meth="snapshot", which_data="all", use_obs="00010873001"),
        "light_curve.which_data",
        "LightCurve.use_obs",
        "silently ignoring it",
    ),
    "no negative redshift": Kept(
        lambda: Spectrum(has_redshift=True, redshift=-0.1),
        "spectrum.redshift",
        "Spectrum.redshift",
        "no negative redshift",
    ),
    "redshift with has_redshift=False": Kept(
        lambda: Spectrum(has_redshift=False, redshift=1.0),
        "spectrum.has_redshift",
        "Spectrum.redshift",
        "silently fitting no redshift",
    ),
    "do_not_fit with has_redshift=True": Kept(
        lambda: Spectrum(has_redshift=True, redshift=1.0, do_not_fit=True),
        "spectrum.has_redshift",
        "Spectrum.do_not_fit",
        "silently not make",
    ),
    "at least one model": Kept(
        lambda: Spectrum(has_redshift=False, models=[]), "spectrum.models", "Spectrum.models", "unasked"
    ),
    "time slices in pairs": Kept(
        lambda: Spectrum(has_redshift=False, rname2="late"),
        "spectrum.gti2",
        "Spectrum.rname2",
        "silently dropped",
    ),
    "distinct slice labels": Kept(
        lambda: Spectrum(has_redshift=False, rname1="a", gti1="1-2", rname2="A", gti2="3-4"),
        "spectrum.rname2",
        "Spectrum.rname2",
        "overwrite a spectrum",
    ),
    "image bands readable": Kept(
        lambda: Image(energies="10-1"), "image.energies", "Image.energies", "cannot read"
    ),
    "unknown parameter names": Kept(_request(pos_errr=1), "pos_errr", "§9.5", "misspelt parameter"),
    "one value per wire key": Kept(
        _request(
            light_curve={"bin_meth": "snapshot", "srcrad": 10}, spectrum={"has_redshift": False, "srcrad": 20}
        ),
        "spectrum.srcrad",
        "§9.5",
        "only one can travel",
    ),
    "position options need a position product": Kept(
        lambda: JobRequest(**PY_GLOBALS, light_curve={"bin_meth": "snapshot"}, pos_radius=10),
        "pos_radius",
        "§9.5",
        "would ignore them",
    ),
    "text that can be sent": Kept(_request(name="GRB \udfff"), "name", "§9.5", "lone surrogate"),
    "whole numbers stay exact": Kept(
        lambda: LightCurve(bin_meth="counts", pc_counts=2**60, wt_counts=1, dynamic=True),
        "light_curve.pc_counts",
        "§9.5",
        "2^53",
    ),
}


def _section_9_5() -> str:
    text = DOC.read_text(encoding="utf-8")
    return text[text.index("### 9.5") : text.index("## 10.")]


@pytest.mark.parametrize("name", sorted(KEPT_STRICTER))
def test_each_rule_kept_stricter_refuses_and_says_why(name: str) -> None:
    kept = KEPT_STRICTER[name]
    assert kept.parameter in [parameter for parameter, _ in problems_of(kept.build)]
    if kept.reason_at == "§9.5":
        where = _section_9_5()
    else:
        model_name, field = kept.reason_at.split(".")
        model = {m.__name__: m for m in (JobRequest, LightCurve, Spectrum, StandardPos, Image)}[model_name]
        where = model.model_fields[field].description or ""
        assert STRICTER in where
    assert kept.reason in where, (kept.reason, where)


def test_every_undocumented_range_says_why() -> None:
    """A bounded parameter whose bounds the service does not document says why it has them; only the
    position error's range (1-6 arcmin) is the service's own."""
    documented = {(JobRequest, "pos_err")}
    for model in (JobRequest, LightCurve, Spectrum, AstromPos, Image, SourceDet):
        for name, info in model.model_fields.items():
            facts = param_of(info)
            if facts is not None and bounds_of(info) and (model, name) not in documented:
                assert facts.stricter, f"{model.__name__}.{name}"


#: Rules swifttools insists on though the service documents no such rule: kept, as the reference client's.
KEPT_AS_SWIFTTOOLS: dict[str, tuple[Callable[[], Any], str]] = {
    "centroid for an image": (
        _without("centroid", "pos_err", standard_pos=None, image={}),
        "centroid",
    ),
    "which_data of source detection": (lambda: SourceDet(), "source_det.which_data"),
    "dynamic for counts binning": (
        lambda: LightCurve(bin_meth="counts", pc_counts=20, wt_counts=30),
        "light_curve.dynamic",
    ),
}


@pytest.mark.parametrize("name", sorted(KEPT_AS_SWIFTTOOLS))
def test_rules_kept_as_swifttools_has_them(name: str) -> None:
    build, parameter = KEPT_AS_SWIFTTOOLS[name]
    assert parameter in [p for p, _ in problems_of(build)]
