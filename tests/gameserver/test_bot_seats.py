"""Bot seats through the real server: a human's moves answered, undo, scoring with a bot that
disagrees, a restart with the bot to move; and the pure decision and think-budget functions."""

from __future__ import annotations

import asyncio
import sys
from dataclasses import replace
from pathlib import Path
from typing import Any

import pytest

from flowstate import get_states
from flowstate.testing import FakeClock
from gameserver.bots.seats import bot_kind
from gameserver.core.match import Seat, join, new_match, step
from gameserver.core.timecontrol import GameClock, TimeControl
from gameserver.games.go.bots.brain import AnswerUndo, Play, Score, next_turn, think_budget
from gameserver.games.go.rules import GoRules
from gameserver.settings import Settings
from gameserver.testing import GameClient, ProtocolError, serve
from tests.gameserver import requests as rq
from tests.gameserver.helpers import memory_settings

HUMAN = Seat("p1", "Alice")
BOT = Seat("bot:builtin:1", "Built-in bot")

#: a GTP engine that always passes and thinks the stone at E5 is dead
PASSING_ENGINE = """
import asyncio
import sys
for line in sys.stdin:
    words = line.split()
    if not words:
        continue
    if words[0] == "quit":
        print("=\\n", flush=True)
        break
    if words[0] == "genmove":
        print("= pass\\n", flush=True)
    elif words[0] == "final_status_list":
        print("= E5\\n", flush=True)
    else:
        print("=\\n", flush=True)
"""


async def next_update(client: GameClient, kind: str, **fields: Any) -> dict[str, Any]:
    """The next update whose event is `kind` (and has those fields); skips others."""
    while True:
        update = await client.next_push("update")
        event = update["event"]
        if event["kind"] == kind and all(event.get(k) == v for k, v in fields.items()):
            return update


async def create_vs_bot(client: GameClient, color: str = "black",
                        **options: Any) -> tuple[str, dict[str, Any]]:
    reply = await client.request("create", size=9, komi=6.5, color=color, opponent="bot",
                                 **options)
    game = (await client.next_push("game"))["game"]
    return reply["game_id"], game


# -- the pure parts ---------------------------------------------------------------------------


def test_bot_kind_reads_the_seat_id() -> None:
    """A seat is a bot's when its player id starts with `bot:`; the kind follows."""
    assert bot_kind(BOT) == "builtin"
    assert bot_kind(Seat("bot:gnugo:ab12", "GNU Go level 1")) == "gnugo"
    assert bot_kind(HUMAN) is None and bot_kind(None) is None


def test_next_turn_moves_answers_undo_and_scores() -> None:
    """The bot on turn moves; the bot asked for an undo answers it; in scoring each bot that
    has not accepted scores; nothing for a human's turn or a finished game."""
    go = GoRules()
    match, _ = join(new_match(go, "g1", go.settings({"size": 9}), HUMAN, "black", 0.0), go,
                    BOT)
    assert next_turn(match, "white") is None  # black (the human) is on turn
    match, _ = step(match, go, "p1", rq.move("g1", match.rev, 4, 4))
    assert next_turn(match, "white") == Play("white")
    asked, _ = step(match, go, "p1", rq.undo_request("g1", match.rev))
    assert next_turn(asked, "white") == AnswerUndo("white")
    for player in ("bot:builtin:1", "p1"):
        match, _ = step(match, go, player, rq.pass_("g1", match.rev))
    assert next_turn(match, "white") == Score("white")
    assert next_turn(replace(match, ended=("Void", 1.0)), "white") is None


def test_think_budget_keeps_clear_of_the_flag() -> None:
    """Without a clock the budget is the timeout; with one, at most half the time left minus a
    margin, never below the minimum."""
    tc = TimeControl.from_dict({"system": "absolute", "main": 4})
    assert think_budget(GameClock.new(TimeControl.from_dict({"system": "none"})), "white", 0.0,
                        10.0) == 10.0
    timed = GameClock.new(tc).start(100.0, first="white")
    assert think_budget(timed, "white", 101.0, 10.0) == pytest.approx(1.5 - 0.25)
    assert think_budget(timed, "white", 103.99, 10.0) == 0.05
    assert think_budget(timed, "white", 100.0, 1.0) == 1.0


# -- through the server -------------------------------------------------------------------------


async def test_a_human_plays_the_builtin_bot_and_every_move_is_answered() -> None:
    """`create {opponent: "bot"}` starts at once with the bot seated; each human move is
    answered by a bot move through the same updates everyone gets."""
    async with serve(memory_settings(bot="builtin")) as server:
        alice = await server.client("Alice")
        gid, game = await create_vs_bot(alice)
        assert game["phase"] == "playing"
        assert game["players"]["white"]["name"] == "Built-in bot"
        assert game["players"]["white"]["id"].startswith("bot:builtin:")
        rev, board = game["rev"], game["board"]
        for _ in range(3):
            x, y = next((x, y) for y in range(9) for x in range(9) if board[y][x] == ".")
            await alice.request("move", game_id=gid, rev=rev, x=x, y=y)
            await alice.next_push("update", rev=rev + 1)
            answer = await alice.next_push("update", rev=rev + 2)
            assert answer["event"]["kind"] == "move" and answer["event"]["color"] == "white"
            assert answer["game"]["turn"] == "black"
            rev, board = rev + 2, answer["game"]["board"]
        assert server.runtime.matches.hub(gid).match.rev == rev
        assert gid not in {g["id"] for g in (await alice.request("lobby_subscribe"),
                                             await alice.next_push("lobby"))[1]["games"]}


async def test_the_bot_moves_first_when_the_human_takes_white() -> None:
    """A human who takes white sees the bot open the game."""
    async with serve(memory_settings(bot="builtin")) as server:
        alice = await server.client("Alice")
        _, game = await create_vs_bot(alice, color="white")
        first = await alice.next_push("update", rev=game["rev"] + 1)
        assert first["event"]["color"] == "black" and first["game"]["turn"] == "white"


async def test_the_bot_accepts_an_undo() -> None:
    """An undo asked while the bot is still to move is accepted by the bot at once; then the
    bot, whose move was taken back with the human's, waits for the human again."""
    clock = FakeClock()
    async with serve(memory_settings(bot="builtin", bot_move_delay=30.0), clock=clock) as server:
        alice = await server.client("Alice")
        gid, game = await create_vs_bot(alice)
        rev = game["rev"]
        await alice.request("move", game_id=gid, rev=rev, x=4, y=4)
        await alice.request("undo_request", game_id=gid, rev=rev + 1)
        accepted = await next_update(alice, "undo_accepted")
        assert accepted["game"]["turn"] == "black" and accepted["game"]["undo"] is None
        await clock.advance(30.0)  # the bot's paced move finds the game changed: no move
        assert server.runtime.matches.hub(gid).match.rev == accepted["rev"]
        await alice.request("move", game_id=gid, rev=accepted["rev"], x=3, y=3)
        await clock.advance(30.0)
        answer = await alice.next_push("update", rev=accepted["rev"] + 2)
        assert answer["event"]["color"] == "white"


async def test_the_bot_proposes_its_dead_stones_says_what_it_disagrees_about_and_never_blocks(
        tmp_path: Path) -> None:
    """In scoring the bot marks what its engine thinks is dead and accepts; when the human
    unmarks it, the bot says in chat what it disagrees about and waits; when the human accepts,
    the bot accepts too and the game ends."""
    engine = tmp_path / "passing_engine.py"
    engine.write_text(PASSING_ENGINE)
    settings = memory_settings(bot="gnugo", gtp_command=f"{sys.executable} {engine}")
    async with serve(settings) as server:
        alice = await server.client("Alice")
        gid, game = await create_vs_bot(alice)
        assert game["players"]["white"]["name"] == Path(sys.executable).name
        await alice.request("move", game_id=gid, rev=game["rev"], x=4, y=4)
        passed = await next_update(alice, "pass", color="white")
        await alice.request("pass", game_id=gid, rev=passed["rev"])
        marked = await next_update(alice, "dead_marked", color="white")
        assert marked["game"]["dead"] == [{"x": 4, "y": 4}]
        accepted = await next_update(alice, "score_accepted", color="white")
        await alice.request("mark_dead", game_id=gid, x=4, y=4, dead=False)
        chat = await alice.next_push("chat")
        assert chat["text"] == "I think E5 is dead"
        assert chat["player_id"] == accepted["game"]["players"]["white"]["id"]
        unmarked = await next_update(alice, "dead_marked", dead=False)
        assert unmarked["game"]["accepted"] == []
        await alice.request("accept_score", game_id=gid, rev=unmarked["rev"])
        finished = await next_update(alice, "finished")
        assert finished["game"]["result"] == "B+74.5"  # all 81 points, komi 6.5
        assert alice.pending("chat") == []  # the disagreement is said once


async def test_the_bot_resumes_after_a_restart_with_the_bot_to_move(tmp_path: Path) -> None:
    """The server stops while the bot is to move (its paced move is waiting on the clock);
    started again on the same file, the bot moves without anyone asking."""
    clock = FakeClock()
    db = str(tmp_path / "games.sqlite3")
    first = Settings(db=db, durability="strict", loop="none", bot="builtin",
                     bot_move_delay=3600.0)
    async with serve(first, clock=clock) as server:
        alice = await server.client("Alice")
        gid, game = await create_vs_bot(alice)
        await alice.request("move", game_id=gid, rev=game["rev"], x=4, y=4)
        await alice.next_push("update", rev=game["rev"] + 1)
        token = alice.token
    again = Settings(db=db, durability="strict", loop="none", bot="builtin")
    async with serve(again, clock=clock) as server:
        alice = await server.client("Alice", token=token)
        game = (await alice.next_push("game"))["game"]
        if not any("O" in row for row in game["board"]):  # the bot had not moved yet
            game = (await next_update(alice, "move", color="white"))["game"]
        assert game["turn"] == "black"
        assert sum(row.count("O") for row in game["board"]) == 1
        assert sum(row.count("X") for row in game["board"]) == 1


async def test_a_create_with_a_bot_for_another_game_is_refused() -> None:
    """Bots play Go only; asking for one in another game is a bad request, nothing made."""
    async with serve(memory_settings(bot="builtin")) as server:
        alice = await server.client("Alice")
        with pytest.raises(ProtocolError) as error:
            await alice.request("create", game="chess", opponent="bot")
        assert error.value.code == "bad_request"
        assert server.runtime.matches.hubs == {}


async def test_the_server_keeps_its_bot_games_going() -> None:
    """With `bot_games=2` the server starts two bot-vs-bot games and a new one whenever one
    ends, so a load test runs without any player."""
    async with serve(memory_settings(bot="builtin", bot_games=2, bot_games_size=5)) as server:
        matches = server.runtime.matches
        ended: set[str] = set()
        async with (asyncio.timeout(10),
                    server.runtime.engine.watch(get_states({"phase": "finished"})) as watcher):
            async for state in watcher:
                ended.add(state.id)
                if len(ended) == 2:
                    break
        counts = matches.count_by_phase()
        assert counts["playing"] + counts["scoring"] + counts["waiting"] <= 2
        assert all(hub.match.black and hub.match.black.player_id.startswith("bot:")
                   for hub in matches.hubs.values())
