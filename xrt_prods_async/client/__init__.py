"""The async client: ``XRTClient``, the ``Job`` handle, typed status and results, downloads, plotting."""

from typing import TYPE_CHECKING

from xrt_prods_async._lazy import lazy_names

if TYPE_CHECKING:
    from ._api import JobRef, ProgressCallback, XRTClient
    from ._cancel import CANCEL_NAMES, CancelOutcome, CancelResult, ProductCancel
    from ._download import archive_filename, verify_archive
    from ._env import ENV_BASE_URL, ENV_USER_ID
    from ._extract import extract
    from ._job import Job
    from ._plot import plot_light_curve
    from ._results import (
        DATASET_KINDS,
        NO_POSITION_REASON,
        UPPER_LIMIT_COLUMN,
        LightCurveData,
        LightCurveDataset,
        OldJob,
        Position,
        SourceList,
        SpectralFits,
        YesNoBoth,
    )
    from ._status import NOT_RETURNED_TEXT, STATUS_NAMES, JobStatus, ProductStatus

__all__ = [
    "CANCEL_NAMES",
    "DATASET_KINDS",
    "ENV_BASE_URL",
    "ENV_USER_ID",
    "NOT_RETURNED_TEXT",
    "NO_POSITION_REASON",
    "STATUS_NAMES",
    "UPPER_LIMIT_COLUMN",
    "CancelOutcome",
    "CancelResult",
    "Job",
    "JobRef",
    "JobStatus",
    "LightCurveData",
    "LightCurveDataset",
    "OldJob",
    "Position",
    "ProductCancel",
    "ProductStatus",
    "ProgressCallback",
    "SourceList",
    "SpectralFits",
    "XRTClient",
    "YesNoBoth",
    "archive_filename",
    "extract",
    "plot_light_curve",
    "verify_archive",
]

if not TYPE_CHECKING:
    __getattr__, __dir__ = lazy_names(
        __name__,
        {
            # Job through _api: _api imports _job at its end (Job is made from the finished XRTClient), so
            # _api must be imported first.
            "._api": ("Job", "JobRef", "ProgressCallback", "XRTClient"),
            "._cancel": ("CANCEL_NAMES", "CancelOutcome", "CancelResult", "ProductCancel"),
            "._download": ("archive_filename", "verify_archive"),
            "._env": ("ENV_BASE_URL", "ENV_USER_ID"),
            "._extract": ("extract",),
            "._plot": ("plot_light_curve",),
            "._results": (
                "DATASET_KINDS",
                "NO_POSITION_REASON",
                "UPPER_LIMIT_COLUMN",
                "LightCurveData",
                "LightCurveDataset",
                "OldJob",
                "Position",
                "SourceList",
                "SpectralFits",
                "YesNoBoth",
            ),
            "._status": ("NOT_RETURNED_TEXT", "STATUS_NAMES", "JobStatus", "ProductStatus"),
        },
    )
