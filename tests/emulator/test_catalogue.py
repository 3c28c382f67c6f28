"""The emulator's object catalogue: real positions, tolerant names, deterministic derivations."""

from __future__ import annotations

import re

import pytest

from xrt_prods_async.emulator._catalogue import (
    CATALOGUE,
    FIELD_RADIUS_DEG,
    CatalogueResolver,
    KnownObject,
    angular_distance,
    normalise_name,
    resolve_name,
    t0_for,
    targets_for,
)

REQUIRED = (
    "GRB 200416A",
    "GK Per",
    "FO Aqr",
    "GRB 130925A",
    "GRB 221009A",
    "Sco X-1",
    "Cyg X-1",
    "Her X-1",
    "SS Cyg",
    "AM Her",
    "Mrk 421",
    "3C 273",
    "Sgr A*",
    "Crab",
    "Cas A",
    "V404 Cyg",
    "Swift J1753.5-0127",
    "GRB 190114C",
    "GRB 230307A",
    "SN 2023ixf",
    "Proxima Cen",
)


def test_catalogue_holds_at_least_twenty_distinct_objects_with_sane_fields() -> None:
    assert len(CATALOGUE) >= 20
    assert len({normalise_name(o.name) for o in CATALOGUE}) == len(CATALOGUE)
    for obj in CATALOGUE:
        assert 0 <= obj.ra < 360, obj
        assert -90 <= obj.dec <= 90, obj
        assert obj.targets, obj
        assert all(re.fullmatch(r"\d{8}", t) for t in obj.targets), obj
        assert 1e8 < obj.t0 < 8e8, obj  # Swift MET of 2004-2026
        assert obj.kind


@pytest.mark.parametrize("name", REQUIRED)
def test_required_objects_resolve(name: str) -> None:
    obj = resolve_name(name)
    assert isinstance(obj, KnownObject)
    assert normalise_name(obj.name) == normalise_name(name)


def test_documented_facts_of_grb_200416a_and_gk_per() -> None:
    grb = resolve_name("GRB 200416A")
    assert grb is not None
    assert (grb.ra, grb.dec, grb.targets, grb.t0, grb.kind) == (
        335.6985,
        -7.5179,
        ("00966554",),
        608713541.952,
        "GRB",
    )
    gk = resolve_name("GK Per")
    assert gk is not None
    assert (gk.ra, gk.dec) == (52.8000, 43.9043)
    assert "00030842" in gk.targets


@pytest.mark.parametrize(
    ("name", "ra", "dec"),
    [  # published J2000 positions, to ~1 arcsec
        ("Crab", 83.6331, 22.0145),
        ("Sgr A*", 266.4168, -29.0078),
        ("Sco X-1", 244.9795, -15.6402),
        ("3C 273", 187.2779, 2.0524),
        ("Cyg X-1", 299.5903, 35.2016),
    ],
)
def test_coordinates_match_published_values(name: str, ra: float, dec: float) -> None:
    obj = resolve_name(name)
    assert obj is not None
    assert angular_distance(obj.ra, obj.dec, ra, dec) < 2.0 / 3600


@pytest.mark.parametrize(
    "spelling", ["grb200416a", "GRB_200416A", "  grb 200416A ", "Grb-200416a", "GRB\t200416A"]
)
def test_resolution_ignores_case_spaces_underscores(spelling: str) -> None:
    obj = resolve_name(spelling)
    assert obj is not None
    assert obj.name == "GRB 200416A"


def test_aliases_and_unknown_names() -> None:
    crab = resolve_name("Crab Nebula")
    assert crab is not None
    assert crab.name == "Crab"
    assert resolve_name("cassiopeia_a") is not None
    assert resolve_name("Not A Real Object 123") is None
    assert resolve_name("") is None


def test_targets_and_t0_come_from_the_catalogue_inside_the_field() -> None:
    assert targets_for("GRB 200416A", 335.6985, -7.5179) == ("00966554",)
    assert t0_for("grb200416a", 335.70, -7.52) == 608713541.952
    # Outside the XRT field of the named object the catalogue does not apply.
    far = 335.6985 + 2 * FIELD_RADIUS_DEG
    assert targets_for("GRB 200416A", far, -7.5179) != ("00966554",)
    assert t0_for("GRB 200416A", far, -7.5179) != 608713541.952


def test_made_up_targets_and_t0_are_deterministic_and_plausible() -> None:
    a = targets_for("My Source", 10.0, 20.0)
    assert a == targets_for("my_source", 10.0, 20.0)
    assert len(a) == 1
    assert re.fullmatch(r"03\d{6}", a[0])
    grb = targets_for("GRB 990101Z", 10.0, 20.0)
    assert re.fullmatch(r"01\d{6}", grb[0])
    assert targets_for("My Source", 50.0, 20.0) != a
    t0 = t0_for("My Source", 10.0, 20.0)
    assert t0 == t0_for("MY SOURCE", 10.0, 20.0)
    assert 1.5e8 <= t0 <= 7.1e8
    assert t0 != t0_for("Other Source", 10.0, 20.0)


def test_resolver_object_wraps_the_functions() -> None:
    resolver = CatalogueResolver()
    assert resolver.coordinates("GK Per") == (52.8000, 43.9043)
    assert resolver.coordinates("nowhere") is None
    assert resolver.targets("GK Per", 52.8, 43.9043) == targets_for("GK Per", 52.8, 43.9043)
    assert resolver.t0("x", 1.0, 2.0) == t0_for("x", 1.0, 2.0)


def test_angular_distance() -> None:
    assert angular_distance(10, 0, 11, 0) == pytest.approx(1.0)
    assert angular_distance(0, 89.9, 180, 89.9) == pytest.approx(0.2)
    assert angular_distance(359.99, 0, 0.01, 0) == pytest.approx(0.02)
