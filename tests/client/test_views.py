"""Notebook and terminal views of the result types: HTML structure and escaping, rich snapshots, reprs.

The rich renderings are compared with golden files in ``tests/client/snapshots``; after a deliberate change of
a view, rewrite them with ``XRT_UPDATE_SNAPSHOTS=1 pytest tests/client/test_views.py`` and review the diff.
"""

from __future__ import annotations

import base64
import io
import os
import sys
from collections.abc import Callable
from datetime import UTC, datetime
from html.parser import HTMLParser
from pathlib import Path
from typing import Any

import pytest
from rich.console import Console

from xrt_prods_async._products import Product
from xrt_prods_async.client import (
    CancelResult,
    JobStatus,
    LightCurveData,
    OldJob,
    Position,
    ProductStatus,
    SourceList,
    SpectralFits,
)
from xrt_prods_async.client._cancel import cancel_result_from_reply
from xrt_prods_async.client._status import STATUS_NAMES, job_status_from_reply
from xrt_prods_async.client._views import dec_sexagesimal, number, ra_sexagesimal
from xrt_prods_async.wire import CancelReply, PositionReply, StatusCode, StatusReply
from xrt_prods_async.wire._replies import OldJobsReply

SNAPSHOTS = Path(__file__).parent / "snapshots"
CHECKED = datetime(2024, 5, 6, 7, 8, 9, tzinfo=UTC)
ALL_SIX = tuple(Product.parse(p) for p in ("lc", "spec", "enh", "psf", "xastrom", "image"))
NASTY = '<script>alert("x")</script> & <b>'


# --- the objects ------------------------------------------------------------------------------------------


def job_status(example: Callable[[str], Any]) -> JobStatus:
    reply = StatusReply.model_validate(example("status_response_all_products.json"))
    return job_status_from_reply(reply, (*ALL_SIX, Product.SOURCE_DET), job_id=1, checked_at=CHECKED)


def cancel_result(example: Callable[[str], Any]) -> CancelResult:
    reply = CancelReply.model_validate(example("cancel_partial.json"))
    return cancel_result_from_reply(reply, (Product.LIGHT_CURVE, Product.SPECTRUM), job_id=1)


def position(example: Callable[[str], Any]) -> Position:
    body = {**example("position_psf_gotpos_wire.json"), "FromSXPS": 1, "WhichSXPS": "2SXPS"}
    return Position.from_reply(Product.STANDARD_POS, PositionReply.model_validate(body))


def old_job(example: Callable[[str], Any]) -> OldJob:
    return OldJob.from_entry(OldJobsReply.model_validate(example("listoldjobs_ok.json")).jobs[0])


def spectral_fits(example: Callable[[str], Any]) -> SpectralFits:
    body = example("specdata_grb130925A_current_format.json")
    body["rnames"].append("empty")
    body["empty"] = {"Start": 1, "Stop": 2, "NOSPEC": 1}
    body["late_time"]["Modes"].append("WT")
    body["late_time"]["WT"] = {"Exposure": 10, "MeanTime": 20, "NOFIT": 1}
    return SpectralFits.model_validate(body)


OBJECTS: dict[str, Callable[[Callable[[str], Any]], Any]] = {
    "job_status": job_status,
    "product_status": lambda ex: job_status(ex)[Product.SPECTRUM],
    "cancel_result": cancel_result,
    "position": position,
    "position_not_found": lambda ex: Position.from_reply(
        Product.ASTROM_POS, PositionReply.model_validate(ex("position_nopos_wire.json"))
    ),
    "source_list": lambda ex: SourceList.model_validate(ex("sourcelist_ok_truncated.json")),
    "spectral_fits": spectral_fits,
    "light_curve": lambda ex: LightCurveData.model_validate(ex("lcdata_response_reconstructed.json")),
    "old_job": old_job,
}


# --- HTML ---------------------------------------------------------------------------------------------------

VOID = frozenset({"img", "br", "hr"})


class Page(HTMLParser):
    """The tags, texts, table cells and images of one HTML fragment; fails on unbalanced tags."""

    def __init__(self) -> None:
        super().__init__(convert_charrefs=True)
        self.tags: list[str] = []
        self.texts: list[str] = []
        self.cells: list[str] = []
        self.images: list[dict[str, str | None]] = []
        self.stack: list[str] = []

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        self.tags.append(tag)
        if tag == "img":
            self.images.append(dict(attrs))
        if tag in ("td", "th", "caption", "li"):
            self.cells.append("")
        if tag not in VOID:
            self.stack.append(tag)

    def handle_endtag(self, tag: str) -> None:
        assert self.stack, f"</{tag}> closes nothing"
        assert self.stack.pop() == tag, f"</{tag}> closes the wrong element"

    def handle_data(self, data: str) -> None:
        self.texts.append(data)
        if self.cells:
            self.cells[-1] += data


def parse(fragment: str) -> Page:
    page = Page()
    page.feed(fragment)
    page.close()
    assert page.stack == [], f"unclosed: {page.stack}"
    assert fragment.startswith('<div class="xrt-prods-view"')
    assert "<style" not in fragment
    assert "<script" not in fragment
    for attribute in ("src=", "href="):  # self-contained: nothing is fetched from anywhere
        for chunk in fragment.split(attribute)[1:]:
            assert chunk.startswith('"data:'), chunk[:40]
    return page


@pytest.mark.parametrize("name", list(OBJECTS))
def test_html_is_balanced_and_self_contained(name: str, example: Callable[[str], Any]) -> None:
    page = parse(OBJECTS[name](example)._repr_html_())
    assert "table" in page.tags


def test_status_html_names_codes_and_lists_steps(example: Callable[[str], Any]) -> None:
    status = job_status(example)
    page = parse(status._repr_html_())
    header = page.cells[4:7]  # after the facts: checked at, summary
    assert header == ["product", "status", "service says"]
    assert (
        "The server did not return the status" in page.cells
    )  # the service's text where it adds to the name
    assert "Running" not in page.cells  # ... and not where it only repeats it
    assert "spectrum progress" in page.cells  # one list per product with progress, below the table
    assert "complete" in page.cells
    assert "running" in page.cells
    assert "not returned" in page.cells  # source detection is missing from the reply
    codes = {str(int(code)) for code in StatusCode} | {"null"}
    assert not codes & {cell.strip() for cell in page.cells}  # never a bare number
    assert page.tags.count("ul") >= 6  # one list per product with progress, nested for sub-steps
    assert "Build spectra. (active: Working on spectrum: Obs_00081637001 (14/156))" in page.cells
    assert "Fit spectrum. (active)" in page.cells
    assert "Trying using the v,b,white filters:" in page.cells  # the service's emphasis tags dropped
    assert "running for 00:20:40" in page.cells


def test_position_html_in_sexagesimal_and_degrees(example: Callable[[str], Any]) -> None:
    page = parse(position(example)._repr_html_())
    assert page.cells[page.cells.index("RA") :][:3] == ["RA", "22:22:47.64", "335.69850"]
    assert page.cells[page.cells.index("Dec") :][:3] == ["Dec", "-07:31:04.4", "-7.51788"]
    assert '3.5"' in page.cells
    assert "copied from 2SXPS" in page.cells


def test_light_curve_html_has_a_thumbnail_or_a_table(
    example: Callable[[str], Any], monkeypatch: pytest.MonkeyPatch
) -> None:
    lc = OBJECTS["light_curve"](example)
    page = parse(lc._repr_html_())
    (image,) = page.images
    src = image["src"] or ""
    assert src.startswith("data:image/png;base64,")
    assert base64.b64decode(src.split(",", 1)[1]).startswith(b"\x89PNG")
    assert image["alt"]
    assert "PCUL_incbad" in page.cells
    assert "upper limits" in page.cells
    monkeypatch.setitem(sys.modules, "matplotlib", None)
    plain = parse(lc._repr_html_())
    assert plain.images == []
    assert "PCHR_incbad" in plain.cells
    assert any("pip install 'xrt_prods_async[plot]'" in text for text in plain.texts)


def test_html_escapes_names(example: Callable[[str], Any]) -> None:
    lc_body = {"Datasets": ["PC"], "PCData": {"columns": ["Time", "Rate"], "data": [[1, 2]]}}
    lc_body["Datasets"].append(NASTY)
    lc_body[f"{NASTY}Data"] = {"columns": ["Time", NASTY], "data": [[1, 2]]}
    status_body = {
        "lc": {
            "statusCode": 3,
            "statusText": NASTY,
            "progress": {"GotProgress": 1, "ProgressSteps": [{"StepLabel": NASTY, "StepStatus": 1}]},
        }
    }
    objects = [
        OldJob.model_validate({**example("listoldjobs_ok.json")["jobs"][0], "Name": NASTY}),
        SourceList.model_validate({NASTY: example("sourcelist_ok_truncated.json")["Total"]}),
        LightCurveData.model_validate(lc_body),
        job_status_from_reply(
            StatusReply.model_validate(status_body), (Product.LIGHT_CURVE,), job_id=1, checked_at=CHECKED
        ),
        Position(product=Product.STANDARD_POS, found=False, reason=NASTY),
        cancel_result_from_reply(
            CancelReply.model_validate({"OK": 1, "status": {"lc": NASTY}, "statusCodes": {"lc": 0}}),
            (Product.LIGHT_CURVE,),
            job_id=1,
        ),
    ]
    for obj in objects:
        fragment = obj._repr_html_()
        page = parse(fragment)
        assert "b" not in page.tags, type(obj).__name__
        assert any(NASTY in text for text in ["".join(page.texts), *page.cells]), type(obj).__name__
        assert "&lt;script&gt;" in fragment


# --- rich and text ------------------------------------------------------------------------------------------


def rich_text(obj: Any) -> str:
    console = Console(width=80, record=True, file=io.StringIO(), color_system=None)
    console.print(obj)
    return console.export_text()


@pytest.mark.parametrize("name", list(OBJECTS))
def test_rich_rendering_matches_the_snapshot(name: str, example: Callable[[str], Any]) -> None:
    rendered = rich_text(OBJECTS[name](example))
    assert max(len(line) for line in rendered.splitlines()) <= 80
    snapshot = SNAPSHOTS / f"{name}.txt"
    if os.environ.get("XRT_UPDATE_SNAPSHOTS") == "1":
        snapshot.parent.mkdir(exist_ok=True)
        snapshot.write_text(rendered, encoding="utf-8")
    assert snapshot.is_file(), f"no snapshot {snapshot.name}: run with XRT_UPDATE_SNAPSHOTS=1 and review it"
    assert rendered == snapshot.read_text(encoding="utf-8")


def test_rich_does_not_read_names_as_markup(example: Callable[[str], Any]) -> None:
    job = OldJob.model_validate({**example("listoldjobs_ok.json")["jobs"][0], "Name": "[bold red]GRB[/] [x"})
    assert "Job 3414: [bold red]GRB[/] [x" in rich_text(job)


@pytest.mark.parametrize("name", list(OBJECTS))
def test_repr_and_str_read_well(name: str, example: Callable[[str], Any]) -> None:
    obj = OBJECTS[name](example)
    text = repr(obj)
    assert text.startswith(f"{type(obj).__name__}(")
    assert "\n" not in text
    assert "\\n" not in text
    assert "{" not in text  # no raw dicts
    assert len(text) < 300
    shown = str(obj)
    assert "\\n" not in shown
    assert "{" not in shown


def test_reprs_say_what_matters(example: Callable[[str], Any]) -> None:
    assert repr(job_status(example)).startswith("JobStatus(job 1: light curve: running, spectrum: running")
    assert (
        repr(job_status(example)[Product.STANDARD_POS])
        == "ProductStatus(standard position: complete, 'Complete')"
    )
    assert repr(cancel_result(example)) == (
        "CancelResult(job 1, partial: light curve: not cancelled: probably already finished, "
        "spectrum: cancelled)"
    )
    assert repr(position(example)) == (
        "Position(standard position: RA=335.6985, Dec=-7.51788, err90=3.5 arcsec, copied from 2SXPS)"
    )
    assert str(position(example)) == 'standard position: RA 335.69850, Dec -7.51788, err90 3.5" (from 2SXPS)'
    assert repr(OBJECTS["source_list"](example)) == "SourceList(Total: 2 sources)"
    assert repr(OBJECTS["light_curve"](example)).startswith("LightCurveData(PC_incbad: 3, PCUL_incbad: 1,")
    assert (
        repr(OBJECTS["light_curve"](example)["PC_incbad"])
        == "LightCurveDataset(PC_incbad: 3 rows x 15 columns)"
    )
    assert repr(spectral_fits(example)) == (
        "SpectralFits(interval0: WT PowerLaw, PC PowerLaw; late_time: PC PowerLaw, WT no fit; "
        "empty: no spectrum)"
    )
    assert repr(old_job(example)) == "OldJob(3414 'GRB 200416A', 2020-07-23 17:32:29, spectrum, downloadable)"
    text = str(job_status(example))
    assert text.splitlines()[0] == "Job 1 status"
    assert "  - Fit spectrum. (active)" in text


def test_every_status_code_has_a_name() -> None:
    assert set(STATUS_NAMES) == set(StatusCode)
    odd = ProductStatus(Product.IMAGE, None, 7, "?")
    assert odd.state == "undocumented status (code 7)"
    assert ProductStatus(Product.IMAGE, None, None, "Unknown status").state == "not in job"


@pytest.mark.parametrize(
    ("degrees", "text"),
    [
        (0.0, "00:00:00.00"),
        (335.6985, "22:22:47.64"),
        (359.99999999, "00:00:00.00"),  # rounds up to 24 h, which is 0 h
        (-7.51788, "23:29:55.71"),
        (15.0 - 0.001 / 3600 * 15, "01:00:00.00"),  # 59.999 s carries into the minute and the hour
    ],
)
def test_ra_sexagesimal_rounds_once(degrees: float, text: str) -> None:
    assert ra_sexagesimal(degrees) == text


@pytest.mark.parametrize(
    ("degrees", "text"),
    [(0.0, "+00:00:00.0"), (-7.51788, "-07:31:04.4"), (-0.5, "-00:30:00.0"), (89.999999, "+90:00:00.0")],
)
def test_dec_sexagesimal_rounds_once(degrees: float, text: str) -> None:
    assert dec_sexagesimal(degrees) == text


def test_numbers_are_short() -> None:
    assert number(None) == "—"
    assert number(672786064.0) == "672786064"
    assert number(2.492634, 4) == "2.493"
    assert number(float("inf")) == "inf"
    assert number(True) == "yes"


def test_long_tables_are_cut_with_a_note(example: Callable[[str], Any]) -> None:
    row = example("sourcelist_ok_truncated.json")["Total"][0]
    sources = SourceList.model_validate(
        {"Total": [{**row, "sno": str(i)} for i in range(1, 61)], "Hard": [row]}
    )
    page = parse(sources._repr_html_())
    assert page.tags.count("tr") == 1 + 50 + 1 + 1 + 2  # facts, Total header + 50, Hard header + 1
    assert "Total band: 50 of 60 rows shown; to_pandas() has them all." in "".join(page.texts)
    assert "Total band: 60 sources" in page.cells
    assert len(sources.to_pandas()) == 60


def test_a_thumbnail_that_cannot_be_drawn_leaves_the_table(example: Callable[[str], Any]) -> None:
    body = {"Datasets": ["PC"], "PCData": {"columns": ["Time", "Rate"], "data": [[1, "n/a"]]}}
    page = parse(LightCurveData.model_validate(body)._repr_html_())
    assert page.images == []
    assert "PC" in page.cells
    assert any(text.startswith("No thumbnail:") for text in page.texts)


def test_one_products_cancel_outcome(example: Callable[[str], Any]) -> None:
    outcome = cancel_result(example)[Product.LIGHT_CURVE]
    assert outcome.state == "not cancelled: probably already finished"
    assert repr(outcome) == "ProductCancel(light curve: not cancelled: probably already finished)"
    assert "Job could not be cancelled" in "".join(parse(outcome._repr_html_()).texts)
