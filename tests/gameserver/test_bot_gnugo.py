"""GNU Go in bot seats through the real server: whole bot-vs-bot games to a scored result, and a
human's game that goes on when the engine is killed or hangs. These fail (not skip) when GNU Go
is missing, as the bot package's own tests do."""

from __future__ import annotations

import asyncio
import contextlib
import os
import signal
from typing import Any

from gameserver.games.go.bots import GNUGO_PATH
from gameserver.games.go.bots.brain import engine_pid
from gameserver.testing import GameClient, RunningServer, serve
from tests.gameserver.helpers import memory_settings
from tests.gameserver.test_bot_seats import create_vs_bot, next_update

GAME_LIMIT = 15.0  # seconds for a whole 9x9 game at level 1 (a few in practice)


def gnugo_settings(**overrides: Any) -> Any:
    assert os.access(GNUGO_PATH, os.X_OK), f"GNU Go is not installed at {GNUGO_PATH}"
    return memory_settings(bot="gnugo", bot_level=1, **overrides)


async def watch_to_the_end(server: RunningServer, black: str, white: str) -> dict[str, Any]:
    hub = await server.runtime.bots.create_bot_game(black, white, options={"size": 9})
    watcher = await server.client("Watcher")
    await watcher.request("watch", game_id=hub.match.id)
    async with asyncio.timeout(GAME_LIMIT):
        return await next_update(watcher, "finished")


async def test_gnugo_against_the_builtin_bot_plays_to_a_scored_result() -> None:
    """A bot-vs-bot game made server-side runs by itself: both pass, both bots score, the game
    ends with a counted result; the engine is closed with the game."""
    async with serve(gnugo_settings()) as server:
        finished = await watch_to_the_end(server, "gnugo", "builtin")
        game = finished["game"]
        assert game["players"]["black"]["name"] == "GNU Go level 1"
        assert game["players"]["white"]["name"] == "Built-in bot"
        assert game["phase"] == "finished" and game["score"] is not None
        assert game["result"][:2] in ("B+", "W+") and game["result"][2:3].isdigit()
        assert server.runtime.bots.bot(game["id"], "black") is None


async def test_gnugo_against_itself_on_9x9_ends_scored() -> None:
    """Two GNU Go seats (two engines) play a whole 9x9 game and agree on a score."""
    async with serve(gnugo_settings()) as server:
        game = (await watch_to_the_end(server, "gnugo", "gnugo"))["game"]
        assert game["result"][2:3].isdigit(), game["result"]


async def play_on(alice: GameClient, gid: str, game: dict[str, Any]) -> dict[str, Any]:
    """Alice plays the first empty point; returns the bot's answer."""
    board = game["board"]
    x, y = next((x, y) for y in range(9) for x in range(9) if board[y][x] == ".")
    await alice.request("move", game_id=gid, rev=game["rev"], x=x, y=y)
    return (await next_update(alice, "move", color="white"))["game"]


async def test_the_game_goes_on_when_the_engine_is_killed() -> None:
    """SIGKILL on GNU Go between two moves: the next move restarts it, replays the game and
    answers (no built-in fallback)."""
    async with serve(gnugo_settings()) as server:
        alice = await server.client("Alice")
        gid, game = await create_vs_bot(alice)
        game = await play_on(alice, gid, game)
        bot = server.runtime.bots.bot(gid, "white")
        pid = engine_pid(bot)
        assert pid is not None
        os.kill(pid, signal.SIGKILL)
        game = await play_on(alice, gid, game)
        assert engine_pid(bot) not in (None, pid)
        assert getattr(getattr(bot, "player", None), "fallbacks", None) == 0
        assert sum(row.count("O") for row in game["board"]) == 2


async def test_the_game_goes_on_when_the_engine_hangs() -> None:
    """GNU Go stopped (SIGSTOP) mid-game: its genmove times out, it is killed and restarted,
    and the bot still answers within its budget."""
    async with serve(gnugo_settings(bot_timeout=1.5)) as server:
        alice = await server.client("Alice")
        gid, game = await create_vs_bot(alice)
        game = await play_on(alice, gid, game)
        bot = server.runtime.bots.bot(gid, "white")
        pid = engine_pid(bot)
        assert pid is not None
        os.kill(pid, signal.SIGSTOP)
        try:
            game = await play_on(alice, gid, game)
        finally:
            with contextlib.suppress(ProcessLookupError):  # the bot has killed and reaped it
                os.kill(pid, signal.SIGKILL)
        assert engine_pid(bot) not in (None, pid)
        assert sum(row.count("O") for row in game["board"]) == 2
