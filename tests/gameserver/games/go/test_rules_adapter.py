"""Go in the match layer (`GoRules`): create options and their ruleset defaults, free handicap
placement through `move` (events, view, clock, undo, the stored record), and the score view."""

from __future__ import annotations

from typing import Any

import orjson
import pytest

from gameserver.core.match import (
    Match,
    Seat,
    game_view,
    join,
    new_match,
    snapshot_view,
    step,
)
from gameserver.core.record import from_record, to_record
from gameserver.core.timecontrol import TimeControl
from gameserver.games.go.rules import GoRules
from gameserver.wire import requests as c
from gameserver.wire.errors import BadRequest, IllegalMove, NotYourTurn, WrongPhase

GO = GoRules()
ALICE, BOB = Seat("pa", "Alice"), Seat("pb", "Bob")


@pytest.mark.parametrize(("raw", "komi", "placement"), [
    ({}, 7.5, "free"),
    ({"ruleset": "japanese"}, 6.5, "fixed"),
    ({"ruleset": "korean", "handicap": 4}, 0.5, "fixed"),
    ({"ruleset": "chinese", "handicap": 3}, 0.5, "free"),
    ({"ruleset": "aga"}, 7.5, "fixed"),
    ({"ruleset": "aga", "handicap": 2, "handicap_placement": "free"}, 0.5, "free"),
    ({"ruleset": "new_zealand"}, 7, "free"),
    ({"ruleset": "new_zealand", "handicap": 2}, 0, "free"),
    ({"ruleset": "ing", "komi": None}, 7.5, "free"),
    ({"ruleset": "chinese", "komi": 6.5, "handicap_placement": "fixed"}, 6.5, "fixed"),
])
def test_komi_and_placement_default_to_the_rulesets(raw: dict[str, Any], komi: float,
                                                    placement: str) -> None:
    options = GO.parse_options({"size": 9, **raw})
    assert (options["komi"], options["handicap_placement"]) == (komi, placement)
    assert options["ruleset"] == raw.get("ruleset", "chinese")


@pytest.mark.parametrize(("raw", "message"), [
    ({"ruleset": "tromp_taylor"}, "field 'ruleset' must be one of \"japanese\", \"korean\", "
                                  "\"chinese\", \"aga\", \"new_zealand\", \"ing\""),
    ({"ruleset": 3}, "field 'ruleset' must be one of \"japanese\", \"korean\", \"chinese\", "
                     "\"aga\", \"new_zealand\", \"ing\""),
    ({"handicap_placement": "anywhere"}, "field 'handicap_placement' must be \"fixed\" or "
                                         "\"free\""),
    ({"ruleset": "japanese", "handicap": 2, "handicap_placement": "free"},
     "placement 'free' is invalid: expected \"fixed\" under Japanese rules"),
    ({"ruleset": "chinese", "handicap": 5, "size": 10},
     "handicap 5 is invalid: expected 0 or 2-4 on a 10x10 board"),
])
def test_bad_options_are_bad_requests(raw: dict[str, Any], message: str) -> None:
    with pytest.raises(BadRequest) as info:
        GO.parse_options({"size": 9, **raw})
    assert str(info.value) == message


def placing(time_control: TimeControl = c.UNTIMED, **raw: Any) -> Match:
    options = GO.parse_options({"size": 9, "ruleset": "chinese", "handicap": 3, **raw})
    match = new_match(GO, "g1", options, time_control, ALICE, "black", 0.0)
    joined, _ = join(match, GO, BOB, now=0.0)
    return joined


def move(match: Match, player: str, x: int, y: int, now: float = 0.0) -> tuple[Match, Any]:
    return step(match, GO, player, c.Move(None, "g1", match.rev, x, y), now)


def test_black_places_handicap_stones_with_move_and_turn_stays_black() -> None:
    match = placing()
    view = game_view(match, GO)
    assert (view["phase"], view["turn"], view["handicap_left"]) == ("playing", "black", 3)
    events = []
    for x, y in ((2, 2), (6, 6), (4, 4)):
        match, event = move(match, "pa", x, y)
        events.append(event)
    assert events == [
        {"kind": "handicap_stone", "color": "black", "x": 2, "y": 2, "left": 2},
        {"kind": "handicap_stone", "color": "black", "x": 6, "y": 6, "left": 1},
        {"kind": "handicap_stone", "color": "black", "x": 4, "y": 4, "left": 0},
    ]
    view = snapshot_view(match, GO)
    assert (view["turn"], view["handicap_left"], view["moves"]) == ("white", 0, [])
    assert view["board"][4] == "....X...."
    match, event = move(match, "pb", 2, 6)
    assert event == {"kind": "move", "color": "white", "x": 2, "y": 6}


def test_white_cannot_move_and_black_cannot_pass_while_placing() -> None:
    match, _ = move(placing(), "pa", 2, 2)
    with pytest.raises(WrongPhase) as info:
        step(match, GO, "pa", c.Pass(None, "g1", match.rev))
    assert info.value.data == {"phase": "playing"}
    assert str(info.value) == ("cannot pass while the game is in handicap placement: black "
                               "has 2 handicap stones left to place")
    with pytest.raises(IllegalMove) as occupied:
        move(match, "pa", 2, 2)
    assert occupied.value.data["reason"] == "occupied"
    with pytest.raises(NotYourTurn):
        move(match, "pb", 3, 3)


def test_the_clock_runs_for_black_through_the_placement() -> None:
    """Placing stones does not hand the clock over (no Fischer increment per stone); the last
    stone is Black's move."""
    fischer = TimeControl.from_dict({"system": "fischer", "main": 60, "increment": 10,
                                     "max": 600})
    match = placing(fischer)
    match, _ = move(match, "pa", 2, 2, now=1.0)
    match, _ = move(match, "pa", 6, 6, now=2.0)
    black = game_view(match, GO, now=2.0)["players"]["black"]["clock"]
    assert (black["remaining_ms"], black["running"]) == (58_000, True)
    match, _ = move(match, "pa", 4, 4, now=5.0)
    view = game_view(match, GO, now=5.0)["players"]
    assert (view["black"]["clock"]["remaining_ms"], view["black"]["clock"]["running"]) == (
        65_000, False)
    assert view["white"]["clock"]["running"] is True


def test_a_late_handicap_stone_loses_on_time() -> None:
    absolute = TimeControl.from_dict({"system": "absolute", "main": 10})
    match, _ = move(placing(absolute), "pa", 2, 2, now=1.0)
    with pytest.raises(WrongPhase) as info:
        move(match, "pa", 6, 6, now=10.0)
    assert "too late" in str(info.value)


def test_an_undo_takes_back_a_handicap_stone() -> None:
    match, _ = move(placing(), "pa", 2, 2)
    match, _ = step(match, GO, "pa", c.UndoRequest(None, "g1", match.rev))
    match, event = step(match, GO, "pb", c.UndoReply(None, "g1", True))
    assert event["kind"] == "undo_accepted"
    view = game_view(match, GO)
    assert (view["handicap_left"], view["turn"], view["board"][2]) == (3, "black", ".........")


def test_the_record_replays_a_freely_placed_game() -> None:
    match = placing()
    for x, y in ((2, 2), (6, 6), (4, 4)):
        match, _ = move(match, "pa", x, y)
    match, _ = move(match, "pb", 2, 6)
    again = from_record(to_record(match), {"go": GO})
    assert snapshot_view(again, GO) == snapshot_view(match, GO)


def test_records_from_before_free_placement_keep_fixed_stones() -> None:
    """A stored game without `handicap_placement` had its stones on the star points."""
    match = placing(handicap_placement="fixed")
    match, _ = move(match, "pb", 4, 4)
    record = orjson.loads(to_record(match))
    del record["options"]["handicap_placement"]
    again = from_record(orjson.dumps(record), {"go": GO})
    assert snapshot_view(again, GO)["board"] == snapshot_view(match, GO)["board"]


def test_the_score_shows_komi_and_the_handicap_compensation() -> None:
    match = placing(handicap_placement="fixed", komi=0.5)
    match, _ = step(match, GO, "pb", c.Pass(None, "g1", match.rev))
    match, _ = step(match, GO, "pa", c.Pass(None, "g1", match.rev))
    score = game_view(match, GO)["score"]
    # 3 black stones own the empty board; White has komi and 3 points for the handicap
    assert score == {"black": 81.0, "white": 3.5, "result": "B+77.5", "komi": 0.5,
                     "handicap_compensation": 3}
