"""Dead-stone suggestions: a prefill for the scoring phase of settled games.

Diagrams show the expected suggestion in lower case (``x``/``o`` dead stones).
"""

from __future__ import annotations

from gameserver.games.go import Color, GoGame, suggest_dead
from tests.gameserver.games.go.diagrams import assert_dead, position

B, W = Color.BLACK, Color.WHITE

SETTLED = """
    . . X O . . . . .
    . o X O . . . . .
    . . X O . . x . .
    . . X O . . x . .
    . . X X O . . . .
    . . . X O . . . .
    . . . X O . . . .
    . o . X O . . . .
    . . . X O . . . .
"""


def check(diagram: str) -> None:
    assert_dead(diagram, suggest_dead(position(diagram)))


def test_dead_stones_in_both_territories() -> None:
    """Lone stones and a two-stone chain inside the opponent's area are dead."""
    check(SETTLED)


def test_passing_twice_prefills_dead_and_scores_them() -> None:
    scoring = position(SETTLED).pass_move(B).pass_move(W)
    assert scoring.dead == {(1, 1), (1, 7), (6, 2), (6, 3)}
    # area: black 22 points + 10 stones, white 40 points + 9 stones
    assert scoring.score().result == "W+17"


def test_one_eyed_group_in_the_opponents_area_is_dead() -> None:
    check("""
        . . X O . x . x .
        . . X O . x x x .
        . . X O . . . . .
        . . X O . . . . .
        . . X X O . . . .
        . . . X O . . . .
        . . . X O . . . .
        . . . X O . . . .
        . . . X O . . . .
    """)


def test_two_eyed_group_in_the_opponents_area_lives() -> None:
    check("""
        . . X O . X . X .
        . . X O . X X X X
        . . X O . . . . .
        . . X O . . . . .
        . . X X O . . . .
        . . . X O . . . .
        . . . X O . . . .
        . . . X O . . . .
        . . . X O . . . .
    """)


def test_two_separate_one_eyed_groups_are_both_dead() -> None:
    """Eyes are counted per group: two one-eyed groups do not make a living one."""
    check("""
        . . X O . x . x .
        . . X O . x x x .
        . . X O . . . . .
        . . X O . . . . .
        . . X X O . . . .
        . . . X O . . . .
        . . . X O . . . .
        . . . X O . x x x
        . . . X O . x . x
    """)


def test_an_eyeless_group_along_the_edge_is_dead() -> None:
    """Seven white stones with four liberties and no eye inside black's corner."""
    check("""
        . . . X O . . . .
        . . . X O . . . .
        . . . X O . . . .
        . . . X O O O O O
        . . . X X X X X X
        . . . X o o o o .
        . . . X X X X o .
        . . . . . . X o .
        . . . . . . X o .
    """)


def test_a_dead_stone_in_a_territory_with_an_own_island() -> None:
    """White's only area holds a black stone and a lone white stone: black's is dead."""
    check("""
        . . X O . . . . .
        . X X O . O . . .
        . X O O . . . x .
        X X O . . . . . .
        . X O O O O O O O
        X . X X X X X X X
        . X . . . o . . .
        . X . . . . . . .
        . X . . . . . . .
    """)


def test_seki_is_not_dead() -> None:
    check("""
        . X . O . O X
        X X O O O O X
        O O O X X X X
        X X X X . . .
        . . . . . . .
        . . . . . . .
        . . . . . . .
    """)


def test_nothing_is_dead_in_an_open_position() -> None:
    game = GoGame.new(size=9)
    for color, point in [(B, (2, 2)), (W, (6, 6)), (B, (6, 2)), (W, (2, 6)), (B, (4, 4))]:
        game = game.play(color, point)
    assert suggest_dead(game) == frozenset()
    assert game.pass_move(W).pass_move(B).dead == frozenset()


def test_one_click_marks_every_chain_of_a_dead_group() -> None:
    """Marking dead toggles all stones of that colour in the enclosed area."""
    game = position("""
        . . X O . . . . .
        . . X O . . . . .
        . . X O . X . . .
        . . X O . . X . .
        . . X X O . . . .
        . . . X O . . . .
        . . . X O . . . .
        . . . X O . . . .
        . . . X O . . . .
    """).pass_move(B).pass_move(W)
    assert game.dead == {(5, 2), (6, 3)}
    cleared = game.mark_dead((6, 3), False)
    assert cleared.dead == frozenset()
    assert cleared.mark_dead((5, 2), True).dead == {(5, 2), (6, 3)}
    assert cleared.mark_dead((5, 2), True, chain_only=True).dead == {(5, 2)}


def test_in_an_open_position_a_click_marks_one_chain() -> None:
    game = GoGame.new(size=9).play(B, (2, 2)).play(W, (6, 6)).play(B, (6, 2))
    game = game.pass_move(W).pass_move(B)
    assert game.mark_dead((2, 2), True).dead == {(2, 2)}


def test_a_wrong_suggestion_prints_both_boards() -> None:
    try:
        assert_dead("""
            X . . . .
            . . . . .
            . . . . o
            . . . . .
            . . . . .
        """, set())
    except AssertionError as exc:
        assert "expected     actual" in str(exc)
        assert ". . . . o    . . . . O" in str(exc)
    else:
        raise AssertionError("a mismatch must fail")
