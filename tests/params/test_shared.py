"""Wire keys shared by several products: the position options (docs/parameters.md §6) and ``srcrad``.

One wire key carries one value, so the request gives every holder the same value, and two different
values are an error naming both places (swifttools silently lets the last one win).
"""

from __future__ import annotations

from tests.support.params import PY_GLOBALS, ST_GLOBALS, problems_of
from xrt_prods_async.params import AstromPos, EnhancedPos, JobRequest, LightCurve, Spectrum, StandardPos


def test_global_position_options_reach_every_position_product() -> None:
    request = JobRequest(
        **ST_GLOBALS,
        posobs="hours",
        posobstime=6,
        posRadius=30,
        detornot="centroid",
        detMeth="iterative",
        StandardPos={},
        EnhancedPos={},
        AstromPos={"useAllObs": True},
    )
    options = {
        "which_data": "hours",
        "inc_hours": 6,
        "pos_radius": 30,
        "det_or_cent": "centroid",
        "det_meth": "iterative",
    }
    assert request.standard_pos == StandardPos(**options)
    assert request.enhanced_pos == EnhancedPos(**options)
    assert request.astrom_pos == AstromPos(**options, use_all_obs=True)
    wire = request.to_wire("u")
    assert wire["posobs"] == "hours"
    assert wire["posobstime"] == 6
    assert wire["detMeth"] == "iterative"
    assert wire["allxastrom"] == 1


def test_python_names_for_global_position_options() -> None:
    request = JobRequest(
        **PY_GLOBALS, pos_which_data="all", pos_radius=15, pos_det_meth="iterative", enhanced_pos={}
    )
    assert request.enhanced_pos == EnhancedPos(which_data="all", pos_radius=15, det_meth="iterative")


def test_an_option_set_on_one_product_applies_to_all() -> None:
    request = JobRequest(**PY_GLOBALS, standard_pos=StandardPos(which_data="all"), enhanced_pos={})
    assert request.enhanced_pos == EnhancedPos(which_data="all")
    same = JobRequest(**PY_GLOBALS, pos_which_data="all", standard_pos={}, enhanced_pos={})
    assert same == request
    assert same.fingerprint() == request.fingerprint()


def test_equal_values_in_several_places_are_fine() -> None:
    request = JobRequest(
        **PY_GLOBALS, pos_inc_hours=3, standard_pos={"inc_hours": 3}, astrom_pos=AstromPos(inc_hours=3)
    )
    assert request.astrom_pos == AstromPos(inc_hours=3)


def test_conflict_between_two_products_names_both() -> None:
    found = problems_of(
        lambda: JobRequest(**ST_GLOBALS, StandardPos={"whichData": "all"}, EnhancedPos={"whichData": "hours"})
    )
    assert found == [
        (
            "EnhancedPos.whichData",
            "'hours' conflicts with StandardPos.whichData='all': the service takes one "
            "value for both; give the same value, or set it in one place",
        )
    ]


def test_conflict_between_global_and_product_names_both() -> None:
    found = problems_of(lambda: JobRequest(**ST_GLOBALS, posRadius=10, AstromPos={"posRadius": 12}))
    assert found == [
        (
            "AstromPos.posRadius",
            "12 conflicts with posRadius=10: the service takes one value for both; "
            "give the same value, or set it in one place",
        )
    ]


def test_conflict_through_a_trigger_names_its_source() -> None:
    found = problems_of(
        lambda: JobRequest(**PY_GLOBALS, standard_pos={"which_data": "all"}, enhanced_pos={"use_obs": "0001"})
    )
    assert found == [
        (
            "enhanced_pos.which_data",
            "'user' (set by enhanced_pos.use_obs) conflicts with standard_pos.which_data='all': the service "
            "takes one value for both; give the same value, or set it in one place",
        )
    ]


def test_product_level_cent_meth_is_the_detection_method() -> None:
    request = JobRequest(**ST_GLOBALS, centMeth="iterative", StandardPos={"centMeth": "simple"})
    assert request.cent_meth == "iterative"
    assert request.standard_pos == StandardPos(det_meth="simple")
    wire = request.to_wire("u")
    assert wire["centMeth"] == "iterative"
    assert wire["detMeth"] == "simple"


def test_missing_companion_of_a_shared_option_is_reported_once() -> None:
    found = problems_of(
        lambda: JobRequest(**ST_GLOBALS, posobs="user", StandardPos={}, EnhancedPos={}, AstromPos={})
    )
    assert found == [("useposobs", "required when posobs='user': give a non-empty string")]


def test_srcrad_one_value_for_light_curve_and_spectrum() -> None:
    request = JobRequest(
        **PY_GLOBALS, light_curve={"bin_meth": "snapshot", "srcrad": 40}, spectrum={"has_redshift": False}
    )
    assert request.spectrum == Spectrum(has_redshift=False, srcrad=40)
    wire = request.to_wire("u")
    assert wire["srcrad"] == 40
    assert JobRequest.from_job_pars(wire) == request


def test_srcrad_conflict_is_an_error_not_last_wins() -> None:
    found = problems_of(
        lambda: JobRequest(
            **ST_GLOBALS,
            LightCurve={"binMeth": "snapshot", "srcrad": 40},
            Spectrum={"hasRedshift": False, "srcrad": 50},
        )
    )
    assert found == [
        (
            "Spectrum.srcrad",
            "50 conflicts with LightCurve.srcrad=40: the service takes one value for both; "
            "give the same value, or set it in one place",
        )
    ]


def test_srcrad_of_a_lone_product_stays_its_own() -> None:
    request = JobRequest(**PY_GLOBALS, light_curve=LightCurve(bin_meth="snapshot", srcrad=40))
    assert request.light_curve == LightCurve(bin_meth="snapshot", srcrad=40)
