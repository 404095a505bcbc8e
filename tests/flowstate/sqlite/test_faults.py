"""Disk faults: clear errors at start; while running a logged error, `healthy` False,
retries, nothing lost from memory, strict commits failing instead of pretending."""

from __future__ import annotations

import asyncio
import logging
import sqlite3
from pathlib import Path

import pytest

from flowstate import PersistenceError, StateCtx, commit, get_states, park
from flowstate.sqlite import SnapshotOpenError, SnapshotWriteError, SqliteSnapshots

from .conftest import OpenEngine, snapshots_of

GUARD_SECONDS = 5.0  # only against a hung test


async def _create(db_path: Path) -> None:
    snapshots = SqliteSnapshots(db_path)
    await snapshots.open()
    await snapshots.close()


def _write_garbage(path: Path) -> None:
    path.write_bytes(b"this is not a database, just garbage " * 200)


def _overwrite_pages_after_the_first(path: Path) -> None:
    with sqlite3.connect(path) as conn:
        conn.execute("PRAGMA journal_mode = DELETE")
    conn.close()
    raw = bytearray(path.read_bytes())
    page = 4096
    raw[page:] = b"\xa5" * (len(raw) - page)
    path.write_bytes(bytes(raw))


async def test_a_corrupt_file_is_refused_at_start(db_path: Path) -> None:
    _write_garbage(db_path)
    with pytest.raises(SnapshotOpenError) as caught:
        await SqliteSnapshots(db_path).open()
    assert (caught.value.path, caught.value.problem) == (str(db_path), "corrupt")
    assert str(caught.value).startswith(f"cannot open snapshot file {str(db_path)!r}: corrupt (")


async def test_a_file_corrupted_inside_is_refused_at_start(db_path: Path) -> None:
    """Garbage over the table pages (header intact) is found while loading."""
    snapshots = SqliteSnapshots(db_path)
    await snapshots.open()
    await snapshots.close()
    _overwrite_pages_after_the_first(db_path)
    with pytest.raises(SnapshotOpenError) as caught:
        await SqliteSnapshots(db_path).open()
    assert caught.value.problem == "corrupt"


async def test_a_directory_in_place_of_the_file_is_refused(tmp_path: Path) -> None:
    with pytest.raises(SnapshotOpenError) as caught:
        await SqliteSnapshots(tmp_path).open()
    assert caught.value.problem == "cannot open"


async def test_a_read_only_file_is_refused_at_start(db_path: Path) -> None:
    """Opened read-only (as a read-only directory or mount would), the start-up write fails."""
    await _create(db_path)
    with pytest.raises(SnapshotOpenError) as caught:
        await SqliteSnapshots(f"file:{db_path}?mode=ro").open()
    assert caught.value.problem == "read-only"


async def test_a_missing_file_in_read_only_mode_cannot_be_created(tmp_path: Path) -> None:
    with pytest.raises(SnapshotOpenError) as caught:
        await SqliteSnapshots(f"file:{tmp_path / 'missing.db'}?mode=ro").open()
    assert caught.value.problem == "cannot open"


async def test_a_file_locked_by_another_process_is_refused_at_start(db_path: Path) -> None:
    await _create(db_path)
    other = sqlite3.connect(db_path, isolation_level=None)
    try:
        other.execute("BEGIN EXCLUSIVE")
        with pytest.raises(SnapshotOpenError) as caught:
            await SqliteSnapshots(db_path, busy_timeout=0.05).open()
        assert caught.value.problem == "locked"
    finally:
        other.close()


async def _fill_disk(engine_snapshots: SqliteSnapshots) -> None:
    """Simulate a full disk: forbid the file to grow past its current size."""
    db = engine_snapshots._db
    assert db is not None
    await db.execute("PRAGMA max_page_count = 1")  # clamps to the current page count


async def _free_disk(engine_snapshots: SqliteSnapshots) -> None:
    db = engine_snapshots._db
    assert db is not None
    await db.execute("PRAGMA max_page_count = 1073741823")


async def test_a_full_disk_while_running_keeps_everything_queued(
    open_engine: OpenEngine, caplog: pytest.LogCaptureFixture
) -> None:
    """Flushes fail (logged, unhealthy), memory keeps serving, and once space is back
    everything queued reaches the file."""
    async with open_engine(flush_interval=3600, retry_initial=3600, retry_max=3600) as engine:
        snapshots = snapshots_of(engine)
        await _fill_disk(snapshots)
        big = "x" * 3000
        with caplog.at_level(logging.ERROR, logger="flowstate.sqlite"):
            for i in range(20):
                await engine.do(commit(park(StateCtx.new(f"s{i}", annotations={"pad": big}))))
            with pytest.raises(SnapshotWriteError) as caught:
                await snapshots.flush()
        assert caught.value.problem == "disk full"
        assert caught.value.queued_batches == 20
        assert not snapshots.healthy and not engine.driver.healthy
        assert "disk full" in caplog.text
        # memory still serves every commit
        page = get_states(limit=100)
        await engine.do(page)
        assert page.result is not None and len(page.result.states) == 20
        # a strict commit fails instead of pretending (it is applied in memory only)
        with pytest.raises(PersistenceError):
            await engine.do(commit(park(StateCtx.new("strict")), durable=True))
        await _free_disk(snapshots)
        await snapshots.flush()
        assert snapshots.healthy and snapshots.queued_batches == 0
    async with open_engine() as engine:
        ids = {s.id for s in engine.driver.latest_states()}
        assert ids == {f"s{i}" for i in range(20)} | {"strict"}


async def test_the_writer_retries_with_backoff_until_the_lock_is_released(
    open_engine: OpenEngine, db_path: Path
) -> None:
    """A lock held by another connection fails flushes; the background writer retries on
    its own and turns healthy again once the lock is gone."""
    async with open_engine(
        flush_interval=0.001, busy_timeout=0.01, retry_initial=0.005, retry_max=0.02
    ) as engine:
        snapshots = snapshots_of(engine)
        other = sqlite3.connect(db_path, isolation_level=None)
        try:
            other.execute("BEGIN EXCLUSIVE")
            await engine.do(commit(park(StateCtx.new("a"))))
            async with asyncio.timeout(GUARD_SECONDS):
                for _ in range(2):  # the first attempt and at least one retry fail
                    error = await snapshots.wait_flush_attempt()
                    assert error is not None and error.problem == "locked"
            assert not snapshots.healthy
        finally:
            other.close()
        async with asyncio.timeout(GUARD_SECONDS):
            while await snapshots.wait_flush_attempt() is not None:
                pass
        assert snapshots.healthy and snapshots.queued_batches == 0


async def test_close_on_a_full_disk_raises_and_still_closes(open_engine: OpenEngine) -> None:
    """What cannot be written at close is reported, not silently dropped."""
    with pytest.raises(SnapshotWriteError) as caught:
        async with open_engine(flush_interval=3600) as engine:
            await _fill_disk(snapshots_of(engine))
            await engine.do(commit(park(StateCtx.new("a", annotations={"pad": "x" * 9000}))))
    assert caught.value.queued_batches == 1
