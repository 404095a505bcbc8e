"""Connect four's rules as pure values: a grid of columns that discs fall down, whose turn it
is, and the lines of four (or more) that win.

Columns are numbered 0.. from the left and rows 0.. from the top, so a disc dropped into an
empty column of a 6-row grid lands in row 5. No I/O, no clock: a `Position` is an immutable
value and `drop` returns the next one.
"""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass

__all__ = ["DISC", "SEATS", "ColumnFull", "ConnectFourError", "Disc", "OffBoard", "Position",
           "Win", "other"]

SEATS = ("red", "yellow")  # red drops first
DISC = {"red": "R", "yellow": "Y"}
_DIRECTIONS = ((1, 0), (0, 1), (1, 1), (1, -1))


def other(seat: str) -> str:
    return SEATS[1 - SEATS.index(seat)]


class ConnectFourError(ValueError):
    """A drop the rules refuse; `reason` is the wire's `illegal_move` reason."""

    reason = "illegal"

    def __init__(self, message: str, column: int) -> None:
        super().__init__(message)
        self.column = column


class OffBoard(ConnectFourError):
    reason = "off_board"

    def __init__(self, column: int, columns: int) -> None:
        super().__init__(f"column {column} is off the board (columns 0-{columns - 1})", column)
        self.columns = columns


class ColumnFull(ConnectFourError):
    reason = "column_full"

    def __init__(self, column: int) -> None:
        super().__init__(f"column {column} is full", column)


@dataclass(frozen=True, slots=True)
class Disc:
    """A disc that was dropped: by `seat`, into `column`, landing in `row`."""

    seat: str
    column: int
    row: int


@dataclass(frozen=True, slots=True)
class Win:
    """`seat` connected: `cells` are every (column, row) of its winning lines, in order."""

    seat: str
    cells: tuple[tuple[int, int], ...]


@dataclass(frozen=True, slots=True)
class Position:
    columns: int
    rows: int
    connect: int = 4
    #: cells[column] is that column's discs from the bottom up (seat names)
    cells: tuple[tuple[str, ...], ...] = ()
    drops: tuple[Disc, ...] = ()
    win: Win | None = None

    @classmethod
    def empty(cls, columns: int = 7, rows: int = 6, connect: int = 4) -> Position:
        return cls(columns, rows, connect, tuple(() for _ in range(columns)))

    @property
    def full(self) -> bool:
        return all(len(column) == self.rows for column in self.cells)

    @property
    def over(self) -> bool:
        return self.win is not None or self.full

    @property
    def to_move(self) -> str | None:
        return None if self.over else SEATS[len(self.drops) % 2]

    def at(self, column: int, row: int) -> str | None:
        """The seat whose disc is at (column, row), row 0 at the top, or None."""
        stack = self.cells[column]
        height = self.rows - 1 - row
        return stack[height] if 0 <= height < len(stack) else None

    def open_columns(self) -> list[int]:
        return [c for c in range(self.columns) if len(self.cells[c]) < self.rows]

    def drop(self, column: int, seat: str | None = None) -> Position:
        """The position after the player to move (or `seat`, to look ahead for the other
        player) drops a disc into `column`."""
        seat = seat or self.to_move
        assert seat is not None, "the game is over"
        if not 0 <= column < self.columns:
            raise OffBoard(column, self.columns)
        stack = self.cells[column]
        if len(stack) == self.rows:
            raise ColumnFull(column)
        row = self.rows - 1 - len(stack)
        cells = (*self.cells[:column], (*stack, seat), *self.cells[column + 1:])
        nxt = Position(self.columns, self.rows, self.connect, cells,
                       (*self.drops, Disc(seat, column, row)))
        line = nxt.lines_through(column, row)
        return nxt if not line else Position(nxt.columns, nxt.rows, nxt.connect, nxt.cells,
                                             nxt.drops, Win(seat, line))

    def lines_through(self, column: int, row: int) -> tuple[tuple[int, int], ...]:
        """The cells of every line of `connect` or more through (column, row) in its seat's
        colour (the cell itself once), or () if there is none."""
        seat = self.at(column, row)
        if seat is None:
            return ()
        cells: list[tuple[int, int]] = []
        for dc, dr in _DIRECTIONS:
            back = list(self._run(column, row, -dc, -dr, seat))
            ahead = list(self._run(column, row, dc, dr, seat))
            if len(back) + 1 + len(ahead) >= self.connect:
                for cell in [*reversed(back), (column, row), *ahead]:
                    if cell not in cells:
                        cells.append(cell)
        return tuple(cells)

    def _run(self, column: int, row: int, dc: int, dr: int, seat: str) -> Iterator[tuple[int, int]]:
        c, r = column + dc, row + dr
        while 0 <= c < self.columns and 0 <= r < self.rows and self.at(c, r) == seat:
            yield c, r
            c, r = c + dc, r + dr

    def board_rows(self) -> list[str]:
        """The grid as text, row 0 (the top) first: `.` empty, `R` red, `Y` yellow."""
        return ["".join(DISC.get(self.at(c, r) or "", ".") for c in range(self.columns))
                for r in range(self.rows)]
