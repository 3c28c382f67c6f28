"""Pydantic field types that accept the service's loose wire types and yield clean Python values.

The service sends numbers as JSON numbers or as strings (``"52.8000"``, ``"1e-07"``, ``"inf"``), flags
as ``0``/``1``, real booleans or strings, ``JobID`` as a string in one reply and an integer in the next, and
``APIVersion`` as a number (``0.1``) or a string (``"1.12"``). These annotated types absorb that once, so
reply models can declare what the value *means*.
"""

from __future__ import annotations

import math
from collections.abc import Mapping
from typing import Annotated, Any

from pydantic import BeforeValidator

__all__ = [
    "MAX_NESTING",
    "Flag",
    "LooseFloat",
    "LooseInt",
    "LooseStr",
    "number_or_text",
    "read_flag",
    "safe_repr",
    "safe_str",
    "to_flag",
    "to_float",
    "to_int",
    "to_text",
    "too_deep",
]

#: Words read as yes and as no, in any case, spaces around them ignored: the service writes 1/0 and yes/no,
#: swifttools and hand-written tables true/false, y/n, on/off. Blank text is a no.
TRUE_WORDS = frozenset({"1", "true", "yes", "y", "on"})
FALSE_WORDS = frozenset({"0", "false", "no", "n", "off", ""})


def to_int(value: Any) -> int:
    """An integer from an int, an integral float or a numeric string (``"803"``, ``" 14 "``, ``"4.0"``)."""
    if isinstance(value, bool):
        return int(value)
    if isinstance(value, int):
        return value
    if isinstance(value, float):
        if value.is_integer():
            return int(value)
        raise ValueError(f"expected a whole number, got {_excerpt(value)}")
    if isinstance(value, str):
        text = value.strip()
        try:
            return int(text)
        except ValueError:
            pass
        try:
            number = float(text)
        except ValueError:
            raise ValueError(f"expected a whole number, got {_excerpt(value)}") from None
        if number.is_integer():
            return int(number)
    raise ValueError(f"expected a whole number, got {_excerpt(value)}")


def to_float(value: Any) -> float:
    """A float from a number or a numeric string, including ``"1e-07"``, ``"inf"`` and ``"-inf"``."""
    if isinstance(value, bool):
        return float(value)
    if isinstance(value, (int, float)):
        try:
            return float(value)
        except OverflowError:  # an integer beyond float range
            raise ValueError(f"expected a number within float range, got {_excerpt(value)}") from None
    if isinstance(value, str):
        try:
            return float(value.strip())
        except ValueError:
            raise ValueError(f"expected a number, got {_excerpt(value)}") from None
    raise ValueError(f"expected a number, got {_excerpt(value)}")


def safe_repr(value: Any) -> str:
    """``repr(value)``, or ``<a TypeName>`` when that fails: a message about a bad value must never fail
    itself (a value nested too deeply for ``repr``, an int too long to print, a broken ``__repr__``)."""
    try:
        return repr(value)
    except Exception:  # whatever a value's repr raises, the message must still be made
        return f"<a {type(value).__name__}>"


def safe_str(value: Any) -> str:
    """``str(value)``, or ``<a TypeName>`` when that fails (as :func:`safe_repr`)."""
    try:
        return str(value)
    except Exception:  # whatever a value's str raises, the text must still be made
        return f"<a {type(value).__name__}>"


def _excerpt(value: Any, limit: int = 60) -> str:
    """A value's repr for a message, cut short."""
    text = safe_repr(value)
    return text if len(text) <= limit else text[: limit - 3] + "..."


#: Deepest nesting of lists and objects accepted in a reply or a parameter value. The deepest documented
#: reply (a status with nested progress steps) nests about ten levels; far deeper JSON is no reply of the
#: service, and would make Python's own repr, comparisons and JSON reader recurse without bound.
MAX_NESTING = 32


#: Values of these exact types hold nothing: most of a reply, skipped before any ``isinstance`` (an ABC check
#: against ``Mapping`` is slow, and every reply is walked).
_LEAVES = frozenset({str, int, float, bool, type(None)})


def too_deep(value: Any, limit: int = MAX_NESTING) -> bool:
    """True when ``value`` nests containers more than ``limit`` levels deep. Walked without recursion, so a
    self-containing list is caught too."""
    stack: list[tuple[Any, int]] = [(value, 0)]
    while stack:
        item, depth = stack.pop()
        if type(item) is dict or isinstance(item, Mapping):
            children: Any = [*item.keys(), *item.values()]
        elif isinstance(item, (list, tuple, set, frozenset)):
            children = item
        else:
            continue
        if depth >= limit:
            return True
        stack.extend((child, depth + 1) for child in children if type(child) not in _LEAVES)
    return False


def read_flag(value: Any) -> bool | None:
    """What a loose yes/no value says: a boolean, the number 0 or 1, or one of the words above.

    ``None`` when it says neither; each caller decides what that means (an error for a reply, a value left
    for the parameter models to report). The one reader of loose flags for replies and parameters alike.
    """
    if isinstance(value, bool):
        return value
    if isinstance(value, (int, float)) and value in (0, 1):
        return bool(value)
    if isinstance(value, str):
        word = value.strip().lower()
        if word in TRUE_WORDS:
            return True
        if word in FALSE_WORDS:
            return False
    return None


def to_flag(value: Any) -> bool:
    """A boolean from ``0``/``1``, ``true``/``false`` or ``"yes"``/``"no"`` in any of their JSON forms."""
    flag = read_flag(value)
    if flag is None:
        raise ValueError(f"expected a 0/1 flag, got {_excerpt(value)}")
    return flag


def to_text(value: Any) -> str:
    """Text from a string or a number (``0.1`` -> ``"0.1"``), as the service mixes the two."""
    if isinstance(value, str):
        return value
    if isinstance(value, bool):
        return str(int(value))
    if isinstance(value, (int, float)):
        return repr(value) if isinstance(value, float) else str(value)
    raise ValueError(f"expected text or a number, got {_excerpt(value)}")


def number_or_text(value: Any) -> int | float | str:
    """A cell of a table as the most specific type: int for integers, float for other numbers, else text.

    ``"1236"`` -> 1236, ``"3.5"`` -> 3.5, ``"1e-07"`` -> 1e-07, ``"inf"`` -> inf, ``"2SXPS"`` stays text.
    """
    if isinstance(value, bool):
        return int(value)
    if isinstance(value, (int, float)):
        return value
    if not isinstance(value, str):
        return str(value)
    text = value.strip()
    try:
        return int(text)
    except ValueError:
        pass
    try:
        number = float(text)
    except ValueError:
        return value
    if math.isnan(number) and text.lower() not in ("nan", "+nan", "-nan"):
        return value
    return number


LooseInt = Annotated[int, BeforeValidator(to_int)]
"""An int that may arrive as a numeric string or an integral float."""

LooseFloat = Annotated[float, BeforeValidator(to_float)]
"""A float that may arrive as a numeric string."""

Flag = Annotated[bool, BeforeValidator(to_flag)]
"""A boolean that may arrive as 0/1, a JSON boolean or a yes/no string."""

LooseStr = Annotated[str, BeforeValidator(to_text)]
"""Text that may arrive as a JSON number (``APIVersion``: ``0.1``)."""
