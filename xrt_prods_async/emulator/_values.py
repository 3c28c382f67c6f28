"""Reading the loose values clients send (numbers as strings, 0/1 flags, versions) and writing PHP-style ones.

The real service is PHP: it takes ``"20"`` or ``20`` alike and prints numbers without a trailing ``.0``.
These helpers are the emulator's one place for those conventions.
"""

from __future__ import annotations

import math
import re
import sys
from typing import Any

__all__ = [
    "MAX_JOB_ID",
    "BadValueError",
    "ascii_int",
    "parse_flag",
    "parse_int",
    "parse_job_id",
    "parse_number",
    "php_number",
    "php_str",
    "version_at_least",
    "version_key",
    "version_text",
]


class BadValueError(ValueError):
    """A value that cannot be read as the parameter needs; ``rule`` completes "X is V, but must be ..."."""

    def __init__(self, rule: str) -> None:
        self.rule = rule
        super().__init__(rule)


def php_number(value: float | int) -> str:
    """The text PHP prints for a number: ``20`` not ``20.0``, ``0.6``, ``335.6985``."""
    if isinstance(value, bool):
        return "1" if value else ""
    if isinstance(value, int):
        return str(value)
    if math.isfinite(value) and value == int(value) and abs(value) < 1e15:
        return str(int(value))
    return repr(value)


def php_str(value: Any) -> str:
    """How PHP would interpolate a request value into a message (``true`` → ``1``, ``None`` → empty)."""
    if isinstance(value, str):
        return value
    if value is None:
        return ""
    if isinstance(value, bool):
        return "1" if value else ""
    if isinstance(value, int | float):
        return php_number(value)
    if isinstance(value, list | tuple):
        return "Array"
    if isinstance(value, dict):
        return "Array"
    return str(value)


#: The largest JobID: the service keeps them as 64-bit integers.
MAX_JOB_ID = 2**63 - 1
_DIGITS = re.compile(r"[0-9]{1,30}")


def ascii_int(text: str) -> int | None:
    """Plain ASCII digits (at most 30; ``"²"`` and ``"٣"`` are not digits here) as an int; else None."""
    return int(text) if _DIGITS.fullmatch(text) else None


_NUMBER = re.compile(r"^[+-]?(\d+(\.\d*)?|\.\d+)([eE][+-]?\d+)?$")


def parse_number(value: Any) -> float | int:
    """A JSON number or numeric string, finite; ints stay ints. Raises :class:`BadValueError`."""
    if isinstance(value, bool):
        raise BadValueError("a number")
    if isinstance(value, int):
        if abs(value) > sys.float_info.max:
            raise BadValueError("a finite number")
        return value
    if isinstance(value, float):
        if not math.isfinite(value):
            raise BadValueError("a finite number")
        return value
    if isinstance(value, str):
        text = value.strip()
        if _NUMBER.match(text):
            number = float(text)
            if not math.isfinite(number):
                raise BadValueError("a finite number")
            if re.fullmatch(r"[+-]?\d+", text):
                return int(text)
            return number
    raise BadValueError("a number")


def parse_int(value: Any) -> int:
    """A whole number given as int, integral float or numeric string. Raises :class:`BadValueError`."""
    number = parse_number(value)
    if isinstance(number, float):
        if number != int(number):
            raise BadValueError("a whole number")
        return int(number)
    return number


_FLAG_WORDS = {"1": 1, "0": 0, "yes": 1, "no": 0, "true": 1, "false": 0}


def parse_flag(value: Any) -> int:
    """A 0/1 switch: 0/1, true/false, or the strings "0"/"1"/"yes"/"no". Raises :class:`BadValueError`."""
    if isinstance(value, bool):
        return int(value)
    if isinstance(value, int) and value in (0, 1):
        return value
    if isinstance(value, float) and value in (0.0, 1.0):
        return int(value)
    if isinstance(value, str) and value.strip().lower() in _FLAG_WORDS:
        return _FLAG_WORDS[value.strip().lower()]
    raise BadValueError("0 or 1")


def parse_job_id(value: Any) -> int | None:
    """A JobID sent as an int or a string of digits (swifttools sends the string it got); None if neither.

    Only 1 to :data:`MAX_JOB_ID` is a JobID; anything else (``"²"``, ``-3``, ``1.5``, ``1e300``) is None.
    """
    number: int | None = None
    if isinstance(value, bool):
        return None
    if isinstance(value, int):
        number = value
    elif isinstance(value, float) and value.is_integer():
        number = int(value)
    elif isinstance(value, str):
        number = ascii_int(value.strip())
    return number if number is not None and 0 < number <= MAX_JOB_ID else None


def version_text(value: Any) -> str | None:
    """``api_version`` as text: strings stay, numbers print as written (1.5 → "1.5"); None when absent."""
    if value is None or isinstance(value, bool):
        return None
    if isinstance(value, int | float):
        return php_number(value) if isinstance(value, int) else repr(value)
    if isinstance(value, str) and value.strip():
        return value.strip()
    return None


def version_key(text: str) -> tuple[int, ...] | None:
    """Dotted version to a comparable tuple (``"1.10"`` → (1, 10) > (1, 9)); None if not dotted digits."""
    parts = [ascii_int(p) for p in text.strip().split(".")]
    if not all(p is not None for p in parts):
        return None
    return tuple(p for p in parts if p is not None)


def version_at_least(value: Any, minimum: str) -> bool | None:
    """Whether ``api_version`` ``value`` is at least ``minimum``, comparing dotted parts as integers.

    None when the client sent no usable version (the caller picks its default).
    """
    text = version_text(value)
    if text is None:
        return None
    key = version_key(text)
    floor = version_key(minimum)
    if key is None or floor is None:
        return None
    width = max(len(key), len(floor))
    return key + (0,) * (width - len(key)) >= floor + (0,) * (width - len(floor))
