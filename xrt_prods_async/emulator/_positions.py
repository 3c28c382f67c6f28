"""Synthetic positions (standard, enhanced, astrometric) and source-detection lists, with their files.

Each result is drawn once from the :class:`~.sky.Source` and the data the job selected; the position replies
(docs/protocol.md §10), the source list (§11) and the record files of §9 (``results.dat``, ``INSXPS``,
``success.txt``, ``corrpos.dat``, ``xastrom_corr.dat``) are all formatted from the same values.
"""

from __future__ import annotations

import math
import random
from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any

from ._formats import dec_sexagesimal, ra_sexagesimal
from ._sky import Snapshot, Source, galactic, source_counts

#: XRT pixel size, arcsec.
PIXEL_ARCSEC = 2.357
#: Image reference pixel (the requested position sits here).
CENTRE_PIXEL = 500.5
#: Converts a 90% radial error into a per-axis Gaussian sigma (2D Rayleigh: r90 = 2.146 sigma).
R90_PER_SIGMA = 2.146
#: Bands of a source search: keV ranges of ``Total`` and, with ``detbands=all``, the three SXPS bands.
DETECTION_BANDS: dict[str, tuple[float, float]] = {
    "Total": (0.3, 10.0),
    "Soft": (0.3, 1.0),
    "Medium": (1.0, 2.0),
    "Hard": (2.0, 10.0),
}


@dataclass(frozen=True, slots=True)
class Position:
    """A sky position with its 90% radial error; the ``*_text`` forms are what replies and files print."""

    ra: float
    dec: float
    err90: float

    @property
    def ra_text(self) -> str:
        """RA in degrees, five decimals (as in the service's replies)."""
        return f"{self.ra:.5f}"

    @property
    def dec_text(self) -> str:
        """Dec in degrees, five decimals."""
        return f"{self.dec:.5f}"

    @property
    def err_text(self) -> str:
        """90% error, arcsec, one decimal."""
        return f"{self.err90:.1f}"

    @property
    def ra_hms(self) -> str:
        """RA as ``hh mm ss.ss``."""
        return ra_sexagesimal(self.ra)

    @property
    def dec_dms(self) -> str:
        """Dec as ``+dd mm ss.s``."""
        return dec_sexagesimal(self.dec)


@dataclass(frozen=True, slots=True)
class PositionResults:
    """The three position products of a job; None where no position was found."""

    psf: Position | None
    enh: Position | None
    xastrom: Position | None
    from_sxps: bool
    catalogue: str
    sxps_id: str
    sxps_obsid: str
    piled_up: bool
    matched_source: int
    pileup_fit: tuple[float, float, float, float]
    overlaps: int
    overlap_exposure: float
    overlaps_rejected: int
    time_unused: float
    astrom_shift: tuple[float, float, float, float]

    def reply(self, product: str) -> dict[str, Any]:
        """The reply of ``getPSFPos`` (``psf``), ``getEnhPos`` (``enh``) or ``getAstromPos`` (``xastrom``)."""
        if product not in ("psf", "enh", "xastrom"):
            raise ValueError(f"position product must be 'psf', 'enh' or 'xastrom', got {product!r}")
        pos = {"psf": self.psf, "enh": self.enh, "xastrom": self.xastrom}[product]
        if pos is None:
            return {"GotPos": 0}
        reply: dict[str, Any] = {"GotPos": 1, "RA": pos.ra_text, "Dec": pos.dec_text, "Err90": pos.err_text}
        if product != "enh":
            reply["FromSXPS"] = 1 if self.from_sxps else 0
            if self.from_sxps:
                reply["WhichSXPS"] = self.catalogue
        return reply

    def insxps(self) -> str:
        """The ``INSXPS`` file: one field per line (docs/protocol.md §9)."""
        pos = self.psf
        if pos is None or not self.from_sxps:
            raise ValueError("INSXPS exists only for a position copied from SXPS")
        fields = [
            self.sxps_id,
            f"{pos.ra:.5f}",
            f"{pos.dec:.5f}",
            pos.err_text,
            pos.ra_hms,
            pos.dec_dms,
            self.sxps_obsid,
            self.catalogue,
        ]
        return "\n".join(fields) + "\n"

    def results_dat(self) -> str:
        """The standard position's ``results.dat``: one tab-separated line, or ``NOPOS``."""
        pos = self.psf
        if pos is None:
            return "NOPOS\n"
        s, slope, core, tau = self.pileup_fit
        fields = [
            pos.ra_text,
            pos.dec_text,
            pos.ra_hms,
            pos.dec_dms,
            pos.err_text,
            "1" if self.piled_up else "0",
            str(self.matched_source),
            f"{s:.4f}",
            f"{slope:.4f}",
            f"{core:.4f}",
            f"{tau:.4f}",
        ]
        return "\t".join(fields) + "\n"

    def success_txt(self, name: str, targets: Sequence[str]) -> str:
        """The enhanced position's ``success.txt``: eleven fields, one per line."""
        pos = self.enh
        if pos is None:
            raise ValueError("success.txt exists only when an enhanced position was found")
        fields = [
            name,
            ",".join(targets),
            str(self.overlaps),
            f"{self.overlap_exposure:.1f}",
            str(self.overlaps_rejected),
            f"{self.time_unused:.1f}",
            pos.ra_text,
            pos.dec_text,
            pos.ra_hms,
            pos.dec_dms,
            pos.err_text,
        ]
        return "\n".join(fields) + "\n"

    def corrpos_dat(self) -> str:
        """The astrometric position's ``corrpos.dat``: one tab-separated line."""
        pos = self.xastrom
        if pos is None:
            raise ValueError("corrpos.dat exists only when an astrometric position was found")
        return "\t".join([pos.ra_text, pos.dec_text, pos.ra_hms, pos.dec_dms, pos.err_text]) + "\n"

    def xastrom_corr_dat(self) -> str:
        """``xastrom_corr.dat``: RA and Dec shifts (arcsec), roll shift (arcmin), 90% uncertainty (arcsec)."""
        return "\t".join(f"{v:.3f}" for v in self.astrom_shift) + "\n"


def _scatter(source: Source, err90: float, *parts: object) -> Position:
    """A measurement of the source's true position with 90% radial error ``err90`` (arcsec)."""
    rng = source.random("position", *parts)
    sigma = err90 / R90_PER_SIGMA / 3600.0
    dec = source.true_dec + rng.gauss(0.0, sigma)
    ra = (source.true_ra + rng.gauss(0.0, sigma) / max(0.01, math.cos(math.radians(source.true_dec)))) % 360.0
    return Position(ra, dec, err90)


def _psf_error(rng: random.Random, counts: float, from_sxps: bool) -> float:
    """The standard position's 90% error (arcsec): drawn for a catalogued (SXPS) position, else shrinking
    with the counts from 6 to 1.5."""
    if from_sxps:
        return round(rng.uniform(1.5, 5.0), 1)
    return round(min(6.0, max(1.5, 1.4 + 25.0 / math.sqrt(max(counts, 1.0)))), 1)


def _refined(source: Source, found: bool, rng: random.Random) -> bool:
    """Whether a refined (enhanced or astrometric) position is found: always for a known kind of source,
    85% of the time for an unknown one, never without a standard position."""
    return found and (source.kind != "Unknown" or rng.random() < 0.85)


def locate(source: Source, windows: Sequence[Snapshot], *, use_sxps: bool, catalogue: str) -> PositionResults:
    """Positions from the data in ``windows``; none when the source has no position or no data was chosen."""
    rng = source.random("positions", len(windows))
    counts = sum(source_counts(source, w.mode, w.start, w.stop) for w in windows)
    found = source.has_position and counts >= 10
    from_sxps = found and use_sxps and source.in_sxps
    # One generator serves every draw below: keep their order (standard error, enhanced, astrometric, then
    # the record files' figures), or every job's positions change.
    psf = _scatter(source, _psf_error(rng, counts, from_sxps), "psf", from_sxps) if found else None
    enh = None
    if _refined(source, found, rng):
        enh = _scatter(source, round(rng.uniform(1.5, 2.5), 1), "enh")
    xastrom: Position | None
    if from_sxps:
        xastrom = psf
    elif _refined(source, found, rng):
        xastrom = _scatter(source, round(rng.uniform(2.0, 4.0), 1), "xastrom")
    else:
        xastrom = None
    pc_peak = max((source.rate(w.start) for w in windows if w.mode == "PC"), default=0.0)
    sxps_pos = psf or Position(source.true_ra, source.true_dec, 0.0)
    dec = sxps_pos.dec_dms.replace(" ", "")[:7]
    return PositionResults(
        psf=psf,
        enh=enh,
        xastrom=xastrom,
        from_sxps=from_sxps,
        catalogue=catalogue,
        sxps_id=f"{catalogue} J{sxps_pos.ra_hms.replace(' ', '')[:8]}{dec}",
        sxps_obsid=windows[0].obsid if windows else "",
        piled_up=pc_peak > 0.6,
        matched_source=1,
        pileup_fit=(
            rng.uniform(0.5, 3.0),
            rng.uniform(1.2, 1.8),
            rng.uniform(2.0, 6.0),
            rng.uniform(0.8, 1.6),
        ),
        overlaps=rng.randint(1, 6),
        overlap_exposure=round(rng.uniform(500.0, 8000.0), 1),
        overlaps_rejected=rng.randint(0, 1),
        time_unused=round(rng.uniform(0.0, 2000.0), 1),
        astrom_shift=(rng.gauss(0.0, 2.0), rng.gauss(0.0, 2.0), rng.gauss(0.0, 1.5), rng.uniform(1.0, 3.0)),
    )


# ---- source detection --------------------------------------------------------------------------------------


@dataclass(frozen=True, slots=True)
class FieldSource:
    """A source found in the field: position, 90% error (arcsec), counts and band fractions."""

    ra: float
    dec: float
    err90: float
    counts: int
    fractions: tuple[float, float, float]  # soft, medium, hard


def field_sources(source: Source, windows: Sequence[Snapshot]) -> list[FieldSource]:
    """The target (when it has a position and enough counts) and serendipitous sources within ~11 arcmin."""
    rng = source.random("field", len(windows))
    exposure = sum(w.duration for w in windows)
    found: list[FieldSource] = []
    target_counts = sum(source_counts(source, w.mode, w.start, w.stop) for w in windows)
    if source.has_position and target_counts >= 8:
        hard = source.hard_fraction(windows[0].start if windows else 0.0)
        err = min(8.0, 2.4 + 30.0 / math.sqrt(target_counts))
        pos = _scatter(source, err, "sourcedet")
        found.append(FieldSource(pos.ra, pos.dec, err, round(target_counts), _split(rng, hard)))
    scale = max(exposure, 500.0) / 5000.0
    for _ in range(rng.randint(2, 14)):
        radius = math.sqrt(rng.random()) * 11.0 / 60.0
        angle = rng.uniform(0.0, 2 * math.pi)
        dec = source.dec + radius * math.cos(angle)
        ra = (source.ra + radius * math.sin(angle) / max(0.01, math.cos(math.radians(source.dec)))) % 360.0
        counts = round(math.exp(rng.uniform(math.log(8.0), math.log(400.0))) * scale)
        if counts < 8:
            continue
        err = min(8.0, 2.4 + 30.0 / math.sqrt(counts))
        found.append(FieldSource(ra, dec, err, counts, _split(rng, rng.uniform(0.2, 0.7))))
    return found


def _split(rng: Any, hard: float) -> tuple[float, float, float]:
    """Soft/medium/hard fractions with the given hard fraction."""
    medium = (1.0 - hard) * rng.uniform(0.4, 0.7)
    return (1.0 - hard - medium, medium, hard)


SOURCE_FIELDS: tuple[str, ...] = (
    "sno",
    "x",
    "y",
    "ra",
    "ra_pos",
    "ra_neg",
    "dec",
    "dec_pos",
    "dec_neg",
    "err90",
    "l",
    "b",
    "C",
)


def source_lists(
    source: Source, found: Sequence[FieldSource], bands: Sequence[str]
) -> dict[str, list[dict[str, str]]]:
    """The ``getSourceDetResults`` reply: per band, the sources detected in it, every value a string.

    Values are written in fixed point (never exponent notation: the reference client turns any value with a
    digit and no ``.`` into an int).
    """
    cos_dec = max(0.01, math.cos(math.radians(source.dec)))
    out: dict[str, list[dict[str, str]]] = {}
    for band in bands:
        rows: list[dict[str, str]] = []
        for item in found:
            share = 1.0 if band == "Total" else item.fractions[("Soft", "Medium", "Hard").index(band)]
            counts = round(item.counts * share)
            if counts < 6:
                continue
            err = item.err90 if band == "Total" else min(9.0, item.err90 * math.sqrt(item.counts / counts))
            sigma = err / R90_PER_SIGMA / 3600.0
            x = CENTRE_PIXEL - (item.ra - source.ra) * cos_dec * 3600.0 / PIXEL_ARCSEC
            y = CENTRE_PIXEL + (item.dec - source.dec) * 3600.0 / PIXEL_ARCSEC
            lon, lat = galactic(item.ra, item.dec)
            rows.append(
                {
                    "sno": str(len(rows) + 1),
                    "x": f"{x:.10f}",
                    "y": f"{y:.10f}",
                    "ra": f"{item.ra:.10f}",
                    "ra_pos": f"{sigma / cos_dec:.15f}",
                    "ra_neg": f"{-sigma / cos_dec * 1.0002:.15f}",
                    "dec": f"{item.dec:.10f}",
                    "dec_pos": f"{sigma:.10f}",
                    "dec_neg": f"{-sigma * 1.0004:.10f}",
                    "err90": f"{err:.10f}",
                    "l": f"{lon:.12f}",
                    "b": f"{lat:.12f}",
                    "C": str(counts),
                }
            )
        out[band] = rows
    return out


def source_list_file(band: str, rows: Sequence[dict[str, str]]) -> str:
    """One band's source list as a tab-separated table with a ``#`` header line."""
    low, high = DETECTION_BANDS[band]
    lines = [f"# Sources detected in the {band} band ({low:g}-{high:g} keV)", "# " + "\t".join(SOURCE_FIELDS)]
    lines += ["\t".join(row[f] for f in SOURCE_FIELDS) for row in rows]
    return "\n".join(lines) + "\n"
