"""Races, presence, reconnects and restarts."""

from __future__ import annotations

import asyncio
from pathlib import Path

import httpx2 as httpx
import pytest

from flowstate.testing import FakeClock
from gameserver.settings import Settings
from gameserver.testing import ProtocolError, RunningServer, serve
from tests.gameserver.helpers import memory_settings, play, start_game


async def test_two_clients_racing_the_same_move(game_server: RunningServer) -> None:
    """Two sockets of black send a move at the same rev: one wins, the other is stale_rev."""
    alice, bob, gid = await start_game(game_server)
    alice2 = await game_server.client(token=alice.token)
    await alice2.next_push("game")
    results = await asyncio.gather(
        alice.request("move", game_id=gid, rev=2, x=2, y=2),
        alice2.request("move", game_id=gid, rev=2, x=6, y=6),
        return_exceptions=True,
    )
    oks = [r for r in results if isinstance(r, dict)]
    errors = [r for r in results if isinstance(r, ProtocolError)]
    assert len(oks) == 1 and len(errors) == 1
    assert (errors[0].code, errors[0].frame["rev"]) == ("stale_rev", 3)
    update = await bob.next_push("update", rev=3)
    board = "".join(update["game"]["board"])
    assert board.count("X") == 1
    assert bob.pending("update") == []


async def test_many_concurrent_commands_on_one_match_lose_nothing(
        game_server: RunningServer) -> None:
    """Chat, undo requests and moves fired together are each applied once, in order."""
    alice, bob, gid = await start_game(game_server)
    await play(alice, [bob], gid, 2, 4, 4)
    await asyncio.gather(
        bob.request("move", game_id=gid, rev=3, x=3, y=3),
        alice.request("chat", game_id=gid, text="gl"),
        bob.request("chat", game_id=gid, text="hf"),
    )
    await alice.request("move", game_id=gid, rev=4, x=5, y=5)
    revs = [(await alice.next_push("update"))["rev"] for _ in range(2)]
    assert revs == [4, 5]


async def test_disconnect_and_reconnect_with_the_token(game_server: RunningServer) -> None:
    """Closing the last socket is player_disconnected; hello with the token gets the seat back."""
    alice, bob, gid = await start_game(game_server)
    await bob.close()
    update = await alice.next_push("update", rev=3)
    assert update["event"] == {"kind": "player_disconnected", "seat": "white", "color": "white"}
    assert update["game"]["players"]["white"]["connected"] is False
    bob_again = await game_server.client(token=bob.token)
    snapshot = (await bob_again.next_push("game"))["game"]
    assert snapshot["id"] == gid and snapshot["players"]["white"]["id"] == bob.player_id
    update = await alice.next_push("update", rev=4)
    assert update["event"] == {"kind": "player_connected", "seat": "white", "color": "white"}
    await play(alice, [bob_again], gid, 4, 3, 3)
    await play(bob_again, [alice], gid, 5, 5, 5)


async def test_a_move_at_a_rev_before_a_presence_change_is_current(
        game_server: RunningServer) -> None:
    """The opponent's socket drops and comes back while black is about to play: black's move,
    sent with the rev black saw before those presence commits, is played, not `stale_rev`
    (the board did not change). A move the opponent made since is still stale."""
    alice, bob, gid = await start_game(game_server)
    await bob.close()
    await alice.next_push("update", rev=3)
    bob_again = await game_server.client(token=bob.token)
    await bob_again.next_push("game")
    await alice.next_push("update", rev=4)
    reply = await alice.request("move", game_id=gid, rev=2, x=4, y=4)
    assert reply["rev"] == 5
    await bob_again.next_push("update", rev=5)
    await play(bob_again, [alice], gid, 5, 2, 2)
    with pytest.raises(ProtocolError) as error:
        await alice.request("move", game_id=gid, rev=5, x=6, y=6)
    assert (error.value.code, error.value.frame["rev"]) == ("stale_rev", 6)
    with pytest.raises(ProtocolError) as error:
        await alice.request("move", game_id=gid, rev=7, x=6, y=6)
    assert error.value.code == "stale_rev"


async def test_a_second_tab_does_not_flap_presence(game_server: RunningServer) -> None:
    """A player with two sockets stays connected until the last one closes."""
    alice, bob, gid = await start_game(game_server)
    tab = await game_server.client(token=bob.token)
    await tab.next_push("game")
    await bob.close()
    await alice.request("chat", game_id=gid, text="still there?")
    await alice.next_push("chat")
    assert alice.pending("update") == []
    await tab.close()
    update = await alice.next_push("update", rev=3)
    assert update["event"]["kind"] == "player_disconnected"


async def test_games_per_identity_are_limited(fake_clock: FakeClock) -> None:
    """A player cannot hold more unfinished games than the limit."""
    async with serve(memory_settings(max_open_games_per_player=2),
                     clock=fake_clock) as server:
        alice = await server.client("Alice")
        await alice.request("create", size=9)
        await alice.request("create", size=9)
        try:
            await alice.request("create", size=9)
        except ProtocolError as error:
            assert (error.code, error.message) == (
                "rate_limited", "you already play 2 unfinished games (the limit is 2)")
        else:
            raise AssertionError("a third game was created")


async def test_restart_mid_game_keeps_board_and_pending_undo(fake_clock: FakeClock,
                                                              tmp_path: Path) -> None:
    """Stop the server mid-game and start a new one on the same --db file: players get their
    seats, the board and the pending undo back; a spectator resumes with watch since_rev.
    (test_restart.py does the same across a killed process.)"""
    settings = Settings(db=str(tmp_path / "games.sqlite3"), loop="none")
    async with serve(settings, clock=fake_clock) as server:
        alice, bob, gid = await start_game(server)
        await play(alice, [bob], gid, 2, 2, 2)
        await play(bob, [alice], gid, 3, 6, 6)
        await bob.request("undo_request", game_id=gid, rev=4)
        before = (await alice.next_push("update", rev=5))["game"]
        tokens = (alice.token, bob.token)
    async with serve(settings, clock=fake_clock) as server:
        alice = await server.client(token=tokens[0])
        after = (await alice.next_push("game"))["game"]
        assert after["board"] == before["board"]
        assert after["undo"] == {"color": "white", "rev": 4}
        assert after["rev"] >= before["rev"]
        assert [m["x"] for m in after["moves"]] == [2, 6]
        spectator = await server.client("Sam")
        await spectator.request("watch", game_id=gid, since_rev=before["rev"])
        resumed = (await spectator.next_push("game"))["game"]
        assert resumed["board"] == before["board"]
        bob = await server.client(token=tokens[1])
        await bob.next_push("game")
        await alice.request("undo_reply", game_id=gid, accept=True)
        update = await bob.next_push("update", event={"kind": "undo_accepted", "color": "white",
                                                      "moves": 1})
        assert "".join(update["game"]["board"]).count("O") == 0
        async with httpx.AsyncClient(base_url=server.url) as http:
            games = (await http.get("/api/games")).json()["games"]
            assert [g["id"] for g in games] == [gid]


async def test_a_commit_by_another_writer_is_adopted(game_server: RunningServer) -> None:
    """A game version committed outside the server's own path (e.g. a future timer flow) is
    adopted: watchers get a fresh snapshot, and the next command is judged against it."""
    from flowstate import StateCtx, commit, park
    from gameserver.core.match import bump
    from gameserver.core.record import to_record
    from gameserver.live.matches import RECORD, REV

    alice, bob, gid = await start_game(game_server)
    runtime = game_server.runtime
    hub = runtime.matches.hubs[gid]
    foreign = bump(hub.match)
    ctx = StateCtx.from_state(hub.ctx.committed)
    ctx.current.annotations = {RECORD: to_record(foreign), REV: str(foreign.rev)}
    await runtime.engine.do(commit(park(ctx)))
    snapshot = (await alice.next_push("game"))["game"]
    assert snapshot["rev"] == 3
    error = None
    try:
        await alice.request("move", game_id=gid, rev=2, x=0, y=0)
    except ProtocolError as e:
        error = e
    assert error is not None and error.code == "stale_rev"
    await play(alice, [bob], gid, 3, 0, 0)
