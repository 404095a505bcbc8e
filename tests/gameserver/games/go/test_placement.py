"""Free handicap placement: Black puts the handicap stones anywhere before White's first move."""

from __future__ import annotations

import pytest

from gameserver.games.go import (
    Color,
    GoGame,
    IllegalMoveError,
    NotYourTurnError,
    SettingsError,
    WrongPhaseError,
    from_sgf,
    to_sgf,
)
from tests.gameserver.games.go.diagrams import assert_board

B, W = Color.BLACK, Color.WHITE


def placing(handicap: int = 3, ruleset: str = "chinese", size: int = 9) -> GoGame:
    return GoGame.new(size=size, komi=0.5, handicap=handicap, ruleset=ruleset,  # type: ignore[arg-type]
                      placement="free")


def test_black_places_every_stone_then_white_moves() -> None:
    game = placing()
    assert (game.phase, game.to_move, game.handicap_left) == ("placement", B, 3)
    assert game.board_rows() == ["." * 9] * 9
    game = game.play(B, (0, 0)).play(B, (4, 4))
    assert (game.phase, game.to_move, game.handicap_left) == ("placement", B, 1)
    game = game.play(B, (8, 8))
    assert (game.phase, game.to_move, game.handicap_left) == ("playing", W, 0)
    assert game.moves == ()
    assert game.handicap_stones == ((0, 0), (4, 4), (8, 8))
    assert_board(game.play(W, (2, 2)), """
        X . . . . . . . .
        . . . . . . . . .
        . . O . . . . . .
        . . . . . . . . .
        . . . . X . . . .
        . . . . . . . . .
        . . . . . . . . .
        . . . . . . . . .
        . . . . . . . . X
    """)


def test_placement_refuses_white_an_occupied_point_and_a_pass() -> None:
    game = placing().play(B, (4, 4))
    with pytest.raises(NotYourTurnError):
        game.play(W, (2, 2))
    with pytest.raises(IllegalMoveError) as occupied:
        game.play(B, (4, 4))
    assert occupied.value.reason == "occupied"
    with pytest.raises(IllegalMoveError) as off:
        game.play(B, (9, 0))
    assert off.value.reason == "off_board"
    with pytest.raises(WrongPhaseError) as info:
        game.pass_move(B)
    assert (info.value.action, info.value.phase) == ("pass", "placement")
    assert str(info.value) == ("cannot pass while the game is in handicap placement: "
                               "black has 2 handicap stones left to place")


def test_undo_takes_back_handicap_stones_too() -> None:
    start = placing(handicap=2)
    two = start.play(B, (2, 2)).play(B, (6, 6))
    assert two.last_mover is B
    one = two.undo()
    assert (one.phase, one.to_move, one.placed, one.handicap_left) == (
        "placement", B, ((2, 2),), 1)
    assert one.undo() == start
    moved = two.play(W, (4, 4))
    assert moved.undo() == two


def test_resign_and_timeout_during_placement() -> None:
    assert placing().resign(B).result == "W+R"
    assert placing().play(B, (1, 1)).timeout(B).result == "W+T"


def test_superko_history_starts_after_placement() -> None:
    """The position with every handicap stone is the first one White may not recreate."""
    game = placing(handicap=2).play(B, (2, 2)).play(B, (6, 6))
    assert len(game.seen) == 1
    assert game.play(W, (4, 4)).seen[0] == game.seen[0]


def test_placement_needs_a_ruleset_that_allows_it() -> None:
    for name in ("japanese", "korean"):
        with pytest.raises(SettingsError) as info:
            placing(ruleset=name)
        assert info.value.name == "placement"
    assert placing(ruleset="aga").phase == "placement"  # fixed by default, free by agreement


def test_free_placement_has_the_fixed_layout_limits() -> None:
    with pytest.raises(SettingsError) as info:
        placing(handicap=5, size=10)
    assert info.value.name == "handicap"
    assert placing(handicap=0).phase == "playing"
    assert placing(handicap=1).to_move is B  # one stone of handicap: black just moves first


def test_sgf_writes_placed_stones_as_handicap_stones() -> None:
    game = placing(handicap=2).play(B, (2, 3)).play(B, (5, 5)).play(W, (4, 4))
    text = to_sgf(game)
    assert "HA[2]" in text and "AB[cd][ff]" in text and "PL[" not in text
    again = from_sgf(text)
    assert again.board_rows() == game.board_rows()
    assert (again.to_move, again.handicap_stones) == (B, ((2, 3), (5, 5)))


def test_replay_from_places_the_same_stones_first() -> None:
    game = placing(handicap=2).play(B, (2, 3)).play(B, (5, 5)).play(W, (4, 4))
    assert game.replay_from(game.moves) == game
