"""Step 3 of the request's pipeline: build its products.

Each product runs steps 1 and 2 on its own parameters (:meth:`~._base.ParamModel._prepare`), with what the
request passes down: its naming style, and one value for every wire key that several places of the request
can set — the position options (request globals such as ``posobs``, or any position product) and
``srcrad`` (the light curve and the spectrum). A shared value is checked where the user wrote it; the
places must agree (two different values are a problem naming both, never a silent last-wins), and the one
value is then given to every product that holds the key.
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Mapping
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
    ) -> tuple[dict[Product, ProductModel], dict[str, str]]:
        """The products that are valid, and the user's name for each of their wire keys.

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
        names: dict[str, str] = {}
        for product, one in given.items():
            fields = _shared_fields(one.model, shared)
            model = self._build_one(product, one, fields, merged, fixed, names)
            if model is not None:
                built[product] = model
        return built, names

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
        product: Product,
        one: _Given,
        fields: set[str],
        merged: Mapping[str, Any],
        fixed: Mapping[str, str],
        names: dict[str, str],
    ) -> ProductModel | None:
        """One product from its own parameters and the shared values; its wire keys' names go to
        ``names``. ``None`` when it has problems."""
        prepared = one.model._prepare(
            one.split(fields)[1],
            prefix=one.key,
            style=one.style or self.style,
            fixed={n: fixed[n] for n in fields if n in fixed},
            implied={n: merged[n] for n in fields if n in merged},
        )
        self.problems.extend(prepared.problems)
        namer = prepared.written.namer
        assert namer is not None
        names[product.flag] = one.key
        names.update({wire: namer(n) for n, wire in one.model.__xrt__.wire.items()})
        names.update(
            {alias: namer(n) for alias, n in one.model.__xrt__.by_wire.items() if alias not in names}
        )
        return None if prepared.problems else one.model._from_prepared(prepared)


def _shared_fields(model: type[ProductModel], shared: set[str]) -> set[str]:
    """The fields of ``model`` whose wire keys are shared."""
    return {n for n, w in model.__xrt__.wire.items() if w in shared}
