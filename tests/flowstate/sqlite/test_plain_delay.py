"""A plain delay (commit=False) fired on the memory driver: its removal is written with the
first commit its flow makes (one store write per firing, as a real-time game's tick needs),
or on its own when the flow commits nothing or fails; either way it fires once, also across
a restart."""

from __future__ import annotations

from typing import Any

import pytest

from flowstate import (
    Engine,
    FlowRegistry,
    StateCtx,
    commit,
    delay,
    noop,
    park,
)
from flowstate.testing import FakeClock

from .conftest import OpenEngine, snapshots_of


@pytest.fixture
def runs() -> list[str]:
    return []


@pytest.fixture
def registry(runs: list[str]) -> FlowRegistry:
    registry = FlowRegistry()

    async def writes(ctx: StateCtx, engine: Engine) -> Any:
        runs.append("writes")
        other = StateCtx.new(f"out-{len(runs)}")
        await engine.do(commit(park(other)))
        return noop()

    async def idle(ctx: StateCtx, engine: Engine) -> Any:
        runs.append("idle")
        return noop()

    async def fails(ctx: StateCtx, engine: Engine) -> Any:
        runs.append("fails")
        raise RuntimeError("the flow broke")

    for name, flow in (("writes", writes), ("idle", idle), ("fails", fails)):
        registry.set_flow(name, flow)
    return registry


async def _batches(engine: Engine) -> int:
    snapshots = snapshots_of(engine)
    await snapshots.flush()
    return snapshots.durable_ticket


@pytest.mark.parametrize(("flow", "writes"), [("writes", 1), ("idle", 1), ("fails", 1)])
async def test_a_firing_is_one_store_write(
    open_engine: OpenEngine, clock: FakeClock, runs: list[str], flow: str, writes: int
) -> None:
    async with open_engine() as engine:
        ctx = StateCtx.new("timer")
        await engine.do(commit(park(ctx), delay(ctx, flow, 5, commit=False)))
        before = await _batches(engine)
        await clock.advance(5)
        assert runs == [flow]
        assert await _batches(engine) - before == writes
        assert engine.driver.pending_delays == 0
    async with open_engine() as engine:  # removed on disk too: it does not fire again
        assert engine.driver.pending_delays == 0
        await clock.advance(10)
        assert runs == [flow]
