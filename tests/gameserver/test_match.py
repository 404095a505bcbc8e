"""The pure match layer: the phase table, and the record that rebuilds a match by replay."""

from __future__ import annotations

import orjson
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from gameserver.core.match import (
    Connect,
    Disconnect,
    Match,
    Rename,
    Seat,
    game_view,
    join,
    new_match,
    snapshot_view,
    step,
)
from gameserver.core.record import from_record, to_record
from gameserver.games.go.rules import GoRules
from gameserver.wire.errors import ProtocolError, StaleRev, WrongPhase
from tests.gameserver import requests as rq

GO = GoRules()
GAMES = {"go": GO}
ALICE, BOB = Seat("pa", "Alice"), Seat("pb", "Bob")


def started() -> Match:
    match = new_match(GO, "g1", GO.settings({"size": 9}), ALICE, "black", 0.0)
    joined, _ = join(match, GO, BOB)
    return joined


def test_an_action_outside_its_phases_is_wrong_phase() -> None:
    """A game action while the match waits, or one the game's phase table does not allow, is
    refused as wrong_phase, naming both."""
    match = new_match(GO, "g1", GO.settings({"size": 9}), ALICE, "black", 0.0)
    with pytest.raises(WrongPhase) as error:
        step(match, GO, "pa", rq.move("g1", 1, 0, 0))
    assert str(error.value) == "move is not allowed while the game is waiting"
    with pytest.raises(WrongPhase) as error:
        step(started(), GO, "pa", rq.mark_dead("g1", 0, 0, True))
    assert str(error.value) == "mark_dead is not allowed while the game is playing"


def test_each_step_bumps_the_rev_by_one() -> None:
    """Accepted commands raise the rev by exactly one; a stale rev is refused with the current."""
    match = started()
    moved, event = step(match, GO, "pa", rq.move("g1", match.rev, 4, 4))
    assert moved.rev == match.rev + 1 and event["kind"] == "move"
    with pytest.raises(StaleRev) as error:
        step(moved, GO, "pb", rq.move("g1", match.rev, 3, 3))
    assert error.value.current == moved.rev
    connected, event = step(moved, GO, "pb", Connect())
    assert connected.connected == {"white"} and event["kind"] == "player_connected"


def test_a_presence_change_does_not_make_a_rev_stale() -> None:
    """A rev-checked action is judged against the game, not the presence around it: any rev
    from the last change to the game up to the current one is current; one before that change
    or ahead of the match is stale. The record keeps where the game last changed."""
    match = started()
    away, _ = step(match, GO, "pb", Disconnect())
    back, _ = step(away, GO, "pb", Connect())
    assert (back.rev, back.position_rev) == (match.rev + 2, match.rev)
    moved, _ = step(back, GO, "pa", rq.move("g1", match.rev, 4, 4))
    assert moved.position_rev == moved.rev == back.rev + 1
    with pytest.raises(StaleRev):
        step(moved, GO, "pb", rq.move("g1", back.rev, 3, 3))
    with pytest.raises(StaleRev):
        step(moved, GO, "pb", rq.move("g1", moved.rev + 1, 3, 3))
    renamed, _ = step(moved, GO, "pa", Rename("Al"))
    reloaded = from_record(to_record(renamed), GAMES)
    assert (reloaded.rev, reloaded.position_rev) == (renamed.rev, moved.rev)
    step(reloaded, GO, "pb", rq.move("g1", moved.rev, 3, 3))


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
            cmd = rq.move("g1", match.rev, x, y)
        elif kind == "pass":
            cmd = rq.pass_("g1", match.rev)
        elif match.state.undo is None:
            cmd = rq.undo_request("g1", match.rev)
            player = "pb" if player == "pa" else "pa"
        else:
            cmd = rq.undo_reply("g1", x % 2 == 0)
        try:
            match, _ = step(match, GO, player, cmd)
        except ProtocolError:
            continue
    record = to_record(match)
    assert orjson.loads(record)["rev"] == match.rev
    rebuilt = from_record(record, GAMES)
    assert rebuilt.state.game.board == match.state.game.board
    assert rebuilt.state.game.moves == match.state.game.moves
    assert (rebuilt.rev, rebuilt.state.undo, rebuilt.black, rebuilt.white) == (
        match.rev, match.state.undo, match.black, match.white)
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
            "move": rq.move("g1", match.rev, x, y),
            "pass": rq.pass_("g1", match.rev),
            "resign": rq.resign("g1"),
        }.get(kind)
        if kind == "undo":
            cmd = (rq.undo_request("g1", match.rev) if match.state.undo is None
                   else rq.undo_reply("g1", x % 2 == 0))
            if match.state.undo is None:
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
