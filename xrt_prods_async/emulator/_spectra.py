"""Synthetic spectra: time intervals, per-mode fits, the ``getSpecData`` layouts and the ``spec/`` files.

Intervals follow the job's ``timeslice`` (``single``, ``user`` slices ``rname1..4``/``gti1..4``, one per
``snapshot`` or per ``obsid``); each interval holds the WT and PC data of the selected snapshots that fall in
it. Fits are drawn from the source's spectrum (photon index, absorption, temperature) with errors that shrink
as the counts grow; fluxes follow the same rate model as the light curve.
"""

from __future__ import annotations

import math
import re
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from typing import Any

from ._archives import ArchiveMember, member_from_bytes, member_from_text, stream_archive
from ._formats import blob_pixels, gif_image
from ._jobpars import choice, flag, number, text, time_ranges, word_list
from ._sky import Snapshot, Source, source_counts

#: Wire model names (case-insensitive) -> reply keys, plot-file tags and the parameter replacing Gamma.
MODELS: dict[str, tuple[str, str]] = {
    "powerlaw": ("PowerLaw", ""),
    "apec": ("APEC", "_apec"),
    "blackbody": ("Blackbody", "_bb"),
}
#: Fewest counts for a spectrum in one mode, and for a fit.
MIN_SPECTRUM_COUNTS = 10.0
MIN_FIT_COUNTS = 30.0
#: Energy conversion factors (erg cm^-2 per count) of the observed 0.3-10 keV flux, per mode.
_ECF = {"WT": 4.0e-11, "PC": 3.5e-11}
#: Unix time of Swift MET zero; archive members are stamped with the MET of the job's T0.
UNIX_AT_MET_ZERO = 978307200


@dataclass(frozen=True, slots=True)
class SpecSettings:
    """The spectrum parameters of a job that shape intervals and fits (already coerced)."""

    timeslice: str = "single"
    stem: str = "interval0"
    slices: tuple[tuple[str, str], ...] = ()  # (rname, gti) of user slices
    models: tuple[str, ...] = ("powerlaw",)
    fit: bool = True
    galactic: bool = False
    redshift: float | None = None
    delta_fit_stat: float = 2.706
    windows: tuple[Snapshot, ...] = ()
    zero: float = 0.0  # subtracted from gti times to give plan times


@dataclass(slots=True)
class ModeData:
    """One mode's share of an interval: exposure, counts and the counts-weighted mean time (plan time)."""

    exposure: float = 0.0
    counts: float = 0.0
    weighted_time: float = 0.0

    @property
    def mean_time(self) -> float:
        """Mean photon arrival time, plan seconds."""
        return self.weighted_time / self.counts if self.counts > 0 else 0.0


@dataclass(slots=True)
class Interval:
    """A spectrum's time interval (plan seconds) and the data of each mode in it."""

    rname: str
    start: float
    stop: float
    modes: dict[str, ModeData] = field(default_factory=dict)


def clean_label(label: str) -> str:
    """A slice label as the service uses it: non-alphanumerics stripped."""
    return re.sub(r"[^A-Za-z0-9]", "", label)


def settings_from(pars: Mapping[str, Any], windows: Sequence[Snapshot], zero: float) -> SpecSettings:
    """:class:`SpecSettings` from a job's wire parameters and its selected snapshots."""
    slices = []
    for i in range(1, 5):
        gti = text(pars, f"gti{i}")
        if gti:
            slices.append((clean_label(text(pars, f"rname{i}")) or f"interval{i}", gti))
    models = tuple(m.lower() for m in word_list(pars.get("models")) if m.lower() in MODELS) or ("powerlaw",)
    fit = not flag(pars, "doNotFit")
    redshift = number(pars, "zval", math.nan) if flag(pars, "specz") else math.nan
    return SpecSettings(
        timeslice=choice(pars, "timeslice", ("single", "user", "snapshot", "obsid"), "single", {1: "single"}),
        stem=clean_label(text(pars, "specstem")) or "interval0",
        slices=tuple(slices),
        models=tuple(dict.fromkeys(models)),
        fit=fit,
        galactic=flag(pars, "galactic"),
        redshift=None if math.isnan(redshift) else redshift,
        delta_fit_stat=number(pars, "dchi", 2.706),
        windows=tuple(windows),
        zero=zero,
    )


#: An interval before its data is added up: name, start, stop (plan seconds) and the snapshot parts in it.
Span = tuple[str, float, float, list[Snapshot]]


def interval_spans(settings: SpecSettings) -> list[Span]:
    """The intervals the job's ``timeslice`` asks for, in order: one over all the data (``single``, named
    after the stem), or one per user slice, per observation or per snapshot."""
    windows = settings.windows
    if settings.timeslice == "user":
        return user_spans(settings.slices, windows, settings.zero)
    if settings.timeslice == "obsid":
        return obsid_spans(windows)
    if settings.timeslice == "snapshot":
        return snapshot_spans(windows)
    if windows:
        return [(settings.stem, windows[0].start, windows[-1].stop, list(windows))]
    return []


def user_spans(slices: Sequence[tuple[str, str]], windows: Sequence[Snapshot], zero: float) -> list[Span]:
    """One interval per user slice with time ranges, from its first start to its last stop; its parts are
    the windows clipped to each range (a slice without ranges is left out)."""
    spans = []
    for rname, gti in slices:
        ranges = time_ranges(gti, zero)
        if not ranges:
            continue
        parts = [
            Snapshot(w.obsid, w.mode, max(a, w.start), min(b, w.stop))
            for w in windows
            for a, b in ranges
            if min(b, w.stop) > max(a, w.start)
        ]
        spans.append((rname, min(a for a, _ in ranges), max(b for _, b in ranges), parts))
    return spans


def obsid_spans(windows: Sequence[Snapshot]) -> list[Span]:
    """One interval per observation, ``Obs_{obsid}``, in order of first appearance."""
    by_obs: dict[str, list[Snapshot]] = {}
    for w in windows:
        by_obs.setdefault(w.obsid, []).append(w)
    return [(f"Obs_{obsid}", group[0].start, group[-1].stop, group) for obsid, group in by_obs.items()]


def snapshot_spans(windows: Sequence[Snapshot]) -> list[Span]:
    """One interval per snapshot (contiguous windows), ``Obs_{obsid}_snap{n}`` counting within each obsid."""
    spans = []
    counter: dict[str, int] = {}
    for group in _contiguous(windows):
        obsid = group[0].obsid
        counter[obsid] = counter.get(obsid, 0) + 1
        spans.append((f"Obs_{obsid}_snap{counter[obsid]}", group[0].start, group[-1].stop, group))
    return spans


class Spectra:
    """The spectra of one job: intervals, fits, replies in both layouts and the files of ``spec/``."""

    def __init__(
        self, source: Source, settings: SpecSettings, products_url: str, *, t0: float | None = None
    ) -> None:
        self.source = source
        self.settings = settings
        self.url = products_url.rstrip("/")
        self.t0 = source.t0 if t0 is None else t0
        self._shift = source.t0 - self.t0  # plan seconds -> seconds since the job's T0
        self.intervals = self._intervals()

    # ---- intervals -------------------------------------------------------------------------------------

    def _intervals(self) -> list[Interval]:
        return [self._interval(*span) for span in interval_spans(self.settings)]

    def _interval(self, rname: str, start: float, stop: float, parts: Sequence[Snapshot]) -> Interval:
        """An interval holding the data of ``parts``; a mode with too few counts for a spectrum is dropped."""
        interval = Interval(rname, start, stop)
        for w in parts:
            counts = source_counts(self.source, w.mode, w.start, w.stop)
            data = interval.modes.setdefault(w.mode, ModeData())
            data.exposure += w.duration
            data.counts += counts
            data.weighted_time += counts * _mean_time(self.source, w)
        interval.modes = {
            m: interval.modes[m]
            for m in ("WT", "PC")
            if m in interval.modes and interval.modes[m].counts >= MIN_SPECTRUM_COUNTS
        }
        return interval

    # ---- fits ------------------------------------------------------------------------------------------

    def _fit(self, interval: Interval, mode: str, model: str) -> dict[str, Any]:
        """One model's fit in the current layout, or ``{"NOFIT": 1}`` when there are too few counts."""
        data = interval.modes[mode]
        if data.counts < MIN_FIT_COUNTS:
            return {"NOFIT": 1}
        src = self.source
        rng = src.random(
            "fit", interval.rname, mode, model, round(interval.start, 3), round(interval.stop, 3)
        )
        counts = data.counts
        scale = 1.0 / math.sqrt(counts)
        result: dict[str, Any] = {}
        if self.settings.galactic:
            result["GalacticNH"] = src.galactic_nh
        column = src.nh if self.settings.galactic else src.nh + src.galactic_nh
        column *= 1.0 + rng.gauss(0.0, 3.0 * scale)
        column = max(column, 1e17)
        nh_err = column * min(0.9, 9.0 * scale)
        result.update(
            NH=_sig(column),
            NHPos=_sig(nh_err * rng.uniform(0.95, 1.1)),
            NHNeg=_sig(-nh_err * rng.uniform(0.9, 1.05)),
        )
        if self.settings.redshift is not None:
            result["Redshift_abs"] = self.settings.redshift
        if model == "powerlaw":
            gamma = src.photon_index(data.mean_time) + rng.gauss(0.0, 2.0 * scale)
            err = min(1.5, 5.0 * scale)
            result.update(
                Gamma=_sig(gamma),
                GammaPos=_sig(err * rng.uniform(0.95, 1.1)),
                GammaNeg=_sig(-err * rng.uniform(0.9, 1.05)),
            )
        else:
            kt = src.kt if model == "apec" else src.kt / 4.0
            kt *= 1.0 + rng.gauss(0.0, 2.0 * scale)
            err = kt * min(0.8, 6.0 * scale)
            result.update(
                KT=_sig(kt),
                KTPos=_sig(err * rng.uniform(0.95, 1.1)),
                KTNeg=_sig(-err * rng.uniform(0.9, 1.05)),
            )
        mean_rate = src.rate(data.mean_time)
        observed = mean_rate * _ECF[mode] * rng.uniform(0.93, 1.07)
        unabsorbed = observed * (1.0 + 0.6 * math.log10(1.0 + column / 1e21)) * rng.uniform(1.0, 1.1)
        flux_err = min(0.8, 1.3 * scale)
        result.update(
            ObsFlux=_sig(observed),
            ObsFluxPos=_sig(observed * flux_err),
            ObsFluxNeg=_sig(-observed * flux_err * 0.97),
            UnabsFlux=_sig(unabsorbed),
            UnabsFluxPos=_sig(unabsorbed * flux_err * 1.2),
            UnabsFluxNeg=_sig(-unabsorbed * flux_err * 1.1),
        )
        dof = int(min(980, max(3, 12.0 * math.sqrt(counts) - 5)))
        cstat = dof * rng.uniform(0.88, 1.12)
        result.update(Cstat=round(cstat, 6), Dof=dof, FitChi=round(cstat * rng.uniform(0.92, 1.1), 6))
        result["Image"] = f"{self.url}/spec/{self.plot_name(interval.rname, mode, model)}"
        return result

    @staticmethod
    def plot_name(rname: str, mode: str, model: str) -> str:
        """Plot file of a fit: ``{rname}{mode}_plot.gif`` for the power law, ``..._apec_plot.gif`` etc."""
        return f"{rname}{mode.lower()}{MODELS[model][1]}_plot.gif"

    # ---- replies ---------------------------------------------------------------------------------------

    def reply(self) -> dict[str, Any]:
        """The current (api >= 1.10) ``getSpecData`` reply."""
        if not self.intervals:
            return {"NoSpectrum": 1}
        reply: dict[str, Any] = {"T0": self.t0, "DeltaFitStat": self.settings.delta_fit_stat}
        if not self.settings.galactic:
            reply["GalNH_unfitted"] = self.source.galactic_nh
        reply["rnames"] = [i.rname for i in self.intervals]
        for interval in self.intervals:
            entry: dict[str, Any] = {
                "DataFile": f"{self.url}/spec/{interval.rname}.tar.gz",
                "Start": round(interval.start + self._shift, 6),
                "Stop": round(interval.stop + self._shift, 6),
            }
            if not interval.modes:
                entry["NOSPEC"] = 1
            else:
                entry["Modes"] = list(interval.modes)
                for mode, data in interval.modes.items():
                    block: dict[str, Any] = {}
                    if self.settings.fit:
                        keys = [MODELS[m][0] for m in self.settings.models]
                        block["Models"] = keys
                        for model, key in zip(self.settings.models, keys, strict=True):
                            block[key] = self._fit(interval, mode, model)
                    else:
                        block["NOFIT"] = 1
                    block["Exposure"] = round(data.exposure, 6)
                    block["MeanTime"] = round(data.mean_time + self._shift, 6)
                    entry[mode] = block
            reply[interval.rname] = entry
        return reply

    def reply_old(self) -> dict[str, Any]:
        """The layout served to clients up to v1.9 (docs/protocol.md §13.2): power-law fits, lower case."""
        reply: dict[str, Any] = {"T0": self.t0, "GalNH": self.source.galactic_nh}
        for interval in self.intervals:
            entry: dict[str, Any] = {
                "start": str(round(interval.start + self._shift, 6)),
                "stop": str(round(interval.stop + self._shift, 6)),
            }
            for mode in ("WT", "PC"):
                data = interval.modes.get(mode)
                fit = (
                    self._fit(interval, mode, "powerlaw")
                    if data is not None and self.settings.fit
                    else {"NOFIT": 1}
                )
                if data is None or "NOFIT" in fit:
                    entry[f"Have{mode}"] = 0
                    continue
                entry[f"Have{mode}"] = 1
                old = {"meantime": round(data.mean_time + self._shift, 6)}
                for k, v in fit.items():
                    if k in ("Image", "GalacticNH", "Redshift_abs"):
                        continue
                    name = k.replace("NH", "nh").replace("Pos", "pos").replace("Neg", "neg")
                    old[name[0].lower() + name[1:]] = v
                old["exposure"] = round(data.exposure, 6)
                entry[mode] = old
            reply[interval.rname] = entry
        return reply

    # ---- files -----------------------------------------------------------------------------------------

    def members(self) -> list[ArchiveMember]:
        """Files of the ``spec/`` directory: one tar.gz per interval, fit plots and xspec scripts.

        An interval without a spectrum (``NOSPEC``) still has the archive its ``DataFile`` names, holding only
        the README that says why.
        """
        out: list[ArchiveMember] = []
        for interval in self.intervals:
            out.append(member_from_bytes(f"{interval.rname}.tar.gz", self._interval_archive(interval)))
            if self.settings.fit:
                for mode, data in interval.modes.items():
                    for model in self.settings.models:
                        if data.counts >= MIN_FIT_COUNTS:
                            out.append(
                                member_from_bytes(
                                    self.plot_name(interval.rname, mode, model),
                                    self._plot(interval, mode, model),
                                )
                            )
        for interval in self.intervals:
            for mode in interval.modes:
                for model in self.settings.models:
                    out.append(
                        member_from_text(
                            f"scripts/{interval.rname}{mode.lower()}{MODELS[model][1] or '_pow'}.xcm",
                            self._xcm(interval, mode, model),
                        )
                    )
        return out

    def _plot(self, interval: Interval, mode: str, model: str) -> bytes:
        rng = self.source.random("plot", interval.rname, mode, model)
        return gif_image(
            blob_pixels(48, x=rng.uniform(16, 32), y=rng.uniform(16, 32), sigma=rng.uniform(4, 9))
        )

    def _xcm(self, interval: Interval, mode: str, model: str) -> str:
        stem = f"{interval.rname}{mode.lower()}"
        absorber = "tbabs*" if self.settings.galactic else ""
        if self.settings.redshift is not None:
            absorber += "ztbabs*"
        emission = {"powerlaw": "powerlaw", "apec": "apec", "blackbody": "bbody"}[model]
        return "\n".join(
            [
                f"# xspec script: fit the {mode} spectrum of interval {interval.rname} ({self.source.name})",
                f"data {stem}.pi",
                "ignore **-0.3 10.0-**",
                "statistic cstat",
                f"model tbabs*{absorber}{emission}",
                "fit 1000",
                f"error {self.settings.delta_fit_stat} 1-3",
                "",
            ]
        )

    def _interval_archive(self, interval: Interval) -> bytes:
        """A small real tar.gz: placeholder spectrum, background, response and area files per mode."""
        files: list[ArchiveMember] = [member_from_text("README.txt", self._readme(interval))]
        for mode, data in interval.modes.items():
            stem = f"{interval.rname}{mode.lower()}"
            note = (
                f"Placeholder written by the xrt_prods_async emulator: {{what}} of {self.source.name}, "
                f"interval {interval.rname}, {mode} mode, exposure {data.exposure:.1f} s, "
                f"{data.counts:.0f} source counts.\n"
            )
            files += [
                member_from_text(f"{stem}source.pi", note.format(what="source spectrum")),
                member_from_text(f"{stem}back.pi", note.format(what="background spectrum")),
                member_from_text(f"{stem}.pi", note.format(what="grouped spectrum")),
                member_from_text(f"{stem}.arf", note.format(what="ancillary response")),
                member_from_text(f"{stem}.rmf", note.format(what="redistribution matrix")),
            ]
            for model in self.settings.models:
                files.append(
                    member_from_text(
                        f"models/{stem}{MODELS[model][1] or '_pow'}.xcm", self._xcm(interval, mode, model)
                    )
                )
        files.append(
            member_from_text(
                f"{interval.rname}.areas",
                "".join(f"{m}\t{d.exposure:.3f}\n" for m, d in interval.modes.items()),
            )
        )
        stamp = UNIX_AT_MET_ZERO + self.t0
        return b"".join(stream_archive(files, "tar.gz", mtime=stamp))

    def _readme(self, interval: Interval) -> str:
        lines = [
            f"Swift-XRT spectrum of {self.source.name}, interval {interval.rname}",
            f"Times {interval.start + self._shift:.3f} to {interval.stop + self._shift:.3f} s"
            f" since T0 = {self.t0:.3f} (Swift MET)",
        ]
        lines += [
            f"{m}: exposure {d.exposure:.1f} s, mean time {d.mean_time + self._shift:.1f} s"
            for m, d in interval.modes.items()
        ]
        if not interval.modes:
            lines.append(f"No spectrum: fewer than {MIN_SPECTRUM_COUNTS:g} source counts in either mode.")
        return "\n".join(lines) + "\n"


def _sig(value: float) -> float:
    """Round to 6 significant figures, as the service's fit tables print."""
    if value == 0 or not math.isfinite(value):
        return value
    return float(f"{value:.6g}")


def _mean_time(source: Source, w: Snapshot) -> float:
    samples = [w.start + w.duration * (k + 0.5) / 8 for k in range(8)]
    weights = [source.observed_rate(w.mode, t) for t in samples]
    total = sum(weights)
    return (
        sum(x * t for x, t in zip(weights, samples, strict=True)) / total
        if total > 0
        else (w.start + w.stop) / 2
    )


def _contiguous(windows: Sequence[Snapshot]) -> list[list[Snapshot]]:
    """Group windows that follow each other without a gap (a snapshot's WT then PC parts) into snapshots."""
    groups: list[list[Snapshot]] = []
    for w in windows:
        if groups and w.start - groups[-1][-1].stop < 1.0 and w.obsid == groups[-1][-1].obsid:
            groups[-1].append(w)
        else:
            groups.append([w])
    return groups
