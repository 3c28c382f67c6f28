"""What the campaign commands say besides the live view: nothing recorded before the settings are checked, an
empty ledger never "resumed", a cancel that reports what the service did, choices that match no product,
and ``--json`` summaries for scripts."""

from __future__ import annotations

import json
import time
from pathlib import Path

import anyio
import pytest

from tests.cli.conftest import POLL, Run
from tests.support.campaign import USER, client, items, ledger_states, user_metrics
from xrt_prods_async.campaign import Campaign, CampaignOptions, CampaignStore
from xrt_prods_async.emulator import RunningEmulator

LABELS = ("alpha", "beta", "gamma")


def campaign_file(folder: Path, products: str = "[template.StandardPos]\n", settings: str = "") -> Path:
    sources = "".join(
        f'[[source]]\nname = "{label}"\nRA = 52.8\nDec = 43.9043\ntarg = "00010873"\n' for label in LABELS
    )
    path = folder / "camp.toml"
    template = f"[template]\ncentroid = true\nposErr = 1\n{products}"
    text = f"[campaign]\nmax_active = 2\n{settings}\n{template}{sources}"
    path.write_text(text, encoding="utf-8")
    return path


def test_resume_without_a_user_names_the_option_and_changes_nothing(
    tmp_path: Path, run: Run, service: RunningEmulator, monkeypatch: pytest.MonkeyPatch
) -> None:
    path = campaign_file(tmp_path)
    assert run("campaign", "run", path, "--poll-interval", POLL).status == 0  # the user from the environment
    monkeypatch.delenv("XRT_PRODS_USER_ID")
    ran = run("campaign", "resume", tmp_path / "camp.campaign.sqlite")
    assert ran.status == 2
    assert ran.text.startswith("error: no user: give --user you@example.org or set XRT_PRODS_USER_ID")
    assert "XRTClient" not in ran.text


def test_an_empty_ledger_is_not_resumed(tmp_path: Path, run: Run) -> None:
    ledger = tmp_path / "camp.campaign.sqlite"
    with CampaignStore.open(ledger) as store:  # a start that stopped before recording its sources
        store.set_meta("settings", {"base_url": "http://127.0.0.1:9/x", "user_id": USER, "file": "camp.toml"})
    ran = run("campaign", "resume", ledger)
    assert ran.status == 2
    assert (
        f"error: {ledger} holds no sources: its campaign never started, so nothing can be resumed" in ran.text
    )
    assert f"xrt-prods-async campaign run camp.toml --ledger {ledger}" in ran.text
    status = run("campaign", "status", ledger)
    assert status.status == 2
    assert "holds no sources" in status.text
    assert "Campaign summary" not in status.text  # no empty table
    cancel = run("campaign", "cancel", ledger)
    assert (cancel.status, cancel.out) == (0, f"{ledger} holds no sources: nothing to cancel.\n")


def test_a_cancel_says_which_jobs_had_already_finished(
    tmp_path: Path, run: Run, service: RunningEmulator
) -> None:
    """The ledger says active, the service has finished the jobs meanwhile: nothing was cancelled there."""
    ledger, output = tmp_path / "c.sqlite", tmp_path / "out"
    service.state.clock.set_time_scale(1.0)  # the jobs stay active while the campaign runs

    async def start() -> None:
        options = CampaignOptions(max_active=2, poll_interval=float(POLL))
        async with client(service) as xrt:
            with CampaignStore.open(ledger) as store:
                store.set_meta(
                    "settings", {"base_url": service.base_url, "output": str(output), "max_active": 2}
                )
                campaign = Campaign(xrt, store, output, options)
                await campaign.add(items(3))
                with anyio.move_on_after(0.5):  # stopped like Ctrl-C, two jobs active
                    await campaign.run(progress=False)

    anyio.run(start)
    assert sorted(ledger_states(ledger).values()) == ["active", "active", "pending"]
    service.state.clock.set_time_scale(1e6)
    deadline = time.monotonic() + 10
    while user_metrics(service)["active_jobs"] and time.monotonic() < deadline:
        time.sleep(0.02)
    ran = run("campaign", "cancel", ledger)
    assert ran.status == 0, ran.text
    lines = ran.out.splitlines()
    assert lines[0] == (
        "src-0000 (job 1001): already finished, nothing to cancel (standard position not cancelled: probably "
        "already finished): left to be collected"
    )
    assert lines[-1] == (
        "0 of 2 active job(s) cancelled on the service; 2 had already finished: left to be collected (a "
        "resume collects them); 1 source(s) not yet submitted will not be."
    )
    assert "Cancelled" not in ran.out
    # Left as they were, so that a resume collects them.
    assert sorted(ledger_states(ledger).values()) == ["active", "active", "cancelled"]


def test_a_choice_that_matches_no_product_of_a_source_says_so(
    tmp_path: Path, run: Run, service: RunningEmulator
) -> None:
    path = campaign_file(tmp_path)  # standard positions only
    ran = run(
        "campaign",
        "run",
        path,
        "--poll-interval",
        POLL,
        "--download",
        "lc",
        "--retrieve",
        "positions,light_curve",
    )
    assert ran.status == 0, ran.text
    said = " ".join(ran.text.split())  # the notes are prose, folded at the terminal's width
    assert (
        "note: --download lc matches no product of any of the 3 sources: no archive is downloaded for them "
        "(it needs a light curve)"
    ) in said
    assert "note: --retrieve light_curve matches no product of any of the 3 sources" in said
    assert "--retrieve positions" not in said  # it does match
    folder = tmp_path / "camp-output"
    assert not folder.exists() or not any(folder.rglob("*.tar.gz"))

    # Per source: only those without the product are named.
    from tests.support.campaign import position_request
    from xrt_prods_async.campaign import CampaignItem
    from xrt_prods_async.cli._campaign_says import unmatched_choices

    sources = [
        CampaignItem("with", position_request("with", LightCurve={"binMeth": "snapshot"}, StandardPos={}))
    ]
    sources += [CampaignItem(f"without-{i}", position_request(f"without-{i}")) for i in range(7)]
    (note,) = unmatched_choices(sources, {"download": "lc,psf", "retrieve": ["positions"]}, {"download"})
    assert note == (
        "note: --download lc matches no product of 7 of the 8 sources (without-0, without-1, without-2, "
        "without-3, without-4 and 2 more): no archive is downloaded for them (it needs a light curve)"
    )
    (note,) = unmatched_choices(sources[:2], {"retrieve": ["light_curve"]}, set())
    assert note.startswith("note: retrieve = light_curve (campaign file) matches no product of 1 of the 2 ")


def test_json_summaries_for_scripts(tmp_path: Path, run: Run, service: RunningEmulator) -> None:
    path = campaign_file(tmp_path)
    ran = run("campaign", "run", path, "--poll-interval", POLL, "--json")
    assert ran.status == 0, ran.err
    document = ran.json()  # stdout holds the JSON document alone; the progress went to stderr
    assert document["exit_status"] == 0
    assert document["counts"]["done"] == 3
    assert document["requests"]["submit"] == 3
    first = document["sources"][0]
    assert first["label"] == "alpha"
    assert first["products"] == {"psf": {"code": 4, "state": "complete"}}
    assert first["positions"]["psf"]["ra"] > 0
    assert "alpha (job 1001): done, every result saved" in ran.err

    status = run("campaign", "status", path, "--json")
    assert status.status == 0
    assert status.json()["running"] is None
    assert status.json()["sources"] == document["sources"]
    resume = run("campaign", "resume", path, "--json", "--plain")
    assert resume.status == 0
    assert resume.json()["counts"]["done"] == 3

    missing = run("campaign", "resume", tmp_path / "nowhere.sqlite", "--json")
    assert missing.status == 2


def test_the_demo_prints_json_too(tmp_path: Path, run: Run) -> None:
    ran = run("demo", "--sources", "2", "--time-scale", "2000", "--output", tmp_path, "--json")
    assert ran.status == 0, ran.err
    document = json.loads(ran.out)
    assert document["counts"] == {"done": 2} | {k: 0 for k in document["counts"] if k != "done"}
    assert document["report"] == str(tmp_path / "report.html")
    assert document["emulator"]["max_active_jobs"] <= 2
    assert "Campaign summary" not in ran.out + ran.err
