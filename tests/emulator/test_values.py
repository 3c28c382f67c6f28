"""Reading loose wire values and writing PHP-style ones."""

from __future__ import annotations

import pytest

from xrt_prods_async.emulator._values import (
    BadValueError,
    parse_flag,
    parse_int,
    parse_job_id,
    parse_number,
    php_number,
    php_str,
    version_at_least,
    version_key,
    version_text,
)


@pytest.mark.parametrize(
    ("value", "text"), [(20, "20"), (20.0, "20"), (0.6, "0.6"), (335.6985, "335.6985"), (1e8, "100000000")]
)
def test_php_number_prints_like_php(value: float, text: str) -> None:
    assert php_number(value) == text


def test_php_str_interpolates_like_php() -> None:
    assert php_str(None) == ""
    assert php_str(True) == "1"
    assert php_str(0.01) == "0.01"
    assert php_str([1]) == "Array"
    assert php_str("x") == "x"


def test_parse_number_accepts_numbers_and_numeric_strings() -> None:
    assert parse_number("20") == 20
    assert isinstance(parse_number("20"), int)
    assert parse_number(" 2.5 ") == 2.5
    assert parse_number(1e3) == 1000.0
    for bad in ("abc", "", True, None, [1], float("nan"), "inf"):
        with pytest.raises(BadValueError):
            parse_number(bad)


def test_parse_int_rejects_fractions() -> None:
    assert parse_int("15") == 15
    assert parse_int(15.0) == 15
    with pytest.raises(BadValueError, match="whole number"):
        parse_int(2.5)


def test_parse_flag_accepts_the_usual_spellings() -> None:
    assert [parse_flag(v) for v in (1, 0, True, False, "1", "0", "yes", "no", 1.0)] == [
        1,
        0,
        1,
        0,
        1,
        0,
        1,
        0,
        1,
    ]
    for bad in (2, "maybe", None, -1):
        with pytest.raises(BadValueError, match="0 or 1"):
            parse_flag(bad)


def test_parse_job_id_takes_int_or_numeric_string() -> None:
    assert parse_job_id(951) == 951
    assert parse_job_id("951") == 951
    assert parse_job_id(951.0) == 951
    assert parse_job_id("abc") is None
    assert parse_job_id(True) is None
    assert parse_job_id(0) is None
    assert parse_job_id(None) is None


def test_versions_compare_as_dotted_integers() -> None:
    assert version_key("1.10") == (1, 10)
    assert version_key("x.1") is None
    assert version_text(1.5) == "1.5"
    assert version_text("1.12") == "1.12"
    assert version_text(None) is None
    assert version_at_least("1.10", "1.10") is True
    assert version_at_least("1.9", "1.10") is False
    assert version_at_least(1.5, "1.10") is False
    assert version_at_least("1.12.1", "1.10") is True
    assert version_at_least("2", "1.10") is True
    assert version_at_least(None, "1.10") is None
    assert version_at_least("beta", "1.10") is None
