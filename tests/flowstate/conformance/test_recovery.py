"""Crash recovery: the scenarios of the Go recoverer test (`recovery_synctest_test.go`), on a
FakeClock, counting with `engine.recovery_stats()`.

Go's `Commited` count is left out everywhere: it counts commits of the recoverer's own
bookkeeping state (`flowstate.recovery.meta`), which our design does not have. Go's
active/standby cases (two recoverers sharing one store) have no counterpart either: one engine
owns its store. Their point, that recovery resumes after the active process dies, is kept by
`test_recovery_resumes_after_restart`."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from flowstate import (
    Command,
    Engine,
    FlowRegistry,
    StateCtx,
    commit,
    disable_recovery,
    execute,
    get_state_by_id,
    noop,
    park,
    parked,
    set_max_recovery_attempts,
    set_retry_after,
    transit,
)
from flowstate.testing import FakeClock

HOUR = 3600.0


def stats(engine: Engine) -> dict[str, int]:
    s = engine.recovery_stats()
    return {"added": s.added, "retried": s.retried, "dropped": s.dropped, "completed": s.completed}


def expect(
    *, added: int = 0, retried: int = 0, dropped: int = 0, completed: int = 0
) -> dict[str, int]:
    return {"added": added, "retried": retried, "dropped": dropped, "completed": completed}


def _parking_flow(registry: FlowRegistry) -> list[str]:
    """Register `aFlow`, which commits a park; return the ids it ran for, in order."""
    ran: list[str] = []

    async def a_flow(ctx: StateCtx, engine: Engine) -> Command:
        ran.append(ctx.current.id)
        return commit(park(ctx))

    registry.set_flow("aFlow", a_flow)
    return ran


async def test_recovery_nothing_committed(
    engine: Engine, registry: FlowRegistry, clock: FakeClock
) -> None:
    """With no commits, recovery does nothing for an hour."""

    async def a_flow(ctx: StateCtx, engine: Engine) -> Command:
        raise AssertionError("no state was committed: no flow may run")

    registry.set_flow("aFlow", a_flow)
    await clock.advance(HOUR)
    assert stats(engine) == expect()


async def test_recovery_disabled_states_ignored(
    engine: Engine, registry: FlowRegistry, clock: FakeClock
) -> None:
    """States that opted out of recovery are not counted at all."""
    _parking_flow(registry)
    for i in range(100):
        ctx = StateCtx.new(f"aTID{i}")
        disable_recovery(ctx)
        await engine.do(commit(transit(ctx, "aFlow")))
        await engine.execute(ctx)

    await clock.advance(HOUR)
    assert stats(engine) == expect()


async def test_recovery_parked_states_completed(
    engine: Engine, registry: FlowRegistry, clock: FakeClock
) -> None:
    """Every committed park counts as completed; nothing is retried."""
    ran = _parking_flow(registry)
    for i in range(100):
        await engine.do(commit(park(StateCtx.new(f"aTID{i}"))))

    await clock.advance(HOUR)
    assert stats(engine) == expect(completed=100)
    assert ran == []


async def test_recovery_retries_state_never_executed(
    engine: Engine, registry: FlowRegistry, clock: FakeClock
) -> None:
    """A committed transit whose flow never ran is re-executed once retry_after passes."""
    ran = _parking_flow(registry)
    ctx = StateCtx.new("aTID")
    await engine.do(commit(transit(ctx, "aFlow")))

    await clock.advance(119)
    assert ran == []
    await clock.advance(1)
    assert ran == ["aTID"]

    await clock.advance(HOUR)
    # added twice: the first commit and the retry's own commit of the transition.
    assert stats(engine) == expect(added=2, retried=1, completed=1)


async def test_recovery_retries_every_fifth_state(
    engine: Engine, registry: FlowRegistry, clock: FakeClock
) -> None:
    """Of 100 committed transits, only the 20 never executed are retried."""
    ran = _parking_flow(registry)
    for i in range(100):
        ctx = StateCtx.new(f"aTID{i}")
        await engine.do(commit(transit(ctx, "aFlow")))
        if i % 5 != 0:
            await engine.execute(ctx)

    await clock.advance(HOUR)
    assert stats(engine) == expect(added=120, retried=20, completed=100)
    assert sorted(ran[80:]) == sorted(f"aTID{i}" for i in range(0, 100, 5))


async def _commit_never_finishing(
    engine: Engine, registry: FlowRegistry, max_attempts: int | None
) -> tuple[StateCtx, list[str]]:
    ran: list[str] = []

    async def a_flow(ctx: StateCtx, engine: Engine) -> Command:
        ran.append(ctx.current.id)
        return noop()

    registry.set_flow("aFlow", a_flow)
    ctx = StateCtx.new("aTID")
    if max_attempts is not None:
        set_max_recovery_attempts(ctx, max_attempts)
    await engine.do(commit(transit(ctx, "aFlow")))
    return ctx, ran


async def test_recovery_default_max_attempts(
    engine: Engine, registry: FlowRegistry, clock: FakeClock
) -> None:
    """A flow that never commits is retried 3 times, then the state is parked (dropped)."""
    _, ran = await _commit_never_finishing(engine, registry, None)

    await clock.advance(HOUR)

    assert ran == ["aTID"] * 3
    assert stats(engine) == expect(added=4, retried=3, dropped=1, completed=1)
    found = StateCtx()
    await engine.do(get_state_by_id(found, "aTID"))
    assert parked(found.committed)


async def test_recovery_custom_max_attempts(
    engine: Engine, registry: FlowRegistry, clock: FakeClock
) -> None:
    """set_max_recovery_attempts(ctx, 4) allows four retries before the state is parked."""
    _, ran = await _commit_never_finishing(engine, registry, 4)

    await clock.advance(HOUR)

    assert ran == ["aTID"] * 4
    assert stats(engine) == expect(added=5, retried=4, dropped=1, completed=1)


async def test_recovery_retries_with_new_commits(
    engine: Engine, registry: FlowRegistry, clock: FakeClock
) -> None:
    """States committed every 30 s while recovery runs are each retried once."""
    ran = _parking_flow(registry)
    for i in range(30):
        await engine.do(commit(transit(StateCtx.new(f"aTID{i}"), "aFlow")))
        await clock.advance(30)

    await clock.advance(HOUR)
    assert stats(engine) == expect(added=60, retried=30, completed=30)
    assert len(ran) == 30


async def test_recovery_many_states(
    engine: Engine, registry: FlowRegistry, clock: FakeClock
) -> None:
    """1500 states executed to completion are all added and completed, none retried."""
    _parking_flow(registry)
    for i in range(1500):
        ctx = StateCtx.new(f"aTID{i}")
        await engine.do(commit(transit(ctx, "aFlow")))
        await engine.execute(ctx)

    await clock.advance(HOUR)
    assert stats(engine) == expect(added=1500, completed=1500)


async def _execute_after(
    engine: Engine,
    registry: FlowRegistry,
    clock: FakeClock,
    seconds: float,
    retry_after: float | None,
) -> list[str]:
    ran = _parking_flow(registry)
    ctxs = [StateCtx.new(f"aTID{i}") for i in range(10)]
    for ctx in ctxs:
        if retry_after is not None:
            set_retry_after(ctx, retry_after)
        await engine.do(commit(transit(ctx, "aFlow")))
    await clock.advance(seconds)
    for ctx in ctxs:
        # After a retry took the state over, this late execution's commit conflicts and
        # the execution ends quietly.
        await engine.execute(ctx)
    await clock.advance(HOUR)
    return ran


async def test_recovery_default_retry_after_not_reached(
    engine: Engine, registry: FlowRegistry, clock: FakeClock
) -> None:
    """States executed 110 s after their commit (default retry_after 120 s) are not retried."""
    await _execute_after(engine, registry, clock, 110, None)
    assert stats(engine) == expect(added=10, completed=10)


async def test_recovery_default_retry_after_reached(
    engine: Engine, registry: FlowRegistry, clock: FakeClock
) -> None:
    """States still unexecuted 150 s after their commit were retried at 120 s."""
    ran = await _execute_after(engine, registry, clock, 150, None)
    assert stats(engine) == expect(added=20, retried=10, completed=10)
    assert len(ran) == 20


async def test_recovery_custom_retry_after_not_reached(
    engine: Engine, registry: FlowRegistry, clock: FakeClock
) -> None:
    """With set_retry_after(ctx, 60), executing after 50 s means no retry."""
    await _execute_after(engine, registry, clock, 50, 60)
    assert stats(engine) == expect(added=10, completed=10)


async def test_recovery_custom_retry_after_reached(
    engine: Engine, registry: FlowRegistry, clock: FakeClock
) -> None:
    """With set_retry_after(ctx, 60), states unexecuted after 90 s were retried at 60 s."""
    await _execute_after(engine, registry, clock, 90, 60)
    assert stats(engine) == expect(added=20, retried=10, completed=10)


async def test_recovery_resumes_after_restart(
    driver: Any,
    reopen_driver: Callable[[Any], Any],
    registry: FlowRegistry,
    clock: FakeClock,
) -> None:
    """States left in flight by a stopped engine are retried by the next engine on the store."""
    ran = _parking_flow(registry)
    async with Engine(driver, registry, clock=clock) as engine:
        for i in range(30):
            await engine.do(commit(transit(StateCtx.new(f"aTID{i}"), "aFlow")))
            await clock.advance(1)

    async with Engine(reopen_driver(driver), registry, clock=clock) as engine:
        await clock.advance(HOUR)
        assert engine.recovery_stats().retried == 30
        assert sorted(ran) == sorted(f"aTID{i}" for i in range(30))


async def test_recovery_retries_crashed_execution(
    engine: Engine, registry: FlowRegistry, clock: FakeClock
) -> None:
    """An engine-run execution whose flow raises is retried once retry_after has passed."""
    calls: list[float] = []
    start = clock.now()

    async def flaky(ctx: StateCtx, engine: Engine) -> Command:
        calls.append(clock.now() - start)
        if len(calls) == 1:
            raise RuntimeError("crashed mid-flow")
        return commit(park(ctx))

    registry.set_flow("aFlow", flaky)
    ctx = StateCtx.new("aTID")
    await engine.do(commit(transit(ctx, "aFlow")), execute(ctx))

    await clock.advance(HOUR)

    assert calls == [0, 120]
    assert stats(engine) == expect(added=2, retried=1, completed=1)


async def test_recovery_retry_after_is_clamped(
    engine: Engine, registry: FlowRegistry, clock: FakeClock
) -> None:
    """retry_after may be short (10 s retries at 10 s) and is capped at 300 s (1000 s: 300)."""
    start = clock.now()
    retried_at: dict[str, float] = {}

    async def a_flow(ctx: StateCtx, engine: Engine) -> Command:
        retried_at[ctx.current.id] = clock.now() - start
        return commit(park(ctx))

    registry.set_flow("aFlow", a_flow)
    for state_id, seconds in (("quick", 10), ("slow", 1000)):
        ctx = StateCtx.new(state_id)
        set_retry_after(ctx, seconds)
        await engine.do(commit(transit(ctx, "aFlow")))

    await clock.advance(HOUR)
    assert retried_at == {"quick": 10, "slow": 300}
