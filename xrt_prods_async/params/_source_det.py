"""The source-detection product (wire flag ``sourceDet``, since API 1.5): docs/parameters.md §8."""

from __future__ import annotations

from collections.abc import Iterator, Mapping
from typing import Annotated, Any, ClassVar, Literal

from xrt_prods_async._products import Product

from ._base import ProductModel
from ._checks import DROP, Issue, Trigger
from ._fields import OBS_WITH_ALL, Flag, Lower, Text, param
from ._naming import Namer

__all__ = ["SourceDet"]

DetData = Annotated[Literal["all", "user"], Lower]
Bands = Annotated[Literal["total", "all"], Lower]


class SourceDet(ProductModel):
    """Parameters of a source detection. ``which_data`` is required: 'all' can exceed the 12-hour job limit,
    so the choice is deliberate (swifttools insists on it too)."""

    product: ClassVar[Product] = Product.SOURCE_DET

    which_data: DetData | None = param(
        "detobs",
        "whichData",
        "Which observations to search: 'all', or 'user' for those in use_obs; required",
        default_note="'user' (raw API docs) or 'all' (Python docs)",
    )
    use_obs: Text | None = param(
        "usedetobs",
        "useObs",
        "Observations to search: obsIDs or 'start-stop' ranges, as one string",
        stricter=OBS_WITH_ALL,
    )
    which_bands: Bands | None = param(
        "detbands",
        "whichBands",
        "Bands to search: 'total', or 'all' for total, soft, medium and hard",
        server_default="total",
    )
    fit_stray_light: Flag | None = param(
        "fitStrayLight", "fitStrayLight", "Model stray light when needed", server_default=True
    )

    _TRIGGERS: ClassVar[tuple[Trigger, ...]] = (
        Trigger("use_obs", {"which_data": "user"}),
        Trigger("which_data", {"use_obs": DROP}, equals="all"),
    )

    @classmethod
    def _rules(cls, v: Mapping[str, Any], name: Namer) -> Iterator[Issue]:
        if v["which_data"] is None:
            yield Issue(
                "which_data",
                f"required: 'all' (may exceed the 12-hour job limit) or 'user' with {name('use_obs')}",
            )
        elif v["which_data"] == "user":
            yield from cls._needs(v, name, "which_data", ("use_obs",))
