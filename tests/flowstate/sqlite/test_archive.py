"""Archived states leave the memory driver once they are older than the retained history and
on disk, are read back from the file when asked for, and are not loaded at start."""

from __future__ import annotations

import sqlite3
from pathlib import Path

import pytest

from flowstate import (
    Data,
    Engine,
    MemoryDriver,
    RevMismatchError,
    StateCtx,
    archived,
    commit,
    get_state_by_id,
    get_states,
    mark_archived,
    park,
    store_data,
    transit,
)

from .conftest import OpenEngine, snapshots_of

HISTORY = 5


def _memory(engine: Engine) -> MemoryDriver:
    driver = engine.driver
    assert isinstance(driver, MemoryDriver)
    return driver


async def _finish(engine: Engine, id: str) -> StateCtx:
    """A game played (one version) then finished and archived (a second one)."""
    ctx = StateCtx.new(id, labels={"kind": "game", "phase": "playing"})
    await engine.do(commit(park(ctx)))
    ctx.current.labels = {"kind": "game", "phase": "finished"}
    ctx.current.annotations = {"result": f"{id} won"}
    mark_archived(ctx)
    await engine.do(commit(park(ctx)))
    return ctx


async def _ordinary(engine: Engine, n: int, prefix: str = "live") -> list[StateCtx]:
    """`n` commits of states that stay in memory (they push the archived ones out of the
    history window)."""
    made = []
    for i in range(n):
        ctx = StateCtx.new(f"{prefix}-{i}", labels={"kind": "game", "phase": "playing"})
        await engine.do(commit(park(ctx)))
        made.append(ctx)
    return made


async def _all_latest(engine: Engine, labels: dict[str, str], limit: int) -> list[tuple[str, int]]:
    """Every latest version matching `labels`, paged `limit` at a time from rev 0."""
    seen: list[tuple[str, int]] = []
    since = 0
    while True:
        cmd = get_states(labels, since_rev=since, latest_only=True, limit=limit)
        await engine.do(cmd)
        assert cmd.result is not None
        seen.extend((s.id, s.rev) for s in cmd.result.states)
        if cmd.result.states:
            since = cmd.result.states[-1].rev
        if not cmd.result.more:
            return seen


async def test_archived_states_leave_memory_and_are_read_back(open_engine: OpenEngine) -> None:
    async with open_engine(history_limit=HISTORY, flush_interval=3600) as engine:
        driver = _memory(engine)
        games = [await _finish(engine, f"g{i}") for i in range(8)]
        live = await _ordinary(engine, HISTORY + 1)
        # out of the history but not on disk yet: still in memory
        assert driver.archived_states == 0
        await snapshots_of(engine).flush()
        await _ordinary(engine, 1, "next")  # eviction happens at a commit
        assert driver.archived_states == 8
        assert driver.resident_states == len(live) + 1
        assert driver.get("g3") is None  # the synchronous twin sees memory only

        ctx = StateCtx()
        await engine.do(get_state_by_id(ctx, "g3"))
        assert ctx.committed == games[3].committed
        assert archived(ctx.committed)
        exact = StateCtx()
        await engine.do(get_state_by_id(exact, "g3", games[3].committed.rev))
        assert exact.committed.rev == games[3].committed.rev

        # latest_only over the trimmed history: hot and cold merged in rev order, paged
        expected = sorted([(g.committed.id, g.committed.rev) for g in games]
                          + [(c.committed.id, c.committed.rev) for c in live]
                          + [("next-0", driver.latest_rev("next-0"))], key=lambda p: p[1])
        for limit in (1, 3, 50):
            assert await _all_latest(engine, {"kind": "game"}, limit) == expected
        finished = await _all_latest(engine, {"kind": "game", "phase": "finished"}, 2)
        assert finished == [(g.committed.id, g.committed.rev) for g in games]

        # the rev check holds for a state out of memory
        stale = StateCtx.from_state(games[5].committed)
        stale.committed = stale.committed.copy()
        stale.committed.rev -= 1
        with pytest.raises(RevMismatchError):
            await engine.do(commit(park(stale)))
        with pytest.raises(RevMismatchError):
            await engine.do(commit(park(StateCtx.new("g5"))))  # "must not exist yet"
        reopened = StateCtx.from_state(games[5].committed)
        reopened.current.annotations = {}
        await engine.do(commit(park(reopened)))
        assert driver.archived_states == 7
        assert driver.get("g5") == reopened.committed


async def test_what_is_in_flight_or_holds_data_stays_in_memory(open_engine: OpenEngine) -> None:
    async with open_engine(history_limit=HISTORY, flush_interval=3600) as engine:
        driver = _memory(engine)
        flying = StateCtx.new("flying")
        mark_archived(flying)
        engine.registry.set_flow("elsewhere", lambda ctx, e: park(ctx))  # type: ignore[arg-type,return-value]
        await engine.do(commit(transit(flying, "elsewhere")))
        holding = StateCtx.new("holding")
        holding.set_data("blob", Data(b"x"))
        mark_archived(holding)
        await engine.do(commit(store_data(holding, "blob"), park(holding)))
        await _ordinary(engine, HISTORY + 1)
        await snapshots_of(engine).flush()
        await _ordinary(engine, 1, "next")
        assert driver.archived_states == 0
        assert driver.get("flying") is not None and driver.get("holding") is not None


async def test_a_restart_loads_archived_states_by_id_and_rev_only(
    open_engine: OpenEngine, db_path: Path
) -> None:
    async with open_engine(history_limit=HISTORY) as engine:
        games = [await _finish(engine, f"g{i}") for i in range(6)]
        await _ordinary(engine, HISTORY + 1)
        head = engine.driver.head_rev

    async with open_engine(history_limit=HISTORY, flush_interval=3600) as engine:
        driver = _memory(engine)
        assert driver.archived_states == 6
        assert driver.resident_states == HISTORY + 1
        assert engine.driver.head_rev == head
        ctx = StateCtx()
        await engine.do(get_state_by_id(ctx, "g2"))
        assert ctx.committed == games[2].committed
        # a new version of one of them supersedes its row on disk
        reopened = StateCtx.from_state(ctx.committed)
        reopened.current.annotations = {}
        await engine.do(commit(park(reopened)))
        assert driver.archived_states == 5
        await snapshots_of(engine).flush()
    with sqlite3.connect(db_path) as conn:
        rows = conn.execute("SELECT rev, cold IS NOT NULL FROM states WHERE id = 'g2'").fetchall()
    conn.close()
    assert rows == [(reopened.committed.rev, 0)]

    async with open_engine(history_limit=HISTORY) as engine:
        assert _memory(engine).archived_states == 5
        assert _memory(engine).get("g2") == reopened.committed


async def test_archived_versions_within_the_history_are_loaded_and_evicted_later(
    open_engine: OpenEngine
) -> None:
    async with open_engine(history_limit=HISTORY) as engine:
        game = await _finish(engine, "g")
    async with open_engine(history_limit=HISTORY) as engine:
        driver = _memory(engine)
        assert driver.get("g") == game.committed  # still in the retained history
        await _ordinary(engine, HISTORY + 1)
        assert driver.archived_states == 1  # it was on disk already: it goes at once
        ctx = StateCtx()
        await engine.do(get_state_by_id(ctx, "g"))
        assert ctx.committed == game.committed


@pytest.mark.parametrize("labels", [{"kind": "game"}, {"a.b": "x", "kind": "game"},
                                    {'q"k': "y"}, {"back\\slash": "z"}, {"ü": "ß"}])
async def test_queries_over_archived_states_filter_any_label(
    open_engine: OpenEngine, labels: dict[str, str]
) -> None:
    """The labels of archived states are filtered in SQL where a JSON path can say them and
    in Python where not: either way exactly the matching states come back."""
    async with open_engine(history_limit=HISTORY, flush_interval=3600) as engine:
        driver = _memory(engine)
        wanted = []
        for i in range(4):
            for match in (True, False):
                ctx = StateCtx.new(f"s{i}{match}", labels=labels if match else {"kind": "x"})
                mark_archived(ctx)
                await engine.do(commit(park(ctx)))
                if match:
                    wanted.append((ctx.committed.id, ctx.committed.rev))
        await _ordinary(engine, HISTORY + 1, "pad")
        await snapshots_of(engine).flush()
        await _ordinary(engine, 1, "next")
        assert driver.archived_states == 8
        found = await _all_latest(engine, labels, 3)
        assert [pair for pair in found if pair[0].startswith("s")] == wanted  # not pad-*
        either = get_states([labels, {"kind": "x"}], latest_only=True, limit=100)
        await engine.do(either)
        assert either.result is not None
        assert len([s for s in either.result.states if s.id.startswith("s")]) == 8
