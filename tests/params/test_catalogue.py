"""Every documented parameter (tests/data/parameters.csv) is in a model, by swifttools name and wire key."""

from __future__ import annotations

import csv

import pytest

from tests.support.examples import DATA_DIR
from xrt_prods_async.params import (
    AstromPos,
    EnhancedPos,
    Image,
    JobRequest,
    LightCurve,
    ParamModel,
    PositionOptions,
    SourceDet,
    Spectrum,
    StandardPos,
)

#: The documented parameter tables, as facts: (section, table, swifttools names, wire keys).
#: Sections: 3 globals, 4 light curve, 5 spectrum, 6 positions, 7 image, 8 source detection.
_CATALOGUE = DATA_DIR / "parameters.csv"


def _rows(section: str) -> list[tuple[str, list[str], list[str]]]:
    """(table header, swifttools names, wire keys) for each documented parameter of one section."""
    with _CATALOGUE.open(encoding="utf-8", newline="") as handle:
        return [
            (row["table"], row["swifttools"].split(), row["wire"].split())
            for row in csv.DictReader(handle)
            if row["section"] == section
        ]


def _check(model: type[ParamModel], python: list[str], wire: list[str]) -> None:
    if len(python) > 1 and len(python) == len(wire):  # rname1..4 / gti1..4: one parameter each
        for one, key in zip(python, wire, strict=True):
            _check(model, [one], [key])
        return
    schema = model.__xrt__
    fields = {schema.lookup[name] for name in python}
    assert len(fields) <= 1, (python, fields)
    for key in wire:
        assert key in schema.by_wire, f"{model.__name__} lacks wire key {key!r}"
        if fields:
            assert schema.by_wire[key] in fields, (key, fields)


def test_globals_section_3() -> None:
    rows = _rows("3")
    assert len(rows) >= 24
    for header, python, wire in rows:
        if header == "Python (global)":
            lookup = JobRequest._pos_lookup()
            for name in python:
                assert PositionOptions.__xrt__.wire[lookup[name]] == wire[0]
        else:
            _check(JobRequest, python, wire)


@pytest.mark.parametrize(
    ("section", "models", "minimum"),
    [
        ("4", [LightCurve], 30),
        ("5", [Spectrum], 15),
        ("6", [StandardPos, EnhancedPos, AstromPos], 6),
        ("7", [Image], 3),
        ("8", [SourceDet], 4),
    ],
)
def test_product_sections(section: str, models: list[type[ParamModel]], minimum: int) -> None:
    rows = _rows(section)
    assert len(rows) >= minimum
    for model in models:
        for _, python, wire in rows:
            _check(model, python, wire)


def test_astrometric_only_use_all_obs() -> None:
    assert AstromPos.__xrt__.lookup["useAllObs"] == "use_all_obs"
    assert AstromPos.param_facts("use_all_obs").wire == "allxastrom"
    assert "useAllObs" not in StandardPos.__xrt__.lookup


@pytest.mark.parametrize(
    "model", [JobRequest, LightCurve, Spectrum, StandardPos, EnhancedPos, AstromPos, Image, SourceDet]
)
def test_descriptions_state_value_default_and_names(model: type[ParamModel]) -> None:
    for name, info in model.model_fields.items():
        if name in model.__xrt__.wire:
            text = info.description or ""
            for part in ("Value:", "Server default:", "Wire key"):
                assert part in text, (model.__name__, name, text)


def test_units_and_ranges_in_descriptions() -> None:
    assert "from 1 to 6 (arcmin)" in (JobRequest.model_fields["pos_err"].description or "")
    assert "(keV)" in (LightCurve.model_fields["min_energy"].description or "")
    assert "one of 'counts', 'time', 'snapshot', 'obsid'" in (
        LightCurve.model_fields["bin_meth"].description or ""
    )
    schema = JobRequest.model_json_schema()
    assert schema["properties"]["pos_err"]["wire"] == "poserr"
    assert schema["properties"]["pos_err"]["swifttools"] == "posErr"
