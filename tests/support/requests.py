"""The request the tests submit most: GRB 200416A, as the documented examples ask for it."""

from __future__ import annotations

from typing import Any

from tests.support.params import PY_GLOBALS
from xrt_prods_async.params import JobRequest, LightCurve, StandardPos

#: The examples' light curve of GRB 200416A: binned by counts (20 PC, 30 WT), dynamically.
COUNTS_LIGHT_CURVE = LightCurve(bin_meth="counts", pc_counts=20, wt_counts=30, dynamic=True)


def grb_200416a(**products: Any) -> JobRequest:
    """GRB 200416A (target 00966554, its position, centroided, 1" error) with ``products`` by their Python
    names (``light_curve=...``); by default the counts-binned light curve and a standard position."""
    chosen = products or {"light_curve": COUNTS_LIGHT_CURVE, "standard_pos": StandardPos()}
    return JobRequest(**PY_GLOBALS, **chosen)
