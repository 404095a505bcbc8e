"""The built-in bot's policy, on board diagrams and in whole games between two of them.

Diagrams are rows top first: ``X`` black, ``O`` white, anything else empty. Letters mark empty
points a test talks about (``*`` the move expected, ``e`` true eyes, ``f`` false eyes, ``b`` bad
points). A failing test prints the board with the bot's move on it.
"""

from __future__ import annotations

import random
import time

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from gameserver.games.go import Color, GoGame, NotYourTurnError, Point, WrongPhaseError, to_gtp
from gameserver.games.go.board import BLACK, WHITE, handicap_points
from gameserver.games.go.bots import check_turn, choose_move, is_true_eye

SEEDS = range(40)


def position(rows: list[str], to_move: Color = Color.BLACK) -> GoGame:
    return GoGame.from_rows(rows, to_move=to_move, komi=6.5)


def marked(rows: list[str], mark: str) -> set[Point]:
    cleaned = [row.replace(" ", "") for row in rows]
    return {(x, y) for y, row in enumerate(cleaned) for x, c in enumerate(row) if c == mark}


def shown(game: GoGame, move: Point | None) -> str:
    """The board with ``move`` drawn as ``#``, for failure messages."""
    lines = [list(row) for row in game.board_rows()]
    if move is not None:
        lines[move[1]][move[0]] = "#"
    where = "pass" if move is None else to_gtp(move, game.size)
    return f"move {where}:\n" + "\n".join(" ".join(row) for row in lines)


def moves_over_seeds(game: GoGame, color: Color) -> list[Point | None]:
    return [choose_move(game, color, random.Random(seed)) for seed in SEEDS]


def play_out(game: GoGame, seed: int, cap: int) -> tuple[GoGame, list[float]]:
    """Two built-in bots (one ``Random``) play ``game`` until it leaves the playing phase."""
    rng = random.Random(seed)
    took: list[float] = []
    while game.phase == "playing" and len(game.moves) < cap:
        color = game.to_move
        assert color is not None
        started = time.perf_counter()
        move = choose_move(game, color, rng)
        took.append(time.perf_counter() - started)
        if move is not None:
            code = BLACK if color is Color.BLACK else WHITE
            assert not is_true_eye(game.board, game.settings.geo, game.settings.geo.index(move),
                                   code), f"{color.value} filled its own eye\n{shown(game, move)}"
        game = game.pass_move(color) if move is None else game.play(color, move)  # legal or raise
    return game, took


# -- eyes -------------------------------------------------------------------------------------

EYES = [
    "e X . X O . O",
    "X X X X O O O",
    "X f X X O . O",
    "X X . X O O O",
    ". X X X O . O",
    "X X X X O O O",
    "X e X X O O .",
]


def test_true_and_false_eyes_by_the_diagonal_rule() -> None:
    """A point walled by one colour is a true eye unless opponent stones hold its diagonals:
    two in the middle, one on the edge or in the corner."""
    rows = [
        "e X . O . . .",
        "X X X O O . .",
        "O X f X O . .",
        ". X X O . . .",
        ". . . . . . .",
        ". X O . . . .",
        "X f X . . . .",
    ]
    game = position(rows)
    geo = game.settings.geo
    for point in marked(rows, "e"):
        assert is_true_eye(game.board, geo, geo.index(point), BLACK), to_gtp(point, 7)
    for point in marked(rows, "f"):
        assert not is_true_eye(game.board, geo, geo.index(point), BLACK), to_gtp(point, 7)
    # not an eye of the other colour, nor of anybody when occupied or open
    assert not is_true_eye(game.board, geo, geo.index((0, 0)), WHITE)
    assert not is_true_eye(game.board, geo, geo.index((1, 0)), BLACK)
    assert not is_true_eye(game.board, geo, geo.index((4, 0)), WHITE)


def test_passes_rather_than_fill_its_own_eyes() -> None:
    """Black's only legal moves fill its own eyes (white's are suicide): it passes."""
    game = position(EYES)
    assert game.is_legal(Color.BLACK, (0, 0))
    for move in moves_over_seeds(game, Color.BLACK):
        assert move is None, shown(game, move)


def test_never_fills_a_true_eye_while_other_moves_remain() -> None:
    """With dame to fill as well, the eyes stay empty."""
    rows = [
        "e X . X . O . O",
        "X X X X . O O O",
        "X X e X . O . O",
        "X X X X . O O O",
        "X e X X . O . O",
        "X X X X . O O O",
        ". X X X . O . O",
        "X X X X . O O .",
    ]
    game = position(rows)
    eyes = marked(rows, "e")
    moves = moves_over_seeds(game, Color.BLACK)
    for move in moves:
        assert move is not None and move not in eyes, shown(game, move)
        assert move[0] == 4, shown(game, move)


# -- tactics ----------------------------------------------------------------------------------


def test_captures_the_largest_chain_in_atari() -> None:
    """Two white chains in atari: black takes the three stones, not the one."""
    rows = [
        ". X X X . . .",
        "X O O O * . .",
        ". X X X . . .",
        ". . . . . . .",
        ". . . . . . .",
        ". . . . . X .",
        ". . . . X O c",
    ]
    game = position(rows)
    (expected,) = marked(rows, "*")
    for move in moves_over_seeds(game, Color.BLACK):
        assert move == expected, shown(game, move)


def test_captures_rather_than_saving_a_smaller_chain() -> None:
    """Black's single stone is in atari, but capturing two white stones is worth more."""
    rows = [
        ". . . . . . .",
        ". X X . . . .",
        "X O O * . . .",
        ". X X . . . .",
        ". . . . . O .",
        ". . . . O X s",
        ". . . . . O .",
    ]
    game = position(rows)
    (expected,) = marked(rows, "*")
    for move in moves_over_seeds(game, Color.BLACK):
        assert move == expected, shown(game, move)


def test_saves_a_larger_chain_rather_than_capture_a_smaller_one() -> None:
    """Black's three stones are in atari and one white stone could be taken: black extends."""
    rows = [
        ". . . . . . .",
        ". O O O . . .",
        "O X X X * . .",
        ". O O O . . .",
        ". . . . . X .",
        ". . . . X O c",
        ". . . . . X .",
    ]
    game = position(rows)
    (expected,) = marked(rows, "*")
    for move in moves_over_seeds(game, Color.BLACK):
        assert move == expected, shown(game, move)


def test_escapes_atari_by_extending() -> None:
    """Black's two stones are in atari; the liberty gives them three more: black extends."""
    rows = [
        ". . . . . . .",
        ". . . O . . .",
        ". . O X O . .",
        ". . O X * . .",
        ". . . O . . .",
        ". . . . . . .",
        ". . . . . . .",
    ]
    game = position(rows)
    (expected,) = marked(rows, "*")
    for move in moves_over_seeds(game, Color.BLACK):
        assert move == expected, shown(game, move)


def test_does_not_extend_into_a_dead_end() -> None:
    """Extending leaves the stones with one liberty, still in atari: black plays elsewhere."""
    rows = [
        ". O X b . O .",
        ". O X O . . .",
        ". . O . . . .",
        ". . . . . . .",
        ". . . . . . .",
        ". . . . . . .",
        ". . . . . . .",
    ]
    game = position(rows)
    bad = marked(rows, "b")
    for move in moves_over_seeds(game, Color.BLACK):
        assert move not in bad, shown(game, move)


def test_avoids_self_atari() -> None:
    """Black never joins its stone into a two-stone chain with one liberty left."""
    rows = [
        ". . . . . . .",
        ". . . O . . .",
        ". . O X . . .",
        ". . O b O . .",
        ". . . O . . .",
        ". . . . . . .",
        ". . . . . . .",
    ]
    game = position(rows)
    bad = marked(rows, "b")
    for move in moves_over_seeds(game, Color.BLACK):
        assert move not in bad, shown(game, move)


def test_plays_near_the_last_moves_and_on_the_third_and_fourth_lines() -> None:
    """On an empty 19x19 board most first moves are on the 3rd or 4th line."""
    game = GoGame.new(size=19)
    lines = []
    for move in moves_over_seeds(game, Color.BLACK):
        assert move is not None
        lines.append(min(move[0], move[1], 18 - move[0], 18 - move[1]) + 1)
    assert sum(line in (3, 4) for line in lines) >= len(lines) * 0.6, lines


# -- passing ----------------------------------------------------------------------------------

SETTLED = [
    ". X X . O O .",
    "X X X . O O O",
    "X . X . O . O",
    "X X X . O O O",
    "X X X . O O O",
    "X . X . O . O",
    "X X X . O O .",
]


def test_fills_dame_while_the_opponent_plays() -> None:
    """Points between the walls are still contested: black plays one."""
    game = position(SETTLED)
    for move in moves_over_seeds(game, Color.BLACK):
        assert move is not None and move[0] == 3, shown(game, move)


def test_passes_after_the_opponent_passes_on_a_settled_board() -> None:
    """Only dame is left and white passed: black passes too, and the game goes to scoring."""
    game = position(SETTLED, to_move=Color.WHITE).pass_move(Color.WHITE)
    for move in moves_over_seeds(game, Color.BLACK):
        assert move is None, shown(game, move)
    assert game.pass_move(Color.BLACK).phase == "scoring"


def test_answers_a_pass_when_the_board_is_open() -> None:
    """A pass on an open board is no reason to pass back."""
    game = GoGame.new(size=9).play(Color.BLACK, (4, 4)).pass_move(Color.WHITE)
    for move in moves_over_seeds(game, Color.BLACK):
        assert move is not None


def test_refuses_to_move_out_of_turn_or_phase() -> None:
    """Asking for a move of the colour not to move, or after two passes, is the rules' error."""
    game = GoGame.new(size=9)
    with pytest.raises(NotYourTurnError, match=r"^it is black's turn, not white's$"):
        choose_move(game, Color.WHITE, random.Random(0))
    over = game.pass_move(Color.BLACK).pass_move(Color.WHITE)
    with pytest.raises(WrongPhaseError, match=r"^cannot choose a move while the game is scoring$"):
        check_turn(over, Color.BLACK)


# -- whole games ------------------------------------------------------------------------------


@pytest.mark.parametrize("seed", range(10))
def test_two_bots_finish_a_9x9_game(seed: int) -> None:
    """Every move is legal and no eye is filled; the game ends by two passes within the cap."""
    game, _ = play_out(GoGame.new(size=9, komi=6.5), seed, cap=300)
    assert game.phase == "scoring", "\n".join(game.board_rows())
    assert game.moves[-1].is_pass and game.moves[-2].is_pass
    assert game.score().result


def test_two_bots_finish_a_19x19_game() -> None:
    """A full 19x19 game ends by two passes within the cap (its speed is measured by
    bench/bench_go_rules.py, not here: a shared machine makes timed tests flaky)."""
    game, _ = play_out(GoGame.new(size=19, komi=6.5), seed=7, cap=1200)
    assert game.phase == "scoring"
    assert game.moves[-1].is_pass and game.moves[-2].is_pass


def test_a_handicap_game_finishes() -> None:
    """With handicap stones white moves first; the bots still finish."""
    game, _ = play_out(GoGame.new(size=9, handicap=4, komi=0.5), seed=3, cap=300)
    assert game.phase == "scoring"


def test_same_seed_same_game() -> None:
    """The bot is deterministic given its Random."""
    first, _ = play_out(GoGame.new(size=9), seed=11, cap=300)
    second, _ = play_out(GoGame.new(size=9), seed=11, cap=300)
    assert first.moves == second.moves


@settings(max_examples=25, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(seed=st.integers(0, 2**32 - 1), size=st.sampled_from([5, 7, 9]))
def test_any_seed_finishes_legally(seed: int, size: int) -> None:
    """For any seed and small board: legal moves, no eye filled, two passes within the cap."""
    game, _ = play_out(GoGame.new(size=size, komi=6.5), seed, cap=size * size * 4)
    assert game.phase == "scoring", "\n".join(game.board_rows())


def test_free_handicap_stones_go_on_the_star_points_in_order() -> None:
    """The built-in bot as Black in a free placement game uses the fixed layout."""
    game = GoGame.new(size=9, handicap=4, ruleset="chinese", placement="free")
    rng = random.Random(1)
    placed = []
    while game.phase == "placement":
        point = choose_move(game, Color.BLACK, rng)
        assert point is not None
        placed.append(point)
        game = game.play(Color.BLACK, point)
    assert tuple(placed) == handicap_points(9, 4)
    assert game.to_move is Color.WHITE
