"""The games this server can serve, one package each, loaded by name.

A game package has a `server` module with `make_game(settings) -> Game` and, if the game has
bot opponents, `make_bots(settings) -> BotMaker`. The server imports only the games it is told
to serve (`--games`); nothing else in the server imports a game package.

A game built outside this package is served by its module's dotted path instead of a name
(`--games go,examples.rps.game`): any importable module with `make_game` (and optionally
`make_bots`); the game is known by its own `name`.
"""

from __future__ import annotations

import importlib
import importlib.util
from collections.abc import Sequence
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from gameserver.bots.seats import BotMaker
    from gameserver.core.game import Game
    from gameserver.settings import Settings

__all__ = ["AVAILABLE", "UnknownGame", "load_games", "module_of"]

#: game name -> the module that builds it
AVAILABLE: dict[str, str] = {
    "go": "gameserver.games.go.server",
    "connect_four": "gameserver.games.connect_four.server",
}


class UnknownGame(ValueError):
    def __init__(self, name: str) -> None:
        super().__init__(f"no game {name!r} (this server has {', '.join(sorted(AVAILABLE))}, "
                         "or give a module's dotted path)")
        self.name = name


def module_of(entry: str) -> str:
    """The module that builds the game `entry` names: a game of this package by name, or a
    module given by its dotted path (it must be importable)."""
    path = AVAILABLE.get(entry)
    if path is not None:
        return path
    if "." in entry:
        try:
            if importlib.util.find_spec(entry) is not None:
                return entry
        except ImportError:  # a parent package is missing
            pass
    raise UnknownGame(entry)


def load_games(names: Sequence[str],
               settings: Settings) -> tuple[dict[str, Game], dict[str, BotMaker]]:
    """The games called `names`, and the bot makers of those that have bots."""
    games: dict[str, Game] = {}
    bots: dict[str, BotMaker] = {}
    for entry in names:
        module = importlib.import_module(module_of(entry))
        game = module.make_game(settings)
        name = game.name
        games[name] = game
        make_bots = getattr(module, "make_bots", None)
        if make_bots is not None:
            bots[name] = make_bots(settings)
    return games, bots
