"""Reading a request back from the service's ``jobPars`` or from swifttools' ``getJSONDict()``.

The body is flat (docs/protocol.md §5.1); each key is routed by its wire name — declared once on the model
fields — to the globals, the shared position options or the product that owns it. Values are read with
:func:`~xrt_prods_async.params._codec.decode_value`, then the request is built in swifttools spelling, so
any problem names the parameter as swifttools users know it.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import TYPE_CHECKING, Any

from xrt_prods_async._errors import InvalidRequestError, Problem
from xrt_prods_async._products import Product

from ._codec import META_KEYS, decode_value, is_truthy_flag
from ._fields import TOO_DEEP, is_sendable, too_deep
from ._naming import short_repr, suggest
from ._positions import PositionOptions

if TYPE_CHECKING:
    from ._request import JobRequest

__all__ = ["SERVER_INTERNAL_KEYS", "decode_request"]

#: Keys the service adds to ``jobPars`` that are not job parameters (docs/protocol.md §5.2), plus the
#: envelope keys every call carries.
SERVER_INTERNAL_KEYS: frozenset[str] = META_KEYS | {"whatSXPS", "do3col", "enh", "outdir"}


_CONTEXT = "The job parameters could not be read"


def decode_request(
    cls: type[JobRequest], pars: Mapping[str, Any], *, server: bool, strict: bool
) -> JobRequest:
    """Build ``cls`` from a flat wire body; see :meth:`JobRequest.from_job_pars`.

    The body is read into the nested swifttools form (:class:`_BodyReader`), which then runs the
    request's own pipeline; a problem at either stage is raised at once with the others of that stage.
    """
    if not isinstance(pars, Mapping):
        raise InvalidRequestError(
            [Problem("jobPars", f"expected a JSON object; got {type(pars).__name__}")], context=_CONTEXT
        )
    reader = _BodyReader(cls, pars, server=server)
    top = reader.read(strict=strict)
    if reader.problems:
        raise InvalidRequestError(reader.problems, context=_CONTEXT)
    prepared = cls._prepare(top, style="swifttools")
    if prepared.problems:
        raise InvalidRequestError(prepared.problems, context=_CONTEXT)
    return cls._from_prepared(prepared)


class _BodyReader:
    """Reads a flat wire body into the swifttools form ``{globals..., "LightCurve": {...}, ...}``.

    Each key goes to the place its wire name belongs to: the globals, the position options (only when a
    position product is requested) or every requested product that holds it. With ``server`` (a
    ``jobPars`` echo) the service's own additions are left out: a ``get*`` flag whose derived values are
    echoed too, and values that mean nothing for this job.
    """

    def __init__(self, cls: type[JobRequest], pars: Mapping[str, Any], *, server: bool) -> None:
        self.cls = cls
        self.pars = pars
        self.server = server
        self.models = {product: model for product, (_, model) in cls.slots().items()}
        self.flags = {product.flag: product for product in self.models}
        present = [self.flags[k] for k in pars if k in self.flags and is_truthy_flag(pars[k])]
        self.parts: dict[Product, dict[str, Any]] = {p: {} for p in present}
        self.has_position = bool(cls.position_products().intersection(present))
        self.derives = _derived_keys(cls) if server else {}
        self.top: dict[str, Any] = {}
        self.problems: list[Problem] = []
        self._seen: dict[tuple[int, str], str] = {}

    def read(self, *, strict: bool) -> dict[str, Any]:
        """The request in swifttools form; unknown keys are problems when ``strict``."""
        for key, value in self.pars.items():
            if not isinstance(key, str) or not is_sendable(key):
                self.problems.append(Problem(short_repr(key), "parameter names must be strings of text"))
            elif too_deep(value):
                self.problems.append(Problem(key, TOO_DEEP))
            elif not self._skipped(key, value) and not self._route(key, value) and strict:
                self.problems.append(
                    Problem(key, f"not a parameter of the service{suggest(key, self._known(), 'wire')}")
                )
        for product, part in self.parts.items():
            self.top[product.long_name] = part
        return self.top

    def _skipped(self, key: str, value: Any) -> bool:
        """Product flags, the service's internal keys, blank values and a ``get*`` flag whose derived
        values are echoed too: kept, those values make resubmitting repeat the job (A0 reuse rule,
        docs/protocol.md §5.2)."""
        if key in self.flags or key in SERVER_INTERNAL_KEYS or _blank(value):
            return True
        derived = self.derives.get(key, ())
        return bool(derived) and is_truthy_flag(value) and all(not _blank(self.pars.get(k)) for k in derived)

    def _route(self, key: str, value: Any) -> bool:
        """Store one value where it belongs; ``False`` when no place of any request holds the key."""
        glob, pos = self.cls.__xrt__, PositionOptions.__xrt__
        if key in glob.by_wire:
            name = glob.by_wire[key]
            self._put(self.top, glob.st_names[name], decode_value(self.cls.model_fields[name], value), key)
            return True
        if key in pos.by_wire:
            if self.has_position:
                name = pos.by_wire[key]
                self._put(
                    self.top, pos.wire[name], decode_value(PositionOptions.model_fields[name], value), key
                )
            return True
        owners = [p for p, model in self.models.items() if key in model.__xrt__.by_wire]
        for product in owners:
            if product in self.parts:
                self._put_product(product, key, value)
        return bool(owners)

    def _put_product(self, product: Product, key: str, value: Any) -> None:
        model = self.models[product]
        name = model.__xrt__.by_wire[key]
        if self.server and not model.param_facts(name).applies_to(self.pars):
            return  # echoed although meaningless for this job (e.g. hrbin with counts binning)
        self._put(
            self.parts[product],
            model.__xrt__.st_names[name],
            decode_value(model.model_fields[name], value),
            key,
        )

    def _put(self, target: dict[str, Any], name: str, value: Any, key: str) -> None:
        """Store one decoded value; two wire spellings of one parameter must agree."""
        slot = (id(target), name)
        if slot in self._seen and target[name] != value:
            self.problems.append(
                Problem(key, f"conflicts with {self._seen[slot]!r}, another spelling of the same parameter")
            )
            return
        self._seen[slot] = key
        target[name] = value

    def _known(self) -> list[str]:
        """Every wire key of the service, for "did you mean"."""
        return [
            *self.cls.__xrt__.by_wire,
            *PositionOptions.__xrt__.by_wire,
            *self.flags,
            *(k for model in self.models.values() for k in model.__xrt__.by_wire),
        ]


def _derived_keys(cls: type[JobRequest]) -> dict[str, tuple[str, ...]]:
    """``get*`` flag -> wire keys of what it derives (declared as ``derives`` on the flag's field)."""
    glob = cls.__xrt__
    return {
        glob.wire[name]: tuple(glob.wire[d] for d in facts.derives)
        for name in glob.wire
        if (facts := cls.param_facts(name)).derives
    }


def _blank(value: Any) -> bool:
    return value is None or (isinstance(value, str) and not value.strip())
