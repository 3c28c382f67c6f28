"""Naming parameters the way the user did: the spellings a model accepts, and names in problems.

Each model accepts three spellings of a parameter: the Python (snake_case) field name, the swifttools name
and the wire key (plus declared aliases and deprecated names); :class:`Names` holds those tables, derived
from the field declarations. A request remembers how each parameter was written; a parameter the user
never wrote (a missing companion, say) is named in the style the user used elsewhere: snake_case for
Python-style callers, swifttools names for callers who brought swifttools dictionaries.

A keyword that names nothing gets a "did you mean" (:func:`suggest`): the closest parameters are found
through every spelling they accept, then shown in the spelling the user is writing
(:func:`spelling_style`), so a swifttools typo never hears a Python name, and a wire key is suggested only
to a caller writing wire keys.
"""

from __future__ import annotations

import difflib
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from typing import Any, Literal

from pydantic.fields import FieldInfo

from ._fields import param_of, safe_repr

__all__ = [
    "Known",
    "Namer",
    "Names",
    "Spelling",
    "Style",
    "fmt",
    "short_repr",
    "spelling_style",
    "style_of_unknown",
    "suggest",
]

#: ``python``: snake_case field names; ``swifttools``: the swifttools (camelCase) names.
Style = Literal["python", "swifttools"]
#: How a "did you mean" spells a parameter: a naming style, or ``wire`` (the service's keys) for callers
#: who write wire keys.
Spelling = Literal["python", "swifttools", "wire"]


@dataclass(frozen=True)
class Known:
    """One thing an unknown keyword may have meant, as :func:`suggest` sees it.

    ``spellings`` are matched against the keyword (every accepted spelling, deprecated ones too, so that a
    typo of any of them finds it); ``shown`` is its name in each :data:`Spelling` (swifttools when one is
    missing); ``where`` says where it goes when that is not where the keyword was written
    (`` (inside LightCurve={...})``), by spelling too; ``tier`` 1 marks such a place, ranked after names
    of the place itself that are about as close.
    """

    spellings: tuple[str, ...]
    shown: Mapping[str, str]
    where: Mapping[str, str] = field(default_factory=dict)
    tier: int = 0

    @classmethod
    def plain(cls, name: str) -> Known:
        """A name that is spelt one way only."""
        return cls((name,), {"swifttools": name})

    def show(self, spelling: Spelling) -> str:
        """As a message quotes it: ``'pcCounts'``, ``'binMeth' (inside LightCurve={...})``."""
        name = self.shown.get(spelling) or self.shown["swifttools"]
        return repr(name) + self.where.get(spelling, self.where.get("swifttools", ""))


@dataclass(frozen=True)
class Names:
    """The spelling tables of one model, all derived from its field declarations.

    ``lookup`` maps every accepted spelling to its field; ``st_names`` and ``wire`` give each field's
    swifttools name and wire key (in declaration order); ``by_wire`` maps wire keys and wire aliases to
    fields; ``deprecated`` maps deprecated spellings to their field; ``python_only`` and
    ``swifttools_only`` are the spellings that show which naming style a caller uses, and ``wire_only``
    (a part of ``swifttools_only``) those that show a caller writing wire keys; ``known`` is each field
    as a "did you mean" sees it.
    """

    lookup: dict[str, str]
    st_names: dict[str, str]
    wire: dict[str, str]
    by_wire: dict[str, str]
    deprecated: dict[str, str]
    python_only: frozenset[str]
    swifttools_only: frozenset[str]
    wire_only: frozenset[str] = frozenset()
    known: tuple[Known, ...] = ()

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
        wire_only: set[str] = set()
        known: list[Known] = []
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
            wire_only.update(s for s in (facts.wire, *facts.aliases) if s not in (name, facts.st_name))
            if name not in (facts.st_name, facts.wire):
                python_only.add(name)
            shown = {"python": name, "swifttools": facts.st_name, "wire": facts.wire}
            known.append(Known(tuple(dict.fromkeys(spellings)), shown))
        return cls(
            lookup,
            st_names,
            wire,
            by_wire,
            deprecated,
            frozenset(python_only),
            frozenset(swifttools_only),
            frozenset(wire_only),
            tuple(known),
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


@dataclass(frozen=True, slots=True)
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


#: How close (difflib's ratio, case and underscores ignored) a name must be to be suggested at all...
_CUTOFF = 0.6
#: ... and to the closest one, to be suggested beside it.
_NEAR = 0.05
#: What being elsewhere (``Known.tier`` 1) costs against names of the place the keyword was written.
_ELSEWHERE = 0.05


def _plain(name: str) -> str:
    return name.replace("_", "").lower()


def suggest(name: str, known: Iterable[Known | str], spelling: Spelling = "swifttools") -> str:
    """A "did you mean" hint for an unknown name, or ``""`` when nothing is close.

    Each of ``known`` is as close as the closest of its spellings, comparing without case or underscores
    (``pc_count`` is one letter from ``pcCounts``); the closest (up to three, and only those about as close
    as the best) are shown in ``spelling``, the closest first.
    """
    target = _plain(name)
    scored: list[tuple[float, int, Known]] = []
    for order, item in enumerate(known):
        if isinstance(item, str):
            item = Known.plain(item)
        matcher = difflib.SequenceMatcher(None, b=target)
        best = 0.0
        for candidate in item.spellings:
            matcher.set_seq1(_plain(candidate))
            best = max(best, matcher.ratio())
        if best >= _CUTOFF:
            scored.append((best - _ELSEWHERE * item.tier, order, item))
    if not scored:
        return ""
    scored.sort(key=lambda one: (-one[0], one[1]))
    top = scored[0][0]
    picks: list[str] = []
    for score, _, item in scored:
        text = item.show(spelling)
        if score >= top - _NEAR and text not in picks:
            picks.append(text)
    picks = picks[:3]
    if len(picks) == 1:
        return f"; did you mean {picks[0]}?"
    return "; did you mean " + ", ".join(picks[:-1]) + f" or {picks[-1]}?"


def spelling_style(key: str, context: Spelling | None) -> Spelling:
    """How to spell the suggestions for the unknown ``key``: as its own shape shows (snake_case: Python;
    camelCase: swifttools, or wire keys for a caller writing those), else as the rest of the call
    (``context``) does, else swifttools: a word without underscores reads as camelCase."""
    if "_" in key:
        return "python"
    if key != key.lower():
        return "wire" if context == "wire" else "swifttools"
    return context or "swifttools"


def style_of_unknown(keys: Iterable[str]) -> Style | None:
    """The style unrecognised names suggest: snake_case reads as Python, any other word as swifttools (the
    style :func:`spelling_style` suggests names in, so that a problem names the parameters the way its
    "did you mean" does)."""
    keys = list(keys)
    if any("_" in key for key in keys):
        return "python"
    return "swifttools" if keys else None
