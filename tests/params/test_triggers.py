"""The automatic triggers of docs/parameters.md §9.2: what they set, and the error when they meet an explicit
contradicting value (never a silent override)."""

from __future__ import annotations

from typing import Any

import pytest

from tests.support.params import PY_GLOBALS, SNAPSHOT_LC, problems_of
from xrt_prods_async.params import (
    AstromPos,
    EnhancedPos,
    Image,
    JobRequest,
    LightCurve,
    SourceDet,
    Spectrum,
    StandardPos,
)
from xrt_prods_async.params._checks import DROP, Trigger

LC = {"light_curve": SNAPSHOT_LC}


def test_when_a_trigger_fires() -> None:
    """Set to anything, set to one value, or explicitly removed (``None``); an unset field never fires."""
    any_value = Trigger("use_obs", {"which_data": "user"})
    assert any_value.fires({"use_obs": "0001"})
    assert not any_value.fires({})
    assert not any_value.fires({"use_obs": None})
    one_value = Trigger("which_data", {"use_obs": DROP}, equals="all")
    assert one_value.fires({"which_data": "all"})
    assert not one_value.fires({"which_data": "user"})
    removed = Trigger("redshift", {"has_redshift": False}, on_none=True)
    assert removed.fires({"redshift": None})
    assert not removed.fires({})
    assert not removed.fires({"redshift": 1.0})


def test_t0_sets_get_t0_false() -> None:
    request = JobRequest(**PY_GLOBALS, t0=608713541.952, **LC)
    assert request.get_t0 is False
    assert request.to_wire("u")["getT0"] == 0
    assert JobRequest(**PY_GLOBALS, t0=1.0, get_t0=False, **LC).get_t0 is False


def test_t0_with_get_t0_true_is_an_error() -> None:
    found = problems_of(lambda: JobRequest(**PY_GLOBALS, T0=1.0, getT0=True, **LC))
    assert found == [("getT0", "True contradicts T0=1, which sets it to False; drop one of them")]


def test_targ_sets_get_targs_false() -> None:
    request = JobRequest(**PY_GLOBALS, **LC)
    assert request.get_targs is False
    assert request.to_wire("u")["getTargs"] == 0
    found = problems_of(lambda: JobRequest(**PY_GLOBALS, get_targs=True, **LC))
    assert found == [
        ("get_targs", "True contradicts targ='00966554', which sets it to False; drop one of them")
    ]


def test_without_t0_or_targ_nothing_is_set() -> None:
    request = JobRequest(**{k: v for k, v in PY_GLOBALS.items() if k != "targ"}, get_targs=True, **LC)
    assert request.get_t0 is None
    assert "getT0" not in request.to_wire("u")


def test_global_useposobs_sets_posobs_user() -> None:
    request = JobRequest(**PY_GLOBALS, useposobs="00966554000", StandardPos={})
    assert request.standard_pos == StandardPos(which_data="user", use_obs="00966554000")
    wire = request.to_wire("u")
    assert (wire["posobs"], wire["useposobs"]) == ("user", "00966554000")


@pytest.mark.parametrize("which", ["all", "hours"])
def test_global_useposobs_contradicting_posobs(which: str) -> None:
    found = problems_of(lambda: JobRequest(**PY_GLOBALS, posobs=which, useposobs="0001", StandardPos={}))
    assert found[0][0] == "posobs"
    assert "useposobs='0001', which sets it to 'user'" in found[0][1]


PRODUCTS_WITH_OBS: list[tuple[type, dict[str, Any]]] = [
    (LightCurve, {"bin_meth": "snapshot"}),
    (Spectrum, {"has_redshift": False}),
    (StandardPos, {}),
    (EnhancedPos, {}),
    (AstromPos, {}),
    (Image, {}),
    (SourceDet, {}),
]


@pytest.mark.parametrize(("model", "base"), PRODUCTS_WITH_OBS)
def test_use_obs_sets_which_data_user(model: type, base: dict[str, Any]) -> None:
    product = model(**base, use_obs="00966554000")
    assert product.which_data == "user"


@pytest.mark.parametrize(("model", "base"), PRODUCTS_WITH_OBS)
def test_which_data_all_with_use_obs_is_an_error(model: type, base: dict[str, Any]) -> None:
    found = problems_of(lambda: model(**base, whichData="all", useObs="00966554000"))
    assert len(found) == 1
    parameter, message = found[0]
    assert parameter.endswith(".whichData")
    assert "'all' contradicts" in message
    assert "useObs='00966554000', which sets it to 'user'" in message


@pytest.mark.parametrize(("model", "base"), PRODUCTS_WITH_OBS)
def test_which_data_all_drops_use_obs_on_replace(model: type, base: dict[str, Any]) -> None:
    product = model(**base, use_obs="00966554000")
    changed = product.replace(which_data="all")
    assert changed.which_data == "all"
    assert changed.use_obs is None
    assert changed.replace(use_obs="0001").which_data == "user"


def test_redshift_sets_has_redshift_and_galactic() -> None:
    spectrum = Spectrum(redshift=2.0)
    assert spectrum.has_redshift is True
    assert spectrum.galactic is True
    assert dict(Spectrum(redshift=2.0).wire_items()) == {"specz": 1, "zval": 2, "galactic": 1, "dchi": 2.706}


def test_redshift_with_has_redshift_false_is_an_error() -> None:
    found = problems_of(lambda: Spectrum(hasRedshift=False, redshift=0.5))
    assert found == [
        (
            "Spectrum.hasRedshift",
            "False contradicts Spectrum.redshift=0.5, which sets it to True; drop one of them",
        )
    ]


def test_galactic_is_a_default_an_explicit_value_wins() -> None:
    """galactic=True is swifttools' convenience default, not a contradiction: the user's False stands."""
    assert Spectrum(redshift=2.0, galactic=False).galactic is False
    assert Spectrum(has_redshift=True, redshift=1.0, galactic=False).galactic is False


def test_has_redshift_true_sets_galactic() -> None:
    assert Spectrum(has_redshift=True, redshift=1.0).galactic is True
    assert Spectrum(has_redshift=False).galactic is None


def test_removing_redshift_sets_has_redshift_false() -> None:
    assert Spectrum(redshift=None).has_redshift is False
    spectrum = Spectrum(redshift=2.0).replace(redshift=None)
    assert spectrum.has_redshift is False
    assert spectrum.redshift is None


def test_do_not_fit_sets_has_redshift_false() -> None:
    assert Spectrum(do_not_fit=True).has_redshift is False
    assert Spectrum(do_not_fit=False, has_redshift=False).has_redshift is False
    found = problems_of(lambda: Spectrum(do_not_fit=True, has_redshift=True, redshift=1.0))
    assert found[0][0] == "spectrum.has_redshift"
    found = problems_of(lambda: Spectrum(do_not_fit=True, redshift=1.0))
    assert found == [
        (
            "spectrum.has_redshift",
            "True (set by spectrum.redshift) contradicts spectrum.do_not_fit=True, which sets it to False; "
            "drop one of them",
        )
    ]


def test_replace_reruns_request_triggers() -> None:
    request = JobRequest(**{k: v for k, v in PY_GLOBALS.items() if k != "targ"}, get_targs=True, **LC)
    changed = request.replace(targ="00966554")
    assert changed.get_targs is False
    assert changed.replace(t0=5.0).get_t0 is False
    assert problems_of(lambda: request.replace(targ="1", get_targs=True))[0][0] == "get_targs"
