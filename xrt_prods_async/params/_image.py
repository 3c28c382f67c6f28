"""The image product (wire flag ``image``): docs/parameters.md §7."""

from __future__ import annotations

from collections.abc import Iterator, Mapping
from typing import Annotated, Any, ClassVar, Literal

from pydantic import BeforeValidator

from xrt_prods_async._products import Product

from ._base import ProductModel
from ._checks import DROP, Issue, Trigger
from ._fields import OBS_WITH_ALL, Kind, Lower, Text, param, value_error
from ._naming import Namer

__all__ = ["Image"]

ImData = Annotated[Literal["all", "user"], Lower]


def _bands(value: Any) -> Any:
    """A comma-separated list of ``lo-hi`` energy bands in keV, each with lo < hi."""
    if not isinstance(value, str):
        return value  # the str check reports it
    for band in value.split(","):
        lo, sep, hi = band.strip().partition("-")
        try:
            ok = bool(sep) and 0 <= float(lo) < float(hi)
        except ValueError:
            ok = False
        if not ok:
            raise value_error(
                "must be comma-separated energy bands 'lo-hi' in keV with lo < hi, e.g. '0.3-10,0.3-1.5'; "
                f"{band!r} is not one"
            )
    return value


Bands = Annotated[Text, BeforeValidator(_bands), Kind("text")]


class Image(ProductModel):
    """Parameters of an image: its energy bands and which observations to use."""

    product: ClassVar[Product] = Product.IMAGE

    energies: Bands | None = param(
        "imen",
        "energies",
        "Energy bands of the images, keV",
        server_default="0.3-10,0.3-1.5,1.51-10",
        stricter=(
            "each band must read 'lo-hi' with 0 ≤ lo < hi; a band the service cannot read would fail the "
            "image"
        ),
    )
    which_data: ImData | None = param(
        "imobs",
        "whichData",
        "Which observations to use: 'all', or 'user' for those in use_obs",
        server_default="all",
    )
    use_obs: Text | None = param(
        "useimobs",
        "useObs",
        "Observations to use: obsIDs or 'start-stop' ranges, as one string",
        stricter=OBS_WITH_ALL,
    )

    _TRIGGERS: ClassVar[tuple[Trigger, ...]] = (
        Trigger("use_obs", {"which_data": "user"}),
        Trigger("which_data", {"use_obs": DROP}, equals="all"),
    )

    @classmethod
    def _rules(cls, v: Mapping[str, Any], name: Namer) -> Iterator[Issue]:
        if v["which_data"] == "user":
            yield from cls._needs(v, name, "which_data", ("use_obs",))
