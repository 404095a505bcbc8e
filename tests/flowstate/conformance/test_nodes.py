"""Flows that follow one another: SingleNode, TwoConsequentNodes(WithCommit),
ThreeConsequentNodes and Condition from the Go suite."""

from __future__ import annotations

from flowstate import Command, Engine, FlowRegistry, StateCtx, commit, park, transit

from .support import Tracker


async def test_single_node(engine: Engine, registry: FlowRegistry, tracker: Tracker) -> None:
    """A flow that parks is visited once and ends the execution."""

    async def first(ctx: StateCtx, engine: Engine) -> Command:
        tracker.track(ctx)
        return park(ctx)

    registry.set_flow("first", first)

    ctx = StateCtx.new("aTID")
    await engine.do(transit(ctx, "first"))
    await engine.execute(ctx)

    assert tracker.visited == ["first"]


async def test_two_consequent_nodes(
    engine: Engine, registry: FlowRegistry, tracker: Tracker
) -> None:
    """A transit returned by a flow continues the same execution with the next flow."""

    async def first(ctx: StateCtx, engine: Engine) -> Command:
        tracker.track(ctx)
        return transit(ctx, "second")

    async def second(ctx: StateCtx, engine: Engine) -> Command:
        tracker.track(ctx)
        return park(ctx)

    registry.set_flow("first", first)
    registry.set_flow("second", second)

    ctx = StateCtx.new("aTID")
    await engine.do(transit(ctx, "first"))
    await engine.execute(ctx)

    assert tracker.visited == ["first", "second"]


async def test_two_consequent_nodes_with_commit(
    engine: Engine, registry: FlowRegistry, tracker: Tracker
) -> None:
    """A commit holding exactly one transit, returned by a flow, commits and continues."""

    async def first(ctx: StateCtx, engine: Engine) -> Command:
        tracker.track(ctx)
        return commit(transit(ctx, "second"))

    async def second(ctx: StateCtx, engine: Engine) -> Command:
        tracker.track(ctx)
        return park(ctx)

    registry.set_flow("first", first)
    registry.set_flow("second", second)

    ctx = StateCtx.new("aTID")
    await engine.do(commit(transit(ctx, "first")))
    first_rev = ctx.committed.rev
    await engine.execute(ctx)

    assert tracker.visited == ["first", "second"]
    assert ctx.committed.rev > first_rev
    assert ctx.committed.transition.to == "second"


async def test_three_consequent_nodes(
    engine: Engine, registry: FlowRegistry, tracker: Tracker
) -> None:
    """Transits chain through any number of flows until one parks."""

    async def first(ctx: StateCtx, engine: Engine) -> Command:
        tracker.track(ctx)
        return transit(ctx, "second")

    async def second(ctx: StateCtx, engine: Engine) -> Command:
        tracker.track(ctx)
        return transit(ctx, "third")

    async def third(ctx: StateCtx, engine: Engine) -> Command:
        tracker.track(ctx)
        return park(ctx)

    registry.set_flow("first", first)
    registry.set_flow("second", second)
    registry.set_flow("third", third)

    ctx = StateCtx.new("aTID")
    await engine.do(transit(ctx, "first"))
    await engine.execute(ctx)

    assert tracker.visited == ["first", "second", "third"]


async def test_condition(engine: Engine, registry: FlowRegistry, tracker: Tracker) -> None:
    """A flow picks the next flow from the state's annotations."""

    async def first(ctx: StateCtx, engine: Engine) -> Command:
        tracker.track(ctx)
        nxt = "second" if ctx.current.annotations.get("condition") == "true" else "third"
        return transit(ctx, nxt)

    async def second(ctx: StateCtx, engine: Engine) -> Command:
        tracker.track(ctx)
        return park(ctx)

    async def third(ctx: StateCtx, engine: Engine) -> Command:
        tracker.track(ctx)
        return park(ctx)

    registry.set_flow("first", first)
    registry.set_flow("second", second)
    registry.set_flow("third", third)

    true_ctx = StateCtx.new("aTrueTID", annotations={"condition": "true"})
    await engine.do(transit(true_ctx, "first"))
    await engine.execute(true_ctx)
    assert tracker.visited == ["first", "second"]

    tracker.clear()
    false_ctx = StateCtx.new("aFalseTID", annotations={"condition": "false"})
    await engine.do(transit(false_ctx, "first"))
    await engine.execute(false_ctx)
    assert tracker.visited == ["first", "third"]
