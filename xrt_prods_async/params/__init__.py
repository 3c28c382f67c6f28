"""Parameter models of the XRT product service: the request, its globals and one model per product.

Every parameter is one field whose declaration (:func:`._fields.param`) carries its wire key, its
swifttools name and its rules' facts; everything else is derived from that line. Building any model runs
the same pipeline (:meth:`ParamModel._prepare`), in these steps:

1. **Resolve names** (:meth:`ParamModel._resolve`): each keyword — Python name, swifttools name, wire key,
   alias, or deprecated name (with a warning) — to the field it names (tables: :class:`._naming.Names`).
2. **Check rules** (:meth:`ParamModel._check`, :mod:`._checks`): types and allowed values, then the
   triggers (:class:`._checks.Trigger`: ``targ`` sets ``get_targs=False``...), then the cross-field rules
   written on each model (``_rules``: required-if, dependencies, conflicts).
3. **Build products** (the request only, :class:`._build.ProductBuilder`): each product runs steps 1 and
   2 on its own parameters, given one value for each wire key several places can set (the position
   options, also accepted as request globals, and ``srcrad``) and the request's naming style.
4. **Encode / decode** (:mod:`._codec`): :meth:`JobRequest.to_wire` writes the exact submit body;
   :meth:`JobRequest.from_job_pars` reads the service's echo (:mod:`._decoding`) and runs steps 1-3.

Every problem any step finds is collected and raised at once, in one
:class:`~xrt_prods_async._errors.InvalidRequestError` naming each parameter as the user wrote it.
"""

from typing import TYPE_CHECKING

from xrt_prods_async._lazy import lazy_names

if TYPE_CHECKING:
    from ._base import ParamModel, ProductModel
    from ._fields import Param
    from ._globals import Globals
    from ._image import Image
    from ._light_curve import LightCurve
    from ._positions import AstromPos, EnhancedPos, PositionOptions, StandardPos
    from ._request import JobRequest
    from ._source_det import SourceDet
    from ._spectrum import Spectrum

__all__ = [
    "AstromPos",
    "EnhancedPos",
    "Globals",
    "Image",
    "JobRequest",
    "LightCurve",
    "Param",
    "ParamModel",
    "PositionOptions",
    "ProductModel",
    "SourceDet",
    "Spectrum",
    "StandardPos",
]

if not TYPE_CHECKING:
    __getattr__, __dir__ = lazy_names(
        __name__,
        {
            "._base": ("ParamModel", "ProductModel"),
            "._fields": ("Param",),
            "._globals": ("Globals",),
            "._image": ("Image",),
            "._light_curve": ("LightCurve",),
            "._positions": ("AstromPos", "EnhancedPos", "PositionOptions", "StandardPos"),
            "._request": ("JobRequest",),
            "._source_det": ("SourceDet",),
            "._spectrum": ("Spectrum",),
        },
    )
