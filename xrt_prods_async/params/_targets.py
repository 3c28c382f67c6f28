"""Value types and echo clean-ups particular to the request's globals."""

from __future__ import annotations

from typing import Annotated, Any

from pydantic import BeforeValidator

from ._fields import Kind, not_a, value_error

__all__ = ["Targets", "arcmin_from_echo", "strip_braces"]

#: The position-error range the service accepts, arcmin (its listErr: "must be between 1 and 6").
POS_ERR_RANGE = (1.0, 6.0)


def _targets(value: Any) -> Any:
    """Swift targetIDs, comma-separated; spaces around the commas are dropped."""
    if not isinstance(value, str):
        raise not_a("a string")
    items = [item.strip() for item in value.split(",")]
    if not all(item.isdigit() and item.isascii() for item in items):
        raise value_error("must be comma-separated Swift targetIDs (digits), e.g. '00945521,00013267'")
    return ",".join(items)


#: Comma-separated targetIDs, normalised without spaces.
Targets = Annotated[str, BeforeValidator(_targets), Kind("text")]


def strip_braces(value: Any) -> Any:
    """The older server echoes ``targ`` as ``"{00010873,00010907}"``; the braces are not part of it."""
    if isinstance(value, str):
        return value.strip().removeprefix("{").removesuffix("}").strip()
    return value


def arcmin_from_echo(value: Any) -> Any:
    """Read an echoed ``poserr``, which the older server gave in arcseconds.

    Guess (docs/protocol.md §18 item 8): the GK Per reply echoes ``poserr`` 60 for a request that sent 1 (the
    FO Aqr request of the same docs), so a value above the 6-arcmin maximum that lands inside 1–6 once
    divided by 60 is read as arcseconds. Other values pass unchanged.
    """
    if isinstance(value, bool) or not isinstance(value, (str, int, float)):
        return value
    try:
        number = float(value)
    except (ValueError, OverflowError):
        return value
    low, high = POS_ERR_RANGE
    if number > high and low <= number / 60 <= high:
        return number / 60
    return value
