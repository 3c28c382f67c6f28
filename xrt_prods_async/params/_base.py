"""The base of every parameter model: spellings, validation into problems, triggers, rules, wire items.

Construction runs one pipeline (:meth:`ParamModel._prepare`): resolve each keyword to a field (any
spelling), validate the values, apply the documented triggers, check the cross-field rules, and raise one
:class:`~xrt_prods_async._errors.InvalidRequestError` listing every problem, each naming the parameter as
the user wrote it. Pydantic does the type checks; its errors never reach the user as such.
"""

from __future__ import annotations

import json
import re
import warnings
from collections.abc import Iterator, Mapping
from dataclasses import dataclass, field
from typing import Any, ClassVar, Self, cast

from pydantic import BaseModel, ConfigDict, PrivateAttr, ValidationError
from pydantic.fields import FieldInfo

from xrt_prods_async._errors import InvalidRequestError, Problem
from xrt_prods_async._products import Product

from ._codec import decode_value, encode_value
from ._fields import Param, describe, expected_of, param_of
from ._naming import Namer, Style, style_of_unknown, suggest

__all__ = ["DROP", "Issue", "ParamModel", "Prepared", "ProductModel", "Trigger", "snake_name"]


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
class Trigger:
    """Setting ``when`` (to ``equals``, or to anything) also sets each ``then`` field (PARAMETERS.md §9.2).

    A ``then`` value of :data:`DROP` means the field must be absent. When the user set a ``then`` field to a
    different value explicitly, that is a contradiction and a problem — unless the trigger is ``soft`` (a
    convenience default that an explicit value may override). ``on_none`` triggers fire when ``when`` is
    passed explicitly as ``None`` (removing the value).
    """

    when: str
    then: Mapping[str, Any]
    equals: Any = _ANY
    soft: bool = False
    on_none: bool = False


@dataclass(frozen=True)
class Issue:
    """One broken rule: the parameter to name, what would fix it, and the other fields it depends on."""

    field: str
    message: str
    involves: tuple[str, ...] = ()


@dataclass
class Prepared:
    """The outcome of :meth:`ParamModel._prepare`: validated values or the problems found."""

    values: dict[str, Any]
    problems: list[Problem]
    namer: Namer
    raw: dict[str, Any]
    bad: set[str] = field(default_factory=set)
    extras: dict[str, Any] = field(default_factory=dict)


@dataclass
class _Resolved:
    """Keywords mapped to fields: values and spellings by field, problems, names that matched nothing."""

    given: dict[str, Any]
    spelling: dict[str, str]
    wrong: list[tuple[str, str]]
    unknown: list[str]


@dataclass
class _Schema:
    """Name tables of one model class, all derived from its field declarations."""

    lookup: dict[str, str]
    st_names: dict[str, str]
    wire: dict[str, str]
    by_wire: dict[str, str]
    deprecated: dict[str, str]
    python_only: frozenset[str]
    swifttools_only: frozenset[str]


def snake_name(name: str) -> str:
    """``LightCurve`` -> ``light_curve``."""
    return re.sub(r"(?<!^)(?=[A-Z])", "_", name).lower()


def short_repr(value: Any, limit: int = 60) -> str:
    """A repr cut to ``limit`` characters, for problem messages."""
    text = repr(value)
    return text if len(text) <= limit else text[: limit - 3] + "..."


def fmt(value: Any) -> str:
    """A value as it appears in messages: numbers without trailing zeros, the rest as repr."""
    if isinstance(value, float):
        return f"{value:g}"
    return repr(value)


class ParamModel(BaseModel):
    """Base class of the parameter models: frozen, equal by value, built from any spelling of a name."""

    model_config = ConfigDict(frozen=True, validate_default=False)

    __xrt__: ClassVar[_Schema]
    _TRIGGERS: ClassVar[tuple[Trigger, ...]] = ()

    _raw: dict[str, Any] = PrivateAttr(default_factory=dict)
    _namer: Namer | None = PrivateAttr(default=None)

    # ---------------------------------------------------------------- class set-up

    @classmethod
    def __pydantic_init_subclass__(cls, **kwargs: Any) -> None:
        """Derive the name tables and the field descriptions from the field declarations."""
        super().__pydantic_init_subclass__(**kwargs)
        lookup: dict[str, str] = {}
        st_names: dict[str, str] = {}
        wire: dict[str, str] = {}
        by_wire: dict[str, str] = {}
        deprecated: dict[str, str] = {}
        python_only: set[str] = set()
        swifttools_only: set[str] = set()

        def claim(spelling: str, name: str) -> None:
            if lookup.setdefault(spelling, name) != name:
                raise TypeError(f"{cls.__name__}: {spelling!r} names both {lookup[spelling]} and {name}")

        changed = False
        for name, info in cls.model_fields.items():
            facts = param_of(info)
            if facts is None:
                continue
            claim(name, name)
            st_names[name] = facts.st_name
            wire[name] = facts.wire
            for spelling in (facts.st_name, facts.wire, *facts.aliases):
                claim(spelling, name)
                if spelling != name:
                    swifttools_only.add(spelling)
            for spelling in facts.deprecated:
                claim(spelling, name)
                deprecated[spelling] = name
                swifttools_only.add(spelling)
            for key in (facts.wire, *facts.aliases):
                by_wire[key] = name
            if name not in (facts.st_name, facts.wire):
                python_only.add(name)
            text = describe(info)
            if info.description != text:
                info.description = text
                changed = True
        cls.__xrt__ = _Schema(
            lookup=lookup,
            st_names=st_names,
            wire=wire,
            by_wire=by_wire,
            deprecated=deprecated,
            python_only=frozenset(python_only),
            swifttools_only=frozenset(swifttools_only),
        )
        if changed:
            cls.model_rebuild(force=True)

    # ---------------------------------------------------------------- construction

    def __init__(self, /, **data: Any) -> None:
        prepared = type(self)._prepare(data)
        if prepared.problems:
            raise InvalidRequestError(prepared.problems, context=type(self)._context())
        super().__init__(**prepared.values)
        self._adopt(prepared)

    def _adopt(self, prepared: Prepared) -> None:
        """Keep what the construction learnt about the user's input (spellings, raw keywords)."""
        self._raw = prepared.raw
        self._namer = prepared.namer
        for key, value in prepared.extras.items():
            setattr(self, key, value)

    @classmethod
    def _from_prepared(cls, prepared: Prepared) -> Self:
        """Build an instance from values :meth:`_prepare` already validated (no second validation)."""
        instance = cast(Self, cls.model_construct(**prepared.values))
        instance._adopt(prepared)
        return instance

    @classmethod
    def _context(cls) -> str:
        """Heading of the error listing this model's problems."""
        return f"The {cls.__name__} parameters are not valid"

    @classmethod
    def _default_prefix(cls, style: Style) -> str | None:
        """Prefix put before parameter names in problems (products name themselves)."""
        return None

    @classmethod
    def _style_of(cls, spelling: Mapping[str, str]) -> Style | None:
        """The naming style a set of spellings shows, or ``None`` when they could be either."""
        written = set(spelling.values())
        if written & cls.__xrt__.swifttools_only:
            return "swifttools"
        if written & cls.__xrt__.python_only:
            return "python"
        return None

    @classmethod
    def _resolve(cls, data: Mapping[Any, Any]) -> _Resolved:
        """Map each keyword to its field, noting every keyword that names none."""
        schema = cls.__xrt__
        given: dict[str, Any] = {}
        spelling: dict[str, str] = {}
        wrong: list[tuple[str, str]] = []
        unknown: list[str] = []
        for key, value in data.items():
            if not isinstance(key, str):
                wrong.append((repr(key), "parameter names must be strings"))
                continue
            name = schema.lookup.get(key)
            if name is None:
                wrong.append((key, f"not a parameter of {cls._what()}{suggest(key, schema.lookup)}"))
                unknown.append(key)
                continue
            if name in spelling:
                wrong.append((key, f"given twice, as {spelling[name]!r} and {key!r}; give it once"))
                continue
            if key in schema.deprecated:
                better = schema.st_names[name]
                warnings.warn(
                    f"{key} is deprecated; use {better} (or {name})", DeprecationWarning, stacklevel=4
                )
            given[name] = value
            spelling[name] = key
        return _Resolved(given, spelling, wrong, unknown)

    @classmethod
    def _what(cls) -> str:
        """How problems refer to this model ("the light curve")."""
        return cls.__name__

    @classmethod
    def _prepare(
        cls,
        data: Mapping[Any, Any],
        *,
        prefix: str | None = None,
        style: Style | None = None,
        fixed: Mapping[str, str] | None = None,
        implied: Mapping[str, Any] | None = None,
    ) -> Prepared:
        """Resolve, validate, trigger and check ``data``; never raises for a user mistake.

        ``implied`` holds already-validated values by field name that the user did not write here (the
        request passes shared values down to its products); ``fixed`` names them.
        """
        resolved = cls._resolve(data)
        given, spelling, wrong = resolved.given, resolved.spelling, resolved.wrong
        given.update(implied or {})
        chosen: Style = cls._style_of(spelling) or style or style_of_unknown(resolved.unknown) or "python"
        namer = Namer(
            chosen,
            cls.__xrt__.st_names,
            spelling,
            prefix if prefix is not None else cls._default_prefix(chosen),
            dict(fixed or {}),
        )
        problems = [Problem(namer.key(key), text) for key, text in wrong]
        values, bad = cls._validate(given, namer, problems)
        cls._apply_triggers(values, namer, problems)
        cls._check_rules(values, namer, bad, problems)
        final = {k: v for k, v in values.items() if v is not None}
        # Keep the input for replace(); a deprecated name is kept under its successor (warned once).
        renamed = cls.__xrt__.deprecated
        raw = {(cls.__xrt__.st_names[renamed[k]] if k in renamed else k): v for k, v in data.items()}
        return Prepared(final, _dedupe(problems), namer, {**raw, **(implied or {})}, bad)

    @classmethod
    def _validate(
        cls, given: Mapping[str, Any], namer: Namer, problems: list[Problem]
    ) -> tuple[dict[str, Any], set[str]]:
        """Type-check the given values; report each bad one and leave it out."""
        fields = cls.model_fields
        clean = {k: v for k, v in given.items() if not (v is None and fields[k].default is not None)}
        bad: dict[str, str] = {}
        # Validate into a scratch instance: with ``self_instance`` pydantic does not call our __init__.
        checked = cls.__new__(cls)
        try:
            cls.__pydantic_validator__.validate_python(clean, self_instance=checked)
        except ValidationError as error:
            for item in error.errors():
                name = str(item["loc"][0]) if item["loc"] else ""
                if name in bad or name not in fields:
                    continue
                bad[name] = _message(fields[name], item)
            for name, text in bad.items():
                problems.append(Problem(namer(name), f"{text}; got {short_repr(given[name])}"))
            cls.__pydantic_validator__.validate_python(
                {k: v for k, v in clean.items() if k not in bad}, self_instance=checked
            )
        values = {k: checked.__dict__[k] for k in clean if k not in bad}
        return values, set(bad)

    @classmethod
    def _apply_triggers(cls, values: dict[str, Any], namer: Namer, problems: list[Problem]) -> dict[str, str]:
        """Apply the documented triggers; a trigger meeting a contradicting explicit value is a problem.

        Returns which trigger field set each implied value.
        """
        origin: dict[str, str] = {}  # field -> field whose trigger set it
        reported: set[frozenset[str]] = set()

        def clash(target: str, source: str, text: str) -> None:
            pair = frozenset((target, source))
            if pair not in reported:
                reported.add(pair)
                problems.append(Problem(namer(target), text))

        for trigger in cls._TRIGGERS:
            value = values.get(trigger.when)
            if trigger.on_none:
                fires = trigger.when in values and value is None
            else:
                fires = value is not None and (trigger.equals is _ANY or value == trigger.equals)
            if not fires:
                continue
            cause = (
                f"{namer(trigger.when)}={fmt(value)}" if value is not None else f"{namer(trigger.when)}=None"
            )
            for target, implied in trigger.then.items():
                current = values.get(target)
                if implied is DROP:
                    if current is not None:
                        clash(
                            target,
                            trigger.when,
                            f"not used when {cause}; remove it or change {namer(trigger.when)}",
                        )
                    continue
                if current is None:
                    values[target] = implied
                    origin[target] = trigger.when
                    continue
                if current == implied or (trigger.soft and target not in origin):
                    continue
                setter = f" (set by {namer(origin[target])})" if target in origin else ""
                clash(
                    target,
                    trigger.when,
                    f"{fmt(current)}{setter} contradicts {cause}, which sets it to {fmt(implied)}; "
                    "drop one of them",
                )
        return origin

    @classmethod
    def _check_rules(
        cls, values: Mapping[str, Any], namer: Namer, bad: set[str], problems: list[Problem]
    ) -> None:
        """Run the cross-field rules on the valid values; skip rules that involve a bad value."""
        full = {name: info.default for name, info in cls.model_fields.items()}
        full.update(values)
        for issue in cls._rules(full, namer):
            if issue.field in bad or bad.intersection(issue.involves):
                continue
            problems.append(Problem(namer(issue.field), issue.message))

    @classmethod
    def _rules(cls, v: Mapping[str, Any], name: Namer) -> Iterator[Issue]:
        """Cross-field rules of this model; ``v`` holds every field's value (``None`` when unset)."""
        return iter(())

    # ---------------------------------------------------------------- helpers for rules

    @classmethod
    def _server_default(cls, name: str) -> Any:
        facts = param_of(cls.model_fields[name])
        return facts.server_default if facts else None

    @classmethod
    def _needs(cls, v: Mapping[str, Any], name: Namer, when: str, needed: tuple[str, ...]) -> Iterator[Issue]:
        """Issues for each of ``needed`` that is unset, because ``when`` holds its current value."""
        for field_name in needed:
            if v[field_name] is None:
                info = cls.model_fields[field_name]
                yield Issue(
                    field_name,
                    f"required when {name(when)}={fmt(v[when])}: give {expected_of(info)}",
                    (when,),
                )

    # ---------------------------------------------------------------- value semantics

    def __eq__(self, other: object) -> bool:
        if not isinstance(other, ParamModel):
            return NotImplemented
        return type(self) is type(other) and self.__dict__ == other.__dict__

    def __hash__(self) -> int:
        return hash((type(self), tuple(self.__dict__.items())))

    def __repr_args__(self) -> Iterator[tuple[str | None, Any]]:
        """Only the parameters that are set, so a request reads like the call that made it."""
        for name, info in type(self).model_fields.items():
            value = self.__dict__.get(name)
            if value != info.default:
                yield name, value

    def is_set(self, name: str) -> bool:
        """True when the field holds a value other than its unset default."""
        return bool(self.__dict__[name] != type(self).model_fields[name].default)

    def replace(self, **changes: Any) -> Self:
        """A new, validated model with ``changes`` applied (any spelling); ``None`` unsets a parameter.

        As in swifttools, changing a parameter re-runs its triggers: ``replace(which_data="all")`` drops
        an earlier ``use_obs``, ``replace(targ=...)`` an earlier ``get_targs``. Giving both sides of a
        trigger in one call is checked like a constructor call.
        """
        cls = type(self)
        raw = dict(self._raw)
        key_of = {self._target(key): key for key in raw}
        changed: dict[str, Any] = {}
        for key, value in changes.items():
            target = self._target(key)
            if target is not None:
                if target in key_of:  # replace in place, keeping the order (of products, say)
                    old = key_of.pop(target)
                    raw = {(key if k == old else k): (value if k == old else v) for k, v in raw.items()}
                changed[target] = value
            raw[key] = value
        fields = {k: v for k, v in changed.items() if k in cls.model_fields}
        valid, _ = cls._validate(fields, Namer("python", cls.__xrt__.st_names), [])
        for trigger in cls._TRIGGERS:
            if trigger.soft or trigger.when not in fields:
                continue
            value = valid.get(trigger.when)
            if trigger.on_none:
                fires = fields[trigger.when] is None
            else:
                fires = value is not None and (trigger.equals is _ANY or value == trigger.equals)
            if fires:
                for target in trigger.then:
                    if target not in changed and target in key_of:
                        raw.pop(key_of.pop(target))
        return cls(**raw)

    def __setattr__(self, name: str, value: Any) -> None:
        if name.startswith("_"):
            super().__setattr__(name, value)
            return
        raise AttributeError(
            f"{type(self).__name__} is immutable; make a changed copy with .replace({name}=...)"
        )

    def __delattr__(self, name: str) -> None:
        raise AttributeError(f"{type(self).__name__} is immutable; unset with .replace({name}=None)")

    @classmethod
    def from_loose(cls, data: Mapping[str, Any]) -> Self:
        """Build from loosely typed values — text from a CSV row or a form: ``"335.6985"``, ``"1"``,
        ``"yes"``, ``"20"``. Each value of a known parameter is read for its type first (blank text means
        unset); everything else is checked as by the constructor."""
        return cls(**cls._loosen(data))

    @classmethod
    def _loosen(cls, data: Mapping[str, Any]) -> dict[str, Any]:
        out: dict[str, Any] = {}
        for key, value in data.items():
            name = cls.__xrt__.lookup.get(key) if isinstance(key, str) else None
            if name is None or value is None:
                out[key] = value
            elif not (isinstance(value, str) and not value.strip()):
                out[key] = decode_value(cls.model_fields[name], value, echo=False)
        return out

    def _target(self, key: str) -> str | None:
        """The field a keyword names, if any."""
        return type(self).__xrt__.lookup.get(key)

    def model_copy(self, *, update: Mapping[str, Any] | None = None, deep: bool = False) -> Self:
        """A copy; with ``update`` it is :meth:`replace` (validated), never an unchecked copy."""
        if update:
            return self.replace(**update)
        return self

    @classmethod
    def model_validate(cls, obj: Any, **kwargs: Any) -> Self:
        """Build from a mapping of parameters in any spelling (same rules as the constructor)."""
        if isinstance(obj, cls):
            return obj
        if not isinstance(obj, Mapping):
            raise InvalidRequestError(
                [Problem(cls.__name__, f"expected a mapping of parameters; got {short_repr(obj)}")],
                context=cls._context(),
            )
        return cls(**{str(k): v for k, v in obj.items()})

    @classmethod
    def model_validate_json(cls, json_data: str | bytes | bytearray, **kwargs: Any) -> Self:
        """Build from a JSON object of parameters in any spelling (same rules as the constructor)."""
        try:
            obj = json.loads(json_data)
        except (TypeError, ValueError) as error:
            problem = Problem(cls.__name__, f"not valid JSON: {error}")
            raise InvalidRequestError([problem], context=cls._context()) from None
        return cls.model_validate(obj)

    # ---------------------------------------------------------------- wire

    def wire_items(self) -> Iterator[tuple[str, Any]]:
        """(wire key, encoded value) for every parameter that is set, in declaration order."""
        schema = type(self).__xrt__
        for name in schema.wire:
            value = self.__dict__.get(name)
            if value is not None:
                yield schema.wire[name], encode_value(value)

    @classmethod
    def param_facts(cls, name: str) -> Param:
        """The declared facts of one field (wire key, swifttools name, unit, server default...)."""
        facts = param_of(cls.model_fields[name])
        if facts is None:
            raise KeyError(name)
        return facts


class ProductModel(ParamModel):
    """Base of the product models; ``product`` links each to its
    :class:`~xrt_prods_async._products.Product`."""

    product: ClassVar[Product]

    @classmethod
    def _context(cls) -> str:
        return f"The {cls.product.label} parameters are not valid"

    @classmethod
    def _what(cls) -> str:
        return f"the {cls.product.label} ({cls.product.long_name})"

    @classmethod
    def _default_prefix(cls, style: Style) -> str | None:
        long_name = cls.product.long_name
        return long_name if style == "swifttools" else snake_name(long_name)


def _message(info: FieldInfo, item: Any) -> str:
    """A problem message for one pydantic error on a parameter field."""
    if item["type"] == "xrt_value":
        return str(item["msg"])
    return f"must be {expected_of(info)}"


def _dedupe(problems: list[Problem]) -> list[Problem]:
    return list(dict.fromkeys(problems))
