"""Request files for the command-line tests, written as a user would write them."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

#: The globals of GRB 200416A in swifttools names, as a TOML request file starts.
GRB_GLOBALS_TOML = """\
name = "GRB 200416A"
targ = "00966554"
RA = 335.6985
Dec = -7.5179
centroid = true
posErr = 1
"""

#: Its counts-binned light curve and standard position, as TOML product tables.
LC_AND_POSITION_TOML = """
[LightCurve]
binMeth = "counts"
pcCounts = 20
wtCounts = 30
dynamic = true

[StandardPos]
"""

#: Every product but the image: spectrum, the three positions and source detection.
SCIENCE_TOML = """
[Spectrum]
hasRedshift = false

[StandardPos]
[EnhancedPos]
[AstromPos]

[SourceDet]
whichData = "all"
"""


def toml_request(folder: Path, products: str = LC_AND_POSITION_TOML, *, name: str = "grb.toml") -> Path:
    """A TOML request file: GRB 200416A's globals and ``products`` (TOML tables)."""
    path = folder / name
    path.write_text(GRB_GLOBALS_TOML + products, encoding="utf-8")
    return path


def json_request(folder: Path, body: Any, *, name: str = "request.json") -> Path:
    """A JSON request file holding ``body``."""
    path = folder / name
    path.write_text(json.dumps(body), encoding="utf-8")
    return path
