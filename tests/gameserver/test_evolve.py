"""`evolve`, the move path's `dataclasses.replace`: the same values, the same refusals."""

from __future__ import annotations

import dataclasses
import inspect
from dataclasses import dataclass

import pytest

from gameserver.core.evolve import evolve, evolver, fast_init
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


@fast_init
@dataclass(frozen=True, slots=True)
class Fast:
    x: int
    y: int = 0
    tags: tuple[str, ...] = dataclasses.field(default_factory=tuple)
    seen: list[int] = dataclasses.field(default_factory=list)


def test_fast_init_builds_what_the_dataclass_init_builds() -> None:
    assert Fast(1) == Fast(x=1, y=0) == Fast(1, 0, (), [])
    assert Fast(1, 2, ("a",), [3]).tags == ("a",)
    assert Fast(1).seen is not Fast(1).seen  # a fresh value from the factory each time
    assert str(inspect.signature(Fast)) == str(inspect.signature(Slow))
    with pytest.raises(dataclasses.FrozenInstanceError):
        Fast(1).x = 2  # type: ignore[misc]


def test_fast_init_refuses_arguments_like_the_dataclass_init() -> None:
    for args, kwargs in (((), {}), ((1, 2, (), [], 5), {}), ((1,), {"z": 3}), ((1,), {"x": 1})):
        with pytest.raises(TypeError) as slow:
            Slow(*args, **kwargs)
        with pytest.raises(TypeError) as fast:
            Fast(*args, **kwargs)
        assert str(fast.value) == str(slow.value).replace("Slow", "Fast")


def test_fast_init_refuses_fields_it_cannot_set_through_init() -> None:
    @dataclass(frozen=True, slots=True)
    class Hidden:
        x: int
        y: int = dataclasses.field(default=0, init=False)

    @dataclass(frozen=True, slots=True)
    class Later:
        x: int

        def __post_init__(self) -> None:
            pass

    with pytest.raises(TypeError, match="positional"):
        fast_init(Hidden)
    with pytest.raises(TypeError, match="__post_init__"):
        fast_init(Later)


@dataclass(frozen=True, slots=True)
class Slow:
    x: int
    y: int = 0
    tags: tuple[str, ...] = dataclasses.field(default_factory=tuple)
    seen: list[int] = dataclasses.field(default_factory=list)


def test_fast_init_sets_fields_declared_by_a_base_class() -> None:
    @dataclass(frozen=True, slots=True)
    class Base:
        id: str

    @fast_init
    @dataclass(frozen=True, slots=True)
    class Derived(Base):
        rev: int = 1

    @fast_init
    @dataclass(frozen=True, slots=True)
    class Empty:
        pass

    assert Derived("a") == Derived(id="a", rev=1)
    assert Empty() == Empty()


def test_an_evolver_is_the_copy_evolve_makes() -> None:
    moved = evolver(Point, "x", "label")
    assert moved(Point(1, 2, "a"), x=5, label="b") == evolve(Point(1, 2, "a"), x=5, label="b")
    with pytest.raises(TypeError, match="'z'"):
        evolver(Point, "z")
