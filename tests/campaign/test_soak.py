"""The soak: a hundred jobs through the command line under every fault the emulator has, killed and resumed.

0 lost, 0 duplicated, the cap never exceeded, and every finished product on disk and whole or named as
missing with why; then, the faults lifted, one resume brings every source home (see tests/support/soak.py).
"""

from __future__ import annotations

from pathlib import Path

from tests.support.soak import SoakConfig, run_soak


def test_a_hundred_jobs_under_faults_and_sigkills_lose_nothing_and_claim_nothing_false(
    tmp_path: Path,
) -> None:
    result = run_soak(tmp_path, SoakConfig(jobs=100, kills=4, max_active=8))
    assert result.problems == [], result.summary()
    assert result.kills == 4, result.summary()  # every kill landed mid-run
    assert result.statuses[-1] == 0
    assert result.jobs_on_server == 100
    assert result.max_active_seen <= 8
    fired = result.faults_fired
    assert fired["run_userobject.php"].get("lost_reply", 0) >= 5, result.summary()  # the faults happened
    assert fired["download"].get("truncate", 0) >= 1, result.summary()
    assert sum(fired["checkProductStatus.php"].values()) >= 5, result.summary()
    assert result.failed_products >= 1, result.summary()  # and some products failed on the server
