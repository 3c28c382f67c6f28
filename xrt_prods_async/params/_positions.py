"""The three position products (flags ``dopsf``, ``doenh``, ``doxastrom``): docs/parameters.md §6.

They share one set of options — one wire key each — so a request holding several position products
gives all of them the same values (see :class:`~xrt_prods_async.params.JobRequest`). Name trap kept from
swifttools: on a position product ``centMeth`` is the *detection* method (wire ``detMeth``), while the
request's global ``centMeth`` is the *centroid* method.
"""

from __future__ import annotations

from collections.abc import Iterator, Mapping
from typing import Any, ClassVar, Literal

from xrt_prods_async._products import Product

from ._base import ProductModel
from ._checks import DROP, Issue, Trigger
from ._fields import NO_RANGE, OBS_WITH_ALL, Flag, Number, Text, param
from ._naming import Namer

__all__ = ["AstromPos", "EnhancedPos", "PositionOptions", "StandardPos"]

_OBS = "obsIDs (e.g. '00282445000,00282445001') or 'start-stop' ranges, as one string"


class PositionOptions(ProductModel):
    """The options every position product shares; the request also takes them as globals."""

    pos_radius: Number | None = param(
        "posRadius",
        "posRadius",
        "Search radius around the input position",
        unit="arcsec",
        server_default=20.0,
        stricter=NO_RANGE,
        gt=0,
    )
    which_data: Literal["all", "user", "hours"] | None = param(
        "posobs",
        "whichData",
        "Which observations to use: 'all', 'user' (those in use_obs) or 'hours' (inc_hours after the first); "
        "exact case",
        server_default="hours",
    )
    use_obs: Text | None = param("useposobs", "useObs", f"Observations to use: {_OBS}", stricter=OBS_WITH_ALL)
    inc_hours: Number | None = param(
        "posobstime",
        "incHours",
        "With which_data='hours': use data up to this long after the first selected observation",
        unit="hours",
        server_default=12.0,
        stricter=NO_RANGE,
        gt=0,
    )
    det_or_cent: Literal["detect", "centroid"] | None = param(
        "detornot",
        "detOrCent",
        "Find the source by detection or by centroiding",
        server_default="detect",
        # The raw-API examples send detornot as 1 (docs/protocol.md §18 item 7). Guess: 1 = detect (the
        # default), 0 = centroid.
        codes={"1": "detect", "0": "centroid"},
    )
    det_meth: Literal["simple", "iterative"] | None = param(
        "detMeth",
        "centMeth",
        "Detection method (swifttools calls it centMeth on the position products)",
        server_default="simple",
        # The raw-API examples send detMeth as 0 (docs/protocol.md §18 item 7). Guess: 0 = simple (the
        # default), 1 = iterative.
        codes={"0": "simple", "1": "iterative"},
    )

    _TRIGGERS: ClassVar[tuple[Trigger, ...]] = (
        Trigger("use_obs", {"which_data": "user"}),
        Trigger("which_data", {"use_obs": DROP}, equals="all"),
    )

    @classmethod
    def _rules(cls, v: Mapping[str, Any], name: Namer) -> Iterator[Issue]:
        if v["which_data"] == "user":
            yield from cls._needs(v, name, "which_data", ("use_obs",))
        # which_data='hours' needs no inc_hours: the service documents a default (12 hours).

    @classmethod
    def shared_fields(cls) -> tuple[str, ...]:
        """The option fields shared by the position products (and accepted as request globals)."""
        return tuple(PositionOptions.model_fields)


class StandardPos(PositionOptions):
    """A standard (PSF-fitted) position; all its parameters are the shared position options."""

    product: ClassVar[Product] = Product.STANDARD_POS


class EnhancedPos(PositionOptions):
    """An enhanced position (astrometry corrected with UVOT); all its parameters are the shared options."""

    product: ClassVar[Product] = Product.ENHANCED_POS


class AstromPos(PositionOptions):
    """An astrometric position (the service also builds the standard position it needs)."""

    product: ClassVar[Product] = Product.ASTROM_POS

    use_all_obs: Flag | None = param(
        "allxastrom",
        "useAllObs",
        "Use every observation for the astrometric position, whatever which_data says",
        server_default=False,
    )
