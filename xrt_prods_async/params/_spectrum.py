"""The spectrum product (wire flag ``spec``): docs/parameters.md §5."""

from __future__ import annotations

from collections.abc import Iterator, Mapping
from typing import Annotated, Any, ClassVar, Literal

from xrt_prods_async._products import Product

from ._base import ProductModel
from ._checks import DROP, Issue, Trigger
from ._fields import NO_RANGE, OBS_WITH_ALL, Count, Flag, Lower, Models, Number, Text, is_alphanumeric, param
from ._naming import Namer, fmt

__all__ = ["Spectrum"]

SpecData = Annotated[Literal["all", "user", "hours"], Lower]
TimeSlice = Annotated[Literal["single", "user", "snapshot", "obsid"], Lower]
Grades = Annotated[Literal["all", "0", "4"], Lower]

_OBS = "obsIDs (e.g. '00282445000,00282445001') or 'start-stop' ranges, as one string"
_SLICE = "Label of user time slice {n} (letters and digits); timeslice='user'"
_GTI = "Time range of user time slice {n}, e.g. '608713541-608714541' (relative to T0 if since_t0)"
_PAIR = (
    "each label needs its time range and each range its label, and labels must differ (ignoring case): "
    "the service names each slice's files by its label, so a repeated label would overwrite a spectrum, "
    "and a half slice would be silently dropped or fail the job"
)

#: How many user-defined time slices the service takes (docs/protocol.md §16).
MAX_SLICES = 4


class Spectrum(ProductModel):
    """Parameters of a spectrum. ``has_redshift`` is required (setting ``redshift`` sets it to True)."""

    product: ClassVar[Product] = Product.SPECTRUM

    has_redshift: Flag | None = param(
        "specz", "hasRedshift", "Fit a redshifted absorber (then redshift is required); required"
    )
    redshift: Number | None = param(
        "zval",
        "redshift",
        "Redshift of the absorber; sets has_redshift",
        stricter=(
            "no negative redshift; refused with has_redshift=False, which the service would follow, "
            "silently fitting no redshift"
        ),
        ge=0,
    )
    which_data: SpecData | None = param(
        "specobs",
        "whichData",
        "Which observations to use: 'all', 'user' (those in use_obs) or 'hours' (inc_hours after the first)",
        server_default="hours",
        # The older server echoed specobs as 1 for a request of "all" (docs/protocol.md §5.2; inferred).
        codes={"1": "all"},
    )
    use_obs: Text | None = param(
        "usespecobs", "useObs", f"Observations to use: {_OBS}", stricter=OBS_WITH_ALL
    )
    inc_hours: Number | None = param(
        "specobstime",
        "incHours",
        "With which_data='hours': use data up to this long after the first selected observation",
        unit="hours",
        server_default=12.0,
        stricter=NO_RANGE,
        gt=0,
    )
    timeslice: TimeSlice | None = param(
        "timeslice",
        "timeslice",
        "Spectra to build: one ('single'), per snapshot, per obsID, or for the user slices rname1..4/gti1..4",
        server_default="single",
        # The older server echoed timeslice as 1 for a request of "single" (docs/protocol.md §5.2; inferred).
        codes={"1": "single"},
    )
    grades: Grades | None = param("specgrades", "grades", "Event grades to use", server_default="all")
    spec_stem: Text | None = param(
        "specstem", "specStem", "File stem of the spectrum when which_data='all'", server_default="interval0"
    )
    do_not_fit: Flag | None = param(
        "doNotFit",
        "doNotFit",
        "Skip the automatic spectral fit; True makes has_redshift False",
        default_note="False (release notes; the Python docs table says True)",
        stricter="True is refused with has_redshift=True, a fit the service would silently not make",
    )
    galactic: Flag | None = param(
        "galactic",
        "galactic",
        "Add an absorber fixed at the Galactic value (Willingale et al. 2013); set by redshift/has_redshift",
        server_default=False,
    )
    models: Models | None = param(
        "models",
        "models",
        "Spectral models, each fitted separately (sent as typed, as a JSON array)",
        server_default=("powerlaw",),
        stricter="at least one; an empty list would leave the service to fit nothing or its default, unasked",
    )
    delta_fit_stat: Number = param(
        "dchi",
        "deltaFitStat",
        "Change in fit statistic defining the error ranges",
        default=2.706,
        server_default=2.706,
        stricter=NO_RANGE,
        gt=0,
    )
    srcrad: Count | None = param(
        "srcrad",
        "srcrad",
        "Maximum source-region radius, for heavily piled-up sources (normally at most 30); the same wire "
        "key as the light curve's srcrad",
        unit="pixels",
        stricter=NO_RANGE,
        ge=1,
    )
    rname1: Text | None = param("rname1", "rname1", _SLICE.format(n=1), stricter=_PAIR)
    gti1: Text | None = param("gti1", "gti1", _GTI.format(n=1), stricter=_PAIR)
    rname2: Text | None = param("rname2", "rname2", _SLICE.format(n=2), stricter=_PAIR)
    gti2: Text | None = param("gti2", "gti2", _GTI.format(n=2), stricter=_PAIR)
    rname3: Text | None = param("rname3", "rname3", _SLICE.format(n=3), stricter=_PAIR)
    gti3: Text | None = param("gti3", "gti3", _GTI.format(n=3), stricter=_PAIR)
    rname4: Text | None = param("rname4", "rname4", _SLICE.format(n=4), stricter=_PAIR)
    gti4: Text | None = param("gti4", "gti4", _GTI.format(n=4), stricter=_PAIR)

    _TRIGGERS: ClassVar[tuple[Trigger, ...]] = (
        Trigger("redshift", {"has_redshift": True}),
        Trigger("redshift", {"galactic": True}, soft=True),
        Trigger("redshift", {"has_redshift": False}, on_none=True),
        Trigger("do_not_fit", {"has_redshift": False}, equals=True),
        Trigger("has_redshift", {"galactic": True}, equals=True, soft=True),
        Trigger("use_obs", {"which_data": "user"}),
        Trigger("which_data", {"use_obs": DROP}, equals="all"),
    )

    @classmethod
    def _rules(cls, v: Mapping[str, Any], name: Namer) -> Iterator[Issue]:
        if v["has_redshift"] is None:
            yield Issue(
                "has_redshift",
                f"required: True to fit a redshifted absorber (then give {name('redshift')}), else False",
            )
        elif v["has_redshift"]:
            yield from cls._needs(v, name, "has_redshift", ("redshift",))
        if v["which_data"] == "user":
            yield from cls._needs(v, name, "which_data", ("use_obs",))
        # which_data='hours' needs no inc_hours: the service documents a default (12 hours).
        if v["timeslice"] == "user":
            yield from cls._needs(v, name, "timeslice", ("rname1", "gti1"))
        labels: dict[str, str] = {}
        for n in range(1, MAX_SLICES + 1):
            label, times = f"rname{n}", f"gti{n}"
            if (v[label] is None) != (v[times] is None):
                missing, present = (label, times) if v[label] is None else (times, label)
                yield Issue(
                    missing, f"required with {name(present)}: each time slice needs a label and a range"
                )
            if v[label] is not None:
                if not is_alphanumeric(v[label]):
                    yield Issue(label, f"must be letters and digits only; got {fmt(v[label])}")
                elif v[label].lower() in labels:
                    yield Issue(
                        label, f"repeats the label of {name(labels[v[label].lower()])}; labels must differ"
                    )
                else:
                    labels[v[label].lower()] = label
