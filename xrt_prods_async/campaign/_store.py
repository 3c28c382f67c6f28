"""The campaign ledger: one SQLite file holding every request of a campaign and how far it has got.

Why SQLite: it is embedded (nothing to run), atomic and durable per transaction, and readable by other
tools. Every transition is committed (``synchronous=FULL``) *before* the action it enables, so a crash,
``kill -9`` or reboot at any point leaves a ledger from which the campaign can resume without losing or
duplicating a job: an entry in ``submitting`` may or may not have reached the server and must be reconciled;
an entry with a job id is never submitted again.

A write the disk refuses (full, read-only, I/O error) is rolled back and raised as
:class:`~xrt_prods_async._errors.LedgerError`: the ledger keeps every step committed before it.

Writes that enable no request (a job's latest codes, its finish, an item collected, an entry done; see
:data:`HOLDABLE`) may be *held* while :meth:`CampaignStore.holding` is on: applied at once (this store's
reads see them) in one open transaction, made durable by the next commit (any other write, :meth:`commit`,
:meth:`close`), a commit per round instead of one per write. A crash loses only held writes, newest
first, never one without those before it, and each lost one is redone by a resume (the job is polled or
collected again): an entry is never further along on disk than what was committed before its next request.
"""

from __future__ import annotations

import contextlib
import enum
import functools
import json
import sqlite3
import threading
from collections.abc import Callable, Iterable, Iterator, Mapping
from contextlib import contextmanager
from dataclasses import dataclass, field
from datetime import UTC, datetime
from pathlib import Path
from typing import Any, Concatenate, ParamSpec

from xrt_prods_async._errors import ConfigurationError, LedgerError

SCHEMA_VERSION = 1

_SCHEMA = """
CREATE TABLE IF NOT EXISTS meta (
    key   TEXT PRIMARY KEY,
    value TEXT NOT NULL
);
CREATE TABLE IF NOT EXISTS entries (
    id           INTEGER PRIMARY KEY,
    label        TEXT NOT NULL UNIQUE,
    request      TEXT NOT NULL,
    fingerprint  TEXT NOT NULL,
    name         TEXT NOT NULL,
    products     TEXT NOT NULL,
    state        TEXT NOT NULL,
    job_id       INTEGER UNIQUE,
    job_url      TEXT,
    intent_at    TEXT,
    submitted_at TEXT,
    finished_at  TEXT,
    attempts     INTEGER NOT NULL DEFAULT 0,
    error        TEXT,
    codes        TEXT NOT NULL DEFAULT '{}',
    updated_at   TEXT NOT NULL
);
CREATE INDEX IF NOT EXISTS entries_state ON entries(state, id);
CREATE TABLE IF NOT EXISTS artifacts (
    entry_id INTEGER NOT NULL REFERENCES entries(id),
    kind     TEXT NOT NULL,
    ok       INTEGER NOT NULL,
    path     TEXT,
    detail   TEXT NOT NULL DEFAULT 'null',
    PRIMARY KEY (entry_id, kind)
);
"""


_TABLES = frozenset({"meta", "entries", "artifacts"})

_P = ParamSpec("_P")
_held_names: set[str] = set()  # the writes marked @_holdable (HOLDABLE, below the store)


def _holdable(
    write: Callable[Concatenate[CampaignStore, _P], None],
) -> Callable[Concatenate[CampaignStore, _P], None]:
    """Mark a write as one that enables no request (:data:`HOLDABLE`): while :attr:`CampaignStore.hold` is on,
    its transaction is left open, to be committed with the next write that must be durable."""
    _held_names.add(write.__name__)

    @functools.wraps(write)
    def held(self: CampaignStore, /, *args: _P.args, **kwargs: _P.kwargs) -> None:
        with self._lock:  # the flag is only ever seen by this call's own transaction
            self._holdable_write = True
            try:
                write(self, *args, **kwargs)
            finally:
                self._holdable_write = False

    return held


class EntryState(enum.StrEnum):
    """Where one request of a campaign stands."""

    #: Not yet sent (or sent, and reconciliation proved the server never made the job).
    PENDING = "pending"
    #: The intent to submit is recorded; whether the server made the job is unknown until the job id is.
    SUBMITTING = "submitting"
    #: The server has the job (job id recorded); some products are not finished.
    ACTIVE = "active"
    #: Every product finished on the server; downloads and data retrieval may be outstanding.
    COLLECTING = "collecting"
    #: Finished, and everything asked for is on disk and verified (some products may have failed on the
    #: server; see ``codes``).
    DONE = "done"
    #: Finished on the server, but some of what was asked for is not on disk: each missing artifact is
    #: recorded with why (``Entry.missing``). Resuming the campaign fetches exactly those.
    INCOMPLETE = "incomplete"
    #: No job will be made: the server refused the request's parameters, or submission kept failing.
    FAILED = "failed"
    #: The campaign cancelled this entry (and its server job, if it had one).
    CANCELLED = "cancelled"

    @property
    def terminal(self) -> bool:
        """True when nothing more will happen to the entry (an incomplete one is taken up by a resume)."""
        return self in (EntryState.DONE, EntryState.FAILED, EntryState.CANCELLED)


#: SQLite's primary result codes that mean the disk refused a write (not a malformed or foreign file):
#: SQLITE_PERM, SQLITE_READONLY, SQLITE_IOERR, SQLITE_FULL, SQLITE_CANTOPEN.
_DISK_REFUSED = frozenset({3, 8, 10, 13, 14})


def _refused_by_disk(exc: sqlite3.Error) -> bool:
    code = getattr(exc, "sqlite_errorcode", None)
    return code is not None and code & 0xFF in _DISK_REFUSED


@dataclass(frozen=True, slots=True)
class Artifact:
    """Something collected for an entry: a downloaded archive or a retrieved data set.

    ``ok`` means nothing is missing: the item is saved (``path``, or ``detail`` for data kept in the
    ledger), or there was nothing to save (a product the server did not make). When ``ok`` is False the
    item is missing and ``detail`` says why.
    """

    kind: str
    ok: bool
    path: str | None
    detail: Any


@dataclass(frozen=True, slots=True)
class NewEntry:
    """A request to add to the ledger: its label, wire body (without ``UserID``) and identity."""

    label: str
    request: Mapping[str, Any]
    fingerprint: str
    name: str
    products: tuple[str, ...]


@dataclass(frozen=True, slots=True)
class Entry:
    """One request of a campaign as the ledger holds it."""

    id: int
    label: str
    request: dict[str, Any]
    fingerprint: str
    name: str
    products: tuple[str, ...]
    state: EntryState
    job_id: int | None
    job_url: str | None
    intent_at: datetime | None
    submitted_at: datetime | None
    finished_at: datetime | None
    attempts: int
    error: str | None
    codes: dict[str, int | None]
    artifacts: dict[str, Artifact] = field(default_factory=dict)

    @property
    def missing(self) -> dict[str, str]:
        """Artifact kind -> why it is not on disk, for every item the last collection could not save."""
        return {kind: str(a.detail) for kind, a in self.artifacts.items() if not a.ok}


def utcnow() -> datetime:
    """The current UTC time (timezone-aware)."""
    return datetime.now(UTC)


def _iso(moment: datetime | None) -> str | None:
    return None if moment is None else moment.astimezone(UTC).isoformat()


def _from_iso(text: str | None) -> datetime | None:
    return None if text is None else datetime.fromisoformat(text)


class CampaignStore:
    """A campaign's ledger in one SQLite file. Thread-safe; every method commits before returning, but
    the holdable writes inside :meth:`holding` (see the module docstring).

    Open with :meth:`open`; use as a context manager or call :meth:`close`.
    """

    def __init__(self, connection: sqlite3.Connection, path: Path) -> None:
        self._db = connection
        self._lock = threading.RLock()
        self.path = path
        #: Whether :meth:`close` was called.
        self.closed = False
        #: Whether holdable writes are held (see the module docstring and :meth:`holding`).
        self.hold = False
        self._holdable_write = False  # a write marked @_holdable is running (under the lock)

    @classmethod
    def open(cls, path: str | Path, *, create: bool = True) -> CampaignStore:
        """Open (and with ``create``, make) the ledger at ``path``."""
        path = Path(path)
        if not create and not path.is_file():
            raise ConfigurationError(
                f"campaign ledger {path} does not exist; start the campaign with 'campaign run' first"
            )
        if create:
            try:
                path.parent.mkdir(parents=True, exist_ok=True)
            except OSError as exc:
                raise LedgerError(
                    f"cannot create the folder of campaign ledger {path}: {exc.strerror or exc}",
                    path=str(path),
                    reason=exc.strerror,
                ) from exc
        try:
            db = sqlite3.connect(path, check_same_thread=False, isolation_level=None)
        except sqlite3.DatabaseError as exc:
            if _refused_by_disk(exc):
                raise cls._ledger_error(path, "open", exc) from exc
            raise ConfigurationError(f"cannot open campaign ledger {path}: {exc}") from exc
        try:
            db.execute("PRAGMA busy_timeout=10000")
            version = db.execute("PRAGMA user_version").fetchone()[0]
            if version not in (0, SCHEMA_VERSION):
                raise ConfigurationError(
                    f"{path} was written by a newer xrt_prods_async (ledger schema {version}); upgrade"
                )
            tables = {r[0] for r in db.execute("SELECT name FROM sqlite_master WHERE type = 'table'")}
            if tables - _TABLES or (not create and "entries" not in tables):
                # Never change someone else's database, nor take an empty file for a campaign.
                raise ConfigurationError(f"{path} is not a campaign ledger")
            db.execute("PRAGMA journal_mode=WAL")
            db.execute("PRAGMA synchronous=FULL")
            db.execute("PRAGMA foreign_keys=ON")
            db.executescript(_SCHEMA)
            db.execute(f"PRAGMA user_version={SCHEMA_VERSION}")
        except sqlite3.DatabaseError as exc:
            db.close()
            if _refused_by_disk(exc):
                raise cls._ledger_error(path, "open", exc) from exc
            raise ConfigurationError(f"{path} is not a campaign ledger: {exc}") from exc
        except BaseException:
            db.close()
            raise
        return cls(db, path)

    @staticmethod
    def _ledger_error(path: Path, doing: str, exc: sqlite3.Error) -> LedgerError:
        reason = str(exc)
        return LedgerError(
            f"cannot {doing} campaign ledger {path}: {reason} (free space or fix the folder's permissions, "
            "then resume: every step recorded before this one is kept)",
            path=str(path),
            reason=reason,
        )

    def close(self) -> None:
        """Commit any held writes and close the file; the ledger stays consistent whether or not this is
        called (held writes are then lost, as in a crash)."""
        with self._lock:
            try:
                self.commit()
            finally:
                self.hold = False
                self._db.close()
                self.closed = True

    @contextmanager
    def holding(self) -> Iterator[None]:
        """Hold the holdable writes made inside (module docstring); they are committed on the way out,
        whether or not an exception leaves the block (a failing commit is then dropped: the exception says
        more, and the ledger is as after a crash)."""
        with self._lock:
            self.hold = True
        try:
            yield
        except BaseException:
            with self._lock:
                self.hold = False
                with contextlib.suppress(LedgerError, sqlite3.Error):
                    self.commit()
            raise
        with self._lock:
            self.hold = False
            self.commit()

    @property
    def pending(self) -> bool:
        """Whether some held write is not yet committed."""
        return self._db.in_transaction

    def commit(self) -> None:
        """Make every held write durable (nothing to do when none is held)."""
        with self._lock:
            if self.closed or not self._db.in_transaction:
                return
            try:
                self._finish("COMMIT")
            except sqlite3.Error as exc:
                if _refused_by_disk(exc):
                    raise self._ledger_error(self.path, "write to", exc) from exc
                raise

    def _finish(self, statement: str) -> None:
        """COMMIT (or ROLLBACK) the open transaction; a failed COMMIT is rolled back (it may already be)."""
        try:
            self._db.execute(statement)
        except BaseException:
            if self._db.in_transaction:
                with contextlib.suppress(sqlite3.Error):
                    self._db.execute("ROLLBACK")
            raise

    def __enter__(self) -> CampaignStore:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()

    @contextmanager
    def _transaction(self) -> Iterator[sqlite3.Connection]:
        """One write: applied whole, or rolled back whole (then a refusing disk is raised as
        :class:`LedgerError`); committed at once, with the held writes before it, unless it is one of the
        :data:`HOLDABLE` and :attr:`hold` is on. A write that fails leaves the held writes before it held."""
        with self._lock:
            try:
                held = self._db.in_transaction
                if not held:
                    self._db.execute("BEGIN IMMEDIATE")
                self._db.execute("SAVEPOINT step")
                try:
                    yield self._db
                    self._db.execute("RELEASE step")
                except BaseException:
                    if self._db.in_transaction:
                        with contextlib.suppress(sqlite3.Error):
                            self._db.execute("ROLLBACK TO step")
                            self._db.execute("RELEASE step")
                        if not held:
                            with contextlib.suppress(sqlite3.Error):
                                self._db.execute("ROLLBACK")
                    raise
                if not (self._holdable_write and self.hold):
                    # A failed COMMIT may already have rolled back (SQLITE_FULL, SQLITE_IOERR).
                    self._finish("COMMIT")
            except sqlite3.Error as exc:
                if _refused_by_disk(exc):
                    raise self._ledger_error(self.path, "write to", exc) from exc
                raise

    # -- campaign-wide settings -------------------------------------------------------------------------

    def get_meta(self, key: str, default: Any = None) -> Any:
        """A campaign-wide setting stored as JSON (``default`` when unset)."""
        with self._lock:
            row = self._db.execute("SELECT value FROM meta WHERE key = ?", (key,)).fetchone()
        return default if row is None else json.loads(row[0])

    def set_meta(self, key: str, value: Any) -> None:
        """Store a campaign-wide setting (any JSON-serialisable value)."""
        with self._transaction() as db:
            db.execute(
                "INSERT INTO meta(key, value) VALUES (?, ?) "
                "ON CONFLICT(key) DO UPDATE SET value = excluded.value",
                (key, json.dumps(value, sort_keys=True)),
            )

    # -- entries ------------------------------------------------------------------------------------------

    def add_entries(self, items: Iterable[NewEntry]) -> int:
        """Add requests as pending entries; return how many were new.

        Idempotent, so a campaign file can be re-run: a label already present with the same fingerprint is
        skipped; with a different fingerprint it is an error (the source changed under a running campaign).
        """
        return len(self.add_new_entries(items))

    def add_new_entries(self, items: Iterable[NewEntry]) -> list[int]:
        """:meth:`add_entries`, returning the ids of the entries that were new."""
        added: list[int] = []
        now = _iso(utcnow())
        with self._transaction() as db:
            for item in items:
                row = db.execute("SELECT fingerprint FROM entries WHERE label = ?", (item.label,)).fetchone()
                if row is not None:
                    if row[0] != item.fingerprint:
                        raise ConfigurationError(
                            f"source {item.label!r} is already in campaign {self.path} with different "
                            "parameters; give it a new name or start a new campaign file"
                        )
                    continue
                cursor = db.execute(
                    "INSERT INTO entries(label, request, fingerprint, name, products, state, updated_at) "
                    "VALUES (?, ?, ?, ?, ?, ?, ?)",
                    (
                        item.label,
                        json.dumps(dict(item.request), sort_keys=True, separators=(",", ":")),
                        item.fingerprint,
                        item.name,
                        ",".join(item.products),
                        EntryState.PENDING.value,
                        now,
                    ),
                )
                added.append(int(cursor.lastrowid or 0))
        return added

    def get(self, entry_id: int) -> Entry:
        """One entry with its artifacts."""
        with self._lock:
            row = self._db.execute("SELECT * FROM entries WHERE id = ?", (entry_id,)).fetchone()
            if row is None:
                raise KeyError(entry_id)
            return self._entry(row)

    def entries(self, *states: EntryState, limit: int | None = None) -> list[Entry]:
        """Entries in input order, optionally only those in ``states``, at most ``limit``."""
        sql = "SELECT * FROM entries"
        args: list[Any] = []
        if states:
            sql += f" WHERE state IN ({','.join('?' * len(states))})"
            args += [s.value for s in states]
        sql += " ORDER BY id"
        if limit is not None:
            sql += " LIMIT ?"
            args.append(limit)
        with self._lock:
            return self._entries(self._db.execute(sql, args).fetchall())

    def _entries(self, rows: list[Any]) -> list[Entry]:
        """Entries of ``rows``, their artifacts read in one query (not one per entry)."""
        if not rows:
            return []
        ids = [row[0] for row in rows]
        found: dict[int, dict[str, Artifact]] = {}
        for start in range(0, len(ids), 500):
            chunk = ids[start : start + 500]
            marks = ",".join("?" * len(chunk))
            for entry_id, kind, ok, path, detail in self._db.execute(
                f"SELECT entry_id, kind, ok, path, detail FROM artifacts WHERE entry_id IN ({marks}) "
                "ORDER BY entry_id, kind",
                chunk,
            ):
                found.setdefault(entry_id, {})[kind] = Artifact(kind, bool(ok), path, json.loads(detail))
        return [self._entry(row, found.get(row[0], {})) for row in rows]

    def any_in(self, *states: EntryState) -> bool:
        """Whether some entry is in one of ``states`` (an index look-up, however large the ledger)."""
        marks = ",".join("?" * len(states))
        with self._lock:
            row = self._db.execute(
                f"SELECT 1 FROM entries WHERE state IN ({marks}) LIMIT 1", [s.value for s in states]
            ).fetchone()
        return row is not None

    def queued_labels(self, after: int = 0, limit: int = 500) -> list[tuple[int, str]]:
        """(id, label) of pending entries never tried, after id ``after``, at most ``limit``: a large
        queue is read a page at a time."""
        with self._lock:
            rows = self._db.execute(
                "SELECT id, label FROM entries WHERE state = ? AND attempts = 0 AND id > ? "
                "ORDER BY id LIMIT ?",
                (EntryState.PENDING.value, after, limit),
            ).fetchall()
        return [(int(i), str(label)) for i, label in rows]

    def page(self, *states: EntryState, after: int = 0, limit: int = 500) -> list[Entry]:
        """Entries (in ``states``, or all) with id above ``after``, in input order, at most ``limit``: the
        way to walk a large ledger without holding it."""
        sql = "SELECT * FROM entries WHERE id > ?"
        args: list[Any] = [after]
        if states:
            sql += f" AND state IN ({','.join('?' * len(states))})"
            args += [s.value for s in states]
        sql += " ORDER BY id LIMIT ?"
        args.append(limit)
        with self._lock:
            return self._entries(self._db.execute(sql, args).fetchall())

    def nth(self, position: int) -> Entry:
        """The entry at ``position`` (0-based) in input order."""
        with self._lock:
            rows = self._db.execute(
                "SELECT * FROM entries ORDER BY id LIMIT 1 OFFSET ?", (position,)
            ).fetchall()
            if not rows:
                raise IndexError(position)
            return self._entries(rows)[0]

    def walk(self, *states: EntryState, batch: int = 500) -> Iterator[Entry]:
        """Every entry (in ``states``, or all), in input order, read ``batch`` at a time."""
        after = 0
        while True:
            found = self.page(*states, after=after, limit=batch)
            yield from found
            if len(found) < batch:
                return
            after = found[-1].id

    def counts(self) -> dict[EntryState, int]:
        """How many entries are in each state (every state present, zeros included)."""
        with self._lock:
            rows = self._db.execute("SELECT state, COUNT(*) FROM entries GROUP BY state").fetchall()
        out = dict.fromkeys(EntryState, 0)
        out.update({EntryState(state): n for state, n in rows})
        return out

    def states(self) -> dict[str, EntryState]:
        """Each entry's state by label, in input order (cheaper than :meth:`entries` for a view)."""
        with self._lock:
            rows = self._db.execute("SELECT label, state FROM entries ORDER BY id").fetchall()
        return {label: EntryState(state) for label, state in rows}

    def known_job_ids(self) -> set[int]:
        """Every job id the campaign has ever recorded (so reconciliation never adopts one twice)."""
        with self._lock:
            rows = self._db.execute("SELECT job_id FROM entries WHERE job_id IS NOT NULL").fetchall()
        return {r[0] for r in rows}

    def _update(self, entry_id: int, expect: Iterable[EntryState], **values: Any) -> None:
        values["updated_at"] = _iso(utcnow())
        expected = [s.value for s in expect]
        assignments = ", ".join(f"{k} = ?" for k in values)
        marks = ",".join("?" * len(expected))
        with self._transaction() as db:
            cur = db.execute(
                f"UPDATE entries SET {assignments} WHERE id = ? AND state IN ({marks})",
                [*values.values(), entry_id, *expected],
            )
            if cur.rowcount != 1:
                row = db.execute("SELECT state FROM entries WHERE id = ?", (entry_id,)).fetchone()
                state = "missing" if row is None else row[0]
                raise RuntimeError(
                    f"ledger entry {entry_id} is {state}, expected one of {', '.join(expected)}"
                )

    def mark_submitting(self, entry_id: int, at: datetime | None = None) -> None:
        """Record the intent to submit, before the request is sent."""
        with self._lock:
            attempts = self._db.execute("SELECT attempts FROM entries WHERE id = ?", (entry_id,)).fetchone()
        self._update(
            entry_id,
            [EntryState.PENDING],
            state=EntryState.SUBMITTING.value,
            intent_at=_iso(at or utcnow()),
            attempts=(attempts[0] if attempts else 0) + 1,
            error=None,
        )

    @_holdable
    def mark_submitted(self, entry_id: int, job_id: int, url: str, at: datetime | None = None) -> None:
        """Record the job the server made (straight after the reply, or when reconciliation found it)."""
        self._update(
            entry_id,
            [EntryState.SUBMITTING],
            state=EntryState.ACTIVE.value,
            job_id=int(job_id),
            job_url=url,
            submitted_at=_iso(at or utcnow()),
            error=None,
        )

    def mark_unsent(self, entry_id: int, error: str, *, counts: bool = True) -> None:
        """The submit certainly did not create a job (or reconciliation proved it): back to pending.

        ``counts=False`` gives the attempt back: the request was never judged (the service was unreachable or
        failing, the user's job limit was reached), so it must not bring the entry nearer to giving up."""
        changes: dict[str, Any] = {"state": EntryState.PENDING.value, "error": error}
        if not counts:
            with self._lock:
                row = self._db.execute("SELECT attempts FROM entries WHERE id = ?", (entry_id,)).fetchone()
            changes["attempts"] = max(0, (row[0] if row else 1) - 1)
        self._update(entry_id, [EntryState.SUBMITTING], **changes)

    def mark_failed(self, entry_id: int, error: str) -> None:
        """No job will be made for this entry (the server refused it, or submission gave up)."""
        self._update(
            entry_id,
            [EntryState.PENDING, EntryState.SUBMITTING],
            state=EntryState.FAILED.value,
            error=error,
            finished_at=_iso(utcnow()),
        )

    @_holdable
    def set_codes(self, entry_id: int, codes: Mapping[str, int | None]) -> None:
        """Record the latest per-product status codes of an active entry."""
        self._update(entry_id, [EntryState.ACTIVE], codes=json.dumps(dict(codes), sort_keys=True))

    @_holdable
    def mark_finished(self, entry_id: int, codes: Mapping[str, int | None]) -> None:
        """Every product finished on the server: collection may start."""
        self._update(
            entry_id,
            [EntryState.ACTIVE],
            state=EntryState.COLLECTING.value,
            codes=json.dumps(dict(codes), sort_keys=True),
            finished_at=_iso(utcnow()),
        )

    @_holdable
    def mark_done(self, entry_id: int) -> None:
        """Everything asked for is on disk and verified (or was never made by the server)."""
        self._update(entry_id, [EntryState.COLLECTING], state=EntryState.DONE.value, error=None)

    def mark_incomplete(self, entry_id: int, error: str) -> None:
        """Collection ended with items missing (each recorded as an artifact that is not ok, with why)."""
        self._update(entry_id, [EntryState.COLLECTING], state=EntryState.INCOMPLETE.value, error=error)

    def reopen(self, entry_id: int) -> None:
        """Collect an incomplete entry again (a resumed campaign fetches what is missing)."""
        self._update(entry_id, [EntryState.INCOMPLETE], state=EntryState.COLLECTING.value)

    def mark_cancelled(self, entry_id: int, note: str) -> None:
        """The campaign cancelled the entry (its server job, if any, was asked to cancel)."""
        self._update(
            entry_id,
            [EntryState.PENDING, EntryState.SUBMITTING, EntryState.ACTIVE],
            state=EntryState.CANCELLED.value,
            error=note,
            finished_at=_iso(utcnow()),
        )

    @_holdable
    def record_artifact(
        self, entry_id: int, kind: str, *, ok: bool, path: str | None = None, detail: Any = None
    ) -> None:
        """Record one collected item (a downloaded archive or a data set), replacing an earlier attempt."""
        with self._transaction() as db:
            db.execute(
                "INSERT INTO artifacts(entry_id, kind, ok, path, detail) VALUES (?, ?, ?, ?, ?) "
                "ON CONFLICT(entry_id, kind) DO UPDATE SET ok = excluded.ok, path = excluded.path, "
                "detail = excluded.detail",
                (entry_id, kind, int(ok), path, json.dumps(detail, sort_keys=True, default=str)),
            )

    def _entry(
        self, row: sqlite3.Row | tuple[Any, ...], artifacts: dict[str, Artifact] | None = None
    ) -> Entry:
        (
            entry_id,
            label,
            request,
            fingerprint,
            name,
            products,
            state,
            job_id,
            job_url,
            intent_at,
            submitted_at,
            finished_at,
            attempts,
            error,
            codes,
            _updated,
        ) = row
        if artifacts is None:
            artifacts = {
                kind: Artifact(kind, bool(ok), path, json.loads(detail))
                for kind, ok, path, detail in self._db.execute(
                    "SELECT kind, ok, path, detail FROM artifacts WHERE entry_id = ? ORDER BY kind",
                    (entry_id,),
                ).fetchall()
            }
        return Entry(
            id=entry_id,
            label=label,
            request=json.loads(request),
            fingerprint=fingerprint,
            name=name,
            products=tuple(p for p in products.split(",") if p),
            state=EntryState(state),
            job_id=job_id,
            job_url=job_url,
            intent_at=_from_iso(intent_at),
            submitted_at=_from_iso(submitted_at),
            finished_at=_from_iso(finished_at),
            attempts=attempts,
            error=error,
            codes=json.loads(codes),
            artifacts=artifacts,
        )


#: The writes :meth:`CampaignStore.holding` may hold, by name (those marked :func:`_holdable`): none of them
#: enables a request, so a crash that loses them costs a resume a repeated poll or collection, never a lost or
#: duplicated job.
HOLDABLE = frozenset(_held_names)
