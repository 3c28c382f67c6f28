"""The public face: what a user needs is importable from the top level, and the version is written once."""

from __future__ import annotations

from importlib.metadata import version

import xrt_prods_async


def test_every_exported_name_exists() -> None:
    missing = [name for name in xrt_prods_async.__all__ if not hasattr(xrt_prods_async, name)]
    assert missing == []
    assert len(set(xrt_prods_async.__all__)) == len(xrt_prods_async.__all__)


def test_what_a_user_needs_is_at_the_top_level() -> None:
    needed = {
        "XRTClient", "Job", "JobRequest", "LightCurve", "Spectrum", "StandardPos", "EnhancedPos", "AstromPos",
        "Image", "SourceDet", "StatusCode", "CancelCode", "Campaign", "CampaignOptions", "CampaignItem",
        "JobStatus", "Position", "SourceList", "LightCurveData", "SpectralFits", "CancelResult", "XRTError",
        "InvalidRequestError", "XRTWarning", "RetryPolicy", "Product",
    }  # fmt: skip
    assert needed <= set(xrt_prods_async.__all__)


def test_modules_behind_the_face_are_private() -> None:
    from pathlib import Path

    package = Path(xrt_prods_async.__file__).parent
    public = sorted(
        str(path.relative_to(package)) for path in package.rglob("*.py") if not path.name.startswith("_")
    )
    assert public == [], "modules of the package are private (_-prefixed) and re-exported by __init__"


def test_one_version() -> None:
    assert xrt_prods_async.__version__ == version("xrt_prods_async")
