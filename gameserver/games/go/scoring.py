"""Counting a finished position: area (Chinese, AGA, New Zealand, Ing) and territory
(Japanese, Korean) scores, as the game's ruleset says.

Both counts start by taking the stones marked dead off the board. Then every
connected region of empty points is owned by a colour when only that colour's
stones border it; a region touching both colours (or none) is neutral.

* **Area**: stones on the board + owned empty points; eyes of groups in seki
  count for their owner.
* **Territory**: owned empty points + prisoners taken during play + the
  opponent's dead stones. Points in seki are neutral: a group in seki gets no
  territory for its eyes.

White adds komi and, under the rulesets that pay handicap stones back, the
handicap compensation (``Ruleset.handicap_compensation``).

Seki is found the way a player sees it at the end of a game: a neutral point
where playing would be self-atari (or suicide), capturing nothing, for *both*
colours is a shared liberty of a seki; the chains around it are in seki, and
regions bordered by a chain in seki count for nobody. Dame that either player
could fill safely is not seki.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import TYPE_CHECKING

from gameserver.games.go.board import BLACK, EMPTY, WHITE, Geometry, chain_at, place_stone
from gameserver.games.go.coords import Point
from gameserver.games.go.errors import IllegalMoveError

if TYPE_CHECKING:
    from gameserver.games.go.game import GoGame

__all__ = ["Score", "find_regions", "format_result", "score_game", "seki_chains"]


@dataclass(frozen=True, slots=True)
class Score:
    """Points for each side (komi included in ``white``) and the result string."""

    black: float
    white: float
    result: str
    ruleset: str = "chinese"
    #: empty (or dead-stone) points counted for each side
    black_territory: frozenset[Point] = frozenset()
    white_territory: frozenset[Point] = frozenset()
    #: stones found to be in seki (territory scoring only)
    seki: frozenset[Point] = frozenset()
    #: what ``white`` includes besides the board: komi, and points for Black's handicap
    komi: float = 0.0
    handicap_compensation: int = 0

    @property
    def margin(self) -> float:
        """Black's lead (negative when white leads)."""
        return self.black - self.white


def _number(value: float) -> str:
    return str(int(value)) if value == int(value) else f"{value:g}"


def format_result(black: float, white: float) -> str:
    """``B+3.5``, ``W+12``, or ``Draw``."""
    margin = black - white
    if margin > 0:
        return f"B+{_number(margin)}"
    if margin < 0:
        return f"W+{_number(-margin)}"
    return "Draw"


def find_regions(board: bytes | bytearray, geo: Geometry) -> list[tuple[list[int], int]]:
    """Connected empty regions and the colours bordering each (bit 1 black, bit 2 white)."""
    neighbours = geo.neighbours
    seen = bytearray(len(board))
    found: list[tuple[list[int], int]] = []
    for start, v in enumerate(board):
        if v != EMPTY or seen[start]:
            continue
        seen[start] = 1
        region = [start]
        border = 0
        stack = [start]
        while stack:
            for n in neighbours[stack.pop()]:
                c = board[n]
                if c == EMPTY:
                    if not seen[n]:
                        seen[n] = 1
                        region.append(n)
                        stack.append(n)
                else:
                    border |= c
        found.append((region, border))
    return found


def _bad_for(board: bytes, geo: Geometry, index: int, color: int) -> bool:
    """Playing ``color`` at ``index`` is suicide, or self-atari capturing nothing."""
    try:
        placed = place_stone(board, geo, index, color, 0)
    except IllegalMoveError:
        return True
    if placed.captured:
        return False
    _, liberties = chain_at(placed.board, geo, index)
    return len(liberties) <= 1


def seki_chains(board: bytes, geo: Geometry,
                regions: list[tuple[list[int], int]]) -> frozenset[int]:
    """Stones of chains in seki (see the module docstring), as indices."""
    in_seki: set[int] = set()
    neighbours = geo.neighbours
    for region, border in regions:
        if border != 3:
            continue
        for p in region:
            if not any(board[n] != EMPTY for n in neighbours[p]):
                continue
            if _bad_for(board, geo, p, BLACK) and _bad_for(board, geo, p, WHITE):
                for n in neighbours[p]:
                    if board[n] != EMPTY and n not in in_seki:
                        stones, _ = chain_at(board, geo, n)
                        in_seki |= stones
    return frozenset(in_seki)


def score_game(game: GoGame) -> Score:
    """Score ``game`` under its ruleset after removing the stones in ``game.dead``."""
    geo = game.settings.geo
    board = bytearray(game.board)
    dead_black = dead_white = 0
    for point in game.dead:
        i = geo.index(point)
        if board[i] == BLACK:
            dead_black += 1
        elif board[i] == WHITE:
            dead_white += 1
        board[i] = EMPTY
    alive = bytes(board)
    regions = find_regions(alive, geo)
    rules = game.rules
    seki: frozenset[int] = frozenset()
    if not rules.seki_points:
        seki = seki_chains(alive, geo, regions)
    black_points: list[int] = []
    white_points: list[int] = []
    neighbours = geo.neighbours
    for region, border in regions:
        if border not in (1, 2):
            continue
        if seki and any(n in seki for p in region for n in neighbours[p]):
            continue
        (black_points if border == 1 else white_points).extend(region)
    if rules.scoring == "territory":
        black = float(len(black_points) + game.black_captures + dead_white)
        white = float(len(white_points) + game.white_captures + dead_black)
    else:
        black = float(len(black_points) + alive.count(BLACK))
        white = float(len(white_points) + alive.count(WHITE))
    compensation = game.settings.handicap_compensation
    white += game.komi + compensation
    return Score(
        black, white, format_result(black, white), game.ruleset,
        frozenset(geo.point(i) for i in black_points),
        frozenset(geo.point(i) for i in white_points),
        frozenset(geo.point(i) for i in seki),
        game.komi, compensation,
    )
