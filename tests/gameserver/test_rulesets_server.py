"""Rulesets through the real server: free handicap placement with `move`, the ruleset in the
lobby list, `GET /api/games` and the SGF, and bots placing free handicap stones as Black."""

from __future__ import annotations

from typing import Any

import httpx2 as httpx

from gameserver.testing import GameClient, ProtocolError, RunningServer, serve
from tests.gameserver.helpers import memory_settings, play, start_game


async def updates_until(client: GameClient, kind: str) -> list[dict[str, Any]]:
    """Updates up to and including the first whose event is `kind`."""
    seen = []
    while True:
        update = await client.next_push("update")
        seen.append(update)
        if update["event"]["kind"] == kind:
            return seen


async def test_free_placement_over_the_wire(game_server: RunningServer) -> None:
    """Black's `move`s place the handicap stones (`handicap_stone` events, `turn` stays
    black, `moves` stays empty); a pass is refused; then White moves first."""
    alice, bob, gid = await start_game(game_server, ruleset="chinese", handicap=2, komi=0.5)
    update = await play(alice, [bob], gid, 2, 2, 2)
    assert update["event"] == {"kind": "handicap_stone", "color": "black", "x": 2, "y": 2,
                               "left": 1}
    assert (update["game"]["turn"], update["game"]["handicap_left"]) == ("black", 1)
    try:
        await alice.request("pass", game_id=gid, rev=3)
        raise AssertionError("a pass during placement was accepted")
    except ProtocolError as error:
        assert (error.code, error.frame["phase"]) == ("wrong_phase", "playing")
    update = await play(alice, [bob], gid, 3, 6, 5)
    assert (update["game"]["turn"], update["game"]["handicap_left"]) == ("white", 0)
    update = await play(bob, [alice], gid, 4, 4, 4)
    assert update["event"]["kind"] == "move"
    async with httpx.AsyncClient(base_url=game_server.url) as http:
        snap = (await http.get(f"/api/games/{gid}")).json()
        assert snap["moves"] == [{"color": "white", "x": 4, "y": 4}]
        assert snap["settings"]["ruleset"] == "chinese"
        assert snap["settings"]["handicap_placement"] == "free"
        listed = {g["id"]: g for g in (await http.get("/api/games")).json()["games"]}
        assert listed[gid]["settings"]["ruleset"] == "chinese"
        sgf = (await http.get(f"/api/games/{gid}/sgf")).text
        assert "RU[Chinese]" in sgf and "HA[2]" in sgf and "KM[0.5]" in sgf
        assert "AB[cc][gf]" in sgf and ";W[ee]" in sgf


async def test_the_lobby_shows_the_ruleset_and_its_default_komi(
        game_server: RunningServer) -> None:
    alice = await game_server.client("Alice")
    bob = await game_server.client("Bob")
    await bob.request("lobby_subscribe")
    await bob.next_push("lobby")
    await alice.request("create", size=13, ruleset="new_zealand")
    game = (await bob.next_push("lobby_update"))["game"]
    assert game["settings"] == {"size": 13, "komi": 7.0, "handicap": 0,
                                "ruleset": "new_zealand", "handicap_placement": "free",
                                "time_control": {"system": "none"}}


async def test_the_builtin_bot_places_free_handicap_stones_as_black() -> None:
    async with serve(memory_settings(bot="builtin")) as server:
        alice = await server.client("Alice")
        await alice.request("create", size=9, ruleset="ing", handicap=3, color="white",
                            opponent="bot")
        await alice.next_push("game")
        seen = await updates_until(alice, "handicap_stone")
        while seen[-1]["event"]["left"]:
            seen = await updates_until(alice, "handicap_stone")
        game = seen[-1]["game"]
        assert (game["turn"], game["handicap_left"]) == ("white", 0)
        assert [row.count("X") for row in game["board"]] == [0, 0, 2, 0, 0, 0, 1, 0, 0]


async def test_gnugo_places_free_handicap_stones_as_black() -> None:
    async with serve(memory_settings(bot="gnugo", bot_level=1)) as server:
        alice = await server.client("Alice")
        await alice.request("create", size=9, ruleset="chinese", handicap=2, color="white",
                            opponent="bot")
        await alice.next_push("game")
        first = await updates_until(alice, "handicap_stone")
        second = await updates_until(alice, "handicap_stone")
        assert (first[-1]["event"]["left"], second[-1]["event"]["left"]) == (1, 0)
        assert second[-1]["game"]["turn"] == "white"
        assert sum(row.count("X") for row in second[-1]["game"]["board"]) == 2
