"""Typed science results: positions, source lists, light curves and spectral fits, as numbers not strings.

The shapes come from the wire models (``xrt_prods_async.wire._replies``); these subclasses add what a user
needs: table access, ``to_pandas()`` / ``to_astropy()`` (behind the ``pandas`` / ``astropy`` extras) with the
reference client's column names, and views that read well in a notebook or terminal (``_views``).
"""

from __future__ import annotations

import importlib
import math
import re
from collections.abc import Iterable, Mapping, Sequence
from typing import TYPE_CHECKING, Any, Literal

from pydantic import BaseModel, ConfigDict, Field, ValidationInfo, field_validator

from xrt_prods_async._errors import ConfigurationError, ProductNotReadyError, UnknownNameError
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

from ._views import Table as ViewTable
from ._views import View, Viewable, dec_sexagesimal, number, ra_sexagesimal, yes_no

if TYPE_CHECKING:  # pragma: no cover - typing only
    import pandas
    from astropy.coordinates import SkyCoord
    from astropy.table import Column, Table

__all__ = [
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
    "require_extra",
    "yes_no_both",
]

#: Reason given when the service computed no position (``GotPos`` = 0), as swifttools words it.
NO_POSITION_REASON = "No position could be determined."

#: ``nosys`` / ``incbad`` choices of ``getLCData``: False/"no", True/"yes", or "both" variants.
YesNoBoth = bool | Literal["yes", "no", "both"]

#: Rows a view shows per table before it says how many more there are (``to_pandas()`` has them all).
VIEW_ROWS = 50


def yes_no_both(name: str, value: YesNoBoth) -> str:
    """The wire value (``"yes"``/``"no"``/``"both"``) of a light-curve option; a clear error otherwise."""
    if value is True:
        return "yes"
    if value is False:
        return "no"
    if isinstance(value, str) and value.lower() in ("yes", "no", "both"):
        return value.lower()
    raise ConfigurationError(f"{name} must be True, False or 'both' (or 'yes'/'no'), got {value!r}")


def require_extra(module: str, extra: str, feature: str) -> Any:
    """Import an optional dependency, or say which extra of this package brings it."""
    try:
        return importlib.import_module(module)
    except ImportError:
        raise ConfigurationError(
            f"{feature} needs {module.split('.')[0]}, which is not installed: "
            f"pip install 'xrt_prods_async[{extra}]'"
        ) from None


def _more(what: str, total: int) -> tuple[str, ...]:
    """A note for a table cut at ``VIEW_ROWS`` rows."""
    if total <= VIEW_ROWS:
        return ()
    return (f"{what}: {VIEW_ROWS} of {total} rows shown; to_pandas() has them all.",)


class Position(Viewable, BaseModel):
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

    def to_dict(self) -> dict[str, Any]:
        """JSON-ready: the fields by their Python names (``product`` as its short name)."""
        return self.model_dump(mode="json")

    def _coordinates(self) -> tuple[float, float, float]:
        if not self.found or self.ra is None or self.dec is None or self.err90 is None:
            raise ProductNotReadyError(
                f"The {self.product.label} has no coordinates: {self.reason or NO_POSITION_REASON}"
            )
        return self.ra, self.dec, self.err90

    def to_skycoord(self) -> SkyCoord:
        """The position as an astropy ``SkyCoord`` (ICRS, which J2000 XRT positions are given in).

        The 90% error radius rides along as ``coord.err90`` (an arcsec ``Quantity``); it is a plain attribute,
        so transformed or sliced copies lose it: keep ``Position.err90`` for that. Needs the ``astropy``
        extra; a position that was not found raises ``ProductNotReadyError``.
        """
        coordinates = require_extra("astropy.coordinates", "astropy", "Position.to_skycoord()")
        units = require_extra("astropy.units", "astropy", "Position.to_skycoord()")
        ra, dec, err90 = self._coordinates()
        coord = coordinates.SkyCoord(ra * units.deg, dec * units.deg, frame="icrs")
        coord.err90 = err90 * units.arcsec
        return coord

    def _origin(self) -> str:
        return f"copied from {self.which_sxps or 'SXPS'}" if self.from_sxps else "from this job's data"

    def _view(self, *, picture: bool = False) -> View:
        if not self.found or self.ra is None or self.dec is None or self.err90 is None:
            return View(f"{self.product.label}: not found", (("reason", self.reason or NO_POSITION_REASON),))
        return View(
            f"{self.product.label} (J2000)",
            (("source", self._origin()),),
            (
                ViewTable(
                    ("", "sexagesimal", "degrees"),
                    (
                        ("RA", ra_sexagesimal(self.ra), f"{self.ra:.5f}"),
                        ("Dec", dec_sexagesimal(self.dec), f"{self.dec:+.5f}"),
                        ("error (90%)", f'{number(self.err90, 3)}"', f"{self.err90 / 3600.0:.5f}"),
                    ),
                    align="lrr",
                ),
            ),
        )

    def __str__(self) -> str:
        if not self.found:
            return f"{self.product.label}: no position ({self.reason})"
        source = f" (from {self.which_sxps or 'SXPS'})" if self.from_sxps else ""
        return f'{self.product.label}: RA {self.ra:.5f}, Dec {self.dec:+.5f}, err90 {self.err90:.1f}"{source}'

    def __repr__(self) -> str:
        if not self.found:
            return f"Position({self.product.label}: not found)"
        source = f", {self._origin()}" if self.from_sxps else ""
        return (
            f"Position({self.product.label}: RA={self.ra}, Dec={self.dec}, err90={self.err90} arcsec{source})"
        )


def _source_cells(row: SourceRow) -> tuple[str, ...]:
    ra = ra_sexagesimal(row.ra) if row.ra is not None else "—"
    dec = dec_sexagesimal(row.dec) if row.dec is not None else "—"
    return (
        number(row.sno),
        ra,
        dec,
        f"{row.ra:.5f}" if row.ra is not None else "—",
        f"{row.dec:+.5f}" if row.dec is not None else "—",
        number(row.err90, 3),
        number(row.counts),
    )


class SourceList(Viewable, SourceListReply):
    """Detected sources per band (``Total``; ``Soft``/``Medium``/``Hard`` when all bands were searched).

    Columns keep the service's names (``sno``, ``ra``, ``err90``, ``C``...), as the reference client's do.
    """

    def __getitem__(self, band: str) -> tuple[SourceRow, ...]:
        return self.bands[band]

    def __len__(self) -> int:
        return sum(len(rows) for rows in self.bands.values())

    @property
    def total(self) -> tuple[SourceRow, ...]:
        """Sources of the ``Total`` band (empty if it was not searched)."""
        return self.bands.get("Total", ())

    def to_dict(self) -> dict[str, Any]:
        """JSON-ready: ``bands``, each a list of rows by the service's column names (as ``to_pandas``)."""
        return {"bands": {band: [dict(row.values) for row in rows] for band, rows in self.bands.items()}}

    def to_pandas(self, band: str = "Total") -> pandas.DataFrame:
        """One band as a pandas DataFrame (needs the ``pandas`` extra)."""
        pd = require_extra("pandas", "pandas", "SourceList.to_pandas()")
        return pd.DataFrame([row.values for row in self.bands.get(band, ())])

    def to_astropy(self, band: str = "Total") -> Table:
        """One band as an astropy Table (needs the ``astropy`` extra)."""
        table = require_extra("astropy.table", "astropy", "SourceList.to_astropy()")
        return table.Table(rows=[row.values for row in self.bands.get(band, ())] or None)

    def _view(self, *, picture: bool = False) -> View:
        counts = ", ".join(f"{band} ({len(rows)})" for band, rows in self.bands.items())
        tables = tuple(
            ViewTable(
                ("sno", "RA", "Dec", "RA (deg)", "Dec (deg)", 'err90 (")', "counts"),
                tuple(_source_cells(row) for row in rows[:VIEW_ROWS]),
                title=f"{band} band: {len(rows)} source{'s' if len(rows) != 1 else ''}",
                align="rrrrrrr",
            )
            for band, rows in self.bands.items()
            if rows
        )
        notes: tuple[str, ...] = ()
        for band, rows in self.bands.items():
            notes += _more(f"{band} band", len(rows))
        if not len(self):
            notes += ("No sources were detected.",)
        return View(
            f"Source list: {len(self)} detection{'s' if len(self) != 1 else ''}",
            (("bands", counts or "none searched"), ("coordinates", "J2000; err90 is the 90% radius")),
            tables,
            notes,
        )

    def __repr__(self) -> str:
        counts = ", ".join(f"{band}: {len(rows)} sources" for band, rows in self.bands.items())
        return f"SourceList({counts or 'no bands'})"


_DATASET_NAME = re.compile(
    r"^(?P<mode>WT|PC)(?P<kind>UL|Hard|Soft|HR)?(?P<nosys>_nosys)?(?P<incbad>_incbad)?$"
)

#: What each dataset kind holds, in words.
DATASET_KINDS = {
    "": "count rates",
    "UL": "upper limits",
    "Hard": "hard-band rates",
    "Soft": "soft-band rates",
    "HR": "hardness ratios",
}

#: The reference client's label of an upper-limit dataset's limit column (the service may send ``Rate``).
UPPER_LIMIT_COLUMN = "UpperLimit"


def _name_parts(name: str) -> re.Match[str] | None:
    return _DATASET_NAME.match(name)


class LightCurveDataset(LightCurveDatasetReply):
    """One light-curve dataset (``PC``, ``WTUL``, ``PCHR_incbad``...): columns, rows of floats, QDP URL.

    ``name`` follows ``{mode}{kind}{_nosys}{_incbad}``; ``kind`` is ``""`` (count rates), ``UL`` (upper
    limits), ``Hard``, ``Soft`` or ``HR`` (hardness ratio). Column labels are the reference client's: an
    upper-limit dataset's ``Rate`` is relabelled ``UpperLimit`` (``column("Rate")`` still finds it).
    """

    @field_validator("columns", mode="after")
    @classmethod
    def _reference_labels(cls, columns: tuple[str, ...], info: ValidationInfo) -> tuple[str, ...]:
        match = _name_parts(str(info.data.get("name", "")))
        if match is None or match.group("kind") != "UL" or UPPER_LIMIT_COLUMN in columns:
            return columns
        return tuple(UPPER_LIMIT_COLUMN if c == "Rate" else c for c in columns)

    def _part(self, group: str) -> str | None:
        match = _name_parts(self.name)
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
        """True for upper-limit datasets (``...UL...``), whose ``UpperLimit`` column holds 3-sigma limits."""
        return self.kind == "UL"

    @property
    def is_hardness_ratio(self) -> bool:
        """True for hardness-ratio datasets (``...HR...``): the ``HR`` column is a ratio, not a rate."""
        return self.kind == "HR" or ("HR" in self.columns and "Rate" not in self.columns)

    @property
    def value_column(self) -> str:
        """The column holding the measured quantity: ``Rate``, ``UpperLimit`` or ``HR``."""
        for name in ("HR", UPPER_LIMIT_COLUMN, "Rate"):
            if name in self.columns:
                return name
        raise UnknownNameError(f"dataset {self.name or '?'} has no Rate, UpperLimit or HR column")

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
        if name not in columns and name == UPPER_LIMIT_COLUMN and "Rate" in columns:
            name = "Rate"
        elif name not in columns and name == "Rate" and UPPER_LIMIT_COLUMN in columns:
            name = UPPER_LIMIT_COLUMN
        if name not in columns:
            raise KeyError(
                f"dataset {self.name or '?'} has no column {name!r}; columns: {', '.join(columns)}"
            )
        index = columns.index(name)
        return [row[index] for row in self.rows]

    def to_pandas(self) -> pandas.DataFrame:
        """The dataset as a pandas DataFrame (needs the ``pandas`` extra)."""
        pd = require_extra("pandas", "pandas", "LightCurveDataset.to_pandas()")
        return pd.DataFrame([list(r) for r in self.rows], columns=list(self.columns))

    def to_astropy(self) -> Table:
        """The dataset as an astropy Table, named after the dataset (needs the ``astropy`` extra)."""
        table = require_extra("astropy.table", "astropy", "LightCurveDataset.to_astropy()")
        if not self.rows:
            return table.Table(names=list(self.columns), meta={"name": self.name, "url": self.url})
        data = [list(col) for col in zip(*self.rows, strict=True)]
        return table.Table(data, names=list(self.columns), meta={"name": self.name, "url": self.url})

    def _range(self, column: str) -> str:
        try:
            values = [v for v in self.column(column) if isinstance(v, float) and not math.isnan(v)]
        except KeyError:
            return "—"
        if not values:
            return "—"
        low, high = min(values), max(values)
        return number(low, 4) if low == high else f"{number(low, 4)} – {number(high, 4)}"

    def _summary_row(self) -> tuple[str, str, str, str, str]:
        try:
            values = self._range(self.value_column)
        except KeyError:
            values = "—"
        return (self.name, DATASET_KINDS.get(self.kind, "?"), str(len(self)), self._range("Time"), values)

    def __repr__(self) -> str:
        return f"LightCurveDataset({self.name or '?'}: {len(self)} rows x {len(self.columns)} columns)"


def _variant_flags(dataset: LightCurveDataset) -> int:
    return int(dataset.nosys) + int(dataset.incbad)


def _is_variant(dataset: LightCurveDataset, nosys: bool | None, incbad: bool | None) -> bool:
    """Whether a dataset is the variant asked for; ``None`` takes either."""
    return (nosys is None or dataset.nosys == nosys) and (incbad is None or dataset.incbad == incbad)


class LightCurveData(Viewable, LightCurveReply):
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

    def dataset(
        self, name: str, *, nosys: bool | None = None, incbad: bool | None = None
    ) -> LightCurveDataset:
        """A dataset by name, with or without its variant suffixes.

        An exact name wins. Otherwise ``PC`` finds the ``PC`` curve this reply carries (``PC_incbad`` when the
        light curve was fetched with ``incbad=True``); ``nosys`` / ``incbad`` pick a variant, and among
        several the plainest one (fewest suffixes) is taken. A name with a suffix only matches that variant.
        An unknown name raises ``UnknownNameError`` (a ``KeyError``) listing the datasets there are.
        """
        exact = self.datasets.get(name)
        if exact is not None and _is_variant(exact, nosys, incbad):
            return exact
        candidates = self._family(name, nosys, incbad)
        if not candidates:
            variant = "".join(
                f", {flag}={value}"
                for flag, value in (("nosys", nosys), ("incbad", incbad))
                if value is not None
            )
            raise UnknownNameError(
                f"this light curve has no dataset {name!r}{variant}; "
                f"it has: {', '.join(self.datasets) or 'none'}"
            )
        return min(candidates, key=_variant_flags)

    def _family(self, name: str, nosys: bool | None, incbad: bool | None) -> list[LightCurveDataset]:
        """The datasets of the mode and kind ``name`` names, of the variant asked for (a suffix of ``name``
        asks for its variant); none when ``name`` is not a dataset name."""
        wanted = _name_parts(name)
        if wanted is None:
            return []
        family = (wanted.group("mode"), wanted.group("kind") or "")
        need_nosys = True if wanted.group("nosys") else nosys
        need_incbad = True if wanted.group("incbad") else incbad
        return [
            dataset
            for dataset in self.datasets.values()
            if (dataset.mode, dataset.kind) == family and _is_variant(dataset, need_nosys, need_incbad)
        ]

    def select(
        self, names: Iterable[str] | None = None, *, nosys: bool | None = None, incbad: bool | None = None
    ) -> list[LightCurveDataset]:
        """Datasets by name (see ``dataset``), in order, without repeats.

        Without names: the count-rate and upper-limit curves of each mode, one variant each (the plainest that
        matches ``nosys`` / ``incbad``), as the reference client's quick-look plot draws them.
        """
        if names is None:
            families = dict.fromkeys(
                (d.mode, d.kind) for d in self.datasets.values() if d.mode and d.kind in ("", "UL")
            )
            chosen: list[LightCurveDataset] = []
            for mode, kind in families:
                fitting = [
                    d
                    for d in self.datasets.values()
                    if (d.mode, d.kind) == (mode, kind) and _is_variant(d, nosys, incbad)
                ]
                if fitting:
                    chosen.append(min(fitting, key=_variant_flags))
            return chosen
        found: dict[str, LightCurveDataset] = {}
        for name in names:
            dataset = self.dataset(name, nosys=nosys, incbad=incbad)
            found.setdefault(dataset.name, dataset)
        return list(found.values())

    def to_dict(self) -> dict[str, Any]:
        """JSON-ready: ``datasets`` by name (``columns``, ``rows``, ``url``), ``binning``, ``time_format``,
        ``t0``."""
        return self.model_dump(mode="json")

    def to_pandas(self) -> dict[str, pandas.DataFrame]:
        """Every dataset as a pandas DataFrame, by name (needs the ``pandas`` extra)."""
        return {name: d.to_pandas() for name, d in self.datasets.items()}

    def to_astropy(self) -> dict[str, Table]:
        """Every dataset as an astropy Table, by name (needs the ``astropy`` extra)."""
        return {name: d.to_astropy() for name, d in self.datasets.items()}

    def _time_label(self) -> str:
        fmt = (self.time_format or "MET").upper()
        if self.t0 is not None and fmt.endswith("MET"):
            return "time (s since T0)"
        return f"time ({self.time_format or '?'})"

    def _view(self, *, picture: bool = False) -> View:
        facts = [
            ("binning", self.binning or "—"),
            ("time format", self.time_format or "—"),
            ("T0", f"{number(self.t0, 12)} (Swift MET, s)" if self.t0 is not None else "—"),
        ]
        png: bytes | None = None
        notes: tuple[str, ...] = ()
        if picture:
            from ._plot import light_curve_png

            try:
                png = light_curve_png(self)
            except ConfigurationError:
                notes = ("pip install 'xrt_prods_async[plot]' to see a thumbnail of the light curve here.",)
            except (
                ValueError,
                KeyError,
            ) as exc:  # a display hook must not raise: say why there is no picture
                notes = (f"No thumbnail: {exc}",)
        table = ViewTable(
            ("dataset", "holds", "points", self._time_label(), "values"),
            tuple(d._summary_row() for d in self.datasets.values()),
            align="llrrr",
        )
        count = len(self.datasets)
        return View(
            f"Light curve: {count} dataset{'s' if count != 1 else ''}",
            tuple(facts),
            (table,),
            notes,
            png=png,
            png_alt="light curve: count rate against time, upper limits as arrows",
        )

    def __repr__(self) -> str:
        sets = ", ".join(f"{name}: {len(d)}" for name, d in self.datasets.items()) or "no datasets"
        extra = "".join(
            f", {label} {value}"
            for label, value in (("binning", self.binning), ("time", self.time_format), ("T0", self.t0))
            if value is not None
        )
        return f"LightCurveData({sets}{extra})"


_SPECTRAL_UNITS = {
    "NH": ("cm-2", "cm⁻²"),
    "GalacticNH": ("cm-2", "cm⁻²"),
    "ObsFlux": ("erg cm-2 s-1", "erg cm⁻² s⁻¹"),
    "UnabsFlux": ("erg cm-2 s-1", "erg cm⁻² s⁻¹"),
    "kT": ("keV", "keV"),
    "start": ("s", "s"),
    "stop": ("s", "s"),
    "mean_time": ("s", "s"),
    "exposure": ("s", "s"),
}

_ERROR_SUFFIX = re.compile(r"^(?P<base>.+?)(?P<side>Pos|Neg)$")

#: Columns of ``SpectralFits.rows()`` before the fitted values, in order.
_FIT_KEYS = ("interval", "start", "stop", "mode", "model", "mean_time", "exposure", "no_fit")


def _unit(key: str) -> tuple[str, str] | None:
    match = _ERROR_SUFFIX.match(key)
    return _SPECTRAL_UNITS.get(match.group("base") if match else key)


def _quantity(key: str) -> str:
    unit = _unit(key)
    return f"{key} ({unit[1]})" if unit else key


def _fit_rows(values: Mapping[str, float], text: Mapping[str, str]) -> list[tuple[str, str, str, str]]:
    """(quantity with unit, value, +error, -error) for one model fit; ``XPos``/``XNeg`` fold into ``X``."""
    out: list[tuple[str, str, str, str]] = []
    for key, value in values.items():
        error = _ERROR_SUFFIX.match(key)
        if error is not None and error.group("base") in values:
            continue
        pos, neg = values.get(f"{key}Pos"), values.get(f"{key}Neg")
        out.append(
            (
                _quantity(key),
                number(value, 5),
                f"+{number(abs(pos), 3)}" if pos is not None else "",
                f"-{number(abs(neg), 3)}" if neg is not None else "",
            )
        )
    out += [(key, value, "", "") for key, value in text.items()]
    return out


def _column_data(values: Sequence[Any]) -> list[Any]:
    """One column's values in one type: booleans, numbers (None as NaN) or else text (None as "")."""
    present = [v for v in values if v is not None]
    if all(isinstance(v, bool) for v in present):
        return [bool(v) for v in values]
    if all(isinstance(v, int | float) for v in present):
        return [math.nan if v is None else float(v) for v in values]
    return ["" if v is None else str(v) for v in values]


def _astropy_column(table: Any, name: str, values: Sequence[Any]) -> Column:
    """An astropy column of ``SpectralFits.to_astropy``, with its unit; masked where a fit lacks the value.

    ``table`` is the ``astropy.table`` module; a column of no rows gets the dtype its unit implies.
    """
    unit = _unit(name)
    mask = [v is None for v in values]
    options: dict[str, Any] = {"name": name, "unit": unit[0] if unit else None}
    if any(mask):
        options["mask"] = mask
    if not values:
        options["dtype"] = float if unit else str
    kind = table.MaskedColumn if any(mask) else table.Column
    return kind(_column_data(values), **options)


class SpectralFits(Viewable, SpecDataReply):
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
                            **fit.text,
                            "image": fit.image,
                        }
                    )
        return out

    def to_dict(self) -> dict[str, Any]:
        """JSON-ready: ``intervals`` -> ``modes`` -> ``models`` with their values, and the markers."""
        return self.model_dump(mode="json")

    def to_pandas(self) -> pandas.DataFrame:
        """All fits as one pandas DataFrame, a row per (interval, mode, model); needs the ``pandas`` extra."""
        pd = require_extra("pandas", "pandas", "SpectralFits.to_pandas()")
        return pd.DataFrame(self.rows())

    def to_astropy(self) -> Table:
        """All fits as one astropy Table, a row per (interval, mode, model), with units where known.

        Columns are those of ``rows()``: times in s, column densities in cm⁻², fluxes in erg cm⁻² s⁻¹, kT in
        keV; a quantity some fits lack is masked there. ``meta`` keeps ``T0``, ``DeltaFitStat``,
        ``GalNH_unfitted`` and the intervals without a spectrum. Needs the ``astropy`` extra.
        """
        table = require_extra("astropy.table", "astropy", "SpectralFits.to_astropy()")
        records = self.rows()
        names = list(dict.fromkeys(key for record in records for key in record)) or [*_FIT_KEYS, "image"]
        columns = [_astropy_column(table, name, [record.get(name) for record in records]) for name in names]
        meta = {
            "T0": self.t0,
            "DeltaFitStat": self.delta_fit_stat,
            "GalNH_unfitted": self.galactic_nh_unfitted,
            "NoSpectrum": self.no_spectrum,
            "NOSPEC": [name for name, interval in self.intervals.items() if interval.no_spec],
        }
        return table.Table(columns, meta=meta)

    def _interval_table(self, rname: str) -> ViewTable:
        interval = self.intervals[rname]
        span = f"{number(interval.start, 6)} – {number(interval.stop, 6)} s after T0"
        rows: list[tuple[str, ...]] = []
        if interval.no_spec:
            rows.append(("—", "—", "no spectrum could be made (NOSPEC)", "", "", ""))
        for mode_name, mode in interval.modes.items():
            label = mode_name
            rows.append((label, "", "exposure (s)", number(mode.exposure, 5), "", ""))
            rows.append(("", "", "mean time (s after T0)", number(mode.mean_time, 6), "", ""))
            if mode.no_fit:
                rows.append(("", "—", "not fitted (NOFIT)", "", "", ""))
            for model_name, fit in mode.models.items():
                quantities = (
                    [("fit failed (NOFIT)", "", "", "")] if fit.no_fit else _fit_rows(fit.values, fit.text)
                )
                rows += [("", model_name if i == 0 else "", *q) for i, q in enumerate(quantities)]
        return ViewTable(
            ("mode", "model", "quantity", "value", "+err", "-err"), tuple(rows), f"{rname}: {span}", "lllrrr"
        )

    def _view(self, *, picture: bool = False) -> View:
        facts = [("T0", f"{number(self.t0, 12)} (Swift MET, s)" if self.t0 is not None else "—")]
        if self.delta_fit_stat is not None:
            facts.append(("errors at Δ fit statistic", number(self.delta_fit_stat)))
        if self.galactic_nh_unfitted is not None:
            facts.append(("Galactic NH (not fitted)", f"{number(self.galactic_nh_unfitted, 4)} cm⁻²"))
        notes = ("No spectrum could be made for this job.",) if self.no_spectrum else ()
        fits = sum(len(mode.models) for i in self.intervals.values() for mode in i.modes.values())
        return View(
            f"Spectral fits: {fits} fit{'s' if fits != 1 else ''} in {len(self.intervals)} interval"
            f"{'s' if len(self.intervals) != 1 else ''}",
            tuple(facts),
            tuple(self._interval_table(name) for name in self.intervals),
            notes,
        )

    def __repr__(self) -> str:
        parts = [
            f"{rname}: "
            + (
                ", ".join(f"{m} {'+'.join(mode.models) or 'no fit'}" for m, mode in i.modes.items())
                or "no spectrum"
            )
            for rname, i in self.intervals.items()
        ]
        return f"SpectralFits({'; '.join(parts) or 'no spectrum'})"


class OldJob(Viewable, OldJobEntry):
    """One job of the user's history (``listOldJobs``): id, name, UTC submission time, products, archive."""

    @classmethod
    def from_entry(cls, entry: OldJobEntry) -> OldJob:
        """The client's view of a wire history entry."""
        return cls.model_validate(entry.model_dump())

    def to_dict(self) -> dict[str, Any]:
        """JSON-ready: the entry's fields (``submitted`` in ISO 8601) and its ``products`` by short name."""
        return {**self.model_dump(mode="json"), "products": [p.value for p in self.products]}

    def _view(self, *, picture: bool = False) -> View:
        products = ", ".join(p.label for p in self.products) or "none listed"
        return View(
            f"Job {self.job_id}: {self.name}",
            (
                ("submitted", f"{self.submitted:%Y-%m-%d %H:%M:%S %Z}".strip()),
                ("products", products),
                ("downloadable", yes_no(self.has_products)),
            ),
        )

    def __repr__(self) -> str:
        products = ", ".join(p.label for p in self.products) or "no products"
        state = "downloadable" if self.has_products else "not downloadable"
        return f"OldJob({self.job_id} {self.name!r}, {self.submitted:%Y-%m-%d %H:%M:%S}, {products}, {state})"
