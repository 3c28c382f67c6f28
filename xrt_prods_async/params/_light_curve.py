"""The light-curve product (wire flag ``lc``): docs/parameters.md §4."""

from __future__ import annotations

from collections.abc import Iterator, Mapping
from typing import Annotated, Any, ClassVar, Literal

from pydantic import BeforeValidator

from xrt_prods_async._products import Product

from ._base import ProductModel
from ._checks import DROP, Issue, Trigger
from ._fields import NO_RANGE, OBS_WITH_ALL, Count, Flag, Lower, Number, Text, param
from ._naming import Namer, fmt

__all__ = ["LightCurve"]

_TIME_FORMATS = {"mjd": "m", "sec": "s"}


def _time_format(value: Any) -> Any:
    """swifttools also accepts ``mjd`` and ``sec``; the service's values are ``m`` and ``s``."""
    if isinstance(value, str):
        value = value.lower()
        return _TIME_FORMATS.get(value, value)
    return value


BinMethod = Annotated[Literal["counts", "time", "snapshot", "obsid"], Lower]
Grades = Annotated[Literal["all", "0", "4"], Lower]
Detector = Annotated[Literal["no", "pc", "wt", "both"], Lower]
TimeFormat = Annotated[Literal["s", "m"], BeforeValidator(_time_format)]
LcData = Annotated[Literal["all", "user"], Lower]

#: Hardness-ratio binning is part of time binning; the service echoes ``hrbin`` 0 for other methods.
_TIME_BINNING = {"binMeth": "time"}
_OBS = "obsIDs (e.g. '00282445000,00282445001') or 'start-stop' ranges, as one string"
_BAND = (
    "an energy of zero or less means nothing, and each band must run from low to high (documented: only "
    "that the sub-bands lie inside the main band)"
)


class LightCurve(ProductModel):
    """Parameters of a light curve. Only ``bin_meth`` is always required; counts binning also needs
    ``pc_counts``, ``wt_counts`` and ``dynamic``. Time binning needs nothing more: its bin lengths have
    documented service defaults."""

    product: ClassVar[Product] = Product.LIGHT_CURVE

    # -- every binning method
    bin_meth: BinMethod | None = param(
        "binMeth", "binMeth", "How the light curve is binned; required", server_default=None
    )
    min_energy: Number | None = param(
        "minen",
        "minEnergy",
        "Lower end of the energy band",
        unit="keV",
        server_default=0.3,
        stricter=_BAND,
        gt=0,
    )
    max_energy: Number | None = param(
        "maxen",
        "maxEnergy",
        "Upper end of the energy band",
        unit="keV",
        server_default=10.0,
        stricter=_BAND,
        gt=0,
    )
    soft_lo: Number | None = param(
        "soft1",
        "softLo",
        "Lower end of the soft band (≥ min_energy)",
        unit="keV",
        server_default=0.3,
        stricter=_BAND,
        gt=0,
    )
    soft_hi: Number | None = param(
        "soft2",
        "softHi",
        "Upper end of the soft band (≤ max_energy)",
        unit="keV",
        server_default=1.5,
        stricter=_BAND,
        gt=0,
    )
    hard_lo: Number | None = param(
        "hard1",
        "hardLo",
        "Lower end of the hard band (≥ min_energy)",
        unit="keV",
        server_default=1.5,
        stricter=_BAND,
        gt=0,
    )
    hard_hi: Number | None = param(
        "hard2",
        "hardHi",
        "Upper end of the hard band (≤ max_energy)",
        unit="keV",
        server_default=10.0,
        stricter=_BAND,
        gt=0,
    )
    min_sig: Number | None = param(
        "sigmin",
        "minSig",
        "Significance needed for a detection",
        unit="Gaussian sigma",
        server_default=3.0,
        stricter=NO_RANGE,
        gt=0,
    )
    grades: Grades | None = param("grades", "grades", "Event grades to use", server_default="all")
    allow_ul: Detector | None = param(
        "allowUL", "allowUL", "Modes in which upper limits may be given", server_default="both"
    )
    allow_bayes: Detector | None = param(
        "allowB",
        "allowBayes",
        "Modes in which Bayesian statistics may be used for low-count bins",
        server_default="both",
        aliases=("allowBayes",),
    )
    bayes_counts: Number | None = param(
        "bayesCounts",
        "bayesCounts",
        "Counts below which Bayesian statistics are used",
        server_default=15.0,
        stricter=NO_RANGE,
        ge=0,
    )
    bayes_snr: Number | None = param(
        "bayesSNR",
        "bayesSNR",
        "Signal-to-noise below which Bayesian statistics are used",
        server_default=2.4,
        stricter=NO_RANGE,
        ge=0,
    )
    time_format: TimeFormat | None = param(
        "lctimetype",
        "timeFormat",
        "Time axis: 's' seconds since T0, 'm' MJD ('sec' and 'mjd' are read as these)",
        server_default="s",
        deprecated=("timeType",),
    )
    which_data: LcData | None = param(
        "lcobs",
        "whichData",
        "Which observations to use: 'all', or 'user' for the ones in use_obs (set by use_obs)",
        server_default="all",
        # The service echoes lcobs as 0 for the default (docs/protocol.md §5.2; inferred: 0 = all).
        codes={"0": "all"},
    )
    use_obs: Text | None = param("uselcobs", "useObs", f"Observations to use: {_OBS}", stricter=OBS_WITH_ALL)
    srcrad: Count | None = param(
        "srcrad",
        "srcrad",
        "Maximum source-region radius, for heavily piled-up sources (normally at most 30); the same wire "
        "key as the spectrum's srcrad",
        unit="pixels",
        stricter=NO_RANGE,
        ge=1,
    )
    # -- counts binning
    pc_counts: Count | None = param(
        "pccounts",
        "pcCounts",
        "Counts in a PC bin (at 1 ct/s when dynamic); counts binning",
        stricter=NO_RANGE,
        ge=1,
    )
    wt_counts: Count | None = param(
        "wtcounts", "wtCounts", "Counts in a WT bin; counts binning", stricter=NO_RANGE, ge=1
    )
    dynamic: Flag | None = param("dynamic", "dynamic", "Dynamic binning; counts binning (required there)")
    rate_fact: Number | None = param(
        "ratefact", "rateFact", "Dynamic-binning rate factor", server_default=10.0, stricter=NO_RANGE, gt=0
    )
    bin_fact: Number | None = param(
        "binfact", "binFact", "Dynamic-binning factor", server_default=1.5, stricter=NO_RANGE, gt=0
    )
    pc_bin_time: Number | None = param(
        "pcbin",
        "pcBinTime",
        "PC bin length for time binning; the minimum PC bin length for counts binning",
        unit="s",
        server_default=2.51,
        stricter=NO_RANGE,
        gt=0,
    )
    wt_bin_time: Number | None = param(
        "wtbin",
        "wtBinTime",
        "WT bin length for time binning; the minimum WT bin length for counts binning",
        unit="s",
        server_default=0.5,
        stricter=NO_RANGE,
        gt=0,
    )
    min_counts: Count | None = param(
        "mincmin", "minCounts", "Minimum counts in any bin", server_default=15, stricter=NO_RANGE, ge=0
    )
    min_snr: Number | None = param(
        "minsnr",
        "minSNR",
        "Minimum signal-to-noise of a full bin",
        server_default=2.4,
        default_note="2.4 (documented; one echo shows 1.5)",
        stricter=NO_RANGE,
        ge=0,
    )
    pc_max_gap: Number | None = param(
        "pcmaxgap",
        "pcMaxGap",
        "Longest observing gap a PC bin may span",
        unit="s",
        server_default=1e8,
        aliases=("pcmaxGap",),
        stricter=NO_RANGE,
        gt=0,
    )
    wt_max_gap: Number | None = param(
        "wtmaxgap",
        "wtMaxGap",
        "Longest observing gap a WT bin may span",
        unit="s",
        server_default=1e8,
        aliases=("wtmaxGap",),
        stricter=NO_RANGE,
        gt=0,
    )
    pc_max_bin: Number | None = param(
        "pcmaxbin",
        None,
        "Longest PC bin (hidden on the web form)",
        unit="s",
        server_default=1e8,
        stricter=NO_RANGE,
        gt=0,
    )
    wt_max_bin: Number | None = param(
        "wtmaxbin",
        None,
        "Longest WT bin (hidden on the web form)",
        unit="s",
        server_default=1e8,
        stricter=NO_RANGE,
        gt=0,
    )
    # -- time binning
    match_hr: Flag | None = param(
        "hrbin",
        "matchHR",
        "Hardness-ratio bins follow the main bins; time binning",
        server_default=True,
        applies_if=_TIME_BINNING,
    )
    pc_hr_bin_time: Number | None = param(
        "pchrbin",
        "pcHRBinTime",
        "PC hardness-ratio bin length, when match_hr is False",
        unit="s",
        server_default=2.51,
        stricter=NO_RANGE,
        gt=0,
        applies_if=_TIME_BINNING,
    )
    wt_hr_bin_time: Number | None = param(
        "wthrbin",
        "wtHRBinTime",
        "WT hardness-ratio bin length, when match_hr is False",
        unit="s",
        server_default=0.5,
        stricter=NO_RANGE,
        gt=0,
        applies_if=_TIME_BINNING,
    )
    min_frac_exp: Number | None = param(
        "femin",
        "minFracExp",
        "Drop bins with a lower fractional exposure",
        server_default=0.0,
        stricter="a fraction: above 1 every bin would be dropped",
        ge=0,
        le=1,
    )

    _TRIGGERS: ClassVar[tuple[Trigger, ...]] = (
        Trigger("use_obs", {"which_data": "user"}),
        Trigger("which_data", {"use_obs": DROP}, equals="all"),
    )

    @classmethod
    def _rules(cls, v: Mapping[str, Any], name: Namer) -> Iterator[Issue]:
        if v["bin_meth"] is None:
            yield Issue("bin_meth", "required: one of 'counts', 'time', 'snapshot', 'obsid'")
        elif v["bin_meth"] == "counts":
            yield from cls._needs(v, name, "bin_meth", ("pc_counts", "wt_counts", "dynamic"))
        # Time binning needs nothing more: the bin lengths (and the hardness-ratio bin lengths when match_hr
        # is False) have documented service defaults (docs/parameters.md §4).
        if v["which_data"] == "user":
            yield from cls._needs(v, name, "which_data", ("use_obs",))
        yield from cls._band_rules(v, name)

    @classmethod
    def _band_rules(cls, v: Mapping[str, Any], name: Namer) -> Iterator[Issue]:
        """Energy bands lie inside the main band and run low to high (docs/protocol.md §16)."""

        def value(field: str) -> float:
            given = v[field]
            return float(given if given is not None else cls._server_default(field))

        def show(field: str) -> str:
            shown = f"{name(field)}={fmt(value(field))} keV"
            return shown if v[field] is not None else f"{name(field)} (default {fmt(value(field))} keV)"

        def blame(first: str, second: str) -> str:
            """The field to name: the one the user set (the second when both or neither were)."""
            return first if v[first] is not None and v[second] is None else second

        for lo, hi in (("min_energy", "max_energy"), ("soft_lo", "soft_hi"), ("hard_lo", "hard_hi")):
            if value(lo) >= value(hi):
                yield Issue(blame(lo, hi), f"{show(lo)} must be below {show(hi)}", (lo, hi))
        for band, bound, below in (
            ("soft_lo", "min_energy", False),
            ("hard_lo", "min_energy", False),
            ("soft_hi", "max_energy", True),
            ("hard_hi", "max_energy", True),
        ):
            if (value(band) > value(bound)) if below else (value(band) < value(bound)):
                relation = "≤" if below else "≥"
                yield Issue(
                    blame(bound, band),
                    f"{show(band)} must be {relation} {show(bound)}: the bands lie inside the main band",
                    (band, bound),
                )
