"""Typed science results: positions, source lists, light curves and spectral fits, as numbers not strings.

The shapes come from the wire models (``xrt_prods_async.wire._replies``); these subclasses add what a user
needs: table access, ``to_pandas()`` / ``to_astropy()`` (behind the ``pandas`` / ``astropy`` extras) and
names that read well in a notebook.
"""

from __future__ import annotations

import re
from collections.abc import Mapping
from typing import TYPE_CHECKING, Any, Literal

from pydantic import BaseModel, ConfigDict, Field

from xrt_prods_async._products import Product
from xrt_prods_async.wire._replies import (
    LightCurveDatasetReply,
    LightCurveReply,
    OldJobEntry,
    PositionReply,
    SourceListReply,
    SourceRow,
    SpecDataReply,
)

if TYPE_CHECKING:  # pragma: no cover - typing only
    import pandas
    from astropy.table import Table

__all__ = [
    "NO_POSITION_REASON",
    "LightCurveData",
    "LightCurveDataset",
    "OldJob",
    "Position",
    "SourceList",
    "SpectralFits",
    "YesNoBoth",
    "yes_no_both",
]

#: Reason given when the service computed no position (``GotPos`` = 0), as swifttools words it.
NO_POSITION_REASON = "No position could be determined."

#: ``nosys`` / ``incbad`` choices of ``getLCData``: False/"no", True/"yes", or "both" variants.
YesNoBoth = bool | Literal["yes", "no", "both"]

#: The history entry of one job (``listOldJobs``): id, name, UTC submission time, products, downloadable.
OldJob = OldJobEntry


def yes_no_both(name: str, value: YesNoBoth) -> str:
    """The wire value (``"yes"``/``"no"``/``"both"``) of a light-curve option; a clear error otherwise."""
    if value is True:
        return "yes"
    if value is False:
        return "no"
    if isinstance(value, str) and value.lower() in ("yes", "no", "both"):
        return value.lower()
    raise ValueError(f"{name} must be True, False or 'both' (or 'yes'/'no'), got {value!r}")


def _require(module: str, extra: str, feature: str) -> Any:
    import importlib

    try:
        return importlib.import_module(module)
    except ImportError:
        raise ImportError(
            f"{feature} needs {module.split('.')[0]}, which is not installed: "
            f"pip install 'xrt_prods_async[{extra}]'"
        ) from None


class Position(BaseModel):
    """A position from a job: RA/Dec (deg, J2000) and 90% error radius (arcsec), or ``found=False``.

    ``from_sxps`` / ``which_sxps``: the standard and astrometric positions are copied from the SXPS
    catalogue when the source is in it and the data set matches. ``reason`` says why there is no position.
    """

    model_config = ConfigDict(frozen=True)

    product: Product
    found: bool
    ra: float | None = None
    dec: float | None = None
    err90: float | None = None
    from_sxps: bool = False
    which_sxps: str | None = None
    reason: str | None = None

    @classmethod
    def from_reply(cls, product: Product, reply: PositionReply) -> Position:
        """Build from a position reply; ``GotPos`` = 0 gives ``found=False`` with the reason."""
        if not reply.got_pos:
            return cls(product=product, found=False, reason=NO_POSITION_REASON)
        return cls(
            product=product,
            found=True,
            ra=reply.ra,
            dec=reply.dec,
            err90=reply.err90,
            from_sxps=bool(reply.from_sxps),
            which_sxps=reply.which_sxps if reply.from_sxps else None,
        )

    def __str__(self) -> str:
        if not self.found:
            return f"{self.product.label}: no position ({self.reason})"
        source = f" (from {self.which_sxps or 'SXPS'})" if self.from_sxps else ""
        return f'{self.product.label}: RA {self.ra:.5f}, Dec {self.dec:+.5f}, err90 {self.err90:.1f}"{source}'


class SourceList(SourceListReply):
    """Detected sources per band (``Total``; ``Soft``/``Medium``/``Hard`` when all bands were searched)."""

    def __getitem__(self, band: str) -> tuple[SourceRow, ...]:
        return self.bands[band]

    def __len__(self) -> int:
        return sum(len(rows) for rows in self.bands.values())

    @property
    def total(self) -> tuple[SourceRow, ...]:
        """Sources of the ``Total`` band (empty if it was not searched)."""
        return self.bands.get("Total", ())

    def to_pandas(self, band: str = "Total") -> pandas.DataFrame:
        """One band as a pandas DataFrame (needs the ``pandas`` extra)."""
        pd = _require("pandas", "pandas", "SourceList.to_pandas()")
        return pd.DataFrame([row.values for row in self.bands.get(band, ())])

    def to_astropy(self, band: str = "Total") -> Table:
        """One band as an astropy Table (needs the ``astropy`` extra)."""
        table = _require("astropy.table", "astropy", "SourceList.to_astropy()")
        return table.Table(rows=[row.values for row in self.bands.get(band, ())] or None)


_DATASET_NAME = re.compile(
    r"^(?P<mode>WT|PC)(?P<kind>UL|Hard|Soft|HR)?(?P<nosys>_nosys)?(?P<incbad>_incbad)?$"
)


class LightCurveDataset(LightCurveDatasetReply):
    """One light-curve dataset (``PC``, ``WTUL``, ``PCHR_incbad``...): columns, rows of floats, QDP URL.

    ``name`` follows ``{mode}{kind}{_nosys}{_incbad}``; ``kind`` is ``""`` (count rates), ``UL`` (upper
    limits), ``Hard``, ``Soft`` or ``HR`` (hardness ratio).
    """

    def _part(self, group: str) -> str | None:
        match = _DATASET_NAME.match(self.name)
        return match.group(group) if match else None

    @property
    def mode(self) -> str | None:
        """``WT`` or ``PC`` (None for a name outside the documented grammar)."""
        return self._part("mode")

    @property
    def kind(self) -> str:
        """``""`` (rates), ``UL``, ``Hard``, ``Soft`` or ``HR``."""
        return self._part("kind") or ""

    @property
    def is_upper_limit(self) -> bool:
        """True for upper-limit datasets (``...UL...``), whose rate column holds 3-sigma limits."""
        return self.kind == "UL"

    @property
    def nosys(self) -> bool:
        """True for the variant with the WT systematic error removed."""
        return self._part("nosys") is not None

    @property
    def incbad(self) -> bool:
        """True for the variant including bins whose centroid could not be verified."""
        return self._part("incbad") is not None

    def __len__(self) -> int:
        return len(self.rows)

    def column(self, name: str) -> list[float | str]:
        """All values of one column; for upper limits ``UpperLimit`` and ``Rate`` name the same column."""
        columns = list(self.columns)
        if name not in columns and name == "UpperLimit" and "Rate" in columns:
            name = "Rate"
        elif name not in columns and name == "Rate" and "UpperLimit" in columns:
            name = "UpperLimit"
        if name not in columns:
            raise KeyError(
                f"dataset {self.name or '?'} has no column {name!r}; columns: {', '.join(columns)}"
            )
        index = columns.index(name)
        return [row[index] for row in self.rows]

    def to_pandas(self) -> pandas.DataFrame:
        """The dataset as a pandas DataFrame (needs the ``pandas`` extra)."""
        pd = _require("pandas", "pandas", "LightCurveDataset.to_pandas()")
        return pd.DataFrame([list(r) for r in self.rows], columns=list(self.columns))

    def to_astropy(self) -> Table:
        """The dataset as an astropy Table, named after the dataset (needs the ``astropy`` extra)."""
        table = _require("astropy.table", "astropy", "LightCurveDataset.to_astropy()")
        if not self.rows:
            return table.Table(names=list(self.columns), meta={"name": self.name, "url": self.url})
        data = [list(col) for col in zip(*self.rows, strict=True)]
        return table.Table(data, names=list(self.columns), meta={"name": self.name, "url": self.url})


class LightCurveData(LightCurveReply):
    """Light-curve data of a job: datasets by name, binning, time format (``MET``/``MJD``/``TDB``), T0.

    For ``MET`` times the ``Time`` column is seconds since ``t0`` (Swift MET).
    """

    datasets: Mapping[str, LightCurveDataset] = Field(default_factory=dict)

    def __getitem__(self, name: str) -> LightCurveDataset:
        return self.datasets[name]

    @property
    def urls(self) -> dict[str, str]:
        """The QDP file behind each dataset, by dataset name."""
        return {name: d.url for name, d in self.datasets.items() if d.url}

    def to_pandas(self) -> dict[str, pandas.DataFrame]:
        """Every dataset as a pandas DataFrame, by name (needs the ``pandas`` extra)."""
        return {name: d.to_pandas() for name, d in self.datasets.items()}

    def to_astropy(self) -> dict[str, Table]:
        """Every dataset as an astropy Table, by name (needs the ``astropy`` extra)."""
        return {name: d.to_astropy() for name, d in self.datasets.items()}


class SpectralFits(SpecDataReply):
    """Spectral fits of a job: per interval, per XRT mode, per model (``PowerLaw``...), with the markers.

    ``galactic_nh_unfitted`` is the expected Galactic column when no Galactic absorber was fitted;
    ``no_spectrum``, an interval's ``no_spec`` and a mode's or model's ``no_fit`` mirror the service's
    ``NoSpectrum`` / ``NOSPEC`` / ``NOFIT`` markers.
    """

    def rows(self) -> list[dict[str, Any]]:
        """One flat record per (interval, mode, model) fit, for tables."""
        out: list[dict[str, Any]] = []
        for rname, interval in self.intervals.items():
            for mode_name, mode in interval.modes.items():
                for model_name, fit in mode.models.items():
                    out.append(
                        {
                            "interval": rname,
                            "start": interval.start,
                            "stop": interval.stop,
                            "mode": mode_name,
                            "model": model_name,
                            "mean_time": mode.mean_time,
                            "exposure": mode.exposure,
                            "no_fit": fit.no_fit,
                            **fit.values,
                            "image": fit.image,
                        }
                    )
        return out

    def to_pandas(self) -> pandas.DataFrame:
        """All fits as one pandas DataFrame, a row per (interval, mode, model); needs the ``pandas`` extra."""
        pd = _require("pandas", "pandas", "SpectralFits.to_pandas()")
        return pd.DataFrame(self.rows())
