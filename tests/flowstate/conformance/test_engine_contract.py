"""Engine behaviour the contract promises beyond the Go cases: delays cancelled by later
commits, the FakeClock with long-running flows, shutdown, read-only stored versions,
slow watchers, and how an execution ends."""

from __future__ import annotations

import asyncio
from typing import Any

import pytest

from flowstate import (
    Command,
    Engine,
    FlowRegistry,
    MemoryDriver,
    StateCtx,
    WatcherLaggedError,
    commit,
    delay,
    delayed,
    disable_recovery,
    execute,
    get_state_by_id,
    get_states,
    noop,
    park,
    transit,
)
from flowstate.testing import FakeClock
from flowstate.watcher import Watcher

from .support import GUARD_SECONDS, all_states, collect, view


def _recording_flow(registry: FlowRegistry, flow_id: str) -> list[str]:
    ran: list[str] = []

    async def flow(ctx: StateCtx, engine: Engine) -> Command:
        ran.append(ctx.current.id)
        return commit(park(ctx, {"by": flow_id}))

    registry.set_flow(flow_id, flow)
    return ran


async def test_delay_cancelled_by_later_commit(
    engine: Engine, registry: FlowRegistry, clock: FakeClock
) -> None:
    """A committing delay is dropped silently once the state is committed again."""
    ran = _recording_flow(registry, "timeout")
    ctx = StateCtx.new("move")
    await engine.do(commit(park(ctx), delay(ctx, "timeout", 30)))
    await clock.advance(10)
    await engine.do(commit(park(ctx, {"moved": "yes"})))

    await clock.advance(60)

    assert ran == []
    stats = engine.delayer_stats()
    assert (stats.added, stats.fired, stats.dropped, stats.pending) == (1, 0, 1, 0)


async def test_delay_fires_when_state_untouched(
    engine: Engine, registry: FlowRegistry, clock: FakeClock
) -> None:
    """A committing delay fires on the version it was committed with, marked as delayed."""
    seen: list[bool] = []

    async def timeout(ctx: StateCtx, engine: Engine) -> Command:
        seen.append(delayed(ctx.current))
        return commit(park(ctx))

    registry.set_flow("timeout", timeout)
    ctx = StateCtx.new("move")
    await engine.do(commit(park(ctx), delay(ctx, "timeout", 30)))

    await clock.advance(29)
    assert seen == []
    await clock.advance(1)
    assert seen == [True]


async def test_delay_in_commit_does_not_depend_on_order(
    engine: Engine, registry: FlowRegistry, clock: FakeClock
) -> None:
    """A delay committed with a transit of its state fires whether listed before or after."""
    # The commit is one atomic step, not a sequence of versions.
    ran = _recording_flow(registry, "timeout")

    async def work(ctx: StateCtx, engine: Engine) -> Command:
        return noop()

    registry.set_flow("work", work)
    before, after = StateCtx.new("delayFirst"), StateCtx.new("transitFirst")
    disable_recovery(before)
    disable_recovery(after)
    await engine.do(commit(delay(before, "timeout", 10), transit(before, "work")))
    await engine.do(commit(transit(after, "work"), delay(after, "timeout", 10)))

    await clock.advance(10)

    assert sorted(ran) == ["delayFirst", "transitFirst"]


async def test_clock_advance_while_flow_waits_on_watcher(
    engine: Engine, registry: FlowRegistry, clock: FakeClock
) -> None:
    """FakeClock.advance returns while a long-running flow awaits a watcher."""
    # That flow is not something that "fell due"; the message it waits for comes from a delay.
    received: list[str] = []

    async def actor(ctx: StateCtx, engine: Engine) -> Command:
        async with engine.watch(get_states({"inbox": "actor"})) as inbox:
            async for message in inbox:
                received.append(message.id)
                break
        return commit(park(ctx))

    async def deliver(ctx: StateCtx, engine: Engine) -> Command:
        ctx.current.labels["inbox"] = "actor"
        return commit(park(ctx))

    registry.set_flow("actor", actor)
    registry.set_flow("deliver", deliver)
    actor_ctx = StateCtx.new("actorTID")
    await engine.do(commit(transit(actor_ctx, "actor")), execute(actor_ctx))
    await engine.do(delay(StateCtx.new("msgTID"), "deliver", 1))

    try:
        async with asyncio.timeout(GUARD_SECONDS):
            await clock.advance(1)
    except TimeoutError:
        # Unblock the actor so the engine can shut down, then report.
        await engine.do(commit(park(StateCtx.new("unblock", labels={"inbox": "actor"}))))
        pytest.fail("clock.advance(1) hung while a flow waited on a watcher")
    assert received == ["msgTID"]


async def test_shutdown_ends_flows_waiting_on_watchers(
    driver: Any, registry: FlowRegistry, clock: FakeClock
) -> None:
    """Shutdown does not wait out a flow blocked on a watcher (Go closes `stateCtx.Done()`)."""
    opened: list[Watcher] = []

    async def actor(ctx: StateCtx, engine: Engine) -> Command:
        async with engine.watch(get_states({"inbox": "nobody-writes-here"})) as inbox:
            opened.append(inbox)
            async for _ in inbox:
                pass
        return noop()

    registry.set_flow("actor", actor)
    engine = Engine(driver, registry, clock=clock)
    await engine.start()
    actor_ctx = StateCtx.new("actorTID")
    await engine.do(commit(transit(actor_ctx, "actor")), execute(actor_ctx))
    await asyncio.sleep(0)
    assert opened, "the actor flow did not start"

    shutdown = asyncio.create_task(engine.shutdown())
    done, _ = await asyncio.wait({shutdown}, timeout=GUARD_SECONDS)
    if not done:
        # Let the engine close properly (its files too) before reporting.
        await opened[0].close()
        await shutdown
        pytest.fail(f"shutdown took over {GUARD_SECONDS} s with a flow waiting on a watcher")
    await shutdown


async def test_stored_versions_are_read_only(engine: Engine) -> None:
    """Stored versions handed out refuse mutation, and nothing done to them reaches the store."""
    ctx = StateCtx.new("aTID", labels={"k": "v"}, annotations={"a": "1"})
    await engine.do(commit(park(ctx)))
    before = [view(s) for s in await all_states(engine)]

    query = get_states()
    await engine.do(query)
    handed_out = query.result.states[0]
    for mutate in (
        lambda: handed_out.labels.__setitem__("k", "x"),
        lambda: handed_out.annotations.update(a="2"),
        lambda: ctx.committed.labels.pop("k"),
    ):
        with pytest.raises(TypeError):
            mutate()

    for name, value in (("rev", 999), ("id", "other"), ("committed_at", 0.0)):
        try:
            setattr(handed_out, name, value)
        except (AttributeError, TypeError):
            pass

    assert [view(s) for s in await all_states(engine)] == before
    loaded = StateCtx()
    await engine.do(get_state_by_id(loaded, "aTID"))
    assert view(loaded.committed) == before[0]


async def test_slow_watcher_gets_everything_once(engine: Engine) -> None:
    """A watcher far behind its buffer yields every match once, in order; commits never wait."""
    async with engine.watch(get_states({"k": "v"}), buffer=2) as watcher:
        for i in range(10):
            await engine.do(commit(park(StateCtx.new(f"s{i}", labels={"k": "v"}))))
        first = await collect(watcher, 3)
        for i in range(10, 15):
            await engine.do(commit(park(StateCtx.new(f"s{i}", labels={"k": "v"}))))
        rest = await collect(watcher, 12)

    ids = [s.id for s in first + rest]
    assert ids == [f"s{i}" for i in range(15)]
    revs = [s.rev for s in first + rest]
    assert revs == sorted(set(revs))


async def test_flow_error_propagates(engine: Engine, registry: FlowRegistry) -> None:
    """An error raised by a flow (other than a rev mismatch) propagates out of execute."""

    async def broken(ctx: StateCtx, engine: Engine) -> Command:
        raise LookupError("the flow broke")

    registry.set_flow("broken", broken)
    ctx = StateCtx.new("aTID")
    await engine.do(transit(ctx, "broken"))
    with pytest.raises(LookupError, match="the flow broke"):
        await engine.execute(ctx)


async def test_commit_with_two_transits_stops_execution(
    engine: Engine, registry: FlowRegistry
) -> None:
    """A returned commit continues only when it holds exactly one transit."""
    ran: list[str] = []

    async def split(ctx: StateCtx, engine: Engine) -> Command:
        ran.append("split")
        other = ctx.new_to("otherTID")
        return commit(transit(ctx, "next"), transit(other, "next"))

    async def nxt(ctx: StateCtx, engine: Engine) -> Command:
        ran.append("next")
        return park(ctx)

    registry.set_flow("split", split)
    registry.set_flow("next", nxt)
    ctx = StateCtx.new("aTID")
    disable_recovery(ctx)
    await engine.do(transit(ctx, "split"))
    await engine.execute(ctx)

    assert ran == ["split"]
    assert {s.id for s in await all_states(engine)} == {"aTID", "otherTID"}


async def test_execute_command_runs_a_copy(
    engine: Engine, registry: FlowRegistry, clock: FakeClock
) -> None:
    """engine.do(execute(ctx)) runs the flow on a copy: the caller's ctx is not touched."""
    done = asyncio.Event()

    async def first(ctx: StateCtx, engine: Engine) -> Command:
        done.set()
        return commit(park(ctx))

    registry.set_flow("first", first)
    ctx = StateCtx.new("aTID")
    await engine.do(transit(ctx, "first"), execute(ctx))
    async with asyncio.timeout(GUARD_SECONDS):
        await done.wait()
    await clock.advance(0)

    assert ctx.committed.rev == 0
    assert ctx.current.transition.to == "first"
    assert [s.id for s in await all_states(engine)] == ["aTID"]


async def test_lagged_watcher_can_resync_from_current_states(
    registry: FlowRegistry, clock: FakeClock
) -> None:
    """After WatcherLaggedError, re-reading the current states and watching again works."""
    # History trimming is an option of the memory driver, so this one builds its own.
    async with Engine(MemoryDriver(history_limit=5), registry, clock=clock) as engine:
        lagging = engine.watch(get_states({"k": "v"}), buffer=2)
        for i in range(20):
            await engine.do(commit(park(StateCtx.new(f"s{i}", labels={"k": "v"}))))
        with pytest.raises(WatcherLaggedError):
            await collect(lagging, 20)
        await lagging.close()

        current = get_states({"k": "v"}, latest_only=True, limit=100)
        await engine.do(current)
        assert sorted(s.id for s in current.result.states) == sorted(f"s{i}" for i in range(20))

        head = max(s.rev for s in current.result.states)
        async with engine.watch(get_states({"k": "v"}, since_rev=head)) as resumed:
            await engine.do(commit(park(StateCtx.new("s20", labels={"k": "v"}))))
            assert [s.id for s in await collect(resumed, 1)] == ["s20"]
