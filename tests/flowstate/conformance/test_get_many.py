"""Querying the log: GetManyLabels, GetManyOrLabels, GetManySinceRev, GetManySinceLatest,
GetManySinceTime and GetManyLatestOnly from the Go suite."""

from __future__ import annotations

from flowstate import Engine, StateCtx, commit, get_states, park
from flowstate.testing import FakeClock

from .support import without_system_states


async def _query(engine: Engine, *args: object, **kwargs: object) -> list:
    cmd = get_states(*args, **kwargs)  # type: ignore[arg-type]
    await engine.do(cmd)
    assert cmd.result.more is False
    return without_system_states(list(cmd.result.states))


async def test_get_many_labels(engine: Engine) -> None:
    """A label query returns every version carrying the labels, ascending by rev."""
    ctx = StateCtx.new("aTID", labels={"foo": "fooVal"})
    await engine.do(commit(park(ctx)))
    ctx.current.labels["bar"] = "barVal"
    await engine.do(commit(park(ctx)))
    await engine.do(commit(park(StateCtx.new("anotherTID", labels={"foo": "barVal"}))))

    states = await _query(engine, {"foo": "fooVal"})

    assert [s.id for s in states] == ["aTID", "aTID"]
    assert all(s.rev > 0 and s.labels["foo"] == "fooVal" for s in states)
    assert "bar" not in states[0].labels
    assert states[1].labels["bar"] == "barVal"
    assert states[1].rev > states[0].rev


async def test_get_many_or_labels(engine: Engine) -> None:
    """A list of label sets matches a version carrying any one of them."""
    await engine.do(commit(park(StateCtx.new("aTID", labels={"foo": "fooVal"}))))
    await engine.do(commit(park(StateCtx.new("anotherTID", labels={"bar": "barVal"}))))
    await engine.do(commit(park(StateCtx.new("thirdTID", labels={"baz": "bazVal"}))))

    states = await _query(engine, [{"foo": "fooVal"}, {"bar": "barVal"}])

    assert [s.id for s in states] == ["aTID", "anotherTID"]
    assert dict(states[0].labels) == {"foo": "fooVal"}
    assert dict(states[1].labels) == {"bar": "barVal"}
    assert states[1].rev > states[0].rev


async def test_get_many_since_rev(engine: Engine) -> None:
    """since_rev returns only versions with a greater rev."""
    ctx = StateCtx.new("aTID", labels={"foo": "fooVal"})
    await engine.do(commit(park(ctx)))
    since_rev = ctx.committed.rev
    await engine.do(commit(park(ctx)))
    await engine.do(commit(park(ctx)))

    assert len(await _query(engine, {"foo": "fooVal"}, since_rev=0)) == 3

    states = await _query(engine, {"foo": "fooVal"}, since_rev=since_rev)
    assert [s.id for s in states] == ["aTID", "aTID"]
    assert since_rev < states[0].rev < states[1].rev

    assert await _query(engine, {"foo": "fooVal"}, since_rev=states[1].rev) == []


async def test_get_many_since_latest(engine: Engine) -> None:
    """since_latest returns only the latest matching version."""
    ctx = StateCtx.new("aTID", labels={"foo": "fooVal"})
    for _ in range(3):
        await engine.do(commit(park(ctx)))

    states = await _query(engine, {"foo": "fooVal"}, since_latest=True)

    assert [(s.id, s.rev) for s in states] == [("aTID", ctx.committed.rev)]
    assert states[0].labels["foo"] == "fooVal"


async def test_get_many_since_time(engine: Engine, clock: FakeClock) -> None:
    """since_time returns versions committed at or after that time (engine clock)."""
    ctx = StateCtx.new("aTID", labels={"foo": "fooVal"})
    await engine.do(commit(park(ctx)))
    committed_at = ctx.committed.committed_at
    assert committed_at == clock.now()

    assert await _query(engine, {"foo": "fooVal"}, since_time=committed_at + 5) == []

    states = await _query(engine, {"foo": "fooVal"}, since_time=committed_at - 1)
    assert [s.id for s in states] == ["aTID"]
    assert states[0].rev > 0 and states[0].labels["foo"] == "fooVal"


async def test_get_many_latest_only(engine: Engine) -> None:
    """latest_only returns one version per id, the latest, ascending by rev."""
    ctx = StateCtx.new("aTID")
    other = StateCtx.new("anotherTID")
    for _ in range(3):
        await engine.do(commit(park(ctx)))
        await engine.do(commit(park(other)))

    states = await _query(engine, None, latest_only=True)

    assert [(s.id, s.rev) for s in states] == [
        ("aTID", ctx.committed.rev),
        ("anotherTID", other.committed.rev),
    ]
    assert states[1].rev > states[0].rev
