"""Helpers for report tests: a strict reading of the HTML page, and a ledger with a source in every state."""

from __future__ import annotations

import json
import urllib.parse
from dataclasses import dataclass, field
from html.parser import HTMLParser
from pathlib import Path
from typing import Any

from tests.support.examples import load_example
from xrt_prods_async._products import Product
from xrt_prods_async.campaign import CampaignStore, NewEntry
from xrt_prods_async.campaign._collect import safe_dirname
from xrt_prods_async.client import LightCurveData, Position

_VOID = frozenset(
    {"area", "base", "br", "col", "embed", "hr", "img", "input", "link", "meta", "source", "wbr"}
)


@dataclass
class Page:
    """What a report page holds: every tag with its attributes, the sources table's rows as text, all text."""

    tags: list[tuple[str, dict[str, str]]] = field(default_factory=list)
    rows: list[str] = field(default_factory=list)
    text: str = ""

    def attributes(self, name: str) -> list[str]:
        return [attrs[name] for _, attrs in self.tags if name in attrs]

    def images(self) -> list[str]:
        return [attrs.get("src", "") for tag, attrs in self.tags if tag == "img"]


class _Reader(HTMLParser):
    """Fails on an end tag that does not close the element open at that point (html.parser alone forgives)."""

    def __init__(self) -> None:
        super().__init__(convert_charrefs=True)
        self.page = Page()
        self.open: list[str] = []
        self.row: list[str] | None = None
        self.in_sources = False
        self.texts: list[str] = []

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        values = {k: v or "" for k, v in attrs}
        self.page.tags.append((tag, values))
        if tag == "table" and "sources" in values.get("class", ""):
            self.in_sources = True
        if self.in_sources and tag == "tr" and self.open[-1:] == ["tbody"]:
            self.row = []
        if tag not in _VOID:
            self.open.append(tag)

    def handle_startendtag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        assert tag in _VOID, f"<{tag}/> is not a void element"
        self.page.tags.append((tag, {k: v or "" for k, v in attrs}))

    def handle_endtag(self, tag: str) -> None:
        assert self.open[-1:] == [tag], f"</{tag}> closes {self.open[-1:]} (open: {self.open})"
        self.open.pop()
        if tag == "tr" and self.row is not None:
            self.page.rows.append(" ".join(" ".join(self.row).split()))
            self.row = None
        if tag == "table":
            self.in_sources = False

    def handle_data(self, data: str) -> None:
        self.texts.append(data)
        if self.row is not None:
            self.row.append(data)


def read_page(path: Path) -> Page:
    """Parse a report page strictly: every element closed in order, nothing left open."""
    reader = _Reader()
    reader.feed(path.read_text(encoding="utf-8"))
    reader.close()
    assert reader.open == [], f"elements left open: {reader.open}"
    reader.page.text = " ".join(" ".join(reader.texts).split())
    return reader.page


def assert_self_contained(page: Page, folder: Path) -> None:
    """No script, stylesheet link or remote URL: images are data URIs, links are anchors or relative paths
    to files that exist (from the page's folder)."""
    assert not [tag for tag, _ in page.tags if tag in ("script", "link", "iframe", "object", "embed")]
    for src in page.images():
        assert src.startswith("data:image/png;base64,"), src[:60]
    for href in page.attributes("href"):
        assert not href.lower().startswith(("http:", "https:", "//", "file:")), href
        if not href.startswith("#"):
            assert (folder / urllib.parse.unquote(href)).is_file(), href


# -- a ledger with a source in every state -----------------------------------------------------------------

#: Labels a page must escape, and a plot must not read as mathtext.
PARTIAL_LABEL = 'partial & <i>co</i> $\\frac$ "q"'
LABELS = (
    PARTIAL_LABEL,
    "collecting",
    "active",
    "submitting",
    "pending",
    "refused",
    "cancelled",
    "no position",
)


def _request(ra: float, dec: float) -> dict[str, Any]:
    return {"RA": ra, "Dec": dec, "name": "x", "targ": "00010873"}


def _position(product: Product, ra: float | None = None, dec: float | None = None) -> Any:
    if ra is None:
        return Position(product=product, found=False, reason="No position could be determined.").model_dump(
            mode="json"
        )
    return Position(product=product, found=True, ra=ra, dec=dec, err90=2.5).model_dump(mode="json")


def handmade_ledger(folder: Path) -> Path:
    """A ledger (``folder/h.campaign.sqlite``) whose sources stand in every state, with files beside it.

    ``PARTIAL_LABEL`` is done with its light curve but without its standard position, and its archive was
    recorded under a relative path from elsewhere; ``collecting`` has an archive whose file is gone; ``no
    position`` found none and its light-curve retrieval failed.
    """
    ledger = folder / "h.campaign.sqlite"
    products = {
        PARTIAL_LABEL: ("lc", "psf", "enh"),
        "collecting": ("lc", "enh"),
        "no position": ("lc", "psf"),
    }
    coordinates = [(10.0 + 40 * i, -60.0 + 15 * i) for i in range(len(LABELS))]
    with CampaignStore.open(ledger) as store:
        store.add_entries(
            NewEntry(label, _request(*coordinates[i]), f"fp{i}", label, products.get(label, ("lc",)))
            for i, label in enumerate(LABELS)
        )
        ids = {e.label: e.id for e in store.entries()}
        sent = ("collecting", "active", "submitting", "refused", PARTIAL_LABEL, "no position")
        for n, label in enumerate(sent):
            store.mark_submitting(ids[label])
            if label not in ("submitting", "refused"):
                store.mark_submitted(ids[label], 2000 + n, f"http://127.0.0.1:1/job/{2000 + n}")
        store.mark_failed(ids["refused"], "the server refused the request: Could not resolve the name")
        store.mark_cancelled(ids["cancelled"], "cancelled before submission")
        store.set_codes(ids["active"], {"lc": 3})

        # Done, some products not made: a light curve and its archive (recorded under a relative path).
        partial = folder / safe_dirname(PARTIAL_LABEL)
        partial.mkdir()
        (partial / "lc.tar.gz").write_bytes(b"archive")
        curve = LightCurveData.model_validate(load_example("lcdata_response_reconstructed.json"))
        (partial / "light_curve.json").write_text(json.dumps(curve.model_dump(mode="json")), encoding="utf-8")
        pid = ids[PARTIAL_LABEL]
        store.mark_finished(pid, {"lc": 4, "psf": -3, "enh": 4})
        store.record_artifact(pid, "archive:lc", ok=True, path=f"elsewhere/{partial.name}/lc.tar.gz")
        store.record_artifact(pid, "archive:psf", ok=False)
        store.record_artifact(pid, "archive:enh", ok=True, path=str(partial / "enh.tar.gz"))
        (partial / "enh.tar.gz").write_bytes(b"archive")
        found = _position(Product.ENHANCED_POS, 52.8, 43.9)
        store.record_artifact(pid, "position:enh", ok=True, detail=found)
        store.record_artifact(pid, "data:light_curve", ok=True, path=str(partial / "light_curve.json"))
        store.mark_done(pid)

        # Finished, still collecting: one archive recorded whose file has since gone.
        cid = ids["collecting"]
        store.mark_finished(cid, {"lc": 4, "enh": 4})
        store.record_artifact(cid, "archive:lc", ok=True, path=str(folder / "collecting" / "lc.tar.gz"))
        found = _position(Product.ENHANCED_POS, 52.81, 43.91)
        store.record_artifact(cid, "position:enh", ok=True, detail=found)

        # Done, but no position was found and the light-curve data could not be retrieved.
        nid = ids["no position"]
        store.mark_finished(nid, {"lc": 4, "psf": 4})
        store.record_artifact(nid, "position:psf", ok=True, detail=_position(Product.STANDARD_POS))
        store.record_artifact(nid, "data:light_curve", ok=False, detail="HTTP 500 from the service")
        store.mark_done(nid)
    return ledger
