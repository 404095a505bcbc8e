"""Ko: simple ko always, positional superko by default, situational superko as an option."""

from __future__ import annotations

import pytest

from gameserver.games.go import Color, IllegalMoveError
from tests.gameserver.games.go.diagrams import assert_board, position

B, W = Color.BLACK, Color.WHITE

KO = """
    . X O . .
    X O * O .
    . X O . .
    . . . . .
    . . . . .
"""


def test_taking_a_ko_sets_the_ko_point() -> None:
    game = position(KO, B).play(B, (2, 1))
    assert_board(game, """
        . X O . .
        X . X O .
        . X O . .
        . . . . .
        . . . . .
    """)
    assert game.ko == (1, 1)
    assert game.captures[B] == 1


def test_immediate_retake_is_ko() -> None:
    game = position(KO, B).play(B, (2, 1))
    with pytest.raises(IllegalMoveError) as info:
        game.play(W, (1, 1))
    assert info.value.reason == "ko"
    assert info.value.point == (1, 1)
    assert str(info.value) == "playing B4 retakes the ko at once"


def test_retake_after_a_threat_exchange_is_legal() -> None:
    game = position(KO, B).play(B, (2, 1)).play(W, (4, 4)).play(B, (4, 3))
    assert game.ko is None
    retaken = game.play(W, (1, 1))
    assert_board(retaken, """
        . X O . .
        X O . O .
        . X O . .
        . . . . X
        . . . . O
    """)
    assert retaken.ko == (2, 1)


def test_a_pass_clears_the_ko() -> None:
    game = position(KO, B).play(B, (2, 1)).pass_move(W).pass_move(B)
    assert game.phase == "scoring"
    game = position(KO, B).play(B, (2, 1)).pass_move(W)
    assert game.ko is None


def test_capturing_two_stones_is_no_ko() -> None:
    """Taking two stones sets no ko point, so white may play back at once."""
    game = position("""
        . X X O .
        X O O * O
        . X X O .
        . . . . .
        . . . . .
    """, B).play(B, (3, 1))
    assert game.captures[B] == 2
    assert game.ko is None
    back = game.play(W, (2, 1))
    assert_board(back, """
        . X X O .
        X . O . O
        . X X O .
        . . . . .
        . . . . .
    """)


# Three kos on one board. Ko A: black takes at (2,1), white retakes at (1,1).
# Ko B: white takes at (7,1), black retakes at (6,1). Ko C (black first): black
# takes at (2,5), white retakes at (1,5).
TRIPLE_KO = """
    . X O . . . O X .
    X O . O . O X . X
    . X O . . . O X .
    . . . . . . . . .
    . X O . . . . . .
    X O . O . . . . .
    . X O . . . . . .
    . . . . . . . . .
    . . . . . . . . .
"""

TRIPLE_KO_CYCLE = [(B, (2, 1)), (W, (7, 1)), (B, (2, 5)), (W, (1, 1)), (B, (6, 1))]
TRIPLE_KO_LAST = (W, (1, 5))


@pytest.mark.parametrize("superko", ["positional", "situational"])
def test_triple_ko_cycle_is_superko(superko: str) -> None:
    """Six ko captures bring back the start with black to move: the sixth is illegal."""
    game = position(TRIPLE_KO, B, superko=superko)
    start = game.board_rows()
    for color, point in TRIPLE_KO_CYCLE:
        game = game.play(color, point)
    color, point = TRIPLE_KO_LAST
    with pytest.raises(IllegalMoveError) as info:
        game.play(color, point)
    assert info.value.reason == "superko"
    assert str(info.value) == "playing B4 would repeat an earlier position (superko)"
    assert game.board_rows() != start


def test_triple_ko_cycle_repeats_without_superko() -> None:
    """With superko off only simple ko applies and the cycle can go round."""
    game = position(TRIPLE_KO, B, superko="none")
    start = game.board_rows()
    for _ in range(2):
        for color, point in [*TRIPLE_KO_CYCLE, TRIPLE_KO_LAST]:
            game = game.play(color, point)
        assert game.board_rows() == start
    assert game.captures == {B: 6, W: 6}


# Ko C here is white first, so a pass by black lets the cycle close with white to move.
ODD_CYCLE = """
    . X O . . . O X .
    X O . O . O X . X
    . X O . . . O X .
    . . . . . . . . .
    . O X . . . . . .
    O X . X . . . . .
    . O X . . . . . .
    . . . . . . . . .
    . . . . . . . . .
"""
ODD_MOVES: list[tuple[Color, tuple[int, int] | None]] = [
    (B, (2, 1)), (W, (7, 1)), (B, None), (W, (2, 5)), (B, (6, 1)), (W, (1, 1)),
]
ODD_LAST = (B, (1, 5))


def test_positional_superko_forbids_the_start_board_with_the_other_side_to_move() -> None:
    game = position(ODD_CYCLE, B)
    start = game.board_rows()
    for color, point in ODD_MOVES:
        game = game.pass_move(color) if point is None else game.play(color, point)
    with pytest.raises(IllegalMoveError) as info:
        game.play(*ODD_LAST)
    assert info.value.reason == "superko"
    assert game.superko == "positional"
    assert start != game.board_rows()


def test_situational_superko_allows_the_start_board_with_the_other_side_to_move() -> None:
    game = position(ODD_CYCLE, B, superko="situational")
    start = game.board_rows()
    for color, point in ODD_MOVES:
        game = game.pass_move(color) if point is None else game.play(color, point)
    game = game.play(*ODD_LAST)
    assert game.board_rows() == start
    assert game.to_move is W


def test_undo_restores_the_superko_history() -> None:
    """After undoing into the cycle, the same move is again forbidden, and legal after undo."""
    game = position(TRIPLE_KO, B)
    for color, point in TRIPLE_KO_CYCLE:
        game = game.play(color, point)
    back = game.undo().undo()
    again = back.play(*TRIPLE_KO_CYCLE[-2]).play(*TRIPLE_KO_CYCLE[-1])
    assert again == game
    with pytest.raises(IllegalMoveError):
        again.play(*TRIPLE_KO_LAST)
