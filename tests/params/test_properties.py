"""Property tests: every accepted model survives the wire round trip; no input escapes as anything but
InvalidRequestError; every spelling of the same parameters builds the same model."""

from __future__ import annotations

import math
import string
from typing import Any

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from xrt_prods_async._errors import InvalidRequestError
from xrt_prods_async.params import (
    AstromPos,
    EnhancedPos,
    Image,
    JobRequest,
    LightCurve,
    ParamModel,
    SourceDet,
    Spectrum,
    StandardPos,
)
from xrt_prods_async.params._fields import bounds_of, choices_of, kind_of

FAST = settings(max_examples=150, deadline=None, suppress_health_check=[HealthCheck.too_slow])

ALNUM = string.ascii_letters + string.digits
text = st.text(alphabet=ALNUM + " .,:-_+", min_size=1, max_size=12).filter(lambda s: bool(s.strip()))
obs = st.lists(st.text(alphabet=string.digits, min_size=11, max_size=11), min_size=1, max_size=3).map(
    ",".join
)


def value_of(model: type[ParamModel], name: str) -> st.SearchStrategy[Any]:
    """A valid value for one field, derived from its declaration."""
    info = model.model_fields[name]
    kind = kind_of(info)
    bounds = bounds_of(info)
    if kind == "choice":
        return st.sampled_from(choices_of(info))
    if kind == "flag":
        return st.booleans()
    if kind == "count":
        low = int(bounds.get("ge", bounds.get("gt", -1) + 1))
        return st.integers(min_value=max(low, 0), max_value=10**6)
    if kind == "number":
        low = bounds.get("ge", bounds.get("gt", -1e6))
        high = bounds.get("le", bounds.get("lt", 1e6))
        floats = st.floats(
            min_value=low,
            max_value=high,
            exclude_min="gt" in bounds,
            exclude_max="lt" in bounds,
            allow_nan=False,
        )
        whole = (math.ceil(low) + 1, math.floor(high) - 1)
        return st.one_of(floats, st.integers(*whole)) if whole[0] <= whole[1] else floats
    if kind == "time":
        return st.one_of(
            st.floats(min_value=0, max_value=1e9), st.sampled_from(["2020-04-16T12:00:00", "MJD59000"])
        )
    if kind == "models":
        return st.lists(
            st.sampled_from(["powerlaw", "apec", "blackbody", "PowerLaw"]), min_size=1, unique_by=str.lower
        )
    return text


def free(model: type[ParamModel], *excluded: str) -> st.SearchStrategy[dict[str, Any]]:
    """A random subset of the fields no rule involves, with valid values."""
    names = [n for n in model.__xrt__.wire if n not in excluded]
    return st.fixed_dictionaries({}, optional={n: value_of(model, n) for n in names})


def observations(prefix: str = "") -> st.SearchStrategy[dict[str, Any]]:
    """which_data/use_obs combinations that are consistent."""
    return st.one_of(
        st.just({}),
        st.just({f"{prefix}which_data": "all"}),
        obs.map(lambda o: {f"{prefix}use_obs": o}),
        obs.map(lambda o: {f"{prefix}which_data": "user", f"{prefix}use_obs": o}),
    )


@st.composite
def light_curves(draw: st.DrawFn) -> dict[str, Any]:
    data = draw(
        free(
            LightCurve,
            "bin_meth",
            "pc_counts",
            "wt_counts",
            "dynamic",
            "pc_bin_time",
            "wt_bin_time",
            "match_hr",
            "pc_hr_bin_time",
            "wt_hr_bin_time",
            "which_data",
            "use_obs",
            "min_energy",
            "max_energy",
            "soft_lo",
            "soft_hi",
            "hard_lo",
            "hard_hi",
            "srcrad",
        )
    )
    method = draw(st.sampled_from(["counts", "time", "snapshot", "obsid"]))
    data["bin_meth"] = method
    if method == "counts":
        data.update(
            pc_counts=draw(st.integers(1, 500)),
            wt_counts=draw(st.integers(1, 500)),
            dynamic=draw(st.booleans()),
        )
    if method == "time":
        data.update(pc_bin_time=draw(st.floats(1, 1e4)), wt_bin_time=draw(st.floats(0.1, 1e3)))
        if draw(st.booleans()):
            data.update(
                match_hr=False,
                pc_hr_bin_time=draw(st.floats(1, 1e4)),
                wt_hr_bin_time=draw(st.floats(0.1, 1e3)),
            )
    if draw(st.booleans()):
        edges = sorted(draw(st.lists(st.floats(0.1, 12), min_size=6, max_size=6, unique=True)))
        names = ["min_energy", "soft_lo", "hard_lo", "soft_hi", "hard_hi", "max_energy"]
        data.update(zip(names, edges, strict=True))
    data.update(draw(observations()))
    return data


@st.composite
def spectra(draw: st.DrawFn) -> dict[str, Any]:
    data = draw(
        free(
            Spectrum,
            "has_redshift",
            "redshift",
            "which_data",
            "use_obs",
            "inc_hours",
            "timeslice",
            "do_not_fit",
            "galactic",
            "srcrad",
            *(f"{k}{n}" for k in ("rname", "gti") for n in range(1, 5)),
        )
    )
    choice = draw(st.sampled_from(["none", "redshift", "explicit", "no-fit"]))
    if choice == "none":
        data["has_redshift"] = False
    elif choice == "redshift":
        data["redshift"] = draw(st.floats(0, 10))
    elif choice == "explicit":
        data.update(has_redshift=True, redshift=draw(st.floats(0, 10)), galactic=draw(st.booleans()))
    else:
        data["do_not_fit"] = True
    data.update(draw(observations()))
    if "which_data" not in data and "use_obs" not in data and draw(st.booleans()):
        data.update(which_data="hours", inc_hours=draw(st.floats(0.5, 100)))
    slices = draw(st.integers(0, 4))
    if slices:
        data["timeslice"] = "user"
        for n in draw(st.permutations(range(1, 5)))[: max(slices, 1)]:
            data[f"rname{n}"] = f"slice{n}"
            data[f"gti{n}"] = draw(st.sampled_from(["1-2", "608713541-608714541", "0-100,200-300"]))
        data.setdefault("rname1", "first")
        data.setdefault("gti1", "5-6")
    return data


@st.composite
def positions(draw: st.DrawFn) -> dict[str, Any]:
    data = draw(free(StandardPos, "which_data", "use_obs", "inc_hours"))
    data.update(draw(observations()))
    if "which_data" not in data and "use_obs" not in data and draw(st.booleans()):
        data.update(which_data="hours", inc_hours=draw(st.floats(0.5, 100)))
    return data


images = st.builds(
    lambda base, bands, observed: {**base, **observed, **({"energies": bands} if bands else {})},
    free(Image, "which_data", "use_obs", "energies"),
    st.sampled_from([None, "0.3-10", "0.3-10,0.3-1.5,1.51-10", "1-4"]),
    observations(),
)
detections = st.builds(
    lambda base, observed: {**base, **(observed or {"which_data": "all"})},
    free(SourceDet, "which_data", "use_obs"),
    observations(),
)


@st.composite
def requests(draw: st.DrawFn) -> JobRequest:
    data = draw(
        free(
            JobRequest,
            "name",
            "targ",
            "t0",
            "ra",
            "dec",
            "centroid",
            "pos_err",
            "get_coords",
            "get_targs",
            "get_t0",
        )
    )
    data["name"] = draw(text)
    if draw(st.booleans()):
        data["targ"] = draw(
            st.lists(st.text(string.digits, min_size=8, max_size=8), min_size=1, max_size=3).map(",".join)
        )
    else:
        data["get_targs"] = True
    if draw(st.booleans()):
        data.update(ra=draw(st.floats(0, 359.99)), dec=draw(st.floats(-90, 90)))
    else:
        data["get_coords"] = True
    data["centroid"] = draw(st.booleans())
    if data["centroid"]:
        data["pos_err"] = draw(st.floats(1, 6))
    if draw(st.booleans()):
        data["t0"] = draw(value_of(JobRequest, "t0"))
    elif draw(st.booleans()):
        data["get_t0"] = draw(st.booleans())
    makers: dict[str, st.SearchStrategy[dict[str, Any]]] = {
        "light_curve": light_curves(),
        "spectrum": spectra(),
        "image": images,
        "source_det": detections,
        "standard_pos": st.just({}),
        "enhanced_pos": st.just({}),
        "astrom_pos": free(AstromPos, *StandardPos.model_fields),
    }
    chosen = draw(st.lists(st.sampled_from(sorted(makers)), min_size=1, max_size=7, unique=True))
    for name in chosen:
        data[name] = draw(makers[name])
    if {"standard_pos", "enhanced_pos", "astrom_pos"} & set(chosen):
        options = draw(positions())
        where = draw(st.sampled_from(["global", *[c for c in chosen if c.endswith("_pos")]]))
        if where == "global":
            data.update({JobRequest._pos_python_name(k): v for k, v in options.items()})
        else:
            data[where] = {**data[where], **options}
    if draw(st.booleans()):
        srcrad = draw(st.integers(1, 100))
        for name in ("light_curve", "spectrum"):
            if name in data and draw(st.booleans()):
                data[name] = {**data[name], "srcrad": srcrad}
    return JobRequest(**data)


@FAST
@given(requests())
def test_every_accepted_request_survives_the_wire(request: JobRequest) -> None:
    body = request.to_wire("someone@example.org")
    assert JobRequest.from_job_pars(body) == request
    assert JobRequest.from_swifttools_json(body) == request
    again = JobRequest.from_job_pars(body)
    assert again.to_wire("someone@example.org") == body
    assert again.fingerprint() == request.fingerprint()
    assert again.products == request.products


@FAST
@given(st.one_of(light_curves(), spectra(), positions(), images, detections), st.randoms())
def test_every_spelling_builds_the_same_product(data: dict[str, Any], rnd: Any) -> None:
    for model in (LightCurve, Spectrum, StandardPos, EnhancedPos, Image, SourceDet):
        try:
            expected = model(**data)
        except InvalidRequestError:
            continue
        spellings: dict[str, list[str]] = {}
        for spelling, name in model.__xrt__.lookup.items():
            if spelling not in model.__xrt__.deprecated:
                spellings.setdefault(name, []).append(spelling)
        respelled = {rnd.choice(spellings[k]): v for k, v in data.items()}
        assert model(**respelled) == expected


# ------------------------------------------------------------------------------------------ invalid input

_ALL_NAMES = sorted(
    {
        *(
            s
            for m in (JobRequest, LightCurve, Spectrum, AstromPos, Image, SourceDet)
            for s in m.__xrt__.lookup
        ),
        *JobRequest._pos_lookup(),
        *JobRequest._product_spellings(),
    }
)
scalars = st.one_of(
    st.none(),
    st.booleans(),
    st.integers(min_value=-(10**30), max_value=10**30),
    st.floats(allow_nan=True, allow_infinity=True),
    st.text(max_size=8),
    st.sampled_from(["all", "user", "hours", "counts", "time", "1", "0", "{1,2}", "0.3-10", "yes"]),
)
values = st.recursive(
    scalars,
    lambda inner: st.one_of(
        st.lists(inner, max_size=3), st.dictionaries(st.text(max_size=5), inner, max_size=3)
    ),
    max_leaves=6,
)
names = st.one_of(st.sampled_from(_ALL_NAMES), st.text(max_size=10))
random_dicts = st.dictionaries(
    names, st.one_of(values, st.dictionaries(st.sampled_from(_ALL_NAMES), values, max_size=5)), max_size=12
)


def _outcome(build: Any, data: dict[str, Any], call: bool) -> InvalidRequestError | None:
    """None when ``build`` accepts ``data``; the InvalidRequestError when it refuses it."""
    try:
        build(**data) if call else build(data)
    except InvalidRequestError as error:
        return error
    return None


@FAST
@pytest.mark.filterwarnings("ignore::DeprecationWarning")
@given(random_dicts)
def test_random_input_only_ever_raises_invalid_request_error(data: dict[str, Any]) -> None:
    for build in (JobRequest, LightCurve, Spectrum, StandardPos, AstromPos, Image, SourceDet):
        error = _outcome(build, data, call=True)
        assert error is None or error.problems
    for decode in (JobRequest.from_job_pars, JobRequest.from_swifttools_json, JobRequest.from_loose):
        error = _outcome(decode, data, call=False)
        assert error is None or error.problems


@FAST
@pytest.mark.filterwarnings("ignore::DeprecationWarning")
@given(requests(), names, values)
def test_random_changes_only_ever_raise_invalid_request_error(
    request: JobRequest, name: str, value: Any
) -> None:
    try:
        changed = request.replace(**{name: value})
    except InvalidRequestError:
        return
    assert JobRequest.from_job_pars(changed.to_wire("u")) == changed
