"""xrt_prods_async: an asyncio client, a throttled campaign scheduler and a local emulator for the
Swift-XRT product-building service of the UK Swift Science Data Centre."""

from .errors import (
    ConfigurationError,
    DownloadError,
    InvalidRequestError,
    JobLimitError,
    JobTimeoutError,
    NotOwnerError,
    Problem,
    ProblemGroup,
    ProductNotReadyError,
    ProtocolError,
    RequestTimeoutError,
    ServerError,
    ServerRefusedError,
    ServiceUnavailableError,
    SubmitUncertainError,
    TransportError,
    UnknownUserError,
    XRTError,
)
from .products import ALL_PRODUCTS, Product

__version__ = "0.1.0"

__all__ = [
    "ALL_PRODUCTS",
    "ConfigurationError",
    "DownloadError",
    "InvalidRequestError",
    "JobLimitError",
    "JobTimeoutError",
    "NotOwnerError",
    "Problem",
    "ProblemGroup",
    "Product",
    "ProductNotReadyError",
    "ProtocolError",
    "RequestTimeoutError",
    "ServerError",
    "ServerRefusedError",
    "ServiceUnavailableError",
    "SubmitUncertainError",
    "TransportError",
    "UnknownUserError",
    "XRTError",
    "__version__",
]
