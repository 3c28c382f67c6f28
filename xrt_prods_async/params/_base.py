"""The base of every parameter model, and the construction pipeline each model runs.

``LightCurve(...)`` (any model) runs :meth:`ParamModel._prepare`:

1. **resolve** each keyword to the field it names, in any spelling (:meth:`ParamModel._resolve`);
2. **check** the values — types, then triggers, then cross-field rules (:meth:`ParamModel._check`);

then raises one :class:`~xrt_prods_async._errors.InvalidRequestError` listing every problem found, each
naming the parameter as the user wrote it, or stores the values. Pydantic stores them, keeps the model
frozen, compares and hashes it by value, and does the type checks; what is overridden here, and why, is
said on each override.
"""

from __future__ import annotations

import json
import re
import warnings
from collections.abc import Callable, Iterator, Mapping
from dataclasses import dataclass, field
from types import MappingProxyType
from typing import Any, ClassVar, Self, cast

from pydantic import BaseModel, ConfigDict, PrivateAttr

from xrt_prods_async._errors import InvalidRequestError, Problem, UnknownNameError
from xrt_prods_async._products import Product

from ._checks import Issue, Trigger, apply_triggers, check_types, report
from ._codec import decode_value, encode_value
from ._fields import Param, describe, expected_of, is_sendable, param_of
from ._naming import (
    Known,
    Namer,
    Names,
    Spelling,
    Style,
    fmt,
    short_repr,
    spelling_style,
    style_of_unknown,
    suggest,
)

__all__ = ["ParamModel", "Prepared", "ProductModel", "Resolved", "Written", "snake_name"]


@dataclass(frozen=True, eq=False, slots=True)
class Written:
    """How the user wrote a model: kept beside its values, never part of them.

    ``raw`` holds the keywords as given (re-read by :meth:`ParamModel.replace`, and by a request holding
    the model), ``namer`` names its parameters (in problems, and a request's wire keys in the service's
    errors); a request also keeps ``order``, its products in the order given. Any two compare equal, so
    that pydantic's equality, which also compares private attributes, stays equality by parameter values.
    Kept small: a campaign holds one per source and product (benchmarks/campaign_memory.py).
    """

    raw: Mapping[str, Any] = field(default_factory=dict)
    namer: Namer | None = None
    order: tuple[Product, ...] = ()

    def __eq__(self, other: object) -> bool:
        return isinstance(other, Written)

    def __hash__(self) -> int:
        return 0


@dataclass
class Resolved:
    """Outcome of step 1: values and spellings by what they name, and the keywords that went wrong (with
    the problem, or ``None`` for a keyword naming nothing: its "did you mean" waits until every keyword
    has shown which spelling the user writes)."""

    given: dict[str, Any] = field(default_factory=dict)
    spelling: dict[str, str] = field(default_factory=dict)
    wrong: list[tuple[str, str | None]] = field(default_factory=list)
    unknown: list[str] = field(default_factory=list)

    def problems(self, namer: Namer, unknown: Callable[[str], str]) -> list[Problem]:
        """The keywords that went wrong, as problems naming them as written; ``unknown`` words the problem
        with a keyword naming nothing."""
        return [Problem(namer.key(key), unknown(key) if text is None else text) for key, text in self.wrong]


@dataclass
class Prepared:
    """Outcome of the pipeline: the values that are set (valid when ``problems`` is empty)."""

    values: dict[str, Any]
    problems: list[Problem]
    written: Written


#: No names (shared by every model that has none to keep: a campaign holds one model per source and product).
_NONE: Mapping[str, str] = MappingProxyType({})


def snake_name(name: str) -> str:
    """``LightCurve`` -> ``light_curve``."""
    return re.sub(r"(?<!^)(?=[A-Z])", "_", name).lower()


class ParamModel(BaseModel):
    """Base class of the parameter models: frozen, equal by value, built from any spelling of a name."""

    # defer_build: a model's validator is built when first needed, not at import (most runs use a few of
    # the models, and requests decoded from a reply never need it: see _from_prepared).
    model_config = ConfigDict(frozen=True, defer_build=True)

    __xrt__: ClassVar[Names]
    _TRIGGERS: ClassVar[tuple[Trigger, ...]] = ()

    _written: Written = PrivateAttr(default_factory=Written)

    @classmethod
    def __pydantic_init_subclass__(cls, **kwargs: Any) -> None:
        """Derive the spelling tables and the field descriptions from the field declarations."""
        super().__pydantic_init_subclass__(**kwargs)
        cls.__xrt__ = Names.of(cls.__name__, cls.model_fields)
        changed = False
        for name in cls.__xrt__.wire:
            info = cls.model_fields[name]
            text = describe(info)
            if info.description != text:
                info.description = text
                changed = True
        if changed and cls.__pydantic_complete__:  # else the deferred build reads the new descriptions
            cls.model_rebuild(force=True)

    # ---------------------------------------------------------------- the construction pipeline

    def __init__(self, /, **data: Any) -> None:
        """Run the pipeline (:meth:`_prepare`) and raise every problem it found at once.

        Overridden because a validator cannot do this: pydantic wraps any error raised inside validation
        (our :class:`~xrt_prods_async._errors.InvalidRequestError` is a ValueError) in its ValidationError.
        """
        prepared = type(self)._prepare(data)
        if prepared.problems:
            raise InvalidRequestError(prepared.problems, context=type(self)._context())
        super().__init__(**prepared.values)
        self._written = prepared.written

    @classmethod
    def _build(cls, data: Mapping[Any, Any]) -> Self:
        """The constructor's pipeline for parameters given as a mapping, whose keys need not be strings
        (each one that is not is a problem, where ``cls(**data)`` would fail on it)."""
        prepared = cls._prepare(data)
        if prepared.problems:
            raise InvalidRequestError(prepared.problems, context=cls._context())
        return cls._from_prepared(prepared)

    @classmethod
    def _not_a_mapping(cls, obj: Any) -> InvalidRequestError:
        problem = Problem(cls.__name__, f"expected a mapping of parameters; got {short_repr(obj)}")
        return InvalidRequestError([problem], context=cls._context())

    @classmethod
    def _from_prepared(cls, prepared: Prepared) -> Self:
        """An instance from values :meth:`_prepare` already validated (no second validation)."""
        instance = cast(Self, cls.model_construct(**prepared.values))
        instance._written = prepared.written
        return instance

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
        """The pipeline of one model: resolve the keywords, then check the values. Never raises for a
        user mistake: the problems are returned.

        A request building its products passes ``implied``, already-validated values by field name that
        the user did not write here (shared values), ``fixed``, the names of those, ``prefix`` and
        ``style`` (see :class:`~._naming.Namer`).
        """
        resolved = cls._resolve(data)
        namer = cls._namer(resolved, prefix=prefix, style=style, fixed=fixed)
        problems = cls._resolve_problems(resolved, namer, style)
        values, _ = cls._check({**resolved.given, **(implied or {})}, namer, problems)
        written = Written(cls._raw(data, implied), namer)
        return Prepared(values, _dedupe(problems), written)

    @classmethod
    def _keywords(cls) -> Names:
        """Every keyword the constructor accepts, with what it names (a request accepts more)."""
        return cls.__xrt__

    @classmethod
    def _resolve(cls, data: Mapping[Any, Any]) -> Resolved:
        """Step 1: map each keyword to what it names (any spelling); note each one that names nothing,
        or names something a second time. A deprecated spelling works, with a warning."""
        keywords = cls._keywords()
        resolved = Resolved()
        for key, value in data.items():
            if not isinstance(key, str) or not is_sendable(key):
                resolved.wrong.append((short_repr(key), "parameter names must be strings of text"))
                continue
            target = keywords.lookup.get(key)
            if target is None:
                resolved.wrong.append((key, None))
                resolved.unknown.append(key)
            elif target in resolved.spelling:
                resolved.wrong.append((key, cls._given_twice(target, resolved.spelling[target], key)))
            else:
                if key in keywords.deprecated:
                    better = f"{keywords.st_names[target]} (or {target})"
                    warnings.warn(f"{key} is deprecated; use {better}", DeprecationWarning, stacklevel=4)
                resolved.given[target] = value
                resolved.spelling[target] = key
        return resolved

    @classmethod
    def _resolve_problems(cls, resolved: Resolved, namer: Namer, style: Style | None) -> list[Problem]:
        """Step 1's problems; a keyword naming nothing hears of the closest names in the spelling it was
        written in, else the one the other keywords show (else ``style``, passed down by a request)."""
        context = cls._spelling_of(resolved.spelling) or style
        return resolved.problems(namer, lambda key: cls._unknown(key, spelling_style(key, context)))

    @classmethod
    def _split_unknown_keys(
        cls, data: Mapping[Any, Any], *, prefix: str | None, style: Style | None
    ) -> tuple[dict[Any, Any], list[Problem]]:
        """``data`` without its keywords that name nothing, and the problems with those (step 1 alone)."""
        resolved = cls._resolve(data)
        namer = cls._namer(resolved, prefix=prefix, style=style)
        context = cls._spelling_of(resolved.spelling) or style
        unknown = set(resolved.unknown)
        problems = [
            Problem(namer.key(key), cls._unknown(key, spelling_style(key, context)))
            for key in resolved.unknown
        ]
        return {k: v for k, v in data.items() if k not in unknown}, problems

    @classmethod
    def _spelling_of(cls, spelling: Mapping[str, str]) -> Spelling | None:
        """The spelling the written parameters show: swifttools names, wire keys, Python names, or ``None``
        (a request's products and position options are left out: wire-key callers name those as swifttools
        does)."""
        written = set(spelling.values())
        keywords = cls.__xrt__
        if written & (keywords.swifttools_only - keywords.by_wire.keys()):
            return "swifttools"
        if written & keywords.wire_only:
            return "wire"
        if written & keywords.python_only:
            return "python"
        return None

    @classmethod
    def _unknown(cls, key: str, spelling: Spelling) -> str:
        """The problem with a keyword that names nothing, with a "did you mean" in ``spelling``."""
        return f"not a parameter of {cls._what()}{suggest(key, cls._candidates(), spelling)}"

    @classmethod
    def _candidates(cls) -> tuple[Known, ...]:
        """What an unknown keyword may have meant (a request adds its positions, products and their
        parameters)."""
        return cls.__xrt__.known

    @classmethod
    def _given_twice(cls, target: str, first: str, key: str) -> str:
        """The problem with a second spelling of what ``first`` already named."""
        return f"given twice, as {first!r} and {key!r}; give it once"

    @classmethod
    def _namer(
        cls,
        resolved: Resolved,
        *,
        prefix: str | None = None,
        style: Style | None = None,
        fixed: Mapping[str, str] | None = None,
    ) -> Namer:
        """How problems name this model's parameters: as the user wrote them, else in the user's style
        (the one their spellings show, else the one passed down, else the one their typos suggest)."""
        chosen = cls._style_of(resolved.spelling) or style or style_of_unknown(resolved.unknown) or "python"
        if prefix is None:
            prefix = cls._default_prefix(chosen)
        return Namer(chosen, cls.__xrt__.st_names, resolved.spelling, prefix, dict(fixed) if fixed else _NONE)

    @classmethod
    def _style_of(cls, spelling: Mapping[str, str]) -> Style | None:
        """The naming style a set of spellings shows, or ``None`` when they could be either."""
        written = set(spelling.values())
        if written & cls._keywords().swifttools_only:
            return "swifttools"
        if written & cls._keywords().python_only:
            return "python"
        return None

    @classmethod
    def _check(
        cls, given: Mapping[str, Any], namer: Namer, problems: list[Problem]
    ) -> tuple[dict[str, Any], set[str]]:
        """Step 2: check the types, apply the triggers, check the cross-field rules; every problem is
        added to ``problems``. Returns the values that are set and the names of the bad ones."""
        values, bad = check_types(cls.model_fields, given, namer, problems)
        apply_triggers(cls._TRIGGERS, values, namer, problems)
        full = {name: info.default for name, info in cls.model_fields.items()}
        full.update(values)
        report(cls._rules(full, namer), namer, bad, problems)
        return {k: v for k, v in values.items() if v is not None}, bad

    @classmethod
    def _raw(cls, data: Mapping[Any, Any], implied: Mapping[str, Any] | None) -> dict[Any, Any]:
        """The keywords to keep for :meth:`replace`; a deprecated name is kept under its successor, so
        that it is warned about once."""
        renamed = cls.__xrt__.deprecated
        raw = {(cls.__xrt__.st_names[renamed[k]] if k in renamed else k): v for k, v in data.items()}
        return {**raw, **(implied or {})}

    # ---------------------------------------------------------------- hooks of the subclasses

    @classmethod
    def _rules(cls, v: Mapping[str, Any], name: Namer) -> Iterator[Issue]:
        """Cross-field rules of this model; ``v`` holds every field's value (``None`` when unset)."""
        return iter(())

    @classmethod
    def _context(cls) -> str:
        """Heading of the error listing this model's problems."""
        return f"The {cls.__name__} parameters are not valid"

    @classmethod
    def _what(cls) -> str:
        """How problems refer to this model ("the light curve")."""
        return cls.__name__

    @classmethod
    def _default_prefix(cls, style: Style) -> str | None:
        """Prefix put before parameter names in problems (products name themselves)."""
        return None

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

    def __repr_args__(self) -> Iterator[tuple[str | None, Any]]:
        """Only the parameters that are set, so a request reads like the call that made it."""
        for name, info in type(self).model_fields.items():
            value = self.__dict__.get(name)
            if value != info.default:
                yield name, value

    def __setattr__(self, name: str, value: Any) -> None:
        """Overridden for the message only: pydantic's frozen models raise a ValidationError."""
        if name.startswith("_"):
            super().__setattr__(name, value)
            return
        raise AttributeError(
            f"{type(self).__name__} is immutable; make a changed copy with .replace({name}=...)"
        )

    def __delattr__(self, name: str) -> None:
        raise AttributeError(f"{type(self).__name__} is immutable; unset with .replace({name}=None)")

    def is_set(self, name: str) -> bool:
        """True when the field holds a value other than its unset default."""
        return bool(self.__dict__[name] != type(self).model_fields[name].default)

    def replace(self, **changes: Any) -> Self:
        """A new, validated model with ``changes`` applied (any spelling); ``None`` unsets a parameter.

        As in swifttools, changing a parameter re-runs its triggers: ``replace(which_data="all")`` drops
        an earlier ``use_obs``, ``replace(targ=...)`` an earlier ``get_targs``. Giving both sides of a
        trigger in one call is checked like a constructor call.
        """
        raw, key_of, changed = self._with_changes(changes)
        for target in type(self)._reset_by(changed):
            if target not in changed and target in key_of:
                raw.pop(key_of.pop(target))
        return type(self)(**raw)

    def _with_changes(
        self, changes: Mapping[str, Any]
    ) -> tuple[dict[str, Any], dict[str | None, str], dict[str, Any]]:
        """The user's keywords with ``changes`` applied, a parameter given before replaced where it stood
        (keeping, say, the order of products); the keyword of each earlier parameter left unchanged; and
        the changes by what they name."""
        lookup = type(self)._keywords().lookup
        raw = dict(self._written.raw)
        key_of = {lookup.get(key): key for key in raw}
        changed: dict[str, Any] = {}
        for key, value in changes.items():
            target = lookup.get(key)
            if target is not None:
                if target in key_of:
                    old = key_of.pop(target)
                    raw = {(key if k == old else k): (value if k == old else v) for k, v in raw.items()}
                changed[target] = value
            raw[key] = value
        return raw, key_of, changed

    @classmethod
    def _reset_by(cls, changed: Mapping[str, Any]) -> Iterator[str]:
        """The fields whose earlier values give way to a changed parameter's (hard) triggers."""
        fields = {k: v for k, v in changed.items() if k in cls.model_fields}
        valid, _ = check_types(cls.model_fields, fields, Namer("python", cls.__xrt__.st_names), [])
        for trigger in cls._TRIGGERS:
            if not trigger.soft and trigger.when in fields and trigger.fires(valid):
                yield from trigger.then

    def model_copy(self, *, update: Mapping[str, Any] | None = None, deep: bool = False) -> Self:
        """A copy; with ``update`` it is :meth:`replace` (validated). Overridden because pydantic's copies
        are not validated."""
        if update:
            return self.replace(**update)
        return self

    @classmethod
    def model_validate(cls, obj: Any, **kwargs: Any) -> Self:
        """Build from a mapping of parameters in any spelling: the constructor's pipeline and errors.
        Overridden because pydantic's would wrap the error in a ValidationError."""
        if isinstance(obj, cls):
            return obj
        if not isinstance(obj, Mapping):
            raise cls._not_a_mapping(obj)
        return cls._build(obj)

    @classmethod
    def model_validate_json(cls, json_data: str | bytes | bytearray, **kwargs: Any) -> Self:
        """Build from a JSON object of parameters in any spelling, as :meth:`model_validate` does."""
        try:
            obj = json.loads(json_data)
        except (TypeError, ValueError, RecursionError) as error:
            problem = Problem(cls.__name__, f"not valid JSON: {error}")
            raise InvalidRequestError([problem], context=cls._context()) from None
        return cls.model_validate(obj)

    @classmethod
    def from_loose(cls, data: Mapping[str, Any]) -> Self:
        """Build from loosely typed values — text from a CSV row or a form: ``"335.6985"``, ``"1"``,
        ``"yes"``, ``"20"``. Each value of a known parameter is read for its type first (blank text means
        unset); everything else is checked as by the constructor."""
        if not isinstance(data, Mapping):
            raise cls._not_a_mapping(data)
        return cls._build(cls._loosen(data))

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
            raise UnknownNameError(f"{cls.__name__} has no parameter {name!r}")
        return facts


class ProductModel(ParamModel):
    """Base of the product models; ``product`` links each to its
    :class:`~xrt_prods_async._products.Product`."""

    product: ClassVar[Product]

    @classmethod
    def _product(cls) -> Product | None:
        """The product, or None for a base of products (``PositionOptions``), which may be built too."""
        return next((k.__dict__["product"] for k in cls.__mro__ if "product" in k.__dict__), None)

    @classmethod
    def _context(cls) -> str:
        product = cls._product()
        return f"The {product.label if product else cls.__name__} parameters are not valid"

    @classmethod
    def _what(cls) -> str:
        product = cls._product()
        return f"the {product.label} ({product.long_name})" if product else f"the {cls.__name__}"

    @classmethod
    def _default_prefix(cls, style: Style) -> str | None:
        product = cls._product()
        long_name = product.long_name if product else cls.__name__
        return long_name if style == "swifttools" else snake_name(long_name)


def _dedupe(problems: list[Problem]) -> list[Problem]:
    return list(dict.fromkeys(problems))
