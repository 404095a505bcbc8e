"""Game flow: turns, phases as a table, passes, resignation, timeouts, undo, handicap, settings."""

from __future__ import annotations

import pytest

from gameserver.games.go import (
    TRANSITIONS,
    Color,
    GoError,
    GoGame,
    Move,
    NotYourTurnError,
    SettingsError,
    WrongPhaseError,
    handicap_points,
)
from tests.gameserver.games.go.diagrams import assert_board, position

B, W = Color.BLACK, Color.WHITE


def test_new_game_defaults() -> None:
    game = GoGame.new(size=9, komi=6.5, handicap=0, ruleset="chinese", superko="positional")
    assert (game.size, game.komi, game.handicap, game.ruleset) == (9, 6.5, 0, "chinese")
    assert game.phase == "playing"
    assert game.to_move is B
    assert game.moves == ()
    assert game.captures == {B: 0, W: 0}
    assert game.ko is None
    assert game.dead == frozenset()
    assert game.result is None
    assert game.board_rows() == ["........."] * 9


def test_colours_alternate_and_wrong_turn_is_an_error() -> None:
    game = GoGame.new(size=9).play(B, (4, 4))
    assert game.to_move is W
    assert game.stone_at((4, 4)) is B
    assert game.moves == (Move(B, (4, 4)),)
    with pytest.raises(NotYourTurnError) as info:
        game.play(B, (3, 3))
    assert (info.value.color, info.value.to_move) == (B, W)
    assert str(info.value) == "it is white's turn, not black's"


def test_values_are_immutable_and_commands_return_new_games() -> None:
    start = GoGame.new(size=9)
    after = start.play(B, (0, 0))
    assert start.moves == () and start.stone_at((0, 0)) is None
    assert after != start
    with pytest.raises(AttributeError):
        after.phase = "finished"  # type: ignore[misc]


def test_two_passes_enter_scoring_with_dead_prefilled() -> None:
    game = position("""
        . . . X O . .
        . . . X O . .
        . . . X O . .
        . X . X O . .
        . . . X O . .
        . . . X O O O
        . . . X O . .
    """, B)
    game = game.play(B, (5, 3)).pass_move(W)
    assert game.phase == "playing"
    game = game.pass_move(B)
    assert game.phase == "scoring"
    assert game.dead == {(5, 3)}
    assert game.moves[-2:] == (Move(W, None), Move(B, None))


def test_a_stone_between_passes_resets_the_count() -> None:
    game = GoGame.new(size=9).pass_move(B).play(W, (2, 2)).pass_move(B)
    assert game.phase == "playing"
    assert game.pass_move(W).phase == "scoring"


def test_phase_table_rejects_commands_in_the_wrong_phase() -> None:
    scoring = GoGame.new(size=9).pass_move(B).pass_move(W)
    with pytest.raises(WrongPhaseError) as info:
        scoring.play(B, (1, 1))
    assert (info.value.action, info.value.phase) == ("play a stone", "scoring")
    assert str(info.value) == "cannot play a stone while the game is scoring"
    with pytest.raises(WrongPhaseError):
        GoGame.new(size=9).mark_dead((0, 0), True)
    with pytest.raises(WrongPhaseError):
        scoring.undo()
    finished = scoring.finish_by_score()
    for command in (lambda g: g.pass_move(B), lambda g: g.resign(W), lambda g: g.resume(),
                    lambda g: g.timeout(B), lambda g: g.undo()):
        with pytest.raises(WrongPhaseError):
            command(finished)
    assert {phase for phase, _ in TRANSITIONS} == {"placement", "playing", "scoring"}


def test_resignation_ends_the_game() -> None:
    game = GoGame.new(size=9).play(B, (4, 4)).resign(B)
    assert (game.phase, game.result, game.to_move) == ("finished", "W+R", None)
    assert GoGame.new(size=9).resign(W).result == "B+R"
    assert GoGame.new(size=9).pass_move(B).pass_move(W).resign(B).result == "W+R"


def test_timeout_names_the_winner() -> None:
    assert GoGame.new(size=9).timeout(B).result == "W+T"
    assert GoGame.new(size=9).play(B, (1, 1)).timeout(W).result == "B+T"


def test_resume_gives_the_move_to_the_opponent_of_the_last_passer() -> None:
    game = GoGame.new(size=9).play(B, (4, 4)).pass_move(W).pass_move(B)
    resumed = game.resume()
    assert (resumed.phase, resumed.to_move, resumed.dead) == ("playing", W, frozenset())
    assert resumed.pass_move(W).phase == "playing", "two new passes are needed"
    assert resumed.pass_move(W).pass_move(B).phase == "scoring"


def test_finish_by_score_uses_the_ruleset() -> None:
    game = GoGame.new(size=9, komi=6.5).play(B, (4, 4)).pass_move(W).pass_move(B)
    done = game.finish_by_score()
    assert done.phase == "finished"
    assert done.result == "B+74.5"


def test_undo_returns_exactly_the_previous_game() -> None:
    game = position("""
        . X O . .
        X O . O .
        . X O . .
        . . . . .
        . . . . .
    """, B)
    taken = game.play(B, (2, 1))
    threat = taken.play(W, (4, 4))
    assert threat.undo() == taken
    assert threat.undo().ko == (1, 1)
    assert taken.undo() == game
    assert game.pass_move(B).undo() == game


def test_undo_after_resume_takes_back_the_second_pass() -> None:
    game = GoGame.new(size=9).play(B, (4, 4))
    one_pass = game.pass_move(W)
    resumed = one_pass.pass_move(B).resume()
    assert resumed.undo() == one_pass


def test_undo_with_no_moves_is_an_error() -> None:
    with pytest.raises(WrongPhaseError) as info:
        GoGame.new(size=9).undo()
    assert "no move to take back" in str(info.value)


def test_mark_dead_toggles_the_whole_chain() -> None:
    game = position("""
        . . X O . O .
        . . X O O . .
        . . X O . . .
        . . X O . . .
        . . X O . X X
        . . X O . . .
        . . X O . . .
    """, B).pass_move(B).pass_move(W)
    game = game.mark_dead((5, 4), False).mark_dead((6, 4), True)
    assert game.dead == {(5, 4), (6, 4)}
    game = game.mark_dead((5, 4), False)
    assert game.dead == frozenset()


def test_mark_dead_on_an_empty_point_is_an_error() -> None:
    game = GoGame.new(size=9).pass_move(B).pass_move(W)
    with pytest.raises(GoError) as info:
        game.mark_dead((0, 0), True)
    assert str(info.value) == "there is no stone at A9"


@pytest.mark.parametrize(("size", "stones", "diagram"), [
    (9, 2, """
        . . . . . . . . .
        . . . . . . . . .
        . . . . . . X . .
        . . . . . . . . .
        . . . . . . . . .
        . . . . . . . . .
        . . X . . . . . .
        . . . . . . . . .
        . . . . . . . . .
    """),
    (9, 9, """
        . . . . . . . . .
        . . . . . . . . .
        . . X . X . X . .
        . . . . . . . . .
        . . X . X . X . .
        . . . . . . . . .
        . . X . X . X . .
        . . . . . . . . .
        . . . . . . . . .
    """),
    (13, 5, """
        . . . . . . . . . . . . .
        . . . . . . . . . . . . .
        . . . . . . . . . . . . .
        . . . X . . . . . X . . .
        . . . . . . . . . . . . .
        . . . . . . . . . . . . .
        . . . . . . X . . . . . .
        . . . . . . . . . . . . .
        . . . . . . . . . . . . .
        . . . X . . . . . X . . .
        . . . . . . . . . . . . .
        . . . . . . . . . . . . .
        . . . . . . . . . . . . .
    """),
    (19, 3, """
        . . . . . . . . . . . . . . . . . . .
        . . . . . . . . . . . . . . . . . . .
        . . . . . . . . . . . . . . . . . . .
        . . . X . . . . . . . . . . . X . . .
        . . . . . . . . . . . . . . . . . . .
        . . . . . . . . . . . . . . . . . . .
        . . . . . . . . . . . . . . . . . . .
        . . . . . . . . . . . . . . . . . . .
        . . . . . . . . . . . . . . . . . . .
        . . . . . . . . . . . . . . . . . . .
        . . . . . . . . . . . . . . . . . . .
        . . . . . . . . . . . . . . . . . . .
        . . . . . . . . . . . . . . . . . . .
        . . . . . . . . . . . . . . . . . . .
        . . . . . . . . . . . . . . . . . . .
        . . . X . . . . . . . . . . . . . . .
        . . . . . . . . . . . . . . . . . . .
        . . . . . . . . . . . . . . . . . . .
        . . . . . . . . . . . . . . . . . . .
    """),
    (19, 8, """
        . . . . . . . . . . . . . . . . . . .
        . . . . . . . . . . . . . . . . . . .
        . . . . . . . . . . . . . . . . . . .
        . . . X . . . . . X . . . . . X . . .
        . . . . . . . . . . . . . . . . . . .
        . . . . . . . . . . . . . . . . . . .
        . . . . . . . . . . . . . . . . . . .
        . . . . . . . . . . . . . . . . . . .
        . . . . . . . . . . . . . . . . . . .
        . . . X . . . . . . . . . . . X . . .
        . . . . . . . . . . . . . . . . . . .
        . . . . . . . . . . . . . . . . . . .
        . . . . . . . . . . . . . . . . . . .
        . . . . . . . . . . . . . . . . . . .
        . . . . . . . . . . . . . . . . . . .
        . . . X . . . . . X . . . . . X . . .
        . . . . . . . . . . . . . . . . . . .
        . . . . . . . . . . . . . . . . . . .
        . . . . . . . . . . . . . . . . . . .
    """),
])
def test_handicap_layouts(size: int, stones: int, diagram: str) -> None:
    """Fixed handicap stones go on the star points; white moves first."""
    game = GoGame.new(size=size, komi=0.5, handicap=stones)
    assert_board(game, diagram)
    assert game.to_move is W
    assert game.moves == ()
    with pytest.raises(NotYourTurnError):
        game.play(B, (0, 0))


@pytest.mark.parametrize(("size", "count"), [(9, 9), (13, 9), (19, 9), (10, 4), (7, 4), (25, 9)])
def test_every_allowed_handicap_has_distinct_points(size: int, count: int) -> None:
    for stones in range(2, count + 1):
        points = handicap_points(size, stones)
        assert len(set(points)) == stones


@pytest.mark.parametrize(("setting", "value"), [
    ("size", 4), ("size", 26), ("size", "19"), ("komi", 6.25), ("komi", float("nan")),
    ("handicap", 10), ("handicap", -1), ("ruleset", "tromp_taylor"), ("superko", "natural"),
    ("placement", "anywhere"),
])
def test_bad_settings_are_errors_with_data(setting: str, value: object) -> None:
    with pytest.raises(SettingsError) as info:
        GoGame.new(**{"size": 9, setting: value})  # type: ignore[arg-type]
    assert info.value.name == setting
    assert info.value.value == value or value != value


def test_too_many_handicap_stones_for_an_even_board() -> None:
    with pytest.raises(SettingsError) as info:
        GoGame.new(size=10, handicap=5)
    assert str(info.value) == "handicap 5 is invalid: expected 0 or 2-4 on a 10x10 board"


@pytest.mark.parametrize("komi", [0, 0.5, 6.5, 7, -3.5, -10])
def test_komi_any_whole_or_half_number(komi: float) -> None:
    assert GoGame.new(size=9, komi=komi).komi == komi


def test_replay_from_rebuilds_the_same_game() -> None:
    game = GoGame.new(size=9, handicap=2, komi=0.5)
    for color, point in [(W, (4, 4)), (B, (3, 4)), (W, None), (B, (5, 5)), (W, None)]:
        game = game.pass_move(color) if point is None else game.play(color, point)
    again = GoGame.new(size=9, handicap=2, komi=0.5).replay_from(game.moves)
    assert again == game
    assert GoGame.from_moves(game.moves, size=9, handicap=2, komi=0.5) == game


def test_replay_resumes_scoring_when_moves_follow_two_passes() -> None:
    game = GoGame.new(size=9).pass_move(B).pass_move(W).resume().play(B, (0, 0))
    again = game.replay_from(game.moves)
    assert again.board_rows() == game.board_rows()
    assert again.to_move is W and again.phase == "playing"


def test_setup_position_rejects_chains_without_liberties() -> None:
    with pytest.raises(GoError):
        position("""
            O X . . .
            X . . . .
            . . . . .
            . . . . .
            . . . . .
        """)


def test_stone_at_and_group_at() -> None:
    game = position("""
        X X . . .
        . X . O .
        . . . O .
        . . . . .
        . . . . .
    """)
    assert game.stone_at((0, 0)) is B and game.stone_at((3, 1)) is W
    assert game.stone_at((2, 2)) is None
    assert game.group_at((0, 0)) == {(0, 0), (1, 0), (1, 1)}
    assert game.is_legal(B, (2, 2)) and not game.is_legal(W, (2, 2))
    assert not game.is_legal(B, (0, 0))


def test_errors_carry_their_protocol_codes() -> None:
    game = GoGame.new(size=9).play(B, (0, 0))
    failures = [
        (lambda: game.play(W, (0, 0)), "illegal_move"),
        (lambda: game.play(B, (1, 1)), "not_your_turn"),
        (lambda: game.mark_dead((0, 0), True), "wrong_phase"),
        (lambda: GoGame.new(size=3), "bad_request"),
    ]
    for attempt, code in failures:
        with pytest.raises(GoError) as info:
            attempt()
        assert info.value.code == code
