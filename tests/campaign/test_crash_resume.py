"""A campaign process killed with SIGKILL at each awkward step and resumed loses and duplicates nothing.

The emulator runs in this process (a background thread) on loopback; the campaign runs in a subprocess of the
real command line. Each kill point is reached deterministically with the emulator's faults and clock rather
than by luck: a delayed reply holds the process at the step we want, the test sees that step in the ledger
(read-only) and in the emulator's metrics, and kills.
"""

from __future__ import annotations

import signal
import tarfile
from collections import Counter
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any

import pytest

from tests.support.campaign import CampaignProcess, in_state, ledger_states, wait_for
from xrt_prods_async.emulator import (
    DEMO_USER_ID,
    DurationModel,
    EmulatorConfig,
    FaultConfig,
    FaultRule,
    RunningEmulator,
    emulator_in_thread,
)

TIME_SCALE = 2000.0
#: The real service's polite 60 s, on the emulator's clock.
POLL = 60.0 / TIME_SCALE
#: Real seconds a held reply waits: ample time to see the step and kill, short enough not to slow the test.
HOLD = 1.5
SOURCES = [f"crash-{i}" for i in range(5)]
MAX_ACTIVE = 2


def campaign_file(folder: Path) -> Path:
    """Five sources with distinct names (so server jobs can be counted per source), two products each."""
    sources = "".join(
        f'[[source]]\nname = "{name}"\nRA = 52.8\nDec = 43.9043\ntarg = "00010873"\n' for name in SOURCES
    )
    text = (
        f"[campaign]\nmax_active = {MAX_ACTIVE}\nretrieve = ['positions']\n"
        "[template]\ncentroid = true\nposErr = 1\n"
        "[template.StandardPos]\n[template.LightCurve]\nbinMeth = 'snapshot'\n" + sources
    )
    path = folder / "crash.toml"
    path.write_text(text, encoding="utf-8")
    return path


def metrics(emu: RunningEmulator) -> dict[str, Any]:
    snapshot = emu.state.metrics_snapshot()
    user = snapshot["users"].get(DEMO_USER_ID.lower(), {"jobs": {}, "submissions": 0})
    return {
        "faults": snapshot["faults"],
        "submissions": user["submissions"],
        "jobs": Counter(str(job["name"]) for job in user["jobs"].values()),
    }


def fired(emu: RunningEmulator, endpoint: str, kind: str) -> int:
    return int(metrics(emu)["faults"].get(endpoint, {}).get(kind, 0))


def hold(endpoint: str, **extra: Any) -> FaultConfig:
    """Every reply of ``endpoint`` waits HOLD seconds (plus ``extra`` rules)."""
    rules = [FaultRule(endpoint=endpoint, delay=1.0, delay_seconds=HOLD)]
    rules += [FaultRule(endpoint=name, **rule) for name, rule in extra.items()]
    return FaultConfig(rules=rules)


@contextmanager
def emulator() -> Iterator[RunningEmulator]:
    config = EmulatorConfig(
        time_scale=TIME_SCALE,
        workers=8,
        durations={"psf": DurationModel(median=600, sigma=0), "lc": DurationModel(median=600, sigma=0)},
        pad_archives_to=1_000_000,
    )
    with emulator_in_thread(config) as emu:
        yield emu


def test_sigkill_at_every_step_then_resume_loses_and_duplicates_nothing(tmp_path: Path) -> None:
    ledger, output = tmp_path / "crash.sqlite", tmp_path / "out"
    with emulator() as emu:
        common = ["--user", DEMO_USER_ID, "--plain"]
        start = [
            "run",
            str(campaign_file(tmp_path)),
            "--ledger",
            str(ledger),
            "--output",
            str(output),
            "--base-url",
            emu.base_url,
            "--poll-interval",
            str(POLL),
            *common,
        ]
        resume = ["resume", str(ledger), *common]

        # 1. A submit's reply is lost after the server made the job (a crash between POST and recording
        #    the job id looks the same); the lookup that would resolve it is held, and the process killed.
        emu.state.faults.configure(
            FaultConfig(
                rules=[
                    FaultRule(endpoint="run_userobject.php", lost_reply=1.0, limit=1),
                    FaultRule(endpoint="listOldJobs.php", delay=1.0, delay_seconds=HOLD),
                ]
            )
        )
        first = CampaignProcess(tmp_path, start, "1-lost-reply")
        wait_for(lambda: fired(emu, "listOldJobs.php", "delay"), "the reconciliation lookup", first)
        states = ledger_states(ledger)
        lost = in_state(states, "submitting")
        assert len(lost) == 1, states
        assert metrics(emu)["jobs"][lost[0]] == 1  # the server has the job the ledger does not know of
        first.kill()

        # 2. Resumed: the lost job is adopted; the next submit is held at the server and the process killed
        #    while the ledger shows it "submitting" (the server never makes that job: the client is gone).
        emu.state.faults.configure(hold("run_userobject.php"))
        second = CampaignProcess(tmp_path, resume, "2-submit")
        wait_for(lambda: fired(emu, "run_userobject.php", "delay"), "a held submission", second)
        held = wait_for(lambda: in_state(ledger_states(ledger), "submitting"), "a submitting entry", second)
        assert lost[0] not in held
        assert ledger_states(ledger)[lost[0]] in ("active", "collecting", "done")
        submissions_before = metrics(emu)["submissions"]
        second.kill()
        assert "lost submission reply resolved: adopted job" in second.output()

        # 3. Resumed with jobs that cannot finish (the emulator's clock slowed to real time): killed while
        #    the ledger shows jobs active and nothing of unknown outcome.
        emu.state.faults.configure(FaultConfig())
        emu.state.clock.set_time_scale(1.0)
        third = CampaignProcess(tmp_path, resume, "3-active")

        def running() -> bool:
            states = ledger_states(ledger)
            return (
                metrics(emu)["submissions"] > submissions_before
                and not in_state(states, "submitting")
                and bool(in_state(states, "active"))
            )

        wait_for(running, "new jobs running", third)
        third.kill()
        assert "lost submission reply resolved: no job on the server; queued again" in third.output()

        # 4. Resumed at full speed with every download held: killed while an archive is half-way to disk
        #    (its temporary file exists, nothing is under the final name yet for that product).
        emu.state.clock.set_time_scale(TIME_SCALE)
        emu.state.faults.configure(hold("download"))
        fourth = CampaignProcess(tmp_path, resume, "4-download")
        wait_for(lambda: fired(emu, "download", "delay"), "a held download", fourth)
        parts = wait_for(lambda: list(output.rglob(".*.part")), "a partial download on disk", fourth)
        assert "collecting" in ledger_states(ledger).values()
        fourth.kill()
        assert all(part.exists() for part in parts)  # SIGKILL leaves them behind: the resume must cope

        # 5. Resumed with no faults: it finishes.
        emu.state.faults.configure(FaultConfig())
        last = CampaignProcess(tmp_path, resume, "5-finish")
        assert last.finish() == 0, last.output()
        final = metrics(emu)

    assert ledger_states(ledger) == dict.fromkeys(SOURCES, "done")
    # Exactly one server job per source, and no submission was ever repeated: the lost reply was adopted and
    # the killed submission never reached the server.
    assert final["jobs"] == dict.fromkeys(SOURCES, 1)
    assert final["submissions"] == len(SOURCES)
    for name in SOURCES:
        folder = output / name
        assert sorted(p.name for p in folder.iterdir()) == ["lc.tar.gz", "psf.tar.gz"]
        for archive in folder.iterdir():
            with tarfile.open(archive) as tar:
                assert tar.getmembers()
    leftovers = [p for p in output.rglob("*") if p.name.startswith(".") or p.name.endswith(".part")]
    assert not leftovers  # stale temporary files from the killed download are cleaned on resume


@pytest.mark.parametrize(("signal_number", "status"), [(signal.SIGINT, 130), (signal.SIGTERM, 143)])
def test_ctrl_c_or_terminate_stops_cleanly_and_says_how_to_resume(
    tmp_path: Path, signal_number: int, status: int
) -> None:
    ledger = tmp_path / "stop.sqlite"
    with emulator() as emu:
        emu.state.clock.set_time_scale(1.0)  # jobs stay active while we stop the campaign
        args = ["run", str(campaign_file(tmp_path)), "--ledger", str(ledger), "--output", str(tmp_path / "o")]
        args += ["--base-url", emu.base_url, "--poll-interval", str(POLL), "--user", DEMO_USER_ID, "--plain"]
        process = CampaignProcess(tmp_path, args, "stop")
        wait_for(lambda: len(in_state(ledger_states(ledger), "active")) == MAX_ACTIVE, "active jobs", process)
        process.proc.send_signal(signal_number)
        assert process.finish(timeout=10) == status
        text = process.output()
        assert f"Nothing is lost: resume with  xrt-prods-async campaign resume {ledger}\n" in text
        assert f"cancel the campaign's server jobs with  xrt-prods-async campaign cancel {ledger}" in text
        assert "Traceback" not in text
        states = ledger_states(ledger)
        assert len(in_state(states, "active")) == MAX_ACTIVE
        assert len(in_state(states, "pending")) == len(SOURCES) - MAX_ACTIVE
