"""Rebinning a finished job's light curve (docs/protocol.md §15): the options, their checks and the rebins.

A rebin request names a job whose light curve is complete and gives binning options under swifttools'
Python names, untranslated (docs/parameters.md §11). :func:`check_options` maps them to wire names and runs
them through the submit validator, so a rebin obeys exactly the rules of a submitted light curve. The
rebinned curve is the job's own synthetic source binned the new way: the job's parameters with every
light-curve option replaced by the rebin's (defaults as for a submission). Only the selection of observations
is inherited when the rebin does not set it, since a rebin can only re-bin the events the job extracted.

A :class:`Rebin` lives on the simulated clock without the worker pool: code 1 for the configured
``request_delay``, then code 3 for a duration drawn from ``rebin_duration``, then 4 (or -3 at the configured
failure rate); a cancel before then makes it -4. Its status is a function of the clock, so no events are
needed and every time scale works.
"""

from __future__ import annotations

import random
from collections.abc import Iterator, Mapping
from dataclasses import dataclass, field
from typing import Any

from xrt_prods_async._products import Product
from xrt_prods_async.wire._endpoints import StatusCode

from ._config import EmulatorConfig
from ._jobs import STATUS_TEXT, StatusPolls
from ._lightcurve import LightCurve
from ._science import JobScience
from ._validation import WIRE_PARAMETERS, build_job_pars, validate_submission

__all__ = [
    "FIRST_REBIN_ID",
    "REBIN_OPTIONS",
    "OptionCheck",
    "Rebin",
    "Rebins",
    "check_options",
    "rebin_url",
]

#: swifttools' light-curve option names -> wire names (docs/parameters.md §4 and §11).
REBIN_OPTIONS: dict[str, str] = {
    "binMeth": "binMeth",
    "minEnergy": "minen",
    "maxEnergy": "maxen",
    "softLo": "soft1",
    "softHi": "soft2",
    "hardLo": "hard1",
    "hardHi": "hard2",
    "minSig": "sigmin",
    "grades": "grades",
    "allowUL": "allowUL",
    "allowBayes": "allowB",
    "bayesCounts": "bayesCounts",
    "bayesSNR": "bayesSNR",
    "timeFormat": "lctimetype",
    "whichData": "lcobs",
    "useObs": "uselcobs",
    "srcrad": "srcrad",
    "pcCounts": "pccounts",
    "wtCounts": "wtcounts",
    "dynamic": "dynamic",
    "rateFact": "ratefact",
    "binFact": "binfact",
    "pcBinTime": "pcbin",
    "wtBinTime": "wtbin",
    "minCounts": "mincmin",
    "minSNR": "minsnr",
    "pcMaxGap": "pcmaxgap",
    "wtMaxGap": "wtmaxgap",
    "matchHR": "hrbin",
    "pcHRBinTime": "pchrbin",
    "wtHRBinTime": "wthrbin",
    "minFracExp": "femin",
}
#: Other spellings swifttools accepts for the same options: a deprecated name and its type table's spellings.
_ALIASES: dict[str, str] = {"timeType": "timeFormat", "pcmaxGap": "pcMaxGap", "wtmaxGap": "wtMaxGap"}
_WIRE_TO_NAME = {wire: name for name, wire in REBIN_OPTIONS.items()}

#: Wire keys of the job that a rebin replaces: every light-curve parameter (and its old spellings).
_LC_KEYS = frozenset(
    key
    for par in WIRE_PARAMETERS
    if Product.LIGHT_CURVE.value in par.scope or par.name in REBIN_OPTIONS.values()
    for key in (par.name, *par.aliases)
)
_SELECTION = ("lcobs", "uselcobs")
_PRODUCT_FLAGS = tuple(p.flag for p in Product)

#: RebinIDs come from their own range, so one is never mistaken for an xrt_prods JobID in a test.
FIRST_REBIN_ID = 70001


@dataclass(frozen=True, slots=True)
class OptionCheck:
    """Outcome of :func:`check_options`: the rebinned curve's wire parameters, or the problems.

    Problems name the options as the request spelled them (the caller's Python names).
    """

    pars: dict[str, Any] | None
    unknown: tuple[str, ...] = ()
    missing: tuple[str, ...] = ()
    invalid: tuple[str, ...] = ()


def _canonical(name: str) -> str | None:
    name = _ALIASES.get(name, name)
    return name if name in REBIN_OPTIONS else None


def check_options(job_pars: Mapping[str, Any], options: Mapping[str, Any], *, job_id: int = 0) -> OptionCheck:
    """Check a rebin's options (Python names; ``None`` counts as absent) against the submit rules.

    ``job_pars`` are the job's ``jobPars``: its globals (name, position, T0, ...) carry over, its light-curve
    options do not, except the selection of observations when the rebin names neither ``whichData`` nor
    ``useObs``. A rebin naming only ``useObs`` selects those observations (``whichData`` 'user').
    """
    unknown = tuple(key for key in options if _canonical(key) is None)
    if unknown:
        return OptionCheck(None, unknown=unknown)
    sent, spelled = _sent_options(options)
    outcome = validate_submission(_rebin_body(job_pars, sent))
    if outcome.submission is None:
        # The validator also lists an invalid value as missing; say only what is wrong with it.
        missing = [w for w in outcome.missing if not any(t.startswith(f"{w} is ") for t in outcome.invalid)]
        return OptionCheck(
            None,
            missing=tuple(spelled.get(w, _WIRE_TO_NAME.get(w, w)) for w in missing),
            invalid=tuple(_rename(text, spelled) for text in outcome.invalid),
        )
    return OptionCheck(build_job_pars(outcome.submission, job_id=job_id, envelope={}))


def _sent_options(options: Mapping[str, Any]) -> tuple[dict[str, Any], dict[str, str]]:
    """The options given (all known names), by wire name, and how the request spelled each one.

    ``None`` counts as absent, and a canonical name wins over its alias whichever comes first.
    """
    sent: dict[str, Any] = {}
    spelled: dict[str, str] = {}
    for key, value in options.items():
        name = _canonical(key)
        assert name is not None
        wire = REBIN_OPTIONS[name]
        if value is None or (wire in sent and key != name):
            continue  # absent, or an alias given beside the canonical name (which wins)
        sent[wire] = value
        spelled[wire] = key
    return sent, spelled


def _rebin_body(job_pars: Mapping[str, Any], sent: Mapping[str, Any]) -> dict[str, Any]:
    """The submission a rebin amounts to: the job's globals, a light curve only, binned as ``sent`` says."""
    body = {k: v for k, v in job_pars.items() if k not in _LC_KEYS and k not in _PRODUCT_FLAGS}
    body.update(dict.fromkeys(_PRODUCT_FLAGS, 0))
    body[Product.LIGHT_CURVE.flag] = 1
    if not any(key in sent for key in _SELECTION):
        body.update({key: job_pars[key] for key in _SELECTION if key in job_pars})
    elif "uselcobs" in sent and "lcobs" not in sent:
        body["lcobs"] = "user"
    body.update(sent)
    return body


def _rename(problem: str, spelled: Mapping[str, str]) -> str:
    """A validator message with wire names replaced by the Python names the caller knows."""
    words = []
    for word in problem.split(" "):
        core = word.strip("(),.:")
        name = spelled.get(core, _WIRE_TO_NAME.get(core))
        words.append(word.replace(core, name, 1) if core and name else word)
    return " ".join(words)


def rebin_url(products_url: str, rebin_id: int) -> str:
    """Where a rebin's files live: a folder of its job's URL, ``{URL}/rebin_{RebinID}`` (its QDP files in
    ``lc/`` below, as a job's)."""
    return f"{products_url.rstrip('/')}/rebin_{rebin_id}"


@dataclass(eq=False, slots=True)
class Rebin(StatusPolls):
    """One rebin of one job's light curve; times are simulated seconds."""

    rebin_id: int
    job_id: int
    pars: dict[str, Any]
    name: str
    submitted_at: float
    request_delay: float
    duration: float
    fails: bool
    cancelled_at: float | None = None
    _curves: dict[str, LightCurve] = field(default_factory=dict, repr=False)

    @property
    def started_at(self) -> float:
        """When it leaves code 1 and starts running."""
        return self.submitted_at + self.request_delay

    @property
    def done_at(self) -> float:
        """When it finishes unless cancelled first."""
        return self.started_at + self.duration

    def code(self, now: float) -> StatusCode:
        """Status at simulated time ``now``: 1, 3, then 4 (or -3); -4 once cancelled."""
        if self.cancelled_at is not None:
            return StatusCode.CANCELLED
        if now >= self.done_at:
            return StatusCode.NO_PRODUCT if self.fails else StatusCode.COMPLETE
        if now >= self.started_at:
            return StatusCode.RUNNING
        return StatusCode.REQUESTED

    def text(self, now: float) -> str:
        """The status text, as for a product (docs/protocol.md §7.2)."""
        return STATUS_TEXT[self.code(now)]

    def cancel(self, now: float) -> bool:
        """Cancel it if it has not finished (True); False when it already had."""
        if self.code(now).finished:
            return False
        self.cancelled_at = now
        return True

    def curve(self, products_url: str, *, seed: int) -> LightCurve:
        """The rebinned light curve, its file URLs below ``products_url`` (the job's URL for this request)."""
        url = rebin_url(products_url, self.rebin_id)
        found = self._curves.get(url)
        if found is None:
            science = JobScience(self.job_id, self.pars, seed=seed, products_url=url)
            found = self._curves[url] = science.light_curve
        return found


class Rebins:
    """Every rebin of one emulator run, by RebinID (the state's lock protects it)."""

    def __init__(self, first_id: int = FIRST_REBIN_ID) -> None:
        self._items: dict[int, Rebin] = {}
        self._next_id = first_id

    def create(
        self, job_id: int, pars: dict[str, Any], *, name: str, now: float, config: EmulatorConfig
    ) -> Rebin:
        """A new rebin submitted at ``now``; its duration and fate drawn from (seed, RebinID)."""
        rebin_id = self._next_id
        self._next_id += 1
        rng = random.Random(f"{config.seed}/rebin/{rebin_id}")
        rebin = Rebin(
            rebin_id=rebin_id,
            job_id=job_id,
            pars=pars,
            name=name,
            submitted_at=now,
            request_delay=config.request_delay,
            duration=config.rebin_duration.draw(rng),
            fails=rng.random() < config.failure_rate,
        )
        self._items[rebin_id] = rebin
        return rebin

    def get(self, rebin_id: int) -> Rebin | None:
        """The rebin with this ID, or None."""
        return self._items.get(rebin_id)

    def __iter__(self) -> Iterator[Rebin]:
        return iter(tuple(self._items.values()))

    def __len__(self) -> int:
        return len(self._items)
