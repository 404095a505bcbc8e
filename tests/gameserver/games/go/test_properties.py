"""Invariants over random legal games (Hypothesis)."""

from __future__ import annotations

import random

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from gameserver.games.go import (
    RULESETS,
    Color,
    GoGame,
    IllegalMoveError,
    from_sgf,
    suggest_dead,
    to_sgf,
)
from gameserver.games.go.board import chains
from tests.gameserver.games.go.randomgames import legal_successors, random_game, stones_of

B, W = Color.BLACK, Color.WHITE

choices = st.lists(st.integers(0, 10_000), min_size=5, max_size=200)
sizes = st.sampled_from([5, 7, 9])
superkos = st.sampled_from(["positional", "situational"])
rulesets = st.sampled_from(list(RULESETS))  # suicide: forbidden, multi-stone, allowed


@settings(max_examples=120, deadline=None)
@given(choices, sizes, superkos, rulesets)
def test_no_chain_without_liberties_stays_on_the_board(
        picks: list[int], size: int, superko: str, ruleset: str) -> None:
    start = GoGame.new(size=size, superko=superko, ruleset=ruleset)  # type: ignore[arg-type]
    for game, _ in legal_successors(start, picks):
        for stones, liberties in chains(game.board, game.settings.geo):
            assert liberties, f"chain {sorted(stones)} has no liberty\n" + "\n".join(
                game.board_rows())


@settings(max_examples=120, deadline=None)
@given(choices, sizes, st.sampled_from([0, 2, 4]), rulesets)
def test_stones_and_captures_account_for_every_move(
        picks: list[int], size: int, handicap: int, ruleset: str) -> None:
    """Stones on the board + stones the opponent took = handicap/setup + stones played
    (a suicide's stones are the opponent's prisoners)."""
    game = random_game(picks, size=size, handicap=handicap if size >= 7 else 0, komi=0.5,
                       ruleset=ruleset)
    for color in (B, W):
        played = sum(1 for move in game.moves if move.color is color and move.point)
        setup = len(game.handicap_stones) if color is B else 0
        assert stones_of(game, color) + game.captures[color.opponent] == setup + played


@settings(max_examples=120, deadline=None)
@given(choices, sizes, superkos)
def test_undo_returns_exactly_the_prior_position(
        picks: list[int], size: int, superko: str) -> None:
    before = GoGame.new(size=size, superko=superko)  # type: ignore[arg-type]
    history = [before]
    for after, _ in legal_successors(before, picks):
        if after.phase != "playing":
            history = [after.resume()]
            continue
        assert after.undo() == history[-1]
        assert after.undo().board == history[-1].board
        assert after.undo().ko == history[-1].ko
        assert after.undo().captures == history[-1].captures
        history.append(after)
    game = history[-1]
    for earlier in reversed(history[:-1]):
        game = game.undo()
        assert game == earlier


@settings(max_examples=30, deadline=None)
@given(choices, sizes, rulesets)
def test_replay_and_sgf_round_trip_rebuild_the_same_game(picks: list[int], size: int,
                                                         ruleset: str) -> None:
    game = random_game(picks, size=size, komi=6.5, ruleset=ruleset)
    assert game.replay_from(game.moves) == game
    again = from_sgf(to_sgf(game))
    assert again.board_rows() == game.board_rows()
    assert again.moves == game.moves
    assert again.captures == game.captures


@settings(max_examples=120, deadline=None)
@given(choices, sizes)
def test_positional_superko_never_repeats_a_board(picks: list[int], size: int) -> None:
    """Every board after a stone is new, and the incremental hash equals a fresh one."""
    start = GoGame.new(size=size)
    boards = {start.board}
    for game, point in legal_successors(start, picks):
        fresh = GoGame.from_rows(game.board_rows(), komi=0)
        assert game.position_hash == fresh.position_hash
        if point is not None:
            assert game.board not in boards
            boards.add(game.board)


@settings(max_examples=120, deadline=None)
@given(choices, sizes)
def test_suggested_dead_stones_are_stones_and_scoring_adds_up(picks: list[int], size: int) -> None:
    """The prefill only names stones, and area scores cover at most the whole board."""
    game = random_game(picks, size=size, komi=0)
    dead = suggest_dead(game)
    assert all(game.stone_at(p) is not None for p in dead)
    while game.phase == "playing":
        game = game.pass_move(game.to_move or B)
    score = game.score()
    assert score.black + score.white <= size * size
    assert not score.black_territory & score.white_territory


def check_superko_against_brute_force(picks: list[int], size: int, superko: str) -> int:
    """Play ``picks`` (a pass when ``pick % 17 == 0``, else the first empty point from
    ``pick``, or for one pick in five that point even if occupied) on a
    game with ``superko`` and on a copy without superko. A move must be refused as
    superko exactly when the board it makes (with the side to move, if situational)
    was seen before. Returns how many superko refusals it checked."""
    game = GoGame.new(size=size, superko=superko)  # type: ignore[arg-type]
    plain = GoGame.new(size=size, superko="none")
    situational = superko == "situational"
    history = {(game.board, B if situational else None)}
    refusals = 0
    for pick in picks:
        color = game.to_move
        assert color is not None
        if pick % 17 == 0:
            game, plain = game.pass_move(color), plain.pass_move(color)
            if situational:
                history.add((game.board, color.opponent))
            if game.phase == "scoring":
                game, plain = game.resume(), plain.resume()
            continue
        area = size * size
        i = pick % area
        while game.board[i] and pick % 5:  # mostly the next empty point, sometimes any
            i = (i + 1) % area
        point = (i % size, i // size)
        try:
            after_plain = plain.play(color, point)
        except IllegalMoveError:
            assert not game.is_legal(color, point)
            continue
        key = (after_plain.board, color.opponent if situational else None)
        try:
            after = game.play(color, point)
        except IllegalMoveError as exc:
            assert exc.reason == "superko" and key in history
            refusals += 1
            continue
        assert key not in history
        history.add(key)
        game, plain = after, after_plain
    return refusals


@settings(max_examples=80, deadline=None)
@given(st.lists(st.integers(0, 10_000), min_size=20, max_size=300), st.sampled_from([5, 6]),
       superkos)
def test_superko_verdicts_match_a_brute_force_history(
        picks: list[int], size: int, superko: str) -> None:
    check_superko_against_brute_force(picks, size, superko)


@pytest.mark.parametrize("superko", ["positional", "situational"])
def test_superko_brute_force_on_long_random_games(superko: str) -> None:
    """Long seeded games on 5x5 run into many superko refusals; all must be right."""
    refusals = 0
    for seed in range(60):
        rng = random.Random(seed)
        picks = [rng.randrange(10_000) for _ in range(400)]
        refusals += check_superko_against_brute_force(picks, 5, superko)
    assert refusals > 20


def _transform(rows: list[str], swap: bool) -> list[str]:
    """Rotate a diagram a quarter turn (and swap the colours when asked)."""
    size = len(rows)
    turned = ["".join(rows[size - 1 - x][y] for x in range(size)) for y in range(size)]
    if swap:
        turned = [row.translate(str.maketrans("XO", "OX")) for row in turned]
    return turned


@settings(max_examples=80, deadline=None)
@given(choices, sizes, st.booleans())
def test_dead_suggestion_ignores_orientation_and_colour(
        picks: list[int], size: int, swap: bool) -> None:
    """Turning the board, or swapping the colours, turns the suggestion the same way."""
    game = random_game(picks, size=size, komi=0)
    rows = game.board_rows()
    other = GoGame.from_rows(_transform(rows, swap))
    turned = {(size - 1 - y, x) for x, y in suggest_dead(GoGame.from_rows(rows))}
    assert suggest_dead(other) == turned
