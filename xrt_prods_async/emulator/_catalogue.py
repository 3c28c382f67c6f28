"""The emulator's object catalogue: what ``getCoords``, ``getTargs`` and ``getT0`` resolve against.

The real service asks SIMBAD for coordinates and its own archive for targetIDs and trigger times. The emulator
has a small built-in table of well-known X-ray objects instead, with their published J2000 coordinates, so
demos and tests can use real names ("GRB 200416A", "GK Per") and get real positions. TargetIDs and times are
real for the GRBs and GK Per (the documentation examples); for the other objects they are plausible values
(8-digit IDs in the ranges Swift uses, MET of a date when Swift could have observed them).

Unknown names or positions outside a catalogue object's field get deterministic made-up targetIDs and T0s, so
a job can always be derived the same way twice.
"""

from __future__ import annotations

import hashlib
import math
import re
from dataclasses import dataclass

#: Radius (deg) within which a position counts as "in the XRT field" of a catalogue object.
FIELD_RADIUS_DEG = 12.0 / 60.0


@dataclass(frozen=True, slots=True)
class KnownObject:
    """One catalogue entry: a real object with its published position."""

    name: str
    ra: float
    dec: float
    targets: tuple[str, ...]
    t0: float
    kind: str
    aliases: tuple[str, ...] = ()


CATALOGUE: tuple[KnownObject, ...] = (
    # Gamma-ray bursts: T0 is the BAT trigger (or, for 230307A, the GBM trigger) in Swift MET.
    KnownObject("GRB 200416A", 335.6985, -7.5179, ("00966554",), 608713541.952, "GRB"),
    KnownObject("GRB 130925A", 41.17879, -26.15315, ("00571830",), 401775096.0, "GRB"),
    KnownObject("GRB 221009A", 288.26452, 19.77350, ("01126853",), 687017422.0, "GRB"),
    KnownObject("GRB 190114C", 54.50467, -26.94639, ("00883832",), 569192228.0, "GRB"),
    KnownObject("GRB 230307A", 60.85842, -75.37853, ("00015927",), 699896651.0, "GRB"),
    KnownObject("GRB 080319B", 217.92067, 36.30247, ("00306757",), 227599970.0, "GRB", ("naked-eye burst",)),
    KnownObject("GRB 130427A", 173.13675, 27.69889, ("00554620",), 388741680.0, "GRB"),
    # Cataclysmic variables.
    KnownObject(
        "GK Per",
        52.8000,
        43.9043,
        (
            "00010873",
            "00010907",
            "00010944",
            "00030842",
            "00031653",
            "00045767",
            "00010502",
            "00060130",
            "00060134",
            "00060136",
            "00060138",
            "00060140",
            "00060142",
            "00060144",
            "00060146",
            "00060148",
            "00060150",
            "00060152",
            "00060156",
            "00060158",
            "00060160",
            "00067244",
            "00069549",
            "00069616",
            "00074701",
        ),
        124048802.40058,
        "CV",
        ("Nova Per 1901",),
    ),
    KnownObject("FO Aqr", 334.48075, -8.35106, ("00037098",), 182534411.0, "CV"),
    KnownObject("SS Cyg", 325.67789, 43.58614, ("00030641",), 170123456.0, "CV"),
    KnownObject("AM Her", 274.05521, 49.86786, ("00030957",), 196402210.0, "CV"),
    KnownObject("AE Aqr", 310.03825, -0.87084, ("00030814",), 178811203.0, "CV"),
    # X-ray binaries.
    KnownObject("Sco X-1", 244.97948, -15.64022, ("00031299",), 207144913.0, "XRB"),
    KnownObject("Cyg X-1", 299.59032, 35.20161, ("00035028",), 139211782.0, "XRB"),
    KnownObject("Her X-1", 254.45755, 35.34236, ("00030852",), 181043521.0, "XRB"),
    KnownObject("V404 Cyg", 306.01592, 33.86717, ("00031403", "00033861"), 457236110.0, "XRB"),
    KnownObject("Swift J1753.5-0127", 268.36792, -1.45172, ("00030090",), 142743612.0, "XRB"),
    KnownObject("Cen X-3", 170.31329, -60.62378, ("00030962",), 199451118.0, "XRB"),
    KnownObject("GX 339-4", 255.70573, -48.78975, ("00030943",), 192348110.0, "XRB"),
    KnownObject("MAXI J1820+070", 275.09142, 7.18533, ("00010627",), 542624710.0, "XRB", ("ASASSN-18ey",)),
    # Active galaxies and the Galactic Centre.
    KnownObject("Mrk 421", 166.11381, 38.20883, ("00030352",), 135024113.0, "AGN", ("Markarian 421",)),
    KnownObject("Mrk 501", 253.46757, 39.76017, ("00030793",), 172711902.0, "AGN", ("Markarian 501",)),
    KnownObject("3C 273", 187.27792, 2.05239, ("00035017",), 154931702.0, "AGN"),
    KnownObject("PKS 2155-304", 329.71694, -30.22559, ("00030795",), 172915410.0, "AGN"),
    KnownObject("NGC 4151", 182.63574, 39.40585, ("00035320",), 160212045.0, "AGN"),
    KnownObject("Sgr A*", 266.41684, -29.00781, ("00035650",), 193708790.0, "SMBH", ("Sagittarius A*",)),
    KnownObject(
        "Swift J1644+57", 251.20542, 57.58094, ("00450158",), 322088601.0, "TDE", ("Swift J164449.3+573451",)
    ),
    # Supernovae and their remnants, pulsars.
    KnownObject(
        "Crab", 83.63308, 22.01450, ("00058204",), 150981403.0, "SNR", ("Crab Nebula", "M 1", "Crab Pulsar")
    ),
    KnownObject("Cas A", 350.85000, 58.81500, ("00035617",), 163611905.0, "SNR", ("Cassiopeia A",)),
    KnownObject("SN 1987A", 83.86675, -69.26974, ("00035089",), 145602314.0, "SNR"),
    KnownObject("SN 2023ixf", 210.91067, 54.31165, ("00016037",), 706078812.0, "SN"),
    KnownObject("Vela Pulsar", 128.83588, -45.17635, ("00035022",), 156318007.0, "Pulsar", ("PSR B0833-45",)),
    # Stars.
    KnownObject(
        "Proxima Cen", 217.42895, -62.67949, ("00031349",), 203413004.0, "Star", ("Proxima Centauri",)
    ),
    KnownObject("Eta Car", 161.26477, -59.68444, ("00031300",), 205802113.0, "Star", ("Eta Carinae",)),
    KnownObject("Capella", 79.17233, 45.99799, ("00035021",), 157910502.0, "Star", ("alf Aur",)),
)


def normalise_name(name: str) -> str:
    """Fold case and drop spaces, underscores and hyphens: ``"GRB_200416a"`` -> ``"grb200416a"``."""
    return re.sub(r"[\s_\-]+", "", name).lower()


_BY_NAME: dict[str, KnownObject] = {
    normalise_name(alias): obj for obj in CATALOGUE for alias in (obj.name, *obj.aliases)
}


def resolve_name(name: str) -> KnownObject | None:
    """The catalogue object called ``name`` (case, space, underscore and hyphen-insensitive), or None."""
    return _BY_NAME.get(normalise_name(name))


def angular_distance(ra1: float, dec1: float, ra2: float, dec2: float) -> float:
    """Great-circle distance in degrees between two J2000 positions (haversine, stable at small angles)."""
    p1, p2 = math.radians(dec1), math.radians(dec2)
    dp = p2 - p1
    dl = math.radians(ra2 - ra1)
    h = math.sin(dp / 2) ** 2 + math.cos(p1) * math.cos(p2) * math.sin(dl / 2) ** 2
    return math.degrees(2 * math.asin(min(1.0, math.sqrt(h))))


def _covering_object(name: str, ra: float, dec: float) -> KnownObject | None:
    """The object named ``name`` when ``ra``/``dec`` lies in its XRT field (the ``getTargs`` rule)."""
    obj = resolve_name(name)
    if obj is None or angular_distance(ra, dec, obj.ra, obj.dec) > FIELD_RADIUS_DEG:
        return None
    return obj


def _digest(*parts: object) -> int:
    return int.from_bytes(hashlib.blake2b(repr(parts).encode(), digest_size=8).digest(), "big")


def targets_for(name: str, ra: float, dec: float) -> tuple[str, ...]:
    """TargetIDs for ``getTargs``: the catalogue's when the name matches and the field covers the position.

    Otherwise one deterministic ID: GRB-like names get a BAT-trigger style ID (``01xxxxxx``), others a
    ToO-style ID (``03xxxxxx``); the same name and position always give the same ID.
    """
    obj = _covering_object(name, ra, dec)
    if obj is not None:
        return obj.targets
    h = _digest("targ", normalise_name(name), round(ra, 2), round(dec, 2))
    base = 1_000_000 if normalise_name(name).startswith("grb") else 3_000_000
    return (f"{base + h % 999_000:08d}",)


def t0_for(name: str, ra: float, dec: float) -> float:
    """T0 for ``getT0`` (Swift MET): the catalogue's trigger/first-observation time, else a deterministic one.

    Made-up times fall between 2005 and 2023 and are given to the millisecond.
    """
    obj = _covering_object(name, ra, dec)
    if obj is not None:
        return obj.t0
    h = _digest("t0", normalise_name(name), round(ra, 2), round(dec, 2))
    return round(1.5e8 + (h % 5_500_000_000_000) / 10_000, 3)


class CatalogueResolver:
    """The catalogue behind the three ``get*`` derivations, as one object the server can hold."""

    def coordinates(self, name: str) -> tuple[float, float] | None:
        """RA, Dec (deg J2000) of a named object, or None when the name is unknown."""
        obj = resolve_name(name)
        return None if obj is None else (obj.ra, obj.dec)

    def targets(self, name: str, ra: float, dec: float) -> tuple[str, ...]:
        """TargetIDs matching the name and covering the position (:func:`targets_for`)."""
        return targets_for(name, ra, dec)

    def t0(self, name: str, ra: float, dec: float) -> float:
        """GRB trigger time or start of the first observation, Swift MET (:func:`t0_for`)."""
        return t0_for(name, ra, dec)
