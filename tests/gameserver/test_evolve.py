"""`evolve`, the move path's `dataclasses.replace`: the same values, the same refusals."""

from __future__ import annotations

import dataclasses
from dataclasses import dataclass

import pytest

from gameserver.core.evolve import evolve
from gameserver.core.match import Match, Seat


@dataclass(frozen=True, slots=True)
class Point:
    x: int
    y: int = 0
    label: str = ""


def test_evolve_gives_what_replace_gives_for_any_set_of_changes() -> None:
    p = Point(1, 2, "a")
    for changes in ({}, {"x": 5}, {"y": 7}, {"label": "b", "x": 3}, {"x": 3, "label": "b"},
                    {"x": 9, "y": 8, "label": "c"}):
        assert evolve(p, **changes) == dataclasses.replace(p, **changes)
    assert p == Point(1, 2, "a")  # the original is untouched


def test_evolve_copies_a_match_with_every_other_field_kept() -> None:
    match = Match(id="g1", game="go", settings={"size": 9}, created_at=1.0, state=None,
                  seat_names=("black", "white"), seats=(Seat("p1", "Ann"), None),
                  present={"black": ("n1",)}, away={"white": 2.0})
    assert evolve(match, rev=2) == dataclasses.replace(match, rev=2)
    assert evolve(match, tail_json="x", action_count=1, rev=3) == dataclasses.replace(
        match, tail_json="x", action_count=1, rev=3)


def test_evolve_refuses_an_unknown_field_like_replace() -> None:
    with pytest.raises(TypeError, match="'z'"):
        evolve(Point(1), z=3)
    with pytest.raises(TypeError, match="'z'"):  # a second time: no half-made entry
        evolve(Point(1), z=3)


def test_evolve_refuses_a_class_without_slots() -> None:
    @dataclass(frozen=True)
    class Loose:
        x: int

    with pytest.raises(TypeError, match="slotted"):
        evolve(Loose(1), x=2)
