"""Campaign events read as sentences: products and states in words, never a dict, a repr or a status number;
the typed details keep what programs read (codes, steps, paths)."""

from __future__ import annotations

import re
from datetime import UTC, datetime
from typing import Any

import pytest

from xrt_prods_async import Product
from xrt_prods_async.campaign import CampaignEvent, EntryState, EventKind
from xrt_prods_async.campaign._events import (
    Cancelled,
    EventDetail,
    Failure,
    JobProgress,
    Missing,
    ProductProgress,
    Reconciled,
    Retrying,
    Saved,
    Submitted,
    item_name,
    one_line,
    status_name,
)
from xrt_prods_async.client._cancel import cancel_result_from_reply
from xrt_prods_async.client._status import JobStatus, job_status_from_reply
from xrt_prods_async.wire import CancelReply, StatusReply

E = EventKind
PRODUCTS = tuple(Product.parse(p) for p in ("lc", "spec", "enh", "psf", "xastrom", "image"))
#: What a sentence must never show: a Python dict or repr, an escaped newline, a status code as a number.
UNREADABLE = re.compile(r"[{}]|'\w+':|\\n|\b(lc|spec|psf|enh|xastrom):-?\d|None")


def status(example: Any, name: str = "status_response_all_products.json") -> JobStatus:
    reply = StatusReply.model_validate(example(name))
    return job_status_from_reply(reply, PRODUCTS, job_id=1001, checked_at=datetime(2024, 5, 6, tzinfo=UTC))


def said(kind: EventKind, detail: EventDetail | None = None, *, job: int | None = 1001) -> str:
    text = str(CampaignEvent(kind, "GRB 200416A", job, detail, state=EntryState.ACTIVE, at=0.0))
    assert not UNREADABLE.search(text), text
    assert "\n" not in text
    return text


def test_a_running_job_names_each_product_its_state_and_its_current_step(example: Any) -> None:
    progress = JobProgress.of(status(example))
    assert said(E.RUNNING, progress) == (
        "GRB 200416A (job 1001): light curve running (Prepare data and centroid (if selected)), "
        "spectrum running (Fit spectrum: Working on spectrum: Obs_00081637001 (14/156)), enhanced position "
        "running (Build Images), standard position complete, astrometric position running (Create "
        "per-snapshot images and exposure maps: Working on observation 2 / 121), image running (Creating "
        "exposure map)"
    )
    # What programs read is still there: the codes as the ledger keeps them, and the steps.
    assert progress.codes == {"lc": 3, "spec": 3, "enh": 3, "psf": 4, "xastrom": 3, "image": 3}
    assert progress.progress["enh"] == "Build Images"
    assert "psf" not in progress.progress  # complete: no step


def test_products_that_stand_alike_are_named_together() -> None:
    def progress(**codes: int | None) -> JobProgress:
        return JobProgress.from_codes(codes)

    assert (
        said(E.FINISHED, progress(lc=4, psf=4, enh=4))
        == "GRB 200416A (job 1001): finished: every product complete"
    )
    assert said(E.FINISHED, progress(lc=4, psf=-2, enh=4)) == (
        "GRB 200416A (job 1001): finished: light curve and enhanced position complete, standard position "
        "queueing failed"
    )
    assert said(E.RUNNING, progress(lc=5, psf=None)) == (
        "GRB 200416A (job 1001): light curve waiting for the standard position, standard position not in job"
    )
    assert progress(lc=4, spec=3).describe(short_names=True) == "lc complete, spec running"


@pytest.mark.parametrize(
    ("kind", "detail", "sentence"),
    [
        (E.QUEUED, None, "GRB 200416A: queued"),
        (
            E.SUBMITTED,
            Submitted("https://x/USERPROD_1001", ("lc", "psf")),
            "GRB 200416A (job 1001): submitted",
        ),
        (
            E.DOWNLOADED,
            Saved("archive:lc", "out/GRB_200416A/lc.tar.gz"),
            "GRB 200416A (job 1001): saved the light curve archive to out/GRB_200416A/lc.tar.gz",
        ),
        (
            E.DOWNLOADED,
            Saved("position:enh", None, {"found": True, "ra": 335.69856, "dec": -7.51804, "err90": 1.6}),
            "GRB 200416A (job 1001): enhanced position 335.69856 -7.51804 ±1.6″",
        ),
        (
            E.DOWNLOADED,
            Saved("position:psf", None, {"found": False}),
            "GRB 200416A (job 1001): standard position: none found",
        ),
        (
            E.DOWNLOADED,
            Saved("data:spectral_fits", "out/spectral_fits.json"),
            "GRB 200416A (job 1001): saved the spectral fits to out/spectral_fits.json",
        ),
        (
            E.FAILED,
            Failure("The service refused the request:\n* RA: out of range\n* targ: required"),
            "GRB 200416A (job 1001): The service refused the request: RA: out of range; targ: required",
        ),
        (
            E.FAILED,
            Failure("not written: No space left on device (x.part)", "data:light_curve"),
            "GRB 200416A (job 1001): light curve data not saved: not written: No space left on device "
            "(x.part)",
        ),
        (
            E.RECONCILED,
            Reconciled("job 1002 has this name but other parameters: not ours; adopted job 1003", 1003),
            "GRB 200416A (job 1001): lost submission reply resolved: job 1002 has this name but other "
            "parameters: not ours; adopted job 1003",
        ),
        (
            E.INCOMPLETE,
            Missing({"archive:spec": "cut short", "position:psf": "the service failed"}),
            "GRB 200416A (job 1001): incomplete, not saved: spectrum archive (cut short); standard position "
            "(the service failed)",
        ),
        (
            E.RETRYING,
            Retrying(("archive:spec", "position:psf")),
            "GRB 200416A (job 1001): fetching what is missing: spectrum archive and standard position",
        ),
        (E.CANCELLED, Cancelled(), "GRB 200416A (job 1001): cancelled before submission"),
        (E.DONE, None, "GRB 200416A (job 1001): done, every result saved"),
    ],
)
def test_each_kind_of_event_is_one_sentence(
    kind: EventKind, detail: EventDetail | None, sentence: str
) -> None:
    assert said(kind, detail, job=None if kind is E.QUEUED else 1001) == sentence


def test_a_cancel_says_what_the_service_did(example: Any) -> None:
    partial = cancel_result_from_reply(
        CancelReply.model_validate(example("cancel_partial.json")),
        (Product.LIGHT_CURVE, Product.SPECTRUM),
        job_id=1001,
    )
    text = said(E.CANCELLED, Cancelled(partial))
    assert text == (
        "GRB 200416A (job 1001): partly cancelled: light curve not cancelled: probably already finished, "
        "spectrum cancelled"
    )
    assert Cancelled(partial).on_service
    every = cancel_result_from_reply(
        CancelReply.model_validate(example("cancel_ok.json")), (Product.LIGHT_CURVE,), job_id=1001
    )
    assert said(E.CANCELLED, Cancelled(every)) == "GRB 200416A (job 1001): cancelled on the service"


def test_the_services_events_are_its_own_sentences() -> None:
    from xrt_prods_async.campaign import Outage, Recovery

    down = Outage(datetime(2026, 1, 1, 14, 2, tzinfo=UTC), 0.0, "Could not connect\nto the host", 3, 1800.0)
    assert str(CampaignEvent(E.OUTAGE, "", None, down, at=0.0)).endswith("last error: Could not connect")
    back = str(CampaignEvent(E.RECOVERED, "", None, Recovery(down, 65.0), at=0.0))
    assert back == "service answering again after 1 min 05 s of failures"


def test_names_in_words() -> None:
    assert status_name(4) == "complete"
    assert status_name(5) == "waiting for the standard position"
    assert status_name(None) == "not in job"
    assert status_name(99) == "undocumented status (code 99)"
    assert item_name("archive:xastrom") == "astrometric position archive"
    assert item_name("data:source_list") == "source list"
    assert ProductProgress("sourceDet", 3, "Searching for sources").name == "source detection"
    assert one_line("Refused:\n* a\n* b") == "Refused: a; b"
