"""Connect four's rules, as grids: row 0 is the top, `R` red, `Y` yellow, `.` empty."""

from __future__ import annotations

import pytest

from gameserver.games.connect_four.bots import choose
from gameserver.games.connect_four.rules import ColumnFull, OffBoard, Position

DRAW_4X4 = [3, 2, 1, 0, 2, 0, 0, 0, 3, 3, 1, 2, 3, 1, 2, 1]


def play(columns: list[int], width: int = 7, height: int = 6) -> Position:
    position = Position.empty(width, height)
    for column in columns:
        position = position.drop(column)
    return position


def grid(position: Position) -> str:
    return "\n".join(position.board_rows())


def test_a_disc_falls_to_the_lowest_free_row_and_red_goes_first() -> None:
    position = play([3, 3, 4])
    assert grid(position) == "\n".join([
        ".......",
        ".......",
        ".......",
        ".......",
        "...Y...",
        "...RR..",
    ])
    assert [(d.seat, d.column, d.row) for d in position.drops] == [
        ("red", 3, 5), ("yellow", 3, 4), ("red", 4, 5)]
    assert position.to_move == "yellow"


def test_four_in_a_row_wins_and_names_its_cells() -> None:
    position = play([0, 0, 1, 1, 2, 2, 3])
    assert position.win is not None and position.win.seat == "red"
    assert position.win.cells == ((0, 5), (1, 5), (2, 5), (3, 5))
    assert position.over and position.to_move is None


def test_a_column_and_both_diagonals_win() -> None:
    assert play([2, 3, 2, 3, 2, 3, 2]).win.cells == ((2, 2), (2, 3), (2, 4), (2, 5))  # type: ignore[union-attr]
    rising = play([0, 1, 1, 2, 2, 3, 2, 3, 3, 6, 3])
    assert grid(rising).splitlines()[2:] == [
        "...R...",
        "..RR...",
        ".RRY...",
        "RYYY..Y",
    ]
    assert rising.win is not None and rising.win.cells == ((0, 5), (1, 4), (2, 3), (3, 2))
    falling = play([6, 5, 5, 4, 4, 3, 4, 3, 3, 0, 3])
    assert falling.win is not None and falling.win.seat == "red"
    assert sorted(falling.win.cells) == [(3, 2), (4, 3), (5, 4), (6, 5)]


def test_a_line_of_five_wins_with_all_five_cells() -> None:
    """The disc that joins two threes makes a line of seven cells... here of five."""
    position = play([0, 0, 1, 1, 3, 3, 4, 4, 2])
    assert position.win is not None
    assert position.win.cells == ((0, 5), (1, 5), (2, 5), (3, 5), (4, 5))


def test_a_full_grid_without_four_is_a_draw() -> None:
    position = play(DRAW_4X4, 4, 4)
    assert grid(position) == "YYRR\nRYYY\nYRRR\nYRYR"
    assert position.full and position.win is None and position.to_move is None


def test_a_full_column_and_a_column_off_the_grid_are_refused_with_their_reason() -> None:
    position = play([0, 0, 0, 0], 4, 4)
    with pytest.raises(ColumnFull, match=r"^column 0 is full$") as full:
        position.drop(0)
    assert full.value.reason == "column_full"
    with pytest.raises(OffBoard, match=r"^column 4 is off the board \(columns 0-3\)$") as off:
        position.drop(4)
    assert off.value.reason == "off_board"


def test_the_bot_wins_when_it_can_blocks_when_it_must_and_prefers_the_centre() -> None:
    assert choose(Position.empty()) == 3
    assert choose(play([0, 6, 1, 6, 2])) == 3  # yellow must block red's fourth
    assert choose(play([0, 6, 1, 6, 5, 6])) == 6  # red blocks yellow's column
    assert choose(play([0, 6, 1, 6, 2, 6, 5])) == 6  # yellow completes its column


def test_the_bot_does_not_give_the_opponent_a_win_on_top() -> None:
    """Red would like the centre, but a disc there lets yellow complete row 4 on top of it."""
    position = play([2, 1, 5, 5, 0, 2, 6, 4, 2, 4, 5, 5])
    assert grid(position).splitlines()[2:] == [
        ".....Y.",
        "..R..R.",
        "..Y.YY.",
        "RYR.YRR",
    ]
    assert position.to_move == "red"
    assert choose(position) == 2
