"""Which games a server serves: this package's by name, a third party's by its module path."""

from __future__ import annotations

import argparse

import pytest

from gameserver.__main__ import _games
from gameserver.games import UnknownGame, load_games
from gameserver.settings import Settings


def test_games_load_by_name_and_by_module_path() -> None:
    """`examples.rps.game` is served under the name its game gives itself."""
    games, bots = load_games(("connect_four", "examples.rps.game"), Settings(db=":memory:"))
    assert sorted(games) == ["connect_four", "rps"]
    assert games["rps"].title == "Rock, paper, scissors"
    assert sorted(bots) == ["connect_four"]


def test_connect_four_is_served_by_default() -> None:
    assert Settings().games == ("go", "connect_four")


@pytest.mark.parametrize("entry", ["chess", "examples.nope", "nope.at.all"])
def test_an_unknown_game_says_what_there_is(entry: str) -> None:
    with pytest.raises(UnknownGame) as error:
        load_games((entry,), Settings(db=":memory:"))
    assert str(error.value) == (f"no game {entry!r} (this server has connect_four, go, or give "
                                "a module's dotted path)")
    with pytest.raises(argparse.ArgumentTypeError, match="the games are go, connect_four"):
        _games(entry)


def test_the_command_line_takes_a_comma_separated_list() -> None:
    assert _games("go, examples.rps.game") == ("go", "examples.rps.game")
