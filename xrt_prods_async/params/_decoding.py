"""Reading a request back from the service's ``jobPars`` or from swifttools' ``getJSONDict()``.

The body is flat (PROTOCOL.md §5.1); each key is routed by its wire name — declared once on the model
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
from ._naming import suggest
from ._positions import PositionOptions

if TYPE_CHECKING:
    from ._request import JobRequest

__all__ = ["SERVER_INTERNAL_KEYS", "decode_request"]

#: Keys the service adds to ``jobPars`` that are not job parameters (PROTOCOL.md §5.2), plus the
#: envelope keys every call carries.
SERVER_INTERNAL_KEYS: frozenset[str] = META_KEYS | {"whatSXPS", "do3col", "enh", "outdir"}


def _blank(value: Any) -> bool:
    return value is None or (isinstance(value, str) and not value.strip())


def decode_request(
    cls: type[JobRequest], pars: Mapping[str, Any], *, server: bool, strict: bool
) -> JobRequest:
    """Build ``cls`` from a flat wire body; see :meth:`JobRequest.from_job_pars`."""
    context = "The job parameters could not be read"
    if not isinstance(pars, Mapping):
        raise InvalidRequestError(
            [Problem("jobPars", f"expected a JSON object; got {type(pars).__name__}")], context=context
        )
    slots = cls.slots()
    flags = {product.flag: product for product in slots}
    present = [flags[k] for k in pars if k in flags and is_truthy_flag(pars[k])]
    glob = cls.__xrt__
    # get* flag -> wire keys of what it derives (declared as ``derives`` on the flag's field). When the
    # service echoes both, the derived values are kept and the flag dropped, so that resubmitting repeats
    # the job (A0 reuse rule, PROTOCOL.md §5.2).
    derives = {
        glob.wire[name]: tuple(glob.wire[d] for d in cls.param_facts(name).derives)
        for name in glob.wire
        if cls.param_facts(name).derives
    }
    pos = PositionOptions.__xrt__
    has_position = bool(cls.position_products().intersection(present))

    problems: list[Problem] = []
    top: dict[str, Any] = {}
    parts: dict[Product, dict[str, Any]] = {p: {} for p in present}
    seen: dict[tuple[int, str], str] = {}

    def put(target: dict[str, Any], name: str, value: Any, key: str) -> None:
        """Store one decoded value; two wire spellings of one parameter must agree."""
        slot = (id(target), name)
        if slot in seen and target[name] != value:
            problems.append(
                Problem(key, f"conflicts with {seen[slot]!r}, another spelling of the same parameter")
            )
            return
        seen[slot] = key
        target[name] = value

    for key, value in pars.items():
        if not isinstance(key, str):
            problems.append(Problem(repr(key), "parameter names must be strings"))
            continue
        if key in flags or key in SERVER_INTERNAL_KEYS or _blank(value):
            continue
        derived = derives.get(key, ()) if server else ()
        if derived and is_truthy_flag(value) and all(not _blank(pars.get(k)) for k in derived):
            continue
        if key in glob.by_wire:
            name = glob.by_wire[key]
            put(top, glob.st_names[name], decode_value(cls.model_fields[name], value), key)
            continue
        if key in pos.by_wire:
            if has_position:
                name = pos.by_wire[key]
                put(top, pos.wire[name], decode_value(PositionOptions.model_fields[name], value), key)
            continue
        owners = [p for p in slots if key in slots[p][1].__xrt__.by_wire]
        for product in owners:
            if product in parts:
                model = slots[product][1]
                name = model.__xrt__.by_wire[key]
                if server and not model.param_facts(name).applies_to(pars):
                    continue  # echoed although meaningless for this job (e.g. hrbin with counts binning)
                put(
                    parts[product],
                    model.__xrt__.st_names[name],
                    decode_value(model.model_fields[name], value),
                    key,
                )
        if not owners and strict:
            known = [
                *glob.by_wire,
                *pos.by_wire,
                *flags,
                *(k for _, m in slots.values() for k in m.__xrt__.by_wire),
            ]
            problems.append(Problem(key, f"not a parameter of the service{suggest(key, known)}"))
    if problems:
        raise InvalidRequestError(problems, context=context)
    for product in present:
        top[product.long_name] = parts[product]
    prepared = cls._prepare(top, style="swifttools")
    if prepared.problems:
        raise InvalidRequestError(prepared.problems, context=context)
    return cls._from_prepared(prepared)
