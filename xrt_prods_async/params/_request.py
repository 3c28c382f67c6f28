"""The job request: the global parameters plus any set of products (PARAMETERS.md §3, §9).

Besides its own fields the request accepts the position options as globals (swifttools stores them
there: ``posobs``, ``posRadius``, ... or ``pos_which_data``, ``pos_radius``, ...) and gives every position
product the same values; the same goes for ``srcrad``, one wire key shared by the light curve and the
spectrum. Two different values for one shared key are an error naming both, never a silent last-wins.
"""

from __future__ import annotations

import hashlib
import json
from collections.abc import Iterator, Mapping
from dataclasses import dataclass, field
from typing import Any, ClassVar

from pydantic import PrivateAttr

from xrt_prods_async._errors import ConfigurationError, Problem
from xrt_prods_async._products import ALL_PRODUCTS, Product
from xrt_prods_async.wire._endpoints import API_NAME, API_VERSION

from ._base import Issue, ParamModel, Prepared, ProductModel, fmt, short_repr
from ._codec import API_NAME_KEY, API_VERSION_KEY, META_KEYS, USER_ID_KEY, encode_value
from ._fields import param_of
from ._globals import Globals
from ._image import Image
from ._light_curve import LightCurve
from ._naming import Namer, Style, style_of_unknown, suggest
from ._positions import AstromPos, EnhancedPos, PositionOptions, StandardPos
from ._source_det import SourceDet
from ._spectrum import Spectrum

__all__ = ["JobRequest"]


@dataclass
class _Source:
    """One place the user set shared parameters: the request's globals or one product."""

    cls: type[ProductModel]
    namer: Namer
    values: dict[str, Any] = field(default_factory=dict)
    origin: dict[str, str] = field(default_factory=dict)

    def setter(self, field_name: str) -> str:
        """`` (set by X)`` when a trigger set the value, else ``""``."""
        return f" (set by {self.namer(self.origin[field_name])})" if field_name in self.origin else ""


class JobRequest(Globals):
    """A complete job for the XRT product service: globals plus one model per requested product.

    Build it with snake_case names, swifttools names or wire keys, products as models or dicts::

        JobRequest(name="GRB 200416A", targ="00966554", ra=335.6985, dec=-7.5179, centroid=True,
                   pos_err=1, light_curve=LightCurve(bin_meth="counts", pc_counts=20, wt_counts=30,
                   dynamic=True))
        JobRequest(**swifttools_globals, LightCurve={"binMeth": "counts", ...})

    Any mistake raises one :class:`~xrt_prods_async._errors.InvalidRequestError` listing every problem.
    Requests are immutable and equal when their parameters are; the order the products were given in
    (:attr:`products`) is kept for the wire body but does not affect equality or :meth:`fingerprint`.
    """

    light_curve: LightCurve | None = None
    spectrum: Spectrum | None = None
    standard_pos: StandardPos | None = None
    enhanced_pos: EnhancedPos | None = None
    astrom_pos: AstromPos | None = None
    image: Image | None = None
    source_det: SourceDet | None = None

    _order: tuple[Product, ...] = PrivateAttr(default=())
    _names: dict[str, str] = PrivateAttr(default_factory=dict)

    _slot_cache: ClassVar[dict[Product, tuple[str, type[ProductModel]]] | None] = None

    # ---------------------------------------------------------------- tables derived from the fields

    @classmethod
    def slots(cls) -> dict[Product, tuple[str, type[ProductModel]]]:
        """Each product's field name and model class (derived from the product fields)."""
        cached = cls.__dict__.get("_slot_cache")
        if cached is None:
            out: dict[Product, tuple[str, type[ProductModel]]] = {}
            for name, info in cls.model_fields.items():
                if param_of(info) is None:
                    model = next(a for a in getattr(info.annotation, "__args__", ()) if a is not type(None))
                    out[model.product] = (name, model)
            cached = {p: out[p] for p in ALL_PRODUCTS}
            cls._slot_cache = cached
        return dict(cached)

    @classmethod
    def position_products(cls) -> frozenset[Product]:
        """The products that share the position options."""
        return frozenset(p for p, (_, model) in cls.slots().items() if issubclass(model, PositionOptions))

    @classmethod
    def _product_spellings(cls) -> dict[str, Product]:
        out: dict[str, Product] = {}
        for product, (name, _) in cls.slots().items():
            for spelling in (name, product.long_name, product.short):
                out[spelling] = product
        return out

    @staticmethod
    def _pos_python_name(name: str) -> str:
        return name if name.startswith("pos_") else f"pos_{name}"

    @classmethod
    def _pos_lookup(cls) -> dict[str, str]:
        """Request-level spellings of the position options: ``pos_which_data`` and the wire key ``posobs``."""
        out: dict[str, str] = {}
        for name in PositionOptions.shared_fields():
            out[cls._pos_python_name(name)] = name
            out[PositionOptions.__xrt__.wire[name]] = name
        return out

    # ---------------------------------------------------------------- construction

    @classmethod
    def _context(cls) -> str:
        return "The request is not valid"

    @classmethod
    def _what(cls) -> str:
        return "the request"

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
        schema = cls.__xrt__
        pos_lookup = cls._pos_lookup()
        prod_lookup = cls._product_spellings()
        problems: list[Problem] = []
        given: dict[str, Any] = {}
        spelling: dict[str, str] = {}
        pos_given: dict[str, Any] = {}
        pos_spelling: dict[str, str] = {}
        wanted: dict[Product, tuple[str, Any]] = {}
        unknown: list[str] = []

        for key, value in data.items():
            if not isinstance(key, str):
                problems.append(Problem(repr(key), "parameter names must be strings"))
                continue
            if key in schema.lookup:
                table, spelled, name = given, spelling, schema.lookup[key]
            elif key in pos_lookup:
                table, spelled, name = pos_given, pos_spelling, pos_lookup[key]
            elif key in prod_lookup:
                product = prod_lookup[key]
                if product in wanted:
                    problems.append(Problem(key, f"given twice, as {wanted[product][0]!r} and {key!r}"))
                else:
                    wanted[product] = (key, value)
                continue
            else:
                known = {**schema.lookup, **{k: f"pos:{v}" for k, v in pos_lookup.items()}}
                known.update({k: f"product:{v.short}" for k, v in prod_lookup.items()})
                problems.append(Problem(key, cls._unknown(key, known)))
                unknown.append(key)
                continue
            if name in spelled:
                problems.append(Problem(key, f"given twice, as {spelled[name]!r} and {key!r}; give it once"))
                continue
            table[name] = value
            spelled[name] = key

        detected = cls._request_style(spelling, pos_spelling, [k for k, _ in wanted.values()])
        chosen: Style = detected or style or style_of_unknown(unknown) or "python"
        namer = Namer(chosen, schema.st_names, spelling)
        pos_namer = Namer(
            chosen,
            {n: PositionOptions.__xrt__.wire[n] for n in PositionOptions.shared_fields()},
            pos_spelling,
            py_names={n: cls._pos_python_name(n) for n in PositionOptions.shared_fields()},
        )

        products, names = cls._build_products(wanted, pos_given, pos_namer, chosen, problems)
        values, bad = cls._validate(given, namer, problems)
        cls._apply_triggers(values, namer, problems)
        cls._check_rules(values, namer, bad, problems)
        present = [p for p in wanted if wanted[p][1] is not None]
        for issue in cls._request_rules(values, namer, present, pos_given, pos_namer):
            if issue.field in bad or bad.intersection(issue.involves):
                continue
            shown = pos_namer(issue.field[4:]) if issue.field.startswith("pos:") else namer(issue.field)
            problems.append(Problem(shown, issue.message))

        slots = cls.slots()
        final = {k: v for k, v in values.items() if v is not None}
        for product, model in products.items():
            final[slots[product][0]] = model
        names.update({wire: namer(name) for name, wire in schema.wire.items()})
        names.update({alias: names[schema.wire[name]] for alias, name in schema.by_wire.items()})
        order = tuple(p for p in wanted if p in products)
        return Prepared(
            final,
            list(dict.fromkeys(problems)),
            namer,
            dict(data),
            bad,
            extras={"_order": order, "_names": names},
        )

    @classmethod
    def _unknown(cls, key: str, known: Mapping[str, str]) -> str:
        """The message for an unknown request keyword: a product parameter given flat, or a typo."""
        owners = [
            (product, name) for product, (name, model) in cls.slots().items() if key in model.__xrt__.lookup
        ]
        if owners:
            where = " or ".join(f"{name}={{...}}" for _, name in owners)
            labels = ", ".join(product.label for product, _ in owners)
            return f"not a global parameter but one of the {labels}: pass it inside {where}"
        return f"not a parameter of the request{suggest(key, known)}"

    @classmethod
    def _request_style(
        cls, spelling: dict[str, str], pos_spelling: dict[str, str], keys: list[str]
    ) -> Style | None:
        """swifttools style if any name was written the swifttools way, Python style if any was written
        the Python way, ``None`` when every name reads the same in both."""
        schema = cls.__xrt__
        written = set(spelling.values())
        pos_python = {cls._pos_python_name(n) for n in PositionOptions.shared_fields()}
        long_names = {p.long_name for p in ALL_PRODUCTS} - {p.short for p in ALL_PRODUCTS}
        if (
            written & schema.swifttools_only
            or set(pos_spelling.values()) - pos_python
            or set(keys) & long_names
        ):
            return "swifttools"
        snake = {name for name, _ in cls.slots().values()} - {p.short for p in ALL_PRODUCTS}
        if written & schema.python_only or set(pos_spelling.values()) & pos_python or set(keys) & snake:
            return "python"
        return None

    # ---------------------------------------------------------------- products and shared keys

    @classmethod
    def _build_products(
        cls,
        wanted: Mapping[Product, tuple[str, Any]],
        pos_given: Mapping[str, Any],
        pos_namer: Namer,
        style: Style,
        problems: list[Problem],
    ) -> tuple[dict[Product, ProductModel], dict[str, str]]:
        """Validate each product, giving products that share a wire key one value for it."""
        slots = cls.slots()
        raws: dict[Product, tuple[str, dict[str, Any], Style | None]] = {}
        for product, (key, value) in wanted.items():
            model = slots[product][1]
            if value is None:
                continue
            if isinstance(value, model):
                namer = value._namer
                raw = dict(value._raw) or {
                    n: value.__dict__[n] for n in model.__xrt__.wire if value.is_set(n)
                }
                raws[product] = (key, raw, namer.style if namer else None)
            elif isinstance(value, Mapping):
                raws[product] = (key, dict(value), None)
            else:
                problems.append(
                    Problem(
                        key,
                        f"must be a {model.__name__}(...) or a dict of its parameters; "
                        f"got {short_repr(value)}",
                    )
                )

        shared = cls._shared_wires(raws, pos_given)
        count = len(problems)
        sources: list[_Source] = []
        if pos_given:
            source = _Source(PositionOptions, pos_namer)
            source.values, _ = PositionOptions._validate(pos_given, pos_namer, problems)
            source.origin = PositionOptions._apply_triggers(source.values, pos_namer, problems)
            sources.append(source)
        own: dict[Product, dict[str, Any]] = {}
        for product, (key, raw, own_style) in raws.items():
            model = slots[product][1]
            fields = {n for n, w in model.__xrt__.wire.items() if w in shared}
            mine: dict[str, Any] = {}
            rest: dict[str, Any] = {}
            for k, v in raw.items():
                (mine if model.__xrt__.lookup.get(k) in fields else rest)[k] = v
            own[product] = rest
            if not fields:
                continue
            resolved = model._resolve(mine)
            given, spelling = resolved.given, resolved.spelling
            namer = Namer(
                model._style_of(spelling) or own_style or style,
                model.__xrt__.st_names,
                spelling,
                key,
            )
            source = _Source(model, namer)
            source.values, _ = model._validate(given, namer, problems)
            source.origin = model._apply_triggers(source.values, namer, problems)
            sources.append(source)

        merged, fixed = cls._merge(shared, sources, problems)
        merged_ok = len(problems) == count

        built: dict[Product, ProductModel] = {}
        names: dict[str, str] = {}
        for product, (key, _, own_style) in raws.items():
            model = slots[product][1]
            mine_fields = {n for n, w in model.__xrt__.wire.items() if w in shared}
            implied = {n: merged[n] for n in mine_fields if n in merged} if merged_ok else {}
            prepared = model._prepare(
                own[product],
                prefix=key,
                style=own_style or style,
                fixed={n: fixed[n] for n in mine_fields if n in fixed},
                implied=implied,
            )
            problems.extend(prepared.problems)
            names[product.flag] = key
            names.update({wire: prepared.namer(n) for n, wire in model.__xrt__.wire.items()})
            names.update(
                {alias: prepared.namer(n) for alias, n in model.__xrt__.by_wire.items() if alias not in names}
            )
            if not prepared.problems:
                built[product] = model._from_prepared(prepared)
        return built, names

    @classmethod
    def _shared_wires(
        cls, raws: Mapping[Product, tuple[str, dict[str, Any], Style | None]], pos_given: Mapping[str, Any]
    ) -> set[str]:
        """Wire keys that more than one place of this request can set."""
        slots = cls.slots()
        holders: dict[str, int] = {}
        for product in raws:
            for wire in slots[product][1].__xrt__.wire.values():
                holders[wire] = holders.get(wire, 0) + 1
        if pos_given:
            for name in PositionOptions.shared_fields():
                wire = PositionOptions.__xrt__.wire[name]
                holders[wire] = holders.get(wire, 0) + 1
        return {wire for wire, count in holders.items() if count > 1}

    @staticmethod
    def _merge(
        shared: set[str], sources: list[_Source], problems: list[Problem]
    ) -> tuple[dict[str, Any], dict[str, str]]:
        """One value per shared key; two different values are a problem naming both places."""
        merged: dict[str, Any] = {}
        first: dict[str, _Source] = {}
        fixed: dict[str, str] = {}
        for source in sources:
            for name, wire in source.cls.__xrt__.wire.items():
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
                    problems.append(
                        Problem(
                            source.namer(name),
                            f"{fmt(value)}{source.setter(name)} conflicts with {first[name].namer(name)}="
                            f"{fmt(merged[name])}{first[name].setter(name)}: both set the one wire key "
                            f"{wire!r}; give one value",
                        )
                    )
        return merged, fixed

    # ---------------------------------------------------------------- request rules

    @classmethod
    def _request_rules(
        cls,
        v: Mapping[str, Any],
        name: Namer,
        present: list[Product],
        pos_given: Mapping[str, Any],
        pos_namer: Namer,
    ) -> Iterator[Issue]:
        """Rules that involve the products (PARAMETERS.md §9.1); those of the globals alone run first."""
        value = {n: v.get(n, info.default) for n, info in cls.model_fields.items() if param_of(info)}
        if not present:
            labels = ", ".join(
                cls.slots()[p][0] if name.style == "python" else p.long_name for p in ALL_PRODUCTS
            )
            yield Issue("products", f"no product requested; add at least one of {labels}")
        if value["name"] is None:
            yield Issue("name", "required: the object's name (used in titles; resolved when get_coords)")
        if value["targ"] is None and not value["get_targs"]:
            yield Issue(
                "targ",
                "required: comma-separated targetIDs, or set "
                f"{name('get_targs')}=True to let the service find them",
            )
        detection_only = present == [Product.SOURCE_DET]
        if not detection_only:
            for coord in ("ra", "dec"):
                if value[coord] is None and not value["get_coords"]:
                    yield Issue(
                        coord,
                        "required (degrees, J2000), or set "
                        f"{name('get_coords')}=True to resolve {name('name')}",
                    )
            if value["centroid"] is None:
                yield Issue(
                    "centroid",
                    "required: True to centroid the position first (then give "
                    f"{name('pos_err')}), else False",
                )
        if pos_given and not cls.position_products().intersection(present):
            for option in pos_given:
                yield Issue(
                    f"pos:{option}",
                    f"{pos_namer(option)} only applies to the position products (standard, enhanced, "
                    "astrometric) and none is requested",
                )

    # ---------------------------------------------------------------- the public surface

    @property
    def products(self) -> tuple[Product, ...]:
        """The requested products, in the order they were given."""
        return self._order or tuple(p for p, (n, _) in self.slots().items() if self.__dict__[n] is not None)

    def product(self, product: Product | str) -> ProductModel | None:
        """The model of one product (any product name), or ``None`` when it is not requested."""
        return self.__dict__[self.slots()[Product.parse(product)][0]]  # type: ignore[no-any-return]

    def to_wire(self, user_id: str) -> dict[str, Any]:
        """The exact JSON body of ``run_userobject.php`` for this request and user."""
        if not isinstance(user_id, str) or not user_id.strip():
            raise ConfigurationError(
                "user_id: the registered e-mail address is required "
                "(register at https://www.swift.ac.uk/user_objects/register.php)"
            )
        body: dict[str, Any] = {API_NAME_KEY: API_NAME, API_VERSION_KEY: API_VERSION, USER_ID_KEY: user_id}
        body.update(self.wire_items())
        for product in self.products:
            model = self.product(product)
            assert model is not None
            body[product.flag] = 1
            body.update(model.wire_items())
        return body

    def fingerprint(self) -> str:
        """SHA-256 (hex) of the canonical wire body without ``UserID``/``api_*``.

        Values equal to the service's documented default are left out, and so are values that mean
        nothing for this job (``applies_if`` unmet, e.g. ``hrbin`` with counts binning), so requests with
        equal meaning — whether a default was written out or not, submitted or echoed — have equal
        fingerprints.
        """
        body = {k: v for k, v in self.to_wire("-").items() if k not in META_KEYS}
        defaults: dict[str, Any] = {}
        moot: set[str] = set()
        models: list[ParamModel] = [self, *(m for p in self.products if (m := self.product(p)) is not None)]
        for model in models:
            for name, wire in type(model).__xrt__.wire.items():
                facts = type(model).param_facts(name)
                if facts.server_default is not None:
                    defaults[wire] = encode_value(facts.server_default)
                if not facts.applies_to(body):
                    moot.add(wire)
        canonical = {
            k: v for k, v in body.items() if k not in moot and (k not in defaults or defaults[k] != v)
        }
        text = json.dumps(canonical, sort_keys=True, separators=(",", ":"), ensure_ascii=False)
        return hashlib.sha256(text.encode("utf-8")).hexdigest()

    def describe_wire_name(self, wire: str) -> str | None:
        """The user's name for a wire key (to translate the service's ``listErr``): ``"poserr"`` ->
        ``"posErr"`` (or ``"pos_err"``), ``"pccounts"`` -> ``"LightCurve.pcCounts"``; ``None`` for keys that
        are not parameters of this request (a product it does not hold, an unknown key)."""
        return self._names.get(wire)

    def _target(self, key: str) -> str | None:
        if key in type(self).__xrt__.lookup:
            return type(self).__xrt__.lookup[key]
        if key in self._pos_lookup():
            return "pos:" + self._pos_lookup()[key]
        if key in self._product_spellings():
            return "product:" + self._product_spellings()[key].short
        return None

    @classmethod
    def _loosen(cls, data: Mapping[str, Any]) -> dict[str, Any]:
        """Globals as for any model; position globals by their field; product dicts by their model."""
        pos_lookup = cls._pos_lookup()
        products = cls._product_spellings()
        slots = cls.slots()
        out = super()._loosen({k: v for k, v in data.items() if k not in pos_lookup and k not in products})
        for key, value in data.items():
            if key in pos_lookup:
                loosened = PositionOptions._loosen({pos_lookup[key]: value})
                if pos_lookup[key] in loosened:
                    out[key] = loosened[pos_lookup[key]]
            elif key in products:
                model = slots[products[key]][1]
                out[key] = model._loosen(value) if isinstance(value, Mapping) else value
        return {k: out[k] for k in data if k in out}

    @classmethod
    def from_job_pars(cls, pars: Mapping[str, Any], *, strict: bool = False) -> JobRequest:
        """Rebuild a request from the ``jobPars`` the service echoes (or from a wire body).

        Reads the service's loose types and old internal codes; ignores its internal keys; drops
        ``getCoords``/``getTargs``/``getT0`` when the values they derived are present (the A0 reuse rule).
        Unknown keys are ignored unless ``strict``.
        """
        from ._decoding import decode_request

        return decode_request(cls, pars, server=True, strict=strict)

    @classmethod
    def from_swifttools_json(cls, body: Mapping[str, Any], *, strict: bool = True) -> JobRequest:
        """Rebuild a request from swifttools' ``getJSONDict()`` (its wire body, quirks included)."""
        from ._decoding import decode_request

        return decode_request(cls, body, server=False, strict=strict)
