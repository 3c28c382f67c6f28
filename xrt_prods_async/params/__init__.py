"""Parameter models of the XRT product service: the request, its globals and one model per product.

Every parameter is a field whose declaration carries its wire key and swifttools name; the models accept
any of the three spellings, validate everything at construction (one
:class:`~xrt_prods_async._errors.InvalidRequestError` listing every problem), encode to the exact submit
body (:meth:`JobRequest.to_wire`) and decode the service's echo (:meth:`JobRequest.from_job_pars`).
"""

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
