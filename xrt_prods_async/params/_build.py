"""Step 3 of the request's pipeline: build its products.

Each product runs steps 1 and 2 on its own parameters (:meth:`~._base.ParamModel._prepare`), with what the
request passes down: its naming style, and one value for every wire key that several places of the request
can set — the position options (request globals such as ``posobs``, or any position product) and
``srcrad`` (the light curve and the spectrum). A shared value is checked where the user wrote it; the
places must agree (two different values are a problem naming both, never a silent last-wins), and the one
value is then given to every product that holds the key.
"""

from __future__ import annotations

import threading
from collections import Counter, OrderedDict
from collections.abc import Hashable, Mapping
from dataclasses import dataclass, field
from typing import Any

from xrt_prods_async._errors import Problem
from xrt_prods_async._products import Product

from ._base import ProductModel
from ._checks import apply_triggers, check_types
from ._naming import Namer, Style, fmt, short_repr
from ._positions import PositionOptions

__all__ = ["ProductBuilder"]


@dataclass
class _Given:
    """One requested product as the user gave it: the keyword naming it (``"lc"``, ``"LightCurve"``...),
    its parameters as written, and their naming style when it came as a model."""

    model: type[ProductModel]
    key: str
    raw: dict[str, Any]
    style: Style | None

    def split(self, fields: set[str]) -> tuple[dict[str, Any], dict[str, Any]]:
        """The parameters naming one of ``fields``, and the rest."""
        mine: dict[str, Any] = {}
        rest: dict[str, Any] = {}
        for key, value in self.raw.items():
            (mine if self.model.__xrt__.lookup.get(key) in fields else rest)[key] = value
        return mine, rest


@dataclass
class _Source:
    """One place the user set shared parameters: the request's globals or one product."""

    model: type[ProductModel]
    namer: Namer
    values: dict[str, Any] = field(default_factory=dict)
    origin: dict[str, str] = field(default_factory=dict)

    def setter(self, field_name: str) -> str:
        """`` (set by X)`` when a trigger set the value, else ``""``."""
        return f" (set by {self.namer(self.origin[field_name])})" if field_name in self.origin else ""


class ProductBuilder:
    """Builds the products of one request, adding every problem found to ``problems``."""

    def __init__(
        self, models: Mapping[Product, type[ProductModel]], style: Style, problems: list[Problem]
    ) -> None:
        self.models = models
        self.style = style
        self.problems = problems

    def build(
        self, wanted: Mapping[Product, tuple[str, Any]], pos_given: Mapping[str, Any], pos_namer: Namer
    ) -> dict[Product, ProductModel]:
        """The products that are valid (each keeps how it was written: the user's names for its keys).

        ``wanted`` holds each product's keyword and value as given; ``pos_given`` the position options
        given as request globals, named by ``pos_namer``.
        """
        given = self._given(wanted)
        shared = self._shared_wires(given, pos_given)
        before = len(self.problems)
        sources = self._sources(given, shared, pos_given, pos_namer)
        merged, fixed = self._merge(shared, sources)
        if len(self.problems) > before:
            merged = {}  # a bad or conflicting shared value is reported once, where it was written
        built: dict[Product, ProductModel] = {}
        for product, one in given.items():
            fields = _shared_fields(one.model, shared)
            model = self._build_one(one, fields, merged, fixed)
            if model is not None:
                built[product] = model
        return built

    def _given(self, wanted: Mapping[Product, tuple[str, Any]]) -> dict[Product, _Given]:
        """Each requested product's parameters as written: from a model (as it was written) or a dict."""
        out: dict[Product, _Given] = {}
        for product, (key, value) in wanted.items():
            model = self.models[product]
            if value is None:
                continue
            if isinstance(value, model):
                raw = dict(value._written.raw) or {
                    n: value.__dict__[n] for n in model.__xrt__.wire if value.is_set(n)
                }
                namer = value._written.namer
                out[product] = _Given(model, key, raw, namer.style if namer else None)
            elif isinstance(value, Mapping):
                out[product] = _Given(model, key, dict(value), None)
            else:
                self.problems.append(
                    Problem(
                        key,
                        f"must be a {model.__name__}(...) or a dict of its parameters; "
                        f"got {short_repr(value)}",
                    )
                )
        return out

    @staticmethod
    def _shared_wires(given: Mapping[Product, _Given], pos_given: Mapping[str, Any]) -> set[str]:
        """Wire keys that more than one place of this request can set."""
        holders = Counter(wire for one in given.values() for wire in one.model.__xrt__.wire.values())
        if pos_given:
            holders.update(PositionOptions.__xrt__.wire[n] for n in PositionOptions.shared_fields())
        return {wire for wire, count in holders.items() if count > 1}

    def _sources(
        self,
        given: Mapping[Product, _Given],
        shared: set[str],
        pos_given: Mapping[str, Any],
        pos_namer: Namer,
    ) -> list[_Source]:
        """Every place that sets shared keys, with its values checked and its triggers applied there."""
        sources: list[_Source] = []
        if pos_given:
            sources.append(self._source(PositionOptions, pos_given, pos_namer))
        for one in given.values():
            fields = _shared_fields(one.model, shared)
            if fields:
                resolved = one.model._resolve(one.split(fields)[0])
                style = one.model._style_of(resolved.spelling) or one.style or self.style
                namer = Namer(style, one.model.__xrt__.st_names, resolved.spelling, one.key)
                sources.append(self._source(one.model, resolved.given, namer))
        return sources

    def _source(self, model: type[ProductModel], given: Mapping[str, Any], namer: Namer) -> _Source:
        source = _Source(model, namer)
        source.values, _ = check_types(model.model_fields, given, namer, self.problems)
        source.origin = apply_triggers(model._TRIGGERS, source.values, namer, self.problems)
        return source

    def _merge(self, shared: set[str], sources: list[_Source]) -> tuple[dict[str, Any], dict[str, str]]:
        """One value per shared key, and the name of where it was set; two different values are a
        problem naming both places."""
        merged: dict[str, Any] = {}
        first: dict[str, _Source] = {}
        fixed: dict[str, str] = {}
        for source in sources:
            for name, wire in source.model.__xrt__.wire.items():
                if wire not in shared:
                    continue
                fixed.setdefault(name, source.namer(name))
                value = source.values.get(name)
                if value is None:
                    continue
                if name not in merged:
                    merged[name], first[name] = value, source
                    fixed[name] = source.namer(name)
                elif merged[name] != value:
                    self.problems.append(
                        Problem(
                            source.namer(name),
                            f"{fmt(value)}{source.setter(name)} conflicts with {first[name].namer(name)}="
                            f"{fmt(merged[name])}{first[name].setter(name)}: the service takes one value "
                            "for both; give the same value, or set it in one place",
                        )
                    )
        return merged, fixed

    def _build_one(
        self,
        one: _Given,
        fields: set[str],
        merged: Mapping[str, Any],
        fixed: Mapping[str, str],
    ) -> ProductModel | None:
        """One product from its own parameters and the shared values; ``None`` when it has problems.

        A product written exactly as an earlier one (same keywords, values of the same types, same shared
        values) is that one: models are immutable, and a campaign's sources mostly ask for the same
        products, so thousands of requests hold one model each instead of one per source."""
        own = one.split(fields)[1]
        style = one.style or self.style
        shared_names = {n: fixed[n] for n in fields if n in fixed}
        implied = {n: merged[n] for n in fields if n in merged}
        key = _Recent.key(one.model, one.key, style, own, shared_names, implied)
        if key is not None and (model := _RECENT.get(key)) is not None:
            return model
        prepared = one.model._prepare(own, prefix=one.key, style=style, fixed=shared_names, implied=implied)
        self.problems.extend(prepared.problems)
        if prepared.problems:
            return None
        model = one.model._from_prepared(prepared)
        if key is not None:
            _RECENT.put(key, model)
        return model


class _Recent:
    """The products built most recently, by how they were written (a bounded, thread-safe table)."""

    def __init__(self, size: int) -> None:
        self.size = size
        self._lock = threading.Lock()
        self._models: OrderedDict[Hashable, ProductModel] = OrderedDict()

    @staticmethod
    def key(
        model: type[ProductModel], prefix: str, style: Style, *parts: Mapping[str, Any]
    ) -> Hashable | None:
        """What makes a product: its model, keyword, naming style and parameters as written; ``None`` when
        a value cannot be compared safely (a deprecated keyword is never taken from here: it must warn)."""
        deprecated = model.__xrt__.deprecated
        items: list[Hashable] = [model, prefix, style]
        for part in parts:
            for name, value in part.items():
                if name in deprecated or (typed := _typed(value)) is None:
                    return None
                items.append((name, typed))
            items.append(None)  # where one part ends
        return tuple(items)

    def get(self, key: Hashable) -> ProductModel | None:
        with self._lock:
            model = self._models.get(key)
            if model is not None:
                self._models.move_to_end(key)
            return model

    def put(self, key: Hashable, model: ProductModel) -> None:
        with self._lock:
            self._models[key] = model
            if len(self._models) > self.size:
                self._models.popitem(last=False)


#: The products built most recently (a campaign's distinct product settings are few).
_RECENT = _Recent(256)

#: Values compared by type as well as value: ``1``, ``1.0`` and ``True`` are equal but checked differently.
_PLAIN = (str, int, float, bool, type(None))


def _typed(value: Any) -> Hashable | None:
    """``value`` with the type of each of its parts, or ``None`` when it is not a plain value (or a tuple
    of them) whose equality means "the same parameter"."""
    if type(value) is float:
        return (float, value.hex())  # 0.0 and -0.0 differ
    if type(value) in _PLAIN:
        return (type(value), value)
    if type(value) is tuple:
        parts = tuple(_typed(item) for item in value)
        return None if any(p is None for p in parts) else (tuple, parts)
    return None


def _shared_fields(model: type[ProductModel], shared: set[str]) -> set[str]:
    """The fields of ``model`` whose wire keys are shared."""
    return {n for n, w in model.__xrt__.wire.items() if w in shared}
