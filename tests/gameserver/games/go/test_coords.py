"""Point notations: (x, y) from the top-left, SGF letters, GTP letters without I."""

from __future__ import annotations

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from gameserver.games.go import (
    Color,
    CoordinateError,
    from_gtp,
    from_sgf_coord,
    to_gtp,
    to_sgf_coord,
)


@pytest.mark.parametrize(("point", "size", "gtp", "sgf"), [
    ((3, 3), 19, "D16", "dd"),
    ((0, 0), 19, "A19", "aa"),
    ((18, 18), 19, "T1", "ss"),
    ((8, 0), 19, "J19", "ia"),
    ((3, 15), 19, "D4", "dp"),
    ((4, 4), 9, "E5", "ee"),
    ((24, 24), 25, "Z1", "yy"),
    ((0, 4), 5, "A1", "ae"),
])
def test_known_points(point: tuple[int, int], size: int, gtp: str, sgf: str) -> None:
    assert to_gtp(point, size) == gtp
    assert from_gtp(gtp, size) == point
    assert from_gtp(gtp.lower(), size) == point
    assert to_sgf_coord(point) == sgf
    assert from_sgf_coord(sgf, size) == point


@pytest.mark.parametrize(("text", "size"), [
    ("I5", 19), ("T20", 19), ("A0", 19), ("K1", 9), ("", 19), ("D", 19), ("4D", 19),
    ("D-4", 19),
])
def test_bad_gtp_points(text: str, size: int) -> None:
    with pytest.raises(CoordinateError) as info:
        from_gtp(text, size)
    assert info.value.text == text
    assert str(info.value) == f"{text!r} is not a GTP point on a {size}x{size} board"


@pytest.mark.parametrize(("text", "size"), [("", 19), ("tt", 19), ("jj", 9), ("a", 19),
                                            ("abc", 19), ("A1", 19)])
def test_bad_sgf_points(text: str, size: int) -> None:
    with pytest.raises(CoordinateError):
        from_sgf_coord(text, size)


def test_off_board_points_have_no_name() -> None:
    with pytest.raises(CoordinateError):
        to_gtp((19, 0), 19)
    with pytest.raises(CoordinateError):
        to_sgf_coord((-1, 0), 19)


@settings(max_examples=200, deadline=None)
@given(st.integers(5, 25).flatmap(
    lambda size: st.tuples(st.just(size), st.integers(0, size - 1), st.integers(0, size - 1))))
def test_round_trips(case: tuple[int, int, int]) -> None:
    size, x, y = case
    assert from_gtp(to_gtp((x, y), size), size) == (x, y)
    assert from_sgf_coord(to_sgf_coord((x, y), size), size) == (x, y)
    assert "I" not in to_gtp((x, y), size)


def test_colour_names() -> None:
    assert Color.BLACK.value == "black" and Color.WHITE.value == "white"
    assert Color.BLACK.opponent is Color.WHITE and Color.WHITE.opponent is Color.BLACK
    assert Color("white") is Color.WHITE
