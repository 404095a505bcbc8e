"""A real `python -m gameserver` stopped with SIGTERM (what `docker stop` and `systemctl stop`
send) in the default durability mode: uvicorn runs the app's lifespan shutdown, the engine
flushes its write-behind snapshots, and a move acknowledged just before is there after the
restart. Players stay connected through the shutdown (they are cut off by it).

(The engine-level test, tests/flowstate/test_lifecycle.py, makes the flush interval 30 s so
that only the shutdown's flush can have written the commits; here the server's own settings
are used, as `docker stop` would find them.)"""

from __future__ import annotations

import asyncio
import signal
from pathlib import Path

from gameserver.testing import GameClient
from tests.gameserver.helpers import free_port, play, server_process


async def test_sigterm_after_an_acknowledged_move_loses_nothing(tmp_path: Path) -> None:
    """SIGTERM right after a move's acknowledgement; the restarted server has that move."""
    port, db = free_port(), tmp_path / "games.sqlite3"
    url = f"ws://127.0.0.1:{port}/ws"
    async with server_process(port, db) as proc:
        alice, bob = await GameClient.connect(url), await GameClient.connect(url)
        await alice.hello("Alice")
        await bob.hello("Bob")
        gid = (await alice.request("create", size=9, color="black"))["game_id"]
        await bob.request("join", game_id=gid)
        await bob.next_push("update", rev=2)
        await alice.next_push("update", rev=2)
        await play(alice, [bob], gid, 2, 2, 2)
        await bob.request("move", game_id=gid, rev=3, x=6, y=6)  # acknowledged
        proc.send_signal(signal.SIGTERM)
        async with asyncio.timeout(30):
            # uvicorn shuts down gracefully (the lifespan shutdown closes the engine, which
            # flushes), then re-raises the signal it caught, so the exit status says SIGTERM
            assert await proc.wait() == -signal.SIGTERM
        await alice.closed
        await bob.closed
    async with server_process(port, db):
        alice2 = await GameClient.connect(url)
        await alice2.hello(token=alice.token)
        game = (await alice2.next_push("game"))["game"]
        assert game["moves"] == [{"color": "black", "x": 2, "y": 2},
                                 {"color": "white", "x": 6, "y": 6}]
        assert game["board"][6][6] == "O" and game["turn"] == "black"
        for client in (alice, bob, alice2):
            await client.close()
