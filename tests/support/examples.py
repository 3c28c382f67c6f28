"""The documented request and reply bodies of the service, kept as test data in ``tests/data/examples``."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

DATA_DIR = Path(__file__).resolve().parents[1] / "data"
EXAMPLES_DIR = DATA_DIR / "examples"


def load_example(name: str) -> Any:
    """The parsed JSON of one example body, by file name."""
    return json.loads((EXAMPLES_DIR / name).read_text(encoding="utf-8"))
