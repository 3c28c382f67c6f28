"""The synthetic sky: one deterministic model per source that every product of every job reads.

A :class:`Source` is fixed by the emulator seed and the object (name and position). It holds when Swift
looked (an observing plan of snapshots, each in WT or PC mode), how bright the object was (a broken power-law
decay for GRBs, a flickering constant for everything else), its spectrum and whether a position can be found.
Light curves, spectra, positions and source lists are all drawn from it, so they agree with each other and
the same source gives the same science in every job.
"""

from __future__ import annotations

import hashlib
import math
import random
from collections.abc import Callable, Sequence
from dataclasses import dataclass

from ._catalogue import FIELD_RADIUS_DEG, angular_distance, normalise_name, resolve_name

#: Length of a Swift orbit, s: snapshots of one target recur at about this spacing.
SWIFT_ORBIT = 5760.0
#: MJD of Swift MET zero (2001-01-01T00:00:00 UTC).
MJD_AT_MET_ZERO = 51910.0

# J2000 equatorial -> Galactic rotation (Hipparcos definition of the Galactic frame).
_TO_GALACTIC = (
    (-0.0548755604162154, -0.8734370902348850, -0.4838350155487132),
    (0.4941094278755837, -0.4448296299600112, 0.7469822444972189),
    (-0.8676661490190047, -0.1980763734312015, 0.4559837761750669),
)

_BASE_RATES: dict[str, tuple[float, float]] = {
    "XRB": (2.0, 60.0),
    "AGN": (0.3, 8.0),
    "CV": (0.1, 3.0),
    "SNR": (0.5, 10.0),
    "SN": (0.01, 0.2),
    "Star": (0.05, 2.0),
    "SMBH": (0.02, 0.2),
    "TDE": (0.05, 2.0),
    "Pulsar": (0.3, 3.0),
}
_DEFAULT_RATES = (0.01, 1.5)


def stable_random(*parts: object) -> random.Random:
    """A :class:`random.Random` seeded from ``parts`` by a stable hash (never Python's salted ``hash``)."""
    digest = hashlib.blake2b(repr(parts).encode("utf-8"), digest_size=16).digest()
    return random.Random(int.from_bytes(digest, "big"))


def galactic(ra: float, dec: float) -> tuple[float, float]:
    """Galactic longitude and latitude (deg) of a J2000 position."""
    a, d = math.radians(ra), math.radians(dec)
    v = (math.cos(d) * math.cos(a), math.cos(d) * math.sin(a), math.sin(d))
    x, y, z = (sum(row[i] * v[i] for i in range(3)) for row in _TO_GALACTIC)
    return math.degrees(math.atan2(y, x)) % 360.0, math.degrees(math.asin(max(-1.0, min(1.0, z))))


def galactic_nh(ra: float, dec: float) -> float:
    """A smooth stand-in for the Galactic absorbing column (cm^-2): ~2e20 at the poles, ~1e22 in the plane."""
    _, b = galactic(ra, dec)
    return round(2.0e20 / (abs(math.sin(math.radians(b))) + 0.02), -16)


def met_to_mjd(met: float) -> float:
    """MJD (UTC, leap seconds ignored) of a Swift MET."""
    return MJD_AT_MET_ZERO + met / 86400.0


@dataclass(frozen=True, slots=True)
class Snapshot:
    """A continuous stretch of XRT data in one mode; times are seconds since the source's T0."""

    obsid: str
    mode: str
    start: float
    stop: float

    @property
    def duration(self) -> float:
        """Length in seconds."""
        return self.stop - self.start


@dataclass(frozen=True, slots=True)
class RateModel:
    """Intrinsic (PSF- and pile-up-corrected) 0.3-10 keV count rate, ct/s, as a function of time since T0."""

    decaying: bool
    norm: float
    slopes: tuple[float, ...] = ()
    breaks: tuple[float, ...] = ()
    periods: tuple[float, ...] = ()
    phases: tuple[float, ...] = ()
    amplitude: float = 0.0

    def rate(self, t: float) -> float:
        """Count rate at ``t`` seconds after T0."""
        if self.decaying:
            t = max(t, 10.0)
            value, edge = self.norm, 100.0
            for slope, brk in zip(self.slopes, (*self.breaks, math.inf), strict=True):
                if t <= brk:
                    return float(value * (t / edge) ** -slope)
                value *= (brk / edge) ** -slope
                edge = brk
            return value  # pragma: no cover - the last break is infinite
        wave = sum(
            math.sin(2 * math.pi * t / p + ph) for p, ph in zip(self.periods, self.phases, strict=True)
        ) / math.sqrt(len(self.periods))
        return self.norm * math.exp(self.amplitude * wave)

    def timescale(self, t: float) -> float:
        """Time over which the rate changes appreciably: integration steps are a fraction of it."""
        if self.decaying:
            return max(t, 10.0) / max(self.slopes)
        return min(self.periods) / (2 * math.pi * max(self.amplitude, 0.05))


@dataclass(frozen=True, slots=True)
class Source:
    """Everything the emulator knows about one object under one seed."""

    seed: int
    key: str
    name: str
    kind: str
    ra: float
    dec: float
    true_ra: float
    true_dec: float
    t0: float
    targets: tuple[str, ...]
    model: RateModel
    plan: tuple[Snapshot, ...]
    gamma: float
    nh: float
    galactic_nh: float
    kt: float
    psf_corr: float
    wt_corr: float
    bg_pc: float
    bg_wt: float
    has_position: bool
    in_sxps: bool

    @property
    def is_grb(self) -> bool:
        """True for gamma-ray bursts (decaying afterglows with a trigger time)."""
        return self.kind == "GRB"

    def random(self, *parts: object) -> random.Random:
        """A generator private to this source and ``parts`` (e.g. ``"lc", "PC"``)."""
        return stable_random(self.seed, self.key, *parts)

    def rate(self, t: float) -> float:
        """Intrinsic count rate (ct/s) at ``t`` seconds after T0."""
        return self.model.rate(t)

    def correction(self, mode: str, rate: float) -> float:
        """PSF plus pile-up correction for ``mode`` at intrinsic ``rate`` (observed = rate / factor)."""
        if mode == "WT":
            factor = self.wt_corr
            if rate > 150.0:
                factor *= 1.0 + 0.8 * math.log10(rate / 150.0)
            return factor
        factor = self.psf_corr
        if rate > 0.6:
            factor *= 1.0 + 0.8 * math.log10(rate / 0.6)
        return factor

    def observed_rate(self, mode: str, t: float) -> float:
        """Source count rate the detector records at ``t`` (before correction)."""
        rate = self.rate(t)
        return rate / self.correction(mode, rate)

    def background(self, mode: str) -> float:
        """Background count rate in the source region, ct/s."""
        return self.bg_wt if mode == "WT" else self.bg_pc

    def photon_index(self, t: float) -> float:
        """Spectral photon index at ``t``: GRB afterglows are softer during the steep decay."""
        if self.is_grb and self.model.breaks and t < self.model.breaks[0]:
            return self.gamma + 0.35
        return self.gamma

    def hard_fraction(self, t: float) -> float:
        """Fraction of counts in the hard band (1.5-10 keV), from the photon index and absorption."""
        column = (self.nh + self.galactic_nh) / 1e22
        value = 0.38 + 0.22 * (2.0 - self.photon_index(t)) + 0.18 * math.log10(1.0 + column * 3.0)
        return min(0.92, max(0.06, value))


def integrate(
    rate: Callable[[float], float], timescale: Callable[[float], float], a: float, b: float
) -> float:
    """The integral of ``rate`` over [a, b], in steps a tenth of the local ``timescale``."""
    total = 0.0
    t = a
    while t < b:
        dt = min(b - t, max(0.25, 0.1 * timescale(t)))
        total += rate(t + dt / 2) * dt
        t += dt
    return total


def source_counts(source: Source, mode: str, a: float, b: float) -> float:
    """Detected source counts in ``mode`` between ``a`` and ``b`` (s since T0) of continuous exposure."""
    return integrate(lambda t: source.observed_rate(mode, t), source.model.timescale, a, b)


def make_source(
    seed: int,
    name: str,
    ra: float,
    dec: float,
    *,
    t0: float,
    targets: Sequence[str],
) -> Source:
    """The source of a job: fixed by ``seed``, the object's name and its position (to 0.001 deg)."""
    norm = normalise_name(name)
    key = f"{norm}|{ra:.3f}|{dec:+.3f}"
    known = resolve_name(name)
    if known is not None and angular_distance(ra, dec, known.ra, known.dec) > FIELD_RADIUS_DEG:
        known = None
    if known is not None:
        kind = known.kind
    elif norm.startswith("grb"):
        kind = "GRB"
    else:
        kind = "Unknown"
    rng = stable_random(seed, key, "source")
    targets = tuple(targets) or ("00000000",)

    if kind == "GRB":
        model = _afterglow(rng)
    else:
        low, high = _BASE_RATES.get(kind, _DEFAULT_RATES)
        model = RateModel(
            decaying=False,
            norm=math.exp(rng.uniform(math.log(low), math.log(high))),
            periods=tuple(math.exp(rng.uniform(math.log(600.0), math.log(2.0e6))) for _ in range(3)),
            phases=tuple(rng.uniform(0.0, 2 * math.pi) for _ in range(3)),
            amplitude=rng.uniform(0.12, 0.35),
        )
    offset = rng.uniform(0.0, 2.0) / 3600.0
    angle = rng.uniform(0.0, 2 * math.pi)
    true_dec = dec + offset * math.cos(angle)
    true_ra = (ra + offset * math.sin(angle) / max(0.01, math.cos(math.radians(dec)))) % 360.0
    gamma = rng.uniform(1.7, 2.3) if kind == "GRB" else rng.uniform(1.4, 2.6)
    nh = 10 ** rng.uniform(20.3, 22.3)
    psf_corr = rng.uniform(1.08, 1.22)
    wt_corr = rng.uniform(1.02, 1.10)
    bg_pc = rng.uniform(5e-5, 5e-4)
    bg_wt = rng.uniform(1e-3, 5e-3)
    kt = rng.uniform(0.3, 8.0)
    if known is not None:
        has_position = True
    elif "nopos" in norm:
        has_position = False
    else:
        has_position = rng.random() < 0.9
    in_sxps = kind != "GRB" and rng.random() < (0.6 if known is not None else 0.35)
    plan = _grb_plan(rng, targets[0], model) if kind == "GRB" else _persistent_plan(rng, targets, model)
    return Source(
        seed=seed,
        key=key,
        name=name,
        kind=kind,
        ra=ra,
        dec=dec,
        true_ra=true_ra,
        true_dec=true_dec,
        t0=t0,
        targets=targets,
        model=model,
        plan=plan,
        gamma=gamma,
        nh=nh,
        galactic_nh=galactic_nh(ra, dec),
        kt=kt,
        psf_corr=psf_corr,
        wt_corr=wt_corr,
        bg_pc=bg_pc,
        bg_wt=bg_wt,
        has_position=has_position,
        in_sxps=in_sxps,
    )


def _afterglow(rng: random.Random) -> RateModel:
    """A canonical X-ray afterglow: steep decay, plateau, normal decay (Nousek et al. 2006 shape).

    Drawn as the rate at 100 s and at 10 ks; the first break is where the steep decay meets the plateau.
    """
    rate_100 = math.exp(rng.uniform(math.log(5.0), math.log(200.0)))
    rate_10k = math.exp(rng.uniform(math.log(0.02), math.log(0.6)))
    steep, plateau, late = rng.uniform(2.5, 3.5), rng.uniform(0.3, 0.9), rng.uniform(1.1, 1.6)
    meet = (rate_10k * 1e4**plateau / (rate_100 * 100.0**steep)) ** (1.0 / (plateau - steep))
    first = min(3000.0, max(150.0, meet))
    return RateModel(
        decaying=True,
        norm=rate_100,
        slopes=(steep, plateau, late),
        breaks=(first, max(first * 2.0, rng.uniform(1.0e4, 4.0e4))),
    )


def _grb_plan(rng: random.Random, target: str, model: RateModel) -> tuple[Snapshot, ...]:
    """Slew within ~2 minutes, WT while bright, then PC every orbit for a day and sparser for ~10 days."""
    snaps: list[Snapshot] = []
    start = rng.uniform(60.0, 130.0)
    first_end = start + rng.uniform(1400.0, 2200.0)
    wt_end = start + rng.uniform(150.0, 600.0) if model.rate(start) > 1.0 else start
    obsid = f"{target}000"
    if wt_end > start:
        snaps.append(Snapshot(obsid, "WT", round(start, 3), round(wt_end, 3)))
    snaps.append(Snapshot(obsid, "PC", round(wt_end, 3), round(first_end, 3)))
    end = rng.uniform(4.0e5, 1.2e6)
    orbit = 1
    while True:
        t = orbit * SWIFT_ORBIT + start + rng.uniform(-400.0, 400.0)
        if t > end:
            break
        step = 1 if t < 1.0e5 else 3 if t < 3.5e5 else 9
        obsid = f"{target}{min(999, int(t // 86400.0)):03d}"
        duration = rng.uniform(300.0, 1600.0)
        snaps.append(Snapshot(obsid, "PC", round(t, 3), round(t + duration, 3)))
        orbit += step
    return tuple(snaps)


def _persistent_plan(rng: random.Random, targets: Sequence[str], model: RateModel) -> tuple[Snapshot, ...]:
    """Four to nine visits over months to years, each one to three snapshots; WT for bright sources."""
    visits = rng.randint(4, 9)
    span = rng.uniform(0.5, 4.0) * 3.156e7
    starts = sorted([0.0] + [rng.uniform(0.02, 1.0) * span for _ in range(visits - 1)])
    segments: dict[str, int] = {}
    snaps: list[Snapshot] = []
    for index, visit in enumerate(starts):
        target = targets[index % len(targets)]
        segment = segments.get(target, 0) + 1
        segments[target] = segment
        obsid = f"{target}{segment:03d}"
        wt = (model.norm > 5.0 and index < visits - 2) or (model.norm > 0.8 and index == 0)
        for orbit in range(rng.randint(1, 3)):
            t = visit + orbit * SWIFT_ORBIT + (rng.uniform(0.0, 300.0) if orbit else 0.0)
            duration = rng.uniform(400.0, 1800.0)
            snaps.append(Snapshot(obsid, "WT" if wt else "PC", round(t, 3), round(t + duration, 3)))
    return tuple(snaps)
