"""The global parameters of a job (docs/parameters.md §3): the target, the position, centroiding, timing.

:class:`Globals` validates them on their own (types, the ``T0``/``targ`` triggers and the rules that
involve only globals); :class:`~xrt_prods_async.params.JobRequest` extends it with the products and the
rules that depend on which products are requested.
"""

from __future__ import annotations

from collections.abc import Iterator, Mapping
from typing import Any, ClassVar, Literal

from ._base import ParamModel
from ._checks import Issue, Trigger
from ._fields import NO_RANGE, Count, Flag, Number, Text, Time, param
from ._naming import Namer
from ._targets import Targets, arcmin_from_echo, strip_braces

__all__ = ["Globals"]


class Globals(ParamModel):
    """The global parameters. Which of them are required depends on the products, so that is checked by
    :class:`~xrt_prods_async.params.JobRequest`."""

    name: Text | None = param(
        "name", "name", "Object name, used in plot titles and resolved to RA/Dec when get_coords; required"
    )
    targ: Targets | None = param(
        "targ",
        "targ",
        "Comma-separated Swift targetIDs, e.g. '00945521,00013267'; required unless get_targs; sets "
        "get_targs=False",
        decode=strip_braces,
        stricter=(
            "digits only, as Swift targetIDs are numbers; any other text names no target, so the job "
            "would be made and then find no data"
        ),
    )
    t0: Time | None = param(
        "Tstart",
        "T0",
        "Reference time T0 (MET seconds, or any time format the product generator reads); sets get_t0=False",
    )
    since_t0: Flag | None = param(
        "sinceT0",
        "SinceT0",
        "Give other times relative to T0. Sent as 'sinceT0', the spelling the service echoes",
        server_default=False,
        # swifttools sends its global under its own name; the service's jobPars spell it sinceT0.
        aliases=("SinceT0",),
    )
    ra: Number | None = param(
        "RA",
        "RA",
        "Right ascension (J2000); required unless get_coords",
        unit="deg",
        stricter="an angle outside this range names no point on the sky",
        ge=0,
        lt=360,
    )
    dec: Number | None = param(
        "Dec",
        "Dec",
        "Declination (J2000); required unless get_coords",
        unit="deg",
        stricter="an angle outside this range names no point on the sky",
        ge=-90,
        le=90,
    )
    centroid: Flag | None = param(
        "cent",
        "centroid",
        "Centroid the input position in the XRT frame first; required (not for source detection alone)",
    )
    cent_meth: Literal["simple", "iterative"] | None = param(
        "centMeth",
        "centMeth",
        "Centroid method (exact case)",
        server_default="simple",
        # Numeric codes (docs/protocol.md §18 item 7), low-confidence guesses: the raw-API example sends 2
        # where the default is "simple"; the older server echoed "3" for a request that asked for "iterative"
        # (the FO Aqr request behind the GK Per reply, same docs set).
        codes={"2": "simple", "3": "iterative"},
    )
    max_cent_tries: Count | None = param(
        "maxCentTries",
        "maxCentTries",
        "ObsIDs to try centroiding on before giving up",
        server_default=10,
        stricter="with no tries, centroid=True would silently not centroid",
        ge=1,
    )
    pos_err: Number | None = param(
        "poserr",
        "posErr",
        "How far the centroid may move from the input position; required when centroid",
        unit="arcmin",
        ge=1,
        le=6,
        decode=arcmin_from_echo,
    )
    sss: Flag | None = param(
        "sss",
        "sss",
        "Super-soft source: grade-0 events only and lower pile-up thresholds",
        server_default=False,
    )
    use_sxps: Flag | None = param(
        "useSXPS",
        "useSXPS",
        "Use the SXPS source lists",
        server_default=False,
        # The older server echoed useSXPS as "2SXPS" for a request that did not set it (default 0).
        codes={"2SXPS": False},
    )
    wt_pup_rate: Number | None = param(
        "wtpuprate",
        "wtPupRate",
        "Rate above which WT pile-up is tested",
        unit="ct/s",
        server_default=150.0,
        stricter=NO_RANGE,
        gt=0,
    )
    pc_pup_rate: Number | None = param(
        "pcpuprate",
        "pcPupRate",
        "Rate above which PC pile-up is tested",
        unit="ct/s",
        server_default=0.6,
        stricter=NO_RANGE,
        gt=0,
    )
    notify: Flag | None = param(
        "notify", "notify", "E-mail the user when the job completes or fails", server_default=False
    )
    get_coords: Flag | None = param(
        "getCoords",
        "getCoords",
        "Resolve name into RA/Dec (SIMBAD) instead of giving them",
        server_default=False,
        derives=("ra", "dec"),
        stricter="True is refused with ra/dec, which the service would silently replace by the resolved ones",
    )
    get_targs: Flag | None = param(
        "getTargs",
        "getTargs",
        "Use every targetID matching name and covering RA/Dec instead of giving targ",
        server_default=False,
        derives=("targ",),
        stricter="True is refused with targ, which the service would silently replace by the IDs it finds",
    )
    get_t0: Flag | None = param(
        "getT0",
        "getT0",
        "T0 = GRB trigger time or start of the first observation",
        server_default=False,
        derives=("t0",),
        stricter="True is refused with t0, which the service would silently replace by the T0 it works out",
    )

    _TRIGGERS: ClassVar[tuple[Trigger, ...]] = (
        Trigger("t0", {"get_t0": False}),
        Trigger("targ", {"get_targs": False}),
    )

    @classmethod
    def _context(cls) -> str:
        return "The global parameters are not valid"

    @classmethod
    def _what(cls) -> str:
        return "the global parameters"

    @classmethod
    def _rules(cls, v: Mapping[str, Any], name: Namer) -> Iterator[Issue]:
        if v["centroid"]:
            yield from cls._needs(v, name, "centroid", ("pos_err",))
        if v["get_coords"]:
            for coord in ("ra", "dec"):
                if v[coord] is not None:
                    yield Issue(
                        coord,
                        f"not used when {name('get_coords')}=True: the service resolves {name('name')} and "
                        f"replaces it; remove {name(coord)} or {name('get_coords')}",
                        ("get_coords",),
                    )
