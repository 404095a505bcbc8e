"""Suggesting dead stones for the scoring phase of a settled game.

The method (see also docs/go-rules.md):

1. For each colour ``c``, split the board into *c-enclosures*: connected sets of
   points that are not ``c`` stones (empty points and opponent stones). Each is
   bordered only by ``c`` stones or the edge.
2. An enclosure holding opponent (``o``) stones is ``c``'s area when

   * it covers at most half of the board (early on, "everything but my stones"
     is not an area anybody owns);
   * ``o`` has fewer than two eyes in it, an eye being an empty region bordered
     only by ``o`` stones, counted twice when it has 7 points or more (room for
     two eyes);
   * no ``o`` chain in it is in a fight: a ``c`` chain touching it, or sharing
     a liberty with it, that has at most 3 liberties and no more than the ``o``
     chain means a capturing race or seki, which is left to the players.

   Then every ``o`` stone in it is suggested dead.
3. Stones found dead are taken off and the whole search runs again (a dead
   stone in a territory hides the eye it sits in), until nothing changes.

Limits: false eyes count as eyes; two separate one-eyed ``o`` groups in the same
enclosure count as two eyes (so neither is marked); a dead group touching a wall
chain that is short of liberties (3 or fewer) is not marked; dead stones in an
area larger than half the board are not marked; unsettled borders, seki and
capturing races are never marked. It is a prefill for the players to correct,
not a judge.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from gameserver.go.board import EMPTY, Geometry, chain_at
from gameserver.go.coords import Point
from gameserver.go.scoring import find_regions

if TYPE_CHECKING:
    from gameserver.go.game import GoGame

__all__ = ["BIG_EYE", "FIGHT_LIBERTIES", "dead_stones", "suggest_dead"]

#: an eye space of this many points or more counts as room for two eyes
BIG_EYE = 7
#: a surrounding chain with this few liberties (and no more than the invader) is in a fight
FIGHT_LIBERTIES = 3
_MAX_ROUNDS = 4


def _enclosures(board: bytes, geo: Geometry, owner: int) -> list[list[int]]:
    """Connected sets of points not holding an ``owner`` stone."""
    neighbours = geo.neighbours
    seen = bytearray(len(board))
    found = []
    for start, v in enumerate(board):
        if v == owner or seen[start]:
            continue
        seen[start] = 1
        part = [start]
        stack = [start]
        while stack:
            for n in neighbours[stack.pop()]:
                if not seen[n] and board[n] != owner:
                    seen[n] = 1
                    part.append(n)
                    stack.append(n)
        found.append(part)
    return found


def _in_a_fight(board: bytes, geo: Geometry, stones: list[int], owner: int) -> bool:
    """Whether some invading chain among ``stones`` touches (or shares a liberty
    with) an ``owner`` chain that has no more liberties than it."""
    neighbours = geo.neighbours
    done: set[int] = set()
    for s in stones:
        if s in done:
            continue
        chain, liberties = chain_at(board, geo, s)
        done |= chain
        near = {n for p in chain for n in neighbours[p] if board[n] == owner}
        near |= {n for p in liberties for n in neighbours[p] if board[n] == owner}
        checked: set[int] = set()
        for n in near:
            if n in checked:
                continue
            other, other_liberties = chain_at(board, geo, n)
            checked |= other
            if len(other_liberties) <= min(len(liberties), FIGHT_LIBERTIES):
                return True
    return False


def dead_stones(board: bytes, geo: Geometry) -> frozenset[int]:
    """Indices of stones that look dead on ``board`` (see the module docstring)."""
    area = len(board)
    dead: set[int] = set()
    current = board
    for _ in range(_MAX_ROUNDS):
        found: set[int] = set()
        regions = find_regions(current, geo)
        for owner in (1, 2):
            invader = 3 - owner
            for part in _enclosures(current, geo, owner):
                if len(part) * 2 > area:
                    continue
                stones = [p for p in part if current[p] == invader]
                if not stones:
                    continue
                inside = set(part)
                eyes = sum(2 if len(region) >= BIG_EYE else 1
                           for region, border in regions
                           if border == invader and region[0] in inside)
                if eyes >= 2:
                    continue
                if _in_a_fight(current, geo, stones, owner):
                    continue
                found.update(stones)
        if not found:
            break
        dead |= found
        cleared = bytearray(current)
        for p in found:
            cleared[p] = EMPTY
        current = bytes(cleared)
    return frozenset(dead)


def suggest_dead(game: GoGame) -> frozenset[Point]:
    """Points of the stones that look dead in ``game``'s position: a scoring prefill."""
    geo = game.settings.geo
    return frozenset(geo.point(i) for i in dead_stones(game.board, geo))
