"""Connect four: rules as board diagrams, then a whole game over the same server as Go."""

from __future__ import annotations

import pytest

from flowstate.testing import FakeClock
from gameserver.core.rules import Color, PassTurn, Play, Undo
from gameserver.testing import ProtocolError, serve
from gameserver.wire.errors import IllegalMove, NotYourTurn

from .app import games
from .rules import ConnectFour, FourState

RULES = ConnectFour()


def drop(columns: str, state: FourState | None = None) -> FourState:
    """Play columns in turn, black first: `drop("3344")`."""
    state = state or RULES.new({"width": 7, "height": 6})
    for ch in columns:
        state, _ = RULES.apply(state, RULES.turn(state) or "black", Play(int(ch), 0))
    return state


def board(state: FourState) -> str:
    return "\n".join(RULES.view(state)["board"])


def test_discs_fall_to_the_bottom() -> None:
    """A disc lands on the lowest free row of its column."""
    assert board(drop("334")) == "\n".join(["......."] * 4 + ["...O...", "...XX.."])


@pytest.mark.parametrize(("moves", "result"), [
    ("0101010", "B+4"),  # vertical
    ("0011223", "B+4"),  # horizontal
    ("01123223363", "B+4"),  # diagonal /
    ("6554433432", "W+4"),  # diagonal \ for white
])
def test_four_in_a_row_wins(moves: str, result: str) -> None:
    """Four in a row in any direction ends the game."""
    state = drop(moves)
    assert state.result == result and RULES.phase(state) == "finished"


def test_full_column_and_wrong_turn_are_refused() -> None:
    """A full column is an illegal move; playing out of turn is not_your_turn."""
    state = drop("000000")
    with pytest.raises(IllegalMove) as error:
        RULES.apply(state, "black", Play(0, 0))
    assert error.value.reason == "column_full"
    with pytest.raises(NotYourTurn):
        RULES.apply(state, "white", Play(1, 0))
    with pytest.raises(IllegalMove):
        RULES.apply(state, "black", PassTurn())


def test_undo_takes_the_last_disc_back() -> None:
    """Undo removes the last disc and gives the turn back."""
    state = drop("34")
    last: Color | None = RULES.last_mover(state)
    assert last == "white"
    undone, _ = RULES.apply(state, "white", Undo())
    assert board(undone) == board(drop("3")) and RULES.turn(undone) == "white"


def test_a_full_board_without_four_is_a_draw() -> None:
    """Filling a 4x4 board with no four in a row is a draw."""
    state = RULES.new({"width": 4, "height": 4})
    for col in "0203110212303321":
        color = RULES.turn(state)
        assert color is not None
        state, _ = RULES.apply(state, color, Play(int(col), 0))
    assert state.result == "Draw"


async def test_served_beside_go_over_real_sockets() -> None:
    """The same server runs connect four: create, join, play to a win, record replayed."""
    async with serve(clock=FakeClock(), games=games()) as server:
        red = await server.client("Red")
        yellow = await server.client("Yellow")
        gid = (await red.request("create", game="connect_four", color="black"))["game_id"]
        game = (await red.next_push("game"))["game"]
        assert game["game"] == "connect_four" and game["settings"]["width"] == 7
        await yellow.request("join", game_id=gid)
        rev = (await yellow.next_push("update"))["rev"]
        for i, col in enumerate("0101010"):
            mover = red if i % 2 == 0 else yellow
            await mover.request("move", game_id=gid, rev=rev, x=int(col), y=0)
            update = await mover.next_push("update", rev=rev + 1)
            rev += 1
        assert update["game"]["result"] == "B+4" and update["game"]["phase"] == "finished"
        assert update["event"]["y"] == 2
        with pytest.raises(ProtocolError) as error:
            await yellow.request("move", game_id=gid, rev=rev, x=3, y=0)
        assert error.value.code == "wrong_phase"
        go = (await red.request("create", size=9))["game_id"]
        assert server.runtime.matches.hubs[go].match.game == "go"
        # the record replays: rebuild every match from its stored form
        hub = server.runtime.matches.hubs[gid]
        from gameserver.core.record import from_record, to_record

        assert from_record(to_record(hub.match), games()).state == hub.match.state
