"""How a flush writes: many rows per statement, and delays that never need writing."""

from __future__ import annotations

import sqlite3
from pathlib import Path

from flowstate import StateCtx, commit, delay, park
from flowstate.testing import FakeClock

from .conftest import OpenEngine, snapshots_of


def _rows(db_path: Path, sql: str) -> list[tuple[object, ...]]:
    with sqlite3.connect(db_path) as conn:
        rows = list(conn.execute(sql))
    conn.close()
    return rows


async def test_a_flush_of_any_size_writes_every_row_once(
    open_engine: OpenEngine, db_path: Path
) -> None:
    """Sizes that take every statement width (256, 32, 4, 1 rows) and their remainders."""
    async with open_engine(flush_interval=3600, history_limit=2) as engine:
        ctxs = [StateCtx.new(f"s{i}", annotations={"n": str(i)}) for i in range(293)]
        for ctx in ctxs:
            await engine.do(commit(park(ctx)))
        for ctx in ctxs[:291]:  # supersede (and so delete) 291 of them below the retention
            ctx.current.annotations["n"] = "again"
            await engine.do(commit(park(ctx)))
        for ctx in ctxs[:37]:
            await engine.do(commit(delay(ctx, "park", 3600)))
        await snapshots_of(engine).flush()
        latest = {s.id: (s.rev, dict(s.annotations)) for s in engine.driver.latest_states()}
    rows = _rows(db_path, "SELECT id, rev FROM states ORDER BY rev")
    assert {id: rev for id, rev in rows} == {id: rev for id, (rev, _) in latest.items()}
    assert len(rows) == 293
    assert len(_rows(db_path, "SELECT seq FROM delays")) == 37
    async with open_engine(flush_interval=3600, history_limit=2) as engine:
        again = {s.id: (s.rev, dict(s.annotations)) for s in engine.driver.latest_states()}
        assert again == latest


async def test_a_delay_that_fires_before_the_flush_is_never_written(
    open_engine: OpenEngine, db_path: Path, clock: FakeClock
) -> None:
    """Its row would be inserted and deleted in one transaction: neither is written."""
    async with open_engine(flush_interval=3600) as engine:
        short, long = StateCtx.new("short"), StateCtx.new("long")
        await engine.do(commit(park(short), delay(short, "park", 1)))
        await engine.do(commit(park(long), delay(long, "park", 100)))
        await clock.advance(2)  # the short one fires (and its flow parks it) unflushed
        await engine.wait_idle()
        snapshots = snapshots_of(engine)
        written = snapshots.rows_written
        await snapshots.flush()
        # the short delay's row is not among them: states short x2 + long x1, one delay
        assert snapshots.rows_written - written == 3 + 1
    assert [id for (id,) in _rows(db_path, "SELECT id FROM delays")] == ["long"]


async def test_a_delay_written_before_it_fires_is_deleted(
    open_engine: OpenEngine, db_path: Path, clock: FakeClock
) -> None:
    async with open_engine(flush_interval=3600) as engine:
        ctx = StateCtx.new("a")
        await engine.do(commit(park(ctx), delay(ctx, "park", 1)))
        await snapshots_of(engine).flush()
        assert len(_rows(db_path, "SELECT seq FROM delays")) == 1
        await clock.advance(2)
        await engine.wait_idle()
        await snapshots_of(engine).flush()
    assert _rows(db_path, "SELECT seq FROM delays") == []
