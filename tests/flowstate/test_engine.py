"""Engine behaviours beyond the Go scenarios: atomicity, watchers, timers, recovery, limits."""

from __future__ import annotations

import asyncio

import pytest

from flowstate import (
    Command,
    Data,
    Engine,
    FlowRegistry,
    HistoryTrimmedError,
    MemoryDriver,
    NotFoundError,
    RevMismatchError,
    StateCtx,
    UsageError,
    WatcherLaggedError,
    commit,
    delay,
    delay_until,
    get_data,
    get_state_by_id,
    get_states,
    park,
    parked,
    set_max_recovery_attempts,
    set_retry_after,
    store_data,
    transit,
)
from flowstate.testing import FakeClock


async def committed(engine: Engine, id: str, **labels: str) -> StateCtx:
    ctx = StateCtx.new(id, labels=labels)
    await engine.do(commit(park(ctx)))
    return ctx


async def all_states(engine: Engine) -> list[tuple[str, int]]:
    cmd = get_states(limit=10_000)
    await engine.do(cmd)
    assert cmd.result is not None
    return [(s.id, s.rev) for s in cmd.result.states]


async def test_failed_commit_changes_nothing(engine: Engine) -> None:
    """A commit with one stale state applies none of its states, data or delays."""
    a = await committed(engine, "a")
    stale = StateCtx.from_state(a.committed)
    await engine.do(commit(park(a)))  # a moves to rev 2; `stale` still holds rev 1
    b, c = StateCtx.new("b"), StateCtx.new("c")
    c.datas["blob"] = Data(b"payload")
    before_b, before_stale = b.current.copy(), stale.current.copy()
    with pytest.raises(RevMismatchError) as info:
        await engine.do(
            commit(
                transit(b, "x"),
                store_data(c, "blob"),
                transit(c, "y"),
                transit(stale, "z"),
                delay(b, "later", 10),
            )
        )
    assert info.value.ids == ("a",)
    assert await all_states(engine) == [("a", 1), ("a", 2)]
    assert engine.driver.head_rev == 2 and engine.driver.data_rev == 0
    assert engine.delayer_stats().pending == 0
    assert b.current == before_b and b.transitions == [] and b.committed.rev == 0
    assert stale.current == before_stale and stale.committed.rev == 1
    assert c.datas["blob"].rev == 0
    assert "flowstate.data.blob" not in c.current.annotations
    # the revs that failed were not consumed: the next commit takes rev 3
    await engine.do(commit(park(b)))
    assert b.committed.rev == 3


async def test_rev_mismatch_names_every_conflicting_id(engine: Engine) -> None:
    """RevMismatchError carries all ids whose rev moved on."""
    a, b = await committed(engine, "a"), await committed(engine, "b")
    old_a, old_b = StateCtx.from_state(a.committed), StateCtx.from_state(b.committed)
    await engine.do(commit(park(a), park(b)))
    with pytest.raises(RevMismatchError, match="'a', 'b'") as info:
        await engine.do(commit(park(old_a), park(old_b)))
    assert info.value.ids == ("a", "b")


@pytest.mark.parametrize(
    ("make", "message"),
    [
        (lambda: StateCtx.new(""), "state id must be a non-empty string"),
        (lambda: transit(StateCtx.new("a"), ""), "flow id is empty"),
        (lambda: commit(commit(park(StateCtx.new("a")))), "commit inside commit"),
        (lambda: commit(), "at least one command"),
        (lambda: get_state_by_id(StateCtx(), "a", -1), "rev must be >= 0"),
        (lambda: get_state_by_id(StateCtx(), "", 0), "state id is empty"),
        (lambda: get_states(since_rev=-5), "since_rev must be >= 0"),
        (lambda: get_states(labels="kind"), "labels must be a dict or a list"),  # type: ignore[arg-type]
        (lambda: transit("not a ctx", "x"), "ctx must be a StateCtx"),  # type: ignore[arg-type]
        (lambda: delay(StateCtx.new("a"), "x", -1), "seconds must be >= 0"),
        (lambda: Data("text"), "blob must be bytes"),  # type: ignore[arg-type]
    ],
)
def test_misuse_names_the_problem(make: object, message: str) -> None:
    """Each misuse raises a UsageError (a ValueError) whose message names the problem."""
    with pytest.raises(UsageError, match=message):
        make()  # type: ignore[operator]


async def test_bad_commands_leave_the_store_untouched(engine: Engine) -> None:
    """Unknown commands, empty ids, double commits and bad unstacks change nothing."""
    await committed(engine, "a")

    class Bogus(Command):
        pass

    with pytest.raises(UsageError, match="unknown command Bogus"):
        await engine.do(Bogus())
    with pytest.raises(UsageError, match="state id is empty"):
        await engine.do(commit(park(StateCtx())))
    twice = StateCtx.new("t")
    with pytest.raises(UsageError, match="committed twice"):
        await engine.do(commit(transit(twice, "x"), park(twice)))
    with pytest.raises(UsageError, match="not allowed inside commit"):
        commit(get_states())  # type: ignore[arg-type]
    assert await all_states(engine) == [("a", 1)]
    assert twice.current.transition.to == "" and twice.transitions == []


async def test_committed_versions_are_read_only(engine: Engine) -> None:
    """States handed out by the engine cannot be mutated by accident."""
    ctx = await committed(engine, "a", kind="x")
    with pytest.raises(TypeError, match="read-only"):
        ctx.committed.labels["kind"] = "y"
    ctx.current.labels["kind"] = "y"  # the working copy is the caller's own
    assert ctx.committed.labels["kind"] == "x"


async def test_data_keeps_its_rev_when_unchanged(engine: Engine) -> None:
    """Storing unchanged data keeps its rev; changed data gets a greater one."""
    ctx = StateCtx.new("d")
    ctx.datas["cfg"] = Data(b"v1")
    await engine.do(commit(store_data(ctx, "cfg"), park(ctx)))
    first = ctx.datas["cfg"].rev
    await engine.do(commit(store_data(ctx, "cfg"), park(ctx)))
    assert ctx.datas["cfg"].rev == first
    ctx.datas["cfg"].blob = b"v2"
    await engine.do(commit(store_data(ctx, "cfg"), park(ctx)))
    assert ctx.datas["cfg"].rev > first
    fresh = StateCtx()
    await engine.do(get_state_by_id(fresh, "d"), get_data(fresh, "cfg"))
    assert fresh.datas["cfg"].blob == b"v2"


async def test_slow_watcher_does_not_block_and_catches_up(engine: Engine) -> None:
    """A watcher that does not read overflows its buffer, then replays from the log."""
    slow = engine.watch(get_states({"kind": "k"}), buffer=4)
    fast = engine.watch(get_states({"kind": "k"}), buffer=1000)
    ctx = StateCtx.new("s", labels={"kind": "k"})
    for _ in range(50):
        await engine.do(commit(park(ctx)))
    fast_revs = [(await anext(fast)).rev for _ in range(50)]
    assert fast_revs == list(range(1, 51))
    assert slow.lagging
    slow_revs = [(await anext(slow)).rev for _ in range(50)]
    assert slow_revs == list(range(1, 51))
    await engine.do(commit(park(ctx)))
    assert (await anext(slow)).rev == 51
    await slow.close()
    await fast.close()


async def test_watcher_beyond_retained_history_fails_clearly(
    registry: FlowRegistry, clock: FakeClock
) -> None:
    """When the history a lagging watcher needs was trimmed, it raises WatcherLaggedError."""
    async with Engine(MemoryDriver(history_limit=10), registry, clock=clock) as engine:
        watcher = engine.watch(get_states(), buffer=2)
        ctx = StateCtx.new("w")
        for _ in range(30):
            await engine.do(commit(park(ctx)))
        with pytest.raises(WatcherLaggedError, match="last delivered rev 0"):
            await anext(watcher)


async def test_history_limit_bounds_memory_and_queries_say_so(
    registry: FlowRegistry, clock: FakeClock
) -> None:
    """Only the newest N versions (plus every latest version) are kept."""
    async with Engine(MemoryDriver(history_limit=5), registry, clock=clock) as engine:
        old = await committed(engine, "old")
        ctx = StateCtx.new("busy")
        for _ in range(20):
            await engine.do(commit(park(ctx)))
        assert engine.driver.oldest_rev == 17
        with pytest.raises(HistoryTrimmedError, match="oldest retained version is rev 17"):
            await engine.do(get_states(since_rev=3))
        cmd = get_states(since_rev=16)
        await engine.do(cmd)
        assert cmd.result is not None and [s.rev for s in cmd.result.states] == [17, 18, 19, 20, 21]
        fresh = StateCtx()
        await engine.do(get_state_by_id(fresh, "old"))  # latest versions are always kept
        assert fresh.committed.rev == old.committed.rev
        with pytest.raises(NotFoundError):
            await engine.do(get_state_by_id(StateCtx(), "busy", 5))


async def test_delays_fire_in_due_order_at_their_time(
    engine: Engine, registry: FlowRegistry, clock: FakeClock
) -> None:
    """FakeClock.advance steps through each due time; flows see now == the due time."""
    seen: list[tuple[str, float]] = []

    async def fire(ctx: StateCtx, e: Engine) -> Command:
        seen.append((ctx.current.id, e.clock.now()))
        return park(ctx)

    registry.set_flow("fire", fire)
    start = clock.now()
    for id, seconds in [("c", 3.0), ("a", 1.0), ("b", 2.5)]:
        await engine.do(delay(StateCtx.new(id), "fire", seconds, commit=False))
    await clock.advance(2.0)
    assert seen == [("a", start + 1.0)]
    await clock.advance(10.0)
    assert seen == [("a", start + 1.0), ("b", start + 2.5), ("c", start + 3.0)]
    assert engine.delayer_stats().fired == 3


async def test_later_commit_cancels_a_committing_delay(
    engine: Engine, registry: FlowRegistry, clock: FakeClock
) -> None:
    """A delay with commit=True is dropped when the state was committed again meanwhile."""
    fired: list[str] = []

    async def timeout(ctx: StateCtx, e: Engine) -> Command:
        fired.append(ctx.current.id)
        return commit(park(ctx))

    registry.set_flow("timeout", timeout)
    ctx = StateCtx.new("move")
    await engine.do(commit(park(ctx), delay(ctx, "timeout", 30)))
    await engine.do(commit(park(ctx)))  # the next move
    await clock.advance(31)
    assert fired == []
    assert engine.delayer_stats().dropped == 1
    other = StateCtx.new("idle")
    await engine.do(commit(park(other), delay_until(other, "timeout", clock.now() + 5)))
    await clock.advance(5)
    assert fired == ["idle"]


async def test_hundred_thousand_pending_delays(engine: Engine, registry: FlowRegistry) -> None:
    """100k pending delays are held in an index; the next due time is found at once."""
    ctx = StateCtx.new("many")
    for i in range(100_000):
        await engine.do(delay(ctx, "never", 1000 + i, commit=False))
    assert engine.delayer_stats().pending == 100_000
    assert engine.driver.next_delay_at() == pytest.approx(engine.clock.now() + 1000, abs=0.01)


async def test_recovery_retries_then_parks(
    engine: Engine, registry: FlowRegistry, clock: FakeClock
) -> None:
    """An in-flight state that never commits again is retried, then parked after max attempts."""
    runs: list[int] = []

    async def crashy(ctx: StateCtx, e: Engine) -> Command:
        runs.append(int(ctx.current.transition.annotations.get("flowstate.recovery.attempt", "0")))
        raise RuntimeError("simulated crash")

    registry.set_flow("crashy", crashy)
    ctx = StateCtx.new("job")
    set_max_recovery_attempts(ctx, 2)
    set_retry_after(ctx, 60)
    await engine.do(commit(transit(ctx, "crashy")))
    await clock.advance(59)
    assert runs == []
    await clock.advance(1)
    assert runs == [1]
    await clock.advance(60)
    assert runs == [1, 2]
    await clock.advance(60)
    stats = engine.recovery_stats()
    assert (stats.retried, stats.dropped, stats.tracked) == (2, 1, 0)
    latest = StateCtx()
    await engine.do(get_state_by_id(latest, "job"))
    assert parked(latest.committed)
    assert engine.failed_executions == 2


async def test_recovery_can_be_disabled(registry: FlowRegistry, clock: FakeClock) -> None:
    """With recovery off nothing is tracked or retried."""
    async with Engine(MemoryDriver(), registry, clock=clock, recovery=False) as engine:
        ctx = StateCtx.new("job")
        await engine.do(commit(transit(ctx, "nowhere")))
        await clock.advance(1000)
        assert engine.recovery_stats().retried == 0


async def test_shutdown_lets_running_flows_return(registry: FlowRegistry, clock: FakeClock) -> None:
    """Leaving `async with` waits for executions the engine started."""
    gate = asyncio.Event()
    done: list[str] = []

    async def slow(ctx: StateCtx, e: Engine) -> Command:
        await gate.wait()
        done.append(ctx.current.id)
        return commit(park(ctx))

    registry.set_flow("slow", slow)
    engine = Engine(MemoryDriver(), registry, clock=clock)
    await engine.start()
    from flowstate import execute

    ctx = StateCtx.new("s")
    await engine.do(commit(transit(ctx, "slow")), execute(ctx))
    stopping = asyncio.ensure_future(engine.shutdown())
    await asyncio.sleep(0)
    with pytest.raises(UsageError, match="shutting down"):
        await engine.do(commit(park(StateCtx.new("late"))))
    gate.set()
    await stopping
    assert done == ["s"]


async def test_superseded_committing_delays_are_forgotten_at_once(engine: Engine) -> None:
    """Each move's timeout is dropped by the next move's commit, not when it falls due, so
    pending delays stay bounded by live states, not by commits."""
    ctx = StateCtx.new("game")
    for _ in range(100):
        await engine.do(commit(park(ctx), delay(ctx, "flag", 3600)))
    stats = engine.delayer_stats()
    assert (stats.pending, stats.dropped, stats.added) == (1, 99, 100)
    uncommitted = StateCtx.new("other")
    await engine.do(delay(uncommitted, "flag", 10, commit=False))
    await engine.do(commit(park(uncommitted)))
    assert engine.delayer_stats().pending == 2  # commit=False delays are not rev-checked


async def test_must_result_says_when_the_query_has_not_run(engine: Engine) -> None:
    """must_result() refuses before engine.do(cmd) and returns the result after."""
    cmd = get_states()
    with pytest.raises(UsageError, match="before the command ran"):
        cmd.must_result()
    await committed(engine, "a")
    await engine.do(cmd)
    assert [s.id for s in cmd.must_result().states] == ["a"]


def test_the_wall_clock_timer_waits_whole_milliseconds_never_less() -> None:
    """Loop timers count milliseconds (uvloop rounds a wait to the nearest one): a wait of a
    fraction of one would return at once and spin until the deadline, so it is rounded up."""
    from flowstate.engine import timer_wait

    assert timer_wait(-0.5) == 0.0 and timer_wait(0.0) == 0.0
    assert timer_wait(0.0003) == 0.001 and timer_wait(0.0004999) == 0.001
    assert timer_wait(0.001) == 0.001 and timer_wait(0.0012) == 0.002
    assert timer_wait(2.5) == 2.5
