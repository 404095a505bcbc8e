"""A new engine on the same file continues where the stopped one left off."""

from __future__ import annotations

import asyncio
import sqlite3
from pathlib import Path
from typing import Any

from flowstate import (
    Data,
    Engine,
    FlowRegistry,
    StateCtx,
    commit,
    delay,
    get_data,
    get_state_by_id,
    get_states,
    park,
    store_data,
    transit,
)
from flowstate.testing import FakeClock

from .conftest import OpenEngine, snapshots_of


async def test_states_history_and_data_survive_a_restart(open_engine: OpenEngine) -> None:
    """Latest versions, the whole history, labels, annotations and data come back equal."""
    async with open_engine() as engine:
        for i in range(3):
            ctx = StateCtx.new(f"game-{i}", labels={"kind": "game"}, annotations={"n": str(i)})
            ctx.set_data("board", Data(b"board %d" % i, {"size": "9"}))
            await engine.do(commit(store_data(ctx, "board"), park(ctx)))
            ctx.current.annotations["moves"] = "1"
            await engine.do(commit(park(ctx)))
        before = get_states(limit=100)
        await engine.do(before)
        head = engine.driver.head_rev

    async with open_engine() as engine:
        after = get_states(limit=100)
        await engine.do(after)
        assert after.result is not None and before.result is not None
        assert len(after.result.states) == 6
        assert after.result.states == before.result.states
        assert engine.driver.head_rev == head
        ctx = StateCtx()
        await engine.do(get_state_by_id(ctx, "game-1"), get_data(ctx, "board"))
        assert ctx.current.annotations["moves"] == "1"
        assert ctx.data("board").blob == b"board 1"
        assert ctx.data("board").annotations == {"size": "9"}
        # counters continue: the next commit gets the next rev, the next data the next rev
        ctx.data("board").blob = b"changed"
        await engine.do(commit(store_data(ctx, "board"), park(ctx)))
        assert engine.driver.head_rev == head + 1
        assert ctx.data("board").rev == 4


async def test_pending_delay_fires_at_its_time_after_a_restart(
    open_engine: OpenEngine, registry: FlowRegistry, clock: FakeClock
) -> None:
    """A delay due in 60 s, restarted at 30 s, fires at 60 s on the clock, not before."""
    fired: list[float] = []

    async def ring(ctx: StateCtx, engine: Engine) -> Any:
        fired.append(clock.now())
        return commit(park(ctx))  # (a bare park would leave it in flight: resumed at start)

    registry.set_flow("ring", ring)
    start = clock.now()
    async with open_engine() as engine:
        await engine.do(delay(StateCtx.new("alarm"), "ring", 60))
    await clock.advance(30)
    async with open_engine() as engine:
        assert engine.delayer_stats().pending == 1
        await clock.advance(29)
        assert fired == []
        await clock.advance(1)
        assert fired == [start + 60]
    async with open_engine() as engine:
        assert engine.delayer_stats().pending == 0, "the fired delay is gone from the file"


async def test_overdue_delays_fire_at_once_after_a_restart(
    open_engine: OpenEngine, registry: FlowRegistry, clock: FakeClock
) -> None:
    """Delays that fell due while no engine ran fire as soon as the new engine starts."""
    fired: list[str] = []

    async def ring(ctx: StateCtx, engine: Engine) -> Any:
        fired.append(ctx.current.id)
        return park(ctx)

    registry.set_flow("ring", ring)
    async with open_engine() as engine:
        await engine.do(delay(StateCtx.new("a"), "ring", 10), delay(StateCtx.new("b"), "ring", 20))
    await clock.advance(100)
    async with open_engine() as engine:
        await clock.advance(0)
        assert sorted(fired) == ["a", "b"]
        # delay seqs continue after the removed ones
        await engine.do(delay(StateCtx.new("c"), "ring", 5))
        await clock.advance(5)
        assert fired[-1] == "c"


async def test_recovery_reruns_states_left_in_flight(
    open_engine: OpenEngine, registry: FlowRegistry, clock: FakeClock
) -> None:
    """A state committed towards a flow that never ran is re-executed after the restart."""
    runs: list[str] = []

    async def work(ctx: StateCtx, engine: Engine) -> Any:
        runs.append(ctx.current.id)
        return commit(park(ctx))

    registry.set_flow("work", work)
    async with open_engine() as engine:
        await engine.do(commit(transit(StateCtx.new("job"), "work")))  # committed, never run
    assert runs == []
    async with open_engine() as engine:
        await clock.advance(121)
        assert runs == ["job"]
        ctx = StateCtx()
        await engine.do(get_state_by_id(ctx, "job"))
        assert ctx.current.transition.to == ""  # parked by the re-run
        assert engine.recovery_stats().retried == 1


async def test_history_beyond_the_retention_is_deleted_from_the_file(
    open_engine: OpenEngine, db_path: Path
) -> None:
    """With history_limit=5 the file keeps 5 versions plus the latest version of each state."""
    async with open_engine(history_limit=5) as engine:
        ctxs = [StateCtx.new(f"s{i}") for i in range(4)]
        for ctx in ctxs:
            await engine.do(commit(park(ctx)))
        for _ in range(10):
            await engine.do(commit(park(ctxs[0])))  # only s0 moves on
        await snapshots_of(engine).flush()
        oldest = engine.driver.oldest_rev
    with sqlite3.connect(db_path) as conn:
        revs = [rev for (rev,) in conn.execute("SELECT rev FROM states ORDER BY rev")]
    conn.close()
    assert oldest == 10
    assert revs == [2, 3, 4, *range(10, 15)]
    async with open_engine(history_limit=5) as engine:
        assert engine.driver.oldest_rev == 10
        latest = {s.id: s.rev for s in engine.driver.latest_states()}
        assert latest == {"s0": 14, "s1": 2, "s2": 3, "s3": 4}
        page = get_states(since_rev=9)
        await engine.do(page)
        assert page.result is not None
        assert [s.rev for s in page.result.states] == list(range(10, 15))
        # a latest version kept below the retention goes once it is superseded
        ctx = StateCtx()
        await engine.do(get_state_by_id(ctx, "s1"), commit(park(ctx)))
        await snapshots_of(engine).flush()
    with sqlite3.connect(db_path) as conn:
        revs = [rev for (rev,) in conn.execute("SELECT rev FROM states ORDER BY rev")]
    conn.close()
    assert revs == [3, 4, *range(11, 16)]


async def test_default_mode_acknowledges_before_disk(open_engine: OpenEngine) -> None:
    """A default-mode commit returns at memory speed; the writer flushes it afterwards."""
    async with open_engine(flush_interval=3600) as engine:
        snapshots = snapshots_of(engine)
        await engine.do(commit(park(StateCtx.new("a"))))
        assert snapshots.queued_batches == 1
        assert snapshots.durable_ticket == 0
        await snapshots.flush()
        assert snapshots.queued_batches == 0
        assert snapshots.durable_ticket == 1


async def test_the_writer_flushes_on_its_own(open_engine: OpenEngine) -> None:
    """Without any waiter, the background writer writes within its interval."""
    async with open_engine(flush_interval=0.001) as engine:
        snapshots = snapshots_of(engine)
        await engine.do(commit(park(StateCtx.new("a"))))
        async with asyncio.timeout(5):  # a guard only: the writer wakes the waiter
            assert await snapshots.wait_flush_attempt() is None
        assert (snapshots.durable_ticket, snapshots.queued_batches) == (1, 0)
        assert snapshots.synchronous == "NORMAL"


async def test_durable_commit_waits_for_its_batch(open_engine: OpenEngine, db_path: Path) -> None:
    """commit(..., durable=True) returns only once its row is in the file."""
    async with open_engine(flush_interval=3600) as engine:
        await engine.do(commit(park(StateCtx.new("a"))))
        await engine.do(commit(park(StateCtx.new("b")), durable=True))
        with sqlite3.connect(db_path) as conn:
            ids = [i for (i,) in conn.execute("SELECT id FROM states ORDER BY rev")]
        conn.close()
        assert ids == ["a", "b"]  # the earlier batch goes with it


async def test_strict_engine_waits_for_every_commit(open_engine: OpenEngine) -> None:
    """Engine(durability="strict") makes every commit wait, fsynced (synchronous=FULL)."""
    async with open_engine(flush_interval=3600, engine_durability="strict") as engine:
        snapshots = snapshots_of(engine)
        await engine.do(commit(park(StateCtx.new("a"))))
        assert (snapshots.queued_batches, snapshots.durable_ticket) == (0, 1)
        assert snapshots.synchronous == "FULL"


async def test_strict_engine_waits_for_a_bare_delay_and_store_data(
    open_engine: OpenEngine,
) -> None:
    """Strict durability covers a delay or a store_data committed on its own too."""
    async with open_engine(flush_interval=3600, engine_durability="strict") as engine:
        snapshots = snapshots_of(engine)
        ctx = StateCtx.new("alarm")
        await engine.do(delay(ctx, "ring", 60))
        assert (snapshots.queued_batches, snapshots.durable_ticket) == (0, 1)
        ctx.datas["doc"] = Data(b"payload")
        await engine.do(store_data(ctx, "doc"))
        assert (snapshots.queued_batches, snapshots.durable_ticket) == (0, 2)


async def test_strict_store_makes_every_commit_wait(open_engine: OpenEngine) -> None:
    """SqliteSnapshots(durability="strict") under a default engine waits too."""
    async with open_engine(flush_interval=3600, durability="strict") as engine:
        snapshots = snapshots_of(engine)
        await engine.do(commit(park(StateCtx.new("a"))))
        assert (snapshots.queued_batches, snapshots.durable_ticket) == (0, 1)


async def test_concurrent_strict_commits_share_flushes(open_engine: OpenEngine) -> None:
    """Group commit: 200 concurrent strict commits need far fewer than 200 transactions."""
    async with open_engine(flush_interval=3600, engine_durability="strict") as engine:
        snapshots = snapshots_of(engine)

        async def one(i: int) -> None:
            await engine.do(commit(park(StateCtx.new(f"s{i}"))))

        async with asyncio.TaskGroup() as group:
            for i in range(200):
                group.create_task(one(i))
        assert snapshots.durable_ticket == 200
        assert snapshots.flushes <= 3, snapshots.flushes
