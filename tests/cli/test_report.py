"""``xrt-prods-async campaign report``: the HTML overview from the command line."""

from __future__ import annotations

import webbrowser
from pathlib import Path

import pytest

from tests.support.report import LABELS, assert_self_contained, handmade_ledger, read_page
from xrt_prods_async.campaign import CampaignStore
from xrt_prods_async.cli import main


def run(capsys: pytest.CaptureFixture[str], *args: str) -> tuple[int, str]:
    capsys.readouterr()
    status = main(["campaign", "report", *args])
    captured = capsys.readouterr()
    return status, captured.out + captured.err


def test_writes_the_report_and_opens_it(
    tmp_path: Path, capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch
) -> None:
    handmade_ledger(tmp_path)
    opened: list[str] = []
    monkeypatch.setattr(webbrowser, "open", lambda url, *a, **k: opened.append(url) or True)
    site = tmp_path / "site"
    # Named by its campaign file, as the other campaign commands accept.
    status, out = run(capsys, str(tmp_path / "h.toml"), "--output", str(site), "--open")
    assert status == 0, out
    assert f"Report: {site / 'report.html'}" in out
    assert opened == [(site / "report.html").as_uri()]
    page = read_page(site / "report.html")
    assert len(page.rows) == len(LABELS)
    assert_self_contained(page, site)


def test_by_default_the_report_goes_to_the_campaigns_output_folder(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    ledger = handmade_ledger(tmp_path)
    output = tmp_path / "output"
    output.mkdir()
    with CampaignStore.open(ledger, create=False) as store:
        store.set_meta("settings", {"output": str(output), "base_url": "http://127.0.0.1:1/x"})
    status, out = run(capsys, str(ledger))
    assert status == 0, out
    page = read_page(output / "report.html")
    assert "http://127.0.0.1:1/x" in page.text  # which service, as text: the page links to nothing remote
    assert_self_contained(page, output)


def test_a_missing_or_foreign_ledger_exits_2(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    status, out = run(capsys, str(tmp_path / "none.sqlite"))
    assert status == 2
    assert "does not exist" in out
    other = tmp_path / "other.sqlite"
    other.write_bytes(b"not a database at all, just some bytes" * 10)
    status, out = run(capsys, str(other))
    assert status == 2
    assert "not a campaign ledger" in out
    assert not list(tmp_path.glob("report*"))
