"""Delayed execution: the Delay case of the Go suite and the scenarios of the Go delayer test
(`delay_synctest_test.go`), on a FakeClock.

Go starts its delayer ten minutes after the delays were added; our delayer starts with the
engine, so "added before the delayer starts" becomes "added before an engine restart"."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

from flowstate import (
    Command,
    Engine,
    FlowRegistry,
    StateCtx,
    commit,
    delay,
    delay_until,
    delayed,
    disable_recovery,
    park,
    transit,
)
from flowstate.testing import FakeClock

from .support import Tracker

MINUTE = 60.0


async def test_delay(engine: Engine, registry: FlowRegistry, clock: FakeClock) -> None:
    """A flow returning a delay stops; the delayed flow runs when the clock reaches it."""
    tracker = Tracker()

    async def first(ctx: StateCtx, engine: Engine) -> Command:
        tracker.track(ctx)
        if delayed(ctx.current):
            return transit(ctx, "second")
        return delay(ctx, "first", 0.2)

    async def second(ctx: StateCtx, engine: Engine) -> Command:
        tracker.track(ctx)
        return park(ctx)

    registry.set_flow("first", first)
    registry.set_flow("second", second)

    ctx = StateCtx.new("aTID")
    await engine.do(transit(ctx, "first"))
    await engine.execute(ctx)
    assert tracker.visited == ["first"]

    await clock.advance(0.1)
    assert tracker.visited == ["first"]

    await clock.advance(0.1)
    assert await tracker.wait_visited(3) == ["first", "first", "second"]


@dataclass
class Fired:
    """When (minutes after the test start, truncated to 10 s like Go) each state's delay ran."""

    start: float
    clock: FakeClock
    at: dict[str, float]

    def record(self, ctx: StateCtx) -> None:
        elapsed = self.clock.now() - self.start
        self.at[ctx.current.id] = (elapsed // 10 * 10) / MINUTE


def _delayed_flow(registry: FlowRegistry, clock: FakeClock) -> Fired:
    fired = Fired(clock.now(), clock, {})

    async def delayed_flow(ctx: StateCtx, engine: Engine) -> Command:
        fired.record(ctx)
        return commit(park(ctx))

    registry.set_flow("delayed", delayed_flow)
    return fired


@dataclass
class Add:
    """At `at_minute` after the start, delay a fresh state `state_id` by `by_minutes`."""

    at_minute: float
    state_id: str
    by_minutes: float


async def _run_schedule(engine: Engine, clock: FakeClock, adds: list[Add], total: float) -> None:
    start = clock.now()
    for add in sorted(adds, key=lambda a: a.at_minute):
        await clock.advance(start + add.at_minute * MINUTE - clock.now())
        await engine.do(
            delay_until(
                StateCtx.new(add.state_id), "delayed", clock.now() + add.by_minutes * MINUTE
            )
        )
        await clock.advance(0)
    await clock.advance(start + total * MINUTE - clock.now())


async def test_delayer_added_before_start(
    driver: Any,
    reopen_driver: Callable[[Any], Any],
    registry: FlowRegistry,
    clock: FakeClock,
) -> None:
    """Delays that fell due while no engine ran all fire as soon as the next engine starts."""
    fired = _delayed_flow(registry, clock)
    async with Engine(driver, registry, clock=clock) as engine:
        for state_id, minutes in (("s1", 1), ("s2", 2), ("s3", 3)):
            await engine.do(delay(StateCtx.new(state_id), "delayed", minutes * MINUTE))
        assert engine.delayer_stats().pending == 3

    await clock.advance(10 * MINUTE)
    assert fired.at == {}

    async with Engine(reopen_driver(driver), registry, clock=clock) as engine:
        await clock.advance(0)
        assert fired.at == {"s1": 10, "s2": 10, "s3": 10}
        stats = engine.delayer_stats()
        assert (stats.fired, stats.pending) == (3, 0)


async def test_delayer_future(engine: Engine, registry: FlowRegistry, clock: FakeClock) -> None:
    """Delays added while running fire at their due time."""
    fired = _delayed_flow(registry, clock)
    await _run_schedule(
        engine, clock, [Add(14, "s1", 1), Add(15, "s2", 1), Add(16, "s3", 1)], total=30
    )
    assert fired.at == {"s1": 15, "s2": 16, "s3": 17}
    stats = engine.delayer_stats()
    assert (stats.added, stats.fired, stats.dropped, stats.pending) == (3, 3, 0, 0)


async def test_delayer_past(engine: Engine, registry: FlowRegistry, clock: FakeClock) -> None:
    """Delays whose time is already past fire at once."""
    fired = _delayed_flow(registry, clock)
    await _run_schedule(
        engine, clock, [Add(14, "s1", -5), Add(15, "s2", -5), Add(16, "s3", -5)], total=30
    )
    assert fired.at == {"s1": 14, "s2": 15, "s3": 16}


async def test_delayer_mixed(engine: Engine, registry: FlowRegistry, clock: FakeClock) -> None:
    """Past and future delays added together each fire at their own time."""
    fired = _delayed_flow(registry, clock)
    await _run_schedule(
        engine, clock, [Add(15, "s1", 5), Add(15, "s2", 5), Add(15, "s3", -5)], total=30
    )
    assert fired.at == {"s1": 20, "s2": 20, "s3": 15}


async def test_delayer_too_far_in_future(
    engine: Engine, registry: FlowRegistry, clock: FakeClock
) -> None:
    """Delays due after the observed window stay pending and do not fire."""
    fired = _delayed_flow(registry, clock)
    await _run_schedule(
        engine, clock, [Add(0, "s1", 31), Add(0, "s2", 31), Add(0, "s3", 31)], total=30
    )
    assert fired.at == {}
    stats = engine.delayer_stats()
    assert (stats.added, stats.fired, stats.pending) == (3, 0, 3)


async def test_delayer_delay_committed_state(
    engine: Engine, registry: FlowRegistry, clock: FakeClock
) -> None:
    """A delay of an already committed state fires and commits on top of it."""
    fired = _delayed_flow(registry, clock)
    ctx = StateCtx.new("s1")
    # Go runs this without a recoverer; ours always runs, and would retry `aFlow`.
    disable_recovery(ctx)
    await engine.do(commit(transit(ctx, "aFlow")))
    await engine.do(delay(ctx, "delayed", 15 * MINUTE))

    await clock.advance(30 * MINUTE)
    assert fired.at == {"s1": 15}


async def test_delayer_ignore_on_rev_mismatch(
    engine: Engine, registry: FlowRegistry, clock: FakeClock
) -> None:
    """A committing delay of a stale ctx is dropped when it fires, never run."""
    fired = _delayed_flow(registry, clock)
    ctx = StateCtx.new("s1")
    await engine.do(commit(park(ctx)))
    newer = ctx.copy()
    await engine.do(commit(park(newer)))

    await engine.do(delay(ctx, "delayed", 15 * MINUTE))
    await clock.advance(30 * MINUTE)

    assert fired.at == {}
    stats = engine.delayer_stats()
    assert (stats.added, stats.fired, stats.dropped, stats.pending) == (1, 0, 1, 0)


async def test_delayer_without_commit_executes_stale_state(
    engine: Engine, registry: FlowRegistry, clock: FakeClock
) -> None:
    """A non-committing delay of a stale ctx still executes its snapshot."""
    fired = _delayed_flow(registry, clock)
    ctx = StateCtx.new("s1")
    await engine.do(commit(park(ctx)))
    newer = ctx.copy()
    await engine.do(commit(park(newer)))

    await engine.do(delay(ctx, "delayed", 15 * MINUTE, commit=False))
    await clock.advance(30 * MINUTE)

    assert fired.at == {"s1": 15}


async def test_delayer_concurrency(
    engine: Engine, registry: FlowRegistry, clock: FakeClock
) -> None:
    """500 future and 500 past delays added at staggered times all fire exactly once."""
    counts = {"future": 0, "past": 0}

    async def delayed_flow(ctx: StateCtx, engine: Engine) -> Command:
        counts[ctx.current.labels["delay"]] += 1
        return commit(park(ctx))

    registry.set_flow("delayed", delayed_flow)

    start = clock.now()
    adds: list[tuple[float, str, int, int]] = []
    for kind in ("future", "past"):
        for i in range(10):
            at = start
            for j in range(50):
                adds.append((at, kind, i, j))
                at += 10 + i + j
    adds.sort()

    for at, kind, i, j in adds:
        if at > clock.now():
            await clock.advance(at - clock.now())
        ctx = StateCtx.new(f"{kind}-{i}-{j}", labels={"delay": kind})
        due = clock.now() + MINUTE if kind == "future" else clock.now() - 10
        await engine.do(delay_until(ctx, "delayed", due))

    await clock.advance(40 * MINUTE)

    assert counts == {"future": 500, "past": 500}
    stats = engine.delayer_stats()
    assert (stats.added, stats.fired, stats.dropped, stats.pending) == (1000, 1000, 0, 0)
