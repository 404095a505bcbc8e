"""Connect four on a real server, through real sockets, on the fake clock: create, join, drop
discs to a win or a draw, the errors a player can meet, a forfeit, and the bot."""

from __future__ import annotations

from typing import Any

import pytest

from flowstate.testing import FakeClock
from gameserver.settings import Settings
from gameserver.testing import GameClient, ProtocolError, RunningServer, serve

from .test_rules import DRAW_4X4


def c4_server(clock: FakeClock | None = None, **overrides: Any) -> Any:
    return serve(Settings(db=":memory:", loop="none", games=("go", "connect_four"), **overrides),
                 clock=clock or FakeClock())


async def start(server: RunningServer, **settings: Any) -> tuple[GameClient, GameClient, str]:
    """Ann (red) creates a connect four game, Ben (yellow) joins; both have seen rev 2."""
    ann, ben = await server.client("Ann"), await server.client("Ben")
    reply = await ann.request("create", game="connect_four", seat="red", **settings)
    gid = reply["game_id"]
    assert reply["seat"] == "red"
    await ann.next_push("game")
    await ben.request("join", game_id=gid)
    await ben.next_push("game")
    for client in (ann, ben):
        await client.next_push("update", rev=2)
    return ann, ben, gid


async def drop(client: GameClient, others: list[GameClient], gid: str, rev: int,
               column: int) -> dict[str, Any]:
    """One drop at `rev`; returns the update everyone got (the same frame)."""
    await client.request("act", game_id=gid, rev=rev, action={"type": "drop", "column": column})
    update = await client.next_push("update", rev=rev + 1)
    for other in others:
        assert await other.next_push("update", rev=rev + 1) == update
    return update


async def test_two_players_drop_discs_to_a_win_with_its_four_cells() -> None:
    async with c4_server() as server:
        ann, ben, gid = await start(server)
        rev = 2
        update: dict[str, Any] = {}
        for i, column in enumerate([0, 6, 1, 6, 2, 6, 3]):
            player, other = (ann, ben) if i % 2 == 0 else (ben, ann)
            update = await drop(player, [other], gid, rev, column)
            rev += 1
        assert update["event"] == {
            "kind": "drop", "seat": "red", "color": "red", "column": 3, "row": 5,
            "win": [{"column": c, "row": 5} for c in range(4)], "result": "red wins"}
        game = update["game"]
        assert (game["phase"], game["result"], game["end"], game["turn"]) == (
            "finished", "red wins", "four", None)
        assert game["win"] == {"seat": "red", "cells": [{"column": c, "row": 5} for c in range(4)]}
        assert game["board"][5] == "RRRR..Y" and "moves" not in game


async def test_the_first_snapshot_shows_the_settings_and_an_empty_grid() -> None:
    async with c4_server() as server:
        ann = await server.client("Ann")
        await ann.request("create", game="connect_four", seat="yellow", columns=5, rows=4)
        game = (await ann.next_push("game"))["game"]
        assert game["game"] == "connect_four" and game["phase"] == "waiting"
        assert game["settings"] == {"columns": 5, "rows": 4}
        assert game["board"] == ["....."] * 4
        assert game["players"]["red"] is None and game["players"]["yellow"]["name"] == "Ann"
        assert (game["turn"], game["moves"], game["win"], game["result"]) == (None, [], None, None)


async def test_a_full_grid_without_four_is_a_draw() -> None:
    async with c4_server() as server:
        ann, ben, gid = await start(server, columns=4, rows=4)
        rev = 2
        update: dict[str, Any] = {}
        for i, column in enumerate(DRAW_4X4):
            player, other = (ann, ben) if i % 2 == 0 else (ben, ann)
            update = await drop(player, [other], gid, rev, column)
            rev += 1
        assert update["event"]["result"] == "draw" and "win" not in update["event"]
        assert (update["game"]["phase"], update["game"]["end"]) == ("finished", "full")
        assert update["game"]["board"] == ["YYRR", "RYYY", "YRRR", "YRYR"]


@pytest.mark.parametrize(("settings", "message"), [
    ({"columns": 3}, "field 'columns' must be a whole number from 4 to 12"),
    ({"rows": 13}, "field 'rows' must be a whole number from 4 to 12"),
    ({"rows": 6.0}, "field 'rows' must be a whole number from 4 to 12"),
    ({"seat": "black"}, "connect_four has no seat 'black' (it has red, yellow)"),
])
async def test_bad_settings_are_bad_requests_that_say_why(settings: dict[str, Any],
                                                         message: str) -> None:
    async with c4_server() as server:
        ann = await server.client("Ann")
        with pytest.raises(ProtocolError) as error:
            await ann.request("create", game="connect_four", **settings)
        assert (error.value.code, error.value.message) == ("bad_request", message)


async def test_a_drop_out_of_turn_off_the_grid_into_a_full_column_or_stale_is_refused() -> None:
    async with c4_server() as server:
        ann, ben, gid = await start(server, columns=4, rows=4)

        async def refused(client: GameClient, rev: int, action: dict[str, Any]) -> dict[str, Any]:
            with pytest.raises(ProtocolError) as error:
                await client.request("act", game_id=gid, rev=rev, action=action)
            return error.value.frame

        frame = await refused(ben, 2, {"type": "drop", "column": 0})
        assert (frame["code"], frame["message"]) == ("not_your_turn",
                                                     "it is red's turn, not yellow's")
        frame = await refused(ann, 2, {"type": "drop", "column": 4})
        assert (frame["code"], frame["reason"]) == ("illegal_move", "off_board")
        assert frame["message"] == "column 4 is off the board (columns 0-3)"
        frame = await refused(ann, 2, {"type": "drop", "column": "left"})
        assert (frame["code"], frame["message"]) == (
            "bad_request", "field 'action.column' must be an integer, not a string")
        frame = await refused(ann, 2, {"type": "move", "x": 0, "y": 0})
        assert frame["code"] == "unknown_type"
        rev = 2
        for i in range(4):
            await drop(ann if i % 2 == 0 else ben, [ben if i % 2 == 0 else ann], gid, rev, 0)
            rev += 1
        frame = await refused(ann, rev, {"type": "drop", "column": 0})
        assert (frame["code"], frame["reason"], frame["message"]) == (
            "illegal_move", "column_full", "column 0 is full")
        frame = await refused(ann, rev - 1, {"type": "drop", "column": 1})
        assert (frame["code"], frame["rev"]) == ("stale_rev", rev)


async def test_resigning_hands_the_win_to_the_other_seat() -> None:
    async with c4_server() as server:
        ann, ben, gid = await start(server)
        await ben.request("act", game_id=gid, action={"type": "resign"})
        update = await ann.next_push("update", rev=3)
        assert update["event"] == {"kind": "resign", "seat": "yellow", "color": "yellow",
                                   "result": "red wins"}
        assert (update["game"]["phase"], update["game"]["end"]) == ("finished", "resign")


async def test_a_player_who_stays_away_forfeits() -> None:
    clock = FakeClock()
    async with c4_server(clock, abandon_after=60.0) as server:
        ann, ben, _ = await start(server)
        await ben.close()
        await ann.next_push("update", rev=3)  # player_disconnected
        await clock.advance(60)
        update = await ann.next_push("update", rev=4)
        assert update["event"]["kind"] == "abandoned" and update["event"]["seat"] == "yellow"
        assert (update["game"]["result"], update["game"]["end"]) == ("red wins", "forfeit")


async def test_the_bot_takes_the_other_seat_and_answers_every_drop() -> None:
    async with c4_server() as server:
        ann = await server.client("Ann")
        reply = await ann.request("create", game="connect_four", seat="red", opponent="bot")
        gid = reply["game_id"]
        game = (await ann.next_push("game"))["game"]
        assert game["phase"] == "playing" and game["players"]["yellow"]["id"].startswith("bot:")
        rev = game["rev"]
        for column in (0, 1, 2):
            await ann.request("act", game_id=gid, rev=rev,
                              action={"type": "drop", "column": column})
            await ann.next_push("update", rev=rev + 1)
            answer = await ann.next_push("update", rev=rev + 2)
            assert answer["event"]["seat"] == "yellow"
            rev += 2
        assert answer["event"]["column"] == 3  # nothing to win or block: the centre
