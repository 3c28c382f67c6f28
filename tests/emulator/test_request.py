"""The body reader: JSON read as strictly as PHP reads it, and fields read the way the service reads them."""

from __future__ import annotations

import json
from typing import Any

import pytest

from xrt_prods_async._products import Product
from xrt_prods_async.emulator._clock import SimClock
from xrt_prods_async.emulator._request import MAX_DEPTH, Body, RequestError, decode_json
from xrt_prods_async.emulator._values import MAX_JOB_ID, parse_job_id, parse_number, version_key


@pytest.mark.parametrize(
    "raw",
    [
        b"",
        b"{",
        b'{"a": NaN}',
        b'{"a": Infinity}',
        b'{"a": -Infinity}',
        b'{"a": 1e400}',
        b'{"a": -1e400}',
        b'{"a": 1' + b"0" * 400 + b"}",
        b'{"a": 1' + b"0" * 5000 + b"}",
        b'{"a": "\\ud800"}',
        b'{"\\udfff": 1}',
        b'["\\ud800\\ud800"]',
        b'{"a": "\xff"}',
        b"\xef\xbb\xbf{}",
        b"[" * (MAX_DEPTH + 1) + b"]" * (MAX_DEPTH + 1),
        b"[" * 100_000,
    ],
)
def test_decode_json_refuses_what_php_refuses(raw: bytes) -> None:
    with pytest.raises(ValueError):  # noqa: PT011 - every refusal is a plain ValueError, by design
        decode_json(raw)


@pytest.mark.parametrize(
    ("raw", "value"),
    [
        (b'{"a": "\\ud83d\\ude00"}', {"a": "😀"}),  # a surrogate pair is one character
        (b'{"a": 1.5e308, "b": -2}', {"a": 1.5e308, "b": -2}),
        (b'"x"', "x"),
        ('{"n": "é"}'.encode(), {"n": "é"}),
        (b"[" * MAX_DEPTH + b"]" * MAX_DEPTH, json.loads(b"[" * MAX_DEPTH + b"]" * MAX_DEPTH)),
    ],
)
def test_decode_json_reads_ordinary_json(raw: bytes, value: Any) -> None:
    assert decode_json(raw) == value


@pytest.mark.parametrize(
    "raw", ["²", "٣", "-1", "0", "1.5", " ", "9" * 40, "9" * 5000, 2**63, 0, -4, 1.5, 1e300, True]
)
def test_odd_job_ids_are_not_job_ids(raw: Any) -> None:
    assert parse_job_id(raw) is None
    with pytest.raises(RequestError, match="is not a valid job ID"):
        Body({"JobID": raw}).job_id()


def test_job_ids_as_the_clients_send_them() -> None:
    assert [parse_job_id(v) for v in ("951", " 951 ", "000951", 951, 951.0)] == [951] * 5
    assert parse_job_id(MAX_JOB_ID) == MAX_JOB_ID
    for missing in (None, ""):
        with pytest.raises(RequestError, match="No oldJob was supplied"):
            Body({"oldJob": missing}).job_id("oldJob")


def test_numbers_a_double_cannot_hold_are_bad_values() -> None:
    with pytest.raises(ValueError, match="finite"):
        parse_number(10**400)
    assert version_key("1.²") is None
    assert version_key("1." + "9" * 5000) is None


def test_products_are_read_from_text_or_a_list() -> None:
    both = [Product.LIGHT_CURVE, Product.SPECTRUM]
    assert Body({"what": "lc, spec,lc"}).products("what", required=True) == both
    with pytest.raises(RequestError, match=r"Unknown product\(s\) in `what`: 1"):
        Body({"what": ["psf", 1]}).products("what", required=True)
    with pytest.raises(RequestError, match=r"Unknown product.*Array"):
        Body({"what": {"lc": 1}}).products("what", required=True)
    with pytest.raises(RequestError, match="No products were given"):
        Body({}).products("what", required=True)
    assert Body({"whatProg": []}).products("whatProg", required=False) == []


def test_options_take_words_and_json_booleans() -> None:
    words = ("yes", "no", "both")
    assert Body({"nosys": True}).option("nosys", words, "no") == "yes"
    assert Body({"nosys": " BOTH "}).option("nosys", words, "no") == "both"
    assert Body({}).option("nosys", words, "no") == "no"
    with pytest.raises(RequestError, match=r"nosys must be one of yes, no or both; you sent `Array`\."):
        Body({"nosys": [1]}).option("nosys", words, "no")


def test_the_clock_refuses_infinite_time() -> None:
    clock = SimClock(1.0, monotonic=lambda: 0.0)
    clock.advance(1e308)
    with pytest.raises(ValueError, match="infinite"):
        clock.advance(1e308)
    for scale in (float("nan"), float("inf"), 1e300, 0.0):
        with pytest.raises(ValueError, match="time_scale"):
            clock.set_time_scale(scale)
    with pytest.raises(ValueError, match="only moves forward"):
        clock.advance(float("nan"))
    # A moment ahead of the clock maps to wall time at the current pace, here past the calendar's end.
    assert SimClock(1.0, monotonic=lambda: 0.0).wall_at(1e308).year == 9999
