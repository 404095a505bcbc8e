"""What players expect around the game itself: kept chat, rematch, quick match, a score
estimate, SGF with the date, clock and chat, renames reaching running games, an absent
creator's game leaving the lobby, and notices for a lapsed undo or a withdrawn acceptance."""

from __future__ import annotations

from pathlib import Path

import httpx2 as httpx

from flowstate.testing import FakeClock
from gameserver.settings import Settings
from gameserver.testing import GameClient, ProtocolError, RunningServer, serve
from tests.gameserver.helpers import memory_settings, play, start_game


async def finish(alice: GameClient, bob: GameClient, gid: str, rev: int) -> int:
    """Bob (white) resigns; returns the final rev."""
    await bob.request("resign", game_id=gid)
    await alice.next_push("update", rev=rev + 1)
    await bob.next_push("update", rev=rev + 1)
    return rev + 1


async def test_chat_is_kept_and_shown_to_whoever_opens_the_game_later(
        fake_clock: FakeClock, tmp_path: Path) -> None:
    """Lines said in a game come back as `chat_history` after the snapshot, for a late
    spectator and for a player after a restart."""
    settings = Settings(db=str(tmp_path / "games.sqlite3"), loop="none")
    async with serve(settings, clock=fake_clock) as server:
        alice, bob, gid = await start_game(server)
        await alice.request("chat", game_id=gid, text="hello")
        await bob.request("chat", game_id=gid, text="good luck")
        await bob.next_push("chat")
        late = await server.client("Late")
        await late.request("watch", game_id=gid)
        await late.next_push("game")
        history = await late.next_push("chat_history", game_id=gid)
        assert [(ln["name"], ln["text"]) for ln in history["lines"]] == [("Alice", "hello"),
                                                                        ("Bob", "good luck")]
        token = alice.token
    async with serve(settings, clock=fake_clock) as server:
        again = await server.client(token=token)
        await again.next_push("game")
        history = await again.next_push("chat_history", game_id=gid)
        assert len(history["lines"]) == 2


async def test_a_rematch_swaps_the_colours_and_starts_when_accepted(
        game_server: RunningServer) -> None:
    alice, bob, gid = await start_game(game_server)
    await finish(alice, bob, gid, 2)
    offer = await alice.request("rematch", game_id=gid)
    assert offer["seat"] == "white"  # alice had black
    seen = await bob.next_push("rematch", game_id=gid)
    assert seen["rematch"]["game_id"] == offer["game_id"]
    assert seen["rematch"]["phase"] == "waiting" and seen["rematch"]["name"] == "Alice"
    again = await alice.request("rematch", game_id=gid)  # asking twice: the same offer
    assert again["game_id"] == offer["game_id"]
    intruder = await game_server.client("Eve")
    try:
        await intruder.request("join", game_id=offer["game_id"])
    except ProtocolError as error:
        assert error.code == "forbidden"
    else:
        raise AssertionError("a seat kept for bob was taken by eve")
    reply = await bob.request("rematch_reply", game_id=offer["game_id"], accept=True)
    assert reply["seat"] == "black"
    started = await alice.next_push("update", game_id=offer["game_id"], rev=2)
    assert started["game"]["phase"] == "playing"
    assert started["game"]["players"]["black"]["name"] == "Bob"


async def test_a_declined_rematch_is_cancelled_and_both_hear_it(
        game_server: RunningServer) -> None:
    alice, bob, gid = await start_game(game_server)
    await finish(alice, bob, gid, 2)
    offer = await alice.request("rematch", game_id=gid)
    await bob.next_push("rematch", game_id=gid)
    assert (await alice.next_push("rematch", game_id=gid))["rematch"]["phase"] == "waiting"
    await bob.request("rematch_reply", game_id=offer["game_id"], accept=False)
    told = await alice.next_push("rematch", game_id=gid)
    assert told["rematch"]["phase"] == "finished"
    cancelled = await alice.next_push("update", game_id=offer["game_id"])
    assert cancelled["event"]["reason"] == "rematch declined"


async def test_a_rematch_against_the_bot_starts_at_once(fake_clock: FakeClock) -> None:
    async with serve(memory_settings(bot="builtin"), clock=fake_clock) as server:
        alice = await server.client("Alice")
        gid = (await alice.request("create", size=9, color="black", opponent="bot"))["game_id"]
        await alice.next_push("game")
        await alice.request("resign", game_id=gid)
        offer = await alice.request("rematch", game_id=gid)
        game = (await alice.next_push("game", ))["game"]
        assert game["id"] == offer["game_id"] and game["phase"] == "playing"
        assert game["players"]["black"]["id"].startswith("bot:")


async def test_quick_match_pairs_two_players_waiting_for_the_same_game(
        game_server: RunningServer) -> None:
    alice, bob = await game_server.client("Alice"), await game_server.client("Bob")
    waiting = await alice.request("quick_match", size=9, time_control={"system": "none"})
    assert waiting["status"] == "waiting"
    carol = await game_server.client("Carol")
    other = await carol.request("quick_match", size=13)  # another size: no partner
    assert other["status"] == "waiting"
    paired = await bob.request("quick_match", size=9, time_control={"system": "none"})
    assert paired["status"] == "paired"
    told = await alice.next_push("quick_match")
    assert told == {"type": "quick_match", "status": "paired", "game_id": paired["game_id"]}
    game = (await alice.next_push("game"))["game"]
    assert game["phase"] == "playing" and game["settings"]["size"] == 9
    names = {p["name"] for p in game["players"].values()}
    assert names == {"Alice", "Bob"}
    assert (await carol.request("quick_match_cancel"))["status"] == "cancelled"


async def test_a_quick_match_wait_survives_a_reload(game_server: RunningServer) -> None:
    alice = await game_server.client("Alice")
    await alice.request("quick_match", size=9)
    await alice.close()
    again = await game_server.client(token=alice.token)
    assert (await again.next_push("quick_match"))["status"] == "waiting"
    bob = await game_server.client("Bob")
    paired = await bob.request("quick_match", size=9)
    assert (await again.next_push("quick_match"))["game_id"] == paired["game_id"]


async def test_a_score_estimate_counts_the_suggested_dead_stones(
        game_server: RunningServer) -> None:
    alice, bob, gid = await start_game(game_server, komi=0.5)
    await play(alice, [bob], gid, 2, 4, 4)
    estimate = (await bob.request("estimate", game_id=gid))["result"]
    assert estimate["estimate"] is True and estimate["result"] == "B+80.5"
    assert (await alice.request("query", game_id=gid, name="estimate"))["result"] == estimate


async def test_sgf_has_the_date_the_clock_and_the_chat(game_server: RunningServer) -> None:
    alice, bob, gid = await start_game(
        game_server, time_control={"system": "byoyomi", "main": 600, "periods": 5,
                                   "period": 30})
    await play(alice, [bob], gid, 2, 2, 2)
    await bob.request("chat", game_id=gid, text="nice opening")
    await alice.next_push("chat")
    async with httpx.AsyncClient(base_url=game_server.url) as http:
        sgf = (await http.get(f"/api/games/{gid}/sgf")).text
    assert "DT[2023-11-14]" in sgf and "TM[600]" in sgf and "OT[5x30 byo-yomi]" in sgf
    assert ";B[cc]C[Bob: nice opening]" in sgf


async def test_a_rename_reaches_the_games_the_player_sits_in(
        game_server: RunningServer) -> None:
    alice, bob, _ = await start_game(game_server)
    await alice.close()
    renamed = await game_server.client(name="Alicia", token=alice.token)
    await renamed.next_push("game")
    update = await bob.next_push("update", event={"kind": "player_renamed", "seat": "black",
                                                  "color": "black", "name": "Alicia"})
    assert update["game"]["players"]["black"]["name"] == "Alicia"


async def test_an_absent_creators_game_leaves_the_lobby_until_they_are_back(
        fake_clock: FakeClock) -> None:
    async with serve(memory_settings(lobby_away=30.0), clock=fake_clock) as server:
        alice = await server.client("Alice")
        gid = (await alice.request("create", size=9))["game_id"]
        watcher = await server.client("Watcher")
        await watcher.request("lobby_subscribe")
        assert [g["id"] for g in (await watcher.next_push("lobby"))["games"]] == [gid]
        await alice.close()
        await fake_clock.advance(30)
        assert (await watcher.next_push("lobby_remove"))["game_id"] == gid
        bob = await server.client("Bob")
        try:
            await bob.request("join", game_id=gid)
        except ProtocolError as error:
            assert error.code == "forbidden"
        else:
            raise AssertionError("joined a game whose creator is away")
        await server.client(token=alice.token)
        assert (await watcher.next_push("lobby_update"))["game"]["id"] == gid


async def test_a_lapsed_undo_and_a_withdrawn_acceptance_are_said_in_the_events(
        game_server: RunningServer) -> None:
    alice, bob, gid = await start_game(game_server)
    await play(alice, [bob], gid, 2, 2, 2)
    await alice.request("undo_request", game_id=gid, rev=3)
    await bob.next_push("update", rev=4)
    moved = await play(bob, [alice], gid, 4, 6, 6)  # bob plays instead of answering
    assert moved["event"]["undo_lapsed"] == "black"
    await play(alice, [bob], gid, 5)
    await play(bob, [alice], gid, 6)
    await alice.request("accept_score", game_id=gid, rev=7)
    await bob.next_push("update", rev=8)
    await bob.request("mark_dead", game_id=gid, x=2, y=2, dead=True)
    marked = await alice.next_push("update", rev=9)
    assert marked["event"]["withdrawn"] == ["black"]
