"""Facts of the wire protocol that both the client and the emulator need: paths, versions, codes.

Everything here is a constant of the service (docs/protocol.md §2, §3, §7, §8, §9, §15); the client and the
emulator each read it, neither owns it.
"""

from __future__ import annotations

import enum

#: The real service; every client and command takes another base URL.
DEFAULT_BASE_URL = "https://www.swift.ac.uk/user_objects"

#: Sent as ``api_name`` in every call (docs/protocol.md §3.1).
API_NAME = "xrt_prods"

#: The API version this package speaks: the current light-curve and spectrum layouts (≥ 1.10).
API_VERSION = "1.12"

#: The UKSSDC main API that rebins light curves (docs/protocol.md §15). It is a sibling of the service root,
#: so its URL is the base URL's parent plus this path: ``https://www.swift.ac.uk/user_objects`` ->
#: ``https://www.swift.ac.uk/API/main.php``.
MAIN_API_PATH = "API/main.php"

#: The real main API (swifttools posts to this fixed URL).
DEFAULT_MAIN_API_URL = "https://www.swift.ac.uk/API/main.php"

#: The ``APIVersion`` swifttools sends to the main API: the version of its ukssdc component, not of xrt_prods.
MAIN_API_VERSION = "1.0.5"

#: Formats the service offers for product archives.
ARCHIVE_FORMATS: tuple[str, ...] = ("tar.gz", "tar", "zip")

#: Name of the archive that holds every product of a job.
ALL_ARCHIVE_STEM = "all"


class Endpoint(enum.StrEnum):
    """Paths of the API calls, relative to the base URL (``.../user_objects``)."""

    SUBMIT = "run_userobject.php"
    CANCEL = "canceljob.php"
    STATUS = "checkProductStatus.php"
    NUM_JOBS = "getNumJobs.php"
    OLD_JOBS = "listOldJobs.php"
    OLD_PRODUCT = "getOldProduct.php"
    PSF_POS = "tprods/getPSFPos.php"
    ENH_POS = "tprods/getEnhPos.php"
    ASTROM_POS = "tprods/getAstromPos.php"
    #: The astrometric-position path used by clients up to 1.9; the server still answers it.
    ASTROM_POS_OLD = "tprods/getXastromPos.php"
    SOURCE_LIST = "tprods/getSourceDetResults.php"
    LC_DATA = "tprods/getLCData.php"
    SPEC_DATA = "tprods/getSpecData.php"

    @property
    def idempotent(self) -> bool:
        """True when repeating the call cannot change anything on the server (safe to retry)."""
        return self not in (Endpoint.SUBMIT, Endpoint.CANCEL)


class MainApiFunction(enum.StrEnum):
    """``APIFunc`` values of the main API's rebinning calls (docs/protocol.md §15)."""

    REBIN = "rebinLightCurve"
    REBIN_STATUS = "checkRebinStatus"
    CANCEL_REBIN = "cancelRebin"
    DOWNLOAD_LIGHT_CURVE = "downloadLightCurve"

    @property
    def idempotent(self) -> bool:
        """True when repeating the call cannot change anything on the server (safe to retry)."""
        return self not in (MainApiFunction.REBIN, MainApiFunction.CANCEL_REBIN)


class LightCurveType(enum.StrEnum):
    """``type`` of the object a main-API light-curve call names (docs/protocol.md §15)."""

    #: ``rebinLightCurve``: the light curve of an xrt_prods job; ``objectID`` is its JobID.
    USER_OBJECT = "UOB_LC"
    #: ``downloadLightCurve``: the result of a rebin; ``objectID`` is the rebin's JobID.
    REBIN = "REBIN_LC"


class StatusCode(enum.IntEnum):
    """Per-product status codes of ``checkProductStatus.php`` (docs/protocol.md §7.2)."""

    #: Invented by clients when a reply lacks a product it asked for; never sent by the server.
    NOT_RETURNED = -10
    CANCELLED = -4
    NO_PRODUCT = -3
    QUEUE_FAILED = -2
    REQUEST_FAILED = -1
    REQUESTED = 1
    QUEUED = 2
    RUNNING = 3
    COMPLETE = 4
    #: Astrometric position only: waiting for the standard position.
    WAITING_FOR_PSF = 5

    @property
    def finished(self) -> bool:
        """Finished means the product will not change again: complete or failed (5 is not finished)."""
        return self < 0 or self is StatusCode.COMPLETE

    @property
    def failed(self) -> bool:
        """Negative codes: the product will never be made."""
        return self < 0


class CancelCode(enum.IntEnum):
    """Per-product outcome codes of ``canceljob.php`` (docs/protocol.md §8)."""

    CANCELLED = 0
    ALREADY_FINISHED = 1
    NO_SUCH_PRODUCT = 2
    UNKNOWN_REASON = 3
    OUTCOME_UNKNOWN = 4


class ProgressStepStatus(enum.IntEnum):
    """``StepStatus`` of a progress step (docs/protocol.md §7.3)."""

    NOT_REACHED = 0
    ACTIVE = 1
    DONE = 2


class GotProgress(enum.IntEnum):
    """``GotProgress`` of a progress object (docs/protocol.md §7.3)."""

    NOT_REQUESTED = 0
    RETURNED = 1
    UNAVAILABLE = 2


#: Labels the service uses to group parameter problems in ``listErr`` (docs/protocol.md §4.1).
LISTERR_MISSING_LABEL = "The following parameters are needed, but were not supplied:"
LISTERR_INVALID_LABEL = "The following parameters have invalid values:"
PARAMETER_PROBLEMS_ERROR = "There were problems with the parameters you supplied."
