"""Light cycles on a real server through real sockets, on the fake clock: the countdown, two
riders steering at once, refused input, crashes and a win, a client's picture kept from its
updates, a restart that resumes at the tick reached; and a property test of the replay."""

from __future__ import annotations

from pathlib import Path
from typing import Any

from hypothesis import given, settings
from hypothesis import strategies as st

from flowstate import State
from flowstate.testing import FakeClock
from gameserver.core.match import Limits, Seat, expire, game_view, join, new_match, snapshot_view
from gameserver.core.match import step as match_step
from gameserver.games.cycles import Cycles
from gameserver.live import timers
from gameserver.settings import Settings
from gameserver.testing import GameClient, ProtocolError, RunningServer, serve
from gameserver.wire import requests as c

CYCLES = Cycles()
T0 = 1_700_000_000.0


def server(clock: FakeClock, db: str = ":memory:") -> Any:
    return serve(Settings(db=db, loop="none"), clock=clock, games={"cycles": CYCLES})


async def start_race(srv: RunningServer, **options: Any) -> tuple[GameClient, GameClient, str]:
    """Alice (red) creates a race, Bob (blue) joins: the countdown runs; both saw rev 2."""
    alice, bob = await srv.client("Alice"), await srv.client("Bob")
    options = {"size": 12, "countdown": 1, **options}
    gid = (await alice.request("create", game="cycles", seat="red", **options))["game_id"]
    await alice.next_push("game")
    await bob.request("join", game_id=gid)
    await bob.next_push("game")
    for client in (alice, bob):
        started = await client.next_push("update", rev=2)
        assert started["game"]["phase"] == "countdown"
    return alice, bob, gid


async def steer(client: GameClient, gid: str, direction: str) -> None:
    await client.request("act", game_id=gid, action={"type": "steer", "dir": direction})


async def next_tick(client: GameClient, tick: int) -> dict[str, Any]:
    """The update of tick `tick` (the updates before it are passed over)."""
    while True:
        update = await client.next_push("update")
        event = update["event"]
        if event["kind"] == "tick" and event["tick"] == tick:
            return update


class Picture:
    """What a client keeps: the snapshot, then each update's game with the grid painted from
    the event's heads (an update leaves the grid out)."""

    def __init__(self, snapshot: dict[str, Any]) -> None:
        self.game = snapshot
        self.grid = [list(row) for row in snapshot["grid"]]

    def apply(self, update: dict[str, Any]) -> None:
        event = update["event"]
        for seat, (x, y) in event.get("heads", {}).items():
            self.grid[y][x] = seat[0]
        self.game = {**update["game"], "grid": ["".join(row) for row in self.grid]}


async def test_a_race_counts_down_then_both_riders_steer_at_once() -> None:
    """Nothing moves during the 1 s countdown; both steers sent within one tick apply at the
    next tick together, every 100 ms (10 ticks per second)."""
    clock = FakeClock(T0)
    async with server(clock) as srv:
        alice, bob, gid = await start_race(srv)
        await alice.request("watch", game_id=gid)  # a full snapshot, grid and all
        picture = Picture((await alice.next_push("game"))["game"])
        assert picture.game["riders"]["red"] == {"x": 3, "y": 3, "heading": "right",
                                                 "alive": True}
        assert picture.game["next_tick_at"] == T0 + 1
        await clock.advance(0.999)
        assert [u for u in alice.pending("update") if u["event"]["kind"] == "tick"] == []
        await steer(alice, gid, "down")
        await steer(bob, gid, "up")
        await clock.advance(0.001)
        first = await next_tick(bob, 1)
        assert first["event"]["heads"] == {"red": [3, 4], "blue": [8, 7]}
        assert first["game"]["phase"] == "riding"
        assert first["game"]["next_tick_at"] == T0 + 1.1
        await clock.advance(0.1)
        second = await next_tick(bob, 2)
        assert second["event"]["heads"] == {"red": [3, 5], "blue": [8, 6]}
        for update in alice.pending("update"):
            picture.apply(await alice.next_push("update", rev=update["rev"]))
        watcher = await srv.client("Carol")
        await watcher.request("watch", game_id=gid)
        assert picture.game == (await watcher.next_push("game"))["game"]


async def test_a_reversal_and_a_crashed_riders_steer_are_refused_with_reasons() -> None:
    clock = FakeClock(T0)
    async with server(clock) as srv:
        alice, bob, gid = await start_race(srv)
        try:
            await steer(alice, gid, "left")
        except ProtocolError as error:
            assert (error.code, error.frame["reason"]) == ("illegal_move", "reversal")
            assert error.message == ("red rides right: turning left would reverse onto its "
                                     "trail")
        else:
            raise AssertionError("a reversal was accepted")
        try:
            await alice.request("act", game_id=gid, action={"type": "steer", "dir": "north"})
        except ProtocolError as error:
            assert error.code == "bad_request"
        else:
            raise AssertionError("a bad direction was accepted")
        await steer(alice, gid, "up")
        await clock.advance(1 + 0.1 * 3)  # red (3, 3) goes up: off the grid at tick 4
        done = await next_tick(bob, 4)
        assert done["event"]["crashed"] == ["red"]
        assert (done["game"]["phase"], done["game"]["result"]) == ("finished", "blue wins")
        try:
            await steer(alice, gid, "right")
        except ProtocolError as error:
            assert error.code == "wrong_phase"
        else:
            raise AssertionError("a steer after the end was accepted")


async def test_riders_meeting_head_on_crash_together_for_a_draw() -> None:
    """Red steers down before the start: in four ticks red rides (3, 3) -> (3, 7) while blue
    rides (8, 8) -> (4, 8); at tick 5 both aim at (3, 8)."""
    clock = FakeClock(T0)
    async with server(clock) as srv:
        alice, _bob, gid = await start_race(srv)
        await steer(alice, gid, "down")
        await clock.advance(1 + 0.1 * 4)
        tick5 = await next_tick(alice, 5)
        assert tick5["event"]["crashed"] == ["red", "blue"] and tick5["event"]["heads"] == {}
        assert tick5["game"]["result"] == "Draw"


async def test_a_restart_resumes_the_race_at_the_tick_it_had_reached(tmp_path: Path) -> None:
    """The server stops at tick 5 and is down 30 s: on the way back nobody moves, a new
    countdown runs (1 s), and tick 6 follows from where the riders were."""
    clock = FakeClock(T0)
    db = str(tmp_path / "games.sqlite3")
    async with server(clock, db) as srv:
        alice, bob, gid = await start_race(srv, size=16)
        await steer(bob, gid, "up")
        await clock.advance(1 + 0.1 * 4)
        before = (await next_tick(alice, 5))["game"]
        tokens = alice.token, bob.token
    await clock.advance(30)
    async with server(clock, db) as srv:
        await clock.advance(0)  # the overdue tick fires at start: the resume
        alice = await srv.client(token=tokens[0])
        game = (await alice.next_push("game"))["game"]
        assert (game["tick"], game["riders"], game["phase"]) == (5, before["riders"],
                                                                  "countdown")
        assert game["next_tick_at"] == T0 + 1.4 + 30 + 1
        await clock.advance(0.999)
        assert [u for u in alice.pending("update") if u["event"]["kind"] == "tick"] == []
        await clock.advance(0.001)
        tick6 = await next_tick(alice, 6)
        assert tick6["event"]["heads"] == {"red": [10, 4], "blue": [11, 5]}


class Ahead(FakeClock):
    """The fake clock, with `now()` allowed to run `ahead` of the sleepers: what the server
    reads when input arrives after a deadline the engine has not woken up for yet."""

    ahead = 0.0

    def now(self) -> float:
        return super().now() + self.ahead


async def test_a_steer_arriving_after_a_tick_fell_due_applies_at_the_tick_after() -> None:
    """Tick 2 is due at +1.1. A steer received at +1.1, before the server ran tick 2: tick 2
    runs first (red rides on to the right), and the turn applies at tick 3."""
    clock = Ahead(T0)
    async with server(clock) as srv:
        alice, bob, gid = await start_race(srv)
        await clock.advance(1)
        await next_tick(bob, 1)
        clock.ahead = 0.1  # +1.1: tick 2 is due, its timer has not fired
        await steer(alice, gid, "down")
        tick2 = await next_tick(bob, 2)
        assert tick2["event"]["heads"]["red"] == [5, 3]
        steered = await bob.next_push("update")
        assert steered["event"] == {"kind": "steer", "seat": "red"}
        assert steered["rev"] == tick2["rev"] + 1
        clock.ahead = 0
        await clock.advance(0.1)  # tick 2's own timer fires: already done, nothing happens
        assert [u for u in bob.pending("update") if u["event"]["kind"] == "tick"] == []
        await clock.advance(0.1)
        tick3 = await next_tick(bob, 3)
        assert tick3["event"]["heads"]["red"] == [5, 4]


# -- the replay property -------------------------------------------------------------------------


def race() -> Any:
    settings_ = CYCLES.settings({"size": 10, "players": 3, "countdown": 0})
    match = new_match(CYCLES, "c1", settings_, Seat("pa", "A"), "red", 0.0)
    for seat in (Seat("pb", "B"), Seat("pc", "C")):
        match, _ = join(match, CYCLES, seat, 0.0)
    return match


@settings(max_examples=60, deadline=None)
@given(st.lists(st.one_of(st.just("tick"),
                          st.tuples(st.sampled_from(["pa", "pb", "pc"]),
                                    st.sampled_from(["up", "down", "left", "right"]))),
                max_size=60))
def test_a_client_replaying_updates_equals_the_snapshot(script: list[Any]) -> None:
    """Steers and ticks in any order: a client that keeps the first snapshot and applies
    every update (painting the event's heads) holds exactly the server's snapshot."""
    match = race()
    picture = Picture(snapshot_view(match, CYCLES))
    now = 0.0
    for item in script:
        if item == "tick":
            due = CYCLES.deadline(match.state)
            if due is None:
                break
            now = due[0]
            out = expire(match, CYCLES, Limits(), now)
            assert out is not None
            match, event = out
        else:
            player, direction = item
            try:
                match, event = match_step(match, CYCLES, player, c.Act(
                    None, "c1", None, {"type": "steer", "dir": direction}), now)
            except Exception:
                continue
        picture.apply({"event": event, "game": game_view(match, CYCLES, now)})
        assert picture.game == snapshot_view(match, CYCLES, now)


async def test_a_tick_writes_one_version_and_keeps_one_delay_pending() -> None:
    """From the second tick on, a tick commits the race alone (its timer version stays) with
    one plain delay for the next tick; a stale delay (the race ended by a resign while it was
    pending) fires into nothing: no extra tick, no delay left."""
    clock = FakeClock(T0)
    async with server(clock) as srv:
        alice, _bob, gid = await start_race(srv, size=40)
        engine = srv.runtime.engine
        hub = srv.runtime.matches.hub(gid)
        await clock.advance(1 + 0.1)  # the countdown's end and the first tick
        await next_tick(alice, 1)
        assert hub.timer is not None
        timer_rev, head = hub.timer.committed.rev, engine.driver.head_rev
        for tick in range(2, 22):
            await clock.advance(0.1)
            assert (await next_tick(alice, tick))["game"]["tick"] == tick
        assert hub.timer.committed.rev == timer_rev
        assert engine.driver.head_rev - head == 20  # one version (the race) per tick
        assert len(engine.driver.pending_delay_entries()) == 1
        # a plain delay armed for a deadline the race has passed (a duplicate): judged stale
        assert hub.deadline is not None
        at, kind = hub.deadline
        passed = timers.pending(State(hub.timer.current.id, timer_rev, annotations={
            timers.GAME: gid, timers.AT: repr(at - 0.1), timers.FLOW: kind}))
        assert passed == (at - 0.1, kind)
        tick = hub.match.state.tick
        await srv.runtime.matches.fire(gid, hub.timer.committed, passed)
        assert (hub.match.state.tick, engine.driver.head_rev - head) == (tick, 20)
        assert len(engine.driver.pending_delay_entries()) == 1
        await alice.request("act", game_id=gid, action={"type": "resign"})
        assert hub.phase == "finished"
        ended = hub.match.state.tick
        await clock.advance(1)
        await engine.wait_idle()
        assert hub.match.state.tick == ended
        assert [e for e in engine.driver.pending_delay_entries()
                if e.state.id == hub.timer.current.id] == []


async def test_races_tick_on_spread_phases_and_keep_them_across_a_restart(
        tmp_path: Path) -> None:
    """The server spreads races' ticks over the period (`core.phases`): a second race at 20
    ticks a second ticks 30 ms into the period, the first on it (a client's own `tick_phase`
    is not taken); a finished race gives its phase back, and a restart counts the live
    races' phases again from their records."""
    clock = FakeClock(T0)  # T0 is on every period: the first race's phase 0 is the countdown's end
    db = str(tmp_path / "games.sqlite3")
    async with server(clock, db) as srv:
        phases = srv.runtime.matches.tick_phases
        alice, _bob, first = await start_race(srv, tick_rate=20)
        carol, _dave, second = await start_race(srv, tick_rate=20, tick_phase=5)
        await carol.request("watch", game_id=second)
        game = (await carol.next_push("game"))["game"]
        assert game["settings"]["tick_phase"] == 30 and game["next_tick_at"] == T0 + 1.03
        await clock.advance(1.03)
        tick1 = await next_tick(carol, 1)
        assert tick1["game"]["next_tick_at"] == T0 + 1.08
        assert sum(phases.held(50)) == 2
        await alice.request("act", game_id=first, action={"type": "resign"})
        await alice.next_push("update")
        assert phases.held(50)[0] == 0 and phases.held(50)[30] == 1
    async with server(clock, db) as srv:
        await clock.advance(0)
        held = srv.runtime.matches.tick_phases.held(50)
        assert held[30] == 1 and sum(held) == 1  # the live race only
