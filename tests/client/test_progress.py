"""``wait(progress=...)``: shown when asked (or in IPython / Jupyter), never in a plain script by default; a
line per change in a pipe, a view of each product's state and step where it can be redrawn.

The notebook itself is in test_progress_notebook.py."""

from __future__ import annotations

import sys
import types
from datetime import UTC, datetime
from typing import Any

import httpx
import pytest
import respx

from tests.support.client import LOOP, make_job, ok, product_status
from tests.support.display import drawn
from xrt_prods_async._products import Product
from xrt_prods_async.client import XRTClient
from xrt_prods_async.client._progress import WaitView, wants_progress
from xrt_prods_async.client._status import job_status_from_reply
from xrt_prods_async.wire import StatusReply

STATUS = f"{LOOP}/checkProductStatus.php"
LC, PSF = Product.LIGHT_CURVE, Product.STANDARD_POS


def test_progress_is_shown_when_asked_or_in_an_interactive_session(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.delitem(sys.modules, "IPython", raising=False)
    assert wants_progress(None) is False  # a plain script
    assert wants_progress(True) is True
    assert wants_progress(False) is False
    fake = types.ModuleType("IPython")
    fake.get_ipython = lambda: object()  # type: ignore[attr-defined]
    monkeypatch.setitem(sys.modules, "IPython", fake)
    assert wants_progress(None) is True  # IPython or a Jupyter kernel
    assert wants_progress(False) is False
    fake.get_ipython = lambda: None  # type: ignore[attr-defined]  # IPython imported, but no shell running
    assert wants_progress(None) is False


@respx.mock
async def test_a_wait_in_a_pipe_prints_a_line_each_time_a_product_changes(
    client: XRTClient, capsys: pytest.CaptureFixture[str]
) -> None:
    codes = [{"lc": 2, "psf": 1}, {"lc": 2, "psf": 1}, {"lc": 3, "psf": 4}, {"lc": 4, "psf": 4}]
    respx.post(STATUS).mock(
        side_effect=[
            httpx.Response(200, json=ok(JobID=14, **{k: product_status(v, "t") for k, v in c.items()}))
            for c in codes
        ]
    )
    seen: list[int] = []
    final = await make_job(client, LC, PSF).wait(progress=True, on_progress=lambda s: seen.append(s.job_id))
    assert final.complete
    assert seen == [14] * 4  # the caller's callback still gets every status
    assert capsys.readouterr().out.splitlines() == [
        "Job 14: light curve queued, standard position requested",
        "Job 14: light curve running, standard position complete",
        "Job 14: every product complete",
    ]


@respx.mock
async def test_no_progress_in_a_script_unless_asked(
    client: XRTClient, capsys: pytest.CaptureFixture[str]
) -> None:
    respx.post(STATUS).respond(200, json=ok(JobID=14, lc=product_status(4, "Complete")))
    await make_job(client, LC).wait()
    assert capsys.readouterr().out == ""


@pytest.mark.parametrize("width", [80, 160])
def test_the_view_names_each_product_its_state_and_its_step(width: int, example: Any) -> None:
    products = tuple(Product.parse(p) for p in ("lc", "spec", "enh", "psf", "xastrom", "image"))
    reply = StatusReply.model_validate(example("status_response_all_products.json"))
    status = job_status_from_reply(reply, products, job_id=1001, checked_at=datetime(2024, 5, 6, tzinfo=UTC))
    clock = iter([0.0, 30.0, 95.0])  # started, polled, drawn
    view = WaitView(1001, 60.0, clock=lambda: next(clock))
    view.update(status)
    text = drawn(view, width)
    lines = text.splitlines()
    assert lines[0] == "Job 1001  running 0:01:35  status every 60 s, last 65 s ago"
    assert lines[1].split() == ["product", "state", "now"]
    assert lines[2].startswith("light curve           running   Prepare data and centroid (if selected)")
    assert lines[5].startswith("standard position     complete")
    assert max(len(line) for line in lines) <= width
    if width == 80:
        assert lines[6].endswith("…")  # a long step is cut, not folded over lines
