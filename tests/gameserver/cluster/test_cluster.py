"""The game server as a cluster: real processes on one real PostgreSQL database.

Players on different nodes play one game under every rule; spectators and the lobby on a
third node see the same; a node killed with -9 loses nothing acknowledged, its players go on
from another node, its deadlines fire once on a survivor, and every node restarting at once
loses nothing."""

from __future__ import annotations

import asyncio
from typing import Any

import httpx2 as httpx

from gameserver.testing import GameClient, ProtocolError
from tests.gameserver.cluster.conftest import TIMEOUT, Cluster

WAIT = 20.0


async def update_at(client: GameClient, gid: str, rev: int) -> dict[str, Any]:
    """The update that brings `gid` to `rev` (a snapshot at or past it will do)."""
    async with asyncio.timeout(WAIT):
        while True:
            frame = await client.next_push()
            if frame.get("type") == "update" and frame["game_id"] == gid and \
                    frame["rev"] == rev:
                return frame
            if frame.get("type") == "game" and frame["game"]["id"] == gid and \
                    frame["game"]["rev"] >= rev:
                return {"type": "update", "rev": frame["game"]["rev"],
                        "game": frame["game"], "event": None}


async def move(mover: GameClient, others: list[GameClient], gid: str, rev: int,
               x: int | None = None, y: int | None = None) -> dict[str, Any]:
    if x is None:
        await mover.request("pass", game_id=gid, rev=rev)
    else:
        await mover.request("move", game_id=gid, rev=rev, x=x, y=y)
    update = await update_at(mover, gid, rev + 1)
    for other in others:
        seen = await update_at(other, gid, rev + 1)
        assert seen["game"]["board"] == update["game"]["board"]
    return update


async def test_players_on_two_nodes_play_to_a_scored_result_watched_from_a_third(
        cluster: Cluster) -> None:
    """Black on node A, White on node B, a spectator on node C: the lobby, moves, an undo,
    chat and the scoring phase all cross nodes, to the same result everywhere."""
    a, b, c = [await cluster.start(name) for name in ("a", "b", "c")]
    black, white, sam = await a.client("Black"), await b.client("White"), await c.client("Sam")
    await sam.request("lobby_subscribe")
    await sam.next_push("lobby")
    gid = (await black.request("create", size=9, komi=6.5, color="black"))["game_id"]
    listed = await sam.next_push("lobby_update")  # the open game reaches node C's lobby
    assert listed["game"]["id"] == gid
    await white.request("join", game_id=gid)
    await update_at(black, gid, 2)
    await sam.request("watch", game_id=gid)
    await update_at(sam, gid, 2)
    rev = 2
    for n, (x, y) in enumerate([(2, 2), (6, 6), (2, 6), (6, 2)]):
        mover, others = (black, [white, sam]) if n % 2 == 0 else (white, [black, sam])
        await move(mover, others, gid, rev, x, y)
        rev += 1
    await white.request("undo_request", game_id=gid, rev=rev)
    await update_at(black, gid, rev + 1)
    await black.request("undo_reply", game_id=gid, accept=True)
    undone = await update_at(sam, gid, rev + 2)
    assert undone["game"]["board"][2][6] == "."  # white's last stone is gone on node C too
    rev += 2
    await sam.request("chat", game_id=gid, text="nice game")
    for client in (black, white):
        line = await client.next_push("chat")
        assert (line["name"], line["text"]) == ("Sam", "nice game")
    await move(white, [black, sam], gid, rev, 6, 2)
    rev += 1
    await move(black, [white, sam], gid, rev)
    rev += 1
    scoring = await move(white, [black, sam], gid, rev)
    rev += 1
    assert scoring["game"]["phase"] == "scoring"
    await black.request("accept_score", game_id=gid, rev=rev)
    await update_at(white, gid, rev + 1)
    await white.request("accept_score", game_id=gid, rev=rev + 1)
    finished = await update_at(sam, gid, rev + 2)
    assert finished["game"]["phase"] == "finished"
    result = finished["game"]["result"]
    async with httpx.AsyncClient() as http:
        for node in (a, b, c):
            game = (await http.get(f"{node.url}/api/games/{gid}")).json()
            assert (game["phase"], game["result"], game["rev"]) == ("finished", result, rev + 2)


async def test_a_token_from_one_node_works_on_every_node(cluster: Cluster) -> None:
    a, b = await cluster.start("a"), await cluster.start("b")
    alice = await a.client("Alice")
    again = await b.client(token=alice.token)
    assert (again.player_id, (await b.client(token=alice.token)).player_id) == (
        alice.player_id, alice.player_id)


async def test_a_node_killed_mid_game_loses_nothing_and_its_players_go_on_elsewhere(
        cluster: Cluster) -> None:
    """kill -9 of the node both players were on: they reconnect to the other node with their
    tokens, find the game as it was (every acknowledged move, the presence of the lost node's
    players cleaned up once its heartbeat stops) and finish it."""
    a, b = await cluster.start("a"), await cluster.start("b")
    black, white = await a.client("Black"), await a.client("White")
    gid = (await black.request("create", size=9, color="black"))["game_id"]
    await white.request("join", game_id=gid)
    await update_at(black, gid, 2)
    rev = 2
    for n, (x, y) in enumerate([(2, 2), (6, 6), (3, 3)]):
        mover, other = (black, white) if n % 2 == 0 else (white, black)
        await move(mover, [other], gid, rev, x, y)
        rev += 1
    a.kill()
    await cluster.wait_dead(a)
    black2, white2 = await b.client(token=black.token), await b.client(token=white.token)
    game = (await black2.next_push("game"))["game"]
    assert game["rev"] >= rev and game["board"][3][3] == "X" and game["board"][6][6] == "O"
    await white2.next_push("game")
    async with asyncio.timeout(WAIT):  # node a's presence is cleaned up after its timeout,
        while True:                    # and the players are still there, from node b
            frame = await black2.next_push("update")
            if frame["event"]["kind"] == "presence":
                break
    assert frame["game"]["players"]["black"]["connected"] is True
    async with httpx.AsyncClient() as http:
        current = (await http.get(f"{b.url}/api/games/{gid}")).json()
    rev = current["rev"]
    await move(white2, [black2], gid, rev, 5, 5)
    await white2.request("resign", game_id=gid)
    done = await update_at(black2, gid, rev + 2)
    assert done["game"]["result"] == "B+R"


async def test_a_flag_falls_once_on_the_survivor_when_its_players_nodes_are_gone(
        cluster: Cluster) -> None:
    """Black and White on nodes A and B with 2 s on their clocks; both nodes are killed; the
    flag still falls, exactly once, on node C (which no player of the game ever used)."""
    a, b, c = [await cluster.start(name) for name in ("a", "b", "c")]
    black, white = await a.client("Black"), await b.client("White")
    gid = (await black.request("create", size=9, color="black",
                               time_control={"system": "absolute", "main": 2}))["game_id"]
    await white.request("join", game_id=gid)
    await update_at(black, gid, 2)
    await move(black, [white], gid, 2, 4, 4)
    sam = await c.client("Sam")
    await sam.request("watch", game_id=gid)
    await sam.next_push("game")
    a.kill()
    b.kill()
    timeout = None
    async with asyncio.timeout(WAIT):
        while timeout is None:
            frame = await sam.next_push("update")
            if frame["event"]["kind"] == "timeout":
                timeout = frame
    assert timeout["game"]["result"] == "B+T"
    await asyncio.sleep(TIMEOUT * 2)  # any duplicate firing would have come by now
    assert [f for f in sam.pending("update") if f["event"]["kind"] == "timeout"] == []
    async with httpx.AsyncClient() as http:
        game = (await http.get(f"{c.url}/api/games/{gid}")).json()
    assert game["result"] == "B+T"


async def test_every_node_restarting_at_once_loses_nothing(cluster: Cluster) -> None:
    """Two nodes killed at once and started again on the same database: every acknowledged
    move is there, and play goes on."""
    a, b = await cluster.start("a"), await cluster.start("b")
    black, white = await a.client("Black"), await b.client("White")
    gid = (await black.request("create", size=9, color="black"))["game_id"]
    await white.request("join", game_id=gid)
    await update_at(black, gid, 2)
    rev = 2
    for n in range(6):
        mover, other = (black, white) if n % 2 == 0 else (white, black)
        await move(mover, [other], gid, rev, n, 0 if n % 2 == 0 else 8)
        rev += 1
    a.kill()
    b.kill()
    await cluster.wait_dead(a)
    await cluster.wait_dead(b)
    a2 = await cluster.start("a2", a.port)
    black2 = await a2.client(token=black.token)
    game = (await black2.next_push("game"))["game"]
    # Every acknowledged move is there. The rev may be past the last move's: once the dead
    # nodes' heartbeats time out, a2 marks their players away, a version each (whether that
    # happened before this snapshot depends on timing).
    assert len(game["moves"]) == 6 and game["rev"] >= rev
    b2 = await cluster.start("b2", b.port)
    white2 = await b2.client(token=white.token)
    await white2.next_push("game")
    # Play goes on. The dead nodes' players may still be marked away (a version each) after
    # this read, as a client meets it: a stale_rev is answered by reading the rev again.
    for attempt in range(3):
        async with httpx.AsyncClient() as http:
            rev = (await http.get(f"{a2.url}/api/games/{gid}")).json()["rev"]
        try:
            await move(black2, [white2], gid, rev, 4, 4)
            break
        except ProtocolError as error:
            if error.code != "stale_rev" or attempt == 2:
                raise


async def test_a_bot_keeps_playing_when_a_node_dies_and_answers_each_move_once(
        cluster: Cluster) -> None:
    """A game against the built-in bot on a two-node cluster: one node plays the bot (the one
    the rendezvous hash picks); kill -9 node A, whoever that was, and the bot still answers
    every move exactly once, from node B."""
    cluster.extra = ("--bot", "builtin")
    a, b = await cluster.start("a"), await cluster.start("b")
    human = await b.client("Human")
    reply = await human.request("create", size=9, color="black", opponent="bot")
    gid = reply["game_id"]
    rev = (await human.next_push("game"))["game"]["rev"]
    await human.request("move", game_id=gid, rev=rev, x=2, y=2)
    answer = await update_at(human, gid, rev + 2)
    assert answer["event"] is None or answer["event"]["color"] == "white"
    a.kill()
    await cluster.wait_dead(a)
    rev += 2
    for x in (4, 6):
        board = answer["game"]["board"]
        y = next(y for y in range(9) if board[y][x] == ".")
        await human.request("move", game_id=gid, rev=rev, x=x, y=y)
        answer = await update_at(human, gid, rev + 2)
        assert answer["event"] is None or answer["event"]["color"] == "white"
        rev += 2
    await human.request("ping")
    async with httpx.AsyncClient() as http:
        game = (await http.get(f"{b.url}/api/games/{gid}")).json()
    assert game["rev"] == rev and len(game["moves"]) == 6
