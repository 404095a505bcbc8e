"""What the server loads for light cycles (`--games cycles`): the game (no bots)."""

from __future__ import annotations

from gameserver.core.game import Game
from gameserver.games.cycles.game import Cycles
from gameserver.settings import Settings


def make_game(settings: Settings) -> Game:
    return Cycles()
