"""What tells the six rulesets apart, as board diagrams: suicide, repetition, seki, handicap
compensation, who passes last, default komi, and their SGF names."""

from __future__ import annotations

import re
from pathlib import Path

import pytest

from gameserver.games.go import (
    RULESETS,
    Color,
    GoGame,
    IllegalMoveError,
    SettingsError,
    from_sgf,
    ruleset,
    ruleset_from_sgf,
    to_sgf,
)
from tests.gameserver.games.go.diagrams import assert_board, marked, position
from tests.gameserver.games.go.test_ko import (
    ODD_CYCLE,
    ODD_LAST,
    ODD_MOVES,
    TRIPLE_KO,
    TRIPLE_KO_CYCLE,
    TRIPLE_KO_LAST,
)
from tests.gameserver.games.go.test_scoring import SEKI, WALLS

B, W = Color.BLACK, Color.WHITE
ALL = ("japanese", "korean", "chinese", "aga", "new_zealand", "ing")
TERRITORY = ("japanese", "korean")
AREA = ("chinese", "aga", "new_zealand", "ing")


def test_the_six_rulesets_online_go_offers() -> None:
    assert tuple(RULESETS) == ALL
    assert [RULESETS[name].title for name in ALL] == [
        "Japanese", "Korean", "Chinese", "AGA", "New Zealand", "Ing"]


def test_an_unknown_ruleset_names_the_choices() -> None:
    with pytest.raises(SettingsError) as info:
        ruleset("tromp_taylor")
    assert str(info.value) == ("ruleset 'tromp_taylor' is invalid: expected \"japanese\", "
                               "\"korean\", \"chinese\", \"aga\", \"new_zealand\", \"ing\"")


# -- suicide ----------------------------------------------------------------------------------

# Black at * joins the corner stone: the two stones have no liberty and capture nothing.
TWO_STONE_SUICIDE = """
    X * O . .
    O O O . .
    . . . . .
    . . . . .
    . . . . .
"""
AFTER_TWO_STONE_SUICIDE = """
    . . O . .
    O O O . .
    . . . . .
    . . . . .
    . . . . .
"""


@pytest.mark.parametrize("name", ["new_zealand", "ing"])
def test_multi_stone_suicide_is_a_move_under_new_zealand_and_ing(name: str) -> None:
    """The two black stones come off; they are White's prisoners."""
    game = position(TWO_STONE_SUICIDE, B, ruleset=name)
    after = game.play(B, marked(TWO_STONE_SUICIDE))
    assert_board(after, AFTER_TWO_STONE_SUICIDE)
    assert after.captures == {B: 0, W: 2}
    assert after.to_move is W
    assert after.moves == ((B, (1, 0)),)


@pytest.mark.parametrize("name", ["japanese", "korean", "chinese", "aga"])
def test_multi_stone_suicide_is_refused_elsewhere(name: str) -> None:
    game = position(TWO_STONE_SUICIDE, B, ruleset=name)
    with pytest.raises(IllegalMoveError) as info:
        game.play(B, marked(TWO_STONE_SUICIDE))
    assert info.value.reason == "suicide"
    assert str(info.value) == "playing B5 would be suicide"


ONE_STONE_SUICIDE = """
    * O . . .
    O . . . .
    . . . . .
    . . . . .
    . . . . .
"""


@pytest.mark.parametrize("name", ["japanese", "korean", "chinese", "aga", "ing"])
def test_a_lone_stone_suicide_is_refused_even_under_ing(name: str) -> None:
    """Ing allows suicide of several stones only: a lone stone would leave the board as it
    was (an "invariation")."""
    with pytest.raises(IllegalMoveError) as info:
        position(ONE_STONE_SUICIDE, B, ruleset=name).play(B, (0, 0))
    assert info.value.reason == "suicide"


def test_a_lone_stone_suicide_is_a_move_under_new_zealand() -> None:
    """The New Zealand text allows any self-capture that does not repeat a position after
    the player's own earlier moves: the board stays as it was, White to move."""
    game = position(ONE_STONE_SUICIDE, B, ruleset="new_zealand")
    after = game.play(B, (0, 0))
    assert after.board_rows() == game.board_rows()
    assert (after.to_move, after.captures[W], after.moves) == (W, 1, ((B, (0, 0)),))
    # a second one after a white pass would repeat the board after Black's first: refused
    with pytest.raises(IllegalMoveError) as info:
        after.pass_move(W).play(B, (0, 0))
    assert info.value.reason == "superko"


# -- repetition -------------------------------------------------------------------------------


@pytest.mark.parametrize("name", ALL)
def test_a_triple_ko_cycle_with_the_same_player_to_move(name: str) -> None:
    """Six ko captures bring back the start with Black to move: every superko forbids the
    sixth; Japanese and Korean rules (simple ko only) let the cycle go round."""
    game = position(TRIPLE_KO, B, ruleset=name)
    for color, point in TRIPLE_KO_CYCLE:
        game = game.play(color, point)
    if name in TERRITORY:
        assert game.play(*TRIPLE_KO_LAST).board_rows() == position(TRIPLE_KO).board_rows()
        return
    with pytest.raises(IllegalMoveError) as info:
        game.play(*TRIPLE_KO_LAST)
    assert info.value.reason == "superko"


@pytest.mark.parametrize("name", ALL)
def test_a_cycle_back_to_the_start_with_the_other_player_to_move(name: str) -> None:
    """A pass in the cycle brings the start board back with White to move: only positional
    superko (Chinese, Ing) forbids it; situational superko (AGA, New Zealand) allows it."""
    game = position(ODD_CYCLE, B, ruleset=name)
    start = game.board_rows()
    for color, point in ODD_MOVES:
        game = game.pass_move(color) if point is None else game.play(color, point)
    if ruleset(name).superko == "positional":
        with pytest.raises(IllegalMoveError) as info:
            game.play(*ODD_LAST)
        assert info.value.reason == "superko"
    else:
        after = game.play(*ODD_LAST)
        assert after.board_rows() == start and after.to_move is W
    assert {n for n in ALL if ruleset(n).superko == "positional"} == {"chinese", "ing"}


# -- seki and compensation --------------------------------------------------------------------


def finished(diagram: str, name: str, komi: float = 0, handicap: int = 0,
             dead: frozenset[tuple[int, int]] = frozenset()) -> GoGame:
    game = position(diagram, B, ruleset=name, komi=komi, handicap=handicap)
    game = game.pass_move(B).pass_move(W)
    for point in game.dead:
        game = game.mark_dead(point, False)
    for point in dead:
        game = game.mark_dead(point, True)
    return game


@pytest.mark.parametrize("name", ALL)
def test_seki_counts_under_area_scoring_and_not_under_territory(name: str) -> None:
    """Area scoring counts the seki stones and the eye of the black group in seki;
    territory scoring leaves everything bordering the seki neutral."""
    score = finished(SEKI, name).score()
    if name in TERRITORY:
        assert (score.black, score.white, score.result) == (24, 0, "B+24")
        assert (0, 0) not in score.black_territory
    else:
        assert (score.black, score.white, score.result) == (38, 10, "B+28")
        assert (0, 0) in score.black_territory


@pytest.mark.parametrize(("name", "white", "compensation", "result"), [
    ("chinese", 31, 3, "W+10"),  # one point per handicap stone
    ("aga", 30, 2, "W+9"),  # one fewer than the stones
    ("new_zealand", 28, 0, "W+7"),
    ("ing", 28, 0, "W+7"),
    ("japanese", 22, 0, "W+8"),  # territory: nothing paid back
    ("korean", 22, 0, "W+8"),
])
def test_handicap_compensation(name: str, white: float, compensation: int,
                               result: str) -> None:
    """The same position counted as a 3-stone handicap game."""
    score = finished(WALLS, name, handicap=3, dead=frozenset({(5, 3)})).score()
    assert (score.white, score.handicap_compensation, score.result) == (
        white, compensation, result)
    even = finished(WALLS, name, dead=frozenset({(5, 3)})).score()
    assert score.white - even.white == compensation
    assert even.handicap_compensation == 0


@pytest.mark.parametrize(("name", "stones", "points"), [
    ("chinese", 0, 0), ("chinese", 1, 0), ("chinese", 2, 2), ("chinese", 9, 9),
    ("aga", 1, 0), ("aga", 2, 1), ("aga", 9, 8), ("japanese", 9, 0), ("ing", 9, 0),
])
def test_compensation_per_number_of_stones(name: str, stones: int, points: int) -> None:
    assert ruleset(name).handicap_compensation(stones) == points


def test_komi_and_compensation_are_in_the_result_and_the_finished_game() -> None:
    game = finished(WALLS, "chinese", komi=0.5, handicap=3, dead=frozenset({(5, 3)}))
    assert game.finish_by_score().result == "W+10.5"


# -- ending -----------------------------------------------------------------------------------


def test_under_aga_rules_white_passes_last() -> None:
    """Black passing after White does not end play: White must pass again."""
    game = GoGame.new(size=9, ruleset="aga").play(B, (4, 4))
    white_then_black = game.pass_move(W).pass_move(B)
    assert (white_then_black.phase, white_then_black.to_move) == ("playing", W)
    assert white_then_black.pass_move(W).phase == "scoring"
    assert white_then_black.play(W, (2, 2)).phase == "playing"
    black_then_white = game.play(W, (2, 2)).pass_move(B).pass_move(W)
    assert black_then_white.phase == "scoring"


@pytest.mark.parametrize("name", ["japanese", "korean", "chinese", "new_zealand", "ing"])
def test_elsewhere_any_two_passes_end_play(name: str) -> None:
    game = GoGame.new(size=9, ruleset=name).play(B, (4, 4)).pass_move(W).pass_move(B)
    assert game.phase == "scoring"


# -- defaults and records ---------------------------------------------------------------------


@pytest.mark.parametrize(("name", "even", "handicap", "placement", "free"), [
    ("japanese", 6.5, 0.5, "fixed", False),
    ("korean", 6.5, 0.5, "fixed", False),
    ("chinese", 7.5, 0.5, "free", True),
    ("aga", 7.5, 0.5, "fixed", True),
    ("new_zealand", 7, 0, "free", True),
    ("ing", 7.5, 0.5, "free", True),
])
def test_default_komi_and_handicap_placement(name: str, even: float, handicap: float,
                                             placement: str, free: bool) -> None:
    rules = ruleset(name)
    assert (rules.default_komi(0), rules.default_komi(1), rules.default_komi(2)) == (
        even, even, handicap)
    assert (rules.placement, rules.free_placement) == (placement, free)


@pytest.mark.parametrize(("name", "ru"), [
    ("japanese", "Japanese"), ("korean", "Korean"), ("chinese", "Chinese"), ("aga", "AGA"),
    ("new_zealand", "NZ"), ("ing", "GOE"),
])
def test_sgf_names_the_ruleset_and_reads_it_back(name: str, ru: str) -> None:
    game = GoGame.new(size=9, komi=0.5, handicap=3, ruleset=name).play(W, (4, 4))
    text = to_sgf(game)
    assert f"RU[{ru}]" in text and "HA[3]" in text and "KM[0.5]" in text
    again = from_sgf(text)
    assert (again.ruleset, again.superko, again.handicap, again.komi) == (
        name, ruleset(name).superko, 3, 0.5)
    assert again.board_rows() == game.board_rows()


@pytest.mark.parametrize(("ru", "name"), [
    ("Japanese", "japanese"), ("Japanese 1989", "japanese"), ("jp", "japanese"),
    ("Korean", "korean"), ("Chinese", "chinese"), ("cn", "chinese"), ("AGA", "aga"),
    ("NZ", "new_zealand"), ("New Zealand", "new_zealand"), ("GOE", "ing"), ("Ing", "ing"),
    ("new_zealand", "new_zealand"), ("", "chinese"), ("Tromp-Taylor", "chinese"),
])
def test_sgf_rule_names_read(ru: str, name: str) -> None:
    assert ruleset_from_sgf(ru).name == name


def test_the_sgf_result_includes_the_compensation() -> None:
    game = finished(WALLS, "chinese", komi=0.5, handicap=3, dead=frozenset({(5, 3)}))
    assert "RE[W+10.5]" in to_sgf(game.finish_by_score())


def test_the_browser_create_form_knows_the_same_defaults() -> None:
    """web/games/go/rules.js repeats each ruleset's default komi and placement for the create form;
    they must be the server's."""
    text = (Path(__file__).resolve().parents[4] / "web" / "games" / "go" / "rules.js").read_text()
    rows = re.findall(r'\{ id: "(\w+)", label: "[^"]+", title: "([^"]+)", komi: ([\d.]+), '
                      r'handicapKomi: ([\d.]+), free: (true|false), freeByDefault: (true|false) \}',
                      text)
    assert [row[0] for row in rows] == list(RULESETS)
    for name, title, komi, handicap_komi, free, by_default in rows:
        rules = ruleset(name)
        assert (title, float(komi), float(handicap_komi)) == (
            rules.title, rules.default_komi(0), rules.default_komi(2))
        assert (free == "true", by_default == "true") == (
            rules.free_placement, rules.placement == "free")
