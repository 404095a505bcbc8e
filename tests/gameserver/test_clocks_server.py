"""Clocks through the real server on the fake clock: every push carries both clocks as of that
push, only the player on turn loses time, and a flag falls exactly when the clock says, for
every time system, also across a restart on the same SQLite file."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest

from flowstate import StateCtx, commit, transit
from flowstate.testing import FakeClock
from gameserver.core.match import game_view
from gameserver.settings import Settings
from gameserver.testing import GameClient, ProtocolError, serve
from tests.gameserver.helpers import memory_settings, play, start_game

T0 = 1_700_000_000.0

#: (time control, white's budget in seconds from the start of a full turn)
SYSTEMS: dict[str, tuple[dict[str, Any], float]] = {
    "absolute": ({"system": "absolute", "main": 10}, 10),
    "fischer": ({"system": "fischer", "main": 10, "increment": 5, "max": 20}, 10),
    "byoyomi": ({"system": "byoyomi", "main": 5, "periods": 2, "period": 3}, 11),
    "canadian": ({"system": "canadian", "main": 5, "stones": 2, "period": 4}, 9),
}


async def quiet(clock: FakeClock, seconds: float, *clients: GameClient) -> None:
    """Advance the clock and check that nobody got an update meanwhile."""
    await clock.advance(seconds)
    for client in clients:
        assert client.pending("update") == [], client.pending("update")


@pytest.mark.parametrize("system", SYSTEMS)
async def test_white_loses_on_time_exactly_at_the_flag(system: str) -> None:
    """Black moves after 1 s; white's clock runs from then and the flag falls at exactly
    1 s + white's whole budget: 1 ms before nothing happens, at the flag `B+T`."""
    control, budget = SYSTEMS[system]
    clock = FakeClock(T0)
    async with serve(memory_settings(), clock=clock) as server:
        alice, bob, gid = await start_game(server, time_control=control)
        await clock.advance(1)
        update = await play(alice, [bob], gid, 2, 2, 2)
        white = update["game"]["players"]["white"]["clock"]
        assert white["running"] is True and white["as_of"] == T0 + 1
        assert update["game"]["server_time"] == T0 + 1
        assert update["game"]["players"]["black"]["clock"]["running"] is False
        await quiet(clock, budget - 0.001, alice, bob)
        await clock.advance(0.001)
        update = await alice.next_push("update", rev=4)
        assert update["event"] == {"kind": "timeout", "color": "white", "result": "B+T",
                                   "flag_at": T0 + 1 + budget}
        game = update["game"]
        assert game["phase"] == "finished" and game["result"] == "B+T"
        assert game["players"]["white"]["clock"]["remaining_ms"] == 0
        assert not game["players"]["white"]["clock"]["running"]
        assert (await bob.next_push("update", rev=4)) == update
        with pytest.raises(ProtocolError) as error:
            await bob.request("move", game_id=gid, rev=4, x=3, y=3)
        assert error.value.code == "wrong_phase"


@pytest.mark.parametrize("system", SYSTEMS)
async def test_black_loses_on_time_when_it_never_moves(system: str) -> None:
    """Black's clock runs from the join; nobody moves: `W+T` at black's budget."""
    control, budget = SYSTEMS[system]
    clock = FakeClock(T0)
    async with serve(memory_settings(), clock=clock) as server:
        alice, bob, _gid = await start_game(server, time_control=control)
        await quiet(clock, budget - 0.001, alice, bob)
        await clock.advance(0.001)
        update = await bob.next_push("update", rev=3)
        assert update["event"]["kind"] == "timeout" and update["game"]["result"] == "W+T"


async def test_each_push_shows_both_clocks_as_of_that_push() -> None:
    """Fischer: a move charges the mover and adds the increment (capped); the waiting
    player's time does not move."""
    clock = FakeClock(T0)
    control = {"system": "fischer", "main": 10, "increment": 5, "max": 12}
    async with serve(memory_settings(), clock=clock) as server:
        alice, bob, gid = await start_game(server, time_control=control)
        await clock.advance(2)
        game = (await play(alice, [bob], gid, 2, 2, 2))["game"]
        assert game["players"]["black"]["clock"] == {"remaining_ms": 12000, "running": False,
                                                     "as_of": T0 + 2}
        assert game["players"]["white"]["clock"] == {"remaining_ms": 10000, "running": True,
                                                     "as_of": T0 + 2}
        await clock.advance(3.25)
        game = (await play(bob, [alice], gid, 3, 6, 6))["game"]
        assert game["players"]["white"]["clock"]["remaining_ms"] == 11750
        assert game["players"]["black"]["clock"]["remaining_ms"] == 12000
        assert game["clock"]["running"] == "black"
        assert game["clock"]["flag_at"] == T0 + 5.25 + 12
        await clock.advance(1)
        watcher = await server.client("Watcher")
        await watcher.request("watch", game_id=gid)
        snap = (await watcher.next_push("game"))["game"]
        assert snap["players"]["black"]["clock"] == {"remaining_ms": 11000, "running": True,
                                                     "as_of": T0 + 6.25}


async def test_byoyomi_and_canadian_views_carry_their_periods_and_stones() -> None:
    clock = FakeClock(T0)
    control = {"system": "byoyomi", "main": 1, "periods": 3, "period": 5}
    async with serve(memory_settings(), clock=clock) as server:
        alice, bob, gid = await start_game(server, time_control=control)
        await clock.advance(7)  # main gone, first period gone, 1 s into the second
        game = (await play(alice, [bob], gid, 2, 2, 2))["game"]
        assert game["players"]["black"]["clock"] == {
            "remaining_ms": 0, "periods": 2, "period_ms": 5000, "running": False,
            "as_of": T0 + 7}
    clock = FakeClock(T0)
    control = {"system": "canadian", "main": 1, "stones": 3, "period": 10}
    async with serve(memory_settings(), clock=clock) as server:
        alice, bob, gid = await start_game(server, time_control=control)
        await clock.advance(3)
        game = (await play(alice, [bob], gid, 2, 2, 2))["game"]
        assert game["players"]["black"]["clock"] == {
            "remaining_ms": 0, "stones": 2, "period_ms": 8000, "running": False,
            "as_of": T0 + 3}


async def test_a_move_cancels_the_pending_flag() -> None:
    """The flag armed for black's turn does not fire once black has moved in time."""
    clock = FakeClock(T0)
    async with serve(memory_settings(), clock=clock) as server:
        alice, bob, gid = await start_game(server, time_control={"system": "absolute",
                                                                 "main": 10})
        await clock.advance(1)
        await play(alice, [bob], gid, 2, 2, 2)
        await quiet(clock, 9.5, alice, bob)  # black's old flag (+10) passes: nothing
        await play(bob, [alice], gid, 3, 6, 6)
        engine = server.runtime.engine
        assert engine.delayer_stats().dropped >= 1


async def test_clocks_pause_in_scoring_and_resume_for_the_opponent_of_the_last_passer(
) -> None:
    clock = FakeClock(T0)
    async with serve(memory_settings(), clock=clock) as server:
        alice, bob, gid = await start_game(server, time_control={"system": "absolute",
                                                                 "main": 10})
        await clock.advance(1)
        await play(alice, [bob], gid, 2)
        await clock.advance(2)
        game = (await play(bob, [alice], gid, 3))["game"]
        assert game["phase"] == "scoring" and game["clock"]["phase"] == "paused"
        for color, left in (("black", 9000), ("white", 8000)):
            assert game["players"][color]["clock"]["remaining_ms"] == left
            assert game["players"][color]["clock"]["running"] is False
        await quiet(clock, 60, alice, bob)  # paused: no flag while scoring
        await bob.request("resume_play", game_id=gid)
        game = (await alice.next_push("update", rev=5))["game"]
        await bob.next_push("update", rev=5)
        assert game["turn"] == "black" and game["players"]["black"]["clock"]["running"]
        await quiet(clock, 8.999, alice, bob)
        await clock.advance(0.001)
        assert (await alice.next_push("update", rev=6))["game"]["result"] == "W+T"


async def test_restart_mid_period_counts_the_downtime_and_flags_on_time(tmp_path: Path) -> None:
    """Byo-yomi 2 s + 3 x 5 s. White's turn starts at +1 (flag at +18). The server stops at
    +10 and is down 5 s; after the restart white is 2 s into the last period (the downtime
    counted against white) and the flag falls at exactly +18."""
    clock = FakeClock(T0)
    settings = Settings(db=str(tmp_path / "games.sqlite3"), loop="none")
    control = {"system": "byoyomi", "main": 2, "periods": 3, "period": 5}
    async with serve(settings, clock=clock) as server:
        alice, bob, gid = await start_game(server, time_control=control)
        await clock.advance(1)
        await play(alice, [bob], gid, 2, 2, 2)
        await clock.advance(9)
        tokens = alice.token, bob.token
    await clock.advance(5)
    async with serve(settings, clock=clock) as server:
        alice = await server.client(token=tokens[0])
        game = (await alice.next_push("game"))["game"]
        assert game["players"]["white"]["clock"] == {
            "remaining_ms": 0, "periods": 1, "period_ms": 3000, "running": True,
            "as_of": T0 + 15}
        await clock.advance(2.999)
        assert [u for u in alice.pending("update") if u["event"]["kind"] == "timeout"] == []
        await clock.advance(0.001)
        update = await alice.next_push("update", event={
            "kind": "timeout", "color": "white", "result": "B+T", "flag_at": T0 + 18})
        assert update["game"]["players"]["white"]["clock"]["remaining_ms"] == 0


async def test_a_flag_that_fell_while_the_server_was_down_ends_the_game_at_start(
        tmp_path: Path) -> None:
    clock = FakeClock(T0)
    settings = Settings(db=str(tmp_path / "games.sqlite3"), loop="none")
    async with serve(settings, clock=clock) as server:
        alice, _bob, gid = await start_game(server, time_control={"system": "absolute",
                                                                 "main": 10})
        token = alice.token
    await clock.advance(60)
    async with serve(settings, clock=clock) as server:
        await clock.advance(0)
        hub = server.runtime.matches.hub(gid)
        view = game_view(hub.match, hub.game)
        assert view["phase"] == "finished" and view["result"] == "W+T"
        assert view["players"]["black"]["clock"]["remaining_ms"] == 0
        alice = await server.client(token=token)
        await alice.request("watch", game_id=gid)
        assert (await alice.next_push("game"))["game"]["result"] == "W+T"


async def test_a_move_racing_a_timer_firing_wins_and_the_stale_firing_does_nothing() -> None:
    """The flag delay's firing commits its timer version just before a move arrives (the move
    was in time): the move's commit meets the newer timer rev, reloads it and commits; the
    firing's flow then finds the timer re-armed and leaves the game alone."""
    clock = FakeClock(T0)
    async with serve(memory_settings(), clock=clock) as server:
        alice, bob, gid = await start_game(server, time_control={"system": "absolute",
                                                                 "main": 10})
        matches, engine = server.runtime.matches, server.runtime.engine
        hub = matches.hub(gid)
        assert hub.timer is not None
        fired = StateCtx.from_state(hub.timer.committed)
        await engine.do(commit(transit(fired, "clock.flag")))  # what a firing commits
        await clock.advance(5)
        update = await play(alice, [bob], gid, 2, 2, 2)
        assert update["event"]["kind"] == "move"
        await matches.fire(gid, fired.committed)
        await quiet(clock, 9.999, alice, bob)
        await clock.advance(0.001)
        assert (await alice.next_push("update", rev=4))["game"]["result"] == "B+T"
