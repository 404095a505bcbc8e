"""Colours, points and the two text notations for points (SGF ``dd`` and GTP ``D16``).

Points are ``(x, y)`` tuples, 0-based from the top-left corner: ``x`` is the column,
``y`` the row, as on the wire. SGF letters count from the top-left as well; GTP
letters skip ``I`` and GTP numbers count rows from the bottom.
"""

from __future__ import annotations

import enum

from gameserver.games.go.errors import CoordinateError

__all__ = [
    "GTP_COLUMNS",
    "MAX_SIZE",
    "MIN_SIZE",
    "Color",
    "Point",
    "from_gtp",
    "from_sgf_coord",
    "to_gtp",
    "to_sgf_coord",
]

Point = tuple[int, int]

MIN_SIZE = 5
MAX_SIZE = 25
GTP_COLUMNS = "ABCDEFGHJKLMNOPQRSTUVWXYZ"  # 25 letters, no I
_SGF_LETTERS = "abcdefghijklmnopqrstuvwxyz"


class Color(enum.Enum):
    """A player's colour; ``.value`` is the wire name."""

    BLACK = "black"
    WHITE = "white"

    @property
    def opponent(self) -> Color:
        return Color.WHITE if self is Color.BLACK else Color.BLACK

    @property
    def letter(self) -> str:
        """``"B"`` or ``"W"``, as in SGF and results."""
        return "B" if self is Color.BLACK else "W"

    @classmethod
    def from_letter(cls, letter: str) -> Color:
        return cls.BLACK if letter.upper() == "B" else cls.WHITE


def to_gtp(point: Point, size: int) -> str:
    """``(3, 3)`` on 19x19 -> ``"D16"``."""
    x, y = point
    if not (0 <= x < size and 0 <= y < size and size <= MAX_SIZE):
        raise CoordinateError(f"({x}, {y})", size, "GTP")
    return f"{GTP_COLUMNS[x]}{size - y}"


def from_gtp(text: str, size: int) -> Point:
    """``"D16"`` (any case) on 19x19 -> ``(3, 3)``; ``I`` is never a column."""
    cleaned = text.strip().upper()
    if len(cleaned) < 2 or not cleaned[1:].isdigit() or not cleaned[1:].isascii():
        raise CoordinateError(text, size, "GTP")
    x = GTP_COLUMNS.find(cleaned[0])
    row = int(cleaned[1:])
    if x < 0 or x >= size or not 1 <= row <= size:
        raise CoordinateError(text, size, "GTP")
    return (x, size - row)


def to_sgf_coord(point: Point, size: int = MAX_SIZE) -> str:
    """``(3, 3)`` -> ``"dd"``."""
    x, y = point
    if not (0 <= x < size and 0 <= y < size and size <= len(_SGF_LETTERS)):
        raise CoordinateError(f"({x}, {y})", size, "SGF")
    return _SGF_LETTERS[x] + _SGF_LETTERS[y]


def from_sgf_coord(text: str, size: int = MAX_SIZE) -> Point:
    """``"dd"`` -> ``(3, 3)``. A pass (``""`` or ``"tt"``) is not a point: see :mod:`.sgf`."""
    if len(text) != 2:
        raise CoordinateError(text, size, "SGF")
    x = _SGF_LETTERS.find(text[0])
    y = _SGF_LETTERS.find(text[1])
    if not (0 <= x < size and 0 <= y < size):
        raise CoordinateError(text, size, "SGF")
    return (x, y)
