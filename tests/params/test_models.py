"""Model behaviour: immutable, equal by value, readable repr, validated copies, pydantic entry points."""

from __future__ import annotations

import pytest

from tests.support.params import PY_GLOBALS, SNAPSHOT_LC, ST_GLOBALS, parameters_of
from xrt_prods_async._errors import InvalidRequestError
from xrt_prods_async._products import Product
from xrt_prods_async.params import Image, JobRequest, LightCurve, Spectrum, StandardPos


def _request() -> JobRequest:
    return JobRequest(**PY_GLOBALS, light_curve=SNAPSHOT_LC, standard_pos={})


def test_models_are_immutable() -> None:
    request = _request()
    with pytest.raises(AttributeError, match=r"immutable; make a changed copy with \.replace\(name=\.\.\.\)"):
        request.name = "other"  # type: ignore[misc]
    with pytest.raises(AttributeError, match="immutable"):
        del request.light_curve
    with pytest.raises(AttributeError, match="immutable"):
        LightCurve(bin_meth="snapshot").bin_meth = "obsid"  # type: ignore[misc]


def test_equality_and_hash_by_value() -> None:
    assert _request() == _request()
    assert hash(_request()) == hash(_request())
    assert len({_request(), _request()}) == 1
    assert _request() != _request().replace(name="other")
    assert LightCurve(bin_meth="snapshot") == LightCurve(binMeth="SNAPSHOT")
    assert LightCurve(bin_meth="snapshot") != Spectrum(has_redshift=False)
    assert (LightCurve(bin_meth="snapshot") == "snapshot") is False


def test_order_and_spelling_are_remembered_but_not_compared() -> None:
    python = JobRequest(**PY_GLOBALS, image={}, light_curve=SNAPSHOT_LC)
    swift = JobRequest(**ST_GLOBALS, LightCurve={"binMeth": "snapshot"}, Image={})
    assert python == swift
    assert hash(python) == hash(swift)
    assert python.products == (Product.IMAGE, Product.LIGHT_CURVE)
    assert swift.products == (Product.LIGHT_CURVE, Product.IMAGE)
    assert (python.describe_wire_name("poserr"), swift.describe_wire_name("poserr")) == ("pos_err", "posErr")


def test_repr_shows_only_what_is_set() -> None:
    assert (
        repr(LightCurve(bin_meth="snapshot", pc_counts=5)) == "LightCurve(bin_meth='snapshot', pc_counts=5)"
    )
    assert repr(Spectrum(has_redshift=False)) == "Spectrum(has_redshift=False)"
    assert repr(_request()) == (
        "JobRequest(name='GRB 200416A', targ='00966554', ra=335.6985, dec=-7.5179, centroid=True, "
        "pos_err=1.0, get_targs=False, light_curve=LightCurve(bin_meth='snapshot'), "
        "standard_pos=StandardPos())"
    )


def test_replace_any_spelling_and_products() -> None:
    request = _request()
    assert request.replace(posErr=2).pos_err == 2
    assert request.replace(pos_err=3).pos_err == 3
    changed = request.replace(LightCurve={"binMeth": "obsid"}, image=Image(energies="0.3-10"))
    assert changed.light_curve == LightCurve(bin_meth="obsid")
    assert changed.image == Image(energies="0.3-10")
    assert changed.products == (Product.LIGHT_CURVE, Product.STANDARD_POS, Product.IMAGE)
    assert request.replace(standard_pos=None).products == (Product.LIGHT_CURVE,)
    assert request.replace(pos_err=None, centroid=False).pos_err is None
    assert request.products == (Product.LIGHT_CURVE, Product.STANDARD_POS)  # unchanged
    assert parameters_of(lambda: request.replace(pos_err=None)) == ["pos_err"]
    assert parameters_of(lambda: request.replace(posErrr=1)) == ["posErrr"]


def test_model_copy_update_is_validated() -> None:
    request = _request()
    assert request.model_copy() is request
    assert request.model_copy(update={"pos_err": 2}).pos_err == 2
    with pytest.raises(InvalidRequestError):
        request.model_copy(update={"pos_err": 20})


def test_model_validate_uses_the_same_rules() -> None:
    assert LightCurve.model_validate({"binMeth": "snapshot"}) == LightCurve(bin_meth="snapshot")
    assert (
        JobRequest.model_validate({**PY_GLOBALS, "LightCurve": {"binMeth": "snapshot"}}).light_curve
        is not None
    )
    assert StandardPos.model_validate(StandardPos()) == StandardPos()
    with pytest.raises(InvalidRequestError, match="expected a mapping of parameters"):
        LightCurve.model_validate("snapshot")
    with pytest.raises(InvalidRequestError, match="bin_meth"):
        LightCurve.model_validate({"bin_meth": "nope"})


def test_model_validate_json() -> None:
    text = '{"name": "x", "targ": "1", "RA": 1.0, "Dec": 2.0, "cent": false, "lc": {"binMeth": "snapshot"}}'
    assert JobRequest.model_validate_json(text).light_curve == LightCurve(bin_meth="snapshot")
    with pytest.raises(InvalidRequestError, match="not valid JSON"):
        JobRequest.model_validate_json("{")
    with pytest.raises(InvalidRequestError, match="expected a mapping"):
        JobRequest.model_validate_json("[1]")


def test_product_accessor_and_dump() -> None:
    request = _request()
    assert request.product("lc") == LightCurve(bin_meth="snapshot")
    assert request.product(Product.STANDARD_POS) == StandardPos()
    assert request.product("Spectrum") is None
    assert request.model_dump(exclude_none=True)["light_curve"] == {"bin_meth": "snapshot"}


def test_position_products() -> None:
    assert JobRequest.position_products() == {Product.STANDARD_POS, Product.ENHANCED_POS, Product.ASTROM_POS}


def test_product_fields_know_their_product() -> None:
    assert JobRequest.slots()[Product.LIGHT_CURVE] == ("light_curve", LightCurve)
    assert [model.product for _, model in JobRequest.slots().values()] == list(Product)


def test_from_loose_reads_text_values() -> None:
    row = {
        "name": "GRB 200416A",
        "targ": "00966554",
        "RA": "335.6985",
        "Dec": "-7.5179",
        "centroid": "yes",
        "posErr": "1",
        "notify": "",
        "posobs": "all",
        "pos_radius": "",
        "StandardPos": {},
        "light_curve": {
            "bin_meth": "counts",
            "pc_counts": "20",
            "wt_counts": "30",
            "dynamic": "1",
            "minEnergy": "",
        },
    }
    request = JobRequest.from_loose(row)
    assert request == JobRequest(
        name="GRB 200416A",
        targ="00966554",
        RA=335.6985,
        Dec=-7.5179,
        centroid=True,
        posErr=1,
        posobs="all",
        StandardPos={},
        light_curve={"bin_meth": "counts", "pc_counts": 20, "wt_counts": 30, "dynamic": True},
    )
    assert (
        LightCurve.from_loose({"binMeth": "time", "pcBinTime": "100", "wtBinTime": "10.5"}).wt_bin_time
        == 10.5
    )
    # text is read for its type only: no server codes, no arcsecond guess
    assert parameters_of(lambda: JobRequest.from_loose({**row, "posErr": "60"})) == ["posErr"]
    assert parameters_of(lambda: JobRequest.from_loose({**row, "centMeth": "3"})) == ["centMeth"]
    assert parameters_of(lambda: JobRequest.from_loose({**row, "RA": "north"})) == ["RA"]
