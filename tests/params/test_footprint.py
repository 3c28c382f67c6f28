"""A request is small: a campaign holds one per source (benchmarks/campaign_memory.py measures whole runs).

Products written alike are one model shared by the requests that ask for them (models are immutable); what
tells two products apart — a value's type, a deprecated keyword that must warn — keeps them apart."""

from __future__ import annotations

import gc
import tracemalloc
from typing import Any

import pytest

from tests.support.params import ST_GLOBALS, problems_of
from xrt_prods_async.params import JobRequest

#: A light curve, a spectrum and a standard position, swifttools style (as a campaign file writes them).
PRODUCTS: dict[str, dict[str, Any]] = {
    "LightCurve": {"binMeth": "snapshot"},
    "Spectrum": {"hasRedshift": False},
    "StandardPos": {},
}
#: Bytes per request, measured generously: 3,150 measured (14,500 when every request held its own products
#: and a table of the user's name for each wire key).
MAX_BYTES = 6_000


def _request(i: int) -> JobRequest:
    return JobRequest(**{**ST_GLOBALS, "name": f"src-{i:06d}"}, **{k: dict(v) for k, v in PRODUCTS.items()})


def test_a_request_of_three_products_takes_a_few_kilobytes() -> None:
    _request(-1)  # validators and tables are built once per process: not counted
    gc.collect()
    tracemalloc.start()
    try:
        kept = [_request(i) for i in range(300)]
        gc.collect()
        per_request = tracemalloc.get_traced_memory()[0] / len(kept)
    finally:
        tracemalloc.stop()
    assert per_request < MAX_BYTES


def test_products_written_alike_are_one_model() -> None:
    a, b = _request(1), _request(2)
    assert a.light_curve is b.light_curve
    assert a.spectrum is b.spectrum
    assert a != b  # the names differ
    assert b.describe_wire_name("binMeth") == "LightCurve.binMeth"
    assert b.describe_wire_name("poserr") == "posErr"


def test_products_written_differently_are_not_shared() -> None:
    swift = _request(1)
    python = JobRequest(**{**ST_GLOBALS, "name": "x"}, light_curve={"bin_meth": "snapshot"})
    assert python.light_curve == swift.light_curve
    assert python.light_curve is not swift.light_curve
    assert python.describe_wire_name("binMeth") == "light_curve.bin_meth"


@pytest.mark.parametrize("value", [True, 1.0])
def test_an_equal_value_of_another_type_is_checked_again(value: object) -> None:
    counts = {"binMeth": "counts", "wtCounts": 2, "dynamic": True}
    assert JobRequest(**ST_GLOBALS, LightCurve={**counts, "pcCounts": 1}).light_curve is not None
    problems = problems_of(lambda: JobRequest(**ST_GLOBALS, LightCurve={**counts, "pcCounts": value}))
    assert [parameter for parameter, _ in problems] == ["LightCurve.pcCounts"]


def test_a_deprecated_keyword_warns_every_time() -> None:
    for _ in range(2):
        with pytest.warns(DeprecationWarning, match="timeType is deprecated"):
            JobRequest(**ST_GLOBALS, LightCurve={"binMeth": "snapshot", "timeType": "mjd"})
