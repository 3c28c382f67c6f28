"""Hostile inputs for the property tests that assert only the library's own errors escape an entry point.

Values Python itself struggles with — nested past the recursion limit, holding themselves, integers beyond
float range or too long to print, lone surrogates, objects whose ``repr`` or ``==`` raise — sit in a table
and are drawn by index, so that no strategy holds them (hypothesis prints strategies, and these cannot be
printed).
"""

from __future__ import annotations

import datetime
import decimal
import fractions
import math
from typing import Any

from hypothesis import strategies as st


def nested(depth: int) -> list[Any]:
    """A list nested ``depth`` levels deep (past Python's recursion limit for a few thousand)."""
    top: list[Any] = []
    inner = top
    for _ in range(depth):
        child: list[Any] = []
        inner.append(child)
        inner = child
    return top


def _self_list() -> list[Any]:
    loop: list[Any] = []
    loop.append(loop)
    return loop


def _self_dict() -> dict[str, Any]:
    loop: dict[str, Any] = {}
    loop["again"] = loop
    return loop


class Hostile:
    """An object whose repr, str, equality and truth all raise."""

    def __repr__(self) -> str:
        raise RuntimeError("no repr")

    def __str__(self) -> str:
        raise RuntimeError("no str")

    def __eq__(self, other: object) -> bool:
        raise RuntimeError("no ==")

    def __bool__(self) -> bool:
        raise RuntimeError("no truth")

    __hash__ = object.__hash__


#: The hostile values, drawn by index (see the module docstring).
NASTY: tuple[Any, ...] = (
    nested(3000),
    _self_list(),
    _self_dict(),
    Hostile(),
    10**400,
    -(10**400),
    10**5000,  # too long for str() under Python's integer-string limit
    math.nan,
    math.inf,
    -math.inf,
    "\ud800",
    "a\udfffb",
    b"\xff\xfe",
    bytearray(b"1"),
    decimal.Decimal("sNaN"),
    decimal.Decimal("1e999999"),
    fractions.Fraction(1, 3),
    1 + 2j,
    datetime.datetime(2020, 4, 16, 12, 0, tzinfo=datetime.UTC),
    {1, 2},
    frozenset(),
    (),
    object(),
    type,
    "[" * 5000,
    "1" * 5000,
    "1e999",
    "-inf",
    "nan",
    "0x10",
    "١٢",  # Arabic-Indic digits: isdigit() is True, yet not ASCII
    " ",
    "",
)


def _pick(index: int) -> Any:
    return NASTY[index]


nasty = st.integers(0, len(NASTY) - 1).map(_pick)

#: Values of every builtin kind hypothesis knows how to make.
_KINDS: list[type] = [
    int,
    float,
    str,
    bytes,
    bool,
    complex,
    decimal.Decimal,
    fractions.Fraction,
    datetime.date,
]
from_types: st.SearchStrategy[Any] = st.sampled_from([*_KINDS, type(None)]).flatmap(st.from_type)

scalars = st.one_of(
    st.none(), st.booleans(), st.integers(), st.floats(), st.text(max_size=8), from_types, nasty
)
#: Keys of a mapping: text (surrogates included), and what is not text at all.
keys = st.one_of(
    st.text(max_size=6), st.integers(), st.none(), st.binary(max_size=3), st.tuples(st.integers())
)
#: JSON-like values with hostile leaves and keys.
values = st.recursive(
    scalars,
    lambda inner: st.one_of(
        st.lists(inner, max_size=3), st.tuples(inner), st.dictionaries(keys, inner, max_size=3)
    ),
    max_leaves=6,
)
