"""The campaign report: one self-contained HTML page from a ledger and the files a campaign saved."""

from __future__ import annotations

import base64
import re
import sys
import urllib.parse
from pathlib import Path

import pytest

from tests.support.campaign import POLL, client, emulator, position_request
from tests.support.report import LABELS, PARTIAL_LABEL, assert_self_contained, handmade_ledger, read_page
from xrt_prods_async.campaign import Campaign, CampaignItem, CampaignOptions, write_report
from xrt_prods_async.campaign._collect import safe_dirname
from xrt_prods_async.campaign._report_plots import SkyPoint, sky_png, zoom_group
from xrt_prods_async.cli._demo import demo_items

HOSTILE = '<img src=x onerror=alert(1)> & "Q" $\\frac$'
SEXAGESIMAL = re.compile(r"\d\d:\d\d:\d\d\.\d\d [+-]\d\d:\d\d:\d\d\.\d ± [\d.]+″ \(90%\)")


async def test_a_finished_campaign(tmp_path: Path) -> None:
    async with emulator() as emu, client(emu) as xrt:
        campaign = Campaign(xrt, tmp_path / "c.sqlite", tmp_path / "out", CampaignOptions(poll_interval=POLL))
        hostile = CampaignItem(HOSTILE, position_request("hostile").replace(ra=200.0, dec=-40.0))
        refused = position_request("no such object").replace(ra=None, dec=None, get_coords=True)
        demo = demo_items(3)
        await campaign.add([*demo, hostile, ("unresolvable", refused)])
        summary = await campaign.run()
    assert summary.counts["done"] == 4
    assert summary.counts["failed"] == 1

    site = tmp_path / "site"  # apart from the files, so the links climb out of it
    report = write_report(tmp_path / "c.sqlite", site, requests=summary.requests)
    assert report.html == site / "report.html"
    assert report.pictures
    page = read_page(report.html)
    assert_self_contained(page, site)

    names = [item.label for item in demo]
    assert len(page.rows) == 5
    for row, label in zip(page.rows, [*names, HOSTILE, "unresolvable"], strict=True):
        assert label in row
    raw = report.html.read_text(encoding="utf-8")
    assert "<img src=x" not in raw
    assert HOSTILE not in raw
    for row in page.rows[:4]:
        assert "done: every product made" in row
        assert SEXAGESIMAL.search(row), row
    assert "failed: no job was made" in page.rows[4]
    assert "no such object" in page.rows[4]
    hrefs = page.attributes("href")
    for name in names:
        for file in ("lc.tar.gz", "spec.tar.gz", "light_curve.json"):
            assert f"../out/{urllib.parse.quote(safe_dirname(name))}/{file}" in hrefs

    # The sky map and one thumbnail per light curve, each embedded and also written beside the page.
    images = page.images()
    assert len(images) == 1 + len(names) == len(report.pngs)
    for src, png in zip(images, report.pngs, strict=True):
        assert base64.b64decode(src.split(",", 1)[1]) == png.read_bytes()
        assert png.parent == site / "report_files"
    assert "sky map of 4 sources" in raw
    assert f"{sum(summary.requests.values())} requests to the service this run" in page.text


def test_every_state_and_what_is_missing(tmp_path: Path) -> None:
    ledger = handmade_ledger(tmp_path)
    stale = tmp_path / "report_files" / "lc-99-gone.png"
    stale.parent.mkdir()
    stale.write_bytes(b"an earlier report's picture")

    report = write_report(ledger)  # by default beside the ledger, where the files are
    assert report.html == tmp_path / "report.html"
    page = read_page(report.html)
    assert_self_contained(page, tmp_path)
    assert not stale.exists()
    rows = dict(zip(LABELS, page.rows, strict=True))
    assert "done: some products not made" in rows[PARTIAL_LABEL]
    assert "standard position: no product made" in rows[PARTIAL_LABEL]
    assert "finished on the server, downloading" in rows["collecting"]
    assert "lc.tar.gz is missing" in rows["collecting"]
    assert "running on the server" in rows["active"]
    assert "light curve: running" in rows["active"]
    assert "reply not confirmed" in rows["submitting"]
    assert "waiting to be submitted" in rows["pending"]
    assert "as requested; no XRT position" in rows["pending"]
    assert "Could not resolve the name" in rows["refused"]
    assert "cancelled before submission" in rows["cancelled"]
    assert "No position could be determined." in rows["no position"]
    assert "HTTP 500 from the service" in rows["no position"]
    assert "4 source(s) not finished" in page.text
    # A file recorded under a path relative to wherever the campaign ran is found in the source's folder.
    assert f"{safe_dirname(PARTIAL_LABEL)}/lc.tar.gz" in page.attributes("href")

    # The one light curve is drawn; the others say why there is none.
    assert len(page.images()) == 2  # the sky map and one thumbnail
    for why in (
        "not downloaded yet",
        "not finished yet (running on the server)",
        "no job was made",
        "cancelled",
        "retrieving the light-curve data failed: HTTP 500 from the service",
    ):
        assert why in page.text


def test_without_matplotlib_the_page_has_tables_and_says_how_to_get_pictures(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    ledger = handmade_ledger(tmp_path)
    monkeypatch.setitem(sys.modules, "matplotlib", None)  # import matplotlib now raises ImportError
    report = write_report(ledger, tmp_path / "plain")
    page = read_page(report.html)
    assert not report.pictures
    assert report.pngs == ()
    assert page.images() == []
    assert len(page.rows) == len(LABELS)
    assert "pip install 'xrt_prods_async[plot]'" in page.text
    assert not (tmp_path / "plain" / "report_files").exists()


def test_a_zoom_panel_only_for_sources_close_together() -> None:
    spread = [SkyPoint(f"s{i}", 30.0 * i, -60.0 + 10 * i, 3.0, "complete") for i in range(10)]
    assert zoom_group(spread) == []
    near = [SkyPoint(f"n{i}", 100.0 + 0.2 * i, 20.0, 3.0, "complete") for i in range(3)]
    assert zoom_group(spread + near) == [10, 11, 12]  # the densest group, among the spread ones
    assert zoom_group(near[:2]) == [0, 1]  # everything close together: zoom on all of it
    assert zoom_group(near[:1]) == []


def test_labels_are_text_not_mathtext() -> None:
    # An unbalanced or unknown TeX command in a label would make matplotlib fail when drawing.
    points = [SkyPoint(f"$\\frac{{{i}$ <b>", 40.0 * i, 10.0, 3.0, "partial") for i in range(3)]
    png = sky_png(points)
    assert png is not None
    assert png.startswith(b"\x89PNG")


def test_an_incomplete_source_says_what_is_missing(tmp_path: Path) -> None:
    from xrt_prods_async.campaign import CampaignStore, NewEntry

    with CampaignStore.open(tmp_path / "c.sqlite") as store:
        store.add_entries([NewEntry("GK Per", {"name": "GK Per", "dopsf": 1}, "f", "GK Per", ("psf",))])
        (entry,) = store.entries()
        store.mark_submitting(entry.id)
        store.mark_submitted(entry.id, 7, "https://x/USERPROD_7")
        store.mark_finished(entry.id, {"psf": 4})
        store.record_artifact(entry.id, "archive:psf", ok=False, detail="not a complete tar.gz archive")
        store.mark_incomplete(entry.id, "archive:psf: not a complete tar.gz archive")
    page = read_page(write_report(tmp_path / "c.sqlite").html)
    (row,) = page.rows
    assert "finished, but some files are missing (a resume fetches them)" in row
    assert "archive:psf not saved: not a complete tar.gz archive" in row
