"""A real `python -m gameserver` process killed (SIGKILL) in the middle of four light-cycles
races, started again on the same --db file with the default (write-behind) durability: every
race comes back at the tick it had reached, give or take the flush window, counts down again
and rides on from there."""

from __future__ import annotations

import asyncio
import time
from pathlib import Path
from typing import Any

from gameserver.games.cycles.rules import RESUME_AFTER_MS
from gameserver.testing import GameClient
from tests.gameserver.helpers import free_port, server_process

RACES = 4
RATE = 10  # ticks per second
#: seconds before the first tick and after a resume: long enough for the clients to come back
#: before the riders move again, on a busy machine
COUNTDOWN = 4
#: ticks a kill -9 may take back: the flush window (50 ms) plus a flush in progress, at 10
#: ticks per second one or two; a loose bound, since a busy shared machine slows flushes
LOST = 5
#: ticks the server may have committed whose push the client had not read at the kill
UNREAD = 2


async def last_tick(client: GameClient, at_least: int) -> int:
    """Read updates until one shows tick `at_least` or later; its tick."""
    while True:
        update = await client.next_push("update")
        if update["game"]["tick"] >= at_least:
            return int(update["game"]["tick"])


async def next_tick(client: GameClient) -> dict[str, Any]:
    """The next update that is a tick (presence changes passed over)."""
    while (update := await client.next_push("update"))["event"]["kind"] != "tick":
        pass
    return update


def ticks_seen(client: GameClient) -> int:
    return max([u["game"]["tick"] for u in client.pending("update")], default=0)


async def test_a_killed_server_resumes_every_race_at_the_tick_it_had_reached(
        tmp_path: Path) -> None:
    port, db = free_port(), tmp_path / "games.sqlite3"
    url = f"ws://127.0.0.1:{port}/ws"
    races: list[tuple[str, GameClient, GameClient]] = []
    async with server_process(port, db, "--games", "cycles") as proc:
        for _ in range(RACES):
            red, blue = await GameClient.connect(url), await GameClient.connect(url)
            await red.hello("Red")
            await blue.hello("Blue")
            gid = (await red.request("create", game="cycles", seat="red", size=100,
                                     tick_rate=RATE, countdown=COUNTDOWN))["game_id"]
            await blue.request("join", game_id=gid)
            races.append((gid, red, blue))
        read = {gid: await last_tick(red, 3) for gid, red, _ in races}
        proc.kill()
        killed = time.monotonic()
        await proc.wait()
        seen = {}
        for gid, red, blue in races:
            await red.closed
            await blue.closed
            seen[gid] = max(read[gid], ticks_seen(red))
    # a restart sooner than the resume threshold would be a stall, not a stop: the rules
    # then ride on without a countdown (start-up takes longer than that anyway)
    await asyncio.sleep(max(0.0, RESUME_AFTER_MS / 1000 + 0.1 - (time.monotonic() - killed)))
    async with server_process(port, db, "--games", "cycles"):
        backs = []
        for gid, red, _ in races:  # everyone back first, then the riders ride on
            back = await GameClient.connect(url)
            await back.hello(token=red.token)
            game: dict[str, Any] = (await back.next_push("game"))["game"]
            assert game["id"] == gid
            tick = game["tick"]
            assert seen[gid] - LOST <= tick <= seen[gid] + UNREAD, (gid, seen[gid], tick)
            assert game["phase"] == "countdown", game["phase"]
            painted = sum(len(row) - row.count(".") for row in game["grid"])
            assert painted == 2 * (tick + 1)  # two riders, a cell each per tick, no crash
            backs.append((back, tick))
        for back, tick in backs:
            resumed = await next_tick(back)
            assert resumed["event"]["tick"] == tick + 1
            await back.close()
    for _, red, blue in races:
        await red.close()
        await blue.close()

