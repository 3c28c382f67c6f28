"""The files a spectral-fit reply names: each interval's data archive, each fit's plot (docs/protocol.md §13).

``getSpecData`` names them by URL (``<rname>.DataFile``, ``<rname>.<mode>.<model>.Image``); swifttools'
``saveSpectralData`` saves them under the URL's last path segment, data before plots, interval by interval,
and so does this. A name that could land outside the destination is refused, and so are two different URLs
that would be saved under the same name.
"""

from __future__ import annotations

import posixpath
from pathlib import Path
from urllib.parse import urlsplit

from xrt_prods_async._errors import ProtocolError

from ._download import FileFetch
from ._results import SpectralFits
from ._verify import kind_of

__all__ = ["spectral_file_plan"]


def _file_name(url: str) -> str:
    """The name a file at ``url`` is saved under: the last segment of its path as written (percent escapes
    kept, as swifttools keeps them), checked to be a plain name."""
    name = posixpath.basename(urlsplit(url).path)
    if name in ("", ".", "..") or any(c in name for c in "\\\0:"):
        raise ProtocolError(
            f"The spectral-fit reply names a file {name!r} ({url}) that cannot be saved safely", url=url
        )
    return name


def spectral_file_plan(fits: SpectralFits, dest: Path, *, images: bool, data: bool) -> list[FileFetch]:
    """The downloads that save ``fits``' data archives (``data``) and fit plots (``images``) into ``dest``."""
    plan: dict[str, FileFetch] = {}

    def add(url: str, what: str) -> None:
        name = _file_name(url)
        known = plan.get(name)
        if known is None:
            plan[name] = FileFetch(url, dest / name, what, kind_of(name))
        elif known.url != url:
            raise ProtocolError(
                f"The spectral-fit reply names two files {name!r}: {known.url} and {url}; "
                "they cannot both be saved under that name",
                url=url,
            )

    for rname, interval in fits.intervals.items():
        if data and interval.data_file:
            add(interval.data_file, f"the spectrum data of interval {rname!r}")
        if not images:
            continue
        for mode_name, mode in interval.modes.items():
            for model_name, fit in mode.models.items():
                if fit.image:
                    add(fit.image, f"the {model_name} fit plot of interval {rname!r} ({mode_name})")
    return list(plan.values())
