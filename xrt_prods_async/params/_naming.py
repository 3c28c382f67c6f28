"""Naming parameters the way the user did, in problems and in translated server errors.

Each model accepts three spellings of a parameter: the Python (snake_case) field name, the swifttools name
and the wire key. A request remembers how each parameter was written; a parameter the user never wrote
(a missing companion, say) is named in the style the user used elsewhere: snake_case for Python-style
callers, swifttools names for callers who brought swifttools dictionaries.
"""

from __future__ import annotations

import difflib
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from typing import Literal

__all__ = ["Namer", "Style", "suggest"]

#: ``python``: snake_case field names; ``swifttools``: the swifttools (camelCase) names.
Style = Literal["python", "swifttools"]


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
