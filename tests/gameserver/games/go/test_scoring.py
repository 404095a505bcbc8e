"""Scoring: area and territory counts after removing dead stones, seki, result strings."""

from __future__ import annotations

import pytest

from gameserver.games.go import Color, GoGame, format_result
from tests.gameserver.games.go.diagrams import position

B, W = Color.BLACK, Color.WHITE

# Black owns columns 0-1 (14 points), white columns 4-6 (21 points); the black
# stone at (5,3) sits in white's area.
WALLS = """
    . . X O . . .
    . . X O . . .
    . . X O . . .
    . . X O . X .
    . . X O . . .
    . . X O . . .
    . . X O . . .
"""

# Black's inner chain (eye at (0,0)) and the white chain (eye at (4,0)) share
# the liberty (2,0): whoever fills it is captured, so it is seki.
SEKI = """
    . X . O . O X
    X X O O O O X
    O O O X X X X
    X X X X . . .
    . . . . . . .
    . . . . . . .
    . . . . . . .
"""


def scored(diagram: str, ruleset: str, komi: float, dead: set[tuple[int, int]]) -> GoGame:
    game = position(diagram, B, komi=komi, ruleset=ruleset).pass_move(B).pass_move(W)
    for point in game.dead:
        game = game.mark_dead(point, False)
    for point in dead:
        game = game.mark_dead(point, True)
    return game


@pytest.mark.parametrize(("ruleset", "komi", "black", "white", "result"), [
    ("chinese", 0, 21, 28, "W+7"),
    ("chinese", 6.5, 21, 34.5, "W+13.5"),
    ("japanese", 0, 14, 22, "W+8"),
    ("japanese", -8, 14, 14, "Draw"),
    ("japanese", -10.5, 14, 11.5, "B+2.5"),
])
def test_dead_stone_in_territory(ruleset: str, komi: float, black: float, white: float,
                                 result: str) -> None:
    """The dead stone's point is white's; under territory rules it is also a prisoner."""
    score = scored(WALLS, ruleset, komi, {(5, 3)}).score()
    assert (score.black, score.white, score.result) == (black, white, result)
    assert (5, 3) in score.white_territory


def test_unmarked_dead_stone_makes_white_area_neutral() -> None:
    score = scored(WALLS, "chinese", 0, set()).score()
    assert (score.black, score.white) == (22, 7)


def test_territory_counts_prisoners_taken_in_play() -> None:
    game = position("""
        . X O . .
        X O . O .
        . X O . .
        . . . . .
        . . . . .
    """, B, ruleset="japanese", komi=0).play(B, (2, 1))
    assert game.captures == {B: 1, W: 0}
    assert game.score().black == 2 + 1  # points (0,0) and (1,1), plus one prisoner


@pytest.mark.parametrize(("ruleset", "black", "white", "result"), [
    ("chinese", 38, 10, "B+28"),
    ("japanese", 24, 0, "B+24"),
])
def test_seki(ruleset: str, black: float, white: float, result: str) -> None:
    """Area counts the eyes of groups in seki; territory rules leave them neutral."""
    game = scored(SEKI, ruleset, 0, set())
    assert game.dead == frozenset(), "seki is not suggested dead"
    score = game.score()
    assert (score.black, score.white, score.result) == (black, white, result)
    if ruleset == "japanese":
        assert score.seki == {(1, 0), (0, 1), (1, 1), (3, 0), (3, 1), (2, 1), (4, 1), (5, 1),
                              (5, 0), (2, 2), (1, 2), (0, 2)}
        assert (0, 0) not in score.black_territory


def test_dame_is_not_seki() -> None:
    """A neutral point either side may fill safely is just dame."""
    score = scored("""
        . X O . .
        . X . O .
        . X O . .
        . X O . .
        . X O . .
    """, "japanese", 0, set()).score()
    assert score.seki == frozenset()
    assert (score.black, score.white) == (5, 9)


def test_empty_board_is_all_neutral() -> None:
    score = GoGame.new(size=9, komi=7).score()
    assert (score.black, score.white, score.result) == (0, 7, "W+7")


@pytest.mark.parametrize(("black", "white", "result"), [
    (10, 6.5, "B+3.5"), (6.5, 10, "W+3.5"), (7, 7, "Draw"), (12, 2, "B+10"), (0, 0.5, "W+0.5"),
])
def test_result_strings(black: float, white: float, result: str) -> None:
    assert format_result(black, white) == result


def test_scoring_a_finished_game_keeps_the_result() -> None:
    game = scored(WALLS, "chinese", 6.5, {(5, 3)}).finish_by_score()
    assert game.result == "W+13.5"
    assert game.score().result == "W+13.5"
