"""The science of one emulated job: data replies and product files, all from one synthetic source.

:class:`JobScience` is what the server holds per job. It reads the job's ``jobPars`` (wire names, values as
the service echoes them), builds the :class:`~.sky.Source` for the object and serves every view of it: the
``getLCData``/``getSpecData``/position/source-list replies (without ``OK``/``APIVersion``, which the server
adds) and the files of each product directory as lazily streamed :class:`~.archives.ArchiveMember` objects.

Determinism: everything depends only on the emulator seed, the object (name, RA/Dec) and the parameters, so
the same source gives the same science in every job, and a job's replies and files always agree. Work is done
on first use and cached.
"""

from __future__ import annotations

import functools
import hashlib
import math
from collections.abc import Iterator, Mapping
from typing import Any

from xrt_prods_async._products import Product

from ._archives import ArchiveMember, member_from_bytes, member_from_text, with_prefix
from ._catalogue import resolve_name, t0_for, targets_for
from ._formats import blob_pixels, fits_image, gif_image, gzip_bytes, postscript_chart, scatter_pixels
from ._jobpars import choice, flag, number, select_windows, target_list, text
from ._lightcurve import LightCurve, parse_variants
from ._lightcurve import settings_from as lc_settings
from ._positions import (
    PositionResults,
    field_sources,
    locate,
    source_list_file,
    source_lists,
)
from ._sky import Snapshot, Source, make_source
from ._spectra import Spectra
from ._spectra import settings_from as spec_settings

#: Outcomes a product directory can be written for.
OUTCOMES: tuple[str, ...] = ("complete", "failed", "cancelled")
#: The first api_version served the current light-curve and spectrum layouts (docs/protocol.md §3.2).
CURRENT_LAYOUT = (1, 10)
_DEFAULT_IMAGE_BANDS = "0.3-10,0.3-1.5,1.51-10"
_OBS_CODES = {0: "all", 1: "all"}


def api_version_tuple(api_version: object) -> tuple[int, ...] | None:
    """``"1.10"`` -> (1, 10); numbers and strings alike; None when absent or unreadable."""
    if api_version is None:
        return None
    parts = str(api_version).strip().split(".")
    try:
        return tuple(int(p) for p in parts)
    except ValueError:
        return None


def _uses_current_layout(api_version: object) -> bool:
    version = api_version_tuple(api_version)
    return version is None or version >= CURRENT_LAYOUT


def _fallback_position(name: str) -> tuple[float, float]:
    """A deterministic position for a job that has neither RA/Dec nor a known name."""
    h = int.from_bytes(hashlib.blake2b(name.encode("utf-8"), digest_size=8).digest(), "big")
    ra = (h % 3_600_000) / 10_000
    dec = math.degrees(math.asin(((h >> 24) % 2_000_001) / 1_000_000 - 1.0))
    return ra, round(dec, 4)


class JobScience:
    """Replies and files of one job, computed lazily from its parameters and the emulator seed."""

    def __init__(self, job_id: int, pars: Mapping[str, Any], *, seed: int, products_url: str) -> None:
        self.job_id = job_id
        self.pars: dict[str, Any] = dict(pars)
        self.seed = seed
        self.url = products_url.rstrip("/")
        self.name = text(pars, "name") or f"USERPROD_{job_id}"
        known = resolve_name(self.name)
        fallback = (known.ra, known.dec) if known else _fallback_position(self.name)
        self.ra = number(pars, "RA", fallback[0]) % 360.0
        self.dec = max(-90.0, min(90.0, number(pars, "Dec", fallback[1])))
        natural_t0 = t0_for(self.name, self.ra, self.dec)
        #: The job's T0 (Swift MET): ``Tstart`` when given, else the object's trigger/first observation.
        self.t0 = number(pars, "Tstart", natural_t0)
        self.targets = target_list(pars.get("targ")) or targets_for(self.name, self.ra, self.dec)
        self.since_t0 = flag(pars, "sinceT0") or flag(pars, "SinceT0")
        self.source: Source = make_source(
            seed, self.name, self.ra, self.dec, t0=natural_t0, targets=self.targets
        )
        #: Products requested by the job and those they imply (``doxastrom`` implies ``dopsf``).
        self.products: frozenset[Product] = frozenset(
            Product.with_implied(p for p in Product if flag(pars, p.flag))
        )

    # ---- data selection --------------------------------------------------------------------------------

    @property
    def _zero(self) -> float:
        """What to subtract from a user time range to get plan time (ranges are MET, or since T0)."""
        return self.source.t0 - self.t0 if self.since_t0 else self.source.t0

    def _windows(self, which: str, use: str, hours_key: str | None, default: str) -> tuple[Snapshot, ...]:
        how = choice(self.pars, which, ("all", "user", "hours"), default, _OBS_CODES)
        hours = number(self.pars, hours_key, 12.0) if hours_key else 12.0
        return select_windows(
            self.source.plan, how, use_obs=text(self.pars, use), hours=hours, zero=self._zero
        )

    # ---- the products' science (cached) ---------------------------------------------------------------

    @functools.cached_property
    def light_curve(self) -> LightCurve:
        """The job's light curve."""
        windows = self._windows("lcobs", "uselcobs", None, "all")
        return LightCurve(self.source, lc_settings(self.pars, windows), self.url, t0=self.t0)

    @functools.cached_property
    def spectra(self) -> Spectra:
        """The job's spectra."""
        windows = self._windows("specobs", "usespecobs", "specobstime", "hours")
        return Spectra(self.source, spec_settings(self.pars, windows, self._zero), self.url, t0=self.t0)

    @functools.cached_property
    def positions(self) -> PositionResults:
        """The job's standard, enhanced and astrometric positions."""
        windows = self._windows("posobs", "useposobs", "posobstime", "hours")
        catalogue = text(self.pars, "whatSXPS", "2SXPS") or "2SXPS"
        return locate(self.source, windows, use_sxps=flag(self.pars, "useSXPS"), catalogue=catalogue)

    @functools.cached_property
    def detections(self) -> dict[str, list[dict[str, str]]]:
        """The source-detection lists by band."""
        windows = self._windows("detobs", "usedetobs", None, "all")
        bands = (
            ("Total", "Soft", "Medium", "Hard")
            if choice(self.pars, "detbands", ("total", "all"), "total") == "all"
            else ("Total",)
        )
        return source_lists(self.source, field_sources(self.source, windows), bands)

    @functools.cached_property
    def _image_windows(self) -> tuple[Snapshot, ...]:
        return self._windows("imobs", "useimobs", None, "all")

    # ---- replies ---------------------------------------------------------------------------------------

    def light_curve_reply(self, *, nosys: str, incbad: str, api_version: str | None) -> dict[str, Any]:
        """``getLCData`` reply: current layout for api >= 1.10 (or absent), else the v1.9 / v1.8 layouts.

        ``nosys``/``incbad`` are ``yes``/``no``/``both``; any other value raises ``ValueError`` naming it.
        """
        version = api_version_tuple(api_version)
        if version is None or version >= CURRENT_LAYOUT:
            return self.light_curve.reply(parse_variants(nosys, "nosys"), parse_variants(incbad, "incbad"))
        if version >= (1, 9):
            return self.light_curve.reply_v19()
        return self.light_curve.reply_v18()

    def spectral_fits_reply(self, *, api_version: str | None) -> dict[str, Any]:
        """``getSpecData`` reply: current layout for api >= 1.10 (or absent), else the v1.9 layout."""
        if _uses_current_layout(api_version):
            return self.spectra.reply()
        return self.spectra.reply_old()

    def position_reply(self, product: str) -> dict[str, Any]:
        """Reply of a position endpoint for ``psf``, ``enh`` or ``xastrom``: ``GotPos`` and the position."""
        return self.positions.reply(product)

    def source_list_reply(self) -> dict[str, Any]:
        """``getSourceDetResults`` reply: ``Total`` (and ``Soft``/``Medium``/``Hard``), values as strings."""
        return {band: [dict(row) for row in rows] for band, rows in self.detections.items()}

    # ---- files -----------------------------------------------------------------------------------------

    def product_members(self, product: str, *, outcome: str) -> list[ArchiveMember]:
        """Files of one product's directory, paths relative to it (``curve.qdp``, ``scripts/x.xcm``).

        A complete product holds its data files, a log and a progress file; a failed or cancelled one only
        the log and the progress file, as the service leaves them.
        """
        kind = Product.parse(product)
        if outcome not in OUTCOMES:
            raise ValueError(f"outcome must be one of {', '.join(OUTCOMES)}, got {outcome!r}")
        return [*self._data_members(kind, outcome), *self._bookkeeping(kind, outcome)]

    def archive_members(self, outcomes: Mapping[str, str], *, root: str) -> Iterator[ArchiveMember]:
        """Members of an archive of several products, each below ``{root}/{product}/``, lazily.

        ``outcomes`` maps product short names to their outcome, in archive order; e.g. for ``all.tar.gz``
        ``{"lc": "complete", "spec": "cancelled"}`` with ``root="USERPROD_1001"``.
        """
        base = root.strip("/")
        for product, outcome in outcomes.items():
            short = Product.parse(product).value
            folder = f"{base}/{short}" if base else short
            yield from with_prefix(self.product_members(short, outcome=outcome), folder)

    def file(self, path: str, *, outcome: str = "complete") -> ArchiveMember | None:
        """A file below the job URL, e.g. ``lc/PCCURVE.qdp`` or ``spec/interval0.tar.gz``; None if absent.

        Only products the job requested have files; a product that failed or was cancelled (``outcome``)
        has only its log and progress file.
        """
        folder, _, rest = path.strip("/").partition("/")
        if not rest or ".." in rest.split("/"):
            return None
        try:
            product = Product(folder)
        except ValueError:
            return None
        if product not in self.products:
            return None
        for member in self.product_members(product.value, outcome=outcome):
            if member.path == rest:
                return member
        return None

    def _data_members(self, product: Product, outcome: str) -> list[ArchiveMember]:
        if outcome != "complete":
            return []
        return self._complete_files[product]

    @functools.cached_property
    def _complete_files(self) -> _FileCache:
        return _FileCache(self)

    def _bookkeeping(self, product: Product, outcome: str) -> list[ArchiveMember]:
        steps = _STEPS[product]
        if outcome == "complete":
            done, status = len(steps), "Complete"
        else:
            done = max(1, len(steps) // 2)
            status = (
                "Cancelled at your request" if outcome == "cancelled" else "ERROR: no product could be made"
            )
        log = [f"Job {self.job_id}: {product.label} of {self.name} (RA {self.ra:.5f}, Dec {self.dec:.5f})"]
        log += [f"{step} ... done" for step in steps[:done]]
        if outcome != "complete":
            log.append(f"{steps[done] if done < len(steps) else steps[-1]} ... stopped")
        log.append(status)
        progress = [f"{i + 1}\t{2 if i < done else 0}\t{step}" for i, step in enumerate(steps)]
        return [
            member_from_text(f"{product.value}.log", "\n".join(log) + "\n"),
            member_from_text("progress.dat", "\n".join(progress) + "\n"),
        ]

    # ---- complete products' files ---------------------------------------------------------------------

    def lc_files(self) -> list[ArchiveMember]:
        """``lc/``: the QDP files of every dataset (``curve.qdp`` first) and a plot of the rates."""
        out = [member_from_text(name, body) for name, body in self.light_curve.files().items()]
        points = [
            (math.log10(max(b.time, 1.0)), math.log10(max(b.rate(), 1e-6)))
            for bins in self.light_curve.bins.values()
            for b in bins
            if not b.upper_limit
        ]
        out.append(member_from_bytes("curve.gif", gif_image(scatter_pixels(points))))
        return out

    def psf_files(self) -> list[ArchiveMember]:
        """``psf/``: ``INSXPS`` or ``results.dat``, the summed image and the centroid image(s)."""
        pos = self.positions
        out = (
            [member_from_text("INSXPS", pos.insxps())]
            if pos.from_sxps
            else [member_from_text("results.dat", pos.results_dat())]
        )
        out.append(member_from_bytes("summed.gif", self._sky_gif("psf")))
        if choice(self.pars, "detMeth", ("simple", "iterative"), "simple") == "iterative":
            out += [
                member_from_bytes(f"centroid/iteration{i}.img.gz", self._sky_fits(f"centroid{i}", 0.3, 10.0))
                for i in (1, 2)
            ]
        else:
            out.append(member_from_bytes("centroid.img.gz", self._sky_fits("centroid", 0.3, 10.0)))
            out.append(
                member_from_bytes(
                    "centroid_ex.img.gz", self._sky_fits("centroid_ex", 0.3, 10.0, exposure=True)
                )
            )
        return out

    def enh_files(self) -> list[ArchiveMember]:
        """``enh/``: ``success.txt`` and GIF/PostScript finding charts, or ``fail.txt`` without a position."""
        pos = self.positions
        if pos.enh is None:
            return [member_from_text("fail.txt", "No enhanced position could be determined.\n")]
        lines = [
            f"RA {pos.enh.ra_hms}  Dec {pos.enh.dec_dms}  (J2000)",
            f"90% error radius {pos.enh.err_text} arcsec",
        ]
        return [
            member_from_text("success.txt", pos.success_txt(self.name, self.targets)),
            member_from_bytes("finding_chart.gif", self._sky_gif("enh")),
            member_from_text(
                "finding_chart.ps", postscript_chart(f"{self.name}: enhanced XRT position", lines)
            ),
        ]

    def xastrom_files(self) -> list[ArchiveMember]:
        """``xastrom/``: ``INSXPS``, or ``corrpos.dat`` + ``xastrom_corr.dat``, or ``NOCORR``; and images."""
        pos = self.positions
        out = [member_from_bytes("orig.gif", self._sky_gif("xastrom-orig"))]
        if pos.from_sxps:
            out.insert(0, member_from_text("INSXPS", pos.insxps()))
        elif pos.xastrom is not None:
            out.insert(0, member_from_text("corrpos.dat", pos.corrpos_dat()))
            out.insert(1, member_from_text("xastrom_corr.dat", pos.xastrom_corr_dat()))
            out.append(member_from_bytes("corrected.gif", self._sky_gif("xastrom-corrected")))
        else:
            out.insert(0, member_from_text("NOCORR", "No astrometric correction could be made.\n"))
        return out

    def image_bands(self) -> list[tuple[float, float]]:
        """Energy bands (keV) of the image product, from ``imen`` (unreadable bands are skipped)."""
        bands = []
        for item in text(self.pars, "imen", _DEFAULT_IMAGE_BANDS).split(","):
            lo, _, hi = item.strip().partition("-")
            try:
                bands.append((float(lo), float(hi)))
            except ValueError:
                continue
        return bands or [(0.3, 10.0)]

    def image_files(self) -> list[ArchiveMember]:
        """``image/``: ``images.log``, one image and GIF per band, the summed exposure maps."""
        bands = self.image_bands()
        log = "".join(f"{n}\t{lo:g}\t{hi:g}\n" for n, (lo, hi) in enumerate(bands, 1))
        out = [member_from_text("images.log", log)]
        for n, (lo, hi) in enumerate(bands, 1):
            out.append(member_from_bytes(f"image{n}.img.gz", self._sky_fits(f"image{n}", lo, hi)))
            out.append(member_from_bytes(f"image{n}.gif", self._sky_gif(f"image{n}")))
        for stem in ("summed_ex", "summed_vignet_ex"):
            out.append(member_from_bytes(f"{stem}.img.gz", self._sky_fits(stem, 0.3, 10.0, exposure=True)))
            out.append(member_from_bytes(f"{stem}.gif", self._sky_gif(stem)))
        return out

    def source_det_files(self) -> list[ArchiveMember]:
        """``sourceDet/``: one tab-separated source table per band searched, and an image."""
        out = [
            member_from_text(f"{band}_sources.dat", source_list_file(band, rows))
            for band, rows in self.detections.items()
        ]
        out.append(member_from_bytes("sources.gif", self._sky_gif("sourceDet")))
        return out

    # ---- images ----------------------------------------------------------------------------------------

    def _sky_gif(self, what: str) -> bytes:
        rng = self.source.random("gif", what)
        return gif_image(
            blob_pixels(
                48, x=23.5 + rng.uniform(-1, 1), y=23.5 + rng.uniform(-1, 1), sigma=rng.uniform(2.0, 3.5)
            )
        )

    def _sky_fits(self, what: str, lo: float, hi: float, *, exposure: bool = False) -> bytes:
        """A 64x64 gzipped FITS counts image (or exposure map) centred on the target."""
        rng = self.source.random("fits", what)
        size = 64
        windows = self._image_windows
        expo = sum(w.duration for w in windows) or 1000.0
        if exposure:
            pixels = [[round(min(32767.0, expo / 10.0)) for _ in range(size)] for _ in range(size)]
        else:
            peak = min(30000.0, max(5.0, self.source.model.norm * expo * 0.02))
            pixels = [
                [
                    round(peak * math.exp(-((c - 31.5) ** 2 + (r - 31.5) ** 2) / 8.0) + (rng.random() < 0.02))
                    for c in range(size)
                ]
                for r in range(size)
            ]
        keywords = [
            ("TELESCOP", "SWIFT", "mission"),
            ("INSTRUME", "XRT", "instrument"),
            ("OBJECT", self.name[:60], "object name"),
            ("RA_OBJ", round(self.ra, 6), "deg J2000"),
            ("DEC_OBJ", round(self.dec, 6), "deg J2000"),
            ("EQUINOX", 2000.0, ""),
            ("RADESYS", "FK5", ""),
            ("CTYPE1", "RA---TAN", ""),
            ("CTYPE2", "DEC--TAN", ""),
            ("CRPIX1", 32.5, ""),
            ("CRPIX2", 32.5, ""),
            ("CRVAL1", round(self.ra, 6), ""),
            ("CRVAL2", round(self.dec, 6), ""),
            ("CDELT1", -2.357 / 3600 * 8, "deg per pixel (8x binned)"),
            ("CDELT2", 2.357 / 3600 * 8, "deg per pixel (8x binned)"),
            ("E_MIN", lo, "keV"),
            ("E_MAX", hi, "keV"),
            ("EXPOSURE", round(expo, 3), "s"),
            ("ORIGIN", "xrt_prods_async emulator", ""),
        ]
        return gzip_bytes(fits_image(pixels, keywords))


class _FileCache:
    """Each complete product's data files, built on first use and kept (the server may ask many times)."""

    def __init__(self, science: JobScience) -> None:
        self._science = science
        self._cache: dict[Product, list[ArchiveMember]] = {}

    def __getitem__(self, product: Product) -> list[ArchiveMember]:
        if product not in self._cache:
            s = self._science
            builders = {
                Product.LIGHT_CURVE: s.lc_files,
                Product.SPECTRUM: s.spectra.members,
                Product.STANDARD_POS: s.psf_files,
                Product.ENHANCED_POS: s.enh_files,
                Product.ASTROM_POS: s.xastrom_files,
                Product.IMAGE: s.image_files,
                Product.SOURCE_DET: s.source_det_files,
            }
            self._cache[product] = builders[product]()
        return self._cache[product]


_STEPS: dict[Product, tuple[str, ...]] = {
    Product.LIGHT_CURVE: (
        "Identify observations",
        "Determine source position",
        "Extract events",
        "Bin light curve",
    ),
    Product.SPECTRUM: ("Identify observations", "Extract spectra", "Build response files", "Fit spectra"),
    Product.STANDARD_POS: ("Identify observations", "Build image", "Detect sources", "Fit PSF"),
    Product.ENHANCED_POS: ("Identify XRT-UVOT overlaps", "Determine position", "Build images"),
    Product.ASTROM_POS: ("Wait for standard position", "Match field to 2MASS", "Correct position"),
    Product.IMAGE: ("Identify observations", "Build images", "Sum exposure maps"),
    Product.SOURCE_DET: ("Identify observations", "Build images", "Detect sources", "Characterise sources"),
}
