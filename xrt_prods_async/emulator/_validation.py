"""Server-side checking of a submitted job, from the wire names alone (docs/parameters.md; docs/protocol.md
§5, §16).

This is deliberately independent of the client's parameter models: the emulator and the client each
implement the rules, and the tests set one against the other. :data:`WIRE_PARAMETERS` is the table (wire
name → kind, scope, default, allowed values, range); :func:`validate_submission` applies it to a request
and returns either the problems, grouped the way the service's ``listErr`` groups them, or the normalised
parameters from which the job's ``jobPars`` are built.
"""

from __future__ import annotations

import enum
import re
from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Any, Protocol

from xrt_prods_async._products import Product
from xrt_prods_async.wire._envelope import REQUEST_ENVELOPE_KEYS

from ._values import BadValueError, ascii_int, parse_flag, parse_int, parse_number, php_number, php_str

__all__ = [
    "WIRE_PARAMETERS",
    "Echo",
    "Kind",
    "NameResolver",
    "ResolutionError",
    "Submission",
    "ValidationOutcome",
    "WireParameter",
    "build_job_pars",
    "requested_products",
    "resolve_derived",
    "validate_submission",
]


class Kind(enum.Enum):
    """How a parameter's value is read."""

    FLAG = "0 or 1"
    NUMBER = "number"
    INT = "whole number"
    TEXT = "text"
    CHOICE = "one of a list"
    TIME_SPEC = "obsIDs or start-stop times"
    TARGETS = "comma-separated targetIDs"
    MODELS = "list of spectral models"
    LABEL = "letters and digits"
    BANDS = "comma-separated energy bands"
    TIME = "a time"


class Echo(enum.Enum):
    """How a supplied value is written back in ``jobPars`` (the service mixes types, see the examples)."""

    NATIVE = "as read"
    STRING = "as PHP text"


_NO_DEFAULT: Any = object()

GLOBAL = "global"
POSITION = "position"
ALWAYS = "always"


@dataclass(frozen=True, slots=True)
class WireParameter:
    """One submit parameter as the server knows it.

    ``scope``: ``global`` (checked always), ``position`` (any of the three positions), ``always`` (internal
    keys echoed in every ``jobPars``) or product short names. ``default`` is the wire value echoed when
    the parameter is absent and its scope is active.
    """

    name: str
    kind: Kind
    scope: tuple[str, ...]
    default: Any = _NO_DEFAULT
    echo: Echo = Echo.NATIVE
    choices: tuple[str, ...] = ()
    codes: Mapping[int, str] = field(default_factory=dict)
    minimum: float | None = None
    maximum: float | None = None
    min_open: bool = False
    max_open: bool = False
    aliases: tuple[str, ...] = ()

    @property
    def has_default(self) -> bool:
        """Whether the server fills this parameter in when it is absent."""
        return self.default is not _NO_DEFAULT

    def range_rule(self) -> str | None:
        """The range in the service's words (``between 1 and 6``), or None when unbounded."""
        lo, hi = self.minimum, self.maximum
        if lo is not None and hi is not None:
            return f"between {php_number(lo)} and {php_number(hi)}"
        if lo is not None:
            return f"greater than {php_number(lo)}" if self.min_open else f"at least {php_number(lo)}"
        if hi is not None:
            return f"less than {php_number(hi)}" if self.max_open else f"at most {php_number(hi)}"
        return None

    def in_range(self, value: float) -> bool:
        """Whether a number lies in the parameter's range."""
        if self.minimum is not None and (value <= self.minimum if self.min_open else value < self.minimum):
            return False
        return not (
            self.maximum is not None and (value >= self.maximum if self.max_open else value > self.maximum)
        )


def _p(name: str, kind: Kind, *scope: str, **kw: Any) -> WireParameter:
    return WireParameter(name, kind, scope, **kw)


_LC = Product.LIGHT_CURVE.value
_SPEC = Product.SPECTRUM.value
_IMAGE = Product.IMAGE.value
_SDET = Product.SOURCE_DET.value
_POSITIVE = {"minimum": 0.0, "min_open": True}
# Energies: positive; the service documents no 0.3-10 keV limit (docs/parameters.md §9.5), so none is
# guessed here. The sub-bands must lie inside the main band (_cross_checks, documented).
_BAND = {**_POSITIVE, "echo": Echo.STRING}
#: Hardness-ratio bin lengths when hrbin=0 leaves them unset (documented defaults, docs/parameters.md §4).
_HR_BIN_DEFAULTS = (("pchrbin", 2.51), ("wthrbin", 0.5))
_GRADES = ("all", "0", "4")

#: Every submit parameter the emulator knows, by wire name, in the order problems are reported.
WIRE_PARAMETERS: tuple[WireParameter, ...] = (
    # --- globals (docs/parameters.md §3)
    _p("name", Kind.TEXT, GLOBAL),
    _p("targ", Kind.TARGETS, GLOBAL),
    _p("Tstart", Kind.TIME, GLOBAL),
    _p("sinceT0", Kind.FLAG, ALWAYS, default=0, aliases=("SinceT0",)),
    _p("RA", Kind.NUMBER, GLOBAL, echo=Echo.STRING, minimum=0.0, maximum=360.0, max_open=True),
    _p("Dec", Kind.NUMBER, GLOBAL, echo=Echo.STRING, minimum=-90.0, maximum=90.0),
    _p("cent", Kind.FLAG, GLOBAL),
    _p(
        "centMeth",
        Kind.CHOICE,
        GLOBAL,
        default="simple",
        choices=("simple", "iterative"),
        codes={2: "simple", 3: "iterative"},
    ),
    _p("maxCentTries", Kind.INT, GLOBAL, default="10", echo=Echo.STRING, minimum=1.0),
    _p("poserr", Kind.NUMBER, GLOBAL, minimum=1.0, maximum=6.0, aliases=("posErr",)),
    _p("sss", Kind.FLAG, GLOBAL, default="0", echo=Echo.STRING),
    _p("useSXPS", Kind.FLAG, GLOBAL, default=0),
    _p("wtpuprate", Kind.NUMBER, GLOBAL, default=150, **_POSITIVE),
    _p("pcpuprate", Kind.NUMBER, GLOBAL, default=0.6, **_POSITIVE),
    _p("notify", Kind.FLAG, GLOBAL),
    _p("getCoords", Kind.FLAG, GLOBAL),
    _p("getTargs", Kind.FLAG, GLOBAL, aliases=("getTarg",)),
    _p("getT0", Kind.FLAG, GLOBAL),
    # --- product request flags (§2); always echoed
    *(_p(p.flag, Kind.FLAG, ALWAYS, default=0) for p in Product),
    # --- positions (§6)
    _p("posRadius", Kind.NUMBER, POSITION, default="20", echo=Echo.STRING, **_POSITIVE),
    _p("posobs", Kind.CHOICE, POSITION, default="hours", choices=("all", "user", "hours")),
    _p("useposobs", Kind.TIME_SPEC, POSITION),
    _p("posobstime", Kind.NUMBER, POSITION, default=12, **_POSITIVE),
    _p(
        "detornot",
        Kind.CHOICE,
        POSITION,
        default="detect",
        choices=("detect", "centroid"),
        codes={0: "centroid", 1: "detect"},
    ),
    _p(
        "detMeth",
        Kind.CHOICE,
        POSITION,
        default="simple",
        choices=("simple", "iterative"),
        codes={0: "simple", 1: "iterative"},
    ),
    _p("allxastrom", Kind.FLAG, ALWAYS, default=0),
    # --- light curve (§4)
    _p("binMeth", Kind.CHOICE, _LC, choices=("counts", "time", "snapshot", "obsid")),
    _p("minen", Kind.NUMBER, _LC, default="0.3", **_BAND),
    _p("maxen", Kind.NUMBER, _LC, default="10", **_BAND),
    _p("soft1", Kind.NUMBER, _LC, default="0.3", **_BAND),
    _p("soft2", Kind.NUMBER, _LC, default="1.5", **_BAND),
    _p("hard1", Kind.NUMBER, _LC, default="1.5", **_BAND),
    _p("hard2", Kind.NUMBER, _LC, default="10", **_BAND),
    _p("sigmin", Kind.NUMBER, _LC, default="3", echo=Echo.STRING, **_POSITIVE),
    _p("grades", Kind.CHOICE, _LC, default="all", choices=_GRADES, codes={0: "0", 4: "4"}),
    _p("allowUL", Kind.CHOICE, _LC, default="both", choices=("no", "pc", "wt", "both")),
    _p(
        "allowB",
        Kind.CHOICE,
        _LC,
        default="both",
        choices=("no", "pc", "wt", "both"),
        aliases=("allowBayes",),
    ),
    _p("bayesCounts", Kind.NUMBER, _LC, default=15, minimum=0.0),
    _p("bayesSNR", Kind.NUMBER, _LC, default=2.4, minimum=0.0),
    _p("lctimetype", Kind.CHOICE, _LC, default="s", choices=("s", "m", "sec", "mjd")),
    _p("lcobs", Kind.CHOICE, ALWAYS, default="all", choices=("all", "user"), codes={0: "all"}),
    _p("uselcobs", Kind.TIME_SPEC, _LC),
    _p("srcrad", Kind.INT, _LC, _SPEC, minimum=1.0),
    _p("pccounts", Kind.INT, _LC, echo=Echo.STRING, minimum=1.0),
    _p("wtcounts", Kind.INT, _LC, echo=Echo.STRING, minimum=1.0),
    _p("dynamic", Kind.FLAG, _LC),
    _p("ratefact", Kind.NUMBER, _LC, default="10", echo=Echo.STRING, **_POSITIVE),
    _p("binfact", Kind.NUMBER, _LC, default="1.5", echo=Echo.STRING, **_POSITIVE),
    _p("pcbin", Kind.NUMBER, _LC, default="2.51", echo=Echo.STRING, **_POSITIVE),
    _p("wtbin", Kind.NUMBER, _LC, default="0.5", echo=Echo.STRING, **_POSITIVE),
    _p("mincmin", Kind.INT, _LC, default="15", echo=Echo.STRING, minimum=0.0),
    _p("minsnr", Kind.NUMBER, _LC, default=2.4, minimum=0.0),
    _p("pcmaxbin", Kind.NUMBER, _LC, default=100000000, **_POSITIVE),
    _p("wtmaxbin", Kind.NUMBER, _LC, default=100000000, **_POSITIVE),
    _p("pcmaxgap", Kind.NUMBER, _LC, default=100000000, aliases=("pcmaxGap", "pcMaxGap"), **_POSITIVE),
    _p("wtmaxgap", Kind.NUMBER, _LC, default=100000000, aliases=("wtmaxGap", "wtMaxGap"), **_POSITIVE),
    _p("hrbin", Kind.FLAG, ALWAYS, default=0),
    _p("pchrbin", Kind.NUMBER, _LC, **_POSITIVE),
    _p("wthrbin", Kind.NUMBER, _LC, **_POSITIVE),
    _p("femin", Kind.NUMBER, _LC, default="0", echo=Echo.STRING, minimum=0.0, maximum=1.0),
    # --- spectrum (§5)
    _p("specz", Kind.FLAG, _SPEC),
    _p("zval", Kind.NUMBER, _SPEC, minimum=0.0),
    _p("specobs", Kind.CHOICE, _SPEC, default="hours", choices=("all", "user", "hours"), codes={1: "all"}),
    _p("usespecobs", Kind.TIME_SPEC, _SPEC),
    _p("specobstime", Kind.NUMBER, _SPEC, default=12, **_POSITIVE),
    _p(
        "timeslice",
        Kind.CHOICE,
        _SPEC,
        default="single",
        choices=("single", "user", "snapshot", "obsid"),
        codes={1: "single"},
    ),
    _p("specgrades", Kind.CHOICE, _SPEC, default="all", choices=_GRADES, codes={0: "0", 4: "4"}),
    _p("specstem", Kind.TEXT, _SPEC, default="interval0"),
    _p("doNotFit", Kind.FLAG, _SPEC),
    _p("galactic", Kind.FLAG, _SPEC, default=0),
    _p("models", Kind.MODELS, _SPEC, default=["powerlaw"], choices=("powerlaw", "apec", "blackbody")),
    _p("dchi", Kind.NUMBER, _SPEC, default=2.706, **_POSITIVE),
    *(
        par
        for n in range(1, 5)
        for par in (_p(f"rname{n}", Kind.LABEL, _SPEC), _p(f"gti{n}", Kind.TIME_SPEC, _SPEC))
    ),
    # --- image (§7)
    _p("imen", Kind.BANDS, _IMAGE, default="0.3-10,0.3-1.5,1.51-10"),
    _p("imobs", Kind.CHOICE, _IMAGE, default="all", choices=("all", "user")),
    _p("useimobs", Kind.TIME_SPEC, _IMAGE),
    # --- source detection (§8)
    _p("detobs", Kind.CHOICE, _SDET, default="user", choices=("all", "user")),
    _p("usedetobs", Kind.TIME_SPEC, _SDET),
    _p("detbands", Kind.CHOICE, _SDET, default="total", choices=("total", "all")),
    _p("fitStrayLight", Kind.FLAG, _SDET, default=1),
)

_BY_NAME: dict[str, WireParameter] = {p.name: p for p in WIRE_PARAMETERS}
_ALIASES: dict[str, str] = {alias: p.name for p in WIRE_PARAMETERS for alias in p.aliases}

#: Keys the service adds to every ``jobPars`` and never reads from a request.
_INTERNAL_ECHO: tuple[tuple[str, Any], ...] = (("whatSXPS", "2SXPS"), ("do3col", 0), ("enh", 0))


class NameResolver(Protocol):
    """What ``getCoords``/``getTargs``/``getT0`` need: the emulator's object catalogue."""

    def coordinates(self, name: str) -> tuple[float, float] | None:
        """RA, Dec (deg J2000) of a named object, or None when the name is unknown."""
        ...

    def targets(self, name: str, ra: float, dec: float) -> tuple[str, ...]:
        """TargetIDs matching the name and covering the position."""
        ...

    def t0(self, name: str, ra: float, dec: float) -> float:
        """GRB trigger time or start of the first observation, Swift MET."""
        ...


class ResolutionError(Exception):
    """A ``get*`` derivation failed; the message is the service's ``ERROR`` text."""


@dataclass(slots=True)
class Submission:
    """A request that passed the checks: normalised values, the products, the unknown keys."""

    values: dict[str, Any]
    products: tuple[Product, ...]
    order: list[str]


@dataclass(slots=True)
class ValidationOutcome:
    """Result of :func:`validate_submission`: either ``submission`` or the problems (wire names)."""

    submission: Submission | None
    missing: list[str] = field(default_factory=list)
    invalid: list[str] = field(default_factory=list)
    no_products: bool = False

    @property
    def ok(self) -> bool:
        """True when the request can become a job."""
        return self.submission is not None


def _canonical_keys(request: Mapping[str, Any]) -> tuple[dict[str, Any], list[str]]:
    """Map legacy spellings to wire names (the canonical key wins when both are sent); keep order."""
    values: dict[str, Any] = {}
    order: list[str] = []
    for key, value in request.items():
        name = _ALIASES.get(key, key)
        if name in values and key != name:
            continue
        if name not in values:
            order.append(name)
        values[name] = value
    return values, order


def _absent(value: Any) -> bool:
    return value is None or (isinstance(value, str) and not value.strip())


def _parse_choice(par: WireParameter, raw: Any) -> str:
    if isinstance(raw, bool):
        raise BadValueError(f"one of {', '.join(par.choices)}")
    if isinstance(raw, int | float) and not isinstance(raw, bool):
        code = raw if isinstance(raw, int) else int(raw) if raw.is_integer() else None
        if code is not None and code in par.codes:
            return par.codes[code]
        raw = php_number(raw)
    if isinstance(raw, str):
        text = raw.strip().lower()
        for choice in par.choices:
            if text == choice.lower():
                return choice
        code = ascii_int(text)
        if code is not None and code in par.codes and text not in par.choices:
            return par.codes[code]
    raise BadValueError(f"one of {', '.join(par.choices)}")


_TARGET = re.compile(r"^\d+$")
_LABEL = re.compile(r"^[A-Za-z0-9]+$")


def _parse_targets(raw: Any) -> str:
    if isinstance(raw, int) and not isinstance(raw, bool):
        raw = str(raw)
    if not isinstance(raw, str):
        raise BadValueError("a comma-separated list of targetIDs (digits)")
    text = raw.strip()
    if text.startswith("{") and text.endswith("}"):
        text = text[1:-1]
    items = [t.strip() for t in text.split(",") if t.strip()]
    if not items or not all(_TARGET.match(t) for t in items):
        raise BadValueError("a comma-separated list of targetIDs (digits)")
    return ",".join(t.zfill(8) for t in items)


def _parse_models(par: WireParameter, raw: Any) -> list[str]:
    items = raw.split(",") if isinstance(raw, str) else raw
    if not isinstance(items, list | tuple) or not items:
        raise BadValueError(f"a list of models from {', '.join(par.choices)}")
    out: list[str] = []
    for item in items:
        if not isinstance(item, str) or item.strip().lower() not in par.choices:
            raise BadValueError(f"a list of models from {', '.join(par.choices)}")
        out.append(item.strip())
    return out


def _parse_bands(raw: Any) -> str:
    rule = "a comma-separated list of energy bands lo-hi, in keV, with 0 <= lo < hi"
    if not isinstance(raw, str):
        raise BadValueError(rule)
    bands = [b.strip() for b in raw.split(",") if b.strip()]
    if not bands:
        raise BadValueError(rule)
    for band in bands:
        parts = band.split("-")
        if len(parts) != 2:
            raise BadValueError(rule)
        try:
            lo, hi = float(parts[0]), float(parts[1])
        except ValueError:
            raise BadValueError(rule) from None
        if not 0.0 <= lo < hi:
            raise BadValueError(rule)
    return ",".join(bands)


def _parse(par: WireParameter, raw: Any) -> Any:
    """Read one supplied value; raises :class:`BadValueError` with the rule it breaks."""
    kind = par.kind
    if kind is Kind.FLAG:
        return parse_flag(raw)
    if kind in (Kind.NUMBER, Kind.INT):
        number: float | int = parse_int(raw) if kind is Kind.INT else parse_number(raw)
        if not par.in_range(float(number)):
            raise BadValueError(par.range_rule() or "in range")
        return number
    if kind is Kind.CHOICE:
        return _parse_choice(par, raw)
    if kind is Kind.TARGETS:
        return _parse_targets(raw)
    if kind is Kind.MODELS:
        return _parse_models(par, raw)
    if kind is Kind.BANDS:
        return _parse_bands(raw)
    if kind is Kind.LABEL:
        text = php_str(raw).strip()
        if not _LABEL.match(text):
            raise BadValueError("letters and digits only")
        return text
    if kind is Kind.TIME:
        if isinstance(raw, int | float) and not isinstance(raw, bool):
            return parse_number(raw)
        if isinstance(raw, str):
            return raw.strip()
        raise BadValueError("a time (Swift MET seconds or another product-generator time format)")
    # TEXT, TIME_SPEC: kept as sent (blank values never get here: they count as absent)
    if isinstance(raw, str):
        return raw
    if isinstance(raw, int | float) and not isinstance(raw, bool):
        return php_number(raw)
    raise BadValueError("text")


def requested_products(values: Mapping[str, Any]) -> tuple[Product, ...]:
    """Products whose flag is 1 and those they imply (``doxastrom`` implies ``dopsf``), in enum order."""
    wanted = Product.with_implied(p for p in Product if values.get(p.flag) == 1)
    return tuple(p for p in Product if p in wanted)


def _active_scopes(products: tuple[Product, ...]) -> set[str]:
    scopes = {GLOBAL, ALWAYS, *(p.value for p in products)}
    if {Product.STANDARD_POS, Product.ENHANCED_POS, Product.ASTROM_POS} & set(products):
        scopes.add(POSITION)
    return scopes


def validate_submission(request: Mapping[str, Any]) -> ValidationOutcome:
    """Check a submit request the way the service does; wire names in every reported problem.

    Unknown keys are ignored (and not echoed). Parameters of products not requested are not checked.
    """
    supplied, order = _canonical_keys(request)
    values: dict[str, Any] = {}
    invalid: list[str] = []

    # Product flags first: they decide which other parameters matter.
    for product in Product:
        raw = supplied.get(product.flag)
        if _absent(raw):
            continue
        try:
            values[product.flag] = parse_flag(raw)
        except BadValueError as exc:
            invalid.append(f"{product.flag} is {php_str(raw)}, but must be {exc.rule}")
    products = requested_products(values)
    for product in products:  # an implied product is requested as if its flag were set
        values[product.flag] = 1
    if not products and not invalid:
        return ValidationOutcome(None, no_products=True)
    scopes = _active_scopes(products)

    for par in WIRE_PARAMETERS:
        if par.name in values or not scopes.intersection(par.scope):
            continue
        raw = supplied.get(par.name)
        if _absent(raw):
            continue
        try:
            values[par.name] = _parse(par, raw)
        except BadValueError as exc:
            invalid.append(f"{par.name} is {php_str(raw)}, but must be {exc.rule}")

    missing = _missing(values, products)
    invalid += _cross_checks(values, products)
    if missing or invalid:
        return ValidationOutcome(None, missing=missing, invalid=invalid)
    return ValidationOutcome(Submission(values=values, products=products, order=order))


def _missing(values: Mapping[str, Any], products: tuple[Product, ...]) -> list[str]:
    """The mandatory parameters the body lacks: the globals' rules, then each requested product's."""
    need = _needed_globals(values, products)
    if Product.LIGHT_CURVE in products:
        need += _needed_for_light_curve(values)
    if Product.SPECTRUM in products:
        need += _needed_for_spectrum(values)
    if POSITION in _active_scopes(products) and values.get("posobs") == "user":
        need.append("useposobs")
    if Product.IMAGE in products and values.get("imobs") == "user":
        need.append("useimobs")
    if Product.SOURCE_DET in products and values.get("detobs", "user") == "user":
        need.append("usedetobs")
    return [name for name in need if name not in values]


def _needed_globals(values: Mapping[str, Any], products: tuple[Product, ...]) -> list[str]:
    """Name, target, position and centroiding, unless the service is asked to work them out."""
    need: list[str] = ["name"]
    if values.get("getTargs") != 1:
        need.append("targ")
    # Source detection alone needs no position (swifttools' RequestJob.md: RA/Dec mean nothing for it).
    if values.get("getCoords") != 1 and products != (Product.SOURCE_DET,):
        need += ["RA", "Dec"]
    if Product.LIGHT_CURVE in products or Product.SPECTRUM in products:
        need.append("cent")
    if values.get("cent") == 1:
        need.append("poserr")
    return need


def _needed_for_light_curve(values: Mapping[str, Any]) -> list[str]:
    """The binning method, what counts binning needs, and the observations of a user selection."""
    need = ["binMeth"]
    if values.get("binMeth") == "counts":
        need += ["pccounts", "wtcounts", "dynamic"]
    if values.get("lcobs") == "user":
        need.append("uselcobs")
    return need


def _needed_for_spectrum(values: Mapping[str, Any]) -> list[str]:
    """The redshift flag (and value), a user selection's observations, user time slices in pairs."""
    need = ["specz"]
    if values.get("specz") == 1:
        need.append("zval")
    if values.get("specobs") == "user":
        need.append("usespecobs")
    if values.get("timeslice") == "user":
        need += ["rname1", "gti1"]
        for n in range(2, 5):
            if f"rname{n}" in values:
                need.append(f"gti{n}")
            elif f"gti{n}" in values:
                need.append(f"rname{n}")
    return need


def _cross_checks(values: Mapping[str, Any], products: tuple[Product, ...]) -> list[str]:
    """Rules linking parameters: the energy bands must lie inside the main band (docs/protocol.md §16)."""
    problems: list[str] = []
    if Product.LIGHT_CURVE not in products:
        return problems

    def num(name: str) -> float:
        par = _BY_NAME[name]
        return float(values[name]) if name in values else float(par.default)

    minen, maxen = num("minen"), num("maxen")
    if minen >= maxen:
        problems.append(f"maxen is {php_number(maxen)}, but must be greater than minen ({php_number(minen)})")
    for lo_name, hi_name in (("soft1", "soft2"), ("hard1", "hard2")):
        lo, hi = num(lo_name), num(hi_name)
        if lo < minen:
            problems.append(
                f"{lo_name} is {php_number(lo)}, but must be at least minen ({php_number(minen)})"
            )
        if hi > maxen:
            problems.append(f"{hi_name} is {php_number(hi)}, but must be at most maxen ({php_number(maxen)})")
        if lo >= hi:
            problems.append(
                f"{hi_name} is {php_number(hi)}, but must be greater than {lo_name} ({php_number(lo)})"
            )
    return problems


def resolve_derived(values: dict[str, Any], resolver: NameResolver) -> None:
    """Apply ``getCoords``, ``getTargs`` and ``getT0``: derived values override supplied ones.

    Raises :class:`ResolutionError` with the service's message when a value cannot be derived.
    """
    name = str(values["name"])
    if values.get("getCoords") == 1:
        coords = resolver.coordinates(name)
        if coords is None:
            raise ResolutionError(
                f"Could not resolve the name `{name}` into coordinates; supply RA and Dec, or check the name."
            )
        values["RA"], values["Dec"] = f"{coords[0]:.4f}", f"{coords[1]:.4f}"
    if "RA" not in values or "Dec" not in values:  # source detection alone needs no position
        if values.get("getTargs") != 1 and values.get("getT0") != 1:
            return
        known = resolver.coordinates(name)
        if known is None:
            raise ResolutionError(
                f"Could not find targetIDs or T0 for `{name}` without a position; supply RA and Dec, or "
                "targ and T0."
            )
        values.setdefault("RA", f"{known[0]:.4f}")
        values.setdefault("Dec", f"{known[1]:.4f}")
    ra, dec = float(values["RA"]), float(values["Dec"])
    if values.get("getTargs") == 1:
        targets = resolver.targets(name, ra, dec)
        if not targets:
            raise ResolutionError(
                f"No Swift targetIDs match the name `{name}` at RA={php_number(ra)}, Dec={php_number(dec)}; "
                "supply targ instead."
            )
        values["targ"] = ",".join(targets)
    if values.get("getT0") == 1:
        values["Tstart"] = resolver.t0(name, ra, dec)


def _echo(par: WireParameter | None, value: Any) -> Any:
    if par is not None and par.echo is Echo.STRING and not isinstance(value, str):
        return php_number(value)
    return value


def build_job_pars(
    submission: Submission,
    *,
    job_id: int,
    envelope: Mapping[str, Any],
) -> dict[str, Any]:
    """The ``jobPars`` the service returns: envelope keys, what was supplied, then defaults and internals.

    Types mimic the examples (some numbers as strings, flags as 0/1). ``envelope`` holds the request's
    ``api_name``/``api_version``/``UserID`` as sent.
    """
    values = submission.values
    scopes = _active_scopes(submission.products)
    pars: dict[str, Any] = {key: envelope[key] for key in REQUEST_ENVELOPE_KEYS if key in envelope}
    for name in submission.order:
        if name in values:
            pars[name] = _echo(_BY_NAME.get(name), values[name])
    for name in ("RA", "Dec", "targ", "Tstart"):  # derived values may not have been supplied
        if name in values and name not in pars:
            pars[name] = _echo(_BY_NAME[name], values[name])
    cent = values.get("cent") == 1
    for par in WIRE_PARAMETERS:
        if par.name in pars or not par.has_default or not scopes.intersection(par.scope):
            continue
        if par.name in ("centMeth", "maxCentTries") and not cent:
            continue
        default = par.default
        if par.name == "hrbin":
            default = 1 if values.get("binMeth") == "time" else 0
        pars[par.name] = list(default) if isinstance(default, list) else default
    if values.get("binMeth") == "time" and pars.get("hrbin") == 0:
        for name, default in _HR_BIN_DEFAULTS:
            pars.setdefault(name, default)
    for key, value in _INTERNAL_ECHO:
        pars.setdefault(key, value)
    pars.setdefault("outdir", f"USERPROD_{job_id}")
    return pars
