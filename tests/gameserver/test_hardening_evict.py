"""Finished games leave memory after a grace period: still listed, still served over HTTP
and `watch` from storage; a restart rebuilds only the live games."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import httpx2 as httpx

from flowstate import MemoryDriver
from flowstate.testing import FakeClock
from gameserver.core.match import CHUNK_ACTIONS
from gameserver.settings import Settings
from gameserver.testing import serve
from tests.gameserver.helpers import memory_settings, play, start_game


async def test_a_finished_game_leaves_memory_after_the_grace(fake_clock: FakeClock) -> None:
    """Resigned: in memory for `finished_grace`, then gone from the hubs, yet listed as
    finished and served whole by `GET /api/games/{id}` and its SGF, chat included."""
    async with serve(memory_settings(finished_grace=60.0), clock=fake_clock) as server:
        alice, bob, game_id = await start_game(server)
        await play(alice, [bob], game_id, 2, 2, 2)
        await alice.request("chat", game_id=game_id, text="good game")
        await bob.request("resign", game_id=game_id)
        await fake_clock.advance(30)
        assert game_id in server.runtime.matches.hubs
        await fake_clock.advance(31)
        matches = server.runtime.matches
        assert game_id not in matches.hubs and matches.evicted == 1
        async with httpx.AsyncClient(base_url=server.url) as http:
            listed = (await http.get("/api/games?phase=finished")).json()
            game = (await http.get(f"/api/games/{game_id}")).json()
            sgf = (await http.get(f"/api/games/{game_id}/sgf")).text
            unfinished = (await http.get("/api/games")).json()
        assert [(g["id"], g["result"]) for g in listed["games"]] == [(game_id, "B+R")]
        assert (game["phase"], game["result"], len(game["moves"])) == ("finished", "B+R", 1)
        assert "RE[B+R]" in sgf and "good game" in sgf
        assert (unfinished["games"], unfinished["next"], unfinished["total"]) == ([], None, 0)
        await alice.request("watch", game_id=game_id)
        assert (await alice.next_push("game"))["game"]["result"] == "B+R"


async def test_a_waiting_rematch_keeps_the_old_game_in_memory(fake_clock: FakeClock) -> None:
    """While a rematch offered after a finished game waits, the old game stays (its players
    hear how the offer stands); once the offer is answered it may leave."""
    async with serve(memory_settings(finished_grace=10.0), clock=fake_clock) as server:
        alice, bob, game_id = await start_game(server)
        await alice.request("resign", game_id=game_id)
        rematch = (await alice.request("rematch", game_id=game_id))["game_id"]
        await fake_clock.advance(20)
        assert game_id in server.runtime.matches.hubs
        await bob.request("rematch_reply", game_id=rematch, accept=True)
        await fake_clock.advance(20)
        assert game_id not in server.runtime.matches.hubs


async def test_a_restart_rebuilds_only_the_live_games(tmp_path: Path) -> None:
    """Finished games are indexed at start, not rebuilt: they are listed and readable, and
    only the running game is back in memory."""
    clock = FakeClock()
    settings = Settings(db=str(tmp_path / "games.sqlite3"), loop="none", durability="strict")
    async with serve(settings, clock=clock) as server:
        done = []
        for _ in range(3):
            alice, _bob, game_id = await start_game(server)
            await alice.request("resign", game_id=game_id)
            done.append(game_id)
            await clock.advance(1)
        _, _, live = await start_game(server)
    async with serve(settings, clock=clock) as server:
        assert list(server.runtime.matches.hubs) == [live]
        async with httpx.AsyncClient(base_url=server.url) as http:
            listed = (await http.get("/api/games?phase=finished")).json()
            game = (await http.get(f"/api/games/{done[0]}")).json()
        assert [g["id"] for g in listed["games"]] == done[::-1] and listed["total"] == 3
        assert game["result"] == "W+R"


async def _passes(alice: Any, bob: Any, game_id: str, count: int) -> None:
    """`count` passes-and-undo-free moves: alternate passes would end the game, so each
    player plays a stone on its own row, left to right."""
    rev = 2
    for i in range(count):
        mover, other = (alice, bob) if i % 2 == 0 else (bob, alice)
        row = (i % 2) * 2 + (i // 18) * 4
        await play(mover, [other], game_id, rev, (i // 2) % 9, row)
        rev += 1


async def test_finished_games_leave_the_store_memory_too(tmp_path: Path) -> None:
    """A finished game's state, its timer and its sealed chunks are archived in the store:
    once out of the store's history window and on disk they leave its memory as well (only
    their id and rev stay), are read back from the file when asked for, and a restart does
    not load them; the live game with chunks of its own is rebuilt whole."""
    clock = FakeClock()
    settings = Settings(db=str(tmp_path / "games.sqlite3"), loop="none", history_limit=20)
    async with serve(settings, clock=clock) as server:
        done = []
        for _ in range(3):
            alice, bob, game_id = await start_game(server, time_control={
                "system": "fischer", "main": 600, "increment": 5, "max": 900})
            await _passes(alice, bob, game_id, CHUNK_ACTIONS + 2)  # one chunk sealed
            await alice.request("chat", game_id=game_id, text="good luck")
            await alice.request("resign", game_id=game_id)
            done.append(game_id)
            await clock.advance(1)
        await clock.advance(80)  # the grace: they leave the hubs, their chats are archived
        assert not any(game_id in server.runtime.matches.hubs for game_id in done)
        alice, bob, live = await start_game(server)
        await _passes(alice, bob, live, CHUNK_ACTIONS + 3)
        driver = server.runtime.engine.driver
        assert isinstance(driver, MemoryDriver)
        await server.runtime.engine.driver.snapshots.flush()  # type: ignore[attr-defined]
        await alice.request("chat", game_id=live, text="a commit after the flush")
        # each finished game: its state, its timer, its chunk and its chat
        assert driver.archived_states == 3 * 4
        async with httpx.AsyncClient(base_url=server.url) as http:
            game = (await http.get(f"/api/games/{done[0]}")).json()
            before = (await http.get(f"/api/games/{live}")).json()
        assert (game["result"], len(game["moves"])) == ("W+R", CHUNK_ACTIONS + 2)
        assert len(before["moves"]) == CHUNK_ACTIONS + 3

    async with serve(settings, clock=clock) as server:
        driver = server.runtime.engine.driver
        assert isinstance(driver, MemoryDriver)
        assert driver.archived_states == 3 * 4
        for game_id in done:
            assert driver.get(game_id) is None  # not loaded
        assert list(server.runtime.matches.hubs) == [live]
        async with httpx.AsyncClient(base_url=server.url) as http:
            after = (await http.get(f"/api/games/{live}")).json()
            listed = (await http.get("/api/games?phase=finished")).json()
            sgf = (await http.get(f"/api/games/{done[1]}/sgf")).text
        assert [g["id"] for g in listed["games"]] == done[::-1]
        assert "RE[W+R]" in sgf and "good luck" in sgf  # the chat, read back from the file
        assert after["moves"] == before["moves"]
        assert server.runtime.chats.lines(live)[-1]["text"] == "a commit after the flush"
