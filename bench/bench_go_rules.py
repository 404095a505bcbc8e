"""Benchmark of the Go rules hot paths (a script, not a test).

    .venv/bin/python bench/bench_go_rules.py [--games N] [--seed S]

Measures, on 19x19 with positional superko (the default):

* a single move capturing an 85-stone block;
* one ``GoGame.play`` in mid-game positions of random games (every move of the
  game, timed separately; captures and superko checks included), median and p90,
  and the median of the capturing moves alone;
* replaying a 250-move game from its move list (``replay_from``);
* scoring a finished 19x19 position (area and territory, the latter with the
  seki check), and the dead-stone suggestion;
* the built-in bot's move over a whole 19x19 game between two bots, median and max.

Random games pick uniformly among empty points, with about one pass in fifty,
so they have many captures and ko fights, more than human games.
"""

from __future__ import annotations

import argparse
import itertools
import platform
import random
import statistics
import sys
import time
from collections.abc import Callable
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from gameserver.games.go import Color, GoGame, IllegalMoveError, Move, suggest_dead
from gameserver.games.go.bots import choose_move

TARGETS = {"play": 20.0, "replay": 10_000.0, "score": 2_000.0}  # microseconds


def random_game(rng: random.Random, length: int, size: int = 19) -> list[GoGame]:
    """Every position of a random legal game of ``length`` moves (passes included)."""
    game = GoGame.new(size=size, komi=6.5)
    positions = [game]
    while len(game.moves) < length:
        color = game.to_move
        assert color is not None
        empties = [i for i, v in enumerate(game.board) if v == 0]
        rng.shuffle(empties)
        after = None
        if rng.random() >= 0.02:
            for i in empties:
                try:
                    after = game.play(color, (i % size, i // size))
                    break
                except IllegalMoveError:
                    continue
        if after is None:
            after = game.pass_move(color)
            if after.phase == "scoring":
                after = after.resume()
        game = after
        positions.append(game)
    return positions


def per_call_us(fn: Callable[[], object], repeat: int) -> float:
    """Best of three runs of ``repeat`` calls, in microseconds per call."""
    best = float("inf")
    for _ in range(3):
        start = time.perf_counter_ns()
        for _ in range(repeat):
            fn()
        best = min(best, (time.perf_counter_ns() - start) / repeat / 1000)
    return best


def bench_play(games: list[list[GoGame]]) -> dict[str, float]:
    samples: list[float] = []
    capturing: list[float] = []
    for positions in games:
        for before, after in itertools.pairwise(positions):
            move: Move = after.moves[-1]
            if move.point is None or before.phase != "playing":
                continue
            point = move.point
            color = move.color
            us = per_call_us(lambda b=before, c=color, p=point: b.play(c, p), 20)
            samples.append(us)
            if sum(after.captures.values()) > sum(before.captures.values()):
                capturing.append(us)
    samples.sort()
    return {
        "moves": len(samples),
        "median": statistics.median(samples),
        "p90": samples[int(len(samples) * 0.9)],
        "capturing_moves": len(capturing),
        "capturing_median": statistics.median(capturing) if capturing else float("nan"),
    }


def bench_big_capture() -> float:
    """Black fills the last liberty of an 85-stone white block on 19x19."""
    rows = ["X" * 19]
    rows += ["X" + "O" * 17 + "X" for _ in range(5)]
    rows += ["X" * 9 + "." + "X" * 9]
    rows += ["." * 19 for _ in range(12)]
    game = GoGame.from_rows(rows, Color.BLACK)
    after = game.play(Color.BLACK, (9, 6))
    assert after.captures[Color.BLACK] == 85
    return per_call_us(lambda: game.play(Color.BLACK, (9, 6)), 200)


def bench_replay(games: list[list[GoGame]]) -> dict[str, float]:
    times = []
    for positions in games:
        final = positions[250] if len(positions) > 250 else positions[-1]
        moves = final.moves
        start = positions[0]
        times.append(per_call_us(lambda s=start, m=moves: s.replay_from(m), 3))
    return {"moves": 250, "median": statistics.median(times), "max": max(times)}


def to_scoring(game: GoGame) -> GoGame:
    while game.phase == "playing":
        game = game.pass_move(game.to_move or Color.BLACK)
    return game


def bench_score(games: list[list[GoGame]]) -> dict[str, float]:
    area, territory, dead = [], [], []
    for positions in games:
        final = positions[-1]
        suggested = suggest_dead(final)
        chinese = to_scoring(final)
        japanese = to_scoring(
            GoGame.from_moves(final.moves, size=19, komi=6.5, ruleset="japanese"))
        assert chinese.phase == "scoring" and japanese.phase == "scoring"
        assert chinese.dead == suggested
        area.append(per_call_us(chinese.score, 20))
        territory.append(per_call_us(japanese.score, 20))
        dead.append(per_call_us(lambda f=final: suggest_dead(f), 10))
    return {
        "area_median": statistics.median(area),
        "territory_median": statistics.median(territory),
        "suggest_dead_median": statistics.median(dead),
    }


def bench_bot(seed: int) -> dict[str, float]:
    """Two built-in bots play a whole 19x19 game; each `choose_move` timed."""
    rng = random.Random(seed)
    game = GoGame.new(size=19, komi=6.5)
    took: list[float] = []
    while game.phase == "playing" and len(game.moves) < 1200:
        color = game.to_move
        assert color is not None
        started = time.perf_counter()
        move = choose_move(game, color, rng)
        took.append(time.perf_counter() - started)
        game = game.pass_move(color) if move is None else game.play(color, move)
    return {"moves": len(took), "median": statistics.median(took) * 1e6,
            "max": max(took) * 1e6}


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--games", type=int, default=8)
    parser.add_argument("--seed", type=int, default=2026)
    parser.add_argument("--length", type=int, default=300)
    args = parser.parse_args()
    rng = random.Random(args.seed)
    games = [random_game(rng, args.length) for _ in range(args.games)]
    print(f"python {platform.python_version()} on {platform.machine()}, "
          f"{args.games} random 19x19 games of {args.length} moves, seed {args.seed}")
    play = bench_play(games)
    print(f"play one move:  median {play['median']:.1f} us, p90 {play['p90']:.1f} us "
          f"over {play['moves']:.0f} moves; capturing moves ({play['capturing_moves']:.0f}) "
          f"median {play['capturing_median']:.1f} us   [target median < {TARGETS['play']:.0f} us]")
    print(f"capture of 85 stones in one move: {bench_big_capture():.0f} us")
    replay = bench_replay(games)
    print(f"replay 250 moves: median {replay['median'] / 1000:.2f} ms, max "
          f"{replay['max'] / 1000:.2f} ms   [target < {TARGETS['replay'] / 1000:.0f} ms]")
    score = bench_score(games)
    print(f"score 19x19:    area {score['area_median']:.0f} us, territory+seki "
          f"{score['territory_median']:.0f} us   [target < {TARGETS['score'] / 1000:.0f} ms]; "
          f"suggest_dead {score['suggest_dead_median']:.0f} us")
    bot = bench_bot(args.seed)
    print(f"built-in bot, a 19x19 game ({bot['moves']:.0f} moves): median {bot['median']:.0f} us, "
          f"max {bot['max']:.0f} us per move   [target median < 10 ms, max < 50 ms]")


if __name__ == "__main__":
    main()
