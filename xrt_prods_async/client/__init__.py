"""The async client: ``XRTClient``, the ``Job`` and ``RebinJob`` handles, typed status and results, downloads,
rebinning, plotting."""

from typing import TYPE_CHECKING

from xrt_prods_async._lazy import lazy_names

if TYPE_CHECKING:
    from ._api import JobRef, ProgressCallback, RebinRef, XRTClient
    from ._cancel import CANCEL_NAMES, CancelOutcome, CancelResult, ProductCancel
    from ._download import Downloads, archive_filename, verify_archive
    from ._env import ENV_BASE_URL, ENV_MAIN_API_URL, ENV_USER_ID
    from ._extract import extract
    from ._job import Job
    from ._plot import plot_light_curve
    from ._rebin import NOT_REBINNABLE, Binning, RebinJob, RebinStatus
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
    "ENV_MAIN_API_URL",
    "ENV_USER_ID",
    "NOT_REBINNABLE",
    "NOT_RETURNED_TEXT",
    "NO_POSITION_REASON",
    "STATUS_NAMES",
    "UPPER_LIMIT_COLUMN",
    "Binning",
    "CancelOutcome",
    "CancelResult",
    "Downloads",
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
    "RebinJob",
    "RebinRef",
    "RebinStatus",
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
            "._api": ("JobRef", "ProgressCallback", "RebinRef", "XRTClient"),
            "._cancel": ("CANCEL_NAMES", "CancelOutcome", "CancelResult", "ProductCancel"),
            "._download": ("Downloads", "archive_filename", "verify_archive"),
            "._env": ("ENV_BASE_URL", "ENV_MAIN_API_URL", "ENV_USER_ID"),
            "._extract": ("extract",),
            "._job": ("Job",),
            "._plot": ("plot_light_curve",),
            "._rebin": ("NOT_REBINNABLE", "Binning", "RebinJob", "RebinStatus"),
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
        # The handles' methods are made from the finished XRTClient class: _api imports _job and _rebin at
        # its end, so it comes first.
        after={"._job": "._api", "._rebin": "._api"},
    )
