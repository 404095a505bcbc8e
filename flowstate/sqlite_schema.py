"""The SQLite snapshot file: its schema, forward migrations, row codec and errors.

The only I/O here is `migrate`, through the aiosqlite connection `SqliteSnapshots` opened.

Layout (schema version 4):

- `flowstate_schema(version)`: one row, the schema version of the file;
- `counters(name, value)`: `head_rev`, `data_rev`, `delay_seq` (so counters survive even when
  the rows that carried them were deleted), `oldest_rev` (the oldest retained history version)
  and `opens` (bumped at every start: it proves the file is writable before we run);
- `states(rev, id, body, cold)`: one row per committed version; `body` is orjson
  `[labels, annotations, committed_at, transition.to, transition.annotations]` (version 2
  indexed it by `(id, rev)` for compaction; version 3 dropped that index again); `cold`
  (version 4) is NULL, or the version's labels (JSON text) when it was committed archived
  (`mark_archived`): the memory driver keeps such a version out of memory once it is older
  than the retained history, so a start reads only its `(id, rev)` and a query its labels;
- `datas(rev, blob, annotations)`;
- `delays(seq, at, do_commit, id, rev, body)`: pending delays, `body` encodes the frozen state
  snapshot the delay will commit.
"""

from __future__ import annotations

import sqlite3
from collections.abc import Iterable, Sequence
from typing import Any

import aiosqlite
import orjson

from flowstate.commands import archived
from flowstate.errors import PersistenceError
from flowstate.snapshots import DelayedEntry
from flowstate.state import EMPTY, FrozenDict, State, Transition

__all__ = [
    "MIGRATIONS",
    "SCHEMA_VERSION",
    "SchemaVersionError",
    "SnapshotOpenError",
    "SnapshotWriteError",
    "SqliteLockedError",
    "decode_datas",
    "decode_delay",
    "decode_state",
    "describe",
    "encode_delay",
    "encode_state",
    "migrate",
]

StateRow = tuple[int, str, bytes, str | None]
DataRow = tuple[int, bytes, bytes]
DelayRow = tuple[int, float, int, str, int, bytes]

# Step `n` upgrades a file at version `n` to version `n + 1`; version 0 is an empty file.
# Append steps, never edit one that shipped: files in the field went through it.
MIGRATIONS: list[Sequence[str]] = [
    (
        "CREATE TABLE flowstate_schema (version INTEGER NOT NULL)",
        "INSERT INTO flowstate_schema (version) VALUES (0)",
        "CREATE TABLE counters (name TEXT PRIMARY KEY, value INTEGER NOT NULL) WITHOUT ROWID",
        "CREATE TABLE states (rev INTEGER PRIMARY KEY, id TEXT NOT NULL, body BLOB NOT NULL)",
        "CREATE TABLE datas (rev INTEGER PRIMARY KEY, blob BLOB NOT NULL,"
        " annotations BLOB NOT NULL)",
        "CREATE TABLE delays (seq INTEGER PRIMARY KEY, at REAL NOT NULL,"
        " do_commit INTEGER NOT NULL, id TEXT NOT NULL, rev INTEGER NOT NULL,"
        " body BLOB NOT NULL)",
    ),
    # 1 -> 2: compaction finds superseded versions of the trimmed rev range by id
    ("CREATE INDEX states_by_id ON states (id, rev)",),
    # 2 -> 3: compaction tracks superseded revs in memory; the index cost 2.5x write speed
    ("DROP INDEX IF EXISTS states_by_id",),
    # 3 -> 4: archived versions carry their labels beside the body (NULL: not archived)
    ("ALTER TABLE states ADD COLUMN cold BLOB",),
]
SCHEMA_VERSION = len(MIGRATIONS)


# -- errors ----------------------------------------------------------------------------------


class SnapshotOpenError(PersistenceError):
    """The snapshot file cannot be opened, read or written at start.

    `problem` is one of "read-only", "disk full", "locked", "corrupt", "cannot open",
    "I/O error" or "error"; `detail` is SQLite's message.
    """

    def __init__(self, path: str, problem: str, detail: str) -> None:
        self.path = path
        self.problem = problem
        self.detail = detail
        super().__init__(f"cannot open snapshot file {path!r}: {problem} ({detail})")


class SqliteLockedError(SnapshotOpenError):
    """Another engine holds the snapshot file: SQLite is one process per file.

    `holder` is what the holder wrote into the lock file (pid, host, command line), or ""
    if it could not be read; `lock_path` is the lock file next to the snapshot file."""

    def __init__(self, path: str, lock_path: str, holder: str) -> None:
        self.lock_path = lock_path
        self.holder = holder
        who = f"held by {holder}" if holder else "held by an unknown process"
        super().__init__(
            path,
            "in use",
            f"another engine has it open ({who}; lock file {lock_path}). SQLite is one "
            "process per file: stop that process, or share one PostgreSQL database "
            "between processes instead",
        )


class SchemaVersionError(PersistenceError):
    """The file was written by a newer flowstate: its schema is ahead of this code's."""

    def __init__(self, path: str, file_version: int, supported_version: int) -> None:
        self.path = path
        self.file_version = file_version
        self.supported_version = supported_version
        super().__init__(
            f"snapshot file {path!r} has schema version {file_version}, but this flowstate "
            f"supports up to version {supported_version}: upgrade flowstate to open it"
        )


class SnapshotWriteError(PersistenceError):
    """Committed batches could not be written (they stay queued in memory and are retried)."""

    def __init__(self, path: str, problem: str, detail: str, queued_batches: int) -> None:
        self.path = path
        self.problem = problem
        self.detail = detail
        self.queued_batches = queued_batches
        super().__init__(
            f"cannot write snapshot file {path!r}: {problem} ({detail}); "
            f"{queued_batches} committed batch(es) are queued in memory only"
        )


_PROBLEMS = {
    sqlite3.SQLITE_READONLY: "read-only",
    sqlite3.SQLITE_FULL: "disk full",
    sqlite3.SQLITE_BUSY: "locked",
    sqlite3.SQLITE_LOCKED: "locked",
    sqlite3.SQLITE_CORRUPT: "corrupt",
    sqlite3.SQLITE_NOTADB: "corrupt",
    sqlite3.SQLITE_CANTOPEN: "cannot open",
    sqlite3.SQLITE_IOERR: "I/O error",
    sqlite3.SQLITE_PERM: "read-only",
}


def describe(exc: BaseException) -> tuple[str, str]:
    """(problem, detail) of a sqlite3 error, the problem named from its primary result code."""
    code = getattr(exc, "sqlite_errorcode", None)
    problem = _PROBLEMS.get(code & 0xFF, "error") if isinstance(code, int) else "error"
    name = getattr(exc, "sqlite_errorname", None)
    detail = f"{name}: {exc}" if name else str(exc) or type(exc).__name__
    return problem, detail


# -- migrations ------------------------------------------------------------------------------


async def migrate(db: aiosqlite.Connection, path: str) -> int:
    """Bring the file to `SCHEMA_VERSION` inside the caller's transaction; returns the version
    found. Raises `SchemaVersionError` if the file is newer than this code."""
    has_table = await db.execute_fetchall(
        "SELECT 1 FROM sqlite_master WHERE type = 'table' AND name = 'flowstate_schema'"
    )
    found = 0
    if has_table:
        rows = list(await db.execute_fetchall("SELECT version FROM flowstate_schema"))
        found = int(rows[0][0]) if rows else 0
    target = len(MIGRATIONS)
    if found > target:
        raise SchemaVersionError(path, found, target)
    for version in range(found, target):
        for sql in MIGRATIONS[version]:
            await db.execute(sql)
        await db.execute("UPDATE flowstate_schema SET version = ?", (version + 1,))
    return found


# -- row codec -------------------------------------------------------------------------------


def _plain(value: Any) -> Any:
    if isinstance(value, dict | FrozenDict):
        return dict(value)
    if hasattr(value, "items"):
        return dict(value.items())
    raise TypeError(f"cannot encode {type(value).__name__}")


def _body(state: State) -> bytes:
    t = state.transition
    return orjson.dumps(
        (state.labels, state.annotations, state.committed_at, t.to, t.annotations),
        default=_plain,
    )


def encode_state(state: State) -> StateRow:
    # text, so that SQLite's json_extract can filter on it
    cold = orjson.dumps(state.labels, default=_plain).decode() if archived(state) else None
    return (state.rev, state.id, _body(state), cold)


def encode_delay(entry: DelayedEntry) -> DelayRow:
    s = entry.state
    return (entry.seq, entry.at, 1 if entry.commit else 0, s.id, s.rev, _body(s))


def _frozen(raw: dict[str, str]) -> FrozenDict:
    return FrozenDict(raw) if raw else EMPTY


def decode_state(id: str, rev: int, body: bytes) -> State:
    labels, annotations, committed_at, to, tr = orjson.loads(body)
    return State(
        id, rev, _frozen(labels), _frozen(annotations), committed_at, Transition(to, _frozen(tr))
    )


def decode_delay(row: Sequence[Any]) -> DelayedEntry:
    seq, at, do_commit, id, rev, body = row
    return DelayedEntry(seq, at, decode_state(id, rev, body), bool(do_commit))


def decode_datas(rows: Iterable[Sequence[Any]]) -> list[tuple[int, bytes, dict[str, str]]]:
    return [(rev, bytes(blob), orjson.loads(anns)) for rev, blob, anns in rows]
