"""Step 2 of the pipeline: check the values — types, then triggers, then the cross-field rules.

Each check adds what it finds to one list of problems and goes on, so that the user hears of every
mistake at once; a rule that involves a value already reported as bad is skipped, so one mistake is
reported once. The rules themselves are written on each model (``_rules``, ``_TRIGGERS``); this module
holds the parts every model shares.
"""

from __future__ import annotations

import functools
from collections.abc import Callable, Iterable, Mapping
from dataclasses import dataclass
from typing import Any

from pydantic import TypeAdapter, ValidationError
from pydantic.fields import FieldInfo

from xrt_prods_async._errors import Problem

from ._fields import TOO_DEEP, expected_of, too_deep
from ._naming import Namer, fmt, short_repr

__all__ = ["DROP", "Issue", "Trigger", "apply_triggers", "check_types", "report"]


class _Sentinel:
    def __init__(self, name: str) -> None:
        self.name = name

    def __repr__(self) -> str:
        return self.name


#: Trigger target value meaning "must not be set".
DROP: Any = _Sentinel("DROP")
#: Trigger condition meaning "set to any value".
_ANY: Any = _Sentinel("ANY")


@dataclass(frozen=True)
class Issue:
    """One broken rule: the parameter to name, what would fix it, and the other fields it depends on."""

    field: str
    message: str
    involves: tuple[str, ...] = ()


@dataclass(frozen=True)
class Trigger:
    """Setting ``when`` (to ``equals``, or to anything) also sets each ``then`` field.

    The documented triggers are listed in docs/parameters.md §9.2. A ``then`` value of :data:`DROP` means
    the field must be absent. When the user set a ``then`` field to a different value explicitly, that is
    a contradiction and a problem — unless the trigger is ``soft`` (a convenience default that an explicit
    value may override). ``on_none`` triggers fire when ``when`` is passed explicitly as ``None``
    (removing the value).
    """

    when: str
    then: Mapping[str, Any]
    equals: Any = _ANY
    soft: bool = False
    on_none: bool = False

    def fires(self, values: Mapping[str, Any]) -> bool:
        """Whether this trigger fires for ``values`` (by field; an explicit ``None`` is kept as such)."""
        if self.on_none:
            return self.when in values and values[self.when] is None
        value = values.get(self.when)
        return value is not None and (self.equals is _ANY or value == self.equals)


def check_types(
    fields: Mapping[str, FieldInfo], given: Mapping[str, Any], namer: Namer, problems: list[Problem]
) -> tuple[dict[str, Any], set[str]]:
    """Check each given value against its field's type and bounds; report each bad one and leave it out.

    Returns the clean values (an explicit ``None`` kept: it unsets the parameter, and ``on_none`` triggers
    watch for it) and the names of the bad ones. Pydantic does the checking; its errors become problems
    in the declaration order of the fields, worded by :func:`~._fields.expected_of`.
    """
    values: dict[str, Any] = {}
    bad: dict[str, str] = {}
    for name, value in given.items():
        info = fields[name]
        if value is None and info.default is not None:
            continue  # unsetting a parameter that is always sent leaves its default
        if too_deep(value):
            bad[name] = TOO_DEEP
            continue
        try:
            values[name] = _adapter(info).validate_python(value)
        except ValidationError as error:
            bad[name] = f"{_message(info, error.errors()[0])}; got {short_repr(value)}"
    problems.extend(Problem(namer(name), bad[name]) for name in fields if name in bad)
    return values, set(bad)


@functools.cache
def _adapter(info: FieldInfo) -> TypeAdapter[Any]:
    """The validator of one field on its own (its type with its bounds), built on first use."""
    return TypeAdapter(info.rebuild_annotation())


def _message(info: FieldInfo, item: Any) -> str:
    """A problem message for one pydantic error on a parameter field."""
    if item["type"] == "xrt_value":
        return str(item["msg"])
    return f"must be {expected_of(info)}"


def apply_triggers(
    triggers: tuple[Trigger, ...], values: dict[str, Any], namer: Namer, problems: list[Problem]
) -> dict[str, str]:
    """Apply the triggers that fire to ``values`` in place; a contradicting explicit value is a problem.

    Returns which trigger field set each implied value (problems name it: "set by ...").
    """
    origin: dict[str, str] = {}  # field -> field whose trigger set it
    reported: set[frozenset[str]] = set()
    for trigger in triggers:
        if not trigger.fires(values):
            continue
        for target, implied in trigger.then.items():
            text = _impose(trigger, target, implied, values, origin, namer)
            if text is not None and frozenset((target, trigger.when)) not in reported:
                reported.add(frozenset((target, trigger.when)))
                problems.append(Problem(namer(target), text))
    return origin


def _impose(
    trigger: Trigger,
    target: str,
    implied: Any,
    values: dict[str, Any],
    origin: dict[str, str],
    namer: Namer,
) -> str | None:
    """Give ``target`` the value ``trigger`` implies, unless it holds one; the problem text if it clashes."""
    current = values.get(target)
    cause = f"{namer(trigger.when)}={fmt(values.get(trigger.when))}"
    if implied is DROP:
        if current is None:
            return None
        return f"not used when {cause}; remove it or change {namer(trigger.when)}"
    if current is None:
        values[target] = implied
        origin[target] = trigger.when
        return None
    if current == implied or (trigger.soft and target not in origin):
        return None
    setter = f" (set by {namer(origin[target])})" if target in origin else ""
    return f"{fmt(current)}{setter} contradicts {cause}, which sets it to {fmt(implied)}; drop one of them"


def report(
    issues: Iterable[Issue], name: Callable[[str], str], bad: set[str], problems: list[Problem]
) -> None:
    """Add each broken rule to ``problems``, unless it involves a value already reported as bad."""
    for issue in issues:
        if issue.field in bad or bad.intersection(issue.involves):
            continue
        problems.append(Problem(name(issue.field), issue.message))
