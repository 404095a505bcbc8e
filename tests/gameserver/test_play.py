"""Whole games over real sockets: moves, passes, scoring, resign, undo, records."""

from __future__ import annotations

import httpx2 as httpx
import pytest

from gameserver.testing import ProtocolError, RunningServer
from tests.gameserver.helpers import play, start_game


async def test_whole_9x9_game_to_two_passes_and_score(game_server: RunningServer) -> None:
    """A 9x9 game: stones, a capture, two passes, dead stones marked, both accept: B wins."""
    alice, bob, gid = await start_game(game_server)
    # black walls off the left, white the right; a lone white stone dies inside black's area
    moves = [*[(x, y) for y in range(9) for x in (4, 5)], (0, 8), (1, 1)]
    rev = 2
    for i, (x, y) in enumerate(moves):
        mover, other = (alice, bob) if i % 2 == 0 else (bob, alice)
        update = await play(mover, [other], gid, rev, x, y)
        assert update["event"] == {"kind": "move", "color": "black" if i % 2 == 0 else "white",
                                   "x": x, "y": y}
        assert "moves" not in update["game"]
        rev += 1
    board = update["game"]["board"]
    assert board[1] == ".O..XO..." and board[8] == "X...XO..."
    update = await play(alice, [bob], gid, rev)
    assert update["event"]["kind"] == "pass" and update["game"]["phase"] == "playing"
    update = await play(bob, [alice], gid, rev + 1)
    assert update["game"]["phase"] == "scoring" and update["game"]["turn"] is None
    rev += 2
    await alice.request("mark_dead", game_id=gid, x=1, y=1, dead=True)
    update = await alice.next_push("update", rev=rev + 1)
    assert update["event"]["kind"] == "dead_marked"
    assert update["game"]["dead"] == [{"x": 1, "y": 1}]
    await bob.next_push("update", rev=rev + 1)
    await alice.request("accept_score", game_id=gid, rev=rev + 1)
    update = await bob.next_push("update", rev=rev + 2)
    assert update["event"] == {"kind": "score_accepted", "color": "black"}
    await bob.request("accept_score", game_id=gid, rev=rev + 2)
    update = await alice.next_push("update", rev=rev + 3)
    assert update["event"]["kind"] == "finished"
    assert update["game"]["phase"] == "finished"
    result = update["game"]["result"]
    assert result == "B+2.5"  # area: 45 for black, 36 + 6.5 for white
    assert update["game"]["score"]["black"] == 45

    async with httpx.AsyncClient(base_url=game_server.url) as http:
        sgf = await http.get(f"/api/games/{gid}/sgf")
        assert sgf.status_code == 200
        assert sgf.text.startswith("(;") and "SZ[9]" in sgf.text and "PB[Alice]" in sgf.text
        assert f"RE[{result}]" in sgf.text
        snap = (await http.get(f"/api/games/{gid}")).json()
        assert snap["result"] == result and len(snap["moves"]) == len(moves) + 2
        listed = (await http.get("/api/games")).json()["games"]
        assert gid not in [g["id"] for g in listed]  # finished games are not listed


async def test_a_client_replaying_updates_equals_the_snapshot(game_server: RunningServer) -> None:
    """Appending each update's move to the first snapshot gives the server's snapshot."""
    alice, bob, gid = await start_game(game_server)
    spectator = await game_server.client("Sam")
    await spectator.request("watch", game_id=gid)
    view = (await spectator.next_push("game"))["game"]
    rev = 2
    steps: list[tuple[int | None, int | None]] = [(2, 2), (6, 6), (2, 6), (6, 2), (None, None)]
    for i, (x, y) in enumerate(steps):
        mover, other = (alice, bob) if i % 2 == 0 else (bob, alice)
        await play(mover, [other], gid, rev, x, y)
        update = await spectator.next_push("update", rev=rev + 1)
        event = update["event"]
        view = {**update["game"], "moves": [*view["moves"], (
            {"color": event["color"], "pass": True} if event["kind"] == "pass"
            else {"color": event["color"], "x": event["x"], "y": event["y"]})]}
        rev += 1
    async with httpx.AsyncClient(base_url=game_server.url) as http:
        assert (await http.get(f"/api/games/{gid}")).json() == view


async def test_resign_loses_even_out_of_turn(game_server: RunningServer) -> None:
    """White resigns on black's turn: W resigned, so B+R."""
    alice, bob, gid = await start_game(game_server)
    await bob.request("resign", game_id=gid)
    update = await alice.next_push("update", rev=3)
    assert update["event"] == {"kind": "resign", "color": "white", "result": "B+R"}
    assert update["game"]["phase"] == "finished" and update["game"]["result"] == "B+R"
    with pytest.raises(ProtocolError) as error:
        await alice.request("move", game_id=gid, rev=3, x=0, y=0)
    assert error.value.code == "wrong_phase"


async def test_undo_request_accept_and_reject(game_server: RunningServer) -> None:
    """Only your own last move; the opponent accepts (stone gone, your turn) or rejects."""
    alice, bob, gid = await start_game(game_server)
    await play(alice, [bob], gid, 2, 4, 4)
    with pytest.raises(ProtocolError) as error:
        await bob.request("undo_request", game_id=gid, rev=3)
    assert error.value.code == "forbidden"
    assert error.value.message == "you can only take back your own last move"
    await alice.request("undo_request", game_id=gid, rev=3)
    update = await bob.next_push("update", rev=4)
    assert update["event"] == {"kind": "undo_requested", "color": "black"}
    assert update["game"]["undo"] == {"color": "black", "rev": 3}
    await alice.next_push("update", rev=4)
    with pytest.raises(ProtocolError) as error:
        await alice.request("undo_reply", game_id=gid, accept=True)
    assert error.value.code == "forbidden"
    await bob.request("undo_reply", game_id=gid, accept=False)
    update = await alice.next_push("update", rev=5)
    assert update["event"]["kind"] == "undo_rejected" and update["game"]["undo"] is None
    assert update["game"]["board"][4][4] == "X"
    await bob.next_push("update", rev=5)
    await alice.request("undo_request", game_id=gid, rev=5)
    await bob.next_push("update", rev=6)
    await bob.request("undo_reply", game_id=gid, accept=True)
    update = await alice.next_push("update", rev=7)
    assert update["event"] == {"kind": "undo_accepted", "color": "black", "moves": 1}
    assert update["game"]["board"][4] == "........." and update["game"]["turn"] == "black"


async def test_a_move_clears_a_pending_undo(game_server: RunningServer) -> None:
    """Answering an undo request by playing on declines it."""
    alice, bob, gid = await start_game(game_server)
    await play(alice, [bob], gid, 2, 4, 4)
    await alice.request("undo_request", game_id=gid, rev=3)
    await bob.next_push("update", rev=4)
    await alice.next_push("update", rev=4)
    update = await play(bob, [alice], gid, 4, 3, 3)
    assert update["game"]["undo"] is None


async def test_lobby_shows_open_games_live(game_server: RunningServer) -> None:
    """An open game appears in the lobby when created and disappears when it fills."""
    watcher = await game_server.client("Lou")
    await watcher.request("lobby_subscribe")
    assert (await watcher.next_push("lobby"))["games"] == []
    alice = await game_server.client("Alice")
    gid = (await alice.request("create", size=13, komi=0.5, color="white"))["game_id"]
    appeared = await watcher.next_push("lobby_update")
    assert appeared["game"]["id"] == gid and appeared["game"]["phase"] == "waiting"
    assert appeared["game"]["settings"]["size"] == 13
    assert appeared["game"]["players"]["white"]["name"] == "Alice"
    bob = await game_server.client("Bob")
    await bob.request("join", game_id=gid)
    assert await watcher.next_push("lobby_remove") == {"type": "lobby_remove", "game_id": gid}
    await watcher.request("lobby_unsubscribe")
    await alice.request("create", size=9, color="black")
    await watcher.request("ping", t=1)  # a round trip: any lobby push would have come first
    assert watcher.pending("lobby_update") == []


async def test_spectators_and_chat(game_server: RunningServer) -> None:
    """A spectator sees moves and chat; chat from a player reaches everyone watching."""
    alice, bob, gid = await start_game(game_server)
    sam = await game_server.client("Sam")
    await sam.request("watch", game_id=gid)
    assert (await sam.next_push("game"))["game"]["rev"] == 2
    await play(alice, [bob, sam], gid, 2, 2, 2)
    await bob.request("chat", game_id=gid, text="  nice move  ")
    for client in (alice, bob, sam):
        chat = await client.next_push("chat")
        assert chat["text"] == "nice move" and chat["name"] == "Bob"
        assert chat["player_id"] == bob.player_id and chat["game_id"] == gid
        assert chat["at"] == game_server.clock.now()
    with pytest.raises(ProtocolError) as error:
        await sam.request("move", game_id=gid, rev=3, x=1, y=1)
    assert error.value.code == "forbidden"
    await sam.request("unwatch", game_id=gid)
    await play(bob, [alice], gid, 3, 6, 6)
    await sam.request("ping")
    assert sam.pending("update") == []


async def test_watch_since_rev_sends_only_missed_updates(game_server: RunningServer) -> None:
    """A client back after a gap gets the updates after its rev, not a snapshot."""
    alice, bob, gid = await start_game(game_server)
    await play(alice, [bob], gid, 2, 2, 2)
    await play(bob, [alice], gid, 3, 6, 6)
    late = await game_server.client("Late")
    await late.request("watch", game_id=gid, since_rev=2)
    assert [(await late.next_push("update"))["rev"] for _ in range(2)] == [3, 4]
    assert late.pending("game") == []
    current = await game_server.client("Current")
    await current.request("watch", game_id=gid, since_rev=4)
    await play(alice, [bob, current], gid, 4, 3, 3)  # the next update is the first push
    assert current.pending() == []
    fresh = await game_server.client("Fresh")
    await fresh.request("watch", game_id=gid)
    assert (await fresh.next_push("game"))["game"]["rev"] == 5


async def test_scoring_changes_clear_acceptances_and_resume_returns_to_play(
        game_server: RunningServer) -> None:
    """A dead-stone change clears both acceptances; resume_play goes back to playing."""
    alice, bob, gid = await start_game(game_server)
    await play(alice, [bob], gid, 2, 2, 2)
    await play(bob, [alice], gid, 3, 6, 6)
    await play(alice, [bob], gid, 4)
    update = await play(bob, [alice], gid, 5)
    assert update["game"]["phase"] == "scoring"
    # one stone each and no territory: 1 to 1 + 6.5 komi
    assert update["game"]["score"] == {"black": 1, "white": 7.5, "result": "W+6.5", "komi": 6.5,
                                       "handicap_compensation": 0}
    await alice.request("accept_score", game_id=gid, rev=6)
    update = await bob.next_push("update", rev=7)
    assert update["game"]["accepted"] == ["black"]
    with pytest.raises(ProtocolError) as error:
        await bob.request("accept_score", game_id=gid, rev=6)
    assert error.value.code == "stale_rev"
    await bob.request("mark_dead", game_id=gid, x=2, y=2, dead=True)
    update = await alice.next_push("update", rev=8)
    assert update["game"]["accepted"] == [] and update["game"]["dead"] == [{"x": 2, "y": 2}]
    await bob.request("resume_play", game_id=gid)
    update = await alice.next_push("update", rev=9)
    assert update["event"] == {"kind": "play_resumed", "color": "white"}
    assert update["game"]["phase"] == "playing" and update["game"]["turn"] == "black"
    await play(alice, [bob], gid, 9, 4, 4)
