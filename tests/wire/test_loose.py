"""The loose wire types: numbers as strings, 0/1 flags, versions as numbers."""

from __future__ import annotations

import math

import pytest

from xrt_prods_async.wire._loose import number_or_text, read_flag, to_flag, to_float, to_int, to_text


@pytest.mark.parametrize(
    ("value", "expected"),
    [(14, 14), ("14", 14), (" 803 ", 803), (4.0, 4), ("4.0", 4), (True, 1), ("-4", -4)],
)
def test_to_int_accepts_loose_forms(value: object, expected: int) -> None:
    assert to_int(value) == expected


@pytest.mark.parametrize("value", ["abc", 1.5, "1.5", None, [], ""])
def test_to_int_rejects_non_integers(value: object) -> None:
    with pytest.raises(ValueError, match="whole number"):
        to_int(value)


@pytest.mark.parametrize(
    ("value", "expected"),
    [("52.8000", 52.8), ("1e-07", 1e-07), (3, 3.0), ("-7.5179", -7.5179), (" 2 ", 2.0)],
)
def test_to_float_accepts_numbers_and_numeric_strings(value: object, expected: float) -> None:
    assert to_float(value) == pytest.approx(expected)


def test_to_float_accepts_infinity_and_rejects_words() -> None:
    assert math.isinf(to_float("inf"))
    with pytest.raises(ValueError, match="number"):
        to_float("NOPOS")
    with pytest.raises(ValueError, match="number"):
        to_float(None)


@pytest.mark.parametrize(
    ("value", "expected"),
    [
        (1, True),
        (0, False),
        ("1", True),
        ("0", False),
        (True, True),
        (False, False),
        ("yes", True),
        ("no", False),
    ],
)
def test_to_flag(value: object, expected: bool) -> None:
    assert to_flag(value) is expected


@pytest.mark.parametrize(
    ("value", "expected"),
    [
        (" Yes ", True),
        ("TRUE", True),
        ("y", True),
        ("on", True),
        (1.0, True),
        ("False", False),
        ("n", False),
        ("off", False),
        ("", False),
        (0.0, False),
        (2, None),
        ("maybe", None),
        (None, None),
        ([1], None),
    ],
)
def test_read_flag_words(value: object, expected: bool | None) -> None:
    """One reader for reply flags and parameter flags: every word either side accepted."""
    assert read_flag(value) is expected


@pytest.mark.parametrize("value", [2, "maybe", None, -1])
def test_to_flag_rejects_other_values(value: object) -> None:
    with pytest.raises(ValueError, match="flag"):
        to_flag(value)


def test_to_text_keeps_version_numbers_readable() -> None:
    assert to_text(0.1) == "0.1"
    assert to_text("1.12") == "1.12"
    assert to_text(3) == "3"
    with pytest.raises(ValueError, match="text"):
        to_text(None)


@pytest.mark.parametrize(
    ("value", "expected"),
    [("1236", 1236), ("3.51785655609393", 3.51785655609393), ("1e-07", 1e-07), ("2SXPS", "2SXPS"), (5, 5)],
)
def test_number_or_text(value: object, expected: object) -> None:
    result = number_or_text(value)
    assert result == expected
    assert type(result) is type(expected)


def test_number_or_text_handles_infinity_and_nan_words() -> None:
    assert number_or_text("inf") == math.inf
    assert math.isnan(float(number_or_text("nan")))
    assert number_or_text("nanometre") == "nanometre"
