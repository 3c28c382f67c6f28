"""The wire protocol: endpoint paths, codes and the shapes of the service's replies."""

from .endpoints import (
    ALL_ARCHIVE_STEM,
    API_NAME,
    API_VERSION,
    ARCHIVE_FORMATS,
    DEFAULT_BASE_URL,
    CancelCode,
    Endpoint,
    GotProgress,
    ProgressStepStatus,
    StatusCode,
)

__all__ = [
    "ALL_ARCHIVE_STEM",
    "API_NAME",
    "API_VERSION",
    "ARCHIVE_FORMATS",
    "DEFAULT_BASE_URL",
    "CancelCode",
    "Endpoint",
    "GotProgress",
    "ProgressStepStatus",
    "StatusCode",
]
