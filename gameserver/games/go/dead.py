"""Suggesting dead stones for the scoring phase of a settled game.

The method (see also docs/go-rules.md):

1. For each colour ``c``, split the board into *c-enclosures*: connected sets of
   points that are not ``c`` stones (empty points and opponent stones). Each is
   bordered only by ``c`` stones or the edge.
2. An enclosure holding opponent (``o``) stones is ``c``'s area when

   * it covers at most half of the board (early on, "everything but my stones"
     is not an area anybody owns);
   * no ``o`` group in it has two eyes, an eye being an empty region bordered
     only by ``o`` stones, counted twice when it has 7 points or more (room for
     two eyes), and a group being the ``o`` chains that share an eye;
   * no ``o`` chain in it is in a fight: a ``c`` chain touching it, or sharing
     a liberty with it, that has at most 3 liberties and no more than the ``o``
     chain means a capturing race or seki, which is left to the players.

   Then every ``o`` stone in it is suggested dead, unless the claim conflicts
   with one of the other colour (each calls dead the stones around the other's
   area: a territory with dead stones in it, seen from both sides). Of two such
   claims, the one whose own islands (chains the area surrounds, apart from
   their eyes) the other calls dead loses; failing that, the one with the higher
   share of invaders in its area loses; on a tie both go.
3. Stones found dead are taken off and the whole search runs again (a dead
   stone in a territory hides the eye it sits in), until nothing changes.

Limits: false eyes count as eyes; chains that make two eyes only together without
sharing one (rare) are counted apart; a group with two eyes keeps every ``o``
stone in its enclosure alive; a dead group touching a wall
chain that is short of liberties (3 or fewer) is not marked; dead stones in an
area larger than half the board are not marked; unsettled borders, seki and
capturing races are never marked. It is a prefill for the players to correct,
not a judge.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, NamedTuple

from gameserver.games.go.board import EMPTY, Geometry, chain_at
from gameserver.games.go.coords import Point
from gameserver.games.go.scoring import find_regions

if TYPE_CHECKING:
    from gameserver.games.go.game import GoGame

__all__ = ["BIG_EYE", "FIGHT_LIBERTIES", "dead_group", "dead_stones", "suggest_dead"]

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


def _most_eyes(board: bytes, geo: Geometry, eye_regions: list[list[int]]) -> int:
    """The most eyes any one invading group has, a group being the chains that
    share an eye (union-find over the chains around each eye region)."""
    if not eye_regions:
        return 0
    neighbours = geo.neighbours
    parent: dict[int, int] = {}

    def root(i: int) -> int:
        while parent[i] != i:
            parent[i] = parent[parent[i]]
            i = parent[i]
        return i

    chain_of: dict[int, int] = {}
    region_chains: list[list[int]] = []
    for region in eye_regions:
        around: list[int] = []
        for p in region:
            for n in neighbours[p]:
                if board[n] != EMPTY:
                    if n not in chain_of:
                        stones, _ = chain_at(board, geo, n)
                        first = min(stones)
                        parent.setdefault(first, first)
                        for s in stones:
                            chain_of[s] = first
                    around.append(chain_of[n])
        region_chains.append(around)
        for c in around[1:]:
            a, b = root(around[0]), root(c)
            if a != b:
                parent[b] = a
    eyes: dict[int, int] = {}
    for region, around in zip(eye_regions, region_chains, strict=True):
        group = root(around[0])
        eyes[group] = eyes.get(group, 0) + (2 if len(region) >= BIG_EYE else 1)
    return max(eyes.values())


def _walls(board: bytes, geo: Geometry, owner: int, part: set[int],
           enclosure_of: list[int], clean_small: set[int]) -> tuple[set[int], set[int]]:
    """The ``owner`` stones around the enclosure ``part``, and among them the islands:
    chains whose every neighbour that is not an ``owner`` stone lies in ``part`` or
    in one of their own small, invader-free enclosures (eyes)."""
    neighbours = geo.neighbours
    inside_id = enclosure_of[next(iter(part))]
    around: set[int] = set()
    islands: set[int] = set()
    for p in part:
        for n in neighbours[p]:
            if board[n] != owner or n in around:
                continue
            chain, _ = chain_at(board, geo, n)
            around |= chain
            if all(board[m] == owner or enclosure_of[m] == inside_id
                   or enclosure_of[m] in clean_small
                   for q in chain for m in neighbours[q]):
                islands |= chain
    return around, islands


class _Claim(NamedTuple):
    """"This enclosure is my area and these invaders in it are dead"."""

    size: int
    around: set[int]
    islands: set[int]
    invaders: set[int]


def _settle(claims: list[_Claim]) -> set[int]:
    """Invaders of the claims that survive their conflicts.

    Two claims conflict when one calls dead the stones around the other's area
    (a polluted territory seen from both sides). The claim whose own islands the
    other calls dead loses (its "area" is the other side's, with its dead stones
    in it); if that does not decide, the claim with the higher share of invaders
    in its area loses, and on a tie both go.
    """
    dropped: set[int] = set()
    for i, a in enumerate(claims):
        for j in range(i + 1, len(claims)):
            b = claims[j]
            if not (a.invaders & b.around or b.invaders & a.around):
                continue
            a_bad = bool(a.islands & b.invaders)
            b_bad = bool(b.islands & a.invaders)
            if a_bad != b_bad:
                dropped.add(i if a_bad else j)
                continue
            share_a = len(a.invaders) * b.size
            share_b = len(b.invaders) * a.size
            if share_a >= share_b:
                dropped.add(i)
            if share_b >= share_a:
                dropped.add(j)
    found: set[int] = set()
    for i, claim in enumerate(claims):
        if i not in dropped:
            found |= claim.invaders
    return found


def dead_stones(board: bytes, geo: Geometry) -> frozenset[int]:
    """Indices of stones that look dead on ``board`` (see the module docstring)."""
    area = len(board)
    dead: set[int] = set()
    current = board
    for _ in range(_MAX_ROUNDS):
        regions = find_regions(current, geo)
        claims: list[_Claim] = []
        for owner in (1, 2):
            invader = 3 - owner
            enclosures = _enclosures(current, geo, owner)
            enclosure_of = [-1] * area
            clean_small: set[int] = set()
            for number, part in enumerate(enclosures):
                for p in part:
                    enclosure_of[p] = number
                if len(part) < BIG_EYE and all(current[p] != invader for p in part):
                    clean_small.add(number)
            for part in enclosures:
                if len(part) * 2 > area:
                    continue
                stones = [p for p in part if current[p] == invader]
                if not stones:
                    continue
                inside = set(part)
                eye_regions = [region for region, border in regions
                               if border == invader and region[0] in inside]
                if _most_eyes(current, geo, eye_regions) >= 2:
                    continue
                if _in_a_fight(current, geo, stones, owner):
                    continue
                around, islands = _walls(current, geo, owner, inside, enclosure_of, clean_small)
                claims.append(_Claim(len(part), around, islands, set(stones)))
        found = _settle(claims)
        if not found:
            break
        dead |= found
        cleared = bytearray(current)
        for p in found:
            cleared[p] = EMPTY
        current = bytes(cleared)
    return frozenset(dead)


def dead_group(board: bytes, geo: Geometry, index: int) -> frozenset[int]:
    """The stones a dead-marking click at ``index`` toggles: every stone of that
    colour in the same enclosure (connected points free of opponent stones), so one
    click marks a whole dead group made of several chains. When that enclosure is
    more than half the board (an open position) it is just the chain."""
    color = board[index]
    opponent = 3 - color
    neighbours = geo.neighbours
    seen = {index}
    stack = [index]
    stones = [index]
    while stack:
        for n in neighbours[stack.pop()]:
            v = board[n]
            if v != opponent and n not in seen:
                seen.add(n)
                stack.append(n)
                if v == color:
                    stones.append(n)
    if len(seen) * 2 > len(board):
        return chain_at(board, geo, index)[0]
    return frozenset(stones)


def suggest_dead(game: GoGame) -> frozenset[Point]:
    """Points of the stones that look dead in ``game``'s position: a scoring prefill."""
    geo = game.settings.geo
    return frozenset(geo.point(i) for i in dead_stones(game.board, geo))
