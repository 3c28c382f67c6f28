"""Naming parameters the way the user did: the spellings a model accepts, and names in problems.

Each model accepts three spellings of a parameter: the Python (snake_case) field name, the swifttools name
and the wire key (plus declared aliases and deprecated names); :class:`Names` holds those tables, derived
from the field declarations. A request remembers how each parameter was written; a parameter the user
never wrote (a missing companion, say) is named in the style the user used elsewhere: snake_case for
Python-style callers, swifttools names for callers who brought swifttools dictionaries.
"""

from __future__ import annotations

import difflib
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from typing import Any, Literal

from pydantic.fields import FieldInfo

from ._fields import param_of, safe_repr

__all__ = ["Namer", "Names", "Style", "fmt", "short_repr", "style_of_unknown", "suggest"]

#: ``python``: snake_case field names; ``swifttools``: the swifttools (camelCase) names.
Style = Literal["python", "swifttools"]


@dataclass(frozen=True)
class Names:
    """The spelling tables of one model, all derived from its field declarations.

    ``lookup`` maps every accepted spelling to its field; ``st_names`` and ``wire`` give each field's
    swifttools name and wire key (in declaration order); ``by_wire`` maps wire keys and wire aliases to
    fields; ``deprecated`` maps deprecated spellings to their field; ``python_only`` and
    ``swifttools_only`` are the spellings that show which naming style a caller uses.
    """

    lookup: dict[str, str]
    st_names: dict[str, str]
    wire: dict[str, str]
    by_wire: dict[str, str]
    deprecated: dict[str, str]
    python_only: frozenset[str]
    swifttools_only: frozenset[str]

    @classmethod
    def of(cls, owner: str, fields: Mapping[str, FieldInfo]) -> Names:
        """The tables of the parameter fields among ``fields``; a spelling naming two fields is a bug."""
        lookup: dict[str, str] = {}
        st_names: dict[str, str] = {}
        wire: dict[str, str] = {}
        by_wire: dict[str, str] = {}
        deprecated: dict[str, str] = {}
        python_only: set[str] = set()
        swifttools_only: set[str] = set()
        for name, info in fields.items():
            facts = param_of(info)
            if facts is None:
                continue
            st_names[name] = facts.st_name
            wire[name] = facts.wire
            by_wire.update(dict.fromkeys((facts.wire, *facts.aliases), name))
            deprecated.update(dict.fromkeys(facts.deprecated, name))
            spellings = (name, facts.st_name, facts.wire, *facts.aliases, *facts.deprecated)
            for spelling in spellings:
                if lookup.setdefault(spelling, name) != name:
                    raise TypeError(f"{owner}: {spelling!r} names both {lookup[spelling]} and {name}")
            swifttools_only.update(s for s in spellings if s != name)
            if name not in (facts.st_name, facts.wire):
                python_only.add(name)
        return cls(
            lookup, st_names, wire, by_wire, deprecated, frozenset(python_only), frozenset(swifttools_only)
        )


def short_repr(value: Any, limit: int = 60) -> str:
    """A repr cut to ``limit`` characters, for problem messages."""
    text = safe_repr(value)
    return text if len(text) <= limit else text[: limit - 3] + "..."


def fmt(value: Any) -> str:
    """A value as it appears in messages: numbers without trailing zeros, the rest as repr."""
    if isinstance(value, float):
        return f"{value:g}"
    return safe_repr(value)


@dataclass(frozen=True)
class Namer:
    """Names the fields of one model as the user would: their own spelling, else their style.

    ``prefix`` (``"LightCurve"``, ``"light_curve"``) is put before product parameters; ``st_names`` maps each
    field to its swifttools name and ``py_names`` to its Python name where that is not the field name;
    ``fixed`` gives full names decided elsewhere (a parameter shared between products is named after
    where the user set it).
    """

    style: Style
    st_names: Mapping[str, str]
    spelling: Mapping[str, str] = field(default_factory=dict)
    prefix: str | None = None
    fixed: Mapping[str, str] = field(default_factory=dict)
    py_names: Mapping[str, str] = field(default_factory=dict)

    def bare(self, name: str) -> str:
        """The user's name for a field, without the product prefix."""
        if name in self.spelling:
            return self.spelling[name]
        if self.style == "swifttools":
            return self.st_names.get(name, name)
        return self.py_names.get(name, name)

    def __call__(self, name: str) -> str:
        """The user's name for a field, with the product prefix (``LightCurve.pcCounts``)."""
        if name in self.fixed:
            return self.fixed[name]
        bare = self.bare(name)
        return f"{self.prefix}.{bare}" if self.prefix else bare

    def key(self, key: str) -> str:
        """A key exactly as the user wrote it, with the product prefix."""
        return f"{self.prefix}.{key}" if self.prefix else key


def suggest(name: str, known: Mapping[str, str] | Iterable[str]) -> str:
    """A "did you mean" hint for an unknown name, or ``""`` when nothing is close.

    ``known`` maps each accepted spelling to what it names, so that one parameter is suggested once, in
    its closest spelling.
    """
    targets = dict(known) if isinstance(known, Mapping) else {k: k for k in known}
    lowered: dict[str, str] = {}
    for spelling in targets:
        lowered.setdefault(spelling.lower(), spelling)
    if name.lower() in lowered:
        return f"; did you mean {lowered[name.lower()]!r}?"
    close = difflib.get_close_matches(name, list(targets), n=12, cutoff=0.6)
    close += [lowered[m] for m in difflib.get_close_matches(name.lower(), list(lowered), n=12, cutoff=0.6)]
    best: dict[str, str] = {}
    for spelling in close:
        best.setdefault(targets[spelling], spelling)
    picks = list(best.values())[:3]
    if not picks:
        return ""
    if len(picks) == 1:
        return f"; did you mean {picks[0]!r}?"
    return "; did you mean " + ", ".join(repr(c) for c in picks[:-1]) + f" or {picks[-1]!r}?"


def style_of_unknown(keys: Iterable[str]) -> Style | None:
    """The style unrecognised names suggest: camelCase reads as swifttools, snake_case as Python."""
    keys = list(keys)
    if any("_" in key for key in keys):
        return "python"
    if any(key != key.lower() for key in keys):
        return "swifttools"
    return None
