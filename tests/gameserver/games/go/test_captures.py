"""Placing stones: captures of any size, snapback, suicide, occupied and off-board points."""

from __future__ import annotations

import pytest

from gameserver.games.go import Color, GoGame, IllegalMoveError
from tests.gameserver.games.go.diagrams import assert_board, play_at_mark, position

B, W = Color.BLACK, Color.WHITE

CAPTURES = [
    pytest.param(
        """
        . X . . .
        X O * . .
        . X . . .
        . . . . .
        . . . . .
        """,
        """
        . X . . .
        X . X . .
        . X . . .
        . . . . .
        . . . . .
        """,
        1,
        id="single-stone",
    ),
    pytest.param(
        """
        O X . . .
        * . . . .
        . . . . .
        . . . . .
        . . . . .
        """,
        """
        . X . . .
        X . . . .
        . . . . .
        . . . . .
        . . . . .
        """,
        1,
        id="corner-stone",
    ),
    pytest.param(
        """
        . X X X .
        X O O O X
        . X X * .
        . . . . .
        . . . . .
        """,
        """
        . X X X .
        X . . . X
        . X X X .
        . . . . .
        . . . . .
        """,
        3,
        id="three-stone-line",
    ),
    pytest.param(
        """
        . X O X .
        X O * O X
        . X . X .
        . . . . .
        . . . . .
        """,
        """
        . X . X .
        X . X . X
        . X . X .
        . . . . .
        . . . . .
        """,
        3,
        id="three-chains-at-once",
    ),
    pytest.param(
        """
        . . . . . . .
        . X X X X X .
        . X O O O X .
        . X O * O X .
        . X O O O X .
        . X X X X X .
        . . . . . . .
        """,
        """
        . . . . . . .
        . X X X X X .
        . X . . . X .
        . X . X . X .
        . X . . . X .
        . X X X X X .
        . . . . . . .
        """,
        8,
        id="filling-the-last-eye-captures-eight",
    ),
]


@pytest.mark.parametrize(("before", "after", "taken"), CAPTURES)
def test_black_move_captures(before: str, after: str, taken: int) -> None:
    """Black plays at *; opponent chains left without liberties leave the board."""
    game = play_at_mark(before, B)
    assert_board(game, after)
    assert game.captures[B] == taken
    assert game.captures[W] == 0


def test_capturing_the_whole_board_but_one_eye() -> None:
    """A capture of a big group (20 stones) on 5x5 returns every point."""
    before = """
        O O O O O
        O O O O O
        O O O O O
        O O O O X
        O O O * .
    """
    game = play_at_mark(before, B)
    assert_board(game, """
        . . . . .
        . . . . .
        . . . . .
        . . . . X
        . . . X .
    """)
    assert game.captures[B] == 22


def test_snapback() -> None:
    """Black throws in, white captures one stone, black retakes the same point taking five."""
    game = position("""
        . . . . . .
        . . . . . .
        . . . . . .
        . . X X X .
        . X O O O X
        . X O * . X
    """, B)
    throw_in = game.play(B, (3, 5))
    assert throw_in.captures[B] == 0
    taken = throw_in.play(W, (4, 5))
    assert_board(taken, """
        . . . . . .
        . . . . . .
        . . . . . .
        . . X X X .
        . X O O O X
        . X O . O X
    """)
    assert taken.captures[W] == 1
    assert taken.ko is None, "taking one stone into a five-stone chain is no ko"
    snapped = taken.play(B, (3, 5))
    assert_board(snapped, """
        . . . . . .
        . . . . . .
        . . . . . .
        . . X X X .
        . X . . . X
        . X . X . X
    """)
    assert snapped.captures == {B: 5, W: 1}


def test_suicide_of_a_single_stone_is_illegal() -> None:
    game = position("""
        . X . . .
        X * X . .
        . X . . .
        . . . . .
        . . . . .
    """, W)
    with pytest.raises(IllegalMoveError) as info:
        game.play(W, (1, 1))
    assert info.value.reason == "suicide"
    assert info.value.point == (1, 1)
    assert str(info.value) == "playing B4 would be suicide"


def test_multi_stone_suicide_is_illegal() -> None:
    """Filling the last shared liberty of a three-stone white chain with nothing to capture."""
    game = position("""
        X X X X .
        O O * X .
        X X X X .
        . . . . .
        . . . . .
    """, W)
    with pytest.raises(IllegalMoveError) as info:
        game.play(W, (2, 1))
    assert info.value.reason == "suicide"
    assert game.board_rows() == position("""
        X X X X .
        O O . X .
        X X X X .
        . . . . .
        . . . . .
    """).board_rows()


def test_a_move_that_captures_is_not_suicide() -> None:
    before = """
        . X O . .
        X O * O .
        . X O . .
        . . . . .
        . . . . .
    """
    game = play_at_mark(before, B)
    assert_board(game, """
        . X O . .
        X . X O .
        . X O . .
        . . . . .
        . . . . .
    """)


def test_occupied_point_is_illegal_with_a_message() -> None:
    game = GoGame.new(size=19).play(B, (3, 15))
    with pytest.raises(IllegalMoveError) as info:
        game.play(W, (3, 15))
    assert info.value.reason == "occupied"
    assert info.value.point == (3, 15)
    assert str(info.value) == "point D4 is occupied"


@pytest.mark.parametrize("point", [(-1, 0), (0, -1), (9, 0), (0, 9), (100, 100)])
def test_off_board_is_illegal(point: tuple[int, int]) -> None:
    game = GoGame.new(size=9)
    with pytest.raises(IllegalMoveError) as info:
        game.play(B, point)
    assert info.value.reason == "off_board"
    assert str(info.value) == f"point ({point[0]}, {point[1]}) is off the 9x9 board"


def test_illegal_moves_change_nothing() -> None:
    game = GoGame.new(size=9).play(B, (4, 4))
    with pytest.raises(IllegalMoveError):
        game.play(W, (4, 4))
    assert game.moves[-1].point == (4, 4)
    assert game.to_move is W


def test_a_board_mismatch_prints_both_boards() -> None:
    game = GoGame.new(size=5).play(B, (0, 0))
    with pytest.raises(AssertionError) as info:
        assert_board(game, """
            . . . . .
            . . . . .
            . . . . .
            . . . . .
            . . . . .
        """)
    assert str(info.value) == (
        "board differs\n"
        "expected     actual\n"
        ". . . . .    X . . . .\n"
        ". . . . .    . . . . .\n"
        ". . . . .    . . . . .\n"
        ". . . . .    . . . . .\n"
        ". . . . .    . . . . ."
    )
