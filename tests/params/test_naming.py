"""Names: any spelling is accepted, problems name the parameter as the user wrote it, unknown names get a
"did you mean", and the server's wire names translate back to the user's names."""

from __future__ import annotations

import functools
import re

import pytest

from tests.support.params import PY_GLOBALS, SNAPSHOT_LC, ST_GLOBALS, parameters_of, problems_of
from xrt_prods_async.params import JobRequest, LightCurve, ProductModel, StandardPos


def test_three_spellings_build_the_same_request() -> None:
    python = JobRequest(
        **PY_GLOBALS, light_curve={"bin_meth": "counts", "pc_counts": 20, "wt_counts": 30, "dynamic": True}
    )
    swift = JobRequest(
        **ST_GLOBALS, LightCurve={"binMeth": "counts", "pcCounts": 20, "wtCounts": 30, "dynamic": True}
    )
    wire = JobRequest(
        name="GRB 200416A",
        targ="00966554",
        RA=335.6985,
        Dec=-7.5179,
        cent=True,
        poserr=1,
        lc={"binMeth": "counts", "pccounts": 20, "wtcounts": 30, "dynamic": True},
    )
    assert python == swift == wire
    assert python.fingerprint() == swift.fingerprint() == wire.fingerprint()


@pytest.mark.parametrize(
    ("data", "expected"),
    [
        ({**PY_GLOBALS, "pos_err": 0}, ["pos_err"]),
        ({**ST_GLOBALS, "posErr": 0}, ["posErr"]),
        ({**ST_GLOBALS, "poserr": 0}, ["poserr"]),
    ],
)
def test_global_problems_use_the_spelling_given(data: dict[str, object], expected: list[str]) -> None:
    assert parameters_of(lambda: JobRequest(**data, image={})) == expected


@pytest.mark.parametrize(
    ("key", "product", "expected"),
    [
        ("light_curve", {"bin_meth": "counts", "wt_counts": 1, "dynamic": True}, "light_curve.pc_counts"),
        ("LightCurve", {"binMeth": "counts", "wtCounts": 1, "dynamic": True}, "LightCurve.pcCounts"),
        ("LightCurve", {"bin_meth": "counts", "wt_counts": 1, "dynamic": True}, "LightCurve.pc_counts"),
        ("lc", {"binMeth": "counts", "wtCounts": 1, "dynamic": True}, "lc.pcCounts"),
    ],
)
def test_product_problems_include_the_product_as_written(
    key: str, product: dict[str, object], expected: str
) -> None:
    assert parameters_of(lambda: JobRequest(**PY_GLOBALS, **{key: product})) == [expected]


def test_a_product_model_keeps_its_spelling_inside_a_request() -> None:
    product = LightCurve(binMeth="counts", pcCounts=20, wtCounts=30, dynamic=True)
    request = JobRequest(**PY_GLOBALS, light_curve=product)
    assert request.describe_wire_name("pccounts") == "light_curve.pcCounts"


def test_unspelled_companions_follow_the_users_style() -> None:
    assert "LightCurve.wtCounts" in parameters_of(lambda: LightCurve(binMeth="counts"))
    assert "light_curve.wt_counts" in parameters_of(lambda: LightCurve(bin_meth="counts"))
    assert parameters_of(
        lambda: JobRequest(**{k: v for k, v in ST_GLOBALS.items() if k != "RA"}, Image={})
    ) == ["RA"]
    assert parameters_of(
        lambda: JobRequest(**{k: v for k, v in PY_GLOBALS.items() if k != "ra"}, image={})
    ) == ["ra"]


@pytest.mark.parametrize(
    ("build", "parameter", "hint"),
    [
        (
            lambda: JobRequest(**PY_GLOBALS, light_curve=SNAPSHOT_LC, posErrr=1),
            "posErrr",
            "did you mean 'posErr'?",
        ),
        (
            lambda: JobRequest(**PY_GLOBALS, light_curve=SNAPSHOT_LC, POSERR=1),
            "POSERR",
            "did you mean 'posErr'?",
        ),
        (lambda: JobRequest(**PY_GLOBALS, light_curve=SNAPSHOT_LC, centriod=True), "centriod", "'centroid'"),
        (lambda: JobRequest(**PY_GLOBALS, LightCurv={}), "LightCurv", "did you mean 'LightCurve'?"),
        (lambda: LightCurve(binMeht="counts"), "LightCurve.binMeht", "did you mean 'binMeth'"),
        (lambda: LightCurve(bin_meth="snapshot", pc_count=3), "light_curve.pc_count", "'pc_counts'"),
        (lambda: StandardPos(posradius=3), "StandardPos.posradius", "did you mean 'posRadius'?"),
        (lambda: LightCurve(pcCount=3), "LightCurve.pcCount", "did you mean 'pcCounts'?"),
        (lambda: LightCurve(binmethod="counts"), "LightCurve.binmethod", "did you mean 'binMeth'?"),
        (lambda: LightCurve(bin_method="counts"), "light_curve.bin_method", "did you mean 'bin_meth'?"),
        (
            lambda: LightCurve(bin_meth="counts", pccount=3),
            "light_curve.pccount",
            "did you mean 'pc_counts'?",
        ),
        (lambda: LightCurve(bin_meth="counts", pcCount=3), "light_curve.pcCount", "did you mean 'pcCounts'?"),
        (lambda: LightCurve(binMeth="counts", minen=1, pccount=3), "LightCurve.pccount", "mean 'pccounts'?"),
        (
            lambda: LightCurve(bin_meth="counts", wt_count=3),
            "light_curve.wt_count",
            "did you mean 'wt_counts'?",
        ),
        (
            lambda: JobRequest(**ST_GLOBALS, binMeht="counts", Image={}),
            "binMeht",
            "did you mean 'binMeth' (inside LightCurve={...})?",
        ),
        (
            lambda: JobRequest(**PY_GLOBALS, bin_mth="counts", image={}),
            "bin_mth",
            "did you mean 'bin_meth' (inside light_curve={...})?",
        ),
        (
            lambda: JobRequest(**ST_GLOBALS, LightCurve={"binmeth": "counts"}),
            "LightCurve.binmeth",
            "did you mean 'binMeth'?",
        ),
        (
            lambda: JobRequest(**PY_GLOBALS, light_curve={"binmeth": "counts"}),
            "light_curve.binmeth",
            "did you mean 'bin_meth'?",
        ),
        (lambda: JobRequest(**PY_GLOBALS, xyzzy=1, image={}), "xyzzy", "not a parameter of the request"),
    ],
)
def test_unknown_names_suggest_the_right_one(build: object, parameter: str, hint: str) -> None:
    found = problems_of(build)  # type: ignore[arg-type]
    assert any(p == parameter and hint in m for p, m in found), found


def test_a_product_parameter_given_flat_says_where_it_belongs() -> None:
    found = problems_of(lambda: JobRequest(**ST_GLOBALS, binMeth="counts", LightCurve={"binMeth": "counts"}))
    assert (
        "binMeth",
        "not a global parameter but one of the light curve: pass it inside LightCurve={...}",
    ) in found
    found = problems_of(lambda: JobRequest(**ST_GLOBALS, whichData="all", Image={}))
    assert found[0][0] == "whichData"
    assert "pass it inside LightCurve={...} or Spectrum={...}" in found[0][1]
    found = problems_of(lambda: JobRequest(**PY_GLOBALS, bin_meth="counts", image={}))
    assert found == [
        ("bin_meth", "not a global parameter but one of the light curve: pass it inside light_curve={...}")
    ]


def test_a_parameter_given_twice_is_an_error() -> None:
    found = problems_of(lambda: JobRequest(**PY_GLOBALS, posErr=2, image={}))
    assert found == [("posErr", "given twice, as 'pos_err' and 'posErr'; give it once")]
    found = problems_of(lambda: LightCurve(bin_meth="snapshot", binMeth="snapshot"))
    assert found == [("light_curve.binMeth", "given twice, as 'bin_meth' and 'binMeth'; give it once")]
    found = problems_of(lambda: JobRequest(**PY_GLOBALS, image={}, Image={}))
    assert found[0][0] == "Image"


def test_a_product_given_twice_names_both_spellings() -> None:
    found = problems_of(lambda: JobRequest(**PY_GLOBALS, image={}, Image={}))
    assert found == [("Image", "given twice, as 'image' and 'Image'")]


def test_deprecated_time_type_still_works() -> None:
    with pytest.warns(DeprecationWarning, match="timeType is deprecated; use timeFormat"):
        product = LightCurve(binMeth="snapshot", timeType="mjd")
    assert product.time_format == "m"


def test_describe_wire_name() -> None:
    swift = JobRequest(**ST_GLOBALS, LightCurve={"binMeth": "snapshot"}, posobs="all", StandardPos={})
    assert swift.describe_wire_name("poserr") == "posErr"
    assert swift.describe_wire_name("cent") == "centroid"
    assert swift.describe_wire_name("Tstart") == "T0"
    assert swift.describe_wire_name("pccounts") == "LightCurve.pcCounts"
    assert swift.describe_wire_name("allowB") == "LightCurve.allowBayes"
    assert swift.describe_wire_name("allowBayes") == "LightCurve.allowBayes"
    assert swift.describe_wire_name("posobs") == "posobs"
    assert swift.describe_wire_name("posobstime") == "posobstime"
    assert swift.describe_wire_name("dopsf") == "StandardPos"
    assert swift.describe_wire_name("zval") is None  # no spectrum in this request
    assert swift.describe_wire_name("nonsense") is None
    python = JobRequest(
        **PY_GLOBALS, light_curve=SNAPSHOT_LC, standard_pos={"which_data": "all"}, enhanced_pos={}
    )
    assert python.describe_wire_name("poserr") == "pos_err"
    assert python.describe_wire_name("Tstart") == "t0"
    assert python.describe_wire_name("pccounts") == "light_curve.pc_counts"
    assert python.describe_wire_name("posobs") == "standard_pos.which_data"
    assert python.describe_wire_name("detMeth") == "standard_pos.det_meth"
    assert python.describe_wire_name("lc") == "light_curve"


_PRODUCT_MODELS = [model for _, model in JobRequest.slots().values()]


@pytest.mark.parametrize("model", _PRODUCT_MODELS, ids=lambda model: model.__name__)
def test_a_typo_hears_only_names_of_its_own_style(model: type[ProductModel]) -> None:
    """Every parameter's swifttools name and Python name, misspelt (last letter dropped, or doubled), is
    answered in that spelling, never with a wire key the user did not write."""
    names = model.__xrt__
    for field_name, st_name in names.st_names.items():
        for written, style in ((st_name, set(names.st_names.values())), (field_name, set(names.wire))):
            for typo in (written[:-1], written + written[-1]):
                if len(typo) < 4 or typo in names.lookup:
                    continue
                found = problems_of(functools.partial(model, **{typo: 1}))
                [message] = [m for p, m in found if p.endswith(f".{typo}")]
                suggested = re.findall(r"'([^']+)'", message.partition("did you mean")[2])
                # the one meant, unless as many others are as close ('rname' -> 'rname1', 'rname2'...)
                assert written in suggested or len(suggested) == 3, (typo, message)
                assert set(suggested) <= style, (typo, message)


def test_rules_name_other_parameters_in_the_users_style() -> None:
    st = {k: v for k, v in ST_GLOBALS.items() if k != "name"}
    assert ("name", "required: the object's name (used in titles; resolved when getCoords)") in problems_of(
        lambda: JobRequest(**st, Image={})
    )
    py = {k: v for k, v in PY_GLOBALS.items() if k != "name"}
    assert ("name", "required: the object's name (used in titles; resolved when get_coords)") in problems_of(
        lambda: JobRequest(**py, image={})
    )
    assert problems_of(lambda: JobRequest(**ST_GLOBALS, SourceDet={"whichBands": "total"})) == [
        (
            "SourceDet.whichData",
            "required: 'all' (may exceed the 12-hour job limit) or 'user' with SourceDet.useObs",
        )
    ]
