"""What the server loads for Go (`--games go`): the game and its bots, built from the settings."""

from __future__ import annotations

from gameserver.bots.seats import BotMaker
from gameserver.core.game import Game
from gameserver.games.go.bots.brain import GoBots
from gameserver.games.go.rules import GoRules
from gameserver.settings import Settings


def make_game(settings: Settings) -> Game:
    return GoRules(scoring_timeout=settings.scoring_timeout)


def make_bots(settings: Settings) -> BotMaker:
    return GoBots(settings.bot, level=settings.bot_level, gtp_command=settings.gtp_command,
                  timeout=settings.bot_timeout, workers=settings.bot_workers)
