"""Whole games replayed against GNU Go, the oracle: after every move the two boards, the set of
legal points for the player to move, and at the end the score must agree.

GNU Go (``/usr/games/gnugo``, GTP mode) is told each ruleset's move rules by its options
(``--chinese-rules``, ``--allow-suicide``, ``--positional-superko``, ...). A game opens with
some random legal moves (so captures, kos and suicides happen), or on big boards with the
built-in bot's moves (cheap, and it leaves a game GNU Go can finish in a few moves); GNU Go
plays the rest for both sides until two passes. Then GNU Go's dead stones are marked on our
side and its ``final_score`` must equal our result. GNU Go counts territory (Japanese) or area
(Chinese, one point per handicap stone back to White); for the other area rulesets the
expected count is GNU Go's Chinese one with the compensation their rule texts give instead.

One known difference, in GNU Go: its superko test tries the move with the plain stone-placing
routine, which does not take a suicide's stones off (``is_superko_violation`` in
``engine/board.c`` calls ``really_do_trymove``, which calls ``do_play_move``), so a suicide that
recreates an earlier position is legal for GNU Go. Such points (only possible where suicide is
allowed: New Zealand, Ing) must be ones our rules refuse as ``superko``; they are counted apart.

And one in GNU Go 3.8 (the Debian package): under Chinese rules its count leaves the eyes of a
group in seki to nobody (``dame``), which the area rules count for the group's owner; GNU Go
fixed it after 3.8 ("Bugfix for aftermath scoring of seki eyes with Chinese rules", March
2009). With 3.8, such points (GNU Go's ``dame`` that only one colour borders) are added back.
"""

from __future__ import annotations

import random
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Literal

from gameserver.games.go import (
    Color,
    GoGame,
    IllegalMoveError,
    Point,
    RulesetName,
    format_result,
    ruleset,
)
from gameserver.games.go.board import BLACK, WHITE, place_stone
from gameserver.games.go.bots.builtin import choose_move
from gameserver.games.go.bots.gtp import GNUGO_PATH, GtpEngine, from_vertex, to_vertex
from gameserver.games.go.bots.gtp import Color as GtpColor
from tests.gameserver.games.go.diagrams import side_by_side

#: GNU Go's options for the move rules of each ruleset (its default: Japanese, no suicide,
#: simple ko)
GNUGO_RULES: dict[str, list[str]] = {
    "japanese": ["--japanese-rules", "--forbid-suicide"],
    "korean": ["--japanese-rules", "--forbid-suicide"],
    "chinese": ["--chinese-rules", "--forbid-suicide", "--positional-superko"],
    "aga": ["--chinese-rules", "--forbid-suicide", "--situational-superko"],
    "new_zealand": ["--chinese-rules", "--allow-all-suicide", "--situational-superko"],
    "ing": ["--chinese-rules", "--allow-suicide", "--positional-superko"],
}
_GTP: dict[Color, GtpColor] = {Color.BLACK: "black", Color.WHITE: "white"}

#: points White gets back for N handicap stones under each area ruleset, as the rule texts
#: say (written out here, not read from the rules library under test): the Chinese rules one
#: per stone like GNU Go, the AGA rules one fewer, New Zealand and Ing none
AREA_COMPENSATION: dict[str, Callable[[int], int]] = {
    "chinese": lambda stones: stones,
    "aga": lambda stones: max(0, stones - 1),
    "new_zealand": lambda stones: 0,
    "ing": lambda stones: 0,
}

#: how handicap stones get on the board: GNU Go's fixed layout, GNU Go's free placement
#: (place_free_handicap), or points we pick and tell GNU Go of (set_free_handicap)
Handicap = Literal["fixed", "engine", "ours"]


@dataclass(frozen=True, slots=True)
class GameSpec:
    ruleset: RulesetName
    size: int
    seed: int
    handicap: int = 0
    placement: Handicap = "fixed"
    komi: float | None = None  # None: the ruleset's default
    #: moves before GNU Go takes over: random legal points, or the built-in bot's moves (it
    #: may pass earlier)
    opening_moves: int = 10
    opener: Literal["random", "builtin"] = "random"
    level: int = 0
    max_moves: int = 0  # 0: three times the board's points

    def __str__(self) -> str:
        stones = f" H{self.handicap} {self.placement}" if self.handicap else ""
        return f"{self.ruleset} {self.size}x{self.size}{stones} seed {self.seed}"


@dataclass(slots=True)
class Replayed:
    """What one game compared."""

    spec: GameSpec
    boards: int = 0  # positions whose boards agreed
    probes: int = 0  # empty points whose legality agreed
    illegal: int = 0  # of those, points both found illegal
    #: suicides that repeat a position: superko for us, legal for GNU Go (see above)
    suicide_superko: int = 0
    #: eyes of groups in seki that GNU Go 3.8 leaves out of an area count (see above)
    seki_eyes: int = 0
    moves: int = 0
    result: str | None = None  # the agreed final score, when the game was counted
    gnugo_score: str | None = None
    notes: list[str] = field(default_factory=list)


def _vertices(answer: str, size: int) -> set[Point]:
    return {p for v in answer.split() if (p := from_vertex(v, size)) is not None}


def _rows(stones: dict[Color, set[Point]], size: int) -> list[str]:
    marks = {Color.BLACK: "X", Color.WHITE: "O"}
    rows = [["."] * size for _ in range(size)]
    for color, points in stones.items():
        for x, y in points:
            rows[y][x] = marks[color]
    return ["".join(row) for row in rows]


def _gnugo_result(answer: str) -> str:
    """GNU Go's ``final_score`` (``B+3.5``, ``W+12.0``, ``0``) in our notation."""
    text = answer.strip()
    if text in ("0", "B+0", "W+0", "Jigo"):
        return "Draw"
    margin = float(text[2:])
    return format_result(margin, 0) if text[0] == "B" else format_result(0, margin)


async def replay(spec: GameSpec) -> Replayed:
    """Play ``spec``'s game against GNU Go, checking every position; raises AssertionError
    naming the move and showing both boards at the first difference."""
    rng = random.Random(f"{spec} gnugo oracle")
    size, rules = spec.size, ruleset(spec.ruleset)
    komi = rules.default_komi(spec.handicap) if spec.komi is None else spec.komi
    argv = [GNUGO_PATH, "--mode", "gtp", "--level", str(spec.level), "--seed",
            str(spec.seed + 1), "--never-resign", *GNUGO_RULES[spec.ruleset]]
    done = Replayed(spec)
    async with GtpEngine(argv, timeout=60) as engine:
        await engine.boardsize(size)
        await engine.clear_board()
        await engine.komi(komi)
        game = await _handicap(engine, spec, komi, rng)
        cap = spec.max_moves or 3 * size * size
        opened = False
        while game.phase == "playing" and len(game.moves) < cap:
            color = game.to_move
            assert color is not None
            where = f"{spec}, before move {len(game.moves) + 1} ({color.value} to play)"
            await _same_board(engine, game, where)
            done.boards += 1
            legal = await _same_legal_points(engine, game, color, where, done)
            point: Point | None
            if len(game.moves) < spec.opening_moves and legal and not opened:
                if spec.opener == "random":
                    point = rng.choice(sorted(legal))
                else:
                    point = choose_move(game, color, rng)
                    opened = point is None  # the bot passes: GNU Go plays from here
                await engine.play(_GTP[color], "pass" if point is None else
                                  to_vertex(point[0], point[1], size))
            else:
                answer = await engine.genmove(_GTP[color])
                point = None if answer == "pass" else from_vertex(answer, size)
            game = game.pass_move(color) if point is None else game.play(color, point)
        done.moves = len(game.moves)
        if game.phase != "scoring":
            done.notes.append(f"not counted: {len(game.moves)} moves without two passes")
            return done
        await _same_board(engine, game, f"{spec}, at the end")
        done.boards += 1
        dead = _vertices(await engine.command("final_status_list dead"), size)
        for point in game.dead:
            game = game.mark_dead(point, False, chain_only=True)
        for point in dead:
            if point not in game.dead:
                game = game.mark_dead(point, True, chain_only=True)
        assert game.dead == dead
        answer = await engine.final_score()
        done.gnugo_score = answer
        ours = game.score()
        expected = _gnugo_result(answer)
        if rules.scoring == "area":  # GNU Go's Chinese count pays back every handicap stone
            stones = spec.handicap if spec.handicap >= 2 else 0
            margin = _margin(expected) + stones - AREA_COMPENSATION[spec.ruleset](stones)
            if (await engine.command("version")).startswith("3.8"):
                dame = _vertices(await engine.command("final_status_list dame"), size)
                eyes = (len(dame & ours.black_territory), len(dame & ours.white_territory))
                margin += eyes[0] - eyes[1]
                done.seki_eyes = sum(eyes)
            expected = format_result(margin, 0) if margin >= 0 else format_result(0, -margin)
        seki = _vertices(await engine.command("final_status_list seki"), size)
        assert ours.result == expected, (
            f"{spec}: GNU Go counts {answer} (so {expected} for us), we count {ours.result} "
            f"(black {ours.black}, white {ours.white}); dead {sorted(dead)}, GNU Go's seki "
            f"{sorted(seki)}, ours {sorted(ours.seki)}\n" + "\n".join(game.board_rows()))
        done.result = ours.result
        return done


def _margin(result: str) -> float:
    if result == "Draw":
        return 0.0
    margin = float(result[2:])
    return margin if result[0] == "B" else -margin


async def _handicap(engine: GtpEngine, spec: GameSpec, komi: float,
                    rng: random.Random) -> GoGame:
    size, stones = spec.size, spec.handicap
    if stones < 2:
        return GoGame.new(size=size, komi=komi, handicap=stones, ruleset=spec.ruleset)
    if spec.placement == "fixed":
        placed = _vertices(await engine.command(f"fixed_handicap {stones}"), size)
        game = GoGame.new(size=size, komi=komi, handicap=stones, ruleset=spec.ruleset)
        assert set(game.handicap_stones) == placed, f"{spec}: fixed layouts differ"
        return game
    game = GoGame.new(size=size, komi=komi, handicap=stones, ruleset=spec.ruleset,
                      placement="free")
    points: list[Point]
    if spec.placement == "engine":
        points = sorted(_vertices(" ".join(await engine.place_free_handicap(stones)), size))
        assert len(points) == stones, f"{spec}: GNU Go placed {len(points)} stones"
    else:
        points = rng.sample([(x, y) for y in range(size) for x in range(size)], stones)
        await engine.set_free_handicap([to_vertex(x, y, size) for x, y in points])
    for point in points:
        game = game.play(Color.BLACK, point)
    assert game.phase == "playing" and game.to_move is Color.WHITE
    return game


async def _same_board(engine: GtpEngine, game: GoGame, where: str) -> None:
    size = game.size
    theirs = {color: _vertices(await engine.command(f"list_stones {_GTP[color]}"), size)
              for color in (Color.BLACK, Color.WHITE)}
    want = _rows(theirs, size)
    got = game.board_rows()
    assert got == want, f"{where}: boards differ\n" + side_by_side(want, got, ("GNU Go", "ours"))


async def _same_legal_points(engine: GtpEngine, game: GoGame, color: Color, where: str,
                             done: Replayed) -> set[Point]:
    size = game.size
    theirs = _vertices(await engine.command(f"all_legal {_GTP[color]}"), size)
    empty = [(x, y) for y in range(size) for x in range(size) if game.stone_at((x, y)) is None]
    ours = {p for p in empty if game.is_legal(color, p)}
    gnugo_blind = {p for p in theirs - ours if _repeating_suicide(game, color, p)}
    done.suicide_superko += len(gnugo_blind)
    if ours != theirs - gnugo_blind:
        only_ours = sorted(ours - theirs)
        only_theirs = sorted(theirs - ours - gnugo_blind)
        raise AssertionError(
            f"{where}: legal points differ; legal only for us {only_ours}, only for GNU Go "
            f"{only_theirs}\n" + "\n".join(game.board_rows()))
    done.probes += len(empty)
    done.illegal += len(empty) - len(ours)
    return ours


def _repeating_suicide(game: GoGame, color: Color, point: Point) -> bool:
    """Our rules refuse ``point`` as superko, and the play there is a suicide."""
    try:
        game.play(color, point)
    except IllegalMoveError as refused:
        if refused.reason != "superko":
            return False
    else:
        return False
    geo = game.settings.geo
    code = BLACK if color is Color.BLACK else WHITE
    return bool(place_stone(game.board, geo, geo.index(point), code, 0, "allowed").lost)


async def _matrix(sizes: list[int], seeds: int) -> None:
    """Every ruleset x handicap setting x seed on each size; prints one line a game and the
    totals (the measurement quoted in docs/go-rules.md)."""
    totals = {"games": 0, "counted": 0, "boards": 0, "probes": 0, "illegal": 0,
              "suicide_superko": 0, "seki_eyes": 0}
    for size in sizes:
        big = size > 9
        stones = 4 if big else 3
        for name in GNUGO_RULES:
            placements: list[tuple[int, Handicap]] = [(0, "fixed"), (stones, "fixed")]
            if ruleset(name).free_placement:
                placements += [(stones, "engine"), (stones, "ours")]
            for handicap, placement in placements:
                for seed in range(seeds):
                    spec = GameSpec(name, size, seed, handicap, placement,  # type: ignore[arg-type]
                                    opening_moves=size * size if big else 30,
                                    opener="builtin" if big else "random")
                    done = await replay(spec)
                    totals["games"] += 1
                    totals["counted"] += done.result is not None
                    for key in ("boards", "probes", "illegal", "suicide_superko", "seki_eyes"):
                        totals[key] += getattr(done, key)
                    print(f"{spec}: {done.moves} moves, {done.result}", flush=True)
    print(totals)


if __name__ == "__main__":
    import argparse
    import asyncio

    parser = argparse.ArgumentParser(description=_matrix.__doc__)
    parser.add_argument("--sizes", type=int, nargs="+", default=[9])
    parser.add_argument("--seeds", type=int, default=5)
    args = parser.parse_args()
    asyncio.run(_matrix(args.sizes, args.seeds))
