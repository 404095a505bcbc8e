"""SGF FF[4]: export a game, import a record by replaying it, clear errors for bad records."""

from __future__ import annotations

import pytest
import sgfmill.sgf

from gameserver.games.go import Color, GoGame, SgfError, from_sgf, read_sgf, to_sgf

B, W = Color.BLACK, Color.WHITE


def sample_game() -> GoGame:
    game = GoGame.new(size=9, komi=0.5, handicap=2, ruleset="japanese")
    for color, point in [(W, (4, 4)), (B, (3, 4)), (W, (4, 3)), (B, None), (W, (0, 0))]:
        game = game.pass_move(color) if point is None else game.play(color, point)
    return game.resign(B)


def test_export_has_the_root_properties_and_moves() -> None:
    text = to_sgf(sample_game(), black_name="Ann", white_name="Bo]b", date="2026-11-23",
                  comments={0: "a test", 2: "good move"})
    assert text == (
        "(;FF[4]GM[1]CA[UTF-8]AP[gameserver]SZ[9]KM[0.5]RU[Japanese]PB[Ann]PW[Bo\\]b]"
        "DT[2026-11-23]HA[2]AB[cg][gc]RE[W+R]C[a test]\n"
        ";W[ee];B[de]C[good move];W[ed];B[];W[aa])\n"
    )


def test_export_is_readable_by_sgfmill() -> None:
    """An independent reader sees the same settings and moves."""
    game = sample_game()
    parsed = sgfmill.sgf.Sgf_game.from_string(to_sgf(game, "Ann", "Bob"))
    assert parsed.get_size() == 9
    assert parsed.get_komi() == 0.5
    assert parsed.get_handicap() == 2
    assert parsed.get_player_name("b") == "Ann"
    moves = [node.get_move() for node in parsed.get_main_sequence()[1:]]
    assert moves == [("w", (4, 4)), ("b", (4, 3)), ("w", (5, 4)), ("b", None), ("w", (8, 0))]


def test_round_trip_replays_to_the_same_game() -> None:
    game = sample_game()
    again = from_sgf(to_sgf(game))
    assert again.board_rows() == game.board_rows()
    assert again.moves == game.moves
    assert (again.komi, again.handicap, again.ruleset, again.result) == (0.5, 2, "japanese", "W+R")
    assert again.phase == "finished"


def test_round_trip_of_a_scored_draw_and_setup_stones() -> None:
    game = GoGame.from_rows(["X....", ".....", "..O..", ".....", "....."], W, komi=-1)
    game = game.play(W, (4, 4)).pass_move(B).pass_move(W).finish_by_score()
    text = to_sgf(game)
    assert "AB[aa]AW[cc]RE[0]" in text
    again = from_sgf(text)
    assert again.board_rows() == game.board_rows()
    assert again.result == game.result


def test_setup_with_black_to_move_writes_pl() -> None:
    game = GoGame.from_rows(["X....", ".....", "..O..", ".....", "....."], B)
    text = to_sgf(game.play(B, (1, 1)))
    assert "AB[aa]AW[cc]PL[B]" in text
    assert from_sgf(text).moves == ((B, (1, 1)),)


def test_draw_is_written_as_zero() -> None:
    game = GoGame.new(size=5, komi=0).pass_move(B).pass_move(W).finish_by_score()
    assert game.result == "Draw"
    assert "RE[0]" in to_sgf(game)
    assert from_sgf(to_sgf(game)).result == "Draw"


def test_import_reads_the_main_line_and_metadata() -> None:
    record = read_sgf("""
        (;GM[1]FF[4]SZ[9]KM[7]PB[Ann]PW[Bob]DT[2026-01-02]RU[AGA]
         ;B[ee]C[start \\] here]
         (;W[cc];B[gg])
         (;W[gc];B[cg]))
    """)
    assert record.black_name == "Ann" and record.white_name == "Bob"
    assert record.date == "2026-01-02"
    assert record.comments == {1: "start ] here"}
    game = record.game
    assert game.moves == ((B, (4, 4)), (W, (2, 2)), (B, (6, 6)))
    assert (game.ruleset, game.komi, game.phase) == ("aga", 7.0, "playing")


def test_import_of_passes_and_scoring() -> None:
    game = from_sgf("(;SZ[9];B[ee];W[];B[tt])")
    assert game.phase == "scoring"
    assert game.moves[-2:] == ((W, None), (B, None))


def test_import_handicap_without_ab_uses_the_fixed_layout() -> None:
    game = from_sgf("(;SZ[19]HA[4]KM[0.5];W[jj])")
    assert game.handicap == 4
    assert game.stone_at((3, 3)) is B and game.stone_at((15, 15)) is B
    assert game.stone_at((9, 9)) is W


def test_import_replays_captures() -> None:
    game = from_sgf("(;SZ[5];B[ba];W[aa];B[ab])")
    assert game.board_rows()[0] == ".X..."
    assert game.captures[B] == 1


@pytest.mark.parametrize(("text", "message"), [
    ("", "bad SGF: the record is empty"),
    ("SZ[9]", "bad SGF at offset 0: expected '(' to open a game tree, found 'S'"),
    ("(;SZ[9];B[ee]", "bad SGF at offset 13: the record ends inside a game tree (missing ')')"),
    ("(;SZ[9];B[ee)", "bad SGF at offset 8: value of B is not closed with ']'"),
    ("(;SZ[9]B)", "bad SGF at offset 8: property B has no value"),
    ("(;GM[2])", "bad SGF: GM[2] is not a game of Go (GM[1])"),
    ("(;SZ[30])", "bad SGF: SZ[30] is outside 5-25"),
    ("(;SZ[9:13])", "bad SGF: SZ[9:13]: only square boards are supported"),
    ("(;SZ[x])", "bad SGF: SZ[x] is not a board size"),
    ("(;KM[6.3])", "bad SGF: KM[6.3] is not a whole or half number"),
    ("(;SZ[9];B[ee];B[ff])", "bad SGF: move 2 (B F4): it is white's turn, not black's"),
    ("(;SZ[9];B[ee];W[ee])", "bad SGF: move 2 (W E5): point E5 is occupied"),
    ("(;SZ[9];B[zz])", "bad SGF: move 1: 'zz' is not a SGF point on a 9x9 board"),
    ("(;SZ[9];B[ee]W[ff])", "bad SGF: node after move 0 holds both a black and a white move"),
    ("(;SZ[9];B[ee];AB[aa])", "bad SGF: setup stones after move 1 are not supported"),
    ("(;SZ[9]RE[Q+3])", "bad SGF: RE[Q+3] is not a result (like B+3.5, W+R, 0)"),
    ("(;SZ[9]HA[3]AB[aa])", None),
    ("(;SZ[9];B[ee]) junk", None),
])
def test_malformed_records(text: str, message: str | None) -> None:
    if message is None:  # tolerated
        from_sgf(text)
        return
    with pytest.raises(SgfError) as info:
        from_sgf(text)
    assert str(info.value) == message


def test_results_are_normalised() -> None:
    assert from_sgf("(;SZ[9]RE[B+Resign])").result == "B+R"
    assert from_sgf("(;SZ[9]RE[W+Time])").result == "W+T"
    assert from_sgf("(;SZ[9]RE[W+3.50])").result == "W+3.5"
    assert from_sgf("(;SZ[9]RE[?])").result is None


def test_without_pl_the_first_move_says_who_starts() -> None:
    game = from_sgf("(;SZ[9]AB[cc][gg]AW[ee];B[dd];W[ff])")
    assert game.moves == ((B, (3, 3)), (W, (5, 5)))
    game = from_sgf("(;SZ[9]AB[cc][gg];W[ee])")
    assert game.moves == ((W, (4, 4)),)
