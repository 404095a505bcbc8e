"""The file's schema version, forward migrations and the row codec."""

from __future__ import annotations

import sqlite3
from pathlib import Path

import pytest
from hypothesis import given
from hypothesis import strategies as st

from flowstate import MemoryDriver, State, Transition
from flowstate import sqlite_schema as schema
from flowstate.snapshots import CommitBatch, DelayedEntry
from flowstate.sqlite import SchemaVersionError, SqliteSnapshots


async def test_a_new_file_gets_the_current_schema_version(db_path: Path) -> None:
    """Opening creates the tables and records SCHEMA_VERSION."""
    snapshots = SqliteSnapshots(db_path)
    loaded = await snapshots.open()
    await snapshots.close()
    assert (loaded.head_rev, loaded.latest, loaded.delays) == (0, [], [])
    with sqlite3.connect(db_path) as conn:
        (version,) = conn.execute("SELECT version FROM flowstate_schema").fetchone()
        journal = conn.execute("PRAGMA journal_mode").fetchone()[0]
    conn.close()
    assert (version, journal) == (schema.SCHEMA_VERSION, "wal")


async def test_a_file_from_a_newer_version_is_refused(db_path: Path) -> None:
    """The error names the file and both versions, and nothing is changed."""
    snapshots = SqliteSnapshots(db_path)
    await snapshots.open()
    await snapshots.close()
    newer = schema.SCHEMA_VERSION + 1
    with sqlite3.connect(db_path) as conn:
        conn.execute("UPDATE flowstate_schema SET version = ?", (newer,))
    conn.close()
    with pytest.raises(SchemaVersionError) as caught:
        await SqliteSnapshots(db_path).open()
    assert caught.value.file_version == newer
    assert caught.value.supported_version == schema.SCHEMA_VERSION
    assert str(caught.value) == (
        f"snapshot file {str(db_path)!r} has schema version {newer}, but this flowstate "
        f"supports up to version {schema.SCHEMA_VERSION}: upgrade flowstate to open it"
    )


async def test_an_older_file_is_migrated_forward(
    db_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """A file at version N gets steps N.. applied at open and keeps its rows."""
    driver = MemoryDriver(snapshots=SqliteSnapshots(db_path))
    await driver.open()
    driver.apply(CommitBatch(states=[State("a", 1, committed_at=5.0).frozen()]))
    await driver.close()
    step = ("CREATE TABLE extra (x INTEGER)", "INSERT INTO extra (x) VALUES (42)")
    monkeypatch.setattr(schema, "MIGRATIONS", [*schema.MIGRATIONS, step])
    snapshots = SqliteSnapshots(db_path)
    loaded = await snapshots.open()
    await snapshots.close()
    assert [s.id for s in loaded.latest] == ["a"]
    with sqlite3.connect(db_path) as conn:
        version = conn.execute("SELECT version FROM flowstate_schema").fetchone()[0]
        assert version == schema.SCHEMA_VERSION + 1
        assert conn.execute("SELECT x FROM extra").fetchone()[0] == 42
    conn.close()


texts = st.text(max_size=12)
maps = st.dictionaries(texts, texts, max_size=4)


@given(
    id=st.text(min_size=1, max_size=12),
    rev=st.integers(1, 2**53),
    labels=maps,
    annotations=maps,
    committed_at=st.floats(0, 2e9),
    to=texts,
    tr=maps,
)
def test_state_rows_round_trip(
    id: str,
    rev: int,
    labels: dict[str, str],
    annotations: dict[str, str],
    committed_at: float,
    to: str,
    tr: dict[str, str],
) -> None:
    """Any state encodes to a row and decodes back equal, read-only."""
    state = State(id, rev, labels, annotations, committed_at, Transition(to, tr)).frozen()
    decoded = schema.decode_state(*_reorder(schema.encode_state(state)))
    assert decoded == state
    with pytest.raises(TypeError):
        decoded.labels["x"] = "y"
    entry = DelayedEntry(7, committed_at + 1, state, commit=False)
    assert schema.decode_delay(schema.encode_delay(entry)) == entry


def _reorder(row: tuple[int, str, bytes, str | None]) -> tuple[str, int, bytes]:
    rev, id, body, cold = row
    assert cold is None  # not archived
    return id, rev, body


def _write_version_1_file(path: Path) -> None:
    with sqlite3.connect(path) as conn:
        for sql in schema.MIGRATIONS[0]:
            conn.execute(sql)
        conn.execute("UPDATE flowstate_schema SET version = 1")
        state = State("old", 1, {"k": "v"}, {}, 7.0).frozen()
        conn.execute("INSERT INTO states VALUES (?, ?, ?)", schema.encode_state(state)[:3])
    conn.close()


async def test_a_version_1_file_is_upgraded_to_the_current_schema(db_path: Path) -> None:
    """The real migrations run in order: v1 rows load, the index of v2 is gone after v3, and
    v4's `cold` column is there (NULL for the old rows: none of them is archived)."""
    _write_version_1_file(db_path)
    snapshots = SqliteSnapshots(db_path)
    loaded = await snapshots.open()
    await snapshots.close()
    assert [(s.id, s.rev, dict(s.labels)) for s in loaded.latest] == [("old", 1, {"k": "v"})]
    with sqlite3.connect(db_path) as conn:
        version = conn.execute("SELECT version FROM flowstate_schema").fetchone()[0]
        indexes = conn.execute(
            "SELECT name FROM sqlite_master WHERE type = 'index' AND name = 'states_by_id'"
        ).fetchall()
        cold = conn.execute("SELECT cold FROM states").fetchall()
    conn.close()
    assert (version, indexes, cold) == (schema.SCHEMA_VERSION, [], [(None,)])
