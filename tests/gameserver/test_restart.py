"""A real `python -m gameserver` process killed mid-game (SIGKILL) and started again on the same
--db file: with strict durability nothing acknowledged is lost."""

from __future__ import annotations

from pathlib import Path

from gameserver.testing import GameClient
from tests.gameserver.helpers import free_port, play, server_process


async def test_killed_server_comes_back_with_the_game(tmp_path: Path) -> None:
    """Moves and a pending undo acknowledged before a SIGKILL are there after the restart; the
    players get their seats back with their tokens and play on."""
    port, db = free_port(), tmp_path / "games.sqlite3"
    url = f"ws://127.0.0.1:{port}/ws"
    async with server_process(port, db, "--durability", "strict") as proc:
        alice, bob = await GameClient.connect(url), await GameClient.connect(url)
        await alice.hello("Alice")
        await bob.hello("Bob")
        gid = (await alice.request("create", size=9, color="black"))["game_id"]
        await bob.request("join", game_id=gid)
        await bob.next_push("update", rev=2)
        await alice.next_push("update", rev=2)
        await play(alice, [bob], gid, 2, 2, 2)
        await play(bob, [alice], gid, 3, 6, 6)
        await bob.request("undo_request", game_id=gid, rev=4)
        before = (await alice.next_push("update", rev=5))["game"]
        proc.kill()
        await proc.wait()
        await alice.closed
        await bob.closed
    async with server_process(port, db, "--durability", "strict"):
        alice2 = await GameClient.connect(url)
        await alice2.hello(token=alice.token)
        after = (await alice2.next_push("game"))["game"]
        assert after["board"] == before["board"]
        assert after["undo"] == {"color": "white", "rev": 4}
        assert after["players"]["black"]["name"] == "Alice"
        bob2 = await GameClient.connect(url)
        await bob2.hello(token=bob.token)
        await bob2.next_push("game")
        await alice2.request("undo_reply", game_id=gid, accept=True)
        update = await bob2.next_push("update", event={"kind": "undo_accepted", "color": "white",
                                                       "moves": 1})
        await play(bob2, [alice2], gid, update["rev"], 5, 5)
        for client in (alice, bob, alice2, bob2):
            await client.close()
