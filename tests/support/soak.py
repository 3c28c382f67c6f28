"""A campaign soak: the command line against a faulty emulator, killed with SIGKILL again and again, resumed.

The emulator runs in this process (a background thread) on loopback and injects faults into every kind of
request: HTML error pages (500/502/503), dropped connections, replies cut short (JSON and archives), lost
submit replies (the job is made, the answer lost), products that fail. The campaign runs as
``xrt-prods-async campaign run`` in a subprocess, without backoff between the client's retries (stamina's
test mode), and is killed with SIGKILL each time another slice of its sources has settled, then resumed.
Once the last run ends, every claim is checked against the disk and the emulator; then the faults are
lifted and one more resume must bring every source home. ``tests/campaign/test_soak.py`` runs a small one;
``benchmarks/campaign_soak.py`` a big one.
"""

from __future__ import annotations

import time
from collections import Counter
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from tests.support.campaign import USER, CampaignProcess, ledger_states
from xrt_prods_async._products import Product
from xrt_prods_async.campaign import CampaignStore, Entry, EntryState
from xrt_prods_async.client._download import verify_archive
from xrt_prods_async.emulator import (
    DurationModel,
    EmulatorConfig,
    FaultConfig,
    FaultRule,
    RunningEmulator,
    emulator_in_thread,
)
from xrt_prods_async.wire import StatusCode

#: The sources' products: two archives and a position each.
PRODUCTS = "[template.StandardPos]\n[template.LightCurve]\nbinMeth = 'snapshot'\n"


def faults(seed: int) -> FaultConfig:
    """Faults on every kind of request; a submission's reply is lost one time in six."""
    return FaultConfig(
        seed=seed,
        rules=[
            FaultRule(endpoint="*", http_500=0.02, http_502=0.02, http_503=0.02, drop=0.02, truncate=0.02),
            FaultRule(endpoint="run_userobject.php", lost_reply=0.15, http_503=0.03, drop=0.03),
            FaultRule(endpoint="download", http_502=0.03, drop=0.03, truncate=0.04),
        ],
    )


@dataclass(frozen=True)
class SoakConfig:
    """How big and how hostile a soak is."""

    jobs: int = 100
    kills: int = 4
    max_active: int = 8
    time_scale: float = 5000.0
    failure_rate: float = 0.05
    seed: int = 1
    #: Real seconds any one run may take before the soak fails.
    run_timeout: float = 60.0


@dataclass
class SoakResult:
    """What a soak saw; ``problems`` is empty when every claim held."""

    config: SoakConfig
    kills: int = 0
    runs: int = 0
    statuses: list[int] = field(default_factory=list)
    states_after_faults: dict[str, int] = field(default_factory=dict)
    incomplete_reasons: Counter[str] = field(default_factory=Counter)
    verified_archives: int = 0
    failed_products: int = 0
    jobs_on_server: int = 0
    max_active_seen: int = 0
    faults_fired: dict[str, dict[str, int]] = field(default_factory=dict)
    seconds: float = 0.0
    problems: list[str] = field(default_factory=list)

    def summary(self) -> str:
        fired = sum(sum(kinds.values()) for kinds in self.faults_fired.values())
        lost = sum(k.get("lost_reply", 0) for k in self.faults_fired.values())
        return (
            f"{self.config.jobs} jobs, {self.kills} SIGKILLs, {self.runs} runs "
            f"(exit statuses {self.statuses}) in {self.seconds:.1f} s; after the faulty runs "
            f"{self.states_after_faults}; incomplete because {dict(self.incomplete_reasons)}; "
            f"{self.verified_archives} archives verified, "
            f"{self.failed_products} products failed on the server; {self.jobs_on_server} server jobs; "
            f"at most {self.max_active_seen} active (cap {self.config.max_active}); {fired} faults injected "
            f"({lost} lost submit replies); problems: {self.problems or 'none'}"
        )


def _campaign_file(folder: Path, config: SoakConfig) -> Path:
    sources = "".join(
        f'[[source]]\nname = "soak-{i:04d}"\nRA = 52.8\nDec = 43.9043\ntarg = "00010873"\n'
        for i in range(config.jobs)
    )
    settings = f"[campaign]\nmax_active = {config.max_active}\nretrieve = ['positions']\n"
    template = "[template]\ncentroid = true\nposErr = 1\n" + PRODUCTS
    path = folder / "soak.toml"
    path.write_text(settings + template + sources, encoding="utf-8")
    return path


def _settled(ledger: Path) -> int:
    return sum(1 for state in ledger_states(ledger).values() if state in ("done", "incomplete", "failed"))


def _kill_or_finish(process: CampaignProcess, ledger: Path, threshold: int, timeout: float) -> bool:
    """SIGKILL ``process`` once ``threshold`` sources have settled; False if it finished first."""
    deadline = time.monotonic() + timeout
    while process.proc.poll() is None:
        if _settled(ledger) >= threshold:
            process.kill()
            return True
        if time.monotonic() > deadline:
            process.proc.kill()
            raise AssertionError(f"the campaign made no progress to {threshold} in {timeout} s")
        time.sleep(0.01)
    return False


def run_soak(folder: Path, config: SoakConfig) -> SoakResult:
    """Run the soak in ``folder``; the result lists every claim that did not hold."""
    result = SoakResult(config)
    started = time.monotonic()
    ledger, output = folder / "soak.sqlite", folder / "out"
    emulator = EmulatorConfig(
        time_scale=config.time_scale,
        workers=4 * config.max_active,
        max_jobs_per_user=max(20, config.max_active),
        seed=config.seed,
        failure_rate=config.failure_rate,
        # Jobs long enough for the cap to bind: a slot frees every few rounds, not every round.
        durations={"psf": DurationModel(median=400, sigma=0.5), "lc": DurationModel(median=600, sigma=0.5)},
        faults=faults(config.seed),
    )
    with emulator_in_thread(emulator) as emu:
        start = ["run", str(_campaign_file(folder, config)), "--ledger", str(ledger), "--output", str(output)]
        start += ["--base-url", emu.base_url, "--poll-interval", str(60.0 / config.time_scale)]
        start += ["--user", USER, "--plain"]
        resume = ["resume", str(ledger), "--plain"]
        step = config.jobs / (config.kills + 1)
        thresholds = [round(step * (i + 1)) for i in range(config.kills)]
        process = CampaignProcess(folder, start, "run-0", no_backoff=True)
        for threshold in thresholds:
            if not _kill_or_finish(process, ledger, threshold, config.run_timeout):
                break
            result.kills += 1
            result.runs += 1
            _check_output(process, result)
            process = CampaignProcess(folder, resume, f"run-{result.runs}", no_backoff=True)
        result.statuses.append(process.finish(config.run_timeout))
        result.runs += 1
        _check_output(process, result)

        _check_claims(ledger, emu, result, final=False)
        emu.state.faults.configure(FaultConfig())
        last = CampaignProcess(folder, resume, "clean", no_backoff=True)
        result.statuses.append(last.finish(config.run_timeout))
        result.runs += 1
        _check_output(last, result)
        if result.statuses[-1] != 0:
            result.problems.append(f"the clean resume exited {result.statuses[-1]}:\n{last.output()}")
        _check_claims(ledger, emu, result, final=True)
    result.seconds = time.monotonic() - started
    return result


def _check_output(process: CampaignProcess, result: SoakResult) -> None:
    text = process.output()
    for unwanted in ("Traceback", "stamina"):
        if unwanted in text:
            result.problems.append(f"{process.log.name} printed {unwanted!r}:\n{text[-3000:]}")


def _check_claims(ledger: Path, emu: RunningEmulator, result: SoakResult, *, final: bool) -> None:
    """Every source settled, each finished product on disk and whole or named missing, one job each."""
    config, problems = result.config, result.problems
    snapshot = emu.state.metrics_snapshot()
    user: dict[str, Any] = snapshot["users"][USER]
    jobs_by_id = {int(job_id): job for job_id, job in user["jobs"].items()}
    per_name = Counter(str(job["name"]) for job in jobs_by_id.values())
    result.jobs_on_server = len(jobs_by_id)
    result.max_active_seen = int(user["max_active_jobs"])
    result.faults_fired = snapshot["faults"]
    if result.max_active_seen > config.max_active:
        problems.append(f"{result.max_active_seen} jobs were active at once; the cap is {config.max_active}")
    duplicated = {name: n for name, n in per_name.items() if n > 1}
    if duplicated:
        problems.append(f"duplicate server jobs: {duplicated}")
    with CampaignStore.open(ledger, create=False) as store:
        entries = store.entries()
    states = Counter(entry.state.value for entry in entries)
    if not final:
        result.states_after_faults = dict(states)
    result.verified_archives = result.failed_products = 0  # counted afresh at each check
    wanted = {EntryState.DONE} if final else {EntryState.DONE, EntryState.INCOMPLETE}
    if len(entries) != config.jobs:
        problems.append(f"{len(entries)} sources in the ledger, not {config.jobs}")
    owners: dict[int, str] = {}
    for entry in entries:
        if entry.state not in wanted:
            problems.append(f"{entry.label} ended {entry.state.value}: {entry.error}")
        else:
            _check_entry(entry, jobs_by_id, owners, result, final=final)
    if final:
        lost = set(per_name) ^ {entry.name for entry in entries}
        if lost:
            problems.append(f"sources without a server job, or server jobs without a source: {sorted(lost)}")


def _check_entry(
    entry: Entry, jobs: dict[int, Any], owners: dict[int, str], result: SoakResult, *, final: bool
) -> None:
    """A settled source: its own job (no other source's, the server's), each missing item with a why."""
    problems = result.problems
    if entry.job_id is None or entry.job_id not in jobs:
        problems.append(f"{entry.label} names job {entry.job_id}, which the server does not have")
        return
    if entry.job_id in owners:
        problems.append(f"{entry.label} and {owners[entry.job_id]} both claim job {entry.job_id}")
    owners[entry.job_id] = entry.label
    if jobs[entry.job_id]["name"] != entry.name:
        problems.append(f"{entry.label} adopted job {entry.job_id} of {jobs[entry.job_id]['name']}")
    for reason in entry.missing.values():
        if not reason:
            problems.append(f"{entry.label} misses an item without saying why")
        if not final:
            result.incomplete_reasons[reason.split(":")[0][:60]] += 1
    if entry.state is EntryState.DONE:
        _check_done(entry.label, entry.codes, entry.artifacts, result)


def _check_done(
    label: str, codes: dict[str, int | None], artifacts: dict[str, Any], result: SoakResult
) -> None:
    """A done source: every product the server made has its archive on disk, whole; the others are noted."""
    for short, code in codes.items():
        artifact = artifacts.get(f"archive:{short}")
        if code != StatusCode.COMPLETE:
            result.failed_products += 1
            continue
        if artifact is None or not artifact.ok or not artifact.path:
            result.problems.append(f"{label} is done without its {short} archive")
            continue
        path = Path(artifact.path)
        try:
            verify_archive(path, "tar.gz")
        except Exception as exc:  # any failure to read it back is a false claim
            result.problems.append(f"{label}'s {path.name} is not whole: {exc}")
            continue
        result.verified_archives += 1
    position = artifacts.get(f"position:{Product.STANDARD_POS.short}")
    if codes.get(Product.STANDARD_POS.short) == StatusCode.COMPLETE and not (position and position.ok):
        result.problems.append(f"{label} is done without its position")
