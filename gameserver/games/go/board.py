"""Board mechanics on a flat ``bytes`` position: placing stones, captures, chains, hashing.

This module knows nothing of turns, phases or ko *policy*; it answers "what does
the board look like after this stone" and "which chain, which liberties". A
position is ``bytes`` of length ``size * size``, index ``y * size + x``, holding
``EMPTY``, ``BLACK`` or ``WHITE``. Positions are values: nothing here mutates its
input, so a game can keep every earlier position for undo and superko.

Whole-board positions are hashed with Zobrist keys (one random 64-bit key per
point and colour, xor-ed together), updated incrementally as stones come and go.
The keys are derived from a fixed seed per board size, so hashes are stable
across processes (useful in tests and logs) and there is no hidden state.
"""

from __future__ import annotations

import functools
import operator
import random
from collections.abc import Callable, Iterable
from dataclasses import dataclass
from typing import NamedTuple

from gameserver.games.go.coords import MAX_SIZE, MIN_SIZE, Color, Point
from gameserver.games.go.errors import IllegalMoveError, SettingsError
from gameserver.games.go.rulesets import Suicide

__all__ = [
    "BLACK",
    "EMPTY",
    "WHITE",
    "Geometry",
    "Placement",
    "chain_at",
    "chains",
    "color_code",
    "empty_board",
    "geometry",
    "handicap_points",
    "place_stone",
    "rows",
    "setup_board",
]

EMPTY = 0
BLACK = 1
WHITE = 2

_ROW_TABLE = bytes.maketrans(b"\x00\x01\x02", b".XO")


def color_code(color: Color) -> int:
    return BLACK if color is Color.BLACK else WHITE


@dataclass(frozen=True, slots=True)
class Geometry:
    """Everything about a board size that never changes: neighbours and hash keys."""

    size: int
    neighbours: tuple[tuple[int, ...], ...]
    #: ``keys[BLACK][i]`` / ``keys[WHITE][i]``: Zobrist key of a stone at index ``i``.
    keys: tuple[tuple[int, ...], tuple[int, ...], tuple[int, ...]]
    #: xor-ed into a hash to say "black to move" / "white to move" (situational superko).
    side_keys: tuple[int, int, int]

    def index(self, point: Point) -> int:
        return point[1] * self.size + point[0]

    def point(self, index: int) -> Point:
        return (index % self.size, index // self.size)

    def on_board(self, point: Point) -> bool:
        x, y = point
        return 0 <= x < self.size and 0 <= y < self.size


@functools.cache
def geometry(size: int) -> Geometry:
    """The (cached, immutable) geometry of a ``size`` x ``size`` board."""
    if not MIN_SIZE <= size <= MAX_SIZE:
        raise SettingsError("size", size, f"an integer from {MIN_SIZE} to {MAX_SIZE}")
    neighbours: list[tuple[int, ...]] = []
    for y in range(size):
        for x in range(size):
            around = []
            for nx, ny in ((x, y - 1), (x - 1, y), (x + 1, y), (x, y + 1)):
                if 0 <= nx < size and 0 <= ny < size:
                    around.append(ny * size + nx)
            neighbours.append(tuple(around))
    rng = random.Random(f"gameserver.games.go zobrist {size}")
    area = size * size
    black = tuple(rng.getrandbits(64) for _ in range(area))
    white = tuple(rng.getrandbits(64) for _ in range(area))
    side = (0, rng.getrandbits(64), rng.getrandbits(64))
    return Geometry(size, tuple(neighbours), ((0,) * area, black, white), side)


def empty_board(size: int) -> bytes:
    return bytes(size * size)


def rows(board: bytes, size: int) -> list[str]:
    """Row 0 first; ``.`` empty, ``X`` black, ``O`` white."""
    text = board.translate(_ROW_TABLE).decode("ascii")
    return list(_row_cutter(size)(text))


@functools.cache
def _row_cutter(size: int) -> Callable[[str], tuple[str, ...]]:
    """Cuts the text of a ``size`` board into its rows in one call (every push shows the
    board; slicing row by row through ``text.__getitem__`` cost twice as much)."""
    return operator.itemgetter(*(slice(i, i + size) for i in range(0, size * size, size)))


class Placement(NamedTuple):
    """The outcome of placing one stone."""

    board: bytes
    captured: tuple[int, ...]
    hash: int
    #: index the opponent may not retake at once (simple ko), or -1
    ko: int
    #: own stones the play removed (a suicide, where the rules allow one)
    lost: tuple[int, ...] = ()


def _dead_chain(board: bytearray, neighbours: tuple[tuple[int, ...], ...],
                start: int, color: int) -> set[int] | None:
    """The chain at ``start`` if it has no liberty left, else None (stops at the first one)."""
    seen = {start}
    stack = [start]
    while stack:
        for n in neighbours[stack.pop()]:
            v = board[n]
            if v == EMPTY:
                return None
            if v == color and n not in seen:
                seen.add(n)
                stack.append(n)
    return seen


def place_stone(board: bytes, geo: Geometry, index: int, color: int,
                position_hash: int, suicide: Suicide = "forbidden") -> Placement:
    """Put a ``color`` stone at ``index``, capturing opponent chains left without liberties.

    A placement that captures nothing and leaves its own chain without a liberty is a
    suicide: with ``suicide="forbidden"`` it raises :class:`IllegalMoveError` (reason
    ``suicide``) whatever the chain's size; ``"multi_stone"`` removes the chain when it has
    two stones or more and refuses a lone stone; ``"allowed"`` always removes it. Raises
    reason ``occupied`` for a stone already there. Ko is policy and left to the caller.
    """
    if board[index] != EMPTY:
        raise IllegalMoveError("occupied", geo.point(index), geo.size)
    b = bytearray(board)
    b[index] = color
    opponent = 3 - color
    neighbours = geo.neighbours
    around = neighbours[index]
    h = position_hash ^ geo.keys[color][index]
    captured: list[int] = []
    has_liberty = False
    for n in around:
        v = b[n]
        if v == opponent:
            dead = _dead_chain(b, neighbours, n, opponent)
            if dead:
                okeys = geo.keys[opponent]
                for s in dead:
                    b[s] = EMPTY
                    h ^= okeys[s]
                captured.extend(dead)
        elif v == EMPTY:
            has_liberty = True
    ko = -1
    if captured:
        if len(captured) == 1:
            # a lone stone with the captured point as its only liberty: simple ko
            own = empty = 0
            for n in around:
                v = b[n]
                if v == color:
                    own += 1
                elif v == EMPTY:
                    empty += 1
            if own == 0 and empty == 1:
                ko = captured[0]
    elif not has_liberty:
        own_chain = _dead_chain(b, neighbours, index, color)
        if own_chain is not None:
            if suicide == "forbidden" or (suicide == "multi_stone" and len(own_chain) == 1):
                raise IllegalMoveError("suicide", geo.point(index), geo.size)
            keys = geo.keys[color]
            for s in own_chain:
                b[s] = EMPTY
                h ^= keys[s]
            return Placement(bytes(b), (), h, -1, tuple(sorted(own_chain)))
    return Placement(bytes(b), tuple(captured), h, ko)


def chain_at(board: bytes, geo: Geometry, index: int) -> tuple[frozenset[int], frozenset[int]]:
    """The chain through ``index`` (which must hold a stone) and its liberties."""
    color = board[index]
    neighbours = geo.neighbours
    stones = {index}
    liberties: set[int] = set()
    stack = [index]
    while stack:
        for n in neighbours[stack.pop()]:
            v = board[n]
            if v == EMPTY:
                liberties.add(n)
            elif v == color and n not in stones:
                stones.add(n)
                stack.append(n)
    return frozenset(stones), frozenset(liberties)


def chains(board: bytes, geo: Geometry) -> list[tuple[frozenset[int], frozenset[int]]]:
    """Every chain on the board with its liberties, in index order of first stone."""
    seen: set[int] = set()
    found = []
    for i, v in enumerate(board):
        if v != EMPTY and i not in seen:
            stones, liberties = chain_at(board, geo, i)
            seen |= stones
            found.append((stones, liberties))
    return found


def handicap_points(size: int, stones: int) -> tuple[Point, ...]:
    """Fixed handicap placement (the GTP ``fixed_handicap`` layout) for 2-9 stones.

    Star points on the 4th line from 13x13 up, the 3rd line below. Even sizes and
    7x7 have no centre line, so they take at most 4 stones; sizes under 7 take none.
    """
    if stones == 0 or stones == 1:
        return ()
    limit = 0 if size < 7 else (4 if size % 2 == 0 or size == 7 else 9)
    if not 2 <= stones <= limit:
        raise SettingsError("handicap", stones,
                            f"0 or 2-{limit} on a {size}x{size} board" if limit else
                            f"0 on a {size}x{size} board")
    edge = 3 if size >= 13 else 2
    low, high, mid = edge, size - 1 - edge, size // 2
    corners = [(low, high), (high, low), (low, low), (high, high)]  # D4 Q16 D16 Q4
    sides = [(low, mid), (high, mid)]  # D10 Q10
    tops = [(mid, high), (mid, low)]  # K4 K16
    centre = (mid, mid)
    layout: list[Point]
    if stones <= 4:
        layout = corners[:stones]
    elif stones == 5:
        layout = [*corners, centre]
    elif stones == 6:
        layout = corners + sides
    elif stones == 7:
        layout = [*corners, *sides, centre]
    elif stones == 8:
        layout = corners + sides + tops
    else:
        layout = [*corners, *sides, *tops, centre]
    return tuple(layout)


def setup_board(size: int, black: Iterable[Point],
                white: Iterable[Point] = ()) -> tuple[bytes, int]:
    """A board with stones at ``black`` (handicap) and ``white``, and its Zobrist hash."""
    geo = geometry(size)
    b = bytearray(size * size)
    h = 0
    for color, points in ((BLACK, black), (WHITE, white)):
        for point in points:
            i = geo.index(point)
            if b[i] == EMPTY:
                b[i] = color
                h ^= geo.keys[color][i]
    return bytes(b), h
