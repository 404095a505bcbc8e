"""Retry policies, concurrency limits, resuming in-flight work at start and listing pending
delays: on every driver."""

from __future__ import annotations

import asyncio
from collections.abc import Callable
from typing import Any

import pytest

from flowstate import (
    Command,
    Engine,
    FlowRegistry,
    RetryPolicy,
    StateCtx,
    UsageError,
    commit,
    delay,
    execute,
    get_delayed_states,
    get_state_by_id,
    get_states,
    park,
    parked,
    transit,
)
from flowstate.testing import FakeClock

from .support import GUARD_SECONDS


async def latest(engine: Engine, state_id: str) -> StateCtx:
    ctx = StateCtx()
    await engine.do(get_state_by_id(ctx, state_id))
    return ctx


async def test_retry_policy_retries_with_backoff_then_succeeds(
    engine: Engine, registry: FlowRegistry, clock: FakeClock
) -> None:
    """A flow that fails twice runs again after 1 s, then 2 s more, and then parks."""
    start = clock.now()
    runs: list[float] = []

    async def flaky(ctx: StateCtx, engine: Engine) -> Command:
        runs.append(clock.now() - start)
        if len(runs) < 3:
            raise ConnectionError(f"upstream down (try {len(runs)})")
        return commit(park(ctx, {"ok": "yes"}))

    registry.set_flow("flaky", flaky, retry=RetryPolicy(attempts=5, backoff=1, multiplier=2))
    ctx = StateCtx.new("job")
    await engine.do(commit(transit(ctx, "flaky")))
    await engine.execute(ctx)  # the error is handled by the policy: nothing propagates
    retry = await latest(engine, "job")
    assert retry.committed.transition.annotations["flowstate.retry.attempt"] == "2"
    assert retry.committed.transition.annotations["flowstate.retry.error"] == (
        "ConnectionError: upstream down (try 1)"
    )
    await clock.advance(10)
    assert runs == [0, 1, 3]
    done = await latest(engine, "job")
    assert parked(done.committed) and done.committed.annotation("ok") == "yes"


async def test_retry_policy_parks_a_dead_letter_with_the_error(
    engine: Engine, registry: FlowRegistry, clock: FakeClock
) -> None:
    """After `attempts` failures the state is parked, labelled and annotated as dead."""
    runs: list[int] = []

    async def broken(ctx: StateCtx, engine: Engine) -> Command:
        runs.append(1)
        raise ValueError("bad input 42")

    registry.set_flow("broken", broken, retry=RetryPolicy(attempts=3, backoff=5))
    ctx = StateCtx.new("job", labels={"kind": "import"})
    await engine.do(commit(transit(ctx, "broken")), execute(ctx))
    await clock.advance(60)
    assert len(runs) == 3
    dead = (await latest(engine, "job")).committed
    assert parked(dead)
    assert dead.labels == {"kind": "import", "flowstate.dead_letter": "broken"}
    assert dict(dead.transition.annotations) == {
        "flowstate.retry.attempt": "3",
        "flowstate.retry.error": "ValueError: bad input 42",
        "flowstate.dead_letter": "broken",
    }
    listed = get_states({"flowstate.dead_letter": "broken"})
    await engine.do(listed)
    assert [s.id for s in listed.must_result().states] == ["job"]
    assert engine.delayer_stats().pending == 0


def test_retry_policy_refuses_nonsense() -> None:
    """Policies are validated where they are written."""
    for bad, message in (
        ({"attempts": 0}, "attempts must be >= 1"),
        ({"backoff": -1}, "must be >= 0"),
        ({"multiplier": 0.5}, "multiplier must be >= 1"),
    ):
        with pytest.raises(UsageError, match=message):
            RetryPolicy(**bad)  # type: ignore[arg-type]
    with pytest.raises(UsageError, match="concurrency must be"):
        FlowRegistry().set_flow("f", _noop, concurrency=0)


async def _noop(ctx: StateCtx, engine: Engine) -> Command:
    return park(ctx)


async def test_concurrency_limit_caps_engine_started_executions(
    engine: Engine, registry: FlowRegistry, clock: FakeClock
) -> None:
    """10 queued jobs for a flow limited to 2: never more than 2 run at once, all 10 run."""
    running: list[str] = []
    peak = [0]
    release = asyncio.Event()
    finished: list[str] = []

    async def work(ctx: StateCtx, engine: Engine) -> Command:
        running.append(ctx.current.id)
        peak[0] = max(peak[0], len(running))
        await release.wait()
        running.remove(ctx.current.id)
        finished.append(ctx.current.id)
        return commit(park(ctx))

    registry.set_flow("work", work, concurrency=2)
    cmds: list[Command] = []
    for n in range(10):
        job = StateCtx.new(f"job{n}")
        cmds += [transit(job, "work"), delay(job, "work", 0)]
    await engine.do(commit(*cmds))
    async with asyncio.timeout(GUARD_SECONDS * 10):
        while len(running) < 2:
            await clock.advance(0)
        assert len(running) == 2
        release.set()
        while len(finished) < 10:
            await clock.advance(0)
    assert peak[0] == 2
    assert engine.delayer_stats().pending == 0


async def test_in_flight_states_resume_at_start(
    driver: Any, reopen_driver: Callable[[Any], Any], registry: FlowRegistry, clock: FakeClock
) -> None:
    """A state left in flight runs as soon as the next engine starts (no retry_after wait),
    once; a state waiting on its retry delay is left to that delay (it runs once, at its
    time, not also at start)."""
    ran: list[tuple[str, float]] = []
    start = clock.now()

    async def step(ctx: StateCtx, engine: Engine) -> Command:
        ran.append((ctx.current.id, clock.now() - start))
        return commit(park(ctx))

    registry.set_flow("step", step)
    async with Engine(driver, registry, clock=clock) as engine:
        left = StateCtx.new("left-in-flight")
        await engine.do(commit(transit(left, "step")))  # committed, never executed
        waiting = StateCtx.new("retrying")
        await engine.do(commit(transit(waiting, "step"), delay(waiting, "step", 30)))

    async with Engine(reopen_driver(driver), registry, clock=clock) as engine:
        await clock.advance(0)
        assert ran == [("left-in-flight", 0)]
        assert engine.recovery_stats().resumed == 1
        await clock.advance(30)
        assert ran == [("left-in-flight", 0), ("retrying", 30)]
        await clock.advance(600)
        assert len(ran) == 2


async def test_get_delayed_states_lists_pending_delays(
    engine: Engine, clock: FakeClock
) -> None:
    """Pending delays, filtered by due time, ascending by seq, paged with since_seq."""
    now = clock.now()
    for n, seconds in enumerate((30, 10, 20, 40)):
        ctx = StateCtx.new(f"s{n}", labels={"n": str(n)})
        await engine.do(commit(park(ctx), delay(ctx, "later", seconds)))

    every = get_delayed_states()
    await engine.do(every)
    result = every.must_result()
    assert [d.state.id for d in result.delays] == ["s0", "s1", "s2", "s3"]
    assert [d.at for d in result.delays] == [now + 30, now + 10, now + 20, now + 40]
    assert all(d.commit and d.state.transition.to == "later" for d in result.delays)
    assert not result.more

    window = get_delayed_states(now + 15, now + 35)
    await engine.do(window)
    assert [d.state.id for d in window.must_result().delays] == ["s0", "s2"]

    first = get_delayed_states(limit=3)
    await engine.do(first)
    assert first.must_result().more
    rest = get_delayed_states(since_seq=first.must_result().delays[-1].seq)
    await engine.do(rest)
    assert [d.state.id for d in rest.must_result().delays] == ["s3"]
    with pytest.raises(UsageError, match="limit must be >= 1"):
        get_delayed_states(limit=0)
