"""The built-in bot's move policy: pure Python, no I/O, deterministic for a given ``Random``.

It reads the position once (chains with their liberties, empty regions with the colours around
them) and picks the first tier that has a legal move:

1. **Capture or save**, whichever concerns more stones (a capture on a tie, ties among captures
   at random): take the opponent chain in atari with the most stones, or extend the largest own
   chain in atari when its last liberty gives it two or more.
2. **Play**: a weighted random point among the *useful* ones: empty points in a region bordered
   by both colours (or by none, early on, or larger than half the board), or in an opponent
   region of at least ``INVADE_MIN`` points (an invasion that might live). Never an own true
   eye, never a point inside its own territory, never a self-atari that captures nothing.
   Points near the last two moves weigh more, the 3rd and 4th lines weigh more in the opening,
   the first line weighs less, and putting an opponent chain in atari weighs more.
3. **Pass** when no useful point is left, or when the opponent has just passed and the board is
   settled (nothing to capture or save, and every contested empty point already touches both
   colours, i.e. only dame remain).

Free handicap stones (the ``placement`` phase) go on the fixed star-point layout, in its order.

It is weak on purpose (no reading beyond one move, no life and death) but it neither gives away
its own eyes nor keeps playing pointless moves, so two of them finish a game by two passes.
"""

from __future__ import annotations

import functools
import random
from collections.abc import Sequence

from gameserver.games.go.board import BLACK, EMPTY, WHITE, Geometry, chains, handicap_points
from gameserver.games.go.coords import Color, Point
from gameserver.games.go.errors import NotYourTurnError, WrongPhaseError
from gameserver.games.go.game import GoGame
from gameserver.games.go.scoring import find_regions

__all__ = [
    "INVADE_MIN",
    "check_turn",
    "choose_move",
    "is_true_eye",
    "placement_point",
]

#: an opponent region with at least this many points is worth invading (room to live)
INVADE_MIN = 12
_OPENING_FILL = 0.08  # the opening lasts while fewer than this share of points hold stones
_NEAR = 2  # Chebyshev distance that counts as "near the last moves"


@functools.cache
def _diagonals(size: int) -> tuple[tuple[tuple[int, ...], ...], tuple[bool, ...]]:
    """For each index: its on-board diagonal neighbours, and whether it lies on the edge."""
    diagonals: list[tuple[int, ...]] = []
    edge: list[bool] = []
    for y in range(size):
        for x in range(size):
            around = tuple(
                ny * size + nx
                for nx, ny in ((x - 1, y - 1), (x + 1, y - 1), (x - 1, y + 1), (x + 1, y + 1))
                if 0 <= nx < size and 0 <= ny < size
            )
            diagonals.append(around)
            edge.append(len(around) < 4)
    return tuple(diagonals), tuple(edge)


def is_true_eye(board: bytes, geo: Geometry, index: int, code: int) -> bool:
    """Whether the empty point ``index`` is a true eye of colour ``code`` (1 black, 2 white).

    Every orthogonal neighbour is a ``code`` stone, and by the usual diagonal rule it is not
    false: in the middle at most one diagonal holds an opponent stone, on the edge or in the
    corner none does.
    """
    if board[index] != EMPTY:
        return False
    for n in geo.neighbours[index]:
        if board[n] != code:
            return False
    diagonals, edge = _diagonals(geo.size)
    opponent = 3 - code
    bad = sum(1 for d in diagonals[index] if board[d] == opponent)
    return bad == 0 if edge[index] else bad <= 1


class _Position:
    """One reading of the board for ``code``: chains, liberties, regions."""

    def __init__(self, game: GoGame, code: int) -> None:
        board = game.board
        geo = game.settings.geo
        self.board = board
        self.geo = geo
        self.code = code
        self.opponent = 3 - code
        area = len(board)
        #: chain number of the stone at each index (-1 when empty)
        self.chain_of = [-1] * area
        self.chains = chains(board, geo)
        for number, (stones, _) in enumerate(self.chains):
            for s in stones:
                self.chain_of[s] = number
        self.regions = find_regions(board, geo)
        self.stones = area - sum(len(region) for region, _ in self.regions)

    def neighbour_chains(self, index: int, code: int) -> set[int]:
        board = self.board
        return {self.chain_of[n] for n in self.geo.neighbours[index] if board[n] == code}

    def liberties_after(self, index: int) -> int:
        """Liberties of our chain through ``index`` after playing there, captures ignored."""
        liberties = {n for n in self.geo.neighbours[index] if self.board[n] == EMPTY}
        for number in self.neighbour_chains(index, self.code):
            liberties |= self.chains[number][1]
        liberties.discard(index)
        return len(liberties)

    def captures_at(self, index: int) -> int:
        """How many opponent stones playing at ``index`` takes off."""
        return sum(
            len(self.chains[number][0])
            for number in self.neighbour_chains(index, self.opponent)
            if len(self.chains[number][1]) == 1
        )

    def ataris_at(self, index: int) -> bool:
        """Whether playing at ``index`` leaves an adjacent opponent chain with one liberty."""
        return any(
            len(self.chains[number][1]) == 2
            for number in self.neighbour_chains(index, self.opponent)
        )


def _captures(pos: _Position) -> dict[int, int]:
    """Points capturing opponent stones, and how many each takes."""
    taken: dict[int, int] = {}
    for stones, liberties in pos.chains:
        first = next(iter(stones))
        if pos.board[first] == pos.opponent and len(liberties) == 1:
            (point,) = liberties
            taken[point] = taken.get(point, 0) + len(stones)
    return taken


def _saves(pos: _Position) -> dict[int, int]:
    """Points that pull an own chain out of atari, and the size of the largest chain saved."""
    found: dict[int, int] = {}
    for stones, liberties in pos.chains:
        first = next(iter(stones))
        if pos.board[first] != pos.code or len(liberties) != 1:
            continue
        (point,) = liberties
        if is_true_eye(pos.board, pos.geo, point, pos.code):
            continue
        if pos.liberties_after(point) >= 2:
            found[point] = max(found.get(point, 0), len(stones))
    return found


def _urgent(pos: _Position, rng: random.Random) -> list[int]:
    """Captures and saves, the most stones first; a capture before a save of as many."""
    taken, saved = _captures(pos), _saves(pos)
    ranked = [(-stones, 0, point) for point, stones in taken.items()]
    ranked += [(-stones, 1, point) for point, stones in saved.items() if point not in taken]
    ranked.sort()
    rng.shuffle(ranked)  # random among equals: shuffle, then a stable sort on the rank
    ranked.sort(key=lambda item: item[:2])
    return [point for _, _, point in ranked]


def _useful(pos: _Position, settled_only: bool) -> list[int]:
    """Ordinary candidate points (see the module docstring)."""
    board, code, opponent = pos.board, pos.code, pos.opponent
    neighbours = pos.geo.neighbours
    half = len(board) // 2
    points: list[int] = []
    for region, border in pos.regions:
        if len(region) <= half:  # a larger region is nobody's yet, whoever borders it
            if border == code:
                continue  # own territory (and own eyes)
            if border == opponent:
                if not settled_only and len(region) >= INVADE_MIN:
                    points.extend(region)  # an invasion with room to live
                continue
        if settled_only and border == code | opponent and all(
            any(board[n] == code for n in neighbours[p])
            and any(board[n] == opponent for n in neighbours[p])
            for p in region
        ):
            continue  # dame only
        points.extend(region)
    return points


def _weights(pos: _Position, points: Sequence[int], recent: Sequence[int]) -> list[float]:
    size = pos.geo.size
    opening = pos.stones < _OPENING_FILL * size * size
    near = [(r % size, r // size) for r in recent]
    weights = []
    for p in points:
        x, y = p % size, p // size
        line = min(x, y, size - 1 - x, size - 1 - y)
        w = 1.0
        if line == 0:
            w = 0.3
        elif opening and size >= 9 and line in (2, 3):
            w = 8.0
        if any(abs(x - nx) <= _NEAR and abs(y - ny) <= _NEAR for nx, ny in near):
            w *= 4.0
        if pos.ataris_at(p):
            w *= 2.0
        weights.append(w)
    return weights


def _sane(pos: _Position, index: int) -> bool:
    """Not an own true eye and not a self-atari (or suicide) that captures nothing."""
    if is_true_eye(pos.board, pos.geo, index, pos.code):
        return False
    return pos.captures_at(index) > 0 or pos.liberties_after(index) >= 2


def check_turn(game: GoGame, color: Color) -> None:
    """Raise unless ``game`` is playing (or placing handicap stones) and ``color`` is to move
    (the errors the rules raise)."""
    if game.phase not in ("playing", "placement"):
        raise WrongPhaseError("choose a move", game.phase)
    if game.to_move is not color:
        raise NotYourTurnError(color, game.to_move)


def placement_point(game: GoGame) -> Point:
    """Where the next free handicap stone goes: the first empty point of the fixed layout
    (free placement allows the same numbers of stones, so the layout always has room)."""
    board, geo = game.board, game.settings.geo
    for point in handicap_points(game.size, game.settings.handicap):
        if board[geo.index(point)] == EMPTY:
            return point
    raise AssertionError("no handicap point left")  # pragma: no cover - N stones, N points


def choose_move(game: GoGame, color: Color, rng: random.Random) -> Point | None:
    """The built-in bot's move for ``color`` in ``game``: a point, or None to pass.

    Raises :class:`WrongPhaseError` outside the playing phase and :class:`NotYourTurnError`
    when ``color`` is not to move. The move returned is always legal in ``game``.
    """
    check_turn(game, color)
    if game.phase == "placement":
        return placement_point(game)
    code = BLACK if color is Color.BLACK else WHITE
    pos = _Position(game, code)
    geo = pos.geo

    def legal(index: int) -> bool:
        return game.is_legal(color, geo.point(index))

    for index in _urgent(pos, rng):
        if legal(index):
            return geo.point(index)

    last = game.last_move
    settled_only = last is not None and last.is_pass and last.color is color.opponent
    points = _useful(pos, settled_only)
    points = [p for p in points if _sane(pos, p)]
    if not points:
        return None
    recent = [geo.index(m.point) for m in game.moves[-2:] if m.point is not None]
    weights = _weights(pos, points, recent)
    while points:
        (pick,) = rng.choices(range(len(points)), weights)
        index = points[pick]
        if legal(index):
            return geo.point(index)
        points[pick] = points[-1]
        weights[pick] = weights[-1]
        points.pop()
        weights.pop()
    return None

