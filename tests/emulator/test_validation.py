"""Server-side submit validation, checked against the protocol's examples and rules."""

from __future__ import annotations

from typing import Any

import pytest

from tests.conftest import load_example
from xrt_prods_async._products import Product
from xrt_prods_async.emulator._validation import (
    WIRE_PARAMETERS,
    Kind,
    ResolutionError,
    ValidationOutcome,
    build_job_pars,
    requested_products,
    resolve_derived,
    validate_submission,
)

BASE: dict[str, Any] = {"UserID": "u@x.org", "name": "X", "targ": "00966554", "RA": 10.0, "Dec": 20.0}


class FakeResolver:
    def __init__(
        self, known: dict[str, tuple[float, float]], targets: tuple[str, ...] = ("00012345",)
    ) -> None:
        self.known = known
        self._targets = targets

    def coordinates(self, name: str) -> tuple[float, float] | None:
        return self.known.get(name)

    def targets(self, name: str, ra: float, dec: float) -> tuple[str, ...]:
        return self._targets

    def t0(self, name: str, ra: float, dec: float) -> float:
        return 123456789.5


def check(**request: Any) -> ValidationOutcome:
    return validate_submission({**BASE, **request})


def missing(**request: Any) -> list[str]:
    outcome = check(**request)
    assert not outcome.ok
    return outcome.missing


def invalid(**request: Any) -> list[str]:
    outcome = check(**request)
    assert not outcome.ok
    return outcome.invalid


@pytest.mark.parametrize(
    "name",
    [
        "request_submit_grb200416A_lightcurve.json",
        "request_submit_foaqr_spectrum_resolved.json",
        "request_submit_tutorial_all_products.json",
        "request_submit_swifttools_v1.12_generated.json",
    ],
)
def test_documented_requests_are_accepted(name: str) -> None:
    outcome = validate_submission(load_example(name))
    assert outcome.ok, (outcome.missing, outcome.invalid)


def test_documented_fragments_together_are_accepted_with_their_numeric_codes() -> None:
    request: dict[str, Any] = {}
    for name in (
        "request_fragment_basic_mandatory.json",
        "request_fragment_basic_optional.json",
        "request_fragment_lc_common.json",
        "request_fragment_lc_counts_binning.json",
        "request_fragment_positions_all_three.json",
        "request_fragment_spectrum_user_timeslice.json",
    ):
        request.update(load_example(name))
    outcome = validate_submission(request)
    assert outcome.submission is not None, (outcome.missing, outcome.invalid)
    values = outcome.submission.values
    assert values["centMeth"] == "simple"
    assert values["detornot"] == "detect"
    assert values["detMeth"] == "simple"
    assert values["allowB"] == "both"
    assert values["zval"] == 0.123


def test_the_documented_listerr_example_is_reproduced() -> None:
    expected = load_example("submit_error_listErr.json")["listErr"]
    outcome = validate_submission(
        {"name": "X", "targ": "1", "RA": 1.0, "spec": 1, "specz": 0, "poserr": 0.01}
    )
    assert outcome.missing == expected[0]["list"]
    assert outcome.invalid == expected[1]["list"]


def test_no_products_is_its_own_error() -> None:
    outcome = validate_submission(BASE)
    assert outcome.no_products
    assert not outcome.ok


def test_mandatory_parameters() -> None:
    assert missing(targ=None, dopsf=1) == ["targ"]
    assert check(targ=None, getTargs=1, dopsf=1).ok
    assert missing(RA=None, Dec=None, dopsf=1) == ["RA", "Dec"]
    assert check(RA=None, Dec=None, getCoords=1, dopsf=1).ok
    assert missing(name="", dopsf=1) == ["name"]
    assert check(dopsf=1).ok  # positions need no centroid
    assert missing(lc=1, binMeth="snapshot") == ["cent"]
    assert missing(lc=1, binMeth="snapshot", cent=1) == ["poserr"]
    assert check(lc=1, binMeth="snapshot", cent=0).ok
    assert missing(lc=1, cent=0) == ["binMeth"]
    assert missing(lc=1, cent=0, binMeth="counts") == ["pccounts", "wtcounts", "dynamic"]
    assert check(lc=1, cent=0, binMeth="time").ok
    assert check(lc=1, cent=0, binMeth="time", hrbin=0).ok  # the HR bin lengths have documented defaults
    assert missing(lc=1, cent=0, binMeth="obsid", lcobs="user") == ["uselcobs"]
    assert missing(spec=1, cent=0) == ["specz"]
    assert missing(spec=1, cent=0, specz=1) == ["zval"]
    assert missing(spec=1, cent=0, specz=0, specobs="user") == ["usespecobs"]
    assert missing(spec=1, cent=0, specz=0, timeslice="user") == ["rname1", "gti1"]
    assert missing(spec=1, cent=0, specz=0, timeslice="user", rname1="A", gti1="1-2", rname2="B") == ["gti2"]
    assert missing(spec=1, cent=0, specz=0, timeslice="user", rname1="A", gti1="1-2", gti3="5-6") == [
        "rname3"
    ]
    assert missing(doenh=1, posobs="user") == ["useposobs"]
    assert missing(image=1, imobs="user") == ["useimobs"]
    assert missing(sourceDet=1) == ["usedetobs"]  # A15: detobs defaults to "user"
    assert check(sourceDet=1, detobs="all").ok
    assert check(RA=None, Dec=None, sourceDet=1, detobs="all").ok  # source detection alone: no position
    assert missing(RA=None, Dec=None, sourceDet=1, dopsf=1, detobs="all") == ["RA", "Dec"]


def test_invalid_values_are_reported_with_the_rule() -> None:
    assert invalid(dopsf=1, RA=360.0) == ["RA is 360, but must be between 0 and 360"]
    assert invalid(dopsf=1, Dec="north") == ["Dec is north, but must be a number"]
    assert invalid(dopsf=1, cent=2) == ["cent is 2, but must be 0 or 1"]
    assert invalid(dopsf=1, centMeth=7) == ["centMeth is 7, but must be one of simple, iterative"]
    assert invalid(dopsf=1, targ="12,abc") == [
        "targ is 12,abc, but must be a comma-separated list of targetIDs (digits)"
    ]
    assert invalid(lc=1, cent=0, binMeth="weekly") == [
        "binMeth is weekly, but must be one of counts, time, snapshot, obsid"
    ]
    assert invalid(lc=1, cent=0, binMeth="counts", pccounts=2.5, wtcounts=3, dynamic=1) == [
        "pccounts is 2.5, but must be a whole number"
    ]
    assert invalid(spec=1, cent=0, specz=0, timeslice="user", rname1="Early-1", gti1="1-2") == [
        "rname1 is Early-1, but must be letters and digits only"
    ]
    assert invalid(spec=1, cent=0, specz=0, models=["powerlaw", "mekal"]) == [
        "models is Array, but must be a list of models from powerlaw, apec, blackbody"
    ]
    assert invalid(image=1, imen="0.3-10,5-2") == [
        "imen is 0.3-10,5-2, but must be a comma-separated list of energy bands lo-hi, "
        "in keV, with 0 <= lo < hi"
    ]
    assert check(image=1, imen="0.1-12").ok  # no 0.3-10 keV limit is documented
    assert invalid(lc=1, cent=0, binMeth="obsid", srcrad=0) == ["srcrad is 0, but must be at least 1"]
    assert invalid(lc=1, cent=1, poserr=7, binMeth="obsid") == ["poserr is 7, but must be between 1 and 6"]


def test_energy_bands_must_lie_inside_the_main_band() -> None:
    lc = {"lc": 1, "cent": 0, "binMeth": "obsid"}
    assert invalid(**lc, minen=0.5) == ["soft1 is 0.3, but must be at least minen (0.5)"]
    assert invalid(**lc, maxen=8) == ["hard2 is 10, but must be at most maxen (8)"]
    assert invalid(**lc, minen=2, maxen=1) == [
        "maxen is 1, but must be greater than minen (2)",
        "soft1 is 0.3, but must be at least minen (2)",
        "soft2 is 1.5, but must be at most maxen (1)",
        "hard1 is 1.5, but must be at least minen (2)",
        "hard2 is 10, but must be at most maxen (1)",
    ]
    assert invalid(**lc, soft1=1.5, soft2=1.0) == ["soft2 is 1, but must be greater than soft1 (1.5)"]
    assert check(**lc, minen=0.5, soft1=0.5, maxen=5, hard2=5).ok
    assert check(**lc, minen=0.2, maxen=12).ok  # no 0.3-10 keV limit is documented
    assert invalid(**lc, minen=0) == ["minen is 0, but must be greater than 0"]


def test_parameters_of_products_not_requested_are_not_checked() -> None:
    assert check(dopsf=1, binMeth="weekly", specz="maybe").ok


def test_legacy_spellings_become_wire_names() -> None:
    outcome = check(
        lc=1, cent=1, posErr=2, binMeth="counts", pccounts=1, wtcounts=1, dynamic=1,
        allowBayes="wt", SinceT0=1, wtmaxGap=5, pcMaxGap=7, getTarg=0,
    )  # fmt: skip
    assert outcome.submission is not None
    values = outcome.submission.values
    assert (values["allowB"], values["sinceT0"], values["wtmaxgap"], values["pcmaxgap"]) == ("wt", 1, 5, 7)
    assert values["poserr"] == 2
    assert values["getTargs"] == 0
    # the canonical key wins over a legacy one
    both = check(lc=1, cent=0, binMeth="obsid", allowB="no", allowBayes="pc").submission
    assert both is not None
    assert both.values["allowB"] == "no"


def test_choices_are_case_insensitive_and_numeric_codes_map() -> None:
    outcome = check(
        spec=1, cent=1, poserr=1, centMeth=3, specz=0, timeslice=1, specobs=1, specgrades=0, lcobs=0, doenh=1,
        detornot=0, detMeth="ITERATIVE",
    )  # fmt: skip
    assert outcome.submission is not None
    values = outcome.submission.values
    assert values["centMeth"] == "iterative"
    assert (values["timeslice"], values["specobs"], values["specgrades"]) == ("single", "all", "0")
    assert (values["detornot"], values["detMeth"], values["lcobs"]) == ("centroid", "iterative", "all")


def test_astrometric_position_forces_the_standard_one() -> None:
    outcome = check(doxastrom=1)
    assert outcome.submission is not None
    assert outcome.submission.products == (Product.STANDARD_POS, Product.ASTROM_POS)
    assert outcome.submission.values["dopsf"] == 1
    assert requested_products({"doxastrom": 1, "lc": 0}) == (Product.STANDARD_POS, Product.ASTROM_POS)


def _pars(request: dict[str, Any], job_id: int = 7) -> dict[str, Any]:
    outcome = validate_submission(request)
    assert outcome.submission is not None, (outcome.missing, outcome.invalid)
    if any(request.get(k) == 1 for k in ("getCoords", "getTargs", "getT0")):
        resolve_derived(outcome.submission.values, FakeResolver({"GRB 200416A": (335.6985, -7.5179)}))
    return build_job_pars(outcome.submission, job_id=job_id, envelope=request)


def test_job_pars_mimic_the_types_the_service_returns() -> None:
    request = load_example("request_submit_swifttools_v1.12_generated.json")
    ours = _pars(request)
    theirs = load_example("submit_jobPars_grb200416A_newer_server.json")
    deliberate = {"lcobs"}  # the service echoes 0, which swifttools cannot read back
    mismatched = {
        key: (theirs[key], ours.get(key))
        for key in theirs
        if key not in deliberate and type(theirs[key]) is not type(ours.get(key))
    }
    assert mismatched == {}
    assert ours["lcobs"] == "all"
    assert (ours["RA"], ours["Dec"], ours["targ"]) == ("335.6985", "-7.5179", "00012345")
    assert ours["outdir"] == "USERPROD_7"
    assert list(ours)[:3] == ["api_name", "api_version", "UserID"]


def test_job_pars_fill_defaults_only_for_requested_products() -> None:
    pars = _pars({**BASE, "dopsf": 1})
    assert pars["posRadius"] == "20"
    assert pars["posobs"] == "hours"
    assert "binMeth" not in pars
    assert "minen" not in pars
    assert "centMeth" not in pars  # only with cent=1
    assert all(pars[p.flag] in (0, 1) for p in Product)
    assert pars["sss"] == "0"
    assert pars["whatSXPS"] == "2SXPS"
    time_lc = _pars({**BASE, "lc": 1, "cent": 1, "poserr": 2, "binMeth": "time"})
    assert time_lc["hrbin"] == 1
    assert time_lc["centMeth"] == "simple"
    assert time_lc["maxCentTries"] == "10"
    spec = _pars({**BASE, "spec": 1, "cent": 0, "specz": 0})
    assert spec["models"] == ["powerlaw"]
    assert spec["dchi"] == 2.706
    assert spec["timeslice"] == "single"


def test_unknown_keys_are_ignored_and_not_echoed() -> None:
    pars = _pars({**BASE, "dopsf": 1, "colour": "blue"})
    assert "colour" not in pars


def test_derived_values_override_supplied_ones() -> None:
    values: dict[str, Any] = {
        "name": "GK Per",
        "RA": 1.0,
        "Dec": 2.0,
        "getCoords": 1,
        "getTargs": 1,
        "getT0": 1,
    }
    resolve_derived(values, FakeResolver({"GK Per": (52.8, 43.9043)}, targets=("00010873", "00010907")))
    assert values["RA"] == "52.8000"
    assert values["Dec"] == "43.9043"
    assert values["targ"] == "00010873,00010907"
    assert values["Tstart"] == 123456789.5


def test_unresolvable_names_fail_naming_the_object() -> None:
    values: dict[str, Any] = {"name": "Planet X", "getCoords": 1}
    with pytest.raises(ResolutionError, match="`Planet X`"):
        resolve_derived(values, FakeResolver({}))
    values = {"name": "Y", "RA": 1.0, "Dec": 2.0, "getTargs": 1}
    with pytest.raises(ResolutionError, match="targetIDs"):
        resolve_derived(values, FakeResolver({}, targets=()))


def test_source_detection_alone_may_leave_the_position_to_the_name() -> None:
    values: dict[str, Any] = {"name": "GK Per", "getTargs": 1, "sourceDet": 1}
    resolve_derived(values, FakeResolver({"GK Per": (52.8, 43.9043)}, targets=("00010873",)))
    assert (values["RA"], values["Dec"], values["targ"]) == ("52.8000", "43.9043", "00010873")
    values = {"name": "Planet X", "getTargs": 1, "sourceDet": 1}
    with pytest.raises(ResolutionError, match="without a position; supply RA and Dec"):
        resolve_derived(values, FakeResolver({}))
    values = {"name": "Planet X", "targ": "00010873", "sourceDet": 1}
    resolve_derived(values, FakeResolver({}))  # nothing to derive: no position needed
    assert "RA" not in values


def test_the_table_is_consistent() -> None:
    names = [p.name for p in WIRE_PARAMETERS]
    assert len(names) == len(set(names))
    for par in WIRE_PARAMETERS:
        if par.kind is Kind.CHOICE:
            assert par.choices
            if par.has_default:
                assert par.default in par.choices
        assert set(par.codes.values()) <= set(par.choices)
