"""An engine restarted on the same storage carries on: the log, data, the rev counter,
watchers and in-flight delays (recovery after a restart is in test_recovery.py)."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import pytest

from flowstate import (
    Command,
    Data,
    Engine,
    FlowRegistry,
    RevMismatchError,
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

from .support import all_states, collect, view


async def test_log_data_and_revs_survive_restart(
    driver: Any, reopen_driver: Callable[[Any], Any], registry: FlowRegistry, clock: FakeClock
) -> None:
    """After a restart the log is identical, data loads, and new revs continue the counter."""
    async with Engine(driver, registry, clock=clock) as engine:
        ctx = StateCtx.new("aTID", labels={"k": "v"})
        ctx.datas["doc"] = Data(blob=b"hello")
        await engine.do(commit(store_data(ctx, "doc"), park(ctx)))
        await engine.do(commit(transit(ctx, "elsewhere")))
        await engine.do(commit(park(StateCtx.new("bTID"))))
        before = [view(s) for s in await all_states(engine)]

    # aTID is left in flight (at "elsewhere"): resume=False keeps the restarted engine from
    # resuming it at once, which would add versions (resuming is tested in test_recovery.py)
    async with Engine(reopen_driver(driver), registry, clock=clock, resume=False) as engine:
        assert [view(s) for s in await all_states(engine)] == before

        loaded = StateCtx()
        await engine.do(get_state_by_id(loaded, "aTID", before[0][1]), get_data(loaded, "doc"))
        assert loaded.datas["doc"].blob == b"hello"

        fresh = StateCtx.new("cTID")
        await engine.do(commit(park(fresh)))
        assert fresh.committed.rev > max(v[1] for v in before)  # type: ignore[type-var]

        async with engine.watch(get_states({"k": "v"})) as watcher:
            assert [s.rev for s in await collect(watcher, 2)] == [before[0][1], before[1][1]]


async def test_stale_ctx_still_conflicts_after_restart(
    driver: Any, reopen_driver: Callable[[Any], Any], registry: FlowRegistry, clock: FakeClock
) -> None:
    """Rev checks hold across a restart: a ctx from before a later commit stays stale."""
    async with Engine(driver, registry, clock=clock) as engine:
        ctx = StateCtx.new("aTID")
        await engine.do(commit(park(ctx)))
        stale = ctx.copy()
        await engine.do(commit(park(ctx)))

    async with Engine(reopen_driver(driver), registry, clock=clock) as engine:
        with pytest.raises(RevMismatchError) as caught:
            await engine.do(commit(park(stale)))
        assert caught.value.ids == ("aTID",)
        await engine.do(commit(park(ctx)))


async def test_pending_delay_fires_after_restart(
    driver: Any, reopen_driver: Callable[[Any], Any], registry: FlowRegistry, clock: FakeClock
) -> None:
    """A delay not yet due when the engine stops fires on time under the next engine."""
    ran: list[float] = []

    async def later(ctx: StateCtx, engine: Engine) -> Command:
        ran.append(clock.now())
        return commit(park(ctx))

    registry.set_flow("later", later)
    start = clock.now()
    async with Engine(driver, registry, clock=clock) as engine:
        ctx = StateCtx.new("aTID")
        await engine.do(commit(park(ctx), delay(ctx, "later", 60)))
        await clock.advance(30)

    async with Engine(reopen_driver(driver), registry, clock=clock) as engine:
        await clock.advance(29)
        assert ran == []
        await clock.advance(1)
        assert ran == [start + 60]
        assert engine.delayer_stats().pending == 0
