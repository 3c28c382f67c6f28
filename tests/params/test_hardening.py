"""Whatever the parameter models are given, only InvalidRequestError escapes, and it names what was wrong.

Every entry point — each model's constructor, ``model_validate`` and ``model_validate_json``, ``from_loose``,
``from_job_pars``, ``from_swifttools_json``, ``replace`` — is fed hostile input (tests/support/nasty.py):
integers beyond float range, NaN and infinities, nesting past the recursion limit, values holding themselves,
non-string keys, bytes, lone surrogates, objects whose repr raises. Whatever a model accepts can be sent.
"""

from __future__ import annotations

import json
from typing import Any

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from tests.params.test_properties import _ALL_NAMES, requests
from tests.support.nasty import NASTY, keys, nasty, nested, values
from tests.support.params import PY_GLOBALS, problems_of
from xrt_prods_async._errors import InvalidRequestError
from xrt_prods_async.params import (
    AstromPos,
    EnhancedPos,
    Globals,
    Image,
    JobRequest,
    LightCurve,
    ParamModel,
    PositionOptions,
    SourceDet,
    Spectrum,
    StandardPos,
)
from xrt_prods_async.params._fields import kind_of

QUICK = settings(
    max_examples=100,
    deadline=None,
    suppress_health_check=[HealthCheck.too_slow, HealthCheck.data_too_large],
)
MODELS: tuple[type[ParamModel], ...] = (
    JobRequest,
    Globals,
    PositionOptions,
    LightCurve,
    Spectrum,
    StandardPos,
    EnhancedPos,
    AstromPos,
    Image,
    SourceDet,
)

names = st.one_of(st.sampled_from(_ALL_NAMES), st.text(max_size=8), st.just("\ud800"))
#: Mappings of parameters: known names most of the time, anything at all as keys or values otherwise.
parameters = st.dictionaries(
    st.one_of(names, keys),
    st.one_of(values, st.dictionaries(st.one_of(st.sampled_from(_ALL_NAMES), keys), values, max_size=4)),
    max_size=8,
)


def only_invalid_request_error(build: Any, *args: Any, **kwargs: Any) -> ParamModel | None:
    """The model ``build`` makes, or None when it refuses the input with problems; anything else fails."""
    try:
        return build(*args, **kwargs)  # type: ignore[no-any-return]
    except InvalidRequestError as error:
        refused = error
    assert refused.problems
    assert str(refused)  # the message can be made, whatever was given
    return None


def sendable(model: ParamModel) -> None:
    """An accepted request can be written as the service's JSON, and fingerprinted."""
    if isinstance(model, JobRequest):
        body = model.to_wire("someone@example.org")
        json.dumps(body, ensure_ascii=False, allow_nan=False).encode("utf-8")
        model.fingerprint()


@QUICK
@pytest.mark.filterwarnings("ignore::DeprecationWarning")
@given(parameters)
def test_constructors_raise_only_invalid_request_error(data: dict[Any, Any]) -> None:
    keyword = {k: v for k, v in data.items() if isinstance(k, str)}
    for model in MODELS:
        for built in (
            only_invalid_request_error(model, **keyword),
            only_invalid_request_error(model.model_validate, data),
        ):
            if built is not None:
                sendable(built)


@QUICK
@pytest.mark.filterwarnings("ignore::DeprecationWarning")
@given(parameters)
def test_loose_readers_raise_only_invalid_request_error(data: dict[Any, Any]) -> None:
    for model in MODELS:
        built = only_invalid_request_error(model.from_loose, data)
        if built is not None:
            sendable(built)
    for strict in (False, True):
        for read in (JobRequest.from_job_pars, JobRequest.from_swifttools_json):
            built = only_invalid_request_error(read, data, strict=strict)
            if built is not None:
                sendable(built)
    JobRequest.from_job_pars_or_none(data)  # never raises: None when the echo is not a request


@QUICK
@pytest.mark.filterwarnings("ignore::DeprecationWarning")
@given(requests(), names, values)
def test_replace_raises_only_invalid_request_error(request: JobRequest, name: str, value: Any) -> None:
    changed = only_invalid_request_error(request.replace, **{name: value})
    if changed is not None:
        sendable(changed)


@QUICK
@given(st.one_of(st.text(), st.binary(), values, st.sampled_from(["[" * 5000, '{"a":' * 3000, "1" * 5000])))
def test_model_validate_json_raises_only_invalid_request_error(text: Any) -> None:
    for model in (JobRequest, LightCurve):
        only_invalid_request_error(model.model_validate_json, text)


@QUICK
@given(nasty)
def test_any_value_of_any_parameter_of_any_model(value: Any) -> None:
    """Each hostile value, under each parameter name: refused as that parameter, or accepted and sendable."""
    for model in MODELS:
        for name in model.__xrt__.wire:
            built = only_invalid_request_error(model.model_validate, {name: value})
            if built is not None:
                sendable(built)


# ---------------------------------------------------------------------------- the cases the fuzzing found


def _number_fields() -> list[tuple[type[ParamModel], str]]:
    return [
        (model, name)
        for model in (JobRequest, LightCurve, Spectrum, AstromPos)
        for name, info in model.model_fields.items()
        if name in model.__xrt__.wire and kind_of(info) in ("number", "time")
    ]


@pytest.mark.parametrize(("model", "name"), _number_fields(), ids=lambda x: getattr(x, "__name__", x))
def test_an_integer_beyond_float_range_is_a_problem_of_its_parameter(
    model: type[ParamModel], name: str
) -> None:
    found = problems_of(lambda: model.model_validate({name: 10**400}))
    assert any(parameter.endswith(name) and "number" in text for parameter, text in found), found


@pytest.mark.parametrize("wire", ["RA", "poserr", "wtpuprate", "Tstart", "minen", "zval", "posRadius"])
def test_an_echo_with_an_integer_beyond_float_range_is_refused_not_raised(wire: str) -> None:
    echo = {
        **JobRequest(**PY_GLOBALS, lc={"bin_meth": "snapshot"}, spec={"has_redshift": False}, psf={}).to_wire(
            "u"
        ),
        wire: 10**400,
    }
    with pytest.raises(InvalidRequestError):
        JobRequest.from_job_pars(echo)
    assert JobRequest.from_job_pars_or_none(echo) is None


def test_from_loose_names_keys_that_are_not_text() -> None:
    untyped: Any = {"binMeth": "snapshot", 5: "x", None: 1, b"k": 2}
    found = problems_of(lambda: LightCurve.from_loose(untyped))
    assert [p for p, _ in found] == ["LightCurve.5", "LightCurve.None", "LightCurve.b'k'"]
    assert all(text == "parameter names must be strings of text" for _, text in found)
    text: Any = "name=x"
    assert problems_of(lambda: JobRequest.from_loose(text)) == [
        ("JobRequest", "expected a mapping of parameters; got 'name=x'")
    ]


@pytest.mark.parametrize("index", range(3))
def test_values_nested_too_deeply_or_holding_themselves_are_a_problem(index: int) -> None:
    deep = NASTY[index]  # nested 3000 levels, a list holding itself, a dict holding itself
    for build in (
        lambda: Spectrum(has_redshift=False, models=deep),
        lambda: LightCurve.from_loose({"binMeth": deep}),
        lambda: JobRequest.from_job_pars({"name": "x", "lc": 1, "binMeth": deep}),
    ):
        found = problems_of(build)
        assert any("nested more than 32 levels deep" in text for _, text in found), found
    assert problems_of(lambda: LightCurve(bin_meth="snapshot", use_obs=nested(10))) == [
        ("light_curve.use_obs", "must be a non-empty string; got [[[[[[[[[[[]]]]]]]]]]]")
    ]


def test_text_that_cannot_be_sent_is_a_problem() -> None:
    found = problems_of(lambda: JobRequest(**{**PY_GLOBALS, "name": "GRB \ud800"}, psf={}))
    assert found == [
        ("name", "holds a lone surrogate (\\ud800-\\udfff), which cannot be sent as UTF-8; got 'GRB \\ud800'")
    ]


def test_whole_numbers_must_stay_exact_on_the_wire() -> None:
    found = problems_of(lambda: LightCurve(bin_meth="counts", pc_counts=2**53, wt_counts=1, dynamic=True))
    assert found[0][0] == "light_curve.pc_counts"
    assert "below 2**53" in found[0][1]
