"""Watchers pushed by commits: WatchLabels, WatchOrLabels, WatchSinceRev, WatchSinceLatest and
WatchSinceTime from the Go suite."""

from __future__ import annotations

from flowstate import Engine, State, StateCtx, commit, get_states, park
from flowstate.testing import FakeClock

from .support import collect


async def test_watch_labels(engine: Engine) -> None:
    """A label watcher yields every matching version in rev order, history first."""
    ctx = StateCtx.new("aTID", labels={"foo": "fooVal"})
    await engine.do(commit(park(ctx)))
    ctx.current.labels["bar"] = "barVal"
    await engine.do(commit(park(ctx)))
    await engine.do(commit(park(StateCtx.new("anotherTID", labels={"foo": "barVal"}))))

    async with engine.watch(get_states({"foo": "fooVal"})) as watcher:
        states = await collect(watcher, 2)

    assert [s.id for s in states] == ["aTID", "aTID"]
    assert all(s.rev > 0 and s.committed_at > 0 for s in states)
    assert "bar" not in states[0].labels
    assert dict(states[1].labels) == {"foo": "fooVal", "bar": "barVal"}
    assert states[1].rev > states[0].rev


async def test_watch_labels_live(engine: Engine) -> None:
    """A watcher opened before the commits is woken by each matching commit, exactly once."""
    ctx = StateCtx.new("aTID", labels={"foo": "fooVal"})
    async with engine.watch(get_states({"foo": "fooVal"})) as watcher:
        await engine.do(commit(park(ctx)))
        await engine.do(commit(park(StateCtx.new("anotherTID", labels={"foo": "barVal"}))))
        first = ctx.committed.rev
        await engine.do(commit(park(ctx)))
        states = await collect(watcher, 2)

    assert [(s.id, s.rev) for s in states] == [("aTID", first), ("aTID", ctx.committed.rev)]


async def test_watch_or_labels(engine: Engine) -> None:
    """A watcher with a list of label sets yields versions matching any of them."""
    await engine.do(commit(park(StateCtx.new("aTID", labels={"foo": "fooVal"}))))
    await engine.do(commit(park(StateCtx.new("anotherTID", labels={"bar": "barVal"}))))

    async with engine.watch(get_states([{"foo": "fooVal"}, {"bar": "barVal"}])) as watcher:
        states = await collect(watcher, 2)

    assert [s.id for s in states] == ["aTID", "anotherTID"]
    assert dict(states[0].labels) == {"foo": "fooVal"}
    assert dict(states[1].labels) == {"bar": "barVal"}
    assert states[1].rev > states[0].rev


async def test_watch_since_latest(engine: Engine) -> None:
    """A since_latest watcher starts at the latest matching version."""
    ctx = StateCtx.new("aTID", labels={"foo": "fooVal"})
    for _ in range(3):
        await engine.do(commit(park(ctx)))

    async with engine.watch(get_states({"foo": "fooVal"}, since_latest=True)) as watcher:
        states = await collect(watcher, 1)

    assert [(s.id, s.rev) for s in states] == [("aTID", ctx.committed.rev)]
    assert states[0].labels["foo"] == "fooVal"


async def test_watch_since_rev(engine: Engine) -> None:
    """A since_rev watcher starts after that rev."""
    ctx = StateCtx.new("aTID", labels={"foo": "fooVal"})
    await engine.do(commit(park(ctx)))
    since_rev = ctx.committed.rev
    await engine.do(commit(park(ctx)))
    await engine.do(commit(park(ctx)))

    async with engine.watch(get_states({"foo": "fooVal"}, since_rev=since_rev)) as watcher:
        states = await collect(watcher, 2)

    assert [s.id for s in states] == ["aTID", "aTID"]
    assert since_rev < states[0].rev < states[1].rev == ctx.committed.rev


async def test_watch_since_time(engine: Engine, clock: FakeClock) -> None:
    """A since_time watcher skips versions committed before that time."""
    ctx = StateCtx.new("aTID", labels={"foo": "fooVal"})
    await engine.do(commit(park(ctx)))
    committed_at = ctx.committed.committed_at
    assert committed_at == clock.now()

    late = engine.watch(get_states({"foo": "fooVal"}, since_time=committed_at + 5))
    early = engine.watch(get_states({"foo": "fooVal"}, since_time=committed_at - 1))
    async with late, early:
        assert [s.id for s in await collect(early, 1)] == ["aTID"]

        # Nothing before since_time: the first thing the late watcher sees is a commit made
        # after that time.
        await clock.advance(10)
        await engine.do(commit(park(StateCtx.new("laterTID", labels={"foo": "fooVal"}))))
        assert [s.id for s in await collect(late, 1)] == ["laterTID"]


async def test_watch_where_filters_before_buffering(engine: Engine) -> None:
    """A `where` predicate drops versions before they are buffered: the reader is never woken
    for them, live or while catching up from the log, and the rest arrive once, in order."""
    def odd_step(state: State) -> bool:
        return state.annotations.get("step", "0") in ("1", "3")

    ctx = StateCtx.new("w", labels={"kind": "w"})
    ctx.current.annotations["step"] = "0"
    await engine.do(commit(park(ctx)))
    ctx.current.annotations["step"] = "1"
    await engine.do(commit(park(ctx)))
    async with engine.watch(get_states({"kind": "w"}), where=odd_step) as watcher:
        for step in ("2", "3", "4"):
            ctx.current.annotations["step"] = step
            await engine.do(commit(park(ctx)))
        states = await collect(watcher, 2)
    assert [s.annotations["step"] for s in states] == ["1", "3"]


async def test_watch_where_never_wakes_for_rejected(engine: Engine) -> None:
    """Rejected live versions leave nothing buffered: a reader waiting for one more version
    gets the first accepted one, not a wake-up for each rejected one."""
    ctx = StateCtx.new("w", labels={"kind": "w"})
    async with engine.watch(get_states({"kind": "w"}),
                            where=lambda s: s.annotations.get("keep") == "yes") as watcher:
        for _ in range(3):
            await engine.do(commit(park(ctx)))
        ctx.current.annotations["keep"] = "yes"
        await engine.do(commit(park(ctx)))
        states = await collect(watcher, 1)
    assert [s.rev for s in states] == [ctx.committed.rev]
