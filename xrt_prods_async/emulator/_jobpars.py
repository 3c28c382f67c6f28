"""Reading a job's ``jobPars`` the tolerant way: numbers as strings, 0/1 flags, legacy codes, brace lists.

The service echoes parameters with mixed types (``"20"``, ``20``, ``"2SXPS"``, ``"{000…,000…}"``), and old
clients send numeric codes for enumerations. The science only needs clean values, so each helper takes the raw
mapping, a wire key and a default, and never raises: a value it cannot read counts as absent.
"""

from __future__ import annotations

import math
import re
from collections.abc import Mapping, Sequence
from typing import Any

from ._sky import Snapshot

_TRUE_WORDS = {"1", "yes", "true", "y", "on"}
_FALSE_WORDS = {"", "0", "no", "false", "n", "off", "none"}


def number(pars: Mapping[str, Any], key: str, default: float) -> float:
    """``pars[key]`` as a finite float (``"2.51"`` and ``2.51`` alike), else ``default``."""
    value = pars.get(key)
    if isinstance(value, bool):
        return float(value)
    try:
        result = float(str(value).strip()) if value is not None else default
    except ValueError:
        return default
    return result if math.isfinite(result) else default


def flag(pars: Mapping[str, Any], key: str, default: bool = False) -> bool:
    """``pars[key]`` as a yes/no: 1, "1", "yes", True are yes; 0, "0", "no" are no.

    Any other non-empty text is yes (the old server echoed ``useSXPS`` as the catalogue name, ``"2SXPS"``).
    """
    value = pars.get(key)
    if value is None:
        return default
    if isinstance(value, bool | int | float):
        return bool(value)
    text = str(value).strip().lower()
    if text in _TRUE_WORDS:
        return True
    if text in _FALSE_WORDS:
        return False
    try:
        return float(text) != 0
    except ValueError:
        return True


def text(pars: Mapping[str, Any], key: str, default: str = "") -> str:
    """``pars[key]`` as stripped text, else ``default``."""
    value = pars.get(key)
    if value is None:
        return default
    return str(value).strip()


def choice(
    pars: Mapping[str, Any],
    key: str,
    options: Sequence[str],
    default: str,
    codes: Mapping[int, str] | None = None,
) -> str:
    """``pars[key]`` lower-cased when it is one of ``options``; a legacy numeric code mapped by ``codes``."""
    raw = text(pars, key).lower()
    if raw in options:
        return raw
    if codes:
        try:
            return codes.get(int(float(raw)), default)
        except (ValueError, OverflowError):
            pass
    return default


def word_list(value: Any) -> list[str]:
    """Names from a JSON array, or from text such as ``"powerlaw,apec"`` or ``"['APEC']"``."""
    if isinstance(value, list | tuple):
        items = [str(v) for v in value]
    elif value is None:
        return []
    else:
        items = re.findall(r"[A-Za-z][A-Za-z0-9_]*", str(value))
    return [i.strip() for i in items if i.strip()]


def target_list(value: Any) -> tuple[str, ...]:
    """TargetIDs from ``"00966554"``, ``"{00010873,00010907}"`` or a list; zero-padded to 8 digits."""
    if value is None:
        return ()
    items = value if isinstance(value, list | tuple) else re.split(r"[,\s{}]+", str(value))
    out: list[str] = []
    for item in items:
        digits = str(item).strip()
        if digits.isdigit() and digits.lstrip("0") != "":
            out.append(digits.zfill(8)[-8:])
    return tuple(out)


def _ranges_and_obsids(spec: str, zero: float) -> tuple[set[str], list[tuple[float, float]]]:
    """Split a ``use*obs`` value into obsIDs and time ranges (``zero`` subtracted from the times)."""
    obsids: set[str] = set()
    ranges: list[tuple[float, float]] = []
    for item in re.split(r"[,\s]+", spec.strip()):
        if not item:
            continue
        if item.isdigit():
            obsids.add(item.zfill(11))
            continue
        match = re.fullmatch(r"([+-]?\d+(?:\.\d*)?)-([+-]?\d+(?:\.\d*)?)", item)
        if match:
            a, b = float(match.group(1)), float(match.group(2))
            ranges.append((min(a, b) - zero, max(a, b) - zero))
    return obsids, ranges


def time_ranges(spec: str, zero: float) -> list[tuple[float, float]]:
    """The ``start-stop`` ranges of a time-range list (``gti1``) minus ``zero``; unreadable items skipped."""
    return _ranges_and_obsids(spec, zero)[1]


def select_windows(
    plan: Sequence[Snapshot],
    how: str,
    *,
    use_obs: str = "",
    hours: float = 12.0,
    zero: float = 0.0,
) -> tuple[Snapshot, ...]:
    """The snapshots a product uses: ``all``; the first ``hours`` hours; or ``user`` obsIDs/time ranges.

    A time range's values minus ``zero`` are plan times (the plan's T0 when ranges are Swift MET); snapshots
    are clipped to the ranges. An empty selection means the product has no data.
    """
    if not plan:
        return ()
    if how == "hours":
        limit = min(s.start for s in plan) + max(hours, 0.0) * 3600.0
        return tuple(Snapshot(s.obsid, s.mode, s.start, min(s.stop, limit)) for s in plan if s.start < limit)
    if how == "user":
        obsids, ranges = _ranges_and_obsids(use_obs, zero)
        chosen: list[Snapshot] = []
        for s in plan:
            if s.obsid in obsids:
                chosen.append(s)
                continue
            for a, b in ranges:
                lo, hi = max(a, s.start), min(b, s.stop)
                if hi > lo:
                    chosen.append(Snapshot(s.obsid, s.mode, lo, hi))
        return tuple(sorted(chosen, key=lambda s: s.start))
    return tuple(plan)
