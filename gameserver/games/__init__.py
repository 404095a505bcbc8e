"""The games this server can serve, one package each, loaded by name.

A game package has a `server` module with `make_game(settings) -> Game` and, if the game has
bot opponents, `make_bots(settings) -> BotMaker`. The server imports only the games it is told
to serve (`--games`); nothing else in the server imports a game package.
"""

from __future__ import annotations

import importlib
from collections.abc import Sequence
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from gameserver.bots.seats import BotMaker
    from gameserver.core.game import Game
    from gameserver.settings import Settings

__all__ = ["AVAILABLE", "UnknownGame", "load_games"]

#: game name -> the module that builds it
AVAILABLE: dict[str, str] = {
    "go": "gameserver.games.go.server",
    "connect_four": "gameserver.games.connect_four.server",
}


class UnknownGame(ValueError):
    def __init__(self, name: str) -> None:
        super().__init__(f"no game {name!r} (this server has {', '.join(sorted(AVAILABLE))})")
        self.name = name


def load_games(names: Sequence[str],
               settings: Settings) -> tuple[dict[str, Game], dict[str, BotMaker]]:
    """The games called `names`, and the bot makers of those that have bots."""
    games: dict[str, Game] = {}
    bots: dict[str, BotMaker] = {}
    for name in names:
        path = AVAILABLE.get(name)
        if path is None:
            raise UnknownGame(name)
        module = importlib.import_module(path)
        games[name] = module.make_game(settings)
        make_bots = getattr(module, "make_bots", None)
        if make_bots is not None:
            bots[name] = make_bots(settings)
    return games, bots
