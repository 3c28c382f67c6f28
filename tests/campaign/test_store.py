"""The campaign ledger: transitions, idempotent input, durability across reopen, refusal of bad files."""

from __future__ import annotations

import os
import sqlite3
from datetime import UTC, datetime
from pathlib import Path

import pytest

from xrt_prods_async._errors import ConfigurationError, LedgerError
from xrt_prods_async.campaign._store import CampaignStore, EntryState, NewEntry


def new(label: str, fingerprint: str = "f1", products: tuple[str, ...] = ("lc", "psf")) -> NewEntry:
    return NewEntry(label, {"name": label, "lc": 1, "dopsf": 1}, fingerprint, label, products)


@pytest.fixture
def store(tmp_path: Path) -> CampaignStore:
    return CampaignStore.open(tmp_path / "c.sqlite")


def test_add_is_idempotent_and_ordered(store: CampaignStore) -> None:
    assert store.add_entries([new("b"), new("a")]) == 2
    assert store.add_entries([new("a"), new("c")]) == 1
    assert [e.label for e in store.entries()] == ["b", "a", "c"]
    assert all(e.state is EntryState.PENDING for e in store.entries())
    assert store.entries()[0].products == ("lc", "psf")


def test_same_label_different_parameters_is_refused(store: CampaignStore) -> None:
    store.add_entries([new("a")])
    with pytest.raises(ConfigurationError, match=r"'a' is already in campaign.*different parameters"):
        store.add_entries([new("a", fingerprint="other")])


def test_full_lifecycle_survives_reopen(tmp_path: Path) -> None:
    path = tmp_path / "c.sqlite"
    with CampaignStore.open(path) as store:
        store.add_entries([new("a")])
        (entry,) = store.entries()
        when = datetime(2026, 1, 2, 3, 4, 5, tzinfo=UTC)
        store.mark_submitting(entry.id, when)
    with CampaignStore.open(path, create=False) as store:
        entry = store.get(entry.id)
        assert entry.state is EntryState.SUBMITTING
        assert entry.intent_at == when
        assert entry.attempts == 1
        store.mark_submitted(entry.id, 1001, "http://x/USERPROD_1001")
        store.set_codes(entry.id, {"lc": 3, "psf": 4})
        store.mark_finished(entry.id, {"lc": 4, "psf": 4})
        store.record_artifact(entry.id, "archive:lc", ok=False, detail="boom")
        store.record_artifact(entry.id, "archive:lc", ok=True, path="/tmp/lc.tar.gz")
        store.mark_done(entry.id)
    with CampaignStore.open(path) as store:
        entry = store.get(entry.id)
        assert entry.state is EntryState.DONE
        assert (entry.job_id, entry.job_url) == (1001, "http://x/USERPROD_1001")
        assert entry.codes == {"lc": 4, "psf": 4}
        assert entry.artifacts["archive:lc"].ok
        assert entry.artifacts["archive:lc"].path == "/tmp/lc.tar.gz"
        assert store.known_job_ids() == {1001}
        assert store.counts()[EntryState.DONE] == 1


def test_transitions_are_guarded(store: CampaignStore) -> None:
    store.add_entries([new("a")])
    (entry,) = store.entries()
    with pytest.raises(RuntimeError, match="is pending, expected one of submitting"):
        store.mark_submitted(entry.id, 1, "u")
    store.mark_submitting(entry.id)
    store.mark_unsent(entry.id, "connection refused")
    again = store.get(entry.id)
    assert again.state is EntryState.PENDING
    assert again.error == "connection refused"
    store.mark_submitting(entry.id)
    assert store.get(entry.id).attempts == 2


def test_a_job_id_is_recorded_once(store: CampaignStore) -> None:
    store.add_entries([new("a"), new("b")])
    a, b = store.entries()
    for entry in (a, b):
        store.mark_submitting(entry.id)
    store.mark_submitted(a.id, 7, "u")
    with pytest.raises(sqlite3.IntegrityError):
        store.mark_submitted(b.id, 7, "u")
    assert store.get(b.id).state is EntryState.SUBMITTING


def test_meta_round_trip(store: CampaignStore) -> None:
    assert store.get_meta("settings", {}) == {}
    store.set_meta("settings", {"max_active": 5})
    store.set_meta("settings", {"max_active": 3})
    assert store.get_meta("settings") == {"max_active": 3}


def test_opening_a_missing_or_foreign_file(tmp_path: Path) -> None:
    with pytest.raises(ConfigurationError, match="does not exist"):
        CampaignStore.open(tmp_path / "missing.sqlite", create=False)
    junk = tmp_path / "junk.sqlite"
    junk.write_bytes(b"this is not sqlite" * 100)
    with pytest.raises(ConfigurationError, match="is not a campaign ledger"):
        CampaignStore.open(junk)


def test_another_programs_database_is_left_alone(tmp_path: Path) -> None:
    other = tmp_path / "other.sqlite"
    with sqlite3.connect(other) as db:
        db.execute("CREATE TABLE photos (id INTEGER PRIMARY KEY)")
    db.close()
    for create in (True, False):
        with pytest.raises(ConfigurationError, match="is not a campaign ledger"):
            CampaignStore.open(other, create=create)
    with sqlite3.connect(other) as db:
        tables = {r[0] for r in db.execute("SELECT name FROM sqlite_master WHERE type = 'table'")}
        assert tables == {"photos"}  # nothing added
        assert db.execute("PRAGMA journal_mode").fetchone()[0] == "delete"  # not switched to WAL
    db.close()
    empty = tmp_path / "empty.sqlite"
    empty.touch()
    with pytest.raises(ConfigurationError, match="is not a campaign ledger"):
        CampaignStore.open(empty, create=False)  # resuming needs a ledger a campaign has written
    CampaignStore.open(empty).close()  # starting one may use an empty file
    CampaignStore.open(empty, create=False).close()


def test_an_incomplete_entry_names_what_is_missing_and_reopens(store: CampaignStore) -> None:
    store.add_entries([new("a")])
    (entry,) = store.entries()
    store.mark_submitting(entry.id)
    store.mark_submitted(entry.id, 5, "u")
    store.mark_finished(entry.id, {"lc": 4, "psf": 4})
    store.record_artifact(entry.id, "archive:psf", ok=True, path="/o/psf.tar.gz")
    store.record_artifact(entry.id, "archive:lc", ok=False, detail="not a complete tar.gz archive")
    store.mark_incomplete(entry.id, "archive:lc: not a complete tar.gz archive")
    incomplete = store.get(entry.id)
    assert incomplete.state is EntryState.INCOMPLETE
    assert incomplete.missing == {"archive:lc": "not a complete tar.gz archive"}
    assert not incomplete.state.terminal  # a resume takes it up
    with pytest.raises(RuntimeError, match="is incomplete, expected one of collecting"):
        store.mark_done(entry.id)
    store.reopen(entry.id)
    store.record_artifact(entry.id, "archive:lc", ok=True, path="/o/lc.tar.gz")
    store.mark_done(entry.id)
    done = store.get(entry.id)
    assert (done.state, done.missing, done.error) == (EntryState.DONE, {}, None)


def _full_at_next_page(store: CampaignStore) -> None:
    """Let the database grow no further: SQLite's own "database or disk is full" (SQLITE_FULL)."""
    pages = store._db.execute("PRAGMA page_count").fetchone()[0]
    store._db.execute(f"PRAGMA max_page_count={pages}")


def test_a_full_disk_is_a_ledger_error_and_the_ledger_stays_consistent(tmp_path: Path) -> None:
    path = tmp_path / "c.sqlite"
    with CampaignStore.open(path) as store:
        store.add_entries([new("a")])
        (entry,) = store.entries()
        store.mark_submitting(entry.id)
        _full_at_next_page(store)
        many = [NewEntry(f"s{i}", {"name": "x" * 2000}, "f", "s", ("psf",)) for i in range(40)]
        with pytest.raises(
            LedgerError, match=r"cannot write to campaign ledger .*database or disk is full"
        ) as e:
            store.add_entries(many)
        assert e.value.path == str(path)
        assert isinstance(e.value.__cause__, sqlite3.OperationalError)
        store.mark_submitted(entry.id, 9, "u")  # a write that needs no new page still goes through
    with CampaignStore.open(path, create=False) as store:
        assert [e.label for e in store.entries()] == ["a"]  # the failed batch left nothing half-written
        assert store.get(entry.id).state is EntryState.ACTIVE


def test_a_read_only_ledger_is_a_ledger_error(tmp_path: Path) -> None:
    with CampaignStore.open(tmp_path / "c.sqlite") as store:
        store.add_entries([new("a")])
        (entry,) = store.entries()
        store._db.execute("PRAGMA query_only=ON")  # every write refused: SQLITE_READONLY
        with pytest.raises(LedgerError, match="attempt to write a readonly database"):
            store.mark_submitting(entry.id)
        assert store.get(entry.id).state is EntryState.PENDING


@pytest.mark.skipif(os.name != "posix" or os.geteuid() == 0, reason="needs POSIX permissions, not root")
def test_a_ledger_in_a_read_only_folder_is_a_ledger_error(tmp_path: Path) -> None:
    folder = tmp_path / "ro"
    folder.mkdir(mode=0o555)
    try:
        with pytest.raises(LedgerError, match="unable to open database file"):
            CampaignStore.open(folder / "c.sqlite")
    finally:
        folder.chmod(0o755)


def _states_on_disk(path: Path) -> dict[str, str]:
    """The entries' states as another connection (another process, a crash's survivor) reads them."""
    with sqlite3.connect(path) as db:
        return dict(db.execute("SELECT label, state FROM entries ORDER BY id").fetchall())


def test_held_writes_are_read_at_once_and_committed_with_the_next_write_that_must_be(tmp_path: Path) -> None:
    path = tmp_path / "c.sqlite"
    with CampaignStore.open(path) as store:
        store.add_entries([new("a"), new("b")])
        a, b = store.entries()
        store.mark_submitting(a.id)
        with store.holding():
            store.mark_submitted(a.id, 7, "u")
            store.set_codes(a.id, {"lc": 2})
            assert store.get(a.id).state is EntryState.ACTIVE  # this store reads its held writes...
            assert store.pending
            assert _states_on_disk(path) == {"a": "submitting", "b": "pending"}  # ... the disk has not them
            store.mark_submitting(b.id)  # must be durable before its request: commits what is held too
            assert not store.pending
            assert _states_on_disk(path) == {"a": "active", "b": "submitting"}
            store.mark_finished(a.id, {"lc": 1})
        # Leaving the block commits.
        assert _states_on_disk(path)["a"] == "collecting"
        assert not store.pending


def test_a_failing_write_leaves_the_held_ones_held(store: CampaignStore) -> None:
    store.add_entries([new("a"), new("b")])
    a, b = store.entries()
    store.mark_submitting(a.id)
    with store.holding():
        store.mark_submitted(a.id, 7, "u")
        with pytest.raises(RuntimeError, match="is pending, expected one of collecting"):
            store.mark_done(b.id)  # b is pending: refused, rolled back alone
        assert store.get(a.id).state is EntryState.ACTIVE
        store.commit()
    assert _states_on_disk(store.path) == {"a": "active", "b": "pending"}


def test_a_crash_loses_only_held_writes_and_never_one_without_those_before(tmp_path: Path) -> None:
    path = tmp_path / "c.sqlite"
    store = CampaignStore.open(path)
    store.add_entries([new("a")])
    (a,) = store.entries()
    store.mark_submitting(a.id)
    store.hold = True
    store.mark_submitted(a.id, 7, "u")
    store.mark_finished(a.id, {"lc": 1})
    store.record_artifact(a.id, "archive:lc", ok=True, path="x")
    store._db.close()  # the process dies: no commit
    with CampaignStore.open(path, create=False) as reopened:
        entry = reopened.get(a.id)
        assert entry.state is EntryState.SUBMITTING  # to be reconciled, as after any lost reply
        assert entry.artifacts == {}


def test_close_commits_held_writes(tmp_path: Path) -> None:
    path = tmp_path / "c.sqlite"
    store = CampaignStore.open(path)
    store.add_entries([new("a")])
    (a,) = store.entries()
    store.mark_submitting(a.id)
    store.hold = True
    store.mark_submitted(a.id, 7, "u")
    store.close()
    assert _states_on_disk(path) == {"a": "active"}


def test_holding_commits_when_an_exception_leaves_it(tmp_path: Path) -> None:
    path = tmp_path / "c.sqlite"
    with CampaignStore.open(path) as store:
        store.add_entries([new("a")])
        (a,) = store.entries()
        store.mark_submitting(a.id)

        def interrupted() -> None:
            with store.holding():
                store.mark_submitted(a.id, 7, "u")
                raise KeyboardInterrupt

        with pytest.raises(KeyboardInterrupt):
            interrupted()
        assert not store.hold
        assert _states_on_disk(path) == {"a": "active"}
