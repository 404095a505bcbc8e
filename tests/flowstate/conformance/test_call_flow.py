"""One flow calling another and being resumed when it ends: CallFlow, CallFlowWithCommit and
CallFlowWithWatch from the Go suite."""

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
    parked,
    stack,
    transit,
    unstack,
)

from .support import Tracker


async def test_call_flow(engine: Engine, registry: FlowRegistry, tracker: Tracker) -> None:
    """A caller stacked into the callee's annotation is unstacked and resumed, all in memory."""

    async def call(ctx: StateCtx, engine: Engine) -> Command:
        tracker.track(ctx)
        if ctx.current.annotation("state") == "resumed":
            return transit(ctx, "callEnd")
        callee = StateCtx.new("aTID")
        await engine.do(
            park(ctx),
            stack(callee, ctx, "caller_state"),
            transit(callee, "called"),
            execute(callee),
        )
        return noop()

    async def called(ctx: StateCtx, engine: Engine) -> Command:
        tracker.track(ctx)
        return transit(ctx, "calledEnd")

    async def called_end(ctx: StateCtx, engine: Engine) -> Command:
        tracker.track(ctx)
        if ctx.current.annotations.get("caller_state"):
            caller = StateCtx()
            await engine.do(
                unstack(ctx, caller, "caller_state"),
                transit(caller, "call", {"state": "resumed"}),
                execute(caller),
                park(ctx),
            )
            return noop()
        return park(ctx)

    async def call_end(ctx: StateCtx, engine: Engine) -> Command:
        tracker.track(ctx)
        return park(ctx)

    registry.set_flow("call", call)
    registry.set_flow("called", called)
    registry.set_flow("calledEnd", called_end)
    registry.set_flow("callEnd", call_end)

    ctx = StateCtx.new("aTID")
    await engine.do(transit(ctx, "call"))
    await engine.execute(ctx)

    assert await tracker.wait_visited(5) == ["call", "called", "calledEnd", "call", "callEnd"]


async def test_call_flow_with_commit(
    engine: Engine, registry: FlowRegistry, tracker: Tracker
) -> None:
    """Call and return between two states, each hand-over one atomic commit."""

    async def call(ctx: StateCtx, engine: Engine) -> Command:
        tracker.track(ctx)
        if ctx.current.annotation("state") == "resumed":
            return transit(ctx, "callEnd")
        callee = StateCtx.new("aNextTID")
        await engine.do(
            commit(
                park(ctx),
                stack(callee, ctx, "caller_state"),
                transit(callee, "called"),
            ),
            execute(callee),
        )
        return noop()

    async def called(ctx: StateCtx, engine: Engine) -> Command:
        tracker.track(ctx)
        await engine.do(transit(ctx, "calledEnd"), execute(ctx))
        return noop()

    async def called_end(ctx: StateCtx, engine: Engine) -> Command:
        tracker.track(ctx)
        if ctx.current.annotations.get("caller_state"):
            caller = StateCtx()
            await engine.do(
                commit(
                    unstack(ctx, caller, "caller_state"),
                    transit(caller, "call", {"state": "resumed"}),
                    park(ctx),
                ),
                execute(caller),
            )
            return noop()
        return park(ctx)

    async def call_end(ctx: StateCtx, engine: Engine) -> Command:
        tracker.track(ctx)
        return park(ctx)

    registry.set_flow("call", call)
    registry.set_flow("called", called)
    registry.set_flow("calledEnd", called_end)
    registry.set_flow("callEnd", call_end)

    ctx = StateCtx.new("aTID")
    await engine.do(commit(transit(ctx, "call")))
    await engine.execute(ctx)

    assert await tracker.wait_visited(5) == ["call", "called", "calledEnd", "call", "callEnd"]

    latest = get_states(latest_only=True)
    await engine.do(latest)
    by_id = {s.id: s for s in latest.result.states}
    assert by_id["aTID"].transition.to == "call"
    assert by_id["aTID"].annotation("state") == "resumed"
    assert parked(by_id["aNextTID"])


async def test_call_flow_with_watch(
    engine: Engine, registry: FlowRegistry, tracker: Tracker
) -> None:
    """A caller waits on a watcher for the callee to park, then carries on itself."""

    async def call(ctx: StateCtx, engine: Engine) -> Command:
        tracker.track(ctx)
        if not ctx.current.annotations.get("called"):
            callee = StateCtx.new("aNextTID", labels={"theWatchLabel": ctx.current.id})
            ctx.current.annotations["called"] = "true"
            await engine.do(
                commit(transit(ctx, "call"), transit(callee, "called")),
                execute(callee),
            )

        query = get_states({"theWatchLabel": ctx.current.id}, since_rev=ctx.committed.rev)
        async with engine.watch(query) as watcher:
            async for state in watcher:
                if not parked(state):
                    continue
                del ctx.current.annotations["called"]
                return commit(transit(ctx, "callEnd"))
        raise AssertionError("the watcher ended before the callee parked")

    async def called(ctx: StateCtx, engine: Engine) -> Command:
        tracker.track(ctx)
        return transit(ctx, "calledEnd")

    async def called_end(ctx: StateCtx, engine: Engine) -> Command:
        tracker.track(ctx)
        return commit(park(ctx))

    async def call_end(ctx: StateCtx, engine: Engine) -> Command:
        tracker.track(ctx)
        return commit(park(ctx))

    registry.set_flow("call", call)
    registry.set_flow("called", called)
    registry.set_flow("calledEnd", called_end)
    registry.set_flow("callEnd", call_end)

    ctx = StateCtx.new("aTID")
    await engine.do(commit(transit(ctx, "call")))
    await engine.execute(ctx)

    assert await tracker.wait_visited(4) == ["call", "called", "calledEnd", "callEnd"]
    assert parked(ctx.committed)
