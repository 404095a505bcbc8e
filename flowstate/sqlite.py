"""`SqliteSnapshots`: write-behind durability for `MemoryDriver` in one SQLite file.

The memory driver stays the source of truth while running. Every committed batch is encoded
to rows on the event loop when it is recorded (about 0.25 µs per state) and queued; one
writer task owned by this object writes everything queued in one transaction per flush with
a few multi-row statements per table (256, 32, 4 or 1 rows each), so the SQL and the disk
I/O run on aiosqlite's thread, the loop only hands lists over, and the writer's thread takes
the GIL back a few times per flush, not once per row. A delay added and removed before its
job is written (a short timer that already fired) is written neither way. Compaction follows
the driver's `history_limit`: superseded versions below the retention and data versions the
driver dropped are deleted by the next flush; the latest version of every state is always
kept.

Durability (see docs/persistence.md):

- `durability="default"`: commits are acknowledged at memory speed; the writer flushes at
  most `flush_interval` seconds after the first unwritten batch (`synchronous=NORMAL` in WAL
  mode: a flushed batch survives a killed process; an OS crash may lose the last ones).
  A `kill -9` loses only commits acknowledged after the last completed flush started:
  at most the last `flush_interval` plus the flush in progress.
- A commit that waits (`durability="strict"` here, `Engine(durability="strict")`, or
  `commit(..., durable=True)`) wakes the writer at once and returns when the batch holding
  it is committed with `synchronous=FULL` (fsynced). Commits arriving while a flush runs are
  grouped into the next one: many commits share one fsync.

One process per file, enforced: `open()` takes an exclusive `flock` on `<file>.lock` (and
writes its pid, host and command line into it) before touching the file, and a second engine
on the same file, in this process or another, fails at once with `SqliteLockedError` naming
the file and the holder. The OS drops the lock when the holder exits, even on `kill -9`.

Faults: a file that cannot be opened, read or written at start raises `SnapshotOpenError`
(or `SchemaVersionError`). While running, a failed flush is logged, `healthy` turns False,
the batches stay queued (nothing in memory is lost) and the writer retries with exponential
backoff; commits waiting for disk fail with `SnapshotWriteError` instead of pretending.
"""

from __future__ import annotations

import asyncio
import contextlib
import fcntl
import functools
import logging
import os
import socket
import sqlite3
import sys
from array import array
from collections.abc import Iterator, Sequence
from dataclasses import dataclass, field
from itertools import chain
from typing import Any

import aiosqlite
import orjson

from flowstate.errors import UsageError
from flowstate.snapshots import CommitBatch, DelayedEntry, Loaded
from flowstate.sqlite_schema import (
    SCHEMA_VERSION,
    DataRow,
    SchemaVersionError,
    SnapshotOpenError,
    SnapshotWriteError,
    SqliteLockedError,
    StateRow,
    decode_datas,
    decode_delay,
    decode_state,
    describe,
    encode_delay,
    encode_state,
    migrate,
)
from flowstate.state import State

__all__ = [
    "SchemaVersionError",
    "SnapshotOpenError",
    "SnapshotWriteError",
    "SqliteLockedError",
    "SqliteSnapshots",
]

log = logging.getLogger("flowstate.sqlite")

DURABILITY_MODES = ("default", "strict")

_INSERT_STATE = "INSERT OR REPLACE INTO states (rev, id, body, cold) VALUES "
_INSERT_DATA = "INSERT OR REPLACE INTO datas (rev, blob, annotations) VALUES "
_INSERT_DELAY = "INSERT OR REPLACE INTO delays (seq, at, do_commit, id, rev, body) VALUES "
_DELETE_DELAY = "DELETE FROM delays WHERE seq IN "
_DELETE_STATE = "DELETE FROM states WHERE rev IN "
_DELETE_DATA = "DELETE FROM datas WHERE rev IN "
#: rows per statement, largest first: a flush writes each table with a few multi-row
#: statements instead of one statement per row. Every statement is a step that releases and
#: takes back the GIL on aiosqlite's thread, and taking it back while the loop is busy waits
#: for the loop's thread to let go: one step per row made a busy loop and the writer hand
#: the GIL back and forth thousands of times a second (see `_grouped`)
_GROUPS = (256, 32, 4, 1)
_BUCKET = 1024  # superseded revs are kept in buckets of this many revs
_SET_COUNTER = "INSERT OR REPLACE INTO counters (name, value) VALUES (?, ?)"


@dataclass(slots=True)
class _Job:
    """Rows of one or more recorded batches, written in one transaction."""

    states: list[StateRow] = field(default_factory=list)
    datas: list[DataRow] = field(default_factory=list)
    #: delays added by the batches (by seq), encoded when written: a delay removed before
    #: its job is written (a short timer that fired) is dropped from both lists unwritten
    delays_added: dict[int, DelayedEntry] = field(default_factory=dict)
    delays_removed: list[int] = field(default_factory=list)
    superseded: array[int] = field(default_factory=lambda: array("q"))  # revs to delete
    datas_dropped: array[int] = field(default_factory=lambda: array("q"))  # data revs
    batches: int = 0
    ticket: int = 0
    # counters as of the last batch in the job
    head_rev: int = 0
    data_rev: int = 0
    delay_seq: int = 0
    oldest_rev: int = 1

    def absorb(self, other: _Job) -> None:
        """Append `other` (recorded later) so that both are written in one transaction."""
        self.states.extend(other.states)
        self.datas.extend(other.datas)
        added = self.delays_added
        for seq in other.delays_removed:
            if added.pop(seq, None) is None:
                self.delays_removed.append(seq)
        added.update(other.delays_added)
        self.superseded.extend(other.superseded)
        self.datas_dropped.extend(other.datas_dropped)
        self.batches += other.batches
        self.ticket = max(self.ticket, other.ticket)


class SqliteSnapshots:
    """A `Snapshots` backend writing behind the memory driver into a SQLite file (WAL).

    `path` is a file path, or a `file:` URI (e.g. `file:x.db?mode=ro`). `flush_interval`
    bounds how long a batch waits before the writer starts flushing it. `durability="strict"`
    makes every commit of an engine on this store wait until it is fsynced.
    `busy_timeout` is how long SQLite waits for a lock held by another connection;
    `retry_initial` and `retry_max` bound the backoff between failed flushes.
    """

    def __init__(
        self,
        path: str | os.PathLike[str],
        *,
        flush_interval: float = 0.05,
        durability: str = "default",
        busy_timeout: float = 2.0,
        retry_initial: float = 0.05,
        retry_max: float = 2.0,
    ) -> None:
        if durability not in DURABILITY_MODES:
            raise UsageError(f"durability must be one of {DURABILITY_MODES}, got {durability!r}")
        if not flush_interval > 0:
            raise UsageError(f"flush_interval must be > 0 seconds, got {flush_interval}")
        if busy_timeout < 0:
            raise UsageError(f"busy_timeout must be >= 0 seconds, got {busy_timeout}")
        if not 0 < retry_initial <= retry_max:
            raise UsageError(
                f"need 0 < retry_initial <= retry_max, got {retry_initial} and {retry_max}"
            )
        self.path = os.fspath(path)
        self.flush_interval = float(flush_interval)
        self.durability = durability
        self.busy_timeout = float(busy_timeout)
        self.retry_initial = float(retry_initial)
        self.retry_max = float(retry_max)
        self._db: aiosqlite.Connection | None = None
        self._lock_fd: int | None = None
        self._writer: asyncio.Task[None] | None = None
        self._kick = asyncio.Event()
        self._lock = asyncio.Lock()
        self._closed = False
        # what is queued: `_pending` gathers new batches; `_retry` is a job that failed
        self._pending = _Job()
        self._pending_since: float | None = None
        self._retry: _Job | None = None
        self._ticket = 0
        self._durable = 0
        self._waiters: list[tuple[int, asyncio.Future[None]]] = []
        self._attempt_waiters: list[asyncio.Future[SnapshotWriteError | None]] = []
        self._synchronous = ""
        # health
        self._healthy = True
        self._failures = 0
        self._retry_at = 0.0
        self._last_error: SnapshotWriteError | None = None
        # counters as recorded (written with every flush)
        self._head_rev = 0
        self._data_rev = 0
        self._delay_seq = 0
        # compaction: the latest rev of every id, the retention's oldest rev, and the revs
        # a newer version superseded that are still retained, bucketed by rev // _BUCKET
        self._latest_rev: dict[str, int] = {}
        self._oldest_rev = 1
        self._superseded: dict[int, array[int]] = {}
        # statistics
        self.flushes = 0
        self.rows_written = 0
        self.failed_flushes = 0
        self.longest_flush = 0.0  # seconds, of a successful flush (the loss-window term)
        self.last_flush = (0.0, 0.0)  # (started, finished) of the last successful flush,
        # on the loop's clock; every batch recorded before `started` is on disk

    # -- lifecycle ---------------------------------------------------------------------------

    async def open(self) -> Loaded:
        """Open (creating or migrating if needed), prove the file writable, load everything."""
        if self._db is not None or self._closed:
            raise UsageError(f"snapshot file {self.path!r} is already open or was closed")
        uri = self.path.startswith("file:")
        self._lock_fd = _lock(self.path)
        try:
            return await self._open(uri)
        except BaseException:
            _unlock(self._lock_fd)
            self._lock_fd = None
            raise

    async def _open(self, uri: bool) -> Loaded:
        try:
            # Probe on a worker thread first: when aiosqlite's own connect fails, its thread
            # outlives the failure and may report to a closed loop.
            await asyncio.to_thread(_probe, self.path, uri)
            db = await aiosqlite.connect(
                self.path, isolation_level=None, uri=uri, timeout=self.busy_timeout
            )
        except sqlite3.Error as exc:
            raise SnapshotOpenError(self.path, *describe(exc)) from exc
        try:
            loaded = await self._open_on(db)
        except BaseException as exc:
            await db.close()
            if isinstance(exc, sqlite3.Error):
                raise SnapshotOpenError(self.path, *describe(exc)) from exc
            raise
        self._db = db
        self._writer = asyncio.get_running_loop().create_task(
            self._run(), name=f"flowstate-sqlite-writer {self.path}"
        )
        return loaded

    async def _open_on(self, db: aiosqlite.Connection) -> Loaded:
        await db.execute(f"PRAGMA busy_timeout = {int(self.busy_timeout * 1000)}")
        mode = await db.execute_fetchall("PRAGMA journal_mode = WAL")
        if str(next(iter(mode))[0]).lower() != "wal":
            raise SnapshotOpenError(self.path, "error", f"cannot use WAL journal mode: {mode}")
        await self._set_synchronous(db, "FULL")
        await db.execute("BEGIN IMMEDIATE")
        try:
            found = await migrate(db, self.path)
            await db.execute(
                "INSERT INTO counters (name, value) VALUES ('opens', 1) "
                "ON CONFLICT (name) DO UPDATE SET value = value + 1"
            )
            await db.execute("COMMIT")
        except BaseException:
            with contextlib.suppress(sqlite3.Error):
                await db.execute("ROLLBACK")
            raise
        if found != SCHEMA_VERSION:
            log.info(
                "snapshot file %r migrated from schema %d to %d", self.path, found, SCHEMA_VERSION
            )
        return await self._load(db)

    async def _load(self, db: aiosqlite.Connection) -> Loaded:
        counters = {
            str(name): int(value)
            for name, value in await db.execute_fetchall("SELECT name, value FROM counters")
        }
        oldest = counters.get("oldest_rev", 1)
        # archived versions older than the retained history stay on disk: only (id, rev)
        rows = await db.execute_fetchall(
            "SELECT rev, id, body FROM states WHERE cold IS NULL OR rev >= ? ORDER BY rev",
            (oldest,),
        )
        cold_rows = list(await db.execute_fetchall(
            "SELECT rev, id FROM states WHERE cold IS NOT NULL AND rev < ? ORDER BY rev",
            (oldest,),
        ))
        datas = decode_datas(
            await db.execute_fetchall("SELECT rev, blob, annotations FROM datas ORDER BY rev")
        )
        delays = [
            decode_delay(row)
            for row in await db.execute_fetchall(
                "SELECT seq, at, do_commit, id, rev, body FROM delays ORDER BY seq"
            )
        ]
        states = [decode_state(id, rev, body) for rev, id, body in rows]
        latest: dict[str, State] = {}
        for state in states:
            latest[state.id] = state
        cold: dict[str, int] = {}
        for rev, id in cold_rows:
            hot = latest.get(id)
            if hot is not None and hot.rev > rev:
                self._supersede(rev, self._pending)  # a leftover below a newer version
                continue
            if id in cold:
                self._supersede(cold[id], self._pending)  # ascending: this one is newer
            cold[id] = rev
        for id in [id for id in cold if id in latest]:
            state = latest.pop(id)  # a leftover older version, not archived, below the cold one
            states.remove(state)
            self._supersede(state.rev, self._pending)
        # retained history: the contiguous run of revs ending at the newest, from oldest_rev
        start = len(states)
        while start > 0:
            state = states[start - 1]
            if state.rev < oldest or (start < len(states) and state.rev != states[start].rev - 1):
                break
            start -= 1
        history = states[start:]
        newest = max(states[-1].rev if states else 0, cold_rows[-1][0] if cold_rows else 0)
        head = max(counters.get("head_rev", 0), newest)
        self._head_rev = head
        self._data_rev = max([counters.get("data_rev", 0), *(d[0] for d in datas)])
        self._delay_seq = max([counters.get("delay_seq", 0), *(d.seq for d in delays)])
        self._oldest_rev = history[0].rev if history else head + 1
        self._latest_rev = {id: s.rev for id, s in latest.items()}
        self._latest_rev.update(cold)
        for state in states:
            if latest[state.id] is not state:
                self._supersede(state.rev, self._pending)  # a leftover below: deleted next
        return Loaded(
            history=history,
            latest=list(latest.values()),
            datas=datas,
            delays=delays,
            head_rev=head,
            data_rev=self._data_rev,
            delay_seq=self._delay_seq,
            cold=list(cold.items()),
        )

    async def close(self) -> None:
        """Write everything queued, stop the writer and close the file.

        Raises `SnapshotWriteError` if the last flush fails (the file is closed anyway).
        """
        if self._closed:
            return
        self._closed = True
        db, self._db = self._db, None
        if db is None:
            return
        try:
            await self._close(db)
        finally:
            _unlock(self._lock_fd)
            self._lock_fd = None

    async def _close(self, db: aiosqlite.Connection) -> None:
        error: SnapshotWriteError | None = None
        try:
            async with self._lock:
                error = await self._flush_locked(db)
                if self._writer is not None:
                    self._writer.cancel()
            if self._writer is not None:
                await _reap(self._writer)
                self._writer = None
        finally:
            await db.close()
            closed = error or SnapshotWriteError(self.path, "closed", "the store is closed", 0)
            self._fail_waiters(closed)
        if error is not None:
            raise error

    @property
    def healthy(self) -> bool:
        """False while the last flush failed (queued batches are retried with backoff)."""
        return self._healthy

    @property
    def last_error(self) -> SnapshotWriteError | None:
        return self._last_error

    @property
    def queued_batches(self) -> int:
        """Batches recorded but not yet on disk."""
        return self._pending.batches + (self._retry.batches if self._retry else 0)

    @property
    def durable_ticket(self) -> int:
        """The newest ticket known to be on disk."""
        return self._durable

    @property
    def synchronous(self) -> str:
        """SQLite's `synchronous` level of the last flush: "FULL" (fsynced) or "NORMAL"."""
        return self._synchronous

    # -- the driver's side -------------------------------------------------------------------

    def record(self, batch: CommitBatch) -> int:
        """Encode the batch to rows now (cheap, on the loop) and queue it; returns its ticket."""
        if self._db is None:
            raise UsageError(f"snapshot file {self.path!r} is not open")
        job = self._pending
        latest_rev = self._latest_rev
        for state in batch.states:
            job.states.append(encode_state(state))
            previous = latest_rev.get(state.id)
            latest_rev[state.id] = state.rev
            if previous is not None:
                self._supersede(previous, job)
            if state.rev > self._head_rev:
                self._head_rev = state.rev
        for rev, blob, anns in batch.datas:
            job.datas.append((rev, blob, _dumps(anns)))
            if rev > self._data_rev:
                self._data_rev = rev
        added = job.delays_added
        for entry in batch.delays_added:
            added[entry.seq] = entry
            if entry.seq > self._delay_seq:
                self._delay_seq = entry.seq
        for seq in batch.delays_removed:
            if added.pop(seq, None) is None:
                job.delays_removed.append(seq)
        job.batches += 1
        self._ticket += 1
        job.ticket = self._ticket
        if self._pending_since is None:
            self._pending_since = asyncio.get_running_loop().time()
            self._kick.set()
        return self._ticket

    async def wait_durable(self, ticket: int) -> None:
        """Return once the batch `ticket` is fsynced; raise `SnapshotWriteError` if the store
        is failing (the batch stays queued and is written once the disk recovers)."""
        if ticket <= self._durable:
            return
        if not self._healthy and self._last_error is not None:
            raise self._last_error
        if self._db is None:
            raise SnapshotWriteError(self.path, "closed", "the store is closed", 0)
        future: asyncio.Future[None] = asyncio.get_running_loop().create_future()
        self._waiters.append((ticket, future))
        self._kick.set()
        await future

    async def read_cold(self, revs: Sequence[int]) -> list[State]:
        """The versions stored at `revs`, from the file (archived versions the driver let
        go), ascending by rev; a rev that is not there is left out."""
        db = self._db
        if db is None:
            raise UsageError(f"snapshot file {self.path!r} is not open")
        found: list[Any] = []
        try:
            for i in range(0, len(revs), 500):
                part = list(revs[i:i + 500])
                found.extend(await db.execute_fetchall(
                    f"SELECT rev, id, body FROM states WHERE rev IN {_values(1, len(part))}",
                    part))
        except sqlite3.Error as exc:
            raise SnapshotWriteError(self.path, *describe(exc), self.queued_batches) from exc
        found.sort(key=lambda row: row[0])
        return [decode_state(id, rev, body) for rev, id, body in found]

    async def read_cold_labels(
        self, after_rev: int, before_rev: int, limit: int = 2000,
        labels: tuple[dict[str, str], ...] = (),
    ) -> list[tuple[int, str, dict[str, str]]]:
        """`(rev, id, labels)` of the first `limit` archived versions stored with after_rev <
        rev < before_rev, ascending, whose labels match `labels` (an OR of ANDs; () matches
        all). Only the labels column is read, filtered in SQL (`json_extract`): bodies are
        read for the matches alone. Superseded versions may be among them (the caller
        filters)."""
        db = self._db
        if db is None:
            raise UsageError(f"snapshot file {self.path!r} is not open")
        where, params = _labels_filter(labels)
        try:
            rows = await db.execute_fetchall(
                "SELECT rev, id, cold FROM states WHERE cold IS NOT NULL AND rev > ? AND rev < ?"
                f"{where} ORDER BY rev LIMIT ?", (after_rev, before_rev, *params, limit))
        except sqlite3.Error as exc:
            raise SnapshotWriteError(self.path, *describe(exc), self.queued_batches) from exc
        return [(rev, id, orjson.loads(labels)) for rev, id, labels in rows]

    def trimmed(self, oldest_rev: int) -> None:
        """History before `oldest_rev` may go: the next flush deletes the versions below it
        that a newer version supersedes (the latest version of every state is always kept,
        and deleted once superseded)."""
        if oldest_rev > self._oldest_rev:
            self._oldest_rev = oldest_rev

    def data_dropped(self, rev: int) -> None:
        """No retained version references data `rev` any more: delete it with the next flush
        (in the same transaction as the versions whose compaction dropped it)."""
        self._pending.datas_dropped.append(rev)

    def _supersede(self, rev: int, job: _Job) -> None:
        """`rev` has a newer version: delete it with the next flush if it is below the
        retention (it was kept only as the latest), else once trimming passes it."""
        if rev < self._oldest_rev:
            job.superseded.append(rev)
            return
        bucket = self._superseded.get(rev // _BUCKET)
        if bucket is None:
            bucket = self._superseded[rev // _BUCKET] = array("q")
        bucket.append(rev)

    def _compact_into(self, job: _Job) -> None:
        """Move every superseded rev now below the retention into `job` (O(moved + _BUCKET))."""
        oldest = self._oldest_rev
        edge = oldest // _BUCKET
        buckets = self._superseded
        for key in [key for key in buckets if key <= edge]:
            revs = buckets[key]
            if key < edge:
                job.superseded.extend(revs)
                del buckets[key]
            else:
                job.superseded.extend(r for r in revs if r < oldest)
                kept = array("q", (r for r in revs if r >= oldest))
                if kept:
                    buckets[key] = kept
                else:
                    del buckets[key]

    async def flush(self) -> None:
        """Write everything queued now (skipping any backoff); raise `SnapshotWriteError` if
        that fails."""
        db = self._db
        if db is None:
            raise UsageError(f"snapshot file {self.path!r} is not open")
        async with self._lock:
            error = await self._flush_locked(db)
        if error is not None:
            raise error

    async def wait_flush_attempt(self) -> SnapshotWriteError | None:
        """Wait for the next flush attempt (by the writer or `flush()`): None if it wrote,
        else its error. For monitoring and tests; it does not trigger a flush."""
        future: asyncio.Future[SnapshotWriteError | None] = (
            asyncio.get_running_loop().create_future()
        )
        self._attempt_waiters.append(future)
        return await future

    # -- the writer --------------------------------------------------------------------------

    def _has_work(self) -> bool:
        return self._retry is not None or self._pending.batches > 0

    async def _run(self) -> None:
        loop = asyncio.get_running_loop()
        kick = self._kick
        while True:
            if not self._has_work():
                kick.clear()
                await kick.wait()
                continue
            now = loop.time()
            if self._failures:
                deadline = self._retry_at
            elif self._waiters or self.durability == "strict":
                deadline = now
            else:
                since = self._pending_since
                deadline = (since if since is not None else now) + self.flush_interval
            if deadline > now:
                kick.clear()
                with contextlib.suppress(TimeoutError):
                    async with asyncio.timeout(deadline - now):
                        await kick.wait()
                if self._failures and loop.time() < self._retry_at:
                    continue  # woken early during a backoff: keep backing off
                if not self._failures and not self._waiters and loop.time() < deadline:
                    continue
            db = self._db
            if db is None:
                return
            async with self._lock:
                await self._flush_locked(db)

    def _take(self) -> _Job | None:
        if not self._pending.batches and self._retry is None:
            return None  # (leftovers found at open wait in `_pending` for the next commit)
        job = self._pending
        self._pending = _Job()
        self._pending_since = None
        if self._retry is not None:
            retry, self._retry = self._retry, None
            retry.absorb(job)
            job = retry
        job.head_rev, job.data_rev = self._head_rev, self._data_rev
        job.delay_seq, job.oldest_rev = self._delay_seq, self._oldest_rev
        self._compact_into(job)
        return job

    async def _flush_locked(self, db: aiosqlite.Connection) -> SnapshotWriteError | None:
        job = self._take()
        if job is None:
            return None
        strict = self.durability == "strict" or bool(self._waiters)
        loop = asyncio.get_running_loop()
        started = loop.time()
        try:
            await self._write(db, job, strict)
        except Exception as exc:
            self._retry = job
            self._failures += 1
            self.failed_flushes += 1
            self._healthy = False
            backoff = min(self.retry_max, self.retry_initial * 2 ** (self._failures - 1))
            self._retry_at = loop.time() + backoff
            error = SnapshotWriteError(self.path, *describe(exc), self.queued_batches)
            self._last_error = error
            log.error(
                "%s (attempt %d, retrying in %.3f s)", error, self._failures, backoff, exc_info=exc
            )
            self._fail_waiters(error)
            self._attempted(error)
            return error
        if self._failures:
            log.warning(
                "snapshot file %r writable again after %d failed flush(es)",
                self.path,
                self._failures,
            )
        self._failures = 0
        self._healthy = True
        self._last_error = None
        self._durable = max(self._durable, job.ticket)
        finished = loop.time()
        self.longest_flush = max(self.longest_flush, finished - started)
        self.last_flush = (started, finished)
        self.flushes += 1
        self.rows_written += len(job.states) + len(job.datas) + len(job.delays_added)
        self._wake_waiters()
        self._attempted(None)
        return None

    def _attempted(self, outcome: SnapshotWriteError | None) -> None:
        waiters, self._attempt_waiters = self._attempt_waiters, []
        for future in waiters:
            if not future.done():
                future.set_result(outcome)

    async def _write(self, db: aiosqlite.Connection, job: _Job, strict: bool) -> None:
        await self._set_synchronous(db, "FULL" if strict else "NORMAL")
        await db.execute("BEGIN")
        try:
            await _insert(db, _INSERT_STATE, 4, job.states)
            await _insert(db, _INSERT_DATA, 3, job.datas)
            await _insert(db, _INSERT_DELAY, 6,
                          [encode_delay(entry) for entry in job.delays_added.values()])
            await _delete(db, _DELETE_DELAY, job.delays_removed)
            await _delete(db, _DELETE_STATE, job.superseded)
            await _delete(db, _DELETE_DATA, job.datas_dropped)
            await db.executemany(
                _SET_COUNTER,
                (
                    ("head_rev", job.head_rev),
                    ("data_rev", job.data_rev),
                    ("delay_seq", job.delay_seq),
                    ("oldest_rev", job.oldest_rev),
                ),
            )
            await db.execute("COMMIT")
        except BaseException:
            with contextlib.suppress(sqlite3.Error, ValueError):
                await db.execute("ROLLBACK")
            raise

    async def _set_synchronous(self, db: aiosqlite.Connection, level: str) -> None:
        if self._synchronous != level:
            await db.execute(f"PRAGMA synchronous = {level}")
            self._synchronous = level

    def _wake_waiters(self) -> None:
        durable = self._durable
        keep: list[tuple[int, asyncio.Future[None]]] = []
        for ticket, future in self._waiters:
            if ticket <= durable:
                if not future.done():
                    future.set_result(None)
            else:
                keep.append((ticket, future))
        self._waiters = keep

    def _fail_waiters(self, error: SnapshotWriteError) -> None:
        waiters, self._waiters = self._waiters, []
        for _, future in waiters:
            if not future.done():
                future.set_exception(error)


def _grouped(rows: Sequence[Any], width: int) -> Iterator[tuple[int, list[Any]]]:
    """`rows` in runs of `_GROUPS` sizes, largest first: (rows per statement, the flattened
    parameters of each statement of that size). Slicing and chaining run at C speed: a flush
    of thousands of rows spends well under a millisecond of the loop here."""
    start = 0
    flatten = chain.from_iterable
    for size in _GROUPS:
        full = (len(rows) - start) // size
        if not full:
            continue
        end = start + full * size
        if width == 1:
            params = [list(rows[i:i + size]) for i in range(start, end, size)]
        else:
            params = [list(flatten(rows[i:i + size])) for i in range(start, end, size)]
        start = end
        yield size, params


@functools.cache
def _values(size: int, width: int) -> str:
    one = "(" + ", ".join("?" * width) + ")"
    return ", ".join([one] * size)


async def _insert(db: aiosqlite.Connection, sql: str, width: int, rows: Sequence[Any]) -> None:
    for size, params in _grouped(rows, width):
        await db.executemany(sql + _values(size, width), params)


async def _delete(db: aiosqlite.Connection, sql: str, keys: Sequence[int]) -> None:
    for size, params in _grouped(keys, 1):
        await db.executemany(sql + _values(1, size), params)


def _labels_filter(ors: tuple[dict[str, str], ...]) -> tuple[str, list[str]]:
    """An SQL condition on the `cold` labels column for an OR of ANDs ("" when it cannot or
    need not filter: the caller checks the labels again either way)."""
    if not ors or any(not ands for ands in ors):
        return "", []
    clauses = []
    params: list[str] = []
    for ands in ors:
        parts = []
        for key, value in ands.items():
            if '"' in key or "\\" in key:
                return "", []  # not expressible as a quoted JSON path: filter in Python
            parts.append("json_extract(CAST(cold AS TEXT), ?) = ?")
            params.extend((f'$."{key}"', value))
        clauses.append("(" + " AND ".join(parts) + ")")
    return " AND (" + " OR ".join(clauses) + ")", params


def _lock_path(path: str) -> str | None:
    """The lock file of a snapshot file (None for an in-memory database)."""
    if path.startswith("file:"):
        path, _, query = path[5:].partition("?")
        if "mode=memory" in query:
            return None
    if not path or path == ":memory:":
        return None
    return path + ".lock"


def _lock(path: str) -> int | None:
    """Take the exclusive lock on `path`'s lock file, or raise `SqliteLockedError`."""
    lock_path = _lock_path(path)
    if lock_path is None:
        return None
    try:
        fd = os.open(lock_path, os.O_RDWR | os.O_CREAT, 0o644)
    except OSError:
        return None  # a read-only directory: nobody else can write the file there either
    try:
        fcntl.flock(fd, fcntl.LOCK_EX | fcntl.LOCK_NB)
    except OSError:
        try:
            holder = os.pread(fd, 4096, 0).decode(errors="replace").strip()
        finally:
            os.close(fd)
        raise SqliteLockedError(path, lock_path, holder) from None
    command = " ".join(sys.argv) or sys.executable
    os.ftruncate(fd, 0)
    os.pwrite(fd, f"pid {os.getpid()} on {socket.gethostname()}: {command}\n".encode(), 0)
    return fd


def _unlock(fd: int | None) -> None:
    if fd is not None:
        os.close(fd)  # closing the descriptor drops the flock


def _probe(path: str, uri: bool) -> None:
    sqlite3.connect(path, uri=uri).close()


def _dumps(annotations: dict[str, str]) -> bytes:
    return orjson.dumps(annotations)


async def _reap(task: asyncio.Task[None]) -> None:
    """Await a task we cancelled, without swallowing a cancellation aimed at us."""
    try:
        await task
    except asyncio.CancelledError:
        current = asyncio.current_task()
        if current is not None and current.cancelling():
            raise
