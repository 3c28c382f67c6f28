"""The Product enum: every spelling of every product resolves, and nothing else does."""

from __future__ import annotations

import pytest

from xrt_prods_async import Product
from xrt_prods_async._products import join_short_names

TABLE = [
    # short, flag, long name, label, listOldJobs key
    ("lc", "lc", "LightCurve", "light curve", "LightCurve"),
    ("spec", "spec", "Spectrum", "spectrum", "Spectrum"),
    ("psf", "dopsf", "StandardPos", "standard position", "StandardPos"),
    ("enh", "doenh", "EnhancedPos", "enhanced position", "EnhancedPos"),
    ("xastrom", "doxastrom", "AstromPos", "astrometric position", "AstromPos"),
    ("image", "image", "Image", "image", "Image"),
    ("sourceDet", "sourceDet", "SourceDet", "source detection", None),
]


@pytest.mark.parametrize(("short", "flag", "long_name", "label", "history"), TABLE)
def test_names(short: str, flag: str, long_name: str, label: str, history: str | None) -> None:
    product = Product(short)
    assert (product.short, product.flag, product.long_name, product.label) == (short, flag, long_name, label)
    assert product.stem == short
    assert product.history_key == history
    for spelling in (short, flag, long_name, label, long_name.upper(), f" {label} "):
        assert Product.parse(spelling) is product


def test_parse_rejects_unknown_with_options() -> None:
    with pytest.raises(ValueError, match=r"'lightcurv' is not a product.*'lc' \(LightCurve\)"):
        Product.parse("lightcurv")


def test_parse_many_keeps_order_and_drops_repeats() -> None:
    assert Product.parse_many("spec,lc,LightCurve") == (Product.SPECTRUM, Product.LIGHT_CURVE)
    assert Product.parse_many(["psf", Product.IMAGE]) == (Product.STANDARD_POS, Product.IMAGE)
    assert join_short_names([Product.LIGHT_CURVE, Product.SOURCE_DET]) == "lc,sourceDet"
    with pytest.raises(ValueError, match="expected product names"):
        Product.parse_many(3)


def test_the_astrometric_position_brings_the_standard_one() -> None:
    P = Product
    assert P.ASTROM_POS.implies == (P.STANDARD_POS,)
    assert all(p.implies == () for p in P if p is not P.ASTROM_POS)
    # Inserted just before the product that implies it; an explicit request elsewhere keeps its place.
    assert P.with_implied([P.LIGHT_CURVE, P.ASTROM_POS]) == (P.LIGHT_CURVE, P.STANDARD_POS, P.ASTROM_POS)
    assert P.with_implied(iter([P.ASTROM_POS, P.STANDARD_POS])) == (P.ASTROM_POS, P.STANDARD_POS)
    assert P.with_implied([P.SPECTRUM, P.IMAGE]) == (P.SPECTRUM, P.IMAGE)
    assert P.with_implied([]) == ()
