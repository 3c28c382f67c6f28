"""The job request: the global parameters plus any set of products (docs/parameters.md §3, §9).

Besides its own fields the request accepts the position options as globals (swifttools stores them
there: ``posobs``, ``posRadius``, ... or ``pos_which_data``, ``pos_radius``, ...) and gives every position
product the same values; the same goes for ``srcrad``, one wire key shared by the light curve and the
spectrum. Two different values for one shared key are an error naming both, never a silent last-wins.
"""

from __future__ import annotations

import dataclasses
import functools
import hashlib
import json
from collections.abc import Iterable, Iterator, Mapping
from dataclasses import dataclass, field
from typing import Any, ClassVar

from xrt_prods_async._errors import ConfigurationError, InvalidRequestError, Problem
from xrt_prods_async._products import ALL_PRODUCTS, Product
from xrt_prods_async.wire._endpoints import API_NAME, API_VERSION

from ._base import ParamModel, Prepared, ProductModel, Resolved, Written
from ._build import ProductBuilder
from ._checks import Issue, report
from ._codec import API_NAME_KEY, API_VERSION_KEY, META_KEYS, USER_ID_KEY, encode_value
from ._fields import param_of
from ._globals import Globals
from ._image import Image
from ._light_curve import LightCurve
from ._naming import Known, Namer, Names, Spelling, Style, spelling_style, suggest
from ._positions import AstromPos, EnhancedPos, PositionOptions, StandardPos
from ._source_det import SourceDet
from ._spectrum import Spectrum

__all__ = ["JobRequest"]


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

    @classmethod
    def _keywords(cls) -> Names:
        """Every keyword the request accepts: its globals, the position options (as ``pos:<field>``) and
        the products (as ``product:<short name>``)."""
        return _request_keywords(cls)

    @classmethod
    def global_keywords(cls) -> frozenset[str]:
        """Every spelling of a global parameter, the position options given as globals included: what a flat
        table of one source (a campaign's CSV columns) may set."""
        return frozenset(cls.__xrt__.lookup) | frozenset(cls._pos_lookup())

    @classmethod
    def keyword_target(cls, key: str, product: Product | None = None) -> str | None:
        """What a keyword of the request (or, with ``product``, of that product's table) names, the same
        for each of its spellings (``posErr``, ``pos_err``, ``poserr``); ``None`` when it names nothing.
        For merging two sets of keywords written in different spellings."""
        if product is not None:
            return cls.slots()[product][1].__xrt__.lookup.get(key)
        return cls._keywords().lookup.get(key)

    @classmethod
    def suggest_global(cls, key: str, written: Iterable[str] = (), extra: Iterable[str] = ()) -> str:
        """A "did you mean" for ``key`` among the global parameters and ``extra`` names
        (``"; did you mean 'posErr'?"``, or ``""``): spelt as ``key`` is, else as the ``written`` keywords are
        (:func:`~._naming.spelling_style`)."""
        context = cls._spelling_of({k: k for k in written if isinstance(k, str)})
        known = (*cls._global_candidates(), *(Known.plain(name) for name in extra))
        return suggest(key, known, spelling_style(key, context))

    @classmethod
    def split_unknown(cls, data: Mapping[Any, Any]) -> tuple[dict[Any, Any], list[Problem]]:
        """``data`` (globals and product tables, as a request is written) without the keywords that name
        nothing, and the problems with those (each with its "did you mean"), checking nothing else: for a
        template, checked once before it is merged into many requests."""
        kept, problems = cls._split_unknown_keys(data, prefix=None, style=None)
        keywords = cls._keywords().lookup
        slots = cls.slots()
        for key, value in list(kept.items()):
            target = keywords.get(key) if isinstance(key, str) else None
            if target is not None and target.startswith(_PRODUCT) and isinstance(value, Mapping):
                model = slots[Product(target[len(_PRODUCT) :])][1]
                kept[key], more = model._split_unknown_keys(value, prefix=key, style=None)
                problems += more
        return kept, problems

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
        """The request's pipeline: resolve the keywords (step 1), build the products (step 3, each
        running steps 1 and 2 on its own parameters), check the globals (step 2) and the rules that
        involve the products. Problems are listed in that order."""
        resolved = cls._resolve(data)
        namer = cls._namer(resolved, style=style)
        parts = _Parts.of(resolved)
        pos_namer = cls._pos_namer(namer.style, parts.pos_spelling)
        problems = cls._resolve_problems(resolved, namer, style)
        models = {product: model for product, (_, model) in cls.slots().items()}
        builder = ProductBuilder(models, namer.style, problems)
        products = builder.build(parts.wanted, parts.pos_given, pos_namer)
        values, bad = cls._check(parts.given, namer, problems)
        cls._check_request(values, bad, parts, namer, pos_namer, problems)
        values.update({cls.slots()[product][0]: model for product, model in products.items()})
        order = tuple(p for p in parts.wanted if p in products)
        written = Written(cls._raw(data, implied), namer, order)
        return Prepared(values, list(dict.fromkeys(problems)), written)

    @classmethod
    def _pos_namer(cls, style: Style, spelling: Mapping[str, str]) -> Namer:
        """Names the position options given as globals: as written, else ``pos_which_data`` (Python) or
        the wire key ``posobs`` (swifttools, which keeps them there under their wire keys)."""
        shared = PositionOptions.shared_fields()
        return Namer(
            style,
            {n: PositionOptions.__xrt__.wire[n] for n in shared},
            spelling,
            py_names={n: cls._pos_python_name(n) for n in shared},
        )

    @classmethod
    def _unknown(cls, key: str, spelling: Spelling) -> str:
        """The problem with an unknown request keyword: a product parameter given flat, or a typo (whose
        "did you mean" may be a product's parameter, with where it goes)."""
        owners = [product for product, (_, model) in cls.slots().items() if key in model.__xrt__.lookup]
        if owners:
            labels = ", ".join(product.label for product in owners)
            return f"not a global parameter but one of the {labels}: pass it{_inside(owners, spelling)}"
        return super()._unknown(key, spelling)

    @classmethod
    def _candidates(cls) -> tuple[Known, ...]:
        """The globals, the position options given as globals, the products, then (ranked after equally
        close globals) the products' own parameters, each with where it goes."""
        return _request_candidates(cls)

    @classmethod
    def _global_candidates(cls) -> tuple[Known, ...]:
        """The globals and the position options given as globals: what a flat table of one source (a CSV
        row) can set."""
        return _global_candidates(cls)

    @classmethod
    def _given_twice(cls, target: str, first: str, key: str) -> str:
        if target.startswith(_PRODUCT):
            return f"given twice, as {first!r} and {key!r}"
        return super()._given_twice(target, first, key)

    # ---------------------------------------------------------------- request rules

    @classmethod
    def _check_request(
        cls,
        values: Mapping[str, Any],
        bad: set[str],
        parts: _Parts,
        namer: Namer,
        pos_namer: Namer,
        problems: list[Problem],
    ) -> None:
        """Step 2 for the rules that involve the products; a rule on a bad global is skipped."""

        def name(field_name: str) -> str:
            return pos_namer(field_name[len(_POS) :]) if field_name.startswith(_POS) else namer(field_name)

        present = [product for product, (_, value) in parts.wanted.items() if value is not None]
        report(cls._request_rules(values, namer, present, parts.pos_given, pos_namer), name, bad, problems)

    @classmethod
    def _request_rules(
        cls,
        v: Mapping[str, Any],
        name: Namer,
        present: list[Product],
        pos_given: Mapping[str, Any],
        pos_namer: Namer,
    ) -> Iterator[Issue]:
        """Rules that involve the products (docs/parameters.md §9.1); those of the globals alone run first."""
        if not present:
            labels = ", ".join(
                cls.slots()[p][0] if name.style == "python" else p.long_name for p in ALL_PRODUCTS
            )
            yield Issue("products", f"no product requested; add at least one of {labels}")
        yield from cls._target_rules(v, name)
        if present != [Product.SOURCE_DET]:
            yield from cls._position_rules(v, name)
        if pos_given and not cls.position_products().intersection(present):
            for option in pos_given:
                yield Issue(
                    f"{_POS}{option}",
                    f"{pos_namer(option)} only applies to the position products (standard, enhanced, "
                    "astrometric) and none is requested",
                )

    @classmethod
    def _target_rules(cls, v: Mapping[str, Any], name: Namer) -> Iterator[Issue]:
        """Every job names its object and its targets (or lets the service find them)."""
        if v.get("name") is None:
            yield Issue(
                "name", f"required: the object's name (used in titles; resolved when {name('get_coords')})"
            )
        if v.get("targ") is None and not v.get("get_targs"):
            yield Issue(
                "targ",
                "required: comma-separated targetIDs, or set "
                f"{name('get_targs')}=True to let the service find them",
            )

    @classmethod
    def _position_rules(cls, v: Mapping[str, Any], name: Namer) -> Iterator[Issue]:
        """Every product but source detection needs the position and whether to centroid it."""
        for coord in ("ra", "dec"):
            if v.get(coord) is None and not v.get("get_coords"):
                yield Issue(
                    coord,
                    f"required (degrees, J2000), or set {name('get_coords')}=True to resolve {name('name')}",
                )
        if v.get("centroid") is None:
            yield Issue(
                "centroid",
                f"required: True to centroid the position first (then give {name('pos_err')}), else False",
            )

    # ---------------------------------------------------------------- the public surface

    @property
    def products(self) -> tuple[Product, ...]:
        """The requested products, in the order they were given."""
        order = self._written.order
        return order or tuple(p for p, (n, _) in self.slots().items() if self.__dict__[n] is not None)

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
        are not parameters of this request (a product it does not hold, an unknown key).

        Worked out when asked (only an error of the service asks), from the namers the request and each
        of its products keep: a table kept per request would cost a campaign kilobytes per source."""
        names: dict[str, str] = {}
        for product in self.products:
            model = self.product(product)
            namer = None if model is None else model._written.namer
            if model is None or namer is None or namer.prefix is None:
                continue
            schema = type(model).__xrt__
            names[product.flag] = namer.prefix
            names.update({wire: namer(n) for n, wire in schema.wire.items()})
            names.update({alias: namer(n) for alias, n in schema.by_wire.items() if alias not in names})
        namer = self._written.namer
        if namer is not None:
            schema = type(self).__xrt__
            names.update({wire: namer(name) for name, wire in schema.wire.items()})
            names.update({alias: names[schema.wire[name]] for alias, name in schema.by_wire.items()})
        return names.get(wire)

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
    def from_job_pars_or_none(cls, pars: Mapping[str, Any]) -> JobRequest | None:
        """:meth:`from_job_pars`, or ``None`` when the echo does not make a valid request.

        For a job that exists whatever its echo says (a job handle, a campaign's resume): its echoed
        parameters are a convenience, and one that cannot be read must not make the job unusable.
        """
        try:
            return cls.from_job_pars(pars)
        except InvalidRequestError:
            return None

    @classmethod
    def from_swifttools_json(cls, body: Mapping[str, Any], *, strict: bool = True) -> JobRequest:
        """Rebuild a request from swifttools' ``getJSONDict()`` (its wire body, quirks included)."""
        from ._decoding import decode_request

        return decode_request(cls, body, server=False, strict=strict)


#: Prefixes of the request's keyword targets that are not its own fields.
_POS = "pos:"
_PRODUCT = "product:"


@dataclass
class _Parts:
    """The resolved keywords of a request by where they go: the globals, the position options given as
    globals (with their spellings), and the products (keyword and value as given, in the order given)."""

    given: dict[str, Any] = field(default_factory=dict)
    pos_given: dict[str, Any] = field(default_factory=dict)
    pos_spelling: dict[str, str] = field(default_factory=dict)
    wanted: dict[Product, tuple[str, Any]] = field(default_factory=dict)

    @classmethod
    def of(cls, resolved: Resolved) -> _Parts:
        parts = cls()
        for target, value in resolved.given.items():
            key = resolved.spelling[target]
            if target.startswith(_POS):
                parts.pos_given[target[len(_POS) :]] = value
                parts.pos_spelling[target[len(_POS) :]] = key
            elif target.startswith(_PRODUCT):
                parts.wanted[Product(target[len(_PRODUCT) :])] = (key, value)
            else:
                parts.given[target] = value
        return parts


@functools.cache
def _request_keywords(cls: type[JobRequest]) -> Names:
    """The request's keyword table (see :meth:`JobRequest._keywords`), with the spellings that show a
    naming style: swifttools names and wire keys, or the Python names."""
    own = cls.__xrt__
    pos = {key: _POS + name for key, name in cls._pos_lookup().items()}
    products = {key: _PRODUCT + product.short for key, product in cls._product_spellings().items()}
    lookup = dict(own.lookup)
    for key, target in (*pos.items(), *products.items()):
        if lookup.setdefault(key, target) != target:
            raise TypeError(f"{cls.__name__}: {key!r} names both {lookup[key]} and {target}")
    pos_python = {cls._pos_python_name(n) for n in PositionOptions.shared_fields()}
    shorts = {p.short for p in ALL_PRODUCTS}
    long_names = {p.long_name for p in ALL_PRODUCTS} - shorts
    snake = {name for name, _ in cls.slots().values()} - shorts
    return dataclasses.replace(
        own,
        lookup=lookup,
        wire_only=own.wire_only,
        python_only=own.python_only | pos_python | snake,
        swifttools_only=own.swifttools_only | (set(pos) - pos_python) | long_names,
    )


def _inside(products: list[Product], spelling: Spelling) -> str:
    """`` inside light_curve={...} or spectrum={...}`` (Python), `` inside LightCurve={...}`` (otherwise)."""
    slots = JobRequest.slots()
    names = [slots[p][0] if spelling == "python" else p.long_name for p in products]
    return " inside " + " or ".join(f"{name}={{...}}" for name in names)


@functools.cache
def _global_candidates(cls: type[JobRequest]) -> tuple[Known, ...]:
    """See :meth:`JobRequest._global_candidates`."""
    known = list(cls.__xrt__.known)
    for name in PositionOptions.shared_fields():
        python, wire = cls._pos_python_name(name), PositionOptions.__xrt__.wire[name]
        known.append(Known((python, wire), {"python": python, "swifttools": wire}))
    return tuple(known)


@functools.cache
def _request_candidates(cls: type[JobRequest]) -> tuple[Known, ...]:
    """See :meth:`JobRequest._candidates`. A product parameter is one candidate however many products hold
    it (``which_data``); a position product's shared options are left to the request-level ones."""
    known = list(_global_candidates(cls))
    for product, (slot, _) in cls.slots().items():
        spellings = (slot, product.long_name, product.short)
        known.append(Known(spellings, {"python": slot, "swifttools": product.long_name}))
    holders: dict[str, list[Product]] = {}
    spellings_of: dict[str, list[str]] = {}
    shown_of: dict[str, dict[str, str]] = {}
    shared = set(PositionOptions.shared_fields())
    for product, (_, model) in cls.slots().items():
        for item in model.__xrt__.known:
            name = item.shown["python"]
            if issubclass(model, PositionOptions) and name in shared:
                continue
            holders.setdefault(name, []).append(product)
            spellings_of.setdefault(name, []).extend(item.spellings)
            shown_of.setdefault(name, {"python": name, "swifttools": item.shown["swifttools"]})
    for name, products in holders.items():
        where = {
            spelling: f" ({_inside(products, spelling).strip()})" for spelling in ("python", "swifttools")
        }
        known.append(Known(tuple(dict.fromkeys(spellings_of[name])), shown_of[name], where, tier=1))
    return tuple(known)
