"""Reconciliation of uncertain submissions against the user's job history."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from pathlib import Path

from xrt_prods_async._products import Product
from xrt_prods_async.campaign._reconcile import match_uncertain
from xrt_prods_async.campaign._store import CampaignStore, Entry, NewEntry

T = datetime(2026, 11, 23, 12, 0, 0, tzinfo=UTC)


@dataclass(frozen=True)
class Old:
    job_id: int
    name: str
    submitted: datetime
    products: frozenset[Product]


LC_PSF = frozenset({Product.LIGHT_CURVE, Product.STANDARD_POS})


def uncertain(tmp_path: Path, *specs: tuple[str, tuple[str, ...], datetime]) -> list[Entry]:
    store = CampaignStore.open(tmp_path / "c.sqlite")
    store.add_entries(
        [
            NewEntry(f"{name}#{i}", {"name": name}, f"f{i}", name, prods)
            for i, (name, prods, _) in enumerate(specs)
        ]
    )
    for entry, (_, _, when) in zip(store.entries(), specs, strict=True):
        store.mark_submitting(entry.id, when)
    return store.entries()


def test_adopts_the_matching_job(tmp_path: Path) -> None:
    (entry,) = uncertain(tmp_path, ("GK Per", ("lc", "psf"), T))
    history = [
        Old(10, "GK Per", T + timedelta(seconds=2), LC_PSF),
        Old(9, "GK Per", T - timedelta(hours=3), LC_PSF),  # an older run of the same source
        Old(11, "FO Aqr", T + timedelta(seconds=2), LC_PSF),
    ]
    (verdict,) = match_uncertain([entry], history, set(), now=T + timedelta(minutes=1))
    assert (verdict.entry_id, verdict.job_id) == (entry.id, 10)


def test_no_job_means_resubmit(tmp_path: Path) -> None:
    (entry,) = uncertain(tmp_path, ("GK Per", ("lc", "psf"), T))
    history = [Old(10, "GK Per", T + timedelta(seconds=2), frozenset({Product.SPECTRUM}))]
    (verdict,) = match_uncertain([entry], history, set(), now=T + timedelta(minutes=1))
    assert verdict.job_id is None


def test_claimed_jobs_are_never_adopted_twice(tmp_path: Path) -> None:
    a, b = uncertain(
        tmp_path, ("GK Per", ("lc", "psf"), T), ("GK Per", ("lc", "psf"), T + timedelta(seconds=1))
    )
    history = [
        Old(20, "GK Per", T, LC_PSF),
        Old(21, "GK Per", T + timedelta(seconds=1), LC_PSF),
        Old(5, "GK Per", T, LC_PSF),
    ]
    verdicts = match_uncertain([b, a], history, {5}, now=T + timedelta(minutes=1))
    assert {v.entry_id: v.job_id for v in verdicts} == {a.id: 20, b.id: 21}


def test_source_detection_is_not_listed_so_it_is_ignored(tmp_path: Path) -> None:
    (entry,) = uncertain(tmp_path, ("M31", ("psf", "sourceDet"), T))
    history = [Old(3, "M31", T, frozenset({Product.STANDARD_POS}))]
    assert match_uncertain([entry], history, set(), now=T)[0].job_id == 3


def test_clock_skew_window(tmp_path: Path) -> None:
    (entry,) = uncertain(tmp_path, ("GK Per", ("lc", "psf"), T))
    late = [Old(4, "GK Per", T + timedelta(minutes=30), LC_PSF)]
    early = [Old(4, "GK Per", T - timedelta(minutes=30), LC_PSF)]
    skewed = [Old(4, "GK Per", T - timedelta(minutes=5), LC_PSF)]
    now = T + timedelta(minutes=1)
    assert match_uncertain([entry], late, set(), now=now)[0].job_id is None
    assert match_uncertain([entry], early, set(), now=now)[0].job_id is None
    assert match_uncertain([entry], skewed, set(), now=now)[0].job_id == 4
