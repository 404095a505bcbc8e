"""One state forking into several executions, and forks joining again: Fork, ForkWithCommit,
ForkJoinFirstWins and ForkJoinLastWins from the Go suite."""

from __future__ import annotations

from flowstate import (
    Command,
    Engine,
    FlowRegistry,
    StateCtx,
    commit,
    execute,
    get_states,
    noop,
    park,
    transit,
)

from .support import Tracker


def _register_origin_and_forked(registry: FlowRegistry, tracker: Tracker) -> None:
    async def origin(ctx: StateCtx, engine: Engine) -> Command:
        tracker.track(ctx)
        return park(ctx)

    async def forked(ctx: StateCtx, engine: Engine) -> Command:
        tracker.track(ctx)
        return park(ctx)

    registry.set_flow("origin", origin)
    registry.set_flow("forked", forked)


async def test_fork(engine: Engine, registry: FlowRegistry, tracker: Tracker) -> None:
    """A flow starts an in-memory copy under a new id; both executions run to their end."""

    async def fork(ctx: StateCtx, engine: Engine) -> Command:
        tracker.track(ctx)
        forked_ctx = ctx.new_to("forkedTID")
        await engine.do(
            transit(ctx, "origin"),
            transit(forked_ctx, "forked"),
            execute(ctx),
            execute(forked_ctx),
        )
        return noop()

    registry.set_flow("fork", fork)
    _register_origin_and_forked(registry, tracker)

    ctx = StateCtx.new("aTID")
    await engine.do(transit(ctx, "fork"))
    await engine.execute(ctx)

    await tracker.wait_visited(3)
    assert tracker.visited_sorted() == ["fork", "forked", "origin"]


async def test_fork_with_commit(engine: Engine, registry: FlowRegistry, tracker: Tracker) -> None:
    """The origin and its fork are committed together, then both are executed."""

    async def fork(ctx: StateCtx, engine: Engine) -> Command:
        tracker.track(ctx)
        forked_ctx = ctx.new_to("forkedTID")
        await engine.do(
            commit(transit(ctx, "origin"), transit(forked_ctx, "forked")),
            execute(ctx),
            execute(forked_ctx),
        )
        return noop()

    registry.set_flow("fork", fork)
    _register_origin_and_forked(registry, tracker)

    ctx = StateCtx.new("aTID")
    await engine.do(transit(ctx, "fork"))
    await engine.execute(ctx)

    await tracker.wait_visited(3)
    assert tracker.visited_sorted() == ["fork", "forked", "origin"]

    cmd = get_states(latest_only=True)
    await engine.do(cmd)
    assert {s.id for s in cmd.result.states} >= {"aTID", "forkedTID"}


def _register_fork_join(registry: FlowRegistry, tracker: Tracker, *, winner_at: int) -> None:
    """Fork into three states that all reach `join`; the one whose own `join` commit is the
    `winner_at`-th seen goes on to `joined`, the others park."""

    async def fork(ctx: StateCtx, engine: Engine) -> Command:
        tracker.track(ctx)
        ctx.current.labels["theForkJoinLabel"] = ctx.current.id
        forked_ctx = ctx.new_to("forkedTID")
        forked_two_ctx = ctx.new_to("forkedTwoTID")
        copy_ctx = ctx.copy()
        await engine.do(
            commit(
                transit(copy_ctx, "forked"),
                transit(forked_ctx, "forked"),
                transit(forked_two_ctx, "forked"),
            ),
            execute(copy_ctx),
            execute(forked_ctx),
            execute(forked_two_ctx),
        )
        return noop()

    async def forked(ctx: StateCtx, engine: Engine) -> Command:
        tracker.track(ctx)
        return transit(ctx, "join")

    async def join(ctx: StateCtx, engine: Engine) -> Command:
        tracker.track(ctx)
        if ctx.committed.transition.to != "join":
            await engine.do(commit(transit(ctx, "join")))

        query = get_states({"theForkJoinLabel": ctx.current.labels["theForkJoinLabel"]})
        seen = 0
        async with engine.watch(query) as watcher:
            async for state in watcher:
                if state.transition.to != "join":
                    continue
                seen += 1
                if state.id != ctx.current.id:
                    continue
                if seen == winner_at:
                    return commit(transit(ctx, "joined"))
                return commit(park(ctx))
        raise AssertionError("the watcher ended before this state's join was seen")

    async def joined(ctx: StateCtx, engine: Engine) -> Command:
        tracker.track(ctx)
        return park(ctx)

    registry.set_flow("fork", fork)
    registry.set_flow("forked", forked)
    registry.set_flow("join", join)
    registry.set_flow("joined", joined)


JOIN_VISITS = ["fork", "forked", "forked", "forked", "join", "join", "join", "joined"]


async def test_fork_join_first_wins(
    engine: Engine, registry: FlowRegistry, tracker: Tracker
) -> None:
    """Of three forks reaching the join, only the first to commit its join continues."""
    _register_fork_join(registry, tracker, winner_at=1)

    ctx = StateCtx.new("aTID")
    await engine.do(transit(ctx, "fork"))
    await engine.execute(ctx)

    await tracker.wait_visited(len(JOIN_VISITS))
    assert tracker.visited_sorted() == JOIN_VISITS


async def test_fork_join_last_wins(
    engine: Engine, registry: FlowRegistry, tracker: Tracker
) -> None:
    """Of three forks reaching the join, only the last to commit its join continues."""
    _register_fork_join(registry, tracker, winner_at=3)

    ctx = StateCtx.new("aTID")
    await engine.do(transit(ctx, "fork"))
    await engine.execute(ctx)

    await tracker.wait_visited(len(JOIN_VISITS))
    assert tracker.visited_sorted() == JOIN_VISITS
