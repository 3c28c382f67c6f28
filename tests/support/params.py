"""Helpers shared by the parameter-model tests."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import pytest

from xrt_prods_async._errors import InvalidRequestError

#: The globals of a valid request, Python style (no products).
PY_GLOBALS: dict[str, Any] = {
    "name": "GRB 200416A",
    "targ": "00966554",
    "ra": 335.6985,
    "dec": -7.5179,
    "centroid": True,
    "pos_err": 1,
}

#: The same globals, swifttools style.
ST_GLOBALS: dict[str, Any] = {
    "name": "GRB 200416A",
    "targ": "00966554",
    "RA": 335.6985,
    "Dec": -7.5179,
    "centroid": True,
    "posErr": 1,
}

#: A light curve that needs nothing else.
SNAPSHOT_LC: dict[str, Any] = {"bin_meth": "snapshot"}


def problems_of(build: Callable[[], Any]) -> list[tuple[str, str]]:
    """The (parameter, message) pairs of the InvalidRequestError ``build`` raises."""
    with pytest.raises(InvalidRequestError) as caught:
        build()
    return [(p.parameter, p.message) for p in caught.value.problems]


def parameters_of(build: Callable[[], Any]) -> list[str]:
    """The parameters named by the InvalidRequestError ``build`` raises."""
    return [parameter for parameter, _ in problems_of(build)]
