"""Synthetic light curves: bins drawn from a :class:`~.sky.Source`, as ``getLCData`` replies and QDP files.

One :class:`LightCurve` per job holds the binned data of both modes. Its datasets (docs/protocol.md §12, names
``{mode}{kind}{_nosys}{_incbad}``) and the QDP files of the ``lc/`` directory are formatted from the same
strings, so a client that parses either gets identical numbers.

Variants: WT data carry a systematic error that ``_nosys`` removes; PC bins whose centroid could not be
checked (about one in ten) appear only in ``_incbad`` sets. So ``WT_incbad`` equals ``WT`` and ``PC_nosys``
equals ``PC`` and they share files, as in the service's own URL lists.
"""

from __future__ import annotations

import math
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from typing import Any

from ._formats import QDPGroup, format_value, write_qdp
from ._jobpars import choice, number
from ._sky import SWIFT_ORBIT, Snapshot, Source, met_to_mjd, source_counts

MODES: tuple[str, ...] = ("WT", "PC")
#: Most bins one mode may have: finer binning requests are coarsened to stay under it.
MAX_BINS = 600
#: Fractional systematic error of WT rates (removed by ``nosys``).
WT_SYSTEMATIC = 0.03

RATE_COLUMNS: tuple[str, ...] = (
    "Time",
    "TimePos",
    "TimeNeg",
    "Rate",
    "RatePos",
    "RateNeg",
    "FracExp",
    "BGrate",
    "BGerr",
    "CorrFact",
    "CtsInSrc",
    "BGInSrc",
    "Exposure",
    "Sigma",
    "SNR",
)
BAND_COLUMNS: tuple[str, ...] = ("Time", "TimePos", "TimeNeg", "Rate", "RateErr", "Exposure")
HR_COLUMNS: tuple[str, ...] = ("Time", "TimePos", "TimeNeg", "HR", "HRErr", "Exposure")
_OLD_NAMES = {
    "TimePos": "T_+ve",
    "TimeNeg": "T_-ve",
    "RatePos": "Ratepos",
    "RateNeg": "Rateneg",
    "HRErr": "HRerr",
}

BINNING_LABELS = {"counts": "Counts", "time": "Time", "snapshot": "Snapshot", "obsid": "Observation"}


@dataclass(frozen=True, slots=True)
class LCSettings:
    """The light-curve parameters of a job that shape the bins (wire meanings, already coerced)."""

    bin_method: str = "counts"
    pc_counts: int = 20
    wt_counts: int = 30
    pc_bin: float = 2.51
    wt_bin: float = 0.5
    min_frac_exp: float = 0.0
    min_sig: float = 3.0
    allow_ul: str = "both"
    mjd: bool = False
    windows: tuple[Snapshot, ...] = ()


@dataclass(slots=True)
class LCBin:
    """One bin: its exposure segments and counts; rates and errors follow from them."""

    mode: str
    segments: list[tuple[float, float]] = field(default_factory=list)
    source: float = 0.0  # expected source counts (before noise)
    weighted_time: float = 0.0  # sum of counts x time, for the mean arrival time
    counts: float = 0.0
    background: float = 0.0
    bg_rate: float = 0.0
    bg_err: float = 0.0
    corr: float = 1.0
    upper_limit: bool = False
    bad: bool = False
    span: tuple[float, float] | None = None  # a time bin's whole slot, exposed or not

    @property
    def start(self) -> float:
        """Start of the bin (since T0): its first exposed second, or the start of its time slot."""
        return self.span[0] if self.span else self.segments[0][0]

    @property
    def stop(self) -> float:
        """End of the bin (since T0): its last exposed second, or the end of its time slot."""
        return self.span[1] if self.span else self.segments[-1][1]

    @property
    def exposure(self) -> float:
        """Exposed seconds."""
        return sum(b - a for a, b in self.segments)

    @property
    def time(self) -> float:
        """Mean photon arrival time (since T0)."""
        if self.source > 0:
            return min(self.stop, max(self.start, self.weighted_time / self.source))
        return (self.start + self.stop) / 2

    @property
    def net(self) -> float:
        """Background-subtracted counts."""
        return self.counts - self.background

    @property
    def sigma(self) -> float:
        """Detection significance against the background, capped at 1000 as the service's tables are."""
        if self.background <= 0:
            return 1000.0
        return min(1000.0, max(0.0, self.net) / math.sqrt(self.background))

    @property
    def snr(self) -> float:
        """Signal to noise of the net counts (``inf`` for an upper limit)."""
        if self.upper_limit:
            return math.inf
        return self.net / math.sqrt(max(self.counts, 1.0))

    def rate(self) -> float:
        """Corrected count rate, or the 3-sigma upper limit for an upper-limit bin."""
        if self.upper_limit:
            return (max(self.net, 0.0) + 3.0 * math.sqrt(max(self.counts, 1.0))) * self.corr / self.exposure
        return self.net * self.corr / self.exposure

    def rate_error(self, *, systematic: bool) -> float:
        """1-sigma rate error; WT bins add :data:`WT_SYSTEMATIC` unless ``systematic`` is False."""
        if self.upper_limit:
            return 0.0
        error = math.sqrt(max(self.counts, 1.0)) * self.corr / self.exposure
        if systematic and self.mode == "WT":
            error = math.hypot(error, WT_SYSTEMATIC * self.rate())
        return error


@dataclass(frozen=True, slots=True)
class Dataset:
    """One named set of the reply: column labels, rows of strings and the QDP file that holds them."""

    name: str
    columns: tuple[str, ...]
    rows: tuple[tuple[str, ...], ...]
    file: str


class LightCurve:
    """The binned light curve of one job, in every layout and file the service offers."""

    def __init__(
        self, source: Source, settings: LCSettings, products_url: str, *, t0: float | None = None
    ) -> None:
        self.source = source
        self.settings = settings
        #: The job's T0 (Swift MET): times are reported relative to it; the plan's own zero is ``source.t0``.
        self.t0 = source.t0 if t0 is None else t0
        self._shift = source.t0 - self.t0
        self._rows: dict[tuple[int, bool], tuple[str, ...]] = {}
        self._sets: dict[tuple[str, bool, bool], list[Dataset]] = {}
        self.url = products_url.rstrip("/")
        self.bins: dict[str, list[LCBin]] = {}
        for mode in MODES:
            windows = [w for w in settings.windows if w.mode == mode]
            if windows:
                self.bins[mode] = _make_bins(source, settings, mode, windows)

    # ---- values ---------------------------------------------------------------------------------------

    @property
    def binning(self) -> str:
        """The ``Binning`` label: Counts, Time, Snapshot or Observation."""
        return BINNING_LABELS.get(self.settings.bin_method, "Unknown")

    @property
    def time_format(self) -> str:
        """The ``TimeFormat`` label: MET (seconds since T0) or MJD."""
        return "MJD" if self.settings.mjd else "MET"

    def _times(self, start: float, time: float, stop: float) -> tuple[str, str, str]:
        if self.settings.mjd:
            t0 = self.source.t0
            mid = met_to_mjd(t0 + time)
            return (
                f"{mid:.8f}",
                f"{met_to_mjd(t0 + stop) - mid:.8f}",
                f"{met_to_mjd(t0 + start) - mid:.8f}",
            )
        return f"{time + self._shift:.3f}", f"{stop - time:.3f}", f"{start - time:.3f}"

    def _rate_row(self, b: LCBin, *, systematic: bool) -> tuple[str, ...]:
        key = (id(b), systematic and b.mode == "WT")
        row = self._rows.get(key)
        if row is None:
            row = self._rows[key] = self._format_rate_row(b, systematic=systematic)
        return row

    def _format_rate_row(self, b: LCBin, *, systematic: bool) -> tuple[str, ...]:
        rate, error = b.rate(), b.rate_error(systematic=systematic)
        exposure = b.exposure
        return (
            *self._times(b.start, b.time, b.stop),
            format_value(rate),
            format_value(error),
            format_value(-error),
            format_value(min(1.0, exposure / max(b.stop - b.start, 1e-9))),
            format_value(b.bg_rate),
            format_value(b.bg_err),
            format_value(b.corr),
            f"{b.counts:.1f}",
            format_value(b.background),
            format_value(exposure),
            format_value(b.sigma),
            format_value(b.snr),
        )

    def _band_rows(self, bins: Sequence[LCBin]) -> tuple[list[tuple[str, ...]], ...]:
        """Hard, soft and ratio rows: counts bins in pairs (within an orbit), other binnings bin by bin."""
        groups: list[list[LCBin]] = []
        for b in bins:
            last = groups[-1] if groups else None
            if (
                self.settings.bin_method == "counts"
                and last is not None
                and len(last) < 2
                and b.start - last[-1].stop < SWIFT_ORBIT
            ):
                last.append(b)
            else:
                groups.append([b])
        hard_rows: list[tuple[str, ...]] = []
        soft_rows: list[tuple[str, ...]] = []
        ratio_rows: list[tuple[str, ...]] = []
        for group in groups:
            exposure = sum(b.exposure for b in group)
            counts = sum(max(b.net, 1.0) for b in group)
            source = sum(b.source for b in group)
            time = sum(b.weighted_time for b in group) / source if source > 0 else group[0].time
            start, stop = group[0].start, group[-1].stop
            time = min(stop, max(start, time))
            corr = sum(b.corr * b.exposure for b in group) / exposure
            fraction = self.source.hard_fraction(time)
            hard, soft = max(counts * fraction, 0.5), max(counts * (1 - fraction), 0.5)
            hard_rate, soft_rate = hard * corr / exposure, soft * corr / exposure
            ratio = hard_rate / soft_rate
            times = self._times(start, time, stop)
            exp_text = format_value(exposure)
            hard_rows.append(
                (*times, format_value(hard_rate), format_value(math.sqrt(hard) * corr / exposure), exp_text)
            )
            soft_rows.append(
                (*times, format_value(soft_rate), format_value(math.sqrt(soft) * corr / exposure), exp_text)
            )
            ratio_err = ratio * math.sqrt(1 / hard + 1 / soft)
            ratio_rows.append((*times, format_value(ratio), format_value(ratio_err), exp_text))
        return hard_rows, soft_rows, ratio_rows

    @staticmethod
    def _suffix(mode: str, nosys: bool, incbad: bool) -> str:
        """File-name suffix: only the variants that change a mode's numbers get their own files."""
        return ("_nosys" if nosys and mode == "WT" else "") + ("_incbad" if incbad and mode == "PC" else "")

    def datasets(self, nosys: bool, incbad: bool) -> list[Dataset]:
        """The datasets of one (nosys, incbad) variant, modes WT then PC, kinds rate, UL, Hard, Soft, HR."""
        out: list[Dataset] = []
        for mode in MODES:
            out.extend(self._mode_datasets(mode, nosys, incbad))
        return out

    def _mode_datasets(self, mode: str, nosys: bool, incbad: bool) -> list[Dataset]:
        key = (mode, nosys, incbad)
        if key not in self._sets:
            self._sets[key] = self._build_mode_datasets(mode, nosys, incbad)
        return self._sets[key]

    def _build_mode_datasets(self, mode: str, nosys: bool, incbad: bool) -> list[Dataset]:
        bins = self.bins.get(mode, [])
        detections = [b for b in bins if not b.upper_limit and (incbad or not b.bad)]
        limits = [b for b in bins if b.upper_limit]
        name = ("_nosys" if nosys else "") + ("_incbad" if incbad else "")
        files = self._suffix(mode, nosys, incbad)
        out: list[Dataset] = []
        if detections:
            rows = tuple(self._rate_row(b, systematic=not nosys) for b in detections)
            out.append(Dataset(f"{mode}{name}", RATE_COLUMNS, rows, f"{mode}CURVE{files}.qdp"))
        if limits:
            rows = tuple(self._rate_row(b, systematic=not nosys) for b in limits)
            out.append(Dataset(f"{mode}UL{name}", RATE_COLUMNS, rows, f"{mode}UL{files}.qdp"))
        if detections:
            hard, soft, ratio = self._band_rows(detections)
            hr_file = f"{mode}HR{files}.qdp"
            out.append(Dataset(f"{mode}Hard{name}", BAND_COLUMNS, tuple(hard), hr_file))
            out.append(Dataset(f"{mode}Soft{name}", BAND_COLUMNS, tuple(soft), hr_file))
            out.append(Dataset(f"{mode}HR{name}", HR_COLUMNS, tuple(ratio), hr_file))
        return out

    # ---- replies ---------------------------------------------------------------------------------------

    def reply(self, nosys: Sequence[bool], incbad: Sequence[bool]) -> dict[str, Any]:
        """The current (api >= 1.10) ``getLCData`` reply for the requested variants."""
        sets: list[Dataset] = []
        for mode in MODES:
            for ns in nosys:
                for ib in incbad:
                    sets.extend(self._mode_datasets(mode, ns, ib))
        reply: dict[str, Any] = {"Datasets": [d.name for d in sets]}
        for d in sets:
            reply[f"{d.name}Data"] = {
                "columns": list(d.columns),
                "data": [list(r) for r in d.rows],
                "URL": f"{self.url}/lc/{d.file}",
            }
        reply.update(Binning=self.binning, TimeFormat=self.time_format, T0=self.t0)
        return reply

    def _old_sets(self) -> list[Dataset]:
        """Datasets of the old layouts: rates and upper limits of each mode, then the hardness ratios."""
        sets = self.datasets(False, False)
        chosen = [d for d in sets if not d.name.endswith(("Hard", "Soft", "HR"))]
        chosen += [d for d in sets if d.name.endswith("HR")]
        return chosen

    @staticmethod
    def _old_table(d: Dataset) -> dict[str, Any]:
        return {"columns": [_OLD_NAMES.get(c, c) for c in d.columns], "data": [list(r) for r in d.rows]}

    def reply_v19(self) -> dict[str, Any]:
        """The layout served to v1.9 clients: lower-case ``datasets`` and old column names."""
        sets = self._old_sets()
        reply: dict[str, Any] = {"datasets": [d.name for d in sets]}
        for d in sets:
            reply[f"{d.name}Data"] = self._old_table(d)
        reply.update(Binning=self.binning, TimeFormat=self.time_format, T0=self.t0)
        return reply

    def reply_v18(self) -> dict[str, Any]:
        """The layout for clients up to v1.8: ``has<name>`` flags, ``<name>Data`` for WT/PC rates and ULs."""
        reply: dict[str, Any] = {}
        for d in self._old_sets():
            if d.name in ("WT", "WTUL", "PC", "PCUL"):
                reply[f"has{d.name}"] = 1
                reply[f"{d.name}Data"] = self._old_table(d)
        return reply

    # ---- files -----------------------------------------------------------------------------------------

    def _header(self, what: str) -> list[str]:
        unit = "MJD" if self.settings.mjd else f"s since T0 = {self.t0:.3f} (Swift MET)"
        return [
            f"Swift-XRT light curve of {self.source.name}: {what}",
            f"Binning: {self.binning}; times in {unit}; rates in ct/s (0.3-10 keV)",
        ]

    def files(self) -> dict[str, str]:
        """Every QDP file of the ``lc/`` directory, by file name (``curve.qdp`` first)."""
        files: dict[str, str] = {"curve.qdp": self._combined()}
        for nosys in (False, True):
            for incbad in (False, True):
                by_file: dict[str, list[Dataset]] = {}
                for d in self.datasets(nosys, incbad):
                    by_file.setdefault(d.file, []).append(d)
                for name, sets in by_file.items():
                    if name not in files:
                        files[name] = self._file_text(sets)
        return files

    def _file_text(self, sets: Sequence[Dataset]) -> str:
        first = sets[0]
        if first.columns == RATE_COLUMNS:
            kind = "upper limits" if "UL" in first.name else "rates"
            groups = [QDPGroup(f"{_mode_of(d.name)} {kind}", d.rows) for d in sets]
            return write_qdp(groups, RATE_COLUMNS, terr=(1, 2), header=self._header(f"{first.name} {kind}"))
        groups = [QDPGroup(_band_label(d), d.rows) for d in sets]
        header = self._header("hard (1.5-10 keV), soft (0.3-1.5 keV) and hardness ratio (hard/soft)")
        header.append("The hardness-ratio group's columns are Time TimePos TimeNeg HR HRErr Exposure")
        return write_qdp(groups, BAND_COLUMNS, serr=(2,), terr=(1,), header=header)

    def _combined(self) -> str:
        """``curve.qdp``: WT and PC rates and upper limits (with systematics, verified centroids only)."""
        groups = []
        for d in self.datasets(False, False):
            if d.columns == RATE_COLUMNS:
                kind = "upper limits" if "UL" in d.name else "rates"
                groups.append(QDPGroup(f"{_mode_of(d.name)} {kind}", d.rows))
        return write_qdp(groups, RATE_COLUMNS, terr=(1, 2), header=self._header("all data"))


def _mode_of(name: str) -> str:
    return name[:2]


def _band_label(d: Dataset) -> str:
    base = d.name.split("_")[0]
    kind = base[2:]
    return {"Hard": f"{base[:2]} hard band", "Soft": f"{base[:2]} soft band"}.get(
        kind, f"{base[:2]} hardness ratio"
    )


# ---- binning ----------------------------------------------------------------------------------------------


def _fill(source: Source, b: LCBin, a: float, z: float, expected: float | None = None) -> None:
    """Add the exposure [a, z] to bin ``b``: its segment, expected counts and arrival-time weight."""
    if z <= a:
        return
    counts = source_counts(source, b.mode, a, z) if expected is None else expected
    # Mean arrival time within the segment, from eight rate samples.
    samples = [a + (z - a) * (k + 0.5) / 8 for k in range(8)]
    weights = [source.observed_rate(b.mode, t) for t in samples]
    total = sum(weights)
    mean = sum(w * t for w, t in zip(weights, samples, strict=True)) / total if total > 0 else (a + z) / 2
    if b.segments and abs(b.segments[-1][1] - a) < 1e-9:
        b.segments[-1] = (b.segments[-1][0], z)
    else:
        b.segments.append((a, z))
    b.source += counts
    b.weighted_time += counts * mean


def _finish(source: Source, settings: LCSettings, b: LCBin, index: int, counts: float | None) -> LCBin:
    """Fix the bin's counts, background and correction, and decide detection or upper limit."""
    rng = source.random("lcbin", b.mode, settings.bin_method, index)
    exposure = b.exposure
    bg_rate = source.background(b.mode) * rng.uniform(0.8, 1.25)
    b.bg_rate = bg_rate
    b.background = bg_rate * exposure
    b.bg_err = bg_rate / math.sqrt(max(1.0, bg_rate * exposure * 25.0))
    if counts is None:
        expected = b.source + b.background
        counts = max(0.0, round(expected + rng.gauss(0.0, math.sqrt(max(expected, 1e-9)))))
    b.counts = float(counts)
    b.corr = source.correction(b.mode, source.rate(b.time))
    b.bad = b.mode == "PC" and rng.random() < 0.1
    b.upper_limit = b.counts < 4 or b.sigma < settings.min_sig
    return b


def _ul_allowed(settings: LCSettings, mode: str) -> bool:
    return settings.allow_ul in ("both", mode.lower())


def _keep(settings: LCSettings, bins: Iterable[LCBin]) -> list[LCBin]:
    """Drop upper limits the request does not allow and bins with too little exposure."""
    out = []
    for b in bins:
        if b.exposure <= 0:
            continue
        if b.upper_limit and not _ul_allowed(settings, b.mode):
            continue
        out.append(b)
    return out


def _make_bins(source: Source, settings: LCSettings, mode: str, windows: Sequence[Snapshot]) -> list[LCBin]:
    method = settings.bin_method
    if method == "time":
        return _keep(settings, _time_bins(source, settings, mode, windows))
    if method == "snapshot":
        groups = [[w] for w in windows]
        return _keep(settings, _group_bins(source, settings, mode, groups))
    if method == "obsid":
        by_obs: dict[str, list[Snapshot]] = {}
        for w in windows:
            by_obs.setdefault(w.obsid, []).append(w)
        return _keep(settings, _group_bins(source, settings, mode, list(by_obs.values())))
    return _keep(settings, _count_bins(source, settings, mode, windows))


def _group_bins(
    source: Source, settings: LCSettings, mode: str, groups: Sequence[Sequence[Snapshot]]
) -> list[LCBin]:
    bins = []
    for index, group in enumerate(groups):
        b = LCBin(mode)
        for w in group:
            _fill(source, b, w.start, w.stop)
        bins.append(_finish(source, settings, b, index, None))
    return bins


def _time_bins(source: Source, settings: LCSettings, mode: str, windows: Sequence[Snapshot]) -> list[LCBin]:
    length = max(settings.wt_bin if mode == "WT" else settings.pc_bin, 0.1)
    slots = sum(math.floor(w.stop / length) - math.floor(w.start / length) + 1 for w in windows)
    if slots > MAX_BINS:
        length *= math.ceil(slots / MAX_BINS)
    bins: dict[int, LCBin] = {}
    for w in windows:
        k = math.floor(w.start / length)
        while k * length < w.stop:
            a, z = max(w.start, k * length), min(w.stop, (k + 1) * length)
            if z > a:
                _fill(source, bins.setdefault(k, LCBin(mode)), a, z)
            k += 1
    out = []
    for index, (k, b) in enumerate(sorted(bins.items())):
        if b.exposure / length < settings.min_frac_exp:
            continue
        # A time bin spans its whole slot: FracExp is then the exposed fraction of the slot.
        b.span = (k * length, (k + 1) * length)
        out.append(_finish(source, settings, b, index, None))
    return out


#: How many counts past the target a counts bin closes (drawn per bin).
_EXTRA_COUNTS = (0, 0, 0, 1, 1, 2, 3, 4)


def _count_bins(source: Source, settings: LCSettings, mode: str, windows: Sequence[Snapshot]) -> list[LCBin]:
    """Counts binning: close a bin when it holds the target counts, across snapshot gaps if need be."""
    target = max(1, settings.wt_counts if mode == "WT" else settings.pc_counts)
    total = sum(source_counts(source, mode, w.start, w.stop) for w in windows)
    if total / target > MAX_BINS:
        target = math.ceil(total / MAX_BINS)
    minimum = max(settings.wt_bin if mode == "WT" else settings.pc_bin, 0.0)
    rng = source.random("countbins", mode, target)
    bins: list[LCBin] = []
    current = LCBin(mode)
    # A bin closes a few counts past the target; it holds them (expected = reported, so rebinning the same
    # data conserves counts).
    extra = rng.choice(_EXTRA_COUNTS)
    need = float(target + extra)
    for w in windows:
        t = w.start
        while t < w.stop:
            step = min(w.stop - t, max(0.25, 0.1 * source.model.timescale(t)))
            rate = source.observed_rate(mode, t + step / 2)
            got = rate * step
            if got >= need:
                end = t + need / rate if rate > 0 else w.stop
                stretched = min(w.stop, max(end, t + max(0.0, minimum - current.exposure)))
                _fill(source, current, t, stretched, float(need) if stretched == end else None)
                # A bin stretched to the minimum length holds more than the target.
                counts = max(target + extra, round(current.source))
                bins.append(_finish(source, settings, current, len(bins), counts))
                end = stretched
                extra = rng.choice(_EXTRA_COUNTS)
                current, need, t = LCBin(mode), float(target + extra), end
            else:
                _fill(source, current, t, t + step, got)
                need -= got
                t += step
    if current.segments:
        _close_tail(source, settings, bins, _finish(source, settings, current, len(bins), None))
    return bins


def _close_tail(source: Source, settings: LCSettings, bins: list[LCBin], leftover: LCBin) -> None:
    """Add the unfilled last counts bin: a short tail straight after a full bin joins that bin, as the
    service merges such tails; any other tail is a bin of its own."""
    if leftover.upper_limit and bins and leftover.start - bins[-1].stop < 1.0:
        last = bins[-1]
        for a, z in leftover.segments:
            _fill(source, last, a, z)
        last.counts += leftover.counts
        last.background += leftover.background
        last.upper_limit = last.counts < 4 or last.sigma < settings.min_sig
    else:
        bins.append(leftover)


def parse_variants(value: object, what: str) -> tuple[bool, ...]:
    """The variants a ``nosys``/``incbad`` value asks for: yes -> (True,), no -> (False,), both -> both."""
    if isinstance(value, bool):
        return (value,)
    text = str(value).strip().lower() if value is not None else "no"
    if text in ("yes", "1", "true"):
        return (True,)
    if text in ("no", "0", "false", ""):
        return (False,)
    if text == "both":
        return (False, True)
    raise ValueError(f"{what} must be 'yes', 'no' or 'both', got {value!r}")


def settings_from(pars: Mapping[str, Any], windows: Sequence[Snapshot]) -> LCSettings:
    """:class:`LCSettings` from a job's wire parameters (strings or numbers) and its selected windows."""
    method = choice(pars, "binMeth", ("counts", "time", "snapshot", "obsid"), "counts")
    time_type = choice(pars, "lctimetype", ("s", "m", "sec", "mjd", "seconds"), "s")
    return LCSettings(
        bin_method=method,
        pc_counts=int(number(pars, "pccounts", 20)),
        wt_counts=int(number(pars, "wtcounts", 30)),
        pc_bin=number(pars, "pcbin", 2.51),
        wt_bin=number(pars, "wtbin", 0.5),
        min_frac_exp=number(pars, "femin", 0.0),
        min_sig=number(pars, "sigmin", 3.0),
        allow_ul=choice(pars, "allowUL", ("no", "pc", "wt", "both"), "both"),
        mjd=time_type in ("m", "mjd"),
        windows=tuple(windows),
    )
