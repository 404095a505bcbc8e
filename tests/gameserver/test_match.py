"""The pure match layer: the phase table, and the record that rebuilds a match by replay."""

from __future__ import annotations

import orjson
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from gameserver.core.match import (
    TABLE,
    Connect,
    Match,
    Seat,
    game_view,
    join,
    new_match,
    snapshot_view,
    step,
)
from gameserver.core.record import from_record, to_record
from gameserver.games.go.rules import GoRules
from gameserver.wire import requests as c
from gameserver.wire.errors import ProtocolError, StaleRev, WrongPhase

GO = GoRules()
GAMES = {"go": GO}
ALICE, BOB = Seat("pa", "Alice"), Seat("pb", "Bob")


def started() -> Match:
    match = new_match(GO, "g1", GO.parse_options({"size": 9}), c.UNTIMED, ALICE, "black",
                      0.0)
    joined, _ = join(match, GO, BOB)
    return joined


def test_every_missing_table_entry_is_wrong_phase() -> None:
    """A command with no (phase, command) entry is refused as wrong_phase, naming both."""
    match = new_match(GO, "g1", GO.parse_options({"size": 9}), c.UNTIMED, ALICE, "black",
                      0.0)
    assert ("waiting", c.Move) not in TABLE
    with pytest.raises(WrongPhase) as error:
        step(match, GO, "pa", c.Move(None, "g1", 1, 0, 0))
    assert str(error.value) == "move is not allowed while the game is waiting"


def test_each_step_bumps_the_rev_by_one() -> None:
    """Accepted commands raise the rev by exactly one; a stale rev is refused with the current."""
    match = started()
    moved, event = step(match, GO, "pa", c.Move(None, "g1", match.rev, 4, 4))
    assert moved.rev == match.rev + 1 and event["kind"] == "move"
    with pytest.raises(StaleRev) as error:
        step(moved, GO, "pb", c.Move(None, "g1", match.rev, 3, 3))
    assert error.value.current == moved.rev
    connected, event = step(moved, GO, "pb", Connect())
    assert connected.connected == {"white"} and event["kind"] == "player_connected"


@settings(max_examples=60, deadline=None)
@given(st.lists(st.tuples(st.integers(0, 8), st.integers(0, 8), st.sampled_from(
    ["move", "move", "move", "pass", "undo"])), max_size=40))
def test_replaying_the_record_rebuilds_the_match(script: list[tuple[int, int, str]]) -> None:
    """Whatever was played (refused commands included), the stored record replays to the same
    board, moves, rev and pending undo."""
    match = started()
    for x, y, kind in script:
        turn = GO.turn(match.state)
        player = "pa" if turn == "black" else "pb"
        cmd: object
        if kind == "move":
            cmd = c.Move(None, "g1", match.rev, x, y)
        elif kind == "pass":
            cmd = c.Pass(None, "g1", match.rev)
        elif match.undo is None:
            cmd = c.UndoRequest(None, "g1", match.rev)
            player = "pb" if player == "pa" else "pa"
        else:
            cmd = c.UndoReply(None, "g1", x % 2 == 0)
        try:
            match, _ = step(match, GO, player, cmd)
        except ProtocolError:
            continue
    record = to_record(match)
    assert orjson.loads(record)["rev"] == match.rev
    rebuilt = from_record(record, GAMES)
    assert rebuilt.state.game.board == match.state.game.board
    assert rebuilt.state.game.moves == match.state.game.moves
    assert (rebuilt.rev, rebuilt.undo, rebuilt.black, rebuilt.white) == (
        match.rev, match.undo, match.black, match.white)
    assert to_record(rebuilt) == record


@settings(max_examples=60, deadline=None)
@given(st.lists(st.tuples(st.integers(0, 8), st.integers(0, 8), st.sampled_from(
    ["move", "move", "move", "pass", "undo", "resign"])), max_size=40))
def test_a_client_replaying_updates_equals_the_snapshot(
        script: list[tuple[int, int, str]]) -> None:
    """A client that starts from a snapshot and applies each update (appending the move from
    the event) always holds exactly the server's snapshot."""
    match = started()
    client = snapshot_view(match, GO)
    for x, y, kind in script:
        turn = GO.turn(match.state) or "black"
        player = "pa" if turn == "black" else "pb"
        cmd: object = {
            "move": c.Move(None, "g1", match.rev, x, y),
            "pass": c.Pass(None, "g1", match.rev),
            "resign": c.Resign(None, "g1"),
        }.get(kind)
        if kind == "undo":
            cmd = (c.UndoRequest(None, "g1", match.rev) if match.undo is None
                   else c.UndoReply(None, "g1", x % 2 == 0))
            if match.undo is None:
                player = "pb" if player == "pa" else "pa"
        try:
            match, event = step(match, GO, player, cmd)
        except ProtocolError:
            continue
        moves = list(client["moves"])
        if event["kind"] == "move":
            moves.append({"color": event["color"], "x": event["x"], "y": event["y"]})
        elif event["kind"] == "pass":
            moves.append({"color": event["color"], "pass": True})
        elif event["kind"] == "undo_accepted":
            del moves[len(moves) - event["moves"]:]
        client = {**game_view(match, GO), "moves": moves}
        assert client == snapshot_view(match, GO)
