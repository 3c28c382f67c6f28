"""How a parameter is declared: its value type and the facts that sit beside it.

A model field is declared once, e.g. ::

    pos_err: Number | None = param("poserr", "posErr", "how far the centroid may move", unit="arcmin",
                                   ge=1, le=6)

and everything else — the accepted spellings, wire encoding and decoding, the server's internal codes,
problem messages and the field's description — is derived from that line. The wire key is written only
here, in the :class:`Param` attached to the field.
"""

from __future__ import annotations

import math
import re
import types
import typing
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from typing import Annotated, Any, Literal, Union

from pydantic import BeforeValidator, Field
from pydantic.fields import FieldInfo
from pydantic_core import PydanticCustomError

from xrt_prods_async.wire._loose import MAX_NESTING, safe_repr, too_deep

__all__ = [
    "MAX_EXACT_INT",
    "MAX_NESTING",
    "NO_RANGE",
    "OBS_WITH_ALL",
    "STRICTER",
    "TOO_DEEP",
    "Count",
    "Flag",
    "Kind",
    "Lower",
    "Models",
    "Number",
    "Param",
    "Text",
    "Time",
    "choices_of",
    "is_sendable",
    "kind_of",
    "param",
    "param_of",
    "safe_repr",
    "too_deep",
    "value_error",
]


@dataclass(frozen=True, slots=True)
class Kind:
    """Marker naming how a value type is described, encoded and decoded (``number``, ``flag``, ...)."""

    name: str


@dataclass(frozen=True, eq=False)
class Param:
    """The facts of one parameter that its Python type does not carry.

    ``wire`` is the JSON key the service reads and echoes; ``swifttools`` the name swifttools users know
    it by (``None`` when that is the wire key itself); ``aliases`` further accepted spellings (old or
    odd wire spellings, deprecated names); ``codes`` the internal codes an older server echoes in place of
    the value's meaning; ``decode`` a clean-up for the server's echo of the value; ``derives`` the fields
    whose values the service works out when this flag is set; ``applies_if`` the sibling wire values
    without which the parameter means nothing (the service echoes such values anyway, e.g. ``hrbin`` 0 for
    counts binning, so they are not read back from an echo). ``stricter`` says why a rule of this
    parameter goes beyond both the service's documentation and swifttools: kept only where the service
    would refuse the value or silently do something other than asked (docs/parameters.md §9.5).
    """

    wire: str
    swifttools: str | None
    doc: str
    unit: str | None = None
    server_default: Any = None
    default_note: str | None = None
    aliases: tuple[str, ...] = ()
    deprecated: tuple[str, ...] = ()
    codes: Mapping[str, Any] = field(default_factory=dict)
    decode: Callable[[Any], Any] | None = None
    derives: tuple[str, ...] = ()
    applies_if: Mapping[str, str] = field(default_factory=dict)
    stricter: str | None = None

    def applies_to(self, body: Mapping[str, Any]) -> bool:
        """True when ``body`` (a flat wire body) meets every ``applies_if`` condition."""
        return all(_word(body.get(key)) == value for key, value in self.applies_if.items())

    @property
    def st_name(self) -> str:
        """The swifttools name (the wire key when swifttools uses that)."""
        return self.swifttools or self.wire

    def __call__(self, schema: dict[str, Any]) -> None:
        """Add the wire facts to the field's JSON schema (pydantic ``json_schema_extra`` hook)."""
        schema["wire"] = self.wire
        schema["swifttools"] = self.st_name
        if self.unit:
            schema["unit"] = self.unit


def _word(value: Any) -> str:
    """A wire value as a lower-case word for ``applies_if`` (text only: nothing else names a choice)."""
    return value.strip().lower() if isinstance(value, str) else ""


def param(
    wire: str,
    swifttools: str | None,
    doc: str,
    *,
    default: Any = None,
    unit: str | None = None,
    server_default: Any = None,
    default_note: str | None = None,
    aliases: tuple[str, ...] = (),
    deprecated: tuple[str, ...] = (),
    codes: Mapping[str, Any] | None = None,
    decode: Callable[[Any], Any] | None = None,
    derives: tuple[str, ...] = (),
    applies_if: Mapping[str, str] | None = None,
    stricter: str | None = None,
    ge: float | None = None,
    le: float | None = None,
    gt: float | None = None,
    lt: float | None = None,
) -> Any:
    """Declare a parameter field. ``default`` is the model's value when unset (``None``: not sent)."""
    facts = Param(
        wire=wire,
        swifttools=swifttools if swifttools != wire else None,
        doc=doc,
        unit=unit,
        server_default=server_default,
        default_note=default_note,
        aliases=aliases,
        deprecated=deprecated,
        codes=dict(codes or {}),
        decode=decode,
        derives=derives,
        applies_if=dict(applies_if or {}),
        stricter=stricter,
    )
    return Field(default, json_schema_extra=facts, ge=ge, le=le, gt=gt, lt=lt)


def param_of(info: FieldInfo) -> Param | None:
    """The :class:`Param` declared on a field, if it has one."""
    extra = info.json_schema_extra
    return extra if isinstance(extra, Param) else None


# ---------------------------------------------------------------------------------------------------------
# Value types. Construction is strict (a number is a number, a flag is a bool or 0/1); the wire decoder
# turns the service's loose echo ("52.8000", "1", "yes") into these types first.


def value_error(text: str) -> PydanticCustomError:
    """A validation error whose text is the whole problem message (shown as is, then the value given)."""
    return PydanticCustomError("xrt_value", "{text}", {"text": text})


def not_a(what: str) -> PydanticCustomError:
    return PydanticCustomError("xrt_type", "must be {what}", {"what": what})


#: The problem with a value nested deeper than :data:`MAX_NESTING` levels.
TOO_DEEP = f"nested more than {MAX_NESTING} levels deep; no parameter is"


def _number(value: Any) -> float:
    if isinstance(value, bool) or not isinstance(value, (int, float)):
        raise not_a("a number")
    try:
        number = float(value)
    except OverflowError:  # an int beyond float range
        raise not_a("a finite number") from None
    if not math.isfinite(number):
        raise not_a("a finite number")
    return number


#: Whole numbers stay exact in the service's JSON (read as doubles by PHP) only below this.
MAX_EXACT_INT = 2**53


def _count(value: Any) -> int:
    if isinstance(value, bool) or not isinstance(value, int):
        raise not_a("a whole number")
    if abs(value) >= MAX_EXACT_INT:
        raise value_error("must be a whole number below 2**53 (the service reads larger ones inexactly)")
    return value


def _flag(value: Any) -> bool:
    if isinstance(value, bool):
        return value
    if isinstance(value, int) and value in (0, 1):
        return bool(value)
    raise not_a("True or False")


def _text(value: Any) -> str:
    if not isinstance(value, str):
        raise not_a("a string")
    if not value.strip():
        raise not_a("a non-empty string")
    if not is_sendable(value):
        raise value_error("holds a lone surrogate (\\ud800-\\udfff), which cannot be sent as UTF-8")
    return value


def is_sendable(text: str) -> bool:
    """True when ``text`` can be sent: the service reads UTF-8, which cannot hold a lone surrogate."""
    try:
        text.encode("utf-8")
    except UnicodeEncodeError:
        return False
    return True


def _time(value: Any) -> float | str:
    if isinstance(value, str):
        text = _text(value)
        try:
            number = float(text)
        except ValueError:
            return text
        return _number(number)
    return _number(value)


def _lower(value: Any) -> Any:
    return value.lower() if isinstance(value, str) else value


#: Spectral models the service fits (docs/parameters.md §5).
SPECTRAL_MODELS: tuple[str, ...] = ("powerlaw", "apec", "blackbody")


def _models(value: Any) -> tuple[str, ...]:
    items = [value] if isinstance(value, str) else value
    if not isinstance(items, (list, tuple)) or not items:
        raise not_a(f"a non-empty list of {', '.join(map(repr, SPECTRAL_MODELS))}")
    for item in items:
        if not isinstance(item, str) or item.lower() not in SPECTRAL_MODELS:
            raise value_error(
                f"{safe_repr(item)[:40]} is not a spectral model; use any of "
                f"{', '.join(map(repr, SPECTRAL_MODELS))}"
            )
    return tuple(items)


#: A real number (int accepted, bool refused).
Number = Annotated[float, BeforeValidator(_number), Kind("number")]
#: A whole number (bool refused).
Count = Annotated[int, BeforeValidator(_count), Kind("count")]
#: A yes/no switch: ``True``/``False`` (or 1/0); sent as 1/0.
Flag = Annotated[bool, BeforeValidator(_flag), Kind("flag")]
#: A non-blank string, sent as given.
Text = Annotated[str, BeforeValidator(_text), Kind("text")]
#: A time: a number (MET seconds) or a string in any format the product generator reads.
Time = Annotated[Union[float, str], BeforeValidator(_time), Kind("time")]  # noqa: UP007
#: Spectral models: one name or a list of names, kept as typed, sent as a JSON array.
Models = Annotated[tuple[str, ...], BeforeValidator(_models), Kind("models")]
#: Validator lower-casing a choice before it is checked (product enumerations, as swifttools does).
Lower = BeforeValidator(_lower)


def _walk(annotation: Any) -> typing.Iterator[Any]:
    """Every type and metadata object inside an annotation (through Optional, Union, Annotated)."""
    yield annotation
    origin = typing.get_origin(annotation)
    if origin is Annotated:
        yield from _walk(annotation.__origin__)
        yield from annotation.__metadata__
    elif origin in (Union, types.UnionType):
        for arg in typing.get_args(annotation):
            yield from _walk(arg)


def kind_of(info: FieldInfo) -> str:
    """The value kind of a field: number, count, flag, text, time, models or choice."""
    for item in (*_walk(info.annotation), *info.metadata):
        if isinstance(item, Kind):
            return item.name
        if typing.get_origin(item) is Literal:
            return "choice"
    raise TypeError(f"field annotation {info.annotation!r} has no parameter kind")


def choices_of(info: FieldInfo) -> tuple[str, ...]:
    """The allowed values of a choice field (empty for other kinds)."""
    for item in _walk(info.annotation):
        if typing.get_origin(item) is Literal:
            return tuple(typing.get_args(item))
    return ()


def bounds_of(info: FieldInfo) -> dict[str, float]:
    """The numeric constraints of a field: any of ``ge``, ``gt``, ``le``, ``lt``."""
    out: dict[str, float] = {}
    for item in info.metadata:
        for key in ("ge", "gt", "le", "lt"):
            value = getattr(item, key, None)
            if value is not None:
                out[key] = value
    return out


_KIND_TEXT = {
    "number": "a number",
    "count": "a whole number",
    "flag": "True or False",
    "text": "a non-empty string",
    "time": "a number (MET seconds) or a time string",
    "models": f"a list of spectral models ({', '.join(SPECTRAL_MODELS)})",
}


def _fmt(number: float) -> str:
    return f"{number:g}"


def expected_of(info: FieldInfo) -> str:
    """What a valid value looks like, in words, for problem messages and descriptions."""
    kind = kind_of(info)
    if kind == "choice":
        return "one of " + ", ".join(repr(c) for c in choices_of(info))
    text = _KIND_TEXT[kind]
    bounds = bounds_of(info)
    if "ge" in bounds and "le" in bounds:
        text += f" from {_fmt(bounds['ge'])} to {_fmt(bounds['le'])}"
    else:
        for key, sign in (("ge", "≥"), ("gt", ">"), ("le", "≤"), ("lt", "<")):
            if key in bounds:
                text += f" {sign} {_fmt(bounds[key])}"
    facts = param_of(info)
    if facts is not None and facts.unit:
        text += f" ({facts.unit})"
    return text


#: How a field's description introduces a rule beyond the service's documentation and swifttools.
STRICTER = "Stricter than documented:"

#: The reason for the range of a numeric parameter whose range the service does not document.
NO_RANGE = (
    "no range is documented, and outside this one a value means nothing (the job would fail or misread it)"
)


#: Why ``use_obs`` with ``which_data='all'`` is refused (swifttools drops whichever came first).
OBS_WITH_ALL = "refused with which_data='all', which the service would follow, silently ignoring it"


def describe(info: FieldInfo) -> str:
    """The full description of a parameter field: meaning, type/values, unit, default and names."""
    facts = param_of(info)
    if facts is None:
        return info.description or ""
    parts = [facts.doc.rstrip(".") + "."]
    if facts.stricter:
        parts.append(f"{STRICTER} {facts.stricter}.")
    parts.append(f"Value: {expected_of(info)}.")
    if facts.default_note:
        parts.append(f"Server default: {facts.default_note}.")
    elif facts.server_default is not None:
        shown = facts.server_default
        unit = f" {facts.unit}" if facts.unit and not isinstance(shown, (bool, str)) else ""
        parts.append(f"Server default: {shown!r}{unit}.")
    else:
        parts.append("Server default: none.")
    if info.default is not None:
        parts.append(f"Always sent; default here {info.default!r}.")
    names = f"Wire key {facts.wire!r}"
    if facts.swifttools:
        names += f"; swifttools name {facts.swifttools!r}"
    parts.append(names + ".")
    return " ".join(parts)


_ALNUM = re.compile(r"[A-Za-z0-9]+")


def is_alphanumeric(text: str) -> bool:
    """True when ``text`` is letters and digits only (the service's rule for time-slice labels)."""
    return _ALNUM.fullmatch(text) is not None
