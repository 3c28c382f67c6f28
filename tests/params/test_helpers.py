"""Unit tests of the small helpers the parameter models are built from."""

from __future__ import annotations

import pytest

from tests.support.params import parameters_of
from xrt_prods_async.params import JobRequest, LightCurve, Spectrum
from xrt_prods_async.params._base import snake_name
from xrt_prods_async.params._codec import decode_value, encode_value, is_truthy_flag
from xrt_prods_async.params._fields import (
    bounds_of,
    choices_of,
    describe,
    expected_of,
    is_alphanumeric,
    kind_of,
    param_of,
)
from xrt_prods_async.params._globals import Globals
from xrt_prods_async.params._naming import (
    Known,
    Namer,
    Spelling,
    fmt,
    short_repr,
    spelling_style,
    style_of_unknown,
    suggest,
)
from xrt_prods_async.params._targets import arcmin_from_echo, strip_braces


@pytest.mark.parametrize(
    ("value", "wire"),
    [
        (True, 1),
        (False, 0),
        (2.0, 2),
        (2.5, 2.5),
        (1e20, 1e20),
        (("a", "b"), ["a", "b"]),
        ("x", "x"),
    ],
)
def test_encode_value(value: object, wire: object) -> None:
    assert encode_value(value) == wire
    assert type(encode_value(value)) is type(wire)


@pytest.mark.parametrize(
    ("value", "truthy"),
    [
        (1, True),
        (True, True),
        ("1", True),
        (" yes", True),
        ("on", True),
        (0, False),
        ("0", False),
        (2, False),
        ("off", False),
    ],
)
def test_is_truthy_flag(value: object, truthy: bool) -> None:
    assert is_truthy_flag(value) is truthy


def test_decode_value_per_kind() -> None:
    field = JobRequest.model_fields
    assert decode_value(field["ra"], "52.8000") == 52.8
    assert decode_value(field["ra"], "north") == "north"  # left for validation to report
    assert decode_value(field["max_cent_tries"], "10") == 10
    assert decode_value(field["max_cent_tries"], "10.5") == 10.5
    assert decode_value(field["sss"], "no") is False
    assert decode_value(field["sss"], "maybe") == "maybe"
    assert decode_value(field["sss"], " On ") is True
    assert decode_value(field["sss"], "off") is False
    assert decode_value(field["use_sxps"], "2SXPS") is False
    assert decode_value(field["cent_meth"], 2) == "simple"
    assert decode_value(field["t0"], "608713541.952") == 608713541.952
    assert decode_value(field["t0"], "2020-04-16") == "2020-04-16"
    assert decode_value(field["targ"], "{1,2}") == "1,2"
    models = Spectrum.model_fields["models"]
    assert decode_value(models, '["apec"]') == ["apec"]
    assert decode_value(models, "powerlaw, apec") == ["powerlaw", "apec"]
    assert decode_value(LightCurve.model_fields["which_data"], 0) == "all"


def test_echo_clean_ups() -> None:
    assert strip_braces(" {00010873,00010907} ") == "00010873,00010907"
    assert strip_braces(5) == 5
    assert arcmin_from_echo(60) == 1
    assert arcmin_from_echo("90") == 1.5
    assert arcmin_from_echo(3) == 3
    assert arcmin_from_echo(400) == 400
    assert arcmin_from_echo("x") == "x"


def test_field_introspection() -> None:
    pos_err = JobRequest.model_fields["pos_err"]
    facts = param_of(pos_err)
    assert facts is not None
    assert (facts.wire, facts.st_name, facts.unit) == ("poserr", "posErr", "arcmin")
    assert kind_of(pos_err) == "number"
    assert bounds_of(pos_err) == {"ge": 1, "le": 6}
    assert expected_of(pos_err) == "a number from 1 to 6 (arcmin)"
    assert "Wire key 'poserr'; swifttools name 'posErr'." in describe(pos_err)
    bin_meth = LightCurve.model_fields["bin_meth"]
    assert kind_of(bin_meth) == "choice"
    assert choices_of(bin_meth) == ("counts", "time", "snapshot", "obsid")
    assert kind_of(Spectrum.model_fields["delta_fit_stat"]) == "number"
    assert param_of(JobRequest.model_fields["light_curve"]) is None


def test_names() -> None:
    assert snake_name("StandardPos") == "standard_pos"
    assert snake_name("LightCurve") == "light_curve"
    assert fmt(2.0) == "2"
    assert fmt("a") == "'a'"
    assert short_repr("x" * 100).endswith("...")
    assert is_alphanumeric("Early1")
    assert not is_alphanumeric("early 1")
    namer = Namer("swifttools", {"pc_counts": "pcCounts"}, {"wt_counts": "wt_counts"}, "LightCurve")
    assert namer("pc_counts") == "LightCurve.pcCounts"
    assert namer("wt_counts") == "LightCurve.wt_counts"
    assert namer.key("odd") == "LightCurve.odd"
    assert Namer("python", {}, fixed={"a": "posobs"}, prefix="p")("a") == "posobs"


def test_suggest_and_style() -> None:
    known = [
        Known(
            ("pos_err", "posErr", "poserr"), {"python": "pos_err", "swifttools": "posErr", "wire": "poserr"}
        ),
        Known(("pos_radius", "posRadius"), {"python": "pos_radius", "swifttools": "posRadius"}),
    ]
    assert suggest("posEr", known) == "; did you mean 'posErr'?"
    assert suggest("POSERR", known) == "; did you mean 'posErr'?"
    assert suggest("pos_er", known, "python") == "; did you mean 'pos_err'?"
    assert suggest("posEr", known, "wire") == "; did you mean 'poserr'?"
    assert suggest("posradiu", known, "wire") == "; did you mean 'posRadius'?"  # no wire key of its own
    assert suggest("zzz", known) == ""
    assert suggest("pos", ["pos_err", "pos_radius"]).startswith("; did you mean")
    assert style_of_unknown(["binMeht"]) == "swifttools"
    assert style_of_unknown(["bin_mth"]) == "python"
    assert style_of_unknown(["binmeth"]) == "swifttools"
    assert style_of_unknown([]) is None


def test_suggestions_rank_the_closest_first_and_drop_the_far_ones() -> None:
    counts = [Known.plain(name) for name in ("pcCounts", "wtCounts", "minCounts")]
    assert suggest("pcCount", counts) == "; did you mean 'pcCounts'?"
    assert suggest("mnCounts", counts) == "; did you mean 'minCounts'?"
    regions = [Known.plain(f"rname{n}") for n in range(1, 5)]
    assert suggest("rname5", regions) == "; did you mean 'rname1', 'rname2' or 'rname3'?"
    here = Known.plain("centMeth")
    elsewhere = Known(
        ("binMeth",), {"swifttools": "binMeth"}, {"swifttools": " (inside LightCurve={...})"}, 1
    )
    assert suggest("binMeht", [here, elsewhere]) == "; did you mean 'binMeth' (inside LightCurve={...})?"
    tie_here, tie_elsewhere = Known.plain("abcd"), Known(("abce",), {"swifttools": "abce"}, tier=1)
    assert suggest("abcx", [tie_elsewhere, tie_here]) == "; did you mean 'abcd' or 'abce'?"


@pytest.mark.parametrize(
    ("key", "context", "spelling"),
    [
        ("pc_count", None, "python"),
        ("pc_count", "wire", "python"),
        ("pcCount", "python", "swifttools"),
        ("pcCount", "wire", "wire"),
        ("pccount", None, "swifttools"),
        ("pccount", "python", "python"),
        ("pccount", "wire", "wire"),
    ],
)
def test_suggestions_follow_the_spelling_of_the_typo_then_of_the_call(
    key: str, context: Spelling | None, spelling: Spelling
) -> None:
    assert spelling_style(key, context) == spelling


def test_globals_alone() -> None:
    assert Globals(name="x", T0=5.0).get_t0 is False
    assert parameters_of(lambda: Globals(centroid=True)) == ["pos_err"]
    assert parameters_of(lambda: Globals(getCoords=True, RA=1.0)) == ["RA"]
    assert parameters_of(lambda: Globals(binMeth="x")) == ["binMeth"]
