"""How games end besides moves: a lobby nobody joins, a player who stays away, a scoring phase
nobody finishes, and full games scored under each ruleset; plus undo restoring the clock."""

from __future__ import annotations

import pytest

from flowstate.testing import FakeClock
from gameserver.core.match import Seat, join, new_match, step
from gameserver.core.record import from_record, to_record
from gameserver.core.timecontrol import TimeControl
from gameserver.games.go.rules import GoRules
from gameserver.testing import serve
from gameserver.wire import requests as c
from tests.gameserver.helpers import memory_settings, play, start_game

T0 = 1_700_000_000.0
GO = GoRules()


async def test_a_game_nobody_joins_is_cancelled_and_leaves_the_lobby() -> None:
    clock = FakeClock(T0)
    async with serve(memory_settings(lobby_timeout=60), clock=clock) as server:
        alice = await server.client("Alice")
        looker = await server.client("Looker")
        await looker.request("lobby_subscribe")
        await looker.next_push("lobby")
        gid = (await alice.request("create", size=9))["game_id"]
        await alice.next_push("game")
        await looker.next_push("lobby_update")
        await clock.advance(59.999)
        assert alice.pending("update") == []
        await clock.advance(0.001)
        update = await alice.next_push("update", rev=2)
        assert update["event"] == {"kind": "cancelled", "reason": "nobody joined",
                                   "result": "Void"}
        assert update["game"]["phase"] == "finished" and update["game"]["result"] == "Void"
        assert await looker.next_push("lobby_remove") == {"type": "lobby_remove",
                                                          "game_id": gid}
        bob = await server.client("Bob")
        with pytest.raises(Exception, match="finished"):
            await bob.request("join", game_id=gid)


async def test_a_player_away_too_long_forfeits_a_game_without_a_clock() -> None:
    """No clock: Bob's socket closes; coming back in time keeps the game, staying away
    past the limit loses it `B+F`."""
    clock = FakeClock(T0)
    async with serve(memory_settings(abandon_after=30), clock=clock) as server:
        alice, bob, gid = await start_game(server)
        await play(alice, [bob], gid, 2, 2, 2)
        await bob.close()
        assert (await alice.next_push("update", rev=4))["event"]["kind"] == "player_disconnected"
        await clock.advance(20)
        bob = await server.client(token=bob.token)
        await alice.next_push("update", rev=5)  # player_connected
        await clock.advance(20)
        assert alice.pending("update") == []
        await bob.close()
        await alice.next_push("update", rev=6)
        await clock.advance(29.999)
        assert alice.pending("update") == []
        await clock.advance(0.001)
        update = await alice.next_push("update", rev=7)
        assert update["event"] == {"kind": "abandoned", "color": "white", "result": "B+F"}
        assert update["game"]["phase"] == "finished" and update["game"]["result"] == "B+F"


async def test_a_disconnected_player_keeps_losing_clock_time() -> None:
    clock = FakeClock(T0)
    async with serve(memory_settings(abandon_after=5), clock=clock) as server:
        alice, bob, gid = await start_game(server, time_control={"system": "absolute",
                                                                 "main": 60})
        await play(alice, [bob], gid, 2, 2, 2)
        await bob.close()
        await alice.next_push("update", rev=4)
        await clock.advance(59.999)  # the abandonment limit does not apply with a clock
        assert alice.pending("update") == []
        await clock.advance(0.001)
        assert (await alice.next_push("update", rev=5))["game"]["result"] == "B+T"


async def test_a_scoring_phase_nobody_finishes_is_scored_as_marked() -> None:
    clock = FakeClock(T0)
    async with serve(memory_settings(scoring_timeout=120), clock=clock) as server:
        alice, bob, gid = await start_game(server)
        await play(alice, [bob], gid, 2, 2, 2)
        await play(bob, [alice], gid, 3, 6, 6)
        await play(alice, [bob], gid, 4)
        await play(bob, [alice], gid, 5)
        await clock.advance(60)
        await alice.request("mark_dead", game_id=gid, x=6, y=6, dead=True)
        await bob.next_push("update", rev=7)
        await alice.request("accept_score", game_id=gid, rev=7)
        await bob.next_push("update", rev=8)
        await clock.advance(59.999)
        assert bob.pending("update") == []
        await clock.advance(0.001)
        update = await bob.next_push("update", rev=9)
        assert update["event"]["kind"] == "finished"
        assert update["event"]["reason"] == "scoring_timeout"
        # white's stone marked dead: black owns the board, 81 - 6.5 (area)
        assert update["game"]["result"] == "B+74.5"


@pytest.mark.parametrize(("ruleset", "result", "black"), [("chinese", "B+2.5", 45),
                                                          ("japanese", "B+2.5", 36)])
async def test_a_full_game_ends_with_the_rulesets_score(ruleset: str, result: str,
                                                        black: float) -> None:
    """Walls on columns 4 (black) and 5 (white), a white stone dead in black's area: area
    scoring counts stones and territory, territory scoring territory and prisoners."""
    clock = FakeClock(T0)
    async with serve(memory_settings(), clock=clock) as server:
        alice, bob, gid = await start_game(server, ruleset=ruleset, time_control={
            "system": "byoyomi", "main": 600, "periods": 3, "period": 30})
        moves = [*[(x, y) for y in range(9) for x in (4, 5)], (0, 8), (1, 1)]
        rev = 2
        for i, (x, y) in enumerate(moves):
            mover, other = (alice, bob) if i % 2 == 0 else (bob, alice)
            await clock.advance(1)
            await play(mover, [other], gid, rev, x, y)
            rev += 1
        await play(alice, [bob], gid, rev)
        update = await play(bob, [alice], gid, rev + 1)
        rev += 2
        assert update["game"]["dead"] == [{"x": 1, "y": 1}]  # the suggestion, prefilled
        await bob.request("mark_dead", game_id=gid, x=1, y=1, dead=False)
        await alice.next_push("update", rev=rev + 1)
        await bob.request("mark_dead", game_id=gid, x=1, y=1, dead=True)
        await alice.next_push("update", rev=rev + 2)
        await alice.request("accept_score", game_id=gid, rev=rev + 2)
        await bob.request("accept_score", game_id=gid, rev=rev + 3)
        update = await alice.next_push("update", rev=rev + 4)
        assert update["event"]["kind"] == "finished"
        assert update["game"]["result"] == result
        assert update["game"]["score"]["black"] == black
        assert update["game"]["clock"]["phase"] == "stopped"


def test_an_accepted_undo_restores_the_clock_from_before_the_move_also_after_replay() -> None:
    """Fischer 10 + 5 (max 20): black moves at +2, white at +3; white's undo accepted at
    +4 gives white back the clock as it was before that move, running since +2."""
    tc = TimeControl.from_dict({"system": "fischer", "main": 10, "increment": 5, "max": 20})
    match = new_match(GO, "g1", GO.parse_options({"size": 9}), tc, Seat("pa", "A"), "black",
                      T0)
    match, _ = join(match, GO, Seat("pb", "B"), T0)
    match, _ = step(match, GO, "pa", c.Move(None, "g1", match.rev, 2, 2), T0 + 2)
    before = match.clock
    match, _ = step(match, GO, "pb", c.Move(None, "g1", match.rev, 6, 6), T0 + 3)
    match, _ = step(match, GO, "pb", c.UndoRequest(None, "g1", match.rev), T0 + 3.5)
    match, event = step(match, GO, "pa", c.UndoReply(None, "g1", True), T0 + 4)
    assert event["kind"] == "undo_accepted" and match.clock == before
    assert match.game_clock.remaining("white", T0 + 4) == {"remaining_ms": 8000,
                                                          "running": True}
    assert match.game_clock.remaining("black", T0 + 4)["remaining_ms"] == 13000
    replayed = from_record(to_record(match), {"go": GO})
    assert replayed.clock == match.clock and replayed.clocks == match.clocks


def test_a_move_after_the_flag_is_refused_as_too_late() -> None:
    tc = TimeControl.from_dict({"system": "absolute", "main": 10})
    match = new_match(GO, "g1", GO.parse_options({"size": 9}), tc, Seat("pa", "A"), "black",
                      T0)
    match, _ = join(match, GO, Seat("pb", "B"), T0)
    step(match, GO, "pa", c.Move(None, "g1", match.rev, 2, 2), T0 + 9.999)
    with pytest.raises(Exception, match="too late: black's flag fell"):
        step(match, GO, "pa", c.Move(None, "g1", match.rev, 2, 2), T0 + 10)


def test_the_limits_come_from_the_command_line() -> None:
    from gameserver.__main__ import parse_args

    settings = parse_args(["--lobby-timeout", "90", "--abandon-after", "0",
                           "--scoring-timeout", "1.5"])
    assert (settings.lobby_timeout, settings.abandon_after, settings.scoring_timeout) == (
        90.0, None, 1.5)
    with pytest.raises(SystemExit):
        parse_args(["--lobby-timeout", "-1"])
