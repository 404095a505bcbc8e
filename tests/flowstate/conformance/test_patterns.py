"""Coordination patterns built from watchers, stacks and commits: Actor, Mutex, Queue,
RateLimit and Cron from the Go suite.

The Go flows loop until the engine shuts down (`stateCtx.Done()`); here each long-running
flow ends on its own once it has done the work the scenario needs, so every test is
deterministic and the engine shuts down without cancelling anything."""

from __future__ import annotations

import math

from flowstate import (
    Command,
    Engine,
    FlowRegistry,
    RevMismatchError,
    State,
    StateCtx,
    commit,
    delay_until,
    execute,
    get_states,
    noop,
    park,
    parked,
    stack,
    transit,
    unstack,
)
from flowstate.testing import FakeClock

from .support import Tracker


async def test_actor(engine: Engine, registry: FlowRegistry) -> None:
    """A running flow receives messages committed under its inbox label through a watcher."""
    tracker = Tracker(include_id=True)

    async def actor(ctx: StateCtx, engine: Engine) -> Command:
        tracker.track(ctx)
        received = 0
        async with engine.watch(get_states({"actor.foo": "inbox"})) as inbox:
            async for message in inbox:
                tracker.track(message)
                received += 1
                if received == 2:
                    break
        return commit(park(ctx))

    async def inbox(ctx: StateCtx, engine: Engine) -> Command:
        raise AssertionError("messages are parked: the inbox flow must never run")

    registry.set_flow("actor", actor)
    registry.set_flow("inbox", inbox)

    actor_ctx = StateCtx.new("actorTID")
    await engine.do(commit(transit(actor_ctx, "actor")), execute(actor_ctx))

    for msg_id in ("msg0TID", "msg1TID"):
        await engine.do(commit(park(StateCtx.new(msg_id, labels={"actor.foo": "inbox"}))))

    assert await tracker.wait_visited(3) == ["actor:actorTID", ":msg0TID", ":msg1TID"]


async def test_mutex(engine: Engine, registry: FlowRegistry, tracker: Tracker) -> None:
    """Three flows take a mutex state in turn; protected/unlock never interleave."""
    inside = 0
    max_inside = 0

    async def mutex(ctx: StateCtx, engine: Engine) -> Command:
        raise AssertionError("the mutex state is always parked: its flow must never run")

    async def lock(ctx: StateCtx, engine: Engine) -> Command:
        tracker.track(ctx)
        query = get_states({"mutex": "theName"}, since_latest=True)
        async with engine.watch(query) as watcher:
            async for mutex_state in watcher:
                if mutex_state.annotation("state") != "unlocked":
                    continue
                locker = ctx.copy()
                mutex_ctx = StateCtx.from_state(mutex_state)
                try:
                    await engine.do(
                        commit(
                            park(mutex_ctx, {"state": "locked"}),
                            stack(locker, mutex_ctx, "mutex_state"),
                            transit(locker, "protected"),
                        )
                    )
                except RevMismatchError as err:
                    if mutex_state.id not in err.ids:
                        raise
                    continue
                return execute(locker)
        raise AssertionError("the mutex watcher ended")

    async def protected(ctx: StateCtx, engine: Engine) -> Command:
        nonlocal inside, max_inside
        tracker.track(ctx)
        inside += 1
        max_inside = max(max_inside, inside)
        return transit(ctx, "unlock")

    async def unlock(ctx: StateCtx, engine: Engine) -> Command:
        nonlocal inside
        tracker.track(ctx)
        inside -= 1
        mutex_ctx = StateCtx()
        await engine.do(
            commit(
                unstack(ctx, mutex_ctx, "mutex_state"),
                park(mutex_ctx, {"state": "unlocked"}),
                park(ctx),
            )
        )
        return noop()

    registry.set_flow("mutex", mutex)
    registry.set_flow("lock", lock)
    registry.set_flow("protected", protected)
    registry.set_flow("unlock", unlock)

    mutex_ctx = StateCtx.new("aMutexTID", labels={"mutex": "theName"})
    await engine.do(commit(park(mutex_ctx, {"state": "unlocked"})))

    for i in range(3):
        ctx = StateCtx.new(f"aTID{i}")
        await engine.do(commit(transit(ctx, "lock")), execute(ctx))

    visited = await tracker.wait_visited(9)
    assert sorted(visited) == ["lock"] * 3 + ["protected"] * 3 + ["unlock"] * 3
    for i, entry in enumerate(visited):
        if entry == "protected":
            assert visited[i + 1] == "unlock", visited
    assert max_inside == 1


async def test_queue(engine: Engine, registry: FlowRegistry) -> None:
    """A worker watching the queue label takes the oldest queued state and executes it."""
    tracker = Tracker(include_id=True)

    async def enqueue(ctx: StateCtx, engine: Engine) -> Command:
        tracker.track(ctx)
        ctx.current.labels["queue"] = "theName"
        return commit(park(ctx))

    async def queue(ctx: StateCtx, engine: Engine) -> Command:
        tracker.track(ctx)
        async with engine.watch(get_states({"queue": "theName"})) as watcher:
            async for queued_state in watcher:
                queued = StateCtx.from_state(queued_state)
                del queued.current.labels["queue"]
                await engine.do(
                    commit(transit(queued, "dequeued"), park(ctx)),
                    execute(queued),
                )
                return noop()
        raise AssertionError("the queue watcher ended")

    async def dequeued(ctx: StateCtx, engine: Engine) -> Command:
        tracker.track(ctx)
        return commit(park(ctx))

    registry.set_flow("enqueue", enqueue)
    registry.set_flow("queue", queue)
    registry.set_flow("dequeued", dequeued)

    for i in range(3):
        ctx = StateCtx.new(f"aTID{i}")
        await engine.do(commit(transit(ctx, "enqueue")))
        await engine.execute(ctx)

    worker = StateCtx.new("workerTID")
    await engine.do(commit(transit(worker, "queue")))
    await engine.execute(worker)

    assert await tracker.wait_visited(5) == [
        "enqueue:aTID0",
        "enqueue:aTID1",
        "enqueue:aTID2",
        "queue:workerTID",
        "dequeued:aTID0",
    ]


async def test_rate_limit(engine: Engine, registry: FlowRegistry, clock: FakeClock) -> None:
    """A limiter resumes parked states at most one per 100 ms, scheduling each with a delay."""
    # Go waits on a token bucket inside the flow; here the limiter books the next free slot
    # as a durable delay, so after 0.45 s exactly five of the ten states (slots 0, .1, .2, .3,
    # .4 s) have been resumed: the same 15 visits the Go case counts.
    tracker = Tracker(include_state=True)
    interval = 0.1

    async def limiter(ctx: StateCtx, engine: Engine) -> Command:
        next_slot = clock.now()
        handled = 0
        async with engine.watch(get_states({"limiter": "theName"})) as watcher:
            async for limited_state in watcher:
                if not parked(limited_state):
                    continue
                limited = StateCtx.from_state(limited_state)
                del limited.current.labels["limiter"]
                slot = max(next_slot, clock.now())
                next_slot = slot + interval
                await engine.do(
                    delay_until(limited, "limited", slot, annotations={"state": "resumed"})
                )
                handled += 1
                if handled == 10:
                    return commit(park(ctx))
        raise AssertionError("the limiter watcher ended")

    async def limited(ctx: StateCtx, engine: Engine) -> Command:
        tracker.track(ctx)
        if ctx.current.annotation("state") != "resumed":
            ctx.current.labels["limiter"] = "theName"
        return commit(park(ctx))

    registry.set_flow("limiter", limiter)
    registry.set_flow("limited", limited)

    limiter_ctx = StateCtx.new("aLimiterTID")
    await engine.do(commit(transit(limiter_ctx, "limiter")), execute(limiter_ctx))
    for i in range(10):
        ctx = StateCtx.new(f"aTID{i}")
        await engine.do(commit(transit(ctx, "limited")), execute(ctx))

    await tracker.wait_visited(10)
    await clock.advance(0.45)

    assert tracker.visited_sorted() == ["limited"] * 10 + ["limited:resumed"] * 5
    assert engine.delayer_stats().pending == 5


def _every_second(expr: str, now: float, count: int) -> list[float]:
    """The next `count` ticks strictly after `now` of a seconds-resolution cron expression.

    Only the every-second expression is supported: enough for the scenario."""
    if expr.split() != ["*"] * 7:
        raise ValueError(f"unsupported cron expression {expr!r}")
    first = math.floor(now) + 1
    return [float(first + i) for i in range(count)]


async def test_cron(engine: Engine, registry: FlowRegistry, clock: FakeClock) -> None:
    """A cron state parks with a delay to its next tick and starts a task state at each tick."""
    tracker = Tracker()

    async def cron(ctx: StateCtx, engine: Engine) -> Command:
        tracker.track(ctx)
        now = clock.now()
        try:
            ticks = _every_second(ctx.current.annotations["cron"], now, 2)
        except ValueError as err:
            ctx.current.annotations["error"] = str(err)
            return commit(park(ctx))
        task_flow = ctx.current.annotations.get("cron_task_flow_id", "")
        if not task_flow:
            ctx.current.annotations["error"] = "cron_task_flow_id is empty"
            return commit(park(ctx))

        if ticks[0] - now <= 1:
            task = StateCtx.new(
                f"task_{int(ticks[0])}",
                annotations={"cron": ctx.current.annotations["cron"], "cron_task": "true"},
            )
            await engine.do(
                commit(
                    park(ctx),
                    delay_until(ctx, "cron", ticks[1]),
                    transit(task, task_flow),
                ),
                execute(task),
            )
            return noop()

        await engine.do(commit(park(ctx), delay_until(ctx, "cron", ticks[0])))
        return noop()

    async def task(ctx: StateCtx, engine: Engine) -> Command:
        tracker.track(ctx)
        return commit(park(ctx))

    registry.set_flow("cron", cron)
    registry.set_flow("task", task)

    ctx = StateCtx.new("aTID", annotations={"cron": "* * * * * * *", "cron_task_flow_id": "task"})
    await engine.do(commit(transit(ctx, "cron")), execute(ctx))
    await tracker.wait_visited(2)
    await clock.advance(2)
    await clock.advance(2)

    assert await tracker.wait_visited(6) == ["cron", "task"] * 3
    tasks = get_states(latest_only=True)
    await engine.do(tasks)
    task_ids = sorted(s.id for s in tasks.result.states if s.id.startswith("task_"))
    assert len(task_ids) == 3
    assert all(isinstance(s, State) and parked(s) for s in tasks.result.states if s.id in task_ids)
