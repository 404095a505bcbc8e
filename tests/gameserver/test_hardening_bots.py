"""The built-in bot thinks in the bot service's worker processes, not on the event loop."""

from __future__ import annotations

import os

from flowstate.testing import FakeClock
from gameserver.games.go.bots.brain import GoBots
from gameserver.games.go.bots.pool import ThinkPool
from gameserver.testing import serve
from tests.gameserver.helpers import memory_settings


def worker_pid() -> int:
    return os.getpid()


async def test_the_builtin_bot_answers_from_a_worker_process(fake_clock: FakeClock) -> None:
    """A game against the built-in bot: its replies come from searches run in the pool (the
    loop only awaited them), and the pool stops with the server."""
    settings = memory_settings(bot="builtin", bot_workers=1)
    async with serve(settings, clock=fake_clock) as server:
        alice = await server.client("Alice")
        reply = await alice.request("create", size=9, opponent="bot", color="black")
        game_id = reply["game_id"]
        await alice.next_push("game")
        rev = 1
        for x in range(3):
            await alice.request("move", game_id=game_id, rev=rev, x=x, y=0)
            await alice.next_push("update", rev=rev + 1)
            bot_move = await alice.next_push("update", rev=rev + 2)
            assert bot_move["event"]["color"] == "white"
            rev += 2
        bots = server.runtime.bots._makers["go"]
        assert isinstance(bots, GoBots)
        pool = bots.pool
        assert pool.searches >= 3
        assert await pool.run(worker_pid) != os.getpid()
    assert not pool.started  # closed with the bot service


async def test_a_pool_without_workers_thinks_on_the_loop() -> None:
    """`bot_workers=0` keeps the old behaviour: the search runs in this process."""
    pool = ThinkPool(0)
    assert await pool.run(worker_pid) == os.getpid()
