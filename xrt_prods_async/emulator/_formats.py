"""Small, valid files of the formats the product directories hold: QDP tables, GIF plots, FITS images.

Everything here is deterministic (same input, same bytes) so archives and single-file downloads agree.
"""

from __future__ import annotations

import gzip
import math
import struct
from collections.abc import Sequence
from dataclasses import dataclass


def format_value(value: float, decimals: int = 6) -> str:
    """A table cell: fixed point with ``decimals`` places, or ``%.{decimals}e`` when that would hide it.

    ``inf`` is written ``inf`` (the service does so for the SNR of upper limits).
    """
    if math.isinf(value):
        return "inf" if value > 0 else "-inf"
    if value == 0:
        value = 0.0  # no "-0.000000"
    if value != 0 and abs(value) < 10 ** (3 - decimals):
        return f"{value:.{decimals}e}"
    return f"{value:.{decimals}f}"


def ra_sexagesimal(ra: float) -> str:
    """RA in degrees as ``"hh mm ss.ss"`` (rounded in hundredths of a second of time, carries handled)."""
    centis = round((ra % 360.0) / 15.0 * 360000) % (24 * 360000)
    hours, rest = divmod(centis, 360000)
    minutes, rest = divmod(rest, 6000)
    return f"{hours:02d} {minutes:02d} {rest // 100:02d}.{rest % 100:02d}"


def dec_sexagesimal(dec: float) -> str:
    """Dec in degrees as ``"+dd mm ss.s"`` (rounded in tenths of an arcsecond, carries handled)."""
    sign = "-" if dec < 0 else "+"
    tenths = round(abs(dec) * 36000)
    degrees, rest = divmod(tenths, 36000)
    minutes, rest = divmod(rest, 600)
    return f"{sign}{degrees:02d} {minutes:02d} {rest // 10:02d}.{rest % 10}"


@dataclass(frozen=True, slots=True)
class QDPGroup:
    """One group of a QDP file: a label (written as a comment) and rows of already-formatted cells."""

    label: str
    rows: Sequence[Sequence[str]]


def qdp_cell(cell: str) -> str:
    """QDP has no infinity: an ``inf`` cell is written ``NO`` (QDP's "no value")."""
    return "NO" if cell in ("inf", "-inf", "nan") else cell


def write_qdp(
    groups: Sequence[QDPGroup],
    columns: Sequence[str],
    *,
    serr: Sequence[int] = (),
    terr: Sequence[int] = (),
    header: Sequence[str] = (),
) -> str:
    """A QDP file: ``READ SERR``/``READ TERR`` lines, comment header, groups split by lines of ``NO``.

    ``serr``/``terr`` number the vectors (1-based) with symmetric / two-sided errors, as QDP counts them;
    ``columns`` names every column (errors included) in a comment. Empty groups are left out.
    """
    lines: list[str] = []
    if serr:
        lines.append("READ SERR " + " ".join(str(i) for i in serr))
    if terr:
        lines.append("READ TERR " + " ".join(str(i) for i in terr))
    lines.extend(f"! {text}" for text in header)
    lines.append("! " + "\t".join(columns))
    separator = " ".join(["NO"] * len(columns))
    first = True
    for group in groups:
        if not group.rows:
            continue
        if not first:
            lines.append(separator)
        first = False
        lines.append(f"! {group.label}")
        for row in group.rows:
            if len(row) != len(columns):
                raise ValueError(
                    f"QDP group {group.label!r}: row has {len(row)} cells for {len(columns)} columns"
                )
            lines.append("\t".join(qdp_cell(c) for c in row))
    return "\n".join(lines) + "\n"


# --- GIF ------------------------------------------------------------------------------------------


def gif_image(pixels: Sequence[Sequence[int]]) -> bytes:
    """A valid GIF89a of grey levels 0-255 (rows of equal length), written as uncompressed LZW.

    Every pixel is emitted as a literal 9-bit code and a clear code follows every 250 pixels, so the
    decoder's table never grows past 9 bits: simple, valid, and fine for the tiny plots the emulator draws.
    """
    height = len(pixels)
    width = len(pixels[0]) if height else 0
    if not width or any(len(row) != width for row in pixels):
        raise ValueError("gif_image needs a non-empty rectangle of pixels")
    palette = b"".join(bytes((i, i, i)) for i in range(256))
    clear, end = 256, 257
    codes: list[int] = []
    for index, value in enumerate(v for row in pixels for v in row):
        if index % 250 == 0:
            codes.append(clear)
        codes.append(max(0, min(255, int(value))))
    codes.append(end)
    packed = bytearray()
    acc = bits = 0
    for code in codes:
        acc |= code << bits
        bits += 9
        while bits >= 8:
            packed.append(acc & 0xFF)
            acc >>= 8
            bits -= 8
    if bits:
        packed.append(acc & 0xFF)
    blocks = b"".join(
        bytes((len(packed[i : i + 255]),)) + packed[i : i + 255] for i in range(0, len(packed), 255)
    )
    return (
        b"GIF89a"
        + struct.pack("<HHBBB", width, height, 0xF7, 0, 0)  # global colour table of 256 entries
        + palette
        + b"\x2c"
        + struct.pack("<HHHHB", 0, 0, width, height, 0)
        + b"\x08"  # LZW minimum code size
        + blocks
        + b"\x00;"
    )


def blob_pixels(size: int, *, x: float, y: float, sigma: float, peak: float = 230.0) -> list[list[int]]:
    """A square grey image with a Gaussian spot at (x, y) on a dark sky: stands in for images and plots."""
    out = []
    for row in range(size):
        line = []
        for col in range(size):
            r2 = (col - x) ** 2 + (row - y) ** 2
            line.append(int(12 + peak * math.exp(-r2 / (2 * sigma * sigma))))
        out.append(line)
    return out


def scatter_pixels(
    points: Sequence[tuple[float, float]], *, width: int = 160, height: int = 120
) -> list[list[int]]:
    """A plot: white canvas, black axes, each point a 3x3 dark square, axes scaled to the points' range.

    Pass logarithms for log axes. With no points the canvas holds just the axes.
    """
    canvas = [[255] * width for _ in range(height)]
    margin = 8
    for col in range(margin, width - 2):
        canvas[height - margin][col] = 0
    for row in range(2, height - margin + 1):
        canvas[row][margin] = 0
    if points:
        xs, ys = [p[0] for p in points], [p[1] for p in points]
        x0, x1 = min(xs), max(xs)
        y0, y1 = min(ys), max(ys)
        for x, y in points:
            col = margin + 3 + round((x - x0) / ((x1 - x0) or 1.0) * (width - margin - 8))
            row = height - margin - 3 - round((y - y0) / ((y1 - y0) or 1.0) * (height - margin - 8))
            for dr in (-1, 0, 1):
                for dc in (-1, 0, 1):
                    if 0 <= row + dr < height and 0 <= col + dc < width:
                        canvas[row + dr][col + dc] = 40
    return canvas


# --- FITS -----------------------------------------------------------------------------------------


def _card(key: str, value: object, comment: str = "") -> bytes:
    if isinstance(value, bool):
        text = f"{'T' if value else 'F':>20}"
    elif isinstance(value, str):  # FITS text is printable ASCII, a quote written twice
        printable = "".join(c if " " <= c <= "~" else "?" for c in value).replace("'", "''")
        text = f"'{printable:<8}'"
    elif isinstance(value, float):
        text = f"{value:>20.10G}"
    else:
        text = f"{value:>20}"
    card = f"{key:<8}= {text}" + (f" / {comment}" if comment else "")
    return card[:80].ljust(80).encode("ascii")


def fits_image(counts: Sequence[Sequence[int]], keywords: Sequence[tuple[str, object, str]]) -> bytes:
    """A single-HDU FITS file holding ``counts`` as 16-bit integers, with extra header ``keywords``."""
    height = len(counts)
    width = len(counts[0]) if height else 0
    cards = [
        _card("SIMPLE", True, "conforms to FITS standard"),
        _card("BITPIX", 16, "16-bit integers"),
        _card("NAXIS", 2),
        _card("NAXIS1", width),
        _card("NAXIS2", height),
        *(_card(k, v, c) for k, v, c in keywords),
        b"END".ljust(80),
    ]
    header = b"".join(cards)
    header += b" " * (-len(header) % 2880)
    data = b"".join(struct.pack(f">{width}h", *(max(-32768, min(32767, v)) for v in row)) for row in counts)
    data += b"\0" * (-len(data) % 2880)
    return header + data


def gzip_bytes(data: bytes) -> bytes:
    """``data`` gzipped with a zero timestamp, so the same input always gives the same file."""
    return gzip.compress(data, compresslevel=6, mtime=0)


def postscript_chart(title: str, lines: Sequence[str]) -> str:
    """A one-page PostScript "finding chart": a circle, a cross and a few lines of text."""
    body = [
        "%!PS-Adobe-3.0",
        "%%BoundingBox: 0 0 400 400",
        "%%Pages: 1",
        "%%EndComments",
        "/Helvetica findfont 12 scalefont setfont",
        "newpath 200 200 60 0 360 arc stroke",
        "newpath 190 200 moveto 210 200 lineto 200 190 moveto 200 210 lineto stroke",
        f"20 370 moveto ({_ps_escape(title)}) show",
    ]
    for i, text in enumerate(lines):
        body.append(f"20 {20 + 14 * (len(lines) - i)} moveto ({_ps_escape(text)}) show")
    body += ["showpage", "%%EOF"]
    return "\n".join(body) + "\n"


def _ps_escape(text: str) -> str:
    return text.replace("\\", "\\\\").replace("(", "\\(").replace(")", "\\)")
